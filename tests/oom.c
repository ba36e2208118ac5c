/* Out of memory: with an allocator that fails the n-th request, for every n,
   the products and a training step return TN_ERR_NOMEM (or succeed) and never
   crash, leak or write out of bounds (built with AddressSanitizer). */
#include <stdio.h>
#include <stdlib.h>
static long tn_oom_count = 0, tn_oom_fail_at = -1;
static void *tn_oom_malloc(size_t n) { return ++tn_oom_count == tn_oom_fail_at ? NULL : malloc(n); }
static void *tn_oom_realloc(void *p, size_t n) { return ++tn_oom_count == tn_oom_fail_at ? NULL : realloc(p, n); }
#define TN_MALLOC(n) tn_oom_malloc(n)
#define TN_REALLOC(p, n) tn_oom_realloc(p, n)
#define TN_FREE(p) free(p)
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <string.h>

static int passed = 0, failed = 0;
#define EXPECT(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL line %d: ", __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static double sum_of(const float *p, int n) { double t = 0; int i; for (i = 0; i < n; i++) t += p[i] * (double)(i % 17 + 1); return t; }

/* one run of the workload; returns the first status that was not TN_OK, and on
   success a weighted sum of every result (so a run that "succeeds" on a partly
   computed product is caught) */
static tn_status workload(tn_pool *pool, double *check) {
    tn_status st = TN_OK;
    enum { M = 70, N = 90, K = 300 };
    float *A = (float *)malloc(sizeof(float) * M * K), *B = (float *)malloc(sizeof(float) * N * K), *C = (float *)malloc(sizeof(float) * M * N);
    tn_ctx *ctx = NULL;
    int i;
    for (i = 0; i < M * K; i++) A[i] = (float)(i % 7) - 3.0f;
    for (i = 0; i < N * K; i++) B[i] = (float)(i % 5) - 2.0f;
    st = tn_gemm_f32(pool, M, N, K, A, K, B, K, C, N);
    if (st == TN_OK) *check = sum_of(C, M * N);
    if (st == TN_OK && (ctx = tn_ctx_new(8 << 20)) == NULL) st = TN_ERR_NOMEM;
    if (st == TN_OK) {
        /* packed weights (conversion scratch) and a batched f32 product with a backward */
        tn_tensor *wf = tn_new_2d(ctx, TN_TYPE_F32, 256, 16), *wq = tn_new_2d(ctx, TN_TYPE_TQ2_0, 256, 16);
        tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, 256, 9), *y = tn_new_2d(ctx, TN_TYPE_F32, 16, 9);
        tn_tensor *a = tn_new_4d(ctx, TN_TYPE_F32, 16, 8, 6, 1), *b = tn_new_4d(ctx, TN_TYPE_F32, 16, 5, 6, 1), *loss;
        if (!wf || !wq || !x || !y || !a || !b) st = TN_ERR_NOMEM;
        if (st == TN_OK) {
            for (i = 0; i < 256 * 16; i++) ((float *)wf->data)[i] = (float)(i % 3) - 1.0f;
            for (i = 0; i < 256 * 9; i++) ((float *)x->data)[i] = (float)(i % 11) * 0.1f;
            for (i = 0; i < 16 * 8 * 6; i++) ((float *)a->data)[i] = (float)(i % 13) * 0.05f;
            for (i = 0; i < 16 * 5 * 6; i++) ((float *)b->data)[i] = (float)(i % 9) * 0.05f;
            st = tn_copy(wq, wf);
        }
        if (st == TN_OK) st = tn_mul_mat(y, wq, x, pool);
        if (st == TN_OK) *check += sum_of((const float *)y->data, 16 * 9);
        if (st == TN_OK) st = tn_set_param(ctx, a);
        if (st == TN_OK) st = tn_set_param(ctx, b);
        if (st == TN_OK) {
            tn_ctx_set_pool(ctx, pool);
            loss = tn_sum(ctx, tn_matmul(ctx, a, b));
            st = loss ? tn_backward(ctx, loss) : TN_ERR_NOMEM;
            if (st == TN_OK) *check += sum_of((const float *)a->grad->data, 16 * 8 * 6) + sum_of((const float *)b->grad->data, 16 * 5 * 6);
        }
    }
    if (ctx) tn_ctx_free(ctx);
    free(A); free(B); free(C);
    return st;
}

int main(void) {
    tn_pool *pool;
    long n, total;
    int threads;
    double want = 0, got;
    for (threads = 1; threads <= 2; threads++) {
        tn_oom_fail_at = -1; tn_oom_count = 0;
        pool = tn_pool_new(threads);
        EXPECT(workload(pool, &want) == TN_OK, "the workload fails with memory to spare (%s)", tn_last_error());
        tn_pool_free(pool);
        total = tn_oom_count;
        EXPECT(total >= 5, "only %ld allocations counted", total); /* context, pool, scratch growth (the sweep below covers each) */
        for (n = 1; n <= total; n++) {
            tn_status st;
            tn_oom_count = 0; tn_oom_fail_at = n;
            pool = tn_pool_new(threads);
            if (!pool) continue; /* the pool itself was refused */
            got = 0;
            st = workload(pool, &got);
            tn_pool_free(pool);
            EXPECT(st == TN_OK || st == TN_ERR_NOMEM, "allocation %ld failing gave status %d (%s)", n, (int)st, tn_last_error());
            if (st == TN_OK) EXPECT(got == want, "allocation %ld failing: TN_OK but the results differ", n);
            if (st == TN_ERR_NOMEM) EXPECT(strlen(tn_last_error()) > 0, "allocation %ld: no message", n);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
