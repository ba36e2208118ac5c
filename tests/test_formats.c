/* @@QUANT tests: every format byte for byte against ggml's own output */

typedef struct { const char *name; tn_type type; int has_dequant; } tn_t_fmt;
static const tn_t_fmt tn_t_fmts[] = {
    {"f16", TN_TYPE_F16, 1}, {"bf16", TN_TYPE_BF16, 1}, {"q8_0", TN_TYPE_Q8_0, 1}, {"q8_1", TN_TYPE_Q8_1, 0},
    {"q4_0", TN_TYPE_Q4_0, 1}, {"q4_1", TN_TYPE_Q4_1, 1}, {"q5_0", TN_TYPE_Q5_0, 1}, {"q5_1", TN_TYPE_Q5_1, 1},
    {"q8_K", TN_TYPE_Q8_K, 1}, {"tq1_0", TN_TYPE_TQ1_0, 1}, {"tq2_0", TN_TYPE_TQ2_0, 1},
    {"q2_K", TN_TYPE_Q2_K, 1}, {"q3_K", TN_TYPE_Q3_K, 1}, {"q4_K", TN_TYPE_Q4_K, 1}, {"q5_K", TN_TYPE_Q5_K, 1}, {"q6_K", TN_TYPE_Q6_K, 1},
    {"iq4_nl", TN_TYPE_IQ4_NL, 1}, {"iq4_xs", TN_TYPE_IQ4_XS, 1}, {"mxfp4", TN_TYPE_MXFP4, 1}, {"q1_0", TN_TYPE_Q1_0, 1}, {"q2_0", TN_TYPE_Q2_0, 1},
    {"nvfp4", TN_TYPE_NVFP4, 1},
};
#define TN_T_NFMT (int)(sizeof(tn_t_fmts) / sizeof(tn_t_fmts[0]))

static int test_type_traits(void) {
    tn_type t;
    int i;
    CHECK_EQ_INT(tn_type_size(TN_TYPE_Q4_0), sizeof(tn_block_q4_0));
    CHECK_EQ_INT(tn_type_size(TN_TYPE_Q8_K), sizeof(tn_block_q8_K));
    CHECK_EQ_INT(tn_type_size(TN_TYPE_TQ1_0), 54);
    CHECK_EQ_INT(tn_type_size(TN_TYPE_TQ2_0), 66);
    CHECK_EQ_INT(tn_blck_size(TN_TYPE_TQ2_0), 256);
    CHECK_EQ_INT(tn_type_size(TN_TYPE_IQ2_XXS), 66);
    CHECK(tn_type_get_traits((tn_type)4) == NULL);
    CHECK(tn_type_get_traits((tn_type)36) == NULL);
    CHECK(tn_type_get_traits(TN_TYPE_COUNT) == NULL);
    for (i = 0; i < TN_T_NFMT; i++) {
        CHECK_OK(tn_type_from_name(tn_t_fmts[i].name, &t));
        CHECK_EQ_INT(t, tn_t_fmts[i].type);
        CHECK(strcmp(tn_type_name(t), tn_t_fmts[i].name) == 0);
    }
    CHECK_OK(tn_type_from_name("Q8_0", &t));
    CHECK_EQ_INT(t, TN_TYPE_Q8_0);
    CHECK(tn_type_from_name("q9_0", &t) == TN_ERR_TYPE);
    return 0;
}

/* tn_quantize_row's Q8_K (SIMD where compiled) against the scalar reference on
   blocks made to hit every rule: the first of equal-magnitude maxima of either
   sign sets the scale, exact .5 ties round to even, clamping at 127, all-zero
   blocks, and scales that overflow (tiny and subnormal maxima) */
static int test_q8_K_simd_matches_ref(void) {
    enum { NB = 48 };
    float *x = (float *)malloc(sizeof(float) * 256 * NB);
    tn_block_q8_K got[NB], want[NB];
    tn_rng r;
    int b, j, seed;
    CHECK(x != NULL);
    for (seed = 0; seed < 20; seed++) {
        tn_rng_seed(&r, 7000 + (uint64_t)seed);
        for (b = 0; b < NB; b++) {
            float *xb = x + 256 * b;
            int kind = (b + seed) % 8;
            for (j = 0; j < 256; j++) xb[j] = tn_rng_normal(&r) * (float)(1 + b);
            if (kind == 1) { /* ties: max 127 so the scale is -1 or 1 and k + 0.5 stays exact */
                for (j = 0; j < 256; j++) xb[j] = (float)((int)(tn_rng_u32(&r) % 253) - 126) + 0.5f;
                xb[tn_rng_u32(&r) % 256] = (seed & 1) ? 127.0f : -127.0f;
            } else if (kind == 2) { /* equal magnitudes, opposite signs: the first wins */
                int a = (int)(tn_rng_u32(&r) % 128), c = 128 + (int)(tn_rng_u32(&r) % 128);
                xb[a] = (seed & 1) ? -1000.0f : 1000.0f;
                xb[c] = -xb[a];
            } else if (kind == 3) memset(xb, 0, sizeof(float) * 256);
            else if (kind == 4) for (j = 0; j < 256; j++) xb[j] *= 1e-38f; /* subnormal-ish: scale overflows */
            else if (kind == 5) { for (j = 0; j < 256; j++) xb[j] = 0.0f; xb[tn_rng_u32(&r) % 256] = -1e-45f; }
            else if (kind == 6) for (j = 0; j < 256; j++) xb[j] = (j % 2 ? -1.0f : 1.0f) * 3.0e38f * tn_rng_uniform(&r);
        }
        CHECK_OK(tn_quantize_row(TN_TYPE_Q8_K, x, got, 256 * NB));
        tn_quantize_row_q8_K_ref(x, want, 256 * NB);
        for (b = 0; b < NB; b++)
            CHECK_MSG(memcmp(&got[b], &want[b], sizeof(got[b])) == 0, "seed %d block %d (kind %d): SIMD q8_K differs from the reference", seed, b, (b + seed) % 8);
    }
    free(x);
    return 0;
}

static int test_formats_match_ggml(void) {
    size_t in_size = 0;
    float *in = (float *)tn_t_read_vector("input.f32", &in_size);
    int i;
    CHECK_MSG(in != NULL && in_size == 6400 * 4, "cannot read input.f32 from %s (set TN_TESTVECTORS)", tn_t_vector_dir());
    for (i = 0; i < TN_T_NFMT; i++) {
        char fn[64];
        size_t want_size = 0, deq_size = 0, rs = tn_row_size(tn_t_fmts[i].type, 256), written = 0;
        uint8_t *want, *got;
        float *deq_want, *deq_got;
        int r;
        snprintf(fn, sizeof(fn), "%s.bin", tn_t_fmts[i].name);
        want = (uint8_t *)tn_t_read_vector(fn, &want_size);
        CHECK_MSG(want != NULL && want_size == rs * 25, "%s: missing or wrong size (%zu)", fn, want_size);
        got = (uint8_t *)malloc(want_size);
        CHECK_OK(tn_quantize(tn_t_fmts[i].type, in, got, 25, 256, &written));
        CHECK_EQ_INT(written, want_size);
        for (r = 0; r < 25; r++) {
            size_t b;
            for (b = 0; b < rs; b++)
                CHECK_MSG(got[r * rs + b] == want[r * rs + b], "%s row %d byte %zu: got 0x%02x want 0x%02x",
                          tn_t_fmts[i].name, r, b, got[r * rs + b], want[r * rs + b]);
        }
        if (tn_t_fmts[i].has_dequant) {
            snprintf(fn, sizeof(fn), "%s.dequant.f32", tn_t_fmts[i].name);
            deq_want = (float *)tn_t_read_vector(fn, &deq_size);
            CHECK_MSG(deq_want != NULL && deq_size == 6400 * 4, "%s missing", fn);
            deq_got = (float *)malloc(deq_size);
            /* decode ggml's bytes (not ours) and compare raw bits */
            for (r = 0; r < 25; r++) CHECK_OK(tn_dequantize_row(tn_t_fmts[i].type, want + r * rs, deq_got + r * 256, 256));
            for (r = 0; r < 6400; r++)
                CHECK_MSG(memcmp(&deq_got[r], &deq_want[r], 4) == 0, "%s value %d (row %d): got %.9g want %.9g",
                          fn, r, r / 256, (double)deq_got[r], (double)deq_want[r]);
            free(deq_want);
            free(deq_got);
        } else {
            /* q8_1: ggml has no decoder; ours reads it as q8_0 and must match q8_0's */
            size_t q80_size = 0;
            float *q80 = (float *)tn_t_read_vector("q8_0.dequant.f32", &q80_size);
            deq_got = (float *)malloc(6400 * 4);
            CHECK(q80 != NULL);
            for (r = 0; r < 25; r++) CHECK_OK(tn_dequantize_row(TN_TYPE_Q8_1, want + r * rs, deq_got + r * 256, 256));
            for (r = 0; r < 6400; r++) CHECK(memcmp(&deq_got[r], &q80[r], 4) == 0);
            free(q80);
            free(deq_got);
        }
        free(want);
        free(got);
    }
    free(in);
    return 0;
}

/* The K-quant and lookup-format searches on rows made to reach their corners
   (tests/data/README.md: edge.f32): ggml's bytes for each, and decoding them
   stays within the format's step of the input (a wrong scale or code layout
   shows here even where the bytes agree, e.g. a decoder reading the wrong group) */
static int test_kquant_edge_rows(void) {
    static const char *names[] = {"q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl", "iq4_xs", "mxfp4", "q1_0", "q2_0", "nvfp4"};
    /* the largest error a decoded value may have, as a share of the row's largest magnitude (q1_0 keeps signs only) */
    static const double bound[] = {1.0, 0.6, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 2.0, 1.0, 1.0}; /* (nvfp4 has no tensor scale: values below ~0.003 become 0) */
    size_t in_size = 0;
    float *in = (float *)tn_t_read_vector("edge.f32", &in_size), *dq;
    int i;
    CHECK_MSG(in != NULL && in_size == 24 * 256 * 4, "cannot read edge.f32 from %s", tn_t_vector_dir());
    dq = (float *)malloc(in_size);
    for (i = 0; i < 11; i++) {
        char fn[64];
        size_t want_size = 0, rs, written = 0;
        uint8_t *want, *got;
        tn_type t;
        int r, j;
        CHECK_OK(tn_type_from_name(names[i], &t));
        rs = tn_row_size(t, 256);
        snprintf(fn, sizeof(fn), "edge.%s.bin", names[i]);
        want = (uint8_t *)tn_t_read_vector(fn, &want_size);
        CHECK_MSG(want != NULL && want_size == rs * 24, "%s: missing or wrong size (%zu)", fn, want_size);
        got = (uint8_t *)malloc(want_size);
        CHECK_OK(tn_quantize(t, in, got, 24, 256, &written));
        CHECK_EQ_INT(written, want_size);
        for (r = 0; r < 24; r++) {
            double amax = 0, emax = 0;
            CHECK_MSG(memcmp(got + r * rs, want + r * rs, rs) == 0, "%s edge row %d: not ggml's bytes", names[i], r);
            CHECK_OK(tn_dequantize_row(t, got + r * rs, dq + 256 * r, 256));
            for (j = 0; j < 256; j++) { /* (no fmax: gcc 12's aarch64 vectorizer fails on that reduction) */
                double a = fabs(in[256 * r + j]), e = fabs((double)dq[256 * r + j] - in[256 * r + j]);
                if (a > amax) amax = a;
                if (e > emax) emax = e;
            }
            /* 2 bits can be a whole range off on an outlier row; 6 bits a few hundredths */
            /* (rows below f16's range decode to zeros: their scales underflow, as in ggml) */
            CHECK_MSG(emax <= amax * (amax < 1e-7 ? 1.0 : bound[i]), "%s edge row %d: error %g of %g", names[i], r, emax, amax);
            if (amax == 0 && i != 8) for (j = 0; j < 256; j++) CHECK(dq[256 * r + j] == 0.0f);
        }
        free(want);
        free(got);
    }
    free(dq);
    free(in);
    return 0;
}

/* quantize -> dequantize error on fresh random data, per-format bound relative to RMS */
static int test_formats_roundtrip_error(void) {
    static const struct { tn_type t; double max_rel_rmse; } lim[] = {
        {TN_TYPE_F16, 0.001}, {TN_TYPE_BF16, 0.005}, {TN_TYPE_Q8_0, 0.01}, {TN_TYPE_Q8_1, 0.01},
        {TN_TYPE_Q5_0, 0.05}, {TN_TYPE_Q5_1, 0.04}, {TN_TYPE_Q4_0, 0.1}, {TN_TYPE_Q4_1, 0.08},
        {TN_TYPE_Q8_K, 0.01}, {TN_TYPE_TQ1_0, 0.9}, {TN_TYPE_TQ2_0, 0.9},
        {TN_TYPE_Q2_K, 0.4}, {TN_TYPE_Q3_K, 0.2}, {TN_TYPE_Q4_K, 0.1}, {TN_TYPE_Q5_K, 0.05}, {TN_TYPE_Q6_K, 0.025},
        {TN_TYPE_IQ4_NL, 0.1}, {TN_TYPE_IQ4_XS, 0.1}, {TN_TYPE_MXFP4, 0.2}, {TN_TYPE_NVFP4, 0.15}, {TN_TYPE_Q1_0, 0.7}, {TN_TYPE_Q2_0, 0.8}, /* (q2_0: -1..2 times the largest magnitude of 64) */
    };
    tn_rng r;
    int i, seed;
    const int n = 1024;
    float x[1024], y[1024];
    uint8_t buf[1024 * 4];
    for (seed = 0; seed < 3; seed++) {
        tn_rng_seed(&r, 100 + seed);
        for (i = 0; i < n; i++) x[i] = tn_rng_normal(&r) * (seed + 1);
        for (i = 0; i < (int)(sizeof(lim) / sizeof(lim[0])); i++) {
            double se = 0, ss = 0;
            int j;
            CHECK_OK(tn_quantize_row(lim[i].t, x, buf, n));
            CHECK_OK(tn_dequantize_row(lim[i].t, buf, y, n));
            for (j = 0; j < n; j++) { se += (double)(x[j] - y[j]) * (x[j] - y[j]); ss += (double)x[j] * x[j]; }
            CHECK_MSG(sqrt(se / ss) <= lim[i].max_rel_rmse, "%s: relative rmse %.4f > %.4f", tn_type_name(lim[i].t), sqrt(se / ss), lim[i].max_rel_rmse);
        }
    }
    return 0;
}

static int test_formats_reject_bad_input(void) {
    float x[256];
    uint8_t buf[512];
    int i;
    for (i = 0; i < 256; i++) x[i] = (float)i;
    CHECK(tn_quantize_row(TN_TYPE_Q4_0, x, buf, 33) == TN_ERR_ARG);
    CHECK(tn_quantize_row(TN_TYPE_IQ2_XXS, x, buf, 256) == TN_ERR_ARG); /* needs an importance matrix */
    CHECK(tn_quantize_row(TN_TYPE_I64, x, buf, 256) == TN_ERR_TYPE);
    CHECK(tn_quantize_row(TN_TYPE_Q4_K, x, buf, 128) == TN_ERR_ARG); /* not a whole super-block */
    CHECK(tn_quantize_row((tn_type)5, x, buf, 32) == TN_ERR_TYPE);
    x[17] = NAN;
    memset(buf, 0xAB, sizeof(buf));
    CHECK(tn_quantize_row(TN_TYPE_Q8_0, x, buf, 32) == TN_ERR_ARG);
    CHECK(strstr(tn_last_error(), "x[17]") != NULL);
    CHECK(buf[0] == 0xAB); /* nothing written */
    x[17] = INFINITY;
    CHECK(tn_quantize_row(TN_TYPE_TQ2_0, x, buf, 256) == TN_ERR_ARG);
    CHECK_OK(tn_quantize_row(TN_TYPE_F16, x, buf, 32)); /* f16 holds Inf */
    CHECK(tn_dequantize_row(TN_TYPE_I64, buf, x, 256) == TN_ERR_TYPE); /* (known, no decoder) */
    return 0;
}

/* The grid formats (iq1_s .. iq3_s): with an all-ones importance matrix,
   ggml's bytes for the test vectors (input.f32) and for the edge rows
   (edge.f32; tests/data/README.md), and ggml's decoding of its own bytes bit
   for bit; decoding stays within a bound of the input on the edge rows; the
   dot product on every path equals the dot of the decoded values; and the
   errors: no importance matrix where ggml needs one, negative or non-finite
   weights, an importance matrix for a format that does not take it */
static int test_grid_formats_match_ggml(void) {
    static const char *names[] = {"iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs", "iq3_s", "iq1_s", "iq1_m"};
    static const double bound[] = {1.0, 1.0, 1.0, 0.6, 0.6, 1.5, 1.5}; /* share of the row's largest magnitude */
    size_t in_size = 0, edge_size = 0;
    float *in = (float *)tn_t_read_vector("input.f32", &in_size), *edge = (float *)tn_t_read_vector("edge.f32", &edge_size);
    float ones[256], dq[6400];
    tn_rng r;
    int i, j, k;
    CHECK_MSG(in != NULL && in_size == 6400 * 4 && edge != NULL && edge_size == 24 * 256 * 4, "cannot read input.f32 / edge.f32 from %s", tn_t_vector_dir());
    for (j = 0; j < 256; j++) ones[j] = 1.0f;
    tn_rng_seed(&r, 4242);
    for (i = 0; i < 7; i++) {
        char fn[64];
        size_t want_size = 0, deq_size = 0, edge_want_size = 0, written = 0, rs;
        uint8_t *want, *got, *ewant;
        float *deq;
        tn_type t;
        int row;
        CHECK_OK(tn_type_from_name(names[i], &t));
        rs = tn_row_size(t, 256);
        snprintf(fn, sizeof(fn), "%s.bin", names[i]);
        want = (uint8_t *)tn_t_read_vector(fn, &want_size);
        snprintf(fn, sizeof(fn), "%s.dequant.f32", names[i]);
        deq = (float *)tn_t_read_vector(fn, &deq_size);
        snprintf(fn, sizeof(fn), "edge.%s.bin", names[i]);
        ewant = (uint8_t *)tn_t_read_vector(fn, &edge_want_size);
        CHECK_MSG(want && want_size == 25 * rs && deq && deq_size == 6400 * 4 && ewant && edge_want_size == 24 * rs, "%s: vectors missing", names[i]);
        got = (uint8_t *)malloc(25 * rs);
        CHECK_OK(tn_quantize_imatrix(t, in, got, 25, 256, ones, &written));
        CHECK_EQ_INT(written, 25 * rs);
        for (row = 0; row < 25; row++) CHECK_MSG(memcmp(got + row * rs, want + row * rs, rs) == 0, "%s row %d: not ggml's bytes", names[i], row);
        for (row = 0; row < 25; row++) CHECK_OK(tn_dequantize_row(t, want + row * rs, dq + 256 * row, 256));
        for (j = 0; j < 6400; j++) CHECK_MSG(memcmp(&dq[j], &deq[j], 4) == 0, "%s value %d: %.9g, ggml %.9g", names[i], j, (double)dq[j], (double)deq[j]);
        CHECK_OK(tn_quantize_imatrix(t, edge, got, 24, 256, ones, NULL));
        for (row = 0; row < 24; row++) {
            double amax = 0, emax = 0;
            CHECK_MSG(memcmp(got + row * rs, ewant + row * rs, rs) == 0, "%s edge row %d: not ggml's bytes", names[i], row);
            CHECK_OK(tn_dequantize_row(t, got + row * rs, dq, 256));
            for (j = 0; j < 256; j++) {
                const double a = fabs(edge[256 * row + j]), e = fabs((double)dq[j] - edge[256 * row + j]);
                if (a > amax) amax = a;
                if (e > emax) emax = e;
            }
            CHECK_MSG(emax <= amax * (amax < 1e-7 ? 1.0 : bound[i]), "%s edge row %d: error %g of %g", names[i], row, emax, amax);
        }
        /* the dot product against Q8_K: the reference is the decoded dot, every path gives the reference */
        for (k = 0; k < 3; k++) {
            const int64_t n = 256 * (1 + 2 * k);
            float *w = (float *)malloc(sizeof(float) * (size_t)n), *a = (float *)malloc(sizeof(float) * (size_t)n);
            float *wd = (float *)malloc(sizeof(float) * (size_t)n), *ad = (float *)malloc(sizeof(float) * (size_t)n), *im = (float *)malloc(sizeof(float) * (size_t)n);
            uint8_t *wq = (uint8_t *)malloc(tn_row_size(t, n)), *aq = (uint8_t *)malloc(tn_row_size(TN_TYPE_Q8_K, n));
            double exact = 0, mag = 0;
            float ref = 0, got_dot = 0;
            int pi;
            int64_t e;
            for (e = 0; e < n; e++) { w[e] = tn_rng_normal(&r); a[e] = tn_rng_normal(&r) * (float)(k + 1); im[e] = tn_rng_uniform(&r) * 2.0f; }
            CHECK_OK(tn_quantize_imatrix(t, w, wq, 1, n, im, NULL));
            CHECK_OK(tn_quantize_row(TN_TYPE_Q8_K, a, aq, n));
            CHECK_OK(tn_dequantize_row(t, wq, wd, n));
            CHECK_OK(tn_dequantize_row(TN_TYPE_Q8_K, aq, ad, n));
            for (e = 0; e < n; e++) { exact += (double)wd[e] * ad[e]; mag += fabs((double)wd[e] * ad[e]); }
            tn_get_vec_dot(t, TN_PATH_REF)(n, &ref, wq, aq);
            CHECK_MSG(fabs(ref - exact) <= 1e-5 * mag + 1e-6, "%s n=%lld: ref %.9g vs decoded dot %.9g", names[i], (long long)n, (double)ref, exact);
            for (pi = TN_PATH_BEST; pi <= TN_PATH_NEON; pi++) {
                tn_vec_dot_fn fn = tn_get_vec_dot(t, (tn_kernel_path)pi);
                if (!fn) continue;
                fn(n, &got_dot, wq, aq);
                CHECK_MSG(memcmp(&got_dot, &ref, 4) == 0, "%s path %d: %.9g vs ref %.9g", names[i], pi, (double)got_dot, (double)ref);
            }
            free(w); free(a); free(wd); free(ad); free(im); free(wq); free(aq);
        }
        /* any bytes: random blocks (a finite scale) against random q8 bytes, -128 included: every path gives the reference */
        for (k = 0; k < 20; k++) {
            const int64_t nb = 1 + k % 5;
            uint8_t *wq = (uint8_t *)malloc(rs * (size_t)nb);
            tn_block_q8_K *aq = (tn_block_q8_K *)malloc(sizeof(tn_block_q8_K) * (size_t)nb);
            float ref = 0, got_dot = 0;
            int64_t e, b;
            int pi;
            for (e = 0; e < (int64_t)rs * nb; e++) wq[e] = (uint8_t)tn_rng_u32(&r);
            for (b = 0; b < nb; b++) {
                const uint16_t h = tn_fp32_to_fp16(tn_rng_normal(&r));
                uint8_t *blk = wq + rs * (size_t)b;
                if (t == TN_TYPE_IQ1_M) { /* the scale's nibbles sit in the top of the four scale words */
                    for (j = 0; j < 4; j++) blk[49 + 2 * j] = (uint8_t)((blk[49 + 2 * j] & 0x0F) | (((h >> (4 * j)) & 15u) << 4));
                } else {
                    memcpy(blk, &h, 2);
                }
                aq[b].d = tn_rng_normal(&r);
                for (j = 0; j < 256; j++) aq[b].qs[j] = (int8_t)(k % 4 == 0 ? -128 : (int)(tn_rng_u32(&r) & 255u) - 128);
                for (j = 0; j < 16; j++) aq[b].bsums[j] = (int16_t)((int)(tn_rng_u32(&r) % 4097) - 2048);
            }
            tn_get_vec_dot(t, TN_PATH_REF)(256 * nb, &ref, wq, aq);
            CHECK_MSG(isfinite(ref), "%s: random blocks gave %g", names[i], (double)ref);
            for (pi = TN_PATH_BEST; pi <= TN_PATH_NEON; pi++) {
                tn_vec_dot_fn fn = tn_get_vec_dot(t, (tn_kernel_path)pi);
                if (!fn) continue;
                fn(256 * nb, &got_dot, wq, aq);
                CHECK_MSG(memcmp(&got_dot, &ref, 4) == 0, "%s path %d, random blocks %d: %.9g vs ref %.9g", names[i], pi, k, (double)got_dot, (double)ref);
            }
            free(wq); free(aq);
        }
        /* bad input: a clear error, dst untouched */
        memset(got, 0x5A, rs);
        if (tn_type_needs_imatrix(t)) {
            CHECK(tn_quantize_row(t, in, got, 256) == TN_ERR_ARG && strstr(tn_last_error(), "importance matrix") != NULL);
            CHECK(tn_quantize_imatrix(t, in, got, 1, 256, NULL, NULL) == TN_ERR_ARG);
        } else {
            CHECK_OK(tn_quantize_row(t, in, got, 256)); /* ggml's weights from x */
            memset(got, 0x5A, rs);
        }
        ones[17] = -1.0f;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 256, ones, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "weight 17") != NULL);
        ones[17] = NAN;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 256, ones, NULL) == TN_ERR_ARG);
        ones[17] = INFINITY;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 256, ones, NULL) == TN_ERR_ARG);
        ones[17] = 1.0f;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 200, ones, NULL) == TN_ERR_ARG);
        for (j = 0; j < (int)rs; j++) CHECK(got[j] == 0x5A);
        free(want); free(got); free(ewant); free(deq);
    }
    CHECK(tn_quantize_imatrix(TN_TYPE_Q8_1, in, dq, 1, 256, ones, NULL) == TN_ERR_UNSUPPORTED && strstr(tn_last_error(), "q8_1") != NULL);
    CHECK_OK(tn_quantize_imatrix(TN_TYPE_Q8_0, in, dq, 1, 256, ones, NULL)); /* ggml's q8_0 ignores it too */
    free(in);
    free(edge);
    return 0;
}

/* The formats whose ggml quantizer takes an importance matrix (q4_0 .. q5_1,
   the K-quants, iq4_nl, iq4_xs): ggml's bytes with tests/data/imatrix.f32 for
   the test vectors and the edge rows; a different matrix gives different
   bytes; bad weights: an error, dst untouched */
static int test_imatrix_formats_match_ggml(void) {
    static const char *names[] = {"q4_0", "q4_1", "q5_0", "q5_1", "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "iq4_nl", "iq4_xs"};
    size_t in_size = 0, edge_size = 0, im_size = 0;
    float *in = (float *)tn_t_read_vector("input.f32", &in_size), *edge = (float *)tn_t_read_vector("edge.f32", &edge_size);
    float *im = (float *)tn_t_read_vector("imatrix.f32", &im_size), im2[256];
    int i, j, row;
    CHECK_MSG(in && in_size == 6400 * 4 && edge && edge_size == 24 * 256 * 4 && im && im_size == 256 * 4, "cannot read input.f32 / edge.f32 / imatrix.f32 from %s", tn_t_vector_dir());
    for (j = 0; j < 256; j++) im2[j] = (float)(j % 7 + 1);
    for (i = 0; i < 11; i++) {
        char fn[64];
        size_t want_size = 0, written = 0, rs;
        uint8_t *want, *got, *plain;
        tn_type t;
        int differs = 0;
        CHECK_OK(tn_type_from_name(names[i], &t));
        rs = tn_row_size(t, 256);
        snprintf(fn, sizeof(fn), "imatrix.%s.bin", names[i]);
        want = (uint8_t *)tn_t_read_vector(fn, &want_size);
        CHECK_MSG(want && want_size == 49 * rs, "%s: %s missing or not 49 rows", names[i], fn);
        got = (uint8_t *)malloc(49 * rs);
        plain = (uint8_t *)malloc(49 * rs);
        CHECK_OK(tn_quantize_imatrix(t, in, got, 25, 256, im, &written));
        CHECK_EQ_INT(written, 25 * rs);
        CHECK_OK(tn_quantize_imatrix(t, edge, got + 25 * rs, 24, 256, im, NULL));
        for (row = 0; row < 49; row++) CHECK_MSG(memcmp(got + row * rs, want + row * rs, rs) == 0, "%s row %d (%s): not ggml's bytes", names[i], row, row < 25 ? "input" : "edge");
        /* the matrix is used: another one, or none, changes some rows */
        CHECK_OK(tn_quantize_imatrix(t, in, plain, 25, 256, im2, NULL));
        for (row = 0; row < 25; row++) differs += memcmp(plain + row * rs, got + row * rs, rs) != 0;
        CHECK_MSG(differs > 0, "%s: another importance matrix gave the same bytes", names[i]);
        CHECK_OK(tn_quantize(t, in, plain, 25, 256, NULL));
        for (row = differs = 0; row < 25; row++) differs += memcmp(plain + row * rs, got + row * rs, rs) != 0;
        CHECK_MSG(differs > 0, "%s: the importance matrix changed nothing", names[i]);
        /* bad input: a clear error, dst untouched */
        memset(got, 0x5A, rs);
        memcpy(im2, im, sizeof(im2));
        im2[40] = -0.5f;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 256, im2, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "weight 40") != NULL);
        im2[40] = NAN;
        CHECK(tn_quantize_imatrix(t, in, got, 1, 256, im2, NULL) == TN_ERR_ARG);
        CHECK(tn_quantize_imatrix(t, in, got, 1, tn_blck_size(t) == 32 ? 40 : 200, im, NULL) == TN_ERR_ARG);
        for (j = 0; j < (int)rs; j++) CHECK(got[j] == 0x5A);
        for (j = 0; j < 256; j++) im2[j] = (float)(j % 7 + 1);
        free(want); free(got); free(plain);
    }
    free(in); free(edge); free(im);
    return 0;
}
