/* @@KERNELS tests: every SIMD path against the scalar reference, the reference
   against a float dot of the dequantized data, and matrix products */

static const tn_type tn_t_dot_types[] = {
    TN_TYPE_F32, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_Q4_0, TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1,
    TN_TYPE_Q8_0, TN_TYPE_Q8_1, TN_TYPE_Q8_K, TN_TYPE_TQ1_0, TN_TYPE_TQ2_0, TN_TYPE_T2,
    TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K, TN_TYPE_Q6_K,
    TN_TYPE_IQ4_NL, TN_TYPE_IQ4_XS, TN_TYPE_MXFP4, TN_TYPE_NVFP4, TN_TYPE_Q1_0, TN_TYPE_Q2_0,
};
#define TN_T_NDOT (int)(sizeof(tn_t_dot_types) / sizeof(tn_t_dot_types[0]))
/* the grid formats (their rows need an importance matrix: test_formats.c checks their dots on every path) */
static const tn_type tn_t_grid_types[] = {TN_TYPE_IQ2_XXS, TN_TYPE_IQ2_XS, TN_TYPE_IQ2_S, TN_TYPE_IQ3_XXS, TN_TYPE_IQ3_S, TN_TYPE_IQ1_S, TN_TYPE_IQ1_M};

/* random weights of a type (ternary-looking for the ternary types) */
static void tn_t_make_row(tn_rng *r, tn_type ty, int64_t n, float *x) {
    int64_t i;
    for (i = 0; i < n; i++) {
        if (ty == TN_TYPE_TQ1_0 || ty == TN_TYPE_TQ2_0 || ty == TN_TYPE_T2) {
            uint32_t u = tn_rng_u32(r) % 3;
            x[i] = ((float)u - 1.0f) * 0.05f;
        } else {
            x[i] = tn_rng_normal(r);
        }
    }
}

/* w (of its type) from the f32 rows of wf; T2 through the absmean rule and its scale */
static tn_status tn_t_set_weights(tn_tensor *w, const tn_tensor *wf) {
    int64_t n = tn_nelements(wf);
    int8_t *t;
    float s = 0.0f;
    tn_status st;
    if (w->type != TN_TYPE_T2) return tn_copy(w, wf);
    if (!(t = (int8_t *)malloc((size_t)n))) return TN_ERR_NOMEM;
    st = tn_ternary_absmean((const float *)wf->data, n, t, &s);
    if (st == TN_OK) st = tn_pack2((uint8_t *)w->data, t, n);
    w->scale = s;
    free(t);
    return st;
}

static int test_vec_dot_paths(void) {
    static const int64_t sizes_32[] = {32, 96, 224, 800, 4064};
    static const int64_t sizes_256[] = {256, 768, 1280, 4352};
    tn_rng r;
    int ti, si, pi, rep;
    tn_rng_seed(&r, 1234);
    for (ti = 0; ti < TN_T_NDOT; ti++) {
        tn_type ty = tn_t_dot_types[ti];
        const tn_type_traits *tr = tn_type_get_traits(ty);
        tn_type vt = tr->vec_dot_type;
        int big = tn_blck_size(vt) == 256 || tr->blck_size == 256;
        int ns = big ? 4 : 5;
        for (si = 0; si < ns; si++) {
            int64_t n = big ? sizes_256[si] : sizes_32[si];
            if (vt == TN_TYPE_F32 && si == 2) n = 37; /* odd float lengths */
            if (vt == TN_TYPE_F32 && si == 3) n = 1001;
            if (n % tr->blck_size) n += tr->blck_size - n % tr->blck_size; /* q1_0 (128), q2_0 (64): whole blocks */
            for (rep = 0; rep < 3; rep++) {
                float *w = (float *)malloc(sizeof(float) * (size_t)n), *a = (float *)malloc(sizeof(float) * (size_t)n);
                float *wd = (float *)malloc(sizeof(float) * (size_t)n), *ad = (float *)malloc(sizeof(float) * (size_t)n);
                uint8_t *wq = (uint8_t *)malloc(tn_row_size(ty, n) + 64), *aq = (uint8_t *)malloc(tn_row_size(vt, n) + 64);
                float ref = 0, got = 0, mag = 0;
                double exact = 0;
                int64_t i;
                tn_t_make_row(&r, ty, n, w);
                for (i = 0; i < n; i++) a[i] = tn_rng_normal(&r) * (rep + 1);
                CHECK_OK(tn_quantize_row(ty, w, wq, n));
                if (ty == TN_TYPE_T2) { int8_t *t = (int8_t *)malloc((size_t)n); float s; tn_ternary_absmean(w, n, t, &s); tn_pack2(wq, t, n); free(t); }
                CHECK_OK(tn_quantize_row(vt, a, aq, n));
                CHECK_OK(tn_dequantize_row(ty, wq, wd, n));
                CHECK_OK(tn_dequantize_row(vt, aq, ad, n));
                for (i = 0; i < n; i++) { exact += (double)wd[i] * ad[i]; mag += fabsf(wd[i] * ad[i]); }
                tn_get_vec_dot(ty, TN_PATH_REF)(n, &ref, wq, aq);
                /* the reference equals the dot of the decoded values (up to float summation) */
                CHECK_MSG(fabs(ref - exact) <= 1e-5 * mag + 1e-6, "%s n=%lld: ref %.9g vs decoded dot %.9g",
                          tn_type_name(ty), (long long)n, (double)ref, exact);
                for (pi = TN_PATH_BEST; pi <= TN_PATH_NEON; pi++) {
                    tn_vec_dot_fn fn = tn_get_vec_dot(ty, (tn_kernel_path)pi);
                    if (!fn) continue;
                    fn(n, &got, wq, aq);
                    CHECK_MSG(fabs(got - ref) <= 2e-6 * mag + 1e-6, "%s path %d n=%lld: %.9g vs ref %.9g",
                              tn_type_name(ty), pi, (long long)n, (double)got, (double)ref);
                }
                free(w); free(a); free(wd); free(ad); free(wq); free(aq);
            }
        }
    }
    return 0;
}

/* the paths this CPU has are the ones in use: the dispatcher finds AVX2 and
   AVX-512 where the CPU reports them (checked here against the compiler's own
   CPU test), every format has a kernel on each, and the best path is SIMD */
static const tn_kernel_path tn_t_simd_paths[] = {TN_PATH_AVX2, TN_PATH_AVX512, TN_PATH_NEON};
static int test_simd_paths_present(void) {
    int pi, any = 0;
#if defined(TN__X86_DISPATCH)
    {
        int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                     __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni");
#if defined(TN_HAVE_AVX512VBMI)
        avx512 = avx512 && __builtin_cpu_supports("avx512vbmi");
#endif
        CHECK_EQ_INT(tn_cpu_has_path(TN_PATH_AVX2), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0);
        CHECK_EQ_INT(tn_cpu_has_path(TN_PATH_AVX512), avx512 ? 1 : 0);
    }
#endif
#if defined(__aarch64__) && defined(TN_HAVE_NEON) && !defined(__ARM_FEATURE_DOTPROD)
    CHECK(tn_cpu_has_path(TN_PATH_NEON));
#endif
    CHECK(tn_cpu_has_path(TN_PATH_REF));
    CHECK(tn_cpu_path() != TN_PATH_BEST);
    for (pi = 0; pi < 3; pi++) {
        tn_kernel_path p = tn_t_simd_paths[pi];
        int ti;
        if (!tn_cpu_has_path(p)) {
            CHECK(tn_get_vec_dot(TN_TYPE_TQ2_0, p) == NULL);
            CHECK(tn_set_cpu_path(p) == TN_ERR_ARG && strstr(tn_last_error(), tn_path_name(p)) != NULL);
            continue;
        }
        any = 1;
        for (ti = 0; ti < TN_T_NDOT; ti++) { /* every format pair has a kernel on each SIMD path, and it is not the reference */
            tn_type ty = tn_t_dot_types[ti];
            CHECK_MSG(tn_get_vec_dot(ty, p) != NULL, "%s: no %s kernel", tn_type_name(ty), tn_path_name(p));
            if (p != TN_PATH_AVX512 || ty != TN_TYPE_T2) /* (T2 on AVX-512 without VBMI is AVX2's kernel) */
                CHECK_MSG(tn_get_vec_dot(ty, p) != tn_get_vec_dot(ty, TN_PATH_REF), "%s: the %s kernel is the reference", tn_type_name(ty), tn_path_name(p));
        }
        for (ti = 0; ti < (int)(sizeof(tn_t_grid_types) / sizeof(tn_t_grid_types[0])); ti++) {
            tn_type ty = tn_t_grid_types[ti];
            CHECK_MSG(tn_get_vec_dot(ty, p) != NULL && tn_get_vec_dot(ty, p) != tn_get_vec_dot(ty, TN_PATH_REF), "%s: the %s kernel is the reference", tn_type_name(ty), tn_path_name(p));
        }
    }
    if (any) {
        CHECK(strcmp(tn_simd_name(), "scalar") != 0);
        CHECK(tn_get_vec_dot(TN_TYPE_TQ2_0, TN_PATH_BEST) != tn_get_vec_dot(TN_TYPE_TQ2_0, TN_PATH_REF));
    } else {
        CHECK(strcmp(tn_simd_name(), "scalar") == 0);
    }
    CHECK(tn_get_vec_dot(TN_TYPE_F64, TN_PATH_BEST) == NULL);
    { /* switching paths and back */
        tn_kernel_path was = tn_cpu_path(), p;
        CHECK_OK(tn_set_cpu_path(TN_PATH_REF));
        CHECK(tn_cpu_path() == TN_PATH_REF && strcmp(tn_simd_name(), "scalar") == 0);
        CHECK_OK(tn_set_cpu_path(TN_PATH_BEST));
        CHECK_OK(tn_set_cpu_path(was));
        CHECK(tn_set_cpu_path((tn_kernel_path)17) == TN_ERR_ARG);
        CHECK(tn_cpu_path() == was);
        CHECK_OK(tn_path_from_name("avx2", &p));
        CHECK(p == TN_PATH_AVX2);
        CHECK(tn_path_from_name("sse9", &p) == TN_ERR_ARG);
    }
    return 0;
}

static int test_mul_mat_types_and_threads(void) {
    tn_ctx *ctx = tn_ctx_new(32 << 20);
    tn_pool *pool2 = tn_pool_new(2), *pool3 = tn_pool_new(3);
    tn_rng r;
    int ti;
    const int64_t N = 37, M = 5;
    tn_rng_seed(&r, 99);
    for (ti = 0; ti < TN_T_NDOT; ti++) {
        tn_type ty = tn_t_dot_types[ti];
        int64_t K = tn_blck_size(tn_type_get_traits(ty)->vec_dot_type) == 256 || tn_blck_size(ty) == 256 ? 512 : tn_blck_size(ty) > 32 ? 640 : 160;
        tn_tensor *wf = tn_new_2d(ctx, TN_TYPE_F32, K, N), *w = tn_new_2d(ctx, ty, K, N);
        tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, K, M);
        tn_tensor *y1 = tn_new_2d(ctx, TN_TYPE_F32, N, M), *y2 = tn_new_2d(ctx, TN_TYPE_F32, N, M), *y3 = tn_new_2d(ctx, TN_TYPE_F32, N, M);
        tn_tensor *yr = tn_new_2d(ctx, TN_TYPE_F32, N, M);
        int64_t i, n, m;
        CHECK(wf && w && x && y1 && y2 && y3 && yr);
        for (n = 0; n < N; n++) tn_t_make_row(&r, ty, K, (float *)wf->data + n * K);
        for (i = 0; i < K * M; i++) ((float *)x->data)[i] = tn_rng_normal(&r);
        CHECK_OK(tn_t_set_weights(w, wf));
        CHECK_OK(tn_mul_mat(y1, w, x, NULL));
        CHECK_OK(tn_mul_mat(y2, w, x, pool2));
        CHECK_OK(tn_mul_mat(y3, w, x, pool3));
        CHECK_OK(tn_mul_mat_ref(yr, w, x, pool2));
        CHECK_MSG(memcmp(y1->data, y2->data, (size_t)(N * M * 4)) == 0, "%s: 1 vs 2 threads differ", tn_type_name(ty));
        CHECK_MSG(memcmp(y1->data, y3->data, (size_t)(N * M * 4)) == 0, "%s: 1 vs 3 threads differ", tn_type_name(ty));
        for (m = 0; m < M; m++)
            for (n = 0; n < N; n++) {
                float a = ((float *)y1->data)[m * N + n], b = ((float *)yr->data)[m * N + n];
                CHECK_MSG(fabsf(a - b) <= 1e-4f * (1.0f + fabsf(b)), "%s y[%lld,%lld]: %g vs ref %g", tn_type_name(ty), (long long)m, (long long)n, (double)a, (double)b);
            }
        /* against float math on the dequantized weights: the error is the activation quantization only */
        for (m = 0; m < M; m++)
            for (n = 0; n < N; n++) {
                double acc = 0, mag = 0;
                float *wrow = (float *)malloc(sizeof(float) * (size_t)K);
                CHECK_OK(tn_dequantize_row(ty, (uint8_t *)w->data + n * w->nb[1], wrow, K));
                for (i = 0; i < K; i++) {
                    double p = (double)wrow[i] * (ty == TN_TYPE_T2 ? w->scale : 1.0f) * ((float *)x->data)[m * K + i];
                    acc += p; mag += fabs(p);
                }
                free(wrow);
                CHECK_MSG(fabs(((float *)y1->data)[m * N + n] - acc) <= 0.02 * mag + 1e-4, "%s: y %g vs float %g", tn_type_name(ty), (double)((float *)y1->data)[m * N + n], acc);
            }
    }
    tn_pool_free(pool2);
    tn_pool_free(pool3);
    tn_ctx_free(ctx);
    return 0;
}

/* a batch is computed in tiles (several weight rows times several activation
   rows); every column of a batch product must equal the one-column product and
   the public vec_dot of that row, bit for bit, for any batch size and thread count */
static int test_mul_mat_batch_tiles(void) {
    /* the float types check the 4-row kernels (f32 only below batch 4, where no GEMM runs),
       at a K with vector tails */
    static const tn_type types[] = {TN_TYPE_TQ2_0, TN_TYPE_TQ1_0, TN_TYPE_T2, TN_TYPE_Q4_0, TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1,
                                    TN_TYPE_Q8_0, TN_TYPE_Q8_1, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_F32};
    static const int64_t batches[] = {1, 2, 3, 5, 8, 9, 13, 17, 32};
    tn_ctx *ctx = tn_ctx_new(64 << 20);
    tn_pool *pool2 = tn_pool_new(2), *pool3 = tn_pool_new(3);
    tn_rng r;
    int ti, bi, pi;
    const int64_t N = 23, MMAX = 32;
    tn_rng_seed(&r, 4242);
    for (ti = 0; ti < (int)(sizeof(types) / sizeof(types[0])); ti++) {
        tn_type ty = types[ti];
        const int64_t K = !tn_type_get_traits(ty)->is_quantized ? 789 : tn_blck_size(ty) == 32 ? 800 : 768; /* 25 blocks of 32: a tail */
        tn_type vdt = tn_type_get_traits(ty)->vec_dot_type;
        tn_tensor *wf = tn_new_2d(ctx, TN_TYPE_F32, K, N), *w = tn_new_2d(ctx, ty, K, N);
        tn_tensor *xf = tn_new_2d(ctx, TN_TYPE_F32, K, MMAX), *xq = tn_new_2d(ctx, vdt, K, MMAX);
        tn_tensor *ycol = tn_new_2d(ctx, TN_TYPE_F32, N, 1);
        tn_vec_dot_fn dot = tn_get_vec_dot(ty, TN_PATH_BEST);
        int64_t i, n;
        CHECK(wf && w && xf && xq && ycol && dot);
        for (n = 0; n < N; n++) tn_t_make_row(&r, ty, K, (float *)wf->data + n * K);
        for (i = 0; i < K * MMAX; i++) ((float *)xf->data)[i] = tn_rng_normal(&r) * (i % 7 == 0 ? 3.0f : 1.0f);
        CHECK_OK(tn_t_set_weights(w, wf));
        CHECK_OK(tn_copy(xq, xf));
        for (bi = 0; bi < (int)(sizeof(batches) / sizeof(batches[0])); bi++) {
            int64_t M = batches[bi], m;
            if (ty == TN_TYPE_F32 && M >= 4) continue;
            for (pi = 0; pi < 3; pi++) {
                tn_pool *pool = pi == 0 ? NULL : pi == 1 ? pool2 : pool3;
                tn_tensor *xb = tn_slice(ctx, xq, 1, 0, M), *yb = tn_new_2d(ctx, TN_TYPE_F32, N, M);
                CHECK(xb && yb);
                CHECK_OK(tn_mul_mat(yb, w, xb, pool));
                for (m = 0; m < M; m++) {
                    tn_tensor *x1 = tn_slice(ctx, xq, 1, m, 1);
                    CHECK(x1);
                    CHECK_OK(tn_mul_mat(ycol, w, x1, NULL));
                    CHECK_MSG(memcmp((float *)yb->data + m * N, ycol->data, (size_t)N * 4) == 0,
                              "%s batch %lld column %lld (%d threads): tile result differs from one column", tn_type_name(ty), (long long)M, (long long)m, pi + 1);
                    for (n = 0; n < N; n++) {
                        float v;
                        dot(K, &v, (const uint8_t *)w->data + n * w->nb[1], (const uint8_t *)xq->data + m * xq->nb[1]);
                        if (ty == TN_TYPE_T2) v *= w->scale;
                        CHECK_MSG(memcmp(&v, (float *)ycol->data + n, 4) == 0, "%s row %lld: vec_dot %.9g vs mul_mat %.9g",
                                  tn_type_name(ty), (long long)n, (double)v, (double)((float *)ycol->data)[n]);
                    }
                }
            }
        }
    }
    tn_pool_free(pool2);
    tn_pool_free(pool3);
    tn_ctx_free(ctx);
    return 0;
}

/* activations given as a strided view (a transpose: elements not adjacent) give
   the same products as their contiguous copy, for every weight type */
static int test_mul_mat_strided_x(void) {
    tn_ctx *ctx = tn_ctx_new(32 << 20);
    tn_pool *pool2 = tn_pool_new(2);
    tn_rng r;
    int ti;
    const int64_t N = 9, M = 5, K = 512;
    tn_rng_seed(&r, 31);
    for (ti = 0; ti < TN_T_NDOT; ti++) {
        tn_type ty = tn_t_dot_types[ti];
        tn_tensor *wf = tn_new_2d(ctx, TN_TYPE_F32, K, N), *w = tn_new_2d(ctx, ty, K, N);
        tn_tensor *xt = tn_new_2d(ctx, TN_TYPE_F32, M, K), *x = tn_transpose(ctx, xt), *xc;
        tn_tensor *y = tn_new_2d(ctx, TN_TYPE_F32, N, M), *yc = tn_new_2d(ctx, TN_TYPE_F32, N, M);
        int64_t i;
        CHECK(wf && w && xt && x && y && yc);
        CHECK(x->nb[0] != sizeof(float));
        for (i = 0; i < N; i++) tn_t_make_row(&r, ty, K, (float *)wf->data + i * K);
        for (i = 0; i < K * M; i++) ((float *)xt->data)[i] = tn_rng_normal(&r);
        CHECK_OK(tn_t_set_weights(w, wf));
        xc = tn_cont(ctx, x);
        CHECK(xc);
        CHECK_OK(tn_mul_mat(y, w, x, pool2));
        CHECK_OK(tn_mul_mat(yc, w, xc, pool2));
        CHECK_MSG(memcmp(y->data, yc->data, (size_t)(N * M * 4)) == 0, "%s: strided x differs from its contiguous copy", tn_type_name(ty));
    }
    tn_pool_free(pool2);
    tn_ctx_free(ctx);
    return 0;
}

static int test_mul_mat_views_batches_errors(void) {
    tn_ctx *ctx = tn_ctx_new(8 << 20);
    tn_rng r;
    int64_t i, n, m, b;
    tn_tensor *w = tn_new_3d(ctx, TN_TYPE_F32, 24, 7, 1), *xt = tn_new_3d(ctx, TN_TYPE_F32, 5, 24, 3);
    tn_tensor *x, *y = tn_new_3d(ctx, TN_TYPE_F32, 7, 5, 3);
    tn_rng_seed(&r, 4);
    for (i = 0; i < 24 * 7; i++) ((float *)w->data)[i] = tn_rng_normal(&r);
    for (i = 0; i < 5 * 24 * 3; i++) ((float *)xt->data)[i] = tn_rng_normal(&r);
    x = tn_transpose(ctx, xt); /* (24, 5, 3), strided rows */
    CHECK_OK(tn_mul_mat(y, w, x, NULL)); /* w broadcast over the 3 batches */
    for (b = 0; b < 3; b++)
        for (m = 0; m < 5; m++)
            for (n = 0; n < 7; n++) {
                double acc = 0;
                for (i = 0; i < 24; i++) acc += (double)tn_get_f32(w, i, n, 0, 0) * tn_get_f32(x, i, m, b, 0);
                CHECK_NEAR(tn_get_f32(y, n, m, b, 0), acc, 1e-4);
            }
    CHECK(tn_mul_mat(tn_new_2d(ctx, TN_TYPE_F32, 6, 5), w, x, NULL) == TN_ERR_SHAPE);
    CHECK(strstr(tn_last_error(), "want w (K,N)") != NULL);
    CHECK(tn_mul_mat(y, tn_new_2d(ctx, TN_TYPE_I8, 24, 7), x, NULL) == TN_ERR_TYPE);
    {   /* quantized weights need finite activations */
        tn_tensor *wq = tn_new_2d(ctx, TN_TYPE_Q8_0, 32, 2), *xq = tn_new_2d(ctx, TN_TYPE_F32, 32, 1), *yq = tn_new_2d(ctx, TN_TYPE_F32, 2, 1);
        ((float *)xq->data)[3] = NAN;
        CHECK(tn_mul_mat(yq, wq, xq, NULL) == TN_ERR_ARG);
    }
    tn_ctx_free(ctx);
    return 0;
}

/* BitNet inference path: y = (sum t*q) * s_w / s_x, integers accumulated exactly */
static int test_bitnet_matvec_exact(void) {
    enum { K = 768, N = 9 };
    static float wf[K * N], x[K];
    static int8_t t[K * N], q[K];
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_tensor *w2 = tn_new_2d(ctx, TN_TYPE_TQ2_0, K, N), *w1 = tn_new_2d(ctx, TN_TYPE_TQ1_0, K, N), *wt = tn_new_2d(ctx, TN_TYPE_T2, K, N);
    tn_tensor *xq = tn_new_2d(ctx, TN_TYPE_Q8_K, K, 1), *y2 = tn_new_2d(ctx, TN_TYPE_F32, N, 1), *y1 = tn_new_2d(ctx, TN_TYPE_F32, N, 1), *yt = tn_new_2d(ctx, TN_TYPE_F32, N, 1);
    tn_rng r;
    float s, inv;
    int i, n;
    tn_rng_seed(&r, 8);
    for (i = 0; i < K * N; i++) wf[i] = tn_rng_normal(&r) * 0.1f;
    for (i = 0; i < K; i++) x[i] = tn_rng_normal(&r);
    CHECK_OK(tn_ternary_absmean(wf, K * N, t, &s));
    s = tn_fp16_to_fp32(tn_fp32_to_fp16(s)); /* the scale the TQ files carry */
    CHECK_OK(tn_ternary_to_tq(TN_TYPE_TQ2_0, t, s, K, N, w2->data));
    CHECK_OK(tn_ternary_to_tq(TN_TYPE_TQ1_0, t, s, K, N, w1->data));
    CHECK_OK(tn_pack2((uint8_t *)wt->data, t, K * N));
    wt->scale = s;
    CHECK_OK(tn_act_quant_q8_k(x, K, (tn_block_q8_K *)xq->data));
    CHECK_OK(tn_act_quant_i8(x, K, q, &inv));
    CHECK_OK(tn_mul_mat(y2, w2, xq, NULL));
    CHECK_OK(tn_mul_mat(y1, w1, xq, NULL));
    CHECK_OK(tn_mul_mat(yt, wt, xq, NULL));
    for (n = 0; n < N; n++) {
        long sumi = 0;
        double want;
        for (i = 0; i < K; i++) sumi += t[n * K + i] * q[i];
        want = (double)sumi * inv * s;
        CHECK_NEAR(((float *)y2->data)[n], want, 1e-5 * (1 + fabs(want)));
        CHECK_NEAR(((float *)y1->data)[n], want, 1e-5 * (1 + fabs(want)));
        CHECK_NEAR(((float *)yt->data)[n], want, 1e-5 * (1 + fabs(want)));
    }
    tn_ctx_free(ctx);
    return 0;
}

static int test_gemm_f32(void) {
    static const int64_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {33, 17, 65}, {100, 70, 300}, {200, 700, 600}, {4, 33, 257}};
    tn_pool *p2 = tn_pool_new(2), *p3 = tn_pool_new(3);
    tn_rng r;
    int si;
    tn_rng_seed(&r, 17);
    for (si = 0; si < 6; si++) {
        int64_t M = shapes[si][0], N = shapes[si][1], K = shapes[si][2], i, j, k;
        int64_t lda = K + 3, ldb = K + 1, ldc = N + 2;
        float *A = (float *)malloc(sizeof(float) * (size_t)(M * lda)), *B = (float *)malloc(sizeof(float) * (size_t)(N * ldb));
        float *C1 = (float *)malloc(sizeof(float) * (size_t)(M * ldc)), *C2 = (float *)malloc(sizeof(float) * (size_t)(M * ldc));
        float *C3 = (float *)malloc(sizeof(float) * (size_t)(M * ldc));
        for (i = 0; i < M * lda; i++) A[i] = tn_rng_normal(&r);
        for (i = 0; i < N * ldb; i++) B[i] = tn_rng_normal(&r);
        CHECK_OK(tn_gemm_f32(NULL, M, N, K, A, lda, B, ldb, C1, ldc));
        CHECK_OK(tn_gemm_f32(p2, M, N, K, A, lda, B, ldb, C2, ldc));
        CHECK_OK(tn_gemm_f32(p3, M, N, K, A, lda, B, ldb, C3, ldc));
        for (i = 0; i < M; i++)
            for (j = 0; j < N; j++) {
                double acc = 0, mag = 0;
                for (k = 0; k < K; k++) { acc += (double)A[i * lda + k] * B[j * ldb + k]; mag += fabs((double)A[i * lda + k] * B[j * ldb + k]); }
                CHECK_MSG(fabs(C1[i * ldc + j] - acc) <= 1e-5 * mag + 1e-6, "gemm %lldx%lldx%lld C[%lld,%lld] = %g, want %g",
                          (long long)M, (long long)N, (long long)K, (long long)i, (long long)j, (double)C1[i * ldc + j], acc);
                CHECK(C1[i * ldc + j] == C2[i * ldc + j] && C1[i * ldc + j] == C3[i * ldc + j]);
            }
        free(A); free(B); free(C1); free(C2); free(C3);
    }
    CHECK(tn_gemm_f32(NULL, 2, 2, 4, NULL, 4, NULL, 4, NULL, 2) == TN_ERR_ARG);
    tn_pool_free(p2);
    tn_pool_free(p3);
    return 0;
}

/* the vector e^x behind softmax: within 2 ulp of exp() in double over the whole
   float range (subnormal results included), and exact at the special values;
   softmax rows sum to 1 and keep masked entries at exactly 0 */
static int test_softmax_exp(void) {
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, 37, 3), *y;
    float *xv;
    int64_t i, r;
    { /* the scalar exp that every path evaluates: within 2 ulp of exp() in double */
        static const float sp[16] = {-INFINITY, INFINITY, 0.0f, -0.0f, 88.72f, 88.73f, -87.3f, -100.0f,
                                     -103.9f, -104.5f, 1.0f, -1.0f, 1e-10f, -1e-10f, 50.0f, -50.0f};
        double worst = 0.0;
        float v;
        int j;
        for (v = -105.0f; v < 89.0f; v += 0.00173f) {
            double e = exp((double)v);
            float ef = (float)e, ulp = nextafterf(ef, INFINITY) - ef, o = tn__expf(v);
            if (e > 0 && fabs((double)o - e) / ulp > worst) worst = fabs((double)o - e) / ulp;
        }
        CHECK_MSG(worst <= 2.0, "exp: %.2f ulp", worst);
        for (j = 0; j < 16; j++) {
            float e = expf(sp[j]), o = tn__expf(sp[j]);
            CHECK_MSG(o == e || fabsf(o - e) <= 2.0f * (nextafterf(e, INFINITY) - e), "exp(%g) = %g, expf %g", (double)sp[j], (double)o, (double)e);
        }
        CHECK(tn__expf(NAN) != tn__expf(NAN));
    }
    CHECK(x);
    xv = (float *)x->data;
    for (i = 0; i < 37 * 3; i++) xv[i] = (float)((i * 7919) % 61) * 0.37f - 9.0f;
    for (i = 5; i < 37; i += 3) xv[i] = -INFINITY; /* masked in row 0 */
    y = tn_softmax(ctx, x);
    CHECK(y);
    for (r = 0; r < 3; r++) {
        double sum = 0, mx = -INFINITY;
        for (i = 0; i < 37; i++) mx = fmax(mx, xv[r * 37 + i]);
        for (i = 0; i < 37; i++) {
            float got = ((float *)y->data)[r * 37 + i];
            sum += got;
            if (xv[r * 37 + i] == -INFINITY) CHECK(got == 0.0f);
        }
        CHECK_MSG(fabs(sum - 1.0) < 1e-5, "softmax row %lld sums to %.9g", (long long)r, sum);
        {
            double z = 0;
            for (i = 0; i < 37; i++) z += exp((double)xv[r * 37 + i] - mx);
            for (i = 0; i < 37; i++) {
                double want = exp((double)xv[r * 37 + i] - mx) / z;
                CHECK_NEAR(((float *)y->data)[r * 37 + i], want, 2e-6 * want + 1e-12);
            }
        }
    }
    tn_ctx_free(ctx);
    return 0;
}

/* Every row kernel of every path this CPU has gives the scalar reference's
   bits (the training path's promise), on lengths with tails, special values
   and both signs of zero. */
static void tn_t_fill_special(tn_rng *r, float *x, int64_t n, float scale) {
    static const float sp[] = {0.0f, -0.0f, 1e-40f, -1e-40f, 3.0e38f, -3.0e38f, 1e-30f, 0.5f, -0.5f, 1.0f};
    int64_t i;
    for (i = 0; i < n; i++) x[i] = tn_rng_normal(r) * scale;
    for (i = 0; i < n && i < 10; i++) x[(i * 7919) % n] = sp[i];
}
static int test_row_kernels_paths(void) {
    static const int64_t lens[] = {1, 7, 8, 15, 16, 17, 31, 33, 64, 100, 257, 1000};
    const tn__kernels *ref = tn__kern_path(TN_PATH_REF);
    tn_rng r;
    int pi, li;
    tn_rng_seed(&r, 4242);
    for (pi = 0; pi < 3; pi++) {
        const tn__kernels *k = tn__kern_path(tn_t_simd_paths[pi]);
        const char *pn = tn_path_name(tn_t_simd_paths[pi]);
        if (!k) continue;
        for (li = 0; li < 12; li++) {
            const int64_t n = lens[li];
            float *x = (float *)malloc(sizeof(float) * (size_t)n * 10), *g = x + n, *y1 = g + n, *y2 = y1 + n, *a1 = y2 + n, *a2 = a1 + n;
            float *w1 = a2 + n, *w2 = w1 + n, *m1 = w2 + n, *m2 = m1 + n;
            float *v1 = (float *)malloc(sizeof(float) * (size_t)n * 2), *v2 = v1 + n;
            int8_t *q1 = (int8_t *)malloc((size_t)n * 2), *q2 = q1 + n;
            int64_t i;
            int mode;
            CHECK(x && v1 && q1);
            tn_t_fill_special(&r, x, n, 3.0f);
            for (i = 0; i < n; i++) g[i] = tn_rng_normal(&r);
            if (n > 3) { x[n - 1] = NAN; x[n - 2] = INFINITY; x[n - 3] = -INFINITY; }
            /* ReLU, ReLU^2 forward and backward, the gradient add */
            ref->relu_fwd(y1, x, n); k->relu_fwd(y2, x, n);
            CHECK_MSG(memcmp(y1, y2, sizeof(float) * (size_t)n) == 0, "%s relu_fwd n=%lld", pn, (long long)n);
            ref->relu2_fwd(y1, x, n); k->relu2_fwd(y2, x, n);
            CHECK_MSG(memcmp(y1, y2, sizeof(float) * (size_t)n) == 0, "%s relu2_fwd n=%lld", pn, (long long)n);
            memcpy(a1, g, sizeof(float) * (size_t)n); memcpy(a2, g, sizeof(float) * (size_t)n);
            ref->relu_bwd(a1, g, x, n); k->relu_bwd(a2, g, x, n);
            ref->relu2_bwd(a1, g, x, n); k->relu2_bwd(a2, g, x, n);
            ref->vacc(a1, x, n); k->vacc(a2, x, n);
            CHECK_MSG(memcmp(a1, a2, sizeof(float) * (size_t)n) == 0, "%s relu/relu2 backward, vacc n=%lld", pn, (long long)n);
            /* e^x over the float range and the special values; the row sums; the cross-entropy gradient */
            for (i = 0; i < n; i++) a1[i] = tn_rng_uniform(&r) * 200.0f - 110.0f;
            if (n > 3) { a1[0] = NAN; a1[1] = -INFINITY; a1[2] = 88.7228394f; }
            ref->exp_row(y1, a1, n, 0.0f); k->exp_row(y2, a1, n, 0.0f);
            CHECK_MSG(memcmp(y1, y2, sizeof(float) * (size_t)n) == 0, "%s exp_row n=%lld", pn, (long long)n);
            for (i = 0; i < n; i++) a1[i] = tn_rng_normal(&r) * 4.0f;
            {
                double s1 = ref->exp_sum(a1, n, 1.5f), s2 = k->exp_sum(a1, n, 1.5f);
                CHECK_MSG(memcmp(&s1, &s2, 8) == 0, "%s exp_sum n=%lld: %.17g vs %.17g", pn, (long long)n, s1, s2);
                memcpy(w1, g, sizeof(float) * (size_t)n); memcpy(w2, g, sizeof(float) * (size_t)n);
                ref->ce_grad_row(w1, a1, n, 1.5f, 1.0 / s1, n / 2, 0.125f);
                k->ce_grad_row(w2, a1, n, 1.5f, 1.0 / s1, n / 2, 0.125f);
                CHECK_MSG(memcmp(w1, w2, sizeof(float) * (size_t)n) == 0, "%s ce_grad_row n=%lld", pn, (long long)n);
            }
            /* the BitNet passes */
            {
                double s1 = ref->abssum(x + (n > 3 ? 0 : 0), n > 3 ? n - 3 : n), s2 = k->abssum(x, n > 3 ? n - 3 : n);
                float m1v = ref->absmax(x, n), m2v = k->absmax(x, n);
                CHECK_MSG(memcmp(&s1, &s2, 8) == 0, "%s abssum n=%lld", pn, (long long)n);
                for (mode = 0; mode < 3; mode++) { /* the norms' row sums (finite rows: NaN would compare unequal to itself) */
                    const int64_t nf = n > 3 ? n - 3 : n;
                    double d1 = ref->row_dsum(x, g, nf, 0.37, mode), d2 = k->row_dsum(x, g, nf, 0.37, mode);
                    CHECK_MSG(memcmp(&d1, &d2, 8) == 0, "%s row_dsum kind %d n=%lld: %.17g vs %.17g", pn, mode, (long long)n, d1, d2);
                }
                CHECK_MSG(memcmp(&m1v, &m2v, 4) == 0, "%s absmax n=%lld (non-finite: -1)", pn, (long long)n);
                m1v = ref->absmax(x, n > 3 ? n - 3 : n); m2v = k->absmax(x, n > 3 ? n - 3 : n);
                CHECK_MSG(memcmp(&m1v, &m2v, 4) == 0, "%s absmax n=%lld", pn, (long long)n);
            }
            for (mode = 0; mode < 2; mode++) {
                const int64_t nf = n > 3 ? n - 3 : n;
                memset(q1, 0x55, (size_t)n * 2);
                if (mode == 0) { ref->quant_pass(x, nf, 0.7f, 2.0f, -1.0f, 1.0f, 0.3f, y1, q1); k->quant_pass(x, nf, 0.7f, 2.0f, -1.0f, 1.0f, 0.3f, y2, q2); }
                else { ref->quant_pass(x, nf, 41.0f, 128.0f, -128.0f, 127.0f, 1.0f / 41.0f, y1, q1); k->quant_pass(x, nf, 41.0f, 128.0f, -128.0f, 127.0f, 1.0f / 41.0f, y2, q2); }
                CHECK_MSG(memcmp(y1, y2, sizeof(float) * (size_t)nf) == 0 && memcmp(q1, q2, (size_t)nf) == 0, "%s quant_pass mode %d n=%lld", pn, mode, (long long)n);
            }
            /* Adam and AdamW */
            for (mode = 0; mode < 2; mode++) {
                tn__adam_args aa;
                int step;
                aa.b1 = 0.9f; aa.b2 = 0.999f; aa.c1 = 0.1f; aa.c2 = 1.0f - 0.999f; aa.lr = 1e-3f; aa.eps = 1e-8f; aa.d = 0.01f;
                aa.keep = 1.0f - aa.lr * aa.d; aa.adamw = mode;
                for (i = 0; i < n; i++) { w1[i] = w2[i] = tn_rng_normal(&r); m1[i] = m2[i] = 0.0f; v1[i] = v2[i] = 0.0f; }
                for (step = 1; step <= 3; step++) {
                    aa.bc1 = 1.0f - tn__powf(aa.b1, (float)step); aa.bc2 = 1.0f - tn__powf(aa.b2, (float)step);
                    ref->adam_row(&aa, w1, g, m1, v1, n); k->adam_row(&aa, w2, g, m2, v2, n);
                }
                CHECK_MSG(memcmp(w1, w2, sizeof(float) * (size_t)n) == 0 && memcmp(m1, m2, sizeof(float) * (size_t)n) == 0 &&
                          memcmp(v1, v2, sizeof(float) * (size_t)n) == 0, "%s adam_row (adamw %d) n=%lld", pn, mode, (long long)n);
            }
            free(x); free(v1); free(q1);
        }
        { /* the Q8_K activation quantizer: random, tiny, zero and one-outlier blocks */
            float x[4 * 256];
            tn_block_q8_K b1[4], b2[4];
            int rep, i;
            for (rep = 0; rep < 20; rep++) {
                for (i = 0; i < 4 * 256; i++) x[i] = tn_rng_normal(&r) * (rep % 3 == 0 ? 1e-3f : 7.0f);
                for (i = 256; i < 512; i++) x[i] = rep % 2 ? 0.0f : 1e-38f * (float)(i % 5);
                x[700] = rep % 2 ? 1000.0f : -1000.0f;
                x[800 + rep] = -x[801 + rep]; /* ties in |x| */
                ref->quantize_q8_K(x, b1, 4 * 256);
                k->quantize_q8_K(x, b2, 4 * 256);
                CHECK_MSG(memcmp(b1, b2, sizeof(b1)) == 0, "%s quantize_q8_K rep %d", pn, rep);
            }
        }
        { /* the integer BitLinear panels, with output and k tails */
            static const int64_t shapes[][3] = {{1, 1, 4}, {3, 32, 8}, {9, 45, 100}, {17, 64, 260}, {2, 33, 1032}};
            int si;
            for (si = 0; si < 5; si++) {
                const int64_t M = shapes[si][0], N = shapes[si][1], K4 = shapes[si][2], np = (N + 31) / 32;
                uint8_t *wp = (uint8_t *)malloc((size_t)(np * 32 * K4));
                int8_t *q = (int8_t *)malloc((size_t)(M * K4));
                int32_t *qs = (int32_t *)malloc(sizeof(int32_t) * (size_t)M);
                float *cs = (float *)malloc(sizeof(float) * (size_t)M), *ya = (float *)malloc(sizeof(float) * (size_t)(M * N)), *yb = (float *)malloc(sizeof(float) * (size_t)(M * N));
                tn__igemm a;
                int64_t i, p;
                CHECK(wp && q && qs && cs && ya && yb);
                for (i = 0; i < np * 32 * K4; i++) wp[i] = (uint8_t)(tn_rng_u32(&r) % 3);
                for (i = 0; i < M * K4; i++) q[i] = (int8_t)((int)(tn_rng_u32(&r) % 256) - 128);
                if (si == 3) for (i = 0; i < M * K4; i++) { q[i] = -128; wp[i % (np * 32 * K4)] = 2; } /* the extremes */
                for (i = 0; i < M; i++) { int64_t kk; qs[i] = 0; for (kk = 0; kk < K4; kk++) qs[i] += q[i * K4 + kk]; cs[i] = 0.001f * (float)(i + 1); }
                a.wp = wp; a.q = q; a.qsum = qs; a.cs = cs; a.M = M; a.N = N; a.K4 = K4;
                a.y = ya; for (p = 0; p < np; p++) ref->igemm_panel(&a, p);
                a.y = yb; for (p = 0; p < np; p++) k->igemm_panel(&a, p);
                CHECK_MSG(memcmp(ya, yb, sizeof(float) * (size_t)(M * N)) == 0, "%s igemm %lldx%lldx%lld", pn, (long long)M, (long long)N, (long long)K4);
                free(wp); free(q); free(qs); free(cs); free(ya); free(yb);
            }
        }
    }
    return 0;
}

/* The f32 GEMM on every path is the specification's sum: per 256-chunk of k,
   c = fmaf(a, b, c) from 0 in k order, then C = c or C + c */
static int test_gemm_paths_spec(void) {
    static const int64_t shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {9, 33, 300}, {13, 70, 513}, {100, 40, 64}};
    tn_kernel_path was = tn_cpu_path();
    tn_pool *p2 = tn_pool_new(2);
    tn_rng r;
    int si, pi;
    tn_rng_seed(&r, 23);
    for (si = 0; si < 5; si++) {
        const int64_t M = shapes[si][0], N = shapes[si][1], K = shapes[si][2];
        float *A = (float *)malloc(sizeof(float) * (size_t)(M * K)), *B = (float *)malloc(sizeof(float) * (size_t)(N * K));
        float *S = (float *)malloc(sizeof(float) * (size_t)(M * N)), *C = (float *)malloc(sizeof(float) * (size_t)(M * N));
        int64_t i, j, k0, k;
        CHECK(A && B && S && C);
        for (i = 0; i < M * K; i++) A[i] = tn_rng_normal(&r);
        for (i = 0; i < N * K; i++) B[i] = tn_rng_normal(&r);
        for (i = 0; i < M; i++)
            for (j = 0; j < N; j++)
                for (k0 = 0; k0 < K; k0 += 256) {
                    float c = 0.0f;
                    for (k = k0; k < K && k < k0 + 256; k++) c = fmaf(A[i * K + k], B[j * K + k], c);
                    S[i * N + j] = k0 == 0 ? c : S[i * N + j] + c;
                }
        for (pi = 0; pi < 4; pi++) {
            const tn_kernel_path p = pi == 0 ? TN_PATH_REF : tn_t_simd_paths[pi - 1];
            if (!tn_cpu_has_path(p)) continue;
            CHECK_OK(tn_set_cpu_path(p));
            memset(C, 0, sizeof(float) * (size_t)(M * N));
            CHECK_OK(tn_gemm_f32(si % 2 ? p2 : NULL, M, N, K, A, K, B, K, C, N));
            CHECK_MSG(memcmp(C, S, sizeof(float) * (size_t)(M * N)) == 0, "gemm %lldx%lldx%lld on %s differs from the fmaf specification",
                      (long long)M, (long long)N, (long long)K, tn_path_name(p));
        }
        CHECK_OK(tn_set_cpu_path(was));
        free(A); free(B); free(S); free(C);
    }
    { /* tn_matmul (training) with 1-3 activation rows: the GEMM's bits on every path, not a path's mat-vec */
        tn_ctx *c = tn_ctx_new(8 << 20);
        tn_tensor *w = tn_new_2d(c, TN_TYPE_F32, 300, 37), *x = tn_new_2d(c, TN_TYPE_F32, 300, 3), *y;
        float want[37 * 3];
        int64_t i, j, k;
        CHECK(c && w && x);
        for (i = 0; i < 300 * 37; i++) ((float *)w->data)[i] = tn_rng_normal(&r);
        for (i = 0; i < 300 * 3; i++) ((float *)x->data)[i] = tn_rng_normal(&r);
        for (i = 0; i < 3; i++)
            for (j = 0; j < 37; j++) {
                float c0 = 0.0f, c1 = 0.0f;
                for (k = 0; k < 256; k++) c0 = fmaf(((float *)x->data)[i * 300 + k], ((float *)w->data)[j * 300 + k], c0);
                for (; k < 300; k++) c1 = fmaf(((float *)x->data)[i * 300 + k], ((float *)w->data)[j * 300 + k], c1);
                want[i * 37 + j] = c0 + c1;
            }
        for (pi = 0; pi < 4; pi++) {
            const tn_kernel_path p = pi == 0 ? TN_PATH_REF : tn_t_simd_paths[pi - 1];
            if (!tn_cpu_has_path(p)) continue;
            CHECK_OK(tn_set_cpu_path(p));
            y = tn_matmul(c, w, x);
            CHECK(y && memcmp(y->data, want, sizeof(want)) == 0);
            x->ne[1] = 1; /* one row */
            y = tn_matmul(c, w, x);
            CHECK(y && memcmp(y->data, want, sizeof(float) * 37) == 0);
            x->ne[1] = 3;
        }
        CHECK_OK(tn_set_cpu_path(was));
        tn_ctx_free(c);
    }
    tn_pool_free(p2);
    return 0;
}

/* Ternary and 32-element blocks made of arbitrary bytes (TQ2_0 code 3, any
   TQ1_0 byte, T2 pair 11, Q8_0 weights of -128, Q8_K activations down to
   -128): every path's dot equals
   the reference's exact integer sums (within float summation), and the
   matrix product's tiles and four-row kernels equal the path's dot, bit for
   bit, for any batch */
static int test_kernels_any_bytes(void) {
    static const tn_type types[] = {TN_TYPE_TQ2_0, TN_TYPE_TQ1_0, TN_TYPE_T2, TN_TYPE_Q4_0, TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1, TN_TYPE_Q8_0,
                                    TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K, TN_TYPE_Q6_K,
                                    TN_TYPE_IQ4_NL, TN_TYPE_IQ4_XS, TN_TYPE_MXFP4, TN_TYPE_NVFP4, TN_TYPE_Q1_0, TN_TYPE_Q2_0};
    tn_ctx *ctx = tn_ctx_new(16 << 20);
    tn_rng r;
    int ti, pi, rep;
    tn_rng_seed(&r, 777);
    CHECK(ctx != NULL);
    for (ti = 0; ti < (int)(sizeof(types) / sizeof(types[0])); ti++) {
        const tn_type ty = types[ti], vt = tn_type_get_traits(ty)->vec_dot_type;
        const int64_t K = tn_blck_size(vt) == 256 ? 768 : tn_blck_size(ty) > 32 ? 384 : 96, N = 9, M = 6;
        const size_t wrs = tn_row_size(ty, K), xrs = tn_row_size(vt, K);
        for (rep = 0; rep < 4; rep++) {
            tn_tensor *w = tn_new_2d(ctx, ty, K, N), *x = tn_new_2d(ctx, vt, K, M), *y = tn_new_2d(ctx, TN_TYPE_F32, N, M);
            size_t i;
            int64_t n, m, b;
            CHECK(w && x && y);
            for (i = 0; i < wrs * (size_t)N; i++) ((uint8_t *)w->data)[i] = (uint8_t)tn_rng_u32(&r);
            for (i = 0; i < xrs * (size_t)M; i++) ((uint8_t *)x->data)[i] = (uint8_t)tn_rng_u32(&r);
            w->scale = 0.5f;
            /* finite scales: small f16 (weights) and floats (Q8_K), activation codes anywhere in -128..127 */
            for (n = 0; n < N; n++)
                for (b = 0; b < K / tn_blck_size(ty); b++) {
                    uint8_t *blk = (uint8_t *)w->data + (size_t)n * wrs + (size_t)b * tn_type_size(ty);
                    uint16_t h = tn_fp32_to_fp16(0.01f * (float)(1 + tn_rng_u32(&r) % 50)), h2 = tn_fp32_to_fp16(-0.02f * (float)(tn_rng_u32(&r) % 9));
                    if (ty == TN_TYPE_T2) continue;
                    if (ty == TN_TYPE_TQ2_0) memcpy(blk + offsetof(tn_block_tq2_0, d), &h, 2);
                    else if (ty == TN_TYPE_TQ1_0) memcpy(blk + offsetof(tn_block_tq1_0, d), &h, 2);
                    else if (ty == TN_TYPE_Q2_K) { memcpy(blk + offsetof(tn_block_q2_K, d), &h, 2); memcpy(blk + offsetof(tn_block_q2_K, dmin), &h2, 2); }
                    else if (ty == TN_TYPE_Q3_K) memcpy(blk + offsetof(tn_block_q3_K, d), &h, 2);
                    else if (ty == TN_TYPE_Q6_K) memcpy(blk + offsetof(tn_block_q6_K, d), &h, 2);
                    else if (ty == TN_TYPE_MXFP4) blk[0] = (uint8_t)(118 + tn_rng_u32(&r) % 12); /* exponents 2^-10 .. 2^1 */
                    else if (ty == TN_TYPE_NVFP4) { int s4; for (s4 = 0; s4 < 4; s4++) blk[s4] = (uint8_t)(tn_rng_u32(&r) % 0x7F); }
                    else { memcpy(blk, &h, 2); if (ty == TN_TYPE_Q4_1 || ty == TN_TYPE_Q5_1 || ty == TN_TYPE_Q4_K || ty == TN_TYPE_Q5_K) memcpy(blk + 2, &h2, 2); }
                }
            for (m = 0; m < M; m++)
                for (b = 0; b < K / tn_blck_size(vt); b++) {
                    uint8_t *blk = (uint8_t *)x->data + (size_t)m * xrs + (size_t)b * tn_type_size(vt);
                    if (vt == TN_TYPE_Q8_K) {
                        tn_block_q8_K *q = (tn_block_q8_K *)blk;
                        int g, j;
                        q->d = 0.003f * (float)(1 + tn_rng_u32(&r) % 7);
                        for (g = 0; g < 16; g++) { int sum = 0; for (j = 0; j < 16; j++) sum += q->qs[16 * g + j]; q->bsums[g] = (int16_t)sum; }
                    } else { /* Q8_0 activations as its quantizer makes them, -127..127 (the SIMD paths take |q| of one operand) */
                        uint16_t h = tn_fp32_to_fp16(0.01f * (float)(1 + tn_rng_u32(&r) % 50));
                        int j;
                        memcpy(blk, &h, 2);
                        for (j = 2; j < 34; j++) if (blk[j] == 0x80) blk[j] = 0x81;
                    }
                }
            for (pi = TN_PATH_REF; pi <= TN_PATH_NEON; pi++) {
                tn_vec_dot_fn fn = tn_get_vec_dot(ty, (tn_kernel_path)pi), ref = tn_get_vec_dot(ty, TN_PATH_REF);
                if (!fn || pi == TN_PATH_BEST) continue;
                for (n = 0; n < N; n++)
                    for (m = 0; m < M; m++) {
                        float a, e;
                        const void *wr = (const uint8_t *)w->data + (size_t)n * wrs, *xr = (const uint8_t *)x->data + (size_t)m * xrs;
                        fn(K, &a, wr, xr);
                        ref(K, &e, wr, xr);
                        CHECK_MSG(fabsf(a - e) <= 1e-4f * (fabsf(e) + 1.0f), "%s path %s row %lld col %lld: %.9g vs ref %.9g", tn_type_name(ty), tn_path_name((tn_kernel_path)pi), (long long)n, (long long)m, (double)a, (double)e);
                    }
            }
            CHECK_OK(tn_mul_mat(y, w, x, NULL));
            for (n = 0; n < N; n++)
                for (m = 0; m < M; m++) {
                    float a;
                    tn_get_vec_dot(ty, TN_PATH_BEST)(K, &a, (const uint8_t *)w->data + (size_t)n * wrs, (const uint8_t *)x->data + (size_t)m * xrs);
                    if (ty == TN_TYPE_T2) a *= w->scale;
                    CHECK_MSG(memcmp(&a, (float *)y->data + m * N + n, 4) == 0, "%s row %lld col %lld: the product %.9g, the dot %.9g", tn_type_name(ty), (long long)n, (long long)m, (double)((float *)y->data)[m * N + n], (double)a);
                }
            tn_ctx_reset(ctx);
        }
    }
    tn_ctx_free(ctx);
    return 0;
}

/* tn_qlinear, the seeds' quantized linear layer: the seed's own checks (Q8
   within 1.0 of the float layer with f32 activations; Q4 non-zero; batches;
   compression > 3.5x / 6x), any input width (padded inside, never in its
   shapes or figures), every weight format against its own dequantized weights
   with f32 and with quantized activations, T2 exact, and bad input */
static int test_qlinear(void) {
    static const tn_type types[] = {TN_TYPE_F32, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_Q8_0, TN_TYPE_Q4_0, TN_TYPE_Q4_1, TN_TYPE_Q5_0, TN_TYPE_Q5_1,
                                    TN_TYPE_Q2_K, TN_TYPE_Q3_K, TN_TYPE_Q4_K, TN_TYPE_Q5_K, TN_TYPE_Q6_K, TN_TYPE_IQ4_NL, TN_TYPE_IQ4_XS,
                                    TN_TYPE_TQ1_0, TN_TYPE_TQ2_0, TN_TYPE_T2};
    float w[64 * 16], b[16], x[64 * 3], y[16 * 3], yf[16 * 3];
    tn_qlinear q, qf;
    tn_pool *pool = tn_pool_new(2);
    int i, ti, flags;
    for (i = 0; i < 64 * 16; i++) w[i] = (float)i * 0.01f - 5.0f;
    for (i = 0; i < 16; i++) b[i] = (float)i * 0.1f;
    for (i = 0; i < 64; i++) x[i] = (float)i * 0.1f;
    /* the seed's Q8 check: f32 activations (weights alone quantized) */
    CHECK_OK(tn_qlinear_init(&qf, TN_TYPE_F32, w, b, 64, 16, 0));
    CHECK_OK(tn_qlinear_forward(&qf, x, 1, yf, NULL));
    CHECK_OK(tn_qlinear_init(&q, TN_TYPE_Q8_0, w, b, 64, 16, TN_QLINEAR_WEIGHT_ONLY));
    CHECK_OK(tn_qlinear_forward(&q, x, 1, y, NULL));
    {
        double err = 0, sum = 0;
        for (i = 0; i < 16; i++) { err = fmax(err, fabs(y[i] - yf[i])); sum += y[i]; }
        CHECK_MSG(err < 1.0, "Q8 weight-only error %g, the seed wants < 1", err);
        CHECK(fabs(sum) > 0.01);
    }
    tn_qlinear_free(&q);
    /* with activations quantized too (ggml's way) it is further off, and says so in no figure */
    CHECK_OK(tn_qlinear_init(&q, TN_TYPE_Q8_0, w, b, 64, 16, 0));
    CHECK_OK(tn_qlinear_forward(&q, x, 1, y, NULL));
    for (i = 0; i < 16; i++) CHECK(fabs(y[i] - yf[i]) < 4.0);
    tn_qlinear_free(&q);
    tn_qlinear_free(&qf);
    /* the seed's compression figures, on a 1024 x 512 layer of 0.1 */
    {
        float *w2 = (float *)malloc(sizeof(float) * 1024 * 512);
        for (i = 0; i < 1024 * 512; i++) w2[i] = 0.1f;
        CHECK_OK(tn_qlinear_init(&q, TN_TYPE_Q8_0, w2, NULL, 1024, 512, 0));
        CHECK_MSG(tn_qlinear_compression(&q) > 3.5 && fabs(tn_qlinear_bits_per_weight(&q) - 8.5) < 1e-9, "q8_0: %g x, %g bits", tn_qlinear_compression(&q), tn_qlinear_bits_per_weight(&q));
        tn_qlinear_free(&q);
        CHECK_OK(tn_qlinear_init(&q, TN_TYPE_Q4_0, w2, NULL, 1024, 512, 0));
        CHECK(tn_qlinear_compression(&q) > 6.0 && tn_qlinear_nbytes(&q) == (size_t)512 * 32 * 18);
        tn_qlinear_free(&q);
        free(w2);
    }
    /* every format, an odd width (padded inside), a batch, with and without quantized activations */
    for (ti = 0; ti < (int)(sizeof(types) / sizeof(types[0])); ti++)
        for (flags = 0; flags < 2; flags++) {
            const int64_t in = 100, out = 7, B = 3;
            float wr[700], xr[300], yq[21], yq2[21], deq[700];
            tn_rng r;
            int64_t k, o, bi;
            double worst = 0, scale = 0;
            tn_rng_seed(&r, (uint64_t)(ti * 2 + flags + 1));
            for (k = 0; k < in * out; k++) wr[k] = tn_rng_normal(&r) * 0.5f;
            for (k = 0; k < in * B; k++) xr[k] = tn_rng_normal(&r);
            CHECK_MSG(tn_qlinear_init(&q, types[ti], wr, b, in, out, flags ? TN_QLINEAR_WEIGHT_ONLY : 0) == TN_OK, "%s: %s", tn_type_name(types[ti]), tn_last_error());
            CHECK(q.in == in && q.out == out && q.in_pad >= in && q.in_pad % tn_blck_size(types[ti]) == 0);
            CHECK_OK(tn_qlinear_dequantize(&q, deq));
            CHECK_OK(tn_qlinear_forward(&q, xr, B, yq, NULL));
            CHECK_OK(tn_qlinear_forward(&q, xr, B, yq2, pool)); /* threads change nothing */
            CHECK(memcmp(yq, yq2, sizeof(yq)) == 0);
            for (bi = 0; bi < B; bi++)
                for (o = 0; o < out; o++) {
                    double ref = b[o], mag = 0;
                    for (k = 0; k < in; k++) { ref += (double)deq[o * in + k] * xr[bi * in + k]; mag += fabs((double)deq[o * in + k] * xr[bi * in + k]); }
                    worst = fmax(worst, fabs(yq[bi * out + o] - ref));
                    scale = fmax(scale, mag);
                }
            /* f32 activations: the dequantized weights' own product to float rounding; quantized ones: within their
               rounding (8-bit codes: about 1% of the sum of |w x|, f16: 0.1%) */
            CHECK_MSG(worst <= (flags || types[ti] == TN_TYPE_F32 ? 1e-5 : types[ti] == TN_TYPE_F16 || types[ti] == TN_TYPE_BF16 ? 4e-3 : 2e-2) * scale,
                      "%s %s: off by %g of %g", tn_type_name(types[ti]), flags ? "weight-only" : "activations quantized", worst, scale);
            if (types[ti] == TN_TYPE_T2 && flags) { /* exactly the seeds' ternary matmul */
                float yt[21];
                int8_t t8[700];
                float s;
                CHECK_OK(tn_ternary_absmean(wr, in * out, t8, &s));
                CHECK(s == q.scale);
                for (k = 0; k < in * out; k++) CHECK(deq[k] == (float)t8[k] * s);
                {
                    float xp[256] = {0};
                    CHECK(q.in_pad == 256);
                    memcpy(xp, xr, sizeof(float) * (size_t)in);
                    CHECK_OK(tn_ternary_matmul_f32((const uint8_t *)q.w, out, q.in_pad, q.scale, xp, 1, yt, NULL));
                    for (o = 0; o < out; o++) CHECK(yt[o] + b[o] == yq[o]);
                }
            }
            {   /* the figures are the real shape's: bits over in x out weights */
                double bpw = tn_qlinear_bits_per_weight(&q);
                CHECK(bpw > 0 && fabs(tn_qlinear_compression(&q) * (double)tn_qlinear_nbytes(&q) - 4.0 * (double)(in * out + out)) < 1e-6 * (double)tn_qlinear_nbytes(&q));
            }
            tn_qlinear_free(&q);
        }
    /* bad input */
    CHECK(tn_qlinear_init(&q, TN_TYPE_I32, w, NULL, 64, 16, 0) == TN_ERR_TYPE && strstr(tn_last_error(), "not a weight format"));
    CHECK(tn_qlinear_init(&q, TN_TYPE_Q8_0, w, NULL, 0, 16, 0) == TN_ERR_ARG && strstr(tn_last_error(), "0 inputs"));
    CHECK(tn_qlinear_init(&q, TN_TYPE_Q8_0, NULL, NULL, 64, 16, 0) == TN_ERR_ARG);
    CHECK(tn_qlinear_init(&q, TN_TYPE_Q8_0, w, NULL, 64, 16, 8) == TN_ERR_ARG && strstr(tn_last_error(), "flags"));
    CHECK_OK(tn_qlinear_init(&q, TN_TYPE_Q4_0, w, NULL, 64, 16, 0));
    x[5] = NAN;
    CHECK(tn_qlinear_forward(&q, x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "row 0 element 5"));
    CHECK(tn_qlinear_forward(&q, x, 0, y, NULL) == TN_ERR_ARG);
    tn_qlinear_free(&q);
    CHECK(tn_qlinear_forward(&q, x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "not initialized"));
    tn_pool_free(pool);
    return 0;
}
