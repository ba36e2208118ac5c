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
   one.
   --probe IDS FLIPS POS: the probabilities of one sequence with the given
   codes moved across their ties, then with each of the 24 closest ties (within
   1e-3 codes) at position POS moved as well, one at a time: check.mjs finds
   which single codes llama.cpp rounded the other way (a code moved at POS
   changes POS's logits first: the causal mask keeps earlier ones).
   --subsets IDS FLIPS POS TARGET: every subset of the (up to 12) ties within
   1e-3 codes at POS moved on top of FLIPS, and the one whose probabilities at
   POS come closest to TARGET's (several codes can sit on exact ties at one
   position: an attention output at position 0 is v itself, integer sums times
   one scale, whose ratios often land on k + 1/2). */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

/* one int8 code flipped to the other side of its rounding tie: the call'th
   BitLinear forward of a pass, row (position) and element */
typedef struct { int call, row, elem; double margin; } flip;
#define MAX_CAND 24
#ifndef SUBSET_MAX
#define SUBSET_MAX 12
#endif
typedef struct {
    double *margin; int64_t n;     /* per position: the smallest distance from a tie */
    int call;                      /* BitLinear forwards seen in this pass */
    const flip *flips; int n_flips; /* to apply */
    flip cand[MAX_CAND]; int n_cand; int max_row; /* near ties to report (in row max_row) */
} tie_watch;

static double tie_margin(float v) {
    double a = fabs((double)v), f = a - floor(a);
    return fabs(f - 0.5);
}
/* the scale the layer's rule gives element e of row xr (per token, or its 256-block's) */
static float rule_scale(const tn_bitlinear *l, const float *xr, int64_t e) {
    int64_t i, b0 = e / 256 * 256, nb = l->in - b0 < 256 ? l->in - b0 : 256;
    float amax = 0, max = 0;
    if (l->flags & TN_LAYER_ACT_BLOCK) {
        for (i = 0; i < nb; i++) if (fabsf(xr[b0 + i]) > amax) { amax = fabsf(xr[b0 + i]); max = xr[b0 + i]; }
        return amax == 0 ? 0.0f : -127.0f / max;
    }
    for (i = 0; i < l->in; i++) if (fabsf(xr[i]) > amax) amax = fabsf(xr[i]);
    return 127.0f / (amax > 1e-5f ? amax : 1e-5f);
}
static void add_cand(tie_watch *w, int call, int row, int elem, double m) {
    int k, at;
    for (k = 0; k < w->n_flips; k++) if (w->flips[k].call == call && w->flips[k].row == row && w->flips[k].elem == elem) return;
    for (k = 0; k < w->n_cand; k++) if (w->cand[k].row == row && w->cand[k].elem == elem && w->cand[k].margin == m) return; /* q, k, v share their input */
    if (w->n_cand == MAX_CAND && m >= w->cand[MAX_CAND - 1].margin) return;
    at = w->n_cand < MAX_CAND ? w->n_cand++ : MAX_CAND - 1;
    while (at > 0 && w->cand[at - 1].margin > m) { w->cand[at] = w->cand[at - 1]; at--; }
    w->cand[at].call = call; w->cand[at].row = row; w->cand[at].elem = elem; w->cand[at].margin = m;
}
/* each row is one position; the layer's own rule gives the scale */
static void observe(const tn_bitlinear *l, const float *x, int64_t rows, void *user) {
    tie_watch *w = (tie_watch *)user;
    int64_t r, i;
    int k, call = w->call++;
    for (k = 0; k < w->n_flips; k++) /* move x just across its tie: it then rounds to the other code */
        if (w->flips[k].call == call && w->flips[k].row < rows) {
            float *xr = (float *)x + (int64_t)w->flips[k].row * l->in, s = rule_scale(l, xr, w->flips[k].elem);
            float v = xr[w->flips[k].elem] * s, q = nearbyintf(v);
            xr[w->flips[k].elem] = (v > q ? q + 1.0f : q - 1.0f) / s;
        }
    for (r = 0; r < rows && r < w->n; r++) {
        const float *xr = x + r * l->in;
        float s = 0;
        for (i = 0; i < l->in; i++) {
            double t;
            if (i == 0 || ((l->flags & TN_LAYER_ACT_BLOCK) && i % 256 == 0)) s = rule_scale(l, xr, i);
            t = s == 0 ? 1.0 : tie_margin(xr[i] * s);
            if (t < w->margin[r]) w->margin[r] = t;
            if (r == w->max_row && t < 1e-3) add_cand(w, call, (int)r, (int)i, t);
        }
    }
}
/* "1,2,3" into ids (at most 4096); the count */
static int parse_ids(const char *p, int32_t *ids) {
    int n;
    for (n = 0; *p && n < 4096; n++) { ids[n] = (int32_t)strtol(p, (char **)&p, 10); if (*p == ',') p++; }
    return n;
}
/* "call:row:elem,..." (or "-") into flips (at most max, leaving room for one more); the count or -1 */
static int parse_flips(const char *list, flip *flips, int max) {
    const char *p = list;
    int nf = 0;
    while (*p && *p != '-' && nf < max) {
        if (sscanf(p, "%d:%d:%d", &flips[nf].call, &flips[nf].row, &flips[nf].elem) != 3) { fprintf(stderr, "tn_logits: bad flip list '%s'\n", list); return -1; }
        nf++;
        while (*p && *p != ',') p++;
        if (*p == ',') p++;
    }
    return nf;
}
static int argmax(const float *p, int n) { int v, b = 0; for (v = 1; v < n; v++) if (p[v] > p[b]) b = v; return b; }

/* the forward of ids[0..n) watched by w: logits (vocab, n) in c */
static const float *pass(tn_ctx *c, tn_transformer *m, const int32_t *ids, int n, tie_watch *w) {
    tn_tensor *x = tn_new_2d(c, TN_TYPE_I32, n, 1), *lg;
    int t;
    if (!x) return NULL;
    memcpy(x->data, ids, sizeof(int32_t) * (size_t)n);
    for (t = 0; t < n && t < w->n; t++) w->margin[t] = 1.0;
    w->call = 0; w->n_cand = 0;
    tn_ctx_set_observer(c, observe, w);
    lg = tn_transformer_forward(c, m, x);
    tn_ctx_set_observer(c, NULL, NULL);
    if (!lg) { fprintf(stderr, "tn_logits: %s\n", tn_last_error()); return NULL; }
    return (const float *)lg->data;
}
static void print_probs(const float *lg, int n, int64_t vocab) {
    int t;
    int64_t v;
    printf("[");
    for (t = 0; t < n; t++) {
        const float *p = lg + (size_t)t * (size_t)vocab;
        double mx = p[argmax(p, (int)vocab)], z = 0;
        for (v = 0; v < vocab; v++) z += exp((double)p[v] - mx);
        printf("%s[", t ? ", " : "");
        for (v = 0; v < vocab; v++) printf("%s%.9g", v ? "," : "", exp((double)p[v] - mx) / z);
        printf("]");
    }
    printf("]");
}

int main(int argc, char **argv) {
    tn_transformer m;
    tn_ctx *pc, *c;
    FILE *f;
    char line[4096];
    int32_t ids[4096];
    double margin[4096];
    flip flips[64];
    tie_watch w;
    const float *lg;
    int n_gen, n, k, t;
    if (argc != 4 && !(argc == 6 && strcmp(argv[2], "--probe") == 0) && !(argc == 7 && strcmp(argv[2], "--subsets") == 0)) {
        fprintf(stderr, "usage: %s MODEL.gguf PROMPTS.txt N_GEN\n"
                        "       %s MODEL.gguf --probe IDS FLIPS POS   (IDS 1,2,..; FLIPS call:row:elem,... or -)\n"
                        "       %s MODEL.gguf --subsets IDS FLIPS POS TARGET   (TARGET: the 256 probabilities wanted at POS)\n", argv[0], argv[0], argv[0]);
        return 2;
    }
    pc = tn_ctx_new((size_t)256 << 20);
    c = tn_ctx_new((size_t)256 << 20);
    if (!pc || !c || tn_transformer_load_gguf(&m, pc, argv[1]) != TN_OK) { fprintf(stderr, "tn_logits: %s\n", tn_last_error()); return 1; }
    tn_ctx_set_grad_enabled(c, 0);
    memset(&w, 0, sizeof(w));
    w.margin = margin; w.flips = flips; w.max_row = -1;
    if (argc == 7) {
        /* every subset of the closest ties at POS (up to 12, within 1e-3 codes) moved on top of FLIPS:
           the one whose probabilities at POS come closest to TARGET */
        int nf = 0, nc, mask, best_mask = 0, j;
        double target[256], best = 1e30, d;
        flip cand[MAX_CAND];
        size_t mark = tn_ctx_used(c);
        int pos = atoi(argv[5]);
        FILE *tf = fopen(argv[6], "rb");
        if ((n = parse_ids(argv[3], ids)) < 0 || (nf = parse_flips(argv[4], flips, 40)) < 0) return 2;
        if (!tf || m.cfg.vocab != 256 || pos < 0 || pos >= n || n > m.cfg.ctx_len) { fprintf(stderr, "tn_logits: bad --subsets arguments\n"); return 2; }
        for (k = 0; k < 256; k++) if (fscanf(tf, "%lf", &target[k]) != 1) { fprintf(stderr, "tn_logits: TARGET needs 256 numbers\n"); return 2; }
        fclose(tf);
        n = pos + 1; /* the probabilities at pos depend on ids[0..pos] only */
        w.n = n; w.n_flips = nf; w.max_row = pos;
        if (!pass(c, &m, ids, n, &w)) return 1;
        for (nc = 0; nc < w.n_cand && w.cand[nc].margin < 1e-3 && nc < SUBSET_MAX; nc++) cand[nc] = w.cand[nc];
        tn_ctx_rewind(c, mark);
        for (mask = 0; mask < (1 << nc); mask++) {
            int nn = nf;
            double mx, z = 0;
            const float *q;
            for (j = 0; j < nc; j++) if (mask >> j & 1) flips[nn++] = cand[j];
            w.n_flips = nn; w.max_row = -1;
            if (!(lg = pass(c, &m, ids, n, &w))) return 1;
            q = lg + (size_t)pos * 256;
            mx = q[argmax(q, 256)];
            for (k = 0; k < 256; k++) z += exp((double)q[k] - mx);
            for (d = 0, k = 0; k < 256; k++) d = fmax(d, fabs(exp((double)q[k] - mx) / z - target[k]));
            if (d < best) { best = d; best_mask = mask; }
            tn_ctx_rewind(c, mark);
        }
        printf("{\"dp\": %.9g, \"tried\": %d, \"flips\": [", best, 1 << nc);
        for (k = 0, j = 0; j < nc; j++)
            if (best_mask >> j & 1) printf("%s{\"flip\": \"%d:%d:%d\", \"margin\": %.3e}", k++ ? ", " : "", cand[j].call, cand[j].row, cand[j].elem, cand[j].margin);
        printf("]}\n");
        return 0;
    }
    if (argc == 6) {
        /* the sequence with the given codes flipped, then each near tie up to MAX_POS flipped on top, one at a time */
        int nf = 0, ci;
        flip cand[MAX_CAND];
        size_t mark = tn_ctx_used(c);
        if ((n = parse_ids(argv[3], ids)) < 0 || (nf = parse_flips(argv[4], flips, 40)) < 0) return 2;
        if (n < 1 || n > m.cfg.ctx_len) { fprintf(stderr, "tn_logits: %d ids (context %lld)\n", n, (long long)m.cfg.ctx_len); return 2; }
        w.n = n; w.n_flips = nf; w.max_row = atoi(argv[5]);
        if (!(lg = pass(c, &m, ids, n, &w))) return 1;
        memcpy(cand, w.cand, sizeof(cand));
        k = w.n_cand;
        printf("{\"base\": ");
        print_probs(lg, n, m.cfg.vocab);
        printf(", \"candidates\": [");
        tn_ctx_rewind(c, mark);
        for (ci = 0; ci < k; ci++) {
            flips[nf] = cand[ci];
            w.n_flips = nf + 1; w.max_row = -1;
            if (!(lg = pass(c, &m, ids, n, &w))) return 1;
            printf("%s{\"flip\": \"%d:%d:%d\", \"margin\": %.3e, \"probs\": ", ci ? ", " : "", cand[ci].call, cand[ci].row, cand[ci].elem, cand[ci].margin);
            print_probs(lg, n, m.cfg.vocab);
            printf("}");
            tn_ctx_rewind(c, mark);
        }
        printf("]}\n");
        return 0;
    }
    n_gen = atoi(argv[3]);
    if (!(f = fopen(argv[2], "rb"))) { fprintf(stderr, "tn_logits: cannot open %s\n", argv[2]); return 1; }
    while (fgets(line, sizeof(line), f)) {
        int len = (int)strcspn(line, "\n");
        size_t mark = tn_ctx_used(c);
        if (len == 0) continue;
        if (len + n_gen > m.cfg.ctx_len) { fprintf(stderr, "tn_logits: prompt of %d + %d tokens exceeds the context of %lld\n", len, n_gen, (long long)m.cfg.ctx_len); return 1; }
        for (k = 0; k < len; k++) ids[k] = (unsigned char)line[k];
        for (n = len, k = 0; k < n_gen; k++, n++) { /* greedy, recomputing the window */
            w.n = n;
            if (!(lg = pass(c, &m, ids, n, &w))) return 1;
            ids[n] = argmax(lg + (size_t)(n - 1) * (size_t)m.cfg.vocab, (int)m.cfg.vocab);
            tn_ctx_rewind(c, mark);
        }
        w.n = n; /* the whole sequence once more, watching the quantizers */
        if (!(lg = pass(c, &m, ids, n, &w))) return 1;
        printf("{\"prompt_len\": %d, \"ids\": [", len);
        for (t = 0; t < n; t++) printf("%s%d", t ? ", " : "", ids[t]);
        printf("], \"margin\": [");
        for (t = 0; t < n; t++) printf("%s%.3e", t ? ", " : "", margin[t]);
        printf("], \"probs\": ");
        print_probs(lg, n, m.cfg.vocab);
        printf("}\n");
        tn_ctx_rewind(c, mark);
    }
    fclose(f);
    tn_transformer_deinit(&m);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}
