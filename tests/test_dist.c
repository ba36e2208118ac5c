/* @@DIST tests: the gradient accumulator and the fixed-order reduction over
   ranks, run as threads of this process through a mailbox transport (the
   MPI transport is tested by tests/mpi.sh under mpirun) */

/* one tiny transformer training run: S steps of N micro-batches, rank `rank` of
   `size` (comm NULL: one process), its parameters and optimizer state copied out */
typedef struct {
    const tn_comm *comm;
    int steps, n_micro, threaded_unused;
    size_t bucket_bytes;
    float *out;               /* parameters then Adam's m and v */
    double loss;              /* the last step's mean loss */
    tn_status st;
    char err[256];
} tn_t_dist_run;

static tn_transformer_config tn_t_dist_cfg(void) {
    tn_transformer_config cfg = tn_transformer_config_default();
    cfg.vocab = 40; cfg.d_model = 32; cfg.n_head = 2; cfg.n_layer = 2; cfg.d_ff = 48; cfg.ctx_len = 8;
    return cfg;
}
static int64_t tn_t_dist_out_size(void) {
    tn_ctx *pc = tn_ctx_new(4 << 20);
    tn_transformer m;
    tn_transformer_config cfg = tn_t_dist_cfg();
    int64_t n = -1;
    if (pc && tn_transformer_init(&m, pc, &cfg, 5) == TN_OK) { n = tn_params_count(&m.params); tn_transformer_deinit(&m); }
    tn_ctx_free(pc);
    return 3 * n;
}
/* micro-batch j of step s: the same tokens on every rank and in every run */
static void tn_t_dist_batch(int s, int j, tn_tensor *ids, tn_tensor *tg) {
    tn_rng r;
    int64_t i, n = tn_nelements(ids);
    tn_rng_seed(&r, (uint64_t)(1000 * s + j + 1));
    for (i = 0; i < n; i++) {
        int32_t v = (int32_t)(tn_rng_u32(&r) % 40u);
        ((int32_t *)ids->data)[i] = v;
        ((int32_t *)tg->data)[i] = (v * 7 + 3) % 40; /* something learnable, with repeated tokens (scatter-adds) */
    }
}
static void *tn_t_dist_train(void *arg) {
    tn_t_dist_run *R = (tn_t_dist_run *)arg;
    tn_ctx *pc = tn_ctx_new(4 << 20), *c = tn_ctx_new(32 << 20);
    tn_transformer m;
    tn_transformer_config cfg = tn_t_dist_cfg();
    tn_optim o;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_grad_accum acc;
    tn_tensor *ids, *tg;
    int64_t first, count, j, k = 0, i;
    size_t mark;
    int s, have_m = 0, have_acc = 0;
    R->st = TN_ERR_NOMEM;
    if (!pc || !c || tn_transformer_init(&m, pc, &cfg, 5) != TN_OK) goto out;
    have_m = 1;
    oc.lr = 1e-2f;
    if ((R->st = tn_optim_init(&o, &m.params, &oc)) != TN_OK) goto out;
    if ((R->st = tn_grad_accum_init(&acc, &m.params, R->comm, 1)) != TN_OK) goto out_o;
    have_acc = 1;
    if (R->bucket_bytes) acc.bucket_bytes = R->bucket_bytes;
    ids = tn_new_2d(c, TN_TYPE_I32, 8, 3);
    tg = tn_new_2d(c, TN_TYPE_I32, 8, 3);
    mark = tn_ctx_used(c);
    if ((R->st = tn_comm_split(R->comm, R->n_micro, &first, &count)) != TN_OK) goto out_o;
    for (s = 0; s < R->steps; s++) {
        for (j = first; j < first + count; j++) {
            tn_tensor *loss;
            tn_t_dist_batch(s, (int)j, ids, tg);
            loss = tn_transformer_loss(c, &m, ids, tg);
            R->st = tn_grad_accum_backward(&acc, c, loss, j == first + count - 1);
            tn_ctx_rewind(c, mark);
            if (R->st != TN_OK) goto out_o;
        }
        if (count == 0 && (R->st = tn_grad_accum_reduce(&acc)) != TN_OK) goto out_o;
        if ((R->st = tn_optim_step(&o, -1, -1)) != TN_OK) goto out_o;
        R->loss = acc.loss;
    }
    for (i = 0; i < m.params.n; i++) {
        const tn_tensor *t = m.params.items[i].t;
        memcpy(R->out + k, t->data, sizeof(float) * (size_t)tn_nelements(t));
        k += tn_nelements(t);
    }
    memcpy(R->out + k, o.m, sizeof(float) * (size_t)o.n);
    memcpy(R->out + k + o.n, o.v, sizeof(float) * (size_t)o.n);
    R->st = TN_OK;
out_o:
    if (R->st != TN_OK) snprintf(R->err, sizeof(R->err), "%s", tn_last_error());
    if (have_acc) tn_grad_accum_deinit(&acc);
    tn_optim_deinit(&o);
out:
    if (have_m) tn_transformer_deinit(&m);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return NULL;
}

static int tn_t_nosend(void *user, int peer, const void *buf, size_t n) { (void)user; (void)peer; (void)buf; (void)n; return -1; }
static int tn_t_norecv(void *user, int peer, void *buf, size_t n) { (void)user; (void)peer; (void)buf; (void)n; return -1; }
#ifndef TERNARY_NO_THREADS
/* a transport between threads: a queue of messages per (from, to), a rank may be marked dead */
typedef struct tn_t_msg { struct tn_t_msg *next; size_t n; unsigned char data[1]; } tn_t_msg;
typedef struct {
    int size;
    tn_t_msg *head[8][8], *tail[8][8];
    int dead[8];
    int fail_send_after[8]; /* > 0: that rank's n-th send fails (it "dies") */
    int sends[8];
    pthread_mutex_t mu;
    pthread_cond_t cv;
} tn_t_group;
typedef struct { tn_t_group *g; int rank; } tn_t_end;
static int tn_t_send(void *user, int peer, const void *buf, size_t n) {
    tn_t_end *e = (tn_t_end *)user;
    tn_t_group *g = e->g;
    tn_t_msg *m;
    pthread_mutex_lock(&g->mu);
    g->sends[e->rank]++;
    if (g->fail_send_after[e->rank] && g->sends[e->rank] >= g->fail_send_after[e->rank]) g->dead[e->rank] = 1;
    if (g->dead[e->rank] || g->dead[peer]) { pthread_cond_broadcast(&g->cv); pthread_mutex_unlock(&g->mu); return -1; }
    m = (tn_t_msg *)malloc(sizeof(tn_t_msg) + n);
    if (!m) { pthread_mutex_unlock(&g->mu); return -2; }
    m->next = NULL; m->n = n;
    if (n) memcpy(m->data, buf, n);
    if (g->tail[e->rank][peer]) g->tail[e->rank][peer]->next = m; else g->head[e->rank][peer] = m;
    g->tail[e->rank][peer] = m;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return 0;
}
static int tn_t_recv(void *user, int peer, void *buf, size_t n) {
    tn_t_end *e = (tn_t_end *)user;
    tn_t_group *g = e->g;
    tn_t_msg *m;
    int r = 0;
    pthread_mutex_lock(&g->mu);
    while (!g->head[peer][e->rank] && !g->dead[peer] && !g->dead[e->rank]) pthread_cond_wait(&g->cv, &g->mu);
    m = g->head[peer][e->rank];
    if (!m) r = -1; /* the peer is gone */
    else {
        g->head[peer][e->rank] = m->next;
        if (!m->next) g->tail[peer][e->rank] = NULL;
        if (m->n != n) r = -3; else memcpy(buf, m->data, n);
        free(m);
    }
    pthread_mutex_unlock(&g->mu);
    return r;
}
static void tn_t_group_init(tn_t_group *g, int size, tn_comm *comms, tn_t_end *ends, int threaded) {
    int r;
    memset(g, 0, sizeof(*g));
    g->size = size;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    for (r = 0; r < size; r++) {
        ends[r].g = g; ends[r].rank = r;
        memset(&comms[r], 0, sizeof(tn_comm));
        comms[r].rank = r; comms[r].size = size;
        comms[r].send = tn_t_send; comms[r].recv = tn_t_recv;
        comms[r].user = &ends[r];
        comms[r].threaded = threaded;
    }
}
static int tn_t_group_free(tn_t_group *g) { /* 1 if every message was consumed */
    int a, b, clean = 1;
    for (a = 0; a < 8; a++)
        for (b = 0; b < 8; b++)
            while (g->head[a][b]) { tn_t_msg *m = g->head[a][b]; g->head[a][b] = m->next; free(m); clean = 0; }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    return clean;
}
/* the run on P threads as ranks; every rank's result into out[r] */
static int tn_t_dist_ranks(int P, int threaded, size_t bucket, int steps, int n_micro, float **out, tn_t_dist_run *runs, int fail_rank, int fail_after) {
    tn_t_group g;
    tn_comm comms[8];
    tn_t_end ends[8];
    pthread_t th[8];
    int r, clean;
    tn_t_group_init(&g, P, comms, ends, threaded);
    if (fail_rank >= 0) g.fail_send_after[fail_rank] = fail_after;
    for (r = 0; r < P; r++) {
        memset(&runs[r], 0, sizeof(runs[r]));
        runs[r].comm = &comms[r]; runs[r].steps = steps; runs[r].n_micro = n_micro; runs[r].bucket_bytes = bucket; runs[r].out = out[r];
        if (pthread_create(&th[r], NULL, tn_t_dist_train, &runs[r]) != 0) return -1;
    }
    for (r = 0; r < P; r++) pthread_join(th[r], NULL);
    clean = tn_t_group_free(&g);
    return clean;
}
#endif

/* P ranks give the bits of one process accumulating the same micro-batches, for
   every P, with and without the overlapped (threaded) reduction, in one bucket
   or many; and the accumulator's fold is ((g0 + g1) + g2) * (1/N) exactly */
static int test_dist_matches_one_process(void) {
    int64_t n = tn_t_dist_out_size();
    const int steps = 3, N = 6;
    tn_t_dist_run one;
    float *ref, *bufs[8];
    int r;
    CHECK(n > 0);
    ref = (float *)malloc(sizeof(float) * (size_t)n);
    for (r = 0; r < 8; r++) bufs[r] = (float *)malloc(sizeof(float) * (size_t)n);
    memset(&one, 0, sizeof(one));
    one.steps = steps; one.n_micro = N; one.out = ref;
    tn_t_dist_train(&one);
    CHECK_MSG(one.st == TN_OK, "%s", one.err);
    CHECK(one.loss > 0 && one.loss < 10);
    {   /* the definition, by hand: one step of N micro-batches folded in order, the mean */
        tn_ctx *pc = tn_ctx_new(4 << 20), *c = tn_ctx_new(32 << 20);
        tn_transformer m;
        tn_transformer_config cfg = tn_t_dist_cfg();
        tn_grad_accum acc;
        tn_tensor *ids = tn_new_2d(c, TN_TYPE_I32, 8, 3), *tg = tn_new_2d(c, TN_TYPE_I32, 8, 3);
        int64_t np, i, j, bad = 0;
        float *fold, *g;
        double lsum = 0;
        size_t mark = tn_ctx_used(c);
        CHECK_OK(tn_transformer_init(&m, pc, &cfg, 5));
        np = tn_params_count(&m.params);
        fold = (float *)calloc((size_t)np, sizeof(float));
        for (j = 0; j < N; j++) {
            int64_t k = 0;
            tn_tensor *loss;
            tn_t_dist_batch(0, (int)j, ids, tg);
            loss = tn_transformer_loss(c, &m, ids, tg);
            tn_params_zero_grad(&m.params);
            CHECK_OK(tn_backward(c, loss));
            lsum += ((float *)loss->data)[0];
            for (i = 0; i < m.params.n; i++) {
                const tn_tensor *t = m.params.items[m.params.n - 1 - i].t; /* any order: elementwise */
                int64_t e;
                for (e = 0; e < tn_nelements(t); e++, k++) fold[k] = j ? fold[k] + ((float *)t->grad->data)[e] : ((float *)t->grad->data)[e];
            }
            tn_ctx_rewind(c, mark);
        }
        CHECK_OK(tn_grad_accum_init(&acc, &m.params, NULL, 1));
        for (j = 0; j < N; j++) {
            tn_tensor *loss;
            tn_t_dist_batch(0, (int)j, ids, tg);
            loss = tn_transformer_loss(c, &m, ids, tg);
            CHECK_OK(tn_grad_accum_backward(&acc, c, loss, j == N - 1));
            CHECK_EQ_INT(acc.count, j == N - 1 ? 0 : j + 1);
            tn_ctx_rewind(c, mark);
        }
        CHECK_EQ_INT(acc.total, N);
        CHECK_NEAR(acc.loss, lsum / N, 1e-6);
        {
            int64_t k = 0;
            float inv = (float)(1.0 / N);
            for (i = 0; i < m.params.n; i++) {
                const tn_tensor *t = m.params.items[m.params.n - 1 - i].t;
                int64_t e;
                for (e = 0; e < tn_nelements(t); e++, k++) {
                    float want = fold[k] * inv;
                    if (memcmp(&want, (float *)t->grad->data + e, 4)) bad++;
                }
            }
        }
        CHECK_EQ_INT(bad, 0);
        /* the add / reduce form gives the same */
        g = (float *)malloc(sizeof(float) * (size_t)np);
        for (j = 0; j < N; j++) {
            tn_tensor *loss;
            tn_t_dist_batch(0, (int)j, ids, tg);
            loss = tn_transformer_loss(c, &m, ids, tg);
            tn_params_zero_grad(&m.params);
            CHECK_OK(tn_backward(c, loss));
            CHECK_OK(tn_grad_accum_add(&acc, ((float *)loss->data)[0]));
            tn_ctx_rewind(c, mark);
        }
        CHECK_OK(tn_grad_accum_reduce(&acc));
        {
            int64_t k = 0;
            float inv = (float)(1.0 / N);
            for (i = 0; i < m.params.n; i++) {
                const tn_tensor *t = m.params.items[m.params.n - 1 - i].t;
                int64_t e;
                for (e = 0; e < tn_nelements(t); e++, k++) { float want = fold[k] * inv; if (memcmp(&want, (float *)t->grad->data + e, 4)) bad++; }
            }
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(tn_grad_accum_reduce(&acc) != TN_OK && strstr(tn_last_error(), "no micro-batch")); /* nothing to reduce */
        free(g); free(fold);
        tn_grad_accum_deinit(&acc);
        tn_transformer_deinit(&m);
        tn_ctx_free(c); tn_ctx_free(pc);
    }
#ifndef TERNARY_NO_THREADS
    {
        static const int Ps[] = {1, 2, 3, 4, 6, 7};
        int pi, threaded, bi;
        for (pi = 0; pi < 6; pi++)
            for (threaded = 0; threaded < 2; threaded++)
                for (bi = 0; bi < 2; bi++) {
                    tn_t_dist_run runs[8];
                    int P = Ps[pi], clean = tn_t_dist_ranks(P, threaded, bi ? 1024 : 0, steps, N, bufs, runs, -1, 0);
                    CHECK_MSG(clean == 1, "P %d: messages left over (%d)", P, clean);
                    for (r = 0; r < P; r++) {
                        CHECK_MSG(runs[r].st == TN_OK, "P %d rank %d: %s", P, r, runs[r].err);
                        CHECK_MSG(!memcmp(bufs[r], ref, sizeof(float) * (size_t)n), "P %d threaded %d bucket %d: rank %d differs from one process", P, threaded, bi, r);
                        CHECK_MSG(runs[r].loss == one.loss, "P %d rank %d: loss %.9g, one process %.9g", P, r, runs[r].loss, one.loss);
                    }
                }
    }
#endif
    for (r = 0; r < 8; r++) free(bufs[r]);
    free(ref);
    return 0;
}

/* a rank that fails mid-reduction: every other rank returns an error naming a
   rank, none hangs; bcast, sum and sync in rank order; bad arguments */
static int test_dist_failures_and_collectives(void) {
    int64_t first, count, n = tn_t_dist_out_size();
    int64_t total = 0, r64;
    tn_comm bad;
    tn_grad_accum acc;
    tn_params ps;
    CHECK(n > 0);
    for (r64 = 0; r64 < 5; r64++) { /* 13 over 5 ranks: 3 3 3 2 2, contiguous */
        tn_comm c;
        memset(&c, 0, sizeof(c));
        c.rank = (int)r64; c.size = 5; c.send = tn_t_nosend; c.recv = tn_t_norecv;
        CHECK_OK(tn_comm_split(&c, 13, &first, &count));
        CHECK_EQ_INT(first, total);
        CHECK_EQ_INT(count, r64 < 3 ? 3 : 2);
        total += count;
    }
    CHECK_EQ_INT(total, 13);
    CHECK_OK(tn_comm_split(NULL, 13, &first, &count));
    CHECK(first == 0 && count == 13);
    memset(&bad, 0, sizeof(bad));
    bad.rank = 2; bad.size = 2;
    CHECK(tn_comm_split(&bad, 4, &first, &count) == TN_ERR_ARG && strstr(tn_last_error(), "rank 2 of 2"));
    bad.rank = 0;
    CHECK(tn_comm_bcast(&bad, &first, 8) == TN_ERR_ARG && strstr(tn_last_error(), "callback"));
    tn_params_init(&ps);
    CHECK(tn_grad_accum_init(&acc, &ps, NULL, 1) == TN_ERR_ARG && strstr(tn_last_error(), "no parameters"));
    CHECK(tn_grad_accum_backward(&acc, NULL, NULL, 1) == TN_ERR_ARG);
    tn_grad_accum_deinit(&acc);
#ifndef TERNARY_NO_THREADS
    {
        float *bufs[8];
        tn_t_dist_run runs[8];
        int r, P, threaded, after;
        for (r = 0; r < 8; r++) bufs[r] = (float *)malloc(sizeof(float) * (size_t)n);
        for (P = 2; P <= 3; P++)
            for (threaded = 0; threaded < 2; threaded++)
                for (after = 1; after <= 9; after += 4) { /* rank 1 dies at its 1st, 5th, 9th send */
                    int failed = 0;
                    tn_t_dist_ranks(P, threaded, 1024, 2, 4, bufs, runs, 1, after);
                    for (r = 0; r < P; r++) {
                        if (runs[r].st == TN_OK) continue;
                        failed++;
                        CHECK_MSG(strstr(runs[r].err, "rank") && strstr(runs[r].err, "failed"), "rank %d: %s", r, runs[r].err);
                    }
                    CHECK_MSG(failed == P, "P %d: %d of %d ranks saw the failure", P, failed, P);
                }
        for (r = 0; r < 8; r++) free(bufs[r]);
    }
#endif
    return 0;
}

#ifndef TERNARY_NO_THREADS
typedef struct { const tn_comm *c; int mismatch; tn_status st; double v[3]; float w[70000]; char err[200]; } tn_t_coll;
static void *tn_t_coll_main(void *arg) {
    tn_t_coll *x = (tn_t_coll *)arg;
    tn_ctx *pc = tn_ctx_new(1 << 20);
    tn_params ps;
    tn_tensor *a = tn_new_1d(pc, TN_TYPE_F32, x->mismatch ? 5 : 4);
    tn_train_state s;
    int i;
    tn_params_init(&ps);
    tn_set_param(pc, a);
    tn_params_add(&ps, pc, a, "a", 0);
    for (i = 0; i < (int)tn_nelements(a); i++) ((float *)a->data)[i] = (float)(x->c->rank * 10 + i);
    memset(&s, 0, sizeof(s));
    s.step = 100 + x->c->rank;
    x->st = tn_comm_sum_f64(x->c, x->v, 3);
    if (x->st == TN_OK) x->st = tn_comm_bcast(x->c, x->w, sizeof(x->w));
    if (x->st == TN_OK) {
        x->st = tn_comm_sync(x->c, &ps, NULL, &s);
        if (x->st == TN_OK && (s.step != 100 || ((float *)a->data)[3] != 3.0f)) x->st = TN_ERR_FORMAT;
    }
    snprintf(x->err, sizeof(x->err), "%s", x->st == TN_OK ? "" : tn_last_error());
    tn_params_deinit(&ps);
    tn_ctx_free(pc);
    return NULL;
}
#endif
static int test_dist_collectives(void) {
#ifndef TERNARY_NO_THREADS
    int P, mis;
    for (P = 1; P <= 4; P++)
        for (mis = 0; mis < 2; mis++) {
            tn_t_group g;
            tn_comm comms[8];
            tn_t_end ends[8];
            pthread_t th[8];
            static tn_t_coll xs[8];
            int r, i;
            if (mis && P < 2) continue;
            tn_t_group_init(&g, P, comms, ends, 0);
            for (r = 0; r < P; r++) {
                memset(&xs[r], 0, sizeof(xs[r]));
                xs[r].c = &comms[r];
                xs[r].mismatch = mis && r == P - 1;
                for (i = 0; i < 3; i++) xs[r].v[i] = (i == 0 ? 1e16 : 0.1) * (r == 0 ? 1 : r == 1 ? 1.0 : -1.0) + r; /* order matters */
                for (i = 0; i < 70000; i++) xs[r].w[i] = r == 0 ? (float)i : -1.0f;
                pthread_create(&th[r], NULL, tn_t_coll_main, &xs[r]);
            }
            for (r = 0; r < P; r++) pthread_join(th[r], NULL);
            CHECK(tn_t_group_free(&g));
            for (r = 0; r < P; r++) {
                double want[3];
                int k;
                for (i = 0; i < 3; i++) { /* the fold in rank order */
                    want[i] = xs[0].v[i] * 0 + ((i == 0 ? 1e16 : 0.1) * 1 + 0);
                    for (k = 1; k < P; k++) want[i] = want[i] + ((i == 0 ? 1e16 : 0.1) * (k == 1 ? 1.0 : -1.0) + k);
                    CHECK_MSG(xs[r].v[i] == want[i], "P %d rank %d v[%d] %.17g want %.17g", P, r, i, xs[r].v[i], want[i]);
                }
                CHECK(xs[r].w[69999] == 69999.0f && xs[r].w[1] == 1.0f);
                if (mis) CHECK_MSG(xs[r].st == TN_ERR_SHAPE && strstr(xs[r].err, "other than rank 0"), "rank %d: %s", r, xs[r].err);
                else CHECK_MSG(xs[r].st == TN_OK, "P %d rank %d: %s", P, r, xs[r].err);
            }
        }
#endif
    return 0;
}

/* tn_backward_ex reports each reached parameter once, with its final gradient */
typedef struct { int n; tn_tensor *seen[64]; float snap[64]; } tn_t_done;
static void tn_t_done_cb(tn_tensor *p, void *user) {
    tn_t_done *d = (tn_t_done *)user;
    if (d->n < 64) { d->seen[d->n] = p; d->snap[d->n] = (float)tn__sum_sq((const float *)p->grad->data, tn_nelements(p)); d->n++; }
}
static int test_backward_ex_done(void) {
    tn_ctx *pc = tn_ctx_new(4 << 20), *c = tn_ctx_new(32 << 20);
    tn_transformer m;
    tn_transformer_config cfg = tn_t_dist_cfg();
    tn_tensor *ids = tn_new_2d(c, TN_TYPE_I32, 8, 3), *tg = tn_new_2d(c, TN_TYPE_I32, 8, 3), *loss;
    tn_t_done d;
    int i, j;
    CHECK_OK(tn_transformer_init(&m, pc, &cfg, 5));
    tn_t_dist_batch(0, 0, ids, tg);
    loss = tn_transformer_loss(c, &m, ids, tg);
    tn_params_zero_grad(&m.params);
    memset(&d, 0, sizeof(d));
    CHECK_OK(tn_backward_ex(c, loss, tn_t_done_cb, &d));
    CHECK_EQ_INT(d.n, m.params.n);
    for (i = 0; i < d.n; i++) {
        for (j = 0; j < i; j++) CHECK(d.seen[j] != d.seen[i]);
        CHECK_MSG(d.snap[i] == (float)tn__sum_sq((const float *)d.seen[i]->grad->data, tn_nelements(d.seen[i])), "parameter %d changed after it was reported", i);
    }
    CHECK(d.seen[0] == m.params.items[m.params.n - 1].t || d.seen[0] == m.tok.w); /* the head (or the tied embedding) first */
    tn_transformer_deinit(&m);
    tn_ctx_free(c); tn_ctx_free(pc);
    return 0;
}
