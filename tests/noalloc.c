/* A training step allocates nothing: once the first steps have grown the
   scratch buffers (the context's, each pool thread's), further steps of an MLP
   (BitLinear with its norm, and float with biases) and of a transformer
   (ternary and float, SwiGLU and ReLU^2) make no call to TN_MALLOC or
   TN_REALLOC, with one thread, with two, and without a pool (the context's
   own one-thread pool then holds the packing buffers); and neither do steps
   of three micro-batches through the gradient accumulator (tn_grad_accum). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static long tn_na_count = 0;
static void *tn_na_malloc(size_t n) { __atomic_fetch_add(&tn_na_count, 1, __ATOMIC_SEQ_CST); return malloc(n); }
static void *tn_na_realloc(void *p, size_t n) { __atomic_fetch_add(&tn_na_count, 1, __ATOMIC_SEQ_CST); return realloc(p, n); }
#define TN_MALLOC(n) tn_na_malloc(n)
#define TN_REALLOC(p, n) tn_na_realloc(p, n)
#define TN_FREE(p) free(p)
#define TERNARY_IMPLEMENTATION
#include "ternary.h"

static int passed = 0, failed = 0;
#define EXPECT(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static long counted(void) { return __atomic_load_n(&tn_na_count, __ATOMIC_SEQ_CST); }

static void mlp(int ternary, tn_pool *pool, const char *what) {
    tn_ctx *pc = tn_ctx_new(8 << 20), *c = tn_ctx_new(64 << 20);
    tn_params ps;
    tn_bitlinear l[3];
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_tensor *x = tn_new_2d(pc, TN_TYPE_F32, 100, 48), *y = tn_new_1d(pc, TN_TYPE_I32, 48);
    int flags = ternary ? TN_LAYER_NORM : (TN_LAYER_FLOAT | TN_LAYER_BIAS), i, ok = 1;
    long before = 0;
    size_t mark;
    tn_rng r;
    tn_params_init(&ps);
    tn_rng_seed(&r, 3);
    for (i = 0; i < 100 * 48; i++) ((float *)x->data)[i] = tn_rng_normal(&r);
    for (i = 0; i < 48; i++) ((int32_t *)y->data)[i] = (int32_t)(tn_rng_u32(&r) % 10);
    ok = tn_bitlinear_init(&l[0], pc, &ps, "a", 100, 70, flags, &r) == TN_OK && tn_bitlinear_init(&l[1], pc, &ps, "b", 70, 64, flags, &r) == TN_OK &&
         tn_bitlinear_init(&l[2], pc, &ps, "c", 64, 10, flags, &r) == TN_OK && tn_optim_init(&opt, &ps, &oc) == TN_OK;
    EXPECT(ok, "%s: setup (%s)", what, tn_last_error());
    tn_ctx_set_pool(c, pool);
    mark = tn_ctx_used(c);
    for (i = 0; ok && i < 5; i++) {
        tn_tensor *loss;
        if (i == 2) before = counted();
        loss = tn_cross_entropy(c, tn_bitlinear_forward(c, &l[2], tn_relu(c, tn_bitlinear_forward(c, &l[1], tn_relu(c, tn_bitlinear_forward(c, &l[0], x))))), y, -1);
        tn_params_zero_grad(&ps);
        ok = loss && tn_backward(c, loss) == TN_OK && tn_optim_step(&opt, -1, -1) == TN_OK;
        tn_ctx_rewind(c, mark);
    }
    EXPECT(ok, "%s: a step failed (%s)", what, tn_last_error());
    EXPECT(counted() == before, "%s: 3 steps after warm-up made %ld allocations", what, counted() - before);
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
}

static void lm(int flags, tn_mlp_kind kind, tn_pool *pool, const char *what, int accum) {
    tn_ctx *pc = tn_ctx_new(16 << 20), *c = tn_ctx_new(128 << 20);
    tn_transformer m;
    tn_transformer_config cfg = tn_transformer_config_default();
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_tensor *ids = tn_new_2d(pc, TN_TYPE_I32, 16, 3), *tg = tn_new_2d(pc, TN_TYPE_I32, 16, 3);
    int i, ok, j;
    long before = 0;
    size_t mark;
    tn_rng r;
    tn_grad_accum ga;
    memset(&ga, 0, sizeof(ga));
    tn_rng_seed(&r, 4);
    for (i = 0; i < 16 * 3; i++) { ((int32_t *)ids->data)[i] = (int32_t)(tn_rng_u32(&r) % 256); ((int32_t *)tg->data)[i] = (int32_t)(tn_rng_u32(&r) % 256); }
    cfg.d_model = 32; cfg.n_head = 2; cfg.n_layer = 2; cfg.d_ff = 64; cfg.ctx_len = 16;
    cfg.layer_flags = flags; cfg.mlp = kind;
    ok = tn_transformer_init(&m, pc, &cfg, 1) == TN_OK && tn_optim_init(&opt, &m.params, &oc) == TN_OK &&
         (accum < 2 || tn_grad_accum_init(&ga, &m.params, NULL, 1) == TN_OK);
    EXPECT(ok, "%s: setup (%s)", what, tn_last_error());
    if (!ok) { tn_ctx_free(c); tn_ctx_free(pc); return; }
    tn_ctx_set_pool(c, pool);
    mark = tn_ctx_used(c);
    for (i = 0; ok && i < 5; i++) {
        tn_tensor *loss;
        if (i == 2) before = counted();
        if (accum > 1) {
            for (j = 0; ok && j < accum; j++) {
                loss = tn_transformer_loss(c, &m, ids, tg);
                ok = tn_grad_accum_backward(&ga, c, loss, j == accum - 1) == TN_OK;
                tn_ctx_rewind(c, mark);
            }
            ok = ok && ga.total == accum && tn_optim_step(&opt, -1, -1) == TN_OK;
            continue;
        }
        loss = tn_transformer_loss(c, &m, ids, tg);
        tn_params_zero_grad(&m.params);
        ok = loss && tn_backward(c, loss) == TN_OK && tn_optim_step(&opt, -1, -1) == TN_OK;
        tn_ctx_rewind(c, mark);
    }
    EXPECT(ok, "%s: a step failed (%s)", what, tn_last_error());
    EXPECT(counted() == before, "%s: 3 steps after warm-up made %ld allocations", what, counted() - before);
    tn_grad_accum_deinit(&ga);
    tn_optim_deinit(&opt);
    tn_transformer_deinit(&m);
    tn_ctx_free(c);
    tn_ctx_free(pc);
}

int main(void) {
    int threads;
    for (threads = 0; threads <= 2; threads++) {
        tn_pool *pool = threads ? tn_pool_new(threads) : NULL;
        char what[64];
        EXPECT(threads == 0 || pool, "pool of %d", threads);
        snprintf(what, sizeof(what), "ternary MLP, %d threads", threads); mlp(1, pool, what);
        snprintf(what, sizeof(what), "float MLP, %d threads", threads); mlp(0, pool, what);
        snprintf(what, sizeof(what), "ternary LM (ReLU^2), %d threads", threads); lm(0, TN_MLP_RELU2, pool, what, 1);
        snprintf(what, sizeof(what), "ternary LM (SwiGLU), %d threads", threads); lm(0, TN_MLP_SWIGLU, pool, what, 1);
        snprintf(what, sizeof(what), "float LM, %d threads", threads); lm(TN_LAYER_FLOAT, TN_MLP_RELU2, pool, what, 1);
        snprintf(what, sizeof(what), "ternary LM, 3 micro-batches a step, %d threads", threads); lm(0, TN_MLP_RELU2, pool, what, 3);
        tn_pool_free(pool);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
