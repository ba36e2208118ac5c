/* tn-inspect - print the metadata and tensors of a GGUF file (models and
   ternary.h checkpoints alike), with per-tensor statistics, and whether
   llama.cpp would run it (llama and arcee files: its required keys, every
   tensor it expects with its shape and no other, a tokenizer; what is
   missing if not).
   Build: cc -O2 -I. tools/tn-inspect.c -o tn-inspect -lm -lpthread
   Usage: tn-inspect FILE          human-readable table
          tn-inspect --no-mmap ...  read the file instead of mapping it
          tn-inspect --json FILE   JSON: every key (type, value) and tensor
                                   (type, shape, offset, bytes, sha256)       */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <string.h>
#include <math.h>

/* -- SHA-256 (FIPS 180-4) -- */
typedef struct { uint32_t h[8]; uint8_t buf[64]; uint64_t len; size_t n; } sha256;
static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void sha_block(sha256 *s, const uint8_t *p) {
    uint32_t w[64], a, b, c, d, e, f, g, h;
    int i;
    for (i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3]; e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}
static void sha_hex(const void *data, size_t len, char out[65]) {
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    sha256 s;
    const uint8_t *p = (const uint8_t *)data;
    uint8_t tail[128];
    size_t i, rem, tl;
    memcpy(s.h, H0, sizeof(H0));
    for (i = 0; i + 64 <= len; i += 64) sha_block(&s, p + i);
    rem = len - i;
    memset(tail, 0, sizeof(tail));
    memcpy(tail, p + i, rem);
    tail[rem] = 0x80;
    tl = rem + 1 + 8 <= 64 ? 64 : 128;
    for (i = 0; i < 8; i++) tail[tl - 1 - i] = (uint8_t)(((uint64_t)len * 8) >> (8 * i));
    sha_block(&s, tail);
    if (tl == 128) sha_block(&s, tail + 64);
    for (i = 0; i < 8; i++) sprintf(out + 8 * i, "%08x", s.h[i]);
}

static const char *const vt_name[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"};

static void json_str(const char *s, uint64_t n) {
    uint64_t i;
    putchar('"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') fputs("\\\"", stdout);
        else if (c == '\\') fputs("\\\\", stdout);
        else if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c == '\r') fputs("\\r", stdout);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}
static void json_f64(double v, int digits) {
    if (v != v || v - v != 0) fputs("null", stdout);
    else printf("%.*g", digits, v);
}
/* element j of a numeric array (or a scalar at p) */
static void json_num(tn_gguf_type t, const uint8_t *p) {
    switch (t) {
    case TN_GGUF_UINT8: printf("%u", p[0]); break;
    case TN_GGUF_INT8: printf("%d", (int8_t)p[0]); break;
    case TN_GGUF_UINT16: { uint16_t v; memcpy(&v, p, 2); printf("%u", v); break; }
    case TN_GGUF_INT16: { int16_t v; memcpy(&v, p, 2); printf("%d", v); break; }
    case TN_GGUF_UINT32: { uint32_t v; memcpy(&v, p, 4); printf("%lu", (unsigned long)v); break; }
    case TN_GGUF_INT32: { int32_t v; memcpy(&v, p, 4); printf("%ld", (long)v); break; }
    case TN_GGUF_FLOAT32: { float v; memcpy(&v, p, 4); json_f64(v, 9); break; }
    case TN_GGUF_BOOL: fputs(p[0] ? "true" : "false", stdout); break;
    case TN_GGUF_UINT64: { uint64_t v; memcpy(&v, p, 8); printf("%llu", (unsigned long long)v); break; }
    case TN_GGUF_INT64: { int64_t v; memcpy(&v, p, 8); printf("%lld", (long long)v); break; }
    case TN_GGUF_FLOAT64: { double v; memcpy(&v, p, 8); json_f64(v, 17); break; }
    default: fputs("null", stdout);
    }
}
static const size_t vt_size[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static void print_value(const tn_gguf *g, int64_t i, int json, int max_items) {
    tn_gguf_type t = tn_gguf_kv_type(g, i);
    if (t == TN_GGUF_STRING) {
        const char *s;
        uint64_t n;
        tn_gguf_get_str(g, i, &s, &n);
        if (json) json_str(s, n);
        else printf("\"%.*s\"", (int)(n > 200 ? 200 : n), s);
    } else if (t == TN_GGUF_ARRAY) {
        tn_gguf_type et = tn_gguf_arr_type(g, i);
        uint64_t n = tn_gguf_arr_n(g, i), j, lim = json ? n : (uint64_t)max_items;
        putchar('[');
        for (j = 0; j < n && j < lim; j++) {
            if (j) fputs(", ", stdout);
            if (et == TN_GGUF_STRING) {
                uint64_t len;
                const char *s = tn_gguf_arr_str(g, i, j, &len);
                json_str(s, len);
            } else {
                json_num(et, (const uint8_t *)tn_gguf_arr_data(g, i) + j * vt_size[et]);
            }
        }
        if (j < n) printf(", ... (%llu more)", (unsigned long long)(n - j));
        putchar(']');
    } else {
        uint8_t buf[8];
        switch (t) {
        case TN_GGUF_UINT8: tn_gguf_get_u8(g, i, buf); break;
        case TN_GGUF_INT8: tn_gguf_get_i8(g, i, (int8_t *)buf); break;
        case TN_GGUF_UINT16: tn_gguf_get_u16(g, i, (uint16_t *)(void *)buf); break;
        case TN_GGUF_INT16: tn_gguf_get_i16(g, i, (int16_t *)(void *)buf); break;
        case TN_GGUF_UINT32: tn_gguf_get_u32(g, i, (uint32_t *)(void *)buf); break;
        case TN_GGUF_INT32: tn_gguf_get_i32(g, i, (int32_t *)(void *)buf); break;
        case TN_GGUF_FLOAT32: tn_gguf_get_f32(g, i, (float *)(void *)buf); break;
        case TN_GGUF_BOOL: { int b = 0; tn_gguf_get_bool(g, i, &b); buf[0] = (uint8_t)b; break; }
        case TN_GGUF_UINT64: tn_gguf_get_u64(g, i, (uint64_t *)(void *)buf); break;
        case TN_GGUF_INT64: tn_gguf_get_i64(g, i, (int64_t *)(void *)buf); break;
        default: tn_gguf_get_f64(g, i, (double *)(void *)buf); break;
        }
        json_num(t, buf);
    }
}

/* the real width of a tensor whose rows are padded to the format's block, as the
   file records it (ternary.real_width.<name>), or 0 */
static int64_t real_width(const tn_gguf *g, const tn_gguf_tensor *t) {
    char key[160];
    uint64_t rw;
    int64_t ki;
    snprintf(key, sizeof(key), "ternary.real_width.%s", t->name);
    ki = tn_gguf_find_key(g, key);
    return ki >= 0 && tn_gguf_get_u64(g, ki, &rw) == TN_OK && rw > 0 && rw < (uint64_t)t->ne[0] ? (int64_t)rw : 0;
}
static int dump_json(const tn_gguf *g, const char *path) {
    const char *base = strrchr(path, '/');
    int64_t i, n_kv = tn_gguf_n_kv(g), n_t = tn_gguf_n_tensors(g);
    base = base ? base + 1 : path;
    printf("{\n  \"file\": ");
    json_str(base, strlen(base));
    printf(",\n  \"gguf_version\": %u,\n  \"alignment\": %zu,\n  \"data_offset\": %zu,\n  \"n_kv\": %lld,\n  \"kv\": [\n",
           tn_gguf_version(g), tn_gguf_alignment(g), tn_gguf_data_offset(g), (long long)n_kv);
    for (i = 0; i < n_kv; i++) {
        const char *k = tn_gguf_key(g, i);
        tn_gguf_type t = tn_gguf_kv_type(g, i);
        if ((int)t < 0 || t >= TN_GGUF_TYPE_COUNT) continue;
        printf("    {\"key\": ");
        json_str(k, strlen(k));
        printf(", \"type\": \"%s\"", vt_name[t]);
        if (t == TN_GGUF_ARRAY) printf(", \"elem_type\": \"%s\", \"n\": %llu", vt_name[tn_gguf_arr_type(g, i)], (unsigned long long)tn_gguf_arr_n(g, i));
        printf(", \"value\": ");
        print_value(g, i, 1, 0);
        printf("}%s\n", i + 1 < n_kv ? "," : "");
    }
    printf("  ],\n  \"n_tensors\": %lld,\n  \"tensors\": [\n", (long long)n_t);
    for (i = 0; i < n_t; i++) {
        tn_gguf_tensor t;
        char hex[65];
        int d;
        tn_gguf_get_tensor(g, i, &t);
        sha_hex(t.data, t.nbytes, hex);
        printf("    {\"name\": ");
        json_str(t.name, strlen(t.name));
        printf(", \"type\": \"%s\", \"type_id\": %d, \"n_dims\": %d, \"ne\": [", tn_type_name(t.type), (int)t.type, t.n_dims);
        for (d = 0; d < t.n_dims; d++) printf("%s%lld", d ? ", " : "", (long long)t.ne[d]);
        printf("]");
        if (real_width(g, &t)) printf(", \"real_width\": %lld", (long long)real_width(g, &t));
        printf(", \"offset\": %llu, \"nbytes\": %zu, \"sha256\": \"%s\"}%s\n", (unsigned long long)t.offset, t.nbytes, hex, i + 1 < n_t ? "," : "");
    }
    printf("  ]\n}\n");
    return 0;
}

static int dump_text(const tn_gguf *g, const char *path) {
    int64_t i, n_kv = tn_gguf_n_kv(g), n_t = tn_gguf_n_tensors(g), total = 0;
    size_t bytes = 0;
    printf("%s: GGUF v%u, %lld key/value pairs, %lld tensors, alignment %zu, data at byte %zu\n\n",
           path, tn_gguf_version(g), (long long)n_kv, (long long)n_t, tn_gguf_alignment(g), tn_gguf_data_offset(g));
    for (i = 0; i < n_kv; i++) {
        tn_gguf_type t = tn_gguf_kv_type(g, i);
        printf("  %-40s %-4s ", tn_gguf_key(g, i), t == TN_GGUF_ARRAY ? "arr" : vt_name[t]);
        print_value(g, i, 0, 8);
        putchar('\n');
    }
    printf("\n  %-40s %-6s %-22s %10s %11s %11s %11s %8s\n", "tensor", "type", "shape", "bytes", "min", "max", "mean", "zeros");
    for (i = 0; i < n_t; i++) {
        tn_gguf_tensor t;
        char shape[128]; /* 4 x 19 digits, 3 x's and a stored width fit */
        int64_t n = 1, j, zeros = 0, r;
        double mn = INFINITY, mx = -INFINITY, sum = 0;
        const tn_type_traits *tr;
        int d, len = 0;
        int64_t real = 0, nrows; /* the rows' real width when the file says they are padded */
        tn_gguf_get_tensor(g, i, &t);
        tr = tn_type_get_traits(t.type);
        real = real_width(g, &t);
        for (d = 0; d < TN_MAX_DIMS; d++) n *= t.ne[d];
        for (d = 0; d < (t.n_dims ? t.n_dims : 1); d++) len += snprintf(shape + len, sizeof(shape) - (size_t)len, "%s%lld", d ? "x" : "", (long long)(d == 0 && real ? real : t.ne[d]));
        nrows = t.ne[0] > 0 ? n / t.ne[0] : 0;
        if (real) { /* statistics over the real weights, not the padding */
            len += snprintf(shape + len, sizeof(shape) - (size_t)len, " (%lld)", (long long)t.ne[0]);
            n = nrows * real;
        }
        total += n;
        bytes += t.nbytes;
        printf("  %-40.40s %-6s %-22s %10zu ", t.name, tn_type_name(t.type), shape, t.nbytes);
        if (tr && tr->can_dequantize && n > 0) { /* n > 0: the row is bounded by the file's bytes */
            size_t rs = tn_row_size(t.type, t.ne[0]);
            float *row = (float *)malloc(sizeof(float) * (size_t)t.ne[0]);
            for (r = 0; row && r < nrows; r++) {
                if (tn_dequantize_row(t.type, (const uint8_t *)t.data + (size_t)r * rs, row, t.ne[0]) != TN_OK) break;
                for (j = 0; j < (real ? real : t.ne[0]); j++) {
                    double v = row[j];
                    if (v < mn) mn = v;
                    if (v > mx) mx = v;
                    sum += v;
                    zeros += v == 0.0;
                }
            }
            free(row);
            printf("%11.4g %11.4g %11.4g %7.2f%%\n", mn, mx, n ? sum / (double)n : 0.0, n ? 100.0 * (double)zeros / (double)n : 0.0);
        } else {
            printf("%11s %11s %11s %8s\n", "-", "-", "-", "-");
        }
    }
    printf("\n  %lld values in %zu bytes (%.3f bits per value)\n", (long long)total, bytes, total ? 8.0 * (double)bytes / (double)total : 0.0);
    return 0;
}

int main(int argc, char **argv) {
    tn_gguf *g = NULL;
    int json = 0, use_mmap = 1, argi = 1;
    tn_status st;
    for (; argi < argc && argv[argi][0] == '-' && argv[argi][1]; argi++) {
        if (strcmp(argv[argi], "--json") == 0) json = 1;
        else if (strcmp(argv[argi], "--no-mmap") == 0) use_mmap = 0;
        else if (strcmp(argv[argi], "--help") == 0 || strcmp(argv[argi], "-h") == 0) { argi = -1; break; }
        else { fprintf(stderr, "tn-inspect: unknown option '%s'\n", argv[argi]); argi = -2; break; }
    }
    if (argi < 0 || argi != argc - 1) {
        fprintf(stderr, "usage: %s [--json] [--no-mmap] FILE.gguf\n  prints the metadata and tensors of a GGUF model or ternary.h checkpoint\n"
                        "  --no-mmap  read the file instead of mapping it (a mapped file truncated meanwhile raises SIGBUS)\n", argv[0]);
        return argi == -1 ? 0 : 2;
    }
    st = tn_gguf_read_file(argv[argi], use_mmap, &g);
    if (st != TN_OK) {
        fprintf(stderr, "tn-inspect: %s\n", tn_last_error());
        return 1;
    }
    if (json) dump_json(g, argv[argi]);
    else {
        char why[512];
        int64_t ki = tn_gguf_find_key(g, "general.architecture");
        const char *arch = "";
        uint64_t alen = 0;
        int run;
        printf("tn-inspect (ternary.h %d.%d.%d, %s kernels)\n", TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, tn_simd_name());
        if (ki < 0 || tn_gguf_get_str(g, ki, &arch, &alen) != TN_OK) { arch = "(none)"; alen = 6; }
        run = tn_gguf_llamacpp_check(g, why, sizeof(why));
        printf("architecture: %.*s; llama.cpp: %s%s\n", (int)(alen > 64 ? 64 : alen), arch,
               run == 1 ? "runnable, as " : run == 0 ? "NOT runnable: " : "not checked: ", why);
        dump_text(g, argv[argi]);
    }
    tn_gguf_free(g);
    return 0;
}
