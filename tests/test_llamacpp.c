/* llama.cpp export: the llama/arcee layout, llama.cpp's activation rule, refusals, hostile files */

static void tn_t_llama_cfg(tn_transformer_config *c, tn_mlp_kind mlp, int64_t ff, int flags) {
    *c = tn_transformer_config_default();
    c->vocab = 256; c->d_model = 256; c->n_head = 4; c->n_layer = 2; c->d_ff = ff; c->ctx_len = 8;
    c->mlp = mlp; c->layer_flags = flags;
}
static int tn_t_has(const char *needle) { return strstr(tn_last_error(), needle) != NULL; }

/* ternary.h -> llama.cpp's layout -> ternary.h gives the same logits, bit for bit */
static int test_llamacpp_export_reload(void) {
    static const struct { tn_mlp_kind mlp; int64_t ff; int flags; tn_type tt; const char *arch; } cases[] = {
        {TN_MLP_RELU2, 256, 0, TN_TYPE_TQ2_0, "arcee"},
        {TN_MLP_SWIGLU, 512, TN_LAYER_ACT_BLOCK, TN_TYPE_TQ1_0, "llama"},
        {TN_MLP_RELU2, 512, TN_LAYER_ACT_BLOCK, TN_TYPE_TQ2_0, "arcee"},
        {TN_MLP_SWIGLU, 256, 0, TN_TYPE_TQ2_0, "llama"},
        {TN_MLP_RELU2, 96, TN_LAYER_FLOAT, TN_TYPE_TQ2_0, "arcee"}, /* float projections: any width */
    };
    const char *path = tn_t_tmp("test_llamacpp.gguf");
    int ci, k;
    for (ci = 0; ci < (int)(sizeof(cases) / sizeof(cases[0])); ci++) {
        tn_ctx *pc = tn_ctx_new(64 << 20), *pc2 = tn_ctx_new(64 << 20), *c = tn_ctx_new(64 << 20);
        tn_transformer_config cfg;
        tn_transformer m, m2;
        tn_tensor *ids, *a, *b;
        tn_gguf *g = NULL;
        const char *s;
        uint64_t len;
        char why[512];
        tn_t_llama_cfg(&cfg, cases[ci].mlp, cases[ci].ff, cases[ci].flags);
        if (cases[ci].flags & TN_LAYER_FLOAT) cfg.d_model = 64;
        CHECK_OK(tn_transformer_init(&m, pc, &cfg, 7 + (uint64_t)ci));
        CHECK_OK(tn_transformer_save_llamacpp(&m, path, cases[ci].tt, TN_TYPE_F32));
        /* what llama.cpp reads */
        CHECK_OK(tn_gguf_read_file(path, 0, &g));
        CHECK_OK(tn_gguf_get_str(g, tn_gguf_find_key(g, "general.architecture"), &s, &len));
        CHECK(len == 5 && memcmp(s, cases[ci].arch, 5) == 0);
        CHECK_MSG(tn_gguf_llamacpp_check(g, why, sizeof(why)) == 1, "case %d not runnable: %s", ci, why);
        CHECK((tn_gguf_find_tensor(g, "blk.1.ffn_gate.weight") >= 0) == (cases[ci].mlp == TN_MLP_SWIGLU));
        CHECK(tn_gguf_find_tensor(g, "output.weight") >= 0 && tn_gguf_find_tensor(g, "tok.w") < 0);
        k = (int)tn_gguf_find_key(g, "tokenizer.ggml.tokens");
        CHECK(k >= 0 && tn_gguf_arr_n(g, k) == 256);
        s = tn_gguf_arr_str(g, k, 0, &len);
        CHECK(len == 4 && memcmp(s, "\\x00", 4) == 0);
        s = tn_gguf_arr_str(g, k, 175, &len);
        CHECK(len == 4 && memcmp(s, "\\xaf", 4) == 0); /* lowercase hex: llama.cpp decodes only a-f */
        {
            tn_gguf_tensor t;
            CHECK_OK(tn_gguf_get_tensor(g, tn_gguf_find_tensor(g, "blk.0.ffn_down.weight"), &t));
            CHECK(t.ne[0] == cfg.d_ff && t.ne[1] == cfg.d_model); /* unpadded */
            CHECK(t.type == ((cases[ci].flags & TN_LAYER_FLOAT) ? TN_TYPE_F32 : cases[ci].tt));
        }
        tn_gguf_free(g);
        /* and back */
        if (!(cases[ci].flags & TN_LAYER_FLOAT)) CHECK_OK(tn_transformer_pack(&m, pc, cases[ci].tt));
        tn_ctx_set_grad_enabled(c, 0);
        ids = tn_new_2d(c, TN_TYPE_I32, 8, 2);
        for (k = 0; k < 16; k++) ((int32_t *)ids->data)[k] = (k * 37 + 11) % 256;
        a = tn_transformer_forward(c, &m, ids);
        CHECK_OK(tn_transformer_load_gguf(&m2, pc2, path));
        CHECK(m2.cfg.mlp == cases[ci].mlp && m2.cfg.d_ff == cfg.d_ff && m2.cfg.layer_flags == cfg.layer_flags);
        CHECK(m2.cfg.norm_eps == cfg.norm_eps && m2.cfg.rope_theta == cfg.rope_theta && m2.cfg.ctx_len == 8);
        b = tn_transformer_forward(c, &m2, ids);
        CHECK(a && b && tn_same_shape(a, b));
        CHECK_MSG(memcmp(a->data, b->data, tn_nbytes(a)) == 0, "case %d (%s): reloaded model gives other logits", ci, cases[ci].arch);
        tn_transformer_deinit(&m);
        tn_transformer_deinit(&m2);
        tn_ctx_free(c); tn_ctx_free(pc2); tn_ctx_free(pc);
    }
    remove(path);
    return 0;
}

/* TN_LAYER_ACT_BLOCK: the training forward is ternary(w) . Q8_K(x) of ggml's
   reference quantizer (a partial last block as if zero-padded), the packed
   forward agrees, and the rule is not the per-token one */
static int test_llamacpp_act_block_rule(void) {
    tn_ctx *pc = tn_ctx_new(8 << 20), *c = tn_ctx_new(16 << 20);
    tn_params ps;
    tn_bitlinear l, lt;
    tn_rng rng;
    tn_tensor *x, *y, *yt, *yp;
    const int64_t in = 300, out = 5, M = 3;
    tn_block_q8_K qb[2];
    float row[512], xd[512];
    int8_t *t = (int8_t *)malloc((size_t)(in * out));
    float s;
    int64_t r, o, i;
    double maxd = 0, maxpt = 0;
    tn_params_init(&ps);
    tn_rng_seed(&rng, 3);
    CHECK_OK(tn_bitlinear_init(&l, pc, &ps, "l", in, out, TN_LAYER_ACT_BLOCK, &rng));
    tn_rng_seed(&rng, 3);
    CHECK_OK(tn_bitlinear_init(&lt, pc, NULL, "lt", in, out, 0, &rng));
    x = tn_new_2d(c, TN_TYPE_F32, in, M);
    for (i = 0; i < in * M; i++) ((float *)x->data)[i] = tn_rng_normal(&rng) * (i % 300 == 7 ? 40.0f : 1.0f); /* an outlier in block 0 */
    ((float *)x->data)[2 * in + 280] = 0; /* and a row whose second block is all zero but one */
    y = tn_bitlinear_forward(c, &l, x);
    yt = tn_bitlinear_forward(c, &lt, x);
    CHECK(y && yt);
    CHECK_OK(tn_ternary_absmean((const float *)l.w->data, in * out, t, &s));
    for (r = 0; r < M; r++) {
        memset(row, 0, sizeof(row));
        memcpy(row, (const float *)x->data + r * in, sizeof(float) * (size_t)in);
        tn_quantize_row_q8_K_ref(row, qb, 512);
        tn_dequantize_row_q8_K(qb, xd, 512);
        for (o = 0; o < out; o++) {
            double ref = 0;
            for (i = 0; i < in; i++) ref += (double)t[o * in + i] * s * xd[i];
            maxd = fmax(maxd, fabs(ref - ((float *)y->data)[r * out + o]) / (fabs(ref) + 1.0));
            maxpt = fmax(maxpt, fabs(((float *)yt->data)[r * out + o] - ((float *)y->data)[r * out + o]));
        }
    }
    CHECK_MSG(maxd < 1e-5, "per-block forward off the Q8_K reference by %g", maxd);
    CHECK_MSG(maxpt > 1e-3, "per-block and per-token rules agree (%g): the flag does nothing", maxpt);
    /* the gradient reaches the latent weights (straight through) */
    {
        tn_tensor *loss = tn_sum(c, y);
        tn_params_zero_grad(&ps);
        CHECK_OK(tn_backward(c, loss));
        CHECK(l.w->grad != NULL);
        /* d sum(y) / d w[o][i] = sum_r Q8_K(x_r)[i] */
        for (i = 0; i < in; i += 37) {
            double want = 0;
            for (r = 0; r < M; r++) {
                memset(row, 0, sizeof(row));
                memcpy(row, (const float *)x->data + r * in, sizeof(float) * (size_t)in);
                tn_quantize_row_q8_K_ref(row, qb, 512);
                tn_dequantize_row_q8_K(qb, xd, 512);
                want += xd[i];
            }
            CHECK_NEAR(((float *)l.w->grad->data)[2 * in + i], want, 1e-4 * (fabs(want) + 1));
        }
    }
    /* packed: the same blocks through the integer kernels */
    CHECK_OK(tn_bitlinear_pack(&l, pc, TN_TYPE_TQ2_0));
    tn_ctx_set_grad_enabled(c, 0);
    yp = tn_bitlinear_forward(c, &l, x);
    CHECK(yp != NULL);
    for (i = 0; i < out * M; i++) /* the blocks hold fp16(s): 2^-11 relative */
        CHECK_NEAR(((float *)yp->data)[i], ((float *)y->data)[i], 1e-3 * (fabs(((float *)y->data)[i]) + 1));
    /* a non-finite activation is an error, not garbage */
    ((float *)x->data)[5] = NAN;
    CHECK(tn_bitlinear_forward(c, &l, x) == NULL && tn_t_has("not finite"));
    free(t);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

/* configs llama.cpp cannot hold are refused, naming the setting; nothing is written */
static int test_llamacpp_refusals(void) {
    tn_ctx *pc = tn_ctx_new(32 << 20);
    tn_transformer_config cfg;
    tn_transformer m;
    char note[512];
    const char *path = tn_t_tmp("test_llamacpp_refused.gguf");
    FILE *f;
    remove(path);
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0); cfg.d_model = 128;
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("cfg.d_model = 128"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 384, 0);
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("cfg.d_ff = 384"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0); cfg.norm = TN_NORM_LAYER;
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("cfg.norm"));
    tn_t_llama_cfg(&cfg, TN_MLP_GELU, 256, 0);
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("cfg.mlp is gelu"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, TN_LAYER_BIAS);
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("TN_LAYER_BIAS"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, TN_LAYER_NORM);
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("TN_LAYER_NORM"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0); cfg.vocab = 300;
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("cfg.vocab is 300"));
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0); cfg.rope_theta = 0;
    CHECK(tn_transformer_llamacpp_check(&cfg, NULL, 0) == TN_ERR_UNSUPPORTED && tn_t_has("rope_theta"));
    /* exact arithmetic: 256-wide inputs, or per-block scales; else a note */
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0);
    CHECK_OK(tn_transformer_llamacpp_check(&cfg, note, sizeof(note)));
    CHECK(note[0] == 0);
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 512, 0);
    CHECK_OK(tn_transformer_llamacpp_check(&cfg, note, sizeof(note)));
    CHECK(strstr(note, "TN_LAYER_ACT_BLOCK") != NULL);
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 512, TN_LAYER_ACT_BLOCK);
    CHECK_OK(tn_transformer_llamacpp_check(&cfg, note, sizeof(note)));
    CHECK(note[0] == 0);
    /* refused at save time, and nothing on disk */
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0); cfg.d_model = 128;
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 1));
    CHECK(tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32) == TN_ERR_UNSUPPORTED && tn_t_has("d_model"));
    tn_transformer_deinit(&m);
    tn_t_llama_cfg(&cfg, TN_MLP_RELU2, 256, 0);
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 1));
    CHECK(tn_transformer_save_llamacpp(&m, path, TN_TYPE_T2, TN_TYPE_F32) == TN_ERR_TYPE);
    CHECK(tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_Q4_0) == TN_ERR_TYPE);
    CHECK((f = fopen(path, "rb")) == NULL);
    tn_transformer_deinit(&m);
    tn_ctx_free(pc);
    return 0;
}

/* a copy of src with tensor `drop` left out, `shape_of` given ne1 (and its
   bytes cut to fit), `as_f32` decoded to f32, and an `extra` tensor; a u32 key
   set (or removed when value < 0) */
static int tn_t_llama_variant(const tn_gguf *src, const char *path, const char *drop, const char *shape_of, int64_t ne1,
                              const char *as_f32, const char *extra, const char *key, int64_t value, float **owned) {
    tn_gguf *g = tn_gguf_new();
    int64_t i;
    tn_status st = TN_OK;
    static const float extra_data[4] = {1, 2, 3, 4};
    for (i = 0; i < tn_gguf_n_kv(src); i++) if (!key || strcmp(tn_gguf_key(src, i), key) != 0) tn_gguf_copy_kv(g, src, i);
    if (key && value >= 0) tn_gguf_set_u32(g, key, (uint32_t)value);
    for (i = 0; i < tn_gguf_n_tensors(src) && !st; i++) {
        tn_gguf_tensor t;
        tn_gguf_get_tensor(src, i, &t);
        if (drop && strcmp(t.name, drop) == 0) continue;
        if (shape_of && strcmp(t.name, shape_of) == 0) t.ne[1] = ne1;
        if (as_f32 && strcmp(t.name, as_f32) == 0) {
            int64_t r;
            *owned = (float *)malloc(sizeof(float) * (size_t)(t.ne[0] * t.ne[1]));
            for (r = 0; r < t.ne[1]; r++) tn_dequantize_row(t.type, (const uint8_t *)t.data + (size_t)r * tn_row_size(t.type, t.ne[0]), *owned + r * t.ne[0], t.ne[0]);
            st = tn_gguf_add_tensor(g, t.name, TN_TYPE_F32, t.n_dims, t.ne, *owned);
            continue;
        }
        st = tn_gguf_add_tensor(g, t.name, t.type, t.n_dims, t.ne, t.data);
    }
    if (!st && extra) { int64_t ne[1] = {4}; st = tn_gguf_add_tensor(g, extra, TN_TYPE_F32, 1, ne, extra_data); }
    if (!st) st = tn_gguf_write_file(g, path);
    tn_gguf_free(g);
    return st == TN_OK;
}

static int test_llamacpp_hostile_files(void) {
    tn_ctx *pc = tn_ctx_new(64 << 20);
    tn_transformer_config cfg;
    tn_transformer m, m2;
    tn_gguf *g = NULL, *h = NULL;
    const char *path = tn_t_tmp("test_llamacpp_h.gguf"), *bad = tn_t_tmp("test_llamacpp_bad.gguf");
    float *owned = NULL;
    char why[512];
    tn_t_llama_cfg(&cfg, TN_MLP_SWIGLU, 256, 0);
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 5));
    CHECK_OK(tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32));
    tn_transformer_deinit(&m);
    CHECK_OK(tn_gguf_read_file(path, 0, &g));
#define TN_T_REFUSED(st_want, ...) do { \
        CHECK_MSG(tn_transformer_load_gguf(&m2, pc, bad) == (st_want), "status: %s", tn_last_error()); \
        { const char *needles_[] = {__VA_ARGS__}; size_t q_; \
          for (q_ = 0; q_ < sizeof(needles_) / sizeof(needles_[0]); q_++) CHECK_MSG(tn_t_has(needles_[q_]), "'%s' not in: %s", needles_[q_], tn_last_error()); } \
        CHECK_OK(tn_gguf_read_file(bad, 0, &h)); \
        CHECK(tn_gguf_llamacpp_check(h, why, sizeof(why)) != 1); \
        tn_gguf_free(h); h = NULL; } while (0)
    CHECK(tn_t_llama_variant(g, bad, "blk.1.attn_k.weight", NULL, 0, NULL, NULL, NULL, 0, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "blk.1.attn_k.weight", "missing");
    CHECK(tn_t_llama_variant(g, bad, NULL, "blk.0.ffn_up.weight", 128, NULL, NULL, NULL, 0, &owned));
    TN_T_REFUSED(TN_ERR_SHAPE, "blk.0.ffn_up.weight", "256x128", "256x256");
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, "blk.0.attn_gate.weight", NULL, 0, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "blk.0.attn_gate.weight");
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.attention.head_count_kv", 2, &owned));
    CHECK(tn_transformer_load_gguf(&m2, pc, bad) != TN_OK && tn_t_has("attn_k.weight")); /* k/v shapes of 2 kv heads */
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.attention.layer_norm_rms_epsilon", -1, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "layer_norm_rms_epsilon", "missing");
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.block_count", 3, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "blk.2.attn_norm.weight");
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.embedding_length", 2147483647, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "rope.dimension_count 64", "536870911"); /* refused before anything is allocated */
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.attention.head_count", 0, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "head_count");
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, NULL, "llama.rope.dimension_count", 32, &owned));
    TN_T_REFUSED(TN_ERR_FORMAT, "rope.dimension_count");
    /* llama.cpp would take these, ternary.h cannot run them exactly */
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, "blk.1.attn_v.weight", NULL, NULL, 0, &owned));
    CHECK(tn_transformer_load_gguf(&m2, pc, bad) == TN_ERR_UNSUPPORTED && tn_t_has("blk.1.attn_v.weight") && tn_t_has("all ternary or all float"));
    free(owned); owned = NULL;
    CHECK(tn_t_llama_variant(g, bad, NULL, NULL, 0, NULL, "blk.0.attn_q.bias", NULL, 0, &owned)); /* not 256 long: a wrong shape */
    CHECK(tn_transformer_load_gguf(&m2, pc, bad) == TN_ERR_SHAPE && tn_t_has("blk.0.attn_q.bias"));
    /* a tied head (no output.weight) is token_embd */
    CHECK(tn_t_llama_variant(g, bad, "output.weight", NULL, 0, NULL, NULL, NULL, 0, &owned));
    CHECK_OK(tn_transformer_load_gguf(&m2, pc, bad));
    CHECK(memcmp(m2.head.w->data, m2.tok.w->data, tn_nbytes(m2.tok.w)) == 0);
    tn_transformer_deinit(&m2);
    CHECK_OK(tn_gguf_read_file(bad, 0, &h));
    CHECK(tn_gguf_llamacpp_check(h, why, sizeof(why)) == 1 && strstr(why, "tied") != NULL);
    tn_gguf_free(h); h = NULL;
    /* architectures */
    {
        tn_gguf *u = tn_gguf_new();
        tn_gguf_set_str(u, "general.architecture", "gpt2");
        CHECK(tn_gguf_llamacpp_check(u, why, sizeof(why)) == -1 && strstr(why, "gpt2") != NULL);
        tn_gguf_set_str(u, "general.architecture", "ternary");
        CHECK(tn_gguf_llamacpp_check(u, why, sizeof(why)) == 0 && strstr(why, "tn_transformer_save_llamacpp") != NULL);
        tn_gguf_free(u);
    }
#undef TN_T_REFUSED
    tn_gguf_free(g);
    remove(bad);
    remove(path);
    tn_ctx_free(pc);
    return 0;
}
