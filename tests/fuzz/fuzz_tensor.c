/* fuzz_tensor.c - the tensor and view API driven by fuzzed shapes, strides,
   offsets and indexes: tn_new, tn_view, tn_reshape, tn_permute, tn_transpose,
   tn_slice, tn_cont, tn_copy, tn_get_f32/tn_set_f32, tn_fill. Each input is a
   little program: one byte picks an operation, the following bytes give its
   arguments (sizes are drawn from classes: small, block multiples, powers of
   two up to 2^63, and the extremes). Every tensor the API returns must lie
   inside its arena: the target reads its first and last byte (ASan catches a
   view that escapes). Loops over a tensor's elements are only run on tensors
   of at most 2^20 elements: their cost is the count the caller asked for
   (a zero-stride view repeats its bytes), which the fuzzer keeps small.
   Built like fuzz_readers.c (libFuzzer by `make fuzz`, replay with
   -DTN_FUZZ_MAIN in `make test`). */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>

typedef struct { const uint8_t *p; size_t n, i; } rd;
static uint8_t u8(rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static uint64_t u64raw(rd *r) { uint64_t v = 0; int k; for (k = 0; k < 8; k++) v = v << 8 | u8(r); return v; }
/* a size from a class: most inputs want small or block-sized values, some extremes */
static int64_t size_of(rd *r) {
    uint8_t c = u8(r);
    switch (c >> 5) {
    case 0: case 1: return c & 31;                             /* 0..31 */
    case 2: return (int64_t)(c & 31) * 32;                     /* block multiples */
    case 3: return (int64_t)(c & 7) * 256;
    case 4: return (int64_t)1 << ((c & 31) * 2);              /* 2^0, 2^2, .., 2^62 */
    case 5: return ((int64_t)1 << (c & 31)) - 1 + (u8(r) & 1);
    case 6: return (int64_t)u64raw(r);                         /* anything, negative too */
    default: return -(int64_t)(c & 31);
    }
}
static size_t stride_of(rd *r) {
    uint8_t c = u8(r);
    switch (c >> 6) {
    case 0: return (size_t)(c & 63);
    case 1: return (size_t)(c & 63) * 4;
    case 2: return (size_t)1 << (c & 63);
    default: return (size_t)u64raw(r);
    }
}

static const tn_type types[] = {TN_TYPE_F32, TN_TYPE_F16, TN_TYPE_BF16, TN_TYPE_I8, TN_TYPE_I32, TN_TYPE_Q8_0, TN_TYPE_Q4_0, TN_TYPE_TQ2_0};
#define NT 8

static void touch(const tn_tensor *t) {
    if (t && tn_nbytes(t)) {
        volatile uint8_t x = ((const uint8_t *)t->data)[0];
        x = ((const uint8_t *)t->data)[tn_nbytes(t) - 1];
        (void)x;
    }
}
static int small(const tn_tensor *t) { return t && tn_nelements(t) >= 0 && tn_nelements(t) <= ((int64_t)1 << 20); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tn_ctx *ctx;
    tn_tensor *pool[NT];
    int np = 0, steps = 0;
    rd r;
    r.p = data; r.n = size; r.i = 0;
    if (!ctx) ctx = tn_ctx_new(1 << 20);
    tn_ctx_reset(ctx);
    memset(pool, 0, sizeof(pool));
    while (r.i < r.n && steps++ < 64) {
        uint8_t op = u8(&r), pick = u8(&r);
        tn_tensor *a = np ? pool[pick % np] : NULL, *b = NULL;
        int64_t ne[4];
        size_t nb[4];
        int d, nd;
        switch (op % 11) {
        case 0: /* new */
            nd = 1 + u8(&r) % 4;
            for (d = 0; d < 4; d++) ne[d] = size_of(&r);
            b = tn_new(ctx, types[u8(&r) % (sizeof(types) / sizeof(types[0]))], nd, ne);
            break;
        case 1: /* view */
            nd = 1 + u8(&r) % 4;
            for (d = 0; d < 4; d++) { ne[d] = size_of(&r); nb[d] = stride_of(&r); }
            b = tn_view(ctx, a, nd, ne, nb, stride_of(&r));
            break;
        case 2: /* reshape */
            nd = 1 + u8(&r) % 4;
            for (d = 0; d < 4; d++) ne[d] = size_of(&r);
            b = tn_reshape(ctx, a, nd, ne);
            break;
        case 3: { int x0 = u8(&r) % 5, x1 = u8(&r) % 5, x2 = u8(&r) % 5, x3 = u8(&r) % 5; b = tn_permute(ctx, a, x0, x1, x2, x3); break; }
        case 4: b = tn_transpose(ctx, a); break;
        case 5: { int dim = (int)(u8(&r) % 5); int64_t s0 = size_of(&r), l0 = size_of(&r); b = tn_slice(ctx, a, dim, s0, l0); break; }
        case 6: if (small(a)) b = tn_cont(ctx, a); break;
        case 7: { /* copy between two tensors of the same shape (any types) */
            tn_tensor *c = np ? pool[u8(&r) % np] : NULL;
            if (small(a) && small(c)) (void)tn_copy(a, c);
            break;
        }
        case 8: {
            int64_t i0 = size_of(&r), i1 = size_of(&r), i2 = size_of(&r), i3 = size_of(&r);
            if (a) { (void)tn_get_f32(a, i0, i1, i2, i3); (void)tn_set_f32(a, i0, i1, i2, i3, 1.5f); }
            break;
        }
        case 9: if (small(a)) (void)tn_fill(a, -2.0f); break;
        default:
            if (a) { (void)tn_nelements(a); (void)tn_nrows(a); (void)tn_is_contiguous(a); (void)tn_row_size(a->type, a->ne[0]); }
            break;
        }
#ifdef TN_FUZZ_TRACE
        fprintf(stderr, "op %d on %p: %s%s\n", op % 11, (void *)a, b ? "tensor " : "", b ? "" : tn_last_error());
        if (b) fprintf(stderr, "  -> %p %s ne %lld %lld %lld %lld nb %zu %zu %zu %zu (data_size %zu)\n", (void *)b, tn_type_name(b->type), (long long)b->ne[0], (long long)b->ne[1], (long long)b->ne[2],
                       (long long)b->ne[3], b->nb[0], b->nb[1], b->nb[2], b->nb[3], b->data_size);
        tn_clear_error();
#endif
        if (b) {
            touch(b);
            if (np < NT) pool[np++] = b;
            else pool[u8(&r) % NT] = b;
        }
    }
    return 0;
}

#ifdef TN_FUZZ_MAIN
static void fuzz_done(void) {}
#include "replay_main.h"
#endif
