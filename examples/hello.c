/* hello.c - the shortest useful ternary.h program: train a BitLinear MLP on
   generated data (is x0 + x1 > 0?), then pack it to 2-bit weights and infer.
   Build: cc -O2 -I. examples/hello.c -o hello -lm -lpthread
   Prints the loss falling and the packed model's accuracy (100%). */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>

int main(void) {
    tn_ctx *pc = tn_ctx_new(1 << 22), *c = tn_ctx_new(1 << 24);
    tn_tensor *x = tn_new_2d(pc, TN_TYPE_F32, 16, 256), *y = tn_new_1d(pc, TN_TYPE_I32, 256), *logits;
    tn_params ps; tn_bitlinear l1, l2; tn_optim opt; tn_rng rng; int i, step, right = 0;
    tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    printf("ternary.h %d.%d.%d, %s kernels\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    tn_params_init(&ps); tn_rng_seed(&rng, 1);
    for (i = 0; i < 16 * 256; i++) ((float *)x->data)[i] = tn_rng_normal(&rng);
    for (i = 0; i < 256; i++) ((int32_t *)y->data)[i] = ((float *)x->data)[16 * i] + ((float *)x->data)[16 * i + 1] > 0;
    tn_bitlinear_init(&l1, pc, &ps, "l1", 16, 64, TN_LAYER_NORM, &rng);   /* ternary weights, int8 activations */
    tn_bitlinear_init(&l2, pc, &ps, "l2", 64, 2, TN_LAYER_NORM, &rng);
    cfg.lr = 1e-2f; tn_optim_init(&opt, &ps, &cfg);
    for (step = 0; step <= 200; step++) {
        size_t mark = tn_ctx_used(c);
        tn_tensor *loss = tn_cross_entropy(c, tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x))), y, -1);
        tn_params_zero_grad(&ps);
        if (!loss || tn_backward(c, loss) || tn_optim_step(&opt, -1, -1)) {
            printf("error: %s\n", tn_last_error());
            return 1;
        }
        if (step % 50 == 0) printf("step %3d  loss %.4f\n", step, ((float *)loss->data)[0]);
        tn_ctx_rewind(c, mark);
    }
    tn_bitlinear_pack(&l1, pc, TN_TYPE_TQ2_0); tn_bitlinear_pack(&l2, pc, TN_TYPE_TQ2_0);  /* inference mode */
    tn_ctx_set_grad_enabled(c, 0);
    logits = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, x)));
    for (i = 0; i < 256; i++) right += (((float *)logits->data)[2 * i + 1] > ((float *)logits->data)[2 * i]) == ((int32_t *)y->data)[i];
    printf("packed 2-bit model: %d/256 right (%zu bytes of weights)\n", right, tn_nbytes(l1.wq) + tn_nbytes(l2.wq));
    tn_optim_deinit(&opt); tn_params_deinit(&ps); tn_ctx_free(c); tn_ctx_free(pc);
    return right >= 240 ? 0 : 1;
}
