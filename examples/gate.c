/* gate.c - allow/block decisions for tool calls, trained with weighted
   binary cross-entropy through BitLinear layers (the seed's gate training in
   miniature).
   Build: cc -O2 -I. examples/gate.c -o gate -lm -lpthread
   Run:   ./gate [--steps 600] [--seed 0]
   The data comes from a documented rule. A context is 6 tokens:
     tool   read | list | write | delete | exec | fetch
     target tmp | home | project | etc | ssh_keys | secrets
     flag   none | force | recursive | dry_run
     who    agent | user_confirmed
     plus two filler tokens (noise words).
   Rule: block when (tool is delete or exec and the target is etc, ssh_keys or
   secrets), or (flag is force or recursive with a write/delete outside tmp
   and project), or (fetch of secrets); a user_confirmed override always
   allows; dry_run always allows. 5% of labels are flipped (noise).
   Explicit weights, given with each example and never inferred from labels:
   1.0 by default, 2.0 for a false positive of the naive rule "block every
   delete/exec" (an allow it would block), 3.0 for user overrides.
   Reports the weighted loss, the gate alignment on held-out contexts and the
   convergence test (>= 1000 decisions with >= 95% alignment). */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ, LIST, WRITE, DELETE, EXEC, FETCH, /* tools 0..5 */
       TMP = 6, HOME, PROJECT, ETC, SSH_KEYS, SECRETS, /* targets 6..11 */
       NONE = 12, FORCE, RECURSIVE, DRY_RUN, /* flags 12..15 */
       AGENT = 16, USER_CONFIRMED, /* who 16..17 */
       FILLER = 18, VOCAB = 26, CTX = 6 };

typedef struct { int32_t tok[CTX]; float label, weight; } example;

static int rule_allows(int tool, int target, int flag, int who) {
    int sensitive = target == ETC || target == SSH_KEYS || target == SECRETS;
    if (who == USER_CONFIRMED || flag == DRY_RUN) return 1;
    if ((tool == DELETE || tool == EXEC) && sensitive) return 0;
    if ((flag == FORCE || flag == RECURSIVE) && (tool == WRITE || tool == DELETE) && target != TMP && target != PROJECT) return 0;
    if (tool == FETCH && target == SECRETS) return 0;
    return 1;
}

static void make(example *e, tn_rng *r, int noisy) {
    int tool = (int)(tn_rng_u32(r) % 6), target = TMP + (int)(tn_rng_u32(r) % 6), flag = NONE + (int)(tn_rng_u32(r) % 4);
    int who = tn_rng_u32(r) % 5 == 0 ? USER_CONFIRMED : AGENT, allow = rule_allows(tool, target, flag, who), i;
    e->tok[0] = tool; e->tok[1] = target; e->tok[2] = flag; e->tok[3] = who;
    e->tok[4] = FILLER + (int)(tn_rng_u32(r) % 8); e->tok[5] = FILLER + (int)(tn_rng_u32(r) % 8);
    for (i = CTX - 1; i > 0; i--) { int j = (int)(tn_rng_u32(r) % (uint32_t)(i + 1)), t = e->tok[i]; e->tok[i] = e->tok[j]; e->tok[j] = t; } /* order carries nothing */
    e->weight = who == USER_CONFIRMED ? 3.0f : (allow && (tool == DELETE || tool == EXEC)) ? 2.0f : 1.0f;
    if (noisy && tn_rng_u32(r) % 100 < 5) allow = !allow;
    e->label = (float)allow;
}

int main(int argc, char **argv) {
    int steps = 600, B = 64, i, step, n_test = 2000;
    uint64_t seed = 0;
    tn_ctx *pc = tn_ctx_new(4 << 20), *c = tn_ctx_new(64 << 20);
    tn_params ps;
    tn_embedding emb;
    tn_bitlinear l1, l2;
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_metrics met;
    tn_rng r, data;
    tn_tensor *ids, *lab, *wts;
    example *ex;
    size_t mark;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (uint64_t)atoll(argv[++i]);
        else { fprintf(stderr, "usage: %s [--steps N] [--seed S]\n", argv[0]); return 2; }
    }
    printf("ternary.h %d.%d.%d, %s kernels\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    tn_params_init(&ps);
    tn_rng_seed(&r, seed);
    tn_rng_seed(&data, seed + 100);
    tn_embedding_init(&emb, pc, &ps, "emb", VOCAB, 32, 0.5f, &r);
    tn_bitlinear_init(&l1, pc, &ps, "l1", 32, 64, TN_LAYER_NORM, &r);
    tn_bitlinear_init(&l2, pc, &ps, "l2", 64, 1, TN_LAYER_NORM | TN_LAYER_BIAS, &r);
    oc.lr = 3e-3f;
    tn_optim_init(&opt, &ps, &oc);
    tn_metrics_init(&met);
    ids = tn_new_2d(c, TN_TYPE_I32, CTX, B);
    lab = tn_new_1d(c, TN_TYPE_F32, B);
    wts = tn_new_1d(c, TN_TYPE_F32, B);
    ex = (example *)malloc(sizeof(example) * (size_t)(n_test > B ? n_test : B));
    mark = tn_ctx_used(c);
    printf("gate: %d training steps of %d contexts, %lld parameters, ternary BitLinear layers\n", steps, B, (long long)tn_params_count(&ps));
    for (step = 1; step <= steps; step++) {
        tn_tensor *h, *loss;
        int64_t ne[2] = {32, 0};
        for (i = 0; i < B; i++) {
            make(&ex[i], &data, 1);
            memcpy((int32_t *)ids->data + i * CTX, ex[i].tok, sizeof(ex[i].tok));
            ((float *)lab->data)[i] = ex[i].label;
            ((float *)wts->data)[i] = ex[i].weight;
        }
        ne[1] = B;
        /* bag of tokens: mean of the embeddings over the context */
        h = tn_reshape(c, tn_mean_axis(c, tn_embedding_forward(c, &emb, ids), 1), 2, ne);
        h = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, h)));
        loss = tn_bce_logits(c, h, lab, wts);
        tn_params_zero_grad(&ps);
        if (!loss || tn_backward(c, loss) || tn_optim_step(&opt, -1, -1)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        tn_metrics_record(&met, ((float *)loss->data)[0], oc.lr);
        if (step % 100 == 0) printf("step %4d  weighted loss %.4f  (EMA %.4f, trend %+.4f)\n", step, ((float *)loss->data)[0], met.ema_loss, tn_metrics_loss_trend(&met));
        tn_ctx_rewind(c, mark);
    }
    { /* held-out contexts without label noise, from the packed model */
        tn_tensor *ti = tn_new_2d(c, TN_TYPE_I32, CTX, n_test), *h;
        int64_t ne[2] = {32, 0};
        int blocked_wrongly = 0, allowed_wrongly = 0;
        ne[1] = n_test;
        tn_rng_seed(&data, seed + 999);
        for (i = 0; i < n_test; i++) { make(&ex[i], &data, 0); memcpy((int32_t *)ti->data + i * CTX, ex[i].tok, sizeof(ex[i].tok)); }
        tn_bitlinear_pack(&l1, pc, TN_TYPE_TQ2_0);
        tn_bitlinear_pack(&l2, pc, TN_TYPE_TQ2_0);
        tn_ctx_set_grad_enabled(c, 0);
        h = tn_reshape(c, tn_mean_axis(c, tn_embedding_forward(c, &emb, ti), 1), 2, ne);
        h = tn_bitlinear_forward(c, &l2, tn_relu(c, tn_bitlinear_forward(c, &l1, h)));
        if (!h) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
        for (i = 0; i < n_test; i++) {
            int pred = ((float *)h->data)[i] > 0.0f, actual = ex[i].label > 0.5f;
            tn_metrics_record_gate(&met, pred, actual);
            blocked_wrongly += !pred && actual;
            allowed_wrongly += pred && !actual;
        }
        printf("held-out: %d decisions, gate alignment %.2f%% (%d wrongly blocked, %d wrongly allowed)\n",
               n_test, 100.0 * tn_metrics_gate_alignment(&met), blocked_wrongly, allowed_wrongly);
        printf("converged (>= 1000 decisions, >= 95%% aligned): %s\n", tn_metrics_converged(&met, 1000, 0.95) ? "yes" : "no");
    }
    free(ex);
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    return tn_metrics_converged(&met, 1000, 0.95) ? 0 : 1;
}
