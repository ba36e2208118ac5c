/* llm_models.h - synthetic models in llama.cpp's llama, arcee and bitnet
   layouts, written by ternary.h for the tests of tn_llm (tests/test_llm.c)
   and for llama.cpp to run beside it (tests/llamacpp/llm.sh). Random weights
   with the real models' structure scaled down: grouped-query attention,
   head sizes 64 and 128, TQ1_0/TQ2_0 projections whose d differs from block
   to block, F16/Q6_K/Q8_0 embeddings, tied and untied heads, sub-norms,
   .scale tensors, biases, rope_freqs. The vocabulary is rwkv: the 256 bytes
   and a few dozen longer tokens (so tokenizing is a longest match). */
#ifndef TN_LLM_MODELS_H
#define TN_LLM_MODELS_H
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef struct {
    const char *name, *arch;  /* "llama", "arcee", "bitnet" */
    int64_t d, n_head, n_kv, hd, ff, n_layer, ctx;
    tn_type proj, embd, head; /* head TN_TYPE_COUNT: tied (no output.weight) */
    int scales, biases, rope_freqs;
    float base;
    const char *pre;          /* NULL: the rwkv vocabulary; else gpt2 (byte-level BPE) with this tokenizer.ggml.pre ("": none) */
} tn_t_llm_spec;

static const char *const tn_t_llm_words[] = {
    "the", " the", "he", "in", "er", "an", "on", " a", "re", "at", "en", "nd", "ing", " of", " and", " to",
    "is", "it", "or", "ou", "ar", "st", "te", "es", "ed", " in", " is", "\n\n", "  ", "    ", "tion", "re ",
};
#define TN_T_LLM_NWORDS ((int)(sizeof(tn_t_llm_words) / sizeof(tn_t_llm_words[0])))
#define TN_T_LLM_VOCAB (256 + TN_T_LLM_NWORDS)

/* the gpt2 vocabulary (TN_T_LLM_VOCAB tokens): the 256 bytes as GPT-2's
   byte characters, 29 tokens merged from the words below (each built left to
   right, so the merges compete by rank), "xyz" with no merges (a llama3
   piece that is a whole token skips them), "<|endoftext|>" (control, bos and
   eos) and "<|user|>" (user-defined); then the merge "q z" whose result is no
   token and "h e" named a second time */
static const char *const tn_t_gpt2_words[] = {
    "th", "the", "he", " the", "in", " in", "int", "12", "123", "'s", "\xc3\xa9", "  ", "    ", "\n\n", "re", "return",
    " (", ");", "->", "\xe6\x97\xa5", "st", "er", "on", "an",
};
static size_t tn_t_byte_char(unsigned b, char *o) { /* UTF-8 of GPT-2's character for byte b */
    unsigned k = 0, x, c;
    int keep = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    for (x = 0; x < b; x++) if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae)) k++;
    c = keep ? b : 0x100 + k;
    if (c < 0x80) { o[0] = (char)c; return 1; }
    o[0] = (char)(0xc0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3f));
    return 2;
}
typedef struct { char tok[TN_T_LLM_VOCAB][40]; char merge[160][84]; int nm; } tn_t_gpt2;
static void tn_t_gpt2_build(tn_t_gpt2 *v) {
    int nt = 256, w, i, j;
    v->nm = 0;
    for (i = 0; i < 256; i++) v->tok[i][tn_t_byte_char((unsigned)i, v->tok[i])] = 0;
    for (w = 0; w < (int)(sizeof(tn_t_gpt2_words) / sizeof(tn_t_gpt2_words[0])) && nt < 285; w++) {
        const unsigned char *s = (const unsigned char *)tn_t_gpt2_words[w];
        char left[40];
        size_t n = strlen((const char *)s);
        left[tn_t_byte_char(s[0], left)] = 0;
        for (i = 1; i < (int)n && nt < 285; i++) {
            char right[4], res[40];
            int have = 0;
            right[tn_t_byte_char(s[i], right)] = 0;
            size_t ll = strlen(left), rl = strlen(right);
            if (ll + rl >= sizeof(res)) break;
            memcpy(res, left, ll); memcpy(res + ll, right, rl + 1);
            for (j = 256; j < nt; j++) if (strcmp(v->tok[j], res) == 0) have = 1;
            if (!have) {
                char *m = v->merge[v->nm++];
                memcpy(m, left, ll); m[ll] = ' '; memcpy(m + ll + 1, right, rl + 1);
                memcpy(v->tok[nt++], res, sizeof(res));
            }
            memcpy(left, res, sizeof(res));
        }
    }
    while (nt < 285) snprintf(v->tok[nt], sizeof(v->tok[0]), "<unused%d>", nt), nt++;
    strcpy(v->tok[285], "xyz");
    strcpy(v->tok[286], "<|endoftext|>");
    strcpy(v->tok[287], "<|user|>");
    strcpy(v->merge[v->nm++], "q z");
    strcpy(v->merge[v->nm++], "h e");
}

/* the specs the tests use */
static const tn_t_llm_spec tn_t_llm_specs[] = {
    /* BitNet b1.58 2B-4T's structure: GQA 4:1, head 64 here (128 there), NEOX, sub-norms, tied F16 head, TQ2_0 */
    {"bitnet", "bitnet", 512, 8, 2, 64, 768, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_F16, TN_TYPE_COUNT, 1, 0, 0, 500000.0f, NULL},
    /* TriLM-like llama: head 128, GQA 4:1, TQ1_0, Q6_K embeddings, F16 head, rope_freqs, biases */
    {"llama", "llama", 512, 4, 1, 128, 1024, 2, 96, TN_TYPE_TQ1_0, TN_TYPE_Q6_K, TN_TYPE_F16, 0, 1, 1, 10000.0f, NULL},
    /* arcee: ReLU^2, MHA, Q8_0 embeddings and head, TQ2_0 with .scale */
    {"arcee", "arcee", 256, 4, 4, 64, 512, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_Q8_0, TN_TYPE_Q8_0, 1, 0, 0, 10000.0f, NULL},
};
#define TN_T_LLM_NSPECS ((int)(sizeof(tn_t_llm_specs) / sizeof(tn_t_llm_specs[0])))
/* arcee with gpt2 vocabularies, one per pre-tokenizer ternary.h has ("" : no tokenizer.ggml.pre, llama.cpp's default) */
static const tn_t_llm_spec tn_t_llm_vspecs[] = {
    {"arcee-gpt2", "arcee", 256, 4, 4, 64, 512, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_Q8_0, TN_TYPE_Q8_0, 1, 0, 0, 10000.0f, "gpt-2"},
    {"arcee-llama3", "arcee", 256, 4, 4, 64, 512, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_Q8_0, TN_TYPE_Q8_0, 1, 0, 0, 10000.0f, "llama-bpe"},
    {"arcee-qwen2", "arcee", 256, 4, 4, 64, 512, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_Q8_0, TN_TYPE_Q8_0, 1, 0, 0, 10000.0f, "qwen2"},
    {"arcee-default", "arcee", 256, 4, 4, 64, 512, 2, 96, TN_TYPE_TQ2_0, TN_TYPE_Q8_0, TN_TYPE_Q8_0, 1, 0, 0, 10000.0f, ""},
};
#define TN_T_LLM_NVSPECS ((int)(sizeof(tn_t_llm_vspecs) / sizeof(tn_t_llm_vspecs[0])))
/* for speed: BitNet b1.58 2B-4T's layer shapes (2560 wide, FFN 6912, 20/5 heads of 128), 4 of its 30 layers */
static const tn_t_llm_spec tn_t_llm_bitnet2b = {"bitnet2b", "bitnet", 2560, 20, 5, 128, 6912, 4, 1024, TN_TYPE_TQ2_0, TN_TYPE_F16, TN_TYPE_COUNT, 0, 0, 0, 500000.0f, NULL};

typedef struct { void *p[512]; int n; } tn_t_bufs;
static void *tn_t_keep(tn_t_bufs *b, size_t n) {
    void *p = malloc(n ? n : 1);
    if (p && b->n < 512) b->p[b->n++] = p;
    else { free(p); p = NULL; }
    return p;
}
static void tn_t_bufs_free(tn_t_bufs *b) { int i; for (i = 0; i < b->n; i++) free(b->p[i]); b->n = 0; }
static float tn_t_gauss(tn_rng *r) { return tn_rng_normal(r); }
/* rows x cols matrix in `type`: ternary types get codes in {-1,0,1} times a
   scale that differs per 256-block; others a normal(0, sd) matrix */
static tn_status tn_t_llm_matrix(tn_gguf *g, tn_t_bufs *b, tn_rng *r, const char *name, tn_type type, int64_t cols, int64_t rows, float sd) {
    const int tern = type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0;
    float *x = (float *)malloc((size_t)(cols * rows) * sizeof(float));
    size_t rs = tn_row_size(type, cols);
    void *q = tn_t_keep(b, rs * (size_t)rows);
    int64_t i, j, ne[2];
    tn_status st;
    if (!x || !q) { free(x); return TN_ERR_NOMEM; }
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j += tern ? 256 : cols) {
            int64_t e, n = tern ? 256 : cols;
            float s = tern ? sd * (0.5f + tn_rng_uniform(r)) : sd;
            for (e = 0; e < n; e++) {
                float u = tn_rng_uniform(r);
                x[i * cols + j + e] = tern ? (u < 1.0f / 3 ? -s : u < 2.0f / 3 ? 0.0f : s) : s * tn_t_gauss(r);
            }
            if (tern) x[i * cols + j] = s; /* every block's absmax is its scale */
        }
    st = tn_quantize(type, x, q, rows, cols, NULL);
    free(x);
    if (st) return st;
    ne[0] = cols; ne[1] = rows;
    return tn_gguf_add_tensor(g, name, type, rows == 1 ? 1 : 2, ne, q);
}
static tn_status tn_t_llm_vec(tn_gguf *g, tn_t_bufs *b, tn_rng *r, const char *name, int64_t n, float mean, float sd) {
    float *x = (float *)tn_t_keep(b, (size_t)n * sizeof(float));
    int64_t i;
    if (!x) return TN_ERR_NOMEM;
    for (i = 0; i < n; i++) x[i] = mean + sd * tn_t_gauss(r);
    return tn_gguf_add_tensor(g, name, TN_TYPE_F32, 1, &n, x);
}
static const char *tn_t_key(char *buf, const char *arch, const char *leaf) { snprintf(buf, 96, "%s.%s", arch, leaf); return buf; }
/* the model of spec s with seed `seed`, as a tn_gguf (its data in *b until written) */
static tn_status tn_t_llm_build(const tn_t_llm_spec *s, uint64_t seed, tn_gguf **out, tn_t_bufs *b) {
    static char toks[TN_T_LLM_VOCAB][8];
    const char *tp[TN_T_LLM_VOCAB];
    int32_t tt[TN_T_LLM_VOCAB];
    char k[96], nm[96];
    tn_gguf *g = tn_gguf_new();
    tn_rng r;
    tn_status st = TN_OK;
    int64_t l, i, qd = s->n_head * s->hd, kvd = s->n_kv * s->hd;
    static const char *const leaf[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
    if (!g) return TN_ERR_NOMEM;
    tn_rng_seed(&r, seed);
    for (i = 0; i < 256; i++) { snprintf(toks[i], sizeof(toks[i]), "\\x%02x", (unsigned)i); tp[i] = toks[i]; tt[i] = 1; }
    for (i = 0; i < TN_T_LLM_NWORDS; i++) { tp[256 + i] = tn_t_llm_words[i]; tt[256 + i] = 1; }
    st = tn_gguf_set_str(g, "general.architecture", s->arch);
    if (!st) st = tn_gguf_set_str(g, "general.name", s->name);
    if (!st) st = tn_gguf_set_u32(g, "general.file_type", s->proj == TN_TYPE_TQ1_0 ? 36u : 37u);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "vocab_size"), TN_T_LLM_VOCAB);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "context_length"), (uint32_t)s->ctx);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "embedding_length"), (uint32_t)s->d);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "block_count"), (uint32_t)s->n_layer);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "feed_forward_length"), (uint32_t)s->ff);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "attention.head_count"), (uint32_t)s->n_head);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "attention.head_count_kv"), (uint32_t)s->n_kv);
    if (!st && s->hd * s->n_head != s->d) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "attention.key_length"), (uint32_t)s->hd);
    if (!st && s->hd * s->n_head != s->d) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "attention.value_length"), (uint32_t)s->hd);
    if (!st) st = tn_gguf_set_f32(g, tn_t_key(k, s->arch, "attention.layer_norm_rms_epsilon"), 1e-5f);
    if (!st) st = tn_gguf_set_u32(g, tn_t_key(k, s->arch, "rope.dimension_count"), (uint32_t)s->hd);
    if (!st) st = tn_gguf_set_f32(g, tn_t_key(k, s->arch, "rope.freq_base"), s->base);
    if (s->pre) {
        static tn_t_gpt2 gv;
        const char *mp[160];
        tn_t_gpt2_build(&gv);
        for (i = 0; i < TN_T_LLM_VOCAB; i++) { tp[i] = gv.tok[i]; tt[i] = i == 286 ? 3 : i == 287 ? 4 : 1; }
        for (i = 0; i < gv.nm; i++) mp[i] = gv.merge[i];
        if (!st) st = tn_gguf_set_str(g, "tokenizer.ggml.model", "gpt2");
        if (!st && s->pre[0]) st = tn_gguf_set_str(g, "tokenizer.ggml.pre", s->pre);
        if (!st) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.merges", mp, (uint64_t)gv.nm);
        if (!st) st = tn_gguf_set_u32(g, "tokenizer.ggml.bos_token_id", 286);
        if (!st) st = tn_gguf_set_u32(g, "tokenizer.ggml.eos_token_id", 286);
    } else if (!st) st = tn_gguf_set_str(g, "tokenizer.ggml.model", "rwkv");
    if (!st) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.tokens", tp, TN_T_LLM_VOCAB);
    if (!st) st = tn_gguf_set_arr(g, "tokenizer.ggml.token_type", TN_GGUF_INT32, tt, TN_T_LLM_VOCAB);
    if (!st) st = tn_gguf_set_bool(g, "tokenizer.ggml.add_bos_token", 0);
    if (!st) st = tn_gguf_set_bool(g, "tokenizer.ggml.add_eos_token", 0);
    if (!st) st = tn_t_llm_matrix(g, b, &r, "token_embd.weight", s->embd, s->d, TN_T_LLM_VOCAB, s->head == TN_TYPE_COUNT ? 0.1f : 0.5f); /* a tied head: logits of a few units */
    if (!st) st = tn_t_llm_vec(g, b, &r, "output_norm.weight", s->d, 1.0f, 0.1f);
    if (!st && s->head != TN_TYPE_COUNT) st = tn_t_llm_matrix(g, b, &r, "output.weight", s->head, s->d, TN_T_LLM_VOCAB, 0.1f);
    if (!st && s->rope_freqs) {
        float *f = (float *)tn_t_keep(b, (size_t)(s->hd / 2) * sizeof(float));
        int64_t n = s->hd / 2;
        if (!f) st = TN_ERR_NOMEM;
        for (i = 0; i < n && f; i++) f[i] = i < n / 4 ? 1.0f : i < n / 2 ? 1.0f + (float)(i - n / 4) / (float)(n / 4) * 7.0f : 8.0f; /* llama 3's shape */
        if (!st) st = tn_gguf_add_tensor(g, "rope_freqs.weight", TN_TYPE_F32, 1, &n, f);
    }
    for (l = 0; l < s->n_layer && !st; l++) {
        int j;
        snprintf(nm, sizeof(nm), "blk.%lld.attn_norm.weight", (long long)l); st = tn_t_llm_vec(g, b, &r, nm, s->d, 1.0f, 0.1f);
        if (!st) { snprintf(nm, sizeof(nm), "blk.%lld.ffn_norm.weight", (long long)l); st = tn_t_llm_vec(g, b, &r, nm, s->d, 1.0f, 0.1f); }
        if (!st && s->arch[0] == 'b') { snprintf(nm, sizeof(nm), "blk.%lld.attn_sub_norm.weight", (long long)l); st = tn_t_llm_vec(g, b, &r, nm, s->d, 1.0f, 0.1f); }
        if (!st && s->arch[0] == 'b') { snprintf(nm, sizeof(nm), "blk.%lld.ffn_sub_norm.weight", (long long)l); st = tn_t_llm_vec(g, b, &r, nm, s->ff, 1.0f, 0.1f); }
        for (j = 0; j < 7 && !st; j++) {
            int64_t in = j == 3 ? qd : j == 6 ? s->ff : s->d, outd = j == 0 ? qd : j < 3 ? kvd : j == 3 || j == 6 ? s->d : s->ff;
            if (j == 4 && s->arch[0] == 'a') continue;
            snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, leaf[j]);
            st = tn_t_llm_matrix(g, b, &r, nm, s->proj, in, outd, 1.0f / sqrtf((float)in) * 1.2f);
            if (!st && s->scales && (s->arch[0] == 'a' ? j < 4 : j % 2 == 0)) { /* (llama.cpp's arcee graph ignores FFN scales) */
                float *sc = (float *)tn_t_keep(b, sizeof(float));
                int64_t one = 1;
                if (!sc) { st = TN_ERR_NOMEM; break; }
                *sc = 0.6f + 0.8f * tn_rng_uniform(&r);
                snprintf(nm, sizeof(nm), "blk.%lld.%s.scale", (long long)l, leaf[j]);
                st = tn_gguf_add_tensor(g, nm, TN_TYPE_F32, 1, &one, sc);
            }
            if (!st && s->biases && j < 3) {
                snprintf(nm, sizeof(nm), "blk.%lld.%s.bias", (long long)l, leaf[j]);
                st = tn_t_llm_vec(g, b, &r, nm, outd, 0.0f, 0.2f);
            }
        }
    }
    if (st) { tn_gguf_free(g); tn_t_bufs_free(b); return st; }
    *out = g;
    return TN_OK;
}
static tn_status tn_t_llm_write(const tn_t_llm_spec *s, uint64_t seed, const char *path) {
    tn_t_bufs b;
    tn_gguf *g;
    tn_status st;
    b.n = 0;
    if ((st = tn_t_llm_build(s, seed, &g, &b))) return st;
    st = tn_gguf_write_file(g, path);
    tn_gguf_free(g);
    tn_t_bufs_free(&b);
    return st;
}
#endif
