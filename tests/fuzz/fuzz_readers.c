/* fuzz_readers.c - one fuzz target for every reader of untrusted bytes:
   GGUF, checkpoints (a GGUF with a checksum and training state), models
   (ternary.h's and llama.cpp's llama/arcee layouts, with the llama.cpp check)
   and safetensors. Built three ways:
     libFuzzer:  clang -fsanitize=fuzzer,address,undefined  (make fuzz)
     AFL++:      afl-clang-fast with -DTN_FUZZ_MAIN, input file as argument
     replay:     -DTN_FUZZ_MAIN, runs every file given (make test runs the
                 seed corpus and tests/fuzz/regressions/ this way)
   The first input byte picks nothing: every reader sees every input.
   With -DTN_FUZZ_MODEL only the model-file path runs (GGUF reader, model
   loaders, llama.cpp check): `make fuzz` runs that build as its own target,
   so its coverage is not diluted by the other readers. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>

static tn_ctx *pc, *mc;
static tn_params ps;
static tn_optim opt;

static void setup(void) {
    tn_rng r;
    tn_bitlinear l;
    tn_optim_config cfg;
    if (pc) return;
    pc = tn_ctx_new(1 << 20);
    mc = tn_ctx_new(16 << 20); /* models: a file that claims more is refused, not read past */
    tn_params_init(&ps);
    tn_rng_seed(&r, 1);
    tn_bitlinear_init(&l, pc, &ps, "l1", 16, 8, TN_LAYER_BIAS, &r);
    cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_optim_init(&opt, &ps, &cfg);
}

/* the model-file path: the llama.cpp check and the loaders */
static void fuzz_model(const tn_gguf *g) {
    tn_transformer m;
    char why[256];
    (void)tn_gguf_llamacpp_check(g, why, sizeof(why));
    tn_ctx_reset(mc);
    if (tn_transformer_from_gguf(&m, mc, g) == TN_OK) tn_transformer_deinit(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tn_gguf *g = NULL;
    tn_safetensors *s = NULL;
    tn_train_state st;
    setup();
#ifdef TN_FUZZ_MODEL
    if (tn_gguf_read_memory(data, size, &g) == TN_OK) {
        fuzz_model(g);
        tn_gguf_free(g);
    }
    (void)s; (void)st;
    return 0;
#endif
    if (tn_gguf_read_memory(data, size, &g) == TN_OK) {
        /* touch everything the reader exposes */
        int64_t i;
        for (i = 0; i < tn_gguf_n_kv(g); i++) {
            uint64_t j, n = tn_gguf_arr_n(g, i), len;
            const char *str;
            for (j = 0; j < n && j < 64; j++) (void)tn_gguf_arr_str(g, i, j, &len);
            (void)tn_gguf_get_str(g, i, &str, &len);
        }
        for (i = 0; i < tn_gguf_n_tensors(g); i++) {
            tn_gguf_tensor t;
            if (tn_gguf_get_tensor(g, i, &t) == TN_OK && t.nbytes) {
                volatile uint8_t x = ((const uint8_t *)t.data)[0];
                const tn_type_traits *tr = tn_type_get_traits(t.type);
                x = ((const uint8_t *)t.data)[t.nbytes - 1];
                (void)x;
                /* every decoder on whatever bytes the file holds: the first row, up to 4096 values */
                if (tr && tr->can_dequantize && t.ne[0] > 0 && t.ne[0] <= 4096 && tn_row_size(t.type, t.ne[0]) <= t.nbytes) {
                    static float row[4096];
                    (void)tn_dequantize_row(t.type, t.data, row, t.ne[0]);
                }
            }
        }
        fuzz_model(g);
        tn_gguf_free(g);
    }
    (void)tn_checkpoint_load_memory(data, size, &ps, &opt, &st);
    if (tn_safetensors_read_memory(data, size, &s) == TN_OK) {
        int64_t i;
        for (i = 0; i < tn_safetensors_n_tensors(s); i++) {
            tn_st_tensor t;
            if (tn_safetensors_get(s, i, &t) == TN_OK && t.nbytes) {
                volatile uint8_t x = ((const uint8_t *)t.data)[t.nbytes - 1];
                (void)x;
            }
        }
        tn_safetensors_free(s);
    }
    return 0;
}

#ifdef TN_FUZZ_MAIN
static void fuzz_done(void) {
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_ctx_free(pc);
    tn_ctx_free(mc);
}
#include "replay_main.h"
#endif
