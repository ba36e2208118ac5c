/* @@TERNARY tests: absmean rule, 2-bit packing, TQ export, stats, activations */

static int test_absmean_rule(void) {
    /* mean|w| = 1.0; w/s rounds half to even: 0.5 -> 0, 1.5 -> 2 -> clamp 1 */
    float w[8] = {0.5f, -0.5f, 1.5f, -1.5f, 0.49f, 2.0f, -0.51f, 0.0f};
    int8_t t[8];
    int8_t want[8] = {0, 0, 1, -1, 0, 1, -1, 0};
    float s = 0;
    int i;
    for (i = 0; i < 8; i++) w[i] *= 1.0f; /* mean = (0.5+0.5+1.5+1.5+0.49+2+0.51+0)/8 = 0.875 */
    CHECK_OK(tn_ternary_absmean(w, 8, t, &s));
    CHECK_NEAR(s, 0.875, 1e-7);
    /* w*(1/s): 0.571->1, -0.571->-1, 1.71->1, .., 0.56->1, 2.29->1, -0.58->-1, 0 */
    want[0] = 1; want[1] = -1; want[4] = 1;
    for (i = 0; i < 8; i++) CHECK_EQ_INT(t[i], want[i]);
    {   /* exact half: w = {1, 3} -> mean 2, w/s = 0.5 -> 0 (even), 1.5 -> 2 -> 1 */
        float w2[2] = {1.0f, 3.0f};
        CHECK_OK(tn_ternary_absmean(w2, 2, t, &s));
        CHECK(s == 2.0f);
        CHECK_EQ_INT(t[0], 0);
        CHECK_EQ_INT(t[1], 1);
    }
    {   /* all zeros: the 1e-5 floor */
        float z[4] = {0, 0, 0, 0};
        CHECK_OK(tn_ternary_absmean(z, 4, t, &s));
        CHECK(s == 1e-5f);
        for (i = 0; i < 4; i++) CHECK_EQ_INT(t[i], 0);
    }
    w[3] = NAN;
    CHECK(tn_ternary_absmean(w, 8, t, &s) == TN_ERR_ARG);
    CHECK(tn_ternary_absmean(w, 0, t, &s) == TN_ERR_ARG);
    return 0;
}

static int test_pack2_exhaustive(void) {
    int b, i;
    for (b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b, back = 0;
        int8_t t[4];
        int has11 = 0;
        for (i = 0; i < 4; i++) has11 |= ((b >> (2 * i)) & 3) == 3;
        if (has11) { CHECK(tn_unpack2(t, &byte, 4) == TN_ERR_FORMAT); continue; }
        CHECK_OK(tn_unpack2(t, &byte, 4));
        for (i = 0; i < 4; i++) {
            int code = (b >> (2 * i)) & 3;
            CHECK_EQ_INT(t[i], code == 0 ? 0 : code == 1 ? 1 : -1);
        }
        CHECK_OK(tn_pack2(&back, t, 4));
        CHECK_EQ_INT(back, b);
    }
    {   /* odd length: unused high bits stay zero; bad trit refused */
        int8_t t[5] = {1, -1, 0, 1, -1}, u[5];
        uint8_t p[2] = {0xFF, 0xFF};
        CHECK_OK(tn_pack2(p, t, 5));
        CHECK_EQ_INT(p[0], 0x01 | (0x02 << 2) | (0x00 << 4) | (0x01 << 6));
        CHECK_EQ_INT(p[1], 0x02);
        CHECK_OK(tn_unpack2(u, p, 5));
        CHECK(memcmp(t, u, 5) == 0);
        t[2] = 2;
        CHECK(tn_pack2(p, t, 5) == TN_ERR_ARG);
    }
    return 0;
}

static int test_tq_lossless_roundtrip(void) {
    enum { NPR = 512, NR = 3, N = NPR * NR };
    static float w[N], deq[N];
    static int8_t t[N], back[N];
    static uint8_t buf[N], ggml_bytes[N];
    tn_rng r;
    float s, s2;
    int k, i, ti;
    tn_type types[2] = {TN_TYPE_TQ1_0, TN_TYPE_TQ2_0};
    tn_rng_seed(&r, 11);
    for (i = 0; i < N; i++) w[i] = tn_rng_normal(&r) * 0.02f;
    for (i = 0; i < 256; i++) w[NPR + i] = 0.0f; /* an all-zero block */
    CHECK_OK(tn_ternary_absmean(w, N, t, &s));
    for (ti = 0; ti < 2; ti++) {
        tn_type ty = types[ti];
        size_t rs = tn_row_size(ty, NPR);
        CHECK_OK(tn_ternary_to_tq(ty, t, s, NPR, NR, buf));
        CHECK_OK(tn_tq_to_ternary(ty, buf, NPR, NR, back, &s2));
        CHECK(memcmp(t, back, N) == 0);
        CHECK(s2 == tn_fp16_to_fp32(tn_fp32_to_fp16(s)));
        for (k = 0; k < NR; k++) CHECK_OK(tn_dequantize_row(ty, buf + k * rs, deq + k * NPR, NPR));
        for (i = 0; i < N; i++) CHECK(deq[i] == (float)t[i] * s2);
        /* ggml's quantizer fed t*s gives the same bytes except in all-zero blocks (d = 0 there) */
        for (i = 0; i < N; i++) deq[i] = (float)t[i] * s;
        CHECK_OK(tn_quantize(ty, deq, ggml_bytes, NR, NPR, NULL));
        for (k = 0; k < N / 256; k++) {
            size_t bs = tn_type_size(ty);
            int allzero = 1;
            for (i = 0; i < 256; i++) allzero &= t[k * 256 + i] == 0;
            if (allzero) continue;
            CHECK_MSG(memcmp(buf + k * bs, ggml_bytes + k * bs, bs) == 0, "%s block %d differs from ggml's quantizer", tn_type_name(ty), k);
        }
    }
    /* errors: bad row length, scale out of fp16 range, code 3, mixed scales */
    CHECK(tn_ternary_to_tq(TN_TYPE_TQ2_0, t, s, 100, 1, buf) == TN_ERR_SHAPE);
    CHECK(tn_ternary_to_tq(TN_TYPE_TQ2_0, t, 1e-6f, NPR, 1, buf) == TN_ERR_ARG);
    CHECK(tn_ternary_to_tq(TN_TYPE_Q8_0, t, s, NPR, 1, buf) == TN_ERR_TYPE);
    CHECK_OK(tn_ternary_to_tq(TN_TYPE_TQ2_0, t, s, NPR, 1, buf));
    buf[5] |= 3; /* element 5 gets code 3 */
    CHECK(tn_tq_to_ternary(TN_TYPE_TQ2_0, buf, NPR, 1, back, &s2) == TN_ERR_FORMAT);
    CHECK_OK(tn_ternary_to_tq(TN_TYPE_TQ2_0, t, s, NPR, 1, buf));
    ((tn_block_tq2_0 *)buf)[1].d = tn_fp32_to_fp16(s * 2);
    CHECK(tn_tq_to_ternary(TN_TYPE_TQ2_0, buf, NPR, 1, back, &s2) == TN_ERR_FORMAT);
    return 0;
}

static int test_tq1_all_codes(void) {
    /* every 5-trit group (243) in qs and every 4-trit group (81) in qh decodes back */
    int v;
    for (v = 0; v < 243; v++) {
        int8_t t[256], back[256];
        tn_block_tq1_0 b;
        float s;
        int j, n;
        memset(t, 0, sizeof(t));
        for (n = 0; n < 5; n++) {
            int p3 = 1;
            for (j = 0; j < 4 - n; j++) p3 *= 3;
            t[32 * n] = (int8_t)((v / p3) % 3 - 1);        /* qs[0]: elements 0,32,..,128 */
            t[160 + 16 * n] = (int8_t)((v / p3) % 3 - 1);  /* qs[32]: elements 160,176,..,224 */
            if (n < 4) t[240 + 4 * n] = (int8_t)(((v % 81) / (p3 / 3 ? p3 / 3 : 1)) % 3 - 1); /* qh[0] */
        }
        t[7] = 1; /* never all zero */
        CHECK_OK(tn_ternary_to_tq(TN_TYPE_TQ1_0, t, 1.0f, 256, 1, &b));
        CHECK_OK(tn_tq_to_ternary(TN_TYPE_TQ1_0, &b, 256, 1, back, &s));
        CHECK_MSG(memcmp(t, back, 256) == 0, "code %d", v);
    }
    return 0;
}

static int test_ternary_stats(void) {
    int8_t t[512];
    tn_ternary_stats st;
    int i;
    for (i = 0; i < 512; i++) t[i] = (int8_t)(i % 4 == 0 ? 1 : i % 4 == 1 ? -1 : 0);
    CHECK_OK(tn_ternary_stats_compute(t, 512, 256, TN_TYPE_TQ2_0, &st));
    CHECK_NEAR(st.sparsity, 0.5, 1e-12);
    CHECK_EQ_INT(st.n_pos, 128);
    CHECK_EQ_INT(st.n_neg, 128);
    CHECK_NEAR(st.bits_per_weight, 2.0625, 1e-12);
    CHECK_NEAR(st.ratio_f32, 32 / 2.0625, 1e-9);
    CHECK_OK(tn_ternary_stats_compute(t, 512, 256, TN_TYPE_TQ1_0, &st));
    CHECK_NEAR(st.bits_per_weight, 1.6875, 1e-12);
    CHECK_OK(tn_ternary_stats_compute(t, 512, 512, TN_TYPE_T2, &st));
    CHECK_NEAR(st.bits_per_weight, 2.0 + 32.0 / 512, 1e-12);
    CHECK_NEAR(st.ratio_f16, 16 / (2.0 + 32.0 / 512), 1e-9);
    CHECK(tn_ternary_stats_compute(t, 500, 300, TN_TYPE_TQ2_0, &st) == TN_ERR_SHAPE); /* not whole rows */
    {   /* an 8-input layer of 4 outputs: its own trits' sparsity; stored as 4 padded TQ2_0 rows of 66 bytes */
        int8_t t8[32];
        int k;
        for (k = 0; k < 32; k++) t8[k] = (int8_t)(k % 4 == 0 ? 0 : k % 2 ? 1 : -1);
        CHECK_OK(tn_ternary_stats_compute(t8, 32, 8, TN_TYPE_TQ2_0, &st));
        CHECK(st.n == 32 && st.n_zero == 8 && st.sparsity == 0.25 && st.bits_per_weight == 66.0);
        CHECK_OK(tn_ternary_stats_compute(t8, 32, 8, TN_TYPE_TQ1_0, &st));
        CHECK(st.sparsity == 0.25 && st.bits_per_weight == 8.0 * 54.0 * 4 / 32);
    }
    {
        tn_ctx *ctx = tn_ctx_new(1 << 16);
        tn_tensor *w = tn_new_2d(ctx, TN_TYPE_F32, 8, 2), *tt;
        float s;
        for (i = 0; i < 16; i++) ((float *)w->data)[i] = (float)(i - 8);
        tt = tn_ternarize(ctx, w, &s);
        CHECK(tt != NULL && tt->type == TN_TYPE_I8 && tt->ne[1] == 2);
        CHECK_NEAR(s, 4.0, 1e-6); /* mean of 8,7,..,1,0,1,..,7 */
        CHECK_EQ_INT(((int8_t *)tt->data)[0], -1);
        CHECK_EQ_INT(((int8_t *)tt->data)[6], 0);  /* -2/4 = -0.5: ties to even */
        CHECK_EQ_INT(((int8_t *)tt->data)[15], 1);
        tn_ctx_free(ctx);
    }
    return 0;
}

/* the BitNet rules as plain C: mean|w| as eight interleaved double partial sums
   added as ((0+1)+(2+3))+((4+5)+(6+7)), ties to even (nearbyint) */
static float tn_t_absmean_ref(const float *w, int64_t n, int8_t *t) {
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float g, inv;
    int64_t i;
    for (i = 0; i < n; i++) a[i % 8] += fabs((double)w[i]);
    g = (float)((((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) / (double)n);
    if (g < 1e-5f) g = 1e-5f;
    inv = 1.0f / g;
    for (i = 0; i < n; i++) {
        volatile float p = w[i] * inv; /* one rounding, even where the compiler would fuse */
        float v = (float)nearbyint(p);
        t[i] = (int8_t)(v > 1.0f ? 1 : v < -1.0f ? -1 : (int)v);
    }
    return g;
}

/* every build (AVX-512, AVX2, NEON, scalar) gives the plain-C rule's bits: odd
   sizes for the vector tails, exact ties, negative zeros, non-finite values */
static int test_ternary_rules_exact(void) {
    static const int64_t sizes[] = {1, 7, 8, 15, 16, 17, 33, 255, 256, 1000, 4099};
    float *w = (float *)malloc(sizeof(float) * 4099), *y = (float *)malloc(sizeof(float) * 4099);
    int8_t *t = (int8_t *)malloc(4099), *tr = (int8_t *)malloc(4099), *q = (int8_t *)malloc(4099);
    tn_ctx *ctx = tn_ctx_new(1 << 20);
    tn_rng r;
    int si, rep;
    CHECK(w && y && t && tr && q && ctx);
    tn_rng_seed(&r, 77);
    for (si = 0; si < (int)(sizeof(sizes) / sizeof(sizes[0])); si++)
        for (rep = 0; rep < 3; rep++) {
            int64_t n = sizes[si], i;
            float s = 0, sr, inv = 0, amax = 0, sc;
            tn_tensor *wt, *yt;
            for (i = 0; i < n; i++) {
                float v = tn_rng_normal(&r);
                if (rep == 1) v = (float)((int)(tn_rng_u32(&r) % 9) - 4) * 0.5f; /* many exact ties */
                if (rep == 2 && i % 5 == 0) v = -0.0f;
                w[i] = v;
            }
            sr = tn_t_absmean_ref(w, n, tr);
            CHECK_OK(tn_ternary_absmean(w, n, t, &s));
            CHECK_MSG(s == sr, "n %lld: scale %.9g, rule %.9g", (long long)n, (double)s, (double)sr);
            CHECK_MSG(memcmp(t, tr, (size_t)n) == 0, "n %lld rep %d: trits differ from the rule", (long long)n, rep);
            /* the STE forward is t * s, +0 for a zero trit */
            wt = tn_from_data(ctx, 1, &n, w);
            yt = tn_ste_ternary(ctx, wt);
            CHECK(yt);
            for (i = 0; i < n; i++) {
                float want = (float)tr[i] * sr;
                CHECK_MSG(memcmp((float *)yt->data + i, &want, 4) == 0, "n %lld: ste_ternary[%lld] %g, want %g", (long long)n, (long long)i, (double)((float *)yt->data)[i], (double)want);
            }
            /* activations: 127 / max|x|, ties to even, q * (1/s) from the STE */
            for (i = 0; i < n; i++) amax = fabsf(w[i]) > amax ? fabsf(w[i]) : amax;
            sc = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
            CHECK_OK(tn_act_quant_i8(w, n, q, &inv));
            CHECK(inv == 1.0f / sc);
            yt = tn_ste_act_i8(ctx, wt);
            CHECK(yt);
            for (i = 0; i < n; i++) {
                volatile float p = w[i] * sc;
                float v = (float)nearbyint(p), want;
                v = v > 127.0f ? 127.0f : v;
                want = v * (1.0f / sc);
                if (want == 0.0f) want = 0.0f;
                CHECK_MSG(q[i] == (int8_t)(int)v, "n %lld: q[%lld] = %d, want %d", (long long)n, (long long)i, q[i], (int)v);
                CHECK_MSG(memcmp((float *)yt->data + i, &want, 4) == 0, "n %lld: ste_act_i8[%lld] %g, want %g", (long long)n, (long long)i, (double)((float *)yt->data)[i], (double)want);
            }
            tn_ctx_rewind(ctx, 0);
            /* a non-finite value anywhere (vector body or tail) is refused and named */
            for (i = 0; i < n; i += (n > 40 ? n / 7 : 1)) {
                float keep = w[i];
                w[i] = (i % 2) ? INFINITY : NAN;
                CHECK(tn_ternary_absmean(w, n, t, &s) == TN_ERR_ARG);
                CHECK(strstr(tn_last_error(), "not finite") != NULL);
                CHECK(tn_act_quant_i8(w, n, q, &inv) == TN_ERR_ARG);
                w[i] = keep;
            }
        }
    tn_ctx_free(ctx);
    free(w); free(y); free(t); free(tr); free(q);
    return 0;
}

static int test_act_quant(void) {
    float x[512], inv;
    int8_t q[512];
    tn_block_q8_K yk[2];
    tn_block_q8_0 y0[16];
    tn_rng r;
    int i, g;
    tn_rng_seed(&r, 5);
    for (i = 0; i < 512; i++) x[i] = tn_rng_normal(&r);
    x[100] = -4.0f; /* the absmax, negative: maps to -127, never -128 */
    CHECK_OK(tn_act_quant_i8(x, 512, q, &inv));
    CHECK_NEAR(inv, 4.0 / 127, 1e-9);
    CHECK_EQ_INT(q[100], -127);
    for (i = 0; i < 512; i++) {
        CHECK(q[i] >= -127 && q[i] <= 127);
        CHECK(fabsf(q[i] * inv - x[i]) <= inv * 0.5f + 1e-6f);
    }
    CHECK_OK(tn_act_quant_q8_k(x, 512, yk));
    for (i = 0; i < 512; i++) CHECK_EQ_INT(yk[i / 256].qs[i % 256], q[i]);
    for (g = 0; g < 32; g++) {
        int s = 0;
        for (i = 0; i < 16; i++) s += q[g * 16 + i];
        CHECK_EQ_INT(yk[g / 16].bsums[g % 16], s);
    }
    CHECK(yk[1].d == inv);
    CHECK_OK(tn_act_quant_q8_0(x, 512, y0));
    for (i = 0; i < 512; i++) CHECK_EQ_INT(y0[i / 32].qs[i % 32], q[i]);
    {   /* ties to even: max 127 -> s = 1; 2.5 -> 2, 3.5 -> 4, -0.5 -> 0 */
        float z[4] = {127.0f, 2.5f, 3.5f, -0.5f};
        CHECK_OK(tn_act_quant_i8(z, 4, q, &inv));
        CHECK_EQ_INT(q[1], 2);
        CHECK_EQ_INT(q[2], 4);
        CHECK_EQ_INT(q[3], 0);
    }
    CHECK(tn_act_quant_q8_k(x, 300, yk) == TN_ERR_ARG);
    return 0;
}

/* the seeds' multiplication-free ternary matmul in f32: the seed's example
   exactly, every CPU path bit for bit against the scalar kernel (widths 1..300,
   every code, code 11 as 0, signed zeros and large values), close to a double
   reference, the same bits with threads; bad arguments */
static int test_ternary_matmul_f32(void) {
    static const int8_t seed_w[6] = {1, -1, 0, 0, 1, 1};
    static const float seed_x[3] = {2, 3, 5};
    static const tn_kernel_path paths[] = {TN_PATH_AVX2, TN_PATH_AVX512, TN_PATH_NEON};
    const tn__kernels *ref = tn__kern_path(TN_PATH_REF);
    uint8_t pw[8];
    float y[2], *x, *y1, *y2;
    uint8_t *w;
    int8_t *t;
    tn_rng r;
    int64_t k, i, j, rows = 5, m = 3;
    tn_pool *pool = tn_pool_new(3);
    /* [[1,-1,0],[0,1,1]] x [2,3,5]: rows of 3 trits, one byte each */
    CHECK_OK(tn_pack2(pw, seed_w, 3));
    CHECK_OK(tn_pack2(pw + 1, seed_w + 3, 3));
    CHECK_OK(tn_ternary_matmul_f32(pw, 2, 3, 1.0f, seed_x, 1, y, NULL));
    CHECK_MSG(y[0] == -1.0f && y[1] == 8.0f, "got %g %g, want -1 8", y[0], y[1]);
    CHECK_OK(tn_ternary_matmul_f32(pw, 2, 3, 0.5f, seed_x, 1, y, NULL));
    CHECK(y[0] == -0.5f && y[1] == 4.0f);
    tn_rng_seed(&r, 77);
    x = (float *)malloc(sizeof(float) * 300 * 3);
    y1 = (float *)malloc(sizeof(float) * 15);
    y2 = (float *)malloc(sizeof(float) * 15);
    w = (uint8_t *)malloc(75 * 5);
    t = (int8_t *)malloc(300 * 5);
    CHECK(x && y1 && y2 && w && t);
    for (k = 1; k <= 300; k += k < 40 ? 1 : 13) {
        size_t rs = (size_t)((k + 3) / 4);
        for (i = 0; i < 3 * k; i++) x[i] = tn_rng_normal(&r) * (i % 11 == 0 ? 1e6f : 1.0f);
        if (k > 4) { x[1] = -0.0f; x[2] = 0.0f; }
        for (i = 0; i < rows * k; i++) t[i] = (int8_t)((int)(tn_rng_u32(&r) % 3u) - 1);
        for (i = 0; i < rows; i++) CHECK_OK(tn_pack2(w + (size_t)i * rs, t + i * k, k));
        if (k > 8) w[rs] |= 3u << 2; /* a code 11 (trit 1 of row 1) counts as 0 */
        if (k > 8) t[k + 1] = 0;
        CHECK_OK(tn_ternary_matmul_f32(w, rows, k, 0.75f, x, m, y1, NULL));
        for (j = 0; j < m; j++)
            for (i = 0; i < rows; i++) {
                double want = 0, mag = 0;
                int64_t e;
                for (e = 0; e < k; e++) { want += (double)t[i * k + e] * x[j * k + e]; mag += fabs((double)x[j * k + e]); }
                CHECK_MSG(fabs(y1[j * rows + i] - 0.75 * want) <= 1e-6 * 0.75 * mag + 1e-30, "k %lld row %lld: %g, want %g", (long long)k, (long long)i, y1[j * rows + i], 0.75 * want);
                CHECK(ref->tern_f32_dot(w + (size_t)i * rs, x + j * k, k) * 0.75f == y1[j * rows + i]); /* every path gives the scalar bits */
            }
        /* the scalar kernel, then each SIMD path: the same bits */
        for (i = 0; i < rows * m; i++) {
            float s0 = ref->tern_f32_dot(w + (size_t)(i % rows) * rs, x + (i / rows) * k, k);
            int pi;
            for (pi = 0; pi < 3; pi++) {
                const tn__kernels *kp = tn__kern_path(paths[pi]);
                float s1;
                if (!kp) continue;
                s1 = kp->tern_f32_dot(w + (size_t)(i % rows) * rs, x + (i / rows) * k, k);
                CHECK_MSG(memcmp(&s0, &s1, 4) == 0, "%s k %lld: %.9g, scalar %.9g", tn_path_name(paths[pi]), (long long)k, s1, s0);
            }
        }
        {   /* the tiles (R weight rows x C activation rows) on each path: the scalar bits */
            static const int RC[6][2] = {{4, 1}, {1, 4}, {1, 3}, {1, 2}, {2, 2}, {1, 1}};
            int pi, ti, rr, cc;
            for (pi = -1; pi < 3; pi++) {
                const tn__kernels *kp = pi < 0 ? ref : tn__kern_path(paths[pi]);
                if (!kp) continue;
                for (ti = 0; ti < 6; ti++) {
                    float o[4];
                    const int R = RC[ti][0], C = RC[ti][1];
                    float *xx = (float *)malloc(sizeof(float) * (size_t)(4 * k));
                    for (i = 0; i < 4 * k; i++) xx[i] = x[i % (3 * k)];
                    kp->tern_f32_tile(w, rs, R, xx, (size_t)k, C, k, o);
                    for (rr = 0; rr < R; rr++)
                        for (cc = 0; cc < C; cc++) {
                            float s0 = ref->tern_f32_dot(w + (size_t)rr * rs, xx + cc * k, k);
                            CHECK_MSG(memcmp(&s0, &o[rr * C + cc], 4) == 0, "%s tile %dx%d k %lld: (%d,%d) %.9g, scalar %.9g", pi < 0 ? "scalar" : tn_path_name(paths[pi]), R, C, (long long)k, rr, cc, o[rr * C + cc], s0);
                        }
                    free(xx);
                }
            }
        }
        CHECK_OK(tn_ternary_matmul_f32(w, rows, k, 0.75f, x, m, y2, pool));
        CHECK(memcmp(y1, y2, sizeof(float) * 15) == 0);
        {   /* one activation row (tiles of four weight rows, then the rest) */
            float y3[5];
            CHECK_OK(tn_ternary_matmul_f32(w, rows, k, 0.75f, x + k, 1, y3, NULL));
            for (i = 0; i < rows; i++) CHECK(y3[i] == y1[rows + i]);
        }
    }
    CHECK(tn_ternary_matmul_f32(NULL, 2, 3, 1.0f, seed_x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "w is NULL"));
    CHECK(tn_ternary_matmul_f32(pw, 0, 3, 1.0f, seed_x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "0 rows"));
    CHECK(tn_ternary_matmul_f32(pw, 2, 3, NAN, seed_x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "not finite"));
    CHECK(tn_ternary_matmul_f32(pw, INT64_MAX / 2, INT64_MAX / 2, 1.0f, seed_x, 1, y, NULL) == TN_ERR_ARG && strstr(tn_last_error(), "overflow"));
    free(x); free(y1); free(y2); free(w); free(t);
    tn_pool_free(pool);
    return 0;
}
