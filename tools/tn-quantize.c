/* tn-quantize - requantize every tensor of a GGUF (or .safetensors) file.
   Build: cc -O2 -I. tools/tn-quantize.c -o tn-quantize -lm -lpthread
   Usage: tn-quantize [--absmean] [--mmap] IN.gguf|IN.safetensors OUT.gguf TYPE
     TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_K q3_K q4_K q5_K q6_K
           iq4_nl iq4_xs mxfp4 q1_0 q2_0 tq1_0 tq2_0, or keep (copy as is)
     --mmap  map a GGUF input instead of reading it (faster for big files, but
             a file truncated by someone else while it is mapped kills the
             process with SIGBUS; the default reads it into memory)
   Tensors of 2 or more dims are converted with ggml's reference quantizers,
   so the bytes equal llama-quantize's for the same f32 values; 1-D tensors
   (norms, biases) are kept. A tensor whose rows are not whole blocks of TYPE
   falls back as llama-quantize's does (q2_K, q3_K, q2_0, tq1_0, tq2_0 -> q4_0,
   q4_K -> q5_0, q5_K -> q5_1, q6_K -> q8_0, iq4_xs -> iq4_nl, then f16; q1_0
   has none, as in llama-quantize: an error), and is named. A tensor whose values are already ternary (one
   scale) goes to tq1_0/tq2_0 losslessly; --absmean ternarizes float tensors
   with BitNet's per-tensor absmean rule instead of ggml's per-block absmax.
   All metadata is kept (general.file_type follows TYPE), so a file llama.cpp
   runs (tensor names, keys, tokenizer) stays one it runs: the output is
   checked as tn-inspect checks it, and refused if it would not load. On any
   error nothing is written. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <string.h>

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [--absmean] [--mmap] IN.gguf|IN.safetensors OUT.gguf TYPE\n"
                    "  TYPE: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs mxfp4 q1_0 q2_0 tq1_0 tq2_0 keep\n", argv0);
    return 2;
}

/* one scale s with every value in {-s, 0, s}? */
static int is_ternary(const float *x, int64_t n, float *s) {
    int64_t i;
    float a = 0.0f;
    for (i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        if (v == 0.0f) continue;
        if (a == 0.0f) a = v;
        else if (v != a) return 0;
    }
    *s = a;
    return a > 0.0f;
}

static long n_converted, n_kept, n_fallback; /* for the summary line */

static int add(tn_gguf *out, const char *name, tn_type type, int n_dims, const int64_t *ne, const void *data) {
    if (tn_gguf_add_tensor(out, name, type, n_dims, ne, data) == TN_OK) return 0;
    fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
    return 1;
}

static int convert(tn_gguf *out, const char *name, tn_type src_type, int n_dims, const int64_t *ne, const void *src,
                   tn_type type, int absmean, int keep, void ***owned, int *n_owned) {
    int64_t n = 1, r, nr;
    int d;
    float *f;
    void *dst;
    size_t rs;
    const tn_type_traits *tr = tn_type_get_traits(src_type);
    for (d = 0; d < 4; d++) n *= ne[d];
    if (keep || n_dims < 2 || src_type == type) { n_kept += !keep && src_type != type; return add(out, name, src_type, n_dims, ne, src); }
    if (!tr || !tr->can_dequantize) { fprintf(stderr, "tn-quantize: cannot decode '%s' of type %s\n", name, tn_type_name(src_type)); return 1; }
    if (ne[0] % tn_blck_size(type) != 0) { /* llama-quantize's fallback for rows that are not whole blocks */
        tn_type fb = type == TN_TYPE_Q4_K ? TN_TYPE_Q5_0 : type == TN_TYPE_Q5_K ? TN_TYPE_Q5_1 : type == TN_TYPE_Q6_K ? TN_TYPE_Q8_0
                   : type == TN_TYPE_IQ4_XS ? TN_TYPE_IQ4_NL : tn_blck_size(type) > 32 ? TN_TYPE_Q4_0 : type;
        if (type == TN_TYPE_Q1_0) {
            fprintf(stderr, "tn-quantize: '%s' has rows of %lld values, not whole q1_0 blocks of 128, and q1_0 has no fallback "
                            "(as in llama-quantize); choose another type\n", name, (long long)ne[0]);
            return 1;
        }
        if (ne[0] % tn_blck_size(fb) != 0) fb = TN_TYPE_F16;
        printf("  %s: rows of %lld values are not whole %s blocks of %lld: %s instead\n", name, (long long)ne[0], tn_type_name(type),
               (long long)tn_blck_size(type), tn_type_name(fb));
        type = fb;
        n_fallback++;
        if (src_type == type) return add(out, name, src_type, n_dims, ne, src);
    }
    rs = tn_row_size(type, ne[0]);
    if (!rs) { fprintf(stderr, "tn-quantize: '%s': rows of %lld values are too large\n", name, (long long)ne[0]); return 1; }
    nr = ne[0] ? n / ne[0] : 0;
    {
        void **o = (void **)realloc(*owned, sizeof(void *) * (size_t)(*n_owned + 2));
        if (!o) { fprintf(stderr, "tn-quantize: out of memory\n"); return 1; }
        *owned = o;
    }
    /* the reader checked n * 4 and rs * nr against the file's size */
    f = (float *)malloc(sizeof(float) * (size_t)(n ? n : 1));
    dst = malloc(rs * (size_t)nr + 1);
    if (!f || !dst) { free(f); free(dst); fprintf(stderr, "tn-quantize: out of memory for '%s'\n", name); return 1; }
    (*owned)[(*n_owned)++] = f;
    (*owned)[(*n_owned)++] = dst;
    for (r = 0; r < nr; r++)
        if (tn_dequantize_row(src_type, (const uint8_t *)src + (size_t)r * tn_row_size(src_type, ne[0]), f + r * ne[0], ne[0]) != TN_OK) {
            fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error());
            return 1;
        }
    if (type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0) {
        float s;
        if (is_ternary(f, n, &s) || absmean) {
            int8_t *t = (int8_t *)malloc((size_t)n);
            tn_status st;
            if (!t) { fprintf(stderr, "tn-quantize: out of memory for '%s'\n", name); return 1; }
            if (!absmean || is_ternary(f, n, &s)) { for (r = 0; r < n; r++) t[r] = (int8_t)(f[r] > 0 ? 1 : f[r] < 0 ? -1 : 0); st = TN_OK; }
            else st = tn_ternary_absmean(f, n, t, &s);
            if (st == TN_OK) st = tn_ternary_to_tq(type, t, s, ne[0], nr, dst);
            free(t);
            if (st != TN_OK) { fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error()); return 1; }
            n_converted++;
            return add(out, name, type, n_dims, ne, dst);
        }
    }
    if (tn_quantize(type, f, dst, nr, ne[0], NULL) != TN_OK) { fprintf(stderr, "tn-quantize: '%s': %s\n", name, tn_last_error()); return 1; }
    n_converted++;
    return add(out, name, type, n_dims, ne, dst);
}

int main(int argc, char **argv) {
    tn_type type = TN_TYPE_F32;
    int absmean = 0, use_mmap = 0, keep = 0, i, rc = 0, n_owned = 0, na = 0;
    void **owned = NULL;
    tn_gguf *in = NULL, *out;
    tn_safetensors *st = NULL;
    FILE *f;
    char magic[4] = {0};
    const char *arg[3];
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--absmean") == 0) absmean = 1;
        else if (strcmp(argv[i], "--mmap") == 0) use_mmap = 1;
        else if (strcmp(argv[i], "--no-mmap") == 0) use_mmap = 0;
        else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "tn-quantize: unknown option '%s'\n", argv[i]); return usage(argv[0]); }
        else if (na == 3) return usage(argv[0]);
        else arg[na++] = argv[i];
    }
    if (na != 3) return usage(argv[0]);
    argv[1] = (char *)arg[0]; argv[2] = (char *)arg[1]; argv[3] = (char *)arg[2];
    printf("tn-quantize (ternary.h %d.%d.%d, %s kernels)\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
    if (strcmp(argv[3], "keep") == 0) keep = 1;
    else if (tn_type_from_name(argv[3], &type) != TN_OK || !(type == TN_TYPE_F32 || type == TN_TYPE_F16 || type == TN_TYPE_BF16 ||
             type == TN_TYPE_Q8_0 || type == TN_TYPE_Q4_0 || type == TN_TYPE_Q4_1 || type == TN_TYPE_Q5_0 || type == TN_TYPE_Q5_1 ||
             type == TN_TYPE_Q2_K || type == TN_TYPE_Q3_K || type == TN_TYPE_Q4_K || type == TN_TYPE_Q5_K || type == TN_TYPE_Q6_K ||
             type == TN_TYPE_IQ4_NL || type == TN_TYPE_IQ4_XS || type == TN_TYPE_MXFP4 || type == TN_TYPE_Q1_0 || type == TN_TYPE_Q2_0 ||
             type == TN_TYPE_TQ1_0 || type == TN_TYPE_TQ2_0)) {
        fprintf(stderr, "tn-quantize: unknown type '%s'\n", argv[3]);
        return usage(argv[0]);
    }
    f = fopen(argv[1], "rb");
    if (!f) { fprintf(stderr, "tn-quantize: cannot open '%s'\n", argv[1]); return 1; }
    if (fread(magic, 1, 4, f) != 4) magic[0] = 0;
    fclose(f);
    if (!(out = tn_gguf_new())) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); return 1; }
    if (memcmp(magic, "GGUF", 4) == 0) {
        if (tn_gguf_read_file(argv[1], use_mmap, &in) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); tn_gguf_free(out); return 1; }
        for (i = 0; i < tn_gguf_n_kv(in) && !rc; i++)
            if (tn_gguf_copy_kv(out, in, i) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
        for (i = 0; i < tn_gguf_n_tensors(in) && !rc; i++) {
            tn_gguf_tensor t;
            tn_gguf_get_tensor(in, i, &t);
            rc = convert(out, t.name, t.type, t.n_dims < 1 ? 1 : t.n_dims, t.ne, t.data, type, absmean, keep, &owned, &n_owned);
        }
    } else if (tn_safetensors_read_file(argv[1], &st) == TN_OK) {
        const char *base = strrchr(argv[1], '/');
        if (tn_gguf_set_str(out, "general.architecture", "unknown") != TN_OK || tn_gguf_set_str(out, "general.name", base ? base + 1 : argv[1]) != TN_OK) {
            fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
            rc = 1;
        }
        for (i = 0; i < tn_safetensors_n_tensors(st) && !rc; i++) {
            tn_st_tensor t;
            tn_safetensors_get(st, i, &t);
            if (strlen(t.name) >= TN_MAX_NAME) { fprintf(stderr, "tn-quantize: tensor name '%s' is longer than GGUF's 63 bytes\n", t.name); rc = 1; break; }
            rc = convert(out, t.name, t.type, t.n_dims, t.ne, t.data, type, absmean, keep, &owned, &n_owned);
        }
    } else {
        fprintf(stderr, "tn-quantize: '%s' is neither GGUF nor safetensors: %s\n", argv[1], tn_last_error());
        rc = 1;
    }
    if (!rc && !keep && type != TN_TYPE_F32 && type != TN_TYPE_F16 && type != TN_TYPE_BF16 && tn_gguf_set_u32(out, "general.quantization_version", 2) != TN_OK) {
        fprintf(stderr, "tn-quantize: %s\n", tn_last_error());
        rc = 1;
    }
    if (!rc && !keep && in) { /* llama.cpp's llama_ftype of the new main type */
        static const struct { tn_type t; uint32_t ft; } ftypes[] = {
            {TN_TYPE_F32, 0}, {TN_TYPE_F16, 1}, {TN_TYPE_Q4_0, 2}, {TN_TYPE_Q4_1, 3}, {TN_TYPE_Q8_0, 7}, {TN_TYPE_Q5_0, 8},
            {TN_TYPE_Q5_1, 9}, {TN_TYPE_BF16, 32}, {TN_TYPE_TQ1_0, 36}, {TN_TYPE_TQ2_0, 37},
            /* one K type throughout: llama.cpp's _S ftypes are the nearest (Q2_K 10, Q3_K_S 11, Q4_K_S 14, Q5_K_S 16, Q6_K 18) */
            {TN_TYPE_Q2_K, 10}, {TN_TYPE_Q3_K, 11}, {TN_TYPE_Q4_K, 14}, {TN_TYPE_Q5_K, 16}, {TN_TYPE_Q6_K, 18},
            {TN_TYPE_IQ4_NL, 25}, {TN_TYPE_IQ4_XS, 30}, {TN_TYPE_MXFP4, 38}, {TN_TYPE_Q1_0, 40}, {TN_TYPE_Q2_0, 41}};
        size_t k;
        for (k = 0; k < sizeof(ftypes) / sizeof(ftypes[0]); k++)
            if (ftypes[k].t == type && tn_gguf_set_u32(out, "general.file_type", ftypes[k].ft) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
    }
    if (!rc && in) { /* a file llama.cpp runs must stay one it runs */
        char why_in[512], why_out[512];
        if (tn_gguf_llamacpp_check(in, why_in, sizeof(why_in)) == 1) {
            if (tn_gguf_llamacpp_check(out, why_out, sizeof(why_out)) != 1) {
                fprintf(stderr, "tn-quantize: llama.cpp runs %s but would not run the output: %s; nothing written\n", argv[1], why_out);
                rc = 1;
            } else {
                printf("llama.cpp: runnable, as %s\n", why_out);
            }
        }
    }
    if (!rc && tn_gguf_write_file(out, argv[2]) != TN_OK) { fprintf(stderr, "tn-quantize: %s\n", tn_last_error()); rc = 1; }
    if (!rc && keep) printf("wrote %s (%lld tensors as they were)\n", argv[2], (long long)tn_gguf_n_tensors(out));
    else if (!rc)
        printf("wrote %s (%lld tensors: %ld converted to %s or its fallback (%ld fell back), %ld kept as they were (1-D, or already that type))\n", argv[2],
               (long long)tn_gguf_n_tensors(out), n_converted, tn_type_name(type), n_fallback, n_kept);
    for (i = 0; i < n_owned; i++) free(owned[i]);
    free(owned);
    tn_gguf_free(out);
    tn_gguf_free(in);
    tn_safetensors_free(st);
    return rc;
}
