/* quantize.c - quantize a model to every format and compare: bytes, bits per
   weight, weight error, and what it does to the model's outputs.
   Build: cc -O2 -I. examples/quantize.c -o quantize -lm -lpthread
   Run:   ./quantize             trains a small float MLP on generated data first
          ./quantize FILE.gguf   any GGUF: weight statistics per format
   For the trained MLP, each format's weights replace the float ones and the
   table shows the RMS change of the logits and the accuracy. Ternary rows use
   BitNet's per-tensor absmean rule (tq*_0 absmean) and ggml's per-block rule. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct { const char *label; tn_type type; int absmean; } fmt;
static const fmt FORMATS[] = {
    {"f32", TN_TYPE_F32, 0}, {"f16", TN_TYPE_F16, 0}, {"bf16", TN_TYPE_BF16, 0}, {"q8_0", TN_TYPE_Q8_0, 0},
    {"q6_K", TN_TYPE_Q6_K, 0}, {"q5_1", TN_TYPE_Q5_1, 0}, {"q5_K", TN_TYPE_Q5_K, 0}, {"q5_0", TN_TYPE_Q5_0, 0},
    {"q4_1", TN_TYPE_Q4_1, 0}, {"q4_K", TN_TYPE_Q4_K, 0}, {"q4_0", TN_TYPE_Q4_0, 0}, {"iq4_nl", TN_TYPE_IQ4_NL, 0},
    {"iq4_xs", TN_TYPE_IQ4_XS, 0}, {"nvfp4", TN_TYPE_NVFP4, 0}, {"mxfp4", TN_TYPE_MXFP4, 0}, {"q3_K", TN_TYPE_Q3_K, 0}, {"q2_K", TN_TYPE_Q2_K, 0},
    {"q2_0", TN_TYPE_Q2_0, 0}, {"q1_0", TN_TYPE_Q1_0, 0},
    {"tq2_0", TN_TYPE_TQ2_0, 0}, {"tq1_0", TN_TYPE_TQ1_0, 0}, {"tq2_0 absmean", TN_TYPE_TQ2_0, 1}, {"tq1_0 absmean", TN_TYPE_TQ1_0, 1},
};
#define NFMT (int)(sizeof(FORMATS) / sizeof(FORMATS[0]))

/* w (n_per_row x rows) through format f and back; returns bytes, fills out */
static size_t roundtrip(const fmt *f, const float *w, int64_t n_per_row, int64_t rows, float *out) {
    size_t rs = tn_row_size(f->type, n_per_row), bytes = rs * (size_t)rows;
    uint8_t *buf = (uint8_t *)malloc(bytes + 1);
    int64_t r;
    if (!rs || !buf) { free(buf); return 0; }
    if (f->absmean) {
        int8_t *t = (int8_t *)malloc((size_t)(n_per_row * rows));
        float s;
        tn_ternary_absmean(w, n_per_row * rows, t, &s);
        tn_ternary_to_tq(f->type, t, s, n_per_row, rows, buf);
        free(t);
    } else {
        tn_quantize(f->type, w, buf, rows, n_per_row, NULL);
    }
    for (r = 0; r < rows; r++) tn_dequantize_row(f->type, buf + (size_t)r * rs, out + r * n_per_row, n_per_row);
    free(buf);
    return bytes;
}

static void weight_stats(const float *a, const float *b, int64_t n, double *maxe, double *rms) {
    int64_t i;
    double s = 0, ss = 0;
    *maxe = 0;
    for (i = 0; i < n; i++) { double d = fabs((double)a[i] - b[i]); if (d > *maxe) *maxe = d; s += d * d; ss += (double)a[i] * a[i]; }
    *rms = sqrt(s / (ss > 0 ? ss : 1)); /* relative */
}

static int from_gguf(const char *path) {
    tn_gguf *g;
    int k, i;
    if (tn_gguf_read_file(path, 1, &g)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    printf("%s: every 2-D tensor whose rows fit the block, through each format\n\n", path);
    printf("%-14s %12s %9s %11s %11s\n", "format", "bytes", "bits/w", "max error", "rel. RMS");
    for (k = 0; k < NFMT; k++) {
        size_t bytes = 0;
        int64_t nw = 0;
        double maxe = 0, se = 0, ss = 0;
        for (i = 0; i < tn_gguf_n_tensors(g); i++) {
            tn_gguf_tensor t;
            int64_t n, r;
            float *w, *q;
            const tn_type_traits *tr;
            tn_gguf_get_tensor(g, i, &t);
            tr = tn_type_get_traits(t.type);
            if (t.n_dims < 2 || !tr || !tr->can_dequantize || !tn_row_size(FORMATS[k].type, t.ne[0])) continue;
            n = t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3];
            w = (float *)malloc(sizeof(float) * (size_t)n);
            q = (float *)malloc(sizeof(float) * (size_t)n);
            for (r = 0; r < n / t.ne[0]; r++) tn_dequantize_row(t.type, (const uint8_t *)t.data + (size_t)r * tn_row_size(t.type, t.ne[0]), w + r * t.ne[0], t.ne[0]);
            bytes += roundtrip(&FORMATS[k], w, t.ne[0], n / t.ne[0], q);
            for (r = 0; r < n; r++) { double d = fabs((double)w[r] - q[r]); if (d > maxe) maxe = d; se += d * d; ss += (double)w[r] * w[r]; }
            nw += n;
            free(w); free(q);
        }
        if (nw) printf("%-14s %12zu %9.3f %11.4g %11.4f\n", FORMATS[k].label, bytes, 8.0 * (double)bytes / (double)nw, maxe, sqrt(se / (ss > 0 ? ss : 1)));
        else printf("%-14s %12s (no tensor has rows that fit its block)\n", FORMATS[k].label, "-");
    }
    tn_gguf_free(g);
    return 0;
}

int main(int argc, char **argv) {
    enum { D = 256, H = 256, C = 8, N = 2048 };
    tn_ctx *pc, *c;
    tn_params ps;
    tn_bitlinear l1, l2;
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_rng r;
    tn_tensor *x, *y, *out;
    float *w1, *w2, *ref, proto[C][D];
    int i, j, k, step;
    size_t mark;
    if (argc == 2) return from_gguf(argv[1]);
    if (argc > 2) { fprintf(stderr, "usage: %s [MODEL.gguf]\n", argv[0]); return 2; }
    printf("ternary.h %d.%d.%d, %s kernels\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    pc = tn_ctx_new(16 << 20);
    c = tn_ctx_new(256 << 20);
    tn_params_init(&ps);
    tn_rng_seed(&r, 3);
    x = tn_new_2d(pc, TN_TYPE_F32, D, N);
    y = tn_new_1d(pc, TN_TYPE_I32, N);
    for (k = 0; k < C; k++) for (j = 0; j < D; j++) proto[k][j] = tn_rng_normal(&r);
    for (i = 0; i < N; i++) { /* 8 noisy prototypes */
        ((int32_t *)y->data)[i] = i % C;
        for (j = 0; j < D; j++) ((float *)x->data)[i * D + j] = proto[i % C][j] + 1.5f * tn_rng_normal(&r);
    }
    tn_bitlinear_init(&l1, pc, &ps, "l1", D, H, TN_LAYER_FLOAT | TN_LAYER_BIAS, &r);
    tn_bitlinear_init(&l2, pc, &ps, "l2", H, C, TN_LAYER_FLOAT | TN_LAYER_BIAS, &r);
    tn_optim_init(&opt, &ps, &oc);
    mark = tn_ctx_used(c);
    for (step = 0; step < 150; step++) {
        tn_tensor *loss = tn_cross_entropy(c, tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x))), y, -1);
        tn_params_zero_grad(&ps);
        if (!loss || tn_backward(c, loss) || tn_optim_step(&opt, -1, -1)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        tn_ctx_rewind(c, mark);
    }
    tn_ctx_set_grad_enabled(c, 0);
    out = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x)));
    ref = (float *)malloc(sizeof(float) * N * C);
    memcpy(ref, out->data, sizeof(float) * N * C);
    tn_ctx_rewind(c, mark);
    w1 = (float *)malloc(sizeof(float) * D * H);
    w2 = (float *)malloc(sizeof(float) * H * C);
    memcpy(w1, l1.w->data, sizeof(float) * D * H);
    memcpy(w2, l2.w->data, sizeof(float) * H * C);
    printf("a float MLP %d-%d-%d trained on %d noisy samples; its weights through every format\n\n", D, H, C, N);
    printf("%-14s %10s %9s %11s %11s %12s %9s\n", "format", "bytes", "bits/w", "max error", "rel. RMS", "logit RMS", "accuracy");
    for (k = 0; k < NFMT; k++) {
        size_t bytes = roundtrip(&FORMATS[k], w1, D, H, (float *)l1.w->data);
        double maxe, rms, lr = 0, lref = 0;
        int correct = 0;
        if (FORMATS[k].type == TN_TYPE_TQ2_0 || FORMATS[k].type == TN_TYPE_TQ1_0) memcpy(l2.w->data, w2, sizeof(float) * H * C); /* 8 outputs: the head stays f32 */
        else bytes += roundtrip(&FORMATS[k], w2, H, C, (float *)l2.w->data);
        weight_stats(w1, (const float *)l1.w->data, D * H, &maxe, &rms);
        out = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x)));
        for (i = 0; i < N * C; i++) { double d = ((float *)out->data)[i] - ref[i]; lr += d * d; lref += (double)ref[i] * ref[i]; }
        for (i = 0; i < N; i++) {
            int best = 0;
            for (j = 1; j < C; j++) if (((float *)out->data)[i * C + j] > ((float *)out->data)[i * C + best]) best = j;
            correct += best == i % C;
        }
        printf("%-14s %10zu %9.3f %11.4g %11.4f %12.4f %8.2f%%\n", FORMATS[k].label, bytes,
               8.0 * (double)bytes / (FORMATS[k].type == TN_TYPE_TQ2_0 || FORMATS[k].type == TN_TYPE_TQ1_0 ? D * H : D * H + H * C),
               maxe, rms, sqrt(lr / lref), 100.0 * correct / N);
        tn_ctx_rewind(c, mark);
        memcpy(l1.w->data, w1, sizeof(float) * D * H);
        memcpy(l2.w->data, w2, sizeof(float) * H * C);
    }
    free(w1); free(w2); free(ref);
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}
