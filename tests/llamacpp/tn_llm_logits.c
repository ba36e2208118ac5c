/* tn_llm_logits - ternary.h's side of the llama.cpp comparison of tn_llm
   (tests/llamacpp/llm.sh).
   tn_llm_logits make NAME OUT.gguf SEED   writes the synthetic model NAME of
                                           tests/llm_models.h (bitnet, llama, arcee)
   tn_llm_logits run MODEL.gguf PROMPTS.txt N_GEN [N_BATCH]
       for every prompt (one per line) prints one JSON line: the prompt's
       tokens (tn_tokenize), the greedy continuation of N_GEN tokens, and for
       every position the next-token probabilities (softmax in double). The
       prompt is evaluated in batches of N_BATCH positions, then a token at a
       time, as llama.cpp does.
   tn_llm_logits tokenize MODEL.gguf FILE  prints the ids of FILE's text, one per line
   tn_llm_logits pieces MODEL.gguf         prints every token's bytes (hex), one line per id
   tn_llm_logits MODEL.gguf --probe IDS FLIPS POS
   tn_llm_logits MODEL.gguf --subsets IDS FLIPS POS TARGET
       as tn_logits (tests/llamacpp/tie.mjs): the probabilities of the whole
       sequence IDS evaluated in one batch with the int8 codes FLIPS
       (call:position:element) moved across their rounding ties; --subsets:
       every subset of the (up to 12) closest ties at POS moved on top, and
       the one whose probabilities at POS come closest to TARGET's */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include "llm_models.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static void print_probs(const float *lg, int64_t nv) {
    double mx = lg[0], s = 0;
    int64_t v;
    for (v = 1; v < nv; v++) if (lg[v] > mx) mx = lg[v];
    for (v = 0; v < nv; v++) s += exp((double)lg[v] - mx);
    printf("[");
    for (v = 0; v < nv; v++) printf("%s%.9g", v ? "," : "", exp((double)lg[v] - mx) / s);
    printf("]");
}
/* one int8 code at a rounding tie: the matmul (call of the pass), position and element */
typedef struct { int call, row, elem; double margin; } flip;
#define MAX_CAND 24
#define SUBSET_MAX 12
typedef struct {
    const flip *flips; int n_flips;
    flip cand[MAX_CAND]; int n_cand; int max_row;
} watch;
/* the scale ggml's reference quantizer of `at` gives element e of row xr (0: not int8) */
static float act_scale(tn_type at, const float *xr, int64_t e) {
    int64_t i, bs = at == TN_TYPE_Q8_K ? 256 : at == TN_TYPE_Q8_0 ? 32 : 0, b0;
    float amax = 0, mx = 0;
    if (!bs) return 0.0f;
    b0 = e / bs * bs;
    for (i = b0; i < b0 + bs; i++) if (fabsf(xr[i]) > amax) { amax = fabsf(xr[i]); mx = xr[i]; }
    if (amax == 0) return 0.0f;
    if (at == TN_TYPE_Q8_K) return -127.0f / mx;
    return 1.0f / (amax / 127.0f);
}
static void add_cand(watch *w, int call, int row, int elem, double m) {
    int k, at;
    for (k = 0; k < w->n_flips; k++) if (w->flips[k].row == row && w->flips[k].elem == elem && w->flips[k].call <= call) return;
    for (k = 0; k < w->n_cand; k++) if (w->cand[k].row == row && w->cand[k].elem == elem && w->cand[k].margin == m) return; /* q, k, v share x */
    if (w->n_cand == MAX_CAND && m >= w->cand[MAX_CAND - 1].margin) return;
    at = w->n_cand < MAX_CAND ? w->n_cand++ : MAX_CAND - 1;
    while (at > 0 && w->cand[at - 1].margin > m) { w->cand[at] = w->cand[at - 1]; at--; }
    w->cand[at].call = call; w->cand[at].row = row; w->cand[at].elem = elem; w->cand[at].margin = m;
}
static void observe(void *user, int call, int64_t p0, int64_t rows, int64_t n, tn_type at, float *x) {
    watch *w = (watch *)user;
    int64_t r, i;
    int k;
    for (k = 0; k < w->n_flips; k++) /* move x just across its tie: it then rounds to the other code */
        if (w->flips[k].call == call && w->flips[k].row >= p0 && w->flips[k].row < p0 + rows) {
            float *xr = x + (w->flips[k].row - p0) * n, s = act_scale(at, xr, w->flips[k].elem);
            float v = xr[w->flips[k].elem] * s, q = nearbyintf(v);
            if (s != 0) xr[w->flips[k].elem] = (v > q ? q + 1.0f : q - 1.0f) / s;
        }
    if (w->max_row < p0 || w->max_row >= p0 + rows) return;
    r = w->max_row - p0;
    for (i = 0; i < n; i++) {
        const float *xr = x + r * n;
        float s = act_scale(at, xr, i);
        double v = fabs((double)(xr[i] * s)), t = fabs(v - floor(v) - 0.5);
        if (s != 0 && t < 1e-3) add_cand(w, call, (int)w->max_row, (int)i, t);
    }
}
static int parse_ids(const char *p, int32_t *ids, int max) {
    int n;
    for (n = 0; *p && n < max; n++) { ids[n] = (int32_t)strtol(p, (char **)&p, 10); if (*p == ',') p++; }
    return n;
}
static int parse_flips(const char *list, flip *flips, int max) {
    const char *p = list;
    int nf = 0;
    while (*p && *p != '-' && nf < max) {
        if (sscanf(p, "%d:%d:%d", &flips[nf].call, &flips[nf].row, &flips[nf].elem) != 3) { fprintf(stderr, "tn_llm_logits: bad flip list '%s'\n", list); return -1; }
        nf++;
        while (*p && *p != ',') p++;
        if (*p == ',') p++;
    }
    return nf;
}
/* ids[0..n) in one batch, watched: all logits in lg */
static int pass(tn_llm *m, const int32_t *ids, int n, watch *w, float *lg) {
    w->n_cand = 0;
    tn_llm_rewind(m, 0);
    tn_llm_set_observer(m, observe, w);
    if (tn_llm_eval(m, ids, n, lg, 1) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 0; }
    tn_llm_set_observer(m, NULL, NULL);
    return 1;
}
static double dist(const float *lg, const double *target, int64_t nv) {
    double mx = lg[0], z = 0, d = 0;
    int64_t v;
    for (v = 1; v < nv; v++) if (lg[v] > mx) mx = lg[v];
    for (v = 0; v < nv; v++) z += exp((double)lg[v] - mx);
    for (v = 0; v < nv; v++) d = fmax(d, fabs(exp((double)lg[v] - mx) / z - target[v]));
    return d;
}
static int probe_main(int argc, char **argv) {
    tn_llm *m;
    tn_llm_params p = tn_llm_params_default();
    const tn_llm_info *I;
    static int32_t ids[4096];
    flip flips[64], cand[MAX_CAND];
    watch w;
    float *lg;
    int n, nf, pos = atoi(argv[5]), k;
    p.n_threads = 1; p.n_batch = 4096;
    if ((n = parse_ids(argv[3], ids, 4096)) < 1 || (nf = parse_flips(argv[4], flips, 40)) < 0) return 2;
    p.n_ctx = n;
    if (tn_llm_load(argv[1], &p, &m) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
    I = tn_llm_get_info(m);
    if (!(lg = (float *)malloc((size_t)n * (size_t)I->n_vocab * sizeof(float)))) return 1;
    memset(&w, 0, sizeof(w));
    w.flips = flips; w.n_flips = nf; w.max_row = pos;
    if (argc == 7) {
        double *target = (double *)malloc((size_t)I->n_vocab * sizeof(double)), best = 1e30, d;
        int nc, mask, best_mask = 0, j;
        int64_t v;
        FILE *tf = fopen(argv[6], "rb");
        if (!target || !tf || pos < 0 || pos >= n) { fprintf(stderr, "tn_llm_logits: bad --subsets arguments\n"); return 2; }
        for (v = 0; v < I->n_vocab; v++) if (fscanf(tf, "%lf", &target[v]) != 1) { fprintf(stderr, "tn_llm_logits: TARGET needs %lld numbers\n", (long long)I->n_vocab); return 2; }
        fclose(tf);
        n = pos + 1;
        if (!pass(m, ids, n, &w, lg)) return 1;
        for (nc = 0; nc < w.n_cand && nc < SUBSET_MAX; nc++) cand[nc] = w.cand[nc];
        w.max_row = -1;
        for (mask = 0; mask < (1 << nc); mask++) {
            int nn = nf;
            for (j = 0; j < nc; j++) if (mask >> j & 1) flips[nn++] = cand[j];
            w.n_flips = nn;
            if (!pass(m, ids, n, &w, lg)) return 1;
            d = dist(lg + (size_t)pos * (size_t)I->n_vocab, target, I->n_vocab);
            if (d < best) { best = d; best_mask = mask; }
        }
        printf("{\"dp\": %.9g, \"tried\": %d, \"flips\": [", best, 1 << nc);
        for (k = 0, j = 0; j < nc; j++)
            if (best_mask >> j & 1) printf("%s{\"flip\": \"%d:%d:%d\", \"margin\": %.3e}", k++ ? ", " : "", cand[j].call, cand[j].row, cand[j].elem, cand[j].margin);
        printf("]}\n");
        free(target);
    } else {
        int t;
        if (!pass(m, ids, n, &w, lg)) return 1;
        printf("{\"base\": [");
        for (t = 0; t < n; t++) { if (t) printf(","); print_probs(lg + (size_t)t * (size_t)I->n_vocab, I->n_vocab); }
        printf("]}\n");
    }
    free(lg);
    tn_llm_free(m);
    return 0;
}
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *b;
    long sz;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) { fclose(f); return NULL; }
    b = (char *)malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) { free(b); b = NULL; }
    fclose(f);
    if (b) { b[sz] = 0; *n = (size_t)sz; }
    return b;
}
int main(int argc, char **argv) {
    tn_llm *m;
    tn_llm_params p = tn_llm_params_default();
    const tn_llm_info *I;
    char line[4096];
    FILE *f;
    if ((argc == 6 && strcmp(argv[2], "--probe") == 0) || (argc == 7 && strcmp(argv[2], "--subsets") == 0)) return probe_main(argc, argv);
    if (argc == 5 && strcmp(argv[1], "make") == 0) {
        int i;
        for (i = 0; i < TN_T_LLM_NSPECS; i++)
            if (strcmp(tn_t_llm_specs[i].name, argv[2]) == 0) {
                if (tn_t_llm_write(&tn_t_llm_specs[i], strtoull(argv[4], NULL, 10), argv[3]) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
                return 0;
            }
        for (i = 0; i < TN_T_LLM_NVSPECS; i++)
            if (strcmp(tn_t_llm_vspecs[i].name, argv[2]) == 0) {
                if (tn_t_llm_write(&tn_t_llm_vspecs[i], strtoull(argv[4], NULL, 10), argv[3]) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
                return 0;
            }
        if (strcmp(argv[2], tn_t_llm_bitnet2b.name) == 0) {
            if (tn_t_llm_write(&tn_t_llm_bitnet2b, strtoull(argv[4], NULL, 10), argv[3]) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
            return 0;
        }
        fprintf(stderr, "tn_llm_logits: no model named %s\n", argv[2]);
        return 2;
    }
    if (argc == 4 && strcmp(argv[1], "tokenize") == 0) {
        size_t n = 0;
        char *text = slurp(argv[3], &n);
        int32_t *ids;
        int64_t k, cnt = 0;
        if (!text) { fprintf(stderr, "tn_llm_logits: cannot read %s\n", argv[3]); return 1; }
        if (tn_llm_load(argv[2], &p, &m) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        ids = (int32_t *)malloc((2 * n + 2) * sizeof(int32_t));
        if (!ids || tn_tokenize(tn_llm_vocab(m), text, n, 0, 0, ids, 2 * (int64_t)n + 2, &cnt) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        for (k = 0; k < cnt; k++) printf("%d\n", ids[k]);
        free(ids); free(text);
        tn_llm_free(m);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "pieces") == 0) { /* every token's bytes (special tokens too), hex, one line each */
        const tn_vocab *v;
        int64_t id;
        if (tn_llm_load(argv[2], &p, &m) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        v = tn_llm_vocab(m);
        for (id = 0; id < tn_vocab_n(v); id++) {
            char buf[256];
            size_t len = 0, j;
            if (tn_token_piece(v, (int32_t)id, 1, buf, sizeof(buf), &len) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
            for (j = 0; j < len && j < sizeof(buf); j++) printf("%02x", (unsigned char)buf[j]);
            printf("\n");
        }
        tn_llm_free(m);
        return 0;
    }
    if ((argc != 5 && argc != 6) || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: %s make NAME OUT.gguf SEED | run MODEL.gguf PROMPTS.txt N_GEN [N_BATCH] | tokenize MODEL.gguf FILE | pieces MODEL.gguf\n", argv[0]);
        return 2;
    }
    p.n_threads = 1;
    if (argc == 6) p.n_batch = atoi(argv[5]);
    if (tn_llm_load(argv[2], &p, &m) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
    I = tn_llm_get_info(m);
    if (!(f = fopen(argv[3], "rb"))) { fprintf(stderr, "tn_llm_logits: cannot open %s\n", argv[3]); return 1; }
    while (fgets(line, sizeof(line), f)) {
        size_t len = strlen(line);
        int n_gen = atoi(argv[4]), t;
        int64_t n = 0, total, k;
        int32_t ids[1024];
        float *lg;
        if (len && line[len - 1] == '\n') line[--len] = 0;
        if (!len) continue;
        if (tn_tokenize(tn_llm_vocab(m), line, len, 1, 0, ids, 512, &n) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        total = n + n_gen;
        if (!(lg = (float *)malloc((size_t)(total * I->n_vocab) * sizeof(float)))) return 1;
        tn_llm_rewind(m, 0);
        if (tn_llm_eval(m, ids, n, lg, 1) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        for (t = 0; t < n_gen; t++) {
            const float *last = lg + (n + t - 1) * I->n_vocab;
            int64_t v, best = 0;
            for (v = 1; v < I->n_vocab; v++) if (last[v] > last[best]) best = v;
            ids[n + t] = (int32_t)best;
            if (tn_llm_eval(m, &ids[n + t], 1, lg + (n + t) * I->n_vocab, 0) != TN_OK) { fprintf(stderr, "tn_llm_logits: %s\n", tn_last_error()); return 1; }
        }
        printf("{\"prompt\": \"");
        for (k = 0; k < (int64_t)len; k++) {
            unsigned char c = (unsigned char)line[k];
            if (c == '"' || c == '\\') printf("\\%c", c);
            else if (c < 32 || c > 126) printf("\\u%04x", c);
            else putchar(c);
        }
        printf("\", \"prompt_len\": %lld, \"ids\": [", (long long)n);
        for (k = 0; k < total; k++) printf("%s%d", k ? ", " : "", ids[k]);
        printf("], \"probs\": [");
        for (k = 0; k < total; k++) { if (k) printf(","); print_probs(lg + k * I->n_vocab, I->n_vocab); }
        printf("]}\n");
        free(lg);
    }
    fclose(f);
    tn_llm_free(m);
    return 0;
}
