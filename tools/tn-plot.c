/* tn-plot - draw training curves from a CSV log, or the weight histogram of
   a model, as a PNG (stb_image_write from Debian's libstb-dev).
   Build: cc -O2 -I. tools/tn-plot.c -o tn-plot -lm -lpthread   (needs libstb-dev)
   Usage: tn-plot LOG.csv OUT.png [COLUMN...]
            x is the first column; by default every column whose name holds
            "loss", "bits" or "acc" is a curve (empty cells are skipped)
          tn-plot --hist MODEL.gguf OUT.png
            histogram of every weight of the 2-D tensors (of a checkpoint: the
            weights, not the optimizer's moments)
   Text: DejaVu Sans through stb_truetype (Debian's fonts-dejavu-core; another
   TrueType file with TN_PLOT_FONT=path), else a built-in 5x7 bitmap font.   */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#define STB_TRUETYPE_IMPLEMENTATION
#include <stb/stb_truetype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define W 900
#define H 540
#define ML 80   /* margins: left, right, top, bottom */
#define MR 30
#define MT 50
#define MB 60
static uint8_t img[H][W][3];

/* a 5x7 font, rows top to bottom, '#' = ink */
static const char *glyph(int c) {
    static const struct { char c; const char *g; } F[] = {
        {'0', " ### #   ##  ### # ###  ##   # ### "}, {'1', "  #   ##    #    #    #    #   ### "},
        {'2', " ### #   #    #   #   #   #   #####"}, {'3', "#####   #   #     #     ##   # ### "},
        {'4', "   #   ##  # # #  # #####   #    # "}, {'5', "######    ####     #    ##   # ### "},
        {'6', "  ##  #   #    #### #   ##   # ### "}, {'7', "#####    #   #   #   #    #    #   "},
        {'8', " ### #   ##   # ### #   ##   # ### "}, {'9', " ### #   ##   # ####    #   #  ##  "},
        {'.', "                          ##   ##  "}, {'-', "               #####               "},
        {'+', "       #    #  #####  #    #       "}, {'%', "##   ##  #   #   #   #   #  ##   ##"},
        {'/', "         #   #   #   #   #         "}, {':', "      ##   ##        ##   ##       "},
        {'_', "                              #####"}, {'(', "   #   #   #    #    #     #     # "},
        {')', " #     #     #    #    #   #   #   "}, {'=', "          #####     #####          "},
        {',', "                     ##    #   #   "}, {' ', "                                   "},
        {'a', "           ###     # #####   # ####"}, {'b', "#    #    # ## ##  ##   ##   ##### "},
        {'c', "           ### #    #    #   # ### "}, {'d', "    #    # ## ##  ###   ##   # ####"},
        {'e', "           ### #   #######     ### "}, {'f', "  ##  #  # #   ###   #    #    #   "},
        {'g', "      #####   ##   # ####    # ### "}, {'h', "#    #    # ## ##  ##   ##   ##   #"},
        {'i', "  #        ##    #    #    #   ### "}, {'j', "   #        ##    #    # #  #  ##  "},
        {'k', "#    #    #  # # #  ##   # #  #  # "}, {'l', " ##    #    #    #    #    #   ### "},
        {'m', "          ## # # # ## # ##   ##   #"}, {'n', "          # ## ##  ##   ##   ##   #"},
        {'o', "           ### #   ##   ##   # ### "}, {'p', "          #### #   ##### #    #    "},
        {'q', "           ## ##  ## ####    #    #"}, {'r', "          # ## ##  ##    #    #    "},
        {'s', "           #####     ###     ##### "}, {'t', " #    #   ###   #    #    #  #  ## "},
        {'u', "          #   ##   ##   ##  ## ## #"}, {'v', "          #   ##   ##   # # #   #  "},
        {'w', "          #   ##   ## # ## # # # # "}, {'x', "          #   # # #   #   # # #   #"},
        {'y', "          #   ##   # ####    # ### "}, {'z', "          #####   #   #   #   #####"},
    };
    size_t i;
    if (c >= 'A' && c <= 'Z') c += 32;
    for (i = 0; i < sizeof(F) / sizeof(F[0]); i++) if (F[i].c == c) return F[i].g;
    return F[21].g; /* unknown: blank */
}
static void px(int x, int y, const uint8_t *c) { if (x >= 0 && x < W && y >= 0 && y < H) memcpy(img[y][x], c, 3); }
/* the TrueType font, when one is found */
static stbtt_fontinfo font;
static unsigned char *font_data;
static int have_font;
static void font_load(void) {
    static const char *const paths[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
                                        "/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/local/share/fonts/DejaVuSans.ttf"};
    const char *env = getenv("TN_PLOT_FONT");
    size_t i;
    for (i = 0; i < 1 + sizeof(paths) / sizeof(paths[0]) && !have_font; i++) {
        const char *p = i == 0 ? env : paths[i - 1];
        FILE *f = p && *p ? fopen(p, "rb") : NULL;
        long n;
        if (!f) continue;
        if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (64l << 20) && fseek(f, 0, SEEK_SET) == 0 &&
            (font_data = (unsigned char *)malloc((size_t)n)) && fread(font_data, 1, (size_t)n, f) == (size_t)n &&
            stbtt_InitFont(&font, font_data, stbtt_GetFontOffsetForIndex(font_data, 0)))
            have_font = 1;
        else { free(font_data); font_data = NULL; }
        fclose(f);
    }
}
static float font_px(int scale) { return scale == 1 ? 13.0f : 19.0f; }
static int text_w(const char *s, int scale);
static void text(int x, int y, const char *s, const uint8_t *c, int scale) {
    if (have_font) { /* anti-aliased, y the top of the line */
        float sc = stbtt_ScaleForPixelHeight(&font, font_px(scale)), xf = (float)x;
        int asc, desc, gap, base;
        stbtt_GetFontVMetrics(&font, &asc, &desc, &gap);
        base = y + (int)(asc * sc + 0.5f);
        for (; *s; s++) {
            int adv, lsb, x0, y0, x1, y1, gw, gh, a, b;
            unsigned char bm[64 * 64];
            stbtt_GetCodepointHMetrics(&font, (unsigned char)*s, &adv, &lsb);
            stbtt_GetCodepointBitmapBox(&font, (unsigned char)*s, sc, sc, &x0, &y0, &x1, &y1);
            gw = x1 - x0; gh = y1 - y0;
            if (gw > 0 && gh > 0 && gw <= 64 && gh <= 64) {
                stbtt_MakeCodepointBitmap(&font, bm, gw, gh, gw, sc, sc, (unsigned char)*s);
                for (b = 0; b < gh; b++)
                    for (a = 0; a < gw; a++) {
                        int X = (int)xf + x0 + a, Y = base + y0 + b, k, al = bm[b * gw + a];
                        if (!al || X < 0 || X >= W || Y < 0 || Y >= H) continue;
                        for (k = 0; k < 3; k++) img[Y][X][k] = (uint8_t)((img[Y][X][k] * (255 - al) + c[k] * al) / 255);
                    }
            }
            xf += adv * sc;
            if (s[1]) xf += sc * stbtt_GetCodepointKernAdvance(&font, (unsigned char)s[0], (unsigned char)s[1]);
        }
        return;
    }
    for (; *s; s++, x += 6 * scale) {
        const char *g = glyph(*s);
        int r, k, a, b;
        for (r = 0; r < 7; r++)
            for (k = 0; k < 5; k++)
                if (g[r * 5 + k] == '#')
                    for (a = 0; a < scale; a++) for (b = 0; b < scale; b++) px(x + k * scale + a, y + r * scale + b, c);
    }
}
static int text_w(const char *s, int scale) {
    if (have_font) {
        float sc = stbtt_ScaleForPixelHeight(&font, font_px(scale)), w = 0;
        for (; *s; s++) { int adv, lsb; stbtt_GetCodepointHMetrics(&font, (unsigned char)*s, &adv, &lsb); w += adv * sc; }
        return (int)(w + 0.5f);
    }
    return (int)strlen(s) * 6 * scale;
}
static void line(int x0, int y0, int x1, int y1, const uint8_t *c, int thick) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy, a, b;
    for (;;) {
        for (a = 0; a < thick; a++) for (b = 0; b < thick; b++) px(x0 + a - thick / 2, y0 + b - thick / 2, c);
        if (x0 == x1 && y0 == y1) break;
        { int e2 = 2 * err; if (e2 >= dy) { err += dy; x0 += sx; } if (e2 <= dx) { err += dx; y0 += sy; } }
    }
}
static void rect(int x0, int y0, int x1, int y1, const uint8_t *c) { int x, y; for (y = y0; y <= y1; y++) for (x = x0; x <= x1; x++) px(x, y, c); }

static const uint8_t BLACK[3] = {0, 0, 0}, GRID[3] = {225, 225, 225}, WHITE[3] = {255, 255, 255};
static const uint8_t COLORS[6][3] = {{31, 119, 180}, {214, 39, 40}, {44, 160, 44}, {255, 127, 14}, {148, 103, 189}, {140, 86, 75}};

/* nice tick step for a range */
static double nice_step(double range, int n) {
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}
/* one format for every tick of an axis: fixed decimals from the step, or
   exponents with the step's digits when the numbers are very large or small */
static void fmt_num(char *buf, double v, double step, double mag) {
    if (fabs(v) < step * 1e-6) v = 0;
    if (mag >= 1e6 || step < 1e-4) {
        int d = (int)floor(log10(mag > 0 ? mag : 1)) - (int)floor(log10(step));
        snprintf(buf, 32, "%.*e", d < 0 ? 0 : d > 6 ? 6 : d, v);
    } else {
        int d = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, 32, "%.*f", d, v);
    }
}

/* axes, grid and tick labels for [x0,x1] x [y0,y1] */
static void axes(double x0, double x1, double y0, double y1, const char *xlabel, const char *ylabel, const char *title) {
    double s, v;
    char buf[32];
    rect(0, 0, W - 1, H - 1, WHITE);
    s = nice_step(y1 - y0, 6);
    for (v = ceil(y0 / s) * s; v <= y1 + s * 1e-9; v += s) {
        int y = H - MB - (int)((v - y0) / (y1 - y0) * (H - MT - MB));
        line(ML, y, W - MR, y, GRID, 1);
        line(ML - 5, y, ML, y, BLACK, 1);
        fmt_num(buf, v, s, fmax(fabs(y0), fabs(y1)));
        text(ML - 8 - text_w(buf, 1), y - 6, buf, BLACK, 1);
    }
    s = nice_step(x1 - x0, 8);
    for (v = ceil(x0 / s) * s; v <= x1 + s * 1e-9; v += s) {
        int x = ML + (int)((v - x0) / (x1 - x0) * (W - ML - MR));
        line(x, MT, x, H - MB, GRID, 1);
        line(x, H - MB, x, H - MB + 5, BLACK, 1);
        fmt_num(buf, v, s, fmax(fabs(x0), fabs(x1)));
        text(x - text_w(buf, 1) / 2, H - MB + 10, buf, BLACK, 1);
    }
    line(ML, H - MB, W - MR, H - MB, BLACK, 2);
    line(ML, MT, ML, H - MB, BLACK, 2);
    text((W - text_w(xlabel, 2)) / 2, H - 28, xlabel, BLACK, 2);
    text(10, MT - 22, ylabel, BLACK, 2);
    text((W - text_w(title, 2)) / 2, 12, title, BLACK, 2);
}

static int plot_csv(const char *path, const char *out, int ncols_req, char **cols_req) {
    FILE *f = fopen(path, "r");
    char line_buf[4096], *names[32];
    int ncol = 0, use[32], nuse = 0, i, nrow = 0, cap = 1024, c;
    double *data = NULL, x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    if (!f) { fprintf(stderr, "tn-plot: cannot open %s\n", path); return 1; }
    if (!fgets(line_buf, sizeof(line_buf), f)) { fprintf(stderr, "tn-plot: %s is empty\n", path); fclose(f); return 1; }
    line_buf[strcspn(line_buf, "\r\n")] = 0;
    { char *tok = strtok(line_buf, ","); while (tok && ncol < 32) { names[ncol++] = strdup(tok); tok = strtok(NULL, ","); } }
    for (i = 1; i < ncol; i++) {
        int want = 0, k;
        if (ncols_req) { for (k = 0; k < ncols_req; k++) want |= !strcmp(names[i], cols_req[k]); }
        else want = strstr(names[i], "loss") || strstr(names[i], "bits") || strstr(names[i], "acc");
        if (want && nuse < 6) use[nuse++] = i;
    }
    if (ncol < 2 || !nuse) { fprintf(stderr, "tn-plot: %s has no column to plot (name them, or use loss/bits/acc columns)\n", path); fclose(f); return 1; }
    data = (double *)malloc(sizeof(double) * (size_t)cap * (size_t)ncol);
    while (fgets(line_buf, sizeof(line_buf), f)) {
        char *p = line_buf;
        if (nrow == cap) { cap *= 2; data = (double *)realloc(data, sizeof(double) * (size_t)cap * (size_t)ncol); }
        for (c = 0; c < ncol; c++) {
            char *end;
            double v = strtod(p, &end);
            data[nrow * ncol + c] = end == p ? NAN : v;
            p = strchr(p, ',');
            if (!p) { for (c++; c < ncol; c++) data[nrow * ncol + c] = NAN; break; }
            p++;
        }
        nrow++;
    }
    fclose(f);
    { /* drop the columns without a single number */
        int k = 0;
        for (c = 0; c < nuse; c++) {
            int any = 0;
            for (i = 0; i < nrow && !any; i++) any = data[i * ncol + use[c]] == data[i * ncol + use[c]];
            if (any) use[k++] = use[c];
        }
        nuse = k;
        if (!nuse) { fprintf(stderr, "tn-plot: the chosen columns of %s hold no numbers\n", path); return 1; }
    }
    for (i = 0; i < nrow; i++) {
        double x = data[i * ncol];
        if (x != x) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        for (c = 0; c < nuse; c++) {
            double y = data[i * ncol + use[c]];
            if (y != y) continue;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
        }
    }
    if (nrow == 0 || x0 > x1 || y0 > y1) { fprintf(stderr, "tn-plot: %s has no numbers to plot\n", path); return 1; }
    if (x1 == x0) { double h = fabs(x0) * 0.05 + 1.0; x0 -= h; x1 += h; } /* one row: its point in the middle */
    { double pad = y1 > y0 ? (y1 - y0) * 0.05 : fabs(y0) * 0.05 + 1.0; y0 -= pad; y1 += pad; }
    {
        const char *base = strrchr(path, '/');
        char ylab[128];
        int all_loss = 1, all_bits = 1, all_acc = 1;
        for (c = 0; c < nuse; c++) {
            all_loss &= strstr(names[use[c]], "loss") != NULL;
            all_bits &= strstr(names[use[c]], "bits") != NULL;
            all_acc &= strstr(names[use[c]], "acc") != NULL;
        }
        if (nuse == 1) snprintf(ylab, sizeof(ylab), "%s", names[use[0]]);
        else if (all_loss) snprintf(ylab, sizeof(ylab), "loss");
        else if (all_bits) snprintf(ylab, sizeof(ylab), "bits per character");
        else if (all_acc) snprintf(ylab, sizeof(ylab), "accuracy");
        else { /* the columns' names */
            size_t n = 0;
            ylab[0] = 0;
            for (c = 0; c < nuse && n + 3 < sizeof(ylab); c++) n += (size_t)snprintf(ylab + n, sizeof(ylab) - n, "%s%s", c ? ", " : "", names[use[c]]);
        }
        axes(x0, x1, y0, y1, names[0], ylab, base ? base + 1 : path);
    }
    for (c = 0; c < nuse; c++) {
        int prev_x = -1, prev_y = -1, npts = 0;
        for (i = 0; i < nrow; i++) {
            double x = data[i * ncol], y = data[i * ncol + use[c]];
            int X, Y;
            if (x != x || y != y) continue;
            X = ML + (int)((x - x0) / (x1 - x0) * (W - ML - MR));
            Y = H - MB - (int)((y - y0) / (y1 - y0) * (H - MT - MB));
            if (prev_x >= 0) line(prev_x, prev_y, X, Y, COLORS[c], 2);
            else rect(X - 1, Y - 1, X + 1, Y + 1, COLORS[c]);
            prev_x = X; prev_y = Y;
            npts++;
        }
        if (npts == 1) rect(prev_x - 3, prev_y - 3, prev_x + 3, prev_y + 3, COLORS[c]); /* a curve of one point shows as a square */
        rect(W - MR - 200, MT + 10 + 20 * c, W - MR - 180, MT + 14 + 20 * c, COLORS[c]);
        text(W - MR - 172, MT + 8 + 20 * c, names[use[c]], BLACK, 1);
    }
    free(data);
    if (!stbi_write_png(out, W, H, 3, img, W * 3)) { fprintf(stderr, "tn-plot: cannot write %s\n", out); return 1; }
    printf("wrote %s (%d points, %d curve%s)\n", out, nrow, nuse, nuse > 1 ? "s" : "");
    return 0;
}

/* a checkpoint's optimizer moments: m.J / v.J (version 1), NAME.adam_m, .adam_v, .momentum, .lion_m, #J.* (version 2) */
static int optim_part(const char *name) {
    static const char *const suf[4] = {".adam_m", ".adam_v", ".momentum", ".lion_m"};
    size_t n = strlen(name), k;
    if (name[0] == '#' || ((name[0] == 'm' || name[0] == 'v') && name[1] == '.')) return 1;
    for (k = 0; k < 4; k++) if (n >= strlen(suf[k]) && !strcmp(name + n - strlen(suf[k]), suf[k])) return 1;
    return 0;
}
static int plot_hist(const char *path, const char *out) {
    tn_gguf *g;
    enum { NB = 120 };
    double lo = 1e300, hi = -1e300, cnt[NB], mx = 0;
    int64_t i, total = 0, nonfinite = 0, skipped = 0;
    int pass, b, is_ckpt = 0;
    char title[256];
    if (tn_gguf_read_file(path, 0, &g)) { fprintf(stderr, "tn-plot: %s\n", tn_last_error()); return 1; }
    {
        const char *arch;
        uint64_t al;
        int64_t ki = tn_gguf_find_key(g, "general.architecture");
        is_ckpt = ki >= 0 && tn_gguf_get_str(g, ki, &arch, &al) == TN_OK && al == 18 && !memcmp(arch, "ternary-checkpoint", 18);
    }
    memset(cnt, 0, sizeof(cnt));
    for (pass = 0; pass < 2; pass++) {
        if (pass == 1 && hi <= lo) hi = lo + fabs(lo) * 1e-6 + 1.0; /* one value: a bin of width > 0 */
        for (i = 0; i < tn_gguf_n_tensors(g); i++) {
            tn_gguf_tensor t;
            const tn_type_traits *tr;
            int64_t r, n, k;
            float *row;
            tn_gguf_get_tensor(g, i, &t);
            tr = tn_type_get_traits(t.type);
            if (t.n_dims < 2 || !tr || !tr->can_dequantize) continue;
            if (is_ckpt && optim_part(t.name)) { skipped += pass == 0; continue; } /* the weights, not Adam's moments */
            n = t.ne[0] ? t.ne[1] * t.ne[2] * t.ne[3] : 0; /* rows; with n > 0 the reader bounded ne[0] by the file */
            if (!n) continue;
            if (!(row = (float *)malloc(sizeof(float) * (size_t)t.ne[0]))) { fprintf(stderr, "tn-plot: out of memory for '%s'\n", t.name); tn_gguf_free(g); return 1; }
            for (r = 0; r < n; r++) {
                if (tn_dequantize_row(t.type, (const uint8_t *)t.data + (size_t)r * tn_row_size(t.type, t.ne[0]), row, t.ne[0]) != TN_OK) {
                    fprintf(stderr, "tn-plot: '%s': %s\n", t.name, tn_last_error());
                    free(row);
                    tn_gguf_free(g);
                    return 1;
                }
                for (k = 0; k < t.ne[0]; k++) {
                    double v = row[k];
                    if (!isfinite(v)) { nonfinite += pass == 0; continue; }
                    if (pass == 0) { if (v < lo) lo = v; if (v > hi) hi = v; total++; }
                    else { b = (int)((v - lo) / (hi - lo) * NB); cnt[b < 0 ? 0 : b >= NB ? NB - 1 : b] += 1; }
                }
            }
            free(row);
        }
    }
    tn_gguf_free(g);
    if (nonfinite) fprintf(stderr, "tn-plot: warning: %lld weights of %s are NaN or infinite; they are not drawn\n", (long long)nonfinite, path);
    if (!total) { fprintf(stderr, "tn-plot: %s has no finite 2-D weights\n", path); return 1; }
    for (b = 0; b < NB; b++) if (cnt[b] > mx) mx = cnt[b];
    {
        const char *base = strrchr(path, '/');
        snprintf(title, sizeof(title), "weights of %s", base ? base + 1 : path);
    }
    axes(lo, hi, 0, mx * 1.05, "weight value", "count", title);
    for (b = 0; b < NB; b++) {
        int xa = ML + (int)((double)b / NB * (W - ML - MR)), xb = ML + (int)((double)(b + 1) / NB * (W - ML - MR)) - 1;
        int y = H - MB - (int)(cnt[b] / (mx * 1.05) * (H - MT - MB));
        if (cnt[b] > 0) rect(xa, y, xb, H - MB - 1, COLORS[0]);
    }
    if (!stbi_write_png(out, W, H, 3, img, W * 3)) { fprintf(stderr, "tn-plot: cannot write %s\n", out); return 1; }
    printf("wrote %s (%lld weights in %d bins%s)\n", out, (long long)total, NB, skipped ? "; the checkpoint's optimizer state left out" : "");
    return 0;
}

int main(int argc, char **argv) {
    font_load();
    if (argc == 4 || (argc >= 3 && argv[1][0] != '-'))
        printf("tn-plot (ternary.h %d.%d.%d, %s kernels)\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    if (argc == 4 && !strcmp(argv[1], "--hist")) return plot_hist(argv[2], argv[3]);
    if (argc >= 3 && argv[1][0] != '-') return plot_csv(argv[1], argv[2], argc - 3, argv + 3);
    fprintf(stderr, "usage: %s LOG.csv OUT.png [COLUMN...]\n       %s --hist MODEL.gguf OUT.png\n", argv[0], argv[0]);
    return argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 2;
}
