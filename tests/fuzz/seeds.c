/* seeds.c - write a seed corpus for the fuzzers into a directory: a GGUF
   with every value type, a checkpoint, a safetensors file and small models
   (llama.cpp's arcee and llama layouts, ternary.h's own).
   Usage: seeds OUTDIR */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>

int main(int argc, char **argv) {
    char path[512];
    tn_ctx *pc = tn_ctx_new(4 << 20);
    tn_params ps;
    tn_bitlinear l;
    tn_optim opt;
    tn_optim_config cfg = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_train_state st;
    tn_rng r;
    tn_gguf *g = tn_gguf_new();
    float x[64];
    int64_t ne[2] = {32, 2};
    const char *strs[2] = {"a", "bc"};
    uint32_t u[3] = {1, 2, 3};
    FILE *f;
    int i;
    static const char st_json[] = "{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[16,20]}}";
    uint8_t hdr[8];
    if (argc != 2) { fprintf(stderr, "usage: seeds OUTDIR\n"); return 2; }
    for (i = 0; i < 64; i++) x[i] = (float)i / 7.0f;
    tn_gguf_set_str(g, "general.architecture", "seed");
    tn_gguf_set_u32(g, "general.alignment", 32);
    tn_gguf_set_arr_str(g, "s", strs, 2);
    tn_gguf_set_arr(g, "u", TN_GGUF_UINT32, u, 3);
    tn_gguf_set_f64(g, "d", 0.5);
    tn_gguf_add_tensor(g, "x", TN_TYPE_F32, 2, ne, x);
    snprintf(path, sizeof(path), "%s/seed.gguf", argv[1]);
    if (tn_gguf_write_file(g, path) != TN_OK) { fprintf(stderr, "seeds: %s\n", tn_last_error()); return 1; }
    tn_gguf_free(g);
    { /* one small tensor of each block format (one 256-value row), for the decoders */
        static const tn_type q[] = {TN_TYPE_Q4_0, TN_TYPE_Q5_1, TN_TYPE_Q8_0, TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K,
                                    TN_TYPE_Q6_K, TN_TYPE_IQ4_NL, TN_TYPE_IQ4_XS, TN_TYPE_MXFP4, TN_TYPE_NVFP4, TN_TYPE_Q1_0,
                                    TN_TYPE_Q2_0, TN_TYPE_TQ1_0, TN_TYPE_TQ2_0};
        static float row[256];
        static uint8_t buf[16][1024]; /* (the writer keeps the pointers until it writes) */
        int64_t n1[1] = {256};
        size_t k;
        for (i = 0; i < 256; i++) row[i] = (float)((i * 37) % 101) / 25.0f - 2.0f;
        g = tn_gguf_new();
        tn_gguf_set_str(g, "general.architecture", "seed");
        for (k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
            char nm[32];
            snprintf(nm, sizeof(nm), "t.%s", tn_type_name(q[k]));
            if (tn_quantize_row(q[k], row, buf[k], 256) != TN_OK || tn_gguf_add_tensor(g, nm, q[k], 1, n1, buf[k]) != TN_OK) {
                fprintf(stderr, "seeds: %s\n", tn_last_error());
                return 1;
            }
        }
        snprintf(path, sizeof(path), "%s/seed_formats.gguf", argv[1]);
        if (tn_gguf_write_file(g, path) != TN_OK) { fprintf(stderr, "seeds: %s\n", tn_last_error()); return 1; }
        tn_gguf_free(g);
    }
    tn_params_init(&ps);
    tn_rng_seed(&r, 1);
    tn_bitlinear_init(&l, pc, &ps, "l1", 16, 8, TN_LAYER_BIAS, &r);
    tn_optim_init(&opt, &ps, &cfg);
    memset(&st, 0, sizeof(st));
    snprintf(path, sizeof(path), "%s/seed.ckpt", argv[1]);
    if (tn_checkpoint_save(path, &ps, &opt, &st) != TN_OK) { fprintf(stderr, "seeds: %s\n", tn_last_error()); return 1; }
    snprintf(path, sizeof(path), "%s/seed.safetensors", argv[1]);
    f = fopen(path, "wb");
    if (!f) return 1;
    for (i = 0; i < 8; i++) hdr[i] = (uint8_t)(((uint64_t)(sizeof(st_json) - 1)) >> (8 * i));
    fwrite(hdr, 1, 8, f);
    fwrite(st_json, 1, sizeof(st_json) - 1, f);
    fwrite(x, 1, 20, f);
    fclose(f);
    {   /* small models in llama.cpp's layouts (f32 projections: any width) and in ternary.h's */
        static const tn_mlp_kind kinds[2] = {TN_MLP_RELU2, TN_MLP_SWIGLU};
        tn_transformer_config c = tn_transformer_config_default();
        tn_transformer m;
        tn_ctx *mc = tn_ctx_new(8 << 20);
        c.d_model = 8; c.n_head = 2; c.n_layer = 1; c.d_ff = 16; c.ctx_len = 8; c.layer_flags = TN_LAYER_FLOAT;
        for (i = 0; i < 2; i++) {
            c.mlp = kinds[i];
            if (tn_transformer_init(&m, mc, &c, 1) != TN_OK) return 1;
            snprintf(path, sizeof(path), "%s/%s.gguf", argv[1], i ? "llama" : "arcee");
            if (tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32) != TN_OK) { fprintf(stderr, "seeds: %s\n", tn_last_error()); return 1; }
            snprintf(path, sizeof(path), "%s/model%d.gguf", argv[1], i);
            if (tn_transformer_save_gguf(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F16) != TN_OK) { fprintf(stderr, "seeds: %s\n", tn_last_error()); return 1; }
            tn_transformer_deinit(&m);
        }
        tn_ctx_free(mc);
    }
    tn_optim_deinit(&opt);
    tn_params_deinit(&ps);
    tn_ctx_free(pc);
    return 0;
}
