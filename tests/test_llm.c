/* tn_llm: llama.cpp's llama/arcee/bitnet files run from the mapped file with a KV cache;
   rwkv vocabularies; sampling. (tests/llamacpp/run.sh checks the same models against llama.cpp.) */
#include "llm_models.h"

/* spec i as a file in memory, read back (the caller frees *g and *mem) */
static tn_status tn_t_llm_mem(const tn_t_llm_spec *s, uint64_t seed, tn_gguf **g, void **mem) {
    tn_t_bufs b;
    tn_gguf *w;
    size_t n;
    tn_status st;
    b.n = 0;
    *g = NULL; *mem = NULL;
    if ((st = tn_t_llm_build(s, seed, &w, &b))) return st;
    st = tn_gguf_write_memory(w, mem, &n);
    tn_gguf_free(w);
    tn_t_bufs_free(&b);
    if (st) return st;
    return tn_gguf_read_memory(*mem, n, g);
}
static double tn_t_maxdiff(const float *a, const float *b, int64_t n) {
    double d = 0;
    int64_t i;
    /* not fmax: it drops a NaN (and gcc 12's aarch64 vectoriser crashes on
       the fmax reduction) */
    for (i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]);
        if (e != e) return INFINITY;
        if (e > d) d = e;
    }
    return d;
}

/* one batch, a token at a time, chunks of 3, and a rewound tail give the same logits */
static int test_llm_incremental(void) {
    int si;
    for (si = 0; si < TN_T_LLM_NSPECS; si++) {
        const tn_t_llm_spec *s = &tn_t_llm_specs[si];
        tn_gguf *g;
        void *mem;
        tn_llm *m, *m3;
        tn_llm_params p = tn_llm_params_default();
        const tn_llm_info *I;
        int32_t ids[20];
        float *all, *one, *last;
        int64_t t, nv;
        double d;
        CHECK_OK(tn_t_llm_mem(s, 11 + (uint64_t)si, &g, &mem));
        p.n_threads = 2;
        CHECK_OK(tn_llm_from_gguf(g, &p, &m));
        p.n_batch = 3; p.n_threads = 1;
        CHECK_OK(tn_llm_from_gguf(g, &p, &m3));
        I = tn_llm_get_info(m);
        nv = I->n_vocab;
        CHECK(strcmp(I->arch, s->arch) == 0 && I->n_head_kv == s->n_kv && I->head_dim == s->hd && I->n_layer == s->n_layer);
        CHECK(I->tied == (s->head == TN_TYPE_COUNT) && I->sub_norms == (s->arch[0] == 'b') && I->rope_neox == (s->arch[0] == 'b'));
        CHECK(I->proj_type == s->proj && I->embd_type == s->embd && I->n_ctx == s->ctx && I->has_rope_freqs == s->rope_freqs);
        CHECK(I->gated == (s->arch[0] != 'a') && I->act == (s->arch[0] == 'a' ? TN_LLM_ACT_RELU2 : TN_LLM_ACT_SILU));
        for (t = 0; t < 20; t++) ids[t] = (int32_t)((t * 97 + 5) % nv);
        all = (float *)malloc((size_t)(20 * nv) * sizeof(float));
        one = (float *)malloc((size_t)(20 * nv) * sizeof(float));
        last = (float *)malloc((size_t)nv * sizeof(float));
        CHECK(all && one && last);
        CHECK_OK(tn_llm_eval(m, ids, 20, all, 1));
        CHECK_EQ_INT(tn_llm_n_past(m), 20);
        for (t = 0; t < 20; t++) if (!isfinite(all[t * nv])) break;
        CHECK_EQ_INT(t, 20);
        CHECK_OK(tn_llm_rewind(m, 0));
        for (t = 0; t < 20; t++) CHECK_OK(tn_llm_eval(m, &ids[t], 1, one + t * nv, 0));
        d = tn_t_maxdiff(all, one, 20 * nv);
        CHECK_MSG(d <= 1e-4, "%s: a token at a time differs from one batch by %g", s->name, d);
        CHECK_OK(tn_llm_eval(m3, ids, 20, one, 1)); /* chunks of 3 */
        d = tn_t_maxdiff(all, one, 20 * nv);
        CHECK_MSG(d <= 1e-4, "%s: batches of 3 differ from one batch by %g", s->name, d);
        CHECK_OK(tn_llm_rewind(m3, 12)); /* the tail again, last logits only */
        CHECK_OK(tn_llm_eval(m3, ids + 12, 8, last, 0));
        d = tn_t_maxdiff(all + 19 * nv, last, nv);
        CHECK_MSG(d <= 1e-4, "%s: a rewound tail differs by %g", s->name, d);
        /* logits move with the context (attention is not a no-op) */
        CHECK_OK(tn_llm_rewind(m3, 0));
        CHECK_OK(tn_llm_eval(m3, ids + 19, 1, last, 0));
        CHECK(tn_t_maxdiff(all + 19 * nv, last, nv) > 1e-3);
        free(all); free(one); free(last);
        tn_llm_free(m); tn_llm_free(m3);
        tn_gguf_free(g); free(mem);
    }
    return 0;
}

/* an independent forward pass in double over the decoded weights (activations
   quantized to the weights' dot types with the reference quantizers) */
static float *tn_t_ref_w(const tn_gguf *g, const char *name, int64_t *ne0, int64_t *ne1, tn_type *type) {
    int64_t i = tn_gguf_find_tensor(g, name), r;
    tn_gguf_tensor t;
    float *w;
    if (i < 0) return NULL;
    tn_gguf_get_tensor(g, i, &t);
    w = (float *)malloc((size_t)(t.ne[0] * t.ne[1]) * sizeof(float));
    for (r = 0; w && r < t.ne[1]; r++) tn_dequantize_row(t.type, (const uint8_t *)t.data + (size_t)r * tn_row_size(t.type, t.ne[0]), w + r * t.ne[0], t.ne[0]);
    *ne0 = t.ne[0]; *ne1 = t.ne[1];
    if (type) *type = t.type;
    return w;
}
/* x as the matmul sees it: Q8_K / Q8_0 codes times their scales, or rounded to f16 */
static void tn_t_ref_act(tn_type wt, const float *x, int64_t n, float *out) {
    tn_type vt = tn_type_get_traits(wt)->vec_dot_type;
    int64_t i;
    if (wt == TN_TYPE_F16) { for (i = 0; i < n; i++) out[i] = tn_fp16_to_fp32(tn_fp32_to_fp16(x[i])); return; }
    if (vt == TN_TYPE_Q8_K) {
        tn_block_q8_K *q = (tn_block_q8_K *)malloc((size_t)(n / 256) * sizeof(*q));
        tn_quantize_row_q8_K_ref(x, q, n);
        tn_dequantize_row_q8_K(q, out, n);
        free(q);
    } else if (vt == TN_TYPE_Q8_0) {
        tn_block_q8_0 *q = (tn_block_q8_0 *)malloc((size_t)(n / 32) * sizeof(*q));
        tn_quantize_row_q8_0_ref(x, q, n);
        tn_dequantize_row_q8_0(q, out, n);
        free(q);
    } else memcpy(out, x, (size_t)n * sizeof(float));
}
static void tn_t_ref_mm(const tn_gguf *g, const char *name, const float *x, float *y) {
    int64_t ne0, ne1, i, e;
    tn_type ty;
    float *w = tn_t_ref_w(g, name, &ne0, &ne1, &ty), *xa = (float *)malloc((size_t)ne0 * sizeof(float));
    char nm[96];
    const char *dot = strrchr(name, '.');
    float sc = 1.0f;
    int64_t k;
    tn_t_ref_act(ty, x, ne0, xa);
    for (i = 0; i < ne1; i++) {
        double s = 0;
        for (e = 0; e < ne0; e++) s += (double)w[i * ne0 + e] * xa[e];
        y[i] = (float)s;
    }
    snprintf(nm, sizeof(nm), "%.*s.scale", (int)(dot - name), name);
    if ((k = tn_gguf_find_tensor(g, nm)) >= 0) { tn_gguf_tensor t; tn_gguf_get_tensor(g, k, &t); memcpy(&sc, t.data, 4); }
    for (i = 0; i < ne1; i++) y[i] *= sc;
    snprintf(nm, sizeof(nm), "%.*s.bias", (int)(dot - name), name);
    if ((k = tn_gguf_find_tensor(g, nm)) >= 0) { tn_gguf_tensor t; tn_gguf_get_tensor(g, k, &t); for (i = 0; i < ne1; i++) y[i] += ((const float *)t.data)[i]; }
    free(w); free(xa);
}
static void tn_t_ref_norm(const tn_gguf *g, const char *name, const float *x, int64_t n, float *y) {
    int64_t ne0, ne1, i;
    float *w = tn_t_ref_w(g, name, &ne0, &ne1, NULL);
    double s = 0;
    for (i = 0; i < n; i++) s += (double)x[i] * x[i];
    s = 1.0 / sqrt(s / (double)n + 1e-5);
    for (i = 0; i < n; i++) y[i] = (float)(x[i] * s * w[i]);
    free(w);
}
/* every matmul's input as tn_llm saw it (one batch of T positions) */
typedef struct { float *x[64]; int64_t n[64]; int calls; } tn_t_rec;
static void tn_t_record(void *user, int call, int64_t p0, int64_t rows, int64_t n, tn_type at, float *x) {
    tn_t_rec *r = (tn_t_rec *)user;
    (void)p0; (void)at;
    if (call >= 64) return;
    r->x[call] = (float *)malloc((size_t)(rows * n) * sizeof(float));
    if (r->x[call]) memcpy(r->x[call], x, (size_t)(rows * n) * sizeof(float));
    r->n[call] = n;
    if (call + 1 > r->calls) r->calls = call + 1;
}
/* largest |a - b| over n values, relative to 1 + max |b| */
static double tn_t_rel(const float *a, const float *b, int64_t n) {
    double d = 0, mx = 0;
    int64_t i;
    for (i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]), m = fabs((double)b[i]);
        if (e != e) return INFINITY; /* a NaN fails */
        if (e > d) d = e;
        if (m > mx) mx = m;
    }
    return d / (1.0 + mx);
}
/* each stage of the forward pass in double (norms, rotary with pow(), GQA
   attention, sub-norms, the FFN, the matmuls over the decoded weights with
   the reference activation quantizers) from the input tn_llm gave that stage,
   so a code at a rounding tie cannot carry a difference on; each stage's
   result must match the next input tn_llm recorded, and the logits its output */
static int tn_t_ref_check(const tn_gguf *g, const tn_t_llm_spec *s, const int32_t *ids, int T, const tn_t_rec *rec, const float *logits) {
    const int64_t d = s->d, qd = s->n_head * s->hd, kvd = s->n_kv * s->hd, ff = s->ff, hd = s->hd;
    const int bit = s->arch[0] == 'b', arc = s->arch[0] == 'a';
    int64_t ne0, ne1, l, t, h, e, j;
    int call = 0, fail = 0;
    float *emb = tn_t_ref_w(g, "token_embd.weight", &ne0, &ne1, NULL), *freqs = NULL;
    float *x = (float *)calloc((size_t)(T * d), 4), *xn = (float *)calloc((size_t)(T * (d > ff ? d : ff)) + (size_t)(T * qd), 4);
    float *K = (float *)calloc((size_t)(T * kvd), 4), *V = (float *)calloc((size_t)(T * kvd), 4), *Q = (float *)calloc((size_t)(T * qd), 4);
    float *att = (float *)calloc((size_t)(T * qd), 4), *o = (float *)calloc((size_t)(T * (d > TN_T_LLM_VOCAB ? d : TN_T_LLM_VOCAB)), 4), *g1 = (float *)calloc((size_t)(T * ff), 4), *u = (float *)calloc((size_t)(T * ff), 4);
    char nm[96];
    double dv;
#define TN_T_STAGE(what, got, want, n) do { dv = tn_t_rel((got), (want), (n)); \
        if (!(dv <= 1e-4)) { printf("FAIL %s: %s, layer %lld: %g from tn_llm's\n", s->name, what, (long long)l, dv); fail = 1; goto out; } } while (0)
#define TN_T_MM(leaf, in, n_in, out, n_out) do { for (t = 0; t < T; t++) { snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, leaf); \
        tn_t_ref_mm(g, nm, (in) + t * (n_in), (out) + t * (n_out)); } } while (0)
    if (s->rope_freqs) freqs = tn_t_ref_w(g, "rope_freqs.weight", &ne0, &ne1, NULL);
    for (t = 0; t < T; t++) memcpy(x + t * d, emb + (int64_t)ids[t] * d, (size_t)d * 4);
    for (l = 0; l < s->n_layer; l++) {
        const float *in_q, *in_o, *in_u, *in_d;
        if (call + 7 > rec->calls) { printf("FAIL %s: %d matmuls recorded\n", s->name, rec->calls); fail = 1; goto out; }
        in_q = rec->x[call]; call += 3; in_o = rec->x[call++]; in_u = rec->x[call++]; if (!arc) call++; in_d = rec->x[call++];
        snprintf(nm, sizeof(nm), "blk.%lld.attn_norm.weight", (long long)l);
        for (t = 0; t < T; t++) tn_t_ref_norm(g, nm, x + t * d, d, xn + t * d);
        TN_T_STAGE("attn_norm", xn, in_q, T * d);
        TN_T_MM("attn_q", in_q, d, Q, qd); TN_T_MM("attn_k", in_q, d, K, kvd); TN_T_MM("attn_v", in_q, d, V, kvd);
        for (t = 0; t < T; t++)
            for (h = 0; h < s->n_head + s->n_kv; h++) { /* rotary: pairs (i, i + hd/2) in bitnet, (2i, 2i+1) otherwise */
                float *r = h < s->n_head ? Q + t * qd + h * hd : K + t * kvd + (h - s->n_head) * hd;
                for (e = 0; e < hd / 2; e++) {
                    double th = (double)t * pow((double)s->base, -2.0 * (double)e / (double)hd) / (freqs ? freqs[e] : 1.0);
                    int64_t a = bit ? e : 2 * e, b = bit ? e + hd / 2 : 2 * e + 1;
                    double x0 = r[a], x1 = r[b];
                    r[a] = (float)(x0 * cos(th) - x1 * sin(th));
                    r[b] = (float)(x0 * sin(th) + x1 * cos(th));
                }
            }
        for (t = 0; t < T; t++)
            for (h = 0; h < s->n_head; h++) {
                const int64_t kh = h / (s->n_head / s->n_kv);
                double sc[64], mx = -1e300, z = 0;
                for (j = 0; j <= t; j++) {
                    double a = 0;
                    for (e = 0; e < hd; e++) a += (double)Q[t * qd + h * hd + e] * K[j * kvd + kh * hd + e];
                    sc[j] = a / sqrt((double)hd);
                    if (sc[j] > mx) mx = sc[j];
                }
                for (j = 0; j <= t; j++) { sc[j] = exp(sc[j] - mx); z += sc[j]; }
                for (e = 0; e < hd; e++) {
                    double a = 0;
                    for (j = 0; j <= t; j++) a += sc[j] / z * V[j * kvd + kh * hd + e];
                    att[t * qd + h * hd + e] = (float)a;
                }
            }
        if (bit) { snprintf(nm, sizeof(nm), "blk.%lld.attn_sub_norm.weight", (long long)l); for (t = 0; t < T; t++) tn_t_ref_norm(g, nm, att + t * qd, qd, att + t * qd); }
        TN_T_STAGE("attention", att, in_o, T * qd);
        TN_T_MM("attn_output", in_o, qd, o, d);
        for (e = 0; e < T * d; e++) x[e] += o[e];
        snprintf(nm, sizeof(nm), "blk.%lld.ffn_norm.weight", (long long)l);
        for (t = 0; t < T; t++) tn_t_ref_norm(g, nm, x + t * d, d, xn + t * d);
        TN_T_STAGE("ffn_norm", xn, in_u, T * d);
        TN_T_MM("ffn_up", in_u, d, u, ff);
        if (!arc) TN_T_MM("ffn_gate", in_u, d, g1, ff);
        for (e = 0; e < T * ff; e++) u[e] = arc ? (u[e] > 0 ? u[e] * u[e] : 0.0f) : (float)(g1[e] / (1.0 + exp(-(double)g1[e])) * u[e]);
        if (bit) { snprintf(nm, sizeof(nm), "blk.%lld.ffn_sub_norm.weight", (long long)l); for (t = 0; t < T; t++) tn_t_ref_norm(g, nm, u + t * ff, ff, u + t * ff); }
        TN_T_STAGE("ffn", u, in_d, T * ff);
        TN_T_MM("ffn_down", in_d, ff, o, d);
        for (e = 0; e < T * d; e++) x[e] += o[e];
    }
    if (call + 1 != rec->calls) { printf("FAIL %s: %d matmuls recorded, %d expected\n", s->name, rec->calls, call + 1); fail = 1; goto out; }
    for (t = 0; t < T; t++) tn_t_ref_norm(g, "output_norm.weight", x + t * d, d, xn + t * d);
    TN_T_STAGE("output_norm", xn, rec->x[call], T * d);
    for (t = 0; t < T; t++) tn_t_ref_mm(g, s->head == TN_TYPE_COUNT ? "token_embd.weight" : "output.weight", rec->x[call] + t * d, o + t * TN_T_LLM_VOCAB);
    TN_T_STAGE("head", logits, o, T * TN_T_LLM_VOCAB);
out:
#undef TN_T_STAGE
#undef TN_T_MM
    free(emb); free(freqs); free(x); free(xn); free(K); free(V); free(Q); free(att); free(o); free(g1); free(u);
    return fail;
}
static int test_llm_reference(void) {
    int si;
    for (si = 0; si < TN_T_LLM_NSPECS; si++) {
        const tn_t_llm_spec *s = &tn_t_llm_specs[si];
        tn_gguf *g;
        void *mem;
        tn_llm *m;
        tn_t_rec rec;
        int32_t ids[12];
        float *a = (float *)malloc(12 * TN_T_LLM_VOCAB * sizeof(float));
        int t, bad;
        CHECK(a != NULL);
        memset(&rec, 0, sizeof(rec));
        CHECK_OK(tn_t_llm_mem(s, 5 + (uint64_t)si, &g, &mem));
        CHECK_OK(tn_llm_from_gguf(g, NULL, &m));
        for (t = 0; t < 12; t++) ids[t] = (int32_t)((t * 41 + 3) % TN_T_LLM_VOCAB);
        tn_llm_set_observer(m, tn_t_record, &rec);
        CHECK_OK(tn_llm_eval(m, ids, 12, a, 1));
        bad = tn_t_ref_check(g, s, ids, 12, &rec, a);
        for (t = 0; t < rec.calls; t++) free(rec.x[t]);
        tn_llm_free(m);
        tn_gguf_free(g); free(mem); free(a);
        CHECK_MSG(!bad, "%s: a stage differs from the double reference", s->name);
    }
    return 0;
}

/* ternary.h's own llama.cpp export, run by tn_llm and by tn_transformer */
static int test_llm_vs_transformer(void) {
    static const struct { tn_mlp_kind mlp; int64_t ff; int flags; tn_type tt; } cases[] = {
        {TN_MLP_RELU2, 256, 0, TN_TYPE_TQ2_0}, {TN_MLP_SWIGLU, 512, TN_LAYER_ACT_BLOCK, TN_TYPE_TQ1_0},
    };
    const char *path = tn_t_tmp("test_llm_export.gguf");
    int ci, k;
    for (ci = 0; ci < 2; ci++) {
        tn_ctx *pc = tn_ctx_new(64 << 20), *c = tn_ctx_new(64 << 20);
        tn_transformer_config cfg = tn_transformer_config_default();
        tn_transformer tr;
        tn_tensor *ids, *a;
        tn_llm *m;
        float *b = (float *)malloc(16 * 256 * sizeof(float));
        double d;
        cfg.vocab = 256; cfg.d_model = 256; cfg.n_head = 4; cfg.n_layer = 2; cfg.d_ff = cases[ci].ff; cfg.ctx_len = 16;
        cfg.mlp = cases[ci].mlp; cfg.layer_flags = cases[ci].flags;
        CHECK(pc && c && b);
        CHECK_OK(tn_transformer_init(&tr, pc, &cfg, 3 + (uint64_t)ci));
        CHECK_OK(tn_transformer_save_llamacpp(&tr, path, cases[ci].tt, TN_TYPE_F32));
        CHECK_OK(tn_transformer_pack(&tr, pc, cases[ci].tt));
        tn_ctx_set_grad_enabled(c, 0);
        ids = tn_new_2d(c, TN_TYPE_I32, 16, 1);
        for (k = 0; k < 16; k++) ((int32_t *)ids->data)[k] = (k * 53 + 7) % 256;
        a = tn_transformer_forward(c, &tr, ids);
        CHECK(a != NULL);
        CHECK_OK(tn_llm_load(path, NULL, &m));
        CHECK(strcmp(tn_llm_get_info(m)->arch, cases[ci].mlp == TN_MLP_SWIGLU ? "llama" : "arcee") == 0);
        CHECK(tn_llm_get_info(m)->file_bytes > 0 && tn_llm_get_info(m)->n_ctx == 16);
        CHECK_OK(tn_llm_eval(m, (const int32_t *)ids->data, 16, b, 1));
        d = tn_t_maxdiff((const float *)a->data, b, 16 * 256);
        CHECK_MSG(d <= 1e-3, "case %d: tn_llm and tn_transformer differ by %g", ci, d);
        tn_llm_free(m);
        tn_transformer_deinit(&tr);
        tn_ctx_free(c); tn_ctx_free(pc); free(b);
    }
    remove(path);
    return 0;
}

/* a copy of g without tensor `drop`, with tensor `bad` one row short, or the
   string key `key` set to `val` (each NULL for none) */
static tn_status tn_t_llm_edit(const tn_gguf *g, const char *drop, const char *bad, const char *key, const char *val, void **mem, tn_gguf **out) {
    tn_gguf *w = tn_gguf_new();
    int64_t i;
    size_t n;
    tn_status st = TN_OK;
    if (!w) return TN_ERR_NOMEM;
    for (i = 0; i < tn_gguf_n_kv(g) && !st; i++) st = tn_gguf_copy_kv(w, g, i);
    if (!st && key) st = tn_gguf_set_str(w, key, val);
    for (i = 0; i < tn_gguf_n_tensors(g) && !st; i++) {
        tn_gguf_tensor t;
        tn_gguf_get_tensor(g, i, &t);
        if (drop && strcmp(t.name, drop) == 0) continue;
        if (bad && strcmp(t.name, bad) == 0) t.ne[1] -= 1;
        st = tn_gguf_add_tensor(w, t.name, t.type, t.n_dims, t.ne, t.data);
    }
    if (!st) st = tn_gguf_write_memory(w, mem, &n);
    tn_gguf_free(w);
    if (!st) st = tn_gguf_read_memory(*mem, n, out);
    return st;
}
static int test_llm_errors(void) {
    tn_gguf *g, *e;
    void *mem, *em;
    tn_llm *m;
    tn_llm_params p = tn_llm_params_default();
    int32_t ids[4] = {1, 2, 3, 4}, big = TN_T_LLM_VOCAB;
    float lg[TN_T_LLM_VOCAB];
    static const struct { const char *drop, *bad, *key, *val; tn_status st; const char *says; } cases[] = {
        {NULL, NULL, "general.architecture", "gpt2", TN_ERR_UNSUPPORTED, "'gpt2'"},
        {NULL, NULL, "general.architecture", "ternary", TN_ERR_UNSUPPORTED, "tn_transformer_load_gguf"},
        {"blk.1.ffn_down.weight", NULL, NULL, NULL, TN_ERR_FORMAT, "blk.1.ffn_down.weight"},
        {"blk.0.attn_sub_norm.weight", NULL, NULL, NULL, TN_ERR_FORMAT, "attn_sub_norm"},
        {NULL, "blk.0.attn_k.weight", NULL, NULL, TN_ERR_SHAPE, "blk.0.attn_k.weight"},
        {NULL, "token_embd.weight", NULL, NULL, TN_ERR_FORMAT, "tokens"},
        {NULL, NULL, "tokenizer.ggml.model", "nonesuch", TN_ERR_UNSUPPORTED, "nonesuch"},
        {"output_norm.weight", NULL, NULL, NULL, TN_ERR_FORMAT, "output_norm"},
    };
    int ci;
    CHECK_OK(tn_t_llm_mem(&tn_t_llm_specs[0], 1, &g, &mem)); /* bitnet */
    for (ci = 0; ci < (int)(sizeof(cases) / sizeof(cases[0])); ci++) {
        tn_status st;
        m = (tn_llm *)&ci;
        CHECK_OK(tn_t_llm_edit(g, cases[ci].drop, cases[ci].bad, cases[ci].key, cases[ci].val, &em, &e));
        st = tn_llm_from_gguf(e, NULL, &m);
        CHECK_MSG(st == cases[ci].st && m == NULL && strstr(tn_last_error(), cases[ci].says), "case %d: %d, '%s'", ci, (int)st, tn_last_error());
        tn_gguf_free(e); free(em);
    }
    /* head_count_kv that does not divide head_count */
    {
        tn_gguf *w = tn_gguf_new();
        int64_t i;
        size_t n;
        for (i = 0; i < tn_gguf_n_kv(g); i++) CHECK_OK(tn_gguf_copy_kv(w, g, i));
        CHECK_OK(tn_gguf_set_u32(w, "bitnet.attention.head_count_kv", 3));
        for (i = 0; i < tn_gguf_n_tensors(g); i++) { tn_gguf_tensor t; tn_gguf_get_tensor(g, i, &t); CHECK_OK(tn_gguf_add_tensor(w, t.name, t.type, t.n_dims, t.ne, t.data)); }
        CHECK_OK(tn_gguf_write_memory(w, &em, &n));
        tn_gguf_free(w);
        CHECK_OK(tn_gguf_read_memory(em, n, &e));
        CHECK(tn_llm_from_gguf(e, NULL, &m) == TN_ERR_FORMAT && strstr(tn_last_error(), "head_count_kv 3"));
        tn_gguf_free(e); free(em);
    }
    /* from a file, mapped and read: the same logits */
    {
        float l2[TN_T_LLM_VOCAB];
        CHECK_OK(tn_t_llm_write(&tn_t_llm_specs[0], 1, tn_t_tmp("test_llm.gguf")));
        CHECK_OK(tn_llm_load(tn_t_tmp("test_llm.gguf"), NULL, &m));
        CHECK(tn_llm_get_info(m)->file_bytes > tn_llm_get_info(m)->weight_bytes && tn_llm_get_info(m)->kv_bytes == 2u * 2 * 96 * 128 * 4);
        CHECK_OK(tn_llm_eval(m, ids, 4, lg, 0));
        tn_llm_free(m);
        p.use_mmap = 0;
        CHECK_OK(tn_llm_load(tn_t_tmp("test_llm.gguf"), &p, &m));
        CHECK_OK(tn_llm_eval(m, ids, 4, l2, 0));
        CHECK(memcmp(lg, l2, sizeof(lg)) == 0);
        tn_llm_free(m);
        remove(tn_t_tmp("test_llm.gguf"));
    }
    /* bad parameters, a cache no machine has */
    p.n_ctx = -1;
    CHECK(tn_llm_from_gguf(g, &p, &m) == TN_ERR_ARG);
    p.n_ctx = (int64_t)1 << 40;
    CHECK(tn_llm_from_gguf(g, &p, &m) == TN_ERR_NOMEM && m == NULL);
    CHECK(tn_llm_load(tn_t_tmp("no-such-model.gguf"), NULL, &m) == TN_ERR_IO && m == NULL);
    CHECK(tn_llm_from_gguf(NULL, NULL, &m) == TN_ERR_ARG);
    /* evaluation: ids out of range and a context overflow change nothing */
    p.n_ctx = 6;
    CHECK_OK(tn_llm_from_gguf(g, &p, &m));
    CHECK_OK(tn_llm_eval(m, ids, 4, lg, 0));
    CHECK(tn_llm_eval(m, &big, 1, lg, 0) == TN_ERR_ARG && strstr(tn_last_error(), "out of range"));
    ids[0] = -1;
    CHECK(tn_llm_eval(m, ids, 1, lg, 0) == TN_ERR_ARG);
    ids[0] = 1;
    CHECK(tn_llm_eval(m, ids, 3, lg, 0) == TN_ERR_ARG && strstr(tn_last_error(), "context holds 6"));
    CHECK_EQ_INT(tn_llm_n_past(m), 4);
    CHECK(tn_llm_rewind(m, 5) == TN_ERR_ARG && tn_llm_rewind(m, -1) == TN_ERR_ARG);
    CHECK(tn_llm_eval(m, ids, 0, lg, 0) == TN_ERR_ARG && tn_llm_eval(m, NULL, 2, NULL, 0) == TN_ERR_ARG);
    CHECK_OK(tn_llm_eval(m, ids, 2, NULL, 0));
    CHECK_EQ_INT(tn_llm_n_past(m), 6);
    tn_llm_free(m);
    tn_llm_free(NULL);
    tn_gguf_free(g); free(mem);
    return 0;
}

/* a vocabulary of its own tokens (rwkv-escaped) and types */
static tn_status tn_t_vocab(const char *const *toks, const int32_t *types, int n, tn_vocab **v) {
    tn_gguf *g = tn_gguf_new();
    tn_status st;
    if (!g) return TN_ERR_NOMEM;
    st = tn_gguf_set_str(g, "tokenizer.ggml.model", "rwkv");
    if (!st) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.tokens", toks, (uint64_t)n);
    if (!st) st = tn_gguf_set_arr(g, "tokenizer.ggml.token_type", TN_GGUF_INT32, types, (uint64_t)n);
    if (!st) st = tn_vocab_from_gguf(g, v);
    tn_gguf_free(g);
    return st;
}
static int test_llm_vocab_rwkv(void) {
    static const char *const toks[] = {"a", "b", "ab", "abc", "\\x00", "\\t", "\\\\", "<|end|>", "<u>", "c", "<", "|", "e", "n", "d", ">", "u", "bc", "ab", "a<"};
    static const int32_t types[] = {1, 1, 1, 1, 1, 1, 1, 3, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    tn_vocab *v;
    int32_t ids[64];
    int64_t n;
    char buf[64];
    size_t len;
    CHECK_OK(tn_t_vocab(toks, types, 20, &v));
    CHECK_EQ_INT(tn_vocab_n(v), 20);
    CHECK(strcmp(tn_vocab_model(v), "rwkv") == 0 && tn_vocab_bos(v) == -1 && !tn_vocab_add_bos(v));
    /* longest match; a duplicate token's last id ("ab" is 2 and 18) */
    CHECK_OK(tn_tokenize(v, "abcab\tbca", 9, 1, 0, ids, 64, &n));
    CHECK_EQ_INT(n, 5);
    CHECK(ids[0] == 3 && ids[1] == 18 && ids[2] == 5 && ids[3] == 17 && ids[4] == 0);
    CHECK_OK(tn_tokenize(v, "\\\0", 2, 0, 0, ids, 64, &n));
    CHECK(n == 2 && ids[0] == 6 && ids[1] == 4);
    /* special tokens are split out first (user-defined always, control with parse_special),
       before the longest match ("a<" would take the '<'); the rest is matched against every
       token, control tokens' text included, as llama.cpp's rwkv trie does */
    CHECK_OK(tn_tokenize(v, "a<u>b", 5, 0, 0, ids, 64, &n));
    CHECK(n == 3 && ids[0] == 0 && ids[1] == 8 && ids[2] == 1);
    CHECK_OK(tn_tokenize(v, "a<|end|>", 8, 0, 0, ids, 64, &n));
    CHECK(n == 7 && ids[0] == 19 && ids[1] == 11 && ids[6] == 15);
    CHECK_OK(tn_tokenize(v, "a<|end|>", 8, 0, 1, ids, 64, &n));
    CHECK(n == 2 && ids[0] == 0 && ids[1] == 7);
    /* too little room: the count needed */
    CHECK(tn_tokenize(v, "abcabc", 6, 0, 0, ids, 1, &n) == TN_ERR_ARG && n == 2 && ids[0] == 3);
    CHECK(tn_tokenize(v, "abz", 3, 0, 0, ids, 64, &n) == TN_ERR_FORMAT && strstr(tn_last_error(), "0x7a at offset 2"));
    CHECK_OK(tn_tokenize(v, NULL, 0, 1, 1, ids, 64, &n));
    CHECK_EQ_INT(n, 0);
    /* pieces */
    CHECK_OK(tn_token_piece(v, 5, 0, buf, sizeof(buf), &len));
    CHECK(len == 1 && buf[0] == '\t');
    CHECK_OK(tn_token_piece(v, 7, 0, buf, sizeof(buf), &len));
    CHECK_EQ_INT(len, 0);
    CHECK_OK(tn_token_piece(v, 7, 1, buf, sizeof(buf), &len));
    CHECK(len == 7 && memcmp(buf, "<|end|>", 7) == 0);
    CHECK_OK(tn_token_piece(v, 3, 0, buf, 2, &len));
    CHECK(len == 3 && buf[0] == 'a' && buf[1] == 'b');
    CHECK(tn_token_piece(v, 20, 0, buf, sizeof(buf), &len) == TN_ERR_ARG);
    tn_vocab_free(v);
    /* the synthetic models' vocabulary: any bytes round-trip */
    {
        tn_gguf *g;
        void *mem;
        tn_rng r;
        char text[300], back[1200];
        int32_t big[300];
        int64_t i, j;
        size_t bl = 0;
        CHECK_OK(tn_t_llm_mem(&tn_t_llm_specs[2], 1, &g, &mem));
        CHECK_OK(tn_vocab_from_gguf(g, &v));
        tn_rng_seed(&r, 9);
        for (i = 0; i < 300; i++) text[i] = i % 3 ? "the in and   \n"[tn_rng_u32(&r) % 14] : (char)(tn_rng_u32(&r) & 255);
        CHECK_OK(tn_tokenize(v, text, 300, 0, 0, big, 300, &n));
        CHECK(n < 300);
        for (j = 0; j < n; j++) { CHECK_OK(tn_token_piece(v, big[j], 0, back + bl, sizeof(back) - bl, &len)); bl += len; }
        CHECK(bl == 300 && memcmp(back, text, 300) == 0);
        tn_vocab_free(v);
        tn_gguf_free(g); free(mem);
    }
    /* bad vocabularies */
    {
        static const int32_t bad_type[] = {1, 9};
        CHECK(tn_t_vocab(toks, bad_type, 2, &v) == TN_ERR_FORMAT);
        CHECK(tn_vocab_from_gguf(NULL, &v) == TN_ERR_ARG);
    }
    return 0;
}

/* the id whose text is `text` (decoded bytes), -1 if none */
static int32_t tn_t_tok(const tn_vocab *v, const char *text) {
    int32_t id;
    char buf[64];
    size_t len;
    for (id = 0; id < tn_vocab_n(v); id++)
        if (tn_token_piece(v, id, 1, buf, sizeof(buf), &len) == TN_OK && len == strlen(text) && memcmp(buf, text, len) == 0) return id;
    return -1;
}
/* text's ids are exactly the tokens whose texts `want` lists ("~"-separated) */
static int tn_t_ids_are(const tn_vocab *v, const char *text, size_t len, int parse_special, const char *want) {
    int32_t ids[64];
    int64_t n, k = 0;
    char w[256], *p, *save = NULL;
    if (tn_tokenize(v, text, len, 0, parse_special, ids, 64, &n) != TN_OK) return 0;
    snprintf(w, sizeof(w), "%s", want);
    for (p = strtok_r(w, "~", &save); p; p = strtok_r(NULL, "~", &save), k++)
        if (k >= n || ids[k] != tn_t_tok(v, p)) { printf("  %s: id %lld is %d, want %d ('%s')\n", text, (long long)k, k < n ? ids[k] : -1, tn_t_tok(v, p), p); return 0; }
    return k == n;
}
static tn_status tn_t_gpt2_vocab(const char *pre, int with_merges, tn_vocab **v) {
    static tn_t_gpt2 gv;
    const char *tp[TN_T_LLM_VOCAB], *mp[160];
    int32_t tt[TN_T_LLM_VOCAB];
    int i;
    tn_gguf *g = tn_gguf_new();
    tn_status st;
    if (!g) return TN_ERR_NOMEM;
    tn_t_gpt2_build(&gv);
    for (i = 0; i < TN_T_LLM_VOCAB; i++) { tp[i] = gv.tok[i]; tt[i] = i == 286 ? 3 : i == 287 ? 4 : 1; }
    for (i = 0; i < gv.nm; i++) mp[i] = gv.merge[i];
    st = tn_gguf_set_str(g, "tokenizer.ggml.model", "gpt2");
    if (!st && pre) st = tn_gguf_set_str(g, "tokenizer.ggml.pre", pre);
    if (!st) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.tokens", tp, TN_T_LLM_VOCAB);
    if (!st) st = tn_gguf_set_arr(g, "tokenizer.ggml.token_type", TN_GGUF_INT32, tt, TN_T_LLM_VOCAB);
    if (!st && with_merges == 1) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.merges", mp, (uint64_t)gv.nm);
    if (!st && with_merges == 2) st = tn_gguf_set_arr(g, "tokenizer.ggml.merges", TN_GGUF_INT32, tt, 3);
    if (!st) st = tn_gguf_set_u32(g, "tokenizer.ggml.eos_token_id", 286);
    if (!st) st = tn_vocab_from_gguf(g, v);
    tn_gguf_free(g);
    return st;
}
/* gpt2 (byte-level BPE) vocabularies: llama.cpp's pre-tokenizers, merges by
   rank, byte fallback, special tokens, pieces, bad files (tests/llamacpp/run.sh
   compares whole files' ids with llama.cpp's) */
static int test_llm_vocab_gpt2(void) {
    static const char *const pres[4] = {"gpt-2", "llama-bpe", "qwen2", NULL};
    tn_vocab *v;
    int32_t ids[64];
    int64_t n;
    char buf[64];
    size_t len;
    int k;
    /* Unicode classes (15.1) */
    CHECK(tn__u_flags('A') == TN__U_L && tn__u_flags('5') == TN__U_N && tn__u_flags('!') == TN__U_P && tn__u_flags('$') == TN__U_S);
    CHECK(tn__u_flags(0xe9) == TN__U_L && tn__u_flags(0x301) == TN__U_M && tn__u_flags(0x3000) == (TN__U_Z | TN__U_WS) && tn__u_flags('\n') == (TN__U_C | TN__U_WS));
    CHECK(tn__u_flags(0xe000) == TN__U_C && tn__u_flags(0x378) == TN__U_UNDEF && tn__u_flags(0x2ebf0) == TN__U_L && tn__u_flags(0x10ffff) == TN__U_UNDEF);
    CHECK(tn__u_flags(0x0661) == TN__U_N && tn__u_flags(0x1f600) == TN__U_S && tn__u_flags(0x85) == (TN__U_C | TN__U_WS));
    for (k = 0; k < 256; k++) CHECK(tn__char_byte(tn__byte_char((uint8_t)k)) == k);
    CHECK(tn__byte_char(' ') == 0x120 && tn__byte_char('\n') == 0x10a && tn__byte_char(0xad) == 0x143 && tn__char_byte(0x144) == -1);
    for (k = 0; k < 4; k++) {
        CHECK_OK(tn_t_gpt2_vocab(pres[k], 1, &v));
        CHECK(strcmp(tn_vocab_model(v), "gpt2") == 0 && tn_vocab_eos(v) == 286 && tn_vocab_bos(v) == 11 && tn_vocab_is_eog(v, 286) && !tn_vocab_is_eog(v, 285));
        CHECK(tn_vocab_add_bos(v) == (k == 1)); /* llama3's pre-tokenizer adds BOS unless the file says */
        /* merges by rank: "t h" (0) before "h e" (2) and before "\u0120 t" (3), so " there" is " ", "the", "re" */
        CHECK(tn_t_ids_are(v, "the there", 9, 0, "the~ ~the~re"));
        /* a merge whose result is no token: its bytes' tokens; "xyz": a whole token only for llama3 */
        CHECK(tn_t_ids_are(v, "qz", 2, 0, "q~z"));
        CHECK(tn_t_ids_are(v, "xyz", 3, 0, k == 1 ? "xyz" : "x~y~z"));
        /* digits: runs (gpt-2, default), runs of at most 3 (llama3), single (qwen2) */
        CHECK(tn_t_ids_are(v, "12345", 5, 0, k == 2 ? "1~2~3~4~5" : "123~4~5"));
        CHECK(tn_t_ids_are(v, "a 12", 4, 0, k == 2 ? "a~ ~1~2" : "a~ ~12"));
        /* the default splits punctuation first ("'s" is no contraction then); llama3's \s*[\r\n]+ keeps newlines together */
        CHECK(tn_t_ids_are(v, "it's", 4, 0, k == 3 ? "i~t~'~s" : "i~t~'s"));
        CHECK(tn_t_ids_are(v, "\n\nx", 3, 0, k == 1 || k == 2 ? "\n\n~x" : "\n~\n~x"));
        CHECK(tn_t_ids_are(v, "return (x);", 11, 0, k == 3 ? "return~ ~(~x~);" : "return~ (~x~);"));
        /* special tokens: user-defined always, control with parse_special */
        CHECK(tn_t_ids_are(v, "in<|endoftext|>in", 17, 1, "in~<|endoftext|>~in"));
        CHECK_OK(tn_tokenize(v, "in<|endoftext|>in", 17, 0, 0, ids, 64, &n));
        CHECK(n > 5 && ids[1] != 286);
        CHECK(tn_t_ids_are(v, "a<|user|>b", 10, 0, "a~<|user|>~b"));
        /* bad UTF-8 is U+FFFD (three byte tokens); an overlong NUL is NUL; above U+10FFFF is refused */
        CHECK_OK(tn_tokenize(v, "\xff", 1, 0, 0, ids, 64, &n));
        CHECK(n == 3 && ids[0] == tn_t_tok(v, "\xef") && ids[1] == tn_t_tok(v, "\xbf") && ids[2] == tn_t_tok(v, "\xbd"));
        CHECK_OK(tn_tokenize(v, "\xc0\x80", 2, 0, 0, ids, 64, &n));
        CHECK(n == 1 && ids[0] == 0);
        CHECK(tn_tokenize(v, "ab\xf4\x90\x80\x80", 6, 0, 0, ids, 64, &n) == TN_ERR_ARG && strstr(tn_last_error(), "U+110000 (above U+10FFFF) at byte 2"));
        /* any valid UTF-8 round-trips through the pieces */
        {
            static const char *const bits[] = {"the", " ", "  ", "\n", "\r\n", "12", "3", "caf\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "'s", "'LL", "x", "!?", "\t", "\xc2\xa0", "\xe3\x80\x80", "e\xcc\x81", "(", ");", "->"};
            tn_rng r;
            char text[600], back[700];
            int32_t big[700];
            size_t tl = 0, bl = 0;
            int64_t j;
            tn_rng_seed(&r, 3 + (uint64_t)k);
            while (tl < 560) { const char *b = bits[tn_rng_u32(&r) % 21]; memcpy(text + tl, b, strlen(b)); tl += strlen(b); }
            CHECK_OK(tn_tokenize(v, text, tl, 0, 0, big, 700, &n));
            for (j = 0; j < n; j++) { CHECK_OK(tn_token_piece(v, big[j], 0, back + bl, sizeof(back) - bl, &len)); bl += len; }
            CHECK(bl == tl && memcmp(back, text, tl) == 0);
        }
        /* pieces: byte characters to bytes; control tokens hidden unless asked for */
        CHECK_OK(tn_token_piece(v, 286, 0, buf, sizeof(buf), &len));
        CHECK_EQ_INT(len, 0);
        CHECK_OK(tn_token_piece(v, 286, 1, buf, sizeof(buf), &len));
        CHECK(len == 13 && memcmp(buf, "<|endoftext|>", 13) == 0);
        CHECK_OK(tn_token_piece(v, tn_t_tok(v, " the"), 0, buf, sizeof(buf), &len));
        CHECK(len == 4 && memcmp(buf, " the", 4) == 0);
        tn_vocab_free(v);
    }
    /* bad files */
    CHECK(tn_t_gpt2_vocab("gpt-2", 0, &v) == TN_ERR_FORMAT && strstr(tn_last_error(), "tokenizer.ggml.merges"));
    CHECK(tn_t_gpt2_vocab("gpt-2", 2, &v) == TN_ERR_FORMAT);
    CHECK(tn_t_gpt2_vocab("tekken", 1, &v) == TN_ERR_UNSUPPORTED && strstr(tn_last_error(), "'tekken'"));
    return 0;
}
static int test_llm_sample(void) {
    float lg[5] = {0.0f, 1.0986123f, -30.0f, 1.0986123f, -30.0f}; /* p ~ 1/7, 3/7, 0, 3/7, 0 */
    tn_sample_params sp;
    tn_rng r;
    int32_t id;
    int i, cnt[5] = {0, 0, 0, 0, 0};
    sp.temp = 0; sp.top_k = 0; sp.top_p = 1;
    CHECK_OK(tn_sample(lg, 5, &sp, NULL, &id));
    CHECK_EQ_INT(id, 1); /* the first largest */
    sp.temp = 1; sp.top_k = 1;
    CHECK_OK(tn_sample(lg, 5, &sp, NULL, &id));
    CHECK_EQ_INT(id, 1);
    tn_rng_seed(&r, 3);
    sp.top_k = 0;
    for (i = 0; i < 7000; i++) { CHECK_OK(tn_sample(lg, 5, &sp, &r, &id)); cnt[id]++; }
    CHECK(abs(cnt[0] - 1000) < 150 && abs(cnt[1] - 3000) < 250 && abs(cnt[3] - 3000) < 250 && cnt[2] + cnt[4] < 5);
    memset(cnt, 0, sizeof(cnt));
    sp.top_k = 2;
    for (i = 0; i < 2000; i++) { CHECK_OK(tn_sample(lg, 5, &sp, &r, &id)); cnt[id]++; }
    CHECK(cnt[0] == 0 && abs(cnt[1] - 1000) < 150 && cnt[1] + cnt[3] == 2000);
    memset(cnt, 0, sizeof(cnt));
    sp.top_k = 0; sp.top_p = 0.5f; /* 3/7 < 0.5 <= 6/7: tokens 1 and 3 */
    for (i = 0; i < 2000; i++) { CHECK_OK(tn_sample(lg, 5, &sp, &r, &id)); cnt[id]++; }
    CHECK(cnt[0] == 0 && cnt[1] + cnt[3] == 2000 && cnt[1] > 800);
    sp.top_p = 0.4f; /* 3/7 >= 0.4: token 1 alone (the lower id of the two) */
    for (i = 0; i < 50; i++) { CHECK_OK(tn_sample(lg, 5, &sp, &r, &id)); CHECK_EQ_INT(id, 1); }
    lg[2] = NAN;
    CHECK(tn_sample(lg, 5, &sp, &r, &id) == TN_ERR_ARG);
    sp.temp = 0.5f; lg[2] = 0;
    CHECK(tn_sample(lg, 5, &sp, NULL, &id) == TN_ERR_ARG);
    CHECK(tn_sample(lg, 0, &sp, &r, &id) == TN_ERR_ARG);
    return 0;
}
