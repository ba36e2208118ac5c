/* @@AUTOGRAD tests: every op's backward against central finite differences.
   The checked scalar is L = sum(out * R) for a fixed random R, so every
   output element and every input element takes part. */

typedef tn_tensor *(*tn_t_build_fn)(tn_ctx *ctx, tn_tensor **in, void *ud);

enum { TN_T_ANY = 0, TN_T_POS = 1, TN_T_AWAY0 = 2 };

typedef struct {
    int n_in;
    int64_t ne[4][4];   /* shapes of the inputs (up to 4) */
    int kind[4];        /* TN_T_ANY / POS / AWAY0 value ranges */
    double eps, atol, rtol;
} tn_t_gc;

static double tn_t_eval(tn_ctx *g, tn_t_build_fn f, tn_tensor **in, void *ud, tn_tensor *R) {
    size_t mark = tn_ctx_used(g);
    tn_tensor *out, *l;
    double v;
    out = f(g, in, ud); /* with gradients on, so dropout stays in training mode */
    l = tn_sum(g, tn_mul(g, out, R));
    v = l ? (double)((float *)l->data)[0] : NAN;
    tn_ctx_rewind(g, mark);
    return v;
}

static int tn_t_gradcheck(const char *what, const tn_t_gc *gc, tn_t_build_fn f, void *ud) {
    tn_ctx *pc = tn_ctx_new(8 << 20), *g = tn_ctx_new(64 << 20);
    tn_tensor *in[4], *out, *R, *loss;
    tn_rng r;
    int i;
    int64_t k;
    tn_rng_seed(&r, 777);
    for (i = 0; i < gc->n_in; i++) {
        int nd = 4;
        while (nd > 1 && gc->ne[i][nd - 1] == 1) nd--;
        in[i] = tn_new(pc, TN_TYPE_F32, nd, gc->ne[i]);
        CHECK(in[i] != NULL);
        for (k = 0; k < tn_nelements(in[i]); k++) {
            float v = tn_rng_normal(&r);
            if (gc->kind[i] == TN_T_POS) v = fabsf(v) + 0.5f;
            if (gc->kind[i] == TN_T_AWAY0) v = v < 0 ? v - 0.2f : v + 0.2f;
            ((float *)in[i]->data)[k] = v;
        }
        CHECK_OK(tn_set_param(pc, in[i]));
    }
    out = f(g, in, ud);
    CHECK_MSG(out != NULL, "%s: forward failed: %s", what, tn_last_error());
    R = tn_new(pc, TN_TYPE_F32, out->n_dims, out->ne);
    for (k = 0; k < tn_nelements(R); k++) ((float *)R->data)[k] = tn_rng_normal(&r);
    loss = tn_sum(g, tn_mul(g, out, R));
    CHECK(loss != NULL);
    CHECK_OK(tn_backward(g, loss));
    for (i = 0; i < gc->n_in; i++) {
        int64_t n = tn_nelements(in[i]), step = n > 48 ? n / 48 + 1 : 1;
        for (k = 0; k < n; k += step) {
            float *x = (float *)in[i]->data + k, x0 = *x;
            double h = gc->eps * TN__MAX(1.0, fabs(x0)), lp, lm, num, ana;
            *x = (float)(x0 + h); lp = tn_t_eval(g, f, in, ud, R);
            *x = (float)(x0 - h); lm = tn_t_eval(g, f, in, ud, R);
            *x = x0;
            num = (lp - lm) / (2 * h);
            ana = ((float *)in[i]->grad->data)[k];
            CHECK_MSG(fabs(num - ana) <= gc->atol + gc->rtol * TN__MAX(fabs(num), fabs(ana)),
                      "%s: d/d input%d[%lld]: analytic %.6g numeric %.6g", what, i, (long long)k, ana, num);
        }
    }
    tn_ctx_free(g);
    tn_ctx_free(pc);
    return 0;
}

static tn_t_gc tn_t_gc1(int64_t a0, int64_t a1, int64_t a2, int64_t a3, int kind) {
    tn_t_gc gc;
    memset(&gc, 0, sizeof(gc));
    gc.n_in = 1;
    gc.ne[0][0] = a0; gc.ne[0][1] = a1; gc.ne[0][2] = a2; gc.ne[0][3] = a3;
    gc.kind[0] = kind;
    gc.eps = 1e-2; gc.atol = 2e-3; gc.rtol = 2e-2;
    return gc;
}
static tn_t_gc tn_t_gc2(const int64_t *a, const int64_t *b, int ka, int kb) {
    tn_t_gc gc = tn_t_gc1(a[0], a[1], a[2], a[3], ka);
    gc.n_in = 2;
    memcpy(gc.ne[1], b, sizeof(gc.ne[1]));
    gc.kind[1] = kb;
    return gc;
}

/* -- builders -- */
static tn_tensor *tn_t_b_binary(tn_ctx *c, tn_tensor **in, void *ud) {
    switch (*(int *)ud) {
    case 0: return tn_add(c, in[0], in[1]);
    case 1: return tn_sub(c, in[0], in[1]);
    case 2: return tn_mul(c, in[0], in[1]);
    default: return tn_div(c, in[0], in[1]);
    }
}
static int test_grad_binary_broadcast(void) {
    static const int64_t shapes[][2][4] = {
        {{5, 3, 2, 1}, {5, 3, 2, 1}}, {{5, 3, 2, 1}, {5, 1, 2, 1}}, {{5, 3, 2, 1}, {1, 3, 1, 1}},
        {{1, 3, 1, 2}, {4, 3, 2, 2}}, {{7, 1, 1, 1}, {1, 1, 1, 1}},
    };
    int op, s;
    for (op = 0; op < 4; op++)
        for (s = 0; s < 5; s++) {
            tn_t_gc gc = tn_t_gc2(shapes[s][0], shapes[s][1], TN_T_ANY, op == 3 ? TN_T_POS : TN_T_ANY);
            char what[64];
            snprintf(what, sizeof(what), "binary op %d shape %d", op, s);
            if (tn_t_gradcheck(what, &gc, tn_t_b_binary, &op)) return 1;
        }
    return 0;
}

static tn_tensor *tn_t_b_unary(tn_ctx *c, tn_tensor **in, void *ud) {
    /* apply to a transposed view half the time: non-contiguous input */
    int k = *(int *)ud;
    tn_tensor *x = (k % 2) ? tn_transpose(c, in[0]) : in[0];
    switch (k / 2) {
    case 0: return tn_scale(c, x, -1.7f);
    case 1: return tn_add_scalar(c, x, 0.3f);
    case 2: return tn_neg(c, x);
    case 3: return tn_exp(c, x);
    case 4: return tn_log(c, x);
    case 5: return tn_sqrt(c, x);
    case 6: return tn_pow(c, x, 2.5f);
    case 7: return tn_relu(c, x);
    case 8: return tn_relu2(c, x);
    case 9: return tn_gelu(c, x);
    case 10: return tn_gelu_erf(c, x);
    case 11: return tn_silu(c, x);
    case 12: return tn_sigmoid(c, x);
    default: return tn_tanh(c, x);
    }
}
static int test_grad_unary(void) {
    int k;
    for (k = 0; k < 28; k++) {
        int op = k / 2;
        int kind = (op == 4 || op == 5 || op == 6) ? TN_T_POS : (op == 7 || op == 8) ? TN_T_AWAY0 : TN_T_ANY;
        tn_t_gc gc = tn_t_gc1(6, 5, 1, 1, kind);
        char what[64];
        snprintf(what, sizeof(what), "unary %d%s", op, k % 2 ? " (transposed)" : "");
        if (tn_t_gradcheck(what, &gc, tn_t_b_unary, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_swiglu(tn_ctx *c, tn_tensor **in, void *ud) { (void)ud; return tn_swiglu(c, in[0], in[1]); }
static tn_tensor *tn_t_b_reduce(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    switch (k) {
    case 0: return tn_sum(c, in[0]);
    case 1: return tn_mean(c, in[0]);
    case 2: case 3: case 4: return tn_sum_axis(c, in[0], k - 2);
    case 5: case 6: case 7: return tn_mean_axis(c, in[0], k - 5);
    case 8: case 9: case 10: return tn_max_axis(c, in[0], k - 8);
    default: return tn_sum_axis(c, tn_permute(c, in[0], 2, 0, 1, 3), 1);
    }
}
static int test_grad_reductions(void) {
    int k;
    int64_t s[4] = {5, 4, 3, 1};
    tn_t_gc gc2 = tn_t_gc2(s, s, TN_T_ANY, TN_T_ANY);
    if (tn_t_gradcheck("swiglu", &gc2, tn_t_b_swiglu, NULL)) return 1;
    for (k = 0; k < 12; k++) {
        tn_t_gc gc = tn_t_gc1(5, 4, 3, 1, TN_T_ANY);
        char what[32];
        if (k >= 8 && k <= 10) gc.eps = 1e-3; /* keep the argmax in place */
        snprintf(what, sizeof(what), "reduction %d", k);
        if (tn_t_gradcheck(what, &gc, tn_t_b_reduce, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_matmul(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    switch (k) {
    case 0: case 1: case 2: return tn_matmul(c, in[0], in[1]);
    case 3: return tn_matmul(c, in[0], tn_transpose(c, in[1]));      /* x given as (M, K) */
    case 4: return tn_matmul(c, tn_transpose(c, in[0]), in[1]);      /* w given as (N, K) */
    default: return tn_linear(c, in[1], in[0], in[2]);
    }
}
static int test_grad_matmul(void) {
    static const int64_t sh[6][3][4] = {
        {{7, 5, 1, 1}, {7, 3, 1, 1}, {0}},
        {{6, 4, 2, 1}, {6, 3, 2, 1}, {0}},
        {{6, 4, 1, 1}, {6, 3, 2, 2}, {0}},   /* w broadcast over batches */
        {{7, 5, 1, 1}, {3, 7, 1, 1}, {0}},
        {{5, 7, 1, 1}, {7, 3, 1, 1}, {0}},
        {{9, 4, 1, 1}, {9, 6, 1, 1}, {4, 1, 1, 1}},
    };
    int k;
    for (k = 0; k < 6; k++) {
        tn_t_gc gc = tn_t_gc2(sh[k][0], sh[k][1], TN_T_ANY, TN_T_ANY);
        char what[32];
        if (k == 5) { gc.n_in = 3; memcpy(gc.ne[2], sh[k][2], sizeof(gc.ne[2])); }
        snprintf(what, sizeof(what), "matmul %d", k);
        if (tn_t_gradcheck(what, &gc, tn_t_b_matmul, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_shape(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    switch (k) {
    case 0: { int64_t ne[2] = {10, 6}; return tn_reshape(c, in[0], 2, ne); }
    case 1: return tn_cont(c, tn_permute(c, in[0], 2, 0, 1, 3));
    case 2: return tn_mul(c, tn_slice(c, in[0], 1, 1, 2), tn_slice(c, in[0], 1, 0, 2)); /* overlapping views */
    case 3: return tn_concat(c, in[0], tn_transpose(c, tn_transpose(c, in[0])), 2);
    case 4: return tn_concat(c, tn_slice(c, in[0], 0, 1, 3), in[0], 0);
    default: return tn_transpose(c, tn_slice(c, tn_permute(c, in[0], 1, 2, 0, 3), 2, 1, 3));
    }
}
static int test_grad_shapes(void) {
    int k;
    for (k = 0; k < 6; k++) {
        tn_t_gc gc = tn_t_gc1(5, 4, 3, 1, TN_T_ANY);
        char what[32];
        snprintf(what, sizeof(what), "shape op %d", k);
        if (k == 0) { gc.ne[0][0] = 5; gc.ne[0][1] = 4; gc.ne[0][2] = 3; }
        if (tn_t_gradcheck(what, &gc, tn_t_b_shape, &k)) return 1;
    }
    return 0;
}

/* intermediate nodes' gradients are new buffers that the first op to reach
   them stores into instead of adding to (matmul GEMMs, copies, flat binary
   ops): the same tensor on both sides, a broadcast weight, a copy of a view */
static tn_tensor *tn_t_b_fresh(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    tn_tensor *t = tn_scale(c, in[0], 1.5f), *u = tn_scale(c, in[1], -0.5f), *p, *q;
    /* p before q on the tape (one statement each): q's backward reaches t first */
    switch (k) {
    case 0: p = tn_add(c, t, t); return tn_add(c, p, u);
    case 1: p = tn_sub(c, t, u); q = tn_mul(c, t, t); return tn_add(c, p, q);
    case 2: p = tn_mul(c, u, t); q = tn_sub(c, t, t); return tn_add(c, p, q);
    case 3: p = tn_mul(c, t, u); q = tn_add(c, t, u); return tn_add(c, p, q);
    case 4: p = tn_matmul(c, t, t); q = tn_matmul(c, t, u); return tn_add(c, p, q);
    case 5: return tn_matmul(c, tn_slice(c, t, 1, 0, 4), u); /* (6, 4) over batches of u (6, 3, 2, 2) */
    case 6: t = tn_transpose(c, t); p = tn_cont(c, t); q = tn_cont(c, t); return tn_mul(c, tn_mul(c, p, q), u);
    default: p = tn_div(c, t, tn_add_scalar(c, tn_mul(c, u, u), 1.0f)); return tn_add(c, p, t);
    }
}
static int test_grad_fresh_buffers(void) {
    static const int64_t sq[4] = {6, 6, 1, 1}, wb[4] = {6, 6, 1, 1}, xb[4] = {6, 3, 2, 2};
    int k;
    for (k = 0; k < 8; k++) {
        tn_t_gc gc = k == 5 ? tn_t_gc2(wb, xb, TN_T_ANY, TN_T_ANY) : tn_t_gc2(sq, sq, TN_T_ANY, TN_T_ANY);
        char what[32];
        snprintf(what, sizeof(what), "fresh gradient %d", k);
        if (tn_t_gradcheck(what, &gc, tn_t_b_fresh, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_rows(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    if (k == 0) {
        tn_tensor *ids = tn_new_2d(c, TN_TYPE_I32, 4, 2);
        int32_t v[8] = {3, 0, 3, 4, 1, 1, 0, 2};
        memcpy(ids->data, v, sizeof(v));
        return tn_get_rows(c, in[0], ids);
    }
    {
        tn_tensor *x = k == 2 ? tn_transpose(c, in[0]) : in[0];
        switch (k) {
        case 1: return tn_softmax(c, x);
        case 2: return tn_log_softmax(c, x);
        case 3: return tn_rms_norm(c, x, 1e-5f);
        case 4: return tn_layer_norm(c, x, 1e-5f);
        case 5: return tn_rms_norm(c, tn_transpose(c, in[0]), 1e-5f);
        case 6: return tn_layer_norm(c, tn_transpose(c, in[0]), 1e-5f);
        default: {
            tn_rng rr;
            tn_rng_seed(&rr, 5); /* the same mask every evaluation */
            return tn_dropout(c, x, 0.3f, &rr);
        }
        }
    }
}
static int test_grad_rows_and_norms(void) {
    int k;
    for (k = 0; k < 8; k++) {
        tn_t_gc gc = tn_t_gc1(6, 5, 2, 1, TN_T_ANY);
        char what[32];
        snprintf(what, sizeof(what), "rowwise op %d", k);
        if (k == 0) gc.ne[0][2] = 1; /* a 2-D embedding table */
        if (tn_t_gradcheck(what, &gc, tn_t_b_rows, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_attn(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    switch (k) {
    case 0: return tn_rope(c, in[0], 3, 10000.0f);
    case 1: return tn_softmax(c, tn_diag_mask_inf(c, in[0], 1));
    case 2: return tn_attention(c, in[0], in[1], in[2], 1);
    case 3: return tn_attention(c, in[0], in[1], in[2], 0);
    default: return tn_attention(c, tn_rope(c, in[0], 0, 100.0f), tn_rope(c, in[1], 0, 100.0f), in[2], 1);
    }
}
static int test_grad_rope_attention(void) {
    int k;
    for (k = 0; k < 5; k++) {
        tn_t_gc gc = tn_t_gc1(8, 2, 5, 2, TN_T_ANY);
        char what[32];
        if (k == 1) { gc.ne[0][0] = 5; gc.ne[0][1] = 5; gc.ne[0][2] = 2; gc.ne[0][3] = 1; }
        if (k >= 2) {
            int64_t s[4] = {4, 2, 5, 2};
            gc = tn_t_gc2(s, s, TN_T_ANY, TN_T_ANY);
            gc.n_in = 3;
            memcpy(gc.ne[2], s, sizeof(s));
        }
        snprintf(what, sizeof(what), "rope/attention %d", k);
        if (tn_t_gradcheck(what, &gc, tn_t_b_attn, &k)) return 1;
    }
    return 0;
}

static tn_tensor *tn_t_b_loss(tn_ctx *c, tn_tensor **in, void *ud) {
    int k = *(int *)ud;
    switch (k) {
    case 0: {
        tn_tensor *t = tn_new_2d(c, TN_TYPE_I32, 4, 2);
        int32_t v[8] = {2, 0, -100, 5, 1, 3, -100, 4};
        memcpy(t->data, v, sizeof(v));
        return tn_cross_entropy(c, in[0], t, -100);
    }
    case 1: case 2: {
        int64_t n = tn_nelements(in[0]), i;
        tn_tensor *lab = tn_new_1d(c, TN_TYPE_F32, n), *w = tn_new_1d(c, TN_TYPE_F32, n);
        for (i = 0; i < n; i++) {
            ((float *)lab->data)[i] = (float)(i % 3) * 0.6f - 0.1f; /* -0.1, 0.5, 1.1: clamped to [0,1] */
            ((float *)w->data)[i] = 0.5f + (float)(i % 4);
        }
        return k == 1 ? tn_bce_logits(c, in[0], lab, w) : tn_bce(c, tn_sigmoid(c, in[0]), lab, w);
    }
    case 3: return tn_mse(c, in[0], in[1]);
    default: return NULL;
    }
}
static int test_grad_losses(void) {
    int k;
    for (k = 0; k < 4; k++) { /* cross-entropy, BCE on logits, BCE on probabilities (after a sigmoid), MSE */
        tn_t_gc gc = tn_t_gc1(6, 4, 2, 1, TN_T_ANY);
        char what[32];
        if (k == 3) { gc.n_in = 2; memcpy(gc.ne[1], gc.ne[0], sizeof(gc.ne[1])); }
        snprintf(what, sizeof(what), "loss %d", k);
        if (tn_t_gradcheck(what, &gc, tn_t_b_loss, &k)) return 1;
    }
    return 0;
}

static int test_loss_values(void) {
    tn_ctx *c = tn_ctx_new(1 << 20);
    float lg[6] = {1, 2, 3, 0, 0, 0};
    int64_t ne[2] = {3, 2};
    tn_tensor *x = tn_from_data(c, 2, ne, lg), *t = tn_new_1d(c, TN_TYPE_I32, 2), *l;
    ((int32_t *)t->data)[0] = 2;
    ((int32_t *)t->data)[1] = -1;
    l = tn_cross_entropy(c, x, t, -1); /* only row 0 counts */
    CHECK_NEAR(((float *)l->data)[0], -log(exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))), 1e-6);
    ((int32_t *)t->data)[1] = 3;
    CHECK(tn_cross_entropy(c, x, t, -1) == NULL); /* target out of range */
    {
        float z[2] = {0.0f, 2.0f}, y[2] = {1.0f, 0.0f}, w[2] = {2.0f, 1.0f};
        int64_t n2 = 2;
        tn_tensor *Z = tn_from_data(c, 1, &n2, z), *Y = tn_from_data(c, 1, &n2, y), *W = tn_from_data(c, 1, &n2, w);
        double want = (2 * log(2.0) + 1 * (2.0 + log1p(exp(-2.0)))) / 2;
        l = tn_bce_logits(c, Z, Y, W);
        CHECK_NEAR(((float *)l->data)[0], want, 1e-6);
        /* on probabilities: the same loss from sigmoid(z); PyTorch's clamp of log 0 to -100; refusals */
        l = tn_bce(c, tn_sigmoid(c, Z), Y, W);
        CHECK_NEAR(((float *)l->data)[0], want, 1e-6);
        {
            float p[3] = {0.0f, 1.0f, 0.25f}, y3[3] = {1.0f, 1.0f, 0.0f}, w3[3] = {1, 1, 1};
            int64_t n3 = 3;
            tn_tensor *P = tn_from_data(c, 1, &n3, p), *Y3 = tn_from_data(c, 1, &n3, y3), *W3 = tn_from_data(c, 1, &n3, w3);
            l = tn_bce(c, P, Y3, W3);
            CHECK_NEAR(((float *)l->data)[0], (100.0 + 0.0 - log(0.75)) / 3, 1e-5);
            p[2] = 1.5f;
            P = tn_from_data(c, 1, &n3, p);
            CHECK(tn_bce(c, P, Y3, W3) == NULL && strstr(tn_last_error(), "probability 2 is 1.5"));
            p[2] = NAN;
            P = tn_from_data(c, 1, &n3, p);
            CHECK(tn_bce(c, P, Y3, W3) == NULL && strstr(tn_last_error(), "[0, 1]"));
            CHECK(tn_bce(c, P, Y3, Y) == NULL && strstr(tn_last_error(), "3 probabilities, 3 labels, 2 weights"));
        }
    }
    tn_ctx_free(c);
    return 0;
}

/* STE: the backward is exactly the identity */
static int test_ste_identity(void) {
    tn_ctx *pc = tn_ctx_new(1 << 20), *c = tn_ctx_new(4 << 20);
    tn_tensor *w = tn_new_2d(pc, TN_TYPE_F32, 64, 3), *R = tn_new_2d(pc, TN_TYPE_F32, 64, 3), *y, *l;
    tn_rng r;
    int k, i;
    float s;
    int8_t t[192], q[64];
    tn_rng_seed(&r, 9);
    for (i = 0; i < 192; i++) { ((float *)w->data)[i] = tn_rng_normal(&r); ((float *)R->data)[i] = tn_rng_normal(&r); }
    CHECK_OK(tn_set_param(pc, w));
    for (k = 0; k < 2; k++) {
        tn_zero_grad(w);
        y = k == 0 ? tn_ste_ternary(c, w) : tn_ste_act_i8(c, w);
        CHECK(y != NULL);
        l = tn_sum(c, tn_mul(c, y, R));
        CHECK_OK(tn_backward(c, l));
        for (i = 0; i < 192; i++) CHECK(((float *)w->grad->data)[i] == ((float *)R->data)[i]);
        /* and the forward is the quantizer */
        if (k == 0) {
            CHECK_OK(tn_ternary_absmean((const float *)w->data, 192, t, &s));
            for (i = 0; i < 192; i++) CHECK(((float *)y->data)[i] == (float)t[i] * s);
        } else {
            float inv;
            CHECK_OK(tn_act_quant_i8((const float *)w->data + 64, 64, q, &inv));
            for (i = 0; i < 64; i++) CHECK(((float *)y->data)[64 + i] == (float)q[i] * inv);
        }
        tn_ctx_reset(c);
    }
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

/* the seeds' STE helpers with a caller's scale and range, on the seeds' own cases;
   a user quantizer (here: 4-bit signed codes per tensor) through tn_ste */
static void tn_t_q4(float *y, const float *x, int64_t n, void *user) {
    float s = *(const float *)user;
    int64_t i;
    for (i = 0; i < n; i++) { float q = roundf(x[i] / s); y[i] = (q < -8 ? -8 : q > 7 ? 7 : q) * s; }
}
static int test_ste_range_seed_cases(void) {
    tn_ctx *pc = tn_ctx_new(1 << 20), *c = tn_ctx_new(1 << 20);
    static const float a[5] = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, a_t[5] = {-1, -1, 0, 1, 1};
    static const float b[5] = {-200.0f, -50.0f, 0.0f, 50.0f, 200.0f}, b_t[5] = {-127, -50, 0, 50, 127};
    static const float d[4] = {0.5f, 1.0f, 1.5f, 2.0f}, d_t[4] = {0, 2, 2, 2};
    int64_t n5 = 5, n4 = 4;
    tn_tensor *A = tn_from_data(pc, 1, &n5, a), *Bt = tn_from_data(pc, 1, &n5, b), *D = tn_from_data(pc, 1, &n4, d), *y, *l;
    float s4 = 0.25f;
    int i;
    y = tn_ste_ternary_scaled(c, A, 1.0f);
    CHECK(y != NULL);
    for (i = 0; i < 5; i++) CHECK_MSG(((float *)y->data)[i] == a_t[i], "ternary_ste(%g, 1) = %g, want %g", a[i], ((float *)y->data)[i], a_t[i]);
    y = tn_ste_int8_scaled(c, Bt, 1.0f);
    for (i = 0; i < 5; i++) CHECK_MSG(((float *)y->data)[i] == b_t[i], "int8_ste(%g, 1) = %g, want %g", b[i], ((float *)y->data)[i], b_t[i]);
    y = tn_ste_ternary_scaled(c, D, 2.0f);
    for (i = 0; i < 4; i++) CHECK_MSG(((float *)y->data)[i] == d_t[i], "ternary_ste(%g, 2) = %g, want %g", d[i], ((float *)y->data)[i], d_t[i]);
    y = tn_ste_range(c, D, 0.5f, 0.0f, 3.0f); /* codes 1 2 3 3 */
    CHECK(((float *)y->data)[0] == 0.5f && ((float *)y->data)[1] == 1.0f && ((float *)y->data)[2] == 1.5f && ((float *)y->data)[3] == 1.5f);
    /* the gradient is the identity, clamped values included */
    CHECK_OK(tn_set_param(pc, Bt));
    l = tn_sum(c, tn_mul(c, tn_ste_int8_scaled(c, Bt, 1.0f), A));
    CHECK_OK(tn_backward(c, l));
    for (i = 0; i < 5; i++) CHECK(((float *)Bt->grad->data)[i] == a[i]);
    /* a user's quantizer through tn_ste: forward its values, backward the identity */
    tn_zero_grad(Bt);
    y = tn_ste(c, Bt, tn_t_q4, &s4);
    for (i = 0; i < 5; i++) CHECK(((float *)y->data)[i] == (b[i] < 0 ? -2.0f : b[i] > 0 ? 1.75f : 0.0f));
    CHECK_OK(tn_backward(c, tn_sum(c, tn_mul(c, y, A))));
    for (i = 0; i < 5; i++) CHECK(((float *)Bt->grad->data)[i] == a[i]);
    /* bad scales and ranges: an error that names them */
    CHECK(tn_ste_range(c, A, 0.0f, -1, 1) == NULL && strstr(tn_last_error(), "scale 0"));
    CHECK(tn_ste_range(c, A, NAN, -1, 1) == NULL && strstr(tn_last_error(), "scale"));
    CHECK(tn_ste_range(c, A, 1.0f, 2, 1) == NULL && strstr(tn_last_error(), "range [2, 1]"));
    CHECK(tn_ste_range(c, NULL, 1.0f, -1, 1) == NULL);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

/* the graph lives in the context: rewinding it each step leaks nothing */
static int test_graph_rewind_no_growth(void) {
    tn_ctx *pc = tn_ctx_new(1 << 20), *c = tn_ctx_new(4 << 20);
    tn_tensor *w = tn_new_2d(pc, TN_TYPE_F32, 16, 4), *x = tn_new_2d(pc, TN_TYPE_F32, 16, 8);
    size_t mark = tn_ctx_used(c), used = 0;
    int step;
    CHECK_OK(tn_set_param(pc, w));
    tn_fill(x, 0.5f);
    for (step = 0; step < 50; step++) {
        tn_tensor *l = tn_mean(c, tn_relu(c, tn_matmul(c, w, x)));
        CHECK_OK(tn_backward(c, l));
        if (step == 0) used = tn_ctx_used(c);
        CHECK_EQ_INT(tn_ctx_used(c), used);
        tn_ctx_rewind(c, mark);
    }
    /* no-grad mode records nothing, and backward then says why it cannot run */
    tn_ctx_set_grad_enabled(c, 0);
    CHECK(tn_backward(c, tn_mean(c, tn_matmul(c, w, x))) == TN_ERR_ARG);
    CHECK(strstr(tn_last_error(), "no parameter") != NULL);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

/* tn_mse pairs a (1, B) prediction with a (B) target (dims of size 1 aside),
   and a shape error names both shapes */
static int test_mse_shapes(void) {
    tn_ctx *c = tn_ctx_new(1 << 20);
    tn_tensor *p = tn_new_2d(c, TN_TYPE_F32, 1, 3), *t = tn_new_1d(c, TN_TYPE_F32, 3), *u = tn_new_1d(c, TN_TYPE_F32, 4), *l;
    int i;
    CHECK(c && p && t && u);
    for (i = 0; i < 3; i++) { ((float *)p->data)[i] = (float)i; ((float *)t->data)[i] = 1.0f; }
    CHECK_OK(tn_set_param(c, p)); /* p is (1, 3) */
    l = tn_mse(c, p, t);
    CHECK(l != NULL && fabsf(((float *)l->data)[0] - 2.0f / 3.0f) < 1e-6f);
    CHECK_OK(tn_backward(c, l));
    CHECK(fabsf(((float *)p->grad->data)[0] + 2.0f / 3.0f) < 1e-6f && fabsf(((float *)p->grad->data)[2] - 2.0f / 3.0f) < 1e-6f);
    CHECK(tn_mse(c, p, u) == NULL);
    CHECK_MSG(strstr(tn_last_error(), "(1, 3)") && strstr(tn_last_error(), "(4)"), "message: %s", tn_last_error());
    tn_ctx_free(c);
    return 0;
}
