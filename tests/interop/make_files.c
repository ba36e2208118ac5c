/* make_files.c - write GGUF files with ternary.h's writer for the interop
   and tool checks: every key/value type, every tensor type ternary.h writes,
   1-D to 4-D (all_types.gguf), a transformer exported by
   tn_transformer_save_gguf (model.gguf), and ggml's test input as one f32
   tensor (vectors.gguf, when the test-vector directory is given), and files
   with many names (many_keys.gguf: 100,000 keys; many.safetensors: 100,000
   tensors) on which the tools must stay linear.
   Usage: make_files OUTDIR [TESTVECTOR_DIR] */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>

/* llama.cpp imatrix files for tensor "x" of vectors.gguf (tn-quantize
   --imatrix): ones.imatrix.gguf (sums 7, count 7: ggml's all-ones matrix, so
   ggml's bytes), rand.imatrix.gguf and rand.imatrix.dat (the same random
   sums, a count of 5.4 that rounds to 5 and an ncall of 5) with x.<type>.rand.bin
   the bytes of every type that takes one for sums / 5 from tn_quantize_imatrix;
   and bad ones */
static int write_imatrix(const char *dir, const char *name, const float *sums, int64_t n, const float *count, int meta, int counts) {
    char path[512];
    tn_gguf *g = tn_gguf_new();
    const char *ds[1] = {"fortunes"};
    int64_t ne[2] = {n, 1}, nc[2] = {1, 1};
    int rc = 0;
    if (!g) return 1;
    if (meta) {
        rc |= tn_gguf_set_str(g, "general.type", "imatrix") != TN_OK;
        rc |= tn_gguf_set_arr_str(g, "imatrix.datasets", ds, 1) != TN_OK;
        rc |= tn_gguf_set_u32(g, "imatrix.chunk_count", 3) != TN_OK;
        rc |= tn_gguf_set_u32(g, "imatrix.chunk_size", 512) != TN_OK;
    }
    rc |= tn_gguf_add_tensor(g, "x.in_sum2", TN_TYPE_F32, 2, ne, sums) != TN_OK;
    if (counts) rc |= tn_gguf_add_tensor(g, "x.counts", TN_TYPE_F32, 2, nc, count) != TN_OK;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rc |= tn_gguf_write_file(g, path) != TN_OK;
    tn_gguf_free(g);
    if (rc) fprintf(stderr, "make_files: %s: %s\n", name, tn_last_error());
    return rc;
}
static int put_i32(FILE *f, int32_t v) { uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)}; return fwrite(b, 1, 4, f) != 4; }
static int imatrix_files(const char *dir, const float *in) {
    static const tn_type grid[] = {TN_TYPE_IQ2_XXS, TN_TYPE_IQ2_XS, TN_TYPE_IQ2_S, TN_TYPE_IQ3_XXS, TN_TYPE_IQ3_S, TN_TYPE_IQ1_S, TN_TYPE_IQ1_M,
                                   TN_TYPE_Q4_0, TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1, TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K,
                                   TN_TYPE_Q6_K, TN_TYPE_IQ4_NL, TN_TYPE_IQ4_XS};
    float sums[256], w[256], seven = 7.0f, c54 = 5.4f;
    char path[512];
    uint8_t *q = (uint8_t *)malloc(25 * 256);
    tn_rng r;
    FILE *f;
    int i, k, rc = 0;
    if (!q) return 1;
    tn_rng_seed(&r, 77);
    for (i = 0; i < 256; i++) sums[i] = 7.0f;
    rc |= write_imatrix(dir, "ones.imatrix.gguf", sums, 256, &seven, 1, 1);
    for (i = 0; i < 256; i++) { sums[i] = i % 17 == 3 ? 0.0f : tn_rng_uniform(&r) * 50.0f; w[i] = sums[i] / 5.0f; }
    rc |= write_imatrix(dir, "rand.imatrix.gguf", sums, 256, &c54, 1, 1);
    rc |= write_imatrix(dir, "short.imatrix.gguf", sums, 128, &c54, 1, 1);
    rc |= write_imatrix(dir, "nometa.imatrix.gguf", sums, 256, &c54, 0, 1);
    rc |= write_imatrix(dir, "nocounts.imatrix.gguf", sums, 256, &c54, 1, 0);
    sums[9] = -1.0f;
    rc |= write_imatrix(dir, "neg.imatrix.gguf", sums, 256, &c54, 1, 1);
    sums[9] = NAN;
    rc |= write_imatrix(dir, "nan.imatrix.gguf", sums, 256, &c54, 1, 1);
    sums[9] = w[9] * 5.0f;
    snprintf(path, sizeof(path), "%s/rand.imatrix.dat", dir); /* llama.cpp's legacy layout */
    if (!(f = fopen(path, "wb"))) return 1;
    rc |= put_i32(f, 1) | put_i32(f, 1) | (fwrite("x", 1, 1, f) != 1) | put_i32(f, 5) | put_i32(f, 256);
    rc |= fwrite(sums, 4, 256, f) != 256;
    rc |= put_i32(f, 3) | put_i32(f, 8) | (fwrite("fortunes", 1, 8, f) != 8);
    rc |= fclose(f) != 0;
    snprintf(path, sizeof(path), "%s/trunc.imatrix.dat", dir); /* 256 values promised, 10 there */
    if (!(f = fopen(path, "wb"))) return 1;
    rc |= put_i32(f, 1) | put_i32(f, 1) | (fwrite("x", 1, 1, f) != 1) | put_i32(f, 5) | put_i32(f, 256);
    rc |= fwrite(sums, 4, 10, f) != 10;
    rc |= fclose(f) != 0;
    for (k = 0; k < (int)(sizeof(grid) / sizeof(grid[0])) && !rc; k++) {
        size_t written = 0;
        if (tn_quantize_imatrix(grid[k], in, q, 25, 256, w, &written) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); rc = 1; break; }
        snprintf(path, sizeof(path), "%s/x.%s.rand.bin", dir, tn_type_name(grid[k]));
        if (!(f = fopen(path, "wb")) || fwrite(q, 1, written, f) != written) rc = 1;
        if (f && fclose(f) != 0) rc = 1;
    }
    free(q);
    if (rc) fprintf(stderr, "make_files: cannot write the imatrix files in %s\n", dir);
    else printf("wrote the imatrix files in %s\n", dir);
    return rc;
}

/* a llama-layout transformer of d 256, 4 heads, SwiGLU ff 512, ternary projections as tq2_0 */
static int write_llama(tn_ctx *ctx, const char *dir, const char *name, int layers, uint64_t seed) {
    char path[512];
    tn_transformer m;
    tn_transformer_config cfg = tn_transformer_config_default();
    cfg.d_model = 256; cfg.n_head = 4; cfg.n_layer = layers; cfg.d_ff = 512; cfg.mlp = TN_MLP_SWIGLU;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (tn_transformer_init(&m, ctx, &cfg, seed) != TN_OK || tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32) != TN_OK) {
        fprintf(stderr, "make_files: %s\n", tn_last_error());
        return 1;
    }
    tn_transformer_deinit(&m);
    printf("wrote %s\n", path);
    return 0;
}

int main(int argc, char **argv) {
    static const tn_type types[] = {TN_TYPE_F32, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_Q8_0, TN_TYPE_Q8_1, TN_TYPE_Q4_0,
                                    TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1, TN_TYPE_Q8_K, TN_TYPE_TQ1_0, TN_TYPE_TQ2_0,
                                    TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K, TN_TYPE_Q6_K, TN_TYPE_IQ4_NL,
                                    TN_TYPE_IQ4_XS, TN_TYPE_MXFP4, TN_TYPE_NVFP4, TN_TYPE_Q1_0, TN_TYPE_Q2_0};
    char path[512];
    tn_gguf *g = tn_gguf_new();
    tn_ctx *ctx = tn_ctx_new(192 << 20);
    tn_rng r;
    float x[512 * 6];
    int i;
    uint8_t u8s[3] = {0, 7, 255};
    int64_t i64s[2] = {INT64_MIN, INT64_MAX};
    double f64s[2] = {0.1, -1e300};
    uint8_t bools[3] = {1, 0, 1};
    const char *strs[4] = {"", "a", "h\xc3\xa9", "tab\there"};
    if (argc < 2 || argc > 3 || !g || !ctx) { fprintf(stderr, "usage: make_files OUTDIR [TESTVECTOR_DIR]\n"); return 2; }
    tn_rng_seed(&r, 1);
    for (i = 0; i < 512 * 6; i++) x[i] = tn_rng_normal(&r);
    tn_gguf_set_str(g, "general.architecture", "ternary");
    tn_gguf_set_str(g, "general.name", "interop \"all types\"");
    tn_gguf_set_u32(g, "general.quantization_version", 2);
    tn_gguf_set_u8(g, "t.u8", 200); tn_gguf_set_i8(g, "t.i8", -100);
    tn_gguf_set_u16(g, "t.u16", 60000); tn_gguf_set_i16(g, "t.i16", -30000);
    tn_gguf_set_u32(g, "t.u32", 4000000000u); tn_gguf_set_i32(g, "t.i32", -2000000000);
    tn_gguf_set_f32(g, "t.f32", 0.1f); tn_gguf_set_u64(g, "t.u64", UINT64_MAX);
    tn_gguf_set_i64(g, "t.i64", INT64_MIN); tn_gguf_set_f64(g, "t.f64", 1.0 / 3.0);
    tn_gguf_set_bool(g, "t.bool", 1);
    tn_gguf_set_arr(g, "t.arr_u8", TN_GGUF_UINT8, u8s, 3);
    tn_gguf_set_arr(g, "t.arr_i64", TN_GGUF_INT64, i64s, 2);
    tn_gguf_set_arr(g, "t.arr_f64", TN_GGUF_FLOAT64, f64s, 2);
    tn_gguf_set_arr(g, "t.arr_bool", TN_GGUF_BOOL, bools, 3);
    tn_gguf_set_arr(g, "t.arr_empty", TN_GGUF_INT32, NULL, 0);
    tn_gguf_set_arr_str(g, "t.arr_str", strs, 4);
    for (i = 0; i < (int)(sizeof(types) / sizeof(types[0])); i++) {
        char name[64];
        int64_t ne[4] = {512, 3, 1, 2};
        tn_tensor *t = tn_new(ctx, types[i], 4, ne), *f = tn_new(ctx, TN_TYPE_F32, 4, ne);
        memcpy(f->data, x, sizeof(float) * 512 * 6);
        if (!t || !f || tn_copy(t, f) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
        snprintf(name, sizeof(name), "blk.%d.%s.weight", i, tn_type_name(types[i]));
        tn_gguf_add(g, t, name);
    }
    { /* the grid types (tn_copy cannot make iq2_xxs, iq2_xs, iq1_s: they need an importance matrix) */
        static const tn_type grid[7] = {TN_TYPE_IQ2_XXS, TN_TYPE_IQ2_XS, TN_TYPE_IQ2_S, TN_TYPE_IQ3_XXS, TN_TYPE_IQ3_S, TN_TYPE_IQ1_S, TN_TYPE_IQ1_M};
        static uint8_t gq[7][12 * 110]; /* 6 rows of two 256-blocks */
        float ones[512];
        int k;
        for (k = 0; k < 512; k++) ones[k] = 1.0f;
        for (k = 0; k < 7; k++) {
            char name[64];
            int64_t ne[4] = {512, 3, 1, 2};
            if (tn_quantize_imatrix(grid[k], x, gq[k], 6, 512, ones, NULL) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
            snprintf(name, sizeof(name), "blk.%d.%s.weight", i + k, tn_type_name(grid[k]));
            tn_gguf_add_tensor(g, name, grid[k], 4, ne, gq[k]);
        }
    }
    {
        int64_t ne3[3] = {4, 3, 2};
        tn_gguf_add_tensor(g, "three.d", TN_TYPE_F32, 3, ne3, x);
        tn_gguf_add_tensor(g, "one.d", TN_TYPE_F32, 1, ne3, x);
    }
    snprintf(path, sizeof(path), "%s/all_types.gguf", argv[1]);
    if (tn_gguf_write_file(g, path) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
    printf("wrote %s\n", path);
    tn_gguf_free(g);
    {   /* a small transformer, ternary projections packed as tq2_0 */
        tn_transformer m;
        tn_transformer_config cfg = tn_transformer_config_default();
        cfg.vocab = 50; cfg.d_model = 64; cfg.n_head = 2; cfg.n_layer = 2; cfg.d_ff = 256; cfg.ctx_len = 16;
        snprintf(path, sizeof(path), "%s/model.gguf", argv[1]);
        if (tn_transformer_init(&m, ctx, &cfg, 7) != TN_OK || tn_transformer_save_gguf(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F16) != TN_OK) {
            fprintf(stderr, "make_files: %s\n", tn_last_error());
            return 1;
        }
        tn_transformer_deinit(&m);
        printf("wrote %s\n", path);
    }
    /* llama.cpp's llama layout, 6 SwiGLU layers of d 256 (what examples/charlm exports with
       --swiglu --ff 512 --d 256 --layers 6 --heads 4): the shape tools.sh's llama-quantize mixes are
       checked on; and the same with 16 layers for the importance-matrix mixes' layer rules (n_layer / 8) */
    if (write_llama(ctx, argv[1], "llama6.gguf", 6, 11) || write_llama(ctx, argv[1], "llama16.gguf", 16, 13)) return 1;
    if (argc == 3) { /* ggml's input rows as one tensor "x" (256, 25) */
        float *in = (float *)malloc(6400 * sizeof(float));
        FILE *f;
        int64_t ne[2] = {256, 25};
        snprintf(path, sizeof(path), "%s/input.f32", argv[2]);
        f = fopen(path, "rb");
        if (!in || !f || fread(in, sizeof(float), 6400, f) != 6400) { fprintf(stderr, "make_files: cannot read %s\n", path); return 1; }
        fclose(f);
        g = tn_gguf_new();
        tn_gguf_set_str(g, "general.architecture", "vectors");
        tn_gguf_add_tensor(g, "x", TN_TYPE_F32, 2, ne, in);
        snprintf(path, sizeof(path), "%s/vectors.gguf", argv[1]);
        if (tn_gguf_write_file(g, path) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
        tn_gguf_free(g);
        printf("wrote %s\n", path);
        if (imatrix_files(argv[1], in)) return 1;
        free(in);
    }
    {   /* many names: 100,000 keys, and 100,000 safetensors tensors (tools must stay linear in them) */
        FILE *f;
        int64_t ne[2] = {32, 1};
        size_t cap = 16 << 20, len = 0;
        char *h = (char *)malloc(cap);
        g = tn_gguf_new();
        tn_gguf_set_str(g, "general.architecture", "many");
        for (i = 0; i < 100000; i++) {
            char key[32];
            snprintf(key, sizeof(key), "many.key.%d", i);
            if (tn_gguf_set_u32(g, key, (uint32_t)i) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
        }
        tn_gguf_add_tensor(g, "x", TN_TYPE_F32, 2, ne, x);
        snprintf(path, sizeof(path), "%s/many_keys.gguf", argv[1]);
        if (tn_gguf_write_file(g, path) != TN_OK) { fprintf(stderr, "make_files: %s\n", tn_last_error()); return 1; }
        tn_gguf_free(g);
        printf("wrote %s\n", path);
        if (!h) return 1;
        len += (size_t)snprintf(h + len, cap - len, "{");
        for (i = 0; i < 100000; i++)
            len += (size_t)snprintf(h + len, cap - len, "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[%d,%d]}",
                                    i ? "," : "", i, 8 * i, 8 * i + 8);
        len += (size_t)snprintf(h + len, cap - len, "}");
        snprintf(path, sizeof(path), "%s/many.safetensors", argv[1]);
        f = fopen(path, "wb");
        if (!f || len >= cap) { fprintf(stderr, "make_files: cannot write %s\n", path); return 1; }
        for (i = 0; i < 8; i++) fputc((int)(((uint64_t)len >> (8 * i)) & 255), f);
        fwrite(h, 1, len, f);
        for (i = 0; i < 100000 * 2; i++) fwrite(&x[i % 512], sizeof(float), 1, f);
        if (fclose(f) != 0) return 1;
        free(h);
        printf("wrote %s\n", path);
    }
    tn_ctx_free(ctx);
    return 0;
}
