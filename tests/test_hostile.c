/* hostile callers and files: shapes and views that overflow, alignments that cost gigabytes */

static int test_hostile_shapes_and_views(void) {
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_tensor *t, *v;
    int64_t ne[4];
    size_t nb[4];
    /* a row whose byte size overflows: refused, never a tensor with 0 bytes of data */
    CHECK(tn_new_1d(ctx, TN_TYPE_F32, (int64_t)1 << 62) == NULL && strstr(tn_last_error(), "overflow") != NULL);
    CHECK(tn_new_2d(ctx, TN_TYPE_F32, (int64_t)1 << 61, 4) == NULL);
    CHECK(tn_new_2d(ctx, TN_TYPE_Q8_0, (int64_t)1 << 62, 1) == NULL);
    /* element counts beyond int64 (with a zero dimension the bytes are 0, the rows are not) */
    ne[0] = 0; ne[1] = (int64_t)1 << 40; ne[2] = (int64_t)1 << 40; ne[3] = (int64_t)1 << 40;
    CHECK(tn_new(ctx, TN_TYPE_F32, 4, ne) == NULL);
    ne[1] = ne[2] = ne[3] = (int64_t)1 << 16; /* 2^48 empty rows: a loop over them would hang */
    CHECK(tn_new(ctx, TN_TYPE_F32, 4, ne) == NULL && strstr(tn_last_error(), "2^24") != NULL);
    ne[1] = 1000; ne[2] = 3; ne[3] = 1; /* a small empty tensor is fine */
    CHECK((t = tn_new(ctx, TN_TYPE_F32, 3, ne)) != NULL && tn_nelements(t) == 0 && tn_nrows(t) == 3000);
    /* a BitLinear of 2^62 inputs: refused */
    {
        tn_bitlinear l;
        tn_rng r;
        tn_rng_seed(&r, 1);
        CHECK(tn_bitlinear_init(&l, ctx, NULL, "l", (int64_t)1 << 62, 4, 0, &r) != TN_OK);
    }
    /* views whose span wraps around size_t: refused */
    t = tn_new_2d(ctx, TN_TYPE_F32, 4, 4);
    CHECK(t != NULL);
    ne[0] = 1; ne[1] = 65537; nb[0] = 4; nb[1] = (size_t)1 << 48;
    CHECK(tn_view(ctx, t, 2, ne, nb, 0) == NULL);
    ne[0] = (int64_t)1 << 40; ne[1] = (int64_t)1 << 40; nb[0] = 4; nb[1] = 4;
    CHECK(tn_view(ctx, t, 2, ne, nb, 0) == NULL);
    ne[0] = 2; ne[1] = 2; ne[2] = (int64_t)1 << 47; ne[3] = (int64_t)1 << 47; nb[0] = 4; nb[1] = 8; nb[2] = (size_t)1 << 47; nb[3] = (size_t)1 << 47;
    CHECK(tn_view(ctx, t, 4, ne, nb, 0) == NULL);
    /* and a sane view still works */
    ne[0] = 2; ne[1] = 2; nb[0] = 4; nb[1] = 16;
    CHECK((v = tn_view(ctx, t, 2, ne, nb, 4)) != NULL && tn_nbytes(v) == 24);
    tn_ctx_free(ctx);
    return 0;
}

static int test_hostile_gguf_alignment(void) {
    tn_gguf *g = tn_gguf_new(), *h = NULL;
    void *out;
    size_t osz;
    uint8_t *b;
    static const uint32_t bad[] = {0, 1, 2, 4, 12, 48, 1u << 21, 1u << 31};
    size_t k;
    for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) /* the setter: a power of two from 8 to 1 MiB */
        CHECK_MSG(tn_gguf_set_u32(g, "general.alignment", bad[k]) == TN_ERR_ARG, "alignment %u accepted", bad[k]);
    CHECK_OK(tn_gguf_set_u32(g, "general.alignment", 8));
    CHECK_OK(tn_gguf_set_u32(g, "general.alignment", 1u << 20));
    CHECK_OK(tn_gguf_set_u32(g, "general.alignment", 64));
    CHECK_OK(tn_gguf_write_memory(g, &out, &osz));
    b = (uint8_t *)out;
    CHECK_OK(tn_gguf_read_memory(b, osz, &h));
    tn_gguf_free(h);
    for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) { /* the reader: the same rule (a 2^31 alignment once made tn-quantize write 2 GiB) */
        uint32_t a = bad[k];
        size_t at = osz - 4; /* the u32 value is the last 4 bytes before the padding to 64: find it */
        for (at = 0; at + 4 <= osz; at++) if (b[at] == 64 && b[at + 1] == 0 && b[at + 2] == 0 && b[at + 3] == 0 && at > 24) break;
        CHECK(at + 4 <= osz);
        memcpy(b + at, &a, 4);
        CHECK_MSG(tn_gguf_read_memory(b, osz, &h) == TN_ERR_FORMAT, "alignment %u read", bad[k]);
        a = 64;
        memcpy(b + at, &a, 4);
    }
    tn_free(out);
    tn_gguf_free(g);
    return 0;
}

/* a symlink planted at the target or at the old temporary name is never written through */
static int test_hostile_planted_links(void) {
#if defined(TN__POSIX_IO)
    const char *victim = tn_t_tmp("test_victim.txt"), *out = tn_t_tmp("test_link.gguf"), *out2 = tn_t_tmp("test_link2.gguf"), *tmp2 = tn_t_tmp("test_link2.gguf.tmp");
    tn_gguf *g = tn_gguf_new(), *r = NULL;
    char buf[16];
    FILE *f;
    struct stat sb;
    float d[4] = {1, 2, 3, 4};
    int64_t ne[1] = {4};
    remove(out); remove(out2); remove(tmp2);
    f = fopen(victim, "wb");
    CHECK(f != NULL);
    fputs("keep", f);
    fclose(f);
    tn_gguf_add_tensor(g, "t", TN_TYPE_F32, 1, ne, d);
    CHECK(symlink("test_victim.txt", out) == 0);
    CHECK(symlink("test_victim.txt", tmp2) == 0);
    CHECK_OK(tn_gguf_write_file(g, out));
    CHECK_OK(tn_gguf_write_file(g, out2));
    f = fopen(victim, "rb");
    CHECK(f != NULL && fread(buf, 1, sizeof(buf), f) == 4 && memcmp(buf, "keep", 4) == 0);
    fclose(f);
    CHECK(lstat(out, &sb) == 0 && S_ISREG(sb.st_mode)); /* the link was replaced, not followed */
    CHECK_OK(tn_gguf_read_file(out, 0, &r));
    CHECK_EQ_INT(tn_gguf_n_tensors(r), 1);
    tn_gguf_free(r);
    CHECK(lstat(tmp2, &sb) == 0 && S_ISLNK(sb.st_mode)); /* the planted temp link is left alone */
    remove(out); remove(out2); remove(tmp2); remove(victim);
    tn_gguf_free(g);
#endif
    return 0;
}

/* a NaN or Inf gradient stops the optimizer step with the parameter's name, and changes nothing */
static int test_hostile_nan_gradient(void) {
    static const tn_optim_kind kinds[4] = {TN_OPTIM_SGD, TN_OPTIM_ADAM, TN_OPTIM_ADAMW, TN_OPTIM_LION};
    int ki;
    for (ki = 0; ki < 4; ki++) {
        tn_ctx *ctx = tn_ctx_new(1 << 20);
        tn_params ps;
        tn_optim o;
        tn_optim_config cfg = tn_optim_config_default(kinds[ki]);
        tn_tensor *a = tn_new_1d(ctx, TN_TYPE_F32, 40), *b = tn_new_1d(ctx, TN_TYPE_F32, 300), *x, *loss;
        float before[300];
        int k;
        tn_params_init(&ps);
        CHECK_OK(tn_params_add(&ps, ctx, a, "a", 0));
        CHECK_OK(tn_params_add(&ps, ctx, b, "layer.b", 0));
        for (k = 0; k < 300; k++) ((float *)b->data)[k] = 0.01f * (float)k;
        for (k = 0; k < 40; k++) ((float *)a->data)[k] = 1.0f;
        CHECK_OK(tn_optim_init(&o, &ps, &cfg));
        x = tn_new_1d(ctx, TN_TYPE_F32, 300);
        for (k = 0; k < 300; k++) ((float *)x->data)[k] = 1.0f;
        ((float *)x->data)[123] = NAN;
        loss = tn_add(ctx, tn_sum(ctx, tn_mul(ctx, b, x)), tn_sum(ctx, a));
        CHECK_OK(tn_backward(ctx, loss));
        memcpy(before, b->data, sizeof(before));
        CHECK(tn_optim_step(&o, -1, -1) == TN_ERR_ARG);
        CHECK_MSG(strstr(tn_last_error(), "'layer.b'") && strstr(tn_last_error(), "NaN at [123]"), "message: %s", tn_last_error());
        CHECK(memcmp(before, b->data, sizeof(before)) == 0 && ((float *)a->data)[0] == 1.0f && o.t == 0);
        ((float *)b->grad->data)[123] = INFINITY;
        CHECK(tn_optim_step(&o, -1, -1) == TN_ERR_ARG && strstr(tn_last_error(), "infinite") != NULL);
        ((float *)b->grad->data)[123] = 1.0f;
        CHECK_OK(tn_optim_step(&o, -1, -1));
        CHECK(o.t == 1 && ((float *)a->data)[0] != 1.0f);
        tn_optim_deinit(&o);
        tn_params_deinit(&ps);
        tn_ctx_free(ctx);
    }
    return 0;
}

/* a NaN activation is an error from the BitLinear training forward and tn_ste_act_i8, not NaN outputs */
static int test_hostile_nan_activation(void) {
    static const int flags[2] = {0, TN_LAYER_ACT_BLOCK};
    int fi;
    for (fi = 0; fi < 2; fi++) {
        tn_ctx *ctx = tn_ctx_new(4 << 20);
        tn_bitlinear l;
        tn_rng r;
        tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, 64, 3);
        int k;
        tn_rng_seed(&r, 2);
        CHECK_OK(tn_bitlinear_init(&l, ctx, NULL, "l", 64, 8, flags[fi], &r));
        for (k = 0; k < 64 * 3; k++) ((float *)x->data)[k] = tn_rng_normal(&r);
        CHECK(tn_bitlinear_forward(ctx, &l, x) != NULL);
        ((float *)x->data)[64 + 5] = NAN;
        CHECK_MSG(tn_bitlinear_forward(ctx, &l, x) == NULL && strstr(tn_last_error(), "not finite") != NULL, "flags %d: %s", flags[fi], tn_last_error());
        if (!fi) CHECK(tn_ste_act_i8(ctx, x) == NULL && strstr(tn_last_error(), "x[5] is not finite") != NULL);
        tn_ctx_free(ctx);
    }
    return 0;
}

/* names are looked up through hash indexes: many keys, tensors and parameters,
   with removals and replacements, all found where they are; duplicates refused */
static int test_hostile_name_index(void) {
    enum { NK = 20000, NT = 3000, NP = 3000 };
    tn_gguf *g = tn_gguf_new(), *r = NULL;
    static float one[NT];
    char name[64];
    void *img = NULL;
    size_t img_size = 0;
    int64_t i, ne = 1;
    uint32_t v;
    CHECK(g != NULL);
    for (i = 0; i < NK; i++) {
        snprintf(name, sizeof(name), "k.%lld", (long long)i);
        CHECK_OK(tn_gguf_set_u32(g, name, (uint32_t)i));
    }
    for (i = 0; i < NK; i += 3) { /* remove every third key: later ones move down */
        snprintf(name, sizeof(name), "k.%lld", (long long)i);
        CHECK_OK(tn_gguf_remove_key(g, name));
    }
    CHECK(tn_gguf_remove_key(g, "k.0") != TN_OK);
    for (i = 1; i < NK; i += 3) { /* replace: same position, new value */
        snprintf(name, sizeof(name), "k.%lld", (long long)i);
        CHECK_OK(tn_gguf_set_u32(g, name, (uint32_t)i + 7));
    }
    CHECK(tn_gguf_n_kv(g) == NK - (NK + 2) / 3);
    for (i = 0; i < NK; i++) {
        int64_t k;
        snprintf(name, sizeof(name), "k.%lld", (long long)i);
        k = tn_gguf_find_key(g, name);
        if (i % 3 == 0) { CHECK(k < 0); continue; }
        CHECK_MSG(k >= 0 && strcmp(tn_gguf_key(g, k), name) == 0, "%s at %lld", name, (long long)k);
        CHECK_OK(tn_gguf_get_u32(g, k, &v));
        CHECK(v == (uint32_t)i + (i % 3 == 1 ? 7 : 0));
    }
    for (i = 0; i < NT; i++) {
        snprintf(name, sizeof(name), "t.%lld", (long long)i);
        CHECK_OK(tn_gguf_add_tensor(g, name, TN_TYPE_F32, 1, &ne, &one[i]));
    }
    CHECK(tn_gguf_add_tensor(g, "t.17", TN_TYPE_F32, 1, &ne, one) != TN_OK && strstr(tn_last_error(), "already") != NULL);
    CHECK(tn_gguf_find_tensor(g, "t.") < 0 && tn_gguf_find_tensor(g, "t.1234") == 1234);
    CHECK_OK(tn_gguf_write_memory(g, &img, &img_size));
    CHECK_OK(tn_gguf_read_memory(img, img_size, &r));
    for (i = 0; i < NT; i += 7) {
        snprintf(name, sizeof(name), "t.%lld", (long long)i);
        CHECK(tn_gguf_find_tensor(r, name) == i);
    }
    CHECK(tn_gguf_find_key(r, "k.2") >= 0 && tn_gguf_find_key(r, "k.3") < 0);
    tn_gguf_free(r);
    tn_free(img);
    /* a file naming a tensor twice is refused */
    CHECK_OK(tn_gguf_add_tensor(g, "dup", TN_TYPE_F32, 1, &ne, one));
    CHECK_OK(tn_gguf_write_memory(g, &img, &img_size));
    {
        uint8_t *b = (uint8_t *)img, *at = NULL;
        size_t k;
        for (k = 0; k + 5 <= img_size; k++) if (memcmp(b + k, "t.999", 5) == 0 && b[k - 8] == 5) at = b + k;
        CHECK(at != NULL);
        memcpy(at, "t.998", 5);
        CHECK(tn_gguf_read_memory(img, img_size, &r) != TN_OK && strstr(tn_last_error(), "'t.998' appears twice") != NULL);
    }
    tn_free(img);
    tn_gguf_free(g);
    { /* parameters */
        tn_ctx *ctx = tn_ctx_new(4 << 20);
        tn_params ps;
        tn_tensor *w[NP];
        tn_params_init(&ps);
        for (i = 0; i < NP; i++) {
            snprintf(name, sizeof(name), "p%lld", (long long)i);
            w[i] = tn_new_1d(ctx, TN_TYPE_F32, 1);
            CHECK(w[i] && tn_params_add(&ps, ctx, w[i], name, 0) == TN_OK);
        }
        CHECK(tn_params_add(&ps, ctx, w[0], "p2999", 0) != TN_OK);
        for (i = 0; i < NP; i++) {
            snprintf(name, sizeof(name), "p%lld", (long long)i);
            CHECK(tn_params_find(&ps, name) == w[i]);
        }
        CHECK(tn_params_find(&ps, "p") == NULL && tn_params_find(&ps, "p3000") == NULL);
        tn_params_deinit(&ps);
        tn_ctx_free(ctx);
    }
    { /* safetensors: found by name; a repeated name refused */
        const char *hdr = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        uint8_t buf[256];
        size_t hl = strlen(hdr);
        tn_safetensors *s = NULL;
        memset(buf, 0, sizeof(buf));
        buf[0] = (uint8_t)hl;
        memcpy(buf + 8, hdr, hl);
        CHECK_OK(tn_safetensors_read_memory(buf, 8 + hl + 8, &s));
        CHECK(tn_safetensors_find(s, "b") == 1 && tn_safetensors_find(s, "a") == 0 && tn_safetensors_find(s, "c") < 0);
        tn_safetensors_free(s);
        memcpy(strstr((char *)buf + 8, "\"b\""), "\"a\"", 3);
        CHECK(tn_safetensors_read_memory(buf, 8 + hl + 8, &s) != TN_OK && strstr(tn_last_error(), "'a' appears twice") != NULL);
    }
    return 0;
}

/* a checkpoint image edited by hand, sealed again with its checksum */
static tn_status hostile_reseal(tn_gguf *g, tn_params *ps, tn_optim *o, tn_train_state *st) {
    void *img = NULL;
    size_t n = 0, hole = 24 + 8 + strlen(TN__CK_KEY) + 4;
    tn_status s;
    if (tn_gguf_write_memory(g, &img, &n) != TN_OK) return TN_ERR_IO;
    tn__wr64((uint8_t *)img + hole, tn__image_checksum((const uint8_t *)img, n, hole));
    s = tn_checkpoint_load_memory(img, n, ps, o, st);
    tn_free(img);
    return s;
}

/* checkpoints: NaN refused on save and load unless asked for; the version and
   every field it requires are checked */
static int test_hostile_checkpoint_fields(void) {
    const char *path = tn_t_tmp("hostile_ck.gguf");
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_params ps;
    tn_optim o;
    tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_train_state st, st2;
    tn_tensor *a, *b;
    tn_gguf *g = NULL;
    int k;
    tn_params_init(&ps);
    a = tn_new_1d(ctx, TN_TYPE_F32, 5);
    b = tn_new_2d(ctx, TN_TYPE_F32, 3, 2);
    for (k = 0; k < 5; k++) ((float *)a->data)[k] = (float)k;
    for (k = 0; k < 6; k++) ((float *)b->data)[k] = 0.5f * (float)k;
    CHECK_OK(tn_params_add(&ps, ctx, a, "a", 0));
    CHECK_OK(tn_params_add(&ps, ctx, b, "b", 0));
    CHECK_OK(tn_optim_init(&o, &ps, &cfg));
    memset(&st, 0, sizeof(st));
    st.step = 12;
    o.t = 12;
    remove(path);
    CHECK_OK(tn_checkpoint_save(path, &ps, &o, &st));
    /* a NULL argument is named */
    CHECK(tn_checkpoint_save(path, &ps, &o, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "s is NULL") && strstr(tn_last_error(), "training state"));
    CHECK(tn_checkpoint_load(path, NULL, &o, &st) == TN_ERR_ARG && strstr(tn_last_error(), "p is NULL"));
    /* a NaN weight: refused, naming it, and the good file is kept */
    ((float *)b->data)[4] = NAN;
    CHECK(tn_checkpoint_save(path, &ps, &o, &st) != TN_OK && strstr(tn_last_error(), "'b' element 4 is NaN") != NULL);
    CHECK_OK(tn_checkpoint_load(path, &ps, &o, &st2));
    CHECK(((float *)b->data)[4] == 2.0f && o.t == 12);
    /* ... unless asked for; then loading refuses it unless asked too */
    ((float *)b->data)[4] = INFINITY;
    CHECK_OK(tn_checkpoint_save_ex(path, &ps, &o, &st, TN_CHECKPOINT_NONFINITE));
    ((float *)b->data)[4] = 1.0f;
    CHECK(tn_checkpoint_load(path, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "'b' element 4") != NULL);
    CHECK(((float *)b->data)[4] == 1.0f);
    CHECK_OK(tn_checkpoint_load_ex(path, &ps, &o, &st2, TN_CHECKPOINT_NONFINITE));
    CHECK(((float *)b->data)[4] == INFINITY);
    ((float *)b->data)[4] = 2.0f;
    /* a NaN optimizer moment: refused too */
    o.m[5 + 1] = NAN;
    CHECK(tn_checkpoint_save(path, &ps, &o, &st) != TN_OK && strstr(tn_last_error(), "'b' (optimizer first moment) element 1") != NULL);
    o.m[5 + 1] = 0.0f;
    CHECK(tn_checkpoint_save_ex(path, &ps, &o, &st, 4) == TN_ERR_ARG);
    CHECK_OK(tn_checkpoint_save(path, &ps, &o, &st));
    /* fields: each edit is sealed with a valid checksum, so only the check itself can refuse it */
    CHECK_OK(tn_gguf_read_file(path, 0, &g));
    CHECK_OK(hostile_reseal(g, &ps, &o, &st2));
    CHECK_OK(tn_gguf_set_u32(g, "ternary.checkpoint.version", 3));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "version 3 checkpoint") != NULL);
    CHECK_OK(tn_gguf_set_u32(g, "ternary.checkpoint.version", 0));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "version 0 checkpoint") != NULL);
    CHECK_OK(tn_gguf_remove_key(g, "ternary.checkpoint.version"));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "version is missing") != NULL);
    CHECK_OK(tn_gguf_set_u32(g, "ternary.checkpoint.version", 1)); /* a version 1 file names its tensors p.J: not these */
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "(p.0) is missing") != NULL);
    CHECK_OK(tn_gguf_set_u32(g, "ternary.checkpoint.version", 2));
    CHECK_OK(hostile_reseal(g, &ps, &o, &st2));
    /* the metrics of a version 2 file: out of range is refused */
    CHECK_OK(tn_gguf_set_i32(g, "ternary.checkpoint.metrics.hist_n", TN_METRICS_WINDOW + 1));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "metrics out of range") != NULL);
    CHECK_OK(tn_gguf_set_i32(g, "ternary.checkpoint.metrics.hist_n", 0));
    CHECK_OK(tn_gguf_remove_key(g, "ternary.checkpoint.metrics.lr"));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "incomplete") != NULL);
    CHECK_OK(tn_gguf_set_f32(g, "ternary.checkpoint.metrics.lr", 0.0f));
    CHECK_OK(hostile_reseal(g, &ps, &o, &st2));
    o.t = 99;
    CHECK_OK(tn_gguf_remove_key(g, "ternary.checkpoint.optim_t"));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "incomplete") != NULL && o.t == 99);
    CHECK_OK(tn_gguf_set_i64(g, "ternary.checkpoint.optim_t", -3));
    CHECK(hostile_reseal(g, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "negative") != NULL && o.t == 99);
    CHECK_OK(tn_gguf_set_i64(g, "ternary.checkpoint.optim_t", 12));
    CHECK_OK(hostile_reseal(g, &ps, &o, &st2));
    CHECK(o.t == 12 && st2.step == 12);
    tn_gguf_free(g);
    remove(path);
    tn_optim_deinit(&o);
    tn_params_deinit(&ps);
    tn_ctx_free(ctx);
    return 0;
}

/* a NULL task is an error, on a pool of threads and on none; a file read (not
   mapped) stays readable when another process truncates it */
static int test_hostile_pool_and_truncation(void) {
    tn_pool *pool = tn_pool_new(2);
    const char *path = tn_t_tmp("hostile_trunc.gguf");
    tn_gguf *g = tn_gguf_new(), *r = NULL;
    float d[64];
    int64_t ne = 64;
    tn_gguf_tensor t;
    FILE *f;
    int k;
    CHECK(tn_pool_run(pool, NULL, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "NULL task") != NULL);
    CHECK(tn_pool_run(NULL, NULL, NULL) == TN_ERR_ARG);
    tn_pool_free(pool);
    for (k = 0; k < 64; k++) d[k] = (float)k;
    CHECK_OK(tn_gguf_add_tensor(g, "d", TN_TYPE_F32, 1, &ne, d));
    CHECK_OK(tn_gguf_write_file(g, path));
    tn_gguf_free(g);
    CHECK_OK(tn_gguf_read_file(path, 0, &r));
    f = fopen(path, "wb"); /* truncated to 0 bytes */
    CHECK(f != NULL);
    fclose(f);
    CHECK_OK(tn_gguf_get_tensor(r, 0, &t));
    CHECK(((const float *)t.data)[63] == 63.0f);
    tn_gguf_free(r);
    CHECK(tn_gguf_read_file(path, 0, &r) == TN_ERR_FORMAT);
    remove(path);
    return 0;
}
