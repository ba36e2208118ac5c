/* tn_logits - ternary.h's side of the llama.cpp comparison (tests/llamacpp/run.sh).
   Usage: tn_logits MODEL.gguf PROMPTS.txt N_GEN
   Loads the model as ternary.h runs it (packed ternary weights, int8
   activations), and for every prompt (one per line, bytes = token ids) prints
   one JSON line: the greedy continuation of N_GEN tokens (the first of the
   largest logits), then for every position of prompt + continuation the
   next-token probabilities (softmax of the logits in double) and the
   smallest distance, in int8 code units, of any activation quantized at that
   position from a rounding tie (x * scale at k + 0.5): where it is tiny, a
   one-ulp difference in llama.cpp's float arithmetic can move that code by
   one. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct { double *margin; int64_t n; } tie_watch;

static double tie_margin(float v) {
    double a = fabs((double)v), f = a - floor(a);
    return fabs(f - 0.5);
}
/* each row is one position; the layer's own rule gives the scale */
static void observe(const tn_bitlinear *l, const float *x, int64_t rows, void *user) {
    tie_watch *w = (tie_watch *)user;
    int64_t r, i, b;
    for (r = 0; r < rows && r < w->n; r++) {
        const float *xr = x + r * l->in;
        double m = w->margin[r];
        if (l->flags & TN_LAYER_ACT_BLOCK) {
            for (b = 0; b < l->in; b += 256) {
                int64_t nb = l->in - b < 256 ? l->in - b : 256;
                float amax = 0, max = 0, is;
                for (i = 0; i < nb; i++) if (fabsf(xr[b + i]) > amax) { amax = fabsf(xr[b + i]); max = xr[b + i]; }
                if (amax == 0) continue;
                is = -127.0f / max;
                for (i = 0; i < nb; i++) { double t = tie_margin(is * xr[b + i]); if (t < m) m = t; }
            }
        } else {
            float amax = 0, s;
            for (i = 0; i < l->in; i++) if (fabsf(xr[i]) > amax) amax = fabsf(xr[i]);
            s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
            for (i = 0; i < l->in; i++) { double t = tie_margin(xr[i] * s); if (t < m) m = t; }
        }
        w->margin[r] = m;
    }
}

static int argmax(const float *p, int n) { int v, b = 0; for (v = 1; v < n; v++) if (p[v] > p[b]) b = v; return b; }

int main(int argc, char **argv) {
    tn_transformer m;
    tn_ctx *pc, *c;
    FILE *f;
    char line[4096];
    int n_gen;
    if (argc != 4) { fprintf(stderr, "usage: %s MODEL.gguf PROMPTS.txt N_GEN\n", argv[0]); return 2; }
    n_gen = atoi(argv[3]);
    pc = tn_ctx_new((size_t)256 << 20);
    c = tn_ctx_new((size_t)256 << 20);
    if (!pc || !c || tn_transformer_load_gguf(&m, pc, argv[1]) != TN_OK) { fprintf(stderr, "tn_logits: %s\n", tn_last_error()); return 1; }
    tn_ctx_set_grad_enabled(c, 0);
    if (!(f = fopen(argv[2], "rb"))) { fprintf(stderr, "tn_logits: cannot open %s\n", argv[2]); return 1; }
    while (fgets(line, sizeof(line), f)) {
        int32_t ids[4096];
        double margin[4096];
        tie_watch w;
        int len = (int)strcspn(line, "\n"), n = len, k, t, v;
        tn_tensor *x, *lg;
        size_t mark = tn_ctx_used(c);
        if (len == 0) continue;
        if (len + n_gen > m.cfg.ctx_len) { fprintf(stderr, "tn_logits: prompt of %d + %d tokens exceeds the context of %lld\n", len, n_gen, (long long)m.cfg.ctx_len); return 1; }
        for (k = 0; k < len; k++) ids[k] = (unsigned char)line[k];
        for (k = 0; k < n_gen; k++, n++) { /* greedy, recomputing the window */
            x = tn_new_2d(c, TN_TYPE_I32, n, 1);
            memcpy(x->data, ids, sizeof(int32_t) * (size_t)n);
            if (!(lg = tn_transformer_forward(c, &m, x))) { fprintf(stderr, "tn_logits: %s\n", tn_last_error()); return 1; }
            ids[n] = argmax((const float *)lg->data + (size_t)(n - 1) * (size_t)m.cfg.vocab, (int)m.cfg.vocab);
            tn_ctx_rewind(c, mark);
        }
        /* the whole sequence once more, watching the quantizers */
        for (t = 0; t < n; t++) margin[t] = 1.0;
        w.margin = margin; w.n = n;
        tn_ctx_set_observer(c, observe, &w);
        x = tn_new_2d(c, TN_TYPE_I32, n, 1);
        memcpy(x->data, ids, sizeof(int32_t) * (size_t)n);
        if (!(lg = tn_transformer_forward(c, &m, x))) { fprintf(stderr, "tn_logits: %s\n", tn_last_error()); return 1; }
        tn_ctx_set_observer(c, NULL, NULL);
        printf("{\"prompt_len\": %d, \"ids\": [", len);
        for (t = 0; t < n; t++) printf("%s%d", t ? ", " : "", ids[t]);
        printf("], \"margin\": [");
        for (t = 0; t < n; t++) printf("%s%.3e", t ? ", " : "", margin[t]);
        printf("], \"probs\": [");
        for (t = 0; t < n; t++) {
            const float *p = (const float *)lg->data + (size_t)t * (size_t)m.cfg.vocab;
            double mx = p[argmax(p, (int)m.cfg.vocab)], z = 0;
            for (v = 0; v < m.cfg.vocab; v++) z += exp((double)p[v] - mx);
            printf("%s[", t ? ", " : "");
            for (v = 0; v < m.cfg.vocab; v++) printf("%s%.9g", v ? "," : "", exp((double)p[v] - mx) / z);
            printf("]");
        }
        printf("]}\n");
        tn_ctx_rewind(c, mark);
    }
    fclose(f);
    tn_transformer_deinit(&m);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}
