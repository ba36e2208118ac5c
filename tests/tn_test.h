/* tn_test.h - the tiny test runner of ternary.h.
   CHECK(cond), CHECK_EQ_INT(a, b), CHECK_NEAR(a, b, tol): on failure print
   "FAIL test (file:line): ..." and leave the test. A NaN always fails
   CHECK_NEAR. The runner prints "N passed, N failed" last and exits non-zero
   if anything failed. */
#ifndef TN_TEST_H
#define TN_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef struct { const char *name; int (*fn)(void); } tn_test_case;

static const char *tn_test_current = "";

/* where a test writes its files: $TN_TEST_TMP (tests/run_all.sh gives each
   binary its own, so binaries running at once never share a file), else
   build/. One buffer per distinct name, so a path stays valid for the run. */
static const char *tn_t_tmp(const char *name) {
    static char buf[64][512];
    static unsigned used;
    const char *dir = getenv("TN_TEST_TMP");
    char want[512];
    unsigned i;
    snprintf(want, sizeof(want), "%s/%s", dir && *dir ? dir : "build", name);
    for (i = 0; i < used; i++)
        if (strcmp(buf[i], want) == 0) return buf[i];
    if (used == 64) { printf("tn_t_tmp: more than 64 file names\n"); exit(2); }
    memcpy(buf[used], want, sizeof(want));
    return buf[used++];
}

#define TN_FAILF(...) do { printf("FAIL %s (%s:%d): ", tn_test_current, __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); return 1; } while (0)
#define CHECK(cond) do { if (!(cond)) TN_FAILF("%s", #cond); } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) TN_FAILF(__VA_ARGS__); } while (0)
#define CHECK_EQ_INT(a, b) do { long long tn_a_ = (long long)(a), tn_b_ = (long long)(b); \
    if (tn_a_ != tn_b_) TN_FAILF("%s == %s: got=%lld want=%lld", #a, #b, tn_a_, tn_b_); } while (0)
#define CHECK_NEAR(a, b, tol) do { double tn_a_ = (double)(a), tn_b_ = (double)(b), tn_t_ = (double)(tol); \
    if (!(fabs(tn_a_ - tn_b_) <= tn_t_)) TN_FAILF("%s ~ %s: got=%.9g want=%.9g tol=%.3g", #a, #b, tn_a_, tn_b_, tn_t_); } while (0)
#define CHECK_OK(expr) do { tn_status tn_s_ = (expr); \
    if (tn_s_ != TN_OK) TN_FAILF("%s returned %d (%s): %s", #expr, (int)tn_s_, tn_status_str(tn_s_), tn_last_error()); } while (0)

static int tn_test_run(const tn_test_case *tests, int n, int argc, char **argv) {
    int i, passed = 0, failed = 0;
    for (i = 0; i < n; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        tn_test_current = tests[i].name;
        if (tests[i].fn() == 0) passed++;
        else failed++;
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    /* flushed now: LeakSanitizer reports a failing test's leaks at exit and
       ends the process without flushing stdio, which would lose this line */
    fflush(stdout);
    return failed ? 1 : 0;
}
#endif
