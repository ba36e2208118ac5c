/* tn-bench - kernel, GEMM and training benchmarks of ternary.h, with the
   memory bandwidth of this machine measured in the same run.
   Build: cc -O2 -I. tools/tn-bench.c -o tn-bench -lm -lpthread
   Usage: tn-bench [--json] [--quick] [--op matvec|matmul|gemm_f32|train|membw]
                   [--type T] [--rows N] [--cols K] [--batch B] [--threads N]
   Prints a table (or one JSON array with --json). Times are the median and
   the minimum of repeated runs; "noise" is median/min - 1, so a busy machine
   shows itself. Weight GB/s = weight bytes / median time; GOPS counts
   2*rows*cols*batch; "x ref" is the speed-up over the scalar reference
   kernel; "of bw" is the share of the streaming bandwidth measured with as
   many threads.
   Streamed runs rotate through copies of the weights larger than the caches.
   The f32 GEMM is measured beside the system's OpenBLAS when one can be
   loaded at run time (libopenblas.so.0, or the file named by TN_BENCH_BLAS;
   Debian: apt-get install libopenblas0-pthread); its rows are op "gemm_blas",
   and "x ref" of a gemm_f32 row is ternary.h's speed over OpenBLAS's. Nothing
   is linked: without the library those rows are left out.
   Training is measured in rounds alternating with PyTorch running the same
   configurations (tools/bench_torch.py through /usr/bin/python3, or the script
   named by TN_BENCH_TORCH) when torch can be imported; "x ref" of a train row
   is PyTorch's step time over ternary.h's. The second line names the CPU, the
   features the dispatcher found and the path in use: pin with taskset for
   steady figures. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime, dlopen under -std=c99 */
#endif
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#define BENCH_HAVE_DLOPEN 1
#endif

static double wall(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }
static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

static int json = 0, first_json = 1, quick = 0;
static double membw_1 = 0, membw_2 = 0; /* streaming read bandwidth with 1 and 2 threads */

static void emit(const char *op, const char *type, int64_t rows, int64_t cols, int64_t batch, int threads, int resident,
                 double med, double mn, double gbps, double gops, double xref, double ofbw) {
    if (json) {
        printf("%s\n  {\"op\": \"%s\", \"type\": \"%s\", \"rows\": %lld, \"cols\": %lld, \"batch\": %lld, \"threads\": %d, \"resident\": %s, "
               "\"ms_median\": %.5f, \"ms_min\": %.5f, \"gbps\": %.3f, \"gops\": %.3f, \"speedup_vs_ref\": %.2f, \"frac_membw\": %.3f}",
               first_json ? "[" : ",", op, type, (long long)rows, (long long)cols, (long long)batch, threads, resident ? "true" : "false",
               med, mn, gbps, gops, xref, ofbw);
        first_json = 0;
    } else {
        char xr[16], fb[16];
        if (xref > 0) snprintf(xr, sizeof(xr), "%6.1fx", xref); else snprintf(xr, sizeof(xr), "%7s", "-");
        if (ofbw > 0) snprintf(fb, sizeof(fb), "%5.0f%%", 100 * ofbw); else snprintf(fb, sizeof(fb), "%6s", "-");
        printf("%-9s %-6s %6lld x %-6lld %5lld %3d %-8s %9.4f %9.4f %5.0f%% %8.2f %8.1f %s %s\n", op, type, (long long)rows, (long long)cols,
               (long long)batch, threads, resident ? "resident" : "streamed", med, mn, mn > 0 ? 100 * (med / mn - 1) : 0, gbps, gops, xr, fb);
    }
    fflush(stdout);
}

/* run f reps times (at least 3, about budget seconds), median and min in ms */
typedef void (*bench_fn)(void *ctx, int rep);
static void timeit(bench_fn f, void *ctx, double budget, double *med, double *mn) {
    double t[201], t0;
    int n = 0;
    f(ctx, 0); /* warm up */
    t0 = wall();
    while (n < 201 && (n < 3 || (wall() - t0 < budget && n < 200))) {
        double a = wall();
        f(ctx, n + 1);
        t[n++] = (wall() - a) * 1e3;
    }
    qsort(t, (size_t)n, sizeof(double), cmp_d);
    *med = t[n / 2];
    *mn = t[0];
}

/* -- memory bandwidth: a streaming read of a buffer far larger than the caches -- */
typedef struct { const uint64_t *p; size_t n; uint64_t sink; tn_pool *pool; } bw_ctx;
static void bw_task(void *a, int ith, int nth) {
    bw_ctx *c = (bw_ctx *)a;
    size_t lo = c->n * (size_t)ith / (size_t)nth, hi = c->n * (size_t)(ith + 1) / (size_t)nth, i;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (i = lo; i + 4 <= hi; i += 4) { s0 += c->p[i]; s1 += c->p[i + 1]; s2 += c->p[i + 2]; s3 += c->p[i + 3]; }
    c->sink += s0 ^ s1 ^ s2 ^ s3;
}
static void bw_run(void *a, int rep) { bw_ctx *c = (bw_ctx *)a; (void)rep; tn_pool_run(c->pool, bw_task, c); }
static double membw(int threads) {
    size_t bytes = quick ? ((size_t)128 << 20) : ((size_t)1 << 30);
    bw_ctx c;
    double med, mn;
    uint64_t *buf = (uint64_t *)malloc(bytes);
    if (!buf) return 0;
    memset(buf, 1, bytes);
    c.p = buf; c.n = bytes / 8; c.sink = 0; c.pool = tn_pool_new(threads);
    timeit(bw_run, &c, quick ? 0.3 : 1.0, &med, &mn);
    emit("membw", "u64", 0, 0, 0, threads, 0, med, mn, (double)bytes / med / 1e6, 0, 0, 0);
    tn_pool_free(c.pool);
    free(buf);
    return (double)bytes / med / 1e6;
}

/* -- mat-vec and small-batch mat-mat on packed weights -- */
typedef struct { tn_tensor **w; int ncopy; tn_tensor *x, *y; tn_pool *pool; int ref; } mv_ctx;
static void mv_run(void *a, int rep) {
    mv_ctx *c = (mv_ctx *)a;
    tn_tensor *w = c->w[rep % c->ncopy];
    if ((c->ref ? tn_mul_mat_ref : tn_mul_mat)(c->y, w, c->x, c->pool) != TN_OK) { fprintf(stderr, "tn-bench: %s\n", tn_last_error()); exit(1); }
}

static tn_tensor *make_weights(tn_ctx *ctx, tn_type type, int64_t rows, int64_t cols, tn_rng *r) {
    tn_tensor *w = tn_new_2d(ctx, type, cols, rows);
    float *row = (float *)malloc(sizeof(float) * (size_t)cols);
    int8_t *t = (int8_t *)malloc((size_t)cols);
    int64_t i, k;
    if (!w) { fprintf(stderr, "tn-bench: %s\n", tn_last_error()); exit(1); }
    for (i = 0; i < rows; i++) {
        uint8_t *dst = (uint8_t *)w->data + (size_t)i * w->nb[1];
        for (k = 0; k < cols; k++) { uint32_t u = tn_rng_u32(r); t[k] = (int8_t)(u % 3) - 1; row[k] = (type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0) ? 0.02f * t[k] : 0.02f * tn_rng_normal(r); }
        if (type == TN_TYPE_T2) tn_pack2(dst, t, cols);
        else tn_quantize_row(type, row, dst, cols);
    }
    w->scale = 0.02f;
    free(row); free(t);
    return w;
}

static void bench_mv(tn_type type, int64_t rows, int64_t cols, int64_t batch, int threads, int resident, double ref_ms_batch1_t1, double *ms_out) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    size_t wbytes = tn_row_size(type, cols) * (size_t)rows, xbytes;
    int ncopy = resident ? 1 : (int)(((size_t)768 << 20) / wbytes + 1), i;
    tn_ctx *ctx;
    mv_ctx c;
    tn_rng r;
    double med, mn, gops, gbps;
    char tname[16];
    float *xf;
    if (quick && !resident) ncopy = (int)(((size_t)96 << 20) / wbytes + 1);
    if (ncopy > 1 && (size_t)ncopy * wbytes > ((size_t)6 << 30)) ncopy = (int)(((size_t)6 << 30) / wbytes);
    if (ncopy < 1) ncopy = 1;
    xbytes = tn_row_size(tr->vec_dot_type, cols) * (size_t)batch;
    ctx = tn_ctx_new(wbytes * (size_t)ncopy + xbytes + sizeof(float) * (size_t)(rows * batch + cols * batch) + ((size_t)ncopy + 8) * 1024 + ((size_t)1 << 20));
    if (!ctx) { fprintf(stderr, "tn-bench: %s\n", tn_last_error()); exit(1); }
    tn_rng_seed(&r, 1);
    c.w = (tn_tensor **)malloc(sizeof(tn_tensor *) * (size_t)ncopy);
    c.w[0] = make_weights(ctx, type, rows, cols, &r);
    for (i = 1; i < ncopy; i++) { c.w[i] = tn_new_2d(ctx, type, cols, rows); memcpy(c.w[i]->data, c.w[0]->data, wbytes); c.w[i]->scale = c.w[0]->scale; }
    c.ncopy = ncopy;
    /* activations already in the kernel's format: this times the kernel */
    c.x = tn_new_2d(ctx, tr->vec_dot_type, cols, batch);
    xf = (float *)malloc(sizeof(float) * (size_t)cols);
    for (i = 0; i < batch; i++) {
        int64_t k;
        for (k = 0; k < cols; k++) xf[k] = tn_rng_normal(&r);
        tn_quantize_row(tr->vec_dot_type, xf, (uint8_t *)c.x->data + (size_t)i * c.x->nb[1], cols);
    }
    free(xf);
    c.y = tn_new_2d(ctx, TN_TYPE_F32, rows, batch);
    c.pool = tn_pool_new(threads);
    c.ref = 0;
    timeit(mv_run, &c, quick ? 0.15 : 0.6, &med, &mn);
    if (ms_out) *ms_out = med;
    gops = 2.0 * (double)rows * (double)cols * (double)batch / med / 1e6;
    gbps = (double)wbytes / med / 1e6;
    snprintf(tname, sizeof(tname), "%s", tn_type_name(type));
    emit(batch == 1 ? "matvec" : "matmul", tname, rows, cols, batch, threads, resident, med, mn, gbps, gops,
         ref_ms_batch1_t1 > 0 ? ref_ms_batch1_t1 * (double)batch / med * 1.0 : 0, !resident && (threads > 1 ? membw_2 : membw_1) > 0 ? gbps / (threads > 1 ? membw_2 : membw_1) : 0);
    tn_pool_free(c.pool);
    free(c.w);
    tn_ctx_free(ctx);
}

static double ref_ms(tn_type type, int64_t rows, int64_t cols) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    tn_ctx *ctx = tn_ctx_new(tn_row_size(type, cols) * (size_t)rows + tn_row_size(tr->vec_dot_type, cols) + sizeof(float) * (size_t)(rows + cols) + ((size_t)1 << 20));
    mv_ctx c;
    tn_rng r;
    tn_tensor *w;
    double med, mn;
    float *xf = (float *)malloc(sizeof(float) * (size_t)cols);
    int64_t k;
    tn_rng_seed(&r, 1);
    w = make_weights(ctx, type, rows, cols, &r);
    c.w = &w; c.ncopy = 1;
    c.x = tn_new_2d(ctx, tr->vec_dot_type, cols, 1);
    for (k = 0; k < cols; k++) xf[k] = tn_rng_normal(&r);
    tn_quantize_row(tr->vec_dot_type, xf, c.x->data, cols);
    free(xf);
    c.y = tn_new_2d(ctx, TN_TYPE_F32, rows, 1);
    c.pool = NULL;
    c.ref = 1;
    timeit(mv_run, &c, 0.05, &med, &mn);
    tn_ctx_free(ctx);
    return mn;
}

/* -- f32 GEMM, and OpenBLAS's sgemm on the same data when it can be loaded -- */
typedef void (*sgemm_fn)(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc);
typedef void (*blas_threads_fn)(int n);
static sgemm_fn blas_sgemm = NULL;
static blas_threads_fn blas_set_threads = NULL;
static const char *blas_name = NULL;
static void blas_load(void) {
#if defined(BENCH_HAVE_DLOPEN)
    const char *names[3];
    int i;
    void *h = NULL;
    names[0] = getenv("TN_BENCH_BLAS"); names[1] = "libopenblas.so.0"; names[2] = "libopenblas.so";
    for (i = 0; i < 3 && !h; i++)
        if (names[i] && (h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) != NULL) blas_name = names[i];
    if (!h) return;
    /* POSIX's way of turning a data pointer into a function pointer */
    *(void **)&blas_sgemm = dlsym(h, "cblas_sgemm");
    *(void **)&blas_set_threads = dlsym(h, "openblas_set_num_threads");
    if (!blas_sgemm || !blas_set_threads) { blas_sgemm = NULL; blas_name = NULL; }
#endif
}
typedef struct { int64_t n; float *A, *B, *C; tn_pool *pool; } gemm_ctx;
static void gemm_run(void *a, int rep) { gemm_ctx *g = (gemm_ctx *)a; (void)rep; tn_gemm_f32(g->pool, g->n, g->n, g->n, g->A, g->n, g->B, g->n, g->C, g->n); }
/* C = A * B^T, row-major, as tn_gemm_f32 computes it */
static void blas_run(void *a, int rep) { gemm_ctx *g = (gemm_ctx *)a; int n = (int)g->n; (void)rep; blas_sgemm(101, 111, 112, n, n, n, 1.0f, g->A, n, g->B, n, 0.0f, g->C, n); }
static void bench_gemm(int64_t n, int threads) {
    gemm_ctx g;
    double med, mn, bmed = 0, bmn = 0;
    int64_t i;
    g.n = n;
    g.A = (float *)malloc(sizeof(float) * (size_t)(n * n));
    g.B = (float *)malloc(sizeof(float) * (size_t)(n * n));
    g.C = (float *)malloc(sizeof(float) * (size_t)(n * n));
    for (i = 0; i < n * n; i++) { g.A[i] = (float)(i % 13) * 0.01f; g.B[i] = (float)(i % 7) * 0.01f; }
    g.pool = tn_pool_new(threads);
    if (blas_sgemm) { /* alternate the two so both see the same machine state */
        blas_set_threads(threads);
        timeit(blas_run, &g, quick ? 0.2 : 0.8, &bmed, &bmn);
    }
    timeit(gemm_run, &g, quick ? 0.2 : 0.8, &med, &mn);
    if (blas_sgemm) {
        double m2, n2;
        timeit(blas_run, &g, quick ? 0.2 : 0.8, &m2, &n2);
        if (m2 < bmed) bmed = m2;
        if (n2 < bmn) bmn = n2;
        emit("gemm_blas", "f32", n, n, n, threads, 1, bmed, bmn, 0, 2.0 * (double)n * n * n / bmed / 1e6, 0, 0);
    }
    emit("gemm_f32", "f32", n, n, n, threads, 1, med, mn, 0, 2.0 * (double)n * n * n / med / 1e6, blas_sgemm ? bmed / med : 0, 0);
    tn_pool_free(g.pool);
    free(g.A); free(g.B); free(g.C);
}

/* -- training throughput: the Fashion-MNIST MLP shapes on generated data, and the char-LM -- */
static void bench_train_mlp(int ternary, int threads, double *med_out, double *min_out) {
    tn_ctx *pc = tn_ctx_new(16 << 20), *c = tn_ctx_new((size_t)256 << 20);
    tn_params ps;
    tn_bitlinear l[3];
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_rng r;
    tn_tensor *x = tn_new_2d(pc, TN_TYPE_F32, 784, 128), *y = tn_new_1d(pc, TN_TYPE_I32, 128);
    tn_pool *pool = tn_pool_new(threads);
    int flags = ternary ? TN_LAYER_NORM : (TN_LAYER_FLOAT | TN_LAYER_BIAS), i, steps = quick ? 10 : 60;
    double t[64], med, mn;
    size_t mark;
    tn_params_init(&ps);
    tn_rng_seed(&r, 1);
    for (i = 0; i < 784 * 128; i++) ((float *)x->data)[i] = tn_rng_uniform(&r);
    for (i = 0; i < 128; i++) ((int32_t *)y->data)[i] = (int32_t)(tn_rng_u32(&r) % 10);
    tn_bitlinear_init(&l[0], pc, &ps, "a", 784, 256, flags, &r);
    tn_bitlinear_init(&l[1], pc, &ps, "b", 256, 256, flags, &r);
    tn_bitlinear_init(&l[2], pc, &ps, "c", 256, 10, flags, &r);
    tn_optim_init(&opt, &ps, &oc);
    tn_ctx_set_pool(c, pool);
    mark = tn_ctx_used(c);
    for (i = 0; i < steps + 2; i++) {
        double a = wall();
        tn_tensor *h = tn_relu(c, tn_bitlinear_forward(c, &l[0], x));
        tn_tensor *loss = tn_cross_entropy(c, tn_bitlinear_forward(c, &l[2], tn_relu(c, tn_bitlinear_forward(c, &l[1], h))), y, -1);
        tn_params_zero_grad(&ps);
        tn_backward(c, loss);
        tn_optim_step(&opt, -1, -1);
        tn_ctx_rewind(c, mark);
        if (i >= 2) t[i - 2] = (wall() - a) * 1e3;
    }
    qsort(t, (size_t)steps, sizeof(double), cmp_d);
    med = t[steps / 2]; mn = t[0];
    *med_out = med; *min_out = mn;
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_pool_free(pool);
    tn_ctx_free(c);
    tn_ctx_free(pc);
}
static void bench_train_lm(int ternary, int threads, double *med_out, double *min_out) {
    tn_ctx *pc = tn_ctx_new(64 << 20), *c = tn_ctx_new((size_t)1 << 30);
    tn_transformer m;
    tn_transformer_config cfg = tn_transformer_config_default();
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_tensor *ids = tn_new_2d(pc, TN_TYPE_I32, 64, 32), *tg = tn_new_2d(pc, TN_TYPE_I32, 64, 32);
    tn_pool *pool = tn_pool_new(threads);
    int i, steps = quick ? 3 : 12;
    double t[64], med, mn;
    size_t mark;
    tn_rng r;
    tn_rng_seed(&r, 2);
    for (i = 0; i < 64 * 32; i++) { ((int32_t *)ids->data)[i] = (int32_t)(tn_rng_u32(&r) % 256); ((int32_t *)tg->data)[i] = (int32_t)(tn_rng_u32(&r) % 256); }
    cfg.layer_flags = ternary ? 0 : TN_LAYER_FLOAT;
    tn_transformer_init(&m, pc, &cfg, 1);
    tn_optim_init(&opt, &m.params, &oc);
    tn_ctx_set_pool(c, pool);
    mark = tn_ctx_used(c);
    for (i = 0; i < steps + 1; i++) {
        double a = wall();
        tn_tensor *loss = tn_transformer_loss(c, &m, ids, tg);
        tn_params_zero_grad(&m.params);
        tn_backward(c, loss);
        tn_optim_step(&opt, -1, -1);
        tn_ctx_rewind(c, mark);
        if (i >= 1) t[i - 1] = (wall() - a) * 1e3;
    }
    qsort(t, (size_t)steps, sizeof(double), cmp_d);
    med = t[steps / 2]; mn = t[0];
    *med_out = med; *min_out = mn;
    tn_optim_deinit(&opt);
    tn_transformer_deinit(&m);
    tn_pool_free(pool);
    tn_ctx_free(c);
    tn_ctx_free(pc);
}

/* the machine, as every figure must name it: model, the features the dispatcher
   saw, the path in use and TN_CPU */
static void print_cpu(void) {
    char model[128] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof(line), f))
            if (!strncmp(line, "model name", 10) || !strncmp(line, "CPU part", 8)) {
                char *c = strchr(line, ':');
                if (c) { snprintf(model, sizeof(model), "%s", c + 2); model[strcspn(model, "\n")] = 0; }
                break;
            }
        fclose(f);
    }
    printf("cpu: %s; features: %s; path %s (TN_CPU=%s)\n", model, tn_cpu_features(), tn_path_name(tn_cpu_path()), getenv("TN_CPU") ? getenv("TN_CPU") : "unset");
}

/* -- training, alternating with PyTorch (tools/bench_torch.py, the same four
   configurations) when /usr/bin/python3 can import torch: rounds of ours then
   theirs, each figure the median over rounds of per-round median steps, and
   the min; "x ref" is PyTorch's step time over ours -- */
static const char *const train_names[4] = {"mlp_f32", "mlp_ternary", "charlm_ternary", "charlm_f32"};
static int torch_round(int threads, double ms[4]) {
#if defined(BENCH_HAVE_DLOPEN)
    const char *script = getenv("TN_BENCH_TORCH") ? getenv("TN_BENCH_TORCH") : "tools/bench_torch.py";
    char cmd[512], line[256];
    FILE *f;
    int got = 0, i;
    if (snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s --threads %d --steps %d 2>/dev/null", script, threads, quick ? 15 : 60) >= (int)sizeof(cmd)) return 0;
    if (!(f = popen(cmd, "r"))) return 0;
    while (fgets(line, sizeof(line), f)) {
        char name[64];
        int th;
        double v;
        if (sscanf(line, "torch %d thread(s) %63[a-z_0-9]: %lf ms/step", &th, name, &v) == 3)
            for (i = 0; i < 4; i++) if (!strcmp(name, train_names[i])) { ms[i] = v; got |= 1 << i; }
    }
    pclose(f);
    return got == 15;
#else
    (void)threads; (void)ms;
    return 0;
#endif
}
static double median_of(double *v, int n) { qsort(v, (size_t)n, sizeof(double), cmp_d); return v[n / 2]; }
static void bench_train(int threads) {
    enum { MAXR = 5 };
    double ours[4][MAXR], ourmin[4], theirs[4][MAXR], theirmin[4];
    int rounds = quick ? 1 : 3, r, i, have_torch = 1;
    for (i = 0; i < 4; i++) ourmin[i] = theirmin[i] = 1e300;
    for (r = 0; r < rounds; r++) {
        double tm[4];
        for (i = 0; i < 4; i++) {
            double med, mn;
            if (i < 2) bench_train_mlp(i, threads, &med, &mn);
            else bench_train_lm(i == 2, threads, &med, &mn);
            ours[i][r] = med;
            if (mn < ourmin[i]) ourmin[i] = mn;
        }
        if (have_torch && (have_torch = torch_round(threads, tm)))
            for (i = 0; i < 4; i++) { theirs[i][r] = tm[i]; if (tm[i] < theirmin[i]) theirmin[i] = tm[i]; }
    }
    for (i = 0; i < 4; i++) {
        const double med = median_of(ours[i], rounds), tmed = have_torch ? median_of(theirs[i], rounds) : 0;
        const int lm = i >= 2;
        emit("train", train_names[i], lm ? 128 : 784, lm ? 128 : 256, lm ? 2048 : 128, threads, 1, med, ourmin[i], 0, 0, have_torch ? tmed / med : 0, 0);
        if (json) continue;
        if (lm) printf("         -> %.2f steps/s", 1e3 / med);
        else printf("         -> %.0f samples/s", 128.0 / med * 1e3);
        if (have_torch) printf("; PyTorch %.3f ms (best round %.3f): %.2fx PyTorch's speed, median of %d alternating rounds\n", tmed, theirmin[i], tmed / med, rounds);
        else printf("; PyTorch not measured (needs /usr/bin/python3 with torch: apt-get install python3-torch libopenblas0-pthread)\n");
    }
}

int main(int argc, char **argv) {
    static const tn_type all_types[] = {TN_TYPE_F32, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_Q8_0, TN_TYPE_Q4_0, TN_TYPE_Q4_1,
                                        TN_TYPE_Q5_0, TN_TYPE_Q5_1, TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K,
                                        TN_TYPE_Q5_K, TN_TYPE_Q6_K, TN_TYPE_TQ1_0, TN_TYPE_TQ2_0, TN_TYPE_T2};
    static const int64_t shapes[4][2] = {{4096, 4096}, {2560, 6912}, {6912, 2560}, {16384, 8192}};
    const char *op = NULL;
    tn_type one_type = TN_TYPE_COUNT;
    int64_t rows = 0, cols = 0, batch = 0;
    int threads = 0, i, ti, si, th, ncpu = tn_n_cpus();
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--op") && i + 1 < argc) op = argv[++i];
        else if (!strcmp(argv[i], "--type") && i + 1 < argc) { if (tn_type_from_name(argv[++i], &one_type)) { fprintf(stderr, "tn-bench: %s\n", tn_last_error()); return 2; } }
        else if (!strcmp(argv[i], "--rows") && i + 1 < argc) rows = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--cols") && i + 1 < argc) cols = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else { fprintf(stderr, "usage: %s [--json] [--quick] [--op matvec|matmul|gemm_f32|train|membw] [--type T] [--rows N] [--cols K] [--batch B] [--threads N]\n", argv[0]); return !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ? 0 : 2; }
    }
    if (!json) {
        printf("ternary.h %d.%d.%d bench: %s kernels, %d CPU(s)%s\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name(), ncpu, quick ? " (quick)" : "");
        print_cpu();
        printf("%-9s %-6s %15s %5s %3s %-8s %9s %9s %6s %8s %8s %7s %6s\n", "op", "type", "rows x cols", "batch", "thr", "weights", "ms med", "ms min", "noise", "GB/s", "GOPS", "x ref", "of bw");
    }
    if (!op || !strcmp(op, "membw") || (op && strcmp(op, "train") && strcmp(op, "gemm_f32"))) {
        membw_1 = membw(1);
        membw_2 = ncpu > 1 && (threads == 0 || threads > 1) ? membw(2) : membw_1;
    }
    if (op && (!strcmp(op, "matvec") || !strcmp(op, "matmul")) && one_type != TN_TYPE_COUNT) { /* one case */
        int64_t r = rows ? rows : 4096, k = cols ? cols : 4096, b = batch ? batch : (!strcmp(op, "matvec") ? 1 : 8);
        double ref = ref_ms(one_type, r, k);
        bench_mv(one_type, r, k, b, threads ? threads : 1, 1, ref, NULL);
        bench_mv(one_type, r, k, b, threads ? threads : 1, 0, ref, NULL);
    } else if (!op || !strcmp(op, "matvec") || !strcmp(op, "matmul")) {
        for (ti = 0; ti < (int)(sizeof(all_types) / sizeof(all_types[0])); ti++) {
            tn_type t = all_types[ti];
            if (one_type != TN_TYPE_COUNT && t != one_type) continue;
            for (si = 0; si < (quick ? 1 : 4); si++) {
                int64_t r = shapes[si][0], k = shapes[si][1];
                double ref = (si == 0 || quick) ? ref_ms(t, r, k) : 0;
                int64_t bs[3] = {1, 8, 32};
                int bi;
                for (bi = 0; bi < 3; bi++) {
                    if (op && !strcmp(op, "matvec") && bs[bi] != 1) continue;
                    if (op && !strcmp(op, "matmul") && bs[bi] == 1) continue;
                    for (th = 1; th <= (ncpu > 1 ? 2 : 1); th++) {
                        if (threads && th != threads) continue;
                        if (si < 3 || bs[bi] == 1) bench_mv(t, r, k, bs[bi], th, 1, ref, NULL);
                        if ((si == 3 || quick) && bs[bi] == 1) bench_mv(t, r, k, bs[bi], th, 0, ref, NULL);
                        else if (si == 0 && bs[bi] == 1) bench_mv(t, r, k, bs[bi], th, 0, ref, NULL);
                    }
                }
            }
        }
    }
    if (!op || !strcmp(op, "gemm_f32")) {
        int64_t n;
        blas_load();
        if (!json) printf("f32 GEMM reference: %s\n", blas_name ? blas_name : "none (no OpenBLAS to load; apt-get install libopenblas0-pthread)");
        for (n = 256; n <= (quick ? 512 : 2048); n *= 2)
            for (th = 1; th <= (ncpu > 1 ? 2 : 1); th++) if (!threads || th == threads) bench_gemm(n, th);
    }
    if (!op || !strcmp(op, "train"))
        for (th = 1; th <= (ncpu > 1 ? 2 : 1); th++) {
            if (threads && th != threads) continue;
            bench_train(th);
        }
    if (json) printf("%s\n]\n", first_json ? "[" : "");
    return 0;
}
