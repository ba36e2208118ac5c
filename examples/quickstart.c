/* quickstart.c - ternarize a weight matrix, pack it as TQ2_0 and run a
   multiplication-free mat-vec; the same program as in README.md.
   Build: cc -O2 -I. examples/quickstart.c -o quickstart -lm -lpthread
   Prints the packed size and y[0] from the packed and the float weights. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>

int main(void) {
    tn_ctx *ctx = tn_ctx_new(16 << 20);
    tn_tensor *w = tn_new_2d(ctx, TN_TYPE_F32, 1024, 256);   /* 256 rows of 1024 */
    tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, 1024, 1), *y = tn_new_2d(ctx, TN_TYPE_F32, 256, 1);
    tn_tensor *trits, *wq = tn_new_2d(ctx, TN_TYPE_TQ2_0, 1024, 256);
    tn_rng rng; float s; int i; tn_ternary_stats st;
    printf("ternary.h %d.%d.%d, %s kernels\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    tn_rng_seed(&rng, 1);
    for (i = 0; i < 1024 * 256; i++) ((float *)w->data)[i] = 0.02f * tn_rng_normal(&rng);
    for (i = 0; i < 1024; i++) ((float *)x->data)[i] = tn_rng_normal(&rng);
    trits = tn_ternarize(ctx, w, &s);                           /* BitNet absmean rule */
    if (!trits || tn_ternary_to_tq(TN_TYPE_TQ2_0, (int8_t *)trits->data, s, 1024, 256, wq->data) != TN_OK) {
        fprintf(stderr, "error: %s\n", tn_last_error()); return 1;
    }
    tn_ternary_stats_compute((int8_t *)trits->data, 1024 * 256, 1024, TN_TYPE_TQ2_0, &st);
    tn_mul_mat(y, wq, x, NULL);                                 /* y = x . wq^T, int8 x ternary */
    printf("tq2_0: %zu bytes (%.2f bits/weight, %.1fx smaller than f32, %.0f%% zeros)\n",
           tn_nbytes(wq), st.bits_per_weight, st.ratio_f32, 100 * st.sparsity);
    tn_mul_mat(y, w, x, NULL);  printf("y[0] float %.4f, ", ((float *)y->data)[0]);
    tn_mul_mat(y, wq, x, NULL); printf("ternary %.4f\n", ((float *)y->data)[0]);
    tn_ctx_free(ctx);
    return 0;
}
