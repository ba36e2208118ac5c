/* mnist.c - Fashion-MNIST with a float and a ternary (BitNet b1.58) MLP.
   Build: cc -O2 -I. examples/mnist.c -o mnist -lm -lpthread
   Data:  sudo apt-get install dataset-fashion-mnist   (or --data DIR with the 4 .gz IDX files)
   Run:   ./mnist [--epochs 5] [--seed 0] [--steps N] [--threads N] [--out mnist] [--constant-lr] [--ckpt]
                  [--batch 128] [--accum 1]
   MPI:   mpicc -O2 -DTERNARY_MPI -I. examples/mnist.c -o mnist-mpi -lm -lpthread
          mpirun -np 2 ./mnist-mpi --accum 2 --threads 1
          (the --accum micro-batches of a step shared out among the ranks: the
          same bits as one process with that --accum, for any number of ranks)
   784-256-256-10, ReLU, inputs in [0,1], batch 128, AdamW (lr 1e-3, betas
   0.9/0.999, weight decay 0.01), the learning rate decayed to 0 on a cosine
   over the run (--constant-lr keeps it at 1e-3). The float model uses Linear layers with
   biases; the ternary one BitLinear layers (RMSNorm, int8 activations,
   ternary weights). Prints per-epoch loss, test accuracy, throughput and ETA,
   writes OUT.csv (train loss every 50 steps and test loss every epoch, for
   tools/tn-plot) and OUT.gguf (the ternary model packed as
   TQ2_0), reloads that file, measures the packed model, prints a size table,
   and ends with: accuracy: float XX.XX% ternary XX.XX% packed XX.XX%
   --ckpt also writes each trained model with its optimizer state as
   OUT-float.ckpt / OUT-ternary.ckpt: the same bytes on every CPU path
   (TN_CPU=scalar|avx2|avx512), thread count and number of MPI ranks, for a
   given seed and --accum. A step is --accum micro-batches of --batch images,
   their gradients averaged (tn_grad_accum). */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the IDX files are gzip'ed: a small DEFLATE reader, at the end of this file (no zlib needed) */
static uint8_t *read_gz(const char *path, size_t *size);

/* ---- data ---- */
typedef struct { int n; float *x; int32_t *y; } dataset;
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static int load_split(const char *dir, const char *prefix, dataset *d) {
    char pi[1024], pl[1024];
    size_t ni, nl;
    uint8_t *img, *lab;
    int i;
    snprintf(pi, sizeof(pi), "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(pl, sizeof(pl), "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    img = read_gz(pi, &ni);
    lab = read_gz(pl, &nl);
    if (!img || !lab || ni < 16 || nl < 8 || be32(img) != 0x803 || be32(lab) != 0x801 || be32(img + 4) != be32(lab + 4) ||
        be32(img + 8) != 28 || be32(img + 12) != 28 || ni != 16 + (size_t)be32(img + 4) * 784 || nl != 8 + (size_t)be32(lab + 4)) {
        free(img); free(lab);
        return -1;
    }
    d->n = (int)be32(img + 4);
    d->x = (float *)malloc(sizeof(float) * 784 * (size_t)d->n);
    d->y = (int32_t *)malloc(sizeof(int32_t) * (size_t)d->n);
    for (i = 0; i < 784 * d->n; i++) d->x[i] = img[16 + i] / 255.0f;
    for (i = 0; i < d->n; i++) d->y[i] = lab[8 + i] < 10 ? lab[8 + i] : 0;
    free(img); free(lab);
    return 0;
}

/* ---- model ---- */
typedef struct { tn_bitlinear l[3]; } mlp;
static tn_tensor *mlp_forward(tn_ctx *c, mlp *m, tn_tensor *x) {
    tn_tensor *h = tn_relu(c, tn_bitlinear_forward(c, &m->l[0], x));
    h = tn_relu(c, tn_bitlinear_forward(c, &m->l[1], h));
    return tn_bitlinear_forward(c, &m->l[2], h);
}
static double wall(void) {
#if defined(CLOCK_MONOTONIC)
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
#else
    return (double)clock() / CLOCKS_PER_SEC;
#endif
}

#define LOG_EVERY 50
typedef struct { int n; double step[4096], train[4096], test[4096]; } curve; /* test: NAN except at epoch ends */

static const tn_comm *comm;   /* MPI: this rank among the others; NULL: one process */
static int is_rank0 = 1;

/* test accuracy and loss; with MPI the batches of 1000 shared out among the ranks,
   each batch's loss summed alone and the sums added in batch order (the same bits
   for any number of ranks) */
static double evaluate(tn_ctx *c, mlp *m, const dataset *d, double *test_loss) {
    size_t mark = tn_ctx_used(c);
    int i, j, k, B = 1000, nbat = (d->n + B - 1) / B;
    int64_t first = 0, count = nbat;
    double *part = (double *)calloc((size_t)nbat * 2 + 1, sizeof(double)), lsum = 0, correct = 0;
    if (!part || tn_comm_split(comm, nbat, &first, &count)) { fprintf(stderr, "error: %s\n", part ? tn_last_error() : "out of memory"); exit(1); }
    tn_ctx_set_grad_enabled(c, 0);
    for (i = (int)first * B; i < d->n && i < (int)(first + count) * B; i += B) {
        int nb = d->n - i < B ? d->n - i : B;
        int64_t ne[2] = {784, 0};
        tn_tensor *x, *lg;
        ne[1] = nb;
        x = tn_from_data(c, 2, ne, d->x + (size_t)i * 784);
        lg = mlp_forward(c, m, x);
        if (!lg) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
        for (j = 0; j < nb; j++) {
            const float *p = (const float *)lg->data + j * 10;
            double z = 0;
            int best = 0;
            for (k = 1; k < 10; k++) if (p[k] > p[best]) best = k;
            for (k = 0; k < 10; k++) z += exp((double)(p[k] - p[best]));
            part[2 * (i / B)] += log(z) - (p[d->y[i + j]] - p[best]);
            part[2 * (i / B) + 1] += best == d->y[i + j];
        }
        tn_ctx_rewind(c, mark);
    }
    tn_ctx_set_grad_enabled(c, 1);
    /* every slot is filled by one rank and 0 on the others: the sum over ranks is exact */
    if (tn_comm_sum_f64(comm, part, nbat * 2)) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
    for (i = 0; i < nbat; i++) { lsum += part[2 * i]; correct += part[2 * i + 1]; }
    free(part);
    if (test_loss) *test_loss = lsum / d->n;
    return 100.0 * correct / d->n;
}

static const char *ckpt_prefix; /* --ckpt: OUT */
static int B = 128, n_accum = 1; /* images per micro-batch, micro-batches per step */
static double train(const char *label, mlp *m, tn_params *ps, const dataset *tr, const dataset *te, int epochs, int max_steps,
                    uint64_t seed, tn_sched_kind sched, tn_pool *pool, curve *log) {
    tn_ctx *c = tn_ctx_new((size_t)256 << 20);
    tn_optim opt;
    tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_rng rng;
    int *perm = (int *)malloc(sizeof(int) * (size_t)tr->n), e, i, GB = B * n_accum, steps_per_epoch = tr->n / GB; /* the last partial batch is dropped */
    int total = epochs * steps_per_epoch, step = 0;
    int64_t first, count;
    tn_grad_accum ga;
    size_t mark;
    double t0 = wall(), acc = 0, win = 0;
    tn_schedule lr;
    tn_tensor *x = NULL, *y = NULL;
    if (max_steps > 0 && max_steps < total) total = max_steps;
    tn_ctx_set_pool(c, pool);
    cfg.lr = 1e-3f; cfg.beta1 = 0.9f; cfg.beta2 = 0.999f; cfg.weight_decay = 0.01f;
    cfg.decay_all = 1; /* as torch.optim.AdamW(model.parameters()) */
    tn_optim_init(&opt, ps, &cfg);
    /* the mean gradient over the step's micro-batches, folded in their order across the ranks */
    if (tn_grad_accum_init(&ga, ps, comm, 1) || tn_comm_split(comm, n_accum, &first, &count)) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
    if (comm && count == 0) { fprintf(stderr, "error: %d ranks for --accum %d micro-batches: give every rank at least one (--accum >= ranks)\n", comm->size, n_accum); exit(2); }
    lr = tn_schedule_make(sched, cfg.lr, 0, total);
    tn_rng_seed(&rng, seed * 7919 + 1);
    for (i = 0; i < tr->n; i++) perm[i] = i;
    x = tn_new_2d(c, TN_TYPE_F32, 784, B);
    y = tn_new_1d(c, TN_TYPE_I32, B);
    mark = tn_ctx_used(c);
    for (e = 0; e < epochs && step < total; e++) {
        double loss_sum = 0, te0 = wall();
        int nb = 0;
        for (i = tr->n - 1; i > 0; i--) { int j = (int)(tn_rng_u32(&rng) % (uint32_t)(i + 1)), t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        for (i = 0; i + GB <= tr->n && step < total; i += GB, step++, nb++) {
            int b;
            int64_t j;
            for (j = first; j < first + count; j++) { /* this rank's micro-batches of the step */
                const int *ix = perm + i + j * B;
                tn_tensor *loss;
                for (b = 0; b < B; b++) {
                    memcpy((float *)x->data + b * 784, tr->x + (size_t)ix[b] * 784, 784 * sizeof(float));
                    ((int32_t *)y->data)[b] = tr->y[ix[b]];
                }
                loss = tn_cross_entropy(c, mlp_forward(c, m, x), y, -1);
                if (tn_grad_accum_backward(&ga, c, loss, j == first + count - 1) != TN_OK) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
                tn_ctx_rewind(c, mark);
            }
            if (tn_optim_step(&opt, tn_schedule_lr(&lr, step), -1) != TN_OK) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
            loss_sum += ga.loss;
            win += ga.loss;
            if ((step + 1) % LOG_EVERY == 0 && log->n < 4096) {
                log->step[log->n] = step + 1; log->train[log->n] = win / LOG_EVERY; log->test[log->n] = NAN; log->n++;
                win = 0;
            }
            if (step % 100 == 0 || step + 1 == total) {
                double el = wall() - t0, rate = (step + 1) * (double)GB / el;
                printf("\r  %-7s epoch %d/%d  step %5d/%d  loss %.4f  %6.0f samples/s  ETA %4.0f s ", label, e + 1, epochs, step + 1, total,
                       ga.loss, rate, (total - step - 1) * (double)GB / rate);
                if (comm) printf(" (%d ranks, reduce %.2f ms after the backward) ", comm->size, 1e3 * ga.comm_seconds);
                fflush(stdout);
            }
        }
        {
            double tl = 0;
            acc = evaluate(c, m, te, &tl);
            if (log->n < 4096) { log->step[log->n] = step; log->train[log->n] = NAN; log->test[log->n] = tl; log->n++; }
        }
        printf("\r  %-7s epoch %d/%d  loss %.4f  test accuracy %.2f%%  %6.0f samples/s            \n", label, e + 1, epochs,
               nb ? loss_sum / nb : 0.0, acc, nb * GB / (wall() - te0));
    }
    if (ckpt_prefix && is_rank0) {
        char path[1024];
        tn_train_state st;
        memset(&st, 0, sizeof(st));
        st.step = step;
        st.epoch = e;
        st.rng = rng;
        snprintf(path, sizeof(path), "%s-%s.ckpt", ckpt_prefix, label);
        if (tn_checkpoint_save(path, ps, &opt, &st) != TN_OK) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
    }
    tn_grad_accum_deinit(&ga);
    tn_optim_deinit(&opt);
    free(perm);
    tn_ctx_free(c);
    return acc;
}

int main(int argc, char **argv) {
    const char *dir = "/usr/share/datasets/fashion-mnist", *out = "mnist";
    int epochs = 5, max_steps = 0, threads = tn_n_cpus(), i;
    uint64_t seed = 0;
    dataset tr, te;
    tn_ctx *pc = tn_ctx_new((size_t)64 << 20);
    tn_params pf, pt;
    mlp mf, mt, mp;
    tn_rng rng;
    tn_pool *pool;
    tn_csv csv;
    char path[1024];
    double af = 0, at, ap;
    int only_ternary = 0;
    tn_sched_kind sched = TN_SCHED_COSINE;
    static curve lf, lt;
#ifdef TERNARY_MPI
    static tn_comm world;
    if (tn_comm_mpi_init(&world, &argc, &argv)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    if (world.size > 1) comm = &world;
    is_rank0 = world.rank == 0;
    if (!is_rank0 && !freopen("/dev/null", "w", stdout)) return 1; /* rank 0 reports; errors still reach stderr */
#else
    if (tn_comm_launcher_size() > 1) {
        fprintf(stderr, "error: started as one of %d processes (mpirun?), but built without MPI: each would train alone and write the same files.\n"
                        "Build with:  mpicc -O2 -DTERNARY_MPI -I. examples/mnist.c -o mnist-mpi -lm -lpthread\n", tn_comm_launcher_size());
        return 2;
    }
#endif
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (uint64_t)atoll(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) max_steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) dir = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--ternary-only")) only_ternary = 1;
        else if (!strcmp(argv[i], "--constant-lr")) sched = TN_SCHED_CONSTANT;
        else if (!strcmp(argv[i], "--ckpt")) ckpt_prefix = "";
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) B = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--accum") && i + 1 < argc) n_accum = atoi(argv[++i]);
#ifdef TERNARY_MPI
        else if (!strcmp(argv[i], "--no-overlap")) world.threaded = 0; /* the reduction after the backward, not beside it */
#endif
        else { fprintf(stderr, "usage: %s [--epochs N] [--seed S] [--steps N] [--threads N] [--data DIR] [--out PREFIX] [--ternary-only] [--constant-lr] [--ckpt]\n"
                               "       [--batch N] [--accum N]\n", argv[0]); return 2; }
    }
    if (B < 1 || B > 60000 || n_accum < 1 || n_accum > 60000 / B) { fprintf(stderr, "--batch %d --accum %d: want a step of 1..60000 images\n", B, n_accum); return 2; }
    if (ckpt_prefix) ckpt_prefix = out;
    if (load_split(dir, "train", &tr) || load_split(dir, "t10k", &te)) {
        fprintf(stderr, "Fashion-MNIST not found in %s.\nInstall it with:  sudo apt-get install dataset-fashion-mnist\n(or pass --data DIR holding train-images-idx3-ubyte.gz and the other three files)\n", dir);
        return 3;
    }
    pool = tn_pool_new(threads > 0 ? threads : 1);
    printf("Fashion-MNIST: %d training and %d test images; %d thread(s), %s kernels; steps of %d x %d images",
           tr.n, te.n, tn_pool_n_threads(pool), tn_simd_name(), n_accum, B);
    if (comm) printf(" over %d MPI ranks", comm->size);
    printf("\n");
    tn_params_init(&pf); tn_params_init(&pt);
    tn_rng_seed(&rng, seed);
    tn_bitlinear_init(&mf.l[0], pc, &pf, "fc1", 784, 256, TN_LAYER_FLOAT | TN_LAYER_BIAS, &rng);
    tn_bitlinear_init(&mf.l[1], pc, &pf, "fc2", 256, 256, TN_LAYER_FLOAT | TN_LAYER_BIAS, &rng);
    tn_bitlinear_init(&mf.l[2], pc, &pf, "fc3", 256, 10, TN_LAYER_FLOAT | TN_LAYER_BIAS, &rng);
    tn_rng_seed(&rng, seed);
    tn_bitlinear_init(&mt.l[0], pc, &pt, "fc1", 784, 256, TN_LAYER_NORM, &rng);
    tn_bitlinear_init(&mt.l[1], pc, &pt, "fc2", 256, 256, TN_LAYER_NORM, &rng);
    tn_bitlinear_init(&mt.l[2], pc, &pt, "fc3", 256, 10, TN_LAYER_NORM, &rng);
    if (!only_ternary) {
        printf("float MLP (784-256-256-10, %lld parameters):\n", (long long)tn_params_count(&pf));
        af = train("float", &mf, &pf, &tr, &te, epochs, max_steps, seed, sched, pool, &lf);
    }
    printf("ternary MLP (BitLinear + RMSNorm, %lld parameters):\n", (long long)tn_params_count(&pt));
    at = train("ternary", &mt, &pt, &tr, &te, epochs, max_steps, seed, sched, pool, &lt);
    snprintf(path, sizeof(path), "%s.csv", out);
    if (!is_rank0) goto done; /* the models are trained: rank 0 writes the log, exports and measures */
    comm = NULL;
    if (tn_csv_open(&csv, path, "step,float_train_loss,ternary_train_loss,float_test_loss,ternary_test_loss", 0)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    for (i = 0; i < (lt.n > lf.n ? lt.n : lf.n); i++) { /* both models log at the same steps */
        double row[5];
        row[0] = i < lt.n ? lt.step[i] : lf.step[i];
        row[1] = i < lf.n ? lf.train[i] : NAN; row[2] = i < lt.n ? lt.train[i] : NAN;
        row[3] = i < lf.n ? lf.test[i] : NAN; row[4] = i < lt.n ? lt.test[i] : NAN;
        tn_csv_row(&csv, row, 5);
    }
    tn_csv_close(&csv);
    { /* export the ternary model packed as TQ2_0, reload, measure */
        tn_gguf *g = tn_gguf_new(), *g2 = NULL;
        tn_params pp;
        tn_ctx *c = tn_ctx_new((size_t)64 << 20);
        size_t f32_bytes = 0, packed_bytes = 0;
        int64_t zeros = 0, nw = 0, k;
        tn_gguf_set_str(g, "general.architecture", "mlp");
        tn_gguf_set_str(g, "general.name", "Fashion-MNIST ternary MLP (ternary.h)");
        tn_gguf_set_u32(g, "general.quantization_version", 2);
        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "fc%d", i + 1);
            if (tn_gguf_add_bitlinear(g, &mt.l[i], path, TN_TYPE_TQ2_0, TN_TYPE_F32)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        }
        snprintf(path, sizeof(path), "%s.gguf", out);
        if (tn_gguf_write_file(g, path)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        tn_gguf_free(g);
        if (tn_gguf_read_file(path, 1, &g2)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        tn_params_init(&pp);
        tn_rng_seed(&rng, 12345); /* other random weights: everything must come from the file */
        tn_bitlinear_init(&mp.l[0], pc, &pp, "fc1", 784, 256, TN_LAYER_NORM, &rng);
        tn_bitlinear_init(&mp.l[1], pc, &pp, "fc2", 256, 256, TN_LAYER_NORM, &rng);
        tn_bitlinear_init(&mp.l[2], pc, &pp, "fc3", 256, 10, TN_LAYER_NORM, &rng);
        for (i = 0; i < 3; i++) {
            snprintf(path, sizeof(path), "fc%d", i + 1);
            if (tn_bitlinear_load_gguf(&mp.l[i], pc, g2, path)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        }
        for (i = 0; i < tn_gguf_n_tensors(g2); i++) { tn_gguf_tensor t; tn_gguf_get_tensor(g2, i, &t); packed_bytes += t.nbytes; }
        tn_gguf_free(g2);
        tn_ctx_set_pool(c, pool);
        ap = evaluate(c, &mp, &te, NULL);
        for (i = 0; i < pt.n; i++) f32_bytes += tn_nbytes(pt.items[i].t);
        for (i = 0; i < 3; i++) {
            float s;
            int8_t *t = (int8_t *)malloc((size_t)(mt.l[i].in * mt.l[i].out));
            tn_ternary_absmean((const float *)mt.l[i].w->data, mt.l[i].in * mt.l[i].out, t, &s);
            for (k = 0; k < mt.l[i].in * mt.l[i].out; k++) zeros += t[k] == 0;
            nw += mt.l[i].in * mt.l[i].out;
            free(t);
        }
        printf("\nsize of the ternary model (%lld weights):\n", (long long)nw);
        printf("  %-34s %10zu bytes\n", "f32 (training)", f32_bytes);
        printf("  %-34s %10zu bytes  %.1fx smaller, %.2f bits/weight\n", "packed TQ2_0 file (rows padded)", packed_bytes,
               (double)f32_bytes / (double)packed_bytes, 8.0 * (double)packed_bytes / (double)nw);
        printf("  %-34s %10.1f%%\n", "sparsity (zero weights)", 100.0 * (double)zeros / (double)nw);
        printf("  written to %s.gguf, log in %s.csv\n\n", out, out);
        tn_params_deinit(&pp);
        tn_ctx_free(c);
    }
    if (only_ternary) printf("accuracy: ternary %.2f%% packed %.2f%%\n", at, ap);
    else printf("accuracy: float %.2f%% ternary %.2f%% packed %.2f%%\n", af, at, ap);
done:
    tn_params_deinit(&pf); tn_params_deinit(&pt);
    tn_pool_free(pool);
    tn_ctx_free(pc);
    free(tr.x); free(tr.y); free(te.x); free(te.y);
#ifdef TERNARY_MPI
    tn_comm_mpi_finalize(&world);
#endif
    return 0;
}

/* ---- a small gzip / DEFLATE decoder (RFC 1951/1952), no zlib needed ---- */
typedef struct { const uint8_t *in; size_t n, pos; uint32_t bits; int nbits; int err; } inflater;
static int getbit(inflater *z) {
    if (z->nbits == 0) {
        if (z->pos >= z->n) { z->err = 1; return 0; }
        z->bits = z->in[z->pos++];
        z->nbits = 8;
    }
    z->nbits--;
    { int b = (int)(z->bits & 1u); z->bits >>= 1; return b; }
}
static uint32_t getbits(inflater *z, int n) {
    uint32_t v = 0;
    int i;
    for (i = 0; i < n; i++) v |= (uint32_t)getbit(z) << i;
    return v;
}
/* canonical Huffman code: count[len], symbols sorted by code */
typedef struct { short count[16]; short sym[320]; } huff;
static int huff_build(huff *h, const uint8_t *len, int n) {
    short offs[16];
    int i, left = 1;
    memset(h->count, 0, sizeof(h->count));
    for (i = 0; i < n; i++) h->count[len[i]]++;
    for (i = 1; i < 16; i++) { left <<= 1; left -= h->count[i]; if (left < 0) return -1; }
    offs[1] = 0;
    for (i = 1; i < 15; i++) offs[i + 1] = (short)(offs[i] + h->count[i]);
    for (i = 0; i < n; i++) if (len[i]) h->sym[offs[len[i]]++] = (short)i;
    return 0;
}
static int huff_decode(inflater *z, const huff *h) {
    int code = 0, first = 0, index = 0, len;
    for (len = 1; len < 16; len++) {
        int count;
        code |= getbit(z);
        count = h->count[len];
        if (code - first < count) return h->sym[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
        if (z->err) return -1;
    }
    return -1;
}
static const short len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const short len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const short dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const short dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* inflate into out (cap bytes); returns bytes written or -1 */
static long inflate_raw(inflater *z, uint8_t *out, size_t cap) {
    size_t o = 0;
    int last;
    do {
        int type;
        huff lit, dist;
        last = getbit(z);
        type = (int)getbits(z, 2);
        if (type == 0) { /* stored */
            uint32_t n;
            z->nbits = 0;
            if (z->pos + 4 > z->n) return -1;
            n = (uint32_t)z->in[z->pos] | ((uint32_t)z->in[z->pos + 1] << 8);
            z->pos += 4;
            if (z->pos + n > z->n || o + n > cap) return -1;
            memcpy(out + o, z->in + z->pos, n);
            z->pos += n; o += n;
            continue;
        }
        if (type == 1) { /* fixed codes */
            uint8_t l[320];
            int i;
            for (i = 0; i < 144; i++) l[i] = 8;
            for (; i < 256; i++) l[i] = 9;
            for (; i < 280; i++) l[i] = 7;
            for (; i < 288; i++) l[i] = 8;
            huff_build(&lit, l, 288);
            for (i = 0; i < 30; i++) l[i] = 5;
            huff_build(&dist, l, 30);
        } else if (type == 2) { /* dynamic codes */
            static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
            uint8_t l[320];
            huff cl;
            int nlen = (int)getbits(z, 5) + 257, ndist = (int)getbits(z, 5) + 1, ncode = (int)getbits(z, 4) + 4, i;
            if (nlen > 286 || ndist > 30) return -1;
            memset(l, 0, sizeof(l));
            for (i = 0; i < ncode; i++) l[order[i]] = (uint8_t)getbits(z, 3);
            if (huff_build(&cl, l, 19)) return -1;
            for (i = 0; i < nlen + ndist;) {
                int sym = huff_decode(z, &cl), rep = 0, val = 0;
                if (sym < 0) return -1;
                if (sym < 16) { l[i++] = (uint8_t)sym; continue; }
                if (sym == 16) { if (i == 0) return -1; val = l[i - 1]; rep = 3 + (int)getbits(z, 2); }
                else if (sym == 17) rep = 3 + (int)getbits(z, 3);
                else rep = 11 + (int)getbits(z, 7);
                if (i + rep > nlen + ndist) return -1;
                while (rep--) l[i++] = (uint8_t)val;
            }
            if (huff_build(&lit, l, nlen) || huff_build(&dist, l + nlen, ndist)) return -1;
        } else return -1;
        for (;;) { /* symbols of the block */
            int sym = huff_decode(z, &lit);
            if (sym < 0 || z->err) return -1;
            if (sym < 256) { if (o >= cap) return -1; out[o++] = (uint8_t)sym; continue; }
            if (sym == 256) break;
            sym -= 257;
            if (sym >= 29) return -1;
            {
                size_t len = (size_t)(len_base[sym] + (int)getbits(z, len_extra[sym])), d;
                int ds = huff_decode(z, &dist);
                if (ds < 0 || ds >= 30) return -1;
                d = (size_t)(dist_base[ds] + (int)getbits(z, dist_extra[ds]));
                if (d > o || o + len > cap) return -1;
                while (len--) { out[o] = out[o - d]; o++; }
            }
        }
    } while (!last && !z->err);
    return z->err ? -1 : (long)o;
}

/* the whole .gz file decompressed (one member), NULL with a message on failure */
static uint8_t *read_gz(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    uint8_t *in, *out;
    long n;
    size_t isize, pos = 10;
    inflater z;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); n = ftell(f); fseek(f, 0, SEEK_SET);
    in = (uint8_t *)malloc((size_t)n);
    if (!in || n < 18 || fread(in, 1, (size_t)n, f) != (size_t)n) { fclose(f); free(in); return NULL; }
    fclose(f);
    if (in[0] != 0x1f || in[1] != 0x8b || in[2] != 8) { fprintf(stderr, "%s: not a gzip file\n", path); free(in); return NULL; }
    if (in[3] & 4) pos += 2 + (size_t)(in[10] | (in[11] << 8));        /* FEXTRA */
    if (in[3] & 8) while (pos < (size_t)n && in[pos++]) {}              /* FNAME */
    if (in[3] & 16) while (pos < (size_t)n && in[pos++]) {}             /* FCOMMENT */
    if (in[3] & 2) pos += 2;                                            /* FHCRC */
    isize = (size_t)in[n - 4] | ((size_t)in[n - 3] << 8) | ((size_t)in[n - 2] << 16) | ((size_t)in[n - 1] << 24);
    out = (uint8_t *)malloc(isize + 1);
    memset(&z, 0, sizeof(z));
    z.in = in; z.n = (size_t)n - 8; z.pos = pos;
    if (!out || pos >= (size_t)n || inflate_raw(&z, out, isize) != (long)isize) { fprintf(stderr, "%s: corrupt gzip data\n", path); free(in); free(out); return NULL; }
    free(in);
    *size = isize;
    return out;
}
