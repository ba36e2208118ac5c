/* @@QAT tests: BitLinear train vs packed, whole-model gradient check, a toy
   problem trained through BitLinear layers */

static int test_bitlinear_train_vs_packed(void) {
    static const int64_t ins[3] = {784, 256, 40};
    static const tn_type types[3] = {TN_TYPE_TQ2_0, TN_TYPE_TQ1_0, TN_TYPE_T2};
    tn_ctx *pc = tn_ctx_new(16 << 20), *c = tn_ctx_new(32 << 20);
    tn_rng r;
    int ii, ti, fl;
    tn_rng_seed(&r, 21);
    for (ii = 0; ii < 3; ii++)
        for (fl = 0; fl < 2; fl++) {
            tn_bitlinear l;
            tn_params ps;
            tn_tensor *x, *yt, *yp;
            int64_t k, in = ins[ii];
            tn_params_init(&ps);
            CHECK_OK(tn_bitlinear_init(&l, pc, &ps, "lin", in, 24, fl ? (TN_LAYER_BIAS | TN_LAYER_NORM) : 0, &r));
            CHECK_EQ_INT(ps.n, fl ? 3 : 1);
            if (l.b) for (k = 0; k < 24; k++) ((float *)l.b->data)[k] = tn_rng_normal(&r);
            if (l.norm) for (k = 0; k < in; k++) ((float *)l.norm->data)[k] = 1.0f + 0.3f * tn_rng_normal(&r);
            x = tn_new_3d(c, TN_TYPE_F32, in, 5, 2);
            for (k = 0; k < in * 10; k++) ((float *)x->data)[k] = tn_rng_normal(&r);
            yt = tn_bitlinear_forward(c, &l, x);
            CHECK(yt != NULL && yt->ne[0] == 24 && yt->ne[1] == 5 && yt->ne[2] == 2);
            for (ti = 0; ti < 3; ti++) {
                CHECK_OK(tn_bitlinear_pack(&l, c, types[ti]));
                CHECK(l.wq != NULL && l.in_pad % 256 == 0);
                yp = tn_bitlinear_forward(c, &l, x);
                CHECK(yp != NULL && tn_same_shape(yt, yp));
                for (k = 0; k < 240; k++) {
                    float a = ((float *)yt->data)[k], b = ((float *)yp->data)[k];
                    /* TQ blocks carry fp16(s): relative 2^-11; T2 keeps s in f32 */
                    float bias = l.b ? fabsf(((float *)l.b->data)[k % 24]) : 0.0f;
                    float tol = types[ti] == TN_TYPE_T2 ? 2e-5f * (1 + fabsf(a) + bias) : 5e-4f * (fabsf(a) + bias) + 2e-5f;
                    CHECK_MSG(fabsf(a - b) <= tol, "in=%lld %s y[%lld]: train %.7g packed %.7g", (long long)in, tn_type_name(types[ti]), (long long)k, (double)a, (double)b);
                }
                tn_bitlinear_unpack(&l);
            }
            tn_params_deinit(&ps);
        }
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

/* the BitLinear training forward: with AVX-512 it runs in integers and must equal
   (sum t q) * (s_w * (1 / s_x)) from the public quantizers bit for bit, for any
   thread count; in every build it is within float rounding of the float GEMM of
   the fake-quantized tensors, and its gradients equal that composition's */
static int test_bitlinear_integer_forward(void) {
    static const int64_t shapes[][2] = {{784, 24}, {37, 70}, {256, 33}, {5, 1}};
    tn_pool *pools[3];
    tn_rng r;
    int si, pi;
    pools[0] = NULL; pools[1] = tn_pool_new(2); pools[2] = tn_pool_new(3);
    tn_rng_seed(&r, 77);
    for (si = 0; si < 4; si++) {
        const int64_t K = shapes[si][0], N = shapes[si][1], M = 15;
        tn_ctx *pc = tn_ctx_new(8 << 20), *c = tn_ctx_new(32 << 20);
        tn_params ps;
        tn_bitlinear l;
        tn_tensor *x, *g, *y, *y2, *yref = NULL;
        float *gw1, *gx1, sw = 0.0f;
        int8_t *t = (int8_t *)malloc((size_t)(K * N)), *q = (int8_t *)malloc((size_t)K);
        int64_t i;
        tn_params_init(&ps);
        CHECK(pc && c && t && q);
        CHECK_OK(tn_bitlinear_init(&l, pc, &ps, "lin", K, N, 0, &r));
        for (i = 0; i < K * N; i++) ((float *)l.w->data)[i] = tn_rng_normal(&r) * 0.1f;
        x = tn_new_3d(pc, TN_TYPE_F32, K, 5, 3);
        g = tn_new_3d(pc, TN_TYPE_F32, N, 5, 3);
        CHECK(x && g);
        for (i = 0; i < K * M; i++) ((float *)x->data)[i] = tn_rng_normal(&r) * (i % 11 == 0 ? 4.0f : 1.0f);
        for (i = 0; i < K; i++) ((float *)x->data)[3 * K + i] = 0.0f; /* an all-zero row: the 1e-5 floor */
        for (i = 0; i < N * M; i++) ((float *)g->data)[i] = tn_rng_normal(&r);
        CHECK_OK(tn_ternary_absmean((const float *)l.w->data, K * N, t, &sw));
        for (pi = 0; pi < 3; pi++) {
            tn_ctx_set_pool(c, pools[pi]);
            y = tn_bitlinear_forward(c, &l, x);
            CHECK(y && y->ne[0] == N && y->ne[1] == 5 && y->ne[2] == 3);
            if (!yref) yref = y;
            CHECK_MSG(memcmp(y->data, yref->data, sizeof(float) * (size_t)(N * M)) == 0, "K %lld N %lld: %d threads differ", (long long)K, (long long)N, pi + 1);
        }
        {
        int64_t k, n, m;
        for (m = 0; m < M; m++) {
            float inv = 0.0f;
            CHECK_OK(tn_act_quant_i8((const float *)x->data + m * K, K, q, &inv));
            for (n = 0; n < N; n++) {
                int64_t isum = 0;
                float want, got = ((float *)yref->data)[m * N + n];
                for (k = 0; k < K; k++) isum += (int64_t)t[n * K + k] * q[k];
                want = (float)isum * (sw * inv);
                CHECK_MSG(memcmp(&want, &got, 4) == 0, "K %lld N %lld y[%lld, %lld] = %.9g, integer reference %.9g", (long long)K, (long long)N, (long long)m, (long long)n, (double)got, (double)want);
            }
        }
        }
        /* the float composition: values within rounding, gradients identical */
        tn_ctx_set_pool(c, NULL);
        tn_params_zero_grad(&ps);
        CHECK_OK(tn_set_param(pc, x));
        CHECK_OK(tn_backward(c, tn_sum(c, tn_mul(c, tn_bitlinear_forward(c, &l, x), g))));
        gw1 = (float *)malloc(sizeof(float) * (size_t)(K * N));
        gx1 = (float *)malloc(sizeof(float) * (size_t)(K * M));
        CHECK(gw1 && gx1 && x->grad);
        memcpy(gw1, l.w->grad->data, sizeof(float) * (size_t)(K * N));
        memcpy(gx1, x->grad->data, sizeof(float) * (size_t)(K * M));
        tn_params_zero_grad(&ps);
        memset(x->grad->data, 0, sizeof(float) * (size_t)(K * M));
        y2 = tn_matmul(c, tn_ste_ternary(c, l.w), tn_ste_act_i8(c, x));
        CHECK(y2);
        for (i = 0; i < N * M; i++) {
            float a = ((float *)yref->data)[i], b = ((float *)y2->data)[i];
            CHECK_MSG(fabsf(a - b) <= 1e-5f * (1.0f + fabsf(b)), "K %lld: y[%lld] %.9g vs float GEMM %.9g", (long long)K, (long long)i, (double)a, (double)b);
        }
        CHECK_OK(tn_backward(c, tn_sum(c, tn_mul(c, y2, g))));
        CHECK(memcmp(gw1, l.w->grad->data, sizeof(float) * (size_t)(K * N)) == 0);
        CHECK(memcmp(gx1, x->grad->data, sizeof(float) * (size_t)(K * M)) == 0);
        { /* a row that cannot be quantized is an error naming the element (it once gave NaN outputs silently) */
            char want[64];
            ((float *)x->data)[7 * K + K / 2] = NAN;
            CHECK(tn_bitlinear_forward(c, &l, x) == NULL);
            snprintf(want, sizeof(want), "x[%lld] is not finite", (long long)(K / 2));
            CHECK_MSG(strstr(tn_last_error(), want) != NULL, "message: %s", tn_last_error());
        }
        free(gw1); free(gx1); free(t); free(q);
        tn_params_deinit(&ps);
        tn_ctx_free(c);
        tn_ctx_free(pc);
    }
    tn_pool_free(pools[1]);
    tn_pool_free(pools[2]);
    return 0;
}

static double tn_t_model_h = 2e-3; /* smaller h: the truncation error of 1e-2 is visible here */
static int tn_t_model_gradcheck(tn_transformer_config cfg, const char *what) {
    tn_ctx *pc = tn_ctx_new(8 << 20), *c = tn_ctx_new(64 << 20);
    tn_transformer m;
    tn_tensor *ids, *tg, *loss;
    int32_t tok[10] = {1, 4, 7, 2, 9, 3, 3, 0, 10, 5};
    int pi;
    int64_t k, checked = 0;
    size_t mark;
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 3));
    ids = tn_new_2d(pc, TN_TYPE_I32, 5, 2);
    tg = tn_new_2d(pc, TN_TYPE_I32, 5, 2);
    memcpy(ids->data, tok, sizeof(tok));
    for (k = 0; k < 10; k++) ((int32_t *)tg->data)[k] = (tok[k] * 3 + 1) % 11;
    ((int32_t *)tg->data)[4] = -1; /* an ignored position */
    /* larger weights than the init so every path carries signal */
    for (pi = 0; pi < m.params.n; pi++) {
        tn_tensor *t = m.params.items[pi].t;
        tn_rng r;
        tn_rng_seed(&r, (uint64_t)pi + 100);
        for (k = 0; k < tn_nelements(t); k++) ((float *)t->data)[k] += 0.3f * tn_rng_normal(&r);
    }
    loss = tn_transformer_loss(c, &m, ids, tg);
    CHECK_MSG(loss != NULL, "%s: %s", what, tn_last_error());
    tn_params_zero_grad(&m.params);
    CHECK_OK(tn_backward(c, loss));
    tn_ctx_reset(c);
    mark = tn_ctx_used(c);
    for (pi = 0; pi < m.params.n; pi++) {
        tn_tensor *t = m.params.items[pi].t;
        for (k = 0; k < tn_nelements(t); k++) {
            float *x = (float *)t->data + k, x0 = *x;
            double h = tn_t_model_h, lp, lm, num, ana = ((float *)t->grad->data)[k];
            *x = x0 + (float)h; lp = ((float *)tn_transformer_loss(c, &m, ids, tg)->data)[0]; tn_ctx_rewind(c, mark);
            *x = x0 - (float)h; lm = ((float *)tn_transformer_loss(c, &m, ids, tg)->data)[0]; tn_ctx_rewind(c, mark);
            *x = x0;
            num = (lp - lm) / (2 * h);
            CHECK_MSG(fabs(num - ana) <= 3e-4 + 3e-2 * fabs(num), "%s: %s[%lld]: analytic %.6g numeric %.6g", what, m.params.items[pi].name, (long long)k, ana, num);
            checked++;
        }
    }
    CHECK_EQ_INT(checked, tn_params_count(&m.params));
    tn_transformer_deinit(&m);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

static int test_transformer_gradcheck(void) {
    tn_transformer_config cfg = tn_transformer_config_default();
    cfg.vocab = 11; cfg.d_model = 8; cfg.n_head = 2; cfg.n_layer = 2; cfg.d_ff = 12; cfg.ctx_len = 6;
    cfg.layer_flags = TN_LAYER_FLOAT | TN_LAYER_BIAS;
    cfg.mlp = TN_MLP_GELU; cfg.norm = TN_NORM_LAYER;
    if (tn_t_model_gradcheck(cfg, "layernorm+gelu")) return 1;
    cfg.layer_flags = TN_LAYER_FLOAT;
    cfg.mlp = TN_MLP_SWIGLU; cfg.norm = TN_NORM_RMS;
    return tn_t_model_gradcheck(cfg, "rmsnorm+swiglu");
}

/* three gaussian clusters in 8-D, learned through two BitLinear layers */
static int test_toy_3class_bitlinear(void) {
    enum { N = 240, D = 8, H = 32, C = 3 };
    tn_ctx *pc = tn_ctx_new(4 << 20), *c = tn_ctx_new(16 << 20);
    tn_bitlinear l1, l2;
    tn_params ps;
    tn_tensor *x = tn_new_2d(pc, TN_TYPE_F32, D, N), *y = tn_new_1d(pc, TN_TYPE_I32, N), *loss = NULL, *logits;
    float centers[C][D], *m1, *m2;
    tn_rng r;
    int i, j, step, correct = 0, pi;
    int64_t k, np;
    size_t mark;
    float lossv = 0;
    tn_rng_seed(&r, 31);
    tn_params_init(&ps);
    for (i = 0; i < C; i++) for (j = 0; j < D; j++) centers[i][j] = 2.0f * tn_rng_normal(&r);
    for (i = 0; i < N; i++) {
        ((int32_t *)y->data)[i] = i % C;
        for (j = 0; j < D; j++) ((float *)x->data)[i * D + j] = centers[i % C][j] + 0.5f * tn_rng_normal(&r);
    }
    CHECK_OK(tn_bitlinear_init(&l1, pc, &ps, "l1", D, H, TN_LAYER_NORM, &r));
    CHECK_OK(tn_bitlinear_init(&l2, pc, &ps, "l2", H, C, TN_LAYER_NORM | TN_LAYER_BIAS, &r));
    np = tn_params_count(&ps);
    m1 = (float *)calloc((size_t)np, sizeof(float));
    m2 = (float *)calloc((size_t)np, sizeof(float));
    mark = tn_ctx_used(c);
    for (step = 1; step <= 300; step++) { /* a minimal Adam, lr 1e-2 */
        int64_t off = 0;
        loss = tn_cross_entropy(c, tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x))), y, -1);
        CHECK(loss != NULL);
        lossv = ((float *)loss->data)[0];
        tn_params_zero_grad(&ps);
        CHECK_OK(tn_backward(c, loss));
        for (pi = 0; pi < ps.n; pi++) {
            tn_tensor *t = ps.items[pi].t;
            for (k = 0; k < tn_nelements(t); k++, off++) {
                float g = ((float *)t->grad->data)[k];
                m1[off] = 0.9f * m1[off] + 0.1f * g;
                m2[off] = 0.999f * m2[off] + 0.001f * g * g;
                ((float *)t->data)[k] -= 1e-2f * (m1[off] / (1 - powf(0.9f, (float)step))) / (sqrtf(m2[off] / (1 - powf(0.999f, (float)step))) + 1e-8f);
            }
        }
        tn_ctx_rewind(c, mark);
    }
    CHECK_MSG(lossv < 0.05f, "toy loss after 300 steps: %g", (double)lossv);
    /* the packed model classifies the training set */
    CHECK_OK(tn_bitlinear_pack(&l1, pc, TN_TYPE_TQ2_0));
    CHECK_OK(tn_bitlinear_pack(&l2, pc, TN_TYPE_TQ2_0));
    tn_ctx_set_grad_enabled(c, 0);
    logits = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x)));
    CHECK(logits != NULL);
    for (i = 0; i < N; i++) {
        const float *lg = (const float *)logits->data + i * C;
        int best = 0;
        for (j = 1; j < C; j++) if (lg[j] > lg[best]) best = j;
        correct += best == i % C;
    }
    CHECK_MSG(correct == N, "packed model: %d of %d correct", correct, N);
    free(m1);
    free(m2);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}
