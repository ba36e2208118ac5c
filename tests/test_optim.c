/* @@OPTIM tests: optimizers against an independent double-precision
   reference, schedules, clipping, accumulation, metrics, CSV, checkpoints */

/* reference update of one scalar, in double */
typedef struct { double w, m, v; } tn_t_ref;
static void tn_t_ref_step(tn_t_ref *r, const tn_optim_config *c, double g, double lr, double wd, int t) {
    double b1 = c->beta1, b2 = c->beta2;
    switch (c->kind) {
    case TN_OPTIM_SGD: {
        double d = g + wd * r->w;
        if (c->momentum != 0) { r->m = t == 1 ? d : c->momentum * r->m + d; d = c->nesterov ? d + c->momentum * r->m : r->m; }
        r->w -= lr * d;
        break;
    }
    case TN_OPTIM_ADAM: case TN_OPTIM_ADAMW: {
        double d = g;
        if (c->kind == TN_OPTIM_ADAM) d += wd * r->w; else r->w *= 1 - lr * wd;
        r->m = b1 * r->m + (1 - b1) * d;
        r->v = b2 * r->v + (1 - b2) * d * d;
        r->w -= lr * (r->m / (1 - pow(b1, t))) / (sqrt(r->v / (1 - pow(b2, t))) + c->eps);
        break;
    }
    default: {
        double u = b1 * r->m + (1 - b1) * g;
        r->w *= 1 - lr * wd;
        r->w -= lr * (u > 0 ? 1 : u < 0 ? -1 : 0);
        r->m = b2 * r->m + (1 - b2) * g;
    }
    }
}

static int test_optimizers_vs_reference(void) {
    int kind, variant;
    for (kind = 0; kind < 4; kind++)
        for (variant = 0; variant < 2; variant++) {
            tn_ctx *pc = tn_ctx_new(1 << 20);
            tn_params ps;
            tn_optim o;
            tn_optim_config cfg = tn_optim_config_default((tn_optim_kind)kind);
            tn_tensor *a = tn_new_2d(pc, TN_TYPE_F32, 3, 2), *b = tn_new_1d(pc, TN_TYPE_F32, 4);
            tn_t_ref ref[10];
            int step, i;
            tn_params_init(&ps);
            CHECK_OK(tn_params_add(&ps, pc, a, "a", 0));
            CHECK_OK(tn_params_add(&ps, pc, b, "b", 1)); /* no weight decay */
            if (kind == TN_OPTIM_SGD) { cfg.momentum = 0.9f; cfg.nesterov = variant; cfg.weight_decay = 0.1f; }
            else if (variant) cfg.weight_decay = 0.2f;
            CHECK_OK(tn_optim_init(&o, &ps, &cfg));
            for (i = 0; i < 10; i++) {
                float w0 = 0.5f - 0.1f * (float)i;
                ((float *)(i < 6 ? a : b)->data)[i < 6 ? i : i - 6] = w0;
                ref[i].w = w0; ref[i].m = ref[i].v = 0;
            }
            for (step = 1; step <= 6; step++) {
                float lr = 0.01f * (float)step;
                for (i = 0; i < 10; i++) {
                    float g = sinf((float)(i * 7 + step)) * (i == 3 ? 0.0f : 1.0f);
                    ((float *)(i < 6 ? a : b)->grad->data)[i < 6 ? i : i - 6] = g;
                    tn_t_ref_step(&ref[i], &cfg, g, lr, i < 6 ? cfg.weight_decay : 0.0, step);
                }
                CHECK_OK(tn_optim_step(&o, lr, -1.0f));
            }
            for (i = 0; i < 10; i++) {
                float w = ((float *)(i < 6 ? a : b)->data)[i < 6 ? i : i - 6];
                CHECK_MSG(fabs(w - ref[i].w) <= 2e-6 * (1 + fabs(ref[i].w)), "optimizer %d/%d w[%d] = %.9g, reference %.9g", kind, variant, i, (double)w, ref[i].w);
            }
            CHECK_EQ_INT(o.t, 6);
            tn_optim_deinit(&o);
            tn_params_deinit(&ps);
            tn_ctx_free(pc);
        }
    return 0;
}

static int test_schedules(void) {
    tn_schedule s = tn_schedule_make(TN_SCHED_COSINE, 1.0f, 10, 110);
    CHECK_NEAR(tn_schedule_lr(&s, 0), 0.1, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 9), 1.0, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 10), 1.0, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 60), 0.5, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 110), 0.0, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 500), 0.0, 1e-6);
    s = tn_schedule_make(TN_SCHED_LINEAR, 2.0f, 0, 100);
    s.lr_min = 1.0f;
    CHECK_NEAR(tn_schedule_lr(&s, 50), 1.5, 1e-6);
    s = tn_schedule_make(TN_SCHED_CONSTANT, 3.0f, 10, 100);
    CHECK_NEAR(tn_schedule_lr(&s, 0), 3.0, 0);
    s = tn_schedule_make(TN_SCHED_BITNET, 1.0f, 0, 100); /* split 0.5, stage 1 ends at 0.5, stage 2 from 0.4 */
    CHECK_NEAR(tn_schedule_lr(&s, 0), 1.0, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 25), 0.75, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 50), 0.4, 1e-6);
    CHECK_NEAR(tn_schedule_lr(&s, 100), 0.0, 1e-6);
    CHECK_NEAR(tn_schedule_wd(&s, 49, 0.1f), 0.1, 1e-7);
    CHECK_NEAR(tn_schedule_wd(&s, 50, 0.1f), 0.0, 0);
    return 0;
}

static int test_clip_accumulate(void) {
    tn_ctx *pc = tn_ctx_new(1 << 20), *c = tn_ctx_new(8 << 20);
    tn_params ps;
    tn_tensor *w = tn_new_2d(pc, TN_TYPE_F32, 5, 3), *x = tn_new_2d(pc, TN_TYPE_F32, 5, 8), *full;
    tn_rng r;
    int64_t k;
    int mb;
    double norm;
    tn_rng_seed(&r, 2);
    tn_params_init(&ps);
    CHECK_OK(tn_params_add(&ps, pc, w, "w", 0));
    for (k = 0; k < 15; k++) ((float *)w->data)[k] = tn_rng_normal(&r);
    for (k = 0; k < 40; k++) ((float *)x->data)[k] = tn_rng_normal(&r);
    /* the gradient of the mean over 8 rows ... */
    CHECK_OK(tn_backward(c, tn_mean(c, tn_tanh(c, tn_matmul(c, w, x)))));
    full = tn_detach(c, w->grad);
    /* ... equals the average of 4 micro-batches of 2 */
    tn_params_zero_grad(&ps);
    for (mb = 0; mb < 4; mb++) {
        tn_tensor *xs = tn_slice(c, x, 1, 2 * mb, 2);
        CHECK_OK(tn_backward(c, tn_mean(c, tn_tanh(c, tn_matmul(c, w, xs)))));
    }
    tn_params_scale_grad(&ps, 0.25f);
    for (k = 0; k < 15; k++) CHECK_NEAR(((float *)w->grad->data)[k], ((float *)full->data)[k], 1e-6);
    norm = tn_clip_grad_norm(&ps, 0.0);
    CHECK(norm > 0);
    CHECK_NEAR(tn_clip_grad_norm(&ps, norm / 2), norm, 1e-9);
    CHECK_NEAR(tn_clip_grad_norm(&ps, 0.0), norm / 2, 1e-5 * norm);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return 0;
}

static int test_metrics_and_csv(void) {
    tn_metrics m;
    tn_csv csv;
    int i;
    char line[256];
    FILE *f;
    double row[3];
    tn_metrics_init(&m);
    tn_metrics_record(&m, 2.0f, 0.1f);
    CHECK_NEAR(m.ema_loss, 2.0, 0);
    tn_metrics_record(&m, 1.0f, 0.1f);
    CHECK_NEAR(m.ema_loss, 1.99, 1e-12);
    CHECK_NEAR(tn_metrics_loss_trend(&m), 0.0, 0); /* too few steps */
    for (i = 0; i < 30; i++) tn_metrics_record(&m, 10.0f - (float)i, 0.1f);
    CHECK_NEAR(tn_metrics_loss_trend(&m), -10.0, 1e-5); /* improving by 1 a step, 10 steps apart */
    for (i = 0; i < 999; i++) tn_metrics_record_gate(&m, i % 50 != 0, 1);
    CHECK(!tn_metrics_converged(&m, 1000, 0.95)); /* 999 decisions */
    tn_metrics_record_gate(&m, 0, 0);
    CHECK(tn_metrics_converged(&m, 1000, 0.95));
    CHECK_NEAR(tn_metrics_gate_alignment(&m), 980.0 / 1000.0, 1e-12);
    tn_metrics_record_accuracy(&m, 3, 4);
    CHECK_NEAR(tn_metrics_accuracy(&m), 0.75, 0);
    CHECK_OK(tn_csv_open(&csv, tn_t_tmp("test_log.csv"), "step,loss,lr", 0));
    row[0] = 1; row[1] = 2.5; row[2] = 1e-3;
    CHECK_OK(tn_csv_row(&csv, row, 3));
    CHECK(tn_csv_row(&csv, row, 2) == TN_ERR_SHAPE);
    tn_csv_close(&csv);
    CHECK_OK(tn_csv_open(&csv, tn_t_tmp("test_log.csv"), "step,loss,lr", 1)); /* resume: no second header */
    row[0] = 2;
    CHECK_OK(tn_csv_row(&csv, row, 3));
    tn_csv_close(&csv);
    f = fopen(tn_t_tmp("test_log.csv"), "r");
    CHECK(f != NULL);
    CHECK(fgets(line, sizeof(line), f) && strcmp(line, "step,loss,lr\n") == 0);
    CHECK(fgets(line, sizeof(line), f) && strcmp(line, "1,2.5,0.001\n") == 0);
    CHECK(fgets(line, sizeof(line), f) && strcmp(line, "2,2.5,0.001\n") == 0);
    CHECK(!fgets(line, sizeof(line), f));
    fclose(f);
    remove(tn_t_tmp("test_log.csv"));
    return 0;
}

/* a small model trained with dropout and sampled batches: everything the checkpoint must carry */
typedef struct {
    tn_ctx *pc, *c;
    tn_params ps;
    tn_bitlinear l1, l2;
    tn_optim opt;
    tn_train_state st;
    tn_tensor *x, *y;
} tn_t_run;

static int tn_t_run_init(tn_t_run *r, uint64_t seed) {
    tn_rng init;
    int64_t k;
    memset(r, 0, sizeof(*r));
    r->pc = tn_ctx_new(4 << 20);
    r->c = tn_ctx_new(16 << 20);
    tn_params_init(&r->ps);
    tn_rng_seed(&init, seed);
    if (tn_bitlinear_init(&r->l1, r->pc, &r->ps, "l1", 16, 32, TN_LAYER_NORM, &init)) return 1;
    if (tn_bitlinear_init(&r->l2, r->pc, &r->ps, "l2", 32, 4, TN_LAYER_BIAS, &init)) return 1;
    { tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW); if (tn_optim_init(&r->opt, &r->ps, &cfg)) return 1; }
    r->x = tn_new_2d(r->pc, TN_TYPE_F32, 16, 64);
    r->y = tn_new_1d(r->pc, TN_TYPE_I32, 64);
    tn_rng_seed(&init, 99); /* the data set is the same for every run */
    for (k = 0; k < 16 * 64; k++) ((float *)r->x->data)[k] = tn_rng_normal(&init);
    for (k = 0; k < 64; k++) ((int32_t *)r->y->data)[k] = (int32_t)(tn_rng_u32(&init) % 4);
    tn_rng_seed(&r->st.rng, 1234);
    return 0;
}
static int tn_t_run_steps(tn_t_run *r, int n) {
    tn_schedule sch = tn_schedule_make(TN_SCHED_COSINE, 3e-3f, 2, 20);
    size_t mark = tn_ctx_used(r->c);
    int i;
    for (i = 0; i < n; i++, r->st.step++) {
        tn_tensor *xb = tn_new_2d(r->c, TN_TYPE_F32, 16, 8), *yb = tn_new_1d(r->c, TN_TYPE_I32, 8), *loss;
        int b;
        for (b = 0; b < 8; b++) { /* batches drawn from the RNG, walking a data position */
            uint64_t at = (r->st.data_pos + tn_rng_u32(&r->st.rng) % 7) % 64;
            memcpy((float *)xb->data + b * 16, (float *)r->x->data + at * 16, 16 * sizeof(float));
            ((int32_t *)yb->data)[b] = ((int32_t *)r->y->data)[at];
            r->st.data_pos = (r->st.data_pos + 1) % 64;
        }
        loss = tn_cross_entropy(r->c, tn_bitlinear_forward(r->c, &r->l2, tn_dropout(r->c, tn_relu(r->c, tn_bitlinear_forward(r->c, &r->l1, xb)), 0.1f, &r->st.rng)), yb, -1);
        if (!loss) return 1;
        tn_params_zero_grad(&r->ps);
        if (tn_backward(r->c, loss)) return 1;
        tn_clip_grad_norm(&r->ps, 1.0);
        if (tn_optim_step(&r->opt, tn_schedule_lr(&sch, r->st.step), -1)) return 1;
        r->st.ema_loss = 0.9 * r->st.ema_loss + 0.1 * ((float *)loss->data)[0];
        tn_ctx_rewind(r->c, mark);
    }
    return 0;
}
static void tn_t_run_free(tn_t_run *r) {
    tn_optim_deinit(&r->opt);
    tn_params_deinit(&r->ps);
    tn_ctx_free(r->c);
    tn_ctx_free(r->pc);
}

static int test_checkpoint_exact_resume(void) {
    tn_t_run a, b;
    const char *path = tn_t_tmp("test_ckpt.gguf");
    int i;
    CHECK(tn_t_run_init(&a, 5) == 0);
    CHECK(tn_t_run_steps(&a, 20) == 0); /* 20 steps straight */
    CHECK(tn_t_run_init(&b, 5) == 0);
    CHECK(tn_t_run_steps(&b, 10) == 0);
    CHECK_OK(tn_checkpoint_save(path, &b.ps, &b.opt, &b.st));
    tn_t_run_free(&b);
    CHECK(tn_t_run_init(&b, 77) == 0); /* a fresh process: other weights, zero state */
    CHECK_OK(tn_checkpoint_load(path, &b.ps, &b.opt, &b.st));
    CHECK_EQ_INT(b.st.step, 10);
    CHECK(tn_t_run_steps(&b, 10) == 0);
    for (i = 0; i < a.ps.n; i++)
        CHECK_MSG(memcmp(a.ps.items[i].t->data, b.ps.items[i].t->data, tn_nbytes(a.ps.items[i].t)) == 0, "parameter %s differs after resume", a.ps.items[i].name);
    CHECK(memcmp(a.opt.m, b.opt.m, sizeof(float) * (size_t)a.opt.n) == 0);
    CHECK(memcmp(a.opt.v, b.opt.v, sizeof(float) * (size_t)a.opt.n) == 0);
    CHECK(a.st.data_pos == b.st.data_pos && a.st.ema_loss == b.st.ema_loss && memcmp(&a.st.rng, &b.st.rng, sizeof(tn_rng)) == 0);
    tn_t_run_free(&a);
    tn_t_run_free(&b);
    remove(path);
    return 0;
}

static int test_checkpoint_refuses_bad_files(void) {
    tn_t_run a;
    const char *path = tn_t_tmp("test_ckpt_bad.gguf");
    size_t size, cut;
    uint8_t *img;
    float *before;
    FILE *f;
    tn_train_state st;
    int k;
    CHECK(tn_t_run_init(&a, 5) == 0);
    CHECK(tn_t_run_steps(&a, 3) == 0);
    CHECK_OK(tn_checkpoint_save(path, &a.ps, &a.opt, &a.st));
    f = fopen(path, "rb");
    fseek(f, 0, SEEK_END); size = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    img = (uint8_t *)malloc(size);
    CHECK(fread(img, 1, size, f) == size);
    fclose(f);
    before = (float *)malloc(tn_nbytes(a.l1.w));
    memcpy(before, a.l1.w->data, tn_nbytes(a.l1.w));
    for (k = 0; k < 40; k++) {
        uint8_t *bad = (uint8_t *)malloc(size);
        const char *bp = tn_t_tmp("test_ckpt_bad2.gguf");
        tn_status s;
        memcpy(bad, img, size);
        cut = size;
        if (k < 20) cut = size * (size_t)k / 20;                    /* truncated */
        else bad[(size_t)(k - 20) * (size / 20) + 7] ^= 0x10;       /* one flipped bit */
        f = fopen(bp, "wb");
        fwrite(bad, 1, cut, f);
        fclose(f);
        s = tn_checkpoint_load(bp, &a.ps, &a.opt, &st);
        CHECK_MSG(s != TN_OK, "damaged checkpoint %d was accepted", k);
        CHECK(memcmp(before, a.l1.w->data, tn_nbytes(a.l1.w)) == 0); /* nothing changed */
        free(bad);
        remove(bp);
    }
    /* a foreign file (a GGUF that is not a checkpoint) */
    CHECK(tn_checkpoint_load("tests/data/ggml-written.gguf", &a.ps, &a.opt, &st) == TN_ERR_FORMAT);
    CHECK(strstr(tn_last_error(), "not a ternary.h checkpoint") != NULL);
    /* another model */
    {
        tn_ctx *pc = tn_ctx_new(1 << 20);
        tn_params ps;
        tn_bitlinear l;
        tn_rng r;
        tn_rng_seed(&r, 1);
        tn_params_init(&ps);
        tn_bitlinear_init(&l, pc, &ps, "l1", 16, 33, 0, &r);
        CHECK(tn_checkpoint_load(path, &ps, NULL, &st) == TN_ERR_FORMAT);
        tn_params_deinit(&ps);
        tn_ctx_free(pc);
    }
    /* a failed save leaves the old checkpoint */
    CHECK(tn_checkpoint_save(tn_t_tmp("missing/dir/ck.gguf"), &a.ps, &a.opt, &a.st) == TN_ERR_IO);
    CHECK_OK(tn_checkpoint_load(path, &a.ps, &a.opt, &st));
    free(before);
    free(img);
    tn_t_run_free(&a);
    remove(path);
    return 0;
}

/* checkpoint tensors are named by their parameter (and NAME.adam_m / .adam_v,
   #J.adam_m past 63 bytes); the metrics come back whole; the optimizer's state
   saves and loads on its own; a version 1 file (p.J, m.J, v.J) still loads */
static int test_checkpoint_names_metrics_optim(void) {
    const char *path = tn_t_tmp("ck_names.gguf"), *opath = tn_t_tmp("ck_optim.gguf");
    static const char long_name[] = "blk.0.a_rather_long_parameter_name_for_the_attention.weight_q";
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_params ps;
    tn_optim o;
    tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_train_state st, st2;
    tn_tensor *a = tn_new_2d(ctx, TN_TYPE_F32, 3, 2), *b = tn_new_1d(ctx, TN_TYPE_F32, 4);
    tn_gguf *g = NULL;
    float m_saved[10];
    int k;
    CHECK(strlen(long_name) <= 63 && strlen(long_name) + 7 > 63);
    tn_params_init(&ps);
    CHECK_OK(tn_set_param(ctx, a)); CHECK_OK(tn_set_param(ctx, b));
    CHECK_OK(tn_params_add(&ps, ctx, a, "l1.w", 0));
    CHECK_OK(tn_params_add(&ps, ctx, b, long_name, 1));
    CHECK_OK(tn_optim_init(&o, &ps, &cfg));
    for (k = 0; k < 6; k++) { ((float *)a->data)[k] = 0.1f * (float)k; ((float *)a->grad->data)[k] = 0.3f - 0.1f * (float)k; }
    for (k = 0; k < 4; k++) { ((float *)b->data)[k] = -0.2f * (float)k; ((float *)b->grad->data)[k] = 0.05f * (float)k; }
    CHECK_OK(tn_optim_step(&o, -1, -1));
    memset(&st, 0, sizeof(st));
    st.step = 1;
    tn_metrics_init(&st.metrics);
    st.metrics.ema_alpha = 0.05;
    for (k = 0; k < 130; k++) tn_metrics_record(&st.metrics, 2.0f - 0.01f * (float)k, 1e-3f);
    tn_metrics_record_accuracy(&st.metrics, 7, 9);
    tn_metrics_record_gate(&st.metrics, 1, 0);
    tn_metrics_record_gate(&st.metrics, 1, 1);
    CHECK_OK(tn_checkpoint_save(path, &ps, &o, &st));
    CHECK_OK(tn_gguf_read_file(path, 0, &g));
    CHECK(tn_gguf_find_tensor(g, "l1.w") >= 0 && tn_gguf_find_tensor(g, "l1.w.adam_m") >= 0 && tn_gguf_find_tensor(g, "l1.w.adam_v") >= 0);
    CHECK(tn_gguf_find_tensor(g, long_name) >= 0 && tn_gguf_find_tensor(g, "#1.adam_m") >= 0 && tn_gguf_find_tensor(g, "#1.adam_v") >= 0);
    CHECK(tn_gguf_find_tensor(g, "p.0") < 0 && tn_gguf_n_tensors(g) == 6);
    tn_gguf_free(g); g = NULL;
    memset(&st2, 0, sizeof(st2));
    CHECK_OK(tn_checkpoint_load(path, &ps, &o, &st2));
    CHECK(memcmp(&st2.metrics, &st.metrics, sizeof(st.metrics)) == 0 && st2.step == 1);
    CHECK(tn_metrics_loss_trend(&st2.metrics) == tn_metrics_loss_trend(&st.metrics) && tn_metrics_accuracy(&st2.metrics) == 7.0 / 9.0);
    /* the optimizer alone */
    memcpy(m_saved, o.m, sizeof(m_saved));
    CHECK_OK(tn_optim_save(opath, &o));
    o.m[3] = 42.0f; o.t = 9;
    CHECK_OK(tn_optim_load(opath, &o));
    CHECK(memcmp(m_saved, o.m, sizeof(m_saved)) == 0 && o.t == 1);
    CHECK(tn_checkpoint_load(opath, &ps, &o, &st2) == TN_ERR_FORMAT && strstr(tn_last_error(), "tn_optim_load"));
    CHECK_OK(tn_gguf_read_file(opath, 0, &g));
    CHECK(tn_gguf_find_tensor(g, "l1.w") < 0 && tn_gguf_find_tensor(g, "l1.w.adam_m") >= 0 && tn_gguf_n_tensors(g) == 4);
    tn_gguf_free(g); g = NULL;
    CHECK_OK(tn_optim_load(path, &o)); /* a full checkpoint holds the optimizer's state too */
    CHECK(memcmp(m_saved, o.m, sizeof(m_saved)) == 0);
    {   /* a version 1 checkpoint, as the last release wrote it: the same values under p.J, m.J, v.J */
        tn_gguf *v1 = tn_gguf_new();
        const char *names[2];
        uint32_t rng[4] = {1, 2, 3, 4};
        float a0[6], b0[4];
        names[0] = "l1.w"; names[1] = long_name;
        memcpy(a0, a->data, sizeof(a0)); memcpy(b0, b->data, sizeof(b0));
        CHECK_OK(tn_gguf_set_u64(v1, TN__CK_KEY, 0));
        CHECK_OK(tn_gguf_set_str(v1, "general.architecture", TN__CK_ARCH));
        CHECK_OK(tn_gguf_set_u32(v1, "ternary.checkpoint.version", 1));
        CHECK_OK(tn_gguf_set_i64(v1, "ternary.checkpoint.step", 5));
        CHECK_OK(tn_gguf_set_i64(v1, "ternary.checkpoint.epoch", 0));
        CHECK_OK(tn_gguf_set_u64(v1, "ternary.checkpoint.data_pos", 0));
        CHECK_OK(tn_gguf_set_arr(v1, "ternary.checkpoint.rng", TN_GGUF_UINT32, rng, 4));
        CHECK_OK(tn_gguf_set_f64(v1, "ternary.checkpoint.ema_loss", 1.5));
        CHECK_OK(tn_gguf_set_i32(v1, "ternary.checkpoint.optim", (int32_t)TN_OPTIM_ADAMW));
        CHECK_OK(tn_gguf_set_i64(v1, "ternary.checkpoint.optim_t", 1));
        CHECK_OK(tn_gguf_add_tensor(v1, "p.0", TN_TYPE_F32, a->n_dims, a->ne, a0));
        CHECK_OK(tn_gguf_add_tensor(v1, "m.0", TN_TYPE_F32, a->n_dims, a->ne, o.m));
        CHECK_OK(tn_gguf_add_tensor(v1, "v.0", TN_TYPE_F32, a->n_dims, a->ne, o.v));
        CHECK_OK(tn_gguf_add_tensor(v1, "p.1", TN_TYPE_F32, b->n_dims, b->ne, b0));
        CHECK_OK(tn_gguf_add_tensor(v1, "m.1", TN_TYPE_F32, b->n_dims, b->ne, o.m + 6));
        CHECK_OK(tn_gguf_add_tensor(v1, "v.1", TN_TYPE_F32, b->n_dims, b->ne, o.v + 6));
        CHECK_OK(tn_gguf_set_arr_str(v1, "ternary.checkpoint.names", names, 2));
        for (k = 0; k < 6; k++) ((float *)a->data)[k] = 9.0f;
        memset(&st2, 0xff, sizeof(st2));
        CHECK_OK(hostile_reseal(v1, &ps, &o, &st2));
        CHECK(memcmp(a->data, a0, sizeof(a0)) == 0 && memcmp(b->data, b0, sizeof(b0)) == 0 && st2.step == 5 && st2.ema_loss == 1.5);
        CHECK(st2.metrics.steps == 0 && st2.metrics.hist_n == 0); /* none in a version 1 file */
        tn_gguf_free(v1);
    }
    remove(path); remove(opath);
    tn_optim_deinit(&o);
    tn_params_deinit(&ps);
    tn_ctx_free(ctx);
    return 0;
}
