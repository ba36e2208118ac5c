/* tn-run - run a llama.cpp model file (architectures llama, arcee, bitnet:
   TriLM, BitNet b1.58, Falcon3-1.58bit converted by llama.cpp, and what
   ternary.h exports) with ternary.h: the weights stay in the file's formats,
   mapped; a KV cache; the prompt in batches, then a token at a time.
   Build: cc -O2 -I. tools/tn-run.c -o tn-run -lm -lpthread
   Usage: tn-run MODEL.gguf [-p PROMPT | -f FILE] [-n N] [options]
     -p PROMPT      the prompt (default: the BOS token alone, or "\n")
     -f FILE        the prompt from a file
     -n N           tokens to generate (default 64; stops early at end-of-text)
     --temp T       0 (default) greedy; else sample softmax(logits / T)
     --top-k K      sample among the K most probable (default 40; 0: all)
     --top-p P      then among the fewest whose probability reaches P (default 0.95)
     --seed S       the sampler's seed (default 1)
     --ctx N        positions the KV cache holds (default: the model's, at most 4096)
     --batch N      prompt positions per forward pass (default 64)
     --threads N    (default: one per CPU)
     --relu2        bitnet files: gated ReLU^2, as BitNet b1.58 2B-4T was trained
                    (llama.cpp runs them SiLU-gated, the default here too)
     --ppl FILE     perplexity of FILE instead of generating: windows of --ctx
                    tokens from an empty cache, the second half of each scored
                    (as llama.cpp's llama-perplexity)
     --no-mmap      read the file into memory instead of mapping it
     -q             no model summary or speed lines on stderr
   Generated text goes to stdout as it is made; the model, the prompt and
   generation speed (tokens/s) go to stderr. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c99 */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

static double wall(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }
static int die(const char *what) { fprintf(stderr, "tn-run: %s\n", what); return 1; }
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t cap = 0, len = 0, got;
    if (!f) return NULL;
    for (;;) {
        if (len + 65536 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 1 << 20;
            if (!(nb = (char *)realloc(b, cap))) { free(b); fclose(f); return NULL; }
            b = nb;
        }
        got = fread(b + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) { free(b); fclose(f); return NULL; }
    fclose(f);
    b[len] = 0;
    *n = len;
    return b;
}
static int usage(void) {
    fprintf(stderr, "usage: tn-run MODEL.gguf [-p PROMPT | -f FILE] [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S]\n"
                    "              [--ctx N] [--batch N] [--threads N] [--relu2] [--ppl FILE] [--no-mmap] [-q]\n");
    return 2;
}
static int num(const char *s, double lo, double hi, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return 0;
    *out = v;
    return 1;
}
static void put_piece(const tn_vocab *v, int32_t id) {
    char buf[256];
    size_t len;
    if (tn_token_piece(v, id, 0, buf, sizeof(buf), &len) == TN_OK) fwrite(buf, 1, len < sizeof(buf) ? len : sizeof(buf), stdout);
    fflush(stdout);
}
/* log-probability of token `next` under logits */
static double logprob(const float *lg, int64_t nv, int32_t next) {
    double mx = lg[0], z = 0;
    int64_t i;
    for (i = 1; i < nv; i++) if (lg[i] > mx) mx = lg[i];
    for (i = 0; i < nv; i++) z += exp((double)lg[i] - mx);
    return (double)lg[next] - mx - log(z);
}
static int perplexity(tn_llm *m, const char *path, int quiet) {
    const tn_llm_info *I = tn_llm_get_info(m);
    const tn_vocab *v = tn_llm_vocab(m);
    size_t len = 0;
    char *text = slurp(path, &len);
    int32_t *ids;
    float *lg;
    int64_t n = 0, nc, c, t, scored = 0, w = I->n_ctx;
    double nll = 0, t0 = wall();
    if (!text) { fprintf(stderr, "tn-run: cannot read %s\n", path); return 1; }
    if (!(ids = (int32_t *)malloc((len + 2) * sizeof(int32_t)))) return die("out of memory");
    if (tn_tokenize(v, text, len, 1, 0, ids, (int64_t)len + 2, &n) != TN_OK) return die(tn_last_error());
    free(text);
    if (w < 2) return die("--ctx must be at least 2 for --ppl");
    nc = n / w;
    if (nc < 1) { fprintf(stderr, "tn-run: %s is %lld tokens, less than one window of %lld (--ctx)\n", path, (long long)n, (long long)w); return 1; }
    if (!(lg = (float *)malloc((size_t)w * (size_t)I->n_vocab * sizeof(float)))) return die("out of memory");
    if (!quiet) fprintf(stderr, "tn-run: perplexity over %lld windows of %lld tokens (%lld tokens in all)\n", (long long)nc, (long long)w, (long long)n);
    for (c = 0; c < nc; c++) {
        const int32_t *x = ids + c * w;
        double el, eta;
        tn_llm_rewind(m, 0);
        if (tn_llm_eval(m, x, w, lg, 1) != TN_OK) return die(tn_last_error());
        for (t = w / 2; t < w - 1; t++) { nll -= logprob(lg + t * I->n_vocab, I->n_vocab, x[t + 1]); scored++; }
        el = wall() - t0;
        eta = el / (double)(c + 1) * (double)(nc - c - 1);
        if ((c + 1) % (nc / 20 > 0 ? nc / 20 : 1) && c + 1 < nc) continue; /* about 20 progress lines */
        printf("[%lld/%lld] ppl %.4f  (%.1f tokens/s, ETA %.0f s)\n", (long long)(c + 1), (long long)nc, exp(nll / (double)scored),
               (double)((c + 1) * w) / el, eta);
        fflush(stdout);
    }
    printf("perplexity: %.4f over %lld scored tokens\n", exp(nll / (double)scored), (long long)scored);
    free(lg); free(ids);
    return 0;
}
int main(int argc, char **argv) {
    const char *model = NULL, *prompt = NULL, *pfile = NULL, *ppl = NULL;
    tn_llm_params p = tn_llm_params_default();
    tn_sample_params sp;
    tn_llm *m;
    const tn_llm_info *I;
    const tn_vocab *v;
    tn_rng rng;
    double x, t0, t1, t2;
    long long n_gen = 64, seed = 1;
    int quiet = 0, i, rc = 0;
    char *ptext = NULL;
    size_t plen = 0;
    int32_t *ids;
    int64_t n = 0, k, cap;
    float *lg;
    sp.temp = 0.0f; sp.top_k = 40; sp.top_p = 0.95f;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED(lo, hi) do { if (!val || !num(val, (lo), (hi), &x)) { fprintf(stderr, "tn-run: %s wants a number from %g to %g\n", a, (double)(lo), (double)(hi)); return 2; } i++; } while (0)
        if (strcmp(a, "-p") == 0 && val) { prompt = val; i++; }
        else if (strcmp(a, "-f") == 0 && val) { pfile = val; i++; }
        else if (strcmp(a, "--ppl") == 0 && val) { ppl = val; i++; }
        else if (strcmp(a, "-n") == 0) { NEED(0, 1e9); n_gen = (long long)x; }
        else if (strcmp(a, "--temp") == 0) { NEED(0, 100); sp.temp = (float)x; }
        else if (strcmp(a, "--top-k") == 0) { NEED(0, 1e9); sp.top_k = (int)x; }
        else if (strcmp(a, "--top-p") == 0) { NEED(0, 1); sp.top_p = (float)x; }
        else if (strcmp(a, "--seed") == 0) { NEED(0, 1e18); seed = (long long)x; }
        else if (strcmp(a, "--ctx") == 0) { NEED(1, 1 << 30); p.n_ctx = (int64_t)x; }
        else if (strcmp(a, "--batch") == 0) { NEED(1, 1 << 20); p.n_batch = (int64_t)x; }
        else if (strcmp(a, "--threads") == 0 || strcmp(a, "-t") == 0) { NEED(1, 1024); p.n_threads = (int)x; }
        else if (strcmp(a, "--relu2") == 0) p.ffn_act = TN_LLM_ACT_RELU2;
        else if (strcmp(a, "--no-mmap") == 0) p.use_mmap = 0;
        else if (strcmp(a, "-q") == 0) quiet = 1;
        else if (a[0] == '-' && a[1]) { fprintf(stderr, "tn-run: unknown option %s\n", a); return usage(); }
        else if (!model) model = a;
        else return usage();
#undef NEED
    }
    if (!model || (prompt && pfile)) return usage();
    t0 = wall();
    if (tn_llm_load(model, &p, &m) != TN_OK) return die(tn_last_error());
    I = tn_llm_get_info(m);
    v = tn_llm_vocab(m);
    if (!quiet)
        fprintf(stderr, "tn-run: %s: %s%s%s, %lld layers, %lld wide, %lld/%lld heads of %lld, FFN %lld (%s), vocabulary %lld (%s), %s projections, "
                        "%s embeddings, %s head; %.1f MB file, %.1f MB KV cache for %lld positions; %s, %d threads; loaded in %.2f s\n",
                model, I->arch, I->name[0] ? " " : "", I->name, (long long)I->n_layer, (long long)I->n_embd, (long long)I->n_head, (long long)I->n_head_kv,
                (long long)I->head_dim, (long long)I->n_ff, !I->gated ? "ReLU^2" : I->act == TN_LLM_ACT_RELU2 ? "gated ReLU^2" : "SwiGLU",
                (long long)I->n_vocab, tn_vocab_model(v), tn_type_name(I->proj_type), tn_type_name(I->embd_type), I->tied ? "tied" : tn_type_name(I->head_type),
                (double)I->file_bytes / 1e6, (double)I->kv_bytes / 1e6, (long long)I->n_ctx, tn_simd_name(), I->n_threads, wall() - t0);
    if (ppl) { rc = perplexity(m, ppl, quiet); tn_llm_free(m); return rc; }
    if (pfile && !(ptext = slurp(pfile, &plen))) { fprintf(stderr, "tn-run: cannot read %s\n", pfile); return 1; }
    if (prompt) { ptext = (char *)malloc(strlen(prompt) + 1); if (!ptext) return die("out of memory"); strcpy(ptext, prompt); plen = strlen(prompt); }
    cap = (int64_t)plen + 2;
    if (!(ids = (int32_t *)malloc((size_t)cap * sizeof(int32_t))) || !(lg = (float *)malloc((size_t)I->n_vocab * sizeof(float)))) return die("out of memory");
    if (tn_tokenize(v, ptext ? ptext : "", plen, 1, 0, ids, cap, &n) != TN_OK) return die(tn_last_error());
    if (n == 0) { /* no prompt and no BOS: start from a newline */
        if (tn_tokenize(v, "\n", 1, 0, 0, ids, cap, &n) != TN_OK || n == 0) return die("the prompt is empty and the vocabulary has no newline to start from; give -p");
    }
    if (n >= I->n_ctx) {
        fprintf(stderr, "tn-run: the prompt is %lld tokens and the context holds %lld: give a larger --ctx (the model was trained on %lld) or a shorter prompt\n",
                (long long)n, (long long)I->n_ctx, (long long)I->n_ctx_train);
        return 1;
    }
    if (ptext) fwrite(ptext, 1, plen, stdout);
    fflush(stdout);
    tn_rng_seed(&rng, (uint64_t)seed);
    t1 = wall();
    if (tn_llm_eval(m, ids, n, lg, 0) != TN_OK) return die(tn_last_error());
    t2 = wall();
    for (k = 0; k < n_gen;) {
        int32_t next;
        if (tn_sample(lg, I->n_vocab, &sp, &rng, &next) != TN_OK) return die(tn_last_error());
        if (tn_vocab_is_eog(v, next)) break;
        put_piece(v, next);
        k++;
        if (k == n_gen) break;
        if (tn_llm_n_past(m) >= I->n_ctx) { fprintf(stderr, "\ntn-run: the context of %lld positions is full (--ctx)\n", (long long)I->n_ctx); break; }
        if (tn_llm_eval(m, &next, 1, lg, 0) != TN_OK) return die(tn_last_error());
    }
    printf("\n");
    if (!quiet) {
        double tg = wall() - t2, pp = t2 - t1;
        fprintf(stderr, "tn-run: prompt %lld tokens in %.3f s (%.1f tokens/s); generated %lld tokens in %.3f s (%.1f tokens/s)\n",
                (long long)n, pp, (double)n / (pp > 0 ? pp : 1e-9), (long long)k, tg, (double)k / (tg > 0 ? tg : 1e-9));
    }
    free(ids); free(lg); free(ptext);
    tn_llm_free(m);
    return rc;
}
