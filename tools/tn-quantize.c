/* tn-quantize - requantize every tensor of a GGUF (or .safetensors) file.
   Build: cc -O2 -I. tools/tn-quantize.c -o tn-quantize -lm -lpthread
   Usage: tn-quantize [--absmean] [--mmap] [--mix] [--imatrix FILE] IN.gguf|IN.safetensors OUT.gguf TYPE
     TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_K q3_K q4_K q5_K q6_K
           iq4_nl iq4_xs mxfp4 nvfp4 q1_0 q2_0 tq1_0 tq2_0, the grid types
           iq2_xxs iq2_xs iq2_s iq3_xxs iq3_s iq1_s iq1_m, or keep (copy as is)
     --imatrix FILE  llama.cpp's importance matrix (llama-imatrix's GGUF, with
             <tensor>.in_sum2 and <tensor>.counts, or its older .dat file), read
             as llama-quantize reads it (sums / counts per expert); the grid
             types need one for every tensor but token_embd and output, as in
             llama-quantize (iq3_s excepted); q4_0..q5_1, the K-quants and
             iq4_nl/iq4_xs use it as ggml does, so with the same file the bytes
             are llama-quantize's (the mixes too: iq4_nl/iq4_xs then keep
             ffn_down at the main type, as llama-quantize does with one)
     MIX:  q2_k q3_k_s q3_k_m q3_k_l q4_k_s q4_k_m q5_k_s q5_k_m q6_k iq4_nl
           iq4_xs, and with an importance matrix q2_k_s iq2_xxs iq2_xs iq2_s
           iq2_m iq3_xxs iq3_xs iq3_s iq3_m iq1_s iq1_m, with --mix (the
           _s/_m/_l names that are not a type's imply it): each tensor's type
           as llama-quantize chooses it for that ftype on a llama-shaped model,
           with or without --imatrix (attn_v, ffn_down, output and the
           tied embedding get more bits by layer); without --mix TYPE is one
           type for every tensor of 2 or more dims
     --mmap  map a GGUF input instead of reading it (faster for big files, but
             a file truncated by someone else while it is mapped kills the
             process with SIGBUS; the default reads it into memory)
   Tensors of 2 or more dims are converted with ggml's reference quantizers,
   so the bytes equal llama-quantize's for the same f32 values; 1-D tensors
   (norms, biases) are kept. A tensor whose rows are not whole blocks of TYPE
   falls back as llama-quantize's does (q2_K, q3_K, q2_0, tq1_0, tq2_0 -> q4_0, the grid types -> iq4_nl,
   q4_K -> q5_0, q5_K -> q5_1, q6_K -> q8_0, iq4_xs -> iq4_nl, then f16; q1_0
   and nvfp4 have none, as in llama-quantize: an error), and is named. A tensor whose values are already ternary (one
   scale) goes to tq1_0/tq2_0 losslessly; --absmean ternarizes float tensors
   with BitNet's per-tensor absmean rule instead of ggml's per-block absmax.
   All metadata is kept (general.file_type follows TYPE), so a file llama.cpp
   runs (tensor names, keys, tokenizer) stays one it runs: the output is
   checked as tn-inspect checks it, and refused if it would not load. On any
   error nothing is written. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <string.h>
#include <errno.h>

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--absmean] [--mmap] [--mix] [--imatrix FILE] IN.gguf|IN.safetensors OUT.gguf TYPE|MIX\n"
                    "  TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs mxfp4 nvfp4 q1_0 q2_0 tq1_0 tq2_0\n"
                    "        iq2_xxs iq2_xs iq2_s iq3_xxs iq3_s iq1_s iq1_m (with --imatrix) keep\n"
                    "  MIX (llama-quantize's per-tensor choices, --mix): q2_k q3_k_s q3_k_m q3_k_l q4_k_s q4_k_m q5_k_s q5_k_m q6_k iq4_nl iq4_xs\n"
                    "       with --imatrix: q2_k_s iq2_xxs iq2_xs iq2_s iq2_m iq3_xxs iq3_xs iq3_s iq3_m iq1_s iq1_m\n", argv0);
    return 2;
}

/* one scale s with every value in {-s, 0, s}? */
static int is_ternary(const float *x, int64_t n, float *s) {
    int64_t i;
    float a = 0.0f;
    for (i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        if (v == 0.0f) continue;
        if (a == 0.0f) a = v;
        else if (v != a) return 0;
    }
    *s = a;
    return a > 0.0f;
}

static long n_converted, n_kept, n_fallback, n_imatrix; /* for the summary line */

static int add(tn_gguf *out, const char *name, tn_type type, int n_dims, const int64_t *ne, const void *data) {
    if (tn_gguf_add_tensor(out, name, type, n_dims, ne, data) == TN_OK) return 0;
    fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
    return 1;
}


static int ends_with(const char *s, const char *t) { size_t n = strlen(s), m = strlen(t); return n >= m && strcmp(s + n - m, t) == 0; }
/* -- importance matrices: llama.cpp's imatrix files, read as llama-quantize
   reads them (common/imatrix-loader.cpp, tools/quantize/quantize.cpp): the
   GGUF of llama-imatrix (<name>.in_sum2 and <name>.counts, f32, one count per
   expert; keys imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size), the
   value sums / count rounded to an integer, 1 where the count is 0; or the
   older .dat file (entries of name, ncall, values; sums / ncall) -- */
typedef struct { char *name; float *v; int64_t n; } imx_entry;
static imx_entry *imx;
static int64_t n_imx;
static char imx_dataset[128];
static uint32_t imx_chunks;
static int imx_cmp(const void *a, const void *b) { return strcmp(((const imx_entry *)a)->name, ((const imx_entry *)b)->name); }
static const imx_entry *imx_find(const char *name) {
    imx_entry k;
    k.name = (char *)name;
    return n_imx ? (const imx_entry *)bsearch(&k, imx, (size_t)n_imx, sizeof(*imx), imx_cmp) : NULL;
}
static void imx_free(void) {
    int64_t i;
    for (i = 0; i < n_imx; i++) { free(imx[i].name); free(imx[i].v); }
    free(imx);
    imx = NULL;
    n_imx = 0;
}
/* one entry: n values in nc expert slices, each divided by its count (gguf) or by ncall (legacy, nc 1) */
static int imx_add(const char *path, const char *name, size_t nlen, const float *sums, int64_t n, const float *counts, int64_t nc, int legacy) {
    imx_entry *e, *grown;
    int64_t j, i, per;
    if (nc < 1 || n < 1 || n % nc) { fprintf(stderr, "tn-quantize: %s: entry '%.*s' has %lld values for %lld counts\n", path, (int)nlen, name, (long long)n, (long long)nc); return 1; }
    if ((uint64_t)n > (uint64_t)SIZE_MAX / sizeof(float)) { fprintf(stderr, "tn-quantize: %s: entry '%.*s' is too large\n", path, (int)nlen, name); return 1; }
    grown = (imx_entry *)realloc(imx, sizeof(*imx) * (size_t)(n_imx + 1));
    if (!grown) { fprintf(stderr, "tn-quantize: out of memory\n"); return 1; }
    imx = grown;
    e = &imx[n_imx];
    e->name = (char *)malloc(nlen + 1);
    e->v = (float *)malloc(sizeof(float) * (size_t)n);
    e->n = n;
    if (!e->name || !e->v) { free(e->name); free(e->v); fprintf(stderr, "tn-quantize: out of memory\n"); return 1; }
    memcpy(e->name, name, nlen);
    e->name[nlen] = 0;
    n_imx++;
    per = n / nc;
    for (j = 0; j < nc; j++) {
        float c;
        memcpy(&c, &counts[j], 4);
        if (!(c >= 0.0f) || c > 9.0e15f) { fprintf(stderr, "tn-quantize: %s: entry '%s' has count %g: not a count\n", path, e->name, (double)c); return 1; }
        if (!legacy) c = (float)(int64_t)llround(c);
        for (i = 0; i < per; i++) {
            float v;
            memcpy(&v, &sums[j * per + i], 4);
            e->v[j * per + i] = legacy ? (c > 0.0f ? v / c : v) : (c > 0.0f ? v / c : 1.0f);
            if (!isfinite(e->v[j * per + i]) || e->v[j * per + i] < 0.0f) {
                fprintf(stderr, "tn-quantize: %s: entry '%s' value %lld is %g: an importance matrix holds finite sums of squares\n", path, e->name,
                        (long long)(j * per + i), (double)e->v[j * per + i]);
                return 1;
            }
        }
    }
    return 0;
}
static int32_t rd_i32(const unsigned char *p) { return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24); }
static int imx_load_legacy(const char *path, const unsigned char *b, size_t len) {
    size_t o = 4;
    int32_t ne, k;
    if (len < 4 || (ne = rd_i32(b)) < 1) { fprintf(stderr, "tn-quantize: %s: neither an imatrix GGUF nor a legacy imatrix file with entries\n", path); return 1; }
    for (k = 0; k < ne; k++) {
        int32_t nl, ncall, nval;
        const unsigned char *nm;
        float cnt;
        if (len - o < 4 || (nl = rd_i32(b + o)) < 0 || (size_t)nl > len - o - 4) { fprintf(stderr, "tn-quantize: %s: entry %d: name runs past the end of the file\n", path, k + 1); return 1; }
        nm = b + o + 4;
        o += 4 + (size_t)nl;
        if (len - o < 8) { fprintf(stderr, "tn-quantize: %s: entry %d: truncated\n", path, k + 1); return 1; }
        ncall = rd_i32(b + o);
        nval = rd_i32(b + o + 4);
        o += 8;
        if (nval < 1 || (size_t)nval > (len - o) / 4) { fprintf(stderr, "tn-quantize: %s: entry %d: %d values, more than the file holds\n", path, k + 1, nval); return 1; }
        if (memchr(nm, 0, (size_t)nl)) { fprintf(stderr, "tn-quantize: %s: entry %d: a NUL byte in its name\n", path, k + 1); return 1; }
        cnt = ncall > 0 ? (float)ncall : 0.0f;
        if (imx_add(path, (const char *)nm, (size_t)nl, (const float *)(const void *)(b + o), nval, &cnt, 1, 1)) return 1;
        o += 4 * (size_t)nval;
    }
    if (len - o >= 4) { /* optional: the chunk count and the dataset's name */
        int32_t nc = rd_i32(b + o), dl;
        imx_chunks = nc > 0 ? (uint32_t)nc : 0;
        o += 4;
        if (len - o >= 4 && (dl = rd_i32(b + o)) > 0 && (size_t)dl <= len - o - 4) {
            size_t c = (size_t)dl < sizeof(imx_dataset) - 1 ? (size_t)dl : sizeof(imx_dataset) - 1;
            memcpy(imx_dataset, b + o + 4, c);
            imx_dataset[c] = 0;
        }
    }
    return 0;
}
static int imx_load(const char *path) {
    FILE *f = fopen(path, "rb");
    unsigned char *b = NULL;
    size_t len = 0, cap = 0, got;
    int rc = 0;
    int64_t i;
    if (!f) { fprintf(stderr, "tn-quantize: cannot open imatrix '%s': %s\n", path, strerror(errno)); return 1; }
    do { /* the whole file: a legacy one is parsed from memory */
        if (len == cap) {
            unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : (unsigned char *)realloc(b, cap ? 2 * cap : 65536);
            if (!nb) { free(b); fclose(f); fprintf(stderr, "tn-quantize: out of memory reading '%s'\n", path); return 1; }
            b = nb;
            cap = cap ? 2 * cap : 65536;
        }
        got = fread(b + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) { fprintf(stderr, "tn-quantize: cannot read imatrix '%s': %s\n", path, strerror(errno)); fclose(f); free(b); return 1; }
    fclose(f);
    if (len >= 4 && memcmp(b, "GGUF", 4) == 0) {
        tn_gguf *g = NULL;
        int64_t kd, kc, ks;
        if (tn_gguf_read_memory(b, len, &g) != TN_OK) { fprintf(stderr, "tn-quantize: imatrix '%s': %s\n", path, tn_last_error()); free(b); return 1; }
        kd = tn_gguf_find_key(g, "imatrix.datasets");
        kc = tn_gguf_find_key(g, "imatrix.chunk_count");
        ks = tn_gguf_find_key(g, "imatrix.chunk_size");
        if (kd < 0 || kc < 0 || ks < 0) {
            fprintf(stderr, "tn-quantize: imatrix '%s': missing imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size), as llama-quantize requires\n", path);
            rc = 1;
        }
        if (!rc && tn_gguf_kv_type(g, kd) == TN_GGUF_ARRAY && tn_gguf_arr_type(g, kd) == TN_GGUF_STRING && tn_gguf_arr_n(g, kd) > 0) {
            uint64_t dl;
            const char *d = tn_gguf_arr_str(g, kd, 0, &dl);
            if (d) { size_t c = dl < sizeof(imx_dataset) - 1 ? (size_t)dl : sizeof(imx_dataset) - 1; memcpy(imx_dataset, d, c); imx_dataset[c] = 0; }
        }
        if (!rc && tn_gguf_get_u32(g, kc, &imx_chunks) != TN_OK) { fprintf(stderr, "tn-quantize: imatrix '%s': imatrix.chunk_count is not a u32\n", path); rc = 1; }
        for (i = 0; i < tn_gguf_n_tensors(g) && !rc; i++) {
            tn_gguf_tensor t, c;
            size_t nl;
            char cname[TN_MAX_NAME + 8];
            int64_t ci, nv = 1, nc = 1;
            int d;
            tn_gguf_get_tensor(g, i, &t);
            nl = strlen(t.name);
            if (ends_with(t.name, ".counts")) {
                memcpy(cname, t.name, nl - 7);
                memcpy(cname + nl - 7, ".in_sum2", 9);
                if (tn_gguf_find_tensor(g, cname) < 0) { fprintf(stderr, "tn-quantize: imatrix '%s': %s has no %s beside it\n", path, t.name, cname); rc = 1; }
                continue;
            }
            if (!ends_with(t.name, ".in_sum2")) continue;
            memcpy(cname, t.name, nl - 8);
            memcpy(cname + nl - 8, ".counts", 8);
            if ((ci = tn_gguf_find_tensor(g, cname)) < 0) { fprintf(stderr, "tn-quantize: imatrix '%s': %s has no %s beside it\n", path, t.name, cname); rc = 1; break; }
            tn_gguf_get_tensor(g, ci, &c);
            if (t.type != TN_TYPE_F32 || c.type != TN_TYPE_F32) { fprintf(stderr, "tn-quantize: imatrix '%s': %s and %s must be f32\n", path, t.name, c.name); rc = 1; break; }
            for (d = 0; d < 4; d++) { nv *= t.ne[d]; nc *= c.ne[d]; } /* the reader bounded both by the file's size */
            rc = imx_add(path, t.name, nl - 8, (const float *)t.data, nv, (const float *)c.data, nc, 0);
        }
        tn_gguf_free(g);
    } else {
        rc = imx_load_legacy(path, b, len);
        if (rc && n_imx == 0) fprintf(stderr, "  ('%s' is not a GGUF, and read as llama.cpp's legacy .dat imatrix it is malformed)\n", path);
    }
    free(b);
    if (!rc && n_imx == 0) { fprintf(stderr, "tn-quantize: imatrix '%s' holds no entries\n", path); rc = 1; }
    if (!rc) {
        qsort(imx, (size_t)n_imx, sizeof(*imx), imx_cmp);
        for (i = 1; i < n_imx && !rc; i++)
            if (strcmp(imx[i - 1].name, imx[i].name) == 0) { fprintf(stderr, "tn-quantize: imatrix '%s': two entries for '%s'\n", path, imx[i].name); rc = 1; }
    }
    if (!rc) printf("imatrix: %lld entries from %s (%u chunks%s%s)\n", (long long)n_imx, path, imx_chunks, imx_dataset[0] ? ", dataset " : "", imx_dataset);
    return rc;
}
static int is_grid(tn_type t) {
    return t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS || t == TN_TYPE_IQ2_S || t == TN_TYPE_IQ3_XXS || t == TN_TYPE_IQ3_S || t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M;
}
/* llama-quantize: these types need an importance matrix for every tensor but the embeddings and the head
   (and q2_K does in the q2_k_s mix) */
static int q2_K_needs_imatrix;
static int needs_imatrix(tn_type t, const char *name) {
    if (strcmp(name, "token_embd.weight") == 0 || strcmp(name, "output.weight") == 0) return 0;
    return t == TN_TYPE_IQ3_XXS || t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS || t == TN_TYPE_IQ2_S || t == TN_TYPE_IQ1_M || t == TN_TYPE_IQ1_S ||
           (t == TN_TYPE_Q2_K && q2_K_needs_imatrix);
}

static int convert(tn_gguf *out, const char *name, tn_type src_type, int n_dims, const int64_t *ne, const void *src,
                   tn_type type, int absmean, int keep, void ***owned, int *n_owned) {
    const imx_entry *im = NULL;
    int64_t n = 1, r, nr;
    int d;
    float *f;
    void *dst;
    size_t rs;
    const tn_type_traits *tr = tn_type_get_traits(src_type);
    for (d = 0; d < 4; d++) n *= ne[d];
    if (keep || n_dims < 2 || src_type == type) { n_kept += !keep && src_type != type; return add(out, name, src_type, n_dims, ne, src); }
    if (!tr || !tr->can_dequantize) { fprintf(stderr, "tn-quantize: cannot decode '%s' of type %s\n", name, tn_type_name(src_type)); return 1; }
    if (ne[0] % tn_blck_size(type) != 0) { /* llama-quantize's fallback for rows that are not whole blocks */
        tn_type fb = type == TN_TYPE_Q4_K ? TN_TYPE_Q5_0 : type == TN_TYPE_Q5_K ? TN_TYPE_Q5_1 : type == TN_TYPE_Q6_K ? TN_TYPE_Q8_0
                   : type == TN_TYPE_IQ4_XS || is_grid(type) ? TN_TYPE_IQ4_NL : tn_blck_size(type) > 32 ? TN_TYPE_Q4_0 : type;
        if (type == TN_TYPE_Q1_0 || type == TN_TYPE_NVFP4) {
            fprintf(stderr, "tn-quantize: '%s' has rows of %lld values, not whole %s blocks of %lld, and %s has no fallback "
                            "(as in llama-quantize); choose another type\n", name, (long long)ne[0], tn_type_name(type),
                    (long long)tn_blck_size(type), tn_type_name(type));
            return 1;
        }
        if (ne[0] % tn_blck_size(fb) != 0) fb = TN_TYPE_F16;
        printf("  %s: rows of %lld values are not whole %s blocks of %lld: %s instead\n", name, (long long)ne[0], tn_type_name(type),
               (long long)tn_blck_size(type), tn_type_name(fb));
        type = fb;
        n_fallback++;
        if (src_type == type) return add(out, name, src_type, n_dims, ne, src);
    }
    rs = tn_row_size(type, ne[0]);
    if (!rs) { fprintf(stderr, "tn-quantize: '%s': rows of %lld values are too large\n", name, (long long)ne[0]); return 1; }
    if (imx && (im = imx_find(name)) != NULL && (im->n != ne[0] * ne[2] || ne[3] != 1)) { /* one slice of ne[0] per expert (ne[2]) */
        if (strcmp(name, "token_embd.weight") != 0) {
            fprintf(stderr, "tn-quantize: the imatrix entry for '%s' has %lld values, the tensor %lld x %lld (columns x experts): "
                            "an imatrix made for another model?\n", name, (long long)im->n, (long long)ne[0], (long long)ne[2]);
            return 1;
        }
        im = NULL; /* as llama-quantize: the embeddings' entry is ignored */
    }
    if (!im && needs_imatrix(type, name)) {
        fprintf(stderr, "tn-quantize: '%s' as %s needs an importance matrix (%s), as in llama-quantize: give --imatrix FILE with an entry for it, or choose another type\n",
                name, tn_type_name(type), imx ? "the imatrix has no entry for it" : "no --imatrix given");
        return 1;
    }
    nr = ne[0] ? n / ne[0] : 0;
    {
        void **o = (void **)realloc(*owned, sizeof(void *) * (size_t)(*n_owned + 2));
        if (!o) { fprintf(stderr, "tn-quantize: out of memory\n"); return 1; }
        *owned = o;
    }
    /* the reader checked n * 4 and rs * nr against the file's size */
    f = (float *)malloc(sizeof(float) * (size_t)(n ? n : 1));
    dst = malloc(rs * (size_t)nr + 1);
    if (!f || !dst) { free(f); free(dst); fprintf(stderr, "tn-quantize: out of memory for '%s'\n", name); return 1; }
    (*owned)[(*n_owned)++] = f;
    (*owned)[(*n_owned)++] = dst;
    for (r = 0; r < nr; r++)
        if (tn_dequantize_row(src_type, (const uint8_t *)src + (size_t)r * tn_row_size(src_type, ne[0]), f + r * ne[0], ne[0]) != TN_OK) {
            fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error());
            return 1;
        }
    if (type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0) {
        float s;
        if (is_ternary(f, n, &s) || absmean) {
            int8_t *t = (int8_t *)malloc((size_t)n);
            tn_status st;
            if (!t) { fprintf(stderr, "tn-quantize: out of memory for '%s'\n", name); return 1; }
            if (!absmean || is_ternary(f, n, &s)) { for (r = 0; r < n; r++) t[r] = (int8_t)(f[r] > 0 ? 1 : f[r] < 0 ? -1 : 0); st = TN_OK; }
            else st = tn_ternary_absmean(f, n, t, &s);
            if (st == TN_OK) st = tn_ternary_to_tq(type, t, s, ne[0], nr, dst);
            free(t);
            if (st != TN_OK) { fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error()); return 1; }
            n_converted++;
            return add(out, name, type, n_dims, ne, dst);
        }
    }
    if (im) { /* each expert's rows with its slice */
        for (r = 0; r < ne[2]; r++)
            if (tn_quantize_imatrix(type, f + r * ne[0] * ne[1], (uint8_t *)dst + (size_t)(r * ne[1]) * rs, ne[1], ne[0], im->v + r * ne[0], NULL) != TN_OK) {
                fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error());
                return 1;
            }
        n_imatrix++;
    } else if (tn_quantize(type, f, dst, nr, ne[0], NULL) != TN_OK) { fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error()); return 1; }
    n_converted++;
    return add(out, name, type, n_dims, ne, dst);
}


/* -- llama-quantize's mixes (a llama-shaped model, no importance matrix, no
   experts): the type of each tensor as llama.cpp's llama_tensor_get_type
   chooses it for the preset, in its order (by layer, then name) -- */
enum { P_NONE, P_Q2_K, P_Q3_K_S, P_Q3_K_M, P_Q3_K_L, P_Q4_K_S, P_Q4_K_M, P_Q5_K_S, P_Q5_K_M, P_Q6_K, P_IQ4_NL, P_IQ4_XS,
       P_Q2_K_S, P_IQ2_XXS, P_IQ2_XS, P_IQ2_S, P_IQ2_M, P_IQ3_XXS, P_IQ3_XS, P_IQ3_S, P_IQ3_M, P_IQ1_S, P_IQ1_M };
static const struct { const char *name; int preset; tn_type type; uint32_t ftype; } presets[] = {
    {"q2_k", P_Q2_K, TN_TYPE_Q2_K, 10}, {"q3_k_s", P_Q3_K_S, TN_TYPE_Q3_K, 11}, {"q3_k_m", P_Q3_K_M, TN_TYPE_Q3_K, 12},
    {"q3_k_l", P_Q3_K_L, TN_TYPE_Q3_K, 13}, {"q4_k_s", P_Q4_K_S, TN_TYPE_Q4_K, 14}, {"q4_k_m", P_Q4_K_M, TN_TYPE_Q4_K, 15},
    {"q5_k_s", P_Q5_K_S, TN_TYPE_Q5_K, 16}, {"q5_k_m", P_Q5_K_M, TN_TYPE_Q5_K, 17}, {"q6_k", P_Q6_K, TN_TYPE_Q6_K, 18},
    {"iq4_nl", P_IQ4_NL, TN_TYPE_IQ4_NL, 25}, {"iq4_xs", P_IQ4_XS, TN_TYPE_IQ4_XS, 30},
    /* the importance-matrix mixes (llama_ftype_get_default_type: iq2_s's main type is iq2_xs, iq2_m's iq2_s, iq3_xs's and iq3_m's iq3_s) */
    {"q2_k_s", P_Q2_K_S, TN_TYPE_Q2_K, 21}, {"iq2_xxs", P_IQ2_XXS, TN_TYPE_IQ2_XXS, 19}, {"iq2_xs", P_IQ2_XS, TN_TYPE_IQ2_XS, 20},
    {"iq2_s", P_IQ2_S, TN_TYPE_IQ2_XS, 28}, {"iq2_m", P_IQ2_M, TN_TYPE_IQ2_S, 29}, {"iq3_xxs", P_IQ3_XXS, TN_TYPE_IQ3_XXS, 23},
    {"iq3_xs", P_IQ3_XS, TN_TYPE_IQ3_S, 22}, {"iq3_s", P_IQ3_S, TN_TYPE_IQ3_S, 26}, {"iq3_m", P_IQ3_M, TN_TYPE_IQ3_S, 27},
    {"iq1_s", P_IQ1_S, TN_TYPE_IQ1_S, 24}, {"iq1_m", P_IQ1_M, TN_TYPE_IQ1_M, 31}};
/* the mixes whose every tensor but a few is a 1-2 bit grid type */
static int low_bit(int p) { return p == P_IQ2_XXS || p == P_IQ2_XS || p == P_IQ1_S || p == P_IQ2_S || p == P_IQ2_M || p == P_IQ1_M; }
static int ieq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) if ((*a | 32) != (*b | 32)) return 0;
    return !*a && !*b;
}
static int layer_of(const char *name) { int l = -1; return sscanf(name, "blk.%d.", &l) == 1 ? l : -1; }
/* llama-quantize's tensor order: by block number (others first), then by name */
static const tn_gguf *sort_g;
static int by_layer_name(const void *a, const void *b) {
    tn_gguf_tensor x, y;
    int lx, ly;
    tn_gguf_get_tensor(sort_g, *(const int64_t *)a, &x);
    tn_gguf_get_tensor(sort_g, *(const int64_t *)b, &y);
    lx = layer_of(x.name), ly = layer_of(y.name);
    return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x.name, y.name);
}
static int more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }
static uint32_t key_u32(const tn_gguf *g, const char *arch, const char *suffix, uint32_t dflt) {
    char k[128];
    uint32_t v;
    int64_t i;
    snprintf(k, sizeof(k), "%s.%s", arch, suffix);
    i = tn_gguf_find_key(g, k);
    return i >= 0 && tn_gguf_get_u32(g, i, &v) == TN_OK ? v : dflt;
}
/* want[i]: the type for tensor i, or -1 to keep it as it is */
static int preset_types(const tn_gguf *g, int preset, tn_type dflt, int *want, int has_imatrix) {
    const int64_t nt = tn_gguf_n_tensors(g);
    int64_t *order = (int64_t *)malloc(sizeof(int64_t) * (size_t)(nt ? nt : 1)), i;
    char arch[64] = "llama";
    const char *as;
    uint64_t alen;
    int64_t ka = tn_gguf_find_key(g, "general.architecture");
    int tied = 1, n_wv = 0, i_wv = 0, i_down = 0, i_up = 0, i_gate = 0, n_layer, n_gqa, is70b;
    uint32_t n_head, n_kv;
    if (!order) { fprintf(stderr, "tn-quantize: out of memory\n"); return 1; }
    if (ka >= 0 && tn_gguf_get_str(g, ka, &as, &alen) == TN_OK && alen < sizeof(arch)) { memcpy(arch, as, (size_t)alen); arch[alen] = 0; }
    n_layer = (int)key_u32(g, arch, "block_count", 0);
    n_head = key_u32(g, arch, "attention.head_count", 1);
    n_kv = key_u32(g, arch, "attention.head_count_kv", n_head);
    n_gqa = n_kv ? (int)(n_head / n_kv) : 1;
    is70b = strcmp(arch, "llama") == 0 && n_layer == 80 && n_head != n_kv; /* llama.cpp's LLM_TYPE_70B */
    for (i = 0; i < nt; i++) {
        tn_gguf_tensor t;
        tn_gguf_get_tensor(g, i, &t);
        order[i] = i;
        if (strcmp(t.name, "output.weight") == 0) tied = 0;
        if (strstr(t.name, "attn_v.weight") || strstr(t.name, "attn_qkv.weight") || strstr(t.name, "attn_kv_b.weight")) n_wv++;
    }
    sort_g = g;
    qsort(order, (size_t)nt, sizeof(int64_t), by_layer_name);
    for (i = 0; i < nt; i++) {
        tn_gguf_tensor t;
        const char *nm;
        tn_type ty = dflt;
        const int iq2 = preset == P_IQ2_S || preset == P_IQ2_M; /* their higher-bit choice is iq3_s, the others' q2_K */
        tn_gguf_get_tensor(g, order[i], &t);
        nm = t.name;
        if (t.n_dims < 2 || !ends_with(nm, "weight") || strstr(nm, "_norm.weight") || strstr(nm, "ffn_gate_inp.weight") ||
            strcmp(nm, "position_embd.weight") == 0 || strcmp(nm, "token_types.weight") == 0) { want[order[i]] = -1; continue; }
        if (strcmp(nm, "output.weight") == 0 || (tied && strcmp(nm, "token_embd.weight") == 0)) {
            ty = t.ne[0] % tn_blck_size(dflt) != 0 ? TN_TYPE_Q8_0 : low_bit(preset) || preset == P_IQ3_XXS ? TN_TYPE_Q5_K : TN_TYPE_Q6_K;
        } else if (strcmp(nm, "token_embd.weight") == 0) {
            if (preset == P_IQ2_XXS || preset == P_IQ2_XS || preset == P_IQ1_S || preset == P_IQ1_M) ty = TN_TYPE_Q2_K;
            else if (iq2 || preset == P_IQ3_XXS) ty = TN_TYPE_IQ3_S;
        } else if (low_bit(preset)) { /* llama.cpp's branch for these mixes: only attn_v, ffn_down and attn_output change */
            if (strstr(nm, "attn_v.weight") || strstr(nm, "attn_qkv.weight") || strstr(nm, "attn_kv_b.weight")) {
                ty = n_gqa >= 4 ? TN_TYPE_Q4_K : iq2 ? TN_TYPE_IQ3_S : TN_TYPE_Q2_K;
                i_wv++;
            } else if (strstr(nm, "attn_k.weight") || strstr(nm, "attn_q.weight")) {
                /* unchanged */
            } else if (strstr(nm, "attn_output.weight")) {
                if (preset == P_IQ1_S || preset == P_IQ1_M) ty = TN_TYPE_IQ2_XXS;
                else if (iq2) ty = TN_TYPE_IQ3_S;
            } else if (strstr(nm, "ffn_up") || strstr(nm, "ffn_gate")) {
                /* unchanged */
            } else if (strstr(nm, "ffn_down")) {
                if (i_down < n_layer / 8) ty = iq2 ? TN_TYPE_IQ3_S : TN_TYPE_Q2_K;
                i_down++;
            }
        } else if (strstr(nm, "attn_v.weight") || strstr(nm, "attn_qkv.weight") || strstr(nm, "attn_kv_b.weight")) {
            if (preset == P_Q2_K) ty = n_gqa >= 4 ? TN_TYPE_Q4_K : TN_TYPE_Q3_K;
            else if (preset == P_Q2_K_S && n_gqa >= 4) ty = TN_TYPE_Q4_K;
            else if (preset == P_IQ3_XXS) ty = n_gqa >= 4 ? TN_TYPE_Q4_K : !has_imatrix ? TN_TYPE_IQ3_S : TN_TYPE_IQ3_XXS;
            else if ((preset == P_IQ3_XS || preset == P_IQ3_S) && n_gqa >= 4) ty = TN_TYPE_Q4_K;
            else if (preset == P_IQ3_M) ty = TN_TYPE_Q4_K;
            else if (preset == P_Q3_K_M) ty = i_wv < 2 ? TN_TYPE_Q5_K : TN_TYPE_Q4_K;
            else if (preset == P_Q3_K_L) ty = TN_TYPE_Q5_K;
            else if ((preset == P_IQ4_NL || preset == P_IQ4_XS) && n_gqa >= 4) ty = TN_TYPE_Q5_K;
            else if ((preset == P_Q4_K_M || preset == P_Q5_K_M) && more_bits(i_wv, n_wv)) ty = TN_TYPE_Q6_K;
            else if (preset == P_Q4_K_S && i_wv < 4) ty = TN_TYPE_Q5_K;
            if (is70b && (ty == TN_TYPE_Q3_K || ty == TN_TYPE_Q4_K)) ty = TN_TYPE_Q5_K;
            i_wv++;
        } else if (strstr(nm, "attn_k.weight") || strstr(nm, "attn_q.weight")) {
            if (preset == P_IQ3_XS) ty = TN_TYPE_IQ3_XXS;
            else if (preset == P_IQ3_XXS) ty = TN_TYPE_IQ2_S;
        } else if (strstr(nm, "attn_output.weight")) {
            if (preset == P_Q2_K) ty = TN_TYPE_Q3_K;
            else if (preset == P_IQ3_XXS) ty = TN_TYPE_IQ3_S;
            else if (preset == P_Q3_K_M || preset == P_IQ3_M) ty = TN_TYPE_Q4_K;
            else if (preset == P_Q3_K_L) ty = TN_TYPE_Q5_K;
        } else if (strstr(nm, "ffn_up") || strstr(nm, "ffn_gate")) {
            int *ix = strstr(nm, "ffn_up") ? &i_up : &i_gate;
            if (preset == P_IQ3_XS && *ix >= n_layer / 8 && *ix < 7 * n_layer / 8) ty = TN_TYPE_IQ3_XXS;
            (*ix)++;
        } else if (strstr(nm, "ffn_down")) {
            if (preset == P_Q2_K) ty = TN_TYPE_Q3_K;
            else if (preset == P_Q2_K_S) { if (i_down < n_layer / 8) ty = TN_TYPE_Q4_K; }
            else if (preset == P_IQ3_XXS && !has_imatrix) ty = i_down < n_layer / 8 ? TN_TYPE_Q4_K : TN_TYPE_Q3_K;
            else if (preset == P_Q3_K_M) ty = i_down < n_layer / 16 ? TN_TYPE_Q5_K : TN_TYPE_Q4_K;
            else if (preset == P_IQ3_M && i_down < n_layer / 8) ty = TN_TYPE_Q4_K;
            else if (preset == P_Q3_K_L) ty = TN_TYPE_Q5_K;
            else if (preset == P_Q4_K_M) { if (more_bits(i_down, n_layer)) ty = TN_TYPE_Q6_K; }
            else if (i_down < n_layer / 8 && (preset == P_IQ4_NL || preset == P_IQ4_XS) && !has_imatrix) ty = TN_TYPE_Q5_K;
            else if (preset == P_Q5_K_M && more_bits(i_down, n_layer)) ty = TN_TYPE_Q6_K;
            else if (preset == P_Q4_K_S && i_down < n_layer / 8) ty = TN_TYPE_Q5_K;
            i_down++;
        }
        want[order[i]] = (int)ty;
    }
    free(order);
    return 0;
}

int main(int argc, char **argv) {
    tn_type type = TN_TYPE_F32;
    int absmean = 0, use_mmap = 0, keep = 0, i, rc = 0, n_owned = 0, na = 0, mix = 0, preset = P_NONE, *want = NULL;
    uint32_t preset_ftype = 0;
    void **owned = NULL;
    tn_gguf *in = NULL, *out;
    tn_safetensors *st = NULL;
    FILE *f;
    char magic[4] = {0};
    const char *arg[3], *imatrix_path = NULL;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--absmean") == 0) absmean = 1;
        else if (strcmp(argv[i], "--imatrix") == 0) {
            if (i + 1 >= argc) { fprintf(stderr, "tn-quantize: --imatrix needs a file\n"); return usage(argv[0]); }
            imatrix_path = argv[++i];
        }
        else if (strcmp(argv[i], "--mmap") == 0) use_mmap = 1;
        else if (strcmp(argv[i], "--mix") == 0) mix = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage(argv[0]); return 0; }
        else if (strcmp(argv[i], "--no-mmap") == 0) use_mmap = 0;
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "tn-quantize: unknown option '%s'\n", argv[i]); return usage(argv[0]); }
        else if (na == 3) return usage(argv[0]);
        else arg[na++] = argv[i];
    }
    if (na != 3) return usage(argv[0]);
    argv[1] = (char *)arg[0]; argv[2] = (char *)arg[1]; argv[3] = (char *)arg[2];
    printf("tn-quantize (ternary.h %d.%d.%d, %s kernels)\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    {
        size_t k;
        const char *ty = argv[3];
        size_t l = strlen(ty);
        tn_type named;
        /* a _s/_m/_l name is a mix unless it names one type (iq2_s, iq3_s, iq1_s, iq1_m are types; with --mix, llama-quantize's mixes of those names) */
        int implied = l > 2 && ty[l - 2] == '_' && (ty[l - 1] == 's' || ty[l - 1] == 'm' || ty[l - 1] == 'l' || ty[l - 1] == 'S' || ty[l - 1] == 'M' || ty[l - 1] == 'L') &&
                      tn_type_from_name(ty, &named) != TN_OK;
        for (k = 0; k < sizeof(presets) / sizeof(presets[0]); k++)
            if (ieq(ty, presets[k].name) && (mix || implied)) { preset = presets[k].preset; type = presets[k].type; preset_ftype = presets[k].ftype; }
        if (mix && preset == P_NONE) { fprintf(stderr, "tn-quantize: '%s' is not one of llama-quantize's mixes\n", ty); return usage(argv[0]); }
    }
    if (preset != P_NONE) q2_K_needs_imatrix = preset == P_Q2_K_S; /* the mix's main type; each tensor's own below */
    else if (strcmp(argv[3], "keep") == 0) keep = 1;
    else if (tn_type_from_name(argv[3], &type) != TN_OK || !(type == TN_TYPE_F32 || type == TN_TYPE_F16 || type == TN_TYPE_BF16 ||
             type == TN_TYPE_Q8_0 || type == TN_TYPE_Q4_0 || type == TN_TYPE_Q4_1 || type == TN_TYPE_Q5_0 || type == TN_TYPE_Q5_1 ||
             type == TN_TYPE_Q2_K || type == TN_TYPE_Q3_K || type == TN_TYPE_Q4_K || type == TN_TYPE_Q5_K || type == TN_TYPE_Q6_K ||
             type == TN_TYPE_IQ4_NL || type == TN_TYPE_IQ4_XS || type == TN_TYPE_MXFP4 || type == TN_TYPE_NVFP4 || type == TN_TYPE_Q1_0 ||
             type == TN_TYPE_Q2_0 || type == TN_TYPE_IQ2_XXS || type == TN_TYPE_IQ2_XS || type == TN_TYPE_IQ2_S || type == TN_TYPE_IQ3_XXS ||
             type == TN_TYPE_IQ3_S || type == TN_TYPE_IQ1_S || type == TN_TYPE_IQ1_M ||
             type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0)) {
        fprintf(stderr, "tn-quantize: unknown type '%s'\n", argv[3]);
        return usage(argv[0]);
    }
    if (imatrix_path && keep) { fprintf(stderr, "tn-quantize: keep copies tensors as they are: an imatrix has nothing to do\n"); return 1; }
    if (imatrix_path && imx_load(imatrix_path)) { imx_free(); return 1; }
    f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "tn-quantize: cannot open '%s': %s\n", argv[1], strerror(errno)); imx_free(); return 1; }
    if (fread(magic, 1, 4, f) != 4) magic[0] = 0;
    fclose(f);
    if (!(out = tn_gguf_new())) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); return 1; }
    if (memcmp(magic, "GGUF", 4) == 0) {
        if (tn_gguf_read_file(argv[1], use_mmap, &in) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); tn_gguf_free(out); return 1; }
        for (i = 0; i < tn_gguf_n_kv(in) && !rc; i++)
            if (tn_gguf_copy_kv(out, in, i) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
        if (!rc && preset != P_NONE) {
            want = (int *)malloc(sizeof(int) * (size_t)(tn_gguf_n_tensors(in) + 1));
            if (!want) { fprintf(stderr, "tn-quantize: out of memory\n"); rc = 1; }
            else rc = preset_types(in, preset, type, want, imx != NULL);
        }
        for (i = 0; i < tn_gguf_n_tensors(in) && !rc; i++) {
            tn_gguf_tensor t;
            tn_gguf_get_tensor(in, i, &t);
            if (want && want[i] < 0) rc = add(out, t.name, t.type, t.n_dims < 1 ? 1 : t.n_dims, t.ne, t.data), n_kept++;
            else rc = convert(out, t.name, t.type, t.n_dims < 1 ? 1 : t.n_dims, t.ne, t.data, want ? (tn_type)want[i] : type, absmean, keep, &owned, &n_owned);
        }
        free(want);
    } else if (preset != P_NONE) {
        fprintf(stderr, "tn-quantize: the %s mix chooses types by llama.cpp's tensor names and GGUF keys: give a GGUF in llama.cpp's layout\n", argv[3]);
        rc = 1;
    } else if (tn_safetensors_read_file(argv[1], &st) == TN_OK) {
        const char *base = strrchr(argv[1], '/');
        if (tn_gguf_set_str(out, "general.architecture", "unknown") != TN_OK || tn_gguf_set_str(out, "general.name", base ? base + 1 : argv[1]) != TN_OK) {
            fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
            rc = 1;
        }
        for (i = 0; i < tn_safetensors_n_tensors(st) && !rc; i++) {
            tn_st_tensor t;
            tn_safetensors_get(st, i, &t);
            if (strlen(t.name) >= TN_MAX_NAME) { fprintf(stderr, "tn-quantize: tensor name '%s' is longer than GGUF's 63 bytes\n", t.name); rc = 1; break; }
            rc = convert(out, t.name, t.type, t.n_dims, t.ne, t.data, type, absmean, keep, &owned, &n_owned);
        }
    } else {
        fprintf(stderr, "tn-quantize: '%s' is neither GGUF nor safetensors: %s\n", argv[1], tn_last_error());
        rc = 1;
    }
    if (!rc && !keep && type != TN_TYPE_F32 && type != TN_TYPE_F16 && type != TN_TYPE_BF16 && tn_gguf_set_u32(out, "general.quantization_version", 2) != TN_OK) {
        fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
        rc = 1;
    }
    if (!rc && preset != P_NONE && tn_gguf_set_u32(out, "general.file_type", preset_ftype) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
    if (!rc && !keep && in && preset == P_NONE) { /* llama.cpp's llama_ftype of the new main type */
        static const struct { tn_type t; uint32_t ft; } ftypes[] = {
            {TN_TYPE_F32, 0}, {TN_TYPE_F16, 1}, {TN_TYPE_Q4_0, 2}, {TN_TYPE_Q4_1, 3}, {TN_TYPE_Q8_0, 7}, {TN_TYPE_Q5_0, 8},
            {TN_TYPE_Q5_1, 9}, {TN_TYPE_BF16, 32}, {TN_TYPE_TQ1_0, 36}, {TN_TYPE_TQ2_0, 37},
            /* one K type throughout: llama.cpp's _S ftypes are the nearest (Q2_K 10, Q3_K_S 11, Q4_K_S 14, Q5_K_S 16, Q6_K 18) */
            {TN_TYPE_Q2_K, 10}, {TN_TYPE_Q3_K, 11}, {TN_TYPE_Q4_K, 14}, {TN_TYPE_Q5_K, 16}, {TN_TYPE_Q6_K, 18},
            {TN_TYPE_IQ4_NL, 25}, {TN_TYPE_IQ4_XS, 30}, {TN_TYPE_MXFP4, 38}, {TN_TYPE_NVFP4, 39}, {TN_TYPE_Q1_0, 40}, {TN_TYPE_Q2_0, 41},
            {TN_TYPE_IQ2_XXS, 19}, {TN_TYPE_IQ2_XS, 20}, {TN_TYPE_IQ3_XXS, 23}, {TN_TYPE_IQ1_S, 24}, {TN_TYPE_IQ3_S, 26}, {TN_TYPE_IQ2_S, 28}, {TN_TYPE_IQ1_M, 31}};
        size_t k;
        for (k = 0; k < sizeof(ftypes) / sizeof(ftypes[0]); k++)
            if (ftypes[k].t == type && tn_gguf_set_u32(out, "general.file_type", ftypes[k].ft) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
    }
    if (!rc && imx) { /* llama-quantize's record of the importance matrix */
        char fk[128];
        size_t l = strlen(imatrix_path) < sizeof(fk) - 1 ? strlen(imatrix_path) : sizeof(fk) - 1;
        memcpy(fk, imatrix_path, l);
        fk[l] = 0;
        if (tn_gguf_set_str(out, "quantize.imatrix.file", fk) != TN_OK || (imx_dataset[0] && tn_gguf_set_str(out, "quantize.imatrix.dataset", imx_dataset) != TN_OK) ||
            tn_gguf_set_u32(out, "quantize.imatrix.entries_count", (uint32_t)n_imx) != TN_OK ||
            (imx_chunks > 0 && tn_gguf_set_u32(out, "quantize.imatrix.chunks_count", imx_chunks) != TN_OK)) {
            fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
            rc = 1;
        }
    }
    if (!rc && in) { /* a file llama.cpp runs must stay one it runs */
        char why_in[512], why_out[512];
        if (tn_gguf_llamacpp_check(in, why_in, sizeof(why_in)) == 1) {
            if (tn_gguf_llamacpp_check(out, why_out, sizeof(why_out)) != 1) {
                fprintf(stderr, "tn-quantize: llama.cpp runs %s but would not run the output: %s; nothing written\n", argv[1], why_out);
                rc = 1;
            } else {
                printf("llama.cpp: runnable, as %s\n", why_out);
            }
        }
    }
    if (!rc && tn_gguf_write_file(out, argv[2]) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
    if (!rc && keep) printf("wrote %s (%lld tensors as they were)\n", argv[2], (long long)tn_gguf_n_tensors(out));
    else if (!rc)
        printf("wrote %s (%lld tensors: %ld converted %s %s%s (%ld fell back), %ld kept as they were (1-D, or already that type))\n", argv[2],
               (long long)tn_gguf_n_tensors(out), n_converted, preset != P_NONE ? "as llama-quantize's" : "to", preset != P_NONE ? argv[3] : tn_type_name(type),
               preset != P_NONE ? " mix" : " or its fallback", n_fallback, n_kept);
    if (!rc && imx) printf("  %ld tensors with their importance matrix\n", n_imatrix);
    for (i = 0; i < n_owned; i++) free(owned[i]);
    free(owned);
    imx_free();
    tn_gguf_free(out);
    tn_gguf_free(in);
    tn_safetensors_free(st);
    return rc;
}
