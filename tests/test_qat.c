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
