/* @@IO tests: GGUF against ggml's own file, round trips, hostile input */

/* keep the first n bytes of the file at path (portable: rewrite it) */
static int ftruncate_like(FILE *f, const char *path, long n) {
    char *buf = (char *)malloc((size_t)n + 1);
    FILE *w;
    int ok;
    fseek(f, 0, SEEK_SET);
    ok = buf && fread(buf, 1, (size_t)n, f) == (size_t)n;
    w = ok ? fopen(path, "wb") : NULL;
    ok = w && fwrite(buf, 1, (size_t)n, w) == (size_t)n;
    if (w) fclose(w);
    free(buf);
    return ok ? 0 : -1;
}

static int test_gguf_reads_ggml_file(void) {
    tn_gguf *g = NULL;
    size_t size = 0;
    void *img = tn_t_read_vector("ggml-written.gguf", &size);
    int64_t i;
    uint64_t u64;
    int64_t i64;
    float f32;
    double f64;
    const char *s;
    uint64_t len;
    tn_gguf_tensor t;
    CHECK(img != NULL);
    CHECK_OK(tn_gguf_read_memory(img, size, &g));
    CHECK_EQ_INT(tn_gguf_n_kv(g), 29);
    CHECK_EQ_INT(tn_gguf_n_tensors(g), 11);
    CHECK_EQ_INT(tn_gguf_data_offset(g), 1952);
    CHECK_OK(tn_gguf_get_u64(g, tn_gguf_find_key(g, "test.u64"), &u64));
    CHECK(u64 == 18000000000000000001ull);
    CHECK_OK(tn_gguf_get_i64(g, tn_gguf_find_key(g, "test.i64"), &i64));
    CHECK(i64 == -9000000000000000000ll - 1);
    CHECK_OK(tn_gguf_get_f32(g, tn_gguf_find_key(g, "test.f32"), &f32));
    CHECK(f32 == 3.14159274f);
    CHECK_OK(tn_gguf_get_f64(g, tn_gguf_find_key(g, "test.f64"), &f64));
    CHECK(f64 == -2.7182818284590451);
    CHECK(tn_gguf_get_u32(g, tn_gguf_find_key(g, "test.u64"), (uint32_t *)&i64) == TN_ERR_TYPE);
    CHECK_OK(tn_gguf_get_str(g, tn_gguf_find_key(g, "test.str_utf8"), &s, &len));
    CHECK(len == strlen("h\xc3\xa9llo \xe2\x9c\x93 ternary") && memcmp(s, "h\xc3\xa9llo \xe2\x9c\x93 ternary", (size_t)len) == 0);
    i = tn_gguf_find_key(g, "tokenizer.ggml.tokens");
    CHECK_EQ_INT(tn_gguf_arr_n(g, i), 6);
    s = tn_gguf_arr_str(g, i, 5, &len);
    CHECK(len == 7 && memcmp(s, "quote\"q", 7) == 0);
    i = tn_gguf_find_tensor(g, "blk.1.ffn_gate.weight");
    CHECK_OK(tn_gguf_get_tensor(g, i, &t));
    CHECK(t.type == TN_TYPE_TQ2_0 && t.ne[0] == 512 && t.ne[1] == 3 && t.offset == 2912 && t.nbytes == 396);
    /* our writer reproduces ggml's file byte for byte */
    {
        void *out = NULL;
        size_t osz = 0;
        CHECK_OK(tn_gguf_write_memory(g, &out, &osz));
        CHECK_EQ_INT(osz, size);
        CHECK(memcmp(out, img, size) == 0);
        tn_free(out);
    }
    tn_gguf_free(g);
    free(img);
    return 0;
}

static int test_gguf_roundtrip_and_file(void) {
    tn_gguf *g = tn_gguf_new(), *h = NULL;
    float data[3 * 5];
    uint8_t q[34 * 2];
    int64_t ne[2] = {5, 3}, neq[1] = {64};
    int32_t arr[4] = {1, -2, 3, -4};
    const char *strs[3] = {"a", "", "ccc"};
    const char *path;
    int i;
    uint32_t v;
    tn_gguf_tensor t;
    for (i = 0; i < 15; i++) data[i] = (float)i * 0.5f;
    tn_quantize_row(TN_TYPE_Q8_0, data, q, 0);
    memset(q, 7, sizeof(q));
    CHECK(g != NULL);
    CHECK_OK(tn_gguf_set_str(g, "general.architecture", "ternary"));
    CHECK_OK(tn_gguf_set_u32(g, "n", 5));
    CHECK_OK(tn_gguf_set_u32(g, "n", 6)); /* replace */
    CHECK_OK(tn_gguf_set_arr(g, "arr", TN_GGUF_INT32, arr, 4));
    CHECK_OK(tn_gguf_set_arr_str(g, "strs", strs, 3));
    CHECK_OK(tn_gguf_set_bool(g, "yes", 1));
    CHECK(tn_gguf_set_u32(g, "general.alignment", 48) == TN_ERR_ARG);
    CHECK(tn_gguf_set_u64(g, "general.alignment", 64) == TN_ERR_ARG);
    CHECK(tn_gguf_find_key(g, "general.alignment") < 0);
    CHECK_OK(tn_gguf_add_tensor(g, "w", TN_TYPE_F32, 2, ne, data));
    CHECK_OK(tn_gguf_add_tensor(g, "q", TN_TYPE_Q8_0, 1, neq, q));
    CHECK(tn_gguf_add_tensor(g, "w", TN_TYPE_F32, 2, ne, data) == TN_ERR_ARG); /* duplicate */
    neq[0] = 33;
    CHECK(tn_gguf_add_tensor(g, "bad", TN_TYPE_Q8_0, 1, neq, q) != TN_OK); /* not whole blocks */
    CHECK(tn_gguf_add_tensor(g, "a_name_that_is_far_too_long_for_gguf_which_allows_63_bytes_only_", TN_TYPE_F32, 2, ne, data) == TN_ERR_ARG);
    path = tn_t_tmp("test_rt.gguf");
    CHECK_OK(tn_gguf_write_file(g, path));
    CHECK_OK(tn_gguf_read_file(path, 1, &h));
    CHECK_EQ_INT(tn_gguf_n_kv(h), 5);
    CHECK_OK(tn_gguf_get_u32(h, tn_gguf_find_key(h, "n"), &v));
    CHECK_EQ_INT(v, 6);
    CHECK(memcmp(tn_gguf_arr_data(h, tn_gguf_find_key(h, "arr")), arr, sizeof(arr)) == 0);
    CHECK_OK(tn_gguf_get_tensor(h, tn_gguf_find_tensor(h, "w"), &t));
    CHECK(t.n_dims == 2 && t.ne[0] == 5 && t.ne[1] == 3 && memcmp(t.data, data, sizeof(data)) == 0);
    CHECK_OK(tn_gguf_get_tensor(h, tn_gguf_find_tensor(h, "q"), &t));
    CHECK(t.offset % 32 == 0 && memcmp(t.data, q, 68) == 0);
    tn_gguf_free(h);
    /* a failed write leaves the old file as it was */
    CHECK(tn_gguf_write_file(g, tn_t_tmp("no/such/dir/x.gguf")) == TN_ERR_IO);
    CHECK_OK(tn_gguf_read_file(path, 0, &h));
    tn_gguf_free(h);
    remove(path);
    CHECK(tn_gguf_read_file(tn_t_tmp("does-not-exist.gguf"), 0, &h) == TN_ERR_IO);
    tn_gguf_free(g);
    return 0;
}

/* every prefix of a valid file and thousands of corruptions: errors, never crashes */
static int test_gguf_hostile(void) {
    size_t size = 0, cut;
    uint8_t *img = (uint8_t *)tn_t_read_vector("ggml-written.gguf", &size), *bad;
    tn_rng r;
    int k, ok = 0;
    CHECK(img != NULL);
    for (cut = 0; cut < size; cut++) {
        /* the last tensor's data ends at 1952 + 4352 + 34: only its padding may be missing */
        tn_gguf *g = NULL;
        tn_status st = tn_gguf_read_memory(img, cut, &g);
        if (cut < 6338) {
            CHECK_MSG(st == TN_ERR_FORMAT, "prefix of %zu bytes: status %d", cut, (int)st);
            CHECK(strlen(tn_last_error()) > 0);
        } else {
            CHECK_OK(st);
            tn_gguf_free(g);
        }
    }
    bad = (uint8_t *)malloc(size);
    tn_rng_seed(&r, 13);
    for (k = 0; k < 3000; k++) {
        tn_gguf *g = NULL;
        int flips = 1 + (int)(tn_rng_u32(&r) % 4), f;
        memcpy(bad, img, size);
        for (f = 0; f < flips; f++) {
            size_t at = tn_rng_u32(&r) % 1952; /* the header, where the structure is */
            bad[at] = (uint8_t)(k % 3 == 0 ? 0xFF : tn_rng_u32(&r));
        }
        if (tn_gguf_read_memory(bad, size, &g) == TN_OK) {
            /* whatever parsed must be self-consistent */
            int64_t i;
            for (i = 0; i < tn_gguf_n_tensors(g); i++) {
                tn_gguf_tensor t;
                CHECK_OK(tn_gguf_get_tensor(g, i, &t));
                CHECK((const uint8_t *)t.data >= (const uint8_t *)0 && t.nbytes <= size);
            }
            ok++;
            tn_gguf_free(g);
        }
    }
    CHECK(ok < 3000); /* most corruptions are caught */
    {   /* crafted: huge counts, huge string, 5 dims, bad alignment, bool 2 */
        uint8_t h[64];
        tn_gguf *g = NULL;
        memset(h, 0, sizeof(h));
        memcpy(h, "GGUF", 4); h[4] = 3;
        memset(h + 8, 0xFF, 8);  /* n_tensors = 2^64-1 */
        CHECK(tn_gguf_read_memory(h, sizeof(h), &g) == TN_ERR_FORMAT);
        memset(h + 8, 0, 8); h[16] = 1; /* one kv */
        memset(h + 24, 0xFF, 8);        /* key length 2^64-1 */
        CHECK(tn_gguf_read_memory(h, sizeof(h), &g) == TN_ERR_FORMAT);
        h[4] = 1;                       /* version 1 */
        CHECK(tn_gguf_read_memory(h, sizeof(h), &g) == TN_ERR_FORMAT);
        CHECK(strstr(tn_last_error(), "version") != NULL);
    }
    {   /* semantic errors built with our own writer, then patched */
        tn_gguf *g = tn_gguf_new(), *h2 = NULL;
        void *out;
        size_t osz;
        float d[4] = {1, 2, 3, 4};
        int64_t ne[1] = {4};
        uint8_t *b;
        tn_gguf_set_u32(g, "general.alignment", 32);
        tn_gguf_add_tensor(g, "t", TN_TYPE_F32, 1, ne, d);
        CHECK_OK(tn_gguf_write_memory(g, &out, &osz));
        b = (uint8_t *)out;
        CHECK_OK(tn_gguf_read_memory(b, osz, &h2)); tn_gguf_free(h2);
        b[24 + 8 + 17] = 6; /* alignment key type -> f32 */
        CHECK(tn_gguf_read_memory(b, osz, &h2) == TN_ERR_FORMAT);
        b[24 + 8 + 17] = 4;
        b[24 + 8 + 17 + 4] = 48; /* alignment 48: not a power of two */
        CHECK(tn_gguf_read_memory(b, osz, &h2) == TN_ERR_FORMAT);
        tn_free(out);
        tn_gguf_free(g);
    }
    free(bad);
    free(img);
    return 0;
}

static int test_model_export_reload_identical(void) {
    tn_ctx *pc = tn_ctx_new(16 << 20), *pc2 = tn_ctx_new(16 << 20), *c = tn_ctx_new(64 << 20);
    tn_transformer_config cfg = tn_transformer_config_default();
    tn_transformer m, m2;
    tn_tensor *ids = tn_new_2d(pc, TN_TYPE_I32, 7, 2), *a, *b;
    const char *path = tn_t_tmp("test_model.gguf");
    int k, ti;
    static const tn_type tt[2] = {TN_TYPE_TQ2_0, TN_TYPE_TQ1_0};
    cfg.vocab = 37; cfg.d_model = 64; cfg.n_head = 4; cfg.n_layer = 2; cfg.d_ff = 96; cfg.ctx_len = 8;
    cfg.mlp = TN_MLP_SWIGLU;
    for (k = 0; k < 14; k++) ((int32_t *)ids->data)[k] = (k * 11 + 3) % 37;
    tn_ctx_set_grad_enabled(c, 0);
    for (ti = 0; ti < 2; ti++) {
        CHECK_OK(tn_transformer_init(&m, pc, &cfg, 42));
        CHECK_OK(tn_transformer_save_gguf(&m, path, tt[ti], TN_TYPE_F32));
        CHECK_OK(tn_transformer_pack(&m, pc, tt[ti]));
        a = tn_transformer_forward(c, &m, ids);
        CHECK(a != NULL && a->ne[0] == 37 && a->ne[1] == 7 && a->ne[2] == 2);
        CHECK_OK(tn_transformer_load_gguf(&m2, pc2, path));
        CHECK_EQ_INT(m2.cfg.d_ff, 96);
        CHECK(m2.cfg.mlp == TN_MLP_SWIGLU);
        CHECK(m2.blocks[1].mlp.gate.wq != NULL && m2.blocks[1].mlp.gate.wq->type == tt[ti]);
        b = tn_transformer_forward(c, &m2, ids);
        CHECK(b != NULL && tn_same_shape(a, b));
        CHECK_MSG(memcmp(a->data, b->data, tn_nbytes(a)) == 0, "%s: reloaded model gives other logits", tn_type_name(tt[ti]));
        tn_transformer_deinit(&m);
        tn_transformer_deinit(&m2);
        tn_ctx_reset(pc); tn_ctx_reset(pc2); tn_ctx_reset(c);
        tn_ctx_set_grad_enabled(c, 0);
        ids = tn_new_2d(pc, TN_TYPE_I32, 7, 2);
        for (k = 0; k < 14; k++) ((int32_t *)ids->data)[k] = (k * 11 + 3) % 37;
    }
    /* f16 embeddings and head come back as exactly their f16 values */
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 42));
    CHECK_OK(tn_transformer_save_gguf(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F16));
    CHECK_OK(tn_transformer_load_gguf(&m2, pc2, path));
    for (k = 0; k < 37 * 64; k++) {
        CHECK(((float *)m2.tok.w->data)[k] == tn_fp16_to_fp32(tn_fp32_to_fp16(((float *)m.tok.w->data)[k])));
        CHECK(((float *)m2.head.w->data)[k] == tn_fp16_to_fp32(tn_fp32_to_fp16(((float *)m.head.w->data)[k])));
    }
    for (k = 0; k < 64; k++) CHECK(((float *)m2.blocks[0].norm1.g->data)[k] == ((float *)m.blocks[0].norm1.g->data)[k]);
    tn_transformer_deinit(&m2);
    /* a damaged file is refused */
    {
        FILE *f = fopen(path, "r+b");
        fseek(f, 0, SEEK_END);
        CHECK(ftruncate_like(f, path, ftell(f) / 2) == 0);
        fclose(f);
        CHECK(tn_transformer_load_gguf(&m2, pc2, path) == TN_ERR_FORMAT);
    }
    tn_transformer_deinit(&m);
    remove(path);
    tn_ctx_free(c);
    tn_ctx_free(pc2);
    tn_ctx_free(pc);
    return 0;
}

/* a safetensors image: header JSON then data */
static size_t tn_t_make_st(uint8_t *buf, const char *json, const void *data, size_t dsize) {
    size_t h = strlen(json);
    tn__wr64(buf, h);
    memcpy(buf + 8, json, h);
    memcpy(buf + 8 + h, data, dsize);
    return 8 + h + dsize;
}

static int test_safetensors_import(void) {
    static const char *json = "{\"__metadata__\":{\"format\":\"pt\",\"nested\":{\"a\":[1,2,{\"b\":null}]}},"
                              "\"w\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,48]},"
                              "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[48,52]},"
                              "\"b\\u00e9\\n\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[52,54]}}";
    uint8_t data[54], img[1024];
    float w[12];
    uint16_t h[2], bf;
    size_t n, cut;
    tn_safetensors *s = NULL;
    tn_st_tensor t;
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_tensor *x;
    int i;
    memset(&t, 0, sizeof(t));
    for (i = 0; i < 12; i++) w[i] = (float)i - 5.5f;
    h[0] = tn_fp32_to_fp16(1.5f); h[1] = tn_fp32_to_fp16(-2.0f);
    bf = tn_fp32_to_bf16(3.0f);
    memcpy(data, w, 48); memcpy(data + 48, h, 4); memcpy(data + 52, &bf, 2);
    n = tn_t_make_st(img, json, data, sizeof(data));
    CHECK_OK(tn_safetensors_read_memory(img, n, &s));
    CHECK_EQ_INT(tn_safetensors_n_tensors(s), 3);
    CHECK_OK(tn_safetensors_get(s, tn_safetensors_find(s, "w"), &t));
    CHECK(t.type == TN_TYPE_F32 && t.n_dims == 2 && t.ne[0] == 4 && t.ne[1] == 3); /* [3,4] -> ne (4, 3) */
    x = tn_safetensors_load(ctx, s, tn_safetensors_find(s, "w"));
    CHECK(x != NULL && tn_get_f32(x, 3, 2, 0, 0) == 5.5f);
    x = tn_safetensors_load(ctx, s, tn_safetensors_find(s, "h"));
    CHECK(x != NULL && ((float *)x->data)[1] == -2.0f);
    i = (int)tn_safetensors_find(s, "b\xc3\xa9\n");
    CHECK(i >= 0);
    x = tn_safetensors_load(ctx, s, i);
    CHECK(x != NULL && tn_nelements(x) == 1 && ((float *)x->data)[0] == 3.0f);
    tn_safetensors_free(s);
    /* -> ternary -> GGUF -> back: the import path of tn-quantize */
    {
        tn_gguf *g = tn_gguf_new(), *g2 = NULL;
        int8_t tr[12];
        float sc;
        void *out;
        size_t osz;
        tn_gguf_tensor gt;
        int64_t ne12[1] = {12};
        CHECK_OK(tn_ternary_absmean(w, 12, tr, &sc));
        CHECK_OK(tn_gguf_add_tensor(g, "w.trits", TN_TYPE_I8, 1, ne12, tr));
        CHECK_OK(tn_gguf_set_f32(g, "w.scale", sc));
        CHECK_OK(tn_gguf_write_memory(g, &out, &osz));
        CHECK_OK(tn_gguf_read_memory(out, osz, &g2));
        CHECK_OK(tn_gguf_get_tensor(g2, 0, &gt));
        CHECK(gt.type == TN_TYPE_I8 && memcmp(gt.data, tr, 12) == 0);
        tn_gguf_free(g2);
        tn_gguf_free(g);
        tn_free(out);
    }
    {   /* an int64 buffer beside a float tensor: the float one is read, the other left out */
        static const char *mixed = "{\"pos\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}";
        uint8_t img2[512];
        size_t n2 = tn_t_make_st(img2, mixed, data, 32);
        CHECK_OK(tn_safetensors_read_memory(img2, n2, &s));
        CHECK_EQ_INT(tn_safetensors_n_tensors(s), 1);
        CHECK(tn_safetensors_find(s, "w") == 0 && tn_safetensors_find(s, "pos") < 0);
        tn_safetensors_free(s);
    }
    /* every prefix fails cleanly */
    for (cut = 0; cut < n; cut++) CHECK_MSG(tn_safetensors_read_memory(img, cut, &s) != TN_OK, "prefix %zu accepted", cut);
    {   /* hostile headers */
        static const char *bad[] = {
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,52]}}",           /* shape vs bytes */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[8,56]}}",           /* past the end */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", /* overlap */
            "{\"w\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,8]}}",              /* i64 of the wrong size */
            "{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}",               /* unknown dtype */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}",      /* 5 dims */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", /* overflow */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}",              /* reversed */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}",                                      /* missing */
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}",                /* unterminated */
            "{\"x\":\"\\ud800\"}", "[1,2]", "{\"a\\q\":1}",
        };
        char deep[400];
        int k;
        for (k = 0; k < (int)(sizeof(bad) / sizeof(bad[0])); k++) {
            n = tn_t_make_st(img, bad[k], data, sizeof(data));
            CHECK_MSG(tn_safetensors_read_memory(img, n, &s) != TN_OK, "bad header %d accepted", k);
        }
        strcpy(deep, "{\"__metadata__\":");
        for (k = 0; k < 100; k++) strcat(deep, "[");
        for (k = 0; k < 100; k++) strcat(deep, "]");
        strcat(deep, "}");
        n = tn_t_make_st(img, deep, data, sizeof(data));
        CHECK(tn_safetensors_read_memory(img, n, &s) == TN_ERR_FORMAT); /* nesting beyond 64 */
        tn__wr64(img, (uint64_t)1 << 62);
        CHECK(tn_safetensors_read_memory(img, n, &s) == TN_ERR_FORMAT);
    }
    tn_ctx_free(ctx);
    return 0;
}

/* whole-model quantization: a transformer's parameters to one format (1-D kept
   f32, rows that are not whole blocks falling back), the size summary, GGUF out
   and back with the same bytes, dequantized into another model (load into a
   module), and run quantized through tn_qlinear_from_model */
static int test_quant_model(void) {
    const char *path = tn_t_tmp("quant_model.gguf");
    tn_ctx *pc = tn_ctx_new(8 << 20), *pc2 = tn_ctx_new(8 << 20);
    tn_transformer m, m2;
    tn_transformer_config cfg = tn_transformer_config_default();
    tn_quant_rule rule = tn_quant_rule_default(TN_TYPE_Q4_K);
    tn_quant_model qm, back;
    tn_params odd;
    tn_tensor *ow;
    char *sum;
    size_t need;
    int i, k;
    cfg.vocab = 256; cfg.d_model = 256; cfg.n_head = 4; cfg.n_layer = 1; cfg.d_ff = 96; cfg.ctx_len = 16;
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 3));
    CHECK_OK(tn_transformer_init(&m2, pc2, &cfg, 99));
    CHECK_OK(tn_quant_model_from_params(&qm, &m.params, &rule));
    CHECK_EQ_INT(qm.n, m.params.n);
    for (i = 0; i < qm.n; i++) {
        const tn_tensor *t = m.params.items[i].t;
        tn_type want = t->n_dims <= 1 ? TN_TYPE_F32 : t->ne[0] % 256 == 0 ? TN_TYPE_Q4_K : t->ne[0] % 32 == 0 ? TN_TYPE_Q8_0 : TN_TYPE_F16;
        CHECK_MSG(qm.t[i].type == want, "%s (%lld wide): %s, want %s", qm.t[i].name, (long long)t->ne[0], tn_type_name(qm.t[i].type), tn_type_name(want));
        CHECK(memcmp(qm.t[i].ne, t->ne, sizeof(t->ne)) == 0); /* the real shape */
        CHECK(qm.t[i].rmse >= 0 && qm.t[i].rmse < 0.05 && (want != TN_TYPE_F32 || qm.t[i].rmse == 0));
        if (want == TN_TYPE_Q8_0) CHECK(strstr(qm.t[i].why, "fallback: rows of 96") != NULL);
    }
    CHECK(qm.bytes < qm.f32_bytes / 4);
    need = tn_quant_model_summary(&qm, NULL, 0);
    sum = (char *)malloc(need + 1);
    CHECK(tn_quant_model_summary(&qm, sum, need + 1) == need && strlen(sum) == need);
    CHECK(strstr(sum, "tok.w") && strstr(sum, "q4_K") && strstr(sum, "\ntotal") && strstr(sum, "kept: 1-D"));
    {   /* truncated: still a string */
        char small[40];
        CHECK(tn_quant_model_summary(&qm, small, sizeof(small)) == need && strlen(small) == sizeof(small) - 1);
    }
    free(sum);
    CHECK_OK(tn_quant_model_save(&qm, path));
    CHECK_OK(tn_quant_model_load(&back, path));
    CHECK_EQ_INT(back.n, qm.n);
    for (i = 0; i < qm.n; i++) {
        int j = tn_quant_model_find(&back, qm.t[i].name);
        CHECK(j >= 0 && back.t[j].type == qm.t[i].type && back.t[j].nbytes == qm.t[i].nbytes && memcmp(back.t[j].data, qm.t[i].data, qm.t[i].nbytes) == 0);
    }
    CHECK(back.type == TN_TYPE_Q4_K && back.bytes == qm.bytes);
    /* into a float model with other weights: every value the dequantized one */
    CHECK_OK(tn_quant_model_to_params(&back, &m2.params));
    for (i = 0; i < m.params.n; i++) {
        const tn_tensor *a = m.params.items[i].t, *b2 = tn_params_find(&m2.params, m.params.items[i].name);
        double worst = 0;
        CHECK(b2 != NULL);
        for (k = 0; k < tn_nelements(a); k++) worst = fmax(worst, fabs(((float *)a->data)[k] - ((float *)b2->data)[k]));
        CHECK_MSG(worst <= qm.t[i].max_err + 1e-7, "%s: %g off, the quantizer's worst %g", a->name, worst, qm.t[i].max_err);
    }
    {   /* run quantized: the head as a tn_qlinear, the same outputs as one made from the float weights */
        tn_qlinear q1, q2;
        const tn_tensor *hw = tn_params_find(&m.params, "head.w");
        float x[256 * 2], y1[512], y2[512];
        tn_rng r;
        CHECK(hw != NULL);
        tn_rng_seed(&r, 5);
        for (k = 0; k < 512; k++) x[k] = tn_rng_normal(&r);
        CHECK_OK(tn_qlinear_from_model(&q1, &back, "head.w", NULL, 0));
        CHECK_OK(tn_qlinear_init(&q2, TN_TYPE_Q4_K, (const float *)hw->data, NULL, hw->ne[0], hw->ne[1], 0));
        CHECK_OK(tn_qlinear_forward(&q1, x, 2, y1, NULL));
        CHECK_OK(tn_qlinear_forward(&q2, x, 2, y2, NULL));
        CHECK(memcmp(y1, y2, sizeof(float) * 2 * (size_t)hw->ne[1]) == 0);
        tn_qlinear_free(&q1); tn_qlinear_free(&q2);
        CHECK(tn_qlinear_from_model(&q1, &back, "no.such", NULL, 0) == TN_ERR_ARG && strstr(tn_last_error(), "no tensor 'no.such'"));
        CHECK(tn_qlinear_from_model(&q1, &back, "head.w", "tok.w", 0) == TN_ERR_SHAPE && strstr(tn_last_error(), "bias 'tok.w'")); /* a matrix is no bias */
        CHECK_OK(tn_qlinear_from_model(&q1, &back, "head.w", "norm_f.g", 0)); /* any 1-D tensor of 256 values will do as one */
        CHECK_OK(tn_qlinear_forward(&q1, x, 2, y1, NULL));
        for (k = 0; k < 256; k++) CHECK(y1[k] == y2[k] + ((const float *)tn_params_find(&m.params, "norm_f.g")->data)[k]);
        tn_qlinear_free(&q1);
    }
    /* a model of another shape is refused, naming the tensor, and nothing is written */
    tn_params_init(&odd);
    ow = tn_new_2d(pc, TN_TYPE_F32, 100, 3);
    CHECK_OK(tn_set_param(pc, ow));
    CHECK_OK(tn_params_add(&odd, pc, ow, "tok.w", 0));
    tn_fill(ow, 7.0f);
    CHECK(tn_quant_model_to_params(&back, &odd) == TN_ERR_SHAPE && strstr(tn_last_error(), "'tok.w'"));
    CHECK(((float *)ow->data)[0] == 7.0f);
    {   /* and the odd-width model itself: F16 fallback for rows of 100 */
        tn_quant_model q3;
        CHECK_OK(tn_quant_model_from_params(&q3, &odd, &rule));
        CHECK(q3.t[0].type == TN_TYPE_F16 && strstr(q3.t[0].why, "rows of 100"));
        tn_quant_model_free(&q3);
    }
    tn_quant_model_free(&qm);
    tn_quant_model_free(&back);
    rule.type = TN_TYPE_T2;
    CHECK(tn_quant_model_from_params(&qm, &odd, &rule) == TN_ERR_TYPE && strstr(tn_last_error(), "tq2_0") && qm.n == 0);
    CHECK(tn_quant_model_load(&back, tn_t_tmp("no_such_file.gguf")) != TN_OK && back.n == 0);
    tn_params_deinit(&odd);
    tn_quant_model_free(&qm);
    tn_quant_model_free(&back);
    remove(path);
    tn_transformer_deinit(&m);
    tn_transformer_deinit(&m2);
    tn_ctx_free(pc);
    tn_ctx_free(pc2);
    return 0;
}

/* a BitLinear narrower than a TQ block: its file records the real width, loading
   checks it, the statistics of its real weights are what the layer holds */
static int test_bitlinear_real_width(void) {
    const char *path = tn_t_tmp("bl_width.gguf");
    tn_ctx *pc = tn_ctx_new(1 << 20);
    tn_params ps;
    tn_bitlinear l, l2, l3;
    tn_rng r;
    tn_gguf *g = tn_gguf_new(), *g2 = NULL;
    uint64_t rw = 0;
    tn_params_init(&ps);
    tn_rng_seed(&r, 1);
    CHECK_OK(tn_bitlinear_init(&l, pc, &ps, "fc", 8, 4, 0, &r));
    CHECK_OK(tn_gguf_add_bitlinear(g, &l, "fc", TN_TYPE_TQ2_0, TN_TYPE_F32));
    CHECK_OK(tn_gguf_write_file(g, path));
    tn_gguf_free(g);
    CHECK_OK(tn_gguf_read_file(path, 0, &g2));
    CHECK_OK(tn_gguf_get_u64(g2, tn_gguf_find_key(g2, "ternary.real_width.fc.w"), &rw));
    CHECK(rw == 8);
    CHECK_OK(tn_bitlinear_init(&l2, pc, &ps, "fc2", 8, 4, 0, &r));
    CHECK_OK(tn_bitlinear_load_gguf(&l2, pc, g2, "fc"));
    CHECK(l2.in_pad == 256);
    {   /* the latent weights are the file's t * s, over the 8 real columns */
        int8_t t[32];
        float sc;
        int k;
        CHECK_OK(tn_ternary_absmean((const float *)l.w->data, 32, t, &sc));
        for (k = 0; k < 32; k++) CHECK(fabs(((float *)l2.w->data)[k] - (float)t[k] * sc) <= 1e-3 * sc);
    }
    /* a layer of 9 inputs has the same padded shape, but not the same real width */
    CHECK_OK(tn_bitlinear_init(&l3, pc, &ps, "fc3", 9, 4, 0, &r));
    CHECK(tn_bitlinear_load_gguf(&l3, pc, g2, "fc") == TN_ERR_SHAPE && strstr(tn_last_error(), "rows of 8 real weights"));
    tn_gguf_free(g2);
    remove(path);
    tn_params_deinit(&ps);
    tn_ctx_free(pc);
    return 0;
}
