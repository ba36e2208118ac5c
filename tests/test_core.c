/* @@CORE tests: status strings, errors, fp16/bf16, RNG, thread pool */

static int test_status_and_errors(void) {
    tn_ctx *ctx;
    tn_tensor *t;
    CHECK(strcmp(tn_status_str(TN_OK), "ok") == 0);
    CHECK(strlen(tn_status_str(TN_ERR_SHAPE)) > 0);
    tn_clear_error();
    CHECK(tn_last_error()[0] == 0);
    ctx = tn_ctx_new(1024);
    CHECK(ctx != NULL);
    t = tn_new_2d(ctx, TN_TYPE_Q4_0, 33, 2); /* not whole blocks */
    CHECK(t == NULL);
    CHECK(strstr(tn_last_error(), "block") != NULL);
    t = tn_new_1d(ctx, TN_TYPE_F32, 1 << 20); /* too big for the arena */
    CHECK(t == NULL);
    CHECK(strstr(tn_last_error(), "context full") != NULL);
    CHECK(tn_new_1d(ctx, (tn_type)4, 32) == NULL);  /* removed id */
    CHECK(tn_new_1d(ctx, (tn_type)99, 32) == NULL); /* unknown id */
    tn_ctx_free(ctx);
    return 0;
}

static int test_fp16_exhaustive_roundtrip(void) {
    uint32_t h;
    for (h = 0; h < 65536; h++) {
        float f = tn_fp16_to_fp32((uint16_t)h);
        uint16_t back = tn_fp32_to_fp16(f);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            CHECK_MSG(f != f, "0x%04x should decode to NaN", h);
            CHECK_MSG(back == ((h & 0x8000) | 0x7e00), "NaN 0x%04x re-encodes to 0x%04x", h, back);
        } else {
            CHECK_MSG(back == h, "0x%04x -> %g -> 0x%04x", h, (double)f, back);
        }
    }
    return 0;
}

static uint32_t tn_t_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float tn_t_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static int test_fp16_rounding_rules(void) {
    /* FORMATS.md section 2 */
    CHECK_EQ_INT(tn_fp32_to_fp16(ldexpf(1.0f, -25)), 0x0000);
    CHECK_EQ_INT(tn_fp32_to_fp16(6e-8f), 0x0001);
    CHECK_EQ_INT(tn_fp32_to_fp16(65520.0f), 0x7c00);
    CHECK_EQ_INT(tn_fp32_to_fp16(-65520.0f), 0xfc00);
    CHECK_EQ_INT(tn_fp32_to_fp16(65519.0f), 0x7bff);
    CHECK_EQ_INT(tn_fp32_to_fp16(-0.0f), 0x8000);
    CHECK_EQ_INT(tn_fp32_to_fp16(tn_t_float(0xffc01234u)), 0xfe00);
    CHECK_EQ_INT(tn_fp32_to_fp16(tn_t_float(0x7f800001u)), 0x7e00);
    CHECK_EQ_INT(tn_t_bits(tn_fp16_to_fp32(0x7c01)), 0x7fc02000u);
    CHECK_EQ_INT(tn_fp32_to_fp16(1.0f + ldexpf(1.0f, -11)), 0x3c00);          /* tie to even: down */
    CHECK_EQ_INT(tn_fp32_to_fp16(1.0f + 3 * ldexpf(1.0f, -11)), 0x3c02);      /* tie to even: up */
    CHECK_EQ_INT(tn_fp32_to_fp16(3 * ldexpf(1.0f, -25)), 0x0002);             /* subnormal tie: up to even */
    CHECK_EQ_INT(tn_fp32_to_fp16(5 * ldexpf(1.0f, -25)), 0x0002);             /* subnormal tie: down to even */
    CHECK_EQ_INT(tn_fp32_to_fp16(ldexpf(1.0f, -14) - ldexpf(1.0f, -26)), 0x0400); /* rounds up into the normals */
    return 0;
}

static int test_fp16_vs_hardware(void) {
#if defined(__F16C__)
    tn_rng r;
    long i;
    tn_rng_seed(&r, 7);
    for (i = 0; i < 2000000; i++) {
        uint32_t u = tn_rng_u32(&r);
        float f = tn_t_float(u);
        uint16_t hw = (uint16_t)_mm_extract_epi16(_mm_cvtps_ph(_mm_set_ss(f), 0), 0);
        if (f != f) continue; /* NaN payload handling differs by design */
        CHECK_MSG(tn_fp32_to_fp16(f) == hw, "bits 0x%08x: ours 0x%04x hardware 0x%04x", u, tn_fp32_to_fp16(f), hw);
    }
    return 0;
#else
    /* no F16C: compare against a double-precision rounding instead */
    tn_rng r;
    long i;
    tn_rng_seed(&r, 7);
    for (i = 0; i < 200000; i++) {
        float f = tn_t_float(tn_rng_u32(&r) & 0x8fffffffu); /* |f| <= ~2 */
        double back = tn_fp16_to_fp32(tn_fp32_to_fp16(f));
        double ulp = fabs(f) < 6.103515625e-05 ? ldexp(1.0, -24) : ldexp(1.0, (int)floor(log2(fabs((double)f))) - 10);
        CHECK(fabs(back - f) <= ulp / 2);
    }
    return 0;
#endif
}

static int test_bf16(void) {
    CHECK_EQ_INT(tn_fp32_to_bf16(1.0f), 0x3f80);
    CHECK_EQ_INT(tn_fp32_to_bf16(1.0f + ldexpf(1.0f, -8)), 0x3f80);      /* tie: to even */
    CHECK_EQ_INT(tn_fp32_to_bf16(1.0f + 3 * ldexpf(1.0f, -8)), 0x3f82);  /* tie: to even (up) */
    CHECK_EQ_INT(tn_fp32_to_bf16(tn_t_float(0x7f800001u)), 0x7fc0);      /* quiet NaN */
    CHECK_EQ_INT(tn_fp32_to_bf16(tn_t_float(0x7f7fffffu)), 0x7f80);      /* overflow to Inf */
    CHECK_EQ_INT(tn_fp32_to_bf16(tn_t_float(0x00000001u)), 0x0000);      /* tiny subnormal */
    CHECK_EQ_INT(tn_t_bits(tn_bf16_to_fp32(0x1234)), 0x12340000u);
    return 0;
}

static int test_rng(void) {
    tn_rng a, b;
    int i;
    double sum = 0, sq = 0;
    tn_rng_seed(&a, 42);
    tn_rng_seed(&b, 42);
    for (i = 0; i < 1000; i++) CHECK(tn_rng_u32(&a) == tn_rng_u32(&b));
    tn_rng_seed(&b, 43);
    CHECK(tn_rng_u32(&a) != tn_rng_u32(&b));
    for (i = 0; i < 100000; i++) {
        float u = tn_rng_uniform(&a);
        CHECK(u >= 0.0f && u < 1.0f);
    }
    for (i = 0; i < 100000; i++) { double z = tn_rng_normal(&a); sum += z; sq += z * z; }
    CHECK_NEAR(sum / 100000, 0.0, 0.02);
    CHECK_NEAR(sq / 100000, 1.0, 0.03);
    return 0;
}

typedef struct { int hits[8]; int nth_seen; } tn_t_pool_arg;
static void tn_t_pool_task(void *p, int ith, int nth) {
    tn_t_pool_arg *a = (tn_t_pool_arg *)p;
    a->hits[ith]++;
    if (ith == 0) a->nth_seen = nth; /* one writer: no race */
}
static int test_pool(void) {
    int round, i;
    for (i = 1; i <= 3; i++) {
        tn_pool *pool = tn_pool_new(i);
        tn_t_pool_arg a;
        CHECK(pool != NULL);
        for (round = 0; round < 50; round++) {
            memset(&a, 0, sizeof(a));
            tn_pool_run(pool, tn_t_pool_task, &a);
            CHECK_EQ_INT(a.nth_seen, tn_pool_n_threads(pool));
            for (int k = 0; k < a.nth_seen; k++) CHECK_EQ_INT(a.hits[k], 1);
        }
        tn_pool_free(pool);
    }
    CHECK(tn_pool_new(0) == NULL);
    CHECK(tn_n_cpus() >= 1);
    return 0;
}
