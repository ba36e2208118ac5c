/* ternary.h - v0.1 - train and run ternary (1.58-bit) and quantized networks in C.
   MIT or public domain, see end of file.

   QUICK START
   -----------
   In exactly one C or C++ file:
       #define TERNARY_IMPLEMENTATION
       #include "ternary.h"
   everywhere else just #include "ternary.h". Link with -lm -lpthread.

       tn_ctx *ctx = tn_ctx_new(1 << 20);                      // arena for tensors
       tn_tensor *w = tn_new_2d(ctx, TN_TYPE_F32, 256, 8);      // 8 rows of 256 weights
       tn_tensor *x = tn_new_2d(ctx, TN_TYPE_F32, 256, 1);      // one input row
       tn_tensor *y = tn_new_2d(ctx, TN_TYPE_F32, 8, 1);        // its 8 outputs
       tn_tensor *wq = tn_new_2d(ctx, TN_TYPE_TQ2_0, 256, 8);   // the weights packed
       float s; int8_t t[256 * 8]; int i;
       for (i = 0; i < 256 * 8; i++) ((float *)w->data)[i] = (float)(i % 7) - 3.0f;
       for (i = 0; i < 256; i++) ((float *)x->data)[i] = 0.01f * (float)i;
       tn_ternary_absmean((const float *)w->data, 256 * 8, t, &s); // BitNet's rule
       tn_ternary_to_tq(TN_TYPE_TQ2_0, t, s, 256, 8, wq->data);    // llama.cpp's TQ2_0
       if (tn_mul_mat(y, wq, x, NULL) != TN_OK) puts(tn_last_error()); // y = x . wq^T
       tn_ctx_free(ctx);

   TRAINING (see @@AUTOGRAD and @@QAT)
   --------
       tn_ctx *pctx = tn_ctx_new(64 << 20);   // parameters live here
       tn_ctx *gctx = tn_ctx_new(256 << 20);  // one step's graph lives here
       tn_params ps; tn_bitlinear l1, l2; tn_rng rng; tn_optim opt;
       tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
       tn_tensor *x, *labels; size_t mark; int step;
       tn_params_init(&ps); tn_rng_seed(&rng, 0);
       tn_bitlinear_init(&l1, pctx, &ps, "l1", 784, 256, TN_LAYER_NORM, &rng);
       tn_bitlinear_init(&l2, pctx, &ps, "l2", 256, 10, TN_LAYER_NORM, &rng);
       tn_optim_init(&opt, &ps, &oc);
       x = tn_new_2d(pctx, TN_TYPE_F32, 784, 32);     // a batch of 32 inputs: fill x->data
       labels = tn_new_1d(pctx, TN_TYPE_I32, 32);     // and their classes, 0..9
       mark = tn_ctx_used(gctx);
       for (step = 0; step < 20; step++) {
           tn_tensor *h = tn_relu(gctx, tn_bitlinear_forward(gctx, &l1, x));
           tn_tensor *loss = tn_cross_entropy(gctx, tn_bitlinear_forward(gctx, &l2, h), labels, -1);
           tn_params_zero_grad(&ps);
           if (!loss || tn_backward(gctx, loss) != TN_OK || tn_optim_step(&opt, -1, -1) != TN_OK) { puts(tn_last_error()); break; }
           tn_ctx_rewind(gctx, mark);                 // free the graph: no allocation per step
       }
       tn_bitlinear_pack(&l1, pctx, TN_TYPE_TQ2_0);  // inference: packed ternary x int8 kernels
       tn_optim_deinit(&opt); tn_params_deinit(&ps); tn_ctx_free(gctx); tn_ctx_free(pctx);
   (make test compiles and runs both sketches as written: tests/header_sketch.sh)

   Every op computes eagerly and records itself on the context's tape when a
   parameter feeds it; tn_backward adds gradients into .grad. BitLinear
   trains latent f32 weights through straight-through fake quantization
   (absmean ternary weights, per-token absmax int8 activations, or per
   256-value block as llama.cpp with TN_LAYER_ACT_BLOCK) and runs the same
   function from packed weights after tn_bitlinear_pack. A trained
   tn_transformer is written for llama.cpp by tn_transformer_save_llamacpp
   (its "arcee" or "llama" architecture, which llama.cpp runs unchanged) and
   read back by tn_transformer_load_gguf. Layers:
   tn_bitlinear (also plain Linear with TN_LAYER_FLOAT), tn_norm_layer
   (RMSNorm, LayerNorm), tn_embedding, tn_mlp (GELU, ReLU, ReLU^2, SwiGLU),
   tn_self_attn (causal, RoPE), tn_transformer (pre-norm decoder-only).
   Ops: tn_add/sub/mul/div (broadcasting), scale, neg, exp, log, sqrt, pow,
   relu, relu2, gelu, gelu_erf, silu, sigmoid, tanh, swiglu, sum, mean,
   sum_axis, mean_axis, max_axis, matmul, linear, reshape, permute,
   transpose, slice, view, cont, concat, get_rows, softmax, log_softmax,
   rms_norm, layer_norm, dropout, rope, diag_mask_inf, attention,
   cross_entropy, bce_logits, bce, mse, ste, ste_ternary, ste_act_i8, ste_range
   (and ste_ternary_scaled, ste_int8_scaled: the seeds' helpers with a given scale).
   tn_ternary_matmul_f32: the seeds' multiplication-free ternary matmul in f32.
   Inference: tn_qlinear (a quantized linear layer in any format, activations
   quantized or f32), tn_quant_model_* (a whole tn_params set to one format,
   with a size summary, GGUF out and back). Many processes: tn_grad_accum over
   a tn_comm (@@DIST), the same bits as one process.

   BUILD OPTIONS (#define before including the implementation)
   -------------
     TERNARY_IMPLEMENTATION  emit the implementation in this translation unit
     TERNARY_STATIC          give every public function static linkage (marked unused,
                             so a -Wall -Werror build using part of the API is clean)
     TNDEF                   override the linkage of public functions yourself
     TN_MALLOC(sz) TN_REALLOC(p,sz) TN_FREE(p)
                             your allocator: define all three or none
     TN_ASSERT(x)            internal invariants only (default: assert)
     TERNARY_NO_SIMD         scalar reference kernels only
     TERNARY_NO_DISPATCH     pick SIMD paths at compile time from -march (as MSVC)
     TERNARY_NO_GFNI         AVX-512 ternary unpacking without GFNI (shifts)
     TERNARY_NO_VBMI         AVX-512 TQ1_0 unpacking without VBMI (multiplies)
     TERNARY_NO_THREADS      no pthreads; tn_pool runs everything on the caller
     TERNARY_NO_POSIX        no open/fsync/mmap: plain stdio files (no fsync)
     TERNARY_MPI             tn_comm_mpi_init: an MPI transport for @@DIST (build with mpicc)

   CPU PATHS
   ---------
   SIMD paths are chosen at run time: with GCC/Clang on x86-64 every build
   holds the AVX2 and AVX-512 kernels (function target regions) and the best
   one the CPU has runs (CPUID, XGETBV); on aarch64 NEON, with sdot where
   getauxval reports it. TN_CPU=scalar|avx2|avx512|neon caps the choice,
   tn_set_cpu_path() too; tn_simd_name() names the path in use. No -march is
   needed. Every SIMD kernel has a scalar _ref twin that is the
   specification; the tests compare them, and training gives the same bits
   on every path and thread count (@@IMPL:SIMD, the kernel table).

   SECTIONS (grep -n '@@' ternary.h)
   --------
     @@CONFIG    version, linkage, feature macros
     @@TYPES     status codes, ggml type ids, block structs
     @@CORE      errors, fp16/bf16 conversion, RNG, thread pool
     @@TENSOR    arena context, tensors, views, copies
     @@TERNARY   absmean ternarization, 2-bit packing, TQ1_0/TQ2_0 export, stats
     @@QUANT     quantize / dequantize rows for every format
     @@KERNELS   dot products, mat-vec and mat-mat products, CPU paths
     @@AUTOGRAD  tape, backward, differentiable ops
     @@QAT       straight-through estimators, BitLinear, layers, transformer
     @@IO        GGUF v3 read / write, checkpoints, model files, llama.cpp export, safetensors import
     @@OPTIM     SGD, Adam, AdamW, Lion, schedules, clipping, metrics, CSV logs
     @@DIST      data-parallel training: gradient accumulation, a fixed-order reduction over ranks, MPI

   ERRORS
   ------
   Functions that can fail return tn_status (TN_OK == 0, errors < 0) or NULL.
   tn_last_error() returns a readable message about the last failure on the
   calling thread. Nothing a caller or a file can do makes the library abort.

   THREADS
   -------
   There is no mutable global state except the thread-local error message and
   the CPU path (chosen once, under an atomic flag; tn_set_cpu_path changes it).
   Different objects may be used from different threads; one object must not be
   used from two threads at once unless a function says so. tn_pool runs row
   ranges of a kernel on worker threads; results do not depend on the number of
   threads (each output element is computed by exactly one thread).

   ROUNDING
   --------
   Every ggml format uses ggml's reference rounding (see tn_quantize_row_*_ref):
   Q8_0/Q8_1 round half away from zero, Q4/Q5 floor(x + 0.5), Q8_K half to even,
   TQ1_0/TQ2_0 half away from zero. BitNet rules (absmean weights, absmax int8
   activations) round half to even, as PyTorch and bitnet.cpp do.
*/
#ifndef TERNARY_H_INCLUDED
#define TERNARY_H_INCLUDED

/* ==== @@CONFIG  version, linkage, feature macros ==== */

#define TN_VERSION_MAJOR 0
#define TN_VERSION_MINOR 1
#define TN_VERSION_PATCH 0

#include <stddef.h>
#include <stdint.h>

#ifndef TNDEF
#ifdef TERNARY_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define TNDEF static __attribute__((unused)) /* a -Wall build that uses only part of the API stays quiet */
#else
#define TNDEF static
#endif
#else
#define TNDEF extern
#endif
#endif

/* SIMD paths. TN_HAVE_<ISA> says a path is compiled in; which one runs is
   chosen once per process from the CPU (see tn_cpu_path). On x86-64 with GCC
   or Clang every x86 path is compiled in every build (function target
   regions), so a plain `cc -O2` binary runs AVX2 or AVX-512 where the CPU has
   them and still runs anywhere; TERNARY_NO_DISPATCH falls back to the paths
   the compiler flags enable (as with MSVC). TERNARY_NO_SIMD: scalar only. */
#if !defined(TERNARY_NO_SIMD)
#if defined(__x86_64__) && (defined(__clang__) ? (__clang_major__ >= 8) : (defined(__GNUC__) && __GNUC__ >= 8)) && \
    !defined(TERNARY_NO_DISPATCH)
#define TN__X86_DISPATCH 1
#define TN_HAVE_AVX2 1
#define TN_HAVE_AVX512 1
#define TN_HAVE_AVX512VNNI 1
#if !defined(TERNARY_NO_VBMI)
#define TN_HAVE_AVX512VBMI 1
#endif
#if !defined(TERNARY_NO_GFNI)
#define TN_HAVE_GFNI 1
#endif
#else
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512DQ__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__) && \
    defined(__AVX512VNNI__)
#define TN_HAVE_AVX512 1
#define TN_HAVE_AVX512VNNI 1
#endif
#if defined(__AVX512VBMI__) && defined(TN_HAVE_AVX512) && !defined(TERNARY_NO_VBMI)
#define TN_HAVE_AVX512VBMI 1
#endif
#if defined(__GFNI__) && defined(TN_HAVE_AVX512) && !defined(TERNARY_NO_GFNI)
#define TN_HAVE_GFNI 1
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define TN_HAVE_AVX2 1
#endif
#endif
#if defined(__ARM_NEON) && defined(__aarch64__)
#define TN_HAVE_NEON 1
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== @@TYPES  status codes, ggml type ids, block structs ==== */

typedef enum tn_status {
    TN_OK = 0,
    TN_ERR_ARG = -1,         /* a bad argument (NULL, negative size, ...) */
    TN_ERR_SHAPE = -2,       /* shapes do not fit together */
    TN_ERR_TYPE = -3,        /* a type that this operation does not take */
    TN_ERR_NOMEM = -4,       /* allocation failed or the arena is full */
    TN_ERR_IO = -5,          /* a read or write failed */
    TN_ERR_FORMAT = -6,      /* malformed data: bad file, bad block, bad code */
    TN_ERR_UNSUPPORTED = -7  /* valid, but not implemented here */
} tn_status;

/* ggml's type ids: these numbers are written into GGUF files, never renumber. */
typedef enum tn_type {
    TN_TYPE_F32 = 0,
    TN_TYPE_F16 = 1,
    TN_TYPE_Q4_0 = 2,
    TN_TYPE_Q4_1 = 3,
    /* 4, 5: removed Q4_2, Q4_3 */
    TN_TYPE_Q5_0 = 6,
    TN_TYPE_Q5_1 = 7,
    TN_TYPE_Q8_0 = 8,
    TN_TYPE_Q8_1 = 9,
    TN_TYPE_Q2_K = 10,
    TN_TYPE_Q3_K = 11,
    TN_TYPE_Q4_K = 12,
    TN_TYPE_Q5_K = 13,
    TN_TYPE_Q6_K = 14,
    TN_TYPE_Q8_K = 15,
    TN_TYPE_IQ2_XXS = 16,
    TN_TYPE_IQ2_XS = 17,
    TN_TYPE_IQ3_XXS = 18,
    TN_TYPE_IQ1_S = 19,
    TN_TYPE_IQ4_NL = 20,
    TN_TYPE_IQ3_S = 21,
    TN_TYPE_IQ2_S = 22,
    TN_TYPE_IQ4_XS = 23,
    TN_TYPE_I8 = 24,
    TN_TYPE_I16 = 25,
    TN_TYPE_I32 = 26,
    TN_TYPE_I64 = 27,
    TN_TYPE_F64 = 28,
    TN_TYPE_IQ1_M = 29,
    TN_TYPE_BF16 = 30,
    /* 31..33: removed Q4_0_4_4, Q4_0_4_8, Q4_0_8_8 */
    TN_TYPE_TQ1_0 = 34,
    TN_TYPE_TQ2_0 = 35,
    /* 36..38: removed IQ4_NL_4_4.. (the BitNet fork uses 36 for I2_S) */
    TN_TYPE_MXFP4 = 39,
    TN_TYPE_NVFP4 = 40,
    TN_TYPE_Q1_0 = 41,
    TN_TYPE_Q2_0 = 42,
    TN_TYPE_COUNT = 43,
    /* Not a ggml type, never written to GGUF: the seed's 2-bit ternary packing
       (00=0, 01=+1, 10=-1, four values a byte, first value in the low bits),
       256 values (64 bytes) a block, one scale per tensor (tn_tensor.scale). */
    TN_TYPE_T2 = 64
} tn_type;

#define TN_QK4_0 32
#define TN_QK4_1 32
#define TN_QK5_0 32
#define TN_QK5_1 32
#define TN_QK8_0 32
#define TN_QK8_1 32
#define TN_QK_K 256

/* Block layouts, byte for byte those of ggml (ggml-common.h). fp16 is a raw
   uint16_t; convert with tn_fp16_to_fp32 / tn_fp32_to_fp16. */
typedef struct { uint16_t d; uint8_t qs[TN_QK4_0 / 2]; } tn_block_q4_0;             /* 18 B */
typedef struct { uint16_t d, m; uint8_t qs[TN_QK4_1 / 2]; } tn_block_q4_1;          /* 20 B */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[TN_QK5_0 / 2]; } tn_block_q5_0; /* 22 B */
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[TN_QK5_1 / 2]; } tn_block_q5_1; /* 24 B */
typedef struct { uint16_t d; int8_t qs[TN_QK8_0]; } tn_block_q8_0;                  /* 34 B */
typedef struct { uint16_t d, s; int8_t qs[TN_QK8_1]; } tn_block_q8_1;               /* 36 B */
typedef struct { float d; int8_t qs[TN_QK_K]; int16_t bsums[TN_QK_K / 16]; } tn_block_q8_K; /* 292 B */
typedef struct { uint8_t scales[TN_QK_K / 16]; uint8_t qs[TN_QK_K / 4]; uint16_t d, dmin; } tn_block_q2_K; /* 84 B */
typedef struct { uint8_t hmask[TN_QK_K / 8]; uint8_t qs[TN_QK_K / 4]; uint8_t scales[12]; uint16_t d; } tn_block_q3_K; /* 110 B */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[TN_QK_K / 2]; } tn_block_q4_K; /* 144 B */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[TN_QK_K / 8]; uint8_t qs[TN_QK_K / 2]; } tn_block_q5_K; /* 176 B */
typedef struct { uint8_t ql[TN_QK_K / 2]; uint8_t qh[TN_QK_K / 4]; int8_t scales[TN_QK_K / 16]; uint16_t d; } tn_block_q6_K; /* 210 B */
typedef struct { uint16_t d; uint8_t qs[16]; } tn_block_iq4_nl;                     /* 18 B: 32 grid indexes */
typedef struct { uint16_t d, scales_h; uint8_t scales_l[TN_QK_K / 64]; uint8_t qs[TN_QK_K / 2]; } tn_block_iq4_xs; /* 136 B */
typedef struct { uint8_t e; uint8_t qs[16]; } tn_block_mxfp4;                       /* 17 B: E8M0 exponent, 32 E2M1 codes */
typedef struct { uint8_t d[4]; uint8_t qs[32]; } tn_block_nvfp4;                   /* 36 B: 4 UE4M3 scales, 64 E2M1 codes */
typedef struct { uint16_t d; uint8_t qs[16]; } tn_block_q1_0;                       /* 18 B: 128 signs */
typedef struct { uint16_t d; uint8_t qs[16]; } tn_block_q2_0;                       /* 18 B: 64 codes of -1..2 */
/* the grid formats (index + signs + scales; see tn_quantize_imatrix) */
typedef struct { uint16_t d; uint16_t qs[TN_QK_K / 8]; } tn_block_iq2_xxs;           /* 66 B */
typedef struct { uint16_t d; uint16_t qs[TN_QK_K / 8]; uint8_t scales[TN_QK_K / 32]; } tn_block_iq2_xs; /* 74 B */
typedef struct { uint16_t d; uint8_t qs[TN_QK_K / 4]; uint8_t qh[TN_QK_K / 32]; uint8_t scales[TN_QK_K / 32]; } tn_block_iq2_s; /* 82 B */
typedef struct { uint16_t d; uint8_t qs[3 * TN_QK_K / 8]; } tn_block_iq3_xxs;        /* 98 B */
typedef struct { uint16_t d; uint8_t qs[TN_QK_K / 4]; uint8_t qh[TN_QK_K / 32]; uint8_t signs[TN_QK_K / 8]; uint8_t scales[TN_QK_K / 64]; } tn_block_iq3_s; /* 110 B */
typedef struct { uint16_t d; uint8_t qs[TN_QK_K / 8]; uint16_t qh[TN_QK_K / 32]; } tn_block_iq1_s; /* 50 B */
typedef struct { uint8_t qs[TN_QK_K / 8]; uint8_t qh[TN_QK_K / 16]; uint8_t scales[TN_QK_K / 32]; } tn_block_iq1_m; /* 56 B: the fp16 scale in the scales' top nibbles */
typedef struct { uint8_t qs[(TN_QK_K - 4 * TN_QK_K / 64) / 5]; uint8_t qh[TN_QK_K / 64]; uint16_t d; } tn_block_tq1_0; /* 54 B */
typedef struct { uint8_t qs[TN_QK_K / 4]; uint16_t d; } tn_block_tq2_0;             /* 66 B */
typedef struct { uint8_t qs[TN_QK_K / 4]; } tn_block_t2;                            /* 64 B */

/* What the library knows about a type. blck_size == 0 marks an id that is
   removed or unknown: such a type is refused everywhere. */
typedef struct tn_type_traits {
    const char *name;      /* ggml's lower-case name, e.g. "tq2_0" */
    int64_t blck_size;     /* values per block */
    size_t type_size;      /* bytes per block */
    int is_quantized;
    int can_quantize;      /* tn_quantize_row supports it */
    int can_dequantize;    /* tn_dequantize_row supports it */
    tn_type vec_dot_type;  /* activation type of its dot product */
    int has_vec_dot;       /* tn_vec_dot supports (type, vec_dot_type) */
} tn_type_traits;

/* ==== @@CORE  errors, fp16/bf16 conversion, RNG, thread pool ==== */

/* A fixed description of a status code. Thread safety: any thread. */
TNDEF const char *tn_status_str(tn_status s);
/* The message of the last failure on this thread ("" if none). */
TNDEF const char *tn_last_error(void);
/* Forget the last message of this thread. */
TNDEF void tn_clear_error(void);

/* IEEE binary16 / bfloat16 conversions, exactly as ggml's reference code:
   round to nearest even, subnormals kept, NaN stays NaN (sign kept). */
TNDEF uint16_t tn_fp32_to_fp16(float f);
TNDEF float tn_fp16_to_fp32(uint16_t h);
TNDEF uint16_t tn_fp32_to_bf16(float f);
TNDEF float tn_bf16_to_fp32(uint16_t h);

/* A small fast RNG (xoshiro128**), seeded by splitmix64. State is explicit:
   the library never uses rand(). Thread safety: one state per thread. */
typedef struct tn_rng { uint32_t s[4]; } tn_rng;
TNDEF void tn_rng_seed(tn_rng *r, uint64_t seed);
TNDEF uint32_t tn_rng_u32(tn_rng *r);
TNDEF float tn_rng_uniform(tn_rng *r);            /* [0, 1) with 24 random bits */
TNDEF float tn_rng_normal(tn_rng *r);             /* N(0, 1), Box-Muller */

/* A persistent pool of worker threads. tn_pool_run calls fn(arg, ith, nth) for
   ith = 0..nth-1, one call per thread (the caller runs ith = 0), and returns
   when all have finished. With TERNARY_NO_THREADS, or n_threads <= 1, every
   call runs on the caller. A pool is used by one calling thread at a time. */
typedef struct tn_pool tn_pool;
typedef void (*tn_task_fn)(void *arg, int ith, int nth);
TNDEF tn_pool *tn_pool_new(int n_threads);        /* NULL on failure */
TNDEF void tn_pool_free(tn_pool *pool);
TNDEF int tn_pool_n_threads(const tn_pool *pool); /* 1 for NULL */
TNDEF tn_status tn_pool_run(tn_pool *pool, tn_task_fn fn, void *arg); /* TN_ERR_ARG (nothing run) if fn is NULL */
/* Number of online CPUs (at least 1). */
TNDEF int tn_n_cpus(void);

/* ==== @@TENSOR  arena context, tensors, views, copies ==== */

#define TN_MAX_DIMS 4
#define TN_MAX_NAME 64

/* A tensor: up to 4 dims, ne[0] fastest. nb[] are byte strides as in ggml:
   nb[0] is the block size in bytes (type_size) and nb[1] the row stride; for
   quantized types a row must be whole blocks. A view shares its source's data. */
typedef struct tn_tensor {
    tn_type type;
    int n_dims;
    int64_t ne[TN_MAX_DIMS];  /* elements in each dim, unused dims are 1 */
    size_t nb[TN_MAX_DIMS];   /* strides in bytes */
    void *data;
    size_t data_size;         /* bytes reachable from data (bounds views) */
    struct tn_tensor *view_src;  /* the tensor whose memory this views, or NULL */
    size_t view_offs;
    float scale;              /* per-tensor scale of TN_TYPE_T2 (and ternary stats) */
    char name[TN_MAX_NAME];
    /* autograd (see @@AUTOGRAD); treat as read-only */
    int op;                   /* the op that made it, 0 for leaves */
    int flags;                /* TN_FLAG_* */
    struct tn_tensor *src[3]; /* its inputs */
    struct tn_tensor *grad;   /* d loss / d this: contiguous f32, same shape */
    float fparam[4];          /* op parameters */
    int64_t iparam[4];
    void *aux;                /* what the op saved for backward (arena memory) */
    struct tn_tensor *tape_prev; /* the node recorded before this one */
    struct tn_tensor *bw_last;   /* tn_backward_ex: a parameter's oldest consumer on the tape */
} tn_tensor;

#define TN_FLAG_GRAD 1        /* gradients flow to / through this tensor */
#define TN_FLAG_PARAM 2       /* a trainable leaf (tn_set_param) */

/* An arena: every tensor and its data come from one block allocated up front.
   Nothing is freed one by one: tn_ctx_reset or tn_ctx_rewind recycles it, so a
   training step allocates nothing. Thread safety: one thread per context. */
typedef struct tn_ctx tn_ctx;
TNDEF tn_ctx *tn_ctx_new(size_t mem_size);       /* NULL on failure */
TNDEF void tn_ctx_free(tn_ctx *ctx);
TNDEF void tn_ctx_reset(tn_ctx *ctx);            /* forget every tensor */
TNDEF size_t tn_ctx_used(const tn_ctx *ctx);     /* bytes in use (a mark) */
TNDEF size_t tn_ctx_size(const tn_ctx *ctx);
TNDEF void tn_ctx_rewind(tn_ctx *ctx, size_t mark); /* free all after a mark */
/* Raw aligned (64 B) memory from the arena, NULL when full. */
TNDEF void *tn_ctx_alloc(tn_ctx *ctx, size_t size);

TNDEF const tn_type_traits *tn_type_get_traits(tn_type type); /* NULL if unknown id */
TNDEF const char *tn_type_name(tn_type type);    /* "?" if unknown */
/* Type from ggml's lower-case name ("q8_0", "tq2_0", ...); TN_ERR_TYPE if none. */
TNDEF tn_status tn_type_from_name(const char *name, tn_type *out);
TNDEF int64_t tn_blck_size(tn_type type);        /* 0 if unknown */
TNDEF size_t tn_type_size(tn_type type);         /* 0 if unknown */
/* Bytes of a row of ne0 values; 0 if ne0 is not whole blocks or the type unknown. */
TNDEF size_t tn_row_size(tn_type type, int64_t ne0);

/* New contiguous tensors (zero-filled). NULL on failure, see tn_last_error. */
TNDEF tn_tensor *tn_new(tn_ctx *ctx, tn_type type, int n_dims, const int64_t *ne);
TNDEF tn_tensor *tn_new_1d(tn_ctx *ctx, tn_type type, int64_t ne0);
TNDEF tn_tensor *tn_new_2d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1);
TNDEF tn_tensor *tn_new_3d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1, int64_t ne2);
TNDEF tn_tensor *tn_new_4d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3);
TNDEF void tn_set_name(tn_tensor *t, const char *name); /* truncated to 63 bytes */

TNDEF int64_t tn_nelements(const tn_tensor *t);
TNDEF int64_t tn_nrows(const tn_tensor *t);      /* ne1*ne2*ne3 */
TNDEF size_t tn_nbytes(const tn_tensor *t);      /* bytes spanned by the data */
TNDEF int tn_is_contiguous(const tn_tensor *t);
TNDEF int tn_same_shape(const tn_tensor *a, const tn_tensor *b);

/* Views: no data is copied. For quantized types dim 0 is never permuted and
   slices of dim 0 must be whole blocks. A view's span (its last element's
   end) must lie within its source; strides may be 0 (broadcast), so such a
   view can have more elements than its source has bytes: element-wise work
   on it (tn_fill, tn_cont, ops) costs its element count, which the caller
   chose (no reader makes one: tensors from files are contiguous). */
TNDEF tn_tensor *tn_view(tn_ctx *ctx, tn_tensor *src, int n_dims, const int64_t *ne,
                         const size_t *nb, size_t offset);
/* Same data, new shape; src must be contiguous and the counts equal. */
TNDEF tn_tensor *tn_reshape(tn_ctx *ctx, tn_tensor *src, int n_dims, const int64_t *ne);
/* Dim i of the result is dim axes[i] of src ({1,0,2,3} is a transpose). */
TNDEF tn_tensor *tn_permute(tn_ctx *ctx, tn_tensor *src, int a0, int a1, int a2, int a3);
TNDEF tn_tensor *tn_transpose(tn_ctx *ctx, tn_tensor *src); /* swap dims 0 and 1 */
/* Elements [start, start+len) of dim `dim`. */
TNDEF tn_tensor *tn_slice(tn_ctx *ctx, tn_tensor *src, int dim, int64_t start, int64_t len);
/* A contiguous copy (any strides; quantized types need contiguous rows). */
TNDEF tn_tensor *tn_cont(tn_ctx *ctx, const tn_tensor *src);
/* Copy src into dst of the same shape, converting types through f32 rows
   (quantizing with the reference quantizers). Strides are honoured. */
TNDEF tn_status tn_copy(tn_tensor *dst, const tn_tensor *src);

/* Element access for F32/F16/BF16/I8/I32 tensors (0 / TN_ERR_* on a bad index). */
TNDEF float tn_get_f32(const tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3);
TNDEF tn_status tn_set_f32(tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3, float v);
TNDEF tn_status tn_fill(tn_tensor *t, float v);  /* float types */

/* ==== @@TERNARY  absmean ternarization, 2-bit packing, TQ export, stats ==== */

/* BitNet b1.58 weights: s = max(mean|w|, 1e-5) (mean accumulated in double),
   t = clamp(round_half_even(w * (1/s)), -1, 1). Writes n trits and the scale.
   TN_ERR_ARG on NaN/Inf input. */
TNDEF tn_status tn_ternary_absmean(const float *w, int64_t n, int8_t *t, float *scale);
/* The same for a float tensor: returns a new I8 tensor of trits (same shape),
   the scale goes to the result's ->scale and to *scale if not NULL. */
TNDEF tn_tensor *tn_ternarize(tn_ctx *ctx, const tn_tensor *w, float *scale);

/* The seed's 2-bit packing: 00=0, 01=+1, 10=-1; value i in bits 2*(i%4) of
   byte i/4; (n+3)/4 bytes, unused high bits of the last byte are 0.
   pack: TN_ERR_ARG for a value outside {-1,0,1}. unpack: TN_ERR_FORMAT for code 11. */
TNDEF tn_status tn_pack2(uint8_t *dst, const int8_t *t, int64_t n);
TNDEF tn_status tn_unpack2(int8_t *t, const uint8_t *src, int64_t n);
/* The seeds' multiplication-free ternary matmul, exact f32 arithmetic (no int8
   activations): y[i * rows + r] = scale * sum_k t[r, k] x[i * k_len + k] for trits
   packed by tn_pack2, row r at w + r * ((k_len + 3) / 4) (code 11 counts as 0),
   m rows of f32 activations; only adds and subtracts of activations, one multiply
   per output. Each sum runs in 16 lanes (lane j: the k = j mod 16, in order) folded
   8, 4, 2, 1: the same bits on every CPU path (SIMD on each) and thread count.
   [[1,-1,0],[0,1,1]] x [2,3,5] is -1 and 8. pool may be NULL. */
TNDEF tn_status tn_ternary_matmul_f32(const uint8_t *w, int64_t rows, int64_t k_len, float scale,
                                      const float *x, int64_t m, float *y, tn_pool *pool);

/* Lossless export of trits (per-tensor scale s) to TQ1_0/TQ2_0: the trits are
   written directly and every block gets d = fp16(s). n_per_row must be a
   multiple of 256; dst holds nrows * tn_row_size(type, n_per_row) bytes. */
TNDEF tn_status tn_ternary_to_tq(tn_type type, const int8_t *t, float scale,
                                 int64_t n_per_row, int64_t nrows, void *dst);
/* And back: trits and the common scale (fp16(s)). Blocks whose trits are all
   zero may carry any d; every other block must carry the same d, else
   TN_ERR_FORMAT (the data is not one absmean-ternary tensor). TQ2_0 code 3 is
   refused. */
TNDEF tn_status tn_tq_to_ternary(tn_type type, const void *src, int64_t n_per_row,
                                 int64_t nrows, int8_t *t, float *scale);

typedef struct tn_ternary_stats {
    int64_t n, n_zero, n_pos, n_neg;
    double sparsity;          /* n_zero / n */
    double bits_per_weight;   /* storage bits / n, scale(s) included */
    double ratio_f32;         /* 32 / bits_per_weight */
    double ratio_f16;         /* 16 / bits_per_weight */
} tn_ternary_stats;
/* Statistics of n trits stored as `storage` (TN_TYPE_T2, TQ1_0, TQ2_0 or I8).
   For TQ types n must be whole rows of n_per_row real trits (pass n_per_row = n
   for one row); rows of any width count as stored, padded to whole 256-blocks,
   while the counts and the sparsity are the real trits' alone (an 8-input layer
   reports its own zeros, and 66 bits per weight in TQ2_0). */
TNDEF tn_status tn_ternary_stats_compute(const int8_t *t, int64_t n, int64_t n_per_row,
                                         tn_type storage, tn_ternary_stats *out);

/* BitNet per-token activation quantization: s = 127 / max(max|x|, 1e-5),
   q = clamp(round_half_even(x * s), -128, 127). Returns 1/s in *inv_scale. */
TNDEF tn_status tn_act_quant_i8(const float *x, int64_t n, int8_t *q, float *inv_scale);
/* The same, written as Q8_K blocks (every block d = 1/s, bsums filled) or Q8_0
   blocks (every block d = fp16(1/s)); n a multiple of the block size. */
TNDEF tn_status tn_act_quant_q8_k(const float *x, int64_t n, tn_block_q8_K *y);
TNDEF tn_status tn_act_quant_q8_0(const float *x, int64_t n, tn_block_q8_0 *y);

/* ==== @@QUANT  quantize / dequantize rows ==== */

/* Reference quantizers, byte for byte those of ggml (k a multiple of the block
   size, finite input). They are the specification; file writers use them. */
TNDEF void tn_quantize_row_q4_0_ref(const float *x, tn_block_q4_0 *y, int64_t k);
TNDEF void tn_quantize_row_q4_1_ref(const float *x, tn_block_q4_1 *y, int64_t k);
TNDEF void tn_quantize_row_q5_0_ref(const float *x, tn_block_q5_0 *y, int64_t k);
TNDEF void tn_quantize_row_q5_1_ref(const float *x, tn_block_q5_1 *y, int64_t k);
TNDEF void tn_quantize_row_q8_0_ref(const float *x, tn_block_q8_0 *y, int64_t k);
TNDEF void tn_quantize_row_q8_1_ref(const float *x, tn_block_q8_1 *y, int64_t k);
TNDEF void tn_quantize_row_q8_K_ref(const float *x, tn_block_q8_K *y, int64_t k);
TNDEF void tn_quantize_row_tq1_0_ref(const float *x, tn_block_tq1_0 *y, int64_t k);
TNDEF void tn_quantize_row_tq2_0_ref(const float *x, tn_block_tq2_0 *y, int64_t k);
/* the K-quants without an importance matrix (ggml's quantize_row_qN_K_ref) */
TNDEF void tn_quantize_row_q2_K_ref(const float *x, tn_block_q2_K *y, int64_t k);
TNDEF void tn_quantize_row_q3_K_ref(const float *x, tn_block_q3_K *y, int64_t k);
TNDEF void tn_quantize_row_q4_K_ref(const float *x, tn_block_q4_K *y, int64_t k);
TNDEF void tn_quantize_row_q5_K_ref(const float *x, tn_block_q5_K *y, int64_t k);
TNDEF void tn_quantize_row_q6_K_ref(const float *x, tn_block_q6_K *y, int64_t k);
/* iq4_nl / iq4_xs as ggml_quantize_chunk writes them without an importance
   matrix (llama-quantize's bytes; ggml's quantize_row_iq4_nl_ref differs) */
TNDEF void tn_quantize_row_iq4_nl(const float *x, tn_block_iq4_nl *y, int64_t k);
TNDEF void tn_quantize_row_iq4_xs(const float *x, tn_block_iq4_xs *y, int64_t k);
TNDEF void tn_quantize_row_mxfp4_ref(const float *x, tn_block_mxfp4 *y, int64_t k);
TNDEF void tn_quantize_row_nvfp4_ref(const float *x, tn_block_nvfp4 *y, int64_t k); /* (ggml's nvfp4 ignores an importance matrix) */
TNDEF void tn_quantize_row_q1_0_ref(const float *x, tn_block_q1_0 *y, int64_t k);
TNDEF void tn_quantize_row_q2_0_ref(const float *x, tn_block_q2_0 *y, int64_t k);
TNDEF void tn_dequantize_row_q4_0(const tn_block_q4_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q4_1(const tn_block_q4_1 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q5_0(const tn_block_q5_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q5_1(const tn_block_q5_1 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q8_0(const tn_block_q8_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q8_1(const tn_block_q8_1 *x, float *y, int64_t k); /* ignores s */
TNDEF void tn_dequantize_row_q8_K(const tn_block_q8_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_tq1_0(const tn_block_tq1_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_tq2_0(const tn_block_tq2_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q2_K(const tn_block_q2_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q3_K(const tn_block_q3_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q4_K(const tn_block_q4_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q5_K(const tn_block_q5_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q6_K(const tn_block_q6_K *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq4_nl(const tn_block_iq4_nl *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq4_xs(const tn_block_iq4_xs *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_mxfp4(const tn_block_mxfp4 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_nvfp4(const tn_block_nvfp4 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q1_0(const tn_block_q1_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_q2_0(const tn_block_q2_0 *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq2_xxs(const tn_block_iq2_xxs *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq2_xs(const tn_block_iq2_xs *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq2_s(const tn_block_iq2_s *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq3_xxs(const tn_block_iq3_xxs *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq3_s(const tn_block_iq3_s *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq1_s(const tn_block_iq1_s *x, float *y, int64_t k);
TNDEF void tn_dequantize_row_iq1_m(const tn_block_iq1_m *x, float *y, int64_t k);

/* Generic, checked entry points. quantize: x holds n finite floats, n a
   multiple of the block size (TN_ERR_ARG otherwise, dst untouched).
   TN_TYPE_T2 ternarizes with absmean per call (its scale is not stored). */
TNDEF tn_status tn_quantize_row(tn_type type, const float *x, void *dst, int64_t n);
TNDEF tn_status tn_dequantize_row(tn_type type, const void *src, float *y, int64_t n);
/* nrows rows of n_per_row values; *written (may be NULL) gets the byte count. */
TNDEF tn_status tn_quantize(tn_type type, const float *x, void *dst, int64_t nrows,
                            int64_t n_per_row, size_t *written);
/* The same with an importance matrix (llama.cpp's imatrix: one non-negative
   finite weight per column, n_per_row of them, or NULL), ggml_quantize_chunk's
   bytes. Every format whose ggml quantizer uses one does here: q4_0, q4_1,
   q5_0, q5_1, the K-quants q2_K..q6_K, iq4_nl, iq4_xs and the grid formats
   (iq2_xxs, iq2_xs and iq1_s cannot be made without one: TN_ERR_ARG; iq2_s,
   iq3_xxs, iq3_s and iq1_m fall back to ggml's weights from x). Formats whose
   ggml quantizer ignores it (f32, f16, bf16, q8_0, tq1_0, tq2_0, mxfp4, nvfp4,
   q1_0, q2_0, t2) ignore it; q8_1 and q8_K, which ggml_quantize_chunk does not
   make, refuse it (TN_ERR_UNSUPPORTED). The grid quantizers build their
   neighbour tables on first use (once per process, thread-safe, under a few
   MB, kept until exit). */
TNDEF tn_status tn_quantize_imatrix(tn_type type, const float *x, void *dst, int64_t nrows,
                                    int64_t n_per_row, const float *imatrix, size_t *written);
/* 1 if quantizing to type needs an importance matrix (iq2_xxs, iq2_xs, iq1_s) */
TNDEF int tn_type_needs_imatrix(tn_type type);

/* ==== @@KERNELS  dot products, mat-vec, mat-mat ==== */

/* s = dot(x, y) of n values: x of the weight type, y of its vec_dot_type
   (see tn_type_traits). Pairs: f32.f32, f16.f32, bf16.f32, q8_0/q8_1/q4_0/q4_1/
   q5_0/q5_1/iq4_nl/mxfp4/nvfp4/q1_0/q2_0 . q8_0,
   q8_K/tq1_0/tq2_0/q2_K..q6_K/iq4_xs/iq1_s..iq3_s (the grid formats) . q8_K, t2 . q8_K (the seed packing; the
   caller multiplies by the tensor scale). Each has a _ref scalar twin. */
typedef void (*tn_vec_dot_fn)(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_f32_f32(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_f16_f32(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_bf16_f32(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_0_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_1_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_0_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_1_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_0_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_1_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_tq1_0_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_tq2_0_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_t2_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_f32_f32_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_f16_f32_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_bf16_f32_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_1_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_1_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_1_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q8_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_tq1_0_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_tq2_0_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_t2_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q2_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q3_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q6_K_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q2_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q3_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q4_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q5_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q6_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq4_nl_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq4_xs_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_mxfp4_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_nvfp4_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q1_0_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q2_0_q8_0(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq4_nl_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq4_xs_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_mxfp4_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_nvfp4_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q1_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_q2_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_xxs_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_xs_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_s_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq3_xxs_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq3_s_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq1_s_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq1_m_q8_K(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_xxs_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_xs_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq2_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq3_xxs_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq3_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq1_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
TNDEF void tn_vec_dot_iq1_m_q8_K_ref(int64_t n, float *s, const void *x, const void *y);
/* Instruction-set paths. Every kernel has a scalar reference (TN_PATH_REF,
   "scalar"), which is its specification; AVX2 means AVX2 + FMA + F16C;
   AVX512 means AVX-512 F/BW/VL/DQ with VNNI, and VBMI and GFNI unless built
   with TERNARY_NO_VBMI / TERNARY_NO_GFNI; NEON is the aarch64 baseline.
   The path a process uses is chosen once, on first use, as the best one the
   CPU has (CPUID and XGETBV on x86-64, getauxval on Linux/aarch64), capped by
   the environment variable TN_CPU=scalar|avx2|avx512|neon (an unknown name,
   or a path this CPU lacks, prints one warning on stderr and is ignored).
   Training gives the same bits on every path: see the README. */
typedef enum tn_kernel_path {
    TN_PATH_REF = 0, TN_PATH_BEST = 1, TN_PATH_AVX2 = 2, TN_PATH_AVX512 = 3, TN_PATH_NEON = 4
} tn_kernel_path;
#define TN_PATH_COUNT 5
/* The dot function of a weight type on a path (TN_PATH_BEST: the path in
   use), NULL if the type has none or the path is not available here. */
TNDEF tn_vec_dot_fn tn_get_vec_dot(tn_type type, tn_kernel_path path);
/* Name of the path in use: "avx512", "avx2", "neon", "neon-dotprod", "scalar". */
TNDEF const char *tn_simd_name(void);
/* The path in use (never TN_PATH_BEST). */
TNDEF tn_kernel_path tn_cpu_path(void);
/* 1 if `path` is compiled into this build and this CPU can run it. */
TNDEF int tn_cpu_has_path(tn_kernel_path path);
/* Use `path` from now on (TN_PATH_BEST: the best this CPU has). Fails with
   TN_ERR_ARG, and changes nothing, for a path this build or CPU lacks. Call
   it before work starts: kernels already running keep their path. */
TNDEF tn_status tn_set_cpu_path(tn_kernel_path path);
/* A path's name ("scalar", "avx2", ...; "?" for none), and its id by name. */
TNDEF const char *tn_path_name(tn_kernel_path path);
TNDEF tn_status tn_path_from_name(const char *name, tn_kernel_path *out);
/* The CPU features the dispatcher saw, e.g. "avx2 fma f16c avx512f ...". */
TNDEF const char *tn_cpu_features(void);

/* The raw kernel (no autograd; the op that records itself is tn_matmul, @@AUTOGRAD).
   y = x . w^T as ggml_mul_mat: w is (K, N[, B2, B3]) of any type with a dot
   product, x is (K, M[, B2, B3]) F32 or already in w's vec_dot_type, y is F32
   (N, M[, B2, B3]). Broadcasts w over x's dims 2, 3 when they are multiples.
   F32 x is quantized per row with the reference quantizer of vec_dot_type.
   Rows of y are split over the pool's threads; results do not depend on the
   thread count. TN_TYPE_T2 results are multiplied by w->scale. */
TNDEF tn_status tn_mul_mat(tn_tensor *y, const tn_tensor *w, const tn_tensor *x, tn_pool *pool);
/* C (M x N) = A (M x K) . B (N x K)^T for row-major f32 matrices with row
   strides lda, ldb, ldc (in floats): the blocked, packed GEMM used in
   training (AVX-512 / AVX2 micro-kernels), threads over the pool, results
   independent of the thread count. */
TNDEF tn_status tn_gemm_f32(tn_pool *pool, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda,
                            const float *B, int64_t ldb, float *C, int64_t ldc);
/* The same with the scalar reference dot products (for tests and benchmarks). */
TNDEF tn_status tn_mul_mat_ref(tn_tensor *y, const tn_tensor *w, const tn_tensor *x, tn_pool *pool);

/* -- quantized linear layers for inference (the seeds' QuantizedLinear) --
   y = x W^T + b with W (out x in) stored in any weight format (F32, F16, BF16,
   every ggml quant format tn_quantize_row makes, TQ1_0/TQ2_0, and T2: one
   absmean scale for the whole matrix). Rows are padded with zeros to the
   format's block inside; in, out and every figure below are the real shapes.
   Activations: by default each row is quantized to the format's vec_dot type
   (Q8_0, Q8_1 or Q8_K) as ggml and llama.cpp do; TN_QLINEAR_WEIGHT_ONLY keeps
   them f32 (each weight row dequantized and dotted in f32; T2 through
   tn_ternary_matmul_f32), so the output error is the weights' alone. */
#define TN_QLINEAR_WEIGHT_ONLY 1u
typedef struct tn_qlinear {
    tn_type type;
    int64_t in, out;          /* the real shapes */
    int64_t in_pad;           /* stored row width: in rounded up to the format's block */
    unsigned flags;
    void *w;                  /* out rows of tn_row_size(type, in_pad) bytes */
    float *bias;              /* out values, or NULL */
    float scale;              /* T2: the matrix's absmean scale */
    void *scratch;            /* internal (padded activations, dequantized rows) */
    size_t scratch_size;
} tn_qlinear;
/* from a float layer's parameters: w (out rows of in values), bias (out, or NULL) */
TNDEF tn_status tn_qlinear_init(tn_qlinear *q, tn_type type, const float *w, const float *bias, int64_t in, int64_t out, unsigned flags);
TNDEF void tn_qlinear_free(tn_qlinear *q);
/* y (batch rows of out) from x (batch rows of in); pool may be NULL */
TNDEF tn_status tn_qlinear_forward(tn_qlinear *q, const float *x, int64_t batch, float *y, tn_pool *pool);
/* back to f32: out rows of in values (the padding dropped) */
TNDEF tn_status tn_qlinear_dequantize(const tn_qlinear *q, float *w);
TNDEF size_t tn_qlinear_nbytes(const tn_qlinear *q);           /* stored bytes: weight rows (padded) + f32 bias */
TNDEF double tn_qlinear_bits_per_weight(const tn_qlinear *q);  /* weight bits over the in x out real weights */
TNDEF double tn_qlinear_compression(const tn_qlinear *q);      /* f32 bytes (weights + bias) / stored bytes */


/* ==== @@AUTOGRAD  graph, backward, differentiable ops ==== */
/*
   Ops compute eagerly (like PyTorch) into new contiguous f32 tensors in the
   given context, and record themselves when an input carries TN_FLAG_GRAD
   (set by tn_set_param) and the context records gradients. The record (the
   "tape") lives in the context: tn_ctx_rewind / tn_ctx_reset free the graph,
   so a training loop builds the graph in a scratch context and rewinds it
   each step; parameters live in a context of their own. A whole graph must be
   built in one context.

   tn_backward(ctx, loss) seeds d loss / d loss = 1 and walks the tape newest
   first: every op adds (never overwrites) into the .grad of its inputs, so
   gradients accumulate over calls until tn_zero_grad. Gradients of
   intermediate tensors are allocated in ctx; those of parameters are their
   own (allocated by tn_set_param).

   Errors: an op returns NULL and sets tn_last_error. An op given a NULL input
   returns NULL without touching the message, so a chain of ops can be checked
   once at its end.

   Shapes follow ggml: ne[0] is the fastest dim ("features"), rows are
   ne[1..3]. "Along dim 0" ops (softmax, norms) work on each row.
   Broadcasting: each dim of each input is the output's or 1.
*/
TNDEF void tn_ctx_set_grad_enabled(tn_ctx *ctx, int enabled); /* no-grad mode: 0 */
TNDEF int tn_ctx_grad_enabled(const tn_ctx *ctx);
TNDEF void tn_ctx_set_pool(tn_ctx *ctx, tn_pool *pool);       /* threads for matmul */
/* an observer called by every BitLinear forward in ctx with the layer and the
   f32 rows (l->in values each, contiguous) it is about to quantize (after
   the layer's own norm), as
   llama.cpp's cb_eval shows the tensors of a graph: for debugging and
   comparisons (e.g. how close each activation lies to a rounding tie).
   NULL turns it off. The layer type is declared below. */
struct tn_bitlinear;
typedef void (*tn_bitlinear_observer)(const struct tn_bitlinear *l, const float *x, int64_t rows, void *user);
TNDEF void tn_ctx_set_observer(tn_ctx *ctx, tn_bitlinear_observer fn, void *user);
/* Make t (f32) a trainable parameter: gradients flow to it; t->grad is
   allocated in ctx (zeroed). */
TNDEF tn_status tn_set_param(tn_ctx *ctx, tn_tensor *t);
TNDEF void tn_zero_grad(tn_tensor *t);
/* Back-propagate from a one-element loss built in ctx. */
TNDEF tn_status tn_backward(tn_ctx *ctx, tn_tensor *loss);
/* A copy that no gradient flows through. */
TNDEF tn_tensor *tn_detach(tn_ctx *ctx, tn_tensor *x);
/* An f32 tensor from data (copied). */
TNDEF tn_tensor *tn_from_data(tn_ctx *ctx, int n_dims, const int64_t *ne, const float *data);

/* elementwise, broadcasting */
TNDEF tn_tensor *tn_add(tn_ctx *ctx, tn_tensor *a, tn_tensor *b);   /* a + b */
TNDEF tn_tensor *tn_sub(tn_ctx *ctx, tn_tensor *a, tn_tensor *b);   /* a - b */
TNDEF tn_tensor *tn_mul(tn_ctx *ctx, tn_tensor *a, tn_tensor *b);   /* a * b */
TNDEF tn_tensor *tn_div(tn_ctx *ctx, tn_tensor *a, tn_tensor *b);   /* a / b */
TNDEF tn_tensor *tn_scale(tn_ctx *ctx, tn_tensor *x, float s);      /* s * x */
TNDEF tn_tensor *tn_add_scalar(tn_ctx *ctx, tn_tensor *x, float c); /* x + c */
TNDEF tn_tensor *tn_neg(tn_ctx *ctx, tn_tensor *x);                 /* -x */
TNDEF tn_tensor *tn_exp(tn_ctx *ctx, tn_tensor *x);                 /* e^x */
TNDEF tn_tensor *tn_log(tn_ctx *ctx, tn_tensor *x);                 /* ln x */
TNDEF tn_tensor *tn_sqrt(tn_ctx *ctx, tn_tensor *x);                /* sqrt x */
TNDEF tn_tensor *tn_pow(tn_ctx *ctx, tn_tensor *x, float p);        /* x^p (x > 0 unless p is an integer) */
/* activations */
TNDEF tn_tensor *tn_relu(tn_ctx *ctx, tn_tensor *x);                /* max(x, 0) */
TNDEF tn_tensor *tn_relu2(tn_ctx *ctx, tn_tensor *x);               /* max(x, 0)^2 */
TNDEF tn_tensor *tn_gelu(tn_ctx *ctx, tn_tensor *x);                /* x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) */
TNDEF tn_tensor *tn_gelu_erf(tn_ctx *ctx, tn_tensor *x);            /* x/2 (1 + erf(x / sqrt 2)) */
TNDEF tn_tensor *tn_silu(tn_ctx *ctx, tn_tensor *x);                /* x sigmoid(x) */
TNDEF tn_tensor *tn_sigmoid(tn_ctx *ctx, tn_tensor *x);             /* 1 / (1 + e^-x) */
TNDEF tn_tensor *tn_tanh(tn_ctx *ctx, tn_tensor *x);                /* tanh x */
TNDEF tn_tensor *tn_swiglu(tn_ctx *ctx, tn_tensor *gate, tn_tensor *up); /* silu(gate) * up */
/* reductions */
TNDEF tn_tensor *tn_sum(tn_ctx *ctx, tn_tensor *x);                 /* sum of all: 1 element */
TNDEF tn_tensor *tn_mean(tn_ctx *ctx, tn_tensor *x);                /* mean of all: 1 element */
TNDEF tn_tensor *tn_sum_axis(tn_ctx *ctx, tn_tensor *x, int dim);   /* sum along dim (kept as size 1) */
TNDEF tn_tensor *tn_mean_axis(tn_ctx *ctx, tn_tensor *x, int dim);  /* mean along dim (kept as size 1) */
TNDEF tn_tensor *tn_max_axis(tn_ctx *ctx, tn_tensor *x, int dim);   /* max along dim; gradient to the first max */
/* products */
/* y = x . w^T (ggml mul_mat): w (K, N, B2, B3), x (K, M, b2, b3) -> y (N, M, b2, b3);
   w broadcasts over x's batch dims. Batched matmul with transposes: pass
   tn_transpose views (gradients flow through views). w may be any quantized
   type for inference (no gradient to it then).
   tn_matmul vs tn_mul_mat: the same product. tn_matmul is the autograd op:
   it allocates y in ctx and records itself for tn_backward. tn_mul_mat
   (@@KERNELS, ggml's name) is the raw kernel: it writes a y you allocated,
   records nothing, and is what tn_matmul calls. */
TNDEF tn_tensor *tn_matmul(tn_ctx *ctx, tn_tensor *w, tn_tensor *x);
TNDEF tn_tensor *tn_linear(tn_ctx *ctx, tn_tensor *x, tn_tensor *w, tn_tensor *b); /* x . w^T + b (b may be NULL) */
/* shapes: tn_reshape, tn_permute, tn_transpose, tn_slice and tn_view (see
   @@TENSOR) are differentiable when their source is (a view of) a tracked
   tensor; tn_cont too. */
TNDEF tn_tensor *tn_concat(tn_ctx *ctx, tn_tensor *a, tn_tensor *b, int dim);
/* rows of table (D, V) picked by ids (I32 tensor, any shape up to 3-D):
   y (D, ids...); backward scatter-adds. TN_ERR_ARG if an id is outside 0..V-1. */
TNDEF tn_tensor *tn_get_rows(tn_ctx *ctx, tn_tensor *table, const tn_tensor *ids);
/* along dim 0 */
TNDEF tn_tensor *tn_softmax(tn_ctx *ctx, tn_tensor *x);             /* e^x / sum e^x */
TNDEF tn_tensor *tn_log_softmax(tn_ctx *ctx, tn_tensor *x);         /* x - log sum e^x */
TNDEF tn_tensor *tn_rms_norm(tn_ctx *ctx, tn_tensor *x, float eps); /* x / sqrt(mean x^2 + eps) */
TNDEF tn_tensor *tn_layer_norm(tn_ctx *ctx, tn_tensor *x, float eps); /* (x - mean) / sqrt(var + eps) */
/* y = x * mask / (1 - p) with mask ~ Bernoulli(1 - p) from rng; identity when
   p == 0 or the context records no gradients (inference). */
TNDEF tn_tensor *tn_dropout(tn_ctx *ctx, tn_tensor *x, float p, tn_rng *rng);
/* rotary embedding of x (head_dim, n_head, T, B): pairs (2i, 2i+1) of position
   t = pos0 + index in dim 2 rotate by t * theta^(-2i/head_dim). */
TNDEF tn_tensor *tn_rope(tn_ctx *ctx, tn_tensor *x, int64_t pos0, float theta);
/* x (Tk, Tq, ...): entries with k > q + n_past become -inf (causal mask) */
TNDEF tn_tensor *tn_diag_mask_inf(tn_ctx *ctx, tn_tensor *x, int64_t n_past);
/* causal scaled dot-product attention: q, k, v (head_dim, n_head, T, B) ->
   (head_dim, n_head, T, B); softmax(q k^T / sqrt(head_dim) + causal mask) v */
TNDEF tn_tensor *tn_attention(tn_ctx *ctx, tn_tensor *q, tn_tensor *k, tn_tensor *v, int causal);
/* losses: one-element results */
/* mean over rows of -log softmax(logits)[target]; logits (C, rows...),
   targets I32 with one entry per row; rows whose target == ignore_index
   are skipped (mean over the rest). */
TNDEF tn_tensor *tn_cross_entropy(tn_ctx *ctx, tn_tensor *logits, const tn_tensor *targets, int32_t ignore_index);
/* (1/N) sum_i w_i [softplus(z_i) - y_i z_i]: binary cross-entropy on logits
   z with labels y clamped to [0, 1] and explicit per-example weights w (all
   f32, N elements each; labels and weights get no gradient). */
TNDEF tn_tensor *tn_bce_logits(tn_ctx *ctx, tn_tensor *logits, const tn_tensor *labels, const tn_tensor *weights);
/* the same on probabilities p in [0, 1] (after a sigmoid; PyTorch's BCELoss):
   -(1/N) sum_i w_i [y_i log p_i + (1 - y_i) log(1 - p_i)], each log clamped to
   >= -100, the gradient w_i (p_i - y_i) / max(p_i (1 - p_i), 1e-12) / N. A p
   outside [0, 1] (or NaN) is an error naming it. tn_bce_logits is the stabler
   form when the logits are at hand. */
TNDEF tn_tensor *tn_bce(tn_ctx *ctx, tn_tensor *probs, const tn_tensor *labels, const tn_tensor *weights);
TNDEF tn_tensor *tn_mse(tn_ctx *ctx, tn_tensor *a, tn_tensor *b); /* mean (a - b)^2 */

/* ==== @@QAT  straight-through fake quantization, BitLinear, layers ==== */

/* Straight-through estimators: the forward applies a quantizer, the backward
   is exactly the identity (no clipping mask, as BitNet b1.58 trains). */
typedef void (*tn_quantizer_fn)(float *y, const float *x, int64_t n, void *user); /* y = q(x) */
TNDEF tn_tensor *tn_ste(tn_ctx *ctx, tn_tensor *x, tn_quantizer_fn q, void *user); /* q over all of x */
/* t * s with s = max(mean|x|, 1e-5) over the whole tensor (BitNet weights) */
TNDEF tn_tensor *tn_ste_ternary(tn_ctx *ctx, tn_tensor *w);
/* per row (dim 0): q / s with s = 127 / max|row|, q = clamp(round(x s), -128, 127) */
TNDEF tn_tensor *tn_ste_act_i8(tn_ctx *ctx, tn_tensor *x);
/* fake quantization with the caller's scale and code range (the seeds' ste_forward):
   y = clamp(round(x / scale), lo, hi) * scale, rounding half away from zero, the
   gradient passed through unchanged; scale finite and > 0, lo <= hi. The _ternary
   form is the range [-1, 1] (scale: typically absmean), _int8 [-127, 127] (absmax / 127). */
TNDEF tn_tensor *tn_ste_range(tn_ctx *ctx, tn_tensor *x, float scale, float lo, float hi);
TNDEF tn_tensor *tn_ste_ternary_scaled(tn_ctx *ctx, tn_tensor *x, float scale);
TNDEF tn_tensor *tn_ste_int8_scaled(tn_ctx *ctx, tn_tensor *x, float scale);


/* -- parameters, walked by name by optimizers and serializers -- */
typedef struct tn_param_entry {
    char name[TN_MAX_NAME];
    tn_tensor *t;
    int no_decay;             /* norms, biases, embeddings: no weight decay by default */
} tn_param_entry;
typedef struct tn_params {
    tn_param_entry *items;
    int n, cap;
    int64_t *idx, icap;       /* name index, kept by tn_params_add */
} tn_params;
TNDEF void tn_params_init(tn_params *p);
TNDEF void tn_params_deinit(tn_params *p);
/* register t (made a parameter in ctx) under a unique name (<= 63 bytes) */
TNDEF tn_status tn_params_add(tn_params *p, tn_ctx *ctx, tn_tensor *t, const char *name, int no_decay);
TNDEF tn_tensor *tn_params_find(const tn_params *p, const char *name);
TNDEF void tn_params_zero_grad(tn_params *p);
TNDEF int64_t tn_params_count(const tn_params *p); /* number of scalars */

/* -- layers: caller-owned structs, parameters in a context of their own -- */
#define TN_LAYER_BIAS 1       /* add a bias */
#define TN_LAYER_NORM 2       /* RMSNorm the input (with a learned gain) first */
#define TN_LAYER_FLOAT 4      /* a plain Linear: no quantization at all */
#define TN_LAYER_ACT_BLOCK 8  /* int8 activations per 256-value block, by ggml's Q8_K rule (llama.cpp's
                                 arithmetic for TQ1_0/TQ2_0 weights), instead of BitNet's one scale per token */

/* BitLinear (BitNet b1.58): y = Wq(w) . Aq(norm(x)) + b, with Wq the absmean
   ternary STE of the latent f32 weights w (out rows of in) and Aq the
   per-token int8 STE (or, with TN_LAYER_ACT_BLOCK, one scale per 256 values of
   each token as llama.cpp's Q8_K: q = min(127, round_even(x * -127/m)) with m
   the block's first value of largest magnitude, value q / (-127/m); the
   training product then runs as the float GEMM of the two STE tensors). Training mode fake-quantizes (with AVX-512 the forward
   product runs in integers: (sum t q) * (s_w / s_x), exact, so the same bits
   for any thread count and within float rounding of tn_matmul of the two STE
   tensors; the gradients are that matmul's); after tn_bitlinear_pack
   the layer runs packed ternary weights (TQ2_0, TQ1_0 or T2, rows padded
   with zeros to a multiple of 256) and int8 activations through the integer
   kernels. With TN_LAYER_FLOAT it is an ordinary Linear layer. */
struct tn_bitlinear {
    int64_t in, out;
    int flags;
    tn_tensor *w;             /* (in, out) latent weights */
    tn_tensor *b;             /* (out) or NULL */
    tn_tensor *norm;          /* (in) RMSNorm gain or NULL */
    tn_tensor *wq;            /* packed weights (in_pad, out) in inference mode, else NULL */
    int64_t in_pad;
};
typedef struct tn_bitlinear tn_bitlinear;
/* w and b ~ U(-1/sqrt(in), 1/sqrt(in)) as PyTorch's Linear; RMSNorm gain 1 */
TNDEF tn_status tn_bitlinear_init(tn_bitlinear *l, tn_ctx *pctx, tn_params *params, const char *name,
                                  int64_t in, int64_t out, int flags, tn_rng *rng);
/* x (in, M, ...) -> (out, M, ...) */
TNDEF tn_tensor *tn_bitlinear_forward(tn_ctx *ctx, tn_bitlinear *l, tn_tensor *x);
/* inference mode: pack the ternarized weights into `type` (tn_type TQ2_0, TQ1_0 or T2), memory from ctx */
TNDEF tn_status tn_bitlinear_pack(tn_bitlinear *l, tn_ctx *ctx, tn_type type);
TNDEF void tn_bitlinear_unpack(tn_bitlinear *l); /* back to training mode */

typedef enum tn_norm_kind { TN_NORM_RMS = 0, TN_NORM_LAYER = 1 } tn_norm_kind;
typedef struct tn_norm_layer { tn_norm_kind kind; float eps; tn_tensor *g, *b; } tn_norm_layer;
/* gain 1 (and bias 0 for LayerNorm), both no_decay */
TNDEF tn_status tn_norm_layer_init(tn_norm_layer *l, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, tn_norm_kind kind, float eps);
TNDEF tn_tensor *tn_norm_layer_forward(tn_ctx *ctx, tn_norm_layer *l, tn_tensor *x);

typedef struct tn_embedding { tn_tensor *w; } tn_embedding; /* (d, vocab) */
TNDEF tn_status tn_embedding_init(tn_embedding *e, tn_ctx *pctx, tn_params *params, const char *name, int64_t vocab, int64_t d, float std, tn_rng *rng);
TNDEF tn_tensor *tn_embedding_forward(tn_ctx *ctx, tn_embedding *e, const tn_tensor *ids);

typedef enum tn_mlp_kind { TN_MLP_GELU = 0, TN_MLP_RELU = 1, TN_MLP_RELU2 = 2, TN_MLP_SWIGLU = 3 } tn_mlp_kind;
/* down(act(up(x))), or down(silu(gate(x)) * up(x)) for SwiGLU */
typedef struct tn_mlp { tn_mlp_kind kind; tn_bitlinear up, gate, down; } tn_mlp;
TNDEF tn_status tn_mlp_init(tn_mlp *m, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, int64_t hidden,
                            tn_mlp_kind kind, int layer_flags, tn_rng *rng);
TNDEF tn_tensor *tn_mlp_forward(tn_ctx *ctx, tn_mlp *m, tn_tensor *x);

/* causal multi-head self-attention with RoPE on q and k: x (d, T, B) -> (d, T, B) */
typedef struct tn_self_attn { int64_t d, n_head; float rope_theta; tn_bitlinear wq, wk, wv, wo; } tn_self_attn;
TNDEF tn_status tn_self_attn_init(tn_self_attn *a, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, int64_t n_head,
                                  float rope_theta, int layer_flags, tn_rng *rng);
TNDEF tn_tensor *tn_self_attn_forward(tn_ctx *ctx, tn_self_attn *a, tn_tensor *x);

/* pre-norm transformer block: x += attn(norm1(x)); x += mlp(norm2(x)) */
typedef struct tn_block { tn_norm_layer norm1, norm2; tn_self_attn attn; tn_mlp mlp; } tn_block;

typedef struct tn_transformer_config {
    int64_t vocab, d_model, n_head, n_layer, d_ff, ctx_len;
    tn_mlp_kind mlp;
    tn_norm_kind norm;
    int layer_flags;          /* for the projections in the blocks: 0 = BitLinear, TN_LAYER_FLOAT, | TN_LAYER_BIAS */
    float rope_theta, norm_eps, init_std;
} tn_transformer_config;
/* byte-level defaults: vocab 256, d 128, 4 heads, 2 layers, ff 512, ctx 64, ReLU^2, RMSNorm, BitLinear */
TNDEF tn_transformer_config tn_transformer_config_default(void);

/* decoder-only: token embedding (f32), blocks, final norm, f32 output head */
typedef struct tn_transformer {
    tn_transformer_config cfg;
    tn_embedding tok;
    tn_block *blocks;
    tn_norm_layer norm_f;
    tn_bitlinear head;
    tn_params params;         /* every parameter by name: "tok.w", "blk.0.attn.wq.w", ... */
} tn_transformer;
TNDEF tn_status tn_transformer_init(tn_transformer *m, tn_ctx *pctx, const tn_transformer_config *cfg, uint64_t seed);
TNDEF void tn_transformer_deinit(tn_transformer *m);
/* ids (T, B) i32 -> logits (vocab, T, B) */
TNDEF tn_tensor *tn_transformer_forward(tn_ctx *ctx, tn_transformer *m, const tn_tensor *ids);
/* mean cross-entropy of next-token targets (T, B) i32 (ignore_index -1) */
TNDEF tn_tensor *tn_transformer_loss(tn_ctx *ctx, tn_transformer *m, const tn_tensor *ids, const tn_tensor *targets);
/* pack every BitLinear of the blocks (inference mode) */
TNDEF tn_status tn_transformer_pack(tn_transformer *m, tn_ctx *ctx, tn_type type);


/* ==== @@IO  GGUF v3 read / write ==== */
/*
   A tn_gguf holds the metadata (key/value pairs) and tensor table of a GGUF
   file. Reading validates every count, length, type, dimension product and
   offset against the real size before use (a hostile file gets TN_ERR_FORMAT
   and a message, never a crash). Writing produces what ggml's gguf writer
   produces: v3, little-endian, tensors in order, densely packed, each padded
   to the alignment (general.alignment or 32), the file padded at the end.
   Tensor data added for writing is referenced, not copied: keep it alive
   until the write. Writes go to a temporary file that is fsync'ed and
   renamed over the target, so a crash never leaves half a file.
*/
typedef enum tn_gguf_type {
    TN_GGUF_UINT8 = 0, TN_GGUF_INT8 = 1, TN_GGUF_UINT16 = 2, TN_GGUF_INT16 = 3, TN_GGUF_UINT32 = 4,
    TN_GGUF_INT32 = 5, TN_GGUF_FLOAT32 = 6, TN_GGUF_BOOL = 7, TN_GGUF_STRING = 8, TN_GGUF_ARRAY = 9,
    TN_GGUF_UINT64 = 10, TN_GGUF_INT64 = 11, TN_GGUF_FLOAT64 = 12, TN_GGUF_TYPE_COUNT = 13
} tn_gguf_type;

typedef struct tn_gguf tn_gguf;
typedef struct tn_gguf_tensor {
    char name[TN_MAX_NAME];
    tn_type type;
    int n_dims;
    int64_t ne[TN_MAX_DIMS];
    uint64_t offset;          /* relative to the data section */
    size_t nbytes;
    const void *data;         /* the bytes (in the file image when read) */
} tn_gguf_tensor;

TNDEF tn_gguf *tn_gguf_new(void);              /* empty, for writing; NULL on failure */
TNDEF void tn_gguf_free(tn_gguf *g);
/* use_mmap: map the file instead of reading it (POSIX; falls back to reading).
   A mapped file that another process truncates while it is mapped raises
   SIGBUS on the next access to the lost pages (POSIX gives a reader no error
   to return): use 0 for files others may change, and for untrusted ones. */
TNDEF tn_status tn_gguf_read_file(const char *path, int use_mmap, tn_gguf **out);
/* parse a GGUF image in memory (copied, so data may go away after) */
TNDEF tn_status tn_gguf_read_memory(const void *data, size_t size, tn_gguf **out);
TNDEF tn_status tn_gguf_write_file(const tn_gguf *g, const char *path);
/* the file image in a buffer the caller frees with tn_free */
TNDEF tn_status tn_gguf_write_memory(const tn_gguf *g, void **data, size_t *size);
TNDEF void tn_free(void *p);                   /* memory the library handed out */

TNDEF uint32_t tn_gguf_version(const tn_gguf *g);
TNDEF size_t tn_gguf_alignment(const tn_gguf *g);
TNDEF size_t tn_gguf_data_offset(const tn_gguf *g); /* of the last file read or written */

/* key/value pairs, in file order */
TNDEF int64_t tn_gguf_n_kv(const tn_gguf *g);
TNDEF int64_t tn_gguf_find_key(const tn_gguf *g, const char *key); /* -1 if absent */
TNDEF const char *tn_gguf_key(const tn_gguf *g, int64_t i);
TNDEF tn_gguf_type tn_gguf_kv_type(const tn_gguf *g, int64_t i);
TNDEF tn_gguf_type tn_gguf_arr_type(const tn_gguf *g, int64_t i);  /* element type of an array */
TNDEF uint64_t tn_gguf_arr_n(const tn_gguf *g, int64_t i);
TNDEF const void *tn_gguf_arr_data(const tn_gguf *g, int64_t i);   /* numeric/bool array elements, packed LE */
TNDEF const char *tn_gguf_arr_str(const tn_gguf *g, int64_t i, uint64_t j, uint64_t *len); /* not NUL-terminated */
/* scalar value of kv i: TN_ERR_TYPE unless the stored type is exactly that */
TNDEF tn_status tn_gguf_get_u8(const tn_gguf *g, int64_t i, uint8_t *v);
TNDEF tn_status tn_gguf_get_i8(const tn_gguf *g, int64_t i, int8_t *v);
TNDEF tn_status tn_gguf_get_u16(const tn_gguf *g, int64_t i, uint16_t *v);
TNDEF tn_status tn_gguf_get_i16(const tn_gguf *g, int64_t i, int16_t *v);
TNDEF tn_status tn_gguf_get_u32(const tn_gguf *g, int64_t i, uint32_t *v);
TNDEF tn_status tn_gguf_get_i32(const tn_gguf *g, int64_t i, int32_t *v);
TNDEF tn_status tn_gguf_get_f32(const tn_gguf *g, int64_t i, float *v);
TNDEF tn_status tn_gguf_get_u64(const tn_gguf *g, int64_t i, uint64_t *v);
TNDEF tn_status tn_gguf_get_i64(const tn_gguf *g, int64_t i, int64_t *v);
TNDEF tn_status tn_gguf_get_f64(const tn_gguf *g, int64_t i, double *v);
TNDEF tn_status tn_gguf_get_bool(const tn_gguf *g, int64_t i, int *v);
TNDEF tn_status tn_gguf_get_str(const tn_gguf *g, int64_t i, const char **s, uint64_t *len);
/* setters replace a key of the same name (keeping its position) or append */
TNDEF tn_status tn_gguf_set_u8(tn_gguf *g, const char *key, uint8_t v);
TNDEF tn_status tn_gguf_set_i8(tn_gguf *g, const char *key, int8_t v);
TNDEF tn_status tn_gguf_set_u16(tn_gguf *g, const char *key, uint16_t v);
TNDEF tn_status tn_gguf_set_i16(tn_gguf *g, const char *key, int16_t v);
TNDEF tn_status tn_gguf_set_u32(tn_gguf *g, const char *key, uint32_t v);
TNDEF tn_status tn_gguf_set_i32(tn_gguf *g, const char *key, int32_t v);
TNDEF tn_status tn_gguf_set_f32(tn_gguf *g, const char *key, float v);
TNDEF tn_status tn_gguf_set_u64(tn_gguf *g, const char *key, uint64_t v);
TNDEF tn_status tn_gguf_set_i64(tn_gguf *g, const char *key, int64_t v);
TNDEF tn_status tn_gguf_set_f64(tn_gguf *g, const char *key, double v);
TNDEF tn_status tn_gguf_set_bool(tn_gguf *g, const char *key, int v);
TNDEF tn_status tn_gguf_set_str(tn_gguf *g, const char *key, const char *s);
/* numeric or bool array of n elements (data packed LE in the element's size) */
TNDEF tn_status tn_gguf_set_arr(tn_gguf *g, const char *key, tn_gguf_type elem, const void *data, uint64_t n);
TNDEF tn_status tn_gguf_set_arr_str(tn_gguf *g, const char *key, const char *const *strs, uint64_t n);
/* copy kv i of src into g */
TNDEF tn_status tn_gguf_copy_kv(tn_gguf *g, const tn_gguf *src, int64_t i);
TNDEF tn_status tn_gguf_remove_key(tn_gguf *g, const char *key);

/* tensors */
TNDEF int64_t tn_gguf_n_tensors(const tn_gguf *g);
TNDEF int64_t tn_gguf_find_tensor(const tn_gguf *g, const char *name); /* -1 if absent */
TNDEF tn_status tn_gguf_get_tensor(const tn_gguf *g, int64_t i, tn_gguf_tensor *out);
/* name <= 63 bytes, unique; ne[0] whole blocks; data referenced until written */
TNDEF tn_status tn_gguf_add_tensor(tn_gguf *g, const char *name, tn_type type, int n_dims, const int64_t *ne, const void *data);
/* add a (contiguous) tensor under its own name or `name` if not NULL */
TNDEF tn_status tn_gguf_add(tn_gguf *g, const tn_tensor *t, const char *name);
/* a copy of tensor `name` as a new tensor in ctx (NULL if absent or on error) */
TNDEF tn_tensor *tn_gguf_load_tensor(tn_ctx *ctx, const tn_gguf *g, const char *name);


/* ==== @@OPTIM  optimizers, schedules, clipping, metrics, CSV logs ==== */

typedef enum tn_optim_kind { TN_OPTIM_SGD = 0, TN_OPTIM_ADAM = 1, TN_OPTIM_ADAMW = 2, TN_OPTIM_LION = 3 } tn_optim_kind;
typedef struct tn_optim_config {
    tn_optim_kind kind;
    float lr;                 /* used when tn_optim_step gets lr < 0 */
    float beta1, beta2, eps;  /* Adam/AdamW/Lion */
    float weight_decay;       /* SGD/Adam: L2 added to the gradient; AdamW/Lion: decoupled */
    float momentum;           /* SGD */
    int nesterov;             /* SGD */
    int decay_all;            /* 0: parameters marked no_decay (norms, biases, embeddings) get none */
} tn_optim_config;
/* PyTorch's defaults: SGD lr 1e-2; Adam lr 1e-3, betas 0.9/0.999, eps 1e-8;
   AdamW the same with weight decay 0.01; Lion lr 1e-4, betas 0.9/0.99 */
TNDEF tn_optim_config tn_optim_config_default(tn_optim_kind kind);

typedef struct tn_optim {
    tn_optim_config cfg;
    tn_params *params;
    int64_t n;                /* scalars in all parameters */
    float *m, *v;             /* state, params in order (v is NULL for SGD and Lion) */
    int64_t t;                /* steps taken */
} tn_optim;
TNDEF tn_status tn_optim_init(tn_optim *o, tn_params *params, const tn_optim_config *cfg);
TNDEF void tn_optim_deinit(tn_optim *o);
/* one update of every parameter from its .grad; lr < 0 takes cfg.lr,
   wd < 0 takes cfg.weight_decay (schedules pass both). A gradient that is not
   finite is an error naming the parameter and the element, and nothing is
   updated (neither weights nor state nor the step count). */
TNDEF tn_status tn_optim_step(tn_optim *o, float lr, float wd);
TNDEF void tn_optim_reset(tn_optim *o);       /* zero the state */

/* global L2 norm of all gradients; if max_norm > 0 and the norm exceeds it,
   scale every gradient by max_norm / norm. Returns the norm before clipping. */
TNDEF double tn_clip_grad_norm(tn_params *p, double max_norm);
/* every gradient times s: averaging micro-batches accumulated by backward
   (call with 1/k after k backward passes) */
TNDEF void tn_params_scale_grad(tn_params *p, float s);

typedef enum tn_sched_kind { TN_SCHED_CONSTANT = 0, TN_SCHED_LINEAR = 1, TN_SCHED_COSINE = 2, TN_SCHED_BITNET = 3 } tn_sched_kind;
/* learning rate and weight decay by step:
   CONSTANT lr; LINEAR lr -> lr_min; COSINE lr -> lr_min by a half cosine;
   each after `warmup` steps rising linearly from lr/warmup to lr.
   BITNET (b1.58's two stages): stage 1 (step < split*total) decays linearly
   from lr to lr*stage1_end after warmup; stage 2 starts again at lr2 and
   decays linearly to lr_min, with weight decay 0. */
typedef struct tn_schedule {
    tn_sched_kind kind;
    float lr, lr_min;
    int64_t warmup, total;
    float split, stage1_end, lr2;
} tn_schedule;
TNDEF tn_schedule tn_schedule_make(tn_sched_kind kind, float lr, int64_t warmup, int64_t total);
TNDEF float tn_schedule_lr(const tn_schedule *s, int64_t step);
TNDEF float tn_schedule_wd(const tn_schedule *s, int64_t step, float wd);

/* training metrics: EMA of the loss, trend over a window, accuracy, and for
   binary gate (allow/block) decisions the alignment rate and convergence */
#define TN_METRICS_WINDOW 100
typedef struct tn_metrics {
    int64_t steps;
    double ema_loss, ema_alpha; /* alpha 0.01 by default; the first loss seeds the EMA */
    float lr;
    float hist[TN_METRICS_WINDOW];
    int hist_n, hist_pos;
    int64_t correct, seen;
    int64_t gate_total, gate_aligned;
} tn_metrics;
TNDEF void tn_metrics_init(tn_metrics *m);
TNDEF void tn_metrics_record(tn_metrics *m, float loss, float lr);
/* mean of the last 10 losses minus the mean of the 10 before (< 0: improving; 0 until 20 steps) */
TNDEF float tn_metrics_loss_trend(const tn_metrics *m);
TNDEF void tn_metrics_record_accuracy(tn_metrics *m, int64_t correct, int64_t total);
TNDEF double tn_metrics_accuracy(const tn_metrics *m);
TNDEF void tn_metrics_record_gate(tn_metrics *m, int predicted_allow, int actual_allow);
TNDEF double tn_metrics_gate_alignment(const tn_metrics *m);
/* at least min_decisions gate decisions with alignment >= min_alignment (1000, 0.95 in the seed) */
TNDEF int tn_metrics_converged(const tn_metrics *m, int64_t min_decisions, double min_alignment);

/* a CSV training log that tools/tn-plot reads: header once, one row per call, flushed */
typedef struct tn_csv { void *f; int n_cols; } tn_csv;
/* append: keep an existing file (resumed runs) and write the header only if it is empty */
TNDEF tn_status tn_csv_open(tn_csv *c, const char *path, const char *header, int append);
TNDEF tn_status tn_csv_row(tn_csv *c, const double *values, int n);
TNDEF void tn_csv_close(tn_csv *c);

/* ==== @@IO  checkpoints ==== */
/* Everything needed to continue training bit for bit: parameters, optimizer
   state, step, RNG, data position, loss EMA and the training metrics. Stored
   as a GGUF file (so tn-inspect reads it) with a 64-bit checksum over the
   whole file; written atomically. Its tensors are named by their parameter:
   "l1.w", and the optimizer's moments "l1.w.adam_m", "l1.w.adam_v" (Adam,
   AdamW), "l1.w.momentum" (SGD), "l1.w.lion_m" (Lion); a name that would pass
   63 bytes becomes "#J.adam_m" (J: its entry in ternary.checkpoint.names).
   Loading checks the checksum, the version (1 or 2; a later one is refused),
   every field, name and shape first and changes nothing unless all of it fits. A parameter or optimizer moment that is NaN or infinite is
   refused, naming it, by save and by load (a run that diverged, caught before
   it overwrites the last good checkpoint); the _ex forms with
   TN_CHECKPOINT_NONFINITE store and load such values as they are. */
typedef struct tn_train_state {
    int64_t step, epoch;
    uint64_t data_pos;
    tn_rng rng;
    double ema_loss;
    tn_metrics metrics;       /* saved and restored whole (zeros from a version 1 file) */
} tn_train_state;
TNDEF tn_status tn_checkpoint_save(const char *path, const tn_params *p, const tn_optim *o, const tn_train_state *s);
TNDEF tn_status tn_checkpoint_load(const char *path, tn_params *p, tn_optim *o, tn_train_state *s);
TNDEF tn_status tn_checkpoint_load_memory(const void *data, size_t size, tn_params *p, tn_optim *o, tn_train_state *s);
#define TN_CHECKPOINT_NONFINITE 1u  /* flag: keep NaN/inf values instead of refusing them */
TNDEF tn_status tn_checkpoint_save_ex(const char *path, const tn_params *p, const tn_optim *o, const tn_train_state *s, unsigned flags);
TNDEF tn_status tn_checkpoint_load_ex(const char *path, tn_params *p, tn_optim *o, tn_train_state *s, unsigned flags);
/* the optimizer's state alone (its kind, step count and moments, named by
   parameter as above), into a file of the same format without the weights */
TNDEF tn_status tn_optim_save(const char *path, const tn_optim *o);
TNDEF tn_status tn_optim_load(const char *path, tn_optim *o);


/* ==== @@DIST  data-parallel training: ranks and a fixed-order gradient reduction ==== */
/* Data-parallel training over P processes (ranks) that each hold the whole
   model: the global batch is N micro-batches, rank r takes a contiguous run
   of them in rank order (tn_comm_split), and the gradients are folded in
   that global order, ((g0 + g1) + g2) + ..., so P ranks give the same bits
   as one process accumulating the same N micro-batches, for any P (and a
   run resumed with another P, the global batch unchanged, stays bit-exact).

   The fold is a pipelined chain: rank 0 sends its partial sums, bucket by
   bucket, to rank 1, which adds its micro-batches and passes them on; the
   last rank scales the sum and the result travels back down the chain. Each
   rank sends and receives about 2x the gradient bytes per step, as a ring
   all-reduce does, plus a latency of P hops. On the last micro-batch
   (tn_grad_accum_backward with last = 1) the buckets leave as the backward
   completes their parameters (last layers first), on a helper thread, so
   communication overlaps the rest of the backward, as PyTorch's DDP does.

   Transport is the caller's: tn_comm holds blocking send / recv callbacks.
   The header needs no MPI: define TERNARY_MPI with the implementation (build
   with mpicc) and tn_comm_mpi_init gives an MPI_COMM_WORLD transport; any
   other (sockets, shared memory, threads in one process) plugs in the same way. */
typedef struct tn_comm {
    int rank, size;           /* this rank, 0..size-1, and the number of ranks */
    /* n bytes to / from rank `peer`, blocking; 0 on success. Messages between two
       ranks arrive in the order they were sent. */
    int (*send)(void *user, int peer, const void *buf, size_t n);
    int (*recv)(void *user, int peer, void *buf, size_t n);
    void *user;
    int threaded;             /* 1: send / recv may be called from a helper thread (one call at a time) */
} tn_comm;
/* the micro-batches [first, first + count) of n that rank c->rank takes: contiguous,
   in rank order, the first n % size ranks one more (c NULL: all of them) */
TNDEF tn_status tn_comm_split(const tn_comm *c, int64_t n, int64_t *first, int64_t *count);
/* rank 0's n bytes to every rank */
TNDEF tn_status tn_comm_bcast(const tn_comm *c, void *buf, size_t n);
/* v summed over the ranks in rank order, the same result on every rank */
TNDEF tn_status tn_comm_sum_f64(const tn_comm *c, double *v, int n);
/* rank 0's parameters, optimizer state (o may be NULL) and train state (s may be
   NULL) copied to every rank; names and shapes must agree (checked) */
TNDEF tn_status tn_comm_sync(const tn_comm *c, tn_params *p, tn_optim *o, tn_train_state *s);
/* the number of processes an MPI launcher (mpirun, srun, hydra) started this one
   among, read from the environment; 0 when not started by one. A program built
   without MPI can refuse to run as P uncoordinated copies. */
TNDEF int tn_comm_launcher_size(void);

/* Gradient accumulation over micro-batches, on one process (c NULL) or many.
   Per micro-batch call tn_grad_accum_backward (it zeroes the gradients, runs
   the backward and keeps this micro-batch's gradients); on the last one pass
   last = 1: on return every parameter's .grad holds the sum over all
   micro-batches of all ranks in the global order (times 1/N if mean), the
   same on every rank, ready for tn_optim_step. Or run your own backward and
   call tn_grad_accum_add, then tn_grad_accum_reduce. A rank with no
   micro-batch calls tn_grad_accum_reduce alone. Memory: ranks > 0 keep a copy
   of the gradients per micro-batch but the last (they must wait for the sum
   of the ranks before them), rank 0 (or one process) a running sum; nothing
   is allocated per step once warm.
   The struct must stay where tn_grad_accum_init put it (a helper thread holds
   its address) until tn_grad_accum_deinit. */
typedef struct tn_grad_accum {
    tn_params *params;
    const tn_comm *comm;      /* NULL: one process */
    int mean;                 /* 1: the mean over micro-batches, 0: the sum */
    int64_t n;                /* gradient scalars */
    int64_t count;            /* micro-batches kept on this rank since the last reduce */
    /* results of the last reduce */
    int64_t total;            /* micro-batches over all ranks */
    double loss;              /* their mean loss (summed in the global order, in double) */
    double comm_seconds;      /* time in the reduction after the backward ended (not overlapped) */
    size_t bucket_bytes;      /* reduction unit: 256 KiB by default (set before the first step) */
    void *impl;               /* internal */
} tn_grad_accum;
TNDEF tn_status tn_grad_accum_init(tn_grad_accum *a, tn_params *p, const tn_comm *c, int mean);
TNDEF void tn_grad_accum_deinit(tn_grad_accum *a);
TNDEF tn_status tn_grad_accum_backward(tn_grad_accum *a, tn_ctx *ctx, tn_tensor *loss, int last);
TNDEF tn_status tn_grad_accum_add(tn_grad_accum *a, float loss);
TNDEF tn_status tn_grad_accum_reduce(tn_grad_accum *a);
/* tn_backward that calls done(param, user) as soon as a parameter's gradient is
   final (its oldest consumer on the tape has been back-propagated), newest
   layers first; parameters the loss does not reach are not reported */
typedef void (*tn_grad_done_fn)(tn_tensor *param, void *user);
TNDEF tn_status tn_backward_ex(tn_ctx *ctx, tn_tensor *loss, tn_grad_done_fn done, void *user);

#ifdef TERNARY_MPI
/* MPI_COMM_WORLD as a tn_comm (MPI_Init_thread if MPI is not initialized yet;
   errors return, not abort, so a rank that died is reported by the others) */
TNDEF tn_status tn_comm_mpi_init(tn_comm *c, int *argc, char ***argv);
TNDEF void tn_comm_mpi_finalize(tn_comm *c);
#endif

/* ==== @@IO  model files ==== */
/* A BitLinear as GGUF tensors named after its parameters: "<name>.w" packed
   as ternary_type (TQ2_0 or TQ1_0, rows zero-padded to a multiple of 256,
   every block scaled by fp16(absmean)), or as float_type (f32, f16, bf16,
   q8_0) for TN_LAYER_FLOAT layers; "<name>.b" and "<name>.norm" as f32.
   Padded rows carry their real width in the key "ternary.real_width.<name>.w"
   (u64; tn-inspect shows the real shape and statistics without the padding,
   and loading checks it). Converted data is owned by g until it is freed. */
TNDEF tn_status tn_gguf_add_bitlinear(tn_gguf *g, const tn_bitlinear *l, const char *name, tn_type ternary_type, tn_type float_type);
/* Fill an initialized layer of the same shape from g: packed weights go
   straight into inference mode (and w gets their float values, t*s). */
TNDEF tn_status tn_bitlinear_load_gguf(tn_bitlinear *l, tn_ctx *pctx, const tn_gguf *g, const char *name);
/* A parameter from g (any type with a decoder), converted to f32, same shape. */
TNDEF tn_status tn_param_load_gguf(tn_tensor *t, const tn_gguf *g, const char *name);

/* The whole transformer: general.architecture "ternary", hyper-parameters
   under "ternary.*", ternary projections as ternary_type, embeddings and the
   output head as float_type, norms f32. Loading rebuilds the model from the
   metadata (m uninitialized) in inference mode; its outputs equal those of
   the saved model after tn_transformer_pack(m, ctx, ternary_type) bit for bit
   when float_type is f32. */
TNDEF tn_status tn_transformer_save_gguf(const tn_transformer *m, const char *path, tn_type ternary_type, tn_type float_type);
TNDEF tn_status tn_transformer_load_gguf(tn_transformer *m, tn_ctx *pctx, const char *path);
/* the same from a GGUF already read (its tensor data is copied) */
TNDEF tn_status tn_transformer_from_gguf(tn_transformer *m, tn_ctx *pctx, const tn_gguf *g);

/* llama.cpp export. The model as llama.cpp's own architectures write it:
   "arcee" for ReLU^2 (down(relu(up x)^2)), "llama" for SwiGLU, llama.cpp's
   tensor names (token_embd, blk.N.attn_q, ..., output) and "<arch>.*" keys,
   unpadded shapes, the ternary projections as ternary_type (TQ2_0 or TQ1_0,
   every block d = fp16(absmean)), the embedding, the head and float
   projections as float_type (F32 by default: llama.cpp then computes them in
   float, as ternary.h does; F16, BF16 and Q8_0 are accepted but not exact),
   norms F32, and the 256-byte vocabulary as an "rwkv" tokenizer (token i =
   byte i, no BOS/EOS). tn_transformer_load_gguf reads these files back (the
   same logits, bit for bit). llama.cpp quantizes a TQ layer's activations per
   256 values (Q8_K); with TN_LAYER_ACT_BLOCK in cfg.layer_flags, or with every
   ternary input 256 wide, ternary.h's arithmetic is the same. Refused, with a
   message naming the setting: LayerNorm, GELU/ReLU MLPs, biases, the
   TN_LAYER_NORM input norm, a vocabulary other than 256 bytes, no RoPE, and
   ternary widths (d_model, d_ff) that are not multiples of 256. */
TNDEF tn_status tn_transformer_save_llamacpp(const tn_transformer *m, const char *path, tn_type ternary_type, tn_type float_type);
/* TN_OK when cfg can be exported for llama.cpp; note (if not NULL) gets ""
   when llama.cpp's arithmetic is ternary.h's, else where it differs (per-token
   activations over ternary inputs wider than 256). Otherwise the error and a
   message naming the setting. */
TNDEF tn_status tn_transformer_llamacpp_check(const tn_transformer_config *cfg, char *note, size_t note_size);
/* Would llama.cpp run this file? 1: yes, for the llama and arcee
   architectures (the keys llama.cpp requires, every tensor it expects with
   its shape and nothing else, a tokenizer with a token per embedding row);
   0: no, and why says what is missing or wrong; -1: an architecture
   ternary.h does not check (why names it). */
TNDEF int tn_gguf_llamacpp_check(const tn_gguf *g, char *why, size_t why_size);



/* ==== @@IO  whole-model quantization ==== */
/* Every parameter of a tn_params set (any model, not only the built-in layers)
   in one format, with a keep-float rule; a size summary; saved as GGUF (real
   shapes, ggml's bytes) and loaded back, to run quantized (tn_qlinear_from_model)
   or dequantized into a float model (tn_quant_model_to_params). A matrix whose
   rows are not whole blocks of the format falls back, as llama-quantize does:
   Q8_0 when its rows are whole blocks of 32, else F16 (named in `why`). */
typedef struct tn_quant_rule {
    tn_type type;             /* the format for the matrices */
    tn_type keep_type;        /* what kept tensors are stored as: F32 (default) or F16 */
    int keep_1d;              /* 1 (default): 1-D tensors (norm gains, biases, scales) are kept */
    int64_t min_elements;     /* tensors of fewer values are kept (default 0) */
} tn_quant_rule;
TNDEF tn_quant_rule tn_quant_rule_default(tn_type type);
typedef struct tn_quant_tensor {
    char name[TN_MAX_NAME];
    tn_type type;             /* as stored: the rule's type, a fallback, or keep_type */
    int n_dims;
    int64_t ne[TN_MAX_DIMS];
    void *data;               /* owned */
    size_t nbytes, f32_bytes;
    double rmse, max_err;     /* of the stored values against the originals (0 when loaded from a file) */
    char why[48];             /* "" for the rule's type, else why not ("kept: 1-D", "fallback: rows of 100") */
} tn_quant_tensor;
typedef struct tn_quant_model {
    tn_quant_tensor *t;
    int n;
    tn_type type;             /* the rule's type */
    size_t f32_bytes, bytes;  /* totals */
} tn_quant_model;
/* (from_params and load fill *m afresh: free a model held there first) */
TNDEF tn_status tn_quant_model_from_params(tn_quant_model *m, const tn_params *p, const tn_quant_rule *rule);
TNDEF void tn_quant_model_free(tn_quant_model *m);
TNDEF int tn_quant_model_find(const tn_quant_model *m, const char *name); /* index or -1 */
/* one line per tensor (name, shape, type, bytes before / after, ratio, bits per
   weight, rmse) and a total, into buf (always NUL-terminated); returns the length
   the whole summary needs, as snprintf does */
TNDEF size_t tn_quant_model_summary(const tn_quant_model *m, char *buf, size_t size);
TNDEF tn_status tn_quant_model_save(const tn_quant_model *m, const char *path);
TNDEF tn_status tn_quant_model_load(tn_quant_model *m, const char *path);
/* into a float model: every parameter of p found by name and shape (checked for all
   before any is written) and dequantized; tensors of m that p lacks are an error */
TNDEF tn_status tn_quant_model_to_params(const tn_quant_model *m, tn_params *p);
/* a quantized linear layer over tensor `weight` (ne (in, out)) and, if bias is not
   NULL, the 1-D tensor `bias` (dequantized to f32) */
TNDEF tn_status tn_qlinear_from_model(tn_qlinear *q, const tn_quant_model *m, const char *weight, const char *bias, unsigned flags);

/* ==== @@IO  safetensors import ==== */
/* .safetensors: u64 header length, a JSON header {"name": {"dtype": "F32",
   "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}, then
   the data. F32, F16 and BF16 tensors of up to 4 dims are read (tensors of
   other dtypes are size-checked and left out); the JSON is
   parsed with bounded depth and every offset, shape product and length is
   checked against the file before use. Shapes are reversed into ggml order
   (ne[0] is the last, fastest dim). */
typedef struct tn_safetensors tn_safetensors;
typedef struct tn_st_tensor {
    const char *name;         /* NUL-terminated, owned by the tn_safetensors */
    tn_type type;             /* F32, F16 or BF16 */
    int n_dims;
    int64_t ne[TN_MAX_DIMS];
    size_t nbytes;
    const void *data;
} tn_st_tensor;
TNDEF tn_status tn_safetensors_read_file(const char *path, tn_safetensors **out);
TNDEF tn_status tn_safetensors_read_memory(const void *data, size_t size, tn_safetensors **out);
TNDEF void tn_safetensors_free(tn_safetensors *s);
TNDEF int64_t tn_safetensors_n_tensors(const tn_safetensors *s);
TNDEF int64_t tn_safetensors_find(const tn_safetensors *s, const char *name); /* -1 if absent */
TNDEF tn_status tn_safetensors_get(const tn_safetensors *s, int64_t i, tn_st_tensor *out);
/* a copy of tensor i as a new f32 tensor in ctx */
TNDEF tn_tensor *tn_safetensors_load(tn_ctx *ctx, const tn_safetensors *s, int64_t i);

/* ==== @@LLM  llama.cpp's models run here: loader, KV cache, tokenizers, sampling ==== */
/*
   A vocabulary from a GGUF file's tokenizer.ggml.* keys, tokenized as llama.cpp
   tokenizes it. Models: "rwkv" (greedy longest match over the tokens' bytes,
   the tokens written with \xNN, \t, \n, \r escapes: what ternary.h's exports
   hold) and "gpt2" (byte-level BPE: tokenizer.ggml.merges applied lowest rank
   first, then leftmost; bytes written as GPT-2's printable characters; a
   symbol no token holds falls back to its single bytes; invalid UTF-8 in
   the text becomes U+FFFD, as llama.cpp does). tokenizer.ggml.pre picks
   llama.cpp's pre-tokenizer: absent or "default"; the gpt-2 family ("gpt-2",
   "phi-2", "mpt", "olmo", ...); llama-3's ("llama-bpe", "llama3", "falcon3",
   ..., digits in runs of at most 3, whole words kept when they are tokens);
   qwen2's ("qwen2", "deepseek-r1-qwen", "stablelm2": single digits). Letters,
   digits and whitespace are Unicode 15.1's classes, as in llama.cpp. Token types (tokenizer.ggml.token_type) as llama.cpp's: 1 normal,
   2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte. User-defined tokens
   are matched in the text first, control tokens too when parse_special is set
   (the longest first, as llama.cpp does). A model the file names that is not
   implemented is TN_ERR_UNSUPPORTED with its name.
*/
typedef struct tn_vocab tn_vocab;
TNDEF tn_status tn_vocab_from_gguf(const tn_gguf *g, tn_vocab **out);
TNDEF void tn_vocab_free(tn_vocab *v);
TNDEF int64_t tn_vocab_n(const tn_vocab *v);
TNDEF const char *tn_vocab_model(const tn_vocab *v);    /* "rwkv" or "gpt2" */
TNDEF int32_t tn_vocab_bos(const tn_vocab *v);          /* -1 if none */
TNDEF int32_t tn_vocab_eos(const tn_vocab *v);          /* -1 if none */
TNDEF int tn_vocab_add_bos(const tn_vocab *v);          /* tokenizer.ggml.add_bos_token */
TNDEF int tn_vocab_is_eog(const tn_vocab *v, int32_t id); /* end of generation: eos, eot, eom */
/* text (len bytes, any bytes) -> ids. add_special: BOS first when the file
   says so; parse_special: control tokens' text becomes their ids. At most
   cap ids are written; *n_out is the count the whole text needs, and when it
   exceeds cap the call fails with TN_ERR_ARG (call again with room). */
TNDEF tn_status tn_tokenize(const tn_vocab *v, const char *text, size_t len, int add_special, int parse_special,
                            int32_t *ids, int64_t cap, int64_t *n_out);
/* the bytes token id stands for (control tokens: "" unless special is set).
   Writes at most cap bytes (no NUL); *len_out is the whole length. */
TNDEF tn_status tn_token_piece(const tn_vocab *v, int32_t id, int special, char *buf, size_t cap, size_t *len_out);

/*
   tn_llm runs a GGUF model in llama.cpp's "llama", "arcee" or "bitnet"
   architecture the way llama.cpp runs it: RMSNorm, grouped-query attention
   (head_count_kv <= head_count), RoPE in adjacent pairs (llama, arcee) or
   halves (bitnet, NEOX) with rope.freq_base, linear rope scaling and
   llama-3's rope_freqs, SwiGLU (llama, and bitnet: llama.cpp runs its FFN as
   SiLU-gated), ReLU^2 (arcee), bitnet's sub-norms before wo and ffn_down,
   optional biases and .scale tensors, a tied head when output.weight is
   absent. The weights stay in the file's formats, memory-mapped, and each
   matmul quantizes its activations per row to the weight format's dot type
   as ggml does (Q8_K for TQ1_0/TQ2_0 and the K-quants, Q8_0 for Q8_0/Q4_0/..,
   f16 rounding for F16, bf16 for BF16). K and V are cached in f32: a prompt
   is evaluated once in batches of n_batch positions, then a token at a time.
   Memory: the mapped file, the cache (2 x layers x n_ctx x kv width x 4 B)
   and n_batch rows of scratch. One thread calls a tn_llm at a time.
*/
typedef enum tn_llm_act { TN_LLM_ACT_AUTO = 0, TN_LLM_ACT_SILU = 1, TN_LLM_ACT_RELU2 = 2 } tn_llm_act;
typedef struct tn_llm_params {
    int64_t n_ctx;            /* positions the cache holds; 0: the model's context_length, at most 4096 */
    int64_t n_batch;          /* positions per forward pass; 0: 64 */
    int n_threads;            /* 0: one per CPU */
    int use_mmap;             /* 1 (default): map the file read-only; 0: read it into memory */
    tn_llm_act ffn_act;       /* gated FFN's activation; AUTO: llama.cpp's (SiLU for llama and bitnet).
                                 RELU2 runs bitnet as BitNet b1.58 2B-4T was trained (relu(gate)^2 * up) */
} tn_llm_params;
TNDEF tn_llm_params tn_llm_params_default(void);
typedef struct tn_llm_info {
    char arch[16];            /* "llama", "arcee", "bitnet" */
    char name[64];            /* general.name ("" if absent) */
    int64_t n_vocab, n_ctx_train, n_embd, n_layer, n_head, n_head_kv, head_dim, n_rot, n_ff;
    int64_t n_ctx, n_batch;   /* as opened */
    float rms_eps, rope_base, rope_freq_scale, attn_scale;
    int rope_neox;            /* 1: rotate halves (bitnet), 0: adjacent pairs */
    int gated;                /* 1: down(act(gate x) * up x), 0: down(relu(up x)^2) (arcee) */
    tn_llm_act act;           /* the gated FFN's activation in use */
    int sub_norms;            /* bitnet's attn_sub_norm and ffn_sub_norm */
    int tied;                 /* the head is token_embd */
    int has_rope_freqs;
    tn_type proj_type;        /* of blk.0.attn_q.weight */
    tn_type embd_type, head_type;
    uint64_t n_params;
    size_t file_bytes, weight_bytes, kv_bytes, scratch_bytes;
    int n_threads;
} tn_llm_info;
typedef struct tn_llm tn_llm;
/* open a model file; the error names what is missing or unsupported */
TNDEF tn_status tn_llm_load(const char *path, const tn_llm_params *p, tn_llm **out);
/* the same over a file already read (g is referenced, not copied: keep it until tn_llm_free) */
TNDEF tn_status tn_llm_from_gguf(const tn_gguf *g, const tn_llm_params *p, tn_llm **out);
TNDEF void tn_llm_free(tn_llm *m);
TNDEF const tn_llm_info *tn_llm_get_info(const tn_llm *m);
TNDEF const tn_vocab *tn_llm_vocab(const tn_llm *m);
TNDEF int64_t tn_llm_n_past(const tn_llm *m);       /* positions in the cache */
/* forget positions n_past.. (0: start over) */
TNDEF tn_status tn_llm_rewind(tn_llm *m, int64_t n_past);
/* run n tokens at positions n_past.. n_past+n-1 and keep their K/V. logits:
   NULL, or the last token's n_vocab logits (all = 0), or n x n_vocab, one row
   per token (all = 1). A token out of range, or more positions than n_ctx
   holds, fails before anything is computed and leaves the cache as it was. */
TNDEF tn_status tn_llm_eval(tn_llm *m, const int32_t *tokens, int64_t n, float *logits, int all);
/* fn(user, call, p0, rows, n, act_type, x) runs before each matmul of
   tn_llm_eval on its activations x (rows x n, row r at position p0 + r;
   call counts the matmuls of one tn_llm_eval from 0: per layer q, k, v, o,
   up, gate (if any), down, then the head), before they are quantized to
   act_type; it may change them (tests use it to move codes that sit at
   rounding ties). q, k and v share one x. NULL turns it off. */
typedef void (*tn_llm_observer)(void *user, int call, int64_t p0, int64_t rows, int64_t n, tn_type act_type, float *x);
TNDEF void tn_llm_set_observer(tn_llm *m, tn_llm_observer fn, void *user);

/* next token from logits: greedy when temp <= 0 (the first largest), else
   softmax(logits / temp) cut to the top_k most probable (0: all), then to the
   smallest set whose probability reaches top_p (1: all), drawn with rng */
typedef struct tn_sample_params { float temp; int top_k; float top_p; } tn_sample_params;
TNDEF tn_status tn_sample(const float *logits, int64_t n, const tn_sample_params *sp, tn_rng *rng, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* TERNARY_H_INCLUDED */

/* ======================================================================== */
/*                              IMPLEMENTATION                              */
/* ======================================================================== */
#ifdef TERNARY_IMPLEMENTATION
#ifndef TERNARY_IMPLEMENTATION_INCLUDED
#define TERNARY_IMPLEMENTATION_INCLUDED

/* ==== @@IMPL:CONFIG  overrides, internal macros, size checks ==== */

#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <errno.h>
#include <stdarg.h>
#include <ctype.h>
#include <time.h>

#if defined(TN_MALLOC) && defined(TN_REALLOC) && defined(TN_FREE)
/* user allocator */
#elif !defined(TN_MALLOC) && !defined(TN_REALLOC) && !defined(TN_FREE)
#define TN_MALLOC(sz) malloc(sz)
#define TN_REALLOC(p, sz) realloc((p), (sz))
#define TN_FREE(p) free(p)
#else
#error "ternary.h: define all of TN_MALLOC, TN_REALLOC and TN_FREE, or none of them"
#endif

#ifndef TN_ASSERT
#include <assert.h>
#define TN_ASSERT(x) assert(x)
#endif

#ifndef TERNARY_NO_THREADS
#include <pthread.h>
#include <unistd.h>
#endif
#if !defined(TERNARY_NO_POSIX) && (defined(__unix__) || defined(__APPLE__))
#define TN__POSIX_IO 1            /* open/fsync/rename for atomic writes, mmap for reads */
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/mman.h>
#endif

#if defined(TN_HAVE_AVX2) || defined(TN_HAVE_AVX512)
#include <immintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__) && !defined(TERNARY_NO_POSIX)
#include <sys/auxv.h>
#define TN__AUXV 1
#endif
#if defined(TN_HAVE_NEON)
#include <arm_neon.h>
#endif
/* GCC 12's own AVX-512 headers trip -W(maybe-)uninitialized when compiled as
   C++ (their _mm512_undefined_* helpers); silence that for the implementation */
#if defined(TN_HAVE_AVX512) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

/* No FMA contraction anywhere in the implementation, whatever the build flags
   (-march=native, gnu modes, -ffp-contract=fast): a fused multiply-add
   happens only where the code writes one (fmaf, _mm*_fmadd_ps, vfmaq_f32),
   so every path and every build rounds the same. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
#define TN__THREAD_LOCAL thread_local
#elif defined(__GNUC__) || defined(__clang__)
#define TN__THREAD_LOCAL __thread
#elif defined(_MSC_VER)
#define TN__THREAD_LOCAL __declspec(thread)
#else
#define TN__THREAD_LOCAL
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TN__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TN__PRINTF(a, b)
#endif

#define TN__MIN(a, b) ((a) < (b) ? (a) : (b))
#define TN__MAX(a, b) ((a) > (b) ? (a) : (b))
#define TN__UNUSED(x) ((void)(x))
/* register-blocked loops must be unrolled even at -O2 */
#if defined(__GNUC__) && !defined(__clang__)
#define TN__UNROLL _Pragma("GCC unroll 16")
#elif defined(__clang__)
#define TN__UNROLL _Pragma("unroll")
#else
#define TN__UNROLL
#endif
/* compile-time check that works in C99 and C++ */
#define TN__STATIC_ASSERT(name, cond) typedef char tn__static_assert_##name[(cond) ? 1 : -1]

TN__STATIC_ASSERT(q4_0, sizeof(tn_block_q4_0) == 18);
TN__STATIC_ASSERT(q4_1, sizeof(tn_block_q4_1) == 20);
TN__STATIC_ASSERT(q5_0, sizeof(tn_block_q5_0) == 22);
TN__STATIC_ASSERT(q5_1, sizeof(tn_block_q5_1) == 24);
TN__STATIC_ASSERT(q8_0, sizeof(tn_block_q8_0) == 34);
TN__STATIC_ASSERT(q8_1, sizeof(tn_block_q8_1) == 36);
TN__STATIC_ASSERT(q8_K, sizeof(tn_block_q8_K) == 292);
TN__STATIC_ASSERT(tq1_0, sizeof(tn_block_tq1_0) == 54);
TN__STATIC_ASSERT(tq2_0, sizeof(tn_block_tq2_0) == 66);
TN__STATIC_ASSERT(t2, sizeof(tn_block_t2) == 64);
TN__STATIC_ASSERT(q2_K, sizeof(tn_block_q2_K) == 84);
TN__STATIC_ASSERT(q3_K, sizeof(tn_block_q3_K) == 110);
TN__STATIC_ASSERT(q4_K, sizeof(tn_block_q4_K) == 144);
TN__STATIC_ASSERT(q5_K, sizeof(tn_block_q5_K) == 176);
TN__STATIC_ASSERT(q6_K, sizeof(tn_block_q6_K) == 210);
TN__STATIC_ASSERT(iq4_nl, sizeof(tn_block_iq4_nl) == 18);
TN__STATIC_ASSERT(iq4_xs, sizeof(tn_block_iq4_xs) == 136);
TN__STATIC_ASSERT(mxfp4, sizeof(tn_block_mxfp4) == 17);
TN__STATIC_ASSERT(nvfp4, sizeof(tn_block_nvfp4) == 36);
TN__STATIC_ASSERT(q1_0, sizeof(tn_block_q1_0) == 18);
TN__STATIC_ASSERT(q2_0, sizeof(tn_block_q2_0) == 18);
TN__STATIC_ASSERT(iq2_xxs, sizeof(tn_block_iq2_xxs) == 66);
TN__STATIC_ASSERT(iq2_xs, sizeof(tn_block_iq2_xs) == 74);
TN__STATIC_ASSERT(iq2_s, sizeof(tn_block_iq2_s) == 82);
TN__STATIC_ASSERT(iq3_xxs, sizeof(tn_block_iq3_xxs) == 98);
TN__STATIC_ASSERT(iq3_s, sizeof(tn_block_iq3_s) == 110);
TN__STATIC_ASSERT(iq1_s, sizeof(tn_block_iq1_s) == 50);
TN__STATIC_ASSERT(iq1_m, sizeof(tn_block_iq1_m) == 56);

/* autograd op ids (internal) */
enum {
    TN__OP_NONE = 0, TN__OP_VIEW, TN__OP_CONT, TN__OP_ADD, TN__OP_SUB, TN__OP_MUL, TN__OP_DIV, TN__OP_UNARY,
    TN__OP_SUM_AXIS, TN__OP_SUM_ALL, TN__OP_MAX_AXIS, TN__OP_MATMUL, TN__OP_CONCAT, TN__OP_GET_ROWS,
    TN__OP_SOFTMAX, TN__OP_LOG_SOFTMAX, TN__OP_RMS_NORM, TN__OP_LAYER_NORM, TN__OP_DROPOUT, TN__OP_ROPE,
    TN__OP_DIAG_MASK, TN__OP_CROSS_ENTROPY, TN__OP_BCE, TN__OP_MSE, TN__OP_STE, TN__OP_BCE_PROB
};
enum {
    TN__U_SCALE, TN__U_ADD_SCALAR, TN__U_EXP, TN__U_LOG, TN__U_SQRT, TN__U_POW, TN__U_RELU, TN__U_RELU2,
    TN__U_GELU, TN__U_GELU_ERF, TN__U_SILU, TN__U_SIGMOID, TN__U_TANH
};

/* -- the kernel table: every instruction-set-specific routine, one row per path --
   Filled once per process by the dispatcher (@@IMPL:SIMD, end) from the scalar
   references, then overwritten by each path's own kernels; tn__kern() is the
   row of the path in use. Formats are indexed by tn__fmt_slot(type). */
#define TN__NFMT (TN_TYPE_COUNT + 1) /* the ggml ids, then T2 */
static int tn__fmt_slot(tn_type t) { return t == TN_TYPE_T2 ? TN_TYPE_COUNT : ((int)t >= 0 && (int)t < TN_TYPE_COUNT) ? (int)t : -1; }
typedef void (*tn__dot4_fn)(int64_t n, float *s, const void *x, size_t rs, const void *y);
/* the integer BitLinear forward: y[m, n] = (sum_k (w[n,k]+1) q[m,k] - qsum[m]) * cs[m];
   wp holds the codes w + 1 in panels of 32 outputs, 4 k per 32-bit lane:
   panel p, k-quad kq, output j at wp[(p * K4/4 + kq) * 128 + (j / 16) * 64 + (j % 16) * 4] */
typedef struct { const uint8_t *wp; const int8_t *q; const int32_t *qsum; const float *cs; float *y; int64_t M, N, K4; } tn__igemm;
/* one Adam/AdamW update over n values (all operations in the scalar loop's order) */
typedef struct { float b1, b2, c1, c2, bc1, bc2, lr, eps, keep, d; int adamw; } tn__adam_args;
typedef struct tn__kernels {
    tn_kernel_path path;
    const char *name;
    tn_vec_dot_fn dot[TN__NFMT];      /* against the format's vec_dot_type */
    tn__dot4_fn dot4[TN__NFMT];       /* four weight rows rs bytes apart, or NULL */
    /* four weight rows against two activation rows ys bytes apart into s[2r + c] (each
       the same sum as dot gives), or NULL */
    void (*dot4x2[TN__NFMT])(int64_t n, float *s, const void *x, size_t rs, const void *y, size_t ys);
    int tile[TN__NFMT];               /* ternary tile kind (1 TQ2_0, 2 TQ1_0, 3 T2), 0: none */
    void (*tern_tile)(int kind, int R, int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s);
    /* bytes of activation tiles one ternary tile may read (0: any): the tiles
       re-read their activation rows for every weight row, from L1 if they fit */
    int64_t tern_tile_ybytes;
    void (*q8k_to_tile)(void *o, const tn_block_q8_K *b, int kind);
    void (*quantize_q8_K)(const float *x, tn_block_q8_K *y, int64_t k);
    double (*abssum)(const float *x, int64_t n);
    /* the norms' row sums in double: kind 0 sum x, 1 sum (x - mu)^2, 2 sum x y (eight partial sums, a fixed tree) */
    double (*row_dsum)(const float *x, const float *y, int64_t n, double mu, int kind);
    float (*absmax)(const float *x, int64_t n);
    void (*quant_pass)(const float *x, int64_t n, float mul, float lim, float lo, float hi, float scale, float *y, int8_t *q);
    void (*vacc)(float *dst, const float *src, int64_t n);
    float (*tern_f32_dot)(const uint8_t *w, const float *x, int64_t n); /* tn_ternary_matmul_f32's sums */
    /* R weight rows (rs bytes apart) times C activation rows (ldx floats apart), R * C <= 4:
       out[r * C + c], each the sum tern_f32_dot gives (each weight decoded once per tile) */
    void (*tern_f32_tile)(const uint8_t *w, size_t rs, int R, const float *x, size_t ldx, int C, int64_t n, float *out);
    void (*relu_fwd)(float *y, const float *x, int64_t n);
    void (*relu_bwd)(float *gx, const float *g, const float *x, int64_t n);
    void (*relu2_fwd)(float *y, const float *x, int64_t n);
    void (*relu2_bwd)(float *gx, const float *g, const float *x, int64_t n);
    void (*exp_row)(float *y, const float *x, int64_t n, float sub);
    double (*exp_sum)(const float *x, int64_t n, float sub);
    void (*ce_grad_row)(float *g, const float *x, int64_t n, float sub, double inv, int64_t target, float scale);
    void (*adam_row)(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n);
    int gemm_mr, gemm_nr;
    void (*gemm_kernel)(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate);
    void (*gemm_direct)(int64_t kc, const float *A, int64_t lda, const float *Bp, float *C, int64_t ldc, int nr, int accumulate);
    int64_t gemm_direct_n; /* gemm_direct for blocks of at most this many columns (packing A pays off on wider ones) */
    void (*transpose8)(float *dst, int64_t P, const float *x, int64_t ld);
    void (*transpose6)(float *dst, const float *x, int64_t ld); /* dst[6k + i] = x[i * ld + k], i < 6, k < 8 */
    void (*igemm_panel)(const tn__igemm *a, int64_t panel);
} tn__kernels;
static const tn__kernels *tn__kern(void);                 /* the path in use */
static const tn__kernels *tn__kern_path(tn_kernel_path p); /* a path's row, NULL if unavailable */
/* the scalar references (defined where they are used; the SIMD twins call
   them for their tails) */
static void tn__relu_fwd_ref(float *y, const float *x, int64_t n);
static void tn__relu_bwd_ref(float *gx, const float *g, const float *x, int64_t n);
static void tn__relu2_fwd_ref(float *y, const float *x, int64_t n);
static void tn__relu2_bwd_ref(float *gx, const float *g, const float *x, int64_t n);
static void tn__vacc_ref(float *dst, const float *src, int64_t n);
static double tn__row_dsum_ref(const float *x, const float *y, int64_t n, double mu, int kind);
/* tn_ternary_matmul_f32's tile kernel of a path: its core specialized for the
   shapes the task uses (R x C: 4 x 1, 1 x 4, 1 x 3, 1 x 2), else tile by tile */
#define TN__TF32_TILE_DISPATCH(path) \
    static void tn__tern_f32_tile_##path(const uint8_t *w, size_t rs, int R, const float *x, size_t ldx, int C, int64_t n, float *out) { \
        int r_, c_; \
        if (R == 4 && C == 1) { tn__tf32_tile_##path(w, rs, 4, x, ldx, 1, n, out); return; } \
        if (R == 1 && C == 4) { tn__tf32_tile_##path(w, rs, 1, x, ldx, 4, n, out); return; } \
        if (R == 1 && C == 3) { tn__tf32_tile_##path(w, rs, 1, x, ldx, 3, n, out); return; } \
        if (R == 1 && C == 2) { tn__tf32_tile_##path(w, rs, 1, x, ldx, 2, n, out); return; } \
        for (r_ = 0; r_ < R; r_++) \
            for (c_ = 0; c_ < C; c_++) tn__tf32_tile_##path(w + (size_t)r_ * rs, rs, 1, x + (size_t)c_ * ldx, ldx, 1, n, out + r_ * C + c_); \
    }
static float tn__tern_f32_dot_ref(const uint8_t *w, const float *x, int64_t n);
static void tn__tern_f32_tile_ref(const uint8_t *w, size_t rs, int R, const float *x, size_t ldx, int C, int64_t n, float *out);
static void tn__tern_f32_tail(float *L, const uint8_t *w, const float *x, int64_t k0, int64_t n);
static float tn__tern_f32_fold(float *L);
static void tn__exp_row_ref(float *y, const float *x, int64_t n, float sub);
static double tn__exp_sum_ref(const float *x, int64_t n, float sub);
static double tn__fold16(double *a);
static void tn__ce_grad_row_ref(float *g, const float *x, int64_t n, float sub, double inv, int64_t target, float scale);
static void tn__adam_row_ref(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n);
static void tn__gemm_kernel_ref(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate);
#if defined(TN__X86_DISPATCH)
static void tn__gemm_kernel_ref_fma(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate);
#endif
static void tn__igemm_panel_ref(const tn__igemm *a, int64_t pi);
#define TN__GEMM_REF_MR 4
#define TN__GEMM_REF_NR 8


/* ==== @@IMPL:CORE  errors, fp16, RNG, thread pool ==== */

static TN__THREAD_LOCAL char tn__err_msg[512];

TNDEF const char *tn_status_str(tn_status s) {
    switch (s) {
    case TN_OK: return "ok";
    case TN_ERR_ARG: return "invalid argument";
    case TN_ERR_SHAPE: return "shape mismatch";
    case TN_ERR_TYPE: return "unsupported or unknown type";
    case TN_ERR_NOMEM: return "out of memory";
    case TN_ERR_IO: return "i/o error";
    case TN_ERR_FORMAT: return "malformed data";
    case TN_ERR_UNSUPPORTED: return "not supported";
    }
    return "unknown status";
}

TNDEF const char *tn_last_error(void) { return tn__err_msg; }
TNDEF void tn_clear_error(void) { tn__err_msg[0] = 0; }

/* Set the thread's message and return the code: `return tn__fail(...)`. */
static tn_status tn__fail(tn_status code, const char *fmt, ...) TN__PRINTF(2, 3);
static tn_status tn__fail(tn_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tn__err_msg, sizeof(tn__err_msg), fmt, ap);
    va_end(ap);
    return code;
}

static uint64_t tn__fnv1a(uint64_t h, const uint8_t *p, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ull; }
    return h;
}

/* -- name index: open addressing over an array the caller owns, so looking up
   and inserting names (GGUF keys and tensors, safetensors, parameters) is
   linear in their number. A slot holds index + 1 (0 = empty); the table is
   kept at most half full, so a probe always ends. name_at(owner, i) gives
   entry i's NUL-terminated name. -- */
typedef const char *(*tn__name_at_fn)(const void *owner, int64_t i);
static uint64_t tn__name_hash(const char *s, size_t n) { return tn__fnv1a(0xcbf29ce484222325ull, (const uint8_t *)s, n); }
static void tn__nidx_free(int64_t **slot, int64_t *cap) {
    if (*slot) TN_FREE(*slot);
    *slot = NULL;
    *cap = 0;
}
/* index of the entry named key[0..klen), or -1 */
static int64_t tn__nidx_find(const int64_t *slot, int64_t cap, const void *owner, tn__name_at_fn name_at, const char *key, size_t klen) {
    uint64_t m, h;
    if (!slot || cap <= 0 || memchr(key, 0, klen)) return -1;
    m = (uint64_t)cap - 1;
    for (h = tn__name_hash(key, klen) & m;; h = (h + 1) & m) {
        const char *nm;
        if (!slot[h]) return -1;
        nm = name_at(owner, slot[h] - 1);
        if (strncmp(nm, key, klen) == 0 && nm[klen] == 0) return slot[h] - 1;
    }
}
static void tn__nidx_put(int64_t *slot, int64_t cap, const void *owner, tn__name_at_fn name_at, int64_t i) {
    const char *nm = name_at(owner, i);
    uint64_t m = (uint64_t)cap - 1, h;
    for (h = tn__name_hash(nm, strlen(nm)) & m; slot[h]; h = (h + 1) & m) {}
    slot[h] = i + 1;
}
/* index entries 0..n-1 from scratch; *dup gets the first entry whose name an
   earlier one already has (it is left out), or -1. */
static tn_status tn__nidx_build(int64_t **slot, int64_t *cap, const void *owner, tn__name_at_fn name_at, int64_t n, int64_t *dup) {
    int64_t c = 16, i;
    int64_t *s;
    *dup = -1;
    while (c < 2 * n + 2) {
        if (c > INT64_MAX / 4 / (int64_t)sizeof(int64_t)) return tn__fail(TN_ERR_NOMEM, "name index: %lld names is too many", (long long)n);
        c *= 2;
    }
    s = (int64_t *)TN_MALLOC(sizeof(int64_t) * (size_t)c);
    if (!s) return tn__fail(TN_ERR_NOMEM, "name index: out of memory for %lld names", (long long)n);
    memset(s, 0, sizeof(int64_t) * (size_t)c);
    for (i = 0; i < n; i++) {
        const char *nm = name_at(owner, i);
        if (tn__nidx_find(s, c, owner, name_at, nm, strlen(nm)) >= 0) { if (*dup < 0) *dup = i; continue; }
        tn__nidx_put(s, c, owner, name_at, i);
    }
    tn__nidx_free(slot, cap);
    *slot = s;
    *cap = c;
    return TN_OK;
}
/* entry i leaves (call before it is removed from the array, whose later
   entries then move down by one): backward-shift deletion keeps every probe
   chain whole, then indexes above i are renumbered. O(cap), no rehashing. */
static void tn__nidx_remove(int64_t *slot, int64_t cap, const void *owner, tn__name_at_fn name_at, int64_t i) {
    uint64_t m, j, k;
    int64_t q;
    const char *nm;
    if (!slot || cap <= 0) return;
    m = (uint64_t)cap - 1;
    nm = name_at(owner, i);
    for (j = tn__name_hash(nm, strlen(nm)) & m; slot[j] && slot[j] != i + 1; j = (j + 1) & m) {}
    if (!slot[j]) return;
    slot[j] = 0;
    for (k = (j + 1) & m; slot[k]; k = (k + 1) & m) {
        const char *kn = name_at(owner, slot[k] - 1);
        uint64_t home = tn__name_hash(kn, strlen(kn)) & m;
        /* slot[k] may fill the hole at j unless its home lies cyclically in (j, k] */
        if (((k - home) & m) >= ((k - j) & m)) { slot[j] = slot[k]; slot[k] = 0; j = k; }
    }
    for (q = 0; q < cap; q++) if (slot[q] > i + 1) slot[q]--;
}
/* entry i (= n - 1, just appended, its name not yet present) joins the index */
static tn_status tn__nidx_add(int64_t **slot, int64_t *cap, const void *owner, tn__name_at_fn name_at, int64_t n) {
    int64_t dup;
    if (*cap < 2 * n + 2) return tn__nidx_build(slot, cap, owner, name_at, n, &dup);
    tn__nidx_put(*slot, *cap, owner, name_at, n - 1);
    return TN_OK;
}

static uint32_t tn__f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float tn__bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* -- the library's own elementary functions --
   libm's exp, log, sin, cos, pow, tanh and erf differ in their last bits
   between C libraries, architectures, and even CPUs (glibc picks FMA variants
   at run time), so training uses these instead: IEEE add, subtract, multiply,
   divide and sqrt, fmaf and
   fma where written, ldexp/frexp (exact), with contraction off. The float
   exp is also the one every SIMD path evaluates lane by lane (tn__exp_256,
   tn__exp_512); the double ones are within a few ulp. */
/* round to nearest even for |v| < 2^22 */
static float tn__rintf_small(float v) { return (v + 12582912.0f) - 12582912.0f; }
/* 2^e as a float for e in -149..127 (subnormal below -126) */
static float tn__pow2f(int e) { return e >= -126 ? tn__bits_f32((uint32_t)(e + 127) << 23) : tn__bits_f32(1u << (e + 149)); }
/* e^x: x = n ln2 + r (Cody-Waite, two parts), e^r by a degree-6 polynomial
   (Cephes' expf coefficients), then p * 2^n rounded once: (p * 2^n1) is exact
   and * 2^n2 rounds, also into the subnormals (what vscalefps does). NaN stays
   NaN, x < -104 gives 0, x is capped at 88.7228394 (e^x just below FLT_MAX). */
static float tn__expf(float x) {
    float c, n, r, p;
    int ni, n1;
    if (x != x) return x;
    if (x < -104.0f) return 0.0f;
    c = x > 88.7228394f ? 88.7228394f : x;
    n = tn__rintf_small(c * 1.44269504089f);
    r = fmaf(-n, 0.693359375f, c);
    r = fmaf(-n, -2.12194440e-4f, r);
    p = fmaf(1.9875691500e-4f, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    p = fmaf(p * r, r, r + 1.0f);
    ni = (int)n;
    n1 = ni > 0 ? ni - 1 : ni < -149 ? -1 : 0;
    return (p * tn__pow2f(n1)) * tn__pow2f(ni - n1);
}
static double tn__nan(void) { uint64_t u = 0x7ff8000000000000ull; double d; memcpy(&d, &u, 8); return d; }
/* natural log: x = 2^e m, m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s) with
   s = (m - 1) / (m + 1), |s| < 0.1716, by its series to s^23 */
static double tn__log(double x) {
    static const double inv_odd[12] = {1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0};
    double m, s, s2, t;
    int e, i;
    if (x != x || x < 0.0) return tn__nan();
    if (x == 0.0) return -HUGE_VAL;
    if (x > DBL_MAX) return x;
    m = frexp(x, &e);
    if (m < 0.70710678118654752440) { m *= 2.0; e--; }
    s = (m - 1.0) / (m + 1.0);
    s2 = s * s;
    t = inv_odd[0];
    for (i = 1; i < 12; i++) t = t * s2 + inv_odd[i];
    return (double)e * 6.93147180369123816490e-01 + (2.0 * s * t + (double)e * 1.90821492927058770002e-10);
}
static float tn__logf(float x) { return (float)tn__log((double)x); }
/* log(1 + x) for x > -1, accurate for small x: log(u) * x / (u - 1) with u = 1 + x */
static double tn__log1p(double x) {
    double u = 1.0 + x;
    return u == 1.0 ? x : tn__log(u) * x / (u - 1.0);
}
/* e^x in double: k = round(x / ln2), r = x - k ln2 (two parts), Taylor series to r^14 */
static double tn__exp(double x) {
    double k, r, p;
    int i;
    if (x != x) return x;
    if (x > 709.782712893384) return HUGE_VAL;
    if (x < -745.2) return 0.0;
    k = (x * 1.44269504088896340736 + 6755399441055744.0) - 6755399441055744.0;
    r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
    p = 1.0;
    for (i = 14; i >= 1; i--) p = 1.0 + p * r / (double)i;
    return ldexp(p, (int)k);
}
/* sin and cos: x = k pi/2 + r (Cody-Waite, three parts: good to |x| ~ 1e9), |r| <= pi/4, Taylor series */
static void tn__sincos(double x, double *sn, double *cs) {
    double k, r, r2, s, c;
    int q, i;
    if (!(x - x == 0.0)) { *sn = *cs = tn__nan(); return; }
    k = (x * 6.36619772367581382433e-01 + 6755399441055744.0) - 6755399441055744.0;
    r = ((x - k * 1.57079632673412561417e+00) - k * 6.07710050630396597660e-11) - k * 2.02226624871116645580e-21;
    r2 = r * r;
    s = 0.0; c = 0.0;
    for (i = 10; i >= 1; i--) {
        s = 1.0 - s * r2 / (double)((2 * i) * (2 * i + 1));
        c = 1.0 - c * r2 / (double)((2 * i - 1) * (2 * i));
    }
    s *= r;
    q = (int)(k - 4.0 * floor(k / 4.0));
    switch (q) {
    case 0: *sn = s; *cs = c; break;
    case 1: *sn = c; *cs = -s; break;
    case 2: *sn = -s; *cs = -c; break;
    default: *sn = -c; *cs = s; break;
    }
}
static double tn__cos(double x) { double s, c; tn__sincos(x, &s, &c); return c; }
static float tn__tanhf(float x) {
    double a = fabs((double)x), t;
    if (x != x) return x;
    if (a > 20.0) t = 1.0;
    else if (a < 1e-4) t = a * (1.0 - a * a / 3.0);
    else t = 1.0 - 2.0 / (tn__exp(2.0 * a) + 1.0);
    return (float)(x < 0 ? -t : t);
}
/* erf by its Taylor series for |x| < 4 (in double; cancellation costs < 1e-9), +-1 beyond */
static float tn__erff(float x) {
    double a = (double)x, x2 = a * a, term = a, sum = a;
    int n;
    if (x != x) return x;
    if (a >= 4.0) return 1.0f;
    if (a <= -4.0) return -1.0f;
    for (n = 1; n < 120; n++) {
        double t;
        term *= -x2 / (double)n;
        t = term / (double)(2 * n + 1);
        sum += t;
        if (fabs(t) < 1e-17 * fabs(sum)) break;
    }
    return (float)(sum * 1.12837916709551257390);
}
/* x^p in the cases powf defines: exp(p log x) for x > 0, signs for integer p */
static float tn__powf(float x, float p) {
    double ax, r;
    int odd;
    if (p == 0.0f) return 1.0f;
    if (x != x || p != p) return x + p;
    if (x == 1.0f) return 1.0f;
    odd = p == floorf(p) && fabsf(p) < 16777216.0f && fmodf(p, 2.0f) != 0.0f;
    if (x < 0.0f && p != floorf(p)) return (float)tn__nan();
    ax = fabs((double)x);
    if (ax == 0.0) r = p > 0.0f ? 0.0 : HUGE_VAL;
    else if (ax > DBL_MAX) r = p > 0.0f ? HUGE_VAL : 0.0;
    else r = tn__exp((double)p * tn__log(ax));
    return (float)(x < 0.0f && odd ? -r : r);
}

TNDEF uint16_t tn_fp32_to_fp16(float f) {
    uint32_t x = tn__f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);           /* NaN */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);          /* >= 65520: Inf */
    if (ax >= 0x38800000u) {                                           /* normal half */
        uint32_t r = ax - 0x38000000u;                                 /* rebias 127 -> 15 */
        r = (r + 0xfffu + ((r >> 13) & 1u)) >> 13;                     /* nearest even */
        return (uint16_t)(sign | r);
    } else {                                                           /* subnormal half */
        uint32_t e = ax >> 23, m, sh, q, rem, half;
        if (e < 102) return (uint16_t)sign;                            /* < 2^-25: rounds to 0 */
        m = (ax & 0x7fffffu) | 0x800000u;
        sh = 126 - e;                                                  /* 14..24 */
        q = m >> sh;
        rem = m & ((1u << sh) - 1u);
        half = 1u << (sh - 1);
        if (rem > half || (rem == half && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
}

TNDEF float tn_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1f) return tn__bits_f32(sign | 0x7f800000u | (m << 13) | (m ? 0x400000u : 0u));
    if (e == 0) {
        if (m == 0) return tn__bits_f32(sign);
        /* subnormal: m * 2^-24, exact in f32 */
        {
            float v = (float)m * (1.0f / 16777216.0f);
            return sign ? -v : v;
        }
    }
    return tn__bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

TNDEF uint16_t tn_fp32_to_bf16(float f) {
    uint32_t u = tn__f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

TNDEF float tn_bf16_to_fp32(uint16_t h) { return tn__bits_f32((uint32_t)h << 16); }

static uint64_t tn__splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

TNDEF void tn_rng_seed(tn_rng *r, uint64_t seed) {
    uint64_t a = tn__splitmix64(&seed), b = tn__splitmix64(&seed);
    r->s[0] = (uint32_t)a; r->s[1] = (uint32_t)(a >> 32);
    r->s[2] = (uint32_t)b; r->s[3] = (uint32_t)(b >> 32);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

static uint32_t tn__rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

TNDEF uint32_t tn_rng_u32(tn_rng *r) {
    uint32_t *s = r->s;
    uint32_t result = tn__rotl32(s[1] * 5u, 7) * 9u;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = tn__rotl32(s[3], 11);
    return result;
}

TNDEF float tn_rng_uniform(tn_rng *r) { return (float)(tn_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

TNDEF float tn_rng_normal(tn_rng *r) {
    float u1 = ((float)(tn_rng_u32(r) >> 8) + 0.5f) * (1.0f / 16777216.0f); /* (0,1) */
    float u2 = tn_rng_uniform(r);
    return (float)(sqrt(-2.0 * tn__log((double)u1)) * tn__cos(6.283185307179586 * (double)u2));
}

/* -- thread pool -- */

typedef struct { void *p; size_t size; } tn__scratch_slot;
struct tn_pool {
    int n_threads;
    void *scratch;            /* reusable buffer for tn_mul_mat */
    size_t scratch_size;
    tn__scratch_slot *tscratch; /* one per thread, grown by that thread (the GEMM's packing buffers) */
#ifndef TERNARY_NO_THREADS
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work;
    tn_task_fn fn;
    void *arg;
    uint64_t generation;      /* bumped for each run (atomic) */
    int n_done;               /* workers finished with this run (atomic) */
    int n_sleeping;           /* workers waiting on cv_work (atomic) */
    int quit;
#endif
};

typedef struct { tn_pool *pool; int ith; } tn__worker_arg;

#ifndef TERNARY_NO_THREADS
static void tn__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
/* Workers spin on the generation counter for a while (a kernel call is often
   a fraction of a millisecond, too short for a condition-variable wake-up),
   then sleep on the condition variable until the next run. */
static void *tn__pool_main(void *p) {
    tn__worker_arg *wa = (tn__worker_arg *)p;
    tn_pool *pool = wa->pool;
    int ith = wa->ith;
    uint64_t seen = 0;
    TN_FREE(wa);
    for (;;) {
        uint64_t g;
        int spins = 0;
        tn_task_fn fn;
        void *arg;
        while ((g = __atomic_load_n(&pool->generation, __ATOMIC_SEQ_CST)) == seen && !__atomic_load_n(&pool->quit, __ATOMIC_SEQ_CST)) {
            if (++spins < 20000) { tn__cpu_relax(); continue; }
            pthread_mutex_lock(&pool->mu);
            __atomic_fetch_add(&pool->n_sleeping, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&pool->generation, __ATOMIC_SEQ_CST) == seen && !__atomic_load_n(&pool->quit, __ATOMIC_SEQ_CST))
                pthread_cond_wait(&pool->cv_work, &pool->mu);
            __atomic_fetch_sub(&pool->n_sleeping, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&pool->mu);
            spins = 0;
        }
        if (__atomic_load_n(&pool->quit, __ATOMIC_SEQ_CST)) break;
        seen = g;
        fn = pool->fn;
        arg = pool->arg;
        fn(arg, ith, pool->n_threads);
        __atomic_fetch_add(&pool->n_done, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}
#endif

TNDEF int tn_n_cpus(void) {
#if !defined(TERNARY_NO_THREADS) && defined(_SC_NPROCESSORS_ONLN)
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#else
    return 1;
#endif
}

TNDEF tn_pool *tn_pool_new(int n_threads) {
    tn_pool *pool;
    if (n_threads < 1 || n_threads > 1024) {
        tn__fail(TN_ERR_ARG, "tn_pool_new: n_threads is %d, want 1..1024", n_threads);
        return NULL;
    }
    pool = (tn_pool *)TN_MALLOC(sizeof(tn_pool));
    if (!pool) { tn__fail(TN_ERR_NOMEM, "tn_pool_new: out of memory"); return NULL; }
    memset(pool, 0, sizeof(*pool));
    pool->tscratch = (tn__scratch_slot *)TN_MALLOC(sizeof(tn__scratch_slot) * (size_t)n_threads);
    if (!pool->tscratch) { TN_FREE(pool); tn__fail(TN_ERR_NOMEM, "tn_pool_new: out of memory"); return NULL; }
    memset(pool->tscratch, 0, sizeof(tn__scratch_slot) * (size_t)n_threads);
#ifdef TERNARY_NO_THREADS
    pool->n_threads = 1;
#else
    pool->n_threads = n_threads;
    if (n_threads > 1) {
        int i;
        pool->threads = (pthread_t *)TN_MALLOC(sizeof(pthread_t) * (size_t)n_threads);
        if (!pool->threads) { TN_FREE(pool->tscratch); TN_FREE(pool); tn__fail(TN_ERR_NOMEM, "tn_pool_new: out of memory"); return NULL; }
        pthread_mutex_init(&pool->mu, NULL);
        pthread_cond_init(&pool->cv_work, NULL);
        for (i = 1; i < n_threads; i++) {
            tn__worker_arg *wa = (tn__worker_arg *)TN_MALLOC(sizeof(tn__worker_arg));
            if (wa) { wa->pool = pool; wa->ith = i; }
            if (!wa || pthread_create(&pool->threads[i], NULL, tn__pool_main, wa) != 0) {
                if (wa) TN_FREE(wa);
                pool->n_threads = i; /* the ones that started */
                tn_pool_free(pool);
                tn__fail(TN_ERR_NOMEM, "tn_pool_new: could not start thread %d of %d", i, n_threads);
                return NULL;
            }
        }
    }
#endif
    return pool;
}

TNDEF void tn_pool_free(tn_pool *pool) {
    if (!pool) return;
#ifndef TERNARY_NO_THREADS
    if (pool->threads) {
        int i;
        pthread_mutex_lock(&pool->mu);
        __atomic_store_n(&pool->quit, 1, __ATOMIC_SEQ_CST);
        pthread_cond_broadcast(&pool->cv_work);
        pthread_mutex_unlock(&pool->mu);
        for (i = 1; i < pool->n_threads; i++) pthread_join(pool->threads[i], NULL);
        pthread_mutex_destroy(&pool->mu);
        pthread_cond_destroy(&pool->cv_work);
        TN_FREE(pool->threads);
    }
#endif
    if (pool->scratch) TN_FREE(pool->scratch);
    if (pool->tscratch) {
        int i;
        for (i = 0; i < pool->n_threads; i++) if (pool->tscratch[i].p) TN_FREE(pool->tscratch[i].p);
        TN_FREE(pool->tscratch);
    }
    TN_FREE(pool);
}

TNDEF int tn_pool_n_threads(const tn_pool *pool) { return pool ? pool->n_threads : 1; }

TNDEF tn_status tn_pool_run(tn_pool *pool, tn_task_fn fn, void *arg) {
    TN__UNUSED(pool);
    if (!fn) return tn__fail(TN_ERR_ARG, "tn_pool_run: NULL task function");
#ifndef TERNARY_NO_THREADS
    if (pool && pool->n_threads > 1 && pool->threads) {
        pool->fn = fn;
        pool->arg = arg;
        __atomic_store_n(&pool->n_done, 0, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&pool->generation, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&pool->n_sleeping, __ATOMIC_SEQ_CST) > 0) {
            pthread_mutex_lock(&pool->mu);
            pthread_cond_broadcast(&pool->cv_work);
            pthread_mutex_unlock(&pool->mu);
        }
        fn(arg, 0, pool->n_threads);
        while (__atomic_load_n(&pool->n_done, __ATOMIC_SEQ_CST) < pool->n_threads - 1) tn__cpu_relax();
        return TN_OK;
    }
#endif
    fn(arg, 0, 1);
    return TN_OK;
}

/* a buffer grown to the largest size asked for, then reused (the old one freed
   only once the new one is had); NULL when out of memory */
static void *tn__grow(void **buf, size_t *have, size_t size) {
    if (*have < size || !*buf) {
        void *p = TN_MALLOC(size ? size : 1);
        if (!p) return NULL;
        if (*buf) TN_FREE(*buf);
        *buf = p;
        *have = size;
    }
    return *buf;
}
/* Scratch memory owned by the pool (or a fresh block when pool is NULL, which
   the caller frees with tn__scratch_release). */
static void *tn__scratch_get(tn_pool *pool, size_t size) {
    if (!pool) return TN_MALLOC(size ? size : 1);
    return tn__grow(&pool->scratch, &pool->scratch_size, size);
}
static void tn__scratch_release(tn_pool *pool, void *p) { if (!pool && p) TN_FREE(p); }
/* thread ith's own scratch of a pool (only that thread grows or uses it), or a
   fresh block without a pool (release with tn__scratch_release) */
static void *tn__tscratch_get(tn_pool *pool, int ith, size_t size) {
    if (!pool) return TN_MALLOC(size ? size : 1);
    return tn__grow(&pool->tscratch[ith].p, &pool->tscratch[ith].size, size);
}

/* ==== @@IMPL:TENSOR  arena, tensors, views, copies ==== */

static void tn__view_track(tn_ctx *ctx, tn_tensor *t, const tn_tensor *src);
static tn_tensor *tn__record(tn_ctx *ctx, tn_tensor *t, int op, tn_tensor *a, tn_tensor *b, tn_tensor *c);

#define TN__ALIGN 64

struct tn_ctx {
    uint8_t *mem;
    size_t size, used;
    tn_tensor *tape;          /* last recorded op node (a topological order, newest first) */
    int no_grad;              /* record nothing */
    tn_pool *pool;            /* threads for the ops (may be NULL) */
    void *scratch;            /* temporaries of one op at a time (grown, never shrunk, freed with ctx) */
    size_t scratch_size;
    tn_pool *own_pool;        /* one-thread pool of a context given none: its scratch keeps steps allocation-free */
    tn_bitlinear_observer observer;
    void *observer_user;
};
/* the threads of ctx's ops: its pool, or else its own one-thread pool (made on first use) */
static tn_pool *tn__cpool(tn_ctx *ctx) {
    if (ctx->pool) return ctx->pool;
    if (!ctx->own_pool) ctx->own_pool = tn_pool_new(1); /* NULL when out of memory: the ops then run without a pool */
    return ctx->own_pool;
}
static uint8_t *tn__ctx_base(const tn_ctx *ctx) {
    return ctx->mem + ((TN__ALIGN - ((uintptr_t)ctx->mem % TN__ALIGN)) % TN__ALIGN);
}


TNDEF tn_ctx *tn_ctx_new(size_t mem_size) {
    tn_ctx *ctx;
    if (mem_size > (size_t)-1 - 2 * TN__ALIGN) { tn__fail(TN_ERR_ARG, "tn_ctx_new: size too large"); return NULL; }
    ctx = (tn_ctx *)TN_MALLOC(sizeof(tn_ctx));
    if (!ctx) { tn__fail(TN_ERR_NOMEM, "tn_ctx_new: out of memory"); return NULL; }
    memset(ctx, 0, sizeof(*ctx));
    ctx->size = mem_size;
    ctx->mem = (uint8_t *)TN_MALLOC(mem_size + TN__ALIGN);
    if (!ctx->mem) {
        TN_FREE(ctx);
        tn__fail(TN_ERR_NOMEM, "tn_ctx_new: cannot allocate %zu bytes", mem_size);
        return NULL;
    }
    return ctx;
}

TNDEF void tn_ctx_free(tn_ctx *ctx) {
    if (!ctx) return;
    if (ctx->scratch) TN_FREE(ctx->scratch);
    tn_pool_free(ctx->own_pool);
    TN_FREE(ctx->mem);
    TN_FREE(ctx);
}

TNDEF void tn_ctx_reset(tn_ctx *ctx) { if (ctx) { ctx->used = 0; ctx->tape = NULL; } }
TNDEF size_t tn_ctx_used(const tn_ctx *ctx) { return ctx ? ctx->used : 0; }
TNDEF size_t tn_ctx_size(const tn_ctx *ctx) { return ctx ? ctx->size : 0; }
TNDEF void tn_ctx_rewind(tn_ctx *ctx, size_t mark) {
    if (!ctx || mark > ctx->used) return;
    ctx->used = mark;
    while (ctx->tape && (uint8_t *)ctx->tape >= tn__ctx_base(ctx) + mark) ctx->tape = ctx->tape->tape_prev;
}

TNDEF void *tn_ctx_alloc(tn_ctx *ctx, size_t size) {
    uint8_t *base;
    size_t start, avail;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_ctx_alloc: ctx is NULL"); return NULL; }
    base = tn__ctx_base(ctx);
    start = (ctx->used + TN__ALIGN - 1) / TN__ALIGN * TN__ALIGN;
    avail = start <= ctx->size ? ctx->size - start : 0;
    if (size > avail) {
        tn__fail(TN_ERR_NOMEM, "context full: need %zu bytes, %zu of %zu free; create the context larger",
                 size, avail, ctx->size);
        return NULL;
    }
    ctx->used = start + size;
    return base + start;
}
/* Temporaries of one op (outside the arena, so they neither fill the context
   nor outlive the call): grown to the largest request, then reused, so steady
   training steps allocate nothing. One user at a time; NULL when out of memory. */
static void *tn__ctx_scratch(tn_ctx *ctx, size_t size) { return tn__grow(&ctx->scratch, &ctx->scratch_size, size); }

/* Positional table in enum order (no designated initializers: C++ too).
   name, blck_size, type_size, is_quantized, can_quantize, can_dequantize, vec_dot_type, has_vec_dot */
static const tn_type_traits tn__traits[TN_TYPE_COUNT] = {
    {"f32", 1, 4, 0, 1, 1, TN_TYPE_F32, 1},
    {"f16", 1, 2, 0, 1, 1, TN_TYPE_F32, 1},
    {"q4_0", 32, 18, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q4_1", 32, 20, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"q5_0", 32, 22, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q5_1", 32, 24, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q8_0", 32, 34, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q8_1", 32, 36, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q2_K", 256, 84, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"q3_K", 256, 110, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"q4_K", 256, 144, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"q5_K", 256, 176, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"q6_K", 256, 210, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"q8_K", 256, 292, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq2_xxs", 256, 66, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq2_xs", 256, 74, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq3_xxs", 256, 98, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq1_s", 256, 50, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq4_nl", 32, 18, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"iq3_s", 256, 110, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq2_s", 256, 82, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"iq4_xs", 256, 136, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"i8", 1, 1, 0, 1, 1, TN_TYPE_F32, 0},
    {"i16", 1, 2, 0, 1, 1, TN_TYPE_F32, 0},
    {"i32", 1, 4, 0, 1, 1, TN_TYPE_F32, 0},
    {"i64", 1, 8, 0, 0, 0, TN_TYPE_F32, 0},
    {"f64", 1, 8, 0, 0, 0, TN_TYPE_F32, 0},
    {"iq1_m", 256, 56, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"bf16", 1, 2, 0, 1, 1, TN_TYPE_F32, 1},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"tq1_0", 256, 54, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"tq2_0", 256, 66, 1, 1, 1, TN_TYPE_Q8_K, 1},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"DEPRECATED", 0, 0, 0, 0, 0, TN_TYPE_F32, 0},
    {"mxfp4", 32, 17, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"nvfp4", 64, 36, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q1_0", 128, 18, 1, 1, 1, TN_TYPE_Q8_0, 1},
    {"q2_0", 64, 18, 1, 1, 1, TN_TYPE_Q8_0, 1},
};
static const tn_type_traits tn__traits_t2 = {"t2", 256, 64, 1, 1, 1, TN_TYPE_Q8_K, 1};

TNDEF const tn_type_traits *tn_type_get_traits(tn_type type) {
    if (type == TN_TYPE_T2) return &tn__traits_t2;
    if ((int)type < 0 || (int)type >= TN_TYPE_COUNT || tn__traits[type].blck_size == 0) return NULL;
    return &tn__traits[type];
}
TNDEF const char *tn_type_name(tn_type type) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    return tr ? tr->name : "?";
}
TNDEF tn_status tn_type_from_name(const char *name, tn_type *out) {
    int i;
    if (!name || !out) return tn__fail(TN_ERR_ARG, "tn_type_from_name: NULL argument");
    for (i = 0; i < TN_TYPE_COUNT; i++) {
        const char *a = tn__traits[i].name, *b = name;
        if (tn__traits[i].blck_size == 0) continue;
        while (*a && *b && (*a == *b || (*a >= 'A' && *a <= 'Z' && *a + 32 == *b) ||
                            (*b >= 'A' && *b <= 'Z' && *b + 32 == *a))) { a++; b++; }
        if (!*a && !*b) { *out = (tn_type)i; return TN_OK; }
    }
    if (strcmp(name, "t2") == 0) { *out = TN_TYPE_T2; return TN_OK; }
    return tn__fail(TN_ERR_TYPE, "unknown type name '%s' (try f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_K..q6_K, iq1_s, iq1_m, iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s, iq4_nl, iq4_xs, mxfp4, nvfp4, q1_0, q2_0, tq1_0, tq2_0)", name);
}
TNDEF int64_t tn_blck_size(tn_type type) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    return tr ? tr->blck_size : 0;
}
TNDEF size_t tn_type_size(tn_type type) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    return tr ? tr->type_size : 0;
}
TNDEF size_t tn_row_size(tn_type type, int64_t ne0) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    if (!tr || ne0 < 0 || ne0 % tr->blck_size) return 0;
    if ((uint64_t)(ne0 / tr->blck_size) > (uint64_t)((size_t)-1 / tr->type_size)) return 0;
    return (size_t)(ne0 / tr->blck_size) * tr->type_size;
}

/* a*b with overflow check; returns 0 on overflow */
static int tn__mul_size(size_t a, size_t b, size_t *out) {
    if (a && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}

static tn_tensor *tn__tensor_header(tn_ctx *ctx) {
    tn_tensor *t = (tn_tensor *)tn_ctx_alloc(ctx, sizeof(tn_tensor));
    if (t) { memset(t, 0, sizeof(*t)); t->scale = 1.0f; }
    return t;
}

/* every shape is checked here, from a caller or a file: the element count
   (zero dimensions counted as 1) fits in int64, so tn_nelements and tn_nrows
   never overflow, and an empty tensor has at most 2^24 rows, so a loop over
   its rows is short (a few bytes of file cannot make 2^48 empty rows) */
static int tn__shape_ok(const int64_t *ne, int n_dims) {
    int64_t n = 1;
    int i, empty = 0;
    for (i = 0; i < n_dims; i++) {
        int64_t d = ne[i] ? ne[i] : 1;
        if (ne[i] < 0) return 0;
        empty |= ne[i] == 0;
        if (n > INT64_MAX / d) return 0;
        n *= d;
    }
    return !empty || n <= ((int64_t)1 << 24);
}
static tn_tensor *tn__new(tn_ctx *ctx, tn_type type, int n_dims, const int64_t *ne, int zero);
TNDEF tn_tensor *tn_new(tn_ctx *ctx, tn_type type, int n_dims, const int64_t *ne) { return tn__new(ctx, type, n_dims, ne, 1); }
/* zero = 0: the caller writes every element (op outputs skip the memset) */
static tn_tensor *tn__new(tn_ctx *ctx, tn_type type, int n_dims, const int64_t *ne, int zero) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    tn_tensor *t;
    size_t bytes;
    int i;
    if (!ctx || !ne) { tn__fail(TN_ERR_ARG, "tn_new: NULL argument"); return NULL; }
    if (!tr) { tn__fail(TN_ERR_TYPE, "tn_new: unknown type id %d", (int)type); return NULL; }
    if (n_dims < 1 || n_dims > TN_MAX_DIMS) { tn__fail(TN_ERR_ARG, "tn_new: n_dims is %d, want 1..4", n_dims); return NULL; }
    for (i = 0; i < n_dims; i++)
        if (ne[i] < 0) { tn__fail(TN_ERR_SHAPE, "tn_new: ne[%d] = %lld is negative", i, (long long)ne[i]); return NULL; }
    if (ne[0] % tr->blck_size) {
        tn__fail(TN_ERR_SHAPE, "tn_new: ne[0] = %lld is not a multiple of %s's block size %lld",
                 (long long)ne[0], tr->name, (long long)tr->blck_size);
        return NULL;
    }
    if (!tn__shape_ok(ne, n_dims)) {
        tn__fail(TN_ERR_SHAPE, "tn_new: %lld x %lld x %lld x %lld elements overflow (or an empty tensor of over 2^24 rows)",
                 (long long)ne[0], (long long)(n_dims > 1 ? ne[1] : 1), (long long)(n_dims > 2 ? ne[2] : 1), (long long)(n_dims > 3 ? ne[3] : 1));
        return NULL;
    }
    bytes = tn_row_size(type, ne[0]);
    if (ne[0] && !bytes) { tn__fail(TN_ERR_SHAPE, "tn_new: a row of %lld %s values overflows the address space", (long long)ne[0], tr->name); return NULL; }
    for (i = 1; i < n_dims; i++) {
        if ((uint64_t)ne[i] > (uint64_t)(size_t)-1 || !tn__mul_size(bytes, (size_t)ne[i], &bytes)) {
            tn__fail(TN_ERR_SHAPE, "tn_new: size overflows");
            return NULL;
        }
    }
    t = tn__tensor_header(ctx);
    if (!t) return NULL;
    t->data = tn_ctx_alloc(ctx, bytes);
    if (!t->data) return NULL;
    if (zero) memset(t->data, 0, bytes);
    t->type = type;
    t->n_dims = n_dims;
    for (i = 0; i < TN_MAX_DIMS; i++) t->ne[i] = i < n_dims ? ne[i] : 1;
    t->nb[0] = tr->type_size;
    t->nb[1] = tn_row_size(type, t->ne[0]);
    for (i = 2; i < TN_MAX_DIMS; i++) t->nb[i] = t->nb[i - 1] * (size_t)t->ne[i - 1];
    t->data_size = bytes;
    return t;
}
TNDEF tn_tensor *tn_new_1d(tn_ctx *ctx, tn_type type, int64_t ne0) {
    int64_t ne[1]; ne[0] = ne0;
    return tn_new(ctx, type, 1, ne);
}
TNDEF tn_tensor *tn_new_2d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1) {
    int64_t ne[2]; ne[0] = ne0; ne[1] = ne1;
    return tn_new(ctx, type, 2, ne);
}
TNDEF tn_tensor *tn_new_3d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1, int64_t ne2) {
    int64_t ne[3]; ne[0] = ne0; ne[1] = ne1; ne[2] = ne2;
    return tn_new(ctx, type, 3, ne);
}
TNDEF tn_tensor *tn_new_4d(tn_ctx *ctx, tn_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3) {
    int64_t ne[4]; ne[0] = ne0; ne[1] = ne1; ne[2] = ne2; ne[3] = ne3;
    return tn_new(ctx, type, 4, ne);
}
TNDEF void tn_set_name(tn_tensor *t, const char *name) {
    size_t n;
    if (!t) return;
    if (!name) { t->name[0] = 0; return; }
    n = strlen(name);
    if (n > TN_MAX_NAME - 1) n = TN_MAX_NAME - 1;
    memcpy(t->name, name, n);
    t->name[n] = 0;
}

TNDEF int64_t tn_nelements(const tn_tensor *t) { return t ? t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3] : 0; }
TNDEF int64_t tn_nrows(const tn_tensor *t) { return t ? t->ne[1] * t->ne[2] * t->ne[3] : 0; }

/* bytes spanned by a shape with strides (0 for an empty tensor) */
static size_t tn__span(tn_type type, const int64_t *ne, const size_t *nb) {
    int64_t bs = tn_blck_size(type);
    size_t n;
    int i;
    for (i = 0; i < TN_MAX_DIMS; i++) if (ne[i] == 0) return 0;
    n = (size_t)(ne[0] / bs) * nb[0];
    if (bs == 1) n = (size_t)(ne[0] - 1) * nb[0] + tn_type_size(type);
    for (i = 1; i < TN_MAX_DIMS; i++) n += (size_t)(ne[i] - 1) * nb[i];
    return n;
}
TNDEF size_t tn_nbytes(const tn_tensor *t) { return t ? tn__span(t->type, t->ne, t->nb) : 0; }
/* tn__span with every product and sum checked: 0 when it overflows size_t */
static int tn__span_checked(tn_type type, const int64_t *ne, const size_t *nb, size_t *out) {
    int64_t bs = tn_blck_size(type);
    size_t n, p;
    int i;
    for (i = 0; i < TN_MAX_DIMS; i++) if (ne[i] == 0) { *out = 0; return 1; }
    if (bs == 1) { if (!tn__mul_size((size_t)(ne[0] - 1), nb[0], &n) || n > (size_t)-1 - tn_type_size(type)) return 0; n += tn_type_size(type); }
    else if (!tn__mul_size((size_t)(ne[0] / bs), nb[0], &n)) return 0;
    for (i = 1; i < TN_MAX_DIMS; i++) {
        if (!tn__mul_size((size_t)(ne[i] - 1), nb[i], &p) || p > (size_t)-1 - n) return 0;
        n += p;
    }
    *out = n;
    return 1;
}

TNDEF int tn_is_contiguous(const tn_tensor *t) {
    size_t want;
    int i;
    if (!t) return 0;
    if (t->nb[0] != tn_type_size(t->type)) return 0;
    want = tn_row_size(t->type, t->ne[0]);
    for (i = 1; i < TN_MAX_DIMS; i++) {
        if (t->ne[i] != 1 && t->nb[i] != want) return 0;
        want *= (size_t)t->ne[i];
    }
    return 1;
}
TNDEF int tn_same_shape(const tn_tensor *a, const tn_tensor *b) {
    return a && b && a->ne[0] == b->ne[0] && a->ne[1] == b->ne[1] && a->ne[2] == b->ne[2] && a->ne[3] == b->ne[3];
}

TNDEF tn_tensor *tn_view(tn_ctx *ctx, tn_tensor *src, int n_dims, const int64_t *ne, const size_t *nb, size_t offset) {
    const tn_type_traits *tr;
    int64_t ne4[TN_MAX_DIMS];
    size_t nb4[TN_MAX_DIMS], span;
    tn_tensor *t;
    int i;
    if (!ctx || !src || !ne || !nb) { tn__fail(TN_ERR_ARG, "tn_view: NULL argument"); return NULL; }
    tr = tn_type_get_traits(src->type);
    if (!tr) { tn__fail(TN_ERR_TYPE, "tn_view: unknown type"); return NULL; }
    if (n_dims < 1 || n_dims > TN_MAX_DIMS) { tn__fail(TN_ERR_ARG, "tn_view: n_dims is %d, want 1..4", n_dims); return NULL; }
    for (i = 0; i < TN_MAX_DIMS; i++) {
        ne4[i] = i < n_dims ? ne[i] : 1;
        nb4[i] = i < n_dims ? nb[i] : (i > 0 ? nb4[i - 1] * (size_t)ne4[i - 1] : tr->type_size);
        if (ne4[i] < 0 || ne4[i] > ((int64_t)1 << 48)) { tn__fail(TN_ERR_SHAPE, "tn_view: ne[%d] = %lld out of range", i, (long long)ne4[i]); return NULL; }
    }
    if (ne4[0] % tr->blck_size || (tr->blck_size > 1 && nb4[0] != tr->type_size)) {
        tn__fail(TN_ERR_SHAPE, "tn_view: a %s view needs whole blocks in dim 0 with stride %zu", tr->name, tr->type_size);
        return NULL;
    }
    for (i = 0; i < TN_MAX_DIMS; i++) {
        if (ne4[i] > 1 && nb4[i] > ((size_t)1 << 48)) { tn__fail(TN_ERR_SHAPE, "tn_view: stride %zu too large", nb4[i]); return NULL; }
    }
    if (!tn__shape_ok(ne4, TN_MAX_DIMS) || !tn__span_checked(src->type, ne4, nb4, &span)) {
        tn__fail(TN_ERR_SHAPE, "tn_view: the view's shape and strides overflow (its span is not a size)");
        return NULL;
    }
    if (offset > src->data_size || span > src->data_size - offset) {
        tn__fail(TN_ERR_SHAPE, "tn_view: view of %zu bytes at offset %zu exceeds the %zu bytes of '%s'",
                 span, offset, src->data_size, src->name);
        return NULL;
    }
    t = tn__tensor_header(ctx);
    if (!t) return NULL;
    t->type = src->type;
    t->n_dims = n_dims;
    for (i = 0; i < TN_MAX_DIMS; i++) { t->ne[i] = ne4[i]; t->nb[i] = nb4[i]; }
    t->data = (uint8_t *)src->data + offset;
    t->data_size = src->data_size - offset;
    t->view_src = src->view_src ? src->view_src : src;
    t->view_offs = src->view_offs + offset;
    t->scale = src->scale;
    memcpy(t->name, src->name, sizeof(t->name));
    tn__view_track(ctx, t, src);
    return t;
}

TNDEF tn_tensor *tn_reshape(tn_ctx *ctx, tn_tensor *src, int n_dims, const int64_t *ne) {
    int64_t n = 1;
    size_t nb[TN_MAX_DIMS];
    int i;
    if (!src || !ne) { tn__fail(TN_ERR_ARG, "tn_reshape: NULL argument"); return NULL; }
    if (n_dims < 1 || n_dims > TN_MAX_DIMS) { tn__fail(TN_ERR_ARG, "tn_reshape: n_dims is %d, want 1..4", n_dims); return NULL; }
    if (!tn_is_contiguous(src)) { tn__fail(TN_ERR_ARG, "tn_reshape: source is not contiguous; call tn_cont first"); return NULL; }
    for (i = 0; i < n_dims; i++) {
        if (ne[i] < 0 || (ne[i] && n > INT64_MAX / ne[i])) { tn__fail(TN_ERR_SHAPE, "tn_reshape: bad ne[%d]", i); return NULL; }
        n *= ne[i];
    }
    if (n != tn_nelements(src)) {
        tn__fail(TN_ERR_SHAPE, "tn_reshape: %lld elements cannot take the shape of %lld",
                 (long long)tn_nelements(src), (long long)n);
        return NULL;
    }
    if (ne[0] % tn_blck_size(src->type)) { tn__fail(TN_ERR_SHAPE, "tn_reshape: ne[0] must be whole blocks"); return NULL; }
    nb[0] = tn_type_size(src->type);
    if (n_dims > 1) nb[1] = tn_row_size(src->type, ne[0]);
    for (i = 2; i < n_dims; i++) nb[i] = nb[i - 1] * (size_t)ne[i - 1];
    return tn_view(ctx, src, n_dims, ne, nb, 0);
}

TNDEF tn_tensor *tn_permute(tn_ctx *ctx, tn_tensor *src, int a0, int a1, int a2, int a3) {
    int ax[4], seen = 0, i, nd;
    int64_t ne[4];
    size_t nb[4];
    tn_tensor *t;
    ax[0] = a0; ax[1] = a1; ax[2] = a2; ax[3] = a3;
    if (!src) { tn__fail(TN_ERR_ARG, "tn_permute: NULL tensor"); return NULL; }
    for (i = 0; i < 4; i++) {
        if (ax[i] < 0 || ax[i] > 3 || (seen & (1 << ax[i]))) {
            tn__fail(TN_ERR_ARG, "tn_permute: axes (%d,%d,%d,%d) are not a permutation of 0..3", a0, a1, a2, a3);
            return NULL;
        }
        seen |= 1 << ax[i];
    }
    if (tn_blck_size(src->type) > 1 && ax[0] != 0) { tn__fail(TN_ERR_TYPE, "tn_permute: dim 0 of a quantized tensor cannot move"); return NULL; }
    for (i = 0; i < 4; i++) { ne[i] = src->ne[ax[i]]; nb[i] = src->nb[ax[i]]; }
    /* build the view by hand: strides may be in any order */
    t = tn__tensor_header(ctx);
    if (!t) return NULL;
    *t = *src;
    nd = 1;
    for (i = 0; i < 4; i++) { t->ne[i] = ne[i]; t->nb[i] = nb[i]; if (ne[i] != 1) nd = i + 1; }
    t->n_dims = TN__MAX(nd, src->n_dims);
    t->view_src = src->view_src ? src->view_src : src;
    tn__view_track(ctx, t, src);
    return t;
}
TNDEF tn_tensor *tn_transpose(tn_ctx *ctx, tn_tensor *src) { return tn_permute(ctx, src, 1, 0, 2, 3); }

TNDEF tn_tensor *tn_slice(tn_ctx *ctx, tn_tensor *src, int dim, int64_t start, int64_t len) {
    int64_t ne[4], bs;
    size_t off;
    tn_tensor *t;
    if (!src) { tn__fail(TN_ERR_ARG, "tn_slice: NULL tensor"); return NULL; }
    if (dim < 0 || dim > 3) { tn__fail(TN_ERR_ARG, "tn_slice: dim %d, want 0..3", dim); return NULL; }
    if (start < 0 || len < 0 || start > src->ne[dim] || len > src->ne[dim] - start) {
        tn__fail(TN_ERR_SHAPE, "tn_slice: %lld values from %lld are outside dim %d of size %lld",
                 (long long)len, (long long)start, dim, (long long)src->ne[dim]);
        return NULL;
    }
    bs = tn_blck_size(src->type);
    if (dim == 0 && (start % bs || len % bs)) { tn__fail(TN_ERR_SHAPE, "tn_slice: a %s slice of dim 0 must be whole blocks of %lld", tn_type_name(src->type), (long long)bs); return NULL; }
    memcpy(ne, src->ne, sizeof(ne));
    ne[dim] = len;
    /* an empty slice addresses nothing: it starts where its source does (its
       offset could lie past an empty source's bytes, or overflow with its strides) */
    off = ne[0] && ne[1] && ne[2] && ne[3] ? (size_t)(dim == 0 ? start / bs : start) * src->nb[dim] : 0;
    if (off > src->data_size) { /* (cannot happen for a tensor whose span was checked) */
        tn__fail(TN_ERR_SHAPE, "tn_slice: offset %zu is past the %zu bytes of '%s'", off, src->data_size, src->name);
        return NULL;
    }
    t = tn__tensor_header(ctx);
    if (!t) return NULL;
    *t = *src;
    t->ne[dim] = len;
    t->data = (uint8_t *)src->data + off;
    t->data_size = src->data_size - off;
    t->view_src = src->view_src ? src->view_src : src;
    t->view_offs = src->view_offs + off;
    tn__view_track(ctx, t, src);
    return t;
}

static void *tn__ptr(const tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return (uint8_t *)t->data + (size_t)i0 * t->nb[0] + (size_t)i1 * t->nb[1] + (size_t)i2 * t->nb[2] + (size_t)i3 * t->nb[3];
}

static float tn__load_f(tn_type type, const void *p) {
    switch (type) {
    case TN_TYPE_F32: { float v; memcpy(&v, p, 4); return v; }
    case TN_TYPE_F16: { uint16_t h; memcpy(&h, p, 2); return tn_fp16_to_fp32(h); }
    case TN_TYPE_BF16: { uint16_t h; memcpy(&h, p, 2); return tn_bf16_to_fp32(h); }
    case TN_TYPE_I8: return (float)*(const int8_t *)p;
    case TN_TYPE_I16: { int16_t v; memcpy(&v, p, 2); return (float)v; }
    case TN_TYPE_I32: { int32_t v; memcpy(&v, p, 4); return (float)v; }
    default: return 0.0f;
    }
}
static long tn__sat(float v, long lo, long hi) {
    if (!(v == v)) return 0;
    if (v <= (float)lo) return lo;
    if (v >= (float)hi) return hi;
    return lroundf(v);
}
static void tn__store_f(tn_type type, void *p, float v) {
    switch (type) {
    case TN_TYPE_F32: memcpy(p, &v, 4); break;
    case TN_TYPE_F16: { uint16_t h = tn_fp32_to_fp16(v); memcpy(p, &h, 2); break; }
    case TN_TYPE_BF16: { uint16_t h = tn_fp32_to_bf16(v); memcpy(p, &h, 2); break; }
    case TN_TYPE_I8: *(int8_t *)p = (int8_t)tn__sat(v, -128, 127); break;
    case TN_TYPE_I16: { int16_t x = (int16_t)tn__sat(v, -32768, 32767); memcpy(p, &x, 2); break; }
    case TN_TYPE_I32: { int32_t x = (int32_t)tn__sat(v, -2147483647L - 1, 2147483647L); memcpy(p, &x, 4); break; }
    default: break;
    }
}
static int tn__is_elem_type(tn_type t) {
    return t == TN_TYPE_F32 || t == TN_TYPE_F16 || t == TN_TYPE_BF16 || t == TN_TYPE_I8 || t == TN_TYPE_I16 || t == TN_TYPE_I32;
}
static int tn__in_range(const tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return i0 >= 0 && i1 >= 0 && i2 >= 0 && i3 >= 0 && i0 < t->ne[0] && i1 < t->ne[1] && i2 < t->ne[2] && i3 < t->ne[3];
}

TNDEF float tn_get_f32(const tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    if (!t || !tn__is_elem_type(t->type) || !tn__in_range(t, i0, i1, i2, i3)) {
        tn__fail(TN_ERR_ARG, "tn_get_f32: bad tensor, type or index");
        return 0.0f;
    }
    return tn__load_f(t->type, tn__ptr(t, i0, i1, i2, i3));
}
TNDEF tn_status tn_set_f32(tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3, float v) {
    if (!t) return tn__fail(TN_ERR_ARG, "tn_set_f32: NULL tensor");
    if (!tn__is_elem_type(t->type)) return tn__fail(TN_ERR_TYPE, "tn_set_f32: %s has no single elements", tn_type_name(t->type));
    if (!tn__in_range(t, i0, i1, i2, i3)) return tn__fail(TN_ERR_ARG, "tn_set_f32: index out of range");
    tn__store_f(t->type, tn__ptr(t, i0, i1, i2, i3), v);
    return TN_OK;
}
TNDEF tn_status tn_fill(tn_tensor *t, float v) {
    int64_t i0, i1, i2, i3;
    if (!t) return tn__fail(TN_ERR_ARG, "tn_fill: NULL tensor");
    if (!tn__is_elem_type(t->type)) return tn__fail(TN_ERR_TYPE, "tn_fill: %s cannot be filled element-wise", tn_type_name(t->type));
    if (tn_nelements(t) == 0) return TN_OK; /* (an empty tensor may still count 2^24 rows: no loop over them) */
    for (i3 = 0; i3 < t->ne[3]; i3++)
        for (i2 = 0; i2 < t->ne[2]; i2++)
            for (i1 = 0; i1 < t->ne[1]; i1++)
                for (i0 = 0; i0 < t->ne[0]; i0++) tn__store_f(t->type, tn__ptr(t, i0, i1, i2, i3), v);
    return TN_OK;
}

/* Row (i1,i2,i3) of t as floats / from floats. Quantized rows must be contiguous (always are). */
static tn_status tn__row_get(const tn_tensor *t, int64_t i1, int64_t i2, int64_t i3, float *buf) {
    const uint8_t *row = (const uint8_t *)tn__ptr(t, 0, i1, i2, i3);
    int64_t i0;
    if (tn__is_elem_type(t->type)) {
        for (i0 = 0; i0 < t->ne[0]; i0++) buf[i0] = tn__load_f(t->type, row + (size_t)i0 * t->nb[0]);
        return TN_OK;
    }
    return tn_dequantize_row(t->type, row, buf, t->ne[0]);
}
static tn_status tn__row_set(tn_tensor *t, int64_t i1, int64_t i2, int64_t i3, const float *buf) {
    uint8_t *row = (uint8_t *)tn__ptr(t, 0, i1, i2, i3);
    int64_t i0;
    if (tn__is_elem_type(t->type)) {
        for (i0 = 0; i0 < t->ne[0]; i0++) tn__store_f(t->type, row + (size_t)i0 * t->nb[0], buf[i0]);
        return TN_OK;
    }
    return tn_quantize_row(t->type, buf, row, t->ne[0]);
}

TNDEF tn_status tn_copy(tn_tensor *dst, const tn_tensor *src) {
    int64_t i1, i2, i3;
    float *buf;
    tn_status st = TN_OK;
    if (!dst || !src) return tn__fail(TN_ERR_ARG, "tn_copy: NULL tensor");
    if (!tn_same_shape(dst, src))
        return tn__fail(TN_ERR_SHAPE, "tn_copy: dst is %lldx%lldx%lldx%lld but src is %lldx%lldx%lldx%lld",
                        (long long)dst->ne[0], (long long)dst->ne[1], (long long)dst->ne[2], (long long)dst->ne[3],
                        (long long)src->ne[0], (long long)src->ne[1], (long long)src->ne[2], (long long)src->ne[3]);
    if (!tn_type_get_traits(dst->type) || !tn_type_get_traits(src->type)) return tn__fail(TN_ERR_TYPE, "tn_copy: unknown type");
    if (dst->type == src->type) {
        size_t rs = tn_row_size(src->type, src->ne[0]);
        if (tn_nelements(src) == 0) return TN_OK; /* nothing to move, however many empty rows */
        int rows_contig = src->nb[0] == tn_type_size(src->type) && dst->nb[0] == tn_type_size(dst->type);
        for (i3 = 0; i3 < src->ne[3]; i3++)
            for (i2 = 0; i2 < src->ne[2]; i2++)
                for (i1 = 0; i1 < src->ne[1]; i1++) {
                    if (rows_contig) {
                        memmove(tn__ptr(dst, 0, i1, i2, i3), tn__ptr(src, 0, i1, i2, i3), rs);
                    } else {
                        int64_t i0;
                        for (i0 = 0; i0 < src->ne[0]; i0++)
                            memmove(tn__ptr(dst, i0, i1, i2, i3), tn__ptr(src, i0, i1, i2, i3), tn_type_size(src->type));
                    }
                }
        return TN_OK;
    }
    {
        const tn_type_traits *ts = tn_type_get_traits(src->type), *td = tn_type_get_traits(dst->type);
        if (!ts->can_dequantize) return tn__fail(TN_ERR_TYPE, "tn_copy: cannot convert from %s", ts->name);
        if (!td->can_quantize) return tn__fail(TN_ERR_TYPE, "tn_copy: cannot convert to %s", td->name);
    }
    if (tn_nelements(src) == 0) return TN_OK;
    buf = (float *)TN_MALLOC(sizeof(float) * (size_t)(src->ne[0] ? src->ne[0] : 1));
    if (!buf) return tn__fail(TN_ERR_NOMEM, "tn_copy: out of memory");
    for (i3 = 0; i3 < src->ne[3] && st == TN_OK; i3++)
        for (i2 = 0; i2 < src->ne[2] && st == TN_OK; i2++)
            for (i1 = 0; i1 < src->ne[1] && st == TN_OK; i1++) {
                st = tn__row_get(src, i1, i2, i3, buf);
                if (st == TN_OK) st = tn__row_set(dst, i1, i2, i3, buf);
            }
    TN_FREE(buf);
    return st;
}

TNDEF tn_tensor *tn_cont(tn_ctx *ctx, const tn_tensor *src) {
    tn_tensor *t;
    if (!src) { tn__fail(TN_ERR_ARG, "tn_cont: NULL tensor"); return NULL; }
    t = tn_new(ctx, src->type, src->n_dims, src->ne);
    if (!t) return NULL;
    t->scale = src->scale;
    memcpy(t->name, src->name, sizeof(t->name));
    if (tn_copy(t, src) != TN_OK) return NULL;
    if (src->type == TN_TYPE_F32) tn__record(ctx, t, TN__OP_CONT, (tn_tensor *)src, NULL, NULL);
    return t;
}

/* ==== @@IMPL:QUANT  reference quantizers (strict IEEE: no FMA contraction) ==== */

/* ggml's quantizers must be evaluated without fusing x*id + c into an FMA,
   or rare ties move: contraction is off for the whole implementation (see
   @@IMPL:CONFIG). */

/* round half to even, valid for |v| <= 2^22 (ggml's nearest_int) */
static int tn__nearest_int(float v) {
    float val = v + 12582912.0f;
    int32_t i;
    memcpy(&i, &val, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/* float -> integer as C's truncating cast, defined for every input: NaN and
   out-of-range values give INT32_MIN (what x86's cvttss2si, and so ggml's
   builds, produce when a subnormal scale makes 1/d infinite). */
static int32_t tn__cvtt(float v) { return (v > -2147483648.0f && v < 2147483648.0f) ? (int32_t)v : INT32_MIN; }
static int tn__to_i8(float v) { unsigned u = (uint32_t)tn__cvtt(v) & 0xFFu; return u > 127u ? (int)u - 256 : (int)u; }
static unsigned tn__to_u8(float v) { return (uint32_t)tn__cvtt(v) & 0xFFu; }

/* -- q4_0 -- */
TNDEF void tn_quantize_row_q4_0_ref(const float *x, tn_block_q4_0 *y, int64_t k) {
    int64_t i, nb = k / TN_QK4_0;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK4_0) {
        float amax = 0.0f, max = 0.0f, d, id;
        for (j = 0; j < TN_QK4_0; j++) {
            float v = x[j];
            if (amax < fabsf(v)) { amax = fabsf(v); max = v; }
        }
        d = max / -8.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        for (j = 0; j < TN_QK4_0 / 2; j++) {
            float x0 = x[j] * id, x1 = x[j + TN_QK4_0 / 2] * id;
            uint8_t q0 = (uint8_t)TN__MIN(15, tn__to_i8(x0 + 8.5f));
            uint8_t q1 = (uint8_t)TN__MIN(15, tn__to_i8(x1 + 8.5f));
            y[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
TNDEF void tn_dequantize_row_q4_0(const tn_block_q4_0 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK4_0;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK4_0) {
        float d = tn_fp16_to_fp32(x[i].d);
        for (j = 0; j < TN_QK4_0 / 2; j++) {
            y[j] = (float)((x[i].qs[j] & 0x0F) - 8) * d;
            y[j + TN_QK4_0 / 2] = (float)((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

/* -- q4_1 -- */
TNDEF void tn_quantize_row_q4_1_ref(const float *x, tn_block_q4_1 *y, int64_t k) {
    int64_t i, nb = k / TN_QK4_1;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK4_1) {
        float min = FLT_MAX, max = -FLT_MAX, d, id;
        for (j = 0; j < TN_QK4_1; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        d = (max - min) / 15.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        y[i].m = tn_fp32_to_fp16(min);
        for (j = 0; j < TN_QK4_1 / 2; j++) {
            float x0 = (x[j] - min) * id, x1 = (x[j + TN_QK4_1 / 2] - min) * id;
            uint8_t q0 = (uint8_t)TN__MIN(15, tn__to_i8(x0 + 0.5f));
            uint8_t q1 = (uint8_t)TN__MIN(15, tn__to_i8(x1 + 0.5f));
            y[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
TNDEF void tn_dequantize_row_q4_1(const tn_block_q4_1 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK4_1;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK4_1) {
        float d = tn_fp16_to_fp32(x[i].d), m = tn_fp16_to_fp32(x[i].m);
        for (j = 0; j < TN_QK4_1 / 2; j++) {
            y[j] = (float)(x[i].qs[j] & 0x0F) * d + m;
            y[j + TN_QK4_1 / 2] = (float)(x[i].qs[j] >> 4) * d + m;
        }
    }
}

/* -- q5_0 -- */
TNDEF void tn_quantize_row_q5_0_ref(const float *x, tn_block_q5_0 *y, int64_t k) {
    int64_t i, nb = k / TN_QK5_0;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK5_0) {
        float amax = 0.0f, max = 0.0f, d, id;
        uint32_t qh = 0;
        for (j = 0; j < TN_QK5_0; j++) {
            float v = x[j];
            if (amax < fabsf(v)) { amax = fabsf(v); max = v; }
        }
        d = max / -16.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        for (j = 0; j < TN_QK5_0 / 2; j++) {
            float x0 = x[j] * id, x1 = x[j + TN_QK5_0 / 2] * id;
            uint8_t q0 = (uint8_t)TN__MIN(31, tn__to_i8(x0 + 16.5f));
            uint8_t q1 = (uint8_t)TN__MIN(31, tn__to_i8(x1 + 16.5f));
            y[i].qs[j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= (uint32_t)((q0 & 0x10) >> 4) << j;
            qh |= (uint32_t)((q1 & 0x10) >> 4) << (j + TN_QK5_0 / 2);
        }
        y[i].qh[0] = (uint8_t)qh; y[i].qh[1] = (uint8_t)(qh >> 8);
        y[i].qh[2] = (uint8_t)(qh >> 16); y[i].qh[3] = (uint8_t)(qh >> 24);
    }
}
static uint32_t tn__le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
TNDEF void tn_dequantize_row_q5_0(const tn_block_q5_0 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK5_0;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK5_0) {
        float d = tn_fp16_to_fp32(x[i].d);
        uint32_t qh = tn__le32(x[i].qh);
        for (j = 0; j < TN_QK5_0 / 2; j++) {
            int h0 = (int)((qh >> j) & 1u) << 4, h1 = (int)((qh >> (j + 16)) & 1u) << 4;
            y[j] = (float)(((x[i].qs[j] & 0x0F) | h0) - 16) * d;
            y[j + TN_QK5_0 / 2] = (float)(((x[i].qs[j] >> 4) | h1) - 16) * d;
        }
    }
}

/* -- q5_1 -- */
TNDEF void tn_quantize_row_q5_1_ref(const float *x, tn_block_q5_1 *y, int64_t k) {
    int64_t i, nb = k / TN_QK5_1;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK5_1) {
        float min = FLT_MAX, max = -FLT_MAX, d, id;
        uint32_t qh = 0;
        for (j = 0; j < TN_QK5_1; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        d = (max - min) / 31.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        y[i].m = tn_fp32_to_fp16(min);
        for (j = 0; j < TN_QK5_1 / 2; j++) {
            float x0 = (x[j] - min) * id, x1 = (x[j + TN_QK5_1 / 2] - min) * id;
            uint8_t q0 = (uint8_t)tn__to_u8(x0 + 0.5f), q1 = (uint8_t)tn__to_u8(x1 + 0.5f);
            y[i].qs[j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= (uint32_t)((q0 & 0x10) >> 4) << j;
            qh |= (uint32_t)((q1 & 0x10) >> 4) << (j + TN_QK5_1 / 2);
        }
        y[i].qh[0] = (uint8_t)qh; y[i].qh[1] = (uint8_t)(qh >> 8);
        y[i].qh[2] = (uint8_t)(qh >> 16); y[i].qh[3] = (uint8_t)(qh >> 24);
    }
}
TNDEF void tn_dequantize_row_q5_1(const tn_block_q5_1 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK5_1;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK5_1) {
        float d = tn_fp16_to_fp32(x[i].d), m = tn_fp16_to_fp32(x[i].m);
        uint32_t qh = tn__le32(x[i].qh);
        for (j = 0; j < TN_QK5_1 / 2; j++) {
            int h0 = (int)((qh >> j) & 1u) << 4, h1 = (int)((qh >> (j + 16)) & 1u) << 4;
            y[j] = (float)((x[i].qs[j] & 0x0F) | h0) * d + m;
            y[j + TN_QK5_1 / 2] = (float)((x[i].qs[j] >> 4) | h1) * d + m;
        }
    }
}

/* -- q8_0, q8_1 -- */
TNDEF void tn_quantize_row_q8_0_ref(const float *x, tn_block_q8_0 *y, int64_t k) {
    int64_t i, nb = k / TN_QK8_0;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK8_0) {
        float amax = 0.0f, d, id;
        for (j = 0; j < TN_QK8_0; j++) amax = TN__MAX(amax, fabsf(x[j]));
        d = amax / 127.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        for (j = 0; j < TN_QK8_0; j++) y[i].qs[j] = (int8_t)tn__to_i8(roundf(x[j] * id));
    }
}
TNDEF void tn_dequantize_row_q8_0(const tn_block_q8_0 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK8_0;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK8_0) {
        float d = tn_fp16_to_fp32(x[i].d);
        for (j = 0; j < TN_QK8_0; j++) y[j] = (float)x[i].qs[j] * d;
    }
}
TNDEF void tn_quantize_row_q8_1_ref(const float *x, tn_block_q8_1 *y, int64_t k) {
    int64_t i, nb = k / TN_QK8_1;
    int j;
    for (i = 0; i < nb; i++, x += TN_QK8_1) {
        float amax = 0.0f, d, id;
        int sum = 0;
        for (j = 0; j < TN_QK8_1; j++) amax = TN__MAX(amax, fabsf(x[j]));
        d = amax / 127.0f;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = tn_fp32_to_fp16(d);
        for (j = 0; j < TN_QK8_1; j++) { y[i].qs[j] = (int8_t)tn__to_i8(roundf(x[j] * id)); sum += y[i].qs[j]; }
        y[i].s = tn_fp32_to_fp16((float)sum * d);
    }
}
TNDEF void tn_dequantize_row_q8_1(const tn_block_q8_1 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK8_1;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK8_1) {
        float d = tn_fp16_to_fp32(x[i].d);
        for (j = 0; j < TN_QK8_1; j++) y[j] = (float)x[i].qs[j] * d;
    }
}

/* -- q8_K -- */
TNDEF void tn_quantize_row_q8_K_ref(const float *x, tn_block_q8_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    int j, g;
    for (i = 0; i < nb; i++, x += TN_QK_K) {
        float amax = 0.0f, max = 0.0f, iscale;
        for (j = 0; j < TN_QK_K; j++) {
            float ax = fabsf(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof(y[i])); /* ggml leaves bsums unwritten; we zero them */
            continue;
        }
        iscale = -127.0f / max;
        for (j = 0; j < TN_QK_K; j++) {
            float p = iscale * x[j];
            int v = tn__nearest_int(p);
            y[i].qs[j] = (int8_t)TN__MIN(127, v);
        }
        for (g = 0; g < TN_QK_K / 16; g++) {
            int sum = 0;
            for (j = 0; j < 16; j++) sum += y[i].qs[g * 16 + j];
            y[i].bsums[g] = (int16_t)sum;
        }
        y[i].d = 1.0f / iscale;
    }
}
/* the same blocks as tn_quantize_row_q8_K_ref, bit for bit: the first element of
   largest magnitude sets the scale, the products are rounded half to even (what
   ggml's nearest_int does) and clamped to 127. A block whose scale overflows
   (|max| below ~4e-37) goes through the reference, which defines that case. */
static void tn__quantize_row_q8_K(const float *x, tn_block_q8_K *y, int64_t k) { tn__kern()->quantize_q8_K(x, y, k); }
TNDEF void tn_dequantize_row_q8_K(const tn_block_q8_K *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    int j;
    for (i = 0; i < nb; i++, y += TN_QK_K)
        for (j = 0; j < TN_QK_K; j++) y[j] = x[i].d * (float)x[i].qs[j];
}

/* -- tq1_0: base-3, 5 trits a byte (4 in qh), byte = ceil(v * 256 / 243) -- */
static const uint8_t tn__pow3[6] = {1, 3, 9, 27, 81, 243};

static uint8_t tn__tq1_byte(unsigned v) { return (uint8_t)((v * 256u + 242u) / 243u); }

TNDEF void tn_quantize_row_tq1_0_ref(const float *x, tn_block_tq1_0 *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    int j, m, n;
    for (i = 0; i < nb; i++, x += TN_QK_K) {
        float amax = 0.0f, d, id;
        for (j = 0; j < TN_QK_K; j++) amax = TN__MAX(amax, fabsf(x[j]));
        d = amax;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        for (m = 0; m < 32; m++) {
            unsigned q = 0;
            for (n = 0; n < 5; n++) q = q * 3u + (unsigned)(lroundf(x[m + 32 * n] * id) + 1);
            y[i].qs[m] = tn__tq1_byte(q);
        }
        for (m = 0; m < 16; m++) {
            unsigned q = 0;
            for (n = 0; n < 5; n++) q = q * 3u + (unsigned)(lroundf(x[160 + m + 16 * n] * id) + 1);
            y[i].qs[32 + m] = tn__tq1_byte(q);
        }
        for (j = 0; j < 4; j++) {
            unsigned q = 0;
            for (n = 0; n < 4; n++) q = q * 3u + (unsigned)(lroundf(x[240 + j + 4 * n] * id) + 1);
            y[i].qh[j] = tn__tq1_byte(q * 3u);
        }
        y[i].d = tn_fp32_to_fp16(d);
    }
}
/* trit code (0,1,2) number n (0 = most significant) of a tq1_0 byte */
static int tn__tq1_trit(uint8_t b, int n) {
    uint8_t q = (uint8_t)(b * tn__pow3[n]);
    return (int)(((uint16_t)q * 3u) >> 8);
}
/* codes of a tq1_0 block in element order */
static void tn__tq1_codes(const tn_block_tq1_0 *b, uint8_t *c) {
    int m, n, j;
    for (n = 0; n < 5; n++)
        for (m = 0; m < 32; m++) c[32 * n + m] = (uint8_t)tn__tq1_trit(b->qs[m], n);
    for (n = 0; n < 5; n++)
        for (m = 0; m < 16; m++) c[160 + 16 * n + m] = (uint8_t)tn__tq1_trit(b->qs[32 + m], n);
    for (n = 0; n < 4; n++)
        for (j = 0; j < 4; j++) c[240 + 4 * n + j] = (uint8_t)tn__tq1_trit(b->qh[j], n);
}
TNDEF void tn_dequantize_row_tq1_0(const tn_block_tq1_0 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    uint8_t c[TN_QK_K];
    int j;
    for (i = 0; i < nb; i++, y += TN_QK_K) {
        float d = tn_fp16_to_fp32(x[i].d);
        tn__tq1_codes(&x[i], c);
        for (j = 0; j < TN_QK_K; j++) y[j] = (float)((int)c[j] - 1) * d;
    }
}

/* -- tq2_0: 2-bit codes t+1, element 128g+32n+m in bits 2n of qs[32g+m] -- */
TNDEF void tn_quantize_row_tq2_0_ref(const float *x, tn_block_tq2_0 *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    int j, g, m, n;
    for (i = 0; i < nb; i++, x += TN_QK_K) {
        float amax = 0.0f, d, id;
        for (j = 0; j < TN_QK_K; j++) amax = TN__MAX(amax, fabsf(x[j]));
        d = amax;
        id = d != 0.0f ? 1.0f / d : 0.0f;
        for (g = 0; g < 2; g++)
            for (m = 0; m < 32; m++) {
                unsigned q = 0;
                for (n = 0; n < 4; n++) q |= ((unsigned)(lroundf(x[128 * g + 32 * n + m] * id) + 1) & 3u) << (2 * n);
                y[i].qs[32 * g + m] = (uint8_t)q;
            }
        y[i].d = tn_fp32_to_fp16(d);
    }
}
static void tn__tq2_codes(const tn_block_tq2_0 *b, uint8_t *c) {
    int g, m, n;
    for (g = 0; g < 2; g++)
        for (n = 0; n < 4; n++)
            for (m = 0; m < 32; m++) c[128 * g + 32 * n + m] = (uint8_t)((b->qs[32 * g + m] >> (2 * n)) & 3);
}
TNDEF void tn_dequantize_row_tq2_0(const tn_block_tq2_0 *x, float *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    uint8_t c[TN_QK_K];
    int j;
    for (i = 0; i < nb; i++, y += TN_QK_K) {
        float d = tn_fp16_to_fp32(x[i].d);
        tn__tq2_codes(&x[i], c);
        for (j = 0; j < TN_QK_K; j++) y[j] = (float)((int)c[j] - 1) * d;
    }
}

/* -- K-quants (q2_K .. q6_K): super-blocks of 256 with 16 sub-block scales (8 for
   q4_K, q5_K), 6-bit or 4-bit, under one or two fp16 super-scales --
   The quantizers are ggml's reference searches without an importance matrix,
   written from their rules: the same float operations in the same order (no
   contraction), so the same bytes. Helpers below are named for what they do. */
#define TN__KQ_EPS 1e-15f /* a group whose largest magnitude is below this is all zero */
static int tn__clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
/* an int stored to a signed / unsigned byte, as the two's-complement truncation C compilers do */
static int tn__wrap_s8(int v) { return (int)(((unsigned)v & 0xFFu) ^ 0x80u) - 0x80; }
static unsigned tn__wrap_u8(int v) { return (unsigned)v & 0xFFu; }
static int tn__absmax_at(const float *x, int n, float *max) {
    float amax = 0.0f;
    int i;
    *max = 0.0f;
    for (i = 0; i < n; i++) {
        float ax = fabsf(x[i]);
        if (ax > amax) { amax = ax; *max = x[i]; }
    }
    return amax >= TN__KQ_EPS;
}
/* Symmetric codes in [-nmax, nmax) minimising sum w (x - s l)^2 over 19 trial
   scales around -nmax/max, w = qw or (NULL) x^2; L gets l + nmax; returns s
   (q6_K's groups; with an importance matrix also q3_K's, q4_0's, q5_0's) */
static float tn__kq_symmetric(int n, int nmax, const float *x, int8_t *L, const float *qw) {
    float max, iscale, sumlx = 0.0f, suml2 = 0.0f, scale, best;
    int i, is;
    if (!tn__absmax_at(x, n, &max)) { memset(L, 0, (size_t)n); return 0.0f; }
    iscale = (float)-nmax / max;
    for (i = 0; i < n; i++) {
        int l = tn__clampi(tn__nearest_int(iscale * x[i]), -nmax, nmax - 1);
        float w = qw ? qw[i] : x[i] * x[i];
        L[i] = (int8_t)(l + nmax);
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    best = scale * sumlx;
    for (is = -9; is <= 9; is++) {
        if (is == 0) continue;
        iscale = -((float)nmax + 0.1f * (float)is) / max;
        sumlx = suml2 = 0.0f;
        for (i = 0; i < n; i++) {
            int l = tn__clampi(tn__nearest_int(iscale * x[i]), -nmax, nmax - 1);
            float w = qw ? qw[i] : x[i] * x[i];
            sumlx += w * x[i] * (float)l;
            suml2 += w * (float)l * (float)l;
        }
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            for (i = 0; i < n; i++) L[i] = (int8_t)(nmax + tn__clampi(tn__nearest_int(iscale * x[i]), -nmax, nmax - 1));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}
/* Symmetric 3-bit codes of 16 values, refined one code at a time (up to five
   passes) while the x^2-weighted fit improves; L gets l + 4 (q3_K's groups) */
static float tn__kq_symmetric3(const float *x, int8_t *L) {
    const int n = 16, nmax = 4;
    float max, iscale, sumlx = 0.0f, suml2 = 0.0f;
    int i, itry;
    if (!tn__absmax_at(x, n, &max)) { memset(L, 0, (size_t)n); return 0.0f; }
    iscale = (float)-nmax / max;
    for (i = 0; i < n; i++) {
        int l = tn__clampi(tn__nearest_int(iscale * x[i]), -nmax, nmax - 1);
        float w = x[i] * x[i];
        L[i] = (int8_t)l;
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    for (itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            float w = x[i] * x[i], slx = sumlx - w * x[i] * (float)L[i];
            if (slx > 0.0f) {
                float sl2 = suml2 - w * (float)L[i] * (float)L[i];
                int nl = tn__clampi(tn__nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if (nl != L[i]) {
                    slx += w * x[i] * (float)nl;
                    sl2 += w * (float)nl * (float)nl;
                    if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (int8_t)nl;
                        sumlx = slx;
                        suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (!changed) break;
    }
    for (i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}
/* Codes in [0, nmax] for x ~ s l - m (m >= 0) minimising the weighted error
   (absolute if mad, else squared) over nstep+1 trial scales (rmin + k rdelta
   + nmax) / range, each refit by weighted least squares; *mout = m */
static float tn__kq_affine(int n, int nmax, const float *x, const float *w, uint8_t *L, float *mout, uint8_t *Laux,
                           float rmin, float rdelta, int nstep, int mad) {
    float min = x[0], max = x[0], sum_w = w[0], sum_x = w[0] * x[0], iscale, scale, best;
    int i, is;
    for (i = 1; i < n; i++) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0.0f) min = 0.0f;
    if (max == min) { memset(L, 0, (size_t)n); *mout = -min; return 0.0f; }
    iscale = (float)nmax / (max - min);
    scale = 1.0f / iscale;
    best = 0.0f;
    for (i = 0; i < n; i++) {
        float diff;
        L[i] = (uint8_t)tn__clampi(tn__nearest_int(iscale * (x[i] - min)), 0, nmax);
        diff = scale * (float)L[i] + min - x[i];
        best += w[i] * (mad ? fabsf(diff) : diff * diff);
    }
    for (is = 0; is <= nstep; is++) {
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f, D;
        iscale = (rmin + rdelta * (float)is + (float)nmax) / (max - min);
        for (i = 0; i < n; i++) {
            int l = tn__clampi(tn__nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = (uint8_t)l;
            sum_l += w[i] * (float)l;
            sum_l2 += w[i] * (float)l * (float)l;
            sum_xl += w[i] * (float)l * x[i];
        }
        D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0.0f) {
            float ts = (sum_w * sum_xl - sum_x * sum_l) / D, tm = (sum_l2 * sum_x - sum_l * sum_xl) / D, err = 0.0f;
            if (tm > 0.0f) { tm = 0.0f; ts = sum_xl / sum_l2; }
            for (i = 0; i < n; i++) {
                float diff = ts * (float)Laux[i] + tm - x[i];
                err += w[i] * (mad ? fabsf(diff) : diff * diff);
            }
            if (err < best) {
                memcpy(L, Laux, (size_t)n);
                best = err;
                scale = ts;
                min = tm;
            }
        }
    }
    *mout = -min;
    return scale;
}
/* Codes in [0, nmax] for n scales or mins x ~ s l, minimising the qw-weighted
   squared error: 9 trial scales around nmax/max, then up to five passes of
   single-code refits (the super-block scales with an importance matrix). A
   code below 0 is kept as its byte, as ggml's uint8_t array keeps it. */
static float tn__kq_positive(int n, int nmax, const float *x, uint8_t *L, const float *qw) {
    float max = 0.0f, iscale, scale, best = 0.0f, sumlx = 0.0f, suml2 = 0.0f;
    int i, is, itry;
    for (i = 0; i < n; i++) max = max > x[i] ? max : x[i];
    if (max < TN__KQ_EPS) { memset(L, 0, (size_t)n); return 0.0f; }
    iscale = (float)nmax / max;
    for (i = 0; i < n; i++) L[i] = (uint8_t)tn__wrap_u8(tn__nearest_int(iscale * x[i]));
    scale = 1.0f / iscale;
    for (i = 0; i < n; i++) {
        float diff = x[i] - scale * (float)L[i];
        best += qw[i] * diff * diff;
    }
    for (is = -4; is <= 4; is++) {
        float iscale_is, scale_is, mse = 0.0f;
        if (is == 0) continue;
        iscale_is = (0.1f * (float)is + (float)nmax) / max;
        scale_is = 1.0f / iscale_is;
        for (i = 0; i < n; i++) {
            int l = TN__MIN(nmax, tn__nearest_int(iscale_is * x[i]));
            float diff = x[i] - scale_is * (float)l;
            mse += qw[i] * diff * diff;
        }
        if (mse < best) { best = mse; iscale = iscale_is; }
    }
    for (i = 0; i < n; i++) {
        int l = TN__MIN(nmax, tn__nearest_int(iscale * x[i]));
        L[i] = (uint8_t)tn__wrap_u8(l);
        sumlx += qw[i] * x[i] * (float)l;
        suml2 += qw[i] * (float)l * (float)l;
    }
    for (itry = 0; itry < 5; itry++) {
        int changed = 0;
        for (i = 0; i < n; i++) {
            float w = qw[i], slx = sumlx - w * x[i] * (float)L[i], sl2 = suml2 - w * (float)L[i] * (float)L[i];
            if (slx > 0.0f && sl2 > 0.0f) {
                int nl = TN__MIN(nmax, tn__nearest_int(x[i] * sl2 / slx));
                if (nl != (int)L[i]) {
                    slx += w * x[i] * (float)nl;
                    sl2 += w * (float)nl * (float)nl;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (uint8_t)tn__wrap_u8(nl);
                        sumlx = slx;
                        suml2 = sl2;
                        changed++;
                    }
                }
            }
        }
        if (!changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}
/* the weights of an importance matrix for a group of n: qw x sqrt(sigma2 + x^2), and their sum */
static float tn__im_weights(int n, const float *x, const float *qw, float sigma2, float *w) {
    float sw = 0.0f;
    int l;
    for (l = 0; l < n; l++) w[l] = qw[l] * sqrtf(sigma2 + x[l] * x[l]);
    for (l = 0; l < n; l++) sw += w[l];
    return sw;
}
static float tn__sum_sq(const float *x, int64_t n) {
    float s = 0.0f;
    int64_t i;
    for (i = 0; i < n; i++) s += x[i] * x[i];
    return s;
}
/* q4_K / q5_K 6-bit (scale, min) of sub-block j from the 12 packed bytes */
static void tn__kq_scale_min(int j, const uint8_t *q, int *sc, int *m) {
    if (j < 4) { *sc = q[j] & 63; *m = q[j + 4] & 63; }
    else { *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}
/* 2-bit codes of 256 values into 64 bytes: element 128h + 32p + l at bits 2p of byte 32h + l */
static void tn__kq_pack2(const uint8_t *L, uint8_t *qs) {
    int j, l;
    for (j = 0; j < TN_QK_K; j += 128)
        for (l = 0; l < 32; l++)
            qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

/* one q2_K block; qw its 256 importance weights or NULL (ggml's reference) */
static void tn__q2_K_block(const float *x, tn_block_q2_K *y, const float *qw) {
    uint8_t L[TN_QK_K], Laux[16], Ls[16], Lm[16];
    float w[16], mins[16], scales[16], sw[16];
    int j, l;
    if (qw) { /* weighted fits, then the scales and mins fitted to 4 bits under the groups' weight sums */
        const float sigma2 = tn__sum_sq(x, TN_QK_K) / (float)TN_QK_K;
        for (j = 0; j < 16; j++) {
            sw[j] = tn__im_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = tn__kq_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux, -0.9f, 0.05f, 36, 0);
        }
        y->d = tn_fp32_to_fp16(tn__kq_positive(16, 15, scales, Ls, sw));
        y->dmin = tn_fp32_to_fp16(tn__kq_positive(16, 15, mins, Lm, sw));
        for (j = 0; j < 16; j++) y->scales[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
    } else {
        float max_scale = 0.0f, max_min = 0.0f;
        for (j = 0; j < 16; j++) {
            for (l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
            scales[j] = tn__kq_affine(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, 1);
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0.0f) {
            float iscale = 15.0f / max_scale;
            for (j = 0; j < 16; j++) y->scales[j] = (uint8_t)tn__wrap_u8(tn__nearest_int(iscale * scales[j]));
            y->d = tn_fp32_to_fp16(max_scale / 15.0f);
        } else {
            memset(y->scales, 0, sizeof(y->scales));
            y->d = tn_fp32_to_fp16(0.0f);
        }
        if (max_min > 0.0f) {
            float iscale = 15.0f / max_min;
            for (j = 0; j < 16; j++) y->scales[j] = (uint8_t)(y->scales[j] | tn__wrap_u8((int)((unsigned)tn__nearest_int(iscale * mins[j]) << 4)));
            y->dmin = tn_fp32_to_fp16(max_min / 15.0f);
        } else {
            y->dmin = tn_fp32_to_fp16(0.0f);
        }
    }
    for (j = 0; j < 16; j++) { /* the codes again under the stored scales */
        const float d = tn_fp16_to_fp32(y->d) * (float)(y->scales[j] & 0xF);
        float dm;
        if (d == 0.0f) continue;
        dm = tn_fp16_to_fp32(y->dmin) * (float)(y->scales[j] >> 4);
        for (l = 0; l < 16; l++) L[16 * j + l] = (uint8_t)tn__clampi(tn__nearest_int((x[16 * j + l] + dm) / d), 0, 3);
    }
    tn__kq_pack2(L, y->qs);
}
TNDEF void tn_quantize_row_q2_K_ref(const float *x, tn_block_q2_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    for (i = 0; i < nb; i++) tn__q2_K_block(x + TN_QK_K * i, y + i, NULL);
}

/* q3_K's 6-bit scale v (0..63) of group j: the low nibble in scales[j] (j < 8) or the
   high nibble of scales[j - 8], the top two bits at 2 (j / 4) of scales[8 + j % 4] */
static void tn__q3_K_put_scale(uint8_t *sc, int j, int v) {
    if (j < 8) sc[j] = (uint8_t)(v & 0xF);
    else sc[j - 8] = (uint8_t)(sc[j - 8] | ((v & 0xF) << 4));
    sc[j % 4 + 8] = (uint8_t)(sc[j % 4 + 8] | ((v >> 4) << (2 * (j / 4))));
}
/* one q3_K block; qw its 256 importance weights or NULL */
static void tn__q3_K_block(const float *x, tn_block_q3_K *y, const float *qw) {
    int8_t L[TN_QK_K], Ls[16];
    uint8_t U[TN_QK_K];
    float scales[16], w[16], sw[16];
    int j, l;
    memset(y->scales, 0, sizeof(y->scales));
    if (qw) { /* weighted 3-bit fits, their scales fitted to 6 bits under the groups' weight sums */
        const float sigma2 = 2.0f * tn__sum_sq(x, TN_QK_K) / (float)TN_QK_K;
        for (j = 0; j < 16; j++) {
            sw[j] = tn__im_weights(16, x + 16 * j, qw + 16 * j, sigma2, w);
            scales[j] = tn__kq_symmetric(16, 4, x + 16 * j, L + 16 * j, w);
        }
        y->d = tn_fp32_to_fp16(tn__kq_symmetric(16, 32, scales, Ls, sw));
        for (j = 0; j < 16; j++) tn__q3_K_put_scale(y->scales, j, Ls[j]);
    } else {
        float max_scale = 0.0f, amax = 0.0f;
        for (j = 0; j < 16; j++) {
            scales[j] = tn__kq_symmetric3(x + 16 * j, L + 16 * j);
            if (fabsf(scales[j]) > amax) { amax = fabsf(scales[j]); max_scale = scales[j]; }
        }
        if (max_scale != 0.0f) {
            float iscale = -32.0f / max_scale;
            for (j = 0; j < 16; j++) tn__q3_K_put_scale(y->scales, j, tn__clampi(tn__wrap_s8(tn__nearest_int(iscale * scales[j])), -32, 31) + 32);
            y->d = tn_fp32_to_fp16(1.0f / iscale);
        } else {
            y->d = tn_fp32_to_fp16(0.0f);
        }
    }
    for (j = 0; j < 16; j++) { /* the codes again under the stored scales */
        int sc = j < 8 ? y->scales[j] & 0xF : y->scales[j - 8] >> 4;
        float d;
        sc = (sc | (((y->scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
        d = tn_fp16_to_fp32(y->d) * (float)sc;
        if (d == 0.0f) continue;
        for (l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(tn__clampi(tn__nearest_int(x[16 * j + l] / d), -4, 3) + 4);
    }
    /* the third bit of element j in bit j/32 of hmask[j % 32], the low two as q2_K's */
    memset(y->hmask, 0, sizeof(y->hmask));
    for (j = 0; j < TN_QK_K; j++) {
        int v = L[j];
        if (v > 3) { y->hmask[j % 32] = (uint8_t)(y->hmask[j % 32] | (1u << (j / 32))); v -= 4; }
        U[j] = (uint8_t)v;
    }
    tn__kq_pack2(U, y->qs);
}
TNDEF void tn_quantize_row_q3_K_ref(const float *x, tn_block_q3_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    for (i = 0; i < nb; i++) tn__q3_K_block(x + TN_QK_K * i, y + i, NULL);
}

/* q4_K and q5_K: 8 sub-blocks of 32 fitted with (scale, min), weights |x| plus
   the sub-block's rms, both quantized to 6 bits under d = max/63 and dmin; with
   importance weights qw (NULL: ggml's reference) the fits are weighted by
   them and the scales and mins fitted to 6 bits under the sub-blocks' weight
   sums (q4_K keeps such a code's byte unclamped, as ggml does; q5_K clamps it) */
static void tn__kq_quantize_45(const float *x, uint8_t *Lout, uint8_t *scales12, uint16_t *dh, uint16_t *dminh, int nmax,
                               float rmin, int nstep, const float *qw) {
    uint8_t Laux[32], Ls[8], Lm[8];
    float w[32], mins[8], scales[8], sw[8], max_scale = 0.0f, max_min = 0.0f, inv_scale = 0.0f, inv_min = 0.0f;
    const float sigma2 = qw ? 2.0f * tn__sum_sq(x, TN_QK_K) / (float)TN_QK_K : 0.0f;
    int j, l;
    for (j = 0; j < 8; j++) {
        if (qw) {
            sw[j] = tn__im_weights(32, x + 32 * j, qw + 32 * j, sigma2, w);
            scales[j] = tn__kq_affine(32, nmax, x + 32 * j, w, Lout + 32 * j, &mins[j], Laux, -0.9f, 0.05f, 36, 0);
        } else {
            const float av_x = sqrtf(tn__sum_sq(x + 32 * j, 32) / 32.0f);
            for (l = 0; l < 32; l++) w[l] = av_x + fabsf(x[32 * j + l]);
            scales[j] = tn__kq_affine(32, nmax, x + 32 * j, w, Lout + 32 * j, &mins[j], Laux, rmin, 0.1f, nstep, 0);
        }
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    if (qw) {
        *dh = tn_fp32_to_fp16(tn__kq_positive(8, 63, scales, Ls, sw));
        *dminh = tn_fp32_to_fp16(tn__kq_positive(8, 63, mins, Lm, sw));
    } else {
        inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
        inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
        *dh = tn_fp32_to_fp16(max_scale / 63.0f);
        *dminh = tn_fp32_to_fp16(max_min / 63.0f);
    }
    for (j = 0; j < 8; j++) {
        unsigned ls = qw ? Ls[j] : tn__wrap_u8(tn__nearest_int(inv_scale * scales[j])), lm = qw ? Lm[j] : tn__wrap_u8(tn__nearest_int(inv_min * mins[j]));
        if (!qw || nmax == 31) {
            if (ls > 63) ls = 63;
            if (lm > 63) lm = 63;
        }
        if (j < 4) {
            scales12[j] = (uint8_t)ls;
            scales12[j + 4] = (uint8_t)lm;
        } else {
            scales12[j + 4] = (uint8_t)((ls & 0xF) | ((lm & 0xF) << 4));
            scales12[j - 4] = (uint8_t)(scales12[j - 4] | ((ls >> 4) << 6));
            scales12[j] = (uint8_t)(scales12[j] | ((lm >> 4) << 6));
        }
    }
    for (j = 0; j < 8; j++) {
        int sc, m;
        float d, dm;
        tn__kq_scale_min(j, scales12, &sc, &m);
        d = tn_fp16_to_fp32(*dh) * (float)sc;
        if (d == 0.0f) continue;
        dm = tn_fp16_to_fp32(*dminh) * (float)m;
        for (l = 0; l < 32; l++) Lout[32 * j + l] = (uint8_t)tn__clampi(tn__nearest_int((x[32 * j + l] + dm) / d), 0, nmax);
    }
}
static void tn__q4_K_block(const float *x, tn_block_q4_K *y, const float *qw) {
    uint8_t L[TN_QK_K];
    int j, l;
    memset(y->scales, 0, sizeof(y->scales));
    tn__kq_quantize_45(x, L, y->scales, &y->d, &y->dmin, 15, -1.0f, 20, qw);
    for (j = 0; j < 4; j++)
        for (l = 0; l < 32; l++) y->qs[32 * j + l] = (uint8_t)(L[64 * j + l] | (L[64 * j + l + 32] << 4));
}
TNDEF void tn_quantize_row_q4_K_ref(const float *x, tn_block_q4_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    for (i = 0; i < nb; i++) tn__q4_K_block(x + TN_QK_K * i, y + i, NULL);
}
static void tn__q5_K_block(const float *x, tn_block_q5_K *y, const float *qw) {
    uint8_t L[TN_QK_K];
    int j, l;
    memset(y->scales, 0, sizeof(y->scales));
    tn__kq_quantize_45(x, L, y->scales, &y->d, &y->dmin, 31, -0.5f, 15, qw);
    /* low nibbles as q4_K; the fifth bit of element 64j + l (+32) in bit 2j (2j+1) of qh[l] */
    memset(y->qh, 0, sizeof(y->qh));
    for (j = 0; j < 4; j++)
        for (l = 0; l < 32; l++) {
            int a = L[64 * j + l], b = L[64 * j + l + 32];
            y->qh[l] = (uint8_t)(y->qh[l] | ((a >> 4) << (2 * j)) | ((b >> 4) << (2 * j + 1)));
            y->qs[32 * j + l] = (uint8_t)((a & 0xF) | ((b & 0xF) << 4));
        }
}
TNDEF void tn_quantize_row_q5_K_ref(const float *x, tn_block_q5_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    for (i = 0; i < nb; i++) tn__q5_K_block(x + TN_QK_K * i, y + i, NULL);
}
/* q6_K: the importance weights qw (or NULL: x^2) weight the groups' fits directly, as in ggml */
static void tn__q6_K_rows(const float *x, tn_block_q6_K *y, int64_t nb, const float *qw) {
    int64_t i;
    int8_t L[TN_QK_K];
    float scales[16];
    int j, l, h;
    for (i = 0; i < nb; i++, x += TN_QK_K, qw = qw ? qw + TN_QK_K : NULL) {
        float max_scale = 0.0f, max_abs = 0.0f, iscale;
        for (j = 0; j < 16; j++) {
            scales[j] = tn__kq_symmetric(16, 32, x + 16 * j, L + 16 * j, qw ? qw + 16 * j : NULL);
            if (fabsf(scales[j]) > max_abs) { max_abs = fabsf(scales[j]); max_scale = scales[j]; }
        }
        memset(&y[i], 0, sizeof(y[i]));
        if (max_abs < TN__KQ_EPS) { y[i].d = tn_fp32_to_fp16(0.0f); continue; }
        iscale = -128.0f / max_scale;
        y[i].d = tn_fp32_to_fp16(1.0f / iscale);
        for (j = 0; j < 16; j++) y[i].scales[j] = (int8_t)tn__wrap_s8(TN__MIN(127, tn__nearest_int(iscale * scales[j])));
        for (j = 0; j < 16; j++) {
            float d = tn_fp16_to_fp32(y[i].d) * (float)y[i].scales[j];
            if (d == 0.0f) continue;
            for (l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(tn__clampi(tn__nearest_int(x[16 * j + l] / d), -32, 31) + 32);
        }
        /* element 128h + 32p + l: low nibble in ql[64h + l + 32(p&1)] (high half if p >= 2), top two bits at 2p of qh[32h + l] */
        for (h = 0; h < 2; h++)
            for (l = 0; l < 32; l++) {
                const int8_t *q = L + 128 * h + l;
                y[i].ql[64 * h + l] = (uint8_t)((q[0] & 0xF) | ((q[64] & 0xF) << 4));
                y[i].ql[64 * h + l + 32] = (uint8_t)((q[32] & 0xF) | ((q[96] & 0xF) << 4));
                y[i].qh[32 * h + l] = (uint8_t)((q[0] >> 4) | ((q[32] >> 4) << 2) | ((q[64] >> 4) << 4) | ((q[96] >> 4) << 6));
            }
    }
}
TNDEF void tn_quantize_row_q6_K_ref(const float *x, tn_block_q6_K *y, int64_t k) { tn__q6_K_rows(x, y, k / TN_QK_K, NULL); }

/* One decoded K-quant block: unsigned codes q (element order), a scale and a
   min per group of 16, and the super-scales, so that value i is
   d sc[g] (q[i] - off) for the symmetric formats (q3_K: off 4, q6_K: off 32)
   and d sc[g] q[i] - dm mn[g] for the others. For the symmetric formats mn[g]
   is off sc[g] and dm is d, so a dot product is, for every format,
   d sum_g sc[g] sum q y - dm sum_g mn[g] bsum[g] (exact integer sums). */
typedef struct { uint8_t q[TN_QK_K]; int16_t sc[16], mn[16]; float d, dm; int off; } tn__kq_block;
static void tn__kq_scales(tn_type t, const uint8_t *b, int16_t *sc, int16_t *mn, uint16_t *dh, uint16_t *dmh, int *off) {
    int g;
    switch (t) {
    case TN_TYPE_Q2_K: {
        const tn_block_q2_K *x = (const tn_block_q2_K *)(const void *)b;
        for (g = 0; g < 16; g++) { sc[g] = (int16_t)(x->scales[g] & 0xF); mn[g] = (int16_t)(x->scales[g] >> 4); }
        memcpy(dh, &x->d, 2); memcpy(dmh, &x->dmin, 2); *off = 0;
        break;
    }
    case TN_TYPE_Q3_K: {
        const tn_block_q3_K *x = (const tn_block_q3_K *)(const void *)b;
        for (g = 0; g < 16; g++) {
            int v = g < 8 ? x->scales[g] & 0xF : x->scales[g - 8] >> 4;
            sc[g] = (int16_t)((v | (((x->scales[8 + g % 4] >> (2 * (g / 4))) & 3) << 4)) - 32);
            mn[g] = (int16_t)(4 * sc[g]);
        }
        memcpy(dh, &x->d, 2); memcpy(dmh, &x->d, 2); *off = 4;
        break;
    }
    case TN_TYPE_Q4_K: case TN_TYPE_Q5_K: {
        const uint8_t *s12 = t == TN_TYPE_Q4_K ? ((const tn_block_q4_K *)(const void *)b)->scales : ((const tn_block_q5_K *)(const void *)b)->scales;
        for (g = 0; g < 8; g++) {
            int s, m;
            tn__kq_scale_min(g, s12, &s, &m);
            sc[2 * g] = sc[2 * g + 1] = (int16_t)s;
            mn[2 * g] = mn[2 * g + 1] = (int16_t)m;
        }
        memcpy(dh, b, 2); memcpy(dmh, b + 2, 2); *off = 0; /* d, dmin lead both layouts */
        break;
    }
    default: { /* q6_K */
        const tn_block_q6_K *x = (const tn_block_q6_K *)(const void *)b;
        for (g = 0; g < 16; g++) { sc[g] = x->scales[g]; mn[g] = (int16_t)(32 * x->scales[g]); }
        memcpy(dh, &x->d, 2); memcpy(dmh, &x->d, 2); *off = 32;
        break;
    }
    }
}
static void tn__kq_decode(tn_type t, const uint8_t *b, tn__kq_block *o) {
    uint16_t dh, dmh;
    int i, l, h, p;
    tn__kq_scales(t, b, o->sc, o->mn, &dh, &dmh, &o->off);
    o->d = tn_fp16_to_fp32(dh);
    o->dm = tn_fp16_to_fp32(dmh);
    switch (t) {
    case TN_TYPE_Q2_K: case TN_TYPE_Q3_K: {
        const uint8_t *qs = t == TN_TYPE_Q2_K ? ((const tn_block_q2_K *)(const void *)b)->qs : ((const tn_block_q3_K *)(const void *)b)->qs;
        for (h = 0; h < 2; h++)
            for (p = 0; p < 4; p++)
                for (l = 0; l < 32; l++) o->q[128 * h + 32 * p + l] = (uint8_t)((qs[32 * h + l] >> (2 * p)) & 3);
        if (t == TN_TYPE_Q3_K) {
            const uint8_t *hm = ((const tn_block_q3_K *)(const void *)b)->hmask;
            for (i = 0; i < TN_QK_K; i++) o->q[i] = (uint8_t)(o->q[i] | (((hm[i % 32] >> (i / 32)) & 1) << 2));
        }
        break;
    }
    case TN_TYPE_Q4_K: case TN_TYPE_Q5_K: {
        const uint8_t *qs = t == TN_TYPE_Q4_K ? ((const tn_block_q4_K *)(const void *)b)->qs : ((const tn_block_q5_K *)(const void *)b)->qs;
        for (h = 0; h < 4; h++)
            for (l = 0; l < 32; l++) {
                o->q[64 * h + l] = (uint8_t)(qs[32 * h + l] & 0xF);
                o->q[64 * h + 32 + l] = (uint8_t)(qs[32 * h + l] >> 4);
            }
        if (t == TN_TYPE_Q5_K) {
            const uint8_t *qh = ((const tn_block_q5_K *)(const void *)b)->qh;
            for (i = 0; i < TN_QK_K; i++) o->q[i] = (uint8_t)(o->q[i] | (((qh[i % 32] >> (i / 32)) & 1) << 4));
        }
        break;
    }
    default: {
        const tn_block_q6_K *x = (const tn_block_q6_K *)(const void *)b;
        for (h = 0; h < 2; h++)
            for (l = 0; l < 32; l++) {
                const uint8_t *ql = x->ql + 64 * h, hb = x->qh[32 * h + l];
                uint8_t *q = o->q + 128 * h + l;
                q[0] = (uint8_t)((ql[l] & 0xF) | ((hb & 3) << 4));
                q[32] = (uint8_t)((ql[l + 32] & 0xF) | (((hb >> 2) & 3) << 4));
                q[64] = (uint8_t)((ql[l] >> 4) | (((hb >> 4) & 3) << 4));
                q[96] = (uint8_t)((ql[l + 32] >> 4) | (((hb >> 6) & 3) << 4));
            }
        break;
    }
    }
}
/* ggml's decoders: (d sc) (q - off), or (d sc) q - dmin m, per element */
static void tn__kq_dequantize(tn_type t, const uint8_t *x, float *y, int64_t k) {
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = k / TN_QK_K;
    tn__kq_block b;
    int i;
    for (ib = 0; ib < nb; ib++, y += TN_QK_K) {
        tn__kq_decode(t, x + (size_t)ib * bs, &b);
        for (i = 0; i < TN_QK_K; i++) {
            const int g = i / 16;
            const float dl = b.d * (float)b.sc[g];
            y[i] = b.off ? dl * (float)((int)b.q[i] - b.off) : dl * (float)b.q[i] - b.dm * (float)b.mn[g];
        }
    }
}
TNDEF void tn_dequantize_row_q2_K(const tn_block_q2_K *x, float *y, int64_t k) { tn__kq_dequantize(TN_TYPE_Q2_K, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q3_K(const tn_block_q3_K *x, float *y, int64_t k) { tn__kq_dequantize(TN_TYPE_Q3_K, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q4_K(const tn_block_q4_K *x, float *y, int64_t k) { tn__kq_dequantize(TN_TYPE_Q4_K, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q5_K(const tn_block_q5_K *x, float *y, int64_t k) { tn__kq_dequantize(TN_TYPE_Q5_K, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q6_K(const tn_block_q6_K *x, float *y, int64_t k) { tn__kq_dequantize(TN_TYPE_Q6_K, (const uint8_t *)x, y, k); }

/* -- the lookup formats: iq4_nl (32) and iq4_xs (256: 6-bit scales per 32 under
   one fp16) code 4-bit indexes into a fixed non-linear grid; mxfp4 (32) codes
   E2M1 values under a power-of-two E8M0 scale; q1_0 (128) signs under the mean
   magnitude; q2_0 (64) codes -1..2 under the largest magnitude --
   Their quantizers are ggml's: iq4_nl and iq4_xs as ggml_quantize_chunk (and
   llama-quantize) run them without an importance matrix, seven trial scales
   either side of the first guess. */
static const int8_t tn__kv_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
static const int8_t tn__kv_fp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12}; /* E2M1 values, doubled */
/* the nearest of 16 ascending grid values (ties to the upper), by bisection */
static int tn__grid_index(const int8_t *val, float x) {
    int lo = 0, hi = 15;
    if (x <= (float)val[0]) return 0;
    if (x >= (float)val[15]) return 15;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x < (float)val[mid]) hi = mid;
        else lo = mid;
    }
    return x - (float)val[hi - 1] < (float)val[hi] - x ? hi - 1 : hi;
}
/* E8M0 exponent e as 2^(e-128) (half its value, the doubled E2M1 grid's scale) */
static float tn__e8m0_half(uint8_t e) {
    uint32_t bits = e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
/* the E2M1 code whose value times d is nearest v (the first of equals), as ggml's search */
static int tn__fp4_index(float v, float d) {
    float be = fabsf((float)tn__kv_fp4[0] * d - v);
    int b = 0, c;
    for (c = 1; c < 16; c++) {
        float err = fabsf((float)tn__kv_fp4[c] * d - v);
        if (err < be) { b = c; be = err; }
    }
    return b;
}
/* iq4_nl (sbs 32) / iq4_xs (sbs 256): per 32 the scale that best fits x^2-weighted
   (or, with importance weights qw, qw sqrt(sigma2 + x^2)-weighted) over 15
   trials, then (iq4_xs) the scales as 6 bits under d = -max/32 */
static void tn__iq4_quantize(int sbs, const float *x, uint16_t *dh, uint8_t *q4, uint16_t *scales_h, uint8_t *scales_l, const float *qw) {
    const int8_t *kv = tn__kv_iq4nl;
    const int ntry = 7, nblk = sbs / 32;
    uint8_t L[TN_QK_K];
    const float sigma2 = qw ? tn__sum_sq(x, sbs) * (2.0f / (float)sbs) : 0.0f; /* (ggml's order: sum, then times 2 / sbs) */
    float scales[8], w[32], max_scale = 0.0f, amax_scale = 0.0f;
    int ib, j, itry;
    memset(q4, 0, (size_t)sbs / 2);
    *dh = tn_fp32_to_fp16(0.0f);
    for (ib = 0; ib < nblk; ib++) {
        const float *xb = x + 32 * ib;
        uint8_t *Lb = L + 32 * ib;
        float amax = 0.0f, max = 0.0f, d, id, sumqx = 0.0f, sumq2 = 0.0f, best;
        for (j = 0; j < 32; j++) {
            w[j] = qw ? qw[32 * ib + j] * sqrtf(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
            if (fabsf(xb[j]) > amax) { amax = fabsf(xb[j]); max = xb[j]; }
        }
        if (amax < TN__KQ_EPS) { scales[ib] = 0.0f; continue; }
        d = -max / (float)kv[0];
        id = 1.0f / d;
        for (j = 0; j < 32; j++) {
            int l = tn__grid_index(kv, id * xb[j]);
            float q = (float)kv[l];
            Lb[j] = (uint8_t)l;
            sumqx += w[j] * q * xb[j];
            sumq2 += w[j] * q * q;
        }
        d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
        best = d * sumqx;
        for (itry = -ntry; itry <= ntry; itry++) {
            id = (float)(itry + kv[0]) / max;
            sumqx = sumq2 = 0.0f;
            for (j = 0; j < 32; j++) {
                float q = (float)kv[tn__grid_index(kv, id * xb[j])];
                sumqx += w[j] * q * xb[j];
                sumq2 += w[j] * q * q;
            }
            if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) { d = sumqx / sumq2; best = d * sumqx; }
        }
        scales[ib] = d;
        if (fabsf(d) > amax_scale) { amax_scale = fabsf(d); max_scale = d; }
    }
    if (nblk > 1) {
        float d = -max_scale / 32.0f, id;
        *scales_h = 0;
        *dh = tn_fp32_to_fp16(d);
        id = d != 0.0f ? 1.0f / d : 0.0f;
        for (ib = 0; ib < nblk; ib++) {
            int l = tn__clampi(tn__nearest_int(id * scales[ib]), -32, 31);
            float dl = d * (float)l, idl = dl != 0.0f ? 1.0f / dl : 0.0f;
            for (j = 0; j < 32; j++) L[32 * ib + j] = (uint8_t)tn__grid_index(kv, idl * x[32 * ib + j]);
            l += 32;
            if (ib % 2 == 0) scales_l[ib / 2] = (uint8_t)(l & 0xF);
            else scales_l[ib / 2] = (uint8_t)(scales_l[ib / 2] | ((l & 0xF) << 4));
            *scales_h = (uint16_t)(*scales_h | ((l >> 4) << (2 * (ib % 8))));
        }
    } else {
        float id = scales[0] != 0.0f ? 1.0f / scales[0] : 0.0f;
        *dh = tn_fp32_to_fp16(scales[0]);
        for (j = 0; j < sbs; j++) L[j] = (uint8_t)tn__grid_index(kv, id * x[j]);
    }
    for (ib = 0; ib < nblk; ib++)
        for (j = 0; j < 16; j++) q4[16 * ib + j] = (uint8_t)(L[32 * ib + j] | (L[32 * ib + 16 + j] << 4));
}
TNDEF void tn_quantize_row_iq4_nl(const float *x, tn_block_iq4_nl *y, int64_t k) {
    int64_t i, nb = k / 32;
    uint16_t unused_h;
    for (i = 0; i < nb; i++) tn__iq4_quantize(32, x + 32 * i, &y[i].d, y[i].qs, &unused_h, NULL, NULL);
}
TNDEF void tn_quantize_row_iq4_xs(const float *x, tn_block_iq4_xs *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    for (i = 0; i < nb; i++) tn__iq4_quantize(TN_QK_K, x + TN_QK_K * i, &y[i].d, y[i].qs, &y[i].scales_h, y[i].scales_l, NULL);
}
TNDEF void tn_quantize_row_mxfp4_ref(const float *x, tn_block_mxfp4 *y, int64_t k) {
    int64_t i, nb = k / 32;
    int j;
    for (i = 0; i < nb; i++, x += 32) {
        float amax = 0.0f, d;
        unsigned e;
        for (j = 0; j < 32; j++) if (amax < fabsf(x[j])) amax = fabsf(x[j]);
        /* (the platform's log2f, as ggml's; the exponent can move only where it rounds up to a power of two) */
        e = amax > 0.0f ? tn__to_u8(floorf(log2f(amax)) - 2.0f + 127.0f) : 0u;
        d = tn__e8m0_half((uint8_t)e);
        y[i].e = (uint8_t)e;
        for (j = 0; j < 16; j++) {
            y[i].qs[j] = (uint8_t)(tn__fp4_index(x[j], d) | (tn__fp4_index(x[j + 16], d) << 4));
        }
    }
}
/* UE4M3 (unsigned, 4 exponent bits biased by 7, 3 mantissa bits) as half its
   value (the doubled E2M1 grid's scale); 0 and 0x7F are zero, as in ggml */
static float tn__ue4m3_half(uint8_t x) {
    const int e = (x >> 3) & 0xF, m = x & 7;
    uint32_t bits;
    float p2;
    if (x == 0 || x == 0x7F) return 0.0f;
    /* exactly ggml's ldexp forms: m 2^-9 / 2 (e = 0), (1 + m/8) 2^(e-7) / 2 = (8 + m) 2^(e-11) */
    bits = (uint32_t)((e == 0 ? -10 : e - 11) + 127) << 23;
    memcpy(&p2, &bits, 4);
    return (float)(e == 0 ? m : 8 + m) * p2;
}
/* the nearest UE4M3 code of x > 0 (ties of the dropped bits up), saturating at 0x7E (448) */
static uint8_t tn__to_ue4m3(float x) {
    uint32_t bits;
    int e, m;
    if (!(x > 0.0f)) return 0;
    if (x > 448.0f) x = 448.0f;
    bits = tn__f32_bits(x);
    e = (int)((bits >> 23) & 0xFF) - 127 + 7;
    if (e <= 0) {
        int sm = (int)(x * 512.0f + 0.5f);
        return (uint8_t)(sm < 1 ? 0 : sm > 7 ? 7 : sm);
    }
    if (e >= 15) return 0x7E;
    m = (int)((bits >> 20) & 7) + (int)((bits >> 19) & 1);
    if (m > 7) { m = 0; if (++e >= 15) return 0x7E; }
    return (uint8_t)((e << 3) | m);
}
/* nvfp4: per 16 values a UE4M3 scale amax/6, E2M1 codes nearest under it */
TNDEF void tn_quantize_row_nvfp4_ref(const float *x, tn_block_nvfp4 *y, int64_t k) {
    int64_t i, nb = k / 64;
    int s, j;
    for (i = 0; i < nb; i++, x += 64)
        for (s = 0; s < 4; s++) {
            const float *xb = x + 16 * s;
            float amax = 0.0f, d;
            for (j = 0; j < 16; j++) if (amax < fabsf(xb[j])) amax = fabsf(xb[j]);
            y[i].d[s] = tn__to_ue4m3(amax / 6.0f);
            d = tn__ue4m3_half(y[i].d[s]);
            for (j = 0; j < 8; j++) {
                y[i].qs[8 * s + j] = (uint8_t)(tn__fp4_index(xb[j], d) | (tn__fp4_index(xb[j + 8], d) << 4));
            }
        }
}
TNDEF void tn_quantize_row_q1_0_ref(const float *x, tn_block_q1_0 *y, int64_t k) {
    int64_t i, nb = k / 128;
    int j;
    for (i = 0; i < nb; i++, x += 128) {
        float sum = 0.0f;
        for (j = 0; j < 128; j++) sum += fabsf(x[j]);
        y[i].d = tn_fp32_to_fp16(sum / 128.0f);
        memset(y[i].qs, 0, sizeof(y[i].qs));
        for (j = 0; j < 128; j++) if (x[j] >= 0.0f) y[i].qs[j / 8] = (uint8_t)(y[i].qs[j / 8] | (1u << (j % 8)));
    }
}
TNDEF void tn_quantize_row_q2_0_ref(const float *x, tn_block_q2_0 *y, int64_t k) {
    int64_t i, nb = k / 64;
    int j;
    for (i = 0; i < nb; i++, x += 64) {
        float amax = 0.0f, id;
        for (j = 0; j < 64; j++) if (fabsf(x[j]) > amax) amax = fabsf(x[j]);
        id = amax > 0.0f ? 1.0f / amax : 0.0f;
        y[i].d = tn_fp32_to_fp16(amax);
        memset(y[i].qs, 0, sizeof(y[i].qs));
        for (j = 0; j < 64; j++) {
            const int32_t r = tn__cvtt(roundf(x[j] * id)); /* (int)roundf as x86 converts, + 1, clamped to 0..3 */
            const int q = r < -1 ? 0 : r > 2 ? 3 : (int)r + 1;
            y[i].qs[j / 4] = (uint8_t)(y[i].qs[j / 4] | (q << (2 * (j % 4))));
        }
    }
}
/* a block as int8 values, a float scale per 32 (per 16 for nvfp4) (ds) and,
   for iq4_xs, an int scale per 32 (is) under ds; value i = (ds[c] is[c]) v[i]
   as ggml decodes it */
typedef struct { int8_t v[TN_QK_K]; float ds[8]; int is[8]; } tn__lut_block; /* (nvfp4: ds per 16) */
static void tn__lut_decode(tn_type t, const uint8_t *b, tn__lut_block *o) {
    int c, j;
    switch (t) {
    case TN_TYPE_IQ4_NL: case TN_TYPE_MXFP4: {
        const uint8_t *qs = t == TN_TYPE_IQ4_NL ? b + 2 : b + 1;
        const int8_t *kv = t == TN_TYPE_IQ4_NL ? tn__kv_iq4nl : tn__kv_fp4;
        uint16_t h;
        memcpy(&h, b, 2);
        o->ds[0] = t == TN_TYPE_IQ4_NL ? tn_fp16_to_fp32(h) : tn__e8m0_half(b[0]);
        o->is[0] = 1;
        for (j = 0; j < 16; j++) { o->v[j] = kv[qs[j] & 0xF]; o->v[j + 16] = kv[qs[j] >> 4]; }
        break;
    }
    case TN_TYPE_IQ4_XS: {
        const tn_block_iq4_xs *x = (const tn_block_iq4_xs *)(const void *)b;
        const float d = tn_fp16_to_fp32(x->d);
        for (c = 0; c < 8; c++) {
            o->ds[c] = d;
            o->is[c] = (((x->scales_l[c / 2] >> (4 * (c % 2))) & 0xF) | (((x->scales_h >> (2 * c)) & 3) << 4)) - 32;
            for (j = 0; j < 16; j++) {
                o->v[32 * c + j] = tn__kv_iq4nl[x->qs[16 * c + j] & 0xF];
                o->v[32 * c + j + 16] = tn__kv_iq4nl[x->qs[16 * c + j] >> 4];
            }
        }
        break;
    }
    case TN_TYPE_NVFP4: {
        const tn_block_nvfp4 *x = (const tn_block_nvfp4 *)(const void *)b;
        for (c = 0; c < 4; c++) {
            o->ds[c] = tn__ue4m3_half(x->d[c]);
            o->is[c] = 1;
            for (j = 0; j < 8; j++) { o->v[16 * c + j] = tn__kv_fp4[x->qs[8 * c + j] & 0xF]; o->v[16 * c + j + 8] = tn__kv_fp4[x->qs[8 * c + j] >> 4]; }
        }
        break;
    }
    case TN_TYPE_Q1_0: {
        const tn_block_q1_0 *x = (const tn_block_q1_0 *)(const void *)b;
        for (c = 0; c < 4; c++) { o->ds[c] = tn_fp16_to_fp32(x->d); o->is[c] = 1; }
        for (j = 0; j < 128; j++) o->v[j] = (int8_t)((x->qs[j / 8] >> (j % 8)) & 1 ? 1 : -1);
        break;
    }
    default: { /* q2_0 */
        const tn_block_q2_0 *x = (const tn_block_q2_0 *)(const void *)b;
        for (c = 0; c < 2; c++) { o->ds[c] = tn_fp16_to_fp32(x->d); o->is[c] = 1; }
        for (j = 0; j < 64; j++) o->v[j] = (int8_t)(((x->qs[j / 4] >> (2 * (j % 4))) & 3) - 1);
        break;
    }
    }
}
static void tn__lut_dequantize(tn_type t, const uint8_t *x, float *y, int64_t k) {
    const int64_t bk = tn__traits[t].blck_size;
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = k / bk;
    tn__lut_block b;
    int i;
    for (ib = 0; ib < nb; ib++, y += bk) {
        tn__lut_decode(t, x + (size_t)ib * bs, &b);
        for (i = 0; i < bk; i++) {
            const int c = t == TN_TYPE_NVFP4 ? i / 16 : i / 32;
            const float dl = t == TN_TYPE_IQ4_XS ? b.ds[c] * (float)b.is[c] : b.ds[c];
            y[i] = dl * (float)b.v[i];
        }
    }
}
TNDEF void tn_dequantize_row_iq4_nl(const tn_block_iq4_nl *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_IQ4_NL, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq4_xs(const tn_block_iq4_xs *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_IQ4_XS, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_mxfp4(const tn_block_mxfp4 *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_MXFP4, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_nvfp4(const tn_block_nvfp4 *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_NVFP4, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q1_0(const tn_block_q1_0 *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_Q1_0, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_q2_0(const tn_block_q2_0 *x, float *y, int64_t k) { tn__lut_dequantize(TN_TYPE_Q2_0, (const uint8_t *)x, y, k); }

/* -- the grid formats: iq2_xxs, iq2_xs, iq2_s, iq3_xxs, iq3_s, iq1_s, iq1_m --
   Each group of 8 values (4 in iq3) is one point of a fixed grid; the block
   stores the point's index, the group's signs (iq2/iq3) and integer scales.
   The grids are ggml's (ggml-common.h at commit d99724f), written here as each
   point's digits, first value lowest: base 3 over the levels {8, 25, 43}
   (iq2) or {-1, 0, 1} (iq1), base 8 over {4, 12, .., 52, 62} (iq3_xxs) or
   {1, 3, .., 15} (iq3_s). The macros expand them to ggml's 8-byte (4-byte)
   rows at compile time: constant tables, no initialisation. */
#define TN__D3(i, p) (((i) / (p)) % 3)
#define TN__B2(t) ((uint64_t)(8 + 17 * (t) + ((t) >> 1)))
#define TN__B1(t) ((uint64_t)(((t) + 255) & 255))
#define TN__G3ROW(B, i) (B(TN__D3(i, 1)) | B(TN__D3(i, 3)) << 8 | B(TN__D3(i, 9)) << 16 | B(TN__D3(i, 27)) << 24 | \
                         B(TN__D3(i, 81)) << 32 | B(TN__D3(i, 243)) << 40 | B(TN__D3(i, 729)) << 48 | B(TN__D3(i, 2187)) << 56)
#define TN__G2(i) TN__G3ROW(TN__B2, i)
#define TN__G1(i) TN__G3ROW(TN__B1, i)
#define TN__D8(i, k) (((i) >> (3 * (k))) & 7)
#define TN__B3X(t) ((uint32_t)(4 + 8 * (t) + 2 * (((t) + 1) >> 3)))
#define TN__B3S(t) ((uint32_t)(1 + 2 * (t)))
#define TN__G8ROW(B, i) (B(TN__D8(i, 0)) | B(TN__D8(i, 1)) << 8 | B(TN__D8(i, 2)) << 16 | B(TN__D8(i, 3)) << 24)
#define TN__G3X(i) TN__G8ROW(TN__B3X, i)
#define TN__G3S(i) TN__G8ROW(TN__B3S, i)
#define TN__G(i) TN__G2(i)
static const uint64_t tn__iq2xxs_grid[256] = {
    TN__G(0), TN__G(2), TN__G(4), TN__G(6), TN__G(8), TN__G(10), TN__G(12), TN__G(18), TN__G(20), TN__G(24), TN__G(26), TN__G(28), TN__G(30), TN__G(36), TN__G(42), TN__G(46), TN__G(48), TN__G(54), TN__G(56), TN__G(62),
    TN__G(74), TN__G(82), TN__G(84), TN__G(90), TN__G(94), TN__G(108), TN__G(138), TN__G(150), TN__G(162), TN__G(164), TN__G(182), TN__G(218), TN__G(244), TN__G(246), TN__G(252), TN__G(262), TN__G(264), TN__G(270), TN__G(272), TN__G(276),
    TN__G(288), TN__G(298), TN__G(300), TN__G(306), TN__G(318), TN__G(324), TN__G(326), TN__G(330), TN__G(342), TN__G(356), TN__G(376), TN__G(378), TN__G(388), TN__G(412), TN__G(414), TN__G(432), TN__G(462), TN__G(480), TN__G(486), TN__G(490),
    TN__G(492), TN__G(498), TN__G(510), TN__G(514), TN__G(516), TN__G(522), TN__G(524), TN__G(546), TN__G(570), TN__G(594), TN__G(650), TN__G(660), TN__G(730), TN__G(732), TN__G(738), TN__G(748), TN__G(756), TN__G(774), TN__G(786), TN__G(792),
    TN__G(796), TN__G(810), TN__G(816), TN__G(828), TN__G(846), TN__G(854), TN__G(864), TN__G(912), TN__G(922), TN__G(972), TN__G(978), TN__G(990), TN__G(994), TN__G(1006), TN__G(1026), TN__G(1068), TN__G(1100), TN__G(1134), TN__G(1148), TN__G(1216),
    TN__G(1218), TN__G(1224), TN__G(1242), TN__G(1270), TN__G(1296), TN__G(1300), TN__G(1368), TN__G(1414), TN__G(1458), TN__G(1460), TN__G(1466), TN__G(1488), TN__G(1504), TN__G(1512), TN__G(1514), TN__G(1564), TN__G(1572), TN__G(1620), TN__G(1622), TN__G(1702),
    TN__G(1704), TN__G(1710), TN__G(1728), TN__G(1742), TN__G(1782), TN__G(1810), TN__G(1830), TN__G(1926), TN__G(1950), TN__G(1962), TN__G(2010), TN__G(2136), TN__G(2188), TN__G(2190), TN__G(2196), TN__G(2202), TN__G(2206), TN__G(2208), TN__G(2214), TN__G(2220),
    TN__G(2228), TN__G(2232), TN__G(2242), TN__G(2244), TN__G(2250), TN__G(2268), TN__G(2286), TN__G(2314), TN__G(2322), TN__G(2326), TN__G(2350), TN__G(2358), TN__G(2382), TN__G(2390), TN__G(2400), TN__G(2430), TN__G(2436), TN__G(2448), TN__G(2484), TN__G(2500),
    TN__G(2522), TN__G(2532), TN__G(2592), TN__G(2674), TN__G(2676), TN__G(2682), TN__G(2700), TN__G(2704), TN__G(2754), TN__G(2796), TN__G(2800), TN__G(2810), TN__G(2866), TN__G(2898), TN__G(2916), TN__G(2922), TN__G(2926), TN__G(2932), TN__G(2934), TN__G(2970),
    TN__G(2976), TN__G(3000), TN__G(3026), TN__G(3072), TN__G(3142), TN__G(3222), TN__G(3224), TN__G(3248), TN__G(3322), TN__G(3360), TN__G(3402), TN__G(3412), TN__G(3418), TN__G(3450), TN__G(3510), TN__G(3570), TN__G(3648), TN__G(3654), TN__G(3672), TN__G(3696),
    TN__G(3726), TN__G(3766), TN__G(3822), TN__G(3852), TN__G(3888), TN__G(3892), TN__G(3978), TN__G(3980), TN__G(4026), TN__G(4160), TN__G(4374), TN__G(4376), TN__G(4382), TN__G(4402), TN__G(4430), TN__G(4458), TN__G(4470), TN__G(4482), TN__G(4546), TN__G(4618),
    TN__G(4620), TN__G(4626), TN__G(4630), TN__G(4644), TN__G(4662), TN__G(4698), TN__G(4730), TN__G(4764), TN__G(4786), TN__G(4806), TN__G(4824), TN__G(4862), TN__G(4944), TN__G(5032), TN__G(5106), TN__G(5112), TN__G(5124), TN__G(5130), TN__G(5176), TN__G(5198),
    TN__G(5238), TN__G(5296), TN__G(5346), TN__G(5366), TN__G(5376), TN__G(5464), TN__G(5644), TN__G(5688), TN__G(5834), TN__G(5868), TN__G(5890), TN__G(5920), TN__G(5994), TN__G(6090), TN__G(6354), TN__G(6402),
};
#undef TN__G
#define TN__G(i) TN__G2(i)
static const uint64_t tn__iq2xs_grid[512] = {
    TN__G(0), TN__G(2), TN__G(4), TN__G(6), TN__G(8), TN__G(10), TN__G(12), TN__G(14), TN__G(16), TN__G(18), TN__G(20), TN__G(22), TN__G(24), TN__G(28), TN__G(30), TN__G(32), TN__G(34), TN__G(36), TN__G(38), TN__G(40),
    TN__G(42), TN__G(46), TN__G(48), TN__G(54), TN__G(56), TN__G(58), TN__G(60), TN__G(64), TN__G(66), TN__G(70), TN__G(72), TN__G(82), TN__G(84), TN__G(86), TN__G(88), TN__G(90), TN__G(92), TN__G(94), TN__G(96), TN__G(98),
    TN__G(100), TN__G(102), TN__G(108), TN__G(110), TN__G(112), TN__G(114), TN__G(118), TN__G(120), TN__G(126), TN__G(132), TN__G(136), TN__G(138), TN__G(144), TN__G(162), TN__G(164), TN__G(166), TN__G(168), TN__G(172), TN__G(174), TN__G(180),
    TN__G(190), TN__G(192), TN__G(198), TN__G(202), TN__G(216), TN__G(224), TN__G(244), TN__G(246), TN__G(248), TN__G(250), TN__G(252), TN__G(254), TN__G(256), TN__G(258), TN__G(262), TN__G(264), TN__G(270), TN__G(272), TN__G(274), TN__G(276),
    TN__G(280), TN__G(282), TN__G(284), TN__G(288), TN__G(298), TN__G(300), TN__G(306), TN__G(324), TN__G(326), TN__G(328), TN__G(330), TN__G(334), TN__G(336), TN__G(342), TN__G(352), TN__G(354), TN__G(360), TN__G(370), TN__G(378), TN__G(406),
    TN__G(408), TN__G(414), TN__G(428), TN__G(432), TN__G(434), TN__G(462), TN__G(486), TN__G(488), TN__G(490), TN__G(492), TN__G(494), TN__G(496), TN__G(498), TN__G(504), TN__G(508), TN__G(514), TN__G(516), TN__G(522), TN__G(528), TN__G(540),
    TN__G(558), TN__G(566), TN__G(568), TN__G(570), TN__G(576), TN__G(594), TN__G(622), TN__G(628), TN__G(648), TN__G(666), TN__G(672), TN__G(716), TN__G(720), TN__G(730), TN__G(732), TN__G(734), TN__G(736), TN__G(738), TN__G(740), TN__G(742),
    TN__G(744), TN__G(748), TN__G(750), TN__G(756), TN__G(758), TN__G(760), TN__G(762), TN__G(766), TN__G(768), TN__G(774), TN__G(782), TN__G(784), TN__G(786), TN__G(792), TN__G(810), TN__G(812), TN__G(814), TN__G(816), TN__G(820), TN__G(822),
    TN__G(828), TN__G(838), TN__G(840), TN__G(846), TN__G(864), TN__G(876), TN__G(878), TN__G(892), TN__G(894), TN__G(896), TN__G(900), TN__G(918), TN__G(936), TN__G(972), TN__G(974), TN__G(976), TN__G(978), TN__G(982), TN__G(984), TN__G(990),
    TN__G(1000), TN__G(1002), TN__G(1006), TN__G(1008), TN__G(1020), TN__G(1026), TN__G(1054), TN__G(1056), TN__G(1062), TN__G(1080), TN__G(1134), TN__G(1146), TN__G(1168), TN__G(1216), TN__G(1218), TN__G(1224), TN__G(1226), TN__G(1242), TN__G(1254), TN__G(1274),
    TN__G(1296), TN__G(1300), TN__G(1346), TN__G(1414), TN__G(1456), TN__G(1458), TN__G(1460), TN__G(1462), TN__G(1464), TN__G(1466), TN__G(1468), TN__G(1470), TN__G(1476), TN__G(1486), TN__G(1488), TN__G(1494), TN__G(1512), TN__G(1530), TN__G(1540), TN__G(1542),
    TN__G(1548), TN__G(1566), TN__G(1572), TN__G(1588), TN__G(1620), TN__G(1640), TN__G(1674), TN__G(1698), TN__G(1702), TN__G(1704), TN__G(1710), TN__G(1726), TN__G(1728), TN__G(1782), TN__G(1810), TN__G(1820), TN__G(1852), TN__G(1864), TN__G(1880), TN__G(1940),
    TN__G(1944), TN__G(1950), TN__G(1952), TN__G(1962), TN__G(1984), TN__G(2004), TN__G(2018), TN__G(2076), TN__G(2088), TN__G(2112), TN__G(2124), TN__G(2162), TN__G(2166), TN__G(2168), TN__G(2188), TN__G(2190), TN__G(2192), TN__G(2194), TN__G(2196), TN__G(2198),
    TN__G(2200), TN__G(2202), TN__G(2206), TN__G(2208), TN__G(2214), TN__G(2216), TN__G(2218), TN__G(2220), TN__G(2222), TN__G(2224), TN__G(2226), TN__G(2232), TN__G(2236), TN__G(2242), TN__G(2244), TN__G(2250), TN__G(2268), TN__G(2270), TN__G(2272), TN__G(2274),
    TN__G(2278), TN__G(2280), TN__G(2286), TN__G(2296), TN__G(2298), TN__G(2304), TN__G(2322), TN__G(2326), TN__G(2342), TN__G(2350), TN__G(2352), TN__G(2358), TN__G(2360), TN__G(2374), TN__G(2376), TN__G(2430), TN__G(2432), TN__G(2434), TN__G(2436), TN__G(2440),
    TN__G(2442), TN__G(2446), TN__G(2448), TN__G(2458), TN__G(2460), TN__G(2466), TN__G(2484), TN__G(2496), TN__G(2512), TN__G(2514), TN__G(2520), TN__G(2532), TN__G(2538), TN__G(2582), TN__G(2592), TN__G(2600), TN__G(2622), TN__G(2628), TN__G(2674), TN__G(2676),
    TN__G(2682), TN__G(2700), TN__G(2704), TN__G(2712), TN__G(2720), TN__G(2754), TN__G(2764), TN__G(2784), TN__G(2790), TN__G(2806), TN__G(2838), TN__G(2916), TN__G(2918), TN__G(2920), TN__G(2922), TN__G(2926), TN__G(2928), TN__G(2934), TN__G(2940), TN__G(2944),
    TN__G(2946), TN__G(2952), TN__G(2970), TN__G(2998), TN__G(3000), TN__G(3006), TN__G(3010), TN__G(3024), TN__G(3026), TN__G(3078), TN__G(3108), TN__G(3158), TN__G(3160), TN__G(3162), TN__G(3168), TN__G(3178), TN__G(3186), TN__G(3204), TN__G(3214), TN__G(3232),
    TN__G(3240), TN__G(3246), TN__G(3294), TN__G(3300), TN__G(3340), TN__G(3372), TN__G(3394), TN__G(3402), TN__G(3414), TN__G(3430), TN__G(3438), TN__G(3472), TN__G(3500), TN__G(3510), TN__G(3512), TN__G(3622), TN__G(3646), TN__G(3648), TN__G(3654), TN__G(3672),
    TN__G(3684), TN__G(3692), TN__G(3704), TN__G(3724), TN__G(3726), TN__G(3828), TN__G(3842), TN__G(3872), TN__G(3888), TN__G(3902), TN__G(3978), TN__G(3996), TN__G(4000), TN__G(4044), TN__G(4132), TN__G(4184), TN__G(4234), TN__G(4298), TN__G(4332), TN__G(4340),
    TN__G(4374), TN__G(4376), TN__G(4378), TN__G(4380), TN__G(4384), TN__G(4386), TN__G(4392), TN__G(4400), TN__G(4402), TN__G(4404), TN__G(4410), TN__G(4428), TN__G(4430), TN__G(4452), TN__G(4454), TN__G(4456), TN__G(4458), TN__G(4460), TN__G(4464), TN__G(4482),
    TN__G(4492), TN__G(4498), TN__G(4536), TN__G(4554), TN__G(4590), TN__G(4592), TN__G(4608), TN__G(4614), TN__G(4618), TN__G(4620), TN__G(4626), TN__G(4628), TN__G(4630), TN__G(4644), TN__G(4662), TN__G(4678), TN__G(4698), TN__G(4728), TN__G(4774), TN__G(4794),
    TN__G(4832), TN__G(4860), TN__G(4866), TN__G(4882), TN__G(4904), TN__G(4914), TN__G(4916), TN__G(4938), TN__G(4946), TN__G(5042), TN__G(5076), TN__G(5082), TN__G(5090), TN__G(5100), TN__G(5104), TN__G(5106), TN__G(5112), TN__G(5130), TN__G(5144), TN__G(5160),
    TN__G(5184), TN__G(5204), TN__G(5232), TN__G(5306), TN__G(5326), TN__G(5346), TN__G(5350), TN__G(5376), TN__G(5382), TN__G(5388), TN__G(5452), TN__G(5490), TN__G(5492), TN__G(5536), TN__G(5626), TN__G(5666), TN__G(5704), TN__G(5764), TN__G(5796), TN__G(5832),
    TN__G(5834), TN__G(5838), TN__G(5840), TN__G(5850), TN__G(5858), TN__G(5904), TN__G(5950), TN__G(5956), TN__G(5990), TN__G(5994), TN__G(5996), TN__G(6000), TN__G(6020), TN__G(6048), TN__G(6066), TN__G(6102), TN__G(6142), TN__G(6286), TN__G(6306), TN__G(6326),
    TN__G(6336), TN__G(6338), TN__G(6342), TN__G(6390), TN__G(6396), TN__G(6402), TN__G(6456), TN__G(6458), TN__G(6504), TN__G(6506), TN__G(6544), TN__G(6560),
};
#undef TN__G
#define TN__G(i) TN__G2(i)
static const uint64_t tn__iq2s_grid[1024] = {
    TN__G(0), TN__G(2), TN__G(4), TN__G(6), TN__G(8), TN__G(10), TN__G(12), TN__G(14), TN__G(16), TN__G(18), TN__G(20), TN__G(22), TN__G(24), TN__G(28), TN__G(30), TN__G(32), TN__G(34), TN__G(36), TN__G(38), TN__G(40),
    TN__G(42), TN__G(46), TN__G(48), TN__G(50), TN__G(52), TN__G(54), TN__G(56), TN__G(58), TN__G(60), TN__G(64), TN__G(66), TN__G(72), TN__G(76), TN__G(80), TN__G(82), TN__G(84), TN__G(86), TN__G(88), TN__G(90), TN__G(92),
    TN__G(94), TN__G(96), TN__G(100), TN__G(102), TN__G(108), TN__G(110), TN__G(112), TN__G(114), TN__G(118), TN__G(120), TN__G(122), TN__G(124), TN__G(126), TN__G(130), TN__G(132), TN__G(136), TN__G(138), TN__G(144), TN__G(146), TN__G(148),
    TN__G(154), TN__G(156), TN__G(162), TN__G(164), TN__G(166), TN__G(168), TN__G(172), TN__G(174), TN__G(180), TN__G(188), TN__G(190), TN__G(192), TN__G(194), TN__G(196), TN__G(198), TN__G(202), TN__G(216), TN__G(220), TN__G(224), TN__G(228),
    TN__G(236), TN__G(244), TN__G(246), TN__G(248), TN__G(250), TN__G(252), TN__G(254), TN__G(256), TN__G(258), TN__G(262), TN__G(264), TN__G(266), TN__G(268), TN__G(270), TN__G(272), TN__G(274), TN__G(276), TN__G(278), TN__G(280), TN__G(282),
    TN__G(284), TN__G(286), TN__G(288), TN__G(290), TN__G(292), TN__G(298), TN__G(300), TN__G(302), TN__G(304), TN__G(306), TN__G(310), TN__G(312), TN__G(316), TN__G(318), TN__G(324), TN__G(326), TN__G(328), TN__G(330), TN__G(332), TN__G(334),
    TN__G(336), TN__G(338), TN__G(340), TN__G(342), TN__G(346), TN__G(348), TN__G(352), TN__G(354), TN__G(356), TN__G(358), TN__G(360), TN__G(362), TN__G(364), TN__G(366), TN__G(370), TN__G(372), TN__G(378), TN__G(380), TN__G(382), TN__G(384),
    TN__G(388), TN__G(390), TN__G(396), TN__G(406), TN__G(408), TN__G(410), TN__G(412), TN__G(414), TN__G(418), TN__G(432), TN__G(436), TN__G(438), TN__G(442), TN__G(444), TN__G(450), TN__G(460), TN__G(462), TN__G(468), TN__G(486), TN__G(488),
    TN__G(490), TN__G(492), TN__G(496), TN__G(498), TN__G(500), TN__G(502), TN__G(504), TN__G(508), TN__G(512), TN__G(514), TN__G(516), TN__G(518), TN__G(520), TN__G(522), TN__G(524), TN__G(526), TN__G(528), TN__G(532), TN__G(534), TN__G(540),
    TN__G(544), TN__G(552), TN__G(566), TN__G(568), TN__G(570), TN__G(576), TN__G(578), TN__G(580), TN__G(582), TN__G(586), TN__G(594), TN__G(598), TN__G(600), TN__G(604), TN__G(606), TN__G(612), TN__G(622), TN__G(630), TN__G(648), TN__G(658),
    TN__G(660), TN__G(668), TN__G(672), TN__G(674), TN__G(684), TN__G(718), TN__G(730), TN__G(732), TN__G(734), TN__G(736), TN__G(738), TN__G(740), TN__G(742), TN__G(744), TN__G(748), TN__G(750), TN__G(752), TN__G(756), TN__G(758), TN__G(760),
    TN__G(762), TN__G(766), TN__G(768), TN__G(770), TN__G(772), TN__G(774), TN__G(776), TN__G(778), TN__G(780), TN__G(784), TN__G(786), TN__G(788), TN__G(792), TN__G(796), TN__G(798), TN__G(802), TN__G(804), TN__G(810), TN__G(812), TN__G(814),
    TN__G(816), TN__G(818), TN__G(820), TN__G(822), TN__G(824), TN__G(826), TN__G(828), TN__G(830), TN__G(832), TN__G(834), TN__G(838), TN__G(840), TN__G(842), TN__G(844), TN__G(846), TN__G(848), TN__G(850), TN__G(852), TN__G(856), TN__G(858),
    TN__G(864), TN__G(866), TN__G(868), TN__G(870), TN__G(874), TN__G(876), TN__G(892), TN__G(894), TN__G(898), TN__G(900), TN__G(904), TN__G(910), TN__G(912), TN__G(918), TN__G(922), TN__G(928), TN__G(930), TN__G(946), TN__G(948), TN__G(954),
    TN__G(972), TN__G(974), TN__G(976), TN__G(978), TN__G(982), TN__G(984), TN__G(986), TN__G(988), TN__G(990), TN__G(994), TN__G(996), TN__G(1000), TN__G(1002), TN__G(1004), TN__G(1006), TN__G(1008), TN__G(1010), TN__G(1012), TN__G(1014), TN__G(1018),
    TN__G(1020), TN__G(1026), TN__G(1028), TN__G(1030), TN__G(1032), TN__G(1036), TN__G(1038), TN__G(1044), TN__G(1054), TN__G(1056), TN__G(1058), TN__G(1060), TN__G(1062), TN__G(1064), TN__G(1066), TN__G(1068), TN__G(1072), TN__G(1074), TN__G(1080), TN__G(1082),
    TN__G(1084), TN__G(1086), TN__G(1090), TN__G(1092), TN__G(1098), TN__G(1108), TN__G(1110), TN__G(1116), TN__G(1134), TN__G(1138), TN__G(1140), TN__G(1144), TN__G(1146), TN__G(1152), TN__G(1162), TN__G(1164), TN__G(1170), TN__G(1188), TN__G(1214), TN__G(1216),
    TN__G(1218), TN__G(1220), TN__G(1222), TN__G(1224), TN__G(1228), TN__G(1230), TN__G(1234), TN__G(1242), TN__G(1244), TN__G(1246), TN__G(1248), TN__G(1252), TN__G(1254), TN__G(1260), TN__G(1270), TN__G(1272), TN__G(1296), TN__G(1298), TN__G(1300), TN__G(1302),
    TN__G(1306), TN__G(1308), TN__G(1314), TN__G(1324), TN__G(1326), TN__G(1332), TN__G(1348), TN__G(1370), TN__G(1380), TN__G(1386), TN__G(1404), TN__G(1418), TN__G(1458), TN__G(1460), TN__G(1462), TN__G(1464), TN__G(1468), TN__G(1470), TN__G(1472), TN__G(1474),
    TN__G(1476), TN__G(1480), TN__G(1484), TN__G(1486), TN__G(1488), TN__G(1494), TN__G(1496), TN__G(1498), TN__G(1506), TN__G(1512), TN__G(1520), TN__G(1524), TN__G(1538), TN__G(1540), TN__G(1542), TN__G(1548), TN__G(1550), TN__G(1552), TN__G(1558), TN__G(1566),
    TN__G(1568), TN__G(1570), TN__G(1576), TN__G(1578), TN__G(1584), TN__G(1594), TN__G(1596), TN__G(1602), TN__G(1620), TN__G(1628), TN__G(1640), TN__G(1644), TN__G(1646), TN__G(1650), TN__G(1656), TN__G(1680), TN__G(1682), TN__G(1698), TN__G(1702), TN__G(1704),
    TN__G(1706), TN__G(1708), TN__G(1710), TN__G(1714), TN__G(1716), TN__G(1720), TN__G(1722), TN__G(1728), TN__G(1730), TN__G(1732), TN__G(1734), TN__G(1738), TN__G(1740), TN__G(1746), TN__G(1756), TN__G(1758), TN__G(1764), TN__G(1782), TN__G(1786), TN__G(1788),
    TN__G(1792), TN__G(1794), TN__G(1800), TN__G(1810), TN__G(1812), TN__G(1818), TN__G(1832), TN__G(1836), TN__G(1864), TN__G(1866), TN__G(1872), TN__G(1890), TN__G(1906), TN__G(1944), TN__G(1948), TN__G(1954), TN__G(1956), TN__G(1972), TN__G(1974), TN__G(1980),
    TN__G(2006), TN__G(2024), TN__G(2026), TN__G(2028), TN__G(2034), TN__G(2092), TN__G(2114), TN__G(2126), TN__G(2154), TN__G(2166), TN__G(2168), TN__G(2188), TN__G(2190), TN__G(2192), TN__G(2194), TN__G(2196), TN__G(2198), TN__G(2200), TN__G(2202), TN__G(2204),
    TN__G(2206), TN__G(2208), TN__G(2210), TN__G(2214), TN__G(2216), TN__G(2218), TN__G(2220), TN__G(2222), TN__G(2224), TN__G(2226), TN__G(2228), TN__G(2230), TN__G(2232), TN__G(2234), TN__G(2236), TN__G(2242), TN__G(2244), TN__G(2250), TN__G(2254), TN__G(2256),
    TN__G(2260), TN__G(2262), TN__G(2268), TN__G(2270), TN__G(2272), TN__G(2274), TN__G(2278), TN__G(2280), TN__G(2282), TN__G(2284), TN__G(2286), TN__G(2288), TN__G(2290), TN__G(2296), TN__G(2298), TN__G(2300), TN__G(2302), TN__G(2304), TN__G(2306), TN__G(2308),
    TN__G(2310), TN__G(2314), TN__G(2316), TN__G(2322), TN__G(2324), TN__G(2326), TN__G(2328), TN__G(2332), TN__G(2334), TN__G(2340), TN__G(2350), TN__G(2352), TN__G(2358), TN__G(2360), TN__G(2362), TN__G(2364), TN__G(2370), TN__G(2376), TN__G(2380), TN__G(2382),
    TN__G(2386), TN__G(2388), TN__G(2394), TN__G(2404), TN__G(2406), TN__G(2430), TN__G(2432), TN__G(2434), TN__G(2436), TN__G(2438), TN__G(2440), TN__G(2442), TN__G(2444), TN__G(2446), TN__G(2448), TN__G(2450), TN__G(2452), TN__G(2454), TN__G(2458), TN__G(2460),
    TN__G(2462), TN__G(2464), TN__G(2466), TN__G(2468), TN__G(2470), TN__G(2472), TN__G(2476), TN__G(2478), TN__G(2484), TN__G(2486), TN__G(2488), TN__G(2490), TN__G(2494), TN__G(2496), TN__G(2502), TN__G(2512), TN__G(2514), TN__G(2516), TN__G(2518), TN__G(2520),
    TN__G(2522), TN__G(2524), TN__G(2526), TN__G(2530), TN__G(2532), TN__G(2538), TN__G(2540), TN__G(2542), TN__G(2544), TN__G(2548), TN__G(2550), TN__G(2556), TN__G(2564), TN__G(2566), TN__G(2568), TN__G(2574), TN__G(2592), TN__G(2594), TN__G(2596), TN__G(2598),
    TN__G(2602), TN__G(2604), TN__G(2610), TN__G(2620), TN__G(2622), TN__G(2628), TN__G(2646), TN__G(2668), TN__G(2674), TN__G(2676), TN__G(2680), TN__G(2682), TN__G(2684), TN__G(2686), TN__G(2688), TN__G(2692), TN__G(2694), TN__G(2700), TN__G(2702), TN__G(2704),
    TN__G(2706), TN__G(2710), TN__G(2712), TN__G(2718), TN__G(2730), TN__G(2736), TN__G(2754), TN__G(2756), TN__G(2758), TN__G(2760), TN__G(2764), TN__G(2766), TN__G(2772), TN__G(2782), TN__G(2784), TN__G(2790), TN__G(2808), TN__G(2822), TN__G(2836), TN__G(2838),
    TN__G(2844), TN__G(2862), TN__G(2916), TN__G(2918), TN__G(2920), TN__G(2922), TN__G(2926), TN__G(2928), TN__G(2930), TN__G(2932), TN__G(2934), TN__G(2936), TN__G(2938), TN__G(2940), TN__G(2944), TN__G(2946), TN__G(2948), TN__G(2950), TN__G(2952), TN__G(2954),
    TN__G(2956), TN__G(2958), TN__G(2962), TN__G(2964), TN__G(2970), TN__G(2972), TN__G(2974), TN__G(2976), TN__G(2980), TN__G(2982), TN__G(2998), TN__G(3000), TN__G(3002), TN__G(3004), TN__G(3006), TN__G(3008), TN__G(3010), TN__G(3012), TN__G(3016), TN__G(3018),
    TN__G(3024), TN__G(3026), TN__G(3028), TN__G(3030), TN__G(3034), TN__G(3036), TN__G(3042), TN__G(3052), TN__G(3054), TN__G(3060), TN__G(3078), TN__G(3082), TN__G(3084), TN__G(3088), TN__G(3090), TN__G(3096), TN__G(3106), TN__G(3108), TN__G(3114), TN__G(3130),
    TN__G(3132), TN__G(3160), TN__G(3162), TN__G(3164), TN__G(3166), TN__G(3168), TN__G(3170), TN__G(3172), TN__G(3174), TN__G(3178), TN__G(3180), TN__G(3186), TN__G(3188), TN__G(3190), TN__G(3192), TN__G(3196), TN__G(3198), TN__G(3204), TN__G(3214), TN__G(3216),
    TN__G(3222), TN__G(3240), TN__G(3242), TN__G(3244), TN__G(3246), TN__G(3250), TN__G(3252), TN__G(3258), TN__G(3268), TN__G(3270), TN__G(3276), TN__G(3294), TN__G(3322), TN__G(3324), TN__G(3330), TN__G(3344), TN__G(3348), TN__G(3402), TN__G(3404), TN__G(3406),
    TN__G(3408), TN__G(3412), TN__G(3414), TN__G(3420), TN__G(3430), TN__G(3432), TN__G(3438), TN__G(3446), TN__G(3456), TN__G(3484), TN__G(3486), TN__G(3492), TN__G(3510), TN__G(3564), TN__G(3580), TN__G(3622), TN__G(3642), TN__G(3646), TN__G(3648), TN__G(3650),
    TN__G(3654), TN__G(3656), TN__G(3658), TN__G(3660), TN__G(3664), TN__G(3666), TN__G(3672), TN__G(3676), TN__G(3678), TN__G(3682), TN__G(3684), TN__G(3690), TN__G(3702), TN__G(3708), TN__G(3726), TN__G(3728), TN__G(3730), TN__G(3732), TN__G(3736), TN__G(3738),
    TN__G(3744), TN__G(3754), TN__G(3756), TN__G(3762), TN__G(3780), TN__G(3796), TN__G(3810), TN__G(3816), TN__G(3834), TN__G(3848), TN__G(3880), TN__G(3888), TN__G(3892), TN__G(3894), TN__G(3898), TN__G(3900), TN__G(3906), TN__G(3916), TN__G(3918), TN__G(3924),
    TN__G(3942), TN__G(3970), TN__G(3972), TN__G(3978), TN__G(3996), TN__G(4004), TN__G(4020), TN__G(4034), TN__G(4050), TN__G(4116), TN__G(4132), TN__G(4134), TN__G(4140), TN__G(4180), TN__G(4200), TN__G(4212), TN__G(4238), TN__G(4322), TN__G(4366), TN__G(4374),
    TN__G(4376), TN__G(4378), TN__G(4380), TN__G(4384), TN__G(4386), TN__G(4390), TN__G(4392), TN__G(4396), TN__G(4402), TN__G(4404), TN__G(4410), TN__G(4412), TN__G(4414), TN__G(4416), TN__G(4420), TN__G(4428), TN__G(4432), TN__G(4438), TN__G(4440), TN__G(4456),
    TN__G(4458), TN__G(4462), TN__G(4464), TN__G(4466), TN__G(4468), TN__G(4470), TN__G(4474), TN__G(4476), TN__G(4482), TN__G(4484), TN__G(4486), TN__G(4488), TN__G(4492), TN__G(4494), TN__G(4510), TN__G(4512), TN__G(4518), TN__G(4534), TN__G(4536), TN__G(4540),
    TN__G(4544), TN__G(4546), TN__G(4548), TN__G(4564), TN__G(4566), TN__G(4572), TN__G(4618), TN__G(4620), TN__G(4622), TN__G(4624), TN__G(4626), TN__G(4628), TN__G(4630), TN__G(4632), TN__G(4636), TN__G(4644), TN__G(4646), TN__G(4648), TN__G(4650), TN__G(4654),
    TN__G(4656), TN__G(4662), TN__G(4672), TN__G(4674), TN__G(4680), TN__G(4698), TN__G(4700), TN__G(4702), TN__G(4704), TN__G(4708), TN__G(4710), TN__G(4716), TN__G(4726), TN__G(4728), TN__G(4734), TN__G(4752), TN__G(4760), TN__G(4780), TN__G(4782), TN__G(4788),
    TN__G(4804), TN__G(4806), TN__G(4860), TN__G(4864), TN__G(4870), TN__G(4872), TN__G(4888), TN__G(4890), TN__G(4896), TN__G(4934), TN__G(4942), TN__G(4944), TN__G(4968), TN__G(4990), TN__G(5042), TN__G(5064), TN__G(5066), TN__G(5078), TN__G(5096), TN__G(5104),
    TN__G(5106), TN__G(5110), TN__G(5112), TN__G(5114), TN__G(5116), TN__G(5118), TN__G(5124), TN__G(5130), TN__G(5132), TN__G(5134), TN__G(5136), TN__G(5140), TN__G(5142), TN__G(5148), TN__G(5158), TN__G(5160), TN__G(5166), TN__G(5184), TN__G(5188), TN__G(5194),
    TN__G(5196), TN__G(5212), TN__G(5214), TN__G(5220), TN__G(5228), TN__G(5266), TN__G(5268), TN__G(5274), TN__G(5292), TN__G(5342), TN__G(5346), TN__G(5348), TN__G(5350), TN__G(5352), TN__G(5356), TN__G(5358), TN__G(5364), TN__G(5374), TN__G(5376), TN__G(5382),
    TN__G(5400), TN__G(5414), TN__G(5428), TN__G(5430), TN__G(5436), TN__G(5454), TN__G(5496), TN__G(5500), TN__G(5508), TN__G(5540), TN__G(5556), TN__G(5590), TN__G(5592), TN__G(5598), TN__G(5612), TN__G(5616), TN__G(5668), TN__G(5670), TN__G(5704), TN__G(5708),
    TN__G(5814), TN__G(5832), TN__G(5836), TN__G(5840), TN__G(5844), TN__G(5852), TN__G(5858), TN__G(5860), TN__G(5862), TN__G(5868), TN__G(5906), TN__G(5912), TN__G(5940), TN__G(5962), TN__G(5996), TN__G(6002), TN__G(6014), TN__G(6018), TN__G(6020), TN__G(6050),
    TN__G(6054), TN__G(6056), TN__G(6072), TN__G(6076), TN__G(6078), TN__G(6084), TN__G(6102), TN__G(6136), TN__G(6150), TN__G(6156), TN__G(6172), TN__G(6274), TN__G(6326), TN__G(6342), TN__G(6392), TN__G(6438), TN__G(6458), TN__G(6486), TN__G(6488), TN__G(6498),
    TN__G(6500), TN__G(6504), TN__G(6540), TN__G(6560),
};
#undef TN__G
#define TN__G(i) TN__G1(i)
static const uint64_t tn__iq1s_grid[2048] = {
    TN__G(0), TN__G(2), TN__G(4), TN__G(6), TN__G(8), TN__G(10), TN__G(13), TN__G(18), TN__G(20), TN__G(24), TN__G(26), TN__G(31), TN__G(37), TN__G(39), TN__G(41), TN__G(49), TN__G(54), TN__G(56), TN__G(60), TN__G(62),
    TN__G(67), TN__G(72), TN__G(74), TN__G(78), TN__G(80), TN__G(84), TN__G(85), TN__G(91), TN__G(93), TN__G(95), TN__G(97), TN__G(98), TN__G(103), TN__G(109), TN__G(113), TN__G(115), TN__G(119), TN__G(121), TN__G(125), TN__G(127),
    TN__G(129), TN__G(131), TN__G(132), TN__G(139), TN__G(145), TN__G(147), TN__G(149), TN__G(157), TN__G(162), TN__G(164), TN__G(168), TN__G(170), TN__G(175), TN__G(180), TN__G(182), TN__G(186), TN__G(188), TN__G(193), TN__G(199), TN__G(205),
    TN__G(210), TN__G(214), TN__G(216), TN__G(218), TN__G(222), TN__G(224), TN__G(226), TN__G(229), TN__G(232), TN__G(234), TN__G(236), TN__G(240), TN__G(242), TN__G(253), TN__G(255), TN__G(257), TN__G(265), TN__G(271), TN__G(277), TN__G(283),
    TN__G(287), TN__G(291), TN__G(292), TN__G(307), TN__G(313), TN__G(319), TN__G(325), TN__G(327), TN__G(328), TN__G(329), TN__G(337), TN__G(339), TN__G(341), TN__G(349), TN__G(351), TN__G(355), TN__G(359), TN__G(360), TN__G(361), TN__G(363),
    TN__G(364), TN__G(365), TN__G(367), TN__G(369), TN__G(371), TN__G(373), TN__G(375), TN__G(377), TN__G(379), TN__G(388), TN__G(391), TN__G(393), TN__G(395), TN__G(397), TN__G(399), TN__G(400), TN__G(401), TN__G(403), TN__G(417), TN__G(421),
    TN__G(433), TN__G(435), TN__G(441), TN__G(443), TN__G(445), TN__G(447), TN__G(450), TN__G(451), TN__G(455), TN__G(457), TN__G(463), TN__G(469), TN__G(471), TN__G(475), TN__G(486), TN__G(488), TN__G(492), TN__G(494), TN__G(499), TN__G(504),
    TN__G(506), TN__G(510), TN__G(512), TN__G(517), TN__G(523), TN__G(527), TN__G(535), TN__G(540), TN__G(542), TN__G(546), TN__G(548), TN__G(553), TN__G(558), TN__G(560), TN__G(564), TN__G(566), TN__G(571), TN__G(577), TN__G(579), TN__G(583),
    TN__G(588), TN__G(589), TN__G(595), TN__G(603), TN__G(604), TN__G(607), TN__G(613), TN__G(615), TN__G(619), TN__G(631), TN__G(633), TN__G(635), TN__G(637), TN__G(643), TN__G(648), TN__G(650), TN__G(654), TN__G(656), TN__G(661), TN__G(666),
    TN__G(668), TN__G(672), TN__G(674), TN__G(679), TN__G(685), TN__G(691), TN__G(694), TN__G(697), TN__G(702), TN__G(704), TN__G(706), TN__G(708), TN__G(710), TN__G(715), TN__G(720), TN__G(722), TN__G(726), TN__G(728), TN__G(738), TN__G(739),
    TN__G(741), TN__G(745), TN__G(750), TN__G(751), TN__G(757), TN__G(759), TN__G(765), TN__G(769), TN__G(771), TN__G(775), TN__G(777), TN__G(778), TN__G(781), TN__G(793), TN__G(795), TN__G(797), TN__G(802), TN__G(805), TN__G(811), TN__G(813),
    TN__G(815), TN__G(817), TN__G(819), TN__G(821), TN__G(823), TN__G(825), TN__G(829), TN__G(831), TN__G(835), TN__G(841), TN__G(845), TN__G(846), TN__G(847), TN__G(848), TN__G(849), TN__G(850), TN__G(851), TN__G(853), TN__G(855), TN__G(859),
    TN__G(867), TN__G(875), TN__G(877), TN__G(883), TN__G(885), TN__G(901), TN__G(903), TN__G(905), TN__G(913), TN__G(918), TN__G(923), TN__G(925), TN__G(929), TN__G(931), TN__G(933), TN__G(935), TN__G(939), TN__G(941), TN__G(949), TN__G(955),
    TN__G(957), TN__G(959), TN__G(967), TN__G(973), TN__G(977), TN__G(979), TN__G(984), TN__G(985), TN__G(987), TN__G(988), TN__G(991), TN__G(995), TN__G(1000), TN__G(1003), TN__G(1004), TN__G(1005), TN__G(1007), TN__G(1009), TN__G(1011), TN__G(1012),
    TN__G(1013), TN__G(1015), TN__G(1019), TN__G(1021), TN__G(1023), TN__G(1029), TN__G(1033), TN__G(1035), TN__G(1038), TN__G(1039), TN__G(1041), TN__G(1042), TN__G(1043), TN__G(1045), TN__G(1047), TN__G(1048), TN__G(1051), TN__G(1055), TN__G(1057), TN__G(1061),
    TN__G(1063), TN__G(1065), TN__G(1066), TN__G(1067), TN__G(1069), TN__G(1071), TN__G(1073), TN__G(1075), TN__G(1077), TN__G(1079), TN__G(1081), TN__G(1083), TN__G(1084), TN__G(1085), TN__G(1090), TN__G(1091), TN__G(1092), TN__G(1093), TN__G(1094), TN__G(1096),
    TN__G(1097), TN__G(1099), TN__G(1101), TN__G(1102), TN__G(1103), TN__G(1105), TN__G(1107), TN__G(1109), TN__G(1110), TN__G(1111), TN__G(1113), TN__G(1115), TN__G(1116), TN__G(1117), TN__G(1119), TN__G(1120), TN__G(1121), TN__G(1123), TN__G(1124), TN__G(1125),
    TN__G(1127), TN__G(1129), TN__G(1135), TN__G(1137), TN__G(1138), TN__G(1139), TN__G(1147), TN__G(1148), TN__G(1149), TN__G(1151), TN__G(1153), TN__G(1157), TN__G(1161), TN__G(1163), TN__G(1164), TN__G(1165), TN__G(1167), TN__G(1169), TN__G(1171), TN__G(1174),
    TN__G(1175), TN__G(1176), TN__G(1177), TN__G(1180), TN__G(1182), TN__G(1183), TN__G(1185), TN__G(1186), TN__G(1187), TN__G(1193), TN__G(1196), TN__G(1199), TN__G(1201), TN__G(1209), TN__G(1213), TN__G(1225), TN__G(1229), TN__G(1237), TN__G(1243), TN__G(1245),
    TN__G(1247), TN__G(1249), TN__G(1251), TN__G(1255), TN__G(1257), TN__G(1259), TN__G(1260), TN__G(1261), TN__G(1263), TN__G(1265), TN__G(1267), TN__G(1273), TN__G(1279), TN__G(1281), TN__G(1291), TN__G(1305), TN__G(1307), TN__G(1309), TN__G(1313), TN__G(1315),
    TN__G(1318), TN__G(1325), TN__G(1326), TN__G(1327), TN__G(1329), TN__G(1333), TN__G(1335), TN__G(1336), TN__G(1337), TN__G(1339), TN__G(1340), TN__G(1341), TN__G(1345), TN__G(1349), TN__G(1357), TN__G(1360), TN__G(1361), TN__G(1363), TN__G(1365), TN__G(1369),
    TN__G(1373), TN__G(1375), TN__G(1384), TN__G(1391), TN__G(1398), TN__G(1400), TN__G(1407), TN__G(1409), TN__G(1411), TN__G(1413), TN__G(1415), TN__G(1417), TN__G(1419), TN__G(1423), TN__G(1427), TN__G(1429), TN__G(1435), TN__G(1441), TN__G(1445), TN__G(1448),
    TN__G(1458), TN__G(1460), TN__G(1464), TN__G(1466), TN__G(1471), TN__G(1476), TN__G(1478), TN__G(1480), TN__G(1482), TN__G(1484), TN__G(1489), TN__G(1495), TN__G(1501), TN__G(1504), TN__G(1507), TN__G(1512), TN__G(1514), TN__G(1518), TN__G(1520), TN__G(1525),
    TN__G(1530), TN__G(1532), TN__G(1534), TN__G(1536), TN__G(1538), TN__G(1543), TN__G(1549), TN__G(1551), TN__G(1555), TN__G(1561), TN__G(1568), TN__G(1569), TN__G(1573), TN__G(1579), TN__G(1581), TN__G(1583), TN__G(1585), TN__G(1587), TN__G(1588), TN__G(1589),
    TN__G(1597), TN__G(1602), TN__G(1607), TN__G(1609), TN__G(1615), TN__G(1621), TN__G(1626), TN__G(1628), TN__G(1630), TN__G(1633), TN__G(1638), TN__G(1640), TN__G(1644), TN__G(1646), TN__G(1651), TN__G(1657), TN__G(1661), TN__G(1663), TN__G(1669), TN__G(1675),
    TN__G(1680), TN__G(1682), TN__G(1684), TN__G(1687), TN__G(1692), TN__G(1694), TN__G(1698), TN__G(1700), TN__G(1705), TN__G(1713), TN__G(1715), TN__G(1717), TN__G(1723), TN__G(1731), TN__G(1732), TN__G(1733), TN__G(1735), TN__G(1739), TN__G(1741), TN__G(1743),
    TN__G(1745), TN__G(1751), TN__G(1759), TN__G(1765), TN__G(1767), TN__G(1771), TN__G(1774), TN__G(1777), TN__G(1789), TN__G(1795), TN__G(1801), TN__G(1807), TN__G(1809), TN__G(1813), TN__G(1815), TN__G(1819), TN__G(1821), TN__G(1822), TN__G(1825), TN__G(1829),
    TN__G(1831), TN__G(1833), TN__G(1843), TN__G(1845), TN__G(1848), TN__G(1849), TN__G(1851), TN__G(1853), TN__G(1855), TN__G(1857), TN__G(1859), TN__G(1861), TN__G(1867), TN__G(1872), TN__G(1874), TN__G(1879), TN__G(1885), TN__G(1891), TN__G(1897), TN__G(1903),
    TN__G(1908), TN__G(1909), TN__G(1915), TN__G(1920), TN__G(1922), TN__G(1926), TN__G(1934), TN__G(1944), TN__G(1946), TN__G(1950), TN__G(1952), TN__G(1957), TN__G(1962), TN__G(1964), TN__G(1968), TN__G(1970), TN__G(1975), TN__G(1981), TN__G(1983), TN__G(1993),
    TN__G(1998), TN__G(2000), TN__G(2004), TN__G(2006), TN__G(2016), TN__G(2018), TN__G(2022), TN__G(2024), TN__G(2032), TN__G(2035), TN__G(2037), TN__G(2041), TN__G(2047), TN__G(2057), TN__G(2059), TN__G(2063), TN__G(2065), TN__G(2071), TN__G(2073), TN__G(2075),
    TN__G(2077), TN__G(2083), TN__G(2088), TN__G(2093), TN__G(2095), TN__G(2100), TN__G(2101), TN__G(2106), TN__G(2108), TN__G(2112), TN__G(2114), TN__G(2124), TN__G(2126), TN__G(2130), TN__G(2132), TN__G(2137), TN__G(2143), TN__G(2147), TN__G(2149), TN__G(2155),
    TN__G(2160), TN__G(2162), TN__G(2166), TN__G(2168), TN__G(2173), TN__G(2178), TN__G(2180), TN__G(2184), TN__G(2186), TN__G(2191), TN__G(2197), TN__G(2201), TN__G(2209), TN__G(2221), TN__G(2225), TN__G(2227), TN__G(2229), TN__G(2231), TN__G(2233), TN__G(2235),
    TN__G(2237), TN__G(2253), TN__G(2257), TN__G(2260), TN__G(2264), TN__G(2268), TN__G(2269), TN__G(2271), TN__G(2273), TN__G(2275), TN__G(2279), TN__G(2281), TN__G(2282), TN__G(2283), TN__G(2285), TN__G(2287), TN__G(2291), TN__G(2293), TN__G(2299), TN__G(2301),
    TN__G(2303), TN__G(2305), TN__G(2307), TN__G(2308), TN__G(2309), TN__G(2311), TN__G(2312), TN__G(2317), TN__G(2319), TN__G(2321), TN__G(2323), TN__G(2325), TN__G(2327), TN__G(2331), TN__G(2333), TN__G(2335), TN__G(2340), TN__G(2341), TN__G(2342), TN__G(2353),
    TN__G(2359), TN__G(2361), TN__G(2363), TN__G(2371), TN__G(2377), TN__G(2387), TN__G(2389), TN__G(2393), TN__G(2397), TN__G(2401), TN__G(2410), TN__G(2415), TN__G(2425), TN__G(2431), TN__G(2443), TN__G(2446), TN__G(2455), TN__G(2461), TN__G(2463), TN__G(2465),
    TN__G(2467), TN__G(2469), TN__G(2470), TN__G(2471), TN__G(2476), TN__G(2477), TN__G(2479), TN__G(2481), TN__G(2483), TN__G(2485), TN__G(2489), TN__G(2491), TN__G(2493), TN__G(2495), TN__G(2497), TN__G(2502), TN__G(2503), TN__G(2509), TN__G(2512), TN__G(2513),
    TN__G(2515), TN__G(2519), TN__G(2521), TN__G(2523), TN__G(2524), TN__G(2525), TN__G(2527), TN__G(2529), TN__G(2533), TN__G(2537), TN__G(2539), TN__G(2541), TN__G(2542), TN__G(2543), TN__G(2545), TN__G(2547), TN__G(2548), TN__G(2550), TN__G(2551), TN__G(2552),
    TN__G(2553), TN__G(2554), TN__G(2557), TN__G(2559), TN__G(2560), TN__G(2561), TN__G(2563), TN__G(2567), TN__G(2568), TN__G(2569), TN__G(2571), TN__G(2575), TN__G(2577), TN__G(2578), TN__G(2579), TN__G(2581), TN__G(2582), TN__G(2587), TN__G(2589), TN__G(2591),
    TN__G(2593), TN__G(2596), TN__G(2599), TN__G(2604), TN__G(2605), TN__G(2607), TN__G(2609), TN__G(2611), TN__G(2613), TN__G(2617), TN__G(2619), TN__G(2621), TN__G(2623), TN__G(2625), TN__G(2628), TN__G(2629), TN__G(2630), TN__G(2632), TN__G(2633), TN__G(2635),
    TN__G(2639), TN__G(2641), TN__G(2643), TN__G(2647), TN__G(2650), TN__G(2654), TN__G(2658), TN__G(2659), TN__G(2665), TN__G(2667), TN__G(2669), TN__G(2677), TN__G(2683), TN__G(2686), TN__G(2690), TN__G(2695), TN__G(2702), TN__G(2707), TN__G(2709), TN__G(2713),
    TN__G(2715), TN__G(2719), TN__G(2721), TN__G(2723), TN__G(2725), TN__G(2731), TN__G(2737), TN__G(2739), TN__G(2741), TN__G(2743), TN__G(2749), TN__G(2755), TN__G(2758), TN__G(2759), TN__G(2762), TN__G(2763), TN__G(2766), TN__G(2767), TN__G(2769), TN__G(2773),
    TN__G(2775), TN__G(2777), TN__G(2781), TN__G(2785), TN__G(2789), TN__G(2791), TN__G(2792), TN__G(2793), TN__G(2794), TN__G(2795), TN__G(2797), TN__G(2799), TN__G(2801), TN__G(2803), TN__G(2804), TN__G(2807), TN__G(2813), TN__G(2815), TN__G(2819), TN__G(2821),
    TN__G(2822), TN__G(2823), TN__G(2827), TN__G(2829), TN__G(2831), TN__G(2833), TN__G(2849), TN__G(2865), TN__G(2867), TN__G(2869), TN__G(2875), TN__G(2877), TN__G(2879), TN__G(2883), TN__G(2887), TN__G(2901), TN__G(2911), TN__G(2917), TN__G(2919), TN__G(2920),
    TN__G(2921), TN__G(2923), TN__G(2927), TN__G(2929), TN__G(2933), TN__G(2935), TN__G(2937), TN__G(2941), TN__G(2943), TN__G(2947), TN__G(2949), TN__G(2953), TN__G(2955), TN__G(2956), TN__G(2957), TN__G(2959), TN__G(2965), TN__G(2967), TN__G(2975), TN__G(2977),
    TN__G(2983), TN__G(2985), TN__G(2988), TN__G(2989), TN__G(2993), TN__G(2995), TN__G(3001), TN__G(3003), TN__G(3004), TN__G(3005), TN__G(3007), TN__G(3009), TN__G(3010), TN__G(3011), TN__G(3012), TN__G(3013), TN__G(3015), TN__G(3019), TN__G(3020), TN__G(3021),
    TN__G(3023), TN__G(3025), TN__G(3027), TN__G(3028), TN__G(3029), TN__G(3031), TN__G(3033), TN__G(3034), TN__G(3035), TN__G(3036), TN__G(3037), TN__G(3038), TN__G(3039), TN__G(3040), TN__G(3041), TN__G(3043), TN__G(3045), TN__G(3046), TN__G(3047), TN__G(3049),
    TN__G(3053), TN__G(3055), TN__G(3061), TN__G(3063), TN__G(3064), TN__G(3065), TN__G(3067), TN__G(3069), TN__G(3073), TN__G(3077), TN__G(3079), TN__G(3083), TN__G(3089), TN__G(3091), TN__G(3095), TN__G(3097), TN__G(3099), TN__G(3107), TN__G(3109), TN__G(3113),
    TN__G(3115), TN__G(3117), TN__G(3118), TN__G(3119), TN__G(3121), TN__G(3125), TN__G(3127), TN__G(3136), TN__G(3141), TN__G(3143), TN__G(3145), TN__G(3148), TN__G(3149), TN__G(3153), TN__G(3162), TN__G(3163), TN__G(3169), TN__G(3171), TN__G(3172), TN__G(3173),
    TN__G(3174), TN__G(3175), TN__G(3178), TN__G(3181), TN__G(3183), TN__G(3185), TN__G(3187), TN__G(3189), TN__G(3190), TN__G(3191), TN__G(3193), TN__G(3194), TN__G(3195), TN__G(3196), TN__G(3198), TN__G(3199), TN__G(3200), TN__G(3201), TN__G(3202), TN__G(3203),
    TN__G(3205), TN__G(3206), TN__G(3207), TN__G(3208), TN__G(3209), TN__G(3211), TN__G(3213), TN__G(3219), TN__G(3221), TN__G(3223), TN__G(3225), TN__G(3226), TN__G(3227), TN__G(3229), TN__G(3232), TN__G(3234), TN__G(3235), TN__G(3239), TN__G(3241), TN__G(3242),
    TN__G(3243), TN__G(3244), TN__G(3245), TN__G(3247), TN__G(3249), TN__G(3250), TN__G(3251), TN__G(3252), TN__G(3253), TN__G(3254), TN__G(3256), TN__G(3257), TN__G(3259), TN__G(3261), TN__G(3262), TN__G(3263), TN__G(3265), TN__G(3267), TN__G(3268), TN__G(3269),
    TN__G(3270), TN__G(3271), TN__G(3272), TN__G(3273), TN__G(3274), TN__G(3276), TN__G(3277), TN__G(3278), TN__G(3279), TN__G(3280), TN__G(3281), TN__G(3282), TN__G(3283), TN__G(3284), TN__G(3285), TN__G(3286), TN__G(3288), TN__G(3289), TN__G(3290), TN__G(3291),
    TN__G(3292), TN__G(3293), TN__G(3295), TN__G(3297), TN__G(3298), TN__G(3301), TN__G(3302), TN__G(3303), TN__G(3304), TN__G(3306), TN__G(3307), TN__G(3308), TN__G(3309), TN__G(3310), TN__G(3313), TN__G(3315), TN__G(3316), TN__G(3317), TN__G(3319), TN__G(3321),
    TN__G(3322), TN__G(3323), TN__G(3324), TN__G(3326), TN__G(3327), TN__G(3328), TN__G(3331), TN__G(3333), TN__G(3334), TN__G(3336), TN__G(3337), TN__G(3339), TN__G(3340), TN__G(3341), TN__G(3342), TN__G(3343), TN__G(3344), TN__G(3345), TN__G(3346), TN__G(3349),
    TN__G(3352), TN__G(3353), TN__G(3354), TN__G(3355), TN__G(3356), TN__G(3357), TN__G(3358), TN__G(3359), TN__G(3360), TN__G(3361), TN__G(3362), TN__G(3363), TN__G(3364), TN__G(3365), TN__G(3367), TN__G(3369), TN__G(3370), TN__G(3373), TN__G(3377), TN__G(3379),
    TN__G(3380), TN__G(3381), TN__G(3382), TN__G(3383), TN__G(3385), TN__G(3388), TN__G(3392), TN__G(3395), TN__G(3397), TN__G(3398), TN__G(3399), TN__G(3400), TN__G(3405), TN__G(3406), TN__G(3407), TN__G(3409), TN__G(3411), TN__G(3415), TN__G(3417), TN__G(3421),
    TN__G(3428), TN__G(3433), TN__G(3435), TN__G(3437), TN__G(3439), TN__G(3441), TN__G(3442), TN__G(3443), TN__G(3444), TN__G(3445), TN__G(3447), TN__G(3449), TN__G(3450), TN__G(3451), TN__G(3458), TN__G(3463), TN__G(3465), TN__G(3467), TN__G(3469), TN__G(3471),
    TN__G(3475), TN__G(3481), TN__G(3484), TN__G(3485), TN__G(3487), TN__G(3491), TN__G(3493), TN__G(3495), TN__G(3496), TN__G(3497), TN__G(3499), TN__G(3505), TN__G(3511), TN__G(3513), TN__G(3514), TN__G(3515), TN__G(3517), TN__G(3519), TN__G(3520), TN__G(3521),
    TN__G(3522), TN__G(3523), TN__G(3524), TN__G(3525), TN__G(3526), TN__G(3527), TN__G(3529), TN__G(3531), TN__G(3532), TN__G(3533), TN__G(3535), TN__G(3538), TN__G(3541), TN__G(3544), TN__G(3547), TN__G(3549), TN__G(3550), TN__G(3551), TN__G(3552), TN__G(3553),
    TN__G(3559), TN__G(3567), TN__G(3570), TN__G(3577), TN__G(3581), TN__G(3582), TN__G(3586), TN__G(3587), TN__G(3589), TN__G(3595), TN__G(3597), TN__G(3598), TN__G(3601), TN__G(3604), TN__G(3605), TN__G(3606), TN__G(3607), TN__G(3611), TN__G(3613), TN__G(3615),
    TN__G(3617), TN__G(3619), TN__G(3626), TN__G(3629), TN__G(3631), TN__G(3632), TN__G(3633), TN__G(3635), TN__G(3637), TN__G(3649), TN__G(3657), TN__G(3659), TN__G(3661), TN__G(3667), TN__G(3675), TN__G(3681), TN__G(3685), TN__G(3686), TN__G(3687), TN__G(3689),
    TN__G(3691), TN__G(3693), TN__G(3695), TN__G(3697), TN__G(3700), TN__G(3713), TN__G(3721), TN__G(3727), TN__G(3729), TN__G(3731), TN__G(3733), TN__G(3737), TN__G(3739), TN__G(3745), TN__G(3746), TN__G(3749), TN__G(3751), TN__G(3757), TN__G(3760), TN__G(3763),
    TN__G(3766), TN__G(3767), TN__G(3769), TN__G(3775), TN__G(3776), TN__G(3779), TN__G(3783), TN__G(3788), TN__G(3791), TN__G(3793), TN__G(3799), TN__G(3803), TN__G(3805), TN__G(3817), TN__G(3821), TN__G(3823), TN__G(3834), TN__G(3835), TN__G(3839), TN__G(3847),
    TN__G(3848), TN__G(3849), TN__G(3852), TN__G(3865), TN__G(3871), TN__G(3875), TN__G(3883), TN__G(3898), TN__G(3899), TN__G(3901), TN__G(3902), TN__G(3905), TN__G(3907), TN__G(3911), TN__G(3913), TN__G(3915), TN__G(3917), TN__G(3919), TN__G(3921), TN__G(3923),
    TN__G(3925), TN__G(3927), TN__G(3928), TN__G(3929), TN__G(3931), TN__G(3932), TN__G(3933), TN__G(3935), TN__G(3937), TN__G(3945), TN__G(3946), TN__G(3949), TN__G(3951), TN__G(3953), TN__G(3954), TN__G(3955), TN__G(3956), TN__G(3957), TN__G(3959), TN__G(3961),
    TN__G(3963), TN__G(3967), TN__G(3973), TN__G(3975), TN__G(3977), TN__G(3979), TN__G(3982), TN__G(3983), TN__G(3985), TN__G(3999), TN__G(4000), TN__G(4001), TN__G(4003), TN__G(4005), TN__G(4006), TN__G(4008), TN__G(4009), TN__G(4010), TN__G(4012), TN__G(4015),
    TN__G(4017), TN__G(4018), TN__G(4019), TN__G(4021), TN__G(4028), TN__G(4030), TN__G(4031), TN__G(4033), TN__G(4036), TN__G(4037), TN__G(4039), TN__G(4040), TN__G(4043), TN__G(4045), TN__G(4046), TN__G(4047), TN__G(4052), TN__G(4057), TN__G(4063), TN__G(4068),
    TN__G(4073), TN__G(4074), TN__G(4075), TN__G(4077), TN__G(4081), TN__G(4083), TN__G(4085), TN__G(4087), TN__G(4089), TN__G(4090), TN__G(4091), TN__G(4092), TN__G(4094), TN__G(4095), TN__G(4099), TN__G(4101), TN__G(4104), TN__G(4106), TN__G(4108), TN__G(4112),
    TN__G(4116), TN__G(4118), TN__G(4119), TN__G(4120), TN__G(4122), TN__G(4125), TN__G(4127), TN__G(4130), TN__G(4145), TN__G(4147), TN__G(4153), TN__G(4159), TN__G(4169), TN__G(4171), TN__G(4175), TN__G(4177), TN__G(4183), TN__G(4189), TN__G(4195), TN__G(4200),
    TN__G(4208), TN__G(4213), TN__G(4215), TN__G(4221), TN__G(4225), TN__G(4231), TN__G(4233), TN__G(4235), TN__G(4237), TN__G(4239), TN__G(4240), TN__G(4243), TN__G(4244), TN__G(4245), TN__G(4249), TN__G(4251), TN__G(4252), TN__G(4253), TN__G(4255), TN__G(4257),
    TN__G(4261), TN__G(4265), TN__G(4268), TN__G(4269), TN__G(4274), TN__G(4279), TN__G(4285), TN__G(4287), TN__G(4288), TN__G(4291), TN__G(4303), TN__G(4307), TN__G(4308), TN__G(4321), TN__G(4323), TN__G(4327), TN__G(4329), TN__G(4333), TN__G(4335), TN__G(4337),
    TN__G(4341), TN__G(4342), TN__G(4345), TN__G(4352), TN__G(4359), TN__G(4362), TN__G(4364), TN__G(4370), TN__G(4374), TN__G(4376), TN__G(4380), TN__G(4382), TN__G(4392), TN__G(4394), TN__G(4398), TN__G(4400), TN__G(4405), TN__G(4410), TN__G(4411), TN__G(4413),
    TN__G(4415), TN__G(4417), TN__G(4423), TN__G(4428), TN__G(4430), TN__G(4434), TN__G(4436), TN__G(4441), TN__G(4446), TN__G(4448), TN__G(4452), TN__G(4454), TN__G(4459), TN__G(4465), TN__G(4467), TN__G(4469), TN__G(4471), TN__G(4477), TN__G(4483), TN__G(4485),
    TN__G(4489), TN__G(4491), TN__G(4493), TN__G(4495), TN__G(4496), TN__G(4497), TN__G(4498), TN__G(4503), TN__G(4505), TN__G(4507), TN__G(4513), TN__G(4516), TN__G(4521), TN__G(4523), TN__G(4525), TN__G(4531), TN__G(4536), TN__G(4538), TN__G(4542), TN__G(4544),
    TN__G(4549), TN__G(4554), TN__G(4556), TN__G(4560), TN__G(4562), TN__G(4573), TN__G(4575), TN__G(4579), TN__G(4585), TN__G(4590), TN__G(4592), TN__G(4596), TN__G(4598), TN__G(4603), TN__G(4608), TN__G(4610), TN__G(4614), TN__G(4616), TN__G(4629), TN__G(4633),
    TN__G(4645), TN__G(4647), TN__G(4654), TN__G(4657), TN__G(4661), TN__G(4663), TN__G(4665), TN__G(4669), TN__G(4683), TN__G(4687), TN__G(4699), TN__G(4705), TN__G(4709), TN__G(4711), TN__G(4715), TN__G(4721), TN__G(4723), TN__G(4725), TN__G(4726), TN__G(4729),
    TN__G(4731), TN__G(4735), TN__G(4737), TN__G(4738), TN__G(4739), TN__G(4741), TN__G(4742), TN__G(4747), TN__G(4748), TN__G(4749), TN__G(4751), TN__G(4753), TN__G(4755), TN__G(4757), TN__G(4759), TN__G(4761), TN__G(4763), TN__G(4765), TN__G(4767), TN__G(4775),
    TN__G(4789), TN__G(4793), TN__G(4795), TN__G(4801), TN__G(4807), TN__G(4809), TN__G(4813), TN__G(4814), TN__G(4815), TN__G(4819), TN__G(4822), TN__G(4823), TN__G(4825), TN__G(4829), TN__G(4832), TN__G(4837), TN__G(4843), TN__G(4850), TN__G(4854), TN__G(4860),
    TN__G(4862), TN__G(4866), TN__G(4868), TN__G(4873), TN__G(4878), TN__G(4880), TN__G(4884), TN__G(4886), TN__G(4888), TN__G(4891), TN__G(4897), TN__G(4899), TN__G(4903), TN__G(4909), TN__G(4912), TN__G(4914), TN__G(4916), TN__G(4920), TN__G(4922), TN__G(4927),
    TN__G(4932), TN__G(4934), TN__G(4938), TN__G(4940), TN__G(4945), TN__G(4946), TN__G(4951), TN__G(4953), TN__G(4955), TN__G(4963), TN__G(4969), TN__G(4971), TN__G(4973), TN__G(4975), TN__G(4977), TN__G(4979), TN__G(4981), TN__G(4985), TN__G(4987), TN__G(4989),
    TN__G(4999), TN__G(5009), TN__G(5011), TN__G(5017), TN__G(5022), TN__G(5024), TN__G(5028), TN__G(5030), TN__G(5035), TN__G(5040), TN__G(5042), TN__G(5046), TN__G(5048), TN__G(5053), TN__G(5059), TN__G(5061), TN__G(5063), TN__G(5076), TN__G(5078), TN__G(5082),
    TN__G(5084), TN__G(5089), TN__G(5094), TN__G(5096), TN__G(5100), TN__G(5102), TN__G(5107), TN__G(5113), TN__G(5117), TN__G(5118), TN__G(5119), TN__G(5125), TN__G(5131), TN__G(5135), TN__G(5137), TN__G(5143), TN__G(5145), TN__G(5147), TN__G(5155), TN__G(5156),
    TN__G(5161), TN__G(5167), TN__G(5169), TN__G(5171), TN__G(5173), TN__G(5179), TN__G(5185), TN__G(5187), TN__G(5189), TN__G(5191), TN__G(5193), TN__G(5197), TN__G(5199), TN__G(5201), TN__G(5203), TN__G(5205), TN__G(5207), TN__G(5209), TN__G(5211), TN__G(5215),
    TN__G(5220), TN__G(5221), TN__G(5223), TN__G(5224), TN__G(5225), TN__G(5227), TN__G(5231), TN__G(5233), TN__G(5241), TN__G(5243), TN__G(5249), TN__G(5251), TN__G(5253), TN__G(5257), TN__G(5259), TN__G(5261), TN__G(5263), TN__G(5269), TN__G(5275), TN__G(5277),
    TN__G(5281), TN__G(5287), TN__G(5295), TN__G(5297), TN__G(5299), TN__G(5301), TN__G(5303), TN__G(5305), TN__G(5307), TN__G(5315), TN__G(5317), TN__G(5323), TN__G(5331), TN__G(5333), TN__G(5344), TN__G(5347), TN__G(5349), TN__G(5351), TN__G(5355), TN__G(5359),
    TN__G(5361), TN__G(5369), TN__G(5373), TN__G(5381), TN__G(5383), TN__G(5385), TN__G(5386), TN__G(5387), TN__G(5388), TN__G(5389), TN__G(5391), TN__G(5392), TN__G(5393), TN__G(5395), TN__G(5403), TN__G(5405), TN__G(5411), TN__G(5412), TN__G(5413), TN__G(5415),
    TN__G(5419), TN__G(5425), TN__G(5427), TN__G(5431), TN__G(5433), TN__G(5435), TN__G(5436), TN__G(5437), TN__G(5439), TN__G(5440), TN__G(5441), TN__G(5443), TN__G(5446), TN__G(5449), TN__G(5452), TN__G(5453), TN__G(5455), TN__G(5457), TN__G(5458), TN__G(5459),
    TN__G(5461), TN__G(5463), TN__G(5464), TN__G(5465), TN__G(5466), TN__G(5467), TN__G(5468), TN__G(5469), TN__G(5470), TN__G(5471), TN__G(5473), TN__G(5475), TN__G(5476), TN__G(5477), TN__G(5479), TN__G(5482), TN__G(5485), TN__G(5487), TN__G(5491), TN__G(5492),
    TN__G(5493), TN__G(5494), TN__G(5495), TN__G(5497), TN__G(5498), TN__G(5499), TN__G(5501), TN__G(5503), TN__G(5505), TN__G(5507), TN__G(5509), TN__G(5511), TN__G(5517), TN__G(5521), TN__G(5524), TN__G(5526), TN__G(5531), TN__G(5533), TN__G(5539), TN__G(5541),
    TN__G(5542), TN__G(5545), TN__G(5546), TN__G(5548), TN__G(5549), TN__G(5551), TN__G(5557), TN__G(5559), TN__G(5564), TN__G(5565), TN__G(5569), TN__G(5570), TN__G(5573), TN__G(5574), TN__G(5575), TN__G(5583), TN__G(5585), TN__G(5587), TN__G(5593), TN__G(5603),
    TN__G(5605), TN__G(5611), TN__G(5617), TN__G(5621), TN__G(5625), TN__G(5627), TN__G(5629), TN__G(5630), TN__G(5633), TN__G(5637), TN__G(5638), TN__G(5647), TN__G(5653), TN__G(5657), TN__G(5659), TN__G(5665), TN__G(5673), TN__G(5675), TN__G(5677), TN__G(5679),
    TN__G(5681), TN__G(5683), TN__G(5685), TN__G(5687), TN__G(5688), TN__G(5689), TN__G(5691), TN__G(5693), TN__G(5697), TN__G(5699), TN__G(5701), TN__G(5703), TN__G(5705), TN__G(5707), TN__G(5709), TN__G(5710), TN__G(5711), TN__G(5713), TN__G(5717), TN__G(5719),
    TN__G(5720), TN__G(5723), TN__G(5725), TN__G(5727), TN__G(5733), TN__G(5735), TN__G(5737), TN__G(5741), TN__G(5743), TN__G(5747), TN__G(5755), TN__G(5764), TN__G(5773), TN__G(5781), TN__G(5783), TN__G(5785), TN__G(5787), TN__G(5791), TN__G(5793), TN__G(5797),
    TN__G(5809), TN__G(5815), TN__G(5817), TN__G(5818), TN__G(5819), TN__G(5832), TN__G(5834), TN__G(5838), TN__G(5840), TN__G(5845), TN__G(5850), TN__G(5852), TN__G(5856), TN__G(5858), TN__G(5863), TN__G(5869), TN__G(5871), TN__G(5873), TN__G(5875), TN__G(5886),
    TN__G(5888), TN__G(5892), TN__G(5894), TN__G(5899), TN__G(5904), TN__G(5906), TN__G(5910), TN__G(5912), TN__G(5917), TN__G(5920), TN__G(5923), TN__G(5925), TN__G(5927), TN__G(5929), TN__G(5930), TN__G(5945), TN__G(5947), TN__G(5950), TN__G(5953), TN__G(5955),
    TN__G(5957), TN__G(5959), TN__G(5961), TN__G(5971), TN__G(5976), TN__G(5978), TN__G(5981), TN__G(5983), TN__G(5996), TN__G(6000), TN__G(6002), TN__G(6003), TN__G(6010), TN__G(6014), TN__G(6018), TN__G(6020), TN__G(6025), TN__G(6031), TN__G(6035), TN__G(6037),
    TN__G(6043), TN__G(6048), TN__G(6050), TN__G(6054), TN__G(6056), TN__G(6061), TN__G(6066), TN__G(6068), TN__G(6072), TN__G(6074), TN__G(6091), TN__G(6097), TN__G(6103), TN__G(6105), TN__G(6111), TN__G(6114), TN__G(6115), TN__G(6117), TN__G(6119), TN__G(6121),
    TN__G(6124), TN__G(6125), TN__G(6126), TN__G(6127), TN__G(6133), TN__G(6161), TN__G(6163), TN__G(6165), TN__G(6167), TN__G(6169), TN__G(6171), TN__G(6179), TN__G(6181), TN__G(6185), TN__G(6187), TN__G(6193), TN__G(6195), TN__G(6196), TN__G(6197), TN__G(6199),
    TN__G(6205), TN__G(6209), TN__G(6211), TN__G(6213), TN__G(6214), TN__G(6215), TN__G(6217), TN__G(6221), TN__G(6223), TN__G(6225), TN__G(6241), TN__G(6247), TN__G(6251), TN__G(6254), TN__G(6256), TN__G(6259), TN__G(6267), TN__G(6269), TN__G(6272), TN__G(6275),
    TN__G(6277), TN__G(6278), TN__G(6279), TN__G(6282), TN__G(6284), TN__G(6296), TN__G(6300), TN__G(6304), TN__G(6305), TN__G(6307), TN__G(6310), TN__G(6312), TN__G(6314), TN__G(6318), TN__G(6320), TN__G(6324), TN__G(6326), TN__G(6336), TN__G(6338), TN__G(6342),
    TN__G(6344), TN__G(6355), TN__G(6357), TN__G(6359), TN__G(6361), TN__G(6372), TN__G(6374), TN__G(6378), TN__G(6380), TN__G(6385), TN__G(6390), TN__G(6392), TN__G(6396), TN__G(6398), TN__G(6403), TN__G(6411), TN__G(6415), TN__G(6418), TN__G(6421), TN__G(6427),
    TN__G(6435), TN__G(6439), TN__G(6443), TN__G(6445), TN__G(6449), TN__G(6451), TN__G(6462), TN__G(6467), TN__G(6480), TN__G(6482), TN__G(6486), TN__G(6488), TN__G(6498), TN__G(6500), TN__G(6504), TN__G(6506), TN__G(6517), TN__G(6519), TN__G(6521), TN__G(6534),
    TN__G(6536), TN__G(6540), TN__G(6542), TN__G(6547), TN__G(6552), TN__G(6554), TN__G(6558), TN__G(6560),
};
#undef TN__G
#define TN__G(i) TN__G3X(i)
static const uint32_t tn__iq3xxs_grid[256] = {
    TN__G(0), TN__G(2), TN__G(4), TN__G(9), TN__G(11), TN__G(15), TN__G(16), TN__G(18), TN__G(25), TN__G(34), TN__G(59), TN__G(61), TN__G(65), TN__G(67), TN__G(72), TN__G(74), TN__G(81), TN__G(85), TN__G(88), TN__G(90),
    TN__G(97), TN__G(108), TN__G(120), TN__G(128), TN__G(130), TN__G(132), TN__G(137), TN__G(144), TN__G(146), TN__G(153), TN__G(155), TN__G(159), TN__G(169), TN__G(175), TN__G(189), TN__G(193), TN__G(199), TN__G(200), TN__G(202), TN__G(213),
    TN__G(248), TN__G(267), TN__G(287), TN__G(292), TN__G(303), TN__G(315), TN__G(317), TN__G(321), TN__G(327), TN__G(346), TN__G(362), TN__G(413), TN__G(436), TN__G(456), TN__G(460), TN__G(462), TN__G(483), TN__G(497), TN__G(513), TN__G(515),
    TN__G(520), TN__G(522), TN__G(529), TN__G(531), TN__G(536), TN__G(538), TN__G(540), TN__G(551), TN__G(552), TN__G(576), TN__G(578), TN__G(585), TN__G(592), TN__G(594), TN__G(641), TN__G(643), TN__G(648), TN__G(650), TN__G(657), TN__G(664),
    TN__G(698), TN__G(704), TN__G(706), TN__G(720), TN__G(729), TN__G(742), TN__G(758), TN__G(769), TN__G(773), TN__G(808), TN__G(848), TN__G(852), TN__G(870), TN__G(889), TN__G(901), TN__G(978), TN__G(992), TN__G(1024), TN__G(1026), TN__G(1033),
    TN__G(1035), TN__G(1040), TN__G(1042), TN__G(1046), TN__G(1049), TN__G(1058), TN__G(1089), TN__G(1091), TN__G(1093), TN__G(1096), TN__G(1098), TN__G(1105), TN__G(1112), TN__G(1139), TN__G(1143), TN__G(1144), TN__G(1152), TN__G(1154), TN__G(1161), TN__G(1167),
    TN__G(1168), TN__G(1170), TN__G(1183), TN__G(1184), TN__G(1197), TN__G(1217), TN__G(1224), TN__G(1228), TN__G(1272), TN__G(1276), TN__G(1309), TN__G(1323), TN__G(1347), TN__G(1367), TN__G(1377), TN__G(1404), TN__G(1473), TN__G(1475), TN__G(1486), TN__G(1509),
    TN__G(1537), TN__G(1544), TN__G(1546), TN__G(1553), TN__G(1555), TN__G(1576), TN__G(1589), TN__G(1594), TN__G(1600), TN__G(1602), TN__G(1616), TN__G(1625), TN__G(1636), TN__G(1638), TN__G(1665), TN__G(1667), TN__G(1672), TN__G(1685), TN__G(1706), TN__G(1722),
    TN__G(1737), TN__G(1755), TN__G(1816), TN__G(1831), TN__G(1850), TN__G(1856), TN__G(1862), TN__G(1874), TN__G(1901), TN__G(1932), TN__G(1950), TN__G(1971), TN__G(2011), TN__G(2032), TN__G(2052), TN__G(2063), TN__G(2077), TN__G(2079), TN__G(2091), TN__G(2095),
    TN__G(2172), TN__G(2192), TN__G(2207), TN__G(2208), TN__G(2224), TN__G(2230), TN__G(2247), TN__G(2277), TN__G(2308), TN__G(2345), TN__G(2356), TN__G(2389), TN__G(2403), TN__G(2424), TN__G(2501), TN__G(2504), TN__G(2506), TN__G(2520), TN__G(2570), TN__G(2593),
    TN__G(2616), TN__G(2624), TN__G(2630), TN__G(2646), TN__G(2669), TN__G(2700), TN__G(2714), TN__G(2746), TN__G(2754), TN__G(2795), TN__G(2824), TN__G(2835), TN__G(2839), TN__G(2874), TN__G(2882), TN__G(2905), TN__G(2984), TN__G(3028), TN__G(3042), TN__G(3092),
    TN__G(3108), TN__G(3110), TN__G(3124), TN__G(3153), TN__G(3185), TN__G(3215), TN__G(3252), TN__G(3288), TN__G(3294), TN__G(3364), TN__G(3397), TN__G(3434), TN__G(3483), TN__G(3523), TN__G(3537), TN__G(3587), TN__G(3589), TN__G(3591), TN__G(3592), TN__G(3610),
    TN__G(3626), TN__G(3670), TN__G(3680), TN__G(3722), TN__G(3749), TN__G(3754), TN__G(3776), TN__G(3789), TN__G(3803), TN__G(3824), TN__G(3857), TN__G(3873), TN__G(3904), TN__G(3906), TN__G(3924), TN__G(3992),
};
#undef TN__G
#define TN__G(i) TN__G3S(i)
static const uint32_t tn__iq3s_grid[512] = {
    TN__G(0), TN__G(1), TN__G(2), TN__G(5), TN__G(7), TN__G(8), TN__G(9), TN__G(10), TN__G(12), TN__G(14), TN__G(16), TN__G(17), TN__G(21), TN__G(27), TN__G(32), TN__G(34), TN__G(37), TN__G(39), TN__G(41), TN__G(43),
    TN__G(48), TN__G(50), TN__G(57), TN__G(60), TN__G(63), TN__G(64), TN__G(65), TN__G(66), TN__G(68), TN__G(72), TN__G(73), TN__G(77), TN__G(80), TN__G(83), TN__G(87), TN__G(89), TN__G(93), TN__G(100), TN__G(113), TN__G(117),
    TN__G(122), TN__G(128), TN__G(129), TN__G(133), TN__G(135), TN__G(136), TN__G(139), TN__G(142), TN__G(145), TN__G(149), TN__G(152), TN__G(156), TN__G(162), TN__G(165), TN__G(167), TN__G(169), TN__G(171), TN__G(184), TN__G(187), TN__G(195),
    TN__G(201), TN__G(205), TN__G(208), TN__G(210), TN__G(217), TN__G(219), TN__G(222), TN__G(228), TN__G(232), TN__G(234), TN__G(247), TN__G(249), TN__G(253), TN__G(256), TN__G(267), TN__G(271), TN__G(273), TN__G(276), TN__G(282), TN__G(288),
    TN__G(291), TN__G(297), TN__G(312), TN__G(322), TN__G(324), TN__G(336), TN__G(338), TN__G(342), TN__G(347), TN__G(353), TN__G(357), TN__G(359), TN__G(374), TN__G(379), TN__G(390), TN__G(393), TN__G(395), TN__G(409), TN__G(426), TN__G(441),
    TN__G(448), TN__G(450), TN__G(452), TN__G(464), TN__G(466), TN__G(470), TN__G(475), TN__G(488), TN__G(492), TN__G(512), TN__G(513), TN__G(514), TN__G(516), TN__G(520), TN__G(521), TN__G(523), TN__G(525), TN__G(527), TN__G(528), TN__G(530),
    TN__G(537), TN__G(540), TN__G(542), TN__G(556), TN__G(558), TN__G(561), TN__G(570), TN__G(576), TN__G(577), TN__G(579), TN__G(582), TN__G(584), TN__G(588), TN__G(593), TN__G(600), TN__G(603), TN__G(609), TN__G(616), TN__G(618), TN__G(632),
    TN__G(638), TN__G(640), TN__G(650), TN__G(653), TN__G(655), TN__G(656), TN__G(660), TN__G(666), TN__G(672), TN__G(675), TN__G(685), TN__G(688), TN__G(698), TN__G(705), TN__G(708), TN__G(711), TN__G(712), TN__G(715), TN__G(721), TN__G(727),
    TN__G(728), TN__G(732), TN__G(737), TN__G(754), TN__G(760), TN__G(771), TN__G(773), TN__G(778), TN__G(780), TN__G(793), TN__G(795), TN__G(802), TN__G(806), TN__G(808), TN__G(812), TN__G(833), TN__G(840), TN__G(843), TN__G(849), TN__G(856),
    TN__G(858), TN__G(873), TN__G(912), TN__G(916), TN__G(919), TN__G(932), TN__G(934), TN__G(961), TN__G(963), TN__G(968), TN__G(970), TN__G(977), TN__G(989), TN__G(993), TN__G(1010), TN__G(1016), TN__G(1024), TN__G(1025), TN__G(1027), TN__G(1029),
    TN__G(1031), TN__G(1032), TN__G(1034), TN__G(1036), TN__G(1038), TN__G(1041), TN__G(1043), TN__G(1047), TN__G(1048), TN__G(1050), TN__G(1057), TN__G(1059), TN__G(1061), TN__G(1064), TN__G(1066), TN__G(1079), TN__G(1080), TN__G(1083), TN__G(1085), TN__G(1088),
    TN__G(1090), TN__G(1096), TN__G(1099), TN__G(1103), TN__G(1106), TN__G(1109), TN__G(1113), TN__G(1116), TN__G(1122), TN__G(1129), TN__G(1153), TN__G(1156), TN__G(1159), TN__G(1169), TN__G(1171), TN__G(1176), TN__G(1183), TN__G(1185), TN__G(1195), TN__G(1199),
    TN__G(1209), TN__G(1212), TN__G(1216), TN__G(1218), TN__G(1221), TN__G(1225), TN__G(1234), TN__G(1236), TN__G(1241), TN__G(1243), TN__G(1250), TN__G(1256), TN__G(1270), TN__G(1281), TN__G(1287), TN__G(1296), TN__G(1299), TN__G(1306), TN__G(1309), TN__G(1313),
    TN__G(1338), TN__G(1341), TN__G(1348), TN__G(1353), TN__G(1362), TN__G(1375), TN__G(1376), TN__G(1387), TN__G(1400), TN__G(1408), TN__G(1410), TN__G(1415), TN__G(1425), TN__G(1453), TN__G(1457), TN__G(1477), TN__G(1481), TN__G(1494), TN__G(1496), TN__G(1507),
    TN__G(1512), TN__G(1538), TN__G(1545), TN__G(1547), TN__G(1549), TN__G(1551), TN__G(1554), TN__G(1561), TN__G(1563), TN__G(1565), TN__G(1570), TN__G(1572), TN__G(1575), TN__G(1577), TN__G(1587), TN__G(1593), TN__G(1601), TN__G(1603), TN__G(1605), TN__G(1612),
    TN__G(1617), TN__G(1619), TN__G(1632), TN__G(1648), TN__G(1658), TN__G(1662), TN__G(1664), TN__G(1674), TN__G(1680), TN__G(1690), TN__G(1692), TN__G(1704), TN__G(1729), TN__G(1736), TN__G(1740), TN__G(1745), TN__G(1747), TN__G(1751), TN__G(1752), TN__G(1761),
    TN__G(1763), TN__G(1767), TN__G(1773), TN__G(1787), TN__G(1795), TN__G(1801), TN__G(1806), TN__G(1810), TN__G(1817), TN__G(1834), TN__G(1840), TN__G(1844), TN__G(1857), TN__G(1864), TN__G(1866), TN__G(1877), TN__G(1882), TN__G(1892), TN__G(1902), TN__G(1915),
    TN__G(1934), TN__G(1953), TN__G(1985), TN__G(1987), TN__G(2000), TN__G(2002), TN__G(2013), TN__G(2048), TN__G(2052), TN__G(2058), TN__G(2064), TN__G(2068), TN__G(2071), TN__G(2074), TN__G(2081), TN__G(2088), TN__G(2104), TN__G(2114), TN__G(2119), TN__G(2121),
    TN__G(2123), TN__G(2130), TN__G(2136), TN__G(2141), TN__G(2147), TN__G(2153), TN__G(2157), TN__G(2177), TN__G(2179), TN__G(2184), TN__G(2189), TN__G(2193), TN__G(2203), TN__G(2208), TN__G(2223), TN__G(2226), TN__G(2232), TN__G(2244), TN__G(2249), TN__G(2251),
    TN__G(2256), TN__G(2258), TN__G(2265), TN__G(2269), TN__G(2304), TN__G(2306), TN__G(2324), TN__G(2335), TN__G(2336), TN__G(2361), TN__G(2373), TN__G(2375), TN__G(2385), TN__G(2418), TN__G(2443), TN__G(2460), TN__G(2480), TN__G(2504), TN__G(2509), TN__G(2520),
    TN__G(2531), TN__G(2537), TN__G(2562), TN__G(2568), TN__G(2572), TN__G(2578), TN__G(2592), TN__G(2596), TN__G(2599), TN__G(2602), TN__G(2614), TN__G(2620), TN__G(2625), TN__G(2627), TN__G(2629), TN__G(2634), TN__G(2641), TN__G(2650), TN__G(2682), TN__G(2688),
    TN__G(2697), TN__G(2707), TN__G(2712), TN__G(2718), TN__G(2731), TN__G(2754), TN__G(2759), TN__G(2760), TN__G(2775), TN__G(2788), TN__G(2793), TN__G(2805), TN__G(2811), TN__G(2817), TN__G(2820), TN__G(2832), TN__G(2842), TN__G(2854), TN__G(2890), TN__G(2902),
    TN__G(2921), TN__G(2923), TN__G(2978), TN__G(3010), TN__G(3012), TN__G(3026), TN__G(3081), TN__G(3083), TN__G(3085), TN__G(3097), TN__G(3099), TN__G(3120), TN__G(3136), TN__G(3152), TN__G(3159), TN__G(3188), TN__G(3210), TN__G(3228), TN__G(3234), TN__G(3245),
    TN__G(3250), TN__G(3256), TN__G(3264), TN__G(3276), TN__G(3281), TN__G(3296), TN__G(3349), TN__G(3363), TN__G(3378), TN__G(3392), TN__G(3395), TN__G(3420), TN__G(3440), TN__G(3461), TN__G(3488), TN__G(3529), TN__G(3531), TN__G(3584), TN__G(3588), TN__G(3591),
    TN__G(3600), TN__G(3602), TN__G(3614), TN__G(3616), TN__G(3628), TN__G(3634), TN__G(3650), TN__G(3657), TN__G(3668), TN__G(3683), TN__G(3685), TN__G(3713), TN__G(3716), TN__G(3720), TN__G(3726), TN__G(3729), TN__G(3736), TN__G(3753), TN__G(3778), TN__G(3802),
    TN__G(3805), TN__G(3819), TN__G(3841), TN__G(3845), TN__G(3851), TN__G(3856), TN__G(3880), TN__G(3922), TN__G(3938), TN__G(3970), TN__G(3993), TN__G(4032),
};
#undef TN__G
#undef TN__D3
#undef TN__B2
#undef TN__B1
#undef TN__G3ROW
#undef TN__G2
#undef TN__G1
#undef TN__D8
#undef TN__B3X
#undef TN__B3S
#undef TN__G8ROW
#undef TN__G3X
#undef TN__G3S

static int tn__is_grid_type(tn_type t) {
    return t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS || t == TN_TYPE_IQ2_S || t == TN_TYPE_IQ3_XXS ||
           t == TN_TYPE_IQ3_S || t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M;
}
/* the 8 signs of a group from 7 stored bits: the eighth makes their count even
   (a table of the 128, made at compile time) */
#define TN__KS(s) ((s) | (((s) ^ ((s) >> 1) ^ ((s) >> 2) ^ ((s) >> 3) ^ ((s) >> 4) ^ ((s) >> 5) ^ ((s) >> 6)) & 1) << 7)
#define TN__KS8(b) TN__KS(b), TN__KS(b + 1), TN__KS(b + 2), TN__KS(b + 3), TN__KS(b + 4), TN__KS(b + 5), TN__KS(b + 6), TN__KS(b + 7)
#define TN__KS32(b) TN__KS8(b), TN__KS8(b + 8), TN__KS8(b + 16), TN__KS8(b + 24)
static const uint8_t tn__iq_ksigns[128] = {TN__KS32(0), TN__KS32(32), TN__KS32(64), TN__KS32(96)};
#undef TN__KS32
#undef TN__KS8
#undef TN__KS
static unsigned tn__iq_sign8(unsigned s7) { return tn__iq_ksigns[s7 & 127u]; }
static unsigned tn__rd16le(const uint8_t *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }

/* One block of a grid format, unpacked: its 32 groups of 8 as grid rows g
   (byte i: |value i| for iq2/iq3, the value -1..1 as int8 for iq1), their
   sign bits sg (bit i: value i is negative), the stored scale field of each
   16 values sc (its integer scale is 2 sc + 1), the sign of iq1's delta per
   group dl, and the block's fp16 scale d. */
typedef struct { uint64_t g[32]; uint8_t sg[32]; uint8_t sc[16]; int8_t dl[32]; float d; } tn__iq_block;
/* the chunk decoder is inlined into each format's kernel (t a constant there) */
#if defined(__GNUC__) || defined(__clang__)
#define TN__IQ_INLINE __attribute__((always_inline)) inline
#else
#define TN__IQ_INLINE inline
#endif

/* One 32-value chunk c of a block: its four grid rows, their sign bytes (byte l:
   group l), the scale fields of its two halves, and iq1's delta signs. Inlined
   with t a constant, the SIMD kernels keep it in registers. */
typedef struct { uint64_t g[4]; uint32_t s4; unsigned sc[2]; int dl[4]; } tn__iq_chunk;
static TN__IQ_INLINE void tn__iq_chunk_get(const tn_type t, const uint8_t *b, int c, tn__iq_chunk *o) {
    int l;
    o->s4 = 0;
    o->dl[0] = o->dl[1] = o->dl[2] = o->dl[3] = 0;
    switch (t) {
    case TN_TYPE_IQ2_XXS: {
        const uint8_t *q = b + 2 + 8 * c;
        const uint32_t aux = tn__le32(q + 4);
        for (l = 0; l < 4; l++) {
            o->g[l] = tn__iq2xxs_grid[q[l]];
            o->s4 |= (uint32_t)tn__iq_sign8((aux >> (7 * l)) & 127u) << (8 * l);
        }
        o->sc[0] = o->sc[1] = aux >> 28;
        break;
    }
    case TN_TYPE_IQ2_XS:
        for (l = 0; l < 4; l++) {
            const unsigned v = tn__rd16le(b + 2 + 2 * (4 * c + l));
            o->g[l] = tn__iq2xs_grid[v & 511u];
            o->s4 |= (uint32_t)tn__iq_sign8(v >> 9) << (8 * l);
        }
        o->sc[0] = b[66 + c] & 15u;
        o->sc[1] = (unsigned)b[66 + c] >> 4;
        break;
    case TN_TYPE_IQ2_S:
        for (l = 0; l < 4; l++) o->g[l] = tn__iq2s_grid[b[2 + 4 * c + l] | (((unsigned)b[66 + c] << (8 - 2 * l)) & 0x300u)];
        o->s4 = tn__le32(b + 34 + 4 * c);
        o->sc[0] = b[74 + c] & 15u;
        o->sc[1] = (unsigned)b[74 + c] >> 4;
        break;
    case TN_TYPE_IQ3_XXS: {
        const uint32_t aux = tn__le32(b + 66 + 4 * c);
        for (l = 0; l < 4; l++) {
            o->g[l] = tn__iq3xxs_grid[b[2 + 8 * c + 2 * l]] | (uint64_t)tn__iq3xxs_grid[b[2 + 8 * c + 2 * l + 1]] << 32;
            o->s4 |= (uint32_t)tn__iq_sign8((aux >> (7 * l)) & 127u) << (8 * l);
        }
        o->sc[0] = o->sc[1] = aux >> 28;
        break;
    }
    case TN_TYPE_IQ3_S: {
        const unsigned qh = b[66 + c];
        for (l = 0; l < 4; l++) {
            const unsigned i1 = b[2 + 8 * c + 2 * l] | ((qh << (8 - 2 * l)) & 256u), i2 = b[2 + 8 * c + 2 * l + 1] | ((qh << (7 - 2 * l)) & 256u);
            o->g[l] = tn__iq3s_grid[i1] | (uint64_t)tn__iq3s_grid[i2] << 32;
        }
        o->s4 = tn__le32(b + 74 + 4 * c);
        o->sc[0] = o->sc[1] = ((unsigned)b[106 + c / 2] >> (4 * (c % 2))) & 15u;
        break;
    }
    case TN_TYPE_IQ1_S: {
        const unsigned h = tn__rd16le(b + 34 + 2 * c);
        for (l = 0; l < 4; l++) {
            o->g[l] = tn__iq1s_grid[b[2 + 4 * c + l] | (((h >> (3 * l)) & 7u) << 8)];
            o->dl[l] = h & 0x8000u ? -1 : 1;
        }
        o->sc[0] = o->sc[1] = (h >> 12) & 7u;
        break;
    }
    default: { /* TN_TYPE_IQ1_M */
        const unsigned h0 = b[32 + 2 * c], h1 = b[33 + 2 * c], sc = tn__rd16le(b + 48 + 2 * (c / 2));
        const uint8_t *q = b + 4 * c;
        o->g[0] = tn__iq1s_grid[q[0] | ((h0 << 8) & 0x700u)];
        o->g[1] = tn__iq1s_grid[q[1] | ((h0 << 4) & 0x700u)];
        o->g[2] = tn__iq1s_grid[q[2] | ((h1 << 8) & 0x700u)];
        o->g[3] = tn__iq1s_grid[q[3] | ((h1 << 4) & 0x700u)];
        o->dl[0] = h0 & 0x08u ? -1 : 1;
        o->dl[1] = h0 & 0x80u ? -1 : 1;
        o->dl[2] = h1 & 0x08u ? -1 : 1;
        o->dl[3] = h1 & 0x80u ? -1 : 1;
        o->sc[0] = (sc >> (6 * (c % 2))) & 7u;
        o->sc[1] = (sc >> (6 * (c % 2) + 3)) & 7u;
        break;
    }
    }
}
/* the block's fp16 scale (iq1_m: in the top nibbles of its four scale words) */
static TN__IQ_INLINE float tn__iq_block_d(const tn_type t, const uint8_t *b) {
    if (t != TN_TYPE_IQ1_M) return tn_fp16_to_fp32((uint16_t)tn__rd16le(b));
    {
        const unsigned s0 = tn__rd16le(b + 48), s1 = tn__rd16le(b + 50), s2 = tn__rd16le(b + 52), s3 = tn__rd16le(b + 54);
        return tn_fp16_to_fp32((uint16_t)((s0 >> 12) | ((s1 >> 8) & 0x00F0u) | ((s2 >> 4) & 0x0F00u) | (s3 & 0xF000u)));
    }
}
static void tn__iq_unpack(tn_type t, const uint8_t *b, tn__iq_block *o) {
    int c, l;
    o->d = tn__iq_block_d(t, b);
    for (c = 0; c < 8; c++) {
        tn__iq_chunk k;
        tn__iq_chunk_get(t, b, c, &k);
        for (l = 0; l < 4; l++) {
            o->g[4 * c + l] = k.g[l];
            o->sg[4 * c + l] = (uint8_t)(k.s4 >> (8 * l));
            o->dl[4 * c + l] = (int8_t)k.dl[l];
        }
        o->sc[2 * c] = (uint8_t)k.sc[0];
        o->sc[2 * c + 1] = (uint8_t)k.sc[1];
    }
}

/* ggml's to_float: the scale of 16 values, then scale * grid value, signed */
static void tn__iq_dequantize(tn_type t, const uint8_t *x, float *y, int64_t k) {
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = k / TN_QK_K;
    tn__iq_block b;
    int g, j;
    for (ib = 0; ib < nb; ib++) {
        tn__iq_unpack(t, x + (size_t)ib * bs, &b);
        for (g = 0; g < 32; g++, y += 8) {
            const unsigned sc = b.sc[g / 2];
            const float dl = t == TN_TYPE_IQ3_XXS ? b.d * (0.5f + (float)sc) * 0.5f
                           : t == TN_TYPE_IQ3_S   ? b.d * (float)(1 + 2 * sc)
                           : t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M ? b.d * (float)(2 * sc + 1)
                           : b.d * (0.5f + (float)sc) * 0.25f;
            for (j = 0; j < 8; j++) {
                const unsigned v = (unsigned)(b.g[g] >> (8 * j)) & 255u;
                if (b.dl[g]) y[j] = dl * ((float)(int8_t)v + (b.dl[g] < 0 ? -0.125f : 0.125f));
                else {
                    const float a = dl * (float)v;
                    y[j] = (b.sg[g] >> j) & 1u ? -a : a;
                }
            }
        }
    }
}
/* a block's share of the dot product from its integer sums (the same on
   every path): s1 = sum of scale x value x q8, s2 (iq1) = sum of scale x
   delta sign x q8; ggml's float expressions */
static float tn__iq_dot_block(tn_type t, float d, float yd, int32_t s1, int32_t s2) {
    if (t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M) return d * yd * ((float)s1 + 0.125f * (float)s2);
    return (d * yd) * (float)s1;
}
static float tn__iq_dot_final(tn_type t, float sumf) {
    return t == TN_TYPE_IQ3_XXS ? 0.25f * sumf : t == TN_TYPE_IQ3_S || t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M ? sumf : 0.125f * sumf;
}
/* iq1_s takes its delta sums from the q8_K block's bsums, as ggml does: chunk c
   (one scale field sc, one delta sign dl) against bsums 2c and 2c + 1 */
static TN__IQ_INLINE int32_t tn__iq1s_delta(unsigned sc, int dl, const tn_block_q8_K *y, int c) {
    return (2 * (int32_t)sc + 1) * dl * ((int32_t)y->bsums[2 * c] + y->bsums[2 * c + 1]);
}
static int32_t tn__iq1s_delta_sum(const tn__iq_block *b, const tn_block_q8_K *y) {
    int32_t s = 0;
    int c;
    for (c = 0; c < 8; c++) s += tn__iq1s_delta(b->sc[2 * c], b->dl[4 * c], y, c);
    return s;
}
/* A block's exact integer sums against q8 (every path gives the same, so
   the same float result): *s1 = sum over the 16-value groups of (2 sc + 1)
   x sum(value x q8); with delta (iq1_m) *s2 the same over iq1's delta signs.
   The grid values are signed with sg (zero for iq1, whose values are signed
   already); each path has its own, the driver below is shared. */
static void tn__iq_sums_ref(const tn__iq_block *b, const int8_t *q8, int delta, int32_t *s1, int32_t *s2) {
    int32_t r1 = 0, r2 = 0;
    int h, g, j;
    for (h = 0; h < 16; h++) {
        int32_t a1 = 0, a2 = 0;
        for (g = 2 * h; g < 2 * h + 2; g++)
            for (j = 0; j < 8; j++) {
                const int32_t q = q8[8 * g + j], v = (int8_t)(uint8_t)(b->g[g] >> (8 * j));
                a1 += (b->sg[g] >> j) & 1u ? -v * q : v * q;
                a2 += b->dl[g] * q;
            }
        r1 += (2 * (int32_t)b->sc[h] + 1) * a1;
        r2 += (2 * (int32_t)b->sc[h] + 1) * a2;
    }
    *s1 = r1;
    *s2 = delta ? r2 : 0;
}
static void tn__iq_dot_ref(tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = n / TN_QK_K;
    tn__iq_block b;
    float sumf = 0.0f;
    for (ib = 0; ib < nb; ib++) {
        const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
        int32_t s1, s2;
        tn__iq_unpack(t, (const uint8_t *)vx + (size_t)ib * bs, &b);
        tn__iq_sums_ref(&b, y->qs, t == TN_TYPE_IQ1_M, &s1, &s2);
        if (t == TN_TYPE_IQ1_S) s2 = tn__iq1s_delta_sum(&b, y);
        sumf += tn__iq_dot_block(t, b.d, y->d, s1, s2);
    }
    *s = tn__iq_dot_final(t, sumf);
}
/* a path's seven grid dots from its kernel template tn__iq_dot_<path>_t */
#define TN__IQ_DOT(name, type, path) \
    static void tn__vec_dot_##name##_q8_K_##path(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_##path##_t(type, n, s, x, y); }
#define TN__IQ_DOTS(path) \
    TN__IQ_DOT(iq2_xxs, TN_TYPE_IQ2_XXS, path) TN__IQ_DOT(iq2_xs, TN_TYPE_IQ2_XS, path) TN__IQ_DOT(iq2_s, TN_TYPE_IQ2_S, path) \
    TN__IQ_DOT(iq3_xxs, TN_TYPE_IQ3_XXS, path) TN__IQ_DOT(iq3_s, TN_TYPE_IQ3_S, path) TN__IQ_DOT(iq1_s, TN_TYPE_IQ1_S, path) TN__IQ_DOT(iq1_m, TN_TYPE_IQ1_M, path)

/* -- the grid quantizers: ggml's searches, step for step (the same bytes) --
   The search needs, for each point of the integer lattice a group can round
   to, its grid index or (off the grid) the list of its nearest grid points:
   those at the nwant smallest distances, by distance then index. These are
   built on first use, once per process and grid (a few ms), and kept until
   exit: tables of this copy of the library alone, filled under an atomic
   flag so threads that quantize at once build them once. */
typedef struct { int32_t *map; uint16_t *nb; uint8_t *lv; int state; } tn__iq_cache;
static tn__iq_cache tn__iqc[6]; /* iq2_xxs, iq2_xs, iq2_s, iq1_s/iq1_m, iq3_xxs, iq3_s */
static int tn__iq_cache_slot(tn_type t) {
    return t == TN_TYPE_IQ2_XXS ? 0 : t == TN_TYPE_IQ2_XS ? 1 : t == TN_TYPE_IQ2_S ? 2 : t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M ? 3 : t == TN_TYPE_IQ3_XXS ? 4 : 5;
}
static int tn__iq_cache_build(int w, tn__iq_cache *c) {
    static const int gsz[6] = {256, 512, 1024, 2048, 256, 512}, want[6] = {2, 2, 1, 3, 2, 3};
    const int gs = gsz[w], ng = w < 4 ? 8 : 4, bits = w < 4 ? 2 : 3, ndig = w < 4 ? 3 : 8, nwant = want[w];
    const int msize = w < 4 ? 43692 : 4096, npts = w < 4 ? 6561 : 4096;
    int32_t *map = (int32_t *)TN_MALLOC(sizeof(int32_t) * (size_t)msize);
    uint8_t *lv = (uint8_t *)TN_MALLOC((size_t)gs * (size_t)ng);
    int *d2 = (int *)TN_MALLOC(sizeof(int) * (size_t)gs);
    uint16_t *nb = NULL;
    size_t nnb = 0, cap = 0;
    int i, j, k, p;
    if (!map || !lv || !d2) goto fail;
    for (i = 0; i < msize; i++) map[i] = -1;
    for (j = 0; j < gs; j++) {
        const uint64_t row = w == 0 ? tn__iq2xxs_grid[j] : w == 1 ? tn__iq2xs_grid[j] : w == 2 ? tn__iq2s_grid[j]
                           : w == 3 ? tn__iq1s_grid[j] : w == 4 ? tn__iq3xxs_grid[j] : tn__iq3s_grid[j];
        int u = 0;
        for (k = 0; k < ng; k++) {
            const unsigned v = (unsigned)(row >> (8 * k)) & 255u;
            const int l = w < 3 ? (int)(v - 8) / 17 : w == 3 ? (int)(int8_t)v + 1 : w == 4 ? (int)(v - 4) / 8 : (int)(v - 1) / 2;
            lv[j * ng + k] = (uint8_t)l;
            u |= l << (bits * k);
        }
        map[u] = j;
    }
    for (p = 0; p < npts; p++) { /* every lattice point a clamped rounding reaches */
        int u = 0, r = p, lim[3], nl = 0, best;
        for (k = 0; k < ng; k++) { u |= (r % ndig) << (bits * k); r /= ndig; }
        if (map[u] >= 0) continue;
        for (j = 0; j < gs; j++) {
            int s = 0;
            for (k = 0; k < ng; k++) { const int e = 2 * lv[j * ng + k] - 2 * ((u >> (bits * k)) & ((1 << bits) - 1)); s += e * e; }
            d2[j] = s;
        }
        while (nl < nwant) { /* the nwant smallest distinct distances */
            best = -1;
            for (j = 0; j < gs; j++)
                if ((nl == 0 || d2[j] > lim[nl - 1]) && (best < 0 || d2[j] < best)) best = d2[j];
            if (best < 0) break;
            lim[nl++] = best;
        }
        if (cap - nnb < (size_t)gs + 1) {
            size_t nc = cap ? cap * 2 : 65536;
            uint16_t *q;
            while (nc - nnb < (size_t)gs + 1) nc *= 2;
            q = (uint16_t *)TN_REALLOC(nb, sizeof(uint16_t) * nc);
            if (!q) goto fail;
            nb = q;
            cap = nc;
        }
        map[u] = -(int32_t)nnb - 1;
        {
            const size_t at = nnb++;
            int m;
            for (m = 0; m < nl; m++)
                for (j = 0; j < gs; j++)
                    if (d2[j] == lim[m]) nb[nnb++] = (uint16_t)j;
            nb[at] = (uint16_t)(nnb - at - 1);
        }
    }
    TN_FREE(d2);
    c->map = map;
    c->nb = nb;
    c->lv = lv;
    return 1;
fail:
    TN_FREE(map);
    TN_FREE(lv);
    TN_FREE(d2);
    TN_FREE(nb);
    return 0;
}
static const tn__iq_cache *tn__iq_cache_get(tn_type t) {
    const int w = tn__iq_cache_slot(t);
    tn__iq_cache *c = &tn__iqc[w];
#if !defined(TERNARY_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
    for (;;) {
        int st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE), expected = 0;
        if (st == 2) return c;
        if (st == 0 && __atomic_compare_exchange_n(&c->state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            const int ok = tn__iq_cache_build(w, c);
            __atomic_store_n(&c->state, ok ? 2 : 0, __ATOMIC_RELEASE);
            return ok ? c : NULL;
        }
        if (st == 1) tn__cpu_relax();
    }
#else
    if (c->state != 2) {
        if (!tn__iq_cache_build(w, c)) return NULL;
        c->state = 2;
    }
    return c;
#endif
}

static float tn__fmaxf_g(float a, float b) { return a > b ? a : b; } /* ggml's MAX(a, b) */
/* ggml's make_qp_quants (n values, levels 0..nmax): the scale only */
static float tn__iq_qp_scale(int n, int nmax, const float *x, const float *w) {
    uint8_t L[32];
    float max = 0, iscale, scale, best_mse = 0, sumlx = 0, suml2 = 0;
    int i, is, itry;
    for (i = 0; i < n; i++) max = tn__fmaxf_g(max, x[i]);
    if (max < 1e-15f) return 0.0f;
    iscale = (float)nmax / max;
    for (i = 0; i < n; i++) L[i] = (uint8_t)tn__nearest_int(iscale * x[i]);
    scale = 1 / iscale;
    for (i = 0; i < n; i++) { const float diff = x[i] - scale * (float)L[i]; best_mse += w[i] * diff * diff; }
    for (is = -4; is <= 4; is++) {
        float iscale_is, scale_is, mse = 0;
        if (is == 0) continue;
        iscale_is = (0.1f * (float)is + (float)nmax) / max;
        scale_is = 1 / iscale_is;
        for (i = 0; i < n; i++) {
            int l = tn__nearest_int(iscale_is * x[i]);
            float diff;
            if (l > nmax) l = nmax;
            diff = x[i] - scale_is * (float)l;
            mse += w[i] * diff * diff;
        }
        if (mse < best_mse) { best_mse = mse; iscale = iscale_is; }
    }
    for (i = 0; i < n; i++) {
        int l = tn__nearest_int(iscale * x[i]);
        if (l > nmax) l = nmax;
        L[i] = (uint8_t)l;
        sumlx += w[i] * x[i] * (float)l;
        suml2 += w[i] * (float)l * (float)l;
    }
    for (itry = 0; itry < 5; itry++) {
        int n_changed = 0;
        for (i = 0; i < n; i++) {
            float slx = sumlx - w[i] * x[i] * (float)L[i], sl2 = suml2 - w[i] * (float)L[i] * (float)L[i];
            if (slx > 0 && sl2 > 0) {
                int new_l = tn__nearest_int(x[i] * sl2 / slx);
                if (new_l > nmax) new_l = nmax;
                if (new_l != L[i]) {
                    slx += w[i] * x[i] * (float)new_l;
                    sl2 += w[i] * (float)new_l * (float)new_l;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) { L[i] = (uint8_t)new_l; sumlx = slx; suml2 = sl2; ++n_changed; }
                }
            }
        }
        if (!n_changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}
/* the value of level l: 2 l + 1 on the iq2/iq3 grids (iq1 passes its shifted -1, 0, 1) */
static const float tn__iq_odd[8] = {1, 3, 5, 7, 9, 11, 13, 15};
/* the listed grid point nearest to xval / scale under the weights (the first of
   equals; the first listed if none is finite); writes its levels to L */
static int tn__iq_best_nb(const tn__iq_cache *c, int u, int ng, const float *xval, const float *w, float scale, const float *xg, int8_t *L) {
    const uint16_t *nb = c->nb - c->map[u] - 1;
    float best = FLT_MAX;
    int j, i, gi = nb[1];
    for (j = 1; j <= (int)nb[0]; j++) {
        float d2 = 0;
        for (i = 0; i < ng; i++) {
            const float diff = scale * xg[c->lv[nb[j] * ng + i]] - xval[i];
            d2 += w[i] * diff * diff;
        }
        if (d2 < best) { best = d2; gi = nb[j]; }
    }
    for (i = 0; i < ng; i++) L[i] = (int8_t)c->lv[gi * ng + i];
    return gi;
}
/* groups of one sub-block rounded at id: levels into L, on-grid flags; off-grid groups take the best neighbour at scale */
static void tn__iq_round_groups(const tn__iq_cache *c, int ngr, int ng, int bits, int kmax, const float *xval, const float *waux,
                                float id, float scale, int8_t *L, int *on, int only_off) {
    int k, i;
    for (k = 0; k < ngr; k++) {
        int u = 0;
        if (only_off && on[k]) continue;
        for (i = 0; i < ng; i++) {
            int l = tn__nearest_int(0.5f * (id * xval[ng * k + i] - 1));
            l = l < 0 ? 0 : l > kmax - 1 ? kmax - 1 : l;
            L[ng * k + i] = (int8_t)l;
            u |= l << (bits * i);
        }
        if (!only_off) on[k] = c->map[u] >= 0;
        if (c->map[u] < 0) tn__iq_best_nb(c, u, ng, xval + ng * k, waux + ng * k, scale, tn__iq_odd, L + ng * k);
    }
}
/* one 256-block of iq2_xxs, iq2_xs, iq2_s, iq3_xxs or iq3_s; qw its 256 importance weights or NULL */
static void tn__iq23_block(tn_type t, const tn__iq_cache *c, const float *xbl, const float *qw, uint8_t *out) {
    const int iq3 = t == TN_TYPE_IQ3_XXS || t == TN_TYPE_IQ3_S;
    const int bsz = t == TN_TYPE_IQ2_XS || t == TN_TYPE_IQ2_S ? 16 : 32, ng = iq3 ? 4 : 8, bits = iq3 ? 3 : 2, kmax = iq3 ? 8 : 3;
    const int ngr = bsz / ng, nsg = bsz / 8, parity = t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS || t == TN_TYPE_IQ3_XXS;
    const int nis = t == TN_TYPE_IQ3_XXS ? 15 : t == TN_TYPE_IQ2_XXS ? 6 : 9;
    const float step = iq3 ? 0.2f : 0.1f;
    float scales[16], weight[32], xval[32], waux[32], sumx2 = 0, sigma2, max_scale = 0;
    int8_t L[32], Laux[32];
    int on[8], on_aux[8];
    uint8_t bsg[4];
    int ib, i, k, is;
    memset(out, 0, tn__traits[t].type_size);
    for (i = 0; i < TN_QK_K; i++) sumx2 += xbl[i] * xbl[i];
    sigma2 = t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS ? sumx2 / TN_QK_K : 2 * sumx2 / TN_QK_K;
    for (ib = 0; ib < TN_QK_K / bsz; ib++) {
        const float *xb = xbl + bsz * ib;
        float max, scale, best = 0;
        for (i = 0; i < bsz; i++)
            weight[i] = qw ? qw[bsz * ib + i] * sqrtf(sigma2 + xb[i] * xb[i]) : t == TN_TYPE_IQ2_S ? 0.25f * sigma2 + xb[i] * xb[i] : xb[i] * xb[i];
        for (i = 0; i < bsz; i++) waux[i] = sqrtf(weight[i]);
        for (k = 0; k < nsg; k++) {
            int nflip = 0;
            unsigned s = 0;
            for (i = 0; i < 8; i++) {
                if (xb[8 * k + i] >= 0) xval[8 * k + i] = xb[8 * k + i];
                else { xval[8 * k + i] = -xb[8 * k + i]; ++nflip; s |= 1u << i; }
            }
            if (parity && nflip % 2) { /* an odd count: flip the cheapest value, the eighth sign is implied */
                int imin = 0;
                float mn = weight[8 * k] * xb[8 * k] * xb[8 * k];
                for (i = 1; i < 8; i++) {
                    const float ax = weight[8 * k + i] * xb[8 * k + i] * xb[8 * k + i];
                    if (ax < mn) { mn = ax; imin = i; }
                }
                xval[8 * k + imin] = -xval[8 * k + imin];
                s ^= 1u << imin;
            }
            bsg[k] = (uint8_t)(parity ? s & 127u : s);
        }
        max = xval[0];
        for (i = 1; i < bsz; i++) max = tn__fmaxf_g(max, xval[i]);
        memset(L, 0, sizeof(L));
        if (t == TN_TYPE_IQ3_S ? !(max != 0) : max < (t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ2_XS ? 1e-15f : 1e-8f)) { scales[ib] = 0; continue; }
        if (t == TN_TYPE_IQ2_XXS) {
            float eff_max;
            scale = tn__iq_qp_scale(32, kmax + 1, xval, weight);
            eff_max = scale * (float)kmax;
            if (eff_max <= 0) { scales[ib] = 0; continue; }
            for (is = -nis; is <= nis; is++) {
                const float id = ((float)(2 * kmax - 1) + (float)is * step) / eff_max;
                float sumqx = 0, sumq2 = 0;
                tn__iq_round_groups(c, ngr, ng, bits, kmax, xval, waux, id, 1 / id, Laux, on_aux, 0);
                for (i = 0; i < 32; i++) { const float q = (float)(2 * Laux[i] + 1); sumqx += weight[i] * xval[i] * q; sumq2 += weight[i] * q * q; }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) { scale = sumqx / sumq2; best = scale * sumqx; memcpy(L, Laux, 32); }
            }
            if (scale > 0) {
                float sumqx = 0, sumq2 = 0;
                tn__iq_round_groups(c, ngr, ng, bits, kmax, xval, waux, 1 / scale, scale, L, on, 0);
                for (i = 0; i < 32; i++) { const float q = (float)(2 * L[i] + 1); sumqx += weight[i] * xval[i] * q; sumq2 += weight[i] * q * q; }
                if (sumq2 > 0) scale = sumqx / sumq2;
            }
        } else {
            int n_off = 0;
            scale = max / (float)(2 * kmax - 1);
            for (k = 0; k < ngr; k++) on[k] = t != TN_TYPE_IQ3_S;
            for (is = -nis; is <= nis; is++) {
                const float id = ((float)(2 * kmax - 1) + (float)is * step) / max;
                float sumqx = 0, sumq2 = 0;
                tn__iq_round_groups(c, ngr, ng, bits, kmax, xval, waux, id, 1 / id, Laux, on_aux, 0);
                for (i = 0; i < bsz; i++) { const float q = (float)(2 * Laux[i] + 1); sumqx += weight[i] * xval[i] * q; sumq2 += weight[i] * q * q; }
                if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                    scale = sumqx / sumq2; best = scale * sumqx;
                    memcpy(L, Laux, (size_t)bsz);
                    memcpy(on, on_aux, sizeof(on));
                }
            }
            for (k = 0; k < ngr; k++) n_off += !on[k];
            if (n_off > 0 && scale > 0) {
                float sumqx = 0, sumq2 = 0;
                if (t == TN_TYPE_IQ3_S) for (k = 0; k < ngr; k++) on[k] = 0; /* iq3_s re-rounds every group */
                tn__iq_round_groups(c, ngr, ng, bits, kmax, xval, waux, 1 / scale, scale, L, on, 1);
                for (i = 0; i < bsz; i++) { const float q = (float)(2 * L[i] + 1); sumqx += weight[i] * xval[i] * q; sumq2 += weight[i] * q * q; }
                if (sumq2 > 0) scale = sumqx / sumq2;
            }
        }
        if (scale < 0) {
            scale = -scale;
            for (k = 0; k < nsg; k++) bsg[k] = (uint8_t)(parity ? ~bsg[k] & 127u : ~bsg[k] & 255u);
        }
        for (k = 0; k < ngr; k++) {
            int u = 0, gi;
            for (i = 0; i < ng; i++) u |= L[ng * k + i] << (bits * i);
            gi = c->map[u] >= 0 ? c->map[u] : 0; /* always on the grid here */
            switch (t) {
            case TN_TYPE_IQ2_XXS: out[2 + 8 * ib + k] = (uint8_t)gi; break;
            case TN_TYPE_IQ2_XS: {
                const unsigned v = (unsigned)gi | ((unsigned)bsg[k] << 9);
                out[2 + 2 * (2 * ib + k)] = (uint8_t)v;
                out[3 + 2 * (2 * ib + k)] = (uint8_t)(v >> 8);
                break;
            }
            case TN_TYPE_IQ2_S: {
                const int i8 = 2 * ib + k;
                out[2 + i8] = (uint8_t)gi;
                out[66 + i8 / 4] |= (uint8_t)((gi >> 8) << (2 * (i8 % 4)));
                out[34 + i8] = bsg[k];
                break;
            }
            case TN_TYPE_IQ3_XXS: out[2 + 8 * ib + k] = (uint8_t)gi; break;
            default: /* iq3_s */
                out[2 + 8 * ib + k] = (uint8_t)gi;
                out[66 + ib] |= (uint8_t)((gi >> 8) << k);
                if (k < nsg) out[74 + 4 * ib + k] = bsg[k];
                break;
            }
        }
        if (t == TN_TYPE_IQ2_XXS || t == TN_TYPE_IQ3_XXS) {
            const uint32_t v = (uint32_t)bsg[0] | (uint32_t)bsg[1] << 7 | (uint32_t)bsg[2] << 14 | (uint32_t)bsg[3] << 21;
            uint8_t *p = out + (t == TN_TYPE_IQ2_XXS ? 6 + 8 * ib : 66 + 4 * ib);
            p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
        }
        scales[ib] = scale;
        max_scale = tn__fmaxf_g(max_scale, scale);
    }
    if (!(max_scale != 0)) {
        if (t != TN_TYPE_IQ2_S && t != TN_TYPE_IQ3_S) memset(out, 0, tn__traits[t].type_size);
        return;
    }
    {
        const float d = max_scale / 31, id = 1 / d;
        const float fudge = t == TN_TYPE_IQ2_S ? 0.9875f : t == TN_TYPE_IQ3_XXS ? 1.0125f : t == TN_TYPE_IQ3_S ? 1.033f : 1.0f;
        const uint16_t h = tn_fp32_to_fp16(fudge == 1.0f ? d : d * fudge);
        out[0] = (uint8_t)h;
        out[1] = (uint8_t)(h >> 8);
        for (ib = 0; ib < TN_QK_K / bsz; ib++) {
            int l = tn__nearest_int(0.5f * (id * scales[ib] - 1));
            l = l < 0 ? 0 : l > 15 ? 15 : l;
            switch (t) {
            case TN_TYPE_IQ2_XXS: out[9 + 8 * ib] |= (uint8_t)(l << 4); break;
            case TN_TYPE_IQ3_XXS: out[69 + 4 * ib] |= (uint8_t)(l << 4); break;
            case TN_TYPE_IQ2_XS: out[66 + ib / 2] |= (uint8_t)(l << (4 * (ib % 2))); break;
            case TN_TYPE_IQ2_S: out[74 + ib / 2] |= (uint8_t)(l << (4 * (ib % 2))); break;
            default: out[106 + ib / 2] |= (uint8_t)(l << (4 * (ib % 2))); break;
            }
        }
    }
}
/* the order of n values, ascending, equal values in index order (glibc's merge sort, which ggml's qsort is) */
static void tn__iq1_order(const float *x, int n, int *idx) {
    int i, j;
    for (i = 0; i < n; i++) {
        const int v = i;
        for (j = i; j > 0 && x[idx[j - 1]] > x[v]; j--) idx[j] = idx[j - 1];
        idx[j] = v;
    }
}
/* iq1's levels for group k (of 8) of a sub-block whose delta signs are sh: iq1_s one
   sign (1: +), iq1_m one per half of 16 (0: ++, 1: +-, 2: -+, 3: --) */
static const float *tn__iq1_levels(int m, int sh, int k, const float *x_p, const float *x_m) {
    return !m ? (sh == 1 ? x_p : x_m) : k == 0 ? (sh < 2 ? x_p : x_m) : (sh % 2 == 0 ? x_p : x_m);
}
/* one 256-block of iq1_s (qw required) or iq1_m (qw or NULL) */
static void tn__iq1_block(tn_type t, const tn__iq_cache *c, const float *xbl, const float *qw, uint8_t *out) {
    static const float x_p[3] = {-1 + 0.125f, 0.125f, 1 + 0.125f}, x_m[3] = {-1 - 0.125f, -0.125f, 1 - 0.125f};
    const int m = t == TN_TYPE_IQ1_M, bsz = m ? 16 : 32, nsub = TN_QK_K / bsz;
    float scales[16], weight[32], sumx2 = 0, sigma2, max_scale = 0;
    int8_t L[32], shifts[16];
    int idx[32], index[4];
    int ib, i, j, k, i1, i2;
    memset(out, 0, tn__traits[t].type_size);
    for (i = 0; i < TN_QK_K; i++) sumx2 += xbl[i] * xbl[i];
    sigma2 = 2 * sumx2 / TN_QK_K;
    for (ib = 0; ib < nsub; ib++) {
        const float *xb = xbl + bsz * ib;
        const float *xx;
        float max, best = -FLT_MAX, scale;
        int b1 = -1, b2 = -1, bk = m ? -1 : 0, on = 1;
        for (i = 0; i < bsz; i++) weight[i] = qw ? qw[bsz * ib + i] * sqrtf(sigma2 + xb[i] * xb[i]) : xb[i] * xb[i];
        max = fabsf(xb[0]);
        for (i = 1; i < bsz; i++) max = tn__fmaxf_g(max, fabsf(xb[i]));
        scales[ib] = 0;
        shifts[ib] = (int8_t)(m ? 0 : 1);
        if (max < (m ? 1e-7f : 1e-12f)) continue;
        scale = max;
        tn__iq1_order(xb, bsz, idx);
        if (!m) { /* iq1_s: one delta sign for the 32, prefix sums make each split O(1) */
            float sumx[33], sumw[33];
            sumx[0] = sumw[0] = 0;
            for (j = 0; j < bsz; j++) { sumx[j + 1] = sumx[j] + weight[idx[j]] * xb[idx[j]]; sumw[j + 1] = sumw[j] + weight[idx[j]]; }
            for (i1 = 0; i1 <= bsz; i1++)
                for (i2 = i1; i2 <= bsz; i2++) {
                    for (k = 0; k < 2; k++) {
                        const float *xs = k == 0 ? x_p : x_m;
                        const float sumqx = (sumx[i1] - sumx[0]) * xs[0] + (sumx[i2] - sumx[i1]) * xs[1] + (sumx[bsz] - sumx[i2]) * xs[2];
                        const float sumq2 = (sumw[i1] - sumw[0]) * xs[0] * xs[0] + (sumw[i2] - sumw[i1]) * xs[1] * xs[1] + (sumw[bsz] - sumw[i2]) * xs[2] * xs[2];
                        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) { scale = sumqx / sumq2; best = scale * sumqx; b1 = i1; b2 = i2; bk = k == 0 ? 1 : -1; }
                    }
                }
            if (b1 < 0 || b2 < 0 || bk == 0) continue;
        } else { /* iq1_m: a delta sign per 8; the four sign pairs of the two halves */
            for (i1 = 0; i1 <= bsz; i1++)
                for (i2 = i1; i2 <= bsz; i2++) {
                    float sqx[4] = {0, 0, 0, 0}, sq2[4] = {0, 0, 0, 0};
                    for (j = 0; j < bsz; j++) {
                        const int i = idx[j], lv = j < i1 ? 0 : j < i2 ? 1 : 2;
                        int kk;
                        for (kk = 0; kk < 4; kk++) {
                            const float xs = (i < bsz / 2 ? kk >> 1 : kk & 1) ? x_m[lv] : x_p[lv];
                            sqx[kk] += weight[i] * xs * xb[i];
                            sq2[kk] += weight[i] * xs * xs;
                        }
                    }
                    for (k = 0; k < 4; k++)
                        if (sq2[k] > 0 && sqx[k] * sqx[k] > best * sq2[k]) { scale = sqx[k] / sq2[k]; best = scale * sqx[k]; b1 = i1; b2 = i2; bk = k; }
                }
            if (b1 < 0 || b2 < 0 || bk < 0) continue;
        }
        for (j = 0; j < bsz; j++) L[idx[j]] = (int8_t)(j < b1 ? 0 : j < b2 ? 1 : 2);
        if (scale < 0) {
            for (j = 0; j < bsz; j++) L[j] = (int8_t)(2 - L[j]);
            scale = -scale;
            bk = m ? 3 - bk : -bk;
        }
        for (k = 0; k < bsz / 8; k++) {
            int u = 0;
            xx = tn__iq1_levels(m, bk, k, x_p, x_m);
            for (j = 0; j < 8; j++) u |= L[8 * k + j] << (2 * j);
            index[k] = c->map[u];
            if (index[k] < 0) { on = 0; index[k] = tn__iq_best_nb(c, u, 8, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k); }
        }
        if (!on) {
            float sumqx = 0, sumq2 = 0;
            for (k = 0; k < bsz / 8; k++) {
                xx = tn__iq1_levels(m, bk, k, x_p, x_m);
                for (j = 0; j < 8; j++) {
                    const float w = weight[8 * k + j], q = xx[c->lv[index[k] * 8 + j]];
                    sumqx += w * q * xb[8 * k + j];
                    sumq2 += w * q * q;
                }
            }
            if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
        }
        if (!m) {
            unsigned h = 0;
            for (k = 0; k < 4; k++) { out[2 + 4 * ib + k] = (uint8_t)index[k]; h |= (unsigned)(index[k] >> 8) << (3 * k); }
            out[34 + 2 * ib] = (uint8_t)h;
            out[35 + 2 * ib] = (uint8_t)(h >> 8);
        } else {
            out[2 * ib] = (uint8_t)index[0];
            out[2 * ib + 1] = (uint8_t)index[1];
            out[32 + ib] = (uint8_t)((index[0] >> 8) | ((index[1] >> 8) << 4));
        }
        scales[ib] = scale;
        shifts[ib] = (int8_t)bk;
        max_scale = tn__fmaxf_g(max_scale, scale);
    }
    if (!(max_scale != 0)) return;
    if (!m) {
        const float d = max_scale / 15, id = 1 / d;
        const uint16_t h = tn_fp32_to_fp16(d * 1.125f);
        out[0] = (uint8_t)h;
        out[1] = (uint8_t)(h >> 8);
        for (ib = 0; ib < nsub; ib++) {
            int l = tn__nearest_int(0.5f * (id * scales[ib] - 1));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            if (shifts[ib] == -1) l |= 8;
            out[35 + 2 * ib] |= (uint8_t)(l << 4);
        }
    } else {
        static const uint8_t masks[4] = {0x00, 0x80, 0x08, 0x88};
        unsigned sc[4] = {0, 0, 0, 0}, s16;
        float d = max_scale / 15, sumqx = 0, sumq2 = 0;
        const float id = 1 / d;
        for (ib = 0; ib < nsub; ib++) {
            const float *xb = xbl + bsz * ib;
            int l = tn__nearest_int(0.5f * (id * scales[ib] - 1));
            l = l < 0 ? 0 : l > 7 ? 7 : l;
            sc[ib / 4] |= (unsigned)l << (3 * (ib % 4));
            out[32 + ib] |= masks[shifts[ib]];
            for (i = 0; i < bsz; i++) weight[i] = qw ? qw[bsz * ib + i] * sqrtf(sigma2 + xb[i] * xb[i]) : xb[i] * xb[i];
            for (k = 0; k < 2; k++) {
                const float *xs = tn__iq1_levels(1, shifts[ib], k, x_p, x_m);
                const int gi = out[2 * ib + k] + (((unsigned)out[32 + ib] << (8 - 4 * k)) & 0x700u);
                for (j = 0; j < 8; j++) {
                    const float w = weight[8 * k + j], q = xs[c->lv[gi * 8 + j]] * (float)(2 * l + 1);
                    sumqx += w * q * xb[8 * k + j];
                    sumq2 += w * q * q;
                }
            }
        }
        if (sumq2 > 0) d = sumqx / sumq2;
        s16 = tn_fp32_to_fp16(d * 1.1125f);
        sc[0] |= (s16 & 0x000Fu) << 12;
        sc[1] |= (s16 & 0x00F0u) << 8;
        sc[2] |= (s16 & 0x0F00u) << 4;
        sc[3] |= s16 & 0xF000u;
        for (k = 0; k < 4; k++) { out[48 + 2 * k] = (uint8_t)sc[k]; out[49 + 2 * k] = (uint8_t)(sc[k] >> 8); }
    }
}
/* rows of a grid format; qw: n_per_row importance weights or NULL (iq2_xxs, iq2_xs and iq1_s need them) */
static tn_status tn__iq_quantize_rows(tn_type t, const float *x, uint8_t *y, int64_t nrows, int64_t n_per_row, const float *qw) {
    const tn__iq_cache *c = tn__iq_cache_get(t);
    const size_t bs = tn__traits[t].type_size;
    int64_t r, ib, nb = n_per_row / TN_QK_K;
    if (!c) return tn__fail(TN_ERR_NOMEM, "quantize to %s: out of memory for its grid's neighbour tables", tn__traits[t].name);
    for (r = 0; r < nrows; r++)
        for (ib = 0; ib < nb; ib++) {
            const float *xb = x + r * n_per_row + ib * TN_QK_K, *w = qw ? qw + ib * TN_QK_K : NULL;
            uint8_t *o = y + ((size_t)r * (size_t)nb + (size_t)ib) * bs;
            if (t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M) tn__iq1_block(t, c, xb, w, o);
            else tn__iq23_block(t, c, xb, w, o);
        }
    return TN_OK;
}

TNDEF void tn_dequantize_row_iq2_xxs(const tn_block_iq2_xxs *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ2_XXS, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq2_xs(const tn_block_iq2_xs *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ2_XS, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq2_s(const tn_block_iq2_s *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ2_S, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq3_xxs(const tn_block_iq3_xxs *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ3_XXS, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq3_s(const tn_block_iq3_s *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ3_S, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq1_s(const tn_block_iq1_s *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ1_S, (const uint8_t *)x, y, k); }
TNDEF void tn_dequantize_row_iq1_m(const tn_block_iq1_m *x, float *y, int64_t k) { tn__iq_dequantize(TN_TYPE_IQ1_M, (const uint8_t *)x, y, k); }
TNDEF void tn_vec_dot_iq2_xxs_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ2_XXS, n, s, x, y); }
TNDEF void tn_vec_dot_iq2_xs_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ2_XS, n, s, x, y); }
TNDEF void tn_vec_dot_iq2_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ2_S, n, s, x, y); }
TNDEF void tn_vec_dot_iq3_xxs_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ3_XXS, n, s, x, y); }
TNDEF void tn_vec_dot_iq3_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ3_S, n, s, x, y); }
TNDEF void tn_vec_dot_iq1_s_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ1_S, n, s, x, y); }
TNDEF void tn_vec_dot_iq1_m_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__iq_dot_ref(TN_TYPE_IQ1_M, n, s, x, y); }

/* ==== @@IMPL:TERNARY  BitNet rules, packing, TQ export ==== */

static int tn__all_finite(const float *x, int64_t n, int64_t *bad) {
    int64_t i = 0;
    /* blocks of 64 without an early exit (vectorizes), then find the culprit */
    for (; i + 64 <= n; i += 64) {
        uint32_t any = 0;
        int j;
        for (j = 0; j < 64; j++) any |= (uint32_t)((tn__f32_bits(x[i + j]) & 0x7f800000u) == 0x7f800000u);
        if (any) break;
    }
    for (; i < n; i++) {
        uint32_t u = tn__f32_bits(x[i]);
        if ((u & 0x7f800000u) == 0x7f800000u) { if (bad) *bad = i; return 0; }
    }
    return 1;
}

/* round half to even, any finite v clamped to [-lim, lim] first (lim <= 2^22) */
static float tn__round_even_clamp(float v, float lim) {
    if (v > lim) v = lim;
    if (v < -lim) v = -lim;
    return (float)tn__nearest_int(v);
}

/* Elementwise passes of the BitNet rules, run on every training step. The
   AVX-512 paths compute exactly what the scalar ones do (the same rounding, the
   same order of the partial sums), so results do not depend on the build. */
/* sum |x| in double as eight interleaved partial sums added in a fixed tree;
   not finite when some x is not */
static double tn__abssum_ref(const float *x, int64_t n) {
    double a[8];
    int64_t i = 0;
    int k;
    for (k = 0; k < 8; k++) a[k] = 0.0;
    for (; i + 8 <= n; i += 8)
        for (k = 0; k < 8; k++) a[k] += fabs((double)x[i + k]);
    for (k = 0; i < n; i++, k++) a[k] += fabs((double)x[i]);
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}
static double tn__abssum(const float *x, int64_t n) { return tn__kern()->abssum(x, n); }
/* max |x|, or -1 when some x is not finite */
static float tn__absmax_ref(const float *x, int64_t n) {
    float amax = 0.0f;
    int64_t i = 0;
    for (; i < n; i++) {
        float a = fabsf(x[i]);
        if (!(a < INFINITY)) return -1.0f;
        amax = TN__MAX(amax, a);
    }
    return amax;
}
static float tn__absmax(const float *x, int64_t n) { return tn__kern()->absmax(x, n); }
/* y[i] = clamp(round_even(clamp(x[i] * mul, -lim, lim)), lo, hi) * scale, and
   the integers themselves into q when q is not NULL (lim <= 2^22) */
static void tn__quant_pass_ref(const float *x, int64_t n, float mul, float lim, float lo, float hi, float scale, float *y, int8_t *q) {
    int64_t i = 0;
    for (; i < n; i++) {
        float v = tn__round_even_clamp(x[i] * mul, lim);
        v = v < lo ? lo : v > hi ? hi : v;
        if (y) y[i] = v * scale;
        if (q) q[i] = (int8_t)(int)v;
    }
}
static void tn__quant_pass(const float *x, int64_t n, float mul, float lim, float lo, float hi, float scale, float *y, int8_t *q) { tn__kern()->quant_pass(x, n, mul, lim, lo, hi, scale, y, q); }
/* BitNet's weight scale: max(mean |w|, 1e-5); fails on non-finite w */
static tn_status tn__absmean_scale(const float *w, int64_t n, const char *who, float *g) {
    double acc = tn__abssum(w, n);
    int64_t bad = 0;
    if (!(acc - acc == 0.0)) {
        tn__all_finite(w, n, &bad);
        return tn__fail(TN_ERR_ARG, "%s: w[%lld] is not finite", who, (long long)bad);
    }
    *g = (float)(acc / (double)n);
    if (*g < 1e-5f) *g = 1e-5f;
    return TN_OK;
}
/* BitNet's activation scale 127 / max(max |x|, 1e-5); fails on non-finite x */
static tn_status tn__absmax_scale(const float *x, int64_t n, const char *who, float *s) {
    float amax = tn__absmax(x, n);
    int64_t bad = 0;
    if (amax < 0.0f) {
        tn__all_finite(x, n, &bad);
        return tn__fail(TN_ERR_ARG, "%s: x[%lld] is not finite", who, (long long)bad);
    }
    *s = 127.0f / TN__MAX(amax, 1e-5f);
    return TN_OK;
}

TNDEF tn_status tn_ternary_absmean(const float *w, int64_t n, int8_t *t, float *scale) {
    float g = 0.0f;
    tn_status st;
    if (!w || !t || !scale) return tn__fail(TN_ERR_ARG, "tn_ternary_absmean: NULL argument");
    if (n <= 0) return tn__fail(TN_ERR_ARG, "tn_ternary_absmean: n is %lld, want > 0", (long long)n);
    if ((st = tn__absmean_scale(w, n, "tn_ternary_absmean", &g)) != TN_OK) return st;
    tn__quant_pass(w, n, 1.0f / g, 2.0f, -1.0f, 1.0f, 0.0f, NULL, t);
    *scale = g;
    return TN_OK;
}

TNDEF tn_status tn_act_quant_i8(const float *x, int64_t n, int8_t *q, float *inv_scale) {
    float s = 0.0f;
    tn_status st;
    if (!x || !q || !inv_scale) return tn__fail(TN_ERR_ARG, "tn_act_quant_i8: NULL argument");
    if (n <= 0) return tn__fail(TN_ERR_ARG, "tn_act_quant_i8: n is %lld, want > 0", (long long)n);
    if ((st = tn__absmax_scale(x, n, "tn_act_quant_i8", &s)) != TN_OK) return st;
    tn__quant_pass(x, n, s, 128.0f, -128.0f, 127.0f, 0.0f, NULL, q);
    *inv_scale = 1.0f / s;
    return TN_OK;
}

TNDEF tn_status tn_act_quant_q8_k(const float *x, int64_t n, tn_block_q8_K *y) {
    int8_t q[TN_QK_K];
    float inv = 0.0f, amax = 0.0f, s;
    int64_t i, nb, bad = 0;
    int j, g;
    if (!x || !y) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_k: NULL argument");
    if (n <= 0 || n % TN_QK_K) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_k: n = %lld is not a positive multiple of 256", (long long)n);
    if (!tn__all_finite(x, n, &bad)) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_k: x[%lld] is not finite", (long long)bad);
    for (i = 0; i < n; i++) amax = TN__MAX(amax, fabsf(x[i]));
    s = 127.0f / TN__MAX(amax, 1e-5f);
    inv = 1.0f / s;
    nb = n / TN_QK_K;
    for (i = 0; i < nb; i++) {
        const float *xb = x + i * TN_QK_K;
        for (j = 0; j < TN_QK_K; j++) {
            float p = xb[j] * s;
            float v = tn__round_even_clamp(p, 128.0f);
            q[j] = (int8_t)(v > 127.0f ? 127 : (int)v);
        }
        memcpy(y[i].qs, q, TN_QK_K);
        for (g = 0; g < TN_QK_K / 16; g++) {
            int sum = 0;
            for (j = 0; j < 16; j++) sum += q[g * 16 + j];
            y[i].bsums[g] = (int16_t)sum;
        }
        y[i].d = inv;
    }
    return TN_OK;
}

TNDEF tn_status tn_act_quant_q8_0(const float *x, int64_t n, tn_block_q8_0 *y) {
    int8_t q[TN_QK8_0];
    float amax = 0.0f, s;
    uint16_t d;
    int64_t i, nb, bad = 0;
    int j;
    if (!x || !y) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_0: NULL argument");
    if (n <= 0 || n % TN_QK8_0) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_0: n = %lld is not a positive multiple of 32", (long long)n);
    if (!tn__all_finite(x, n, &bad)) return tn__fail(TN_ERR_ARG, "tn_act_quant_q8_0: x[%lld] is not finite", (long long)bad);
    for (i = 0; i < n; i++) amax = TN__MAX(amax, fabsf(x[i]));
    s = 127.0f / TN__MAX(amax, 1e-5f);
    d = tn_fp32_to_fp16(1.0f / s);
    nb = n / TN_QK8_0;
    for (i = 0; i < nb; i++) {
        for (j = 0; j < TN_QK8_0; j++) {
            float p = x[i * TN_QK8_0 + j] * s;
            float v = tn__round_even_clamp(p, 128.0f);
            q[j] = (int8_t)(v > 127.0f ? 127 : (int)v);
        }
        memcpy(y[i].qs, q, TN_QK8_0);
        y[i].d = d;
    }
    return TN_OK;
}

TNDEF tn_tensor *tn_ternarize(tn_ctx *ctx, const tn_tensor *w, float *scale) {
    tn_tensor *t;
    float *buf;
    int8_t *tr;
    int64_t n, i1, i2, i3, r = 0;
    tn_status st = TN_OK;
    float s = 0.0f;
    if (!ctx || !w) { tn__fail(TN_ERR_ARG, "tn_ternarize: NULL argument"); return NULL; }
    if (!tn_type_get_traits(w->type) || !tn_type_get_traits(w->type)->can_dequantize) {
        tn__fail(TN_ERR_TYPE, "tn_ternarize: cannot read %s values", tn_type_name(w->type));
        return NULL;
    }
    t = tn_new(ctx, TN_TYPE_I8, w->n_dims, w->ne);
    if (!t) return NULL;
    n = tn_nelements(w);
    buf = (float *)TN_MALLOC(sizeof(float) * (size_t)(n ? n : 1));
    if (!buf) { tn__fail(TN_ERR_NOMEM, "tn_ternarize: out of memory"); return NULL; }
    for (i3 = 0; i3 < w->ne[3] && st == TN_OK; i3++)
        for (i2 = 0; i2 < w->ne[2] && st == TN_OK; i2++)
            for (i1 = 0; i1 < w->ne[1] && st == TN_OK; i1++, r++) st = tn__row_get(w, i1, i2, i3, buf + r * w->ne[0]);
    tr = (int8_t *)t->data;
    if (st == TN_OK) st = tn_ternary_absmean(buf, n, tr, &s);
    TN_FREE(buf);
    if (st != TN_OK) return NULL;
    t->scale = s;
    if (scale) *scale = s;
    return t;
}

TNDEF tn_status tn_pack2(uint8_t *dst, const int8_t *t, int64_t n) {
    int64_t i;
    if (!dst || !t || n < 0) return tn__fail(TN_ERR_ARG, "tn_pack2: bad argument");
    for (i = 0; i < n; i++)
        if (t[i] < -1 || t[i] > 1) return tn__fail(TN_ERR_ARG, "tn_pack2: t[%lld] = %d is not a trit", (long long)i, t[i]);
    memset(dst, 0, (size_t)((n + 3) / 4));
    for (i = 0; i < n; i++) {
        unsigned code = t[i] == 1 ? 1u : t[i] == -1 ? 2u : 0u;
        dst[i / 4] = (uint8_t)(dst[i / 4] | (code << (2 * (i % 4))));
    }
    return TN_OK;
}

TNDEF tn_status tn_unpack2(int8_t *t, const uint8_t *src, int64_t n) {
    int64_t i;
    if (!t || !src || n < 0) return tn__fail(TN_ERR_ARG, "tn_unpack2: bad argument");
    for (i = 0; i < n; i++) {
        unsigned code = (src[i / 4] >> (2 * (i % 4))) & 3u;
        if (code == 3u) return tn__fail(TN_ERR_FORMAT, "tn_unpack2: value %lld has the unused code 11", (long long)i);
        t[i] = (int8_t)(code == 1u ? 1 : code == 2u ? -1 : 0);
    }
    return TN_OK;
}

/* -- the seeds' ternary matmul over f32 activations -- */
/* lane k mod 16 of each k in [k0, n), in order: + x for code 01, - x for 10 */
static void tn__tern_f32_tail(float *L, const uint8_t *w, const float *x, int64_t k0, int64_t n) {
    int64_t k;
    for (k = k0; k < n; k++) {
        unsigned c = (w[k >> 2] >> (2 * (k & 3))) & 3u;
        if (c == 1u) L[k & 15] = L[k & 15] + x[k];
        else if (c == 2u) L[k & 15] = L[k & 15] - x[k];
    }
}
static float tn__tern_f32_fold(float *L) {
    int h, i;
    for (h = 8; h; h >>= 1)
        for (i = 0; i < h; i++) L[i] = L[i] + L[i + h];
    return L[0];
}
static float tn__tern_f32_dot_ref(const uint8_t *w, const float *x, int64_t n) {
    float L[16] = {0};
    tn__tern_f32_tail(L, w, x, 0, n);
    return tn__tern_f32_fold(L);
}
/* a * b * unit bytes (a, b >= 1) does not fit in a size_t or an int64_t */
static int tn__prod_too_big(int64_t a, int64_t b, size_t unit) {
    uint64_t lim = (uint64_t)((size_t)-1 < (uint64_t)INT64_MAX ? (size_t)-1 : (uint64_t)INT64_MAX) / unit;
    return (uint64_t)a > lim / (uint64_t)b;
}
static void tn__tern_f32_tile_ref(const uint8_t *w, size_t rs, int R, const float *x, size_t ldx, int C, int64_t n, float *out) {
    int r, c;
    for (r = 0; r < R; r++)
        for (c = 0; c < C; c++) out[r * C + c] = tn__tern_f32_dot_ref(w + (size_t)r * rs, x + (size_t)c * ldx, n);
}
typedef struct { const uint8_t *w; const float *x; float *y; int64_t rows, k, m; size_t rs; float scale; } tn__tmm_args;
static void tn__tmm_task(void *arg, int ith, int nth) {
    const tn__tmm_args *a = (const tn__tmm_args *)arg;
    void (*tile)(const uint8_t *, size_t, int, const float *, size_t, int, int64_t, float *) = tn__kern()->tern_f32_tile;
    int64_t r0 = a->rows * ith / nth, r1 = a->rows * (ith + 1) / nth, r, i;
    float o[4];
    int t, R, C;
    /* one activation row: four weight rows a tile; more: each weight row against up to four of them */
    for (r = r0; r < r1; r += R) {
        R = a->m == 1 && r1 - r >= 4 ? 4 : 1;
        for (i = 0; i < a->m; i += C) {
            C = R == 4 ? 1 : a->m - i >= 4 ? 4 : (int)(a->m - i);
            tile(a->w + (size_t)r * a->rs, a->rs, R, a->x + (size_t)i * (size_t)a->k, (size_t)a->k, C, a->k, o);
            for (t = 0; t < R * C; t++) a->y[(i + t % C) * a->rows + r + t / C] = o[t] * a->scale;
        }
    }
}
TNDEF tn_status tn_ternary_matmul_f32(const uint8_t *w, int64_t rows, int64_t k_len, float scale,
                                      const float *x, int64_t m, float *y, tn_pool *pool) {
    tn__tmm_args a;
    if (!w || !x || !y) return tn__fail(TN_ERR_ARG, "tn_ternary_matmul_f32: %s is NULL", !w ? "w" : !x ? "x" : "y");
    if (rows < 1 || k_len < 1 || m < 1) return tn__fail(TN_ERR_ARG, "tn_ternary_matmul_f32: %lld rows of %lld weights, %lld activation rows: want each >= 1",
                                                      (long long)rows, (long long)k_len, (long long)m);
    if (tn__prod_too_big(m, k_len, sizeof(float)) || tn__prod_too_big(m, rows, sizeof(float)) || tn__prod_too_big(rows, (k_len + 3) / 4, 1))
        return tn__fail(TN_ERR_ARG, "tn_ternary_matmul_f32: %lld x %lld weights, %lld rows: the sizes overflow", (long long)rows, (long long)k_len, (long long)m);
    if (!(scale == scale) || scale > FLT_MAX || scale < -FLT_MAX) return tn__fail(TN_ERR_ARG, "tn_ternary_matmul_f32: scale %g is not finite", (double)scale);
    a.w = w; a.x = x; a.y = y; a.rows = rows; a.k = k_len; a.m = m; a.rs = (size_t)((k_len + 3) / 4); a.scale = scale;
    if (pool && (double)rows * (double)k_len * (double)m >= 65536.0) return tn_pool_run(pool, tn__tmm_task, &a);
    tn__tmm_task(&a, 0, 1);
    return TN_OK;
}

static tn_status tn__check_tq_args(const char *fn, tn_type type, int64_t n_per_row, int64_t nrows) {
    if (type != TN_TYPE_TQ1_0 && type != TN_TYPE_TQ2_0) return tn__fail(TN_ERR_TYPE, "%s: type must be tq1_0 or tq2_0, not %s", fn, tn_type_name(type));
    if (n_per_row <= 0 || n_per_row % TN_QK_K) return tn__fail(TN_ERR_SHAPE, "%s: row length %lld is not a positive multiple of 256; store this tensor as f16 or q8_0", fn, (long long)n_per_row);
    if (nrows < 0 || (nrows && n_per_row > INT64_MAX / nrows)) return tn__fail(TN_ERR_SHAPE, "%s: bad row count %lld", fn, (long long)nrows);
    return TN_OK;
}

TNDEF tn_status tn_ternary_to_tq(tn_type type, const int8_t *t, float scale, int64_t n_per_row, int64_t nrows, void *dst) {
    int64_t i, nblk;
    uint16_t d;
    tn_status st = tn__check_tq_args("tn_ternary_to_tq", type, n_per_row, nrows);
    if (st != TN_OK) return st;
    if (!t || !dst) return tn__fail(TN_ERR_ARG, "tn_ternary_to_tq: NULL argument");
    d = tn_fp32_to_fp16(scale);
    if (!(scale > 0.0f) || (d & 0x7c00u) == 0 || (d & 0x7c00u) == 0x7c00u)
        return tn__fail(TN_ERR_ARG, "tn_ternary_to_tq: scale %g is outside fp16's normal range [6.1e-5, 65504]; pass 1.0 and keep the scale in an f32 tensor", (double)scale);
    nblk = n_per_row / TN_QK_K * nrows;
    for (i = 0; i < nblk * TN_QK_K; i++)
        if (t[i] < -1 || t[i] > 1) return tn__fail(TN_ERR_ARG, "tn_ternary_to_tq: t[%lld] = %d is not a trit", (long long)i, t[i]);
    for (i = 0; i < nblk; i++) {
        const int8_t *tb = t + i * TN_QK_K;
        int g, m, n, j;
        if (type == TN_TYPE_TQ2_0) {
            tn_block_tq2_0 *y = (tn_block_tq2_0 *)dst + i;
            for (g = 0; g < 2; g++)
                for (m = 0; m < 32; m++) {
                    unsigned q = 0;
                    for (n = 0; n < 4; n++) q |= (unsigned)(tb[128 * g + 32 * n + m] + 1) << (2 * n);
                    y->qs[32 * g + m] = (uint8_t)q;
                }
            y->d = d;
        } else {
            tn_block_tq1_0 *y = (tn_block_tq1_0 *)dst + i;
            for (m = 0; m < 32; m++) {
                unsigned q = 0;
                for (n = 0; n < 5; n++) q = q * 3u + (unsigned)(tb[m + 32 * n] + 1);
                y->qs[m] = tn__tq1_byte(q);
            }
            for (m = 0; m < 16; m++) {
                unsigned q = 0;
                for (n = 0; n < 5; n++) q = q * 3u + (unsigned)(tb[160 + m + 16 * n] + 1);
                y->qs[32 + m] = tn__tq1_byte(q);
            }
            for (j = 0; j < 4; j++) {
                unsigned q = 0;
                for (n = 0; n < 4; n++) q = q * 3u + (unsigned)(tb[240 + j + 4 * n] + 1);
                y->qh[j] = tn__tq1_byte(q * 3u);
            }
            y->d = d;
        }
    }
    return TN_OK;
}

TNDEF tn_status tn_tq_to_ternary(tn_type type, const void *src, int64_t n_per_row, int64_t nrows, int8_t *t, float *scale) {
    int64_t i, nblk;
    uint8_t c[TN_QK_K];
    int have_d = 0;
    uint16_t d0 = 0, first_d = 0;
    tn_status st = tn__check_tq_args("tn_tq_to_ternary", type, n_per_row, nrows);
    if (st != TN_OK) return st;
    if (!src || !t || !scale) return tn__fail(TN_ERR_ARG, "tn_tq_to_ternary: NULL argument");
    nblk = n_per_row / TN_QK_K * nrows;
    for (i = 0; i < nblk; i++) {
        uint16_t d;
        int j, nz = 0;
        if (type == TN_TYPE_TQ2_0) {
            const tn_block_tq2_0 *b = (const tn_block_tq2_0 *)src + i;
            tn__tq2_codes(b, c);
            d = b->d;
        } else {
            const tn_block_tq1_0 *b = (const tn_block_tq1_0 *)src + i;
            tn__tq1_codes(b, c);
            d = b->d;
        }
        if (i == 0) first_d = d;
        if ((d & 0x7c00u) == 0x7c00u) return tn__fail(TN_ERR_FORMAT, "tn_tq_to_ternary: block %lld has a NaN/Inf scale", (long long)i);
        for (j = 0; j < TN_QK_K; j++) {
            if (c[j] > 2) return tn__fail(TN_ERR_FORMAT, "tn_tq_to_ternary: block %lld value %d has the invalid code 3", (long long)i, j);
            t[i * TN_QK_K + j] = (int8_t)(c[j] - 1);
            nz |= c[j] != 1;
        }
        if (nz) {
            if (!have_d) { d0 = d; have_d = 1; }
            else if (d != d0)
                return tn__fail(TN_ERR_FORMAT, "tn_tq_to_ternary: block %lld has scale %g but earlier blocks %g: not one ternary tensor",
                                (long long)i, (double)tn_fp16_to_fp32(d), (double)tn_fp16_to_fp32(d0));
        }
    }
    *scale = tn_fp16_to_fp32(have_d ? d0 : first_d);
    return TN_OK;
}

TNDEF tn_status tn_ternary_stats_compute(const int8_t *t, int64_t n, int64_t n_per_row, tn_type storage, tn_ternary_stats *out) {
    tn_ternary_stats s;
    int64_t i;
    double bits;
    if (!t || !out || n <= 0) return tn__fail(TN_ERR_ARG, "tn_ternary_stats_compute: bad argument");
    memset(&s, 0, sizeof(s));
    s.n = n;
    for (i = 0; i < n; i++) {
        if (t[i] == 0) s.n_zero++;
        else if (t[i] == 1) s.n_pos++;
        else if (t[i] == -1) s.n_neg++;
        else return tn__fail(TN_ERR_ARG, "tn_ternary_stats_compute: t[%lld] = %d is not a trit", (long long)i, t[i]);
    }
    switch (storage) {
    case TN_TYPE_T2: bits = 8.0 * (double)((n + 3) / 4) + 32.0; break;
    case TN_TYPE_I8: bits = 8.0 * (double)n + 32.0; break;
    case TN_TYPE_TQ1_0:
    case TN_TYPE_TQ2_0:
        if (n_per_row <= 0 || n % n_per_row)
            return tn__fail(TN_ERR_SHAPE, "tn_ternary_stats_compute: %lld trits are not whole rows of %lld", (long long)n, (long long)n_per_row);
        bits = 8.0 * (double)tn_row_size(storage, (n_per_row + TN_QK_K - 1) / TN_QK_K * TN_QK_K) * (double)(n / n_per_row); /* rows stored padded */
        break;
    default: return tn__fail(TN_ERR_TYPE, "tn_ternary_stats_compute: storage must be t2, i8, tq1_0 or tq2_0");
    }
    s.sparsity = (double)s.n_zero / (double)n;
    s.bits_per_weight = bits / (double)n;
    s.ratio_f32 = 32.0 / s.bits_per_weight;
    s.ratio_f16 = 16.0 / s.bits_per_weight;
    *out = s;
    return TN_OK;
}

/* -- the format rows: how each type is written from and read into f32 --
   One row per format (indexed like the kernel table, tn__fmt_slot), with the
   reference quantizer (ggml's from_float_ref) and the decoder (to_float);
   NULL where the format has none. tn_quantize_row / tn_dequantize_row and
   everything above them read the row; nothing else switches on the type. */
typedef struct {
    tn_status (*from_float)(const float *x, void *y, int64_t n);
    void (*to_float)(const void *x, float *y, int64_t n);
} tn__fmt_row;
#define TN__FMT_BLOCKS(name, blk, quant)                                                                                   \
    static tn_status tn__from_float_##name(const float *x, void *y, int64_t n) { quant(x, (blk *)y, n); return TN_OK; } \
    static void tn__to_float_##name(const void *x, float *y, int64_t n) { tn_dequantize_row_##name((const blk *)x, y, n); }
TN__FMT_BLOCKS(q4_0, tn_block_q4_0, tn_quantize_row_q4_0_ref)
TN__FMT_BLOCKS(q4_1, tn_block_q4_1, tn_quantize_row_q4_1_ref)
TN__FMT_BLOCKS(q5_0, tn_block_q5_0, tn_quantize_row_q5_0_ref)
TN__FMT_BLOCKS(q5_1, tn_block_q5_1, tn_quantize_row_q5_1_ref)
TN__FMT_BLOCKS(q8_0, tn_block_q8_0, tn_quantize_row_q8_0_ref)
TN__FMT_BLOCKS(q8_1, tn_block_q8_1, tn_quantize_row_q8_1_ref)
TN__FMT_BLOCKS(q8_K, tn_block_q8_K, tn__quantize_row_q8_K) /* the path's quantizer: the reference's bytes */
TN__FMT_BLOCKS(tq1_0, tn_block_tq1_0, tn_quantize_row_tq1_0_ref)
TN__FMT_BLOCKS(tq2_0, tn_block_tq2_0, tn_quantize_row_tq2_0_ref)
TN__FMT_BLOCKS(q2_K, tn_block_q2_K, tn_quantize_row_q2_K_ref)
TN__FMT_BLOCKS(q3_K, tn_block_q3_K, tn_quantize_row_q3_K_ref)
TN__FMT_BLOCKS(q4_K, tn_block_q4_K, tn_quantize_row_q4_K_ref)
TN__FMT_BLOCKS(q5_K, tn_block_q5_K, tn_quantize_row_q5_K_ref)
TN__FMT_BLOCKS(q6_K, tn_block_q6_K, tn_quantize_row_q6_K_ref)
TN__FMT_BLOCKS(iq4_nl, tn_block_iq4_nl, tn_quantize_row_iq4_nl)
TN__FMT_BLOCKS(iq4_xs, tn_block_iq4_xs, tn_quantize_row_iq4_xs)
TN__FMT_BLOCKS(mxfp4, tn_block_mxfp4, tn_quantize_row_mxfp4_ref)
TN__FMT_BLOCKS(nvfp4, tn_block_nvfp4, tn_quantize_row_nvfp4_ref)
TN__FMT_BLOCKS(q1_0, tn_block_q1_0, tn_quantize_row_q1_0_ref)
TN__FMT_BLOCKS(q2_0, tn_block_q2_0, tn_quantize_row_q2_0_ref)
#undef TN__FMT_BLOCKS
/* the grid formats without an importance matrix (iq2_xxs, iq2_xs, iq1_s refuse) */
#define TN__FMT_GRID(name, type)                                                                                          \
    static tn_status tn__from_float_##name(const float *x, void *y, int64_t n) { return tn__iq_quantize_plain(type, x, y, n); } \
    static void tn__to_float_##name(const void *x, float *y, int64_t n) { tn__iq_dequantize(type, (const uint8_t *)x, y, n); }
static tn_status tn__iq_quantize_plain(tn_type t, const float *x, void *y, int64_t n) {
    if (tn_type_needs_imatrix(t)) return tn__fail(TN_ERR_ARG, "quantize to %s: it needs an importance matrix (tn_quantize_imatrix; tn-quantize --imatrix FILE), as in ggml", tn__traits[t].name);
    return tn__iq_quantize_rows(t, x, (uint8_t *)y, 1, n, NULL);
}
TN__FMT_GRID(iq2_xxs, TN_TYPE_IQ2_XXS)
TN__FMT_GRID(iq2_xs, TN_TYPE_IQ2_XS)
TN__FMT_GRID(iq2_s, TN_TYPE_IQ2_S)
TN__FMT_GRID(iq3_xxs, TN_TYPE_IQ3_XXS)
TN__FMT_GRID(iq3_s, TN_TYPE_IQ3_S)
TN__FMT_GRID(iq1_s, TN_TYPE_IQ1_S)
TN__FMT_GRID(iq1_m, TN_TYPE_IQ1_M)
#undef TN__FMT_GRID
/* element types: f32 copies, f16/bf16 round to nearest even, integers saturate */
#define TN__FMT_ELEMS(name, type)                                                                                         \
    static tn_status tn__from_float_##name(const float *x, void *y, int64_t n) {                                            \
        int64_t i;                                                                                                          \
        for (i = 0; i < n; i++) tn__store_f(type, (uint8_t *)y + (size_t)i * tn__traits[type].type_size, x[i]);           \
        return TN_OK;                                                                                                       \
    }                                                                                                                       \
    static void tn__to_float_##name(const void *x, float *y, int64_t n) {                                                   \
        int64_t i;                                                                                                          \
        for (i = 0; i < n; i++) y[i] = tn__load_f(type, (const uint8_t *)x + (size_t)i * tn__traits[type].type_size);     \
    }
TN__FMT_ELEMS(f16, TN_TYPE_F16)
TN__FMT_ELEMS(bf16, TN_TYPE_BF16)
TN__FMT_ELEMS(i8, TN_TYPE_I8)
TN__FMT_ELEMS(i16, TN_TYPE_I16)
TN__FMT_ELEMS(i32, TN_TYPE_I32)
#undef TN__FMT_ELEMS
static tn_status tn__from_float_f32(const float *x, void *y, int64_t n) { memmove(y, x, sizeof(float) * (size_t)n); return TN_OK; }
static void tn__to_float_f32(const void *x, float *y, int64_t n) { memmove(y, x, sizeof(float) * (size_t)n); }
/* T2: BitNet's absmean rule per call (the scale is the caller's), then the 2-bit packing */
static tn_status tn__from_float_t2(const float *x, void *y, int64_t n) {
    int8_t *t;
    float s;
    tn_status st;
    if (n == 0) return TN_OK;
    t = (int8_t *)TN_MALLOC((size_t)n);
    if (!t) return tn__fail(TN_ERR_NOMEM, "tn_quantize_row: out of memory for %lld trits", (long long)n);
    st = tn_ternary_absmean(x, n, t, &s);
    if (st == TN_OK) st = tn_pack2((uint8_t *)y, t, n);
    TN_FREE(t);
    return st;
}
static void tn__to_float_t2(const void *x, float *y, int64_t n) {
    const uint8_t *p = (const uint8_t *)x;
    int64_t i;
    for (i = 0; i < n; i++) {
        unsigned code = (p[i / 4] >> (2 * (i % 4))) & 3u;
        y[i] = code == 1u ? 1.0f : code == 2u ? -1.0f : 0.0f; /* times the tensor scale */
    }
}
/* positional, in type-id order (C++ has no designated initializers), T2 last */
static const tn__fmt_row tn__fmt_rows[TN__NFMT] = {
    {tn__from_float_f32, tn__to_float_f32}, {tn__from_float_f16, tn__to_float_f16}, {tn__from_float_q4_0, tn__to_float_q4_0}, {tn__from_float_q4_1, tn__to_float_q4_1},
    {NULL, NULL}, {NULL, NULL}, {tn__from_float_q5_0, tn__to_float_q5_0}, {tn__from_float_q5_1, tn__to_float_q5_1},
    {tn__from_float_q8_0, tn__to_float_q8_0}, {tn__from_float_q8_1, tn__to_float_q8_1}, {tn__from_float_q2_K, tn__to_float_q2_K}, {tn__from_float_q3_K, tn__to_float_q3_K},
    {tn__from_float_q4_K, tn__to_float_q4_K}, {tn__from_float_q5_K, tn__to_float_q5_K}, {tn__from_float_q6_K, tn__to_float_q6_K}, {tn__from_float_q8_K, tn__to_float_q8_K},
    {tn__from_float_iq2_xxs, tn__to_float_iq2_xxs}, {tn__from_float_iq2_xs, tn__to_float_iq2_xs}, {tn__from_float_iq3_xxs, tn__to_float_iq3_xxs}, {tn__from_float_iq1_s, tn__to_float_iq1_s},
    {tn__from_float_iq4_nl, tn__to_float_iq4_nl}, {tn__from_float_iq3_s, tn__to_float_iq3_s}, {tn__from_float_iq2_s, tn__to_float_iq2_s}, {tn__from_float_iq4_xs, tn__to_float_iq4_xs},
    {tn__from_float_i8, tn__to_float_i8}, {tn__from_float_i16, tn__to_float_i16}, {tn__from_float_i32, tn__to_float_i32}, {NULL, NULL},
    {NULL, NULL}, {tn__from_float_iq1_m, tn__to_float_iq1_m}, {tn__from_float_bf16, tn__to_float_bf16}, {NULL, NULL},
    {NULL, NULL}, {NULL, NULL}, {tn__from_float_tq1_0, tn__to_float_tq1_0}, {tn__from_float_tq2_0, tn__to_float_tq2_0},
    {NULL, NULL}, {NULL, NULL}, {NULL, NULL}, {tn__from_float_mxfp4, tn__to_float_mxfp4},
    {tn__from_float_nvfp4, tn__to_float_nvfp4}, {tn__from_float_q1_0, tn__to_float_q1_0}, {tn__from_float_q2_0, tn__to_float_q2_0}, {tn__from_float_t2, tn__to_float_t2},
};
TN__STATIC_ASSERT(fmt_rows, TN__NFMT == 44 && TN_TYPE_COUNT == 43 && TN_TYPE_BF16 == 30 && TN_TYPE_TQ2_0 == 35);
static const tn__fmt_row *tn__fmt(tn_type type) { return tn__fmt_slot(type) >= 0 ? &tn__fmt_rows[tn__fmt_slot(type)] : NULL; }

/* -- generic row entry points -- */

TNDEF tn_status tn_quantize_row(tn_type type, const float *x, void *dst, int64_t n) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    const tn__fmt_row *row = tn__fmt(type);
    int64_t bad = 0;
    if (!x || !dst) return tn__fail(TN_ERR_ARG, "tn_quantize_row: NULL argument");
    if (!tr || !tr->can_quantize || !row || !row->from_float) return tn__fail(TN_ERR_TYPE, "tn_quantize_row: cannot quantize to %s", tr ? tr->name : "an unknown type");
    if (n < 0 || n % tr->blck_size) return tn__fail(TN_ERR_ARG, "tn_quantize_row: %lld values are not whole %s blocks of %lld", (long long)n, tr->name, (long long)tr->blck_size);
    if (tr->is_quantized && !tn__all_finite(x, n, &bad)) return tn__fail(TN_ERR_ARG, "tn_quantize_row: x[%lld] is NaN or Inf; %s cannot hold it", (long long)bad, tr->name);
    return row->from_float(x, dst, n);
}

TNDEF tn_status tn_dequantize_row(tn_type type, const void *src, float *y, int64_t n) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    const tn__fmt_row *row = tn__fmt(type);
    if (!src || !y) return tn__fail(TN_ERR_ARG, "tn_dequantize_row: NULL argument");
    if (!tr || !tr->can_dequantize || !row || !row->to_float) return tn__fail(TN_ERR_TYPE, "tn_dequantize_row: cannot read %s", tr ? tr->name : "an unknown type");
    if (n < 0 || n % tr->blck_size) return tn__fail(TN_ERR_ARG, "tn_dequantize_row: %lld values are not whole %s blocks", (long long)n, tr->name);
    row->to_float(src, y, n);
    return TN_OK;
}

/* One row with importance weights qw (n_per_row of them): ggml's quantize_<type>
   with quant_weights, for the formats whose ggml quantizer uses them. The
   32-blocks weight by qw sqrt(sigma2 + x^2) with sigma2 the row's mean square;
   the K-quants with their super-block's. */
static int tn__has_weighted(tn_type t) {
    return t == TN_TYPE_Q4_0 || t == TN_TYPE_Q4_1 || t == TN_TYPE_Q5_0 || t == TN_TYPE_Q5_1 || t == TN_TYPE_Q2_K || t == TN_TYPE_Q3_K ||
           t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K || t == TN_TYPE_Q6_K || t == TN_TYPE_IQ4_NL || t == TN_TYPE_IQ4_XS;
}
static void tn__quantize_row_weighted(tn_type t, const float *x, uint8_t *dst, int64_t n, const float *qw) {
    const size_t bs = tn__traits[t].type_size;
    const int64_t qk = tn__traits[t].blck_size, nb = n / qk;
    const float sigma2 = qk == 32 ? tn__sum_sq(x, n) / (float)n : 0.0f;
    int64_t ib;
    int j;
    for (ib = 0; ib < nb; ib++) {
        const float *xb = x + qk * ib, *qb = qw + qk * ib;
        uint8_t *b = dst + bs * (size_t)ib;
        switch (t) {
        case TN_TYPE_Q2_K: tn__q2_K_block(xb, (tn_block_q2_K *)(void *)b, qb); break;
        case TN_TYPE_Q3_K: tn__q3_K_block(xb, (tn_block_q3_K *)(void *)b, qb); break;
        case TN_TYPE_Q4_K: tn__q4_K_block(xb, (tn_block_q4_K *)(void *)b, qb); break;
        case TN_TYPE_Q5_K: tn__q5_K_block(xb, (tn_block_q5_K *)(void *)b, qb); break;
        case TN_TYPE_Q6_K: tn__q6_K_rows(xb, (tn_block_q6_K *)(void *)b, 1, qb); break;
        case TN_TYPE_IQ4_NL: {
            tn_block_iq4_nl *y = (tn_block_iq4_nl *)(void *)b;
            uint16_t unused_h;
            tn__iq4_quantize(32, xb, &y->d, y->qs, &unused_h, NULL, qb);
            break;
        }
        case TN_TYPE_IQ4_XS: {
            tn_block_iq4_xs *y = (tn_block_iq4_xs *)(void *)b;
            tn__iq4_quantize(TN_QK_K, xb, &y->d, y->qs, &y->scales_h, y->scales_l, qb);
            break;
        }
        default: { /* q4_0, q4_1, q5_0, q5_1: the block's codes and scale (and min), packed as their _ref packs them */
            float w[32], d, mn = 0.0f;
            int8_t L[32];
            uint8_t U[32], Laux[32];
            uint32_t qh = 0;
            const int five = t == TN_TYPE_Q5_0 || t == TN_TYPE_Q5_1, affine = t == TN_TYPE_Q4_1 || t == TN_TYPE_Q5_1;
            uint8_t *qs = b + (affine ? 4 : 2) + (five ? 4 : 0);
            uint16_t hd, hm;
            for (j = 0; j < 32; j++) w[j] = qb[j] * sqrtf(sigma2 + xb[j] * xb[j]);
            if (affine) d = tn__kq_affine(32, five ? 31 : 15, xb, w, U, &mn, Laux, -0.9f, 0.05f, 36, 0);
            else {
                d = tn__kq_symmetric(32, five ? 16 : 8, xb, L, w);
                for (j = 0; j < 32; j++) U[j] = (uint8_t)L[j];
            }
            hd = tn_fp32_to_fp16(d);
            hm = tn_fp32_to_fp16(-mn);
            memcpy(b, &hd, 2);
            if (affine) memcpy(b + 2, &hm, 2);
            for (j = 0; j < 16; j++) {
                qs[j] = (uint8_t)((U[j] & 0xF) | ((U[j + 16] & 0xF) << 4));
                qh |= ((U[j] & 0x10u) >> 4) << j;
                qh |= ((U[j + 16] & 0x10u) >> 4) << (j + 16);
            }
            if (five) {
                const uint8_t h[4] = {(uint8_t)qh, (uint8_t)(qh >> 8), (uint8_t)(qh >> 16), (uint8_t)(qh >> 24)};
                memcpy(b + (affine ? 4 : 2), h, 4);
            }
            break;
        }
        }
    }
}

TNDEF tn_status tn_quantize(tn_type type, const float *x, void *dst, int64_t nrows, int64_t n_per_row, size_t *written) {
    size_t rs = tn_row_size(type, n_per_row);
    int64_t r;
    if (!x || !dst) return tn__fail(TN_ERR_ARG, "tn_quantize: NULL argument");
    if (nrows < 0 || n_per_row < 0) return tn__fail(TN_ERR_ARG, "tn_quantize: negative size");
    if (!rs && n_per_row) return tn__fail(TN_ERR_ARG, "tn_quantize: row length %lld is not whole %s blocks", (long long)n_per_row, tn_type_name(type));
    for (r = 0; r < nrows; r++) {
        tn_status st = tn_quantize_row(type, x + r * n_per_row, (uint8_t *)dst + (size_t)r * rs, n_per_row);
        if (st != TN_OK) return st;
    }
    if (written) *written = rs * (size_t)nrows;
    return TN_OK;
}

TNDEF int tn_type_needs_imatrix(tn_type type) { return type == TN_TYPE_IQ2_XXS || type == TN_TYPE_IQ2_XS || type == TN_TYPE_IQ1_S; }

TNDEF tn_status tn_quantize_imatrix(tn_type type, const float *x, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix, size_t *written) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    size_t rs;
    int64_t i, bad = 0;
    tn_status st;
    if (!x || !dst) return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: NULL argument (x or dst)");
    if (!tr) return tn__fail(TN_ERR_TYPE, "tn_quantize_imatrix: unknown type %d", (int)type);
    if (!imatrix || !(tn__is_grid_type(type) || tn__has_weighted(type))) {
        if (imatrix && !(type == TN_TYPE_F32 || type == TN_TYPE_F16 || type == TN_TYPE_BF16 || type == TN_TYPE_Q8_0 || type == TN_TYPE_TQ1_0 ||
                         type == TN_TYPE_TQ2_0 || type == TN_TYPE_MXFP4 || type == TN_TYPE_NVFP4 || type == TN_TYPE_T2 || type == TN_TYPE_Q1_0 ||
                         type == TN_TYPE_Q2_0))
            return tn__fail(TN_ERR_UNSUPPORTED, "tn_quantize_imatrix: %s has no quantizer that takes an importance matrix (ggml_quantize_chunk does not make it)", tr->name);
        return tn_quantize(type, x, dst, nrows, n_per_row, written);
    }
    rs = tn_row_size(type, n_per_row);
    if (nrows < 0 || n_per_row < 0) return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: negative size");
    if (!rs && n_per_row) return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: row length %lld is not whole %s blocks of %lld", (long long)n_per_row, tr->name, (long long)tr->blck_size);
    for (i = 0; i < n_per_row; i++)
        if (!(imatrix[i] >= 0.0f) || imatrix[i] > FLT_MAX)
            return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: importance weight %lld is %g; weights must be finite and >= 0", (long long)i, (double)imatrix[i]);
    if (nrows && n_per_row && (uint64_t)nrows > (uint64_t)INT64_MAX / (uint64_t)n_per_row) return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: %lld x %lld values overflow", (long long)nrows, (long long)n_per_row);
    if (tr->is_quantized && !tn__all_finite(x, nrows * n_per_row, &bad))
        return tn__fail(TN_ERR_ARG, "tn_quantize_imatrix: x[%lld] is NaN or Inf; %s cannot hold it", (long long)bad, tr->name);
    if (tn__has_weighted(type)) {
        for (i = 0; i < nrows && n_per_row; i++) tn__quantize_row_weighted(type, x + i * n_per_row, (uint8_t *)dst + rs * (size_t)i, n_per_row, imatrix);
        st = TN_OK;
    } else {
        st = tn__iq_quantize_rows(type, x, (uint8_t *)dst, nrows, n_per_row, imatrix);
    }
    if (st == TN_OK && written) *written = rs * (size_t)nrows;
    return st;
}

/* ==== @@IMPL:KERNELS  scalar reference dot products ==== */

TNDEF void tn_vec_dot_f32_f32_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const float *x = (const float *)vx, *y = (const float *)vy;
    double acc = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) acc += (double)x[i] * (double)y[i];
    *s = (float)acc;
}
TNDEF void tn_vec_dot_f16_f32_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    double acc = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) acc += (double)tn_fp16_to_fp32(x[i]) * (double)y[i];
    *s = (float)acc;
}
TNDEF void tn_vec_dot_bf16_f32_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    double acc = 0.0;
    int64_t i;
    for (i = 0; i < n; i++) acc += (double)tn_bf16_to_fp32(x[i]) * (double)y[i];
    *s = (float)acc;
}
TNDEF void tn_vec_dot_q4_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q4_0 *x = (const tn_block_q4_0 *)vx;
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    int64_t ib, nb = n / TN_QK8_0;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        int sumi = 0;
        for (j = 0; j < 16; j++)
            sumi += ((x[ib].qs[j] & 0x0F) - 8) * y[ib].qs[j] + ((x[ib].qs[j] >> 4) - 8) * y[ib].qs[j + 16];
        sumf += (float)sumi * (tn_fp16_to_fp32(x[ib].d) * tn_fp16_to_fp32(y[ib].d));
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_q4_1_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q4_1 *x = (const tn_block_q4_1 *)vx;
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    int64_t ib, nb = n / TN_QK8_0;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        int sumi = 0, sumy = 0;
        float dy = tn_fp16_to_fp32(y[ib].d);
        for (j = 0; j < 16; j++) {
            sumi += (x[ib].qs[j] & 0x0F) * y[ib].qs[j] + (x[ib].qs[j] >> 4) * y[ib].qs[j + 16];
            sumy += y[ib].qs[j] + y[ib].qs[j + 16];
        }
        sumf += (float)sumi * (tn_fp16_to_fp32(x[ib].d) * dy) + (float)sumy * (tn_fp16_to_fp32(x[ib].m) * dy);
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_q5_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q5_0 *x = (const tn_block_q5_0 *)vx;
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    int64_t ib, nb = n / TN_QK8_0;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        uint32_t qh = tn__le32(x[ib].qh);
        int sumi = 0;
        for (j = 0; j < 16; j++) {
            int q0 = ((x[ib].qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4)) - 16;
            int q1 = ((x[ib].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4)) - 16;
            sumi += q0 * y[ib].qs[j] + q1 * y[ib].qs[j + 16];
        }
        sumf += (float)sumi * (tn_fp16_to_fp32(x[ib].d) * tn_fp16_to_fp32(y[ib].d));
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_q5_1_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q5_1 *x = (const tn_block_q5_1 *)vx;
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    int64_t ib, nb = n / TN_QK8_0;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        uint32_t qh = tn__le32(x[ib].qh);
        int sumi = 0, sumy = 0;
        float dy = tn_fp16_to_fp32(y[ib].d);
        for (j = 0; j < 16; j++) {
            int q0 = (x[ib].qs[j] & 0x0F) | (int)(((qh >> j) & 1u) << 4);
            int q1 = (x[ib].qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
            sumi += q0 * y[ib].qs[j] + q1 * y[ib].qs[j + 16];
            sumy += y[ib].qs[j] + y[ib].qs[j + 16];
        }
        sumf += (float)sumi * (tn_fp16_to_fp32(x[ib].d) * dy) + (float)sumy * (tn_fp16_to_fp32(x[ib].m) * dy);
    }
    *s = sumf;
}
static float tn__dot_q8_blocks_ref(int64_t nb, const uint8_t *x, size_t xstride, size_t qoff, const tn_block_q8_0 *y) {
    float sumf = 0.0f;
    int64_t ib;
    int j;
    for (ib = 0; ib < nb; ib++, x += xstride) {
        const int8_t *qx = (const int8_t *)(x + qoff);
        uint16_t dx;
        int sumi = 0;
        memcpy(&dx, x, 2);
        for (j = 0; j < TN_QK8_0; j++) sumi += qx[j] * y[ib].qs[j];
        sumf += (float)sumi * (tn_fp16_to_fp32(dx) * tn_fp16_to_fp32(y[ib].d));
    }
    return sumf;
}
TNDEF void tn_vec_dot_q8_0_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    *s = tn__dot_q8_blocks_ref(n / TN_QK8_0, (const uint8_t *)vx, sizeof(tn_block_q8_0), 2, (const tn_block_q8_0 *)vy);
}
TNDEF void tn_vec_dot_q8_1_q8_0_ref(int64_t n, float *s, const void *vx, const void *vy) {
    *s = tn__dot_q8_blocks_ref(n / TN_QK8_0, (const uint8_t *)vx, sizeof(tn_block_q8_1), 4, (const tn_block_q8_0 *)vy);
}
TNDEF void tn_vec_dot_q8_K_q8_K_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *x = (const tn_block_q8_K *)vx, *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        int sumi = 0;
        for (j = 0; j < TN_QK_K; j++) sumi += x[ib].qs[j] * y[ib].qs[j];
        sumf += (float)sumi * (x[ib].d * y[ib].d);
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_tq1_0_q8_K_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_tq1_0 *x = (const tn_block_tq1_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    uint8_t c[TN_QK_K];
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        int sumi = 0;
        tn__tq1_codes(&x[ib], c);
        for (j = 0; j < TN_QK_K; j++) sumi += ((int)c[j] - 1) * y[ib].qs[j];
        sumf += (float)sumi * (y[ib].d * tn_fp16_to_fp32(x[ib].d));
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_tq2_0_q8_K_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_tq2_0 *x = (const tn_block_tq2_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    uint8_t c[TN_QK_K];
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++) {
        int sumi = 0;
        tn__tq2_codes(&x[ib], c);
        for (j = 0; j < TN_QK_K; j++) sumi += ((int)c[j] - 1) * y[ib].qs[j];
        sumf += (float)sumi * (y[ib].d * tn_fp16_to_fp32(x[ib].d));
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_t2_q8_K_ref(int64_t n, float *s, const void *vx, const void *vy) {
    const uint8_t *x = (const uint8_t *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int j;
    for (ib = 0; ib < nb; ib++, x += TN_QK_K / 4) {
        int sumi = 0;
        for (j = 0; j < TN_QK_K; j++) {
            unsigned code = (x[j / 4] >> (2 * (j % 4))) & 3u;
            sumi += code == 1u ? y[ib].qs[j] : code == 2u ? -y[ib].qs[j] : 0;
        }
        sumf += (float)sumi * y[ib].d;
    }
    *s = sumf;
}
/* K-quant . Q8_K: per super-block d dy sum_g sc[g] sum q y - dm dy sum_g mn[g] bsum[g]
   (the symmetric formats subtract in integers first), summed over blocks in order */
static void tn__kq_dot_ref(tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = n / TN_QK_K;
    tn__kq_block b;
    float sumf = 0.0f;
    int g, l;
    for (ib = 0; ib < nb; ib++) {
        int64_t sumi = 0, summ = 0;
        tn__kq_decode(t, (const uint8_t *)vx + (size_t)ib * bs, &b);
        for (g = 0; g < 16; g++) {
            int gs = 0;
            for (l = 0; l < 16; l++) gs += b.q[16 * g + l] * y[ib].qs[16 * g + l];
            sumi += (int64_t)b.sc[g] * gs;
            summ += (int64_t)b.mn[g] * y[ib].bsums[g];
        }
        if (b.off) sumf += (y[ib].d * b.d) * (float)(sumi - summ);
        else sumf += (y[ib].d * b.d) * (float)sumi - (y[ib].d * b.dm) * (float)summ;
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_q2_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_ref(TN_TYPE_Q2_K, n, s, x, y); }
TNDEF void tn_vec_dot_q3_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_ref(TN_TYPE_Q3_K, n, s, x, y); }
TNDEF void tn_vec_dot_q4_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_ref(TN_TYPE_Q4_K, n, s, x, y); }
TNDEF void tn_vec_dot_q5_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_ref(TN_TYPE_Q5_K, n, s, x, y); }
TNDEF void tn_vec_dot_q6_K_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_ref(TN_TYPE_Q6_K, n, s, x, y); }
/* the lookup formats against Q8_0 (a Q8_0 block per 32 values) or, iq4_xs, Q8_K:
   integer sums per 32, one float product per 32 (per 256 for iq4_xs) */
static void tn__lut_dot_ref(tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const int64_t bk = tn__traits[t].blck_size, nc = bk / 32;
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = n / bk;
    tn__lut_block b;
    float sumf = 0.0f;
    int c, j;
    for (ib = 0; ib < nb; ib++) {
        tn__lut_decode(t, (const uint8_t *)vx + (size_t)ib * bs, &b);
        if (t == TN_TYPE_IQ4_XS) {
            const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
            int sumi = 0;
            for (c = 0; c < 8; c++) {
                int si = 0;
                for (j = 0; j < 32; j++) si += b.v[32 * c + j] * y->qs[32 * c + j];
                sumi += b.is[c] * si;
            }
            sumf += (b.ds[0] * y->d) * (float)sumi;
        } else if (t == TN_TYPE_NVFP4) {
            for (c = 0; c < 4; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * 2 + c / 2;
                int si = 0;
                for (j = 0; j < 16; j++) si += b.v[16 * c + j] * y->qs[16 * (c % 2) + j];
                sumf += (b.ds[c] * tn_fp16_to_fp32(y->d)) * (float)si;
            }
        } else {
            for (c = 0; c < nc; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * nc + c;
                int si = 0;
                for (j = 0; j < 32; j++) si += b.v[32 * c + j] * y->qs[j];
                sumf += (b.ds[c] * tn_fp16_to_fp32(y->d)) * (float)si;
            }
        }
    }
    *s = sumf;
}
TNDEF void tn_vec_dot_iq4_nl_q8_0_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_IQ4_NL, n, s, x, y); }
TNDEF void tn_vec_dot_iq4_xs_q8_K_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_IQ4_XS, n, s, x, y); }
TNDEF void tn_vec_dot_mxfp4_q8_0_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_MXFP4, n, s, x, y); }
TNDEF void tn_vec_dot_nvfp4_q8_0_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_NVFP4, n, s, x, y); }
TNDEF void tn_vec_dot_q1_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_Q1_0, n, s, x, y); }
TNDEF void tn_vec_dot_q2_0_q8_0_ref(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_ref(TN_TYPE_Q2_0, n, s, x, y); }

/* Ternary tiles (TQ2_0, TQ1_0). The activations are Q8_K blocks moved into
   64-byte aligned blocks of 64-byte planes, one per weight plane the kernels
   unpack: one aligned load per plane, none straddling a cache line. TQ2_0 has
   four planes (tn__q8k_tile): bit-plane k meets original bytes 32k..32k+31 then
   128+32k..128+32k+31. TQ1_0 has five (tn__q8k_tile5), see tn__tq1_planes_512.
   Behind the planes: bsums and d. */
typedef struct { int8_t qs[TN_QK_K]; int16_t bsums[TN_QK_K / 16]; float d; uint8_t pad[28]; } tn__q8k_tile;
typedef struct { int8_t qs[TN_QK_K + 64]; int16_t bsums[TN_QK_K / 16]; float d; uint8_t pad[28]; } tn__q8k_tile5;
TN__STATIC_ASSERT(q8k_tile, sizeof(tn__q8k_tile) == 320 && sizeof(tn__q8k_tile5) == 384);
TN__STATIC_ASSERT(q8k_tile_layout, offsetof(tn__q8k_tile, bsums) == 256 && offsetof(tn__q8k_tile5, bsums) == 320 &&
                                   offsetof(tn__q8k_tile, d) == 288 && offsetof(tn__q8k_tile5, d) == 352);
TN__STATIC_ASSERT(tq1_layout, offsetof(tn_block_tq1_0, qh) == 48);

/* ==== @@IMPL:SIMD  AVX2 / AVX-512 / NEON kernels, each beside its _ref's name; the dispatcher ==== */

#if defined(__GNUC__) || defined(__clang__)
#define TN__ALWAYS_INLINE __attribute__((always_inline)) inline
#define TN__NOINLINE __attribute__((noinline))
#else
#define TN__ALWAYS_INLINE inline
#define TN__NOINLINE
#endif
/* the 32-element block formats against Q8_0 share one AVX-512 and one NEON body,
   chosen by kind: 0 Q4_0, 1 Q4_1, 2 Q5_0, 3 Q5_1, 4 Q8_0, 5 Q8_1; a block's size,
   where its codes start, and whether it has a minimum m */
#define TN__B32_SIZE(kind) ((kind) == 0 ? (int)sizeof(tn_block_q4_0) : (kind) == 1 ? (int)sizeof(tn_block_q4_1) : (kind) == 2 ? (int)sizeof(tn_block_q5_0) : \
                            (kind) == 3 ? (int)sizeof(tn_block_q5_1) : (kind) == 4 ? (int)sizeof(tn_block_q8_0) : (int)sizeof(tn_block_q8_1))
#define TN__B32_QS(kind) ((kind) == 0 ? (int)offsetof(tn_block_q4_0, qs) : (kind) == 1 ? (int)offsetof(tn_block_q4_1, qs) : (kind) == 2 ? (int)offsetof(tn_block_q5_0, qs) : \
                          (kind) == 3 ? (int)offsetof(tn_block_q5_1, qs) : (kind) == 4 ? (int)offsetof(tn_block_q8_0, qs) : (int)offsetof(tn_block_q8_1, qs))
#define TN__B32_MIN(kind) ((kind) == 1 || (kind) == 3)

#if defined(TN_HAVE_AVX2) || defined(TN_HAVE_AVX512)
/* kind 1 (TQ2_0), 3 (T2): o is a tn__q8k_tile; kind 2 (TQ1_0): a tn__q8k_tile5 */
static void tn__q8k_to_tile(void *o, const tn_block_q8_K *b, int kind) {
    int8_t *qs = (int8_t *)o;
    int k, j, np = kind == 2 ? 5 : 4;
    if (kind == 3) /* T2: plane k byte j is qs[4j + k] */
        for (k = 0; k < 4; k++)
            for (j = 0; j < 64; j++) qs[64 * k + j] = b->qs[4 * j + k];
    else if (kind == 1)
        for (k = 0; k < 4; k++) {
            memcpy(qs + 64 * k, b->qs + 32 * k, 32);
            memcpy(qs + 64 * k + 32, b->qs + 128 + 32 * k, 32);
        }
    else {
        memset(qs, 0, 64 * 5);
        for (k = 0; k < 5; k++) {
            memcpy(qs + 64 * k, b->qs + 32 * k, 32);
            memcpy(qs + 64 * k + 32, b->qs + 160 + 16 * k, 16);
            if (k < 4) memcpy(qs + 64 * k + 48, b->qs + 240 + 4 * k, 4);
        }
    }
    memcpy(qs + 64 * np, b->bsums, sizeof(b->bsums));
    memcpy(qs + 64 * np + sizeof(b->bsums), &b->d, sizeof(float));
}
#endif

/* -- AVX2 (with FMA and F16C) -- */
#if defined(TN_HAVE_AVX2)
#if defined(TN__X86_DISPATCH) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#elif defined(TN__X86_DISPATCH)
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif
/* fp16 -> fp32 in hardware (F16C): the same value for every non-NaN input */
static float tn__h2f(uint16_t h) { return _cvtsh_ss(h); }
static float tn__hsum_ps256(__m256 v) {
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}
static int tn__hsum_epi32_256(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}
/* 32 unsigned bytes (< 128) times 32 signed bytes, summed into 8 int32 */
static __m256i tn__dot_u8s8_256(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}
/* 32 signed bytes times 32 signed bytes (neither -128), into 8 int32 */
static __m256i tn__dot_s8s8_256(__m256i x, __m256i y) {
    return tn__dot_u8s8_256(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}
/* the 16 nibble bytes of a q4 block as 32 bytes: element j in byte j */
static TN__ALWAYS_INLINE __m256i tn__nibbles_256(const uint8_t *qs) {
    const __m128i t = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_inserti128_si256(_mm256_castsi128_si256(t), _mm_srli_epi16(t, 4), 1), _mm256_set1_epi8(0x0F));
}
/* bit j of the 32-bit word at p as byte j: 0xFF where set */
static TN__ALWAYS_INLINE __m256i tn__bits_to_bytes_256(const uint8_t *p) {
    const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                         2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)tn__le32(p)), sel);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}

static void tn__vec_dot_f32_f32_avx2(int64_t n, float *s, const void *vx, const void *vy) {
    const float *x = (const float *)vx, *y = (const float *)vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int64_t i = 0;
    float sum;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), a0);
    sum = tn__hsum_ps256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) sum += x[i] * y[i];
    *s = sum;
}
static void tn__vec_dot_f16_f32_avx2(int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    float sum;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i))), _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + i + 8))), _mm256_loadu_ps(y + i + 8), a1);
    }
    sum = tn__hsum_ps256(_mm256_add_ps(a0, a1));
    for (; i < n; i++) sum += tn__h2f(x[i]) * y[i];
    *s = sum;
}
static void tn__vec_dot_bf16_f32_avx2(int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int64_t i = 0;
    float sum;
    for (; i + 16 <= n; i += 16) {
        __m256 x0 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i))), 16));
        __m256 x1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(x + i + 8))), 16));
        a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(y + i), a0);
        a1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(y + i + 8), a1);
    }
    sum = tn__hsum_ps256(_mm256_add_ps(a0, a1));
    for (; i < n; i++) sum += tn_bf16_to_fp32(x[i]) * y[i];
    *s = sum;
}
/* The 32-element formats against Q8_0: two blocks per step into two float
   chains (even and odd blocks), added once at the end; kind as TN__B32_* */
static TN__ALWAYS_INLINE __m256i tn__b32_codes_256(const int kind, const uint8_t *xb) {
    if (kind == 4 || kind == 5) return _mm256_loadu_si256((const __m256i *)(xb + TN__B32_QS(kind)));
    {
        __m256i q = tn__nibbles_256(xb + TN__B32_QS(kind));
        if (kind == 2 || kind == 3) q = _mm256_or_si256(q, _mm256_and_si256(tn__bits_to_bytes_256(xb + (kind == 2 ? offsetof(tn_block_q5_0, qh) : offsetof(tn_block_q5_1, qh))), _mm256_set1_epi8(0x10)));
        return q;
    }
}
/* the activation block's parts every row uses: codes, the zero point (8, 16)
   times its lanes' sums (Q4_0, Q5_0), its pair sums as floats (for the minimum
   of Q4_1, Q5_1) and its scale */
typedef struct { __m256i q, zi; __m256 sf; float d; } tn__b32y;
static TN__ALWAYS_INLINE tn__b32y tn__b32_y_256(const int kind, const tn_block_q8_0 *yb) {
    tn__b32y v;
    v.q = _mm256_loadu_si256((const __m256i *)yb->qs);
    v.zi = kind == 0 || kind == 2 ? _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), v.q), _mm256_set1_epi16(kind == 0 ? 8 : 16)) : _mm256_setzero_si256();
    v.sf = TN__B32_MIN(kind) ? _mm256_cvtepi32_ps(tn__dot_u8s8_256(_mm256_set1_epi8(1), v.q)) : _mm256_setzero_ps();
    v.d = tn__h2f(yb->d);
    return v;
}
/* the weight block's parts: codes, and d (and m) as floats in lanes 0 (and 1) */
typedef struct { __m256i q; __m128 dm; } tn__b32x;
static TN__ALWAYS_INLINE tn__b32x tn__b32_x_256(const int kind, const uint8_t *xb) {
    tn__b32x v;
    v.q = tn__b32_codes_256(kind, xb);
    if (TN__B32_MIN(kind)) v.dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)tn__le32(xb)));
    else { uint16_t dx; memcpy(&dx, xb, 2); v.dm = _mm_set_ss(tn__h2f(dx)); }
    return v;
}
/* one block of one (row, column) into its chains */
static TN__ALWAYS_INLINE void tn__b32_step_256(const int kind, const tn__b32x *x, const tn__b32y *y, __m256 *acc, __m256 *accm) {
    if (TN__B32_MIN(kind)) { /* unsigned codes, and the minimum m times sum(y) */
        const __m128 dm = _mm_mul_ps(x->dm, _mm_set1_ps(y->d));
        *acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(dm), _mm256_cvtepi32_ps(tn__dot_u8s8_256(x->q, y->q)), *acc);
        *accm = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm_movehdup_ps(dm)), y->sf, *accm);
        return;
    }
    if (kind == 0 || kind == 2) { /* unsigned codes against y, less the zero point times sum(y): lane by lane what (code - z) * y gives */
        *acc = _mm256_fmadd_ps(_mm256_set1_ps(_mm_cvtss_f32(x->dm) * y->d), _mm256_cvtepi32_ps(_mm256_sub_epi32(tn__dot_u8s8_256(x->q, y->q), y->zi)), *acc);
        return;
    }
    *acc = _mm256_fmadd_ps(_mm256_set1_ps(_mm_cvtss_f32(x->dm) * y->d), _mm256_cvtepi32_ps(tn__dot_s8s8_256(x->q, y->q)), *acc);
}
/* R rows (rs bytes apart) against C activation rows (ys bytes apart) into
   s[r * C + c]; each (row, column) summed exactly as the one-row kernel sums
   it (R = C = 1): even blocks into one chain, odd into another */
static TN__ALWAYS_INLINE void tn__b32_tile_avx2(const int kind, const int R, const int C, int64_t nb, const uint8_t *x, size_t rs,
                                                const uint8_t *y, size_t ys, float *s) {
    const size_t bs = (size_t)TN__B32_SIZE(kind);
    __m256 a[2][4][2], m[2][4][2];
    int64_t ib;
    int r, c, h;
    TN__UNROLL
    for (h = 0; h < 2; h++) {
        TN__UNROLL
        for (r = 0; r < R; r++) {
            TN__UNROLL
            for (c = 0; c < C; c++) a[h][r][c] = m[h][r][c] = _mm256_setzero_ps();
        }
    }
    for (ib = 0; ib + 2 <= nb; ib += 2) {
        TN__UNROLL
        for (h = 0; h < 2; h++) {
            tn__b32y yv[2];
            TN__UNROLL
            for (c = 0; c < C; c++) yv[c] = tn__b32_y_256(kind, (const tn_block_q8_0 *)(y + (size_t)c * ys) + ib + h);
            TN__UNROLL
            for (r = 0; r < R; r++) {
                const uint8_t *xr = x + (size_t)r * rs + (size_t)(ib + h) * bs;
                const tn__b32x xv = tn__b32_x_256(kind, xr);
                if (R > 1 && h == 0) _mm_prefetch((const char *)xr + 4 * rs, _MM_HINT_T1);
                TN__UNROLL
                for (c = 0; c < C; c++) tn__b32_step_256(kind, &xv, &yv[c], &a[h][r][c], &m[h][r][c]);
            }
        }
    }
    if (ib < nb) {
        tn__b32y yv[2];
        TN__UNROLL
        for (c = 0; c < C; c++) yv[c] = tn__b32_y_256(kind, (const tn_block_q8_0 *)(y + (size_t)c * ys) + ib);
        TN__UNROLL
        for (r = 0; r < R; r++) {
            const tn__b32x xv = tn__b32_x_256(kind, x + (size_t)r * rs + (size_t)ib * bs);
            TN__UNROLL
            for (c = 0; c < C; c++) tn__b32_step_256(kind, &xv, &yv[c], &a[0][r][c], &m[0][r][c]);
        }
    }
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (c = 0; c < C; c++)
            s[r * C + c] = TN__B32_MIN(kind) ? tn__hsum_ps256(_mm256_add_ps(_mm256_add_ps(a[0][r][c], m[0][r][c]), _mm256_add_ps(a[1][r][c], m[1][r][c])))
                                             : tn__hsum_ps256(_mm256_add_ps(a[0][r][c], a[1][r][c]));
    }
}
static TN__ALWAYS_INLINE float tn__b32_dot_avx2(const int kind, int64_t nb, const uint8_t *x, const tn_block_q8_0 *y) {
    float v;
    tn__b32_tile_avx2(kind, 1, 1, nb, x, 0, (const uint8_t *)y, 0, &v);
    return v;
}
#define TN__B32_DOT4_AVX2(name, kind) \
    static void tn__vec_dot4_##name##_q8_0_avx2(int64_t n, float *s, const void *vx, size_t rs, const void *vy) { \
        tn__b32_tile_avx2(kind, 4, 1, n / TN_QK8_0, (const uint8_t *)vx, rs, (const uint8_t *)vy, 0, s); } \
    static void tn__vec_dot4x2_##name##_q8_0_avx2(int64_t n, float *s, const void *vx, size_t rs, const void *vy, size_t ys) { \
        tn__b32_tile_avx2(kind, 4, 2, n / TN_QK8_0, (const uint8_t *)vx, rs, (const uint8_t *)vy, ys, s); }
TN__B32_DOT4_AVX2(q4_0, 0)
TN__B32_DOT4_AVX2(q4_1, 1)
TN__B32_DOT4_AVX2(q5_0, 2)
TN__B32_DOT4_AVX2(q5_1, 3)
TN__B32_DOT4_AVX2(q8_0, 4)
TN__B32_DOT4_AVX2(q8_1, 5)
#undef TN__B32_DOT4_AVX2
static void tn__vec_dot_q4_0_q8_0_avx2(int64_t n, float *s, const void *vx, const void *vy) { *s = tn__b32_dot_avx2(0, n / TN_QK8_0, (const uint8_t *)vx, (const tn_block_q8_0 *)vy); }
static void tn__vec_dot_q4_1_q8_0_avx2(int64_t n, float *s, const void *vx, const void *vy) { *s = tn__b32_dot_avx2(1, n / TN_QK8_0, (const uint8_t *)vx, (const tn_block_q8_0 *)vy); }
static void tn__vec_dot_q5_0_q8_0_avx2(int64_t n, float *s, const void *vx, const void *vy) { *s = tn__b32_dot_avx2(2, n / TN_QK8_0, (const uint8_t *)vx, (const tn_block_q8_0 *)vy); }
static void tn__vec_dot_q5_1_q8_0_avx2(int64_t n, float *s, const void *vx, const void *vy) { *s = tn__b32_dot_avx2(3, n / TN_QK8_0, (const uint8_t *)vx, (const tn_block_q8_0 *)vy); }
static void tn__vec_dot_q8_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { *s = tn__b32_dot_avx2(4, n / TN_QK8_0, (const uint8_t *)x, (const tn_block_q8_0 *)y); }
static void tn__vec_dot_q8_1_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { *s = tn__b32_dot_avx2(5, n / TN_QK8_0, (const uint8_t *)x, (const tn_block_q8_0 *)y); }
static void tn__vec_dot_q8_K_q8_K_avx2(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *x = (const tn_block_q8_K *)vx, *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int k;
    for (ib = 0; ib < nb; ib++) {
        __m256i acc = _mm256_setzero_si256();
        for (k = 0; k < 8; k++)
            acc = _mm256_add_epi32(acc, tn__dot_s8s8_256(_mm256_loadu_si256((const __m256i *)(x[ib].qs + 32 * k)),
                                                         _mm256_loadu_si256((const __m256i *)(y[ib].qs + 32 * k))));
        sumf += (float)tn__hsum_epi32_256(acc) * (x[ib].d * y[ib].d);
    }
    *s = sumf;
}
/* Ternary blocks against Q8_K on AVX2, one body for the dot products and the
   tiles of tn_mul_mat. A block's 256 codes (t + 1, 0..2) come as two halves
   of planes, 32 codes a vector: TQ2_0 and T2 four planes a half (bit pair k of
   32 bytes), TQ1_0 five (trit k of qs[0..31], then of qs[32..47] and qh in the
   first 20 bytes of the second half). Each plane meets the 32 activations of
   its lane order, which is the plane order of tn__q8k_tile(5); for TQ2_0 the
   same vectors sit in the plain Q8_K block (half h, plane k at 128h + 32k).
   Per block and (row, column): maddubs products kept in int16 (every pair sum
   is at most 2 * 3 * 128 and a block's at most 10 of them; no saturation for
   any input bytes), the 16 bsums taken off lane by lane, one madd to int32,
   one fma by d_y * d_w into eight float lanes, one horizontal sum per row. */
static TN__ALWAYS_INLINE void tn__tq2_codes_256(const uint8_t *qs, __m256i w[10]) {
    const __m256i m3 = _mm256_set1_epi8(3), m12 = _mm256_set1_epi8(12);
    int h;
    TN__UNROLL
    for (h = 0; h < 2; h++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * h)), u = _mm256_srli_epi16(q, 4);
        /* codes 0 and 2 as they are, 1 and 3 times four (one shift, no more):
           tn__tern_col_256 sums those apart and divides by four, exactly */
        w[5 * h] = _mm256_and_si256(q, m3);
        w[5 * h + 1] = _mm256_and_si256(q, m12);
        w[5 * h + 2] = _mm256_and_si256(u, m3);
        w[5 * h + 3] = _mm256_and_si256(u, m12);
    }
}
/* T2: bit pair k of byte j is weight 4j + k, 01 for +1, 10 for -1 (00, 11: 0);
   a nibble's two pairs looked up as codes t + 1 */
static TN__ALWAYS_INLINE void tn__t2_codes_256(const uint8_t *qs, __m256i w[10]) {
    const __m256i lut0 = _mm256_setr_epi8(1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1);
    const __m256i lut1 = _mm256_setr_epi8(1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1);
    const __m256i m15 = _mm256_set1_epi8(15);
    int h;
    TN__UNROLL
    for (h = 0; h < 2; h++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * h));
        const __m256i lo = _mm256_and_si256(q, m15), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m15);
        w[5 * h] = _mm256_shuffle_epi8(lut0, lo);
        w[5 * h + 1] = _mm256_shuffle_epi8(lut1, lo);
        w[5 * h + 2] = _mm256_shuffle_epi8(lut0, hi);
        w[5 * h + 3] = _mm256_shuffle_epi8(lut1, hi);
    }
}
/* Trit k of a TQ1_0 byte b is the code (3 * p) >> 8 of p = b * 3^k mod 256; in
   bytes: with q = p - 1 (0 for p = 0), the rounded averages (q + ((q + 1) >> 1) + 1) >> 1
   give 3p/4 rounded down (for every p: checked over all 256), and its top two bits are the code */
static TN__ALWAYS_INLINE __m256i tn__trit_code_256(__m256i p) {
    const __m256i q = _mm256_subs_epu8(p, _mm256_set1_epi8(1));
    const __m256i t = _mm256_avg_epu8(q, _mm256_avg_epu8(q, _mm256_setzero_si256()));
    return _mm256_and_si256(_mm256_srli_epi16(t, 6), _mm256_set1_epi8(3));
}
static TN__ALWAYS_INLINE void tn__tq1_codes_256(const tn_block_tq1_0 *x, __m256i w[10]) {
    __m256i b[2];
    int h, k;
    b[0] = _mm256_loadu_si256((const __m256i *)x->qs);
    b[1] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(x->qs + 32))), _mm_cvtsi32_si128((int)tn__le32(x->qh)), 1);
    TN__UNROLL
    for (h = 0; h < 2; h++) {
        __m256i p = b[h];
        TN__UNROLL
        for (k = 0; k < 5; k++) {
            w[5 * h + k] = tn__trit_code_256(p);
            if (k < 4) p = _mm256_add_epi8(_mm256_add_epi8(p, p), p);
        }
    }
}
/* the codes of weight block wb and its scale: kind 1 TQ2_0, 2 TQ1_0, 3 T2 (scale 1: the tensor's is applied by the caller) */
static TN__ALWAYS_INLINE void tn__tern_codes_256(const int kind, const uint8_t *wb, __m256i w[10], float *dw) {
    if (kind == 1) { tn__tq2_codes_256(((const tn_block_tq2_0 *)wb)->qs, w); *dw = tn__h2f(((const tn_block_tq2_0 *)wb)->d); }
    else if (kind == 2) { tn__tq1_codes_256((const tn_block_tq1_0 *)wb, w); *dw = tn__h2f(((const tn_block_tq1_0 *)wb)->d); }
    else { tn__t2_codes_256(wb, w); *dw = 1.0f; }
}
/* f + one block of one (row, column); lay 0: yb is a tn__q8k_tile(5), 1: a plain Q8_K block (TQ2_0 only) */
static TN__ALWAYS_INLINE __m256 tn__tern_col_256(const int kind, const int lay, const __m256i w[10], const uint8_t *yb, float dw, __m256 f) {
    const int np = kind == 2 ? 5 : 4;
    const int8_t *yq = lay ? ((const tn_block_q8_K *)yb)->qs : (const int8_t *)yb;
    const int16_t *bs = lay ? ((const tn_block_q8_K *)yb)->bsums : (const int16_t *)(yb + 64 * np);
    float yd;
    __m256i acc, a4;
    int h, k;
    if (lay) yd = ((const tn_block_q8_K *)yb)->d;
    else memcpy(&yd, yb + 64 * np + 32, sizeof(float));
    acc = _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_loadu_si256((const __m256i *)bs));
    /* TQ2_0's codes 1 and 3 come times four: summed apart (|4 sums of 4 * 3 * 128 * 2| < 2^15,
       a multiple of four) and divided by four exactly */
    a4 = _mm256_setzero_si256();
    TN__UNROLL
    for (h = 0; h < 2; h++) {
        TN__UNROLL
        for (k = 0; k < np; k++) {
            const int8_t *p = lay ? yq + 128 * h + 32 * k : yq + 64 * k + 32 * h;
            const __m256i m = _mm256_maddubs_epi16(w[5 * h + k], _mm256_loadu_si256((const __m256i *)p));
            if (kind == 1 && (k & 1)) a4 = _mm256_add_epi16(a4, m);
            else acc = _mm256_add_epi16(acc, m);
        }
    }
    if (kind == 1) acc = _mm256_add_epi16(acc, _mm256_srai_epi16(a4, 2));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(acc, _mm256_set1_epi16(1))), _mm256_set1_ps(yd * dw), f);
}
/* R weight rows (rs bytes apart) times C activation rows (tiles, ys bytes
   apart) into s[r * C + c]; each weight block is unpacked once for the C columns */
static TN__ALWAYS_INLINE void tn__tern_tile_avx2(const int kind, const int R, const int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) {
    const size_t bsz = kind == 1 ? sizeof(tn_block_tq2_0) : kind == 2 ? sizeof(tn_block_tq1_0) : sizeof(tn_block_t2);
    const size_t ysz = kind == 2 ? sizeof(tn__q8k_tile5) : sizeof(tn__q8k_tile);
    __m256 f[4][4];
    int64_t ib;
    int r, c;
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (c = 0; c < C; c++) f[r][c] = _mm256_setzero_ps();
    }
    for (ib = 0; ib < nb; ib++) {
        /* pull the next R rows in linearly, as the AVX-512 tiles do */
        const char *pf = (const char *)(w + (size_t)R * rs) + (size_t)ib * (size_t)R * bsz;
        TN__UNROLL
        for (r = 0; r < R; r++) {
            _mm_prefetch(pf + 64 * r, _MM_HINT_T0);
            _mm_prefetch(pf + 64 * r + 64, _MM_HINT_T0);
        }
        TN__UNROLL
        for (r = 0; r < R; r++) {
            __m256i wv[10];
            float dw;
            tn__tern_codes_256(kind, w + (size_t)r * rs + (size_t)ib * bsz, wv, &dw);
            TN__UNROLL
            for (c = 0; c < C; c++) f[r][c] = tn__tern_col_256(kind, 0, wv, y + (size_t)c * ys + (size_t)ib * ysz, dw, f[r][c]);
        }
    }
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (c = 0; c < C; c++) s[r * C + c] = tn__hsum_ps256(f[r][c]);
    }
}
#define TN__TILE2_FN(K, R, C) \
    static TN__NOINLINE void tn__tern_tile2_##K##_##R##x##C(int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) { \
        tn__tern_tile_avx2(K, R, C, nb, w, rs, y, ys, s); }
#define TN__TILE2_FNS(K) TN__TILE2_FN(K, 4, 1) TN__TILE2_FN(K, 1, 4) TN__TILE2_FN(K, 1, 2) TN__TILE2_FN(K, 1, 1)
TN__TILE2_FNS(1)
TN__TILE2_FNS(2)
TN__TILE2_FNS(3)
#undef TN__TILE2_FNS
#undef TN__TILE2_FN
/* any R x C the matrix product asks for, from the 4x1, 1x4, 1x2 and 1x1 bodies
   (every (row, column) is computed the same way in each, so the split is free) */
static void tn__tern_tile_avx2_any(int kind, int R, int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) {
    typedef void (*fn)(int64_t, const uint8_t *, size_t, const uint8_t *, size_t, float *);
    static const fn f41[3] = {tn__tern_tile2_1_4x1, tn__tern_tile2_2_4x1, tn__tern_tile2_3_4x1};
    static const fn f14[3] = {tn__tern_tile2_1_1x4, tn__tern_tile2_2_1x4, tn__tern_tile2_3_1x4};
    static const fn f12[3] = {tn__tern_tile2_1_1x2, tn__tern_tile2_2_1x2, tn__tern_tile2_3_1x2};
    static const fn f11[3] = {tn__tern_tile2_1_1x1, tn__tern_tile2_2_1x1, tn__tern_tile2_3_1x1};
    const int ki = kind - 1;
    int r, c;
    if (C == 1 && R == 4) { f41[ki](nb, w, rs, y, ys, s); return; }
    for (r = 0; r < R; r++) {
        float v[4];
        for (c = 0; c < C; ) {
            const int n = C - c >= 4 ? 4 : C - c >= 2 ? 2 : 1, j0 = c;
            int j;
            (n == 4 ? f14 : n == 2 ? f12 : f11)[ki](nb, w + (size_t)r * rs, rs, y + (size_t)c * ys, ys, v);
            for (j = 0; j < n; j++) s[r * C + j0 + j] = v[j];
            c += n;
        }
    }
}
/* the dot products: TQ2_0 reads the Q8_K blocks in place; TQ1_0 and T2 move
   each into a tile first (the planes they meet are not contiguous in Q8_K) */
static void tn__vec_dot_tq2_0_q8_K_avx2(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_tq2_0 *x = (const tn_block_tq2_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    __m256 f = _mm256_setzero_ps();
    for (ib = 0; ib < nb; ib++) {
        __m256i wv[10];
        float dw;
        tn__tern_codes_256(1, (const uint8_t *)&x[ib], wv, &dw);
        f = tn__tern_col_256(1, 1, wv, (const uint8_t *)&y[ib], dw, f);
    }
    *s = tn__hsum_ps256(f);
}
static TN__ALWAYS_INLINE void tn__vec_dot_tern_tiled_avx2(const int kind, int64_t n, float *s, const void *vx, const void *vy) {
    const uint8_t *x = (const uint8_t *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const size_t bsz = kind == 2 ? sizeof(tn_block_tq1_0) : sizeof(tn_block_t2);
    int64_t ib, nb = n / TN_QK_K;
    tn__q8k_tile5 t; /* large enough for either tile */
    __m256 f = _mm256_setzero_ps();
    for (ib = 0; ib < nb; ib++) {
        __m256i wv[10];
        float dw;
        tn__q8k_to_tile(&t, &y[ib], kind);
        tn__tern_codes_256(kind, x + (size_t)ib * bsz, wv, &dw);
        f = tn__tern_col_256(kind, 0, wv, (const uint8_t *)&t, dw, f);
    }
    *s = tn__hsum_ps256(f);
}
static void tn__vec_dot_tq1_0_q8_K_avx2(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_tern_tiled_avx2(2, n, s, vx, vy); }
static void tn__vec_dot_t2_q8_K_avx2(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_tern_tiled_avx2(3, n, s, vx, vy); }

/* training and row kernels (each the same bits as its _ref) */
static double tn__abssum_avx2(const float *x, int64_t n) { /* tn__abssum_ref's eight partial sums in two vectors' lanes */
    const __m256d nosign = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL));
    double a[8];
    int64_t i = 0;
    int k;
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        a0 = _mm256_add_pd(a0, _mm256_and_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), nosign));
        a1 = _mm256_add_pd(a1, _mm256_and_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i + 4)), nosign));
    }
    _mm256_storeu_pd(a, a0);
    _mm256_storeu_pd(a + 4, a1);
    for (k = 0; i < n; i++, k++) a[k] += fabs((double)x[i]);
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}
/* tn__row_dsum_ref's eight partial sums in two vectors' lanes (multiplies and
   adds kept apart, as the reference does them), its tail and tree */
static double tn__row_dsum_avx2(const float *x, const float *y, int64_t n, double mu, int kind) {
    const __m256d vmu = _mm256_set1_pd(mu);
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    double a[8];
    int64_t i = 0;
    int j;
    for (; i + 8 <= n; i += 8) {
        __m256d x0 = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), x1 = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
        if (kind == 1) {
            x0 = _mm256_sub_pd(x0, vmu); x1 = _mm256_sub_pd(x1, vmu);
            x0 = _mm256_mul_pd(x0, x0); x1 = _mm256_mul_pd(x1, x1);
        } else if (kind == 2) {
            x0 = _mm256_mul_pd(x0, _mm256_cvtps_pd(_mm_loadu_ps(y + i)));
            x1 = _mm256_mul_pd(x1, _mm256_cvtps_pd(_mm_loadu_ps(y + i + 4)));
        }
        a0 = _mm256_add_pd(a0, x0);
        a1 = _mm256_add_pd(a1, x1);
    }
    _mm256_storeu_pd(a, a0);
    _mm256_storeu_pd(a + 4, a1);
    for (j = 0; i < n; i++, j++)
        a[j] += kind == 0 ? (double)x[i] : kind == 1 ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i] * (double)y[i];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}
static float tn__absmax_avx2(const float *x, int64_t n) { /* max is exact: any order gives the same */
    const __m256 nosign = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)), inf = _mm256_set1_ps(INFINITY);
    __m256 m = _mm256_setzero_ps(), bad = _mm256_setzero_ps();
    float amax, t[8];
    int64_t i = 0;
    int k;
    for (; i + 8 <= n; i += 8) {
        const __m256 a = _mm256_and_ps(_mm256_loadu_ps(x + i), nosign);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, inf, _CMP_NLT_UQ));
        m = _mm256_max_ps(m, a);
    }
    if (_mm256_movemask_ps(bad)) return -1.0f;
    _mm256_storeu_ps(t, m);
    amax = t[0];
    for (k = 1; k < 8; k++) amax = TN__MAX(amax, t[k]);
    {   /* the rest as the reference does it */
        const float t2 = tn__absmax_ref(x + i, n - i);
        return t2 < 0.0f ? -1.0f : TN__MAX(amax, t2);
    }
}
static void tn__quant_pass_avx2(const float *x, int64_t n, float mul, float lim, float lo, float hi, float scale, float *y, int8_t *q) {
    int64_t i = 0;
    const __m256 vm = _mm256_set1_ps(mul), vl = _mm256_set1_ps(lim), vnl = _mm256_set1_ps(-lim);
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi), vs = _mm256_set1_ps(scale);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vm), vnl), vl);
        v = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        v = _mm256_add_ps(_mm256_min_ps(_mm256_max_ps(v, vlo), vhi), _mm256_setzero_ps()); /* -0 -> +0, as (float)(int) gives */
        if (y) _mm256_storeu_ps(y + i, _mm256_mul_ps(v, vs));
        if (q) {
            const __m256i vi = _mm256_cvtps_epi32(v);
            const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(vi), _mm256_extracti128_si256(vi, 1));
            _mm_storel_epi64((__m128i *)(q + i), _mm_packs_epi16(w, w));
        }
    }
    if (i < n) tn__quant_pass_ref(x + i, n - i, mul, lim, lo, hi, scale, y ? y + i : NULL, q ? q + i : NULL);
}
static void tn__vacc_avx2(float *dst, const float *src, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
    for (; i < n; i++) dst[i] += src[i];
}
/* x where the code is 01, -x where 10, +0 elsewhere: masks and a sign flip, no multiply */
static TN__ALWAYS_INLINE __m256 tn__tern_pick_avx2(__m256i c, __m256 x) {
    const __m256i one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2), sign = _mm256_set1_epi32((int)0x80000000u);
    const __m256i neg = _mm256_cmpeq_epi32(c, two), nz = _mm256_or_si256(_mm256_cmpeq_epi32(c, one), neg);
    return _mm256_castsi256_ps(_mm256_xor_si256(_mm256_and_si256(_mm256_castps_si256(x), nz), _mm256_and_si256(neg, sign)));
}
/* R weight rows x C activation rows (R * C <= 4, constants where inlined) */
static TN__ALWAYS_INLINE void tn__tf32_tile_avx2(const uint8_t *w, size_t rs, const int R, const float *x, size_t ldx, const int C, int64_t n, float *out) {
    const __m256i sh0 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14), sh1 = _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30), three = _mm256_set1_epi32(3);
    __m256 a0[4], a1[4];
    __m256i c0[4], c1[4];
    float L[16];
    int64_t k = 0;
    int r, c;
    for (r = 0; r < R * C; r++) { a0[r] = _mm256_setzero_ps(); a1[r] = _mm256_setzero_ps(); }
    for (; k + 16 <= n; k += 16) {
        for (r = 0; r < R; r++) {
            const __m256i v = _mm256_set1_epi32((int)tn__le32(w + (size_t)r * rs + k / 4));
            c0[r] = _mm256_and_si256(_mm256_srlv_epi32(v, sh0), three);
            c1[r] = _mm256_and_si256(_mm256_srlv_epi32(v, sh1), three);
        }
        for (c = 0; c < C; c++) {
            const __m256 x0 = _mm256_loadu_ps(x + (size_t)c * ldx + k), x1 = _mm256_loadu_ps(x + (size_t)c * ldx + k + 8);
            for (r = 0; r < R; r++) {
                a0[r * C + c] = _mm256_add_ps(a0[r * C + c], tn__tern_pick_avx2(c0[r], x0));
                a1[r * C + c] = _mm256_add_ps(a1[r * C + c], tn__tern_pick_avx2(c1[r], x1));
            }
        }
    }
    for (r = 0; r < R; r++)
        for (c = 0; c < C; c++) {
            _mm256_storeu_ps(L, a0[r * C + c]);
            _mm256_storeu_ps(L + 8, a1[r * C + c]);
            tn__tern_f32_tail(L, w + (size_t)r * rs, x + (size_t)c * ldx, k, n);
            out[r * C + c] = tn__tern_f32_fold(L);
        }
}
TN__TF32_TILE_DISPATCH(avx2)
static float tn__tern_f32_dot_avx2(const uint8_t *w, const float *x, int64_t n) {
    const __m256i sh0 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14), sh1 = _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30), three = _mm256_set1_epi32(3);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    float L[16];
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) { /* 16 codes in 4 bytes: lanes k mod 16 */
        const __m256i v = _mm256_set1_epi32((int)tn__le32(w + k / 4));
        a0 = _mm256_add_ps(a0, tn__tern_pick_avx2(_mm256_and_si256(_mm256_srlv_epi32(v, sh0), three), _mm256_loadu_ps(x + k)));
        a1 = _mm256_add_ps(a1, tn__tern_pick_avx2(_mm256_and_si256(_mm256_srlv_epi32(v, sh1), three), _mm256_loadu_ps(x + k + 8)));
    }
    _mm256_storeu_ps(L, a0);
    _mm256_storeu_ps(L + 8, a1);
    tn__tern_f32_tail(L, w, x, k, n);
    return tn__tern_f32_fold(L);
}

static void tn__relu2_fwd_avx2(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_and_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_mul_ps(v, v)));
    }
    tn__relu2_fwd_ref(y + i, x + i, n - i);
}
static void tn__relu2_bwd_avx2(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 d = _mm256_and_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_mul_ps(_mm256_set1_ps(2.0f), v));
        _mm256_storeu_ps(gx + i, _mm256_add_ps(_mm256_loadu_ps(gx + i), _mm256_mul_ps(_mm256_loadu_ps(g + i), d)));
    }
    tn__relu2_bwd_ref(gx + i, g + i, x + i, n - i);
}
static void tn__relu_fwd_avx2(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) /* x > 0 ? x : 0 as a mask (max_ps would keep a NaN from its first operand) */
        _mm256_storeu_ps(y + i, _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_loadu_ps(x + i)));
    tn__relu_fwd_ref(y + i, x + i, n - i);
}
static void tn__relu_bwd_avx2(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_and_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_set1_ps(1.0f));
        _mm256_storeu_ps(gx + i, _mm256_add_ps(_mm256_loadu_ps(gx + i), _mm256_mul_ps(_mm256_loadu_ps(g + i), d)));
    }
    tn__relu_bwd_ref(gx + i, g + i, x + i, n - i);
}

/* tn__expf for 8 floats: the same operations; 2^n as two exact powers of two
   (p * 2^n1 exact, * 2^n2 rounding once, subnormal 2^n2 built by a shift) */
static TN__ALWAYS_INLINE __m256 tn__exp_256(__m256 x) {
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256 zero = _mm256_cmp_ps(x, _mm256_set1_ps(-104.0f), _CMP_LT_OQ);
    const __m256 c = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(88.7228394f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(c, _mm256_set1_ps(1.44269504089f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_blendv_epi8(_mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(-149), ni), _mm256_set1_epi32(-1)),
                                          _mm256_sub_epi32(ni, _mm256_set1_epi32(1)), _mm256_cmpgt_epi32(ni, _mm256_setzero_si256()));
    const __m256i n2 = _mm256_sub_epi32(ni, n1);
    const __m256 f1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
    const __m256 f2 = _mm256_castsi256_ps(_mm256_blendv_epi8(_mm256_sllv_epi32(_mm256_set1_epi32(1), _mm256_add_epi32(n2, _mm256_set1_epi32(149))),
                                                             _mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23),
                                                             _mm256_cmpgt_epi32(n2, _mm256_set1_epi32(-127))));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), c), p;
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    p = _mm256_fmadd_ps(_mm256_set1_ps(1.9875691500e-4f), r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    p = _mm256_andnot_ps(zero, _mm256_mul_ps(_mm256_mul_ps(p, f1), f2));
    return _mm256_blendv_ps(p, x, nan);
}
static void tn__exp_row_avx2(float *y, const float *x, int64_t n, float sub) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, tn__exp_256(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(sub))));
    tn__exp_row_ref(y + i, x + i, n - i, sub);
}
static double tn__exp_sum_avx2(const float *x, int64_t n, float sub) {
    double a[16];
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 e0 = tn__exp_256(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(sub)));
        const __m256 e1 = tn__exp_256(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), _mm256_set1_ps(sub)));
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e0)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e0, 1)));
        s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(e1)));
        s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(e1, 1)));
    }
    _mm256_storeu_pd(a, s0);
    _mm256_storeu_pd(a + 4, s1);
    _mm256_storeu_pd(a + 8, s2);
    _mm256_storeu_pd(a + 12, s3);
    for (; i < n; i++) a[i % 16] += (double)tn__expf(x[i] - sub);
    return tn__fold16(a);
}
static void tn__ce_grad_row_avx2(float *g, const float *x, int64_t n, float sub, double inv, int64_t target, float scale) {
    const __m256d vinv = _mm256_set1_pd(inv);
    const __m256 sc = _mm256_set1_ps(scale);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = tn__exp_256(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(sub)));
        const __m128 p0 = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)), vinv));
        const __m128 p1 = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)), vinv));
        __m256 pr = _mm256_insertf128_ps(_mm256_castps128_ps256(p0), p1, 1);
        if (target >= i && target < i + 8) { /* minus the one-hot target */
            float t[8];
            _mm256_storeu_ps(t, pr);
            t[target - i] = t[target - i] - 1.0f;
            pr = _mm256_loadu_ps(t);
        }
        _mm256_storeu_ps(g + i, _mm256_fmadd_ps(sc, pr, _mm256_loadu_ps(g + i)));
    }
    tn__ce_grad_row_ref(g + i, x + i, n - i, sub, inv, target - i, scale);
}

static void tn__adam_row_avx2(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n) {
    const float b1 = a->b1, b2 = a->b2, c1 = a->c1, c2 = a->c2, bc1 = a->bc1, bc2 = a->bc2, lr = a->lr, keep = a->keep, d = a->d;
    const int adamw = a->adamw;
    int64_t k = 0;
    {
        const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vc1 = _mm256_set1_ps(c1), vc2 = _mm256_set1_ps(c2);
        const __m256 vbc1 = _mm256_set1_ps(bc1), vbc2 = _mm256_set1_ps(bc2), vlr = _mm256_set1_ps(lr), veps = _mm256_set1_ps(a->eps);
        const __m256 vkeep = _mm256_set1_ps(keep), vd = _mm256_set1_ps(d);
        for (; k + 8 <= n; k += 8) {
            __m256 wk = _mm256_loadu_ps(w + k), gk = _mm256_loadu_ps(g + k), mk, vk;
            if (adamw) wk = _mm256_mul_ps(wk, vkeep);
            else gk = _mm256_add_ps(gk, _mm256_mul_ps(vd, wk));
            mk = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + k)), _mm256_mul_ps(vc1, gk));
            vk = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + k)), _mm256_mul_ps(_mm256_mul_ps(vc2, gk), gk));
            _mm256_storeu_ps(m + k, mk);
            _mm256_storeu_ps(v + k, vk);
            wk = _mm256_sub_ps(wk, _mm256_div_ps(_mm256_mul_ps(vlr, _mm256_div_ps(mk, vbc1)),
                                                 _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vk, vbc2)), veps)));
            _mm256_storeu_ps(w + k, wk);
        }
    }
    tn__adam_row_ref(a, w + k, g + k, m + k, v + k, n - k);
}

/* the integer BitLinear panel (tn__igemm_panel_ref): two activation rows at a
   time, vpmaddubsw pair sums (|pair| <= 512) added in int16 over 32 k-quads
   (|sum| <= 16384), then widened by vpmaddwd into the int32 totals */
/* rows m .. m + R - 1 of one 32-output panel (R a constant where inlined, so the
   sums stay in registers) */
static TN__ALWAYS_INLINE void tn__igemm_rows_avx2(const int R, const tn__igemm *a, const uint8_t *B, int64_t m, int64_t n0, int64_t nv) {
    const int64_t nq = a->K4 / 4;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i tot[2][4];
    int64_t kq, k0;
    int r, h, j;
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (h = 0; h < 4; h++) tot[r][h] = _mm256_setzero_si256();
    }
    for (k0 = 0; k0 < nq; k0 += 32) { /* 128 k at a time in int16 (|sum| <= 32 * 2 * 2 * 128) */
        const int64_t k1 = TN__MIN(nq, k0 + 32);
        __m256i s[2][4];
        TN__UNROLL
        for (r = 0; r < R; r++) {
            TN__UNROLL
            for (h = 0; h < 4; h++) s[r][h] = _mm256_setzero_si256();
        }
        for (kq = k0; kq < k1; kq++) {
            const uint8_t *b = B + kq * 128;
            const __m256i b0 = _mm256_loadu_si256((const __m256i *)b), b1 = _mm256_loadu_si256((const __m256i *)(b + 32));
            const __m256i b2 = _mm256_loadu_si256((const __m256i *)(b + 64)), b3 = _mm256_loadu_si256((const __m256i *)(b + 96));
            TN__UNROLL
            for (r = 0; r < R; r++) {
                int32_t q4;
                __m256i av;
                memcpy(&q4, a->q + (m + r) * a->K4 + 4 * kq, 4);
                av = _mm256_set1_epi32(q4);
                s[r][0] = _mm256_add_epi16(s[r][0], _mm256_maddubs_epi16(b0, av));
                s[r][1] = _mm256_add_epi16(s[r][1], _mm256_maddubs_epi16(b1, av));
                s[r][2] = _mm256_add_epi16(s[r][2], _mm256_maddubs_epi16(b2, av));
                s[r][3] = _mm256_add_epi16(s[r][3], _mm256_maddubs_epi16(b3, av));
            }
        }
        TN__UNROLL
        for (r = 0; r < R; r++) {
            TN__UNROLL
            for (h = 0; h < 4; h++) tot[r][h] = _mm256_add_epi32(tot[r][h], _mm256_madd_epi16(s[r][h], ones));
        }
    }
    TN__UNROLL
    for (r = 0; r < R; r++) {
        const __m256i qs = _mm256_set1_epi32(a->qsum[m + r]);
        const __m256 c = _mm256_set1_ps(a->cs[m + r]);
        float v[32], *yr = a->y + (m + r) * a->N + n0;
        TN__UNROLL
        for (h = 0; h < 4; h++) _mm256_storeu_ps(v + 8 * h, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(tot[r][h], qs)), c));
        if (nv == 32) memcpy(yr, v, sizeof(v));
        else for (j = 0; j < nv; j++) yr[j] = v[j];
    }
}
static void tn__igemm_panel_avx2(const tn__igemm *a, int64_t pi) {
    const int64_t n0 = pi * 32, nv = TN__MIN((int64_t)32, a->N - n0);
    const uint8_t *B = a->wp + pi * a->K4 * 32;
    int64_t m;
    for (m = 0; m + 2 <= a->M; m += 2) tn__igemm_rows_avx2(2, a, B, m, n0, nv);
    if (m < a->M) tn__igemm_rows_avx2(1, a, B, m, n0, nv);
}

#define TN__GEMM256_MR 6
#define TN__GEMM256_NR 16
/* direct: A's rows read in place (lda apart, the six a full panel), else the packed panel */
static TN__ALWAYS_INLINE void tn__gemm_kernel_256(const int direct, int64_t kc, const float *Ap, int64_t lda, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    __m256 c[TN__GEMM256_MR][2], out[TN__GEMM256_MR][2];
    float tmp[TN__GEMM256_NR];
    int i, j;
    int64_t k;
    TN__UNROLL
    for (i = 0; i < TN__GEMM256_MR; i++) c[i][0] = c[i][1] = _mm256_setzero_ps();
    for (k = 0; k < kc; k++) {
        __m256 b0 = _mm256_loadu_ps(Bp + k * TN__GEMM256_NR), b1 = _mm256_loadu_ps(Bp + k * TN__GEMM256_NR + 8);
        const float *a = direct ? Ap + k : Ap + k * TN__GEMM256_MR;
        TN__UNROLL
        for (i = 0; i < TN__GEMM256_MR; i++) {
            __m256 av = _mm256_broadcast_ss(direct ? a + i * lda : a + i);
            c[i][0] = _mm256_fmadd_ps(av, b0, c[i][0]);
            c[i][1] = _mm256_fmadd_ps(av, b1, c[i][1]);
        }
    }
    /* the accumulators leave registers once, after the k loop (indexed by a
       variable below, they would be kept in memory and stored every k step) */
    TN__UNROLL
    for (i = 0; i < TN__GEMM256_MR; i++) { out[i][0] = c[i][0]; out[i][1] = c[i][1]; }
    for (i = 0; i < mr; i++) {
        float *cr = C + i * ldc;
        if (nr == TN__GEMM256_NR) {
            if (accumulate) {
                out[i][0] = _mm256_add_ps(out[i][0], _mm256_loadu_ps(cr));
                out[i][1] = _mm256_add_ps(out[i][1], _mm256_loadu_ps(cr + 8));
            }
            _mm256_storeu_ps(cr, out[i][0]);
            _mm256_storeu_ps(cr + 8, out[i][1]);
            continue;
        }
        _mm256_storeu_ps(tmp, out[i][0]);
        _mm256_storeu_ps(tmp + 8, out[i][1]);
        for (j = 0; j < nr; j++) cr[j] = accumulate ? cr[j] + tmp[j] : tmp[j];
    }
}
static void tn__gemm_kernel_avx2(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    tn__gemm_kernel_256(0, kc, Ap, 0, Bp, C, ldc, mr, nr, accumulate);
}
static void tn__gemm_direct_avx2(int64_t kc, const float *A, int64_t lda, const float *Bp, float *C, int64_t ldc, int nr, int accumulate) {
    tn__gemm_kernel_256(1, kc, A, lda, Bp, C, ldc, TN__GEMM256_MR, nr, accumulate);
}
/* dst[k * P + j] = x[j * ld + k] for an 8 x 8 block, through registers */
static void tn__transpose8_avx2(float *dst, int64_t P, const float *x, int64_t ld) {
    __m256 r0 = _mm256_loadu_ps(x), r1 = _mm256_loadu_ps(x + ld), r2 = _mm256_loadu_ps(x + 2 * ld), r3 = _mm256_loadu_ps(x + 3 * ld);
    __m256 r4 = _mm256_loadu_ps(x + 4 * ld), r5 = _mm256_loadu_ps(x + 5 * ld), r6 = _mm256_loadu_ps(x + 6 * ld), r7 = _mm256_loadu_ps(x + 7 * ld);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5), t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE), s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE), s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(dst + P, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(dst + 2 * P, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(dst + 3 * P, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(dst + 4 * P, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(dst + 5 * P, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(dst + 6 * P, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(dst + 7 * P, _mm256_permute2f128_ps(s3, s7, 0x31));
}
/* six rows of eight (the AVX2 GEMM's A panel): the 8 x 8 transpose with two
   zero rows, each column's first six stored */
static void tn__transpose6_avx2(float *dst, const float *x, int64_t ld) {
    const __m256 z = _mm256_setzero_ps();
    __m256 r0 = _mm256_loadu_ps(x), r1 = _mm256_loadu_ps(x + ld), r2 = _mm256_loadu_ps(x + 2 * ld), r3 = _mm256_loadu_ps(x + 3 * ld);
    __m256 r4 = _mm256_loadu_ps(x + 4 * ld), r5 = _mm256_loadu_ps(x + 5 * ld);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 s[8];
    int k;
    s[0] = _mm256_shuffle_ps(t0, t2, 0x44); s[1] = _mm256_shuffle_ps(t0, t2, 0xEE); s[2] = _mm256_shuffle_ps(t1, t3, 0x44); s[3] = _mm256_shuffle_ps(t1, t3, 0xEE);
    s[4] = _mm256_shuffle_ps(t4, z, 0x44); s[5] = _mm256_shuffle_ps(t4, z, 0xEE); s[6] = _mm256_shuffle_ps(t5, z, 0x44); s[7] = _mm256_shuffle_ps(t5, z, 0xEE);
    TN__UNROLL
    for (k = 0; k < 8; k++) {
        const __m128 lo = k < 4 ? _mm256_castps256_ps128(s[k]) : _mm256_extractf128_ps(s[k - 4], 1);
        const __m128 hi = k < 4 ? _mm256_castps256_ps128(s[k + 4]) : _mm256_extractf128_ps(s[k], 1);
        _mm_storeu_ps(dst + 6 * k, lo);
        _mm_storel_pi((__m64 *)(void *)(dst + 6 * k + 4), hi);
    }
}

/* K-quants against Q8_K: each block's codes unpacked to eight 32-byte rows of
   unsigned codes in element order, maddubs with the activations, madd with the
   two group scales of the row (one per 128-bit half), int32 sums per block; the
   mins (and the symmetric formats' offsets) through bsums in one madd; float
   fma per block into two accumulators, one horizontal sum at the end */
/* the unsigned codes of rows 4h .. 4h+3 (elements 128h .. 128h+127) of a K-quant block */
static TN__ALWAYS_INLINE void tn__kq_codes_avx2(const int t, const uint8_t *b, const int h, __m256i *q) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(3);
    int p;
    if (t == TN_TYPE_Q2_K || t == TN_TYPE_Q3_K) {
        const uint8_t *qs = t == TN_TYPE_Q2_K ? b + offsetof(tn_block_q2_K, qs) : b + offsetof(tn_block_q3_K, qs);
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(qs + 32 * h));
        TN__UNROLL
        for (p = 0; p < 4; p++) { q[p] = _mm256_and_si256(v, m2); v = _mm256_srli_epi16(v, 2); }
        if (t == TN_TYPE_Q3_K) { /* the third bit of row c in bit c of hmask */
            __m256i hm = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q3_K, hmask)));
            const __m256i m = _mm256_set1_epi8(4);
            hm = h ? _mm256_srli_epi16(hm, 2) : _mm256_slli_epi16(hm, 2);
            TN__UNROLL
            for (p = 0; p < 4; p++) { q[p] = _mm256_or_si256(q[p], _mm256_and_si256(hm, m)); hm = _mm256_srli_epi16(hm, 1); }
        }
    } else if (t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K) {
        const uint8_t *qs = (t == TN_TYPE_Q4_K ? b + offsetof(tn_block_q4_K, qs) : b + offsetof(tn_block_q5_K, qs)) + 64 * h;
        const __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)qs), v1 = _mm256_loadu_si256((const __m256i *)(const void *)(qs + 32));
        q[0] = _mm256_and_si256(v0, m4);
        q[1] = _mm256_and_si256(_mm256_srli_epi16(v0, 4), m4);
        q[2] = _mm256_and_si256(v1, m4);
        q[3] = _mm256_and_si256(_mm256_srli_epi16(v1, 4), m4);
        if (t == TN_TYPE_Q5_K) { /* the fifth bit of row c in bit c of qh */
            __m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q5_K, qh)));
            const __m256i m = _mm256_set1_epi8(16);
            hb = h ? hb : _mm256_slli_epi16(hb, 4);
            TN__UNROLL
            for (p = 0; p < 4; p++) { q[p] = _mm256_or_si256(q[p], _mm256_and_si256(hb, m)); hb = _mm256_srli_epi16(hb, 1); }
        }
    } else { /* q6_K */
        const __m256i m30 = _mm256_set1_epi8(0x30);
        const __m256i l0 = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q6_K, ql) + 64 * h));
        const __m256i l1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q6_K, ql) + 64 * h + 32));
        const __m256i hq = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q6_K, qh) + 32 * h));
        q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(hq, 4), m30));
        q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(hq, 2), m30));
        q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(hq, m30));
        q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hq, 2), m30));
    }
}
/* a K-quant block's group scales as bytes: for q4_K/q5_K the 8 scales then the
   8 mins; for the others the 16 scales (signed), with *mn16 the 16 int16 mins
   (q2_K) or offsets times scales (q3_K: 4 sc, q6_K: 32 sc) */
static TN__ALWAYS_INLINE __m128i tn__kq_scales_avx2(const int t, const uint8_t *b, __m256i *mn16) {
    __m128i v;
    *mn16 = _mm256_setzero_si256();
    if (t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K) { /* 6-bit (scale, min) pairs, four bytes at a time */
        uint32_t u[3];
        memcpy(u, b + 4, 12);
        return _mm_set_epi32((int)(((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4)), (int)(u[1] & 0x3f3f3f3fu),
                             (int)((u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4)), (int)(u[0] & 0x3f3f3f3fu));
    }
    if (t == TN_TYPE_Q2_K) {
        const __m128i r = _mm_loadu_si128((const __m128i *)(const void *)b);
        *mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(r, 4), _mm_set1_epi8(0x0F)));
        return _mm_and_si128(r, _mm_set1_epi8(0x0F));
    }
    if (t == TN_TYPE_Q3_K) {
        uint32_t u[3], a0, a1, a2, a3;
        memcpy(u, b + offsetof(tn_block_q3_K, scales), 12);
        a0 = (u[0] & 0x0f0f0f0fu) | ((u[2] & 0x03030303u) << 4);
        a1 = (u[1] & 0x0f0f0f0fu) | (((u[2] >> 2) & 0x03030303u) << 4);
        a2 = ((u[0] >> 4) & 0x0f0f0f0fu) | (((u[2] >> 4) & 0x03030303u) << 4);
        a3 = ((u[1] >> 4) & 0x0f0f0f0fu) | (((u[2] >> 6) & 0x03030303u) << 4);
        v = _mm_sub_epi8(_mm_set_epi32((int)a3, (int)a2, (int)a1, (int)a0), _mm_set1_epi8(32));
        *mn16 = _mm256_slli_epi16(_mm256_cvtepi8_epi16(v), 2);
        return v;
    }
    v = _mm_loadu_si128((const __m128i *)(const void *)(b + offsetof(tn_block_q6_K, scales)));
    *mn16 = _mm256_slli_epi16(_mm256_cvtepi8_epi16(v), 5);
    return v;
}
static TN__ALWAYS_INLINE void tn__kq_dot_avx2_t(const int t, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const size_t bs = tn__traits[t].type_size;
    const int wide = t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K; /* 8 groups of 32, else 16 of 16 */
    const size_t od = t == TN_TYPE_Q2_K ? offsetof(tn_block_q2_K, d) : t == TN_TYPE_Q3_K ? offsetof(tn_block_q3_K, d) : t == TN_TYPE_Q6_K ? offsetof(tn_block_q6_K, d) : 0;
    const size_t odm = t == TN_TYPE_Q2_K ? offsetof(tn_block_q2_K, dmin) : 2;
    const int64_t nb = n / TN_QK_K;
    /* row c of the 16-group formats takes group 2c in its low half and 2c+1 in its high half; of the 32-group ones group c throughout */
    const __m256i sh0 = wide ? _mm256_set1_epi16(0x0100) : _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3);
    const __m256i step = _mm256_set1_epi8(wide ? 2 : 4);
    __m256 acc = _mm256_setzero_ps(), accm = _mm256_setzero_ps();
    int64_t ib;
    int c;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)(const void *)y[ib].bsums);
        uint16_t dh, dmh;
        __m256i q[4], isum = _mm256_setzero_si256(), lo, hi, sh = sh0;
        __m256i mn16 = _mm256_setzero_si256();
        memcpy(&dh, b + od, 2);
        memcpy(&dmh, b + odm, 2);
        {
            const __m128i v = tn__kq_scales_avx2(t, b, &mn16);
            if (wide) { /* the mins each twice, against the 16 bsums */
                lo = hi = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(v));
                mn16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(v, v));
            } else {
                lo = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(v));
                hi = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_srli_si128(v, 8)));
            }
        }
        TN__UNROLL
        for (c = 0; c < 8; c++) {
            __m256i p;
            if (c % 4 == 0) tn__kq_codes_avx2(t, b, c / 4, q); /* four rows at a time: no spills */
            p = _mm256_maddubs_epi16(q[c % 4], _mm256_loadu_si256((const __m256i *)(const void *)(y[ib].qs + 32 * c)));
            isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_shuffle_epi8(c < 4 ? lo : hi, sh)));
            sh = !wide && c == 3 ? sh0 : _mm256_add_epi8(sh, step);
        }
        {
            const __m256 dd = _mm256_set1_ps(y[ib].d * tn__h2f(dh));
            if (t == TN_TYPE_Q2_K || wide) {
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), dd, acc);
                accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_madd_epi16(bsums, mn16)), _mm256_set1_ps(y[ib].d * tn__h2f(dmh)), accm);
            } else { /* the symmetric formats' offsets, subtracted in integers */
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(isum, _mm256_madd_epi16(bsums, mn16))), dd, acc);
            }
        }
    }
    *s = tn__hsum_ps256(acc) - tn__hsum_ps256(accm);
}
static void tn__vec_dot_q2_K_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx2_t(TN_TYPE_Q2_K, n, s, x, y); }
static void tn__vec_dot_q3_K_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx2_t(TN_TYPE_Q3_K, n, s, x, y); }
static void tn__vec_dot_q4_K_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx2_t(TN_TYPE_Q4_K, n, s, x, y); }
static void tn__vec_dot_q5_K_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx2_t(TN_TYPE_Q5_K, n, s, x, y); }
static void tn__vec_dot_q6_K_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx2_t(TN_TYPE_Q6_K, n, s, x, y); }
/* the lookup formats: 4-bit codes to int8 values by one pshufb over the grid,
   signs (q1_0) by bit tests, 2-bit codes (q2_0) by shifts and blends; signed
   int8 dots per 32 (no value is -128) */
static TN__ALWAYS_INLINE __m256i tn__lut16_avx2(const uint8_t *qs, __m256i tbl) {
    const __m128i q = _mm_loadu_si128((const __m128i *)(const void *)qs), m4 = _mm_set1_epi8(0x0F);
    const __m256i idx = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_and_si128(q, m4)), _mm_and_si128(_mm_srli_epi16(q, 4), m4), 1);
    return _mm256_shuffle_epi8(tbl, idx);
}
/* the 32 int8 values of chunk c of a block, and its float scale */
static TN__ALWAYS_INLINE __m256i tn__lut_chunk_avx2(const int t, const uint8_t *b, int c, __m256i tbl) {
    if (t == TN_TYPE_IQ4_NL) return tn__lut16_avx2(b + 2, tbl);
    if (t == TN_TYPE_MXFP4) return tn__lut16_avx2(b + 1, tbl);
    if (t == TN_TYPE_Q1_0) {
        const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        const __m256i bm = _mm256_set1_epi64x((long long)0x8040201008040201ull);
        uint32_t bits;
        __m256i set;
        memcpy(&bits, b + 2 + 4 * c, 4);
        set = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), sel), bm), bm);
        return _mm256_sub_epi8(_mm256_and_si256(set, _mm256_set1_epi8(2)), _mm256_set1_epi8(1));
    } else { /* q2_0: lane j is byte j/4 shifted by 2 (j % 4) */
        const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7);
        const __m256i k = _mm256_set1_epi32(0x03020100), m3 = _mm256_set1_epi8(3);
        uint64_t bits;
        __m256i r, v;
        memcpy(&bits, b + 2 + 8 * c, 8);
        r = _mm256_shuffle_epi8(_mm256_set1_epi64x((long long)bits), sel);
        v = _mm256_blendv_epi8(r, _mm256_srli_epi16(r, 2), _mm256_cmpeq_epi8(k, _mm256_set1_epi8(1)));
        v = _mm256_blendv_epi8(v, _mm256_srli_epi16(r, 4), _mm256_cmpeq_epi8(k, _mm256_set1_epi8(2)));
        v = _mm256_blendv_epi8(v, _mm256_srli_epi16(r, 6), _mm256_cmpeq_epi8(k, m3));
        return _mm256_sub_epi8(_mm256_and_si256(v, m3), _mm256_set1_epi8(1));
    }
}
static TN__ALWAYS_INLINE void tn__lut_dot_avx2_t(const int t, int64_t n, float *s, const void *vx, const void *vy) {
    const int64_t bk = tn__traits[t].blck_size, nc = bk / 32;
    const size_t bs = tn__traits[t].type_size;
    const int64_t nb = n / bk;
    const __m256i tbl = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(t == TN_TYPE_MXFP4 || t == TN_TYPE_NVFP4 ? tn__kv_fp4 : tn__kv_iq4nl)));
    __m256 acc = _mm256_setzero_ps();
    int64_t ib;
    int c;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        if (t == TN_TYPE_IQ4_XS) {
            const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
            const tn_block_iq4_xs *x = (const tn_block_iq4_xs *)(const void *)b;
            __m256i isum = _mm256_setzero_si256();
            TN__UNROLL
            for (c = 0; c < 8; c++) {
                const int ls = (((x->scales_l[c / 2] >> (4 * (c % 2))) & 0xF) | (((x->scales_h >> (2 * c)) & 3) << 4)) - 32;
                const __m256i v = tn__lut16_avx2(x->qs + 16 * c, tbl), yq = _mm256_loadu_si256((const __m256i *)(const void *)(y->qs + 32 * c));
                const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(yq, yq), _mm256_sign_epi8(v, yq)); /* |y| (128 for -128) x v signed */
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_set1_epi16((short)ls)));
            }
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(tn__h2f(x->d) * y->d), acc);
        } else if (t == TN_TYPE_NVFP4) { /* per 32: two sub-blocks of 16 under their own scales, one per 128-bit half */
            const tn_block_nvfp4 *x = (const tn_block_nvfp4 *)(const void *)b;
            const __m128i m4 = _mm_set1_epi8(0x0F);
            for (c = 0; c < 2; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * 2 + c;
                const __m128i q = _mm_loadu_si128((const __m128i *)(const void *)(x->qs + 16 * c));
                const __m128i lo = _mm_and_si128(q, m4), hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
                const __m256i idx = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi64(lo, hi)), _mm_unpackhi_epi64(lo, hi), 1);
                const __m256i v = _mm256_shuffle_epi8(tbl, idx);
                const __m256i d = tn__dot_s8s8_256(v, _mm256_loadu_si256((const __m256i *)(const void *)y->qs));
                const float dy = tn__h2f(y->d);
                const __m256 sc = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_set1_ps(tn__ue4m3_half(x->d[2 * c]) * dy)), _mm_set1_ps(tn__ue4m3_half(x->d[2 * c + 1]) * dy), 1);
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), sc, acc);
            }
        } else {
            uint16_t h;
            float dx;
            memcpy(&h, b, 2);
            dx = t == TN_TYPE_MXFP4 ? tn__e8m0_half(b[0]) : tn__h2f(h);
            for (c = 0; c < nc; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * nc + c;
                const __m256i v = tn__lut_chunk_avx2(t, b, c, tbl);
                const __m256i d = tn__dot_s8s8_256(v, _mm256_loadu_si256((const __m256i *)(const void *)y->qs));
                acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), _mm256_set1_ps(dx * tn__h2f(y->d)), acc);
            }
        }
    }
    *s = tn__hsum_ps256(acc);
}
static void tn__vec_dot_iq4_nl_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_IQ4_NL, n, s, x, y); }
static void tn__vec_dot_iq4_xs_q8_K_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_IQ4_XS, n, s, x, y); }
static void tn__vec_dot_mxfp4_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_MXFP4, n, s, x, y); }
static void tn__vec_dot_nvfp4_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_NVFP4, n, s, x, y); }
static void tn__vec_dot_q1_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_Q1_0, n, s, x, y); }
static void tn__vec_dot_q2_0_q8_0_avx2(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_avx2_t(TN_TYPE_Q2_0, n, s, x, y); }
/* the grid formats: tn__iq_sums_ref's sums, 32 values (one chunk, read into
   registers) a step. The 4 sign bytes spread to one byte per value (shuffle,
   bit test); a value times q8 is |q8| x (value signed by q8) in maddubs, exact
   for q8 = -128 too; the scales (2 sc + 1) by madd; all in int32, so the same
   sums and, through the same float steps, the same result */
/* four 64-bit values as a vector through registers (set_epi64x may go through
   the stack, and a wide load of narrow stores waits for them) */
static TN__ALWAYS_INLINE __m256i tn__v4x64(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
    const __m128i lo = _mm_insert_epi64(_mm_cvtsi64_si128((long long)a), (long long)b, 1), hi = _mm_insert_epi64(_mm_cvtsi64_si128((long long)c), (long long)d, 1);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}
static TN__ALWAYS_INLINE void tn__iq_dot_avx2_t(const tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const size_t bs = tn__traits[t].type_size;
    const int64_t nb = n / TN_QK_K;
    const int iq1 = t == TN_TYPE_IQ1_S || t == TN_TYPE_IQ1_M;
    const __m256i one = _mm256_set1_epi8(1), bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const uint64_t p1 = 0x0101010101010101ULL;
    float sumf = 0.0f;
    int64_t ib;
    int c;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
        __m256i a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256();
        int32_t s2 = 0;
        for (c = 0; c < 8; c++) {
            tn__iq_chunk k;
            __m256i q, aq, sc, g;
            tn__iq_chunk_get(t, b, c, &k);
            q = _mm256_loadu_si256((const __m256i *)(const void *)(y->qs + 32 * c));
            aq = _mm256_abs_epi8(q);
            sc = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16((short)(2 * k.sc[0] + 1))), _mm_set1_epi16((short)(2 * k.sc[1] + 1)), 1);
            g = tn__v4x64(k.g[0], k.g[1], k.g[2], k.g[3]);
            if (!iq1) {
                const __m256i m = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)k.s4), sel), bit);
                g = _mm256_sign_epi8(g, _mm256_or_si256(_mm256_cmpeq_epi8(m, bit), one));
            }
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(g, q)), sc));
            if (t == TN_TYPE_IQ1_M) { /* the delta sign of each group of 8 */
                const __m256i dv = tn__v4x64(k.dl[0] < 0 ? ~0ull : p1, k.dl[1] < 0 ? ~0ull : p1, k.dl[2] < 0 ? ~0ull : p1, k.dl[3] < 0 ? ~0ull : p1);
                a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(dv, q)), sc));
            }
            if (t == TN_TYPE_IQ1_S) s2 += tn__iq1s_delta(k.sc[0], k.dl[0], y, c);
        }
        if (t == TN_TYPE_IQ1_M) s2 = tn__hsum_epi32_256(a2);
        sumf += tn__iq_dot_block(t, tn__iq_block_d(t, b), y->d, tn__hsum_epi32_256(a1), s2);
    }
    *s = tn__iq_dot_final(t, sumf);
}
TN__IQ_DOTS(avx2)

#if defined(TN__X86_DISPATCH) && defined(__clang__)
#pragma clang attribute pop
#elif defined(TN__X86_DISPATCH)
#pragma GCC pop_options
#endif
#endif /* TN_HAVE_AVX2 */

/* -- AVX-512 (F, BW, VL, DQ, VNNI; VBMI and GFNI unless disabled) -- */
#if defined(TN_HAVE_AVX512)
#if defined(TN__X86_DISPATCH) && defined(__clang__)
#if defined(TN_HAVE_AVX512VBMI) && defined(TN_HAVE_GFNI)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c"))), apply_to = function)
#elif defined(TN_HAVE_AVX512VBMI)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,avx2,fma,f16c"))), apply_to = function)
#elif defined(TN_HAVE_GFNI)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,gfni,avx2,fma,f16c"))), apply_to = function)
#else
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c"))), apply_to = function)
#endif
#elif defined(TN__X86_DISPATCH)
#pragma GCC push_options
#if defined(TN_HAVE_AVX512VBMI) && defined(TN_HAVE_GFNI)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,gfni,avx2,fma,f16c")
#elif defined(TN_HAVE_AVX512VBMI)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,avx2,fma,f16c")
#elif defined(TN_HAVE_GFNI)
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,gfni,avx2,fma,f16c")
#else
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")
#endif
#endif
static __m512i tn__cat256(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
static __m512i tn__dot_u8s8_512(__m512i acc, __m512i u, __m512i s) { return _mm512_dpbusd_epi32(acc, u, s); }
static void tn__vec_dot_f32_f32_avx512(int64_t n, float *s, const void *vx, const void *vy) {
    const float *x = (const float *)vx, *y = (const float *)vy;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    int64_t i = 0;
    float sum;
    for (; i + 64 <= n; i += 64) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(y + i + 16), a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(y + i + 32), a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(y + i + 48), a3);
    }
    for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), a0);
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), a1);
    }
    sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
    *s = sum;
}
static TN__ALWAYS_INLINE __m512 tn__bf16x16_512(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
/* 16 f16 (kind 1) or bf16 (kind 2) values as floats */
static TN__ALWAYS_INLINE __m512 tn__h16x16_512(const int kind, __m256i h) { return kind == 1 ? _mm512_cvtph_ps(h) : tn__bf16x16_512(h); }
/* f16 / bf16 rows against f32: two fma chains, a masked tail into the first */
static TN__ALWAYS_INLINE void tn__vec_dot_16_avx512(const int kind, int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_loadu_si256((const __m256i *)(x + i))), _mm512_loadu_ps(y + i), a0);
        a1 = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_loadu_si256((const __m256i *)(x + i + 16))), _mm512_loadu_ps(y + i + 16), a1);
    }
    for (; i < n; i += 16) {
        __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        a0 = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_maskz_loadu_epi16(m, x + i)), _mm512_maskz_loadu_ps(m, y + i), a0);
    }
    *s = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}
static void tn__vec_dot_f16_f32_avx512(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_16_avx512(1, n, s, vx, vy); }
static void tn__vec_dot_bf16_f32_avx512(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_16_avx512(2, n, s, vx, vy); }
/* Four weight rows (stride rs bytes) against one f32 activation row: each
   activation vector is loaded once for the four rows. Every row is summed
   exactly as its one-row kernel above sums it (the same chains, tails and final
   sums). The four-row kernels prefetch the same place four rows on into L2:
   with four interleaved streams (and rows often shorter than a prefetcher's
   training run) the hardware prefetchers fall behind (f16 16384x8192 streamed
   from 49% to 87% of the measured bandwidth here); a little ahead in the row
   goes to L1. */
static void tn__vec_dot4_f32_f32_avx512(int64_t n, float *s, const void *vx, size_t rs, const void *vy) {
    const float *y = (const float *)vy;
    const float *x[4];
    __m512 a[4][4];
    int64_t i = 0;
    int r, k;
    TN__UNROLL
    for (r = 0; r < 4; r++) {
        x[r] = (const float *)((const char *)vx + (size_t)r * rs);
        TN__UNROLL
        for (k = 0; k < 4; k++) a[r][k] = _mm512_setzero_ps();
    }
    for (; i + 64 <= n; i += 64) {
        __m512 yv[4];
        TN__UNROLL
        for (k = 0; k < 4; k++) yv[k] = _mm512_loadu_ps(y + i + 16 * k);
        TN__UNROLL
        for (r = 0; r < 4; r++) {
            TN__UNROLL
            for (k = 0; k < 4; k++) _mm_prefetch((const char *)(x[r] + i + 16 * k) + 4 * rs, _MM_HINT_T1);
            TN__UNROLL
            for (k = 0; k < 4; k++) a[r][k] = _mm512_fmadd_ps(_mm512_loadu_ps(x[r] + i + 16 * k), yv[k], a[r][k]);
        }
    }
    for (; i + 16 <= n; i += 16) {
        __m512 yv = _mm512_loadu_ps(y + i);
        TN__UNROLL
        for (r = 0; r < 4; r++) a[r][0] = _mm512_fmadd_ps(_mm512_loadu_ps(x[r] + i), yv, a[r][0]);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        __m512 yv = _mm512_maskz_loadu_ps(m, y + i);
        TN__UNROLL
        for (r = 0; r < 4; r++) a[r][1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x[r] + i), yv, a[r][1]);
    }
    TN__UNROLL
    for (r = 0; r < 4; r++) s[r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[r][0], a[r][1]), _mm512_add_ps(a[r][2], a[r][3])));
}
/* f16 (kind 1) or bf16 (kind 2) rows, as tn__vec_dot_16_avx512 */
static TN__ALWAYS_INLINE void tn__vec_dot4_16_avx512(const int kind, int64_t n, float *s, const void *vx, size_t rs, const void *vy) {
    const float *y = (const float *)vy;
    const uint16_t *x[4];
    __m512 a0[4], a1[4];
    int64_t i = 0;
    int r;
    TN__UNROLL
    for (r = 0; r < 4; r++) {
        x[r] = (const uint16_t *)((const char *)vx + (size_t)r * rs);
        a0[r] = a1[r] = _mm512_setzero_ps();
    }
    for (; i + 32 <= n; i += 32) {
        const __m512 y0 = _mm512_loadu_ps(y + i), y1 = _mm512_loadu_ps(y + i + 16);
        TN__UNROLL
        for (r = 0; r < 4; r++) {
            _mm_prefetch((const char *)(x[r] + i) + 4 * rs, _MM_HINT_T1);
            _mm_prefetch((const char *)(x[r] + i) + 256, _MM_HINT_T0);
            a0[r] = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_loadu_si256((const __m256i *)(x[r] + i))), y0, a0[r]);
            a1[r] = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_loadu_si256((const __m256i *)(x[r] + i + 16))), y1, a1[r]);
        }
    }
    for (; i < n; i += 16) {
        __mmask16 m = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        const __m512 yv = _mm512_maskz_loadu_ps(m, y + i);
        TN__UNROLL
        for (r = 0; r < 4; r++) a0[r] = _mm512_fmadd_ps(tn__h16x16_512(kind, _mm256_maskz_loadu_epi16(m, x[r] + i)), yv, a0[r]);
    }
    TN__UNROLL
    for (r = 0; r < 4; r++) s[r] = _mm512_reduce_add_ps(_mm512_add_ps(a0[r], a1[r]));
}
static void tn__vec_dot4_f16_f32_avx512(int64_t n, float *s, const void *vx, size_t rs, const void *vy) { tn__vec_dot4_16_avx512(1, n, s, vx, rs, vy); }
static void tn__vec_dot4_bf16_f32_avx512(int64_t n, float *s, const void *vx, size_t rs, const void *vy) { tn__vec_dot4_16_avx512(2, n, s, vx, rs, vy); }
/* the four 64-weight planes of a TQ2_0 block as codes t+1 (0..2): plane k holds
   bits 2k..2k+1 of each byte, i.e. weights 32k..32k+31 and 128+32k..128+32k+31 */
static TN__ALWAYS_INLINE void tn__2bit_planes_512(__m512i q, __m512i w[4]) {
    const __m512i m3 = _mm512_set1_epi8(3);
    w[0] = _mm512_and_si512(q, m3);
#if defined(TN_HAVE_GFNI)
    /* one GF(2) affine op per plane moves bits 2k, 2k+1 of each byte to bits 0, 1
       and clears the rest (matrix byte 7 - i selects the source of result bit i),
       3 ops instead of 6 shifts and masks: 4096^2 mat-vec 0.27 -> 0.18 ms here */
    w[1] = _mm512_gf2p8affine_epi64_epi8(q, _mm512_set1_epi64((long long)((0x04ULL << 56) | (0x08ULL << 48))), 0);
    w[2] = _mm512_gf2p8affine_epi64_epi8(q, _mm512_set1_epi64((long long)((0x10ULL << 56) | (0x20ULL << 48))), 0);
    w[3] = _mm512_gf2p8affine_epi64_epi8(q, _mm512_set1_epi64((long long)((0x40ULL << 56) | (0x80ULL << 48))), 0);
#else
    w[1] = _mm512_and_si512(_mm512_srli_epi16(q, 2), m3);
    w[2] = _mm512_and_si512(_mm512_srli_epi16(q, 4), m3);
    w[3] = _mm512_and_si512(_mm512_srli_epi16(q, 6), m3);
#endif
}
static TN__ALWAYS_INLINE void tn__tq2_planes_512(const tn_block_tq2_0 *b, __m512i w[4]) {
    tn__2bit_planes_512(_mm512_loadu_si512((const void *)b->qs), w);
}
static void tn__vec_dot_tq2_0_q8_K_avx512(int64_t n, float *s, const void *vx, const void *vy) {
    /* per block: sum(code * q) in four independent int32 chains (dpbusd latency), minus
       the 16 bsums lane by lane, then one fma by d_x * d_w into one float chain (as the
       tiles of tn_mul_mat do, so both give the same bits); one horizontal sum per row */
    const tn_block_tq2_0 *x = (const tn_block_tq2_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    __m512 f0 = _mm512_setzero_ps();
    int64_t ib, nb = n / TN_QK_K;
    for (ib = 0; ib < nb; ib++) {
        const int8_t *yq = y[ib].qs;
        __m512i w[4], a0, a1, a2, a3;
        __m512 d;
        tn__tq2_planes_512(&x[ib], w);
        a0 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)y[ib].bsums)));
        a1 = tn__dot_u8s8_512(_mm512_setzero_si512(), w[1], tn__cat256(_mm256_loadu_si256((const __m256i *)(yq + 32)), _mm256_loadu_si256((const __m256i *)(yq + 160))));
        a2 = tn__dot_u8s8_512(_mm512_setzero_si512(), w[2], tn__cat256(_mm256_loadu_si256((const __m256i *)(yq + 64)), _mm256_loadu_si256((const __m256i *)(yq + 192))));
        a3 = tn__dot_u8s8_512(_mm512_setzero_si512(), w[3], tn__cat256(_mm256_loadu_si256((const __m256i *)(yq + 96)), _mm256_loadu_si256((const __m256i *)(yq + 224))));
        a0 = tn__dot_u8s8_512(a0, w[0], tn__cat256(_mm256_loadu_si256((const __m256i *)yq), _mm256_loadu_si256((const __m256i *)(yq + 128))));
        d = _mm512_set1_ps(y[ib].d * tn__h2f(x[ib].d));
        f0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3))), d, f0);
    }
    *s = _mm512_reduce_add_ps(f0);
}

/* TQ1_0 stores trit n of qs[m] (m < 32) as weight 32n + m, of qs[32 + m] as
   160 + 16n + m, of qh[m] (n < 4) as 240 + 4n + m. Plane n (0..4) is trit n of
   all 52 bytes at once: lanes 0..31, 32..47 and 48..51 (qh; zero for n = 4),
   then 12 zero lanes; the activation planes hold each weight's activation in
   its lane and zeros in the unused ones. */
#if defined(TN_HAVE_AVX512VBMI)
/* 256-byte tables: the codes of trits 0..3 of a byte, 2 bits each (TQ2_0's
   packing), and the code of trit 4 */
static const uint8_t tn__tq1_lut0123[256] = {
    0, 0, 0, 0, 64, 64, 64, 128, 128, 128, 16, 16, 16, 80, 80, 80, 144, 144, 144, 32, 32, 32, 32, 96, 96, 96, 160, 160, 160, 4, 4, 4,
    68, 68, 68, 132, 132, 132, 20, 20, 20, 20, 84, 84, 84, 148, 148, 148, 36, 36, 36, 100, 100, 100, 164, 164, 164, 8, 8, 8, 8, 72, 72, 72,
    136, 136, 136, 24, 24, 24, 88, 88, 88, 152, 152, 152, 40, 40, 40, 40, 104, 104, 104, 168, 168, 168, 1, 1, 1, 65, 65, 65, 129, 129, 129, 17,
    17, 17, 81, 81, 81, 81, 145, 145, 145, 33, 33, 33, 97, 97, 97, 161, 161, 161, 5, 5, 5, 69, 69, 69, 69, 133, 133, 133, 21, 21, 21, 85,
    85, 85, 149, 149, 149, 37, 37, 37, 101, 101, 101, 101, 165, 165, 165, 9, 9, 9, 73, 73, 73, 137, 137, 137, 25, 25, 25, 89, 89, 89, 89, 153,
    153, 153, 41, 41, 41, 105, 105, 105, 169, 169, 169, 2, 2, 2, 66, 66, 66, 130, 130, 130, 130, 18, 18, 18, 82, 82, 82, 146, 146, 146, 34, 34,
    34, 98, 98, 98, 162, 162, 162, 162, 6, 6, 6, 70, 70, 70, 134, 134, 134, 22, 22, 22, 86, 86, 86, 150, 150, 150, 150, 38, 38, 38, 102, 102,
    102, 166, 166, 166, 10, 10, 10, 74, 74, 74, 138, 138, 138, 138, 26, 26, 26, 90, 90, 90, 154, 154, 154, 42, 42, 42, 106, 106, 106, 170, 170, 170,
};
static const uint8_t tn__tq1_lut4[256] = {
    0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
    0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 0, 1, 2,
    0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
    1, 2, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 0, 1, 2, 0, 1, 2, 0,
    1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 0,
    1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1,
    2, 0, 1, 2, 0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 0, 1, 2, 0, 1,
    2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
};
static TN__ALWAYS_INLINE __m512i tn__lut256_512(const uint8_t *t, __m512i q, __mmask64 hi) {
    __m512i lo = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)t), q, _mm512_loadu_si512((const void *)(t + 64)));
    __m512i up = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)(t + 128)), q, _mm512_loadu_si512((const void *)(t + 192)));
    return _mm512_mask_blend_epi8(hi, lo, up);
}
#else
static __m512i tn__tq1_trits_512(__m512i b, __m512i m) {
    const __m512i lo8 = _mm512_set1_epi16(0x00FF), k3 = _mm512_set1_epi16(3 << 8);
    __m512i pe = _mm512_and_si512(_mm512_mullo_epi16(_mm512_and_si512(b, lo8), _mm512_and_si512(m, lo8)), lo8);
    __m512i po = _mm512_and_si512(_mm512_mullo_epi16(_mm512_srli_epi16(b, 8), _mm512_srli_epi16(m, 8)), lo8);
    pe = _mm512_mulhi_epu16(pe, k3);
    po = _mm512_mulhi_epu16(po, k3);
    return _mm512_or_si512(pe, _mm512_slli_epi16(po, 8));
}
#endif
static TN__ALWAYS_INLINE void tn__tq1_planes_512(const tn_block_tq1_0 *b, __m512i w[5]) {
    const __m512i q = _mm512_maskz_loadu_epi8((__mmask64)0x000FFFFFFFFFFFFFULL, (const void *)b->qs); /* qs, qh */
#if defined(TN_HAVE_AVX512VBMI)
    /* two 128-entry permutes and a blend per 256-entry lookup: 4 trits' codes in
       one byte, split like TQ2_0 */
    const __mmask64 hi = _mm512_movepi8_mask(q);
    tn__2bit_planes_512(tn__lut256_512(tn__tq1_lut0123, q, hi), w);
    w[4] = tn__lut256_512(tn__tq1_lut4, q, hi);
#else
    int n;
    for (n = 0; n < 5; n++) w[n] = tn__tq1_trits_512(q, _mm512_set1_epi8((char)tn__pow3[n]));
#endif
}
/* the activation plane n of a Q8_K block for tn__tq1_planes_512 */
static TN__ALWAYS_INLINE __m512i tn__q8k_tq1_plane_512(const int8_t *yq, int n) {
    __m128i t = _mm_setzero_si128();
    if (n < 4) {
        int v;
        memcpy(&v, yq + 240 + 4 * n, 4);
        t = _mm_cvtsi32_si128(v);
    }
    __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(yq + 160 + 16 * n))), t, 1);
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(yq + 32 * n))), hi, 1);
}
static void tn__vec_dot_tq1_0_q8_K_avx512(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_tq1_0 *x = (const tn_block_tq1_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    __m512 accf = _mm512_setzero_ps();
    for (ib = 0; ib < nb; ib++) {
        const int8_t *yq = y[ib].qs;
        __m512i w[5], a0, a1;
        int k;
        tn__tq1_planes_512(&x[ib], w);
        a0 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)y[ib].bsums)));
        a1 = tn__dot_u8s8_512(_mm512_setzero_si512(), w[4], tn__q8k_tq1_plane_512(yq, 4));
        for (k = 0; k < 4; k++) a0 = tn__dot_u8s8_512(a0, w[k], tn__q8k_tq1_plane_512(yq, k));
        accf = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a0, a1)), _mm512_set1_ps(y[ib].d * tn__h2f(x[ib].d)), accf);
    }
    *s = _mm512_reduce_add_ps(accf);
}
#if defined(TN_HAVE_AVX512VBMI)
/* T2 (the seed packing): value 4j + k in bits 2k of byte j, codes 00, 01, 10 for
   0, +1, -1 (11 reads as 0). Plane k is bits 2k of all 64 bytes, so lane j holds
   weight 4j + k: a 64-entry permute of each byte (which only reads its low 6
   bits) maps the field straight to t + 1; plane 3 is shifted down first. The
   activation planes are the matching stride-4 gathers. */
static const uint8_t tn__t2_lut[3][64] = {
    {
        1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1,
        1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1, 1, 2, 0, 1,
    },
    {
        1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1,
        1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1,
    },
    {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    }
};
static TN__ALWAYS_INLINE void tn__t2_planes_512(const uint8_t *b, __m512i w[4]) {
    const __m512i q = _mm512_loadu_si512((const void *)b), t0 = _mm512_loadu_si512((const void *)tn__t2_lut[0]);
    w[0] = _mm512_permutexvar_epi8(q, t0);
    w[1] = _mm512_permutexvar_epi8(q, _mm512_loadu_si512((const void *)tn__t2_lut[1]));
    w[2] = _mm512_permutexvar_epi8(q, _mm512_loadu_si512((const void *)tn__t2_lut[2]));
    w[3] = _mm512_permutexvar_epi8(_mm512_srli_epi16(q, 6), t0);
}
/* activation plane k of a Q8_K block: byte j is qs[4j + k] */
static TN__ALWAYS_INLINE __m512i tn__q8k_t2_plane_512(const int8_t *yq, int k) {
    const __m512i idx = _mm512_add_epi8(_mm512_set_epi8(124, 120, 116, 112, 108, 104, 100, 96, 92, 88, 84, 80, 76, 72, 68, 64, 60, 56, 52, 48, 44, 40, 36, 32, 28, 24, 20, 16, 12, 8, 4, 0,
                                                        124, 120, 116, 112, 108, 104, 100, 96, 92, 88, 84, 80, 76, 72, 68, 64, 60, 56, 52, 48, 44, 40, 36, 32, 28, 24, 20, 16, 12, 8, 4, 0),
                                        _mm512_set1_epi8((char)k));
    __m512i lo = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)yq), idx, _mm512_loadu_si512((const void *)(yq + 64)));
    __m512i hi = _mm512_permutex2var_epi8(_mm512_loadu_si512((const void *)(yq + 128)), idx, _mm512_loadu_si512((const void *)(yq + 192)));
    return _mm512_mask_blend_epi8((__mmask64)0xFFFFFFFF00000000ULL, lo, hi);
}
static void tn__vec_dot_t2_q8_K_avx512(int64_t n, float *s, const void *vx, const void *vy) {
    const uint8_t *x = (const uint8_t *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    int k;
    __m512 accf = _mm512_setzero_ps();
    for (ib = 0; ib < nb; ib++, x += TN_QK_K / 4) {
        __m512i w[4], a0, a1;
        tn__t2_planes_512(x, w);
        a0 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_cvtepi16_epi32(_mm256_loadu_si256((const __m256i *)y[ib].bsums)));
        a1 = _mm512_setzero_si512();
        for (k = 0; k < 4; k += 2) {
            a0 = tn__dot_u8s8_512(a0, w[k], tn__q8k_t2_plane_512(y[ib].qs, k));
            a1 = tn__dot_u8s8_512(a1, w[k + 1], tn__q8k_t2_plane_512(y[ib].qs, k + 1));
        }
        accf = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a0, a1)), _mm512_set1_ps(y[ib].d), accf);
    }
    *s = _mm512_reduce_add_ps(accf);
}
#endif
/* R weight rows (stride rs bytes, TQ2_0 when kind is 1, TQ1_0 when 2, T2 when 3)
   times C activation rows in tn__q8k_tile (TQ2_0, T2) or tn__q8k_tile5 (TQ1_0)
   blocks (stride ys bytes) into s[r * C + c]. Each weight block is unpacked once for
   all C columns and each activation vector loaded once for all R rows. Every
   (row, column) is computed exactly as the one-row kernel does (exact int32
   sums, one fma chain, the same scale product), so any tiling gives the same
   bits. kind, R and C are constants at every call site; the loops unroll into
   registers. */
static TN__ALWAYS_INLINE void tn__tern_tile_avx512(const int kind, const int R, const int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) {
    const int64_t bsz = kind == 1 ? (int64_t)sizeof(tn_block_tq2_0) : kind == 2 ? (int64_t)sizeof(tn_block_tq1_0) : (int64_t)sizeof(tn_block_t2);
    __m512 f[4][8];
    int64_t ib;
    int r, c;
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (c = 0; c < C; c++) f[r][c] = _mm512_setzero_ps();
    }
    const int np = kind == 2 ? 5 : 4; /* planes per block */
    const size_t ysz = kind == 2 ? sizeof(tn__q8k_tile5) : sizeof(tn__q8k_tile);
    for (ib = 0; ib < nb; ib++) {
        __m512i wv[4][5];
        float dw[4];
        /* rows are short: pull the next R rows in linearly, or memory-bound runs
           lose the hardware prefetcher to R short interleaved streams */
        const char *pf = (const char *)(w + (size_t)R * rs) + ib * R * bsz;
        TN__UNROLL
        for (r = 0; r < R; r++) {
            _mm_prefetch(pf + 64 * r, _MM_HINT_T0);
            _mm_prefetch(pf + 64 * r + 64, _MM_HINT_T0);
        }
        TN__UNROLL
        for (r = 0; r < R; r++) {
            if (kind == 1) {
                const tn_block_tq2_0 *b = (const tn_block_tq2_0 *)(w + (size_t)r * rs) + ib;
                tn__tq2_planes_512(b, wv[r]);
                dw[r] = tn__h2f(b->d);
            } else if (kind == 2) {
                const tn_block_tq1_0 *b = (const tn_block_tq1_0 *)(w + (size_t)r * rs) + ib;
                tn__tq1_planes_512(b, wv[r]);
                dw[r] = tn__h2f(b->d);
            } else {
#if defined(TN_HAVE_AVX512VBMI)
                tn__t2_planes_512(w + (size_t)r * rs + (size_t)ib * sizeof(tn_block_t2), wv[r]);
#endif
                dw[r] = 1.0f; /* the tensor scale is applied by the caller */
            }
        }
        TN__UNROLL
        for (c = 0; c < C; c++) {
            const int8_t *yb = (const int8_t *)(y + (size_t)c * ys + (size_t)ib * ysz);
            __m512i yv[5], nbs;
            float yd;
            int k;
            TN__UNROLL
            for (k = 0; k < np; k++) yv[k] = _mm512_load_si512((const void *)(yb + 64 * k));
            nbs = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_cvtepi16_epi32(_mm256_load_si256((const __m256i *)(yb + 64 * np))));
            memcpy(&yd, yb + 64 * np + 32, sizeof(float));
            TN__UNROLL
            for (r = 0; r < R; r++) {
                __m512i acc = nbs;
                TN__UNROLL
                for (k = 0; k < np; k++) acc = tn__dot_u8s8_512(acc, wv[r][k], yv[k]);
                f[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), _mm512_set1_ps(yd * dw[r]), f[r][c]);
            }
        }
    }
    TN__UNROLL
    for (r = 0; r < R; r++) {
        TN__UNROLL
        for (c = 0; c < C; c++) s[r * C + c] = _mm512_reduce_add_ps(f[r][c]);
    }
}
/* the instances the matrix product uses: R x C in {4x1, 2x8, 2x4, 2x2, 2x1, 1x8, 1x4, 1x2, 1x1} */
/* one function per (kind, R, C): each is a small optimization unit (one function
   holding all 27 inlined bodies took clang with UBSan 25 s to compile) */
#define TN__TILE_FN(K, R, C) \
    static TN__NOINLINE void tn__tern_tile_##K##_##R##x##C(int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) { \
        tn__tern_tile_avx512(K, R, C, nb, w, rs, y, ys, s); }
#define TN__TILE_FNS(K) TN__TILE_FN(K, 4, 1) TN__TILE_FN(K, 2, 8) TN__TILE_FN(K, 2, 4) TN__TILE_FN(K, 2, 2) TN__TILE_FN(K, 2, 1) \
    TN__TILE_FN(K, 1, 8) TN__TILE_FN(K, 1, 4) TN__TILE_FN(K, 1, 2) TN__TILE_FN(K, 1, 1)
#define TN__TILE_CASES(K)                                                                      \
    case 4 * 16 + 1: tn__tern_tile_##K##_4x1(nb, w, rs, y, ys, s); break;                      \
    case 2 * 16 + 8: tn__tern_tile_##K##_2x8(nb, w, rs, y, ys, s); break;                      \
    case 2 * 16 + 4: tn__tern_tile_##K##_2x4(nb, w, rs, y, ys, s); break;                      \
    case 2 * 16 + 2: tn__tern_tile_##K##_2x2(nb, w, rs, y, ys, s); break;                      \
    case 2 * 16 + 1: tn__tern_tile_##K##_2x1(nb, w, rs, y, ys, s); break;                      \
    case 1 * 16 + 8: tn__tern_tile_##K##_1x8(nb, w, rs, y, ys, s); break;                      \
    case 1 * 16 + 4: tn__tern_tile_##K##_1x4(nb, w, rs, y, ys, s); break;                      \
    case 1 * 16 + 2: tn__tern_tile_##K##_1x2(nb, w, rs, y, ys, s); break;                      \
    default: TN_ASSERT(R == 1 && C == 1); tn__tern_tile_##K##_1x1(nb, w, rs, y, ys, s); break;
TN__TILE_FNS(1)
TN__TILE_FNS(2)
#if defined(TN_HAVE_AVX512VBMI) /* T2 tiles need VBMI; the table offers them only then */
TN__TILE_FNS(3)
#endif
static void tn__tern_tile(int kind, int R, int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s) {
    if (kind == 1) {
        switch (R * 16 + C) { TN__TILE_CASES(1) }
    } else if (kind == 2) {
        switch (R * 16 + C) { TN__TILE_CASES(2) }
    } else {
#if defined(TN_HAVE_AVX512VBMI)
        switch (R * 16 + C) { TN__TILE_CASES(3) }
#else
        tn__tern_tile_avx2_any(kind, R, C, nb, w, rs, y, ys, s); /* without VBMI: the AVX2 dot and tiles */
#endif
    }
}
#undef TN__TILE_CASES
#undef TN__TILE_FNS
#undef TN__TILE_FN
/* -- the 32-element block formats (TN__B32_*) against Q8_0, two blocks (64 weights)
   per step. Unsigned codes (4- and 5-bit)
   go straight into vpdpbusd: the zero point (8, 16) comes off as k * sum(y) through
   the accumulator's start value, the minimum m as m * sum(y) in float. Signed Q8
   codes take the abs/sign trick. */
/* the 64 weight codes of blocks b and b + size in Q8_0 order; 128-bit lanes hold
   b's low nibbles, its high nibbles, then the next block's */
static TN__ALWAYS_INLINE __m512i tn__b32_pair_512(const int kind, const uint8_t *b) {
    const int sz = TN__B32_SIZE(kind), qs = TN__B32_QS(kind);
    __m512i q;
    if (kind >= 4) return tn__cat256(_mm256_loadu_si256((const __m256i *)(b + qs)), _mm256_loadu_si256((const __m256i *)(b + sz + qs)));
#if defined(TN_HAVE_AVX512VBMI)
    {   /* both blocks (2 * sz <= 48 bytes, a masked load: never past them) spread by one vpermb,
           then vpmultishiftqb takes each lane's nibble: bit offset 8i, or 8i + 4 for the high ones */
        const __m512i raw = _mm512_maskz_loadu_epi8((__mmask64)((1ull << (2 * sz)) - 1), b);
        const __m512i idx = _mm512_add_epi8(_mm512_set_epi32(0x0F0E0D0C, 0x0B0A0908, 0x07060504, 0x03020100, 0x0F0E0D0C, 0x0B0A0908, 0x07060504, 0x03020100,
                                                             0x0F0E0D0C, 0x0B0A0908, 0x07060504, 0x03020100, 0x0F0E0D0C, 0x0B0A0908, 0x07060504, 0x03020100),
                                            _mm512_set_epi32((sz + qs) * 0x01010101, (sz + qs) * 0x01010101, (sz + qs) * 0x01010101, (sz + qs) * 0x01010101,
                                                             (sz + qs) * 0x01010101, (sz + qs) * 0x01010101, (sz + qs) * 0x01010101, (sz + qs) * 0x01010101,
                                                             qs * 0x01010101, qs * 0x01010101, qs * 0x01010101, qs * 0x01010101,
                                                             qs * 0x01010101, qs * 0x01010101, qs * 0x01010101, qs * 0x01010101));
        const __m512i sh = _mm512_set_epi64(0x3C342C241C140C04ll, 0x3C342C241C140C04ll, 0x3830282018100800ll, 0x3830282018100800ll,
                                            0x3C342C241C140C04ll, 0x3C342C241C140C04ll, 0x3830282018100800ll, 0x3830282018100800ll);
        q = _mm512_and_si512(_mm512_multishift_epi64_epi8(sh, _mm512_permutexvar_epi8(idx, raw)), _mm512_set1_epi8(0x0F));
    }
#else
    {
        const __m128i q0 = _mm_loadu_si128((const __m128i *)(b + qs)), q1 = _mm_loadu_si128((const __m128i *)(b + sz + qs));
        q = _mm512_inserti32x4(_mm512_castsi128_si512(q0), q0, 1);
        q = _mm512_inserti32x4(_mm512_inserti32x4(q, q1, 2), q1, 3);
        q = _mm512_and_si512(_mm512_mask_mov_epi64(q, (__mmask8)0xCC, _mm512_srli_epi16(q, 4)), _mm512_set1_epi8(0x0F));
    }
#endif
    if (kind == 2 || kind == 3) { /* fifth bits: bit j of qh is element j, the byte it lands in */
        const int qh = kind == 2 ? (int)offsetof(tn_block_q5_0, qh) : (int)offsetof(tn_block_q5_1, qh);
        uint32_t h0, h1; /* x86 is little-endian: plain loads */
        __mmask64 hb;
        memcpy(&h0, b + qh, 4);
        memcpy(&h1, b + sz + qh, 4);
        hb = _cvtu64_mask64((uint64_t)h0 | (uint64_t)h1 << 32);
        q = _mm512_mask_add_epi8(q, hb, q, _mm512_set1_epi8(16));
    }
    return q;
}
/* the f16 at p and the one sz bytes on, as one 32-bit word */
static TN__ALWAYS_INLINE uint32_t tn__b32_h2(const uint8_t *p, int sz) {
    uint16_t a, b;
    memcpy(&a, p, 2);
    memcpy(&b, p + sz, 2);
    return (uint32_t)a | (uint32_t)b << 16;
}
static TN__ALWAYS_INLINE float tn__b32_h(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return tn__h2f(h); }
/* (a0 in lanes 0..7, a1 in lanes 8..15) */
static TN__ALWAYS_INLINE __m512 tn__set2_ps(float a0, float a1) {
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_set1_ps(a0)), _mm256_set1_ps(a1), 1);
}
static void tn__b32_tail_avx2(int kind, int64_t nb, float *s, const uint8_t *x, const tn_block_q8_0 *y) {
    switch (kind) {
    case 0: tn__vec_dot_q4_0_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    case 1: tn__vec_dot_q4_1_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    case 2: tn__vec_dot_q5_0_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    case 3: tn__vec_dot_q5_1_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    case 4: tn__vec_dot_q8_0_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    default: tn__vec_dot_q8_1_q8_0_avx2(TN_QK8_0 * nb, s, x, y); break;
    }
}
/* one pair of blocks (ib, ib + 1) for R rows, the activations, their sums and
   scales loaded once for all rows: d8 / m8 hold the scale products (row r, or
   pair j0 of one row's group, at lanes 2j and 2j + 1), or are unused when scalar
   (R = 1, pairs after the last group of eight blocks) */
static TN__ALWAYS_INLINE void tn__b32_step_512(const int kind, const int R, size_t rs, const uint8_t *const *x, const tn_block_q8_0 *y, int64_t ib,
                                               int scalar, int j0, __m512 d8, __m512 m8, __m512 *acc) {
    const int sz = TN__B32_SIZE(kind);
    const __m512i qy = tn__cat256(_mm256_loadu_si256((const __m256i *)y[ib].qs), _mm256_loadu_si256((const __m256i *)y[ib + 1].qs));
    /* zero point times sum(y), negated, as the dot's start (kinds 0, 2); sum(y) for the minimum (1, 3) */
    const __m512i base = kind == 0 || kind == 2 ? _mm512_sub_epi32(_mm512_setzero_si512(), tn__dot_u8s8_512(_mm512_setzero_si512(), _mm512_set1_epi8(kind == 0 ? 8 : 16), qy))
                                               : _mm512_setzero_si512();
    const __m512 sy = TN__B32_MIN(kind) ? _mm512_cvtepi32_ps(tn__dot_u8s8_512(_mm512_setzero_si512(), _mm512_set1_epi8(1), qy)) : _mm512_setzero_ps();
    int r;
    TN__UNROLL
    for (r = 0; r < R; r++) {
        const uint8_t *b = x[r] + (size_t)ib * sz;
        const int j = 2 * (R == 4 ? r : j0);
        const __m512i w = tn__b32_pair_512(kind, b);
        const __m512i sel = _mm512_set_epi32(j + 1, j + 1, j + 1, j + 1, j + 1, j + 1, j + 1, j + 1, j, j, j, j, j, j, j, j);
        __m512i p;
        if (R > 1) { /* the next four rows into L2 (short rows end before a stream prefetcher has learnt
                        them), and this row a little ahead into L1 */
            _mm_prefetch((const char *)b + 4 * rs, _MM_HINT_T1);
            _mm_prefetch((const char *)b + 256, _MM_HINT_T0);
        }
        if (kind >= 4) p = tn__dot_u8s8_512(base, _mm512_abs_epi8(w), _mm512_mask_sub_epi8(qy, _mm512_movepi8_mask(w), _mm512_setzero_si512(), qy));
        else p = tn__dot_u8s8_512(base, w, qy);
        if (scalar) {
            const float dy0 = tn__h2f(y[ib].d), dy1 = tn__h2f(y[ib + 1].d);
            d8 = tn__set2_ps(tn__b32_h(b) * dy0, tn__b32_h(b + sz) * dy1);
            if (TN__B32_MIN(kind)) m8 = tn__set2_ps(tn__b32_h(b + 2) * dy0, tn__b32_h(b + sz + 2) * dy1);
        }
        acc[r] = _mm512_fmadd_ps(scalar ? d8 : _mm512_permutexvar_ps(sel, d8), _mm512_cvtepi32_ps(p), acc[r]);
        if (TN__B32_MIN(kind)) acc[r] = _mm512_fmadd_ps(scalar ? m8 : _mm512_permutexvar_ps(sel, m8), sy, acc[r]);
    }
}
/* eight f16 as floats: at p0, p0 + sz, p1, p1 + sz, ..., p3 + sz */
static TN__ALWAYS_INLINE __m256 tn__h8_ps(const uint8_t *p0, const uint8_t *p1, const uint8_t *p2, const uint8_t *p3, int sz) {
    return _mm256_cvtph_ps(_mm_set_epi32((int)tn__b32_h2(p3, sz), (int)tn__b32_h2(p2, sz), (int)tn__b32_h2(p1, sz), (int)tn__b32_h2(p0, sz)));
}
/* R (1 or 4) rows of kind, rs bytes apart, against one Q8_0 row. Scales are
   converted eight at a time: four rows' two blocks, or one row's eight. Every
   row is summed exactly as the one-row kernel sums it (the same products, the
   same fma order), so both give the same bits. */
static TN__ALWAYS_INLINE void tn__b32_dot_avx512(const int kind, const int R, int64_t n, float *s, const void *vx, size_t rs, const void *vy) {
    const int sz = TN__B32_SIZE(kind), ys = (int)sizeof(tn_block_q8_0);
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    const uint8_t *x[4];
    const int G = R == 4 ? 2 : 8; /* blocks per scale vector */
    int64_t ib = 0, nb = n / TN_QK8_0;
    __m512 acc[4];
    int r, g;
    TN__UNROLL
    for (r = 0; r < R; r++) {
        x[r] = (const uint8_t *)vx + (size_t)r * rs;
        acc[r] = _mm512_setzero_ps();
    }
    for (; ib + G <= nb; ib += G) {
        const uint8_t *yd = (const uint8_t *)&y[ib].d;
        __m512 d8, m8 = _mm512_setzero_ps();
        if (R == 4) {
            const uint8_t *b0 = x[0] + (size_t)ib * sz, *b1 = x[1] + (size_t)ib * sz, *b2 = x[2] + (size_t)ib * sz, *b3 = x[3] + (size_t)ib * sz;
            const __m256 dy = _mm256_cvtph_ps(_mm_set1_epi32((int)tn__b32_h2(yd, ys)));
            d8 = _mm512_castps256_ps512(_mm256_mul_ps(dy, tn__h8_ps(b0, b1, b2, b3, sz)));
            if (TN__B32_MIN(kind)) m8 = _mm512_castps256_ps512(_mm256_mul_ps(dy, tn__h8_ps(b0 + 2, b1 + 2, b2 + 2, b3 + 2, sz)));
        } else {
            const uint8_t *b = x[0] + (size_t)ib * sz;
            const __m256 dy = tn__h8_ps(yd, yd + 2 * ys, yd + 4 * ys, yd + 6 * ys, ys);
            d8 = _mm512_castps256_ps512(_mm256_mul_ps(dy, tn__h8_ps(b, b + 2 * sz, b + 4 * sz, b + 6 * sz, sz)));
            if (TN__B32_MIN(kind)) m8 = _mm512_castps256_ps512(_mm256_mul_ps(dy, tn__h8_ps(b + 2, b + 2 + 2 * sz, b + 2 + 4 * sz, b + 2 + 6 * sz, sz)));
        }
        TN__UNROLL
        for (g = 0; g < G / 2; g++) tn__b32_step_512(kind, R, rs, x, y, ib + 2 * g, 0, g, d8, m8, acc);
    }
    for (; ib + 2 <= nb; ib += 2) tn__b32_step_512(kind, R, rs, x, y, ib, 1, 0, _mm512_setzero_ps(), _mm512_setzero_ps(), acc);
    TN__UNROLL
    for (r = 0; r < R; r++) {
        s[r] = _mm512_reduce_add_ps(acc[r]);
        if (ib < nb) {
            float t;
            tn__b32_tail_avx2(kind, nb - ib, &t, x[r] + (size_t)ib * sz, y + ib);
            s[r] += t;
        }
    }
}
static void tn__vec_dot_q8_K_q8_K_avx512(int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *x = (const tn_block_q8_K *)vx, *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    __m512 acc = _mm512_setzero_ps();
    int k;
    for (ib = 0; ib < nb; ib++) {
        __m512i p = _mm512_setzero_si512();
        TN__UNROLL
        for (k = 0; k < 4; k++) {
            const __m512i qx = _mm512_loadu_si512((const void *)(x[ib].qs + 64 * k)), qy = _mm512_loadu_si512((const void *)(y[ib].qs + 64 * k));
            p = tn__dot_u8s8_512(p, _mm512_abs_epi8(qx), _mm512_mask_sub_epi8(qy, _mm512_movepi8_mask(qx), _mm512_setzero_si512(), qy));
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(x[ib].d * y[ib].d), _mm512_cvtepi32_ps(p), acc);
    }
    *s = _mm512_reduce_add_ps(acc);
}
#define TN__B32_KERNELS(name, kind) \
    static void tn__vec_dot_##name##_q8_0_avx512(int64_t n, float *s, const void *vx, const void *vy) { tn__b32_dot_avx512(kind, 1, n, s, vx, 0, vy); } \
    static void tn__vec_dot4_##name##_q8_0_avx512(int64_t n, float *s, const void *vx, size_t rs, const void *vy) { tn__b32_dot_avx512(kind, 4, n, s, vx, rs, vy); }
TN__B32_KERNELS(q4_0, 0)
TN__B32_KERNELS(q4_1, 1)
TN__B32_KERNELS(q5_0, 2)
TN__B32_KERNELS(q5_1, 3)
TN__B32_KERNELS(q8_0, 4)
TN__B32_KERNELS(q8_1, 5)
#undef TN__B32_KERNELS

/* quantizers, BitNet passes, training and row kernels (each the same bits as its _ref) */
static void tn__quantize_row_q8_K_avx512(const float *x, tn_block_q8_K *y, int64_t k) {
    int64_t i, nb = k / TN_QK_K;
    int g;
    for (i = 0; i < nb; i++, x += TN_QK_K) {
        __m512 vmax = _mm512_setzero_ps(), va;
        float amax, max = 0.0f, iscale;
        for (g = 0; g < TN_QK_K / 16; g++) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + 16 * g)));
        amax = _mm512_reduce_max_ps(vmax);
        if (amax == 0.0f) {
            memset(&y[i], 0, sizeof(y[i]));
            continue;
        }
        va = _mm512_set1_ps(amax);
        for (g = 0; g < TN_QK_K / 16; g++) {
            __mmask16 m = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(x + 16 * g)), va, _CMP_EQ_OQ);
            if (m) {
                int j = 0;
                while (!((m >> j) & 1)) j++;
                max = x[16 * g + j];
                break;
            }
        }
        iscale = -127.0f / max;
        if (!(fabsf(iscale) <= FLT_MAX)) {
            tn_quantize_row_q8_K_ref(x, &y[i], TN_QK_K);
            continue;
        }
        va = _mm512_set1_ps(iscale);
        for (g = 0; g < TN_QK_K / 16; g++) {
            __m512i v = _mm512_cvt_roundps_epi32(_mm512_mul_ps(va, _mm512_loadu_ps(x + 16 * g)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            v = _mm512_min_epi32(v, _mm512_set1_epi32(127));
            _mm_storeu_si128((__m128i *)(y[i].qs + 16 * g), _mm512_cvtepi32_epi8(v));
            y[i].bsums[g] = (int16_t)_mm512_reduce_add_epi32(v);
        }
        y[i].d = 1.0f / iscale;
    }
}

static double tn__abssum_avx512(const float *x, int64_t n) { /* tn__abssum_ref's eight partial sums in the lanes */
    double a[8];
    int64_t i = 0;
    int k;
    __m512d acc = _mm512_setzero_pd();
    for (; i + 8 <= n; i += 8) acc = _mm512_add_pd(acc, _mm512_abs_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i))));
    _mm512_storeu_pd(a, acc);
    for (k = 0; i < n; i++, k++) a[k] += fabs((double)x[i]);
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

static float tn__absmax_avx512(const float *x, int64_t n) {
    float amax = 0.0f;
    int64_t i = 0;
    const __m512 inf = _mm512_set1_ps(INFINITY);
    __m512 m = _mm512_setzero_ps();
    __mmask16 bad = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 a = _mm512_abs_ps(_mm512_loadu_ps(x + i));
        bad |= _mm512_cmp_ps_mask(a, inf, _CMP_NLT_UQ);
        m = _mm512_max_ps(m, a);
    }
    if (bad) return -1.0f;
    amax = _mm512_reduce_max_ps(m);
    {   /* the rest as the reference does it */
        const float t2 = tn__absmax_ref(x + i, n - i);
        return t2 < 0.0f ? -1.0f : TN__MAX(amax, t2);
    }
}

static void tn__quant_pass_avx512(const float *x, int64_t n, float mul, float lim, float lo, float hi, float scale, float *y, int8_t *q) {
    int64_t i = 0;
    const __m512 vm = _mm512_set1_ps(mul), vl = _mm512_set1_ps(lim), vnl = _mm512_set1_ps(-lim);
    const __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi), vs = _mm512_set1_ps(scale);
    for (; i < n; i += 16) {
        __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, x + i), vm), vnl), vl);
        v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        v = _mm512_add_ps(_mm512_min_ps(_mm512_max_ps(v, vlo), vhi), _mm512_setzero_ps()); /* -0 -> +0, as (float)(int) gives */
        if (y) _mm512_mask_storeu_ps(y + i, k, _mm512_mul_ps(v, vs));
        if (q) _mm_mask_storeu_epi8(q + i, k, _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v)));
    }
    if (i < n) tn__quant_pass_ref(x + i, n - i, mul, lim, lo, hi, scale, y ? y + i : NULL, q ? q + i : NULL);
}

static void tn__vacc_avx512(float *dst, const float *src, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(src + i)));
    for (; i < n; i++) dst[i] += src[i];
}
static TN__ALWAYS_INLINE void tn__tf32_tile_avx512(const uint8_t *w, size_t rs, const int R, const float *x, size_t ldx, const int C, int64_t n, float *out) {
    const __m512i sh = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), three = _mm512_set1_epi32(3);
    const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2), sign = _mm512_set1_epi32((int)0x80000000u);
    __m512 acc[4];
    __mmask16 nz[4], ng[4];
    float L[16];
    int64_t k = 0;
    int r, c;
    for (r = 0; r < R * C; r++) acc[r] = _mm512_setzero_ps();
    for (; k + 16 <= n; k += 16) {
        for (r = 0; r < R; r++) {
            const __m512i cd = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32((int)tn__le32(w + (size_t)r * rs + k / 4)), sh), three);
            ng[r] = _mm512_cmpeq_epi32_mask(cd, two);
            nz[r] = (__mmask16)(_mm512_cmpeq_epi32_mask(cd, one) | ng[r]);
        }
        for (c = 0; c < C; c++) {
            const __m512i xv = _mm512_castps_si512(_mm512_loadu_ps(x + (size_t)c * ldx + k));
            for (r = 0; r < R; r++) /* x, -x (the sign flipped) or +0 */
                acc[r * C + c] = _mm512_add_ps(acc[r * C + c], _mm512_castsi512_ps(_mm512_mask_xor_epi32(_mm512_maskz_mov_epi32(nz[r], xv), ng[r], xv, sign)));
        }
    }
    for (r = 0; r < R; r++)
        for (c = 0; c < C; c++) {
            _mm512_storeu_ps(L, acc[r * C + c]);
            tn__tern_f32_tail(L, w + (size_t)r * rs, x + (size_t)c * ldx, k, n);
            out[r * C + c] = tn__tern_f32_fold(L);
        }
}
TN__TF32_TILE_DISPATCH(avx512)
static float tn__tern_f32_dot_avx512(const uint8_t *w, const float *x, int64_t n) {
    const __m512i sh = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), three = _mm512_set1_epi32(3);
    const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2);
    __m512 acc = _mm512_setzero_ps();
    float L[16];
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) { /* masked adds and subtracts: lane k mod 16 */
        const __m512i c = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32((int)tn__le32(w + k / 4)), sh), three);
        const __m512 xv = _mm512_loadu_ps(x + k);
        acc = _mm512_mask_add_ps(acc, _mm512_cmpeq_epi32_mask(c, one), acc, xv);
        acc = _mm512_mask_sub_ps(acc, _mm512_cmpeq_epi32_mask(c, two), acc, xv);
    }
    _mm512_storeu_ps(L, acc);
    tn__tern_f32_tail(L, w, x, k, n);
    return tn__tern_f32_fold(L);
}

static void tn__relu2_fwd_avx512(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        _mm512_storeu_ps(y + i, _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), v, v));
    }
    tn__relu2_fwd_ref(y + i, x + i, n - i);
}
static void tn__relu2_bwd_avx512(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m512 d = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_set1_ps(2.0f), v);
        _mm512_storeu_ps(gx + i, _mm512_add_ps(_mm512_loadu_ps(gx + i), _mm512_mul_ps(_mm512_loadu_ps(g + i), d)));
    }
    tn__relu2_bwd_ref(gx + i, g + i, x + i, n - i);
}
static void tn__relu_fwd_avx512(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_max_ps(_mm512_loadu_ps(x + i), _mm512_setzero_ps())); /* max(NaN, 0) = 0 */
    tn__relu_fwd_ref(y + i, x + i, n - i);
}
static void tn__relu_bwd_avx512(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_setzero_ps(), _mm512_set1_ps(1.0f));
        _mm512_storeu_ps(gx + i, _mm512_add_ps(_mm512_loadu_ps(gx + i), _mm512_mul_ps(_mm512_loadu_ps(g + i), d)));
    }
    tn__relu_bwd_ref(gx + i, g + i, x + i, n - i);
}

/* e^x for 16 floats: x = n ln2 + r, |r| <= ln2 / 2, a degree-6 polynomial for e^r
   (Cephes' expf coefficients) and vscalefps for 2^n, which also gives the
   subnormal results; within 2 ulp of expf. -inf and x below -104 give 0, NaN stays NaN. */
static TN__ALWAYS_INLINE __m512 tn__exp_512(__m512 x) {
    const __mmask16 zero = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-104.0f), _CMP_LT_OQ);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __m512 c = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.7228394f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(c, _mm512_set1_ps(1.44269504089f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), c), p;
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    p = _mm512_fmadd_ps(_mm512_set1_ps(1.9875691500e-4f), r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    p = _mm512_maskz_mov_ps((__mmask16)~zero, _mm512_scalef_ps(p, n));
    return _mm512_mask_mov_ps(p, nan, x);
}
static void tn__exp_row_avx512(float *y, const float *x, int64_t n, float sub) {
    int64_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, k, tn__exp_512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), _mm512_set1_ps(sub))));
    }
}
static double tn__exp_sum_avx512(const float *x, int64_t n, float sub) {
    double a[16];
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    int64_t i;
    for (i = 0; i < n; i += 16) { /* lanes past n add +0.0: the partials do not change */
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        const __m512 e = _mm512_maskz_mov_ps(k, tn__exp_512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), _mm512_set1_ps(sub))));
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    _mm512_storeu_pd(a, s0);
    _mm512_storeu_pd(a + 8, s1);
    return tn__fold16(a);
}
static void tn__ce_grad_row_avx512(float *g, const float *x, int64_t n, float sub, double inv, int64_t target, float scale) {
    const __m512d vinv = _mm512_set1_pd(inv);
    const __m512 sc = _mm512_set1_ps(scale);
    int64_t i;
    for (i = 0; i < n; i += 16) {
        const __mmask16 k = (__mmask16)(n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1u);
        const __m512 e = tn__exp_512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), _mm512_set1_ps(sub)));
        const __m256 p0 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(e)), vinv));
        const __m256 p1 = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))), vinv));
        __m512 pr = _mm512_insertf32x8(_mm512_castps256_ps512(p0), p1, 1);
        if (target >= i && target < i + 16) /* minus the one-hot target */
            pr = _mm512_mask_sub_ps(pr, (__mmask16)(1u << (target - i)), pr, _mm512_set1_ps(1.0f));
        _mm512_mask_storeu_ps(g + i, k, _mm512_fmadd_ps(sc, pr, _mm512_maskz_loadu_ps(k, g + i)));
    }
}

static void tn__adam_row_avx512(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n) {
    const float b1 = a->b1, b2 = a->b2, c1 = a->c1, c2 = a->c2, bc1 = a->bc1, bc2 = a->bc2, lr = a->lr, keep = a->keep, d = a->d;
    const int adamw = a->adamw;
    int64_t k = 0;
    { /* the same operations in the same order, 16 at a time */
        const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), vc1 = _mm512_set1_ps(c1), vc2 = _mm512_set1_ps(c2);
        const __m512 vbc1 = _mm512_set1_ps(bc1), vbc2 = _mm512_set1_ps(bc2), vlr = _mm512_set1_ps(lr), veps = _mm512_set1_ps(a->eps);
        const __m512 vkeep = _mm512_set1_ps(keep), vd = _mm512_set1_ps(d);
        for (; k + 16 <= n; k += 16) {
            __m512 wk = _mm512_loadu_ps(w + k), gk = _mm512_loadu_ps(g + k), mk, vk;
            if (adamw) wk = _mm512_mul_ps(wk, vkeep);
            else gk = _mm512_add_ps(gk, _mm512_mul_ps(vd, wk));
            mk = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + k)), _mm512_mul_ps(vc1, gk));
            vk = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + k)), _mm512_mul_ps(_mm512_mul_ps(vc2, gk), gk));
            _mm512_storeu_ps(m + k, mk);
            _mm512_storeu_ps(v + k, vk);
            wk = _mm512_sub_ps(wk, _mm512_div_ps(_mm512_mul_ps(vlr, _mm512_div_ps(mk, vbc1)),
                                                 _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(vk, vbc2)), veps)));
            _mm512_storeu_ps(w + k, wk);
        }
    }
    tn__adam_row_ref(a, w + k, g + k, m + k, v + k, n - k);
}

static TN__ALWAYS_INLINE void tn__igemm_tile(const int R, const tn__igemm *a, const uint8_t *B, int64_t m, int64_t n0, __mmask16 m0, __mmask16 m1) {
    __m512i acc[8][2];
    int64_t kq;
    int r;
    TN__UNROLL
    for (r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    for (kq = 0; kq < a->K4 / 4; kq++) {
        const __m512i b0 = _mm512_loadu_si512((const void *)(B + kq * 128)), b1 = _mm512_loadu_si512((const void *)(B + kq * 128 + 64));
        TN__UNROLL
        for (r = 0; r < R; r++) {
            int32_t q4;
            __m512i av;
            memcpy(&q4, a->q + (m + r) * a->K4 + 4 * kq, 4);
            av = _mm512_set1_epi32(q4);
            acc[r][0] = tn__dot_u8s8_512(acc[r][0], b0, av);
            acc[r][1] = tn__dot_u8s8_512(acc[r][1], b1, av);
        }
    }
    TN__UNROLL
    for (r = 0; r < R; r++) {
        const __m512i qs = _mm512_set1_epi32(a->qsum[m + r]);
        const __m512 c = _mm512_set1_ps(a->cs[m + r]);
        float *yr = a->y + (m + r) * a->N + n0;
        _mm512_mask_storeu_ps(yr, m0, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], qs)), c));
        _mm512_mask_storeu_ps(yr + 16, m1, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], qs)), c));
    }
}
static void tn__igemm_panel_avx512(const tn__igemm *a, int64_t pi) {
    int64_t m;
    const int64_t n0 = pi * 32, nv = TN__MIN((int64_t)32, a->N - n0);
    const __mmask16 m0 = (__mmask16)(nv >= 16 ? 0xFFFFu : (1u << nv) - 1u);
    const __mmask16 m1 = (__mmask16)(nv >= 32 ? 0xFFFFu : nv > 16 ? (1u << (nv - 16)) - 1u : 0u);
    const uint8_t *B = a->wp + pi * a->K4 * 32;
    for (m = 0; m + 8 <= a->M; m += 8) tn__igemm_tile(8, a, B, m, n0, m0, m1);
    for (; m < a->M; m++) tn__igemm_tile(1, a, B, m, n0, m0, m1);
}

#define TN__GEMM512_MR 8
#define TN__GEMM512_NR 32
/* direct == 0: Ap is a packed panel (k-major, MR per k); direct == 1: Ap points
   at MR whole rows of A, lda apart, read in place (the same values, the same sums) */
static TN__ALWAYS_INLINE void tn__gemm_kernel_512(const int direct, int64_t kc, const float *Ap, int64_t lda, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    __m512 c[TN__GEMM512_MR][2];
    int i;
    int64_t k;
    TN__UNROLL
    for (i = 0; i < TN__GEMM512_MR; i++) c[i][0] = c[i][1] = _mm512_setzero_ps();
    for (k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(Bp + k * TN__GEMM512_NR), b1 = _mm512_loadu_ps(Bp + k * TN__GEMM512_NR + 16);
        const float *a = direct ? Ap + k : Ap + k * TN__GEMM512_MR;
        TN__UNROLL
        for (i = 0; i < TN__GEMM512_MR; i++) {
            __m512 av = _mm512_set1_ps(direct ? a[i * lda] : a[i]);
            c[i][0] = _mm512_fmadd_ps(av, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(av, b1, c[i][1]);
        }
    }
    {
        __mmask16 m0 = (__mmask16)(nr >= 16 ? 0xFFFFu : (1u << nr) - 1u);
        __mmask16 m1 = (__mmask16)(nr >= 32 ? 0xFFFFu : nr > 16 ? (1u << (nr - 16)) - 1u : 0u);
        TN__UNROLL
        for (i = 0; i < TN__GEMM512_MR; i++) { /* a constant trip count (the rows past mr skipped), so it unrolls */
            float *cr;
            if (i >= mr) break;
            cr = C + i * ldc;
            if (accumulate) {
                c[i][0] = _mm512_add_ps(c[i][0], _mm512_maskz_loadu_ps(m0, cr));
                c[i][1] = _mm512_add_ps(c[i][1], _mm512_maskz_loadu_ps(m1, cr + 16));
            }
            _mm512_mask_storeu_ps(cr, m0, c[i][0]);
            _mm512_mask_storeu_ps(cr + 16, m1, c[i][1]);
        }
    }
}
static void tn__gemm_direct_avx512(int64_t kc, const float *A, int64_t lda, const float *Bp, float *C, int64_t ldc, int nr, int accumulate) {
    tn__gemm_kernel_512(1, kc, A, lda, Bp, C, ldc, TN__GEMM512_MR, nr, accumulate);
}
static void tn__gemm_kernel_avx512(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    tn__gemm_kernel_512(0, kc, Ap, 0, Bp, C, ldc, mr, nr, accumulate);
}

/* K-quants against Q8_K: codes of 64 consecutive values in one register,
   maddubs with the activations, vpdpwssd with each group's scale (one
   permute of the 16 scales per register); mins and offsets as on AVX2 */
static TN__ALWAYS_INLINE __m512i tn__join256(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
/* the unsigned codes of elements 128h .. 128h+127 of a K-quant block, as two registers of 64 */
static TN__ALWAYS_INLINE void tn__kq_codes_avx512(const int t, const uint8_t *b, const int h, __m512i *q) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m2 = _mm512_set1_epi8(3);
    if (t == TN_TYPE_Q2_K || t == TN_TYPE_Q3_K) { /* rows 4h+p = bits 2p of qs[32h..32h+31] */
        const uint8_t *qs = t == TN_TYPE_Q2_K ? b + offsetof(tn_block_q2_K, qs) : b + offsetof(tn_block_q3_K, qs);
        const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(qs + 32 * h));
        const __m512i w = tn__join256(v, _mm256_srli_epi16(v, 2)), w2 = _mm512_srli_epi16(w, 4);
        q[0] = _mm512_and_si512(w, m2);  /* rows 4h, 4h+1 */
        q[1] = _mm512_and_si512(w2, m2); /* rows 4h+2, 4h+3 */
        if (t == TN_TYPE_Q3_K) { /* the third bit of row c in bit c of hmask */
            const __m256i hm = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q3_K, hmask)));
            const __m256i hs = h ? _mm256_srli_epi16(hm, 2) : _mm256_slli_epi16(hm, 2);
            const __m512i hw = tn__join256(hs, _mm256_srli_epi16(hs, 1)), m = _mm512_set1_epi8(4);
            q[0] = _mm512_or_si512(q[0], _mm512_and_si512(hw, m));
            q[1] = _mm512_or_si512(q[1], _mm512_and_si512(_mm512_srli_epi16(hw, 2), m));
        }
    } else if (t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K) { /* rows 2j, 2j+1 = low, high nibbles of qs[32j..32j+31] */
        const uint8_t *qs = (t == TN_TYPE_Q4_K ? b + offsetof(tn_block_q4_K, qs) : b + offsetof(tn_block_q5_K, qs)) + 64 * h;
        const __m512i v0 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)qs));
        const __m512i v1 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(const void *)(qs + 32)));
        q[0] = _mm512_and_si512(_mm512_mask_srli_epi16(v0, (__mmask32)0xFFFF0000u, v0, 4), m4); /* high half: the high nibbles */
        q[1] = _mm512_and_si512(_mm512_mask_srli_epi16(v1, (__mmask32)0xFFFF0000u, v1, 4), m4);
        if (t == TN_TYPE_Q5_K) { /* the fifth bit of row c in bit c of qh */
            const __m256i hb = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q5_K, qh)));
            const __m256i hs = h ? hb : _mm256_slli_epi16(hb, 4);
            const __m512i hw = tn__join256(hs, _mm256_srli_epi16(hs, 1)), m = _mm512_set1_epi8(16);
            q[0] = _mm512_or_si512(q[0], _mm512_and_si512(hw, m));
            q[1] = _mm512_or_si512(q[1], _mm512_and_si512(_mm512_srli_epi16(hw, 2), m));
        }
    } else { /* q6_K: rows 4h..4h+3 from ql[64h..64h+63] (low, then high nibbles) and qh[32h..32h+31] */
        const __m512i m30 = _mm512_set1_epi8(0x30);
        const __m512i l = _mm512_loadu_si512((const void *)(b + offsetof(tn_block_q6_K, ql) + 64 * h));
        const __m256i hq = _mm256_loadu_si256((const __m256i *)(const void *)(b + offsetof(tn_block_q6_K, qh) + 32 * h));
        const __m512i hw = tn__join256(_mm256_slli_epi16(hq, 4), _mm256_slli_epi16(hq, 2));
        q[0] = _mm512_or_si512(_mm512_and_si512(l, m4), _mm512_and_si512(hw, m30));
        q[1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4), _mm512_and_si512(tn__join256(hq, _mm256_srli_epi16(hq, 2)), m30));
    }
}
static TN__ALWAYS_INLINE void tn__kq_dot_avx512_t(const int t, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const size_t bs = tn__traits[t].type_size;
    const int wide = t == TN_TYPE_Q4_K || t == TN_TYPE_Q5_K;
    const size_t od = t == TN_TYPE_Q2_K ? offsetof(tn_block_q2_K, d) : t == TN_TYPE_Q3_K ? offsetof(tn_block_q3_K, d) : t == TN_TYPE_Q6_K ? offsetof(tn_block_q6_K, d) : 0;
    const size_t odm = t == TN_TYPE_Q2_K ? offsetof(tn_block_q2_K, dmin) : 2;
    const int64_t nb = n / TN_QK_K;
    /* int16 lane i of register k (values 64k + 2i, +1) takes scale (64k + 2i) / 16 */
    const __m512i g0 = _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                                          15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 3);
    const __m512i four = _mm512_set1_epi16(4);
    __m512 acc = _mm512_setzero_ps();
    __m256 accm = _mm256_setzero_ps();
    int64_t ib;
    int k;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)(const void *)y[ib].bsums);
        uint16_t dh, dmh;
        __m512i q[2], isum = _mm512_setzero_si512(), sc, gi = g0;
        __m256i mn16 = _mm256_setzero_si256(), msum;
        memcpy(&dh, b + od, 2);
        memcpy(&dmh, b + odm, 2);
        {
            const __m128i v = tn__kq_scales_avx2(t, b, &mn16);
            if (wide) { /* the 8 scales and mins each twice: groups of 16 */
                sc = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_unpacklo_epi8(v, v)));
                mn16 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(v, v));
            } else {
                sc = _mm512_castsi256_si512(_mm256_cvtepi8_epi16(v));
            }
        }
        TN__UNROLL
        for (k = 0; k < 4; k++) {
            if (k % 2 == 0) tn__kq_codes_avx512(t, b, k / 2, q);
            isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(q[k % 2], _mm512_loadu_si512((const void *)(y[ib].qs + 64 * k))),
                                       _mm512_permutexvar_epi16(gi, sc));
            gi = _mm512_add_epi16(gi, four);
        }
        msum = _mm256_madd_epi16(bsums, mn16);
        if (t == TN_TYPE_Q3_K || t == TN_TYPE_Q6_K) { /* offsets subtracted in integers */
            isum = _mm512_sub_epi32(isum, _mm512_inserti64x4(_mm512_setzero_si512(), msum, 0));
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[ib].d * tn__h2f(dh)), acc);
        } else {
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(y[ib].d * tn__h2f(dh)), acc);
            accm = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(y[ib].d * tn__h2f(dmh)), accm);
        }
    }
    *s = _mm512_reduce_add_ps(acc) - tn__hsum_ps256(accm);
}
static void tn__vec_dot_q2_K_q8_K_avx512(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx512_t(TN_TYPE_Q2_K, n, s, x, y); }
static void tn__vec_dot_q3_K_q8_K_avx512(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx512_t(TN_TYPE_Q3_K, n, s, x, y); }
static void tn__vec_dot_q4_K_q8_K_avx512(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx512_t(TN_TYPE_Q4_K, n, s, x, y); }
static void tn__vec_dot_q5_K_q8_K_avx512(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx512_t(TN_TYPE_Q5_K, n, s, x, y); }
static void tn__vec_dot_q6_K_q8_K_avx512(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_avx512_t(TN_TYPE_Q6_K, n, s, x, y); }
/* the grid formats, 64 values (two chunks) a step: the sign bytes are the
   step's mask as they stand (bit j of byte g: value 8 g + j), xor q8's signs,
   so one masked negate gives value x sign(q8) for maddubs against |q8|; each
   128-bit lane is one scale's 16 values */
static TN__ALWAYS_INLINE void tn__iq_dot_avx512_t(const tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const size_t bs = tn__traits[t].type_size;
    const int64_t nb = n / TN_QK_K;
    const __m512i zero = _mm512_setzero_si512();
    const __m512i gi = _mm512_srli_epi16(_mm512_setr_epi64(0x0003000200010000LL, 0x0007000600050004LL, 0x000b000a00090008LL, 0x000f000e000d000cLL,
                                                           0x0013001200110010LL, 0x0017001600150014LL, 0x001b001a00190018LL, 0x001f001e001d001cLL), 3);
    const uint64_t p1 = 0x0101010101010101ULL;
    float sumf = 0.0f;
    int64_t ib;
    int c;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
        __m512i a1 = zero, a2 = zero;
        int32_t s2 = 0;
        for (c = 0; c < 8; c += 2) {
            tn__iq_chunk k0, k1;
            __m512i q, aq, g, scv;
            __mmask64 qm;
            uint64_t s4;
            tn__iq_chunk_get(t, b, c, &k0);
            tn__iq_chunk_get(t, b, c + 1, &k1);
            q = _mm512_loadu_si512((const void *)(y->qs + 32 * c));
            qm = _mm512_movepi8_mask(q);
            aq = _mm512_abs_epi8(q);
            s4 = (uint64_t)(2u * k0.sc[0] + 1u) | (uint64_t)(2u * k0.sc[1] + 1u) << 16 | (uint64_t)(2u * k1.sc[0] + 1u) << 32 | (uint64_t)(2u * k1.sc[1] + 1u) << 48;
            scv = _mm512_permutexvar_epi16(gi, _mm512_castsi128_si512(_mm_cvtsi64_si128((long long)s4)));
            g = _mm512_inserti64x4(_mm512_castsi256_si512(tn__v4x64(k0.g[0], k0.g[1], k0.g[2], k0.g[3])), tn__v4x64(k1.g[0], k1.g[1], k1.g[2], k1.g[3]), 1);
            g = _mm512_mask_sub_epi8(g, (__mmask64)((uint64_t)k1.s4 << 32 | k0.s4) ^ qm, zero, g);
            a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_maddubs_epi16(aq, g), scv));
            if (t == TN_TYPE_IQ1_M) { /* the delta sign of each group of 8, signed by q8 */
                __m512i dv = _mm512_inserti64x4(_mm512_castsi256_si512(tn__v4x64(k0.dl[0] < 0 ? ~0ull : p1, k0.dl[1] < 0 ? ~0ull : p1, k0.dl[2] < 0 ? ~0ull : p1, k0.dl[3] < 0 ? ~0ull : p1)),
                                                tn__v4x64(k1.dl[0] < 0 ? ~0ull : p1, k1.dl[1] < 0 ? ~0ull : p1, k1.dl[2] < 0 ? ~0ull : p1, k1.dl[3] < 0 ? ~0ull : p1), 1);
                dv = _mm512_mask_sub_epi8(dv, qm, zero, dv);
                a2 = _mm512_add_epi32(a2, _mm512_madd_epi16(_mm512_maddubs_epi16(aq, dv), scv));
            }
            if (t == TN_TYPE_IQ1_S) s2 += tn__iq1s_delta(k0.sc[0], k0.dl[0], y, c) + tn__iq1s_delta(k1.sc[0], k1.dl[0], y, c + 1);
        }
        if (t == TN_TYPE_IQ1_M) s2 = _mm512_reduce_add_epi32(a2);
        sumf += tn__iq_dot_block(t, tn__iq_block_d(t, b), y->d, _mm512_reduce_add_epi32(a1), s2);
    }
    *s = tn__iq_dot_final(t, sumf);
}
TN__IQ_DOTS(avx512)

#if defined(TN__X86_DISPATCH) && defined(__clang__)
#pragma clang attribute pop
#elif defined(TN__X86_DISPATCH)
#pragma GCC pop_options
#endif
#endif /* TN_HAVE_AVX512 */


/* -- NEON (aarch64) -- */
#if defined(TN_HAVE_NEON)
/* -- NEON (aarch64): int8 dot products (vdotq_s32 with the dot-product extension,
   else widening multiplies), int32 accumulation -- */
/* acc + the dot of 16 signed bytes with 16 signed bytes, four int32 partial sums.
   dp (a constant in each instance): the ARMv8.2 sdot instruction, which the
   dispatcher uses where the CPU has it (getauxval), emitted as its encoding so
   a baseline build holds both versions; else widening multiplies. The int8
   kernels below are templates on dp with a plain and a _dp instance. */
static TN__ALWAYS_INLINE int32x4_t tn__neon_dot_acc(const int dp, int32x4_t acc, int8x16_t a, int8x16_t b) {
#if defined(__ARM_FEATURE_DOTPROD)
    if (dp) return vdotq_s32(acc, a, b);
#else
    if (dp) { /* sdot v0.4s, v1.16b, v2.16b, encoded: the assembler of a baseline build rejects the mnemonic */
        register int32x4_t r0 __asm__("v0") = acc;
        register int8x16_t r1 __asm__("v1") = a, r2 __asm__("v2") = b;
        __asm__(".inst 0x4e829420" : "+w"(r0) : "w"(r1), "w"(r2));
        return r0;
    }
#endif
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
}
static void tn__vec_dot_f32_f32_neon(int64_t n, float *s, const void *vx, const void *vy) {
    const float *x = (const float *)vx, *y = (const float *)vy;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0), a2 = vdupq_n_f32(0), a3 = vdupq_n_f32(0);
    int64_t i = 0;
    float sum;
    for (; i + 16 <= n; i += 16) {
        a0 = vfmaq_f32(a0, vld1q_f32(x + i), vld1q_f32(y + i));
        a1 = vfmaq_f32(a1, vld1q_f32(x + i + 4), vld1q_f32(y + i + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(x + i + 8), vld1q_f32(y + i + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(x + i + 12), vld1q_f32(y + i + 12));
    }
    sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; i++) sum += x[i] * y[i];
    *s = sum;
}
static TN__ALWAYS_INLINE void tn__vec_dot_tq2_0_q8_K_neon_t(const int dp, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_tq2_0 *x = (const tn_block_tq2_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const uint8x16_t m3 = vdupq_n_u8(3);
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int g, h, k, j;
    for (ib = 0; ib < nb; ib++) {
        int32x4_t acc = vdupq_n_s32(0);
        int bsum = 0;
        for (g = 0; g < 2; g++)
            for (h = 0; h < 2; h++) {
                uint8x16_t q = vld1q_u8(x[ib].qs + 32 * g + 16 * h);
                for (k = 0; k < 4; k++) {
                    int8x16_t c = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q, vdupq_n_s8((int8_t)(-2 * k))), m3));
                    int8x16_t yv = vld1q_s8(y[ib].qs + 128 * g + 32 * k + 16 * h);
                    acc = tn__neon_dot_acc(dp, acc, c, yv);
                }
            }
        for (j = 0; j < 16; j++) bsum += y[ib].bsums[j];
        sumf += (float)(vaddvq_s32(acc) - bsum) * (y[ib].d * tn_fp16_to_fp32(x[ib].d));
    }
    *s = sumf;
}
static TN__ALWAYS_INLINE void tn__vec_dot_t2_q8_K_neon_t(const int dp, int64_t n, float *s, const void *vx, const void *vy) {
    /* byte b holds values 4b..4b+3; vld4 deinterleaves the activations to match */
    const uint8_t *x = (const uint8_t *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const uint8x16_t one = vdupq_n_u8(1);
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int c, k;
    for (ib = 0; ib < nb; ib++, x += TN_QK_K / 4) {
        int32x4_t acc = vdupq_n_s32(0);
        for (c = 0; c < 4; c++) { /* 64 values: 16 packed bytes */
            uint8x16_t p = vld1q_u8(x + 16 * c);
            int8x16x4_t yv = vld4q_s8(y[ib].qs + 64 * c);
            for (k = 0; k < 4; k++) {
                uint8x16_t code = vandq_u8(vshlq_u8(p, vdupq_n_s8((int8_t)(-2 * k))), vdupq_n_u8(3));
                int8x16_t t = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(code, one)), vreinterpretq_s8_u8(vshrq_n_u8(code, 1)));
                acc = tn__neon_dot_acc(dp, acc, t, yv.val[k]);
            }
        }
        sumf += (float)vaddvq_s32(acc) * y[ib].d;
    }
    *s = sumf;
}
/* f16 (kind 1) and bf16 (kind 2) rows against f32: four fma chains, a scalar tail */
static TN__ALWAYS_INLINE float32x4_t tn__neon_h4(const int kind, uint16x4_t h) {
    return kind == 1 ? vcvt_f32_f16(vreinterpret_f16_u16(h)) : vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}
static TN__ALWAYS_INLINE void tn__vec_dot_16_neon(const int kind, int64_t n, float *s, const void *vx, const void *vy) {
    const uint16_t *x = (const uint16_t *)vx;
    const float *y = (const float *)vy;
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0), a2 = vdupq_n_f32(0), a3 = vdupq_n_f32(0);
    int64_t i = 0;
    float sum;
    for (; i + 16 <= n; i += 16) {
        const uint16x8_t h0 = vld1q_u16(x + i), h1 = vld1q_u16(x + i + 8);
        a0 = vfmaq_f32(a0, tn__neon_h4(kind, vget_low_u16(h0)), vld1q_f32(y + i));
        a1 = vfmaq_f32(a1, tn__neon_h4(kind, vget_high_u16(h0)), vld1q_f32(y + i + 4));
        a2 = vfmaq_f32(a2, tn__neon_h4(kind, vget_low_u16(h1)), vld1q_f32(y + i + 8));
        a3 = vfmaq_f32(a3, tn__neon_h4(kind, vget_high_u16(h1)), vld1q_f32(y + i + 12));
    }
    sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; i < n; i++) sum += (kind == 1 ? tn_fp16_to_fp32(x[i]) : tn_bf16_to_fp32(x[i])) * y[i];
    *s = sum;
}
static void tn__vec_dot_f16_f32_neon(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_16_neon(1, n, s, vx, vy); }
static void tn__vec_dot_bf16_f32_neon(int64_t n, float *s, const void *vx, const void *vy) { tn__vec_dot_16_neon(2, n, s, vx, vy); }
/* the 32-element block formats (TN__B32_*) against Q8_0, one block per step */
static TN__ALWAYS_INLINE void tn__b32_dot_neon(const int dp, const int kind, int64_t n, float *s, const void *vx, const void *vy) {
    const int sz = TN__B32_SIZE(kind), qs = TN__B32_QS(kind);
    const uint8_t *x = (const uint8_t *)vx;
    const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy;
    /* byte j of a 16-lane vector takes qh byte j / 8 (low half) or 2 + j / 8 (high half), then tests bit j % 8 */
    static const uint8_t sel_lo[8] = {0, 0, 0, 0, 0, 0, 0, 0}, bitv[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    int64_t ib, nb = n / TN_QK8_0;
    float sumf = 0.0f;
    for (ib = 0; ib < nb; ib++, x += sz) {
        const int8x16_t y0 = vld1q_s8(y[ib].qs), y1 = vld1q_s8(y[ib].qs + 16);
        const float dy = tn_fp16_to_fp32(y[ib].d);
        uint16_t d;
        int8x16_t w0, w1;
        int sumi;
        if (kind >= 4) {
            w0 = vld1q_s8((const int8_t *)x + qs);
            w1 = vld1q_s8((const int8_t *)x + qs + 16);
        } else {
            const uint8x16_t q = vld1q_u8(x + qs);
            uint8x16_t u0 = vandq_u8(q, vdupq_n_u8(0x0F)), u1 = vshrq_n_u8(q, 4);
            if (kind == 2 || kind == 3) { /* fifth bits: bit j of qh belongs to element j */
                const uint8x8_t hb = vreinterpret_u8_u32(vdup_n_u32(tn__le32(x + (kind == 2 ? offsetof(tn_block_q5_0, qh) : offsetof(tn_block_q5_1, qh)))));
                const uint8x8_t s0 = vld1_u8(sel_lo), one = vdup_n_u8(1);
                const uint8x16_t bits = vld1q_u8(bitv), k16 = vdupq_n_u8(16);
                const uint8x16_t h0 = vcombine_u8(vtbl1_u8(hb, s0), vtbl1_u8(hb, vadd_u8(s0, one)));
                const uint8x16_t h1 = vcombine_u8(vtbl1_u8(hb, vadd_u8(s0, vdup_n_u8(2))), vtbl1_u8(hb, vadd_u8(s0, vdup_n_u8(3))));
                u0 = vorrq_u8(u0, vandq_u8(vtstq_u8(h0, bits), k16));
                u1 = vorrq_u8(u1, vandq_u8(vtstq_u8(h1, bits), k16));
            }
            w0 = vreinterpretq_s8_u8(u0);
            w1 = vreinterpretq_s8_u8(u1);
            if (kind == 0 || kind == 2) { /* the zero point */
                w0 = vsubq_s8(w0, vdupq_n_s8(kind == 0 ? 8 : 16));
                w1 = vsubq_s8(w1, vdupq_n_s8(kind == 0 ? 8 : 16));
            }
        }
        sumi = vaddvq_s32(tn__neon_dot_acc(dp, tn__neon_dot_acc(dp, vdupq_n_s32(0), w0, y0), w1, y1));
        memcpy(&d, x, 2);
        if (TN__B32_MIN(kind)) {
            uint16_t m;
            const int sumy = vaddlvq_s8(y0) + vaddlvq_s8(y1);
            memcpy(&m, x + 2, 2);
            sumf += (float)sumi * (tn_fp16_to_fp32(d) * dy) + (float)sumy * (tn_fp16_to_fp32(m) * dy);
        } else {
            sumf += (float)sumi * (tn_fp16_to_fp32(d) * dy);
        }
    }
    *s = sumf;
}
static void tn__vec_dot_q4_0_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 0, n, s, x, y); }
static void tn__vec_dot_q4_0_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 0, n, s, x, y); }
static void tn__vec_dot_q4_1_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 1, n, s, x, y); }
static void tn__vec_dot_q4_1_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 1, n, s, x, y); }
static void tn__vec_dot_q5_0_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 2, n, s, x, y); }
static void tn__vec_dot_q5_0_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 2, n, s, x, y); }
static void tn__vec_dot_q5_1_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 3, n, s, x, y); }
static void tn__vec_dot_q5_1_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 3, n, s, x, y); }
static void tn__vec_dot_q8_0_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 4, n, s, x, y); }
static void tn__vec_dot_q8_0_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 4, n, s, x, y); }
static void tn__vec_dot_q8_1_q8_0_neon(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(0, 5, n, s, x, y); }
static void tn__vec_dot_q8_1_q8_0_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__b32_dot_neon(1, 5, n, s, x, y); }
static TN__ALWAYS_INLINE void tn__vec_dot_q8_K_q8_K_neon_t(const int dp, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *x = (const tn_block_q8_K *)vx, *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int k;
    for (ib = 0; ib < nb; ib++) {
        int32x4_t acc = vdupq_n_s32(0);
        for (k = 0; k < TN_QK_K; k += 16) acc = tn__neon_dot_acc(dp, acc, vld1q_s8(x[ib].qs + k), vld1q_s8(y[ib].qs + k));
        sumf += (float)vaddvq_s32(acc) * (x[ib].d * y[ib].d);
    }
    *s = sumf;
}
/* trit codes ((b * m mod 256) * 3) >> 8 of 16 bytes b with per-byte factors m */
static TN__ALWAYS_INLINE int8x16_t tn__neon_tq1_trits(uint8x16_t b, uint8x16_t m) {
    const uint8x16_t q = vmulq_u8(b, m);
    const uint16x8_t lo = vmull_u8(vget_low_u8(q), vdup_n_u8(3)), hi = vmull_u8(vget_high_u8(q), vdup_n_u8(3));
    return vreinterpretq_s8_u8(vuzp2q_u8(vreinterpretq_u8_u16(lo), vreinterpretq_u8_u16(hi)));
}
static TN__ALWAYS_INLINE void tn__vec_dot_tq1_0_q8_K_neon_t(const int dp, int64_t n, float *s, const void *vx, const void *vy) {
    /* qs[j] (j < 32) holds elements 32k + j, qs[32 + j] elements 160 + 16k + j, for
       digits k = 0..4; qh[i] holds elements 240 + 4k + i, k = 0..3 */
    static const uint8_t mh[16] = {1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27};
    const tn_block_tq1_0 *x = (const tn_block_tq1_0 *)vx;
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    int64_t ib, nb = n / TN_QK_K;
    float sumf = 0.0f;
    int k, j, bsum;
    for (ib = 0; ib < nb; ib++) {
        const int8_t *yq = y[ib].qs;
        const uint8x16_t b0 = vld1q_u8(x[ib].qs), b1 = vld1q_u8(x[ib].qs + 16), b2 = vld1q_u8(x[ib].qs + 32);
        const uint8x16_t bh = vreinterpretq_u8_u32(vdupq_n_u32(tn__le32(x[ib].qh)));
        int32x4_t acc = vdupq_n_s32(0);
        for (k = 0; k < 5; k++) {
            const uint8x16_t m = vdupq_n_u8(tn__pow3[k]);
            acc = tn__neon_dot_acc(dp, acc, tn__neon_tq1_trits(b0, m), vld1q_s8(yq + 32 * k));
            acc = tn__neon_dot_acc(dp, acc, tn__neon_tq1_trits(b1, m), vld1q_s8(yq + 32 * k + 16));
            acc = tn__neon_dot_acc(dp, acc, tn__neon_tq1_trits(b2, m), vld1q_s8(yq + 160 + 16 * k));
        }
        acc = tn__neon_dot_acc(dp, acc, tn__neon_tq1_trits(bh, vld1q_u8(mh)), vld1q_s8(yq + 240));
        for (bsum = 0, j = 0; j < 16; j++) bsum += y[ib].bsums[j];
        sumf += (float)(vaddvq_s32(acc) - bsum) * (y[ib].d * tn_fp16_to_fp32(x[ib].d));
    }
    *s = sumf;
}

/* training and row kernels (each the same bits as its _ref) */
static void tn__vacc_neon(float *dst, const float *src, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(dst + i, vaddq_f32(vld1q_f32(dst + i), vld1q_f32(src + i)));
    for (; i < n; i++) dst[i] += src[i];
}
/* 4 codes of one byte as lanes: x for 01, -x for 10, +0 elsewhere */
static TN__ALWAYS_INLINE float32x4_t tn__tern_pick_neon(uint8_t b, float32x4_t x) {
    static const int32_t shr[4] = {0, -2, -4, -6};
    const uint32x4_t c = vandq_u32(vshlq_u32(vdupq_n_u32(b), vld1q_s32(shr)), vdupq_n_u32(3));
    const uint32x4_t neg = vceqq_u32(c, vdupq_n_u32(2)), nz = vorrq_u32(vceqq_u32(c, vdupq_n_u32(1)), neg);
    return vreinterpretq_f32_u32(veorq_u32(vandq_u32(vreinterpretq_u32_f32(x), nz), vandq_u32(neg, vdupq_n_u32(0x80000000u))));
}
static TN__ALWAYS_INLINE void tn__tf32_tile_neon(const uint8_t *w, size_t rs, const int R, const float *x, size_t ldx, const int C, int64_t n, float *out) {
    float32x4_t acc[4][4];
    float L[16];
    int64_t k = 0;
    int r, c, q;
    for (r = 0; r < R * C; r++) for (q = 0; q < 4; q++) acc[r][q] = vdupq_n_f32(0);
    for (; k + 16 <= n; k += 16)
        for (c = 0; c < C; c++)
            for (q = 0; q < 4; q++) {
                const float32x4_t xv = vld1q_f32(x + (size_t)c * ldx + k + 4 * q);
                for (r = 0; r < R; r++) acc[r * C + c][q] = vaddq_f32(acc[r * C + c][q], tn__tern_pick_neon(w[(size_t)r * rs + k / 4 + q], xv));
            }
    for (r = 0; r < R; r++)
        for (c = 0; c < C; c++) {
            for (q = 0; q < 4; q++) vst1q_f32(L + 4 * q, acc[r * C + c][q]);
            tn__tern_f32_tail(L, w + (size_t)r * rs, x + (size_t)c * ldx, k, n);
            out[r * C + c] = tn__tern_f32_fold(L);
        }
}
TN__TF32_TILE_DISPATCH(neon)
static float tn__tern_f32_dot_neon(const uint8_t *w, const float *x, int64_t n) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = a0, a2 = a0, a3 = a0;
    float L[16];
    int64_t k = 0;
    for (; k + 16 <= n; k += 16) { /* lanes k mod 16: four registers of four */
        const uint8_t *b = w + k / 4;
        a0 = vaddq_f32(a0, tn__tern_pick_neon(b[0], vld1q_f32(x + k)));
        a1 = vaddq_f32(a1, tn__tern_pick_neon(b[1], vld1q_f32(x + k + 4)));
        a2 = vaddq_f32(a2, tn__tern_pick_neon(b[2], vld1q_f32(x + k + 8)));
        a3 = vaddq_f32(a3, tn__tern_pick_neon(b[3], vld1q_f32(x + k + 12)));
    }
    vst1q_f32(L, a0); vst1q_f32(L + 4, a1); vst1q_f32(L + 8, a2); vst1q_f32(L + 12, a3);
    tn__tern_f32_tail(L, w, x, k, n);
    return tn__tern_f32_fold(L);
}

static void tn__adam_row_neon(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n) {
    const float b1 = a->b1, b2 = a->b2, c1 = a->c1, c2 = a->c2, bc1 = a->bc1, bc2 = a->bc2, lr = a->lr, keep = a->keep, d = a->d;
    const int adamw = a->adamw;
    int64_t k = 0;
    {
        const float32x4_t vb1 = vdupq_n_f32(b1), vb2 = vdupq_n_f32(b2), vc1 = vdupq_n_f32(c1), vc2 = vdupq_n_f32(c2);
        const float32x4_t vbc1 = vdupq_n_f32(bc1), vbc2 = vdupq_n_f32(bc2), vlr = vdupq_n_f32(lr), veps = vdupq_n_f32(a->eps);
        const float32x4_t vkeep = vdupq_n_f32(keep), vd = vdupq_n_f32(d);
        for (; k + 4 <= n; k += 4) { /* vmulq/vaddq, never vfmaq: the scalar loop's roundings */
            float32x4_t wk = vld1q_f32(w + k), gk = vld1q_f32(g + k), mk, vk;
            if (adamw) wk = vmulq_f32(wk, vkeep);
            else gk = vaddq_f32(gk, vmulq_f32(vd, wk));
            mk = vaddq_f32(vmulq_f32(vb1, vld1q_f32(m + k)), vmulq_f32(vc1, gk));
            vk = vaddq_f32(vmulq_f32(vb2, vld1q_f32(v + k)), vmulq_f32(vmulq_f32(vc2, gk), gk));
            vst1q_f32(m + k, mk);
            vst1q_f32(v + k, vk);
            wk = vsubq_f32(wk, vdivq_f32(vmulq_f32(vlr, vdivq_f32(mk, vbc1)), vaddq_f32(vsqrtq_f32(vdivq_f32(vk, vbc2)), veps)));
            vst1q_f32(w + k, wk);
        }
    }
    tn__adam_row_ref(a, w + k, g + k, m + k, v + k, n - k);
}

/* the integer BitLinear panel (tn__igemm_panel_ref): 16 bytes hold 4 outputs x
   4 k; sdot sums each output's four products, or (without the dot-product
   extension) widening multiplies and pairwise adds do */
static TN__ALWAYS_INLINE void tn__igemm_panel_neon_t(const int dp, const tn__igemm *a, int64_t pi) {
    const int64_t n0 = pi * 32, nv = TN__MIN((int64_t)32, a->N - n0), nq = a->K4 / 4;
    const uint8_t *B = a->wp + pi * a->K4 * 32;
    int64_t m, kq;
    int h, j;
    for (m = 0; m < a->M; m++) {
        int32x4_t acc[8];
        float v[32], *yr = a->y + m * a->N + n0;
        const float32x4_t c = vdupq_n_f32(a->cs[m]);
        const int32x4_t qs = vdupq_n_s32(a->qsum[m]);
        for (h = 0; h < 8; h++) acc[h] = vdupq_n_s32(0);
        for (kq = 0; kq < nq; kq++) {
            int32_t q4;
            int8x16_t av;
            memcpy(&q4, a->q + m * a->K4 + 4 * kq, 4);
            av = vreinterpretq_s8_s32(vdupq_n_s32(q4));
            for (h = 0; h < 8; h++) {
                const int8x16_t bw = vreinterpretq_s8_u8(vld1q_u8(B + kq * 128 + 16 * h));
                if (dp) acc[h] = tn__neon_dot_acc(1, acc[h], bw, av); /* sdot: each output's four products */
                else acc[h] = vpadalq_s16(acc[h], vpaddq_s16(vmull_s8(vget_low_s8(bw), vget_low_s8(av)), vmull_s8(vget_high_s8(bw), vget_high_s8(av))));
            }
        }
        for (h = 0; h < 8; h++) vst1q_f32(v + 4 * h, vmulq_f32(vcvtq_f32_s32(vsubq_s32(acc[h], qs)), c));
        for (j = 0; j < nv; j++) yr[j] = v[j];
    }
}
static void tn__vec_dot_tq2_0_q8_K_neon(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_tq2_0_q8_K_neon_t(0, n, s, x, y); }
static void tn__vec_dot_tq2_0_q8_K_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_tq2_0_q8_K_neon_t(1, n, s, x, y); }

static void tn__vec_dot_t2_q8_K_neon(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_t2_q8_K_neon_t(0, n, s, x, y); }
static void tn__vec_dot_t2_q8_K_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_t2_q8_K_neon_t(1, n, s, x, y); }

static void tn__vec_dot_q8_K_q8_K_neon(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_q8_K_q8_K_neon_t(0, n, s, x, y); }
static void tn__vec_dot_q8_K_q8_K_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_q8_K_q8_K_neon_t(1, n, s, x, y); }

static void tn__vec_dot_tq1_0_q8_K_neon(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_tq1_0_q8_K_neon_t(0, n, s, x, y); }
static void tn__vec_dot_tq1_0_q8_K_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__vec_dot_tq1_0_q8_K_neon_t(1, n, s, x, y); }
static void tn__igemm_panel_neon(const tn__igemm *a, int64_t pi) { tn__igemm_panel_neon_t(0, a, pi); }
static void tn__igemm_panel_neon_dp(const tn__igemm *a, int64_t pi) { tn__igemm_panel_neon_t(1, a, pi); }
/* K-quants against Q8_K: the block decoded to codes and group scales (as the
   reference), each group of 16 an int8 dot */
static TN__ALWAYS_INLINE void tn__kq_dot_neon_t(const int dp, tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const tn_block_q8_K *y = (const tn_block_q8_K *)vy;
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = n / TN_QK_K;
    tn__kq_block b;
    float sumf = 0.0f;
    int g;
    for (ib = 0; ib < nb; ib++) {
        int32x4_t vs = vdupq_n_s32(0);
        int32_t gs[4];
        int64_t sumi, summ = 0;
        tn__kq_decode(t, (const uint8_t *)vx + (size_t)ib * bs, &b);
        for (g = 0; g < 16; g++) {
            const int32x4_t d = tn__neon_dot_acc(dp, vdupq_n_s32(0), vreinterpretq_s8_u8(vld1q_u8(b.q + 16 * g)), vld1q_s8(y[ib].qs + 16 * g));
            vs = vmlaq_n_s32(vs, d, b.sc[g]);
            summ += (int64_t)b.mn[g] * y[ib].bsums[g];
        }
        vst1q_s32(gs, vs);
        sumi = (int64_t)gs[0] + gs[1] + gs[2] + gs[3];
        if (b.off) sumf += (y[ib].d * b.d) * (float)(sumi - summ);
        else sumf += (y[ib].d * b.d) * (float)sumi - (y[ib].d * b.dm) * (float)summ;
    }
    *s = sumf;
}
#define TN__KQ_NEON(name, type)                                                                                               \
    static void tn__vec_dot_##name##_q8_K_neon(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_neon_t(0, type, n, s, x, y); } \
    static void tn__vec_dot_##name##_q8_K_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__kq_dot_neon_t(1, type, n, s, x, y); }
TN__KQ_NEON(q2_K, TN_TYPE_Q2_K)
TN__KQ_NEON(q3_K, TN_TYPE_Q3_K)
TN__KQ_NEON(q4_K, TN_TYPE_Q4_K)
TN__KQ_NEON(q5_K, TN_TYPE_Q5_K)
TN__KQ_NEON(q6_K, TN_TYPE_Q6_K)
#undef TN__KQ_NEON
/* the lookup formats: decoded as the reference, int8 dots per 32 */
static TN__ALWAYS_INLINE void tn__lut_dot_neon_t(const int dp, tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    const int64_t bk = tn__traits[t].blck_size, nc = bk / 32;
    const size_t bs = tn__traits[t].type_size;
    int64_t ib, nb = n / bk;
    tn__lut_block b;
    float sumf = 0.0f;
    int c;
    for (ib = 0; ib < nb; ib++) {
        tn__lut_decode(t, (const uint8_t *)vx + (size_t)ib * bs, &b);
        if (t == TN_TYPE_IQ4_XS) {
            const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
            int32x4_t acc = vdupq_n_s32(0);
            for (c = 0; c < 8; c++) {
                int32x4_t d = tn__neon_dot_acc(dp, vdupq_n_s32(0), vld1q_s8(b.v + 32 * c), vld1q_s8(y->qs + 32 * c));
                d = tn__neon_dot_acc(dp, d, vld1q_s8(b.v + 32 * c + 16), vld1q_s8(y->qs + 32 * c + 16));
                acc = vmlaq_n_s32(acc, d, b.is[c]);
            }
            sumf += (b.ds[0] * y->d) * (float)vaddvq_s32(acc);
        } else if (t == TN_TYPE_NVFP4) {
            for (c = 0; c < 4; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * 2 + c / 2;
                const int32x4_t d = tn__neon_dot_acc(dp, vdupq_n_s32(0), vld1q_s8(b.v + 16 * c), vld1q_s8(y->qs + 16 * (c % 2)));
                sumf += (b.ds[c] * tn_fp16_to_fp32(y->d)) * (float)vaddvq_s32(d);
            }
        } else {
            for (c = 0; c < nc; c++) {
                const tn_block_q8_0 *y = (const tn_block_q8_0 *)vy + ib * nc + c;
                int32x4_t d = tn__neon_dot_acc(dp, vdupq_n_s32(0), vld1q_s8(b.v + 32 * c), vld1q_s8(y->qs));
                d = tn__neon_dot_acc(dp, d, vld1q_s8(b.v + 32 * c + 16), vld1q_s8(y->qs + 16));
                sumf += (b.ds[c] * tn_fp16_to_fp32(y->d)) * (float)vaddvq_s32(d);
            }
        }
    }
    *s = sumf;
}
#define TN__LUT_NEON(name, type)                                                                                              \
    static void tn__vec_dot_##name##_neon(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_neon_t(0, type, n, s, x, y); } \
    static void tn__vec_dot_##name##_neon_dp(int64_t n, float *s, const void *x, const void *y) { tn__lut_dot_neon_t(1, type, n, s, x, y); }
TN__LUT_NEON(iq4_nl_q8_0, TN_TYPE_IQ4_NL)
TN__LUT_NEON(iq4_xs_q8_K, TN_TYPE_IQ4_XS)
TN__LUT_NEON(mxfp4_q8_0, TN_TYPE_MXFP4)
TN__LUT_NEON(nvfp4_q8_0, TN_TYPE_NVFP4)
TN__LUT_NEON(q1_0_q8_0, TN_TYPE_Q1_0)
TN__LUT_NEON(q2_0_q8_0, TN_TYPE_Q2_0)
#undef TN__LUT_NEON
/* the grid formats, a chunk of 32 values (two scales) a step: sign bits
   spread to bytes by vtst, values negated where set, int8 dots, scaled in int32 */
static TN__ALWAYS_INLINE void tn__iq_dot_neon_any(const int dp, const tn_type t, int64_t n, float *s, const void *vx, const void *vy) {
    static const uint8_t bitv[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t bits = vld1q_u8(bitv);
    const size_t bs = tn__traits[t].type_size;
    const int64_t nb = n / TN_QK_K;
    float sumf = 0.0f;
    int64_t ib;
    int c, h;
    for (ib = 0; ib < nb; ib++) {
        const uint8_t *b = (const uint8_t *)vx + (size_t)ib * bs;
        const tn_block_q8_K *y = (const tn_block_q8_K *)vy + ib;
        int32x4_t a1 = vdupq_n_s32(0), a2 = vdupq_n_s32(0);
        int32_t s2 = 0;
        for (c = 0; c < 8; c++) {
            tn__iq_chunk k;
            tn__iq_chunk_get(t, b, c, &k);
            for (h = 0; h < 2; h++) { /* 16 values: groups 2h, 2h + 1 of the chunk, scale sc[h] */
                const int8x16_t q = vld1q_s8(y->qs + 32 * c + 16 * h);
                const int32_t sc = 2 * (int32_t)k.sc[h] + 1;
                const uint8x16_t m = vtstq_u8(vcombine_u8(vdup_n_u8((uint8_t)(k.s4 >> (16 * h))), vdup_n_u8((uint8_t)(k.s4 >> (16 * h + 8)))), bits);
                int8x16_t v = vreinterpretq_s8_u64(vcombine_u64(vcreate_u64(k.g[2 * h]), vcreate_u64(k.g[2 * h + 1])));
                v = vbslq_s8(m, vnegq_s8(v), v);
                a1 = vmlaq_n_s32(a1, tn__neon_dot_acc(dp, vdupq_n_s32(0), v, q), sc);
                if (t == TN_TYPE_IQ1_M)
                    a2 = vmlaq_n_s32(a2, tn__neon_dot_acc(dp, vdupq_n_s32(0), vcombine_s8(vdup_n_s8((int8_t)k.dl[2 * h]), vdup_n_s8((int8_t)k.dl[2 * h + 1])), q), sc);
            }
            if (t == TN_TYPE_IQ1_S) s2 += tn__iq1s_delta(k.sc[0], k.dl[0], y, c);
        }
        if (t == TN_TYPE_IQ1_M) s2 = vaddvq_s32(a2);
        sumf += tn__iq_dot_block(t, tn__iq_block_d(t, b), y->d, vaddvq_s32(a1), s2);
    }
    *s = tn__iq_dot_final(t, sumf);
}
static TN__ALWAYS_INLINE void tn__iq_dot_neon_t(const tn_type t, int64_t n, float *s, const void *vx, const void *vy) { tn__iq_dot_neon_any(0, t, n, s, vx, vy); }
static TN__ALWAYS_INLINE void tn__iq_dot_neon_dp_t(const tn_type t, int64_t n, float *s, const void *vx, const void *vy) { tn__iq_dot_neon_any(1, t, n, s, vx, vy); }
TN__IQ_DOTS(neon)
TN__IQ_DOTS(neon_dp)
#endif /* TN_HAVE_NEON */

/* -- the dispatcher: CPU features, one kernel-table row per path, the public entry points -- */

enum {
    TN__CPU_AVX2 = 1 << 0, TN__CPU_FMA = 1 << 1, TN__CPU_F16C = 1 << 2, TN__CPU_OS_AVX = 1 << 3,
    TN__CPU_AVX512F = 1 << 4, TN__CPU_AVX512BW = 1 << 5, TN__CPU_AVX512VL = 1 << 6, TN__CPU_AVX512DQ = 1 << 7,
    TN__CPU_VNNI = 1 << 8, TN__CPU_VBMI = 1 << 9, TN__CPU_GFNI = 1 << 10, TN__CPU_BF16 = 1 << 11, TN__CPU_OS_AVX512 = 1 << 12,
    TN__CPU_NEON = 1 << 13, TN__CPU_DOTPROD = 1 << 14
};
static const char *const tn__cpu_feature_names[] = {"avx2", "fma", "f16c", "os-avx", "avx512f", "avx512bw", "avx512vl", "avx512dq",
                                                    "avx512vnni", "avx512vbmi", "gfni", "avx512bf16", "os-avx512", "neon", "dotprod"};

/* what the CPU (and the OS, for the register state) offers */
static unsigned tn__cpu_detect(void) {
    unsigned f = 0;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    unsigned a, b, c, d, max = __get_cpuid_max(0, NULL);
    if (max >= 1) {
        __cpuid(1, a, b, c, d);
        if (c & (1u << 12)) f |= TN__CPU_FMA;
        if (c & (1u << 29)) f |= TN__CPU_F16C;
        if ((c & (1u << 27)) && (c & (1u << 28))) { /* OSXSAVE and AVX: ask the OS what it saves */
            unsigned xlo, xhi;
            __asm__ __volatile__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
            (void)xhi;
            if ((xlo & 0x6u) == 0x6u) f |= TN__CPU_OS_AVX;
            if ((xlo & 0xE6u) == 0xE6u) f |= TN__CPU_OS_AVX512;
        }
    }
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (b & (1u << 5)) f |= TN__CPU_AVX2;
        if (b & (1u << 16)) f |= TN__CPU_AVX512F;
        if (b & (1u << 17)) f |= TN__CPU_AVX512DQ;
        if (b & (1u << 30)) f |= TN__CPU_AVX512BW;
        if (b & (1u << 31)) f |= TN__CPU_AVX512VL;
        if (c & (1u << 1)) f |= TN__CPU_VBMI;
        if (c & (1u << 8)) f |= TN__CPU_GFNI;
        if (c & (1u << 11)) f |= TN__CPU_VNNI;
        if (a >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if (a & (1u << 5)) f |= TN__CPU_BF16;
        }
    }
#elif defined(__aarch64__)
    f |= TN__CPU_NEON;
#if defined(__ARM_FEATURE_DOTPROD)
    f |= TN__CPU_DOTPROD;
#elif defined(TN__AUXV)
    if (getauxval(AT_HWCAP) & (1ul << 20)) f |= TN__CPU_DOTPROD; /* HWCAP_ASIMDDP */
#endif
#endif
    return f;
}
/* can this CPU run the path (as compiled here)? */
static int tn__cpu_runs(tn_kernel_path p, unsigned f) {
    const unsigned avx2 = TN__CPU_AVX2 | TN__CPU_FMA | TN__CPU_F16C | TN__CPU_OS_AVX;
    unsigned avx512 = avx2 | TN__CPU_AVX512F | TN__CPU_AVX512BW | TN__CPU_AVX512VL | TN__CPU_AVX512DQ | TN__CPU_VNNI | TN__CPU_OS_AVX512;
#if defined(TN_HAVE_AVX512VBMI)
    avx512 |= TN__CPU_VBMI;
#endif
#if defined(TN_HAVE_GFNI)
    avx512 |= TN__CPU_GFNI;
#endif
    TN__UNUSED(avx512);
    TN__UNUSED(avx2);
    TN__UNUSED(f);
    switch (p) {
    case TN_PATH_REF: return 1;
#if defined(TN_HAVE_AVX2)
    case TN_PATH_AVX2: return (f & avx2) == avx2;
#endif
#if defined(TN_HAVE_AVX512)
    case TN_PATH_AVX512: return (f & avx512) == avx512;
#endif
#if defined(TN_HAVE_NEON)
    case TN_PATH_NEON:
#if defined(__ARM_FEATURE_DOTPROD)
        return (f & TN__CPU_DOTPROD) != 0; /* this build uses sdot throughout */
#else
        return 1;
#endif
#endif
    default: return 0;
    }
}

/* the scalar references: the specification, and every slot's default */
static void tn__kern_fill_ref(tn__kernels *k) {
    memset(k, 0, sizeof(*k));
    k->path = TN_PATH_REF;
    k->name = "scalar";
    k->dot[TN_TYPE_F32] = tn_vec_dot_f32_f32_ref;
    k->dot[TN_TYPE_F16] = tn_vec_dot_f16_f32_ref;
    k->dot[TN_TYPE_BF16] = tn_vec_dot_bf16_f32_ref;
    k->dot[TN_TYPE_Q4_0] = tn_vec_dot_q4_0_q8_0_ref;
    k->dot[TN_TYPE_Q4_1] = tn_vec_dot_q4_1_q8_0_ref;
    k->dot[TN_TYPE_Q5_0] = tn_vec_dot_q5_0_q8_0_ref;
    k->dot[TN_TYPE_Q5_1] = tn_vec_dot_q5_1_q8_0_ref;
    k->dot[TN_TYPE_Q8_0] = tn_vec_dot_q8_0_q8_0_ref;
    k->dot[TN_TYPE_Q8_1] = tn_vec_dot_q8_1_q8_0_ref;
    k->dot[TN_TYPE_Q8_K] = tn_vec_dot_q8_K_q8_K_ref;
    k->dot[TN_TYPE_TQ1_0] = tn_vec_dot_tq1_0_q8_K_ref;
    k->dot[TN_TYPE_TQ2_0] = tn_vec_dot_tq2_0_q8_K_ref;
    k->dot[TN__NFMT - 1] = tn_vec_dot_t2_q8_K_ref;
    k->dot[TN_TYPE_Q2_K] = tn_vec_dot_q2_K_q8_K_ref;
    k->dot[TN_TYPE_Q3_K] = tn_vec_dot_q3_K_q8_K_ref;
    k->dot[TN_TYPE_Q4_K] = tn_vec_dot_q4_K_q8_K_ref;
    k->dot[TN_TYPE_Q5_K] = tn_vec_dot_q5_K_q8_K_ref;
    k->dot[TN_TYPE_Q6_K] = tn_vec_dot_q6_K_q8_K_ref;
    k->dot[TN_TYPE_IQ4_NL] = tn_vec_dot_iq4_nl_q8_0_ref;
    k->dot[TN_TYPE_IQ4_XS] = tn_vec_dot_iq4_xs_q8_K_ref;
    k->dot[TN_TYPE_MXFP4] = tn_vec_dot_mxfp4_q8_0_ref;
    k->dot[TN_TYPE_NVFP4] = tn_vec_dot_nvfp4_q8_0_ref;
    k->dot[TN_TYPE_Q1_0] = tn_vec_dot_q1_0_q8_0_ref;
    k->dot[TN_TYPE_Q2_0] = tn_vec_dot_q2_0_q8_0_ref;
    k->dot[TN_TYPE_IQ2_XXS] = tn_vec_dot_iq2_xxs_q8_K_ref;
    k->dot[TN_TYPE_IQ2_XS] = tn_vec_dot_iq2_xs_q8_K_ref;
    k->dot[TN_TYPE_IQ2_S] = tn_vec_dot_iq2_s_q8_K_ref;
    k->dot[TN_TYPE_IQ3_XXS] = tn_vec_dot_iq3_xxs_q8_K_ref;
    k->dot[TN_TYPE_IQ3_S] = tn_vec_dot_iq3_s_q8_K_ref;
    k->dot[TN_TYPE_IQ1_S] = tn_vec_dot_iq1_s_q8_K_ref;
    k->dot[TN_TYPE_IQ1_M] = tn_vec_dot_iq1_m_q8_K_ref;
    k->quantize_q8_K = tn_quantize_row_q8_K_ref;
    k->abssum = tn__abssum_ref;
    k->row_dsum = tn__row_dsum_ref;
    k->absmax = tn__absmax_ref;
    k->quant_pass = tn__quant_pass_ref;
    k->vacc = tn__vacc_ref;
    k->tern_f32_dot = tn__tern_f32_dot_ref;
    k->tern_f32_tile = tn__tern_f32_tile_ref;
    k->relu_fwd = tn__relu_fwd_ref;
    k->relu_bwd = tn__relu_bwd_ref;
    k->relu2_fwd = tn__relu2_fwd_ref;
    k->relu2_bwd = tn__relu2_bwd_ref;
    k->exp_row = tn__exp_row_ref;
    k->exp_sum = tn__exp_sum_ref;
    k->ce_grad_row = tn__ce_grad_row_ref;
    k->adam_row = tn__adam_row_ref;
    k->gemm_mr = TN__GEMM_REF_MR;
    k->gemm_nr = TN__GEMM_REF_NR;
    k->gemm_kernel = tn__gemm_kernel_ref;
    k->igemm_panel = tn__igemm_panel_ref;
}
#if defined(TN_HAVE_AVX2)
static void tn__kern_fill_avx2(tn__kernels *k) {
    tn__kern_fill_ref(k);
    k->path = TN_PATH_AVX2;
    k->name = "avx2";
    k->dot[TN_TYPE_F32] = tn__vec_dot_f32_f32_avx2;
    k->dot[TN_TYPE_F16] = tn__vec_dot_f16_f32_avx2;
    k->dot[TN_TYPE_BF16] = tn__vec_dot_bf16_f32_avx2;
    k->dot[TN_TYPE_Q4_0] = tn__vec_dot_q4_0_q8_0_avx2;
    k->dot[TN_TYPE_Q4_1] = tn__vec_dot_q4_1_q8_0_avx2;
    k->dot[TN_TYPE_Q5_0] = tn__vec_dot_q5_0_q8_0_avx2;
    k->dot[TN_TYPE_Q5_1] = tn__vec_dot_q5_1_q8_0_avx2;
    k->dot[TN_TYPE_Q8_0] = tn__vec_dot_q8_0_q8_0_avx2;
    k->dot[TN_TYPE_Q8_1] = tn__vec_dot_q8_1_q8_0_avx2;
    k->dot[TN_TYPE_Q8_K] = tn__vec_dot_q8_K_q8_K_avx2;
    k->dot[TN_TYPE_TQ1_0] = tn__vec_dot_tq1_0_q8_K_avx2;
    k->dot[TN_TYPE_TQ2_0] = tn__vec_dot_tq2_0_q8_K_avx2;
    k->dot[TN__NFMT - 1] = tn__vec_dot_t2_q8_K_avx2;
    k->dot4[TN_TYPE_Q4_0] = tn__vec_dot4_q4_0_q8_0_avx2;
    k->dot4[TN_TYPE_Q4_1] = tn__vec_dot4_q4_1_q8_0_avx2;
    k->dot4[TN_TYPE_Q5_0] = tn__vec_dot4_q5_0_q8_0_avx2;
    k->dot4[TN_TYPE_Q5_1] = tn__vec_dot4_q5_1_q8_0_avx2;
    k->dot4[TN_TYPE_Q8_0] = tn__vec_dot4_q8_0_q8_0_avx2;
    k->dot4[TN_TYPE_Q8_1] = tn__vec_dot4_q8_1_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q4_0] = tn__vec_dot4x2_q4_0_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q4_1] = tn__vec_dot4x2_q4_1_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q5_0] = tn__vec_dot4x2_q5_0_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q5_1] = tn__vec_dot4x2_q5_1_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q8_0] = tn__vec_dot4x2_q8_0_q8_0_avx2;
    k->dot4x2[TN_TYPE_Q8_1] = tn__vec_dot4x2_q8_1_q8_0_avx2;
    k->abssum = tn__abssum_avx2;
    k->row_dsum = tn__row_dsum_avx2;
    k->absmax = tn__absmax_avx2;
    k->quant_pass = tn__quant_pass_avx2;
    k->vacc = tn__vacc_avx2;
    k->tern_f32_dot = tn__tern_f32_dot_avx2;
    k->tern_f32_tile = tn__tern_f32_tile_avx2;
    k->relu_fwd = tn__relu_fwd_avx2;
    k->relu_bwd = tn__relu_bwd_avx2;
    k->relu2_fwd = tn__relu2_fwd_avx2;
    k->relu2_bwd = tn__relu2_bwd_avx2;
    k->exp_row = tn__exp_row_avx2;
    k->exp_sum = tn__exp_sum_avx2;
    k->ce_grad_row = tn__ce_grad_row_avx2;
    k->dot[TN_TYPE_Q2_K] = tn__vec_dot_q2_K_q8_K_avx2;
    k->dot[TN_TYPE_Q3_K] = tn__vec_dot_q3_K_q8_K_avx2;
    k->dot[TN_TYPE_Q4_K] = tn__vec_dot_q4_K_q8_K_avx2;
    k->dot[TN_TYPE_Q5_K] = tn__vec_dot_q5_K_q8_K_avx2;
    k->dot[TN_TYPE_Q6_K] = tn__vec_dot_q6_K_q8_K_avx2;
    k->dot[TN_TYPE_IQ4_NL] = tn__vec_dot_iq4_nl_q8_0_avx2;
    k->dot[TN_TYPE_IQ4_XS] = tn__vec_dot_iq4_xs_q8_K_avx2;
    k->dot[TN_TYPE_MXFP4] = tn__vec_dot_mxfp4_q8_0_avx2;
    k->dot[TN_TYPE_NVFP4] = tn__vec_dot_nvfp4_q8_0_avx2;
    k->dot[TN_TYPE_Q1_0] = tn__vec_dot_q1_0_q8_0_avx2;
    k->dot[TN_TYPE_Q2_0] = tn__vec_dot_q2_0_q8_0_avx2;
    k->dot[TN_TYPE_IQ2_XXS] = tn__vec_dot_iq2_xxs_q8_K_avx2;
    k->dot[TN_TYPE_IQ2_XS] = tn__vec_dot_iq2_xs_q8_K_avx2;
    k->dot[TN_TYPE_IQ2_S] = tn__vec_dot_iq2_s_q8_K_avx2;
    k->dot[TN_TYPE_IQ3_XXS] = tn__vec_dot_iq3_xxs_q8_K_avx2;
    k->dot[TN_TYPE_IQ3_S] = tn__vec_dot_iq3_s_q8_K_avx2;
    k->dot[TN_TYPE_IQ1_S] = tn__vec_dot_iq1_s_q8_K_avx2;
    k->dot[TN_TYPE_IQ1_M] = tn__vec_dot_iq1_m_q8_K_avx2;
    k->adam_row = tn__adam_row_avx2;
    k->tile[TN_TYPE_TQ2_0] = 1;
    k->tile[TN_TYPE_TQ1_0] = 2;
    k->tile[TN__NFMT - 1] = 3;
    k->tern_tile = tn__tern_tile_avx2_any;
    k->tern_tile_ybytes = 24 << 10; /* Zen 3, 4096 x 4096 batch 8 in two passes of 4 columns (18 KB) instead of one of 8 (37 KB): min 1.89 -> 1.76 ms TQ2_0, 1.93 -> 1.70 T2 */
    k->q8k_to_tile = tn__q8k_to_tile;
    k->gemm_mr = TN__GEMM256_MR;
    k->gemm_nr = TN__GEMM256_NR;
    k->gemm_kernel = tn__gemm_kernel_avx2;
    k->gemm_direct = tn__gemm_direct_avx2;
    k->gemm_direct_n = 256; /* Zen 3: 1024 x 1024 x 1024 5% slower read in place, 2048 x 128 x 128 and 64 x 64 x 32 5-10% faster */
    k->transpose8 = tn__transpose8_avx2;
    k->transpose6 = tn__transpose6_avx2;
    k->igemm_panel = tn__igemm_panel_avx2;
}
#endif
#if defined(TN_HAVE_AVX512)
static void tn__kern_fill_avx512(tn__kernels *k) {
    tn__kern_fill_avx2(k); /* AVX2 kernels where AVX-512 has none */
    k->path = TN_PATH_AVX512;
    k->name = "avx512";
    k->dot[TN_TYPE_F32] = tn__vec_dot_f32_f32_avx512;
    k->dot[TN_TYPE_F16] = tn__vec_dot_f16_f32_avx512;
    k->dot[TN_TYPE_BF16] = tn__vec_dot_bf16_f32_avx512;
    k->dot[TN_TYPE_Q4_0] = tn__vec_dot_q4_0_q8_0_avx512;
    k->dot[TN_TYPE_Q4_1] = tn__vec_dot_q4_1_q8_0_avx512;
    k->dot[TN_TYPE_Q5_0] = tn__vec_dot_q5_0_q8_0_avx512;
    k->dot[TN_TYPE_Q5_1] = tn__vec_dot_q5_1_q8_0_avx512;
    k->dot[TN_TYPE_Q8_0] = tn__vec_dot_q8_0_q8_0_avx512;
    k->dot[TN_TYPE_Q8_1] = tn__vec_dot_q8_1_q8_0_avx512;
    k->dot[TN_TYPE_Q8_K] = tn__vec_dot_q8_K_q8_K_avx512;
    k->dot[TN_TYPE_Q2_K] = tn__vec_dot_q2_K_q8_K_avx512;
    k->dot[TN_TYPE_Q3_K] = tn__vec_dot_q3_K_q8_K_avx512;
    k->dot[TN_TYPE_Q4_K] = tn__vec_dot_q4_K_q8_K_avx512;
    k->dot[TN_TYPE_Q5_K] = tn__vec_dot_q5_K_q8_K_avx512;
    k->dot[TN_TYPE_Q6_K] = tn__vec_dot_q6_K_q8_K_avx512;
    k->dot[TN_TYPE_IQ2_XXS] = tn__vec_dot_iq2_xxs_q8_K_avx512;
    k->dot[TN_TYPE_IQ2_XS] = tn__vec_dot_iq2_xs_q8_K_avx512;
    k->dot[TN_TYPE_IQ2_S] = tn__vec_dot_iq2_s_q8_K_avx512;
    k->dot[TN_TYPE_IQ3_XXS] = tn__vec_dot_iq3_xxs_q8_K_avx512;
    k->dot[TN_TYPE_IQ3_S] = tn__vec_dot_iq3_s_q8_K_avx512;
    k->dot[TN_TYPE_IQ1_S] = tn__vec_dot_iq1_s_q8_K_avx512;
    k->dot[TN_TYPE_IQ1_M] = tn__vec_dot_iq1_m_q8_K_avx512;
    k->dot[TN_TYPE_TQ1_0] = tn__vec_dot_tq1_0_q8_K_avx512;
    k->dot[TN_TYPE_TQ2_0] = tn__vec_dot_tq2_0_q8_K_avx512;
    memset(k->dot4x2, 0, sizeof(k->dot4x2)); /* the AVX2 ones sum as the AVX2 dots do, not as these */
    k->dot4[TN_TYPE_F32] = tn__vec_dot4_f32_f32_avx512;
    k->dot4[TN_TYPE_F16] = tn__vec_dot4_f16_f32_avx512;
    k->dot4[TN_TYPE_BF16] = tn__vec_dot4_bf16_f32_avx512;
    k->dot4[TN_TYPE_Q4_0] = tn__vec_dot4_q4_0_q8_0_avx512;
    k->dot4[TN_TYPE_Q4_1] = tn__vec_dot4_q4_1_q8_0_avx512;
    k->dot4[TN_TYPE_Q5_0] = tn__vec_dot4_q5_0_q8_0_avx512;
    k->dot4[TN_TYPE_Q5_1] = tn__vec_dot4_q5_1_q8_0_avx512;
    k->dot4[TN_TYPE_Q8_0] = tn__vec_dot4_q8_0_q8_0_avx512;
    k->dot4[TN_TYPE_Q8_1] = tn__vec_dot4_q8_1_q8_0_avx512;
    k->tile[TN_TYPE_TQ2_0] = 1;
    k->tile[TN_TYPE_TQ1_0] = 2;
#if defined(TN_HAVE_AVX512VBMI) /* T2's dot and tiles use VBMI permutes */
    k->dot[TN__NFMT - 1] = tn__vec_dot_t2_q8_K_avx512;
    k->tile[TN__NFMT - 1] = 3;
#endif
    k->tern_tile = tn__tern_tile;
    k->tern_tile_ybytes = 0; /* its tiles were tuned reading eight columns */
    k->q8k_to_tile = tn__q8k_to_tile;
    k->quantize_q8_K = tn__quantize_row_q8_K_avx512;
    k->abssum = tn__abssum_avx512;
    k->absmax = tn__absmax_avx512;
    k->quant_pass = tn__quant_pass_avx512;
    k->vacc = tn__vacc_avx512;
    k->tern_f32_dot = tn__tern_f32_dot_avx512;
    k->tern_f32_tile = tn__tern_f32_tile_avx512;
    k->relu_fwd = tn__relu_fwd_avx512;
    k->relu_bwd = tn__relu_bwd_avx512;
    k->relu2_fwd = tn__relu2_fwd_avx512;
    k->relu2_bwd = tn__relu2_bwd_avx512;
    k->exp_row = tn__exp_row_avx512;
    k->exp_sum = tn__exp_sum_avx512;
    k->ce_grad_row = tn__ce_grad_row_avx512;
    k->adam_row = tn__adam_row_avx512;
    k->gemm_mr = TN__GEMM512_MR;
    k->gemm_nr = TN__GEMM512_NR;
    k->gemm_kernel = tn__gemm_kernel_avx512;
    k->gemm_direct = tn__gemm_direct_avx512;
    k->gemm_direct_n = INT64_MAX;
    k->igemm_panel = tn__igemm_panel_avx512;
}
#endif
#if defined(TN_HAVE_NEON)
/* dp: the CPU has the dot-product extension (sdot) */
static void tn__kern_fill_neon(tn__kernels *k, int dp) {
    tn__kern_fill_ref(k);
    k->path = TN_PATH_NEON;
    k->name = dp ? "neon-dotprod" : "neon";
    k->dot[TN_TYPE_Q2_K] = dp ? tn__vec_dot_q2_K_q8_K_neon_dp : tn__vec_dot_q2_K_q8_K_neon;
    k->dot[TN_TYPE_Q3_K] = dp ? tn__vec_dot_q3_K_q8_K_neon_dp : tn__vec_dot_q3_K_q8_K_neon;
    k->dot[TN_TYPE_Q4_K] = dp ? tn__vec_dot_q4_K_q8_K_neon_dp : tn__vec_dot_q4_K_q8_K_neon;
    k->dot[TN_TYPE_Q5_K] = dp ? tn__vec_dot_q5_K_q8_K_neon_dp : tn__vec_dot_q5_K_q8_K_neon;
    k->dot[TN_TYPE_Q6_K] = dp ? tn__vec_dot_q6_K_q8_K_neon_dp : tn__vec_dot_q6_K_q8_K_neon;
    k->dot[TN_TYPE_IQ4_NL] = dp ? tn__vec_dot_iq4_nl_q8_0_neon_dp : tn__vec_dot_iq4_nl_q8_0_neon;
    k->dot[TN_TYPE_IQ4_XS] = dp ? tn__vec_dot_iq4_xs_q8_K_neon_dp : tn__vec_dot_iq4_xs_q8_K_neon;
    k->dot[TN_TYPE_MXFP4] = dp ? tn__vec_dot_mxfp4_q8_0_neon_dp : tn__vec_dot_mxfp4_q8_0_neon;
    k->dot[TN_TYPE_NVFP4] = dp ? tn__vec_dot_nvfp4_q8_0_neon_dp : tn__vec_dot_nvfp4_q8_0_neon;
    k->dot[TN_TYPE_Q1_0] = dp ? tn__vec_dot_q1_0_q8_0_neon_dp : tn__vec_dot_q1_0_q8_0_neon;
    k->dot[TN_TYPE_Q2_0] = dp ? tn__vec_dot_q2_0_q8_0_neon_dp : tn__vec_dot_q2_0_q8_0_neon;
    k->dot[TN_TYPE_IQ2_XXS] = dp ? tn__vec_dot_iq2_xxs_q8_K_neon_dp : tn__vec_dot_iq2_xxs_q8_K_neon;
    k->dot[TN_TYPE_IQ2_XS] = dp ? tn__vec_dot_iq2_xs_q8_K_neon_dp : tn__vec_dot_iq2_xs_q8_K_neon;
    k->dot[TN_TYPE_IQ2_S] = dp ? tn__vec_dot_iq2_s_q8_K_neon_dp : tn__vec_dot_iq2_s_q8_K_neon;
    k->dot[TN_TYPE_IQ3_XXS] = dp ? tn__vec_dot_iq3_xxs_q8_K_neon_dp : tn__vec_dot_iq3_xxs_q8_K_neon;
    k->dot[TN_TYPE_IQ3_S] = dp ? tn__vec_dot_iq3_s_q8_K_neon_dp : tn__vec_dot_iq3_s_q8_K_neon;
    k->dot[TN_TYPE_IQ1_S] = dp ? tn__vec_dot_iq1_s_q8_K_neon_dp : tn__vec_dot_iq1_s_q8_K_neon;
    k->dot[TN_TYPE_IQ1_M] = dp ? tn__vec_dot_iq1_m_q8_K_neon_dp : tn__vec_dot_iq1_m_q8_K_neon;
    k->dot[TN_TYPE_F32] = tn__vec_dot_f32_f32_neon;
    k->dot[TN_TYPE_F16] = tn__vec_dot_f16_f32_neon;
    k->dot[TN_TYPE_BF16] = tn__vec_dot_bf16_f32_neon;
    k->dot[TN_TYPE_Q4_0] = dp ? tn__vec_dot_q4_0_q8_0_neon_dp : tn__vec_dot_q4_0_q8_0_neon;
    k->dot[TN_TYPE_Q4_1] = dp ? tn__vec_dot_q4_1_q8_0_neon_dp : tn__vec_dot_q4_1_q8_0_neon;
    k->dot[TN_TYPE_Q5_0] = dp ? tn__vec_dot_q5_0_q8_0_neon_dp : tn__vec_dot_q5_0_q8_0_neon;
    k->dot[TN_TYPE_Q5_1] = dp ? tn__vec_dot_q5_1_q8_0_neon_dp : tn__vec_dot_q5_1_q8_0_neon;
    k->dot[TN_TYPE_Q8_0] = dp ? tn__vec_dot_q8_0_q8_0_neon_dp : tn__vec_dot_q8_0_q8_0_neon;
    k->dot[TN_TYPE_Q8_1] = dp ? tn__vec_dot_q8_1_q8_0_neon_dp : tn__vec_dot_q8_1_q8_0_neon;
    k->dot[TN_TYPE_Q8_K] = dp ? tn__vec_dot_q8_K_q8_K_neon_dp : tn__vec_dot_q8_K_q8_K_neon;
    k->dot[TN_TYPE_TQ1_0] = dp ? tn__vec_dot_tq1_0_q8_K_neon_dp : tn__vec_dot_tq1_0_q8_K_neon;
    k->dot[TN_TYPE_TQ2_0] = dp ? tn__vec_dot_tq2_0_q8_K_neon_dp : tn__vec_dot_tq2_0_q8_K_neon;
    k->dot[TN__NFMT - 1] = dp ? tn__vec_dot_t2_q8_K_neon_dp : tn__vec_dot_t2_q8_K_neon;
    k->vacc = tn__vacc_neon;
    k->tern_f32_dot = tn__tern_f32_dot_neon;
    k->tern_f32_tile = tn__tern_f32_tile_neon;
    k->adam_row = tn__adam_row_neon;
    k->igemm_panel = dp ? tn__igemm_panel_neon_dp : tn__igemm_panel_neon;
}
#endif

/* Process-wide, but per copy of the implementation (static): two copies in one
   program each detect and choose on their own, and agree. */
static tn__kernels tn__ktab[TN_PATH_COUNT];
static int tn__kavail[TN_PATH_COUNT];
static int tn__kcur = TN_PATH_REF, tn__kbest = TN_PATH_REF;
static int tn__kstate; /* 0: not yet, 1: being filled, 2: ready */
static unsigned tn__cpu_flags;
static char tn__cpu_feature_str[160];

static const char *const tn__path_names[TN_PATH_COUNT] = {"scalar", "best", "avx2", "avx512", "neon"};
TNDEF const char *tn_path_name(tn_kernel_path path) {
    return (int)path >= 0 && (int)path < TN_PATH_COUNT ? tn__path_names[path] : "?";
}
TNDEF tn_status tn_path_from_name(const char *name, tn_kernel_path *out) {
    int i;
    if (!name || !out) return tn__fail(TN_ERR_ARG, "tn_path_from_name: NULL argument");
    for (i = 0; i < TN_PATH_COUNT; i++)
        if (strcmp(name, tn__path_names[i]) == 0) { *out = (tn_kernel_path)i; return TN_OK; }
    if (strcmp(name, "ref") == 0 || strcmp(name, "neon-dotprod") == 0) { *out = name[0] == 'r' ? TN_PATH_REF : TN_PATH_NEON; return TN_OK; }
    return tn__fail(TN_ERR_ARG, "unknown path '%s' (scalar, avx2, avx512, neon, best)", name);
}
static void tn__kern_setup(void) {
    const char *env = getenv("TN_CPU");
    size_t len = 0;
    int i;
    tn__cpu_flags = tn__cpu_detect();
    tn__kern_fill_ref(&tn__ktab[TN_PATH_REF]);
#if defined(TN__X86_DISPATCH)
    if (tn__cpu_flags & TN__CPU_FMA) tn__ktab[TN_PATH_REF].gemm_kernel = tn__gemm_kernel_ref_fma;
#endif
    tn__kavail[TN_PATH_REF] = 1;
#if defined(TN_HAVE_AVX2)
    if ((tn__kavail[TN_PATH_AVX2] = tn__cpu_runs(TN_PATH_AVX2, tn__cpu_flags)) != 0) { tn__kern_fill_avx2(&tn__ktab[TN_PATH_AVX2]); tn__kbest = TN_PATH_AVX2; }
#endif
#if defined(TN_HAVE_AVX512)
    if ((tn__kavail[TN_PATH_AVX512] = tn__cpu_runs(TN_PATH_AVX512, tn__cpu_flags)) != 0) { tn__kern_fill_avx512(&tn__ktab[TN_PATH_AVX512]); tn__kbest = TN_PATH_AVX512; }
#endif
#if defined(TN_HAVE_NEON)
    if ((tn__kavail[TN_PATH_NEON] = tn__cpu_runs(TN_PATH_NEON, tn__cpu_flags)) != 0) {
        tn__kern_fill_neon(&tn__ktab[TN_PATH_NEON], (tn__cpu_flags & TN__CPU_DOTPROD) != 0);
        tn__kbest = TN_PATH_NEON;
    }
#endif
    tn__kcur = tn__kbest;
    for (i = 0; i < (int)(sizeof(tn__cpu_feature_names) / sizeof(tn__cpu_feature_names[0])); i++)
        if ((tn__cpu_flags >> i) & 1u) {
            size_t w = strlen(tn__cpu_feature_names[i]);
            if (len + w + 2 > sizeof(tn__cpu_feature_str)) break;
            if (len) tn__cpu_feature_str[len++] = ' ';
            memcpy(tn__cpu_feature_str + len, tn__cpu_feature_names[i], w);
            len += w;
        }
    tn__cpu_feature_str[len] = 0;
    if (env && *env) { /* a cap from the environment */
        tn_kernel_path want;
        char saved[512];
        memcpy(saved, tn__err_msg, sizeof(saved)); /* looking the name up must not replace the caller's message */
        if (tn_path_from_name(env, &want) != TN_OK)
            fprintf(stderr, "ternary.h: TN_CPU=%s is not a path (scalar, avx2, avx512, neon); using %s\n", env, tn__ktab[tn__kbest].name);
        else if (want == TN_PATH_BEST) {
        } else if (!tn__kavail[want])
            fprintf(stderr, "ternary.h: TN_CPU=%s, but this %s cannot run it; using %s\n", env,
                    tn__cpu_runs(want, ~0u) ? "CPU" : "build", tn__ktab[tn__kbest].name);
        else tn__kcur = (int)want;
        memcpy(tn__err_msg, saved, sizeof(saved));
    }
}
static void tn__kern_once(void) {
#if !defined(TERNARY_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
    int expected = 0;
    if (__atomic_compare_exchange_n(&tn__kstate, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        tn__kern_setup();
        __atomic_store_n(&tn__kstate, 2, __ATOMIC_RELEASE);
    } else
        while (__atomic_load_n(&tn__kstate, __ATOMIC_ACQUIRE) != 2) tn__cpu_relax();
#else
    if (tn__kstate != 2) { tn__kern_setup(); tn__kstate = 2; }
#endif
}
static int tn__kern_cur(void) {
#if !defined(TERNARY_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
    if (__atomic_load_n(&tn__kstate, __ATOMIC_ACQUIRE) != 2) tn__kern_once();
    return __atomic_load_n(&tn__kcur, __ATOMIC_RELAXED);
#else
    if (tn__kstate != 2) tn__kern_once();
    return tn__kcur;
#endif
}
static const tn__kernels *tn__kern(void) { return &tn__ktab[tn__kern_cur()]; }
static const tn__kernels *tn__kern_path(tn_kernel_path p) {
    if (p == TN_PATH_BEST) return tn__kern();
    tn__kern_cur();
    return (int)p >= 0 && (int)p < TN_PATH_COUNT && tn__kavail[p] ? &tn__ktab[p] : NULL;
}

TNDEF tn_kernel_path tn_cpu_path(void) { return (tn_kernel_path)tn__kern_cur(); }
TNDEF const char *tn_simd_name(void) { return tn__kern()->name; }
TNDEF int tn_cpu_has_path(tn_kernel_path path) { return path == TN_PATH_BEST || tn__kern_path(path) != NULL; }
TNDEF const char *tn_cpu_features(void) { tn__kern_cur(); return tn__cpu_feature_str; }
TNDEF tn_status tn_set_cpu_path(tn_kernel_path path) {
    int p;
    tn__kern_cur();
    p = path == TN_PATH_BEST ? tn__kbest : (int)path;
    if (p < 0 || p >= TN_PATH_COUNT || p == TN_PATH_BEST)
        return tn__fail(TN_ERR_ARG, "tn_set_cpu_path: %d is not a path", (int)path);
    if (!tn__kavail[p])
        return tn__fail(TN_ERR_ARG, "tn_set_cpu_path: this %s cannot run the %s path (it has: %s); the %s path stays",
                        tn__cpu_runs((tn_kernel_path)p, ~0u) ? "CPU" : "build", tn__path_names[p],
                        tn__cpu_feature_str[0] ? tn__cpu_feature_str : "no SIMD features", tn__ktab[tn__kern_cur()].name);
#if !defined(TERNARY_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
    __atomic_store_n(&tn__kcur, p, __ATOMIC_RELAXED);
#else
    tn__kcur = p;
#endif
    return TN_OK;
}
TNDEF tn_vec_dot_fn tn_get_vec_dot(tn_type type, tn_kernel_path path) {
    const tn__kernels *k = tn__kern_path(path);
    const int slot = tn__fmt_slot(type);
    return k && slot >= 0 ? k->dot[slot] : NULL;
}
/* the public dot products: the path in use */
#define TN__VEC_DOT_ENTRY(name, type) \
    TNDEF void tn_vec_dot_##name(int64_t n, float *s, const void *x, const void *y) { tn__kern()->dot[tn__fmt_slot(type)](n, s, x, y); }
TN__VEC_DOT_ENTRY(f32_f32, TN_TYPE_F32)
TN__VEC_DOT_ENTRY(f16_f32, TN_TYPE_F16)
TN__VEC_DOT_ENTRY(bf16_f32, TN_TYPE_BF16)
TN__VEC_DOT_ENTRY(q4_0_q8_0, TN_TYPE_Q4_0)
TN__VEC_DOT_ENTRY(q4_1_q8_0, TN_TYPE_Q4_1)
TN__VEC_DOT_ENTRY(q5_0_q8_0, TN_TYPE_Q5_0)
TN__VEC_DOT_ENTRY(q5_1_q8_0, TN_TYPE_Q5_1)
TN__VEC_DOT_ENTRY(q8_0_q8_0, TN_TYPE_Q8_0)
TN__VEC_DOT_ENTRY(q8_1_q8_0, TN_TYPE_Q8_1)
TN__VEC_DOT_ENTRY(q8_K_q8_K, TN_TYPE_Q8_K)
TN__VEC_DOT_ENTRY(tq1_0_q8_K, TN_TYPE_TQ1_0)
TN__VEC_DOT_ENTRY(tq2_0_q8_K, TN_TYPE_TQ2_0)
TN__VEC_DOT_ENTRY(t2_q8_K, TN_TYPE_T2)
TN__VEC_DOT_ENTRY(q2_K_q8_K, TN_TYPE_Q2_K)
TN__VEC_DOT_ENTRY(q3_K_q8_K, TN_TYPE_Q3_K)
TN__VEC_DOT_ENTRY(q4_K_q8_K, TN_TYPE_Q4_K)
TN__VEC_DOT_ENTRY(q5_K_q8_K, TN_TYPE_Q5_K)
TN__VEC_DOT_ENTRY(q6_K_q8_K, TN_TYPE_Q6_K)
TN__VEC_DOT_ENTRY(iq4_nl_q8_0, TN_TYPE_IQ4_NL)
TN__VEC_DOT_ENTRY(iq2_xxs_q8_K, TN_TYPE_IQ2_XXS)
TN__VEC_DOT_ENTRY(iq2_xs_q8_K, TN_TYPE_IQ2_XS)
TN__VEC_DOT_ENTRY(iq2_s_q8_K, TN_TYPE_IQ2_S)
TN__VEC_DOT_ENTRY(iq3_xxs_q8_K, TN_TYPE_IQ3_XXS)
TN__VEC_DOT_ENTRY(iq3_s_q8_K, TN_TYPE_IQ3_S)
TN__VEC_DOT_ENTRY(iq1_s_q8_K, TN_TYPE_IQ1_S)
TN__VEC_DOT_ENTRY(iq1_m_q8_K, TN_TYPE_IQ1_M)
TN__VEC_DOT_ENTRY(iq4_xs_q8_K, TN_TYPE_IQ4_XS)
TN__VEC_DOT_ENTRY(mxfp4_q8_0, TN_TYPE_MXFP4)
TN__VEC_DOT_ENTRY(nvfp4_q8_0, TN_TYPE_NVFP4)
TN__VEC_DOT_ENTRY(q1_0_q8_0, TN_TYPE_Q1_0)
TN__VEC_DOT_ENTRY(q2_0_q8_0, TN_TYPE_Q2_0)
#undef TN__VEC_DOT_ENTRY


/* -- f32 GEMM for training: C (M x N) = A (M x K) . B (N x K)^T, both K-contiguous --
   Blocked and packed: B in panels of NR columns and A in panels of MR rows,
   k-major, so the micro-kernel broadcasts A and FMAs NR-wide rows of B into
   MR x NR accumulators held in registers. Every C element is summed in the
   same k order whatever the thread count, so results are bit-identical. */
/* -- f32 GEMM for training: C (M x N) = A (M x K) . B (N x K)^T, both K-contiguous --
   Blocked and packed: B in panels of NR columns and A in panels of MR rows,
   k-major, so the micro-kernel broadcasts A and FMAs NR-wide rows of B into
   MR x NR accumulators held in registers (MR x NR per path: 8 x 32 AVX-512,
   6 x 16 AVX2, 4 x 8 scalar). Every C element is the same sum on every path
   and thread count: per KC-chunk of k, c = 0, then c = fma(a_k, b_k, c) in k
   order, then C = c (first chunk) or C + c. */
#define TN__GEMM_MR_MAX 8
#define TN__GEMM_NR_MAX 32
#define TN__GEMM_KC 256
/* MC, NC only tile M and N (no effect on the sums): an A block of 240 x 256
   (240 KB) stays in L2, a B panel column (256 x NR) in L1. 1024^3 on Zen 3
   (AVX2, 1 thread): MC 96 / NC 512 0.86x OpenBLAS, 240 / 1024 0.93x */
#define TN__GEMM_MC 240
#define TN__GEMM_NC 1024

/* Ap: kc x MR (row panel of A), Bp: kc x NR; C += or = Ap^T Bp for mr x nr valid entries */
#define TN__GEMM_REF_BODY                                                                                                       \
    float c[TN__GEMM_REF_MR][TN__GEMM_REF_NR];                                                                                  \
    int i, j;                                                                                                                   \
    int64_t k;                                                                                                                  \
    memset(c, 0, sizeof(c));                                                                                                    \
    for (k = 0; k < kc; k++)                                                                                                    \
        for (i = 0; i < TN__GEMM_REF_MR; i++)                                                                                   \
            for (j = 0; j < TN__GEMM_REF_NR; j++) c[i][j] = fmaf(Ap[k * TN__GEMM_REF_MR + i], Bp[k * TN__GEMM_REF_NR + j], c[i][j]); \
    for (i = 0; i < mr; i++)                                                                                                    \
        for (j = 0; j < nr; j++) C[i * ldc + j] = accumulate ? C[i * ldc + j] + c[i][j] : c[i][j];
static void tn__gemm_kernel_ref(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    TN__GEMM_REF_BODY
}
#if defined(TN__X86_DISPATCH)
/* the same C where the CPU has FMA: fmaf becomes one instruction instead of a
   libm call (fmaf is exact either way: the same bits) */
__attribute__((target("fma")))
static void tn__gemm_kernel_ref_fma(int64_t kc, const float *Ap, const float *Bp, float *C, int64_t ldc, int mr, int nr, int accumulate) {
    TN__GEMM_REF_BODY
}
#endif
#undef TN__GEMM_REF_BODY

/* pack rows r0..r0+rows of X (ld) over k0..k0+kc into panels of P rows, k-major,
   zero-padded; element (r, k) is X[r * ld + k], or X[k * ld + r] when trans */
static void tn__gemm_pack(float *dst, const float *X, int64_t ld, int trans, int64_t r0, int64_t rows, int64_t k0, int64_t kc, int P) {
    void (*tr8)(float *, int64_t, const float *, int64_t) = tn__kern()->transpose8;
    void (*tr6)(float *, const float *, int64_t) = tn__kern()->transpose6;
    int64_t p, k;
    int i;
    if (trans) {
        /* source row k holds element k of every panel: each row is read once, in
           order, into the whole panels (P floats each: copies of a constant size,
           inlined moves), then the last partial panel padded with zeros */
        const int64_t full = rows - rows % P, ps = kc * P;
        if (full) {
#define TN__PACK_ROWS(W) for (k = 0; k < kc; k++) { \
        const float *x = X + (k0 + k) * ld + r0; \
        float *d = dst + k * P; \
        for (p = 0; p < full; p += (W), d += ps) memcpy(d, x + p, sizeof(float) * (W)); }
            if (P == 32) TN__PACK_ROWS(32)
            else if (P == 16) TN__PACK_ROWS(16)
            else if (P == 8) TN__PACK_ROWS(8)
            else if (P == 6) TN__PACK_ROWS(6)
            else if (P == 4) TN__PACK_ROWS(4)
            else TN__PACK_ROWS(P)
#undef TN__PACK_ROWS
            dst += (full / P) * ps;
        }
        if (full < rows) {
            const int n = (int)(rows - full);
            for (k = 0; k < kc; k++) {
                const float *x = X + (k0 + k) * ld + r0 + full;
                int j;
                for (j = 0; j < n; j++) dst[k * P + j] = x[j];
                for (; j < P; j++) dst[k * P + j] = 0.0f;
            }
        }
        return;
    }
    for (p = 0; p < rows; p += P) {
        int n = (int)TN__MIN((int64_t)P, rows - p);
        if (tr6 && n == 6 && P == 6) { /* the AVX2 A panel: 6 x 8 blocks through registers */
            const float *x = X + (r0 + p) * ld + k0;
            for (k = 0; k + 8 <= kc; k += 8) tr6(dst + k * 6, x + k, ld);
            for (; k < kc; k++) {
                int j;
                for (j = 0; j < 6; j++) dst[k * 6 + j] = x[j * ld + k];
            }
        }
        else if (tr8 && n == P && P % 8 == 0) { /* whole panel: 8 x 8 blocks through registers */
            for (i = 0; i < P; i += 8) {
                const float *x = X + (r0 + p + i) * ld + k0;
                for (k = 0; k + 8 <= kc; k += 8) tr8(dst + k * P + i, P, x + k, ld);
                for (; k < kc; k++) {
                    int j;
                    for (j = 0; j < 8; j++) dst[k * P + i + j] = x[j * ld + k];
                }
            }
        }
        else
            for (i = 0; i < n; i++) { /* read each source row in order; the panel is in cache */
                const float *x = X + (r0 + p + i) * ld + k0;
                for (k = 0; k < kc; k++) dst[k * P + i] = x[k];
            }
        if (n < P)
            for (k = 0; k < kc; k++) memset(dst + k * P + n, 0, sizeof(float) * (size_t)(P - n));
        dst += kc * P;
    }
}

typedef struct { int64_t M, N, K, lda, ldb, ldc; const float *A, *B; float *C; int ta, tb, acc; int *fail; tn_pool *pool; int slot; } tn__gemm_args;
/* pool, slot: whose scratch holds the packing buffers (slot < 0: the running thread's) */

/* a flag any thread may raise (set to 1, never cleared while threads run) */
static void tn__raise(int *flag) {
#if !defined(TERNARY_NO_THREADS) && (defined(__GNUC__) || defined(__clang__))
    __atomic_store_n(flag, 1, __ATOMIC_RELAXED);
#else
    *flag = 1;
#endif
}

static void tn__gemm_task(void *p, int ith, int nth) {
    const tn__gemm_args *g = (const tn__gemm_args *)p;
    const tn__kernels *kt = tn__kern();
    const int64_t MR = kt->gemm_mr, NR = kt->gemm_nr;
    /* threads take whole NR panels of N: results do not depend on nth */
    int64_t n_panels = (g->N + NR - 1) / NR;
    int64_t p0 = n_panels * ith / nth, p1 = n_panels * (ith + 1) / nth;
    int64_t n_lo = p0 * NR, n_hi = TN__MIN(g->N, p1 * NR);
    int64_t nc, kc, mc;
    float *Bp, *Ap, *buf;
    if (n_lo >= n_hi) return;
    {   /* packing buffers sized to the problem (small ones stay small), in the
           thread's scratch: no allocation once it has grown */
        int64_t kk = TN__MIN((int64_t)TN__GEMM_KC, g->K);
        int64_t nb = TN__MIN((int64_t)TN__GEMM_NC, n_hi - n_lo) + NR, mb = TN__MIN((int64_t)TN__GEMM_MC, g->M) + MR;
        const size_t nbp = (size_t)(kk * nb), nap = (size_t)(kk * mb);
        buf = (float *)tn__tscratch_get(g->pool, g->slot >= 0 ? g->slot : ith, sizeof(float) * (nbp + nap));
        if (!buf) { tn__raise(g->fail); return; } /* C left unfinished: the caller reports it */
        Bp = buf;
        Ap = buf + nbp;
    }
    for (nc = n_lo; nc < n_hi; nc += TN__GEMM_NC) {
        int64_t nn = TN__MIN((int64_t)TN__GEMM_NC, n_hi - nc);
        for (kc = 0; kc < g->K; kc += TN__GEMM_KC) {
            int64_t kk = TN__MIN((int64_t)TN__GEMM_KC, g->K - kc);
            tn__gemm_pack(Bp, g->B, g->ldb, g->tb, nc, nn, kc, kk, (int)NR);
            for (mc = 0; mc < g->M; mc += TN__GEMM_MC) {
                int64_t mm = TN__MIN((int64_t)TN__GEMM_MC, g->M - mc), i, j;
                if (!g->ta && kt->gemm_direct && nn <= kt->gemm_direct_n) { /* K-contiguous rows of A: whole panels are read in place, only a last partial one is packed */
                    const int64_t full = mm - mm % MR;
                    if (full < mm) tn__gemm_pack(Ap, g->A, g->lda, 0, mc + full, mm - full, kc, kk, (int)MR);
                    for (j = 0; j < nn; j += NR)
                        for (i = 0; i < mm; i += MR) {
                            float *Cp = g->C + (mc + i) * g->ldc + nc + j;
                            const int nr = (int)TN__MIN((int64_t)NR, nn - j);
                            if (i < full) kt->gemm_direct(kk, g->A + (mc + i) * g->lda + kc, g->lda, Bp + j * kk, Cp, g->ldc, nr, kc > 0 || g->acc);
                            else kt->gemm_kernel(kk, Ap, Bp + j * kk, Cp, g->ldc, (int)(mm - i), nr, kc > 0 || g->acc);
                        }
                    continue;
                }
                tn__gemm_pack(Ap, g->A, g->lda, g->ta, mc, mm, kc, kk, (int)MR);
                for (j = 0; j < nn; j += NR)
                    for (i = 0; i < mm; i += MR)
                        kt->gemm_kernel(kk, Ap + i * kk, Bp + j * kk, g->C + (mc + i) * g->ldc + nc + j, g->ldc,
                                        (int)TN__MIN((int64_t)MR, mm - i), (int)TN__MIN((int64_t)NR, nn - j), kc > 0 || g->acc);
            }
        }
    }
    tn__scratch_release(g->pool, buf);
}

/* C (+)= A . B^T, row-major: A is M x K (element (i, k) at A[i * lda + k], or at
   A[k * lda + i] when ta), B is N x K likewise with tb; acc adds to C. K == 0
   gives zeros (or leaves C when acc). Returns TN_ERR_NOMEM (message set) when
   the packing buffers could not be allocated. */
static tn_status tn__gemm_ex(tn_pool *pool, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, int ta,
                             const float *B, int64_t ldb, int tb, float *C, int64_t ldc, int acc) {
    tn__gemm_args g;
    int fail = 0;
    if (K == 0) {
        int64_t i;
        if (!acc)
            for (i = 0; i < M; i++) memset(C + i * ldc, 0, sizeof(float) * (size_t)N);
        return TN_OK;
    }
    g.M = M; g.N = N; g.K = K; g.lda = lda; g.ldb = ldb; g.ldc = ldc; g.A = A; g.B = B; g.C = C;
    g.ta = ta; g.tb = tb; g.acc = acc; g.fail = &fail; g.pool = pool; g.slot = -1;
    tn_pool_run(pool, tn__gemm_task, &g);
    return fail ? tn__fail(TN_ERR_NOMEM, "f32 GEMM %lldx%lldx%lld: out of memory for the packing buffers", (long long)M, (long long)N, (long long)K) : TN_OK;
}
static tn__gemm_args tn__gemm_make(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, int ta,
                                   const float *B, int64_t ldb, int tb, float *C, int64_t ldc, int acc) {
    tn__gemm_args g;
    g.M = M; g.N = N; g.K = K; g.lda = lda; g.ldb = ldb; g.ldc = ldc; g.A = A; g.B = B; g.C = C;
    g.ta = ta; g.tb = tb; g.acc = acc; g.fail = NULL; g.pool = NULL; g.slot = -1;
    return g;
}
/* independent GEMMs (their C do not overlap), e.g. one per attention head: with
   enough of them each thread runs whole GEMMs, otherwise each GEMM is split.
   Either way every C element is computed the same way. */
typedef struct { const tn__gemm_args *g; int64_t n; int *fail; tn_pool *pool; } tn__gemm_list;
#define TN__GEMM_LIST 32 /* GEMMs handed to the threads at once (lists live on the stack) */
static void tn__gemm_list_task(void *p, int ith, int nth) {
    const tn__gemm_list *l = (const tn__gemm_list *)p;
    int64_t i;
    for (i = ith; i < l->n; i += nth) {
        tn__gemm_args one = l->g[i];
        one.fail = l->fail;
        one.pool = l->pool;
        one.slot = ith; /* whole GEMMs on this thread: its scratch */
        tn__gemm_task(&one, 0, 1);
    }
}
static tn_status tn__gemm_run_list(tn_pool *pool, const tn__gemm_args *g, int64_t n) {
    int64_t i;
    int nth = tn_pool_n_threads(pool), all_k = 1, fail = 0;
    tn_status st = TN_OK;
    for (i = 0; i < n; i++) all_k &= g[i].K > 0;
    if (nth > 1 && n >= 2 * nth && all_k) {
        tn__gemm_list l;
        l.g = g; l.n = n; l.fail = &fail; l.pool = pool;
        tn_pool_run(pool, tn__gemm_list_task, &l);
        return fail ? tn__fail(TN_ERR_NOMEM, "f32 GEMMs: out of memory for the packing buffers") : TN_OK;
    }
    for (i = 0; i < n && st == TN_OK; i++)
        st = tn__gemm_ex(pool, g[i].M, g[i].N, g[i].K, g[i].A, g[i].lda, g[i].ta, g[i].B, g[i].ldb, g[i].tb, g[i].C, g[i].ldc, g[i].acc);
    return st;
}

TNDEF tn_status tn_gemm_f32(tn_pool *pool, int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb, float *C, int64_t ldc) {
    if (M < 0 || N < 0 || K < 0 || (M && (!A || !C)) || (N && !B) || lda < K || ldb < K || ldc < N)
        return tn__fail(TN_ERR_ARG, "tn_gemm_f32: bad sizes M %lld N %lld K %lld (lda %lld ldb %lld ldc %lld)",
                        (long long)M, (long long)N, (long long)K, (long long)lda, (long long)ldb, (long long)ldc);
    return tn__gemm_ex(pool, M, N, K, A, lda, 0, B, ldb, 0, C, ldc, 0);
}

/* -- matrix products -- */

typedef struct {
    const tn_tensor *w, *x;
    tn_tensor *y;
    tn_vec_dot_fn dot;
    void (*dot4)(int64_t n, float *s, const void *x, size_t rs, const void *y); /* 4 rows at once, or NULL */
    void (*dot4x2)(int64_t n, float *s, const void *x, size_t rs, const void *y, size_t ys); /* 4 rows x 2 columns, or NULL */
    tn_type vdt;            /* vec_dot_type */
    uint8_t *xs;            /* converted x rows (64-byte aligned), or NULL to read x in place */
    size_t xs_row;          /* bytes per converted row */
    float wscale;
    int tile;               /* 1: TQ2_0, 2: TQ1_0, 3: T2 tiles over tn__q8k_tile(5) activation rows */
    void (*tern_tile)(int kind, int R, int C, int64_t nb, const uint8_t *w, size_t rs, const uint8_t *y, size_t ys, float *s);
    int tern_cmax;          /* activation rows per tile (8, fewer where 8 would not stay in L1) */
} tn__mm;

static const void *tn__mm_xrow(const tn__mm *a, int64_t i1, int64_t i2, int64_t i3) {
    const tn_tensor *x = a->x;
    if (a->xs) return a->xs + (size_t)(i1 + x->ne[1] * (i2 + x->ne[2] * i3)) * a->xs_row;
    return tn__ptr(x, 0, i1, i2, i3);
}

static void tn__mm_convert_task(void *p, int ith, int nth) {
    /* units of work: whole rows, or with fewer rows than threads (a mat-vec) each
       row in nth runs of blocks; blocks are quantized independently, so the
       split does not change a bit */
    tn__mm *a = (tn__mm *)p;
    const tn_tensor *x = a->x;
    const int64_t nr = tn_nrows(x), parts = nr >= nth ? 1 : nth, nu = nr * parts;
    const int64_t bs = a->tile ? TN_QK_K : tn_blck_size(a->vdt), nbk = x->ne[0] / bs;
    int64_t u0 = nu * ith / nth, u1 = nu * (ith + 1) / nth, u;
    for (u = u0; u < u1; u++) {
        const int64_t r = u / parts, part = u % parts;
        const int64_t b0 = parts == 1 ? 0 : nbk * part / parts, b1 = parts == 1 ? nbk : nbk * (part + 1) / parts;
        int64_t i1 = r % x->ne[1], i2 = (r / x->ne[1]) % x->ne[2], i3 = r / (x->ne[1] * x->ne[2]);
        uint8_t *dst = a->xs + (size_t)r * a->xs_row;
        if (a->tile) { /* Q8_K blocks, moved into tn__q8k_tile (TQ2_0, T2) or tn__q8k_tile5 (TQ1_0) */
            int64_t ib;
            const size_t tsz = a->tile == 2 ? sizeof(tn__q8k_tile5) : sizeof(tn__q8k_tile);
            for (ib = b0; ib < b1; ib++) {
                tn_block_q8_K qb;
                const tn_block_q8_K *src = &qb;
                if (x->type == TN_TYPE_F32) tn__quantize_row_q8_K((const float *)tn__ptr(x, 0, i1, i2, i3) + ib * TN_QK_K, &qb, TN_QK_K); /* finite: checked */
                else src = (const tn_block_q8_K *)tn__ptr(x, 0, i1, i2, i3) + ib;
                tn__kern()->q8k_to_tile(dst + (size_t)ib * tsz, src, a->tile);
            }
            continue;
        }
        if (x->type == TN_TYPE_F32 && a->vdt != TN_TYPE_F32 && x->nb[0] == sizeof(float)) {
            if (b1 > b0) tn_quantize_row(a->vdt, (const float *)tn__ptr(x, 0, i1, i2, i3) + b0 * bs, dst + (size_t)b0 * tn_type_size(a->vdt), (b1 - b0) * bs);
        } else if (part == 0) {
            if (x->type == TN_TYPE_F32) {
                /* strided f32 row: gather (then quantize in place when needed) */
                float *f = (float *)dst;
                int64_t i0;
                for (i0 = 0; i0 < x->ne[0]; i0++) memcpy(&f[i0], tn__ptr(x, i0, i1, i2, i3), 4);
                TN_ASSERT(a->vdt == TN_TYPE_F32);
            } else {
                memcpy(dst, tn__ptr(x, 0, i1, i2, i3), a->xs_row);
            }
        }
    }
}
static void tn__mm_task(void *p, int ith, int nth) {
    tn__mm *a = (tn__mm *)p;
    const tn_tensor *w = a->w, *x = a->x;
    tn_tensor *y = a->y;
    int64_t N = w->ne[1], K = w->ne[0];
    int64_t n0 = N * ith / nth, n1 = N * (ith + 1) / nth;
    int64_t r2 = x->ne[2] / w->ne[2], r3 = x->ne[3] / w->ne[3];
    int64_t i2, i3, m, nn, n;
    const int64_t NB = 16;
    for (i3 = 0; i3 < x->ne[3]; i3++)
        for (i2 = 0; i2 < x->ne[2]; i2++)
            for (nn = n0; nn < n1; nn += NB) {
                int64_t ne = TN__MIN(nn + NB, n1);
                if (a->tile) {
                    /* a tile of C activation rows against R weight rows at a time */
                    int64_t M = x->ne[1];
                    for (m = 0; m < M; ) {
                        const int64_t lim = TN__MIN(M - m, (int64_t)a->tern_cmax);
                        int C = lim >= 8 ? 8 : lim >= 4 ? 4 : lim >= 2 ? 2 : 1, R, k, j;
                        float v[32];
                        for (n = nn; n < ne; n += R) {
                            R = C == 1 ? (ne - n >= 4 ? 4 : 1) : (ne - n >= 2 ? 2 : 1);
                            a->tern_tile(a->tile, R, C, K / TN_QK_K, (const uint8_t *)tn__ptr(w, 0, n, i2 / r2, i3 / r3), w->nb[1],
                                         (const uint8_t *)tn__mm_xrow(a, m, i2, i3), a->xs_row, v);
                            for (k = 0; k < R; k++)
                                for (j = 0; j < C; j++) {
                                    v[k * C + j] *= a->wscale;
                                    memcpy(tn__ptr(y, n + k, m + j, i2, i3), &v[k * C + j], 4);
                                }
                        }
                        m += C;
                    }
                    continue;
                }
                for (m = 0; m < x->ne[1]; ) {
                    /* two columns at once where the path has a 4 x 2 kernel (each (row,
                       column) the same sum as the one-row dot gives) */
                    const int C = a->dot4x2 && x->ne[1] - m >= 2 ? 2 : 1;
                    const uint8_t *xr = (const uint8_t *)tn__mm_xrow(a, m, i2, i3);
                    const size_t ys = C == 2 ? (size_t)((const uint8_t *)tn__mm_xrow(a, m + 1, i2, i3) - xr) : 0;
                    for (n = nn; n < ne; ) {
                        float v[8];
                        int k, j, R = a->dot4 && ne - n >= 4 ? 4 : 1;
                        const void *wr = tn__ptr(w, 0, n, i2 / r2, i3 / r3);
                        if (R == 4 && C == 2) a->dot4x2(K, v, wr, w->nb[1], xr, ys);
                        else
                            for (j = 0; j < C; j++) {
                                float u[4];
                                if (R == 4) a->dot4(K, u, wr, w->nb[1], xr + (size_t)j * ys);
                                else a->dot(K, u, wr, xr + (size_t)j * ys);
                                for (k = 0; k < R; k++) v[k * C + j] = u[k];
                            }
                        for (k = 0; k < R; k++)
                            for (j = 0; j < C; j++) {
                                v[k * C + j] *= a->wscale;
                                memcpy(tn__ptr(y, n + k, m + j, i2, i3), &v[k * C + j], 4);
                            }
                        n += R;
                    }
                    m += C;
                }
            }
}

/* ref: 0 the path in use; 1 the scalar references; 2 training (tn_matmul): f32
   weights always through the GEMM, whose sums are the same on every path */
static tn_status tn__mul_mat(tn_tensor *y, const tn_tensor *w, const tn_tensor *x, tn_pool *pool, int ref) {
    const tn_type_traits *tw;
    tn__mm a;
    int need_convert;
    size_t bytes = 0;
    uint8_t *xs_raw = NULL;
    float *x_dense = NULL;  /* strided f32 x gathered (quantized weights only) */
    tn_status gst = TN_OK;  /* of the GEMMs */
    tn_tensor xd;
    int64_t ybytes;         /* the tiles' L1 budget for activation rows (0: any) */
    if (!y || !w || !x) return tn__fail(TN_ERR_ARG, "tn_mul_mat: NULL tensor");
    tw = tn_type_get_traits(w->type);
    if (!tw || !tw->has_vec_dot) return tn__fail(TN_ERR_TYPE, "tn_mul_mat: no dot product for weight type %s", tn_type_name(w->type));
    if (y->type != TN_TYPE_F32) return tn__fail(TN_ERR_TYPE, "tn_mul_mat: y must be f32, not %s", tn_type_name(y->type));
    if (x->type != TN_TYPE_F32 && x->type != tw->vec_dot_type)
        return tn__fail(TN_ERR_TYPE, "tn_mul_mat: x must be f32 or %s for %s weights, not %s", tn_type_name(tw->vec_dot_type), tw->name, tn_type_name(x->type));
    if (w->ne[0] != x->ne[0] || y->ne[0] != w->ne[1] || y->ne[1] != x->ne[1] || y->ne[2] != x->ne[2] || y->ne[3] != x->ne[3] ||
        w->ne[2] == 0 || w->ne[3] == 0 || x->ne[2] % w->ne[2] || x->ne[3] % w->ne[3])
        return tn__fail(TN_ERR_SHAPE, "tn_mul_mat: w is %lldx%lldx%lldx%lld, x is %lldx%lldx%lldx%lld, y is %lldx%lldx%lldx%lld; want w (K,N), x (K,M), y (N,M)",
                        (long long)w->ne[0], (long long)w->ne[1], (long long)w->ne[2], (long long)w->ne[3],
                        (long long)x->ne[0], (long long)x->ne[1], (long long)x->ne[2], (long long)x->ne[3],
                        (long long)y->ne[0], (long long)y->ne[1], (long long)y->ne[2], (long long)y->ne[3]);
    if (w->ne[0] % tn_blck_size(tw->vec_dot_type))
        return tn__fail(TN_ERR_SHAPE, "tn_mul_mat: K = %lld is not a multiple of %s's block of %lld", (long long)w->ne[0], tn_type_name(tw->vec_dot_type), (long long)tn_blck_size(tw->vec_dot_type));
    if (w->nb[0] != tw->type_size) return tn__fail(TN_ERR_ARG, "tn_mul_mat: weight rows must be contiguous; use tn_cont");
    if (x->type == TN_TYPE_F32 && tw->vec_dot_type != TN_TYPE_F32 && tn_nelements(x) > 0) {
        int64_t bad = 0;
        /* quantizers need finite input */
        int64_t i1, i2, i3;
        for (i3 = 0; i3 < x->ne[3]; i3++)
            for (i2 = 0; i2 < x->ne[2]; i2++)
                for (i1 = 0; i1 < x->ne[1]; i1++) {
                    int64_t i0;
                    if (x->nb[0] == sizeof(float)) bad = !tn__all_finite((const float *)tn__ptr(x, 0, i1, i2, i3), x->ne[0], NULL);
                    else
                        for (i0 = 0; i0 < x->ne[0]; i0++) {
                            float v;
                            memcpy(&v, tn__ptr(x, i0, i1, i2, i3), 4);
                            if (!(v - v == 0.0f)) { bad = 1; break; }
                        }
                    if (bad) return tn__fail(TN_ERR_ARG, "tn_mul_mat: x row %lld holds NaN or Inf and cannot be quantized to %s", (long long)i1, tn_type_name(tw->vec_dot_type));
                }
    }
    if (x->type == TN_TYPE_F32 && x->nb[0] != sizeof(float) && tw->vec_dot_type != TN_TYPE_F32 && tn_nelements(x) > 0) {
        /* strided f32 activations for quantized weights: gather them densely first */
        int64_t i0, i1, i2, i3, k = 0;
        if (!tn__mul_size((size_t)tn_nelements(x), sizeof(float), &bytes) || !(x_dense = (float *)TN_MALLOC(bytes)))
            return tn__fail(TN_ERR_NOMEM, "tn_mul_mat: cannot allocate %zu bytes to gather strided x", bytes);
        for (i3 = 0; i3 < x->ne[3]; i3++)
            for (i2 = 0; i2 < x->ne[2]; i2++)
                for (i1 = 0; i1 < x->ne[1]; i1++)
                    for (i0 = 0; i0 < x->ne[0]; i0++) memcpy(&x_dense[k++], tn__ptr(x, i0, i1, i2, i3), sizeof(float));
        xd = *x;
        xd.data = x_dense;
        xd.nb[0] = sizeof(float);
        xd.nb[1] = xd.nb[0] * (size_t)x->ne[0];
        xd.nb[2] = xd.nb[1] * (size_t)x->ne[1];
        xd.nb[3] = xd.nb[2] * (size_t)x->ne[2];
        x = &xd;
        bytes = 0;
    }
    memset(&a, 0, sizeof(a));
    a.w = w; a.x = x; a.y = y;
    {   /* the path's kernels for this format: one dot, a four-row dot, ternary tiles */
        const tn__kernels *kt = ref == 1 ? tn__kern_path(TN_PATH_REF) : tn__kern();
        const int slot = tn__fmt_slot(w->type);
        a.dot = kt->dot[slot];
        a.dot4 = kt->dot4[slot];
        a.dot4x2 = a.dot4 ? kt->dot4x2[slot] : NULL;
        a.tile = kt->tile[slot];
        a.tern_tile = kt->tern_tile;
        a.tern_cmax = 8;
        ybytes = kt->tern_tile_ybytes;
    }
    a.vdt = tw->vec_dot_type;
    a.wscale = w->type == TN_TYPE_T2 ? w->scale : 1.0f;
    need_convert = a.tile || x->nb[0] != tn_type_size(x->type) || (x->type == TN_TYPE_F32 && a.vdt != TN_TYPE_F32);
    if (need_convert) {
        if (a.tile) {
            a.xs_row = (size_t)(x->ne[0] / TN_QK_K) * (a.tile == 2 ? sizeof(tn__q8k_tile5) : sizeof(tn__q8k_tile));
            while (ybytes && a.tern_cmax > 1 && a.xs_row > (size_t)ybytes / (size_t)a.tern_cmax) a.tern_cmax /= 2;
        }
        else a.xs_row = tn_row_size(x->type == TN_TYPE_F32 && a.vdt != TN_TYPE_F32 ? a.vdt : x->type, x->ne[0]);
        if (!tn__mul_size(a.xs_row, (size_t)tn_nrows(x), &bytes) || bytes > SIZE_MAX - TN__ALIGN) {
            if (x_dense) TN_FREE(x_dense);
            return tn__fail(TN_ERR_NOMEM, "tn_mul_mat: x too large");
        }
        xs_raw = (uint8_t *)tn__scratch_get(pool, bytes + TN__ALIGN);
        if (!xs_raw) { if (x_dense) TN_FREE(x_dense); return tn__fail(TN_ERR_NOMEM, "tn_mul_mat: cannot allocate %zu bytes of scratch", bytes); }
        a.xs = xs_raw + (TN__ALIGN - (uintptr_t)xs_raw % TN__ALIGN) % TN__ALIGN;
        tn_pool_run(pool, tn__mm_convert_task, &a);
    }
    if (ref != 1 && w->type == TN_TYPE_F32 && a.vdt == TN_TYPE_F32 && (x->ne[1] >= 4 || ref == 2) && y->nb[0] == sizeof(float) &&
        w->nb[1] % sizeof(float) == 0 && y->nb[1] % sizeof(float) == 0) {
        /* f32 x f32 with a batch: the blocked GEMM, one per batch matrix */
        /* the batch's GEMMs in lists of up to TN__GEMM_LIST (on the stack: no allocation) */
        int64_t i2, i3, r2 = x->ne[2] / w->ne[2], r3 = x->ne[3] / w->ne[3];
        tn__gemm_args list[TN__GEMM_LIST];
        int nl = 0;
        for (i3 = 0; i3 < x->ne[3]; i3++)
            for (i2 = 0; i2 < x->ne[2]; i2++) {
                const float *A = (const float *)tn__mm_xrow(&a, 0, i2, i3);
                int64_t lda = a.xs ? (int64_t)(a.xs_row / sizeof(float)) : (int64_t)(x->nb[1] / sizeof(float));
                list[nl++] = tn__gemm_make(x->ne[1], w->ne[1], w->ne[0], A, lda, 0, (const float *)tn__ptr(w, 0, 0, i2 / r2, i3 / r3),
                                           (int64_t)(w->nb[1] / sizeof(float)), 0, (float *)tn__ptr(y, 0, 0, i2, i3), (int64_t)(y->nb[1] / sizeof(float)), 0);
                if (nl == TN__GEMM_LIST) { if (gst == TN_OK) gst = tn__gemm_run_list(pool, list, nl); nl = 0; }
            }
        if (nl && gst == TN_OK) gst = tn__gemm_run_list(pool, list, nl);
    } else {
        tn_pool_run(pool, tn__mm_task, &a);
    }
    if (need_convert) tn__scratch_release(pool, xs_raw);
    if (x_dense) TN_FREE(x_dense);
    return gst;
}

TNDEF tn_status tn_mul_mat(tn_tensor *y, const tn_tensor *w, const tn_tensor *x, tn_pool *pool) { return tn__mul_mat(y, w, x, pool, 0); }
TNDEF tn_status tn_mul_mat_ref(tn_tensor *y, const tn_tensor *w, const tn_tensor *x, tn_pool *pool) { return tn__mul_mat(y, w, x, pool, 1); }



/* -- quantized linear layers -- */
/* a 2-D tensor over memory the caller owns (ne0 values a row, ne1 rows) */
static void tn__wrap2(tn_tensor *t, tn_type type, int64_t ne0, int64_t ne1, void *data) {
    memset(t, 0, sizeof(*t));
    t->type = type; t->n_dims = 2;
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = t->ne[3] = 1;
    t->nb[0] = tn_type_size(type); t->nb[1] = tn_row_size(type, ne0);
    t->nb[2] = t->nb[3] = t->nb[1] * (size_t)ne1;
    t->data = data; t->data_size = t->nb[2];
    t->scale = 1.0f;
}
static tn_status tn__qlinear_scratch(tn_qlinear *q, size_t n) {
    if (n > q->scratch_size) {
        void *p = TN_REALLOC(q->scratch, n);
        if (!p) return tn__fail(TN_ERR_NOMEM, "tn_qlinear_forward: out of memory for %zu bytes of scratch", n);
        q->scratch = p; q->scratch_size = n;
    }
    return TN_OK;
}
/* x itself, or its rows zero-padded to in_pad in the scratch (NULL when out of memory) */
static const float *tn__qlinear_padded(tn_qlinear *q, const float *x, int64_t batch) {
    int64_t i;
    if (q->in_pad == q->in) return x;
    if (tn__qlinear_scratch(q, sizeof(float) * (size_t)(batch * q->in_pad)) != TN_OK) return NULL;
    for (i = 0; i < batch; i++) {
        float *d = (float *)q->scratch + (size_t)(i * q->in_pad);
        memcpy(d, x + i * q->in, sizeof(float) * (size_t)q->in);
        memset(d + q->in, 0, sizeof(float) * (size_t)(q->in_pad - q->in));
    }
    return (const float *)q->scratch;
}
TNDEF tn_status tn_qlinear_init(tn_qlinear *q, tn_type type, const float *w, const float *bias, int64_t in, int64_t out, unsigned flags) {
    const tn_type_traits *tt;
    int64_t bs, r, pad;
    size_t rs;
    float *row = NULL;
    tn_status st = TN_OK;
    if (!q) return tn__fail(TN_ERR_ARG, "tn_qlinear_init: q is NULL");
    memset(q, 0, sizeof(*q));
    if (!w) return tn__fail(TN_ERR_ARG, "tn_qlinear_init: the weights are NULL");
    if (flags & ~TN_QLINEAR_WEIGHT_ONLY) return tn__fail(TN_ERR_ARG, "tn_qlinear_init: unknown flags 0x%x", flags & ~TN_QLINEAR_WEIGHT_ONLY);
    tt = tn_type_get_traits(type);
    if (!tt || !tt->has_vec_dot || (!tt->can_quantize && type != TN_TYPE_T2) || !tt->can_dequantize)
        return tn__fail(TN_ERR_TYPE, "tn_qlinear_init: %s is not a weight format (one with a quantizer, a dot product and a decoder)", tn_type_name(type));
    bs = tn_blck_size(tt->vec_dot_type) > tt->blck_size ? tn_blck_size(tt->vec_dot_type) : tt->blck_size;
    if (in < 1 || out < 1 || in > ((int64_t)1 << 40) || out > ((int64_t)1 << 40))
        return tn__fail(TN_ERR_ARG, "tn_qlinear_init: %lld inputs, %lld outputs: want 1 .. 2^40 each", (long long)in, (long long)out);
    pad = (in + bs - 1) / bs * bs;
    rs = tn_row_size(type, pad);
    if ((uint64_t)out > (uint64_t)((size_t)-1 / 2) / rs || (uint64_t)in > (uint64_t)((size_t)-1 / 8) / (uint64_t)out)
        return tn__fail(TN_ERR_NOMEM, "tn_qlinear_init: %lld x %lld weights do not fit in memory", (long long)out, (long long)in);
    q->type = type; q->in = in; q->out = out; q->in_pad = pad; q->flags = flags; q->scale = 1.0f;
    q->w = TN_MALLOC(rs * (size_t)out);
    row = (float *)TN_MALLOC(sizeof(float) * (size_t)pad);
    if (!q->w || !row) { st = tn__fail(TN_ERR_NOMEM, "tn_qlinear_init: out of memory for %lld x %lld %s weights", (long long)out, (long long)in, tn_type_name(type)); goto fail; }
    if (bias) {
        q->bias = (float *)TN_MALLOC(sizeof(float) * (size_t)out);
        if (!q->bias) { st = tn__fail(TN_ERR_NOMEM, "tn_qlinear_init: out of memory"); goto fail; }
        memcpy(q->bias, bias, sizeof(float) * (size_t)out);
    }
    if (type == TN_TYPE_T2) { /* one absmean scale over the real weights, rows packed with zero padding */
        int8_t *t = (int8_t *)TN_MALLOC((size_t)(in * out)), *tr = (int8_t *)TN_MALLOC((size_t)pad);
        if (!t || !tr) st = tn__fail(TN_ERR_NOMEM, "tn_qlinear_init: out of memory");
        if (st == TN_OK) st = tn_ternary_absmean(w, in * out, t, &q->scale);
        for (r = 0; st == TN_OK && r < out; r++) {
            memset(tr, 0, (size_t)pad);
            memcpy(tr, t + r * in, (size_t)in);
            st = tn_pack2((uint8_t *)q->w + (size_t)r * rs, tr, pad);
        }
        if (t) TN_FREE(t);
        if (tr) TN_FREE(tr);
        if (st != TN_OK) goto fail;
    } else {
        for (r = 0; r < out; r++) {
            memcpy(row, w + r * in, sizeof(float) * (size_t)in);
            memset(row + in, 0, sizeof(float) * (size_t)(pad - in));
            if ((st = tn_quantize_row(type, row, (uint8_t *)q->w + (size_t)r * rs, pad)) != TN_OK) {
                tn__fail(st, "tn_qlinear_init: row %lld: %s", (long long)r, tn_last_error());
                goto fail;
            }
        }
    }
    TN_FREE(row);
    return TN_OK;
fail:
    if (row) TN_FREE(row);
    tn_qlinear_free(q);
    return st;
}
TNDEF void tn_qlinear_free(tn_qlinear *q) {
    if (!q) return;
    if (q->w) TN_FREE(q->w);
    if (q->bias) TN_FREE(q->bias);
    if (q->scratch) TN_FREE(q->scratch);
    memset(q, 0, sizeof(*q));
}
typedef struct { const tn_qlinear *q; const float *x; float *y; int64_t batch; float *buf; } tn__qlw_args;
static void tn__qlinear_wo_task(void *arg, int ith, int nth) { /* weight-only: each row dequantized, dotted in f32 */
    const tn__qlw_args *a = (const tn__qlw_args *)arg;
    const tn_qlinear *q = a->q;
    tn_vec_dot_fn dot = tn__kern()->dot[tn__fmt_slot(TN_TYPE_F32)];
    size_t rs = tn_row_size(q->type, q->in_pad);
    float *row = a->buf + (size_t)ith * (size_t)q->in_pad;
    int64_t r0 = q->out * ith / nth, r1 = q->out * (ith + 1) / nth, r, i;
    for (r = r0; r < r1; r++) {
        tn_dequantize_row(q->type, (const uint8_t *)q->w + (size_t)r * rs, row, q->in_pad);
        for (i = 0; i < a->batch; i++) {
            float s;
            dot(q->in, &s, row, a->x + (size_t)i * (size_t)q->in);
            a->y[(size_t)i * (size_t)q->out + (size_t)r] = s;
        }
    }
}
TNDEF tn_status tn_qlinear_forward(tn_qlinear *q, const float *x, int64_t batch, float *y, tn_pool *pool) {
    tn_status st;
    int64_t i, r;
    if (!q || !q->w) return tn__fail(TN_ERR_ARG, "tn_qlinear_forward: the layer is NULL or not initialized");
    if (!x || !y) return tn__fail(TN_ERR_ARG, "tn_qlinear_forward: %s is NULL", x ? "y" : "x");
    if (batch < 1 || (uint64_t)batch > (uint64_t)((size_t)-1 / 8) / (uint64_t)(q->in_pad > q->out ? q->in_pad : q->out))
        return tn__fail(TN_ERR_ARG, "tn_qlinear_forward: batch %lld: want 1 .. what fits in memory", (long long)batch);
    if (!tn__all_finite(x, batch * q->in, &i))
        return tn__fail(TN_ERR_ARG, "tn_qlinear_forward: input row %lld element %lld is NaN or infinite", (long long)(i / q->in), (long long)(i % q->in));
    if ((q->flags & TN_QLINEAR_WEIGHT_ONLY) && q->type == TN_TYPE_T2) { /* the packed rows are in_pad wide */
        const float *xp = tn__qlinear_padded(q, x, batch);
        if (!xp) return TN_ERR_NOMEM;
        if ((st = tn_ternary_matmul_f32((const uint8_t *)q->w, q->out, q->in_pad, q->scale, xp, batch, y, pool)) != TN_OK) return st;
    } else if (q->flags & TN_QLINEAR_WEIGHT_ONLY) {
        tn__qlw_args a;
        int nth = tn_pool_n_threads(pool);
        if ((st = tn__qlinear_scratch(q, sizeof(float) * (size_t)q->in_pad * (size_t)nth)) != TN_OK) return st;
        a.q = q; a.x = x; a.y = y; a.batch = batch; a.buf = (float *)q->scratch;
        if (nth > 1) tn_pool_run(pool, tn__qlinear_wo_task, &a);
        else tn__qlinear_wo_task(&a, 0, 1);
    } else { /* activations quantized per row, as ggml_mul_mat */
        tn_tensor tw, tx, ty;
        const float *xp = tn__qlinear_padded(q, x, batch);
        if (!xp) return TN_ERR_NOMEM;
        tn__wrap2(&tw, q->type, q->in_pad, q->out, q->w);
        tw.scale = q->scale;
        tn__wrap2(&tx, TN_TYPE_F32, q->in_pad, batch, (void *)(uintptr_t)xp);
        tn__wrap2(&ty, TN_TYPE_F32, q->out, batch, y);
        if ((st = tn_mul_mat(&ty, &tw, &tx, pool)) != TN_OK) return st;
    }
    if (q->bias)
        for (i = 0; i < batch; i++)
            for (r = 0; r < q->out; r++) y[i * q->out + r] += q->bias[r];
    return TN_OK;
}
TNDEF tn_status tn_qlinear_dequantize(const tn_qlinear *q, float *w) {
    float *row;
    int64_t r, k;
    size_t rs;
    if (!q || !q->w || !w) return tn__fail(TN_ERR_ARG, "tn_qlinear_dequantize: %s is NULL", w ? "the layer" : "w");
    rs = tn_row_size(q->type, q->in_pad);
    row = (float *)TN_MALLOC(sizeof(float) * (size_t)q->in_pad);
    if (!row) return tn__fail(TN_ERR_NOMEM, "tn_qlinear_dequantize: out of memory");
    for (r = 0; r < q->out; r++) {
        tn_dequantize_row(q->type, (const uint8_t *)q->w + (size_t)r * rs, row, q->in_pad);
        for (k = 0; k < q->in; k++) w[r * q->in + k] = row[k] * q->scale; /* T2's scale; 1 otherwise */
    }
    TN_FREE(row);
    return TN_OK;
}
TNDEF size_t tn_qlinear_nbytes(const tn_qlinear *q) {
    if (!q || !q->w) return 0;
    return tn_row_size(q->type, q->in_pad) * (size_t)q->out + (q->type == TN_TYPE_T2 ? sizeof(float) : 0) + (q->bias ? sizeof(float) * (size_t)q->out : 0);
}
TNDEF double tn_qlinear_bits_per_weight(const tn_qlinear *q) {
    if (!q || !q->w) return 0.0;
    return 8.0 * (double)(tn_row_size(q->type, q->in_pad) * (size_t)q->out + (q->type == TN_TYPE_T2 ? sizeof(float) : 0)) / ((double)q->in * (double)q->out);
}
TNDEF double tn_qlinear_compression(const tn_qlinear *q) {
    size_t n = tn_qlinear_nbytes(q);
    return n ? 4.0 * ((double)q->in * (double)q->out + (q->bias ? (double)q->out : 0.0)) / (double)n : 0.0;
}

/* ==== @@IMPL:AUTOGRAD  tape, backward, ops ==== */

TNDEF void tn_ctx_set_grad_enabled(tn_ctx *ctx, int enabled) { if (ctx) ctx->no_grad = !enabled; }
TNDEF int tn_ctx_grad_enabled(const tn_ctx *ctx) { return ctx && !ctx->no_grad; }
TNDEF void tn_ctx_set_pool(tn_ctx *ctx, tn_pool *pool) { if (ctx) ctx->pool = pool; }
TNDEF void tn_ctx_set_observer(tn_ctx *ctx, tn_bitlinear_observer fn, void *user) { if (ctx) { ctx->observer = fn; ctx->observer_user = user; } }

static int tn__tracked(const tn_tensor *t) { return t && (t->flags & TN_FLAG_GRAD); }

/* clear the autograd fields of a fresh view and record it when its source is tracked */
static void tn__view_track(tn_ctx *ctx, tn_tensor *t, const tn_tensor *src) {
    tn_tensor *root = src->view_src ? src->view_src : (tn_tensor *)src;
    t->op = 0; t->flags = 0; t->grad = NULL; t->aux = NULL; t->tape_prev = NULL;
    t->src[0] = t->src[1] = t->src[2] = NULL;
    if (!ctx->no_grad && tn__tracked(src) && tn__tracked(root) && root->type == TN_TYPE_F32) {
        t->op = TN__OP_VIEW;
        t->src[0] = root;
        t->flags = TN_FLAG_GRAD;
        t->tape_prev = ctx->tape;
        ctx->tape = t;
    }
}

/* record t as made by op from a, b, c (when any is tracked) */
static tn_tensor *tn__record(tn_ctx *ctx, tn_tensor *t, int op, tn_tensor *a, tn_tensor *b, tn_tensor *c) {
    t->op = op;
    t->src[0] = a; t->src[1] = b; t->src[2] = c;
    if (!ctx->no_grad && (tn__tracked(a) || tn__tracked(b) || tn__tracked(c))) {
        t->flags |= TN_FLAG_GRAD;
        t->tape_prev = ctx->tape;
        ctx->tape = t;
    }
    return t;
}

static tn_status tn__need_f32(const char *fn, const tn_tensor *x) {
    if (x->type != TN_TYPE_F32) return tn__fail(TN_ERR_TYPE, "%s: needs an f32 tensor, '%s' is %s", fn, x->name, tn_type_name(x->type));
    return TN_OK;
}

static float tn__at(const tn_tensor *t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    float v;
    memcpy(&v, tn__ptr(t, i0, i1, i2, i3), 4);
    return v;
}

/* the values of an f32 tensor in logical order: its data when contiguous,
   else a gathered copy in the arena */
static const float *tn__dense(tn_ctx *ctx, const tn_tensor *x) {
    float *d;
    int64_t i0, i1, i2, i3, k = 0;
    if (tn_is_contiguous(x)) return (const float *)x->data;
    d = (float *)tn_ctx_alloc(ctx, sizeof(float) * (size_t)tn_nelements(x));
    if (!d) return NULL;
    for (i3 = 0; i3 < x->ne[3]; i3++)
        for (i2 = 0; i2 < x->ne[2]; i2++)
            for (i1 = 0; i1 < x->ne[1]; i1++)
                for (i0 = 0; i0 < x->ne[0]; i0++) d[k++] = tn__at(x, i0, i1, i2, i3);
    return d;
}

/* the gradient buffer of t, NULL if t is not tracked. *fresh = 1 when it was
   allocated by this call and holds garbage: the caller then writes every
   element of it (a store instead of an add, and no memset before) */
static float *tn__gbuf_w(tn_ctx *ctx, tn_tensor *t, tn_status *st, int *fresh) {
    *fresh = 0;
    if (!tn__tracked(t)) return NULL;
    if (!t->grad) {
        t->grad = tn__new(ctx, TN_TYPE_F32, t->n_dims, t->ne, 0);
        if (!t->grad) { *st = TN_ERR_NOMEM; return NULL; }
        *fresh = 1;
    }
    return (float *)t->grad->data;
}
/* the gradient buffer of t, zeroed when new, for callers that add into part of it */
static float *tn__gbuf(tn_ctx *ctx, tn_tensor *t, tn_status *st) {
    int fresh;
    float *g = tn__gbuf_w(ctx, t, st, &fresh);
    if (g && fresh) memset(g, 0, tn_nbytes(t->grad));
    return g;
}

TNDEF tn_status tn_set_param(tn_ctx *ctx, tn_tensor *t) {
    if (!ctx || !t) return tn__fail(TN_ERR_ARG, "tn_set_param: NULL argument");
    if (t->type != TN_TYPE_F32 || !tn_is_contiguous(t) || t->view_src)
        return tn__fail(TN_ERR_TYPE, "tn_set_param: a parameter must be an owned, contiguous f32 tensor ('%s' is not)", t->name);
    if (!t->grad) {
        t->grad = tn_new(ctx, TN_TYPE_F32, t->n_dims, t->ne);
        if (!t->grad) return TN_ERR_NOMEM;
    }
    t->flags |= TN_FLAG_GRAD | TN_FLAG_PARAM;
    return TN_OK;
}

TNDEF void tn_zero_grad(tn_tensor *t) {
    if (t && t->grad) memset(t->grad->data, 0, tn_nbytes(t->grad));
}

TNDEF tn_tensor *tn_from_data(tn_ctx *ctx, int n_dims, const int64_t *ne, const float *data) {
    tn_tensor *t = tn__new(ctx, TN_TYPE_F32, n_dims, ne, data == NULL);
    if (t && data) memcpy(t->data, data, sizeof(float) * (size_t)tn_nelements(t));
    return t;
}

TNDEF tn_tensor *tn_detach(tn_ctx *ctx, tn_tensor *x) {
    tn_tensor *t;
    const float *xd;
    if (!x) return NULL;
    if (tn__need_f32("tn_detach", x) != TN_OK) return NULL;
    t = tn__new(ctx, TN_TYPE_F32, x->n_dims, x->ne, 0);
    if (!t || !(xd = tn__dense(ctx, x))) return NULL;
    memcpy(t->data, xd, sizeof(float) * (size_t)tn_nelements(x));
    return t;
}

/* -- elementwise binary with broadcasting -- */

static tn_tensor *tn__binary(tn_ctx *ctx, int op, tn_tensor *a, tn_tensor *b, const char *fn) {
    int64_t ne[4], i0, i1, i2, i3, k = 0;
    const float *A, *B;
    float *Y;
    tn_tensor *y;
    int d;
    if (!a || !b) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, a) || tn__need_f32(fn, b)) return NULL;
    for (d = 0; d < 4; d++) {
        if (a->ne[d] == b->ne[d] || b->ne[d] == 1) ne[d] = a->ne[d];
        else if (a->ne[d] == 1) ne[d] = b->ne[d];
        else {
            tn__fail(TN_ERR_SHAPE, "%s: shapes %lldx%lldx%lldx%lld and %lldx%lldx%lldx%lld do not broadcast (dim %d)", fn,
                     (long long)a->ne[0], (long long)a->ne[1], (long long)a->ne[2], (long long)a->ne[3],
                     (long long)b->ne[0], (long long)b->ne[1], (long long)b->ne[2], (long long)b->ne[3], d);
            return NULL;
        }
    }
    y = tn__new(ctx, TN_TYPE_F32, TN__MAX(a->n_dims, b->n_dims), ne, 0);
    if (!y || !(A = tn__dense(ctx, a)) || !(B = tn__dense(ctx, b))) return NULL;
    Y = (float *)y->data;
    if (tn_same_shape(y, a) && b->ne[0] == y->ne[0] && b->ne[1] == 1 && b->ne[2] == 1 && b->ne[3] == 1 && y->ne[0] > 1) {
        /* a row vector across every row (biases, norm gains): plain loops */
        int64_t r, i, n0 = y->ne[0], nr = tn_nrows(y);
        for (r = 0; r < nr; r++) {
            const float *ar = A + r * n0;
            float *yr = Y + r * n0;
            switch (op) {
            case TN__OP_ADD: for (i = 0; i < n0; i++) yr[i] = ar[i] + B[i]; break;
            case TN__OP_SUB: for (i = 0; i < n0; i++) yr[i] = ar[i] - B[i]; break;
            case TN__OP_MUL: for (i = 0; i < n0; i++) yr[i] = ar[i] * B[i]; break;
            default: for (i = 0; i < n0; i++) yr[i] = ar[i] / B[i]; break;
            }
        }
    } else if (tn_same_shape(a, b)) {
        int64_t n = tn_nelements(y), i;
        switch (op) {
        case TN__OP_ADD: for (i = 0; i < n; i++) Y[i] = A[i] + B[i]; break;
        case TN__OP_SUB: for (i = 0; i < n; i++) Y[i] = A[i] - B[i]; break;
        case TN__OP_MUL: for (i = 0; i < n; i++) Y[i] = A[i] * B[i]; break;
        default: for (i = 0; i < n; i++) Y[i] = A[i] / B[i]; break;
        }
    } else {
        for (i3 = 0; i3 < ne[3]; i3++)
            for (i2 = 0; i2 < ne[2]; i2++)
                for (i1 = 0; i1 < ne[1]; i1++) {
                    const float *ar = A + (((a->ne[3] == 1 ? 0 : i3) * a->ne[2] + (a->ne[2] == 1 ? 0 : i2)) * a->ne[1] + (a->ne[1] == 1 ? 0 : i1)) * a->ne[0];
                    const float *br = B + (((b->ne[3] == 1 ? 0 : i3) * b->ne[2] + (b->ne[2] == 1 ? 0 : i2)) * b->ne[1] + (b->ne[1] == 1 ? 0 : i1)) * b->ne[0];
                    int64_t sa = a->ne[0] == 1 ? 0 : 1, sb = b->ne[0] == 1 ? 0 : 1;
                    for (i0 = 0; i0 < ne[0]; i0++, k++) {
                        float va = ar[i0 * sa], vb = br[i0 * sb];
                        Y[k] = op == TN__OP_ADD ? va + vb : op == TN__OP_SUB ? va - vb : op == TN__OP_MUL ? va * vb : va / vb;
                    }
                }
    }
    return tn__record(ctx, y, op, a, b, NULL);
}

/* dst[i] += src[i]; the SIMD paths add exactly as the scalar loop does */
static void tn__vacc_ref(float *dst, const float *src, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) dst[i] += src[i];
}
static void tn__vacc(float *dst, const float *src, int64_t n) { tn__kern()->vacc(dst, src, n); }
/* dst = src into a new gradient buffer (fresh), else dst += src */
static void tn__vput(float *dst, const float *src, int64_t n, int fresh) {
    if (fresh) memcpy(dst, src, sizeof(float) * (size_t)n);
    else tn__vacc(dst, src, n);
}
static tn_status tn__binary_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *a = y->src[0], *b = y->src[1];
    tn_status st = TN_OK;
    int fa, fb; /* a new gradient, written by a store (when b == a, gb is not new: ga's store comes first) */
    float *ga = tn__gbuf_w(ctx, a, &st, &fa), *gb = tn__gbuf_w(ctx, b, &st, &fb);
    const float *g = (const float *)y->grad->data, *A, *B;
    int64_t i0, i1, i2, i3, k = 0;
    int op = y->op;
    if (st != TN_OK) return st;
    A = tn__dense(ctx, a);
    B = tn__dense(ctx, b);
    if (!A || !B) return TN_ERR_NOMEM;
    if (tn_same_shape(y, a) && tn_same_shape(y, b) && op != TN__OP_DIV) {
        /* no broadcast (add, sub, mul): flat loops, each element updated as the general loop does */
        int64_t i, n = tn_nelements(y);
        if (ga && op == TN__OP_MUL) {
            if (fa) for (i = 0; i < n; i++) ga[i] = g[i] * B[i];
            else for (i = 0; i < n; i++) ga[i] += g[i] * B[i];
        } else if (ga) tn__vput(ga, g, n, fa);
        if (gb && op == TN__OP_MUL) {
            if (fb) for (i = 0; i < n; i++) gb[i] = g[i] * A[i];
            else for (i = 0; i < n; i++) gb[i] += g[i] * A[i];
        } else if (gb && op == TN__OP_ADD) tn__vput(gb, g, n, fb);
        else if (gb) {
            if (fb) for (i = 0; i < n; i++) gb[i] = -g[i];
            else for (i = 0; i < n; i++) gb[i] -= g[i];
        }
        return TN_OK;
    }
    if (fa) memset(ga, 0, tn_nbytes(a->grad));
    if (fb) memset(gb, 0, tn_nbytes(b->grad));
    if (tn_same_shape(y, a) && (op == TN__OP_ADD || op == TN__OP_SUB || op == TN__OP_MUL) &&
        b->ne[0] == y->ne[0] && b->ne[1] == 1 && b->ne[2] == 1 && b->ne[3] == 1 && y->ne[0] > 1) {
        /* row-vector b: the same sums as the general loop, in the same order */
        int64_t r, i, n0 = y->ne[0], nr = tn_nrows(y);
        float sb = op == TN__OP_SUB ? -1.0f : 1.0f;
        for (r = 0; r < nr; r++) {
            const float *gr = g + r * n0, *ar = A + r * n0;
            if (op == TN__OP_MUL) {
                if (ga) for (i = 0; i < n0; i++) ga[r * n0 + i] += gr[i] * B[i];
                if (gb) for (i = 0; i < n0; i++) gb[i] += gr[i] * ar[i];
            } else {
                if (ga) for (i = 0; i < n0; i++) ga[r * n0 + i] += gr[i];
                if (gb) for (i = 0; i < n0; i++) gb[i] += sb * gr[i];
            }
        }
        return TN_OK;
    }
    if (tn_same_shape(y, a) && tn_same_shape(y, b)) { /* division without broadcast */
        int64_t i, n = tn_nelements(y);
        if (ga) for (i = 0; i < n; i++) ga[i] += g[i] / B[i];
        if (gb) for (i = 0; i < n; i++) gb[i] -= g[i] * A[i] / (B[i] * B[i]);
        return TN_OK;
    }
    for (i3 = 0; i3 < y->ne[3]; i3++)
        for (i2 = 0; i2 < y->ne[2]; i2++)
            for (i1 = 0; i1 < y->ne[1]; i1++) {
                int64_t ra = (((a->ne[3] == 1 ? 0 : i3) * a->ne[2] + (a->ne[2] == 1 ? 0 : i2)) * a->ne[1] + (a->ne[1] == 1 ? 0 : i1)) * a->ne[0];
                int64_t rb = (((b->ne[3] == 1 ? 0 : i3) * b->ne[2] + (b->ne[2] == 1 ? 0 : i2)) * b->ne[1] + (b->ne[1] == 1 ? 0 : i1)) * b->ne[0];
                int64_t sa = a->ne[0] == 1 ? 0 : 1, sb = b->ne[0] == 1 ? 0 : 1;
                for (i0 = 0; i0 < y->ne[0]; i0++, k++) {
                    int64_t ia = ra + i0 * sa, ib = rb + i0 * sb;
                    float gv = g[k];
                    switch (op) {
                    case TN__OP_ADD: if (ga) ga[ia] += gv; if (gb) gb[ib] += gv; break;
                    case TN__OP_SUB: if (ga) ga[ia] += gv; if (gb) gb[ib] -= gv; break;
                    case TN__OP_MUL: if (ga) ga[ia] += gv * B[ib]; if (gb) gb[ib] += gv * A[ia]; break;
                    default:
                        if (ga) ga[ia] += gv / B[ib];
                        if (gb) gb[ib] -= gv * A[ia] / (B[ib] * B[ib]);
                        break;
                    }
                }
            }
    return TN_OK;
}

TNDEF tn_tensor *tn_add(tn_ctx *ctx, tn_tensor *a, tn_tensor *b) { return tn__binary(ctx, TN__OP_ADD, a, b, "tn_add"); }
TNDEF tn_tensor *tn_sub(tn_ctx *ctx, tn_tensor *a, tn_tensor *b) { return tn__binary(ctx, TN__OP_SUB, a, b, "tn_sub"); }
TNDEF tn_tensor *tn_mul(tn_ctx *ctx, tn_tensor *a, tn_tensor *b) { return tn__binary(ctx, TN__OP_MUL, a, b, "tn_mul"); }
TNDEF tn_tensor *tn_div(tn_ctx *ctx, tn_tensor *a, tn_tensor *b) { return tn__binary(ctx, TN__OP_DIV, a, b, "tn_div"); }

/* -- elementwise unary -- */

/* ReLU^2 forward y = x > 0 ? x * x : 0 and backward gx += g * (x > 0 ? 2x : 0);
   ReLU forward y = x > 0 ? x : 0 (NaN -> 0) and backward gx += g * (x > 0 ? 1 : 0).
   Every path computes exactly these expressions. */
static void tn__relu2_fwd_ref(float *y, const float *x, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] * x[i] : 0.0f;
}
static void tn__relu2_bwd_ref(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) gx[i] += g[i] * (x[i] > 0.0f ? 2.0f * x[i] : 0.0f);
}
static void tn__relu_fwd_ref(float *y, const float *x, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
static void tn__relu_bwd_ref(float *gx, const float *g, const float *x, int64_t n) {
    int64_t i;
    for (i = 0; i < n; i++) gx[i] += g[i] * (x[i] > 0.0f ? 1.0f : 0.0f);
}
static void tn__relu2_fwd(float *y, const float *x, int64_t n) { tn__kern()->relu2_fwd(y, x, n); }
static void tn__relu2_bwd(float *gx, const float *g, const float *x, int64_t n) { tn__kern()->relu2_bwd(gx, g, x, n); }
static void tn__relu_fwd(float *y, const float *x, int64_t n) { tn__kern()->relu_fwd(y, x, n); }
static void tn__relu_bwd(float *gx, const float *g, const float *x, int64_t n) { tn__kern()->relu_bwd(gx, g, x, n); }

#define TN__GELU_C 0.7978845608028654f /* sqrt(2/pi) */

static float tn__unary_f(int kind, float x, float p) {
    switch (kind) {
    case TN__U_SCALE: return x * p;
    case TN__U_ADD_SCALAR: return x + p;
    case TN__U_EXP: return tn__expf(x);
    case TN__U_LOG: return tn__logf(x);
    case TN__U_SQRT: return sqrtf(x);
    case TN__U_POW: return tn__powf(x, p);
    case TN__U_RELU: return x > 0.0f ? x : 0.0f;
    case TN__U_RELU2: return x > 0.0f ? x * x : 0.0f;
    case TN__U_GELU: return 0.5f * x * (1.0f + tn__tanhf(TN__GELU_C * (x + 0.044715f * x * x * x)));
    case TN__U_GELU_ERF: return 0.5f * x * (1.0f + tn__erff(x * 0.70710678118654752f));
    case TN__U_SILU: return x / (1.0f + tn__expf(-x));
    case TN__U_SIGMOID: return 1.0f / (1.0f + tn__expf(-x));
    default: return tn__tanhf(x);
    }
}
/* dy/dx given x and y = f(x) */
static float tn__unary_df(int kind, float x, float y, float p) {
    switch (kind) {
    case TN__U_SCALE: return p;
    case TN__U_ADD_SCALAR: return 1.0f;
    case TN__U_EXP: return y;
    case TN__U_LOG: return 1.0f / x;
    case TN__U_SQRT: return 0.5f / y;
    case TN__U_POW: return p * tn__powf(x, p - 1.0f);
    case TN__U_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case TN__U_RELU2: return x > 0.0f ? 2.0f * x : 0.0f;
    case TN__U_GELU: {
        float t = tn__tanhf(TN__GELU_C * (x + 0.044715f * x * x * x));
        return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * TN__GELU_C * (1.0f + 3.0f * 0.044715f * x * x);
    }
    case TN__U_GELU_ERF:
        return 0.5f * (1.0f + tn__erff(x * 0.70710678118654752f)) + x * 0.3989422804014327f * tn__expf(-0.5f * x * x);
    case TN__U_SILU: { float s = 1.0f / (1.0f + tn__expf(-x)); return s * (1.0f + x * (1.0f - s)); }
    case TN__U_SIGMOID: return y * (1.0f - y);
    default: return 1.0f - y * y;
    }
}

static tn_tensor *tn__unary(tn_ctx *ctx, int kind, tn_tensor *x, float p, const char *fn) {
    tn_tensor *y;
    const float *X;
    float *Y;
    int64_t i, n;
    if (!x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, x)) return NULL;
    y = tn__new(ctx, TN_TYPE_F32, x->n_dims, x->ne, 0);
    if (!y || !(X = tn__dense(ctx, x))) return NULL;
    Y = (float *)y->data;
    n = tn_nelements(x);
    if (kind == TN__U_RELU) tn__relu_fwd(Y, X, n);
    else if (kind == TN__U_RELU2) tn__relu2_fwd(Y, X, n);
    else if (kind == TN__U_SCALE) for (i = 0; i < n; i++) Y[i] = X[i] * p;
    else for (i = 0; i < n; i++) Y[i] = tn__unary_f(kind, X[i], p);
    y->iparam[0] = kind;
    y->fparam[0] = p;
    return tn__record(ctx, y, TN__OP_UNARY, x, NULL, NULL);
}
static tn_status tn__unary_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    const float *g = (const float *)y->grad->data, *Y = (const float *)y->data, *X;
    int64_t i, n = tn_nelements(y);
    int kind = (int)y->iparam[0];
    if (st != TN_OK || !gx) return st;
    if (!(X = tn__dense(ctx, y->src[0]))) return TN_ERR_NOMEM;
    if (kind == TN__U_RELU) tn__relu_bwd(gx, g, X, n);
    else if (kind == TN__U_RELU2) tn__relu2_bwd(gx, g, X, n);
    else if (kind == TN__U_SCALE || kind == TN__U_ADD_SCALAR) { /* constant derivatives: a loop that vectorizes */
        const float d = tn__unary_df(kind, 0.0f, 0.0f, y->fparam[0]);
        for (i = 0; i < n; i++) gx[i] += g[i] * d;
    } else for (i = 0; i < n; i++) gx[i] += g[i] * tn__unary_df(kind, X[i], Y[i], y->fparam[0]);
    return TN_OK;
}

TNDEF tn_tensor *tn_scale(tn_ctx *ctx, tn_tensor *x, float s) { return tn__unary(ctx, TN__U_SCALE, x, s, "tn_scale"); }
TNDEF tn_tensor *tn_add_scalar(tn_ctx *ctx, tn_tensor *x, float c) { return tn__unary(ctx, TN__U_ADD_SCALAR, x, c, "tn_add_scalar"); }
TNDEF tn_tensor *tn_neg(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_SCALE, x, -1.0f, "tn_neg"); }
TNDEF tn_tensor *tn_exp(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_EXP, x, 0.0f, "tn_exp"); }
TNDEF tn_tensor *tn_log(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_LOG, x, 0.0f, "tn_log"); }
TNDEF tn_tensor *tn_sqrt(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_SQRT, x, 0.0f, "tn_sqrt"); }
TNDEF tn_tensor *tn_pow(tn_ctx *ctx, tn_tensor *x, float p) { return tn__unary(ctx, TN__U_POW, x, p, "tn_pow"); }
TNDEF tn_tensor *tn_relu(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_RELU, x, 0.0f, "tn_relu"); }
TNDEF tn_tensor *tn_relu2(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_RELU2, x, 0.0f, "tn_relu2"); }
TNDEF tn_tensor *tn_gelu(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_GELU, x, 0.0f, "tn_gelu"); }
TNDEF tn_tensor *tn_gelu_erf(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_GELU_ERF, x, 0.0f, "tn_gelu_erf"); }
TNDEF tn_tensor *tn_silu(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_SILU, x, 0.0f, "tn_silu"); }
TNDEF tn_tensor *tn_sigmoid(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_SIGMOID, x, 0.0f, "tn_sigmoid"); }
TNDEF tn_tensor *tn_tanh(tn_ctx *ctx, tn_tensor *x) { return tn__unary(ctx, TN__U_TANH, x, 0.0f, "tn_tanh"); }
TNDEF tn_tensor *tn_swiglu(tn_ctx *ctx, tn_tensor *gate, tn_tensor *up) { return tn_mul(ctx, tn_silu(ctx, gate), up); }

/* -- reductions -- */

static tn_tensor *tn__sum_axis(tn_ctx *ctx, tn_tensor *x, int dim, float scale, const char *fn) {
    int64_t ne[4], i0, i1, i2, i3;
    tn_tensor *y;
    float *Y;
    if (!x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, x)) return NULL;
    if (dim < 0 || dim > 3) { tn__fail(TN_ERR_ARG, "%s: dim %d, want 0..3", fn, dim); return NULL; }
    memcpy(ne, x->ne, sizeof(ne));
    ne[dim] = 1;
    y = tn__new(ctx, TN_TYPE_F32, x->n_dims, ne, 0);
    if (!y) return NULL;
    Y = (float *)y->data;
    {
        /* accumulate in double for accuracy, then scale */
        double *acc = (double *)tn_ctx_alloc(ctx, sizeof(double) * (size_t)tn_nelements(y));
        int64_t n = tn_nelements(y), k;
        if (!acc) return NULL;
        memset(acc, 0, sizeof(double) * (size_t)n);
        for (i3 = 0; i3 < x->ne[3]; i3++)
            for (i2 = 0; i2 < x->ne[2]; i2++)
                for (i1 = 0; i1 < x->ne[1]; i1++)
                    for (i0 = 0; i0 < x->ne[0]; i0++) {
                        int64_t j[4];
                        j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                        j[dim] = 0;
                        acc[((j[3] * ne[2] + j[2]) * ne[1] + j[1]) * ne[0] + j[0]] += tn__at(x, i0, i1, i2, i3);
                    }
        for (k = 0; k < n; k++) Y[k] = (float)(acc[k] * scale);
    }
    y->iparam[0] = dim;
    y->fparam[0] = scale;
    return tn__record(ctx, y, TN__OP_SUM_AXIS, x, NULL, NULL);
}
static tn_status tn__sum_axis_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *x = y->src[0];
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, x, &st);
    const float *g = (const float *)y->grad->data;
    int dim = (int)y->iparam[0];
    int64_t i0, i1, i2, i3, k = 0;
    if (!gx) return st;
    for (i3 = 0; i3 < x->ne[3]; i3++)
        for (i2 = 0; i2 < x->ne[2]; i2++)
            for (i1 = 0; i1 < x->ne[1]; i1++)
                for (i0 = 0; i0 < x->ne[0]; i0++, k++) {
                    int64_t j[4];
                    j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                    j[dim] = 0;
                    gx[k] += g[((j[3] * y->ne[2] + j[2]) * y->ne[1] + j[1]) * y->ne[0] + j[0]] * y->fparam[0];
                }
    return TN_OK;
}
TNDEF tn_tensor *tn_sum_axis(tn_ctx *ctx, tn_tensor *x, int dim) { return tn__sum_axis(ctx, x, dim, 1.0f, "tn_sum_axis"); }
TNDEF tn_tensor *tn_mean_axis(tn_ctx *ctx, tn_tensor *x, int dim) {
    if (!x) return NULL;
    if (dim < 0 || dim > 3) { tn__fail(TN_ERR_ARG, "tn_mean_axis: dim %d, want 0..3", dim); return NULL; }
    return tn__sum_axis(ctx, x, dim, x->ne[dim] ? 1.0f / (float)x->ne[dim] : 0.0f, "tn_mean_axis");
}

static tn_tensor *tn__sum_all(tn_ctx *ctx, tn_tensor *x, int mean, const char *fn) {
    tn_tensor *y;
    const float *X;
    double acc = 0.0;
    int64_t i, n;
    if (!x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, x)) return NULL;
    y = tn_new_1d(ctx, TN_TYPE_F32, 1);
    if (!y || !(X = tn__dense(ctx, x))) return NULL;
    n = tn_nelements(x);
    for (i = 0; i < n; i++) acc += X[i];
    y->fparam[0] = mean ? (n ? 1.0f / (float)n : 0.0f) : 1.0f;
    ((float *)y->data)[0] = (float)(acc * y->fparam[0]);
    return tn__record(ctx, y, TN__OP_SUM_ALL, x, NULL, NULL);
}
static tn_status tn__sum_all_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    float g = ((const float *)y->grad->data)[0] * y->fparam[0];
    int64_t i, n = tn_nelements(y->src[0]);
    if (!gx) return st;
    for (i = 0; i < n; i++) gx[i] += g;
    return TN_OK;
}
TNDEF tn_tensor *tn_sum(tn_ctx *ctx, tn_tensor *x) { return tn__sum_all(ctx, x, 0, "tn_sum"); }
TNDEF tn_tensor *tn_mean(tn_ctx *ctx, tn_tensor *x) { return tn__sum_all(ctx, x, 1, "tn_mean"); }

TNDEF tn_tensor *tn_max_axis(tn_ctx *ctx, tn_tensor *x, int dim) {
    int64_t ne[4], i0, i1, i2, i3, n, *arg;
    tn_tensor *y;
    float *Y;
    if (!x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_max_axis: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_max_axis", x)) return NULL;
    if (dim < 0 || dim > 3 || x->ne[dim] == 0) { tn__fail(TN_ERR_ARG, "tn_max_axis: bad dim %d", dim); return NULL; }
    memcpy(ne, x->ne, sizeof(ne));
    ne[dim] = 1;
    y = tn__new(ctx, TN_TYPE_F32, x->n_dims, ne, 0);
    if (!y) return NULL;
    n = tn_nelements(y);
    arg = (int64_t *)tn_ctx_alloc(ctx, sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!arg) return NULL;
    Y = (float *)y->data;
    for (i0 = 0; i0 < n; i0++) { Y[i0] = -INFINITY; arg[i0] = 0; }
    for (i3 = 0; i3 < x->ne[3]; i3++)
        for (i2 = 0; i2 < x->ne[2]; i2++)
            for (i1 = 0; i1 < x->ne[1]; i1++)
                for (i0 = 0; i0 < x->ne[0]; i0++) {
                    int64_t j[4], o, id;
                    float v = tn__at(x, i0, i1, i2, i3);
                    j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                    id = j[dim];
                    j[dim] = 0;
                    o = ((j[3] * ne[2] + j[2]) * ne[1] + j[1]) * ne[0] + j[0];
                    if (id == 0 || v > Y[o]) { Y[o] = v; arg[o] = id; }
                }
    y->aux = arg;
    y->iparam[0] = dim;
    return tn__record(ctx, y, TN__OP_MAX_AXIS, x, NULL, NULL);
}
static tn_status tn__max_axis_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *x = y->src[0];
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, x, &st);
    const float *g = (const float *)y->grad->data;
    const int64_t *arg = (const int64_t *)y->aux;
    int dim = (int)y->iparam[0];
    int64_t i0, i1, i2, i3, o = 0;
    if (!gx) return st;
    for (i3 = 0; i3 < y->ne[3]; i3++)
        for (i2 = 0; i2 < y->ne[2]; i2++)
            for (i1 = 0; i1 < y->ne[1]; i1++)
                for (i0 = 0; i0 < y->ne[0]; i0++, o++) {
                    int64_t j[4];
                    j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                    j[dim] = arg[o];
                    gx[((j[3] * x->ne[2] + j[2]) * x->ne[1] + j[1]) * x->ne[0] + j[0]] += g[o];
                }
    return TN_OK;
}

/* -- products -- */

/* an f32 tensor whose rows are contiguous (any strides above) */
static int tn__rows_f32(const tn_tensor *t) {
    return t->type == TN_TYPE_F32 && t->nb[0] == sizeof(float) && t->nb[1] % sizeof(float) == 0 && t->nb[1] >= (size_t)t->ne[0] * sizeof(float);
}

/* contiguous copy of x with dims 0 and 1 swapped */
static tn_tensor *tn__transposed(tn_ctx *ctx, const tn_tensor *x) {
    int64_t ne[4], i0, i1, i2, i3;
    tn_tensor *t;
    float *T;
    ne[0] = x->ne[1]; ne[1] = x->ne[0]; ne[2] = x->ne[2]; ne[3] = x->ne[3];
    t = tn__new(ctx, TN_TYPE_F32, 4, ne, 0);
    if (!t) return NULL;
    T = (float *)t->data;
    for (i3 = 0; i3 < x->ne[3]; i3++)
        for (i2 = 0; i2 < x->ne[2]; i2++)
            for (i1 = 0; i1 < x->ne[1]; i1++)
                for (i0 = 0; i0 < x->ne[0]; i0++)
                    T[((i3 * ne[2] + i2) * ne[1] + i0) * ne[0] + i1] = tn__at(x, i0, i1, i2, i3);
    return t;
}

TNDEF tn_tensor *tn_matmul(tn_ctx *ctx, tn_tensor *w, tn_tensor *x) {
    int64_t ne[4];
    tn_tensor *y, *wc = w;
    if (!w || !x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_matmul: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_matmul", x)) return NULL;
    if (tn__tracked(w) && w->type != TN_TYPE_F32) { tn__fail(TN_ERR_TYPE, "tn_matmul: a trained weight must be f32"); return NULL; }
    ne[0] = w->ne[1]; ne[1] = x->ne[1]; ne[2] = x->ne[2]; ne[3] = x->ne[3];
    y = tn__new(ctx, TN_TYPE_F32, TN__MAX(2, x->n_dims), ne, 0);
    if (!y) return NULL;
    if (w->nb[0] != tn_type_size(w->type)) {
        size_t mark = tn_ctx_used(ctx);
        int saved = ctx->no_grad;
        ctx->no_grad = 1;
        wc = tn_cont(ctx, w);
        ctx->no_grad = saved;
        if (!wc) { tn_ctx_rewind(ctx, mark); return NULL; }
    }
    if (tn__mul_mat(y, wc, x, tn__cpool(ctx), 2) != TN_OK) return NULL;
    return tn__record(ctx, y, TN__OP_MATMUL, w, x, NULL);
}
static tn_status tn__matmul_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *w = y->src[0], *x = y->src[1], *g = y->grad;
    tn_status st = TN_OK;
    int fw, fx, gemm = tn__rows_f32(w) && tn__rows_f32(x) && g->type == TN_TYPE_F32 && tn_is_contiguous(g);
    float *gw = tn__gbuf_w(ctx, w, &st, &fw), *gx = tn__gbuf_w(ctx, x, &st, &fx);
    size_t mark;
    if (st != TN_OK) return st;
    /* the GEMMs store into a new gradient (each output's first GEMM) instead of
       adding; w == x shares one buffer, which the dx GEMM would add into first */
    if (fw && (!gemm || w == x)) { memset(gw, 0, tn_nbytes(w->grad)); fw = 0; }
    if (fx && !gemm) { memset(gx, 0, tn_nbytes(x->grad)); fx = 0; }
    if (gemm) {
        /* matrices whose rows are contiguous (views included), one GEMM per batch
           matrix: it reads the transposed operands in place and adds straight into
           the gradients (which are dense in the logical shape) */
        int64_t K = w->ne[0], N = w->ne[1], M = x->ne[1], i2, i3, nbm = x->ne[2] * x->ne[3];
        int64_t r2 = x->ne[2] / w->ne[2], r3 = x->ne[3] / w->ne[3];
        int64_t ldw = (int64_t)(w->nb[1] / sizeof(float)), ldx = (int64_t)(x->nb[1] / sizeof(float));
        /* dx GEMMs never share an output; dw GEMMs do when w is broadcast, and
           then run one after another in batch order */
        /* in lists of up to TN__GEMM_LIST on the stack: batch b0.. b0 + nl - 1 */
        tn__gemm_args lx[TN__GEMM_LIST], lw[TN__GEMM_LIST];
        int64_t b0, b;
        for (b0 = 0; b0 < nbm && st == TN_OK; b0 += TN__GEMM_LIST) {
            const int nl = (int)TN__MIN((int64_t)TN__GEMM_LIST, nbm - b0);
            int j;
            for (j = 0; j < nl; j++) {
                int64_t bw;
                b = b0 + j;
                i2 = b % x->ne[2];
                i3 = b / x->ne[2];
                bw = (i3 / r3) * w->ne[2] + i2 / r2;
                {
                    const float *G = (const float *)g->data + b * M * N;
                    const float *W = (const float *)((const uint8_t *)w->data + (size_t)(i2 / r2) * w->nb[2] + (size_t)(i3 / r3) * w->nb[3]);
                    const float *X = (const float *)((const uint8_t *)x->data + (size_t)i2 * x->nb[2] + (size_t)i3 * x->nb[3]);
                    if (gx) lx[j] = tn__gemm_make(M, K, N, G, N, 0, W, ldw, 1, gx + b * M * K, K, !fx); /* dx = g . w */
                    if (gw) lw[j] = tn__gemm_make(N, K, M, G, N, 1, X, ldx, 1, gw + bw * K * N, K, /* dw = g^T . x */
                                                  !(fw && i2 % r2 == 0 && i3 % r3 == 0));
                }
            }
            if (gx) st = tn__gemm_run_list(tn__cpool(ctx), lx, nl);
            if (gw && st == TN_OK && r2 == 1 && r3 == 1) st = tn__gemm_run_list(tn__cpool(ctx), lw, nl);
            else if (gw)
                for (j = 0; j < nl && st == TN_OK; j++) st = tn__gemm_run_list(tn__cpool(ctx), &lw[j], 1);
        }
        return st;
    }
    mark = tn_ctx_used(ctx);
    if (gx) { /* dx = g . w  as mul_mat(w^T, g): (K, M) */
        tn_tensor *wt = tn__transposed(ctx, w), *tmp = tn__new(ctx, TN_TYPE_F32, 4, x->ne, 0);
        int64_t i, n = tn_nelements(x);
        if (!wt || !tmp) return TN_ERR_NOMEM;
        if ((st = tn_mul_mat(tmp, wt, g, tn__cpool(ctx))) != TN_OK) return st;
        for (i = 0; i < n; i++) gx[i] += ((float *)tmp->data)[i];
    }
    if (gw) { /* dw = g^T . x as mul_mat(x^T, g^T): (K, N) per x batch, summed over broadcasts */
        tn_tensor *xt = tn__transposed(ctx, x), *gt = tn__transposed(ctx, g), *tmp;
        int64_t ne[4], i2, i3, k, K = w->ne[0], N = w->ne[1];
        int64_t r2 = x->ne[2] / w->ne[2], r3 = x->ne[3] / w->ne[3];
        if (!xt || !gt) return TN_ERR_NOMEM;
        ne[0] = K; ne[1] = N; ne[2] = x->ne[2]; ne[3] = x->ne[3];
        tmp = tn__new(ctx, TN_TYPE_F32, 4, ne, 0);
        if (!tmp) return TN_ERR_NOMEM;
        if ((st = tn_mul_mat(tmp, xt, gt, tn__cpool(ctx))) != TN_OK) return st;
        for (i3 = 0; i3 < x->ne[3]; i3++)
            for (i2 = 0; i2 < x->ne[2]; i2++) {
                const float *src = (const float *)tmp->data + (i3 * x->ne[2] + i2) * K * N;
                float *dst = gw + ((i3 / r3) * w->ne[2] + i2 / r2) * K * N;
                for (k = 0; k < K * N; k++) dst[k] += src[k];
            }
    }
    tn_ctx_rewind(ctx, mark);
    return TN_OK;
}

TNDEF tn_tensor *tn_linear(tn_ctx *ctx, tn_tensor *x, tn_tensor *w, tn_tensor *b) {
    tn_tensor *y = tn_matmul(ctx, w, x);
    return b ? tn_add(ctx, y, b) : y;
}

/* -- views and copies -- */

static tn_status tn__view_backward(tn_ctx *ctx, tn_tensor *v) {
    tn_tensor *root = v->src[0];
    tn_status st = TN_OK;
    float *gr = tn__gbuf(ctx, root, &st);
    const float *g = (const float *)v->grad->data;
    int64_t i0, i1, i2, i3, k = 0;
    if (!gr) return st;
    if (v->nb[0] == sizeof(float)) { /* rows contiguous in the root: each added as a row (the same additions) */
        for (i3 = 0; i3 < v->ne[3]; i3++)
            for (i2 = 0; i2 < v->ne[2]; i2++)
                for (i1 = 0; i1 < v->ne[1]; i1++, k += v->ne[0])
                    tn__vacc(gr + (v->view_offs + (size_t)i1 * v->nb[1] + (size_t)i2 * v->nb[2] + (size_t)i3 * v->nb[3]) / sizeof(float), g + k, v->ne[0]);
        return TN_OK;
    }
    for (i3 = 0; i3 < v->ne[3]; i3++)
        for (i2 = 0; i2 < v->ne[2]; i2++)
            for (i1 = 0; i1 < v->ne[1]; i1++)
                for (i0 = 0; i0 < v->ne[0]; i0++, k++) {
                    size_t off = v->view_offs + (size_t)i0 * v->nb[0] + (size_t)i1 * v->nb[1] + (size_t)i2 * v->nb[2] + (size_t)i3 * v->nb[3];
                    gr[off / sizeof(float)] += g[k];
                }
    return TN_OK;
}
static tn_status tn__cont_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    int fresh;
    float *gx = tn__gbuf_w(ctx, y->src[0], &st, &fresh);
    const float *g = (const float *)y->grad->data;
    if (!gx) return st;
    tn__vput(gx, g, tn_nelements(y), fresh);
    return TN_OK;
}

TNDEF tn_tensor *tn_concat(tn_ctx *ctx, tn_tensor *a, tn_tensor *b, int dim) {
    int64_t ne[4], i0, i1, i2, i3, k = 0;
    tn_tensor *y;
    float *Y;
    int d;
    if (!a || !b) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_concat: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_concat", a) || tn__need_f32("tn_concat", b)) return NULL;
    if (dim < 0 || dim > 3) { tn__fail(TN_ERR_ARG, "tn_concat: dim %d, want 0..3", dim); return NULL; }
    for (d = 0; d < 4; d++)
        if (d != dim && a->ne[d] != b->ne[d]) { tn__fail(TN_ERR_SHAPE, "tn_concat: dim %d differs (%lld vs %lld)", d, (long long)a->ne[d], (long long)b->ne[d]); return NULL; }
    memcpy(ne, a->ne, sizeof(ne));
    ne[dim] += b->ne[dim];
    y = tn__new(ctx, TN_TYPE_F32, TN__MAX(TN__MAX(a->n_dims, b->n_dims), dim + 1), ne, 0);
    if (!y) return NULL;
    Y = (float *)y->data;
    for (i3 = 0; i3 < ne[3]; i3++)
        for (i2 = 0; i2 < ne[2]; i2++)
            for (i1 = 0; i1 < ne[1]; i1++)
                for (i0 = 0; i0 < ne[0]; i0++, k++) {
                    int64_t j[4];
                    j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                    if (j[dim] < a->ne[dim]) Y[k] = tn__at(a, j[0], j[1], j[2], j[3]);
                    else { j[dim] -= a->ne[dim]; Y[k] = tn__at(b, j[0], j[1], j[2], j[3]); }
                }
    y->iparam[0] = dim;
    return tn__record(ctx, y, TN__OP_CONCAT, a, b, NULL);
}
static tn_status tn__concat_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *a = y->src[0], *b = y->src[1];
    tn_status st = TN_OK;
    float *ga = tn__gbuf(ctx, a, &st), *gb = tn__gbuf(ctx, b, &st);
    const float *g = (const float *)y->grad->data;
    int dim = (int)y->iparam[0];
    int64_t i0, i1, i2, i3, k = 0;
    if (st != TN_OK) return st;
    for (i3 = 0; i3 < y->ne[3]; i3++)
        for (i2 = 0; i2 < y->ne[2]; i2++)
            for (i1 = 0; i1 < y->ne[1]; i1++)
                for (i0 = 0; i0 < y->ne[0]; i0++, k++) {
                    int64_t j[4];
                    j[0] = i0; j[1] = i1; j[2] = i2; j[3] = i3;
                    if (j[dim] < a->ne[dim]) { if (ga) ga[((j[3] * a->ne[2] + j[2]) * a->ne[1] + j[1]) * a->ne[0] + j[0]] += g[k]; }
                    else { j[dim] -= a->ne[dim]; if (gb) gb[((j[3] * b->ne[2] + j[2]) * b->ne[1] + j[1]) * b->ne[0] + j[0]] += g[k]; }
                }
    return TN_OK;
}

TNDEF tn_tensor *tn_get_rows(tn_ctx *ctx, tn_tensor *table, const tn_tensor *ids) {
    int64_t ne[4], n, i, D;
    int32_t *idc;
    tn_tensor *y;
    if (!table || !ids) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_get_rows: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_get_rows", table)) return NULL;
    if (ids->type != TN_TYPE_I32 || !tn_is_contiguous(ids) || ids->ne[3] != 1 || table->ne[2] != 1 || table->ne[3] != 1) {
        tn__fail(TN_ERR_TYPE, "tn_get_rows: want a 2-D table and contiguous i32 ids of up to 3 dims");
        return NULL;
    }
    n = tn_nelements(ids);
    D = table->ne[0];
    idc = (int32_t *)tn_ctx_alloc(ctx, sizeof(int32_t) * (size_t)(n ? n : 1));
    if (!idc) return NULL;
    for (i = 0; i < n; i++) {
        int32_t id = ((const int32_t *)ids->data)[i];
        if (id < 0 || id >= table->ne[1]) { tn__fail(TN_ERR_ARG, "tn_get_rows: id %d at %lld is outside 0..%lld", id, (long long)i, (long long)table->ne[1] - 1); return NULL; }
        idc[i] = id;
    }
    ne[0] = D; ne[1] = ids->ne[0]; ne[2] = ids->ne[1]; ne[3] = ids->ne[2];
    y = tn__new(ctx, TN_TYPE_F32, TN__MIN(4, ids->n_dims + 1), ne, 0);
    if (!y) return NULL;
    for (i = 0; i < n; i++) {
        int64_t d;
        for (d = 0; d < D; d++) ((float *)y->data)[i * D + d] = tn__at(table, d, idc[i], 0, 0);
    }
    y->aux = idc;
    y->iparam[0] = n;
    return tn__record(ctx, y, TN__OP_GET_ROWS, table, NULL, NULL);
}
static tn_status tn__get_rows_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *table = y->src[0];
    tn_status st = TN_OK;
    float *gt = tn__gbuf(ctx, table, &st);
    const float *g = (const float *)y->grad->data;
    const int32_t *idc = (const int32_t *)y->aux;
    int64_t i, d, D = table->ne[0];
    if (!gt) return st;
    for (i = 0; i < y->iparam[0]; i++)
        for (d = 0; d < D; d++) gt[(int64_t)idc[i] * D + d] += g[i * D + d];
    return TN_OK;
}

/* -- along dim 0 -- */

static tn_tensor *tn__rowwise_new(tn_ctx *ctx, tn_tensor *x, const char *fn, const float **X) {
    tn_tensor *y;
    if (!x) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, x)) return NULL;
    if (x->ne[0] == 0) { tn__fail(TN_ERR_SHAPE, "%s: empty rows", fn); return NULL; }
    y = tn__new(ctx, TN_TYPE_F32, x->n_dims, x->ne, 0);
    if (!y || !(*X = tn__dense(ctx, x))) return NULL;
    return y;
}

/* row-wise ops split their rows over the context's threads; each row is
   computed the same way whatever the split */
typedef struct { const float *x, *g, *y; float *out; int64_t n0, nr; float eps; int flag; } tn__rows;
static void tn__rows_range(const tn__rows *a, int ith, int nth, int64_t *r0, int64_t *r1) {
    *r0 = a->nr * ith / nth;
    *r1 = a->nr * (ith + 1) / nth;
}
/* row sums for the norms, in double: kind 0 sum x, 1 sum (x - mu)^2, 2 sum x y.
   Eight independent partial sums (they vectorize and do not wait on one add
   chain), added in a fixed tree: the same bits for any build and thread count. */
static double tn__row_dsum_ref(const float *x, const float *y, int64_t n, double mu, int kind) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    int j;
    if (kind == 0)
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < 8; j++) acc[j] += (double)x[i + j];
    else if (kind == 1)
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < 8; j++) { double d = (double)x[i + j] - mu; acc[j] += d * d; }
    else
        for (; i + 8 <= n; i += 8)
            for (j = 0; j < 8; j++) acc[j] += (double)x[i + j] * (double)y[i + j];
    for (j = 0; i < n; i++, j++) {
        double v = kind == 0 ? (double)x[i] : kind == 1 ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i] * (double)y[i];
        acc[j] += v;
    }
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}
static double tn__row_dsum(const float *x, const float *y, int64_t n, double mu, int kind) { return tn__kern()->row_dsum(x, y, n, mu, kind); }
/* Rows of e^(x - sub), the library's exp (tn__expf) on every path. exp_sum
   adds them in double as sixteen partial sums (element i into partial i % 16),
   folded 0..7 + 8..15 and then in a fixed tree. ce_grad_row adds
   scale * (p - onehot) into g with p = (float)(e * inv) and one fused
   multiply-add. */
static void tn__exp_row_ref(float *y, const float *x, int64_t n, float sub) {
    int64_t i;
    for (i = 0; i < n; i++) y[i] = tn__expf(x[i] - sub);
}
static double tn__fold16(double *a) {
    int j;
    for (j = 0; j < 8; j++) a[j] += a[j + 8];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}
static double tn__exp_sum_ref(const float *x, int64_t n, float sub) {
    double a[16];
    int64_t i;
    memset(a, 0, sizeof(a));
    for (i = 0; i < n; i++) a[i % 16] += (double)tn__expf(x[i] - sub);
    return tn__fold16(a);
}
static void tn__ce_grad_row_ref(float *g, const float *x, int64_t n, float sub, double inv, int64_t target, float scale) {
    int64_t i;
    for (i = 0; i < n; i++) {
        float p = (float)((double)tn__expf(x[i] - sub) * inv);
        if (i == target) p = p - 1.0f;
        g[i] = fmaf(scale, p, g[i]);
    }
}
static void tn__softmax_task(void *p, int ith, int nth) {
    const tn__rows *a = (const tn__rows *)p;
    int64_t r, r0, r1, i, n0 = a->n0;
    tn__rows_range(a, ith, nth, &r0, &r1);
    for (r = r0; r < r1; r++) {
        const float *xr = a->x + r * n0;
        float *yr = a->out + r * n0, mx = -INFINITY;
        double inv;
        for (i = 0; i < n0; i++) mx = TN__MAX(mx, xr[i]);
        if (mx == -INFINITY) { for (i = 0; i < n0; i++) yr[i] = 0.0f; continue; } /* fully masked row */
        tn__kern()->exp_row(yr, xr, n0, mx);
        inv = 1.0 / tn__row_dsum(yr, NULL, n0, 0.0, 0);
        for (i = 0; i < n0; i++) yr[i] = (float)(yr[i] * inv);
    }
}
TNDEF tn_tensor *tn_softmax(tn_ctx *ctx, tn_tensor *x) {
    const float *X = NULL;
    tn_tensor *y = tn__rowwise_new(ctx, x, "tn_softmax", &X);
    tn__rows a;
    if (!y) return NULL;
    memset(&a, 0, sizeof(a));
    a.x = X; a.out = (float *)y->data; a.n0 = x->ne[0]; a.nr = tn_nrows(x);
    tn_pool_run(tn__cpool(ctx), tn__softmax_task, &a);
    return tn__record(ctx, y, TN__OP_SOFTMAX, x, NULL, NULL);
}
TNDEF tn_tensor *tn_log_softmax(tn_ctx *ctx, tn_tensor *x) {
    const float *X = NULL;
    tn_tensor *y = tn__rowwise_new(ctx, x, "tn_log_softmax", &X);
    int64_t r, i, n0, nr;
    if (!y) return NULL;
    n0 = x->ne[0]; nr = tn_nrows(x);
    for (r = 0; r < nr; r++) {
        const float *xr = X + r * n0;
        float *yr = (float *)y->data + r * n0, mx = -INFINITY, lse;
        double sum;
        for (i = 0; i < n0; i++) mx = TN__MAX(mx, xr[i]);
        sum = tn__kern()->exp_sum(xr, n0, mx);
        lse = mx + (float)tn__log(sum);
        for (i = 0; i < n0; i++) yr[i] = xr[i] - lse;
    }
    return tn__record(ctx, y, TN__OP_LOG_SOFTMAX, x, NULL, NULL);
}
static void tn__softmax_backward_task(void *p, int ith, int nth) {
    const tn__rows *a = (const tn__rows *)p;
    int64_t r, r0, r1, i, n0 = a->n0;
    const int logsm = a->flag;
    tn__rows_range(a, ith, nth, &r0, &r1);
    for (r = r0; r < r1; r++) {
        const float *gr = a->g + r * n0, *yr = a->y + r * n0;
        float *gxr = a->out + r * n0;
        if (logsm) {
            const float dot = (float)tn__row_dsum(gr, NULL, n0, 0.0, 0);
            for (i = 0; i < n0; i++) gxr[i] += gr[i] - tn__expf(yr[i]) * dot;
        } else {
            const float dot = (float)tn__row_dsum(gr, yr, n0, 0.0, 2);
            for (i = 0; i < n0; i++) gxr[i] += yr[i] * (gr[i] - dot);
        }
    }
}
static tn_status tn__softmax_backward(tn_ctx *ctx, tn_tensor *y, int logsm) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    tn__rows a;
    if (!gx) return st;
    memset(&a, 0, sizeof(a));
    a.g = (const float *)y->grad->data; a.y = (const float *)y->data; a.out = gx;
    a.n0 = y->ne[0]; a.nr = tn_nrows(y); a.flag = logsm;
    tn_pool_run(tn__cpool(ctx), tn__softmax_backward_task, &a);
    return TN_OK;
}

static void tn__norm_task(void *p, int ith, int nth) {
    const tn__rows *a = (const tn__rows *)p;
    int64_t r, r0, r1, i, n0 = a->n0;
    const int center = a->flag;
    tn__rows_range(a, ith, nth, &r0, &r1);
    for (r = r0; r < r1; r++) {
        const float *xr = a->x + r * n0;
        float *yr = a->out + r * n0;
        double mu = center ? tn__row_dsum(xr, NULL, n0, 0.0, 0) / (double)n0 : 0.0, ss = tn__row_dsum(xr, NULL, n0, mu, 1);
        float rs = (float)(1.0 / sqrt(ss / (double)n0 + a->eps));
        if (center)
            for (i = 0; i < n0; i++) yr[i] = (float)(xr[i] - mu) * rs;
        else
            for (i = 0; i < n0; i++) yr[i] = xr[i] * rs; /* (float)(x - 0.0) is x */
    }
}
static void tn__norm_backward_task(void *p, int ith, int nth) {
    const tn__rows *a = (const tn__rows *)p;
    int64_t r, r0, r1, i, n0 = a->n0;
    const int center = a->flag;
    tn__rows_range(a, ith, nth, &r0, &r1);
    for (r = r0; r < r1; r++) {
        const float *gr = a->g + r * n0, *yr = a->y + r * n0, *xr = a->x + r * n0;
        float *gxr = a->out + r * n0;
        double mu = center ? tn__row_dsum(xr, NULL, n0, 0.0, 0) / (double)n0 : 0.0, ss = tn__row_dsum(xr, NULL, n0, mu, 1);
        double mg = center ? tn__row_dsum(gr, NULL, n0, 0.0, 0) / (double)n0 : 0.0;
        double mgy = tn__row_dsum(gr, yr, n0, 0.0, 2) / (double)n0;
        float rs = (float)(1.0 / sqrt(ss / (double)n0 + a->eps));
        for (i = 0; i < n0; i++) gxr[i] += rs * (gr[i] - (float)mg - yr[i] * (float)mgy);
    }
}
static tn_tensor *tn__norm(tn_ctx *ctx, tn_tensor *x, float eps, int center, const char *fn) {
    const float *X = NULL;
    tn_tensor *y = tn__rowwise_new(ctx, x, fn, &X);
    tn__rows a;
    if (!y) return NULL;
    if (!(eps >= 0.0f)) { tn__fail(TN_ERR_ARG, "%s: eps must be >= 0", fn); return NULL; }
    memset(&a, 0, sizeof(a));
    a.x = X; a.out = (float *)y->data; a.n0 = x->ne[0]; a.nr = tn_nrows(x); a.eps = eps; a.flag = center;
    tn_pool_run(tn__cpool(ctx), tn__norm_task, &a);
    y->fparam[0] = eps;
    return tn__record(ctx, y, center ? TN__OP_LAYER_NORM : TN__OP_RMS_NORM, x, NULL, NULL);
}
static tn_status tn__norm_backward(tn_ctx *ctx, tn_tensor *y, int center) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    const float *X;
    tn__rows a;
    if (!gx) return st;
    if (!(X = tn__dense(ctx, y->src[0]))) return TN_ERR_NOMEM;
    memset(&a, 0, sizeof(a));
    a.x = X; a.g = (const float *)y->grad->data; a.y = (const float *)y->data; a.out = gx;
    a.n0 = y->ne[0]; a.nr = tn_nrows(y); a.eps = y->fparam[0]; a.flag = center;
    tn_pool_run(tn__cpool(ctx), tn__norm_backward_task, &a);
    return TN_OK;
}
TNDEF tn_tensor *tn_rms_norm(tn_ctx *ctx, tn_tensor *x, float eps) { return tn__norm(ctx, x, eps, 0, "tn_rms_norm"); }
TNDEF tn_tensor *tn_layer_norm(tn_ctx *ctx, tn_tensor *x, float eps) { return tn__norm(ctx, x, eps, 1, "tn_layer_norm"); }

TNDEF tn_tensor *tn_dropout(tn_ctx *ctx, tn_tensor *x, float p, tn_rng *rng) {
    tn_tensor *y;
    const float *X;
    float *mask, keep;
    int64_t i, n;
    if (!x) return NULL;
    if (!ctx || !rng) { tn__fail(TN_ERR_ARG, "tn_dropout: NULL argument"); return NULL; }
    if (!(p >= 0.0f && p < 1.0f)) { tn__fail(TN_ERR_ARG, "tn_dropout: p = %g, want [0, 1)", (double)p); return NULL; }
    if (p == 0.0f || ctx->no_grad) return x;
    if (tn__need_f32("tn_dropout", x)) return NULL;
    y = tn__new(ctx, TN_TYPE_F32, x->n_dims, x->ne, 0);
    n = tn_nelements(x);
    if (!y || !(X = tn__dense(ctx, x))) return NULL;
    mask = (float *)tn_ctx_alloc(ctx, sizeof(float) * (size_t)(n ? n : 1));
    if (!mask) return NULL;
    keep = 1.0f / (1.0f - p);
    for (i = 0; i < n; i++) {
        mask[i] = tn_rng_uniform(rng) >= p ? keep : 0.0f;
        ((float *)y->data)[i] = X[i] * mask[i];
    }
    y->aux = mask;
    return tn__record(ctx, y, TN__OP_DROPOUT, x, NULL, NULL);
}
static tn_status tn__dropout_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    const float *g = (const float *)y->grad->data, *mask = (const float *)y->aux;
    int64_t i, n = tn_nelements(y);
    if (!gx) return st;
    for (i = 0; i < n; i++) gx[i] += g[i] * mask[i];
    return TN_OK;
}

/* cos and sin of position pos0 + t times theta^(-2i/hd), as floats */
static void tn__rope_cs(double pos, int64_t i, int64_t hd, float theta, float *c, float *sn) {
    double ang = pos * tn__exp(-2.0 * (double)i / (double)hd * tn__log((double)theta)), sd, cd;
    tn__sincos(ang, &sd, &cd);
    *c = (float)cd;
    *sn = (float)sd;
}
/* rotate pairs (2i, 2i+1) of each head vector; sign -1 rotates back (backward) */
static void tn__rope_apply(tn_ctx *ctx, float *dst, const float *src, const int64_t *ne, int64_t pos0, float theta, float sign) {
    int64_t i, h, t, b, hd = ne[0], half = hd / 2;
    /* the angles depend on t and i only: one table for all heads and batches (in the context's scratch) */
    float *tab = (half > 0 && ne[2] > 0 && (size_t)ne[2] <= SIZE_MAX / 8 / (size_t)half) ? (float *)tn__ctx_scratch(ctx, sizeof(float) * 2 * (size_t)(ne[2] * half)) : NULL;
    if (tab)
        for (t = 0; t < ne[2]; t++)
            for (i = 0; i < half; i++) tn__rope_cs((double)(pos0 + t), i, hd, theta, &tab[2 * (t * half + i)], &tab[2 * (t * half + i) + 1]);
    for (b = 0; b < ne[3]; b++)
        for (t = 0; t < ne[2]; t++)
            for (h = 0; h < ne[1]; h++) {
                const float *s = src + ((b * ne[2] + t) * ne[1] + h) * hd;
                float *d = dst + ((b * ne[2] + t) * ne[1] + h) * hd;
                for (i = 0; i < half; i++) {
                    float c, sn, x0 = s[2 * i], x1 = s[2 * i + 1];
                    if (tab) { c = tab[2 * (t * half + i)]; sn = tab[2 * (t * half + i) + 1]; }
                    else tn__rope_cs((double)(pos0 + t), i, hd, theta, &c, &sn); /* no memory for the table */
                    sn = sign * sn;
                    d[2 * i] = x0 * c - x1 * sn;
                    d[2 * i + 1] = x0 * sn + x1 * c;
                }
            }
}
TNDEF tn_tensor *tn_rope(tn_ctx *ctx, tn_tensor *x, int64_t pos0, float theta) {
    const float *X = NULL;
    tn_tensor *y;
    if (x && x->ne[0] % 2) { tn__fail(TN_ERR_SHAPE, "tn_rope: head_dim %lld must be even", (long long)x->ne[0]); return NULL; }
    if (!(theta > 1.0f)) { tn__fail(TN_ERR_ARG, "tn_rope: theta must be > 1 (10000 is usual)"); return NULL; }
    y = tn__rowwise_new(ctx, x, "tn_rope", &X);
    if (!y) return NULL;
    tn__rope_apply(ctx, (float *)y->data, X, x->ne, pos0, theta, 1.0f);
    y->iparam[0] = pos0;
    y->fparam[0] = theta;
    return tn__record(ctx, y, TN__OP_ROPE, x, NULL, NULL);
}
static tn_status tn__rope_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st), *tmp;
    int64_t i, n = tn_nelements(y);
    size_t mark;
    if (!gx) return st;
    mark = tn_ctx_used(ctx);
    tmp = (float *)tn_ctx_alloc(ctx, sizeof(float) * (size_t)n);
    if (!tmp) return TN_ERR_NOMEM;
    tn__rope_apply(ctx, tmp, (const float *)y->grad->data, y->ne, y->iparam[0], y->fparam[0], -1.0f);
    for (i = 0; i < n; i++) gx[i] += tmp[i];
    tn_ctx_rewind(ctx, mark);
    return TN_OK;
}

TNDEF tn_tensor *tn_diag_mask_inf(tn_ctx *ctx, tn_tensor *x, int64_t n_past) {
    const float *X = NULL;
    tn_tensor *y = tn__rowwise_new(ctx, x, "tn_diag_mask_inf", &X);
    int64_t k, q, r, n0, nr;
    if (!y) return NULL;
    n0 = x->ne[0]; nr = tn_nrows(x);
    for (r = 0; r < nr; r++) {
        float *yr = (float *)y->data + r * n0;
        int64_t lim = r % x->ne[1] + n_past; /* columns k <= lim are kept */
        q = lim < 0 ? 0 : lim >= n0 ? n0 : lim + 1;
        memcpy(yr, X + r * n0, sizeof(float) * (size_t)q);
        for (k = q; k < n0; k++) yr[k] = -INFINITY;
    }
    y->iparam[0] = n_past;
    return tn__record(ctx, y, TN__OP_DIAG_MASK, x, NULL, NULL);
}
static tn_status tn__diag_mask_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    const float *g = (const float *)y->grad->data;
    int64_t k, r, n0 = y->ne[0], nr = tn_nrows(y);
    if (!gx) return st;
    for (r = 0; r < nr; r++) {
        /* columns k <= r % rows + n_past were kept: their gradient passes */
        int64_t lim = r % y->ne[1] + y->iparam[0];
        k = lim < 0 ? 0 : lim >= n0 ? n0 : lim + 1;
        tn__vacc(gx + r * n0, g + r * n0, k);
    }
    return TN_OK;
}

TNDEF tn_tensor *tn_attention(tn_ctx *ctx, tn_tensor *q, tn_tensor *k, tn_tensor *v, int causal) {
    tn_tensor *qp, *kp, *vt, *s, *o;
    if (!q || !k || !v) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_attention: ctx is NULL"); return NULL; }
    if (!tn_same_shape(q, k) || !tn_same_shape(q, v)) { tn__fail(TN_ERR_SHAPE, "tn_attention: q, k, v must have one shape (head_dim, n_head, T, B)"); return NULL; }
    qp = tn_permute(ctx, q, 0, 2, 1, 3);                        /* (hd, T, H, B) */
    kp = tn_permute(ctx, k, 0, 2, 1, 3);
    vt = tn_cont(ctx, tn_permute(ctx, v, 2, 0, 1, 3));          /* (T, hd, H, B) */
    s = tn_scale(ctx, tn_matmul(ctx, kp, qp), 1.0f / sqrtf((float)q->ne[0])); /* (Tk, Tq, H, B) */
    if (causal) s = tn_diag_mask_inf(ctx, s, 0);
    o = tn_matmul(ctx, vt, tn_softmax(ctx, s));                 /* (hd, Tq, H, B) */
    return tn_cont(ctx, tn_permute(ctx, o, 0, 2, 1, 3));        /* (hd, H, T, B) */
}

/* -- losses -- */

/* cross-entropy rows, split over the context's threads: the loss of each row
   (forward, loss != NULL), or its gradient added into gx (backward). Row r's
   e^(x - max) sum is taken in double (tn__kern()->exp_sum). */
typedef struct { const float *X; const int32_t *T; int64_t C, nr; int32_t ignore; double *loss; float *gx; float scale; } tn__ce;
static void tn__ce_task(void *p, int ith, int nth) {
    const tn__ce *a = (const tn__ce *)p;
    int64_t r, i, r0 = a->nr * ith / nth, r1 = a->nr * (ith + 1) / nth;
    for (r = r0; r < r1; r++) {
        const float *xr = a->X + r * a->C;
        float mx = -INFINITY;
        double sum;
        if (a->T[r] == a->ignore) continue;
        for (i = 0; i < a->C; i++) mx = TN__MAX(mx, xr[i]);
        sum = tn__kern()->exp_sum(xr, a->C, mx);
        if (a->loss) { a->loss[r] = (double)mx + tn__log(sum) - xr[a->T[r]]; continue; }
        tn__kern()->ce_grad_row(a->gx + r * a->C, xr, a->C, mx, 1.0 / sum, a->T[r], a->scale);
    }
}
TNDEF tn_tensor *tn_cross_entropy(tn_ctx *ctx, tn_tensor *logits, const tn_tensor *targets, int32_t ignore_index) {
    const float *X;
    const int32_t *T;
    tn_tensor *y;
    int64_t r, C, nr, count = 0;
    double total = 0.0;
    if (!logits || !targets) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_cross_entropy: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_cross_entropy", logits)) return NULL;
    C = logits->ne[0]; nr = tn_nrows(logits);
    if (targets->type != TN_TYPE_I32 || !tn_is_contiguous(targets) || tn_nelements(targets) != nr) {
        tn__fail(TN_ERR_SHAPE, "tn_cross_entropy: targets must be contiguous i32 with one entry per row (%lld), not %s with %lld",
                 (long long)nr, tn_type_name(targets->type), (long long)tn_nelements(targets));
        return NULL;
    }
    T = (const int32_t *)targets->data;
    for (r = 0; r < nr; r++)
        if (T[r] != ignore_index && (T[r] < 0 || T[r] >= C)) { tn__fail(TN_ERR_ARG, "tn_cross_entropy: target %d of row %lld is outside 0..%lld", T[r], (long long)r, (long long)C - 1); return NULL; }
    y = tn_new_1d(ctx, TN_TYPE_F32, 1);
    if (!y || !(X = tn__dense(ctx, logits))) return NULL;
    {
        tn__ce a;
        memset(&a, 0, sizeof(a));
        a.X = X; a.T = T; a.C = C; a.nr = nr; a.ignore = ignore_index;
        if ((uint64_t)nr >= SIZE_MAX / sizeof(double) || !(a.loss = (double *)tn__ctx_scratch(ctx, sizeof(double) * ((size_t)nr + 1)))) {
            tn__fail(TN_ERR_NOMEM, "tn_cross_entropy: out of memory for %lld rows", (long long)nr);
            return NULL;
        }
        tn_pool_run(tn__cpool(ctx), tn__ce_task, &a);
        for (r = 0; r < nr; r++) /* in row order, whatever the threads */
            if (T[r] != ignore_index) { total += a.loss[r]; count++; }
    }
    ((float *)y->data)[0] = count ? (float)(total / (double)count) : 0.0f;
    y->iparam[0] = ignore_index;
    y->iparam[1] = count;
    return tn__record(ctx, y, TN__OP_CROSS_ENTROPY, logits, (tn_tensor *)targets, NULL);
}
static tn_status tn__cross_entropy_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_tensor *lg = y->src[0];
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, lg, &st);
    tn__ce a;
    if (!gx || y->iparam[1] == 0) return st;
    memset(&a, 0, sizeof(a));
    if (!(a.X = tn__dense(ctx, lg))) return TN_ERR_NOMEM;
    a.T = (const int32_t *)y->src[1]->data; a.C = lg->ne[0]; a.nr = tn_nrows(lg); a.ignore = (int32_t)y->iparam[0];
    a.gx = gx; a.scale = ((const float *)y->grad->data)[0] / (float)y->iparam[1];
    tn_pool_run(tn__cpool(ctx), tn__ce_task, &a);
    return TN_OK;
}

/* the binary cross-entropies' checks: the one-value loss tensor, and x, labels and weights dense */
static tn_tensor *tn__bce_setup(tn_ctx *ctx, const char *fn, const char *what, const tn_tensor *x, const tn_tensor *labels, const tn_tensor *weights,
                                const float **X, const float **L, const float **W, int64_t *n) {
    tn_tensor *y;
    if (!x || !labels || !weights) return NULL;
    if (!ctx) { tn__fail(TN_ERR_ARG, "%s: ctx is NULL", fn); return NULL; }
    if (tn__need_f32(fn, x) || tn__need_f32(fn, labels) || tn__need_f32(fn, weights)) return NULL;
    *n = tn_nelements(x);
    if (tn_nelements(labels) != *n || tn_nelements(weights) != *n || *n == 0) {
        tn__fail(TN_ERR_SHAPE, "%s: %lld %s, %lld labels, %lld weights: want the same number, > 0",
                 fn, (long long)*n, what, (long long)tn_nelements(labels), (long long)tn_nelements(weights));
        return NULL;
    }
    y = tn_new_1d(ctx, TN_TYPE_F32, 1);
    if (!y || !(*X = tn__dense(ctx, x)) || !(*L = tn__dense(ctx, labels)) || !(*W = tn__dense(ctx, weights))) return NULL;
    return y;
}
TNDEF tn_tensor *tn_bce_logits(tn_ctx *ctx, tn_tensor *logits, const tn_tensor *labels, const tn_tensor *weights) {
    const float *Z = NULL, *L = NULL, *W = NULL;
    int64_t i, n = 0;
    double total = 0.0;
    tn_tensor *y = tn__bce_setup(ctx, "tn_bce_logits", "logits", logits, labels, weights, &Z, &L, &W, &n);
    if (!y) return NULL;
    for (i = 0; i < n; i++) {
        double z = Z[i], lab = TN__MIN(1.0f, TN__MAX(0.0f, L[i]));
        double sp = (z > 0 ? z : 0.0) + tn__log1p(tn__exp(-fabs(z))); /* softplus(z) */
        total += W[i] * (sp - lab * z);
    }
    ((float *)y->data)[0] = (float)(total / (double)n);
    return tn__record(ctx, y, TN__OP_BCE, logits, (tn_tensor *)labels, (tn_tensor *)weights);
}
TNDEF tn_tensor *tn_bce(tn_ctx *ctx, tn_tensor *probs, const tn_tensor *labels, const tn_tensor *weights) {
    const float *P = NULL, *L = NULL, *W = NULL;
    int64_t i, n = 0;
    double total = 0.0;
    tn_tensor *y = tn__bce_setup(ctx, "tn_bce", "probabilities", probs, labels, weights, &P, &L, &W, &n);
    if (!y) return NULL;
    for (i = 0; i < n; i++) {
        double p = P[i], lab = TN__MIN(1.0f, TN__MAX(0.0f, L[i]));
        if (!(p >= 0.0 && p <= 1.0)) {
            tn__fail(TN_ERR_ARG, "tn_bce: probability %lld is %g: want values in [0, 1] (use tn_bce_logits on logits)", (long long)i, p);
            return NULL;
        }
        total -= W[i] * (lab * TN__MAX(tn__log(p), -100.0) + (1.0 - lab) * TN__MAX(tn__log1p(-p), -100.0)); /* (the library's own logs: the same bits on every libm) */
    }
    ((float *)y->data)[0] = (float)(total / (double)n);
    return tn__record(ctx, y, TN__OP_BCE_PROB, probs, (tn_tensor *)labels, (tn_tensor *)weights);
}
/* d loss / d logits (tn_bce_logits) or d loss / d probabilities (tn_bce, probs = 1) */
static tn_status tn__bce_backward(tn_ctx *ctx, tn_tensor *y, int probs) {
    tn_status st = TN_OK;
    float *gx = tn__gbuf(ctx, y->src[0], &st);
    const float *X, *L, *W;
    int64_t i, n = tn_nelements(y->src[0]);
    if (!gx) return st;
    if (!(X = tn__dense(ctx, y->src[0])) || !(L = tn__dense(ctx, y->src[1])) || !(W = tn__dense(ctx, y->src[2]))) return TN_ERR_NOMEM;
    if (probs) {
        double g = (double)((const float *)y->grad->data)[0] / (double)n;
        for (i = 0; i < n; i++) {
            double p = X[i], lab = TN__MIN(1.0f, TN__MAX(0.0f, L[i]));
            gx[i] += (float)(g * W[i] * (p - lab) / TN__MAX(p * (1.0 - p), 1e-12));
        }
    } else {
        float g = ((const float *)y->grad->data)[0] / (float)n;
        for (i = 0; i < n; i++) {
            float lab = TN__MIN(1.0f, TN__MAX(0.0f, L[i]));
            float sig = 1.0f / (1.0f + tn__expf(-X[i]));
            gx[i] += g * W[i] * (sig - lab);
        }
    }
    return TN_OK;
}

/* a tensor's shape as "(d0, d1, ...)" over its n_dims, into buf (64 bytes) */
static const char *tn__shape_s(const tn_tensor *t, char *buf) {
    int d, n = 0, nd = t->n_dims < 1 ? 1 : t->n_dims;
    for (d = 0; d < nd && n < 60; d++) n += snprintf(buf + n, (size_t)(64 - n), "%s%lld", d ? ", " : "(", (long long)t->ne[d]);
    if (n < 62) snprintf(buf + n, (size_t)(64 - n), ")");
    return buf;
}
/* the same extents once size-1 dims are dropped ((1, B) pairs with (B)) */
static int tn__same_squeezed(const tn_tensor *a, const tn_tensor *b) {
    int i = 0, j = 0;
    for (;;) {
        while (i < TN_MAX_DIMS && a->ne[i] == 1) i++;
        while (j < TN_MAX_DIMS && b->ne[j] == 1) j++;
        if (i == TN_MAX_DIMS || j == TN_MAX_DIMS) return i == TN_MAX_DIMS && j == TN_MAX_DIMS;
        if (a->ne[i++] != b->ne[j++]) return 0;
    }
}
TNDEF tn_tensor *tn_mse(tn_ctx *ctx, tn_tensor *a, tn_tensor *b) {
    const float *A, *B;
    tn_tensor *y;
    int64_t i, n;
    double total = 0.0;
    char sa[64], sb[64];
    if (!a || !b) return NULL; /* (an earlier op failed: its message stands) */
    if (!ctx) { tn__fail(TN_ERR_ARG, "tn_mse: ctx is NULL"); return NULL; }
    if (tn__need_f32("tn_mse", a) || tn__need_f32("tn_mse", b)) return NULL;
    if (!tn__same_squeezed(a, b) || tn_nelements(a) == 0) {
        tn__fail(TN_ERR_SHAPE, "tn_mse: prediction %s and target %s: want the same non-empty shape (dims of size 1 aside)", tn__shape_s(a, sa), tn__shape_s(b, sb));
        return NULL;
    }
    n = tn_nelements(a);
    y = tn_new_1d(ctx, TN_TYPE_F32, 1);
    if (!y || !(A = tn__dense(ctx, a)) || !(B = tn__dense(ctx, b))) return NULL;
    for (i = 0; i < n; i++) total += (double)(A[i] - B[i]) * (A[i] - B[i]);
    ((float *)y->data)[0] = (float)(total / (double)n);
    return tn__record(ctx, y, TN__OP_MSE, a, b, NULL);
}
static tn_status tn__mse_backward(tn_ctx *ctx, tn_tensor *y) {
    tn_status st = TN_OK;
    float *ga = tn__gbuf(ctx, y->src[0], &st), *gb = tn__gbuf(ctx, y->src[1], &st);
    const float *A, *B;
    int64_t i, n = tn_nelements(y->src[0]);
    float g;
    if (st != TN_OK) return st;
    if (!(A = tn__dense(ctx, y->src[0])) || !(B = tn__dense(ctx, y->src[1]))) return TN_ERR_NOMEM;
    g = 2.0f * ((const float *)y->grad->data)[0] / (float)n;
    for (i = 0; i < n; i++) {
        float d = g * (A[i] - B[i]);
        if (ga) ga[i] += d;
        if (gb) gb[i] -= d;
    }
    return TN_OK;
}

/* -- straight-through estimators -- */

TNDEF tn_tensor *tn_ste(tn_ctx *ctx, tn_tensor *x, tn_quantizer_fn q, void *user) {
    const float *X = NULL;
    tn_tensor *y;
    if (x && !q) { tn__fail(TN_ERR_ARG, "tn_ste: quantizer is NULL"); return NULL; }
    y = tn__rowwise_new(ctx, x, "tn_ste", &X);
    if (!y) return NULL;
    q((float *)y->data, X, tn_nelements(x), user);
    return tn__record(ctx, y, TN__OP_STE, x, NULL, NULL);
}
typedef struct { float scale, lo, hi; } tn__qr_user;
static void tn__q_range(float *y, const float *x, int64_t n, void *user) {
    const tn__qr_user *u = (const tn__qr_user *)user;
    int64_t i;
    for (i = 0; i < n; i++) {
        float q = roundf(x[i] / u->scale); /* half away from zero */
        q = q < u->lo ? u->lo : q > u->hi ? u->hi : q; /* (a NaN stays NaN) */
        y[i] = q * u->scale;
    }
}
TNDEF tn_tensor *tn_ste_range(tn_ctx *ctx, tn_tensor *x, float scale, float lo, float hi) {
    tn__qr_user u;
    if (!x) return NULL;
    if (!(scale > 0.0f) || !(scale <= FLT_MAX)) { tn__fail(TN_ERR_ARG, "tn_ste_range: scale %g: want a finite scale > 0", (double)scale); return NULL; }
    if (!(lo <= hi) || !(lo >= -FLT_MAX) || !(hi <= FLT_MAX)) { tn__fail(TN_ERR_ARG, "tn_ste_range: range [%g, %g]: want finite lo <= hi", (double)lo, (double)hi); return NULL; }
    u.scale = scale; u.lo = lo; u.hi = hi;
    return tn_ste(ctx, x, tn__q_range, &u);
}
TNDEF tn_tensor *tn_ste_ternary_scaled(tn_ctx *ctx, tn_tensor *x, float scale) { return tn_ste_range(ctx, x, scale, -1.0f, 1.0f); }
TNDEF tn_tensor *tn_ste_int8_scaled(tn_ctx *ctx, tn_tensor *x, float scale) { return tn_ste_range(ctx, x, scale, -127.0f, 127.0f); }
/* the quantizers' user data: the status (and scale) out, and optionally the
   integers themselves (trits of the whole tensor; int8 rows ld apart) */
typedef struct { tn_status st; float s; int8_t *t; } tn__qt_user;
typedef struct { int64_t n0, ld; int8_t *q; float *inv; tn_status st; } tn__qa_user; /* st: a row was not finite */
static void tn__q_ternary(float *y, const float *x, int64_t n, void *user) {
    /* t * s, as tn_ternary_absmean's trits and scale */
    float s = 1e-5f;
    int64_t i;
    tn__qt_user *u = (tn__qt_user *)user;
    u->st = n > 0 ? tn__absmean_scale(x, n, "tn_ste_ternary", &s) : tn__fail(TN_ERR_ARG, "tn_ste_ternary: empty tensor");
    if (u->st != TN_OK) { for (i = 0; i < n; i++) y[i] = NAN; return; }
    tn__quant_pass(x, n, 1.0f / s, 2.0f, -1.0f, 1.0f, s, y, u->t);
    u->s = s;
}
TNDEF tn_tensor *tn_ste_ternary(tn_ctx *ctx, tn_tensor *w) {
    tn__qt_user u;
    tn_tensor *y;
    memset(&u, 0, sizeof(u));
    y = tn_ste(ctx, w, tn__q_ternary, &u);
    if (y && u.st != TN_OK) return NULL; /* non-finite weights: message set */
    return y;
}
static void tn__q_act_i8(float *y, const float *x, int64_t n, void *user) {
    tn__qa_user *u = (tn__qa_user *)user;
    const int64_t n0 = u->n0;
    int64_t r, i;
    for (r = 0; r < n / n0; r++) {
        float s = 0.0f;
        /* q * (1/s), as tn_act_quant_i8's integers and inverse scale */
        if (tn__absmax_scale(x + r * n0, n0, "tn_ste_act_i8", &s) != TN_OK) {
            u->st = TN_ERR_ARG;
            for (i = 0; i < n0; i++) y[r * n0 + i] = NAN;
            if (u->q) memset(u->q + r * u->ld, 0, (size_t)n0);
            if (u->inv) u->inv[r] = NAN;
            continue;
        }
        tn__quant_pass(x + r * n0, n0, s, 128.0f, -128.0f, 127.0f, 1.0f / s, y + r * n0, u->q ? u->q + r * u->ld : NULL);
        if (u->inv) u->inv[r] = 1.0f / s;
    }
}
/* llama.cpp's activation rule for TQ weights: each run of up to 256 values of a
   row (n0) quantized as one Q8_K block, y = q * d with ggml's q and d */
static void tn__q_act_block(float *y, const float *x, int64_t n, void *user) {
    tn__qa_user *u = (tn__qa_user *)user;
    const int64_t n0 = u->n0;
    int64_t r, b, i;
    for (r = 0; r < n / n0; r++) {
        const float *xr = x + r * n0;
        float *yr = y + r * n0;
        int64_t bad = 0;
        if (!tn__all_finite(xr, n0, &bad)) {
            tn__fail(TN_ERR_ARG, "tn_bitlinear_forward: x[%lld] is not finite", (long long)(r * n0 + bad));
            u->st = TN_ERR_ARG;
            for (i = 0; i < n0; i++) yr[i] = NAN;
            continue;
        }
        for (b = 0; b < n0; b += TN_QK_K) { /* ggml's Q8_K blocks and their values: the packed path's own quantizer */
            const int64_t nb = TN__MIN((int64_t)TN_QK_K, n0 - b);
            float pad[TN_QK_K], out[TN_QK_K];
            tn_block_q8_K blk;
            memset(pad, 0, sizeof(pad));
            memcpy(pad, xr + b, sizeof(float) * (size_t)nb); /* a partial last block as if zero-padded */
            tn__quantize_row_q8_K(pad, &blk, TN_QK_K);
            tn_dequantize_row_q8_K(&blk, out, TN_QK_K);
            memcpy(yr + b, out, sizeof(float) * (size_t)nb);
        }
    }
}
TNDEF tn_tensor *tn_ste_act_i8(tn_ctx *ctx, tn_tensor *x) {
    tn__qa_user u;
    tn_tensor *y;
    if (!x) return NULL;
    memset(&u, 0, sizeof(u));
    u.n0 = x->ne[0];
    if (u.n0 <= 0) { tn__fail(TN_ERR_SHAPE, "tn_ste_act_i8: empty rows"); return NULL; }
    y = tn_ste(ctx, x, tn__q_act_i8, &u);
    return u.st == TN_OK ? y : NULL; /* a row that is not finite: the message names the element */
}
static tn_status tn__ste_backward(tn_ctx *ctx, tn_tensor *y) { return tn__cont_backward(ctx, y); }

/* -- backward driver -- */

static tn_status tn__backward_node(tn_ctx *ctx, tn_tensor *t) {
    switch (t->op) {
    case TN__OP_VIEW: return tn__view_backward(ctx, t);
    case TN__OP_CONT: return tn__cont_backward(ctx, t);
    case TN__OP_ADD: case TN__OP_SUB: case TN__OP_MUL: case TN__OP_DIV: return tn__binary_backward(ctx, t);
    case TN__OP_UNARY: return tn__unary_backward(ctx, t);
    case TN__OP_SUM_AXIS: return tn__sum_axis_backward(ctx, t);
    case TN__OP_SUM_ALL: return tn__sum_all_backward(ctx, t);
    case TN__OP_MAX_AXIS: return tn__max_axis_backward(ctx, t);
    case TN__OP_MATMUL: return tn__matmul_backward(ctx, t);
    case TN__OP_CONCAT: return tn__concat_backward(ctx, t);
    case TN__OP_GET_ROWS: return tn__get_rows_backward(ctx, t);
    case TN__OP_SOFTMAX: return tn__softmax_backward(ctx, t, 0);
    case TN__OP_LOG_SOFTMAX: return tn__softmax_backward(ctx, t, 1);
    case TN__OP_RMS_NORM: return tn__norm_backward(ctx, t, 0);
    case TN__OP_LAYER_NORM: return tn__norm_backward(ctx, t, 1);
    case TN__OP_DROPOUT: return tn__dropout_backward(ctx, t);
    case TN__OP_ROPE: return tn__rope_backward(ctx, t);
    case TN__OP_DIAG_MASK: return tn__diag_mask_backward(ctx, t);
    case TN__OP_CROSS_ENTROPY: return tn__cross_entropy_backward(ctx, t);
    case TN__OP_BCE: return tn__bce_backward(ctx, t, 0);
    case TN__OP_BCE_PROB: return tn__bce_backward(ctx, t, 1);
    case TN__OP_MSE: return tn__mse_backward(ctx, t);
    case TN__OP_STE: return tn__ste_backward(ctx, t);
    default: return tn__fail(TN_ERR_UNSUPPORTED, "tn_backward: op %d has no backward", t->op);
    }
}

TNDEF tn_status tn_backward(tn_ctx *ctx, tn_tensor *loss) { return tn_backward_ex(ctx, loss, NULL, NULL); }
TNDEF tn_status tn_backward_ex(tn_ctx *ctx, tn_tensor *loss, tn_grad_done_fn done, void *user) {
    tn_tensor *t;
    tn_status st;
    int j;
    if (!ctx || !loss) return tn__fail(TN_ERR_ARG, "tn_backward: NULL argument (did an op above fail? see tn_last_error)");
    if (tn_nelements(loss) != 1 || loss->type != TN_TYPE_F32) return tn__fail(TN_ERR_SHAPE, "tn_backward: the loss must be one f32 value");
    if (!tn__tracked(loss)) return tn__fail(TN_ERR_ARG, "tn_backward: the loss depends on no parameter (call tn_set_param, and keep gradients enabled)");
    /* forget gradients of intermediate nodes left by an earlier backward */
    for (t = ctx->tape; t; t = t->tape_prev) if (!(t->flags & TN_FLAG_PARAM)) t->grad = NULL;
    if (!loss->grad) {
        loss->grad = tn_new(ctx, TN_TYPE_F32, loss->n_dims, loss->ne);
        if (!loss->grad) return TN_ERR_NOMEM;
    }
    ((float *)loss->grad->data)[0] += 1.0f;
    /* every op that adds into a parameter's gradient was recorded after the parameter's
       oldest direct consumer, so the gradient is final once that node is done */
    if (done)
        for (t = ctx->tape; t; t = t->tape_prev)
            for (j = 0; j < 3; j++) if (t->src[j] && (t->src[j]->flags & TN_FLAG_PARAM)) t->src[j]->bw_last = t;
    for (t = ctx->tape; t; t = t->tape_prev) {
        if (t->grad && t->op != TN__OP_NONE) {
            st = tn__backward_node(ctx, t);
            if (st != TN_OK) {
                if (st == TN_ERR_NOMEM) tn__fail(st, "tn_backward: out of memory while back-propagating; create the context larger");
                return st;
            }
        }
        if (done)
            for (j = 0; j < 3; j++)
                if (t->src[j] && (t->src[j]->flags & TN_FLAG_PARAM) && t->src[j]->bw_last == t) { t->src[j]->bw_last = NULL; done(t->src[j], user); }
    }
    return TN_OK;
}


/* ==== @@IMPL:QAT  parameters, BitLinear and layers ==== */

static const char *tn__param_name_at(const void *p, int64_t i) { return ((const tn_params *)p)->items[i].name; }
TNDEF void tn_params_init(tn_params *p) { if (p) memset(p, 0, sizeof(*p)); }
TNDEF void tn_params_deinit(tn_params *p) {
    if (!p) return;
    if (p->items) TN_FREE(p->items);
    tn__nidx_free(&p->idx, &p->icap);
    memset(p, 0, sizeof(*p));
}
TNDEF tn_status tn_params_add(tn_params *p, tn_ctx *ctx, tn_tensor *t, const char *name, int no_decay) {
    tn_status st;
    if (!p || !t || !name) return tn__fail(TN_ERR_ARG, "tn_params_add: NULL argument");
    if (strlen(name) > TN_MAX_NAME - 1) return tn__fail(TN_ERR_ARG, "tn_params_add: name '%s' is longer than %d bytes", name, TN_MAX_NAME - 1);
    if (tn_params_find(p, name)) return tn__fail(TN_ERR_ARG, "tn_params_add: a parameter is already named '%s'", name);
    if ((st = tn_set_param(ctx, t)) != TN_OK) return st;
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 16;
        tn_param_entry *ni = (tn_param_entry *)TN_REALLOC(p->items, sizeof(tn_param_entry) * (size_t)cap);
        if (!ni) return tn__fail(TN_ERR_NOMEM, "tn_params_add: out of memory");
        p->items = ni;
        p->cap = cap;
    }
    memset(&p->items[p->n], 0, sizeof(p->items[p->n]));
    memcpy(p->items[p->n].name, name, strlen(name));
    p->items[p->n].t = t;
    p->items[p->n].no_decay = no_decay;
    p->n++;
    if (tn__nidx_add(&p->idx, &p->icap, p, tn__param_name_at, p->n) != TN_OK) tn__nidx_free(&p->idx, &p->icap);
    tn_set_name(t, name);
    return TN_OK;
}
/* index of the parameter named name[0..len), or -1 (a scan if the index could not be allocated) */
static int64_t tn__params_index(const tn_params *p, const char *name, size_t len) {
    int64_t i;
    if (p->idx) return tn__nidx_find(p->idx, p->icap, p, tn__param_name_at, name, len);
    if (len >= TN_MAX_NAME || memchr(name, 0, len)) return -1;
    for (i = 0; i < p->n; i++) if (strncmp(p->items[i].name, name, len) == 0 && p->items[i].name[len] == 0) return i;
    return -1;
}
TNDEF tn_tensor *tn_params_find(const tn_params *p, const char *name) {
    int64_t k;
    if (!p || !name) return NULL;
    k = tn__params_index(p, name, strlen(name));
    return k >= 0 ? p->items[k].t : NULL;
}
TNDEF void tn_params_zero_grad(tn_params *p) {
    int i;
    if (p) for (i = 0; i < p->n; i++) tn_zero_grad(p->items[i].t);
}
TNDEF int64_t tn_params_count(const tn_params *p) {
    int64_t n = 0;
    int i;
    if (p) for (i = 0; i < p->n; i++) n += tn_nelements(p->items[i].t);
    return n;
}

/* "<prefix>.<leaf>" into buf */
static const char *tn__pname(char *buf, const char *prefix, const char *leaf) {
    snprintf(buf, TN_MAX_NAME + 64, "%s%s%s", prefix && *prefix ? prefix : "", prefix && *prefix ? "." : "", leaf);
    return buf;
}

static tn_tensor *tn__param_new(tn_ctx *pctx, tn_params *params, const char *prefix, const char *leaf,
                                int n_dims, int64_t ne0, int64_t ne1, int no_decay, tn_status *st) {
    char name[TN_MAX_NAME + 64];
    int64_t ne[2];
    tn_tensor *t;
    ne[0] = ne0; ne[1] = ne1;
    t = tn_new(pctx, TN_TYPE_F32, n_dims, ne);
    if (!t) { *st = TN_ERR_NOMEM; return NULL; }
    tn__pname(name, prefix, leaf);
    *st = params ? tn_params_add(params, pctx, t, name, no_decay) : tn_set_param(pctx, t);
    if (!params) tn_set_name(t, name);
    return *st == TN_OK ? t : NULL;
}

TNDEF tn_status tn_bitlinear_init(tn_bitlinear *l, tn_ctx *pctx, tn_params *params, const char *name,
                                  int64_t in, int64_t out, int flags, tn_rng *rng) {
    tn_status st = TN_OK;
    int64_t i;
    float bound;
    if (!l || !pctx || !rng) return tn__fail(TN_ERR_ARG, "tn_bitlinear_init: NULL argument");
    if (in <= 0 || out <= 0) return tn__fail(TN_ERR_SHAPE, "tn_bitlinear_init: in = %lld, out = %lld must be > 0", (long long)in, (long long)out);
    memset(l, 0, sizeof(*l));
    l->in = in; l->out = out; l->flags = flags;
    if (!(l->w = tn__param_new(pctx, params, name, "w", 2, in, out, 0, &st))) return st;
    bound = 1.0f / sqrtf((float)in);
    for (i = 0; i < in * out; i++) ((float *)l->w->data)[i] = (2.0f * tn_rng_uniform(rng) - 1.0f) * bound;
    if (flags & TN_LAYER_BIAS) {
        if (!(l->b = tn__param_new(pctx, params, name, "b", 1, out, 1, 1, &st))) return st;
        for (i = 0; i < out; i++) ((float *)l->b->data)[i] = (2.0f * tn_rng_uniform(rng) - 1.0f) * bound;
    }
    if (flags & TN_LAYER_NORM) {
        if (!(l->norm = tn__param_new(pctx, params, name, "norm", 1, in, 1, 1, &st))) return st;
        tn_fill(l->norm, 1.0f);
    }
    return TN_OK;
}

/* -- the BitLinear training forward in integers --
   y = tn_ste_ternary(w) . tn_ste_act_i8(x)^T computed as (sum_k t_k q_k) * (s_w / s_x):
   the integer sums are exact, so the result does not depend on the kernel, the
   build or the thread count, and it is within float rounding of the float
   GEMM of the fake-quantized tensors. The backward is that matmul's (recorded
   with the same two straight-through tensors). Weights t + 1 (0..2) sit in
   panels of 32 outputs, 4 k per 32-bit lane (tn__igemm), for vpdpbusd,
   vpmaddubsw or sdot; each activation row's sum comes off afterwards. Every
   path (tn__kern()->igemm_panel) gives the reference's bits. */
static void tn__igemm_panel_ref(const tn__igemm *a, int64_t pi) {
    const int64_t n0 = pi * 32, nv = TN__MIN((int64_t)32, a->N - n0);
    const uint8_t *B = a->wp + pi * a->K4 * 32;
    int64_t m, kq;
    int j;
    for (m = 0; m < a->M; m++) {
        const int8_t *q = a->q + m * a->K4;
        int32_t acc[32];
        memset(acc, 0, sizeof(acc));
        for (kq = 0; kq < a->K4 / 4; kq++) {
            const uint8_t *w = B + kq * 128; /* output j's four codes at w[4j..4j+3] */
            const int32_t q0 = q[4 * kq], q1 = q[4 * kq + 1], q2 = q[4 * kq + 2], q3 = q[4 * kq + 3];
            for (j = 0; j < 32; j++) acc[j] += w[4 * j] * q0 + w[4 * j + 1] * q1 + w[4 * j + 2] * q2 + w[4 * j + 3] * q3;
        }
        for (j = 0; j < nv; j++) a->y[m * a->N + n0 + j] = (float)(acc[j] - a->qsum[m]) * a->cs[m];
    }
}
static void tn__igemm_task(void *p, int ith, int nth) {
    const tn__igemm *a = (const tn__igemm *)p;
    const int64_t np = (a->N + 31) / 32, p0 = np * ith / nth, p1 = np * (ith + 1) / nth;
    void (*panel)(const tn__igemm *, int64_t) = tn__kern()->igemm_panel;
    int64_t pi;
    for (pi = p0; pi < p1; pi++) panel(a, pi);
}
static tn_tensor *tn__bitlinear_train(tn_ctx *ctx, tn_tensor *w, tn_tensor *x) {
    const int64_t K = w->ne[0], N = w->ne[1], K4 = (K + 3) / 4 * 4, M = tn_nrows(x), np = (N + 31) / 32;
    tn__qt_user ut;
    tn__qa_user ua;
    tn__igemm a;
    tn_tensor *wq, *xq, *y = NULL;
    int8_t *t = NULL, *q = NULL;
    uint8_t *wp = NULL;
    int32_t *qsum = NULL;
    float *cs = NULL;
    int64_t ne[4], i, k, n;
    memset(&ut, 0, sizeof(ut));
    memset(&ua, 0, sizeof(ua));
    {   /* the integer operands in the context's scratch, 64-byte aligned pieces */
        size_t sz[5], off[5], total = 0, pad;
        uint8_t *base;
        int j, ok = tn__mul_size((size_t)N, (size_t)K, &sz[0]) && tn__mul_size((size_t)M, (size_t)K4, &sz[1]) &&
                    tn__mul_size((size_t)np * 32, (size_t)K4, &sz[2]) && tn__mul_size((size_t)M + 1, sizeof(int32_t), &sz[3]);
        sz[4] = sz[3];
        for (j = 0; ok && j < 5; j++) {
            pad = (64 - total % 64) % 64;
            ok = sz[j] <= SIZE_MAX - 256 && total <= SIZE_MAX - 256 - sz[j];
            if (ok) { off[j] = total + pad; total = off[j] + sz[j]; }
        }
        base = ok ? (uint8_t *)tn__ctx_scratch(ctx, total + 64) : NULL;
        if (!base) { tn__fail(TN_ERR_NOMEM, "tn_bitlinear_forward: out of memory for the integer operands (%lld x %lld)", (long long)M, (long long)N); goto done; }
        base += (64 - (uintptr_t)base % 64) % 64;
        t = (int8_t *)(base + off[0]); q = (int8_t *)(base + off[1]); wp = base + off[2];
        qsum = (int32_t *)(void *)(base + off[3]); cs = (float *)(void *)(base + off[4]);
    }
    if (K4 > K) memset(q, 0, (size_t)(M * K4)); /* the rows' padding */
    ut.t = t;
    ua.n0 = K; ua.ld = K4; ua.q = q; ua.inv = cs;
    wq = tn_ste(ctx, w, tn__q_ternary, &ut);
    if (!wq || ut.st != TN_OK) goto done;
    xq = tn_ste(ctx, x, tn__q_act_i8, &ua);
    if (!xq || ua.st != TN_OK) goto done; /* NaN or Inf in the input: an error, not NaN outputs */
    ne[0] = N; ne[1] = x->ne[1]; ne[2] = x->ne[2]; ne[3] = x->ne[3];
    if (!(y = tn__new(ctx, TN_TYPE_F32, TN__MAX(2, x->n_dims), ne, 0))) goto done;
    if (N % 32 || K % 4) memset(wp, 1, (size_t)(np * 32 * K4)); /* padding: weight code 1 against activation 0 */
    for (n = 0; n < N; n++) { /* 4 trits at a time, each byte + 1 without carries */
        uint8_t *panel = wp + (n / 32) * K4 * 32 + ((n % 32) / 16) * 64 + (n % 16) * 4;
        for (k = 0; k + 4 <= K; k += 4) {
            uint32_t v;
            memcpy(&v, t + n * K + k, 4);
            v = ((v & 0x7F7F7F7Fu) + 0x01010101u) ^ (v & 0x80808080u);
            memcpy(panel + (k / 4) * 128, &v, 4);
        }
        for (; k < K; k++) panel[(k / 4) * 128 + k % 4] = (uint8_t)(t[n * K + k] + 1);
    }
    for (i = 0; i < M; i++) { /* each row's sum(q), for the +1 of the weight codes */
        int32_t sum = 0;
        for (k = 0; k < K4; k++) sum += q[i * K4 + k];
        qsum[i] = sum;
        cs[i] = ut.s * cs[i]; /* s_w / s_x (NaN for a row that could not be quantized) */
    }
    a.wp = wp; a.q = q; a.qsum = qsum; a.cs = cs; a.y = (float *)y->data; a.M = M; a.N = N; a.K4 = K4;
    tn_pool_run(tn__cpool(ctx), tn__igemm_task, &a);
    y = tn__record(ctx, y, TN__OP_MATMUL, wq, xq, NULL);
done:
    return y;
}
TNDEF tn_tensor *tn_bitlinear_forward(tn_ctx *ctx, tn_bitlinear *l, tn_tensor *x) {
    tn_tensor *xn, *y;
    if (!x) return NULL;
    if (!ctx || !l || !l->w) { tn__fail(TN_ERR_ARG, "tn_bitlinear_forward: NULL argument"); return NULL; }
    if (x->ne[0] != l->in) { tn__fail(TN_ERR_SHAPE, "tn_bitlinear_forward: '%s' takes %lld features, x has %lld", l->w->name, (long long)l->in, (long long)x->ne[0]); return NULL; }
    xn = l->norm ? tn_mul(ctx, tn_rms_norm(ctx, x, 1e-6f), l->norm) : x;
    if (xn && ctx->observer && !(l->flags & TN_LAYER_FLOAT)) {
        const float *xd = tn__dense(ctx, xn);
        if (xd) ctx->observer(l, xd, tn_nrows(xn), ctx->observer_user);
    }
    if (l->flags & TN_LAYER_FLOAT) {
        y = tn_matmul(ctx, l->w, xn);
    } else if (!l->wq && (l->flags & TN_LAYER_ACT_BLOCK)) {
        /* per-block scales: the float product of the two STE tensors */
        tn__qt_user ut;
        tn__qa_user ua;
        tn_tensor *wq;
        memset(&ut, 0, sizeof(ut));
        memset(&ua, 0, sizeof(ua));
        ua.n0 = l->in;
        wq = xn ? tn_ste(ctx, l->w, tn__q_ternary, &ut) : NULL;
        tn_tensor *xq = wq && ut.st == TN_OK ? tn_ste(ctx, xn, tn__q_act_block, &ua) : NULL;
        y = xq && ua.st == TN_OK ? tn_matmul(ctx, wq, xq) : NULL;
    } else if (!l->wq) {
        y = xn ? tn__bitlinear_train(ctx, l->w, xn) : NULL;
    } else {
        /* packed: int8 activations per row into Q8_K (zero-padded), integer kernels */
        int64_t ne[4], r, nr;
        const float *X;
        tn_tensor *xq;
        float *row;
        size_t mark;
        if (!xn) return NULL;
        nr = tn_nrows(xn);
        ne[0] = l->in_pad; ne[1] = xn->ne[1]; ne[2] = xn->ne[2]; ne[3] = xn->ne[3];
        y = tn_new_4d(ctx, TN_TYPE_F32, l->out, xn->ne[1], xn->ne[2], xn->ne[3]);
        if (!y) return NULL;
        y->n_dims = xn->n_dims < 2 ? 2 : xn->n_dims;
        mark = tn_ctx_used(ctx);
        xq = tn_new(ctx, TN_TYPE_Q8_K, 4, ne);
        row = (float *)tn_ctx_alloc(ctx, sizeof(float) * (size_t)l->in_pad);
        if (!xq || !row || !(X = tn__dense(ctx, xn))) return NULL;
        memset(row, 0, sizeof(float) * (size_t)l->in_pad);
        for (r = 0; r < nr; r++) {
            tn_block_q8_K *yb = (tn_block_q8_K *)((uint8_t *)xq->data + (size_t)r * xq->nb[1]);
            int64_t bad = 0;
            memcpy(row, X + r * l->in, sizeof(float) * (size_t)l->in);
            if (!(l->flags & TN_LAYER_ACT_BLOCK)) {
                if (tn_act_quant_q8_k(row, l->in_pad, yb) != TN_OK) return NULL;
            } else if (!tn__all_finite(row, l->in, &bad)) {
                tn__fail(TN_ERR_ARG, "tn_bitlinear_forward: x[%lld] is not finite", (long long)(r * l->in + bad));
                return NULL;
            } else {
                tn__quantize_row_q8_K(row, yb, l->in_pad); /* llama.cpp's blocks */
            }
        }
        if (tn_mul_mat(y, l->wq, xq, tn__cpool(ctx)) != TN_OK) return NULL;
        tn_ctx_rewind(ctx, mark);
    }
    return l->b ? tn_add(ctx, y, l->b) : y;
}

/* the absmean trits of l's weights, rows zero-padded to a multiple of 256
   (*tp malloc'd, out rows of *in_pad), and the scale */
static tn_status tn__bitlinear_trits(const tn_bitlinear *l, int8_t **tp, float *s, int64_t *in_pad) {
    int64_t r, ip = (l->in + TN_QK_K - 1) / TN_QK_K * TN_QK_K;
    int8_t *t = (int8_t *)TN_MALLOC((size_t)(l->in * l->out));
    tn_status st;
    *tp = (int8_t *)TN_MALLOC((size_t)(ip * l->out));
    if (!t || !*tp) {
        if (t) TN_FREE(t);
        if (*tp) TN_FREE(*tp);
        *tp = NULL;
        return tn__fail(TN_ERR_NOMEM, "pack: out of memory");
    }
    st = tn_ternary_absmean((const float *)l->w->data, l->in * l->out, t, s);
    memset(*tp, 0, (size_t)(ip * l->out));
    for (r = 0; r < l->out; r++) memcpy(*tp + r * ip, t + r * l->in, (size_t)l->in);
    TN_FREE(t);
    if (st != TN_OK) { TN_FREE(*tp); *tp = NULL; }
    *in_pad = ip;
    return st;
}

TNDEF tn_status tn_bitlinear_pack(tn_bitlinear *l, tn_ctx *ctx, tn_type type) {
    int8_t *tp;
    float s;
    int64_t r, in_pad;
    tn_status st;
    if (!l || !ctx || !l->w) return tn__fail(TN_ERR_ARG, "tn_bitlinear_pack: NULL argument");
    if (l->flags & TN_LAYER_FLOAT) return TN_OK; /* nothing to pack */
    if (type != TN_TYPE_TQ2_0 && type != TN_TYPE_TQ1_0 && type != TN_TYPE_T2)
        return tn__fail(TN_ERR_TYPE, "tn_bitlinear_pack: type must be tq2_0, tq1_0 or t2, not %s", tn_type_name(type));
    if ((st = tn__bitlinear_trits(l, &tp, &s, &in_pad)) != TN_OK) return st;
    l->wq = tn_new_2d(ctx, type, in_pad, l->out);
    if (!l->wq) st = TN_ERR_NOMEM;
    if (st == TN_OK) {
        if (type == TN_TYPE_T2) {
            l->wq->scale = s;
            for (r = 0; r < l->out && st == TN_OK; r++) st = tn_pack2((uint8_t *)l->wq->data + (size_t)r * l->wq->nb[1], tp + r * in_pad, in_pad);
        } else {
            st = tn_ternary_to_tq(type, tp, s, in_pad, l->out, l->wq->data);
        }
    }
    TN_FREE(tp);
    if (st != TN_OK) { l->wq = NULL; return st; }
    l->in_pad = in_pad;
    return TN_OK;
}
TNDEF void tn_bitlinear_unpack(tn_bitlinear *l) { if (l) { l->wq = NULL; l->in_pad = 0; } }

TNDEF tn_status tn_norm_layer_init(tn_norm_layer *l, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, tn_norm_kind kind, float eps) {
    tn_status st = TN_OK;
    if (!l || !pctx) return tn__fail(TN_ERR_ARG, "tn_norm_layer_init: NULL argument");
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    l->eps = eps;
    if (!(l->g = tn__param_new(pctx, params, name, "g", 1, d, 1, 1, &st))) return st;
    tn_fill(l->g, 1.0f);
    if (kind == TN_NORM_LAYER && !(l->b = tn__param_new(pctx, params, name, "b", 1, d, 1, 1, &st))) return st;
    return TN_OK;
}
TNDEF tn_tensor *tn_norm_layer_forward(tn_ctx *ctx, tn_norm_layer *l, tn_tensor *x) {
    tn_tensor *y;
    if (!l) { tn__fail(TN_ERR_ARG, "tn_norm_layer_forward: NULL layer"); return NULL; }
    y = l->kind == TN_NORM_LAYER ? tn_layer_norm(ctx, x, l->eps) : tn_rms_norm(ctx, x, l->eps);
    y = tn_mul(ctx, y, l->g);
    return l->b ? tn_add(ctx, y, l->b) : y;
}

TNDEF tn_status tn_embedding_init(tn_embedding *e, tn_ctx *pctx, tn_params *params, const char *name, int64_t vocab, int64_t d, float std, tn_rng *rng) {
    tn_status st = TN_OK;
    int64_t i;
    if (!e || !pctx || !rng) return tn__fail(TN_ERR_ARG, "tn_embedding_init: NULL argument");
    if (!(e->w = tn__param_new(pctx, params, name, "w", 2, d, vocab, 1, &st))) return st;
    for (i = 0; i < d * vocab; i++) ((float *)e->w->data)[i] = std * tn_rng_normal(rng);
    return TN_OK;
}
TNDEF tn_tensor *tn_embedding_forward(tn_ctx *ctx, tn_embedding *e, const tn_tensor *ids) {
    if (!e) { tn__fail(TN_ERR_ARG, "tn_embedding_forward: NULL layer"); return NULL; }
    return tn_get_rows(ctx, e->w, ids);
}

TNDEF tn_status tn_mlp_init(tn_mlp *m, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, int64_t hidden,
                            tn_mlp_kind kind, int layer_flags, tn_rng *rng) {
    char nb[TN_MAX_NAME + 64];
    tn_status st;
    if (!m) return tn__fail(TN_ERR_ARG, "tn_mlp_init: NULL argument");
    memset(m, 0, sizeof(*m));
    m->kind = kind;
    if ((st = tn_bitlinear_init(&m->up, pctx, params, tn__pname(nb, name, "up"), d, hidden, layer_flags, rng)) != TN_OK) return st;
    if (kind == TN_MLP_SWIGLU && (st = tn_bitlinear_init(&m->gate, pctx, params, tn__pname(nb, name, "gate"), d, hidden, layer_flags, rng)) != TN_OK) return st;
    return tn_bitlinear_init(&m->down, pctx, params, tn__pname(nb, name, "down"), hidden, d, layer_flags, rng);
}
TNDEF tn_tensor *tn_mlp_forward(tn_ctx *ctx, tn_mlp *m, tn_tensor *x) {
    tn_tensor *h;
    if (!m) { tn__fail(TN_ERR_ARG, "tn_mlp_forward: NULL layer"); return NULL; }
    h = tn_bitlinear_forward(ctx, &m->up, x);
    switch (m->kind) {
    case TN_MLP_GELU: h = tn_gelu(ctx, h); break;
    case TN_MLP_RELU: h = tn_relu(ctx, h); break;
    case TN_MLP_RELU2: h = tn_relu2(ctx, h); break;
    default: h = tn_swiglu(ctx, tn_bitlinear_forward(ctx, &m->gate, x), h); break;
    }
    return tn_bitlinear_forward(ctx, &m->down, h);
}

TNDEF tn_status tn_self_attn_init(tn_self_attn *a, tn_ctx *pctx, tn_params *params, const char *name, int64_t d, int64_t n_head,
                                  float rope_theta, int layer_flags, tn_rng *rng) {
    char nb[TN_MAX_NAME + 64];
    tn_status st;
    if (!a) return tn__fail(TN_ERR_ARG, "tn_self_attn_init: NULL argument");
    if (n_head <= 0 || d % n_head || (d / n_head) % 2)
        return tn__fail(TN_ERR_SHAPE, "tn_self_attn_init: d_model %lld must split into %lld heads of even size", (long long)d, (long long)n_head);
    memset(a, 0, sizeof(*a));
    a->d = d; a->n_head = n_head; a->rope_theta = rope_theta;
    if ((st = tn_bitlinear_init(&a->wq, pctx, params, tn__pname(nb, name, "wq"), d, d, layer_flags, rng)) != TN_OK) return st;
    if ((st = tn_bitlinear_init(&a->wk, pctx, params, tn__pname(nb, name, "wk"), d, d, layer_flags, rng)) != TN_OK) return st;
    if ((st = tn_bitlinear_init(&a->wv, pctx, params, tn__pname(nb, name, "wv"), d, d, layer_flags, rng)) != TN_OK) return st;
    return tn_bitlinear_init(&a->wo, pctx, params, tn__pname(nb, name, "wo"), d, d, layer_flags, rng);
}
TNDEF tn_tensor *tn_self_attn_forward(tn_ctx *ctx, tn_self_attn *a, tn_tensor *x) {
    int64_t ne[4], T, B, hd;
    tn_tensor *q, *k, *v, *o;
    if (!x) return NULL;
    if (!a || !ctx) { tn__fail(TN_ERR_ARG, "tn_self_attn_forward: NULL argument"); return NULL; }
    T = x->ne[1]; B = x->ne[2] * x->ne[3];
    hd = a->d / a->n_head;
    ne[0] = hd; ne[1] = a->n_head; ne[2] = T; ne[3] = B;
    q = tn_reshape(ctx, tn_bitlinear_forward(ctx, &a->wq, x), 4, ne);
    k = tn_reshape(ctx, tn_bitlinear_forward(ctx, &a->wk, x), 4, ne);
    v = tn_reshape(ctx, tn_bitlinear_forward(ctx, &a->wv, x), 4, ne);
    if (a->rope_theta > 1.0f) { q = tn_rope(ctx, q, 0, a->rope_theta); k = tn_rope(ctx, k, 0, a->rope_theta); }
    o = tn_attention(ctx, q, k, v, 1);
    if (!o) return NULL;
    ne[0] = a->d; ne[1] = T; ne[2] = x->ne[2]; ne[3] = x->ne[3];
    return tn_bitlinear_forward(ctx, &a->wo, tn_reshape(ctx, o, 4, ne));
}

TNDEF tn_transformer_config tn_transformer_config_default(void) {
    tn_transformer_config c;
    memset(&c, 0, sizeof(c));
    c.vocab = 256; c.d_model = 128; c.n_head = 4; c.n_layer = 2; c.d_ff = 512; c.ctx_len = 64;
    c.mlp = TN_MLP_RELU2; c.norm = TN_NORM_RMS; c.layer_flags = 0;
    c.rope_theta = 10000.0f; c.norm_eps = 1e-5f; c.init_std = 0.02f;
    return c;
}

TNDEF tn_status tn_transformer_init(tn_transformer *m, tn_ctx *pctx, const tn_transformer_config *cfg, uint64_t seed) {
    char nb[TN_MAX_NAME + 64], pre[32];
    tn_rng rng;
    tn_status st;
    int64_t l;
    if (!m || !pctx || !cfg) return tn__fail(TN_ERR_ARG, "tn_transformer_init: NULL argument");
    if (cfg->vocab <= 0 || cfg->d_model <= 0 || cfg->n_layer < 0 || cfg->n_layer > 1000 || cfg->d_ff <= 0 || cfg->ctx_len <= 0)
        return tn__fail(TN_ERR_ARG, "tn_transformer_init: bad configuration");
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    tn_params_init(&m->params);
    tn_rng_seed(&rng, seed);
    m->blocks = (tn_block *)TN_MALLOC(sizeof(tn_block) * (size_t)(cfg->n_layer ? cfg->n_layer : 1));
    if (!m->blocks) return tn__fail(TN_ERR_NOMEM, "tn_transformer_init: out of memory");
    if ((st = tn_embedding_init(&m->tok, pctx, &m->params, "tok", cfg->vocab, cfg->d_model, cfg->init_std, &rng)) != TN_OK) goto fail;
    for (l = 0; l < cfg->n_layer; l++) {
        tn_block *b = &m->blocks[l];
        snprintf(pre, sizeof(pre), "blk.%lld", (long long)l);
        if ((st = tn_norm_layer_init(&b->norm1, pctx, &m->params, tn__pname(nb, pre, "norm1"), cfg->d_model, cfg->norm, cfg->norm_eps)) != TN_OK) goto fail;
        if ((st = tn_self_attn_init(&b->attn, pctx, &m->params, tn__pname(nb, pre, "attn"), cfg->d_model, cfg->n_head, cfg->rope_theta, cfg->layer_flags, &rng)) != TN_OK) goto fail;
        if ((st = tn_norm_layer_init(&b->norm2, pctx, &m->params, tn__pname(nb, pre, "norm2"), cfg->d_model, cfg->norm, cfg->norm_eps)) != TN_OK) goto fail;
        if ((st = tn_mlp_init(&b->mlp, pctx, &m->params, tn__pname(nb, pre, "mlp"), cfg->d_model, cfg->d_ff, cfg->mlp, cfg->layer_flags, &rng)) != TN_OK) goto fail;
    }
    if ((st = tn_norm_layer_init(&m->norm_f, pctx, &m->params, "norm_f", cfg->d_model, cfg->norm, cfg->norm_eps)) != TN_OK) goto fail;
    if ((st = tn_bitlinear_init(&m->head, pctx, &m->params, "head", cfg->d_model, cfg->vocab, TN_LAYER_FLOAT, &rng)) != TN_OK) goto fail;
    return TN_OK;
fail:
    tn_transformer_deinit(m);
    return st;
}
TNDEF void tn_transformer_deinit(tn_transformer *m) {
    if (!m) return;
    if (m->blocks) TN_FREE(m->blocks);
    m->blocks = NULL;
    tn_params_deinit(&m->params);
}

TNDEF tn_tensor *tn_transformer_forward(tn_ctx *ctx, tn_transformer *m, const tn_tensor *ids) {
    tn_tensor *x;
    int64_t l;
    if (!m || !ids) { tn__fail(TN_ERR_ARG, "tn_transformer_forward: NULL argument"); return NULL; }
    if (ids->ne[0] > m->cfg.ctx_len) { tn__fail(TN_ERR_SHAPE, "tn_transformer_forward: %lld tokens exceed the context of %lld", (long long)ids->ne[0], (long long)m->cfg.ctx_len); return NULL; }
    x = tn_embedding_forward(ctx, &m->tok, ids); /* (d, T, B) */
    for (l = 0; l < m->cfg.n_layer; l++) {
        tn_block *b = &m->blocks[l];
        x = tn_add(ctx, x, tn_self_attn_forward(ctx, &b->attn, tn_norm_layer_forward(ctx, &b->norm1, x)));
        x = tn_add(ctx, x, tn_mlp_forward(ctx, &b->mlp, tn_norm_layer_forward(ctx, &b->norm2, x)));
    }
    return tn_bitlinear_forward(ctx, &m->head, tn_norm_layer_forward(ctx, &m->norm_f, x));
}
TNDEF tn_tensor *tn_transformer_loss(tn_ctx *ctx, tn_transformer *m, const tn_tensor *ids, const tn_tensor *targets) {
    return tn_cross_entropy(ctx, tn_transformer_forward(ctx, m, ids), targets, -1);
}
TNDEF tn_status tn_transformer_pack(tn_transformer *m, tn_ctx *ctx, tn_type type) {
    int64_t l;
    tn_status st = TN_OK;
    if (!m) return tn__fail(TN_ERR_ARG, "tn_transformer_pack: NULL model");
    for (l = 0; l < m->cfg.n_layer && st == TN_OK; l++) {
        tn_block *b = &m->blocks[l];
        tn_bitlinear *ls[7];
        int i;
        ls[0] = &b->attn.wq; ls[1] = &b->attn.wk; ls[2] = &b->attn.wv; ls[3] = &b->attn.wo;
        ls[4] = &b->mlp.up; ls[5] = &b->mlp.down; ls[6] = b->mlp.kind == TN_MLP_SWIGLU ? &b->mlp.gate : NULL;
        for (i = 0; i < 7 && st == TN_OK; i++) if (ls[i]) st = tn_bitlinear_pack(ls[i], ctx, type);
    }
    return st;
}


/* ==== @@IMPL:IO  GGUF v3 ==== */

typedef struct {
    char *key;
    tn_gguf_type type;
    tn_gguf_type arr_type;
    uint64_t n;               /* array length */
    uint8_t *raw;             /* scalar: value; STRING: u64 len + bytes; ARRAY: the elements as in the file */
    size_t raw_size;
    size_t *str_off;          /* string arrays: offset of element j's length in raw */
} tn__gguf_kv;

struct tn_gguf {
    uint32_t version;
    tn__gguf_kv *kv;
    int64_t n_kv, cap_kv;
    tn_gguf_tensor *ti;
    int64_t n_ti, cap_ti;
    uint8_t *image;           /* the file image when read */
    size_t image_size;
    int mmapped;
    size_t data_offset;
    void **owned;             /* converted tensor data to free with g */
    int64_t n_owned, cap_owned;
    int64_t *kidx, kcap;      /* name indexes of kv and ti (NULL: search linearly) */
    int64_t *tidx, tcap;
};
static const char *tn__gguf_key_at(const void *g, int64_t i) { return ((const tn_gguf *)g)->kv[i].key; }
static const char *tn__gguf_ti_at(const void *g, int64_t i) { return ((const tn_gguf *)g)->ti[i].name; }

static const size_t tn__gguf_tsize[TN_GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
static const char *const tn__gguf_tname[TN_GGUF_TYPE_COUNT] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"};

TNDEF void tn_free(void *p) { if (p) TN_FREE(p); }

TNDEF tn_gguf *tn_gguf_new(void) {
    tn_gguf *g = (tn_gguf *)TN_MALLOC(sizeof(tn_gguf));
    if (!g) { tn__fail(TN_ERR_NOMEM, "tn_gguf_new: out of memory"); return NULL; }
    memset(g, 0, sizeof(*g));
    g->version = 3;
    return g;
}

static void tn__gguf_kv_clear(tn__gguf_kv *kv) {
    if (kv->key) TN_FREE(kv->key);
    if (kv->raw) TN_FREE(kv->raw);
    if (kv->str_off) TN_FREE(kv->str_off);
    memset(kv, 0, sizeof(*kv));
}

TNDEF void tn_gguf_free(tn_gguf *g) {
    int64_t i;
    if (!g) return;
    for (i = 0; i < g->n_kv; i++) tn__gguf_kv_clear(&g->kv[i]);
    for (i = 0; i < g->n_owned; i++) TN_FREE(g->owned[i]);
    if (g->owned) TN_FREE(g->owned);
    if (g->kv) TN_FREE(g->kv);
    if (g->ti) TN_FREE(g->ti);
    tn__nidx_free(&g->kidx, &g->kcap);
    tn__nidx_free(&g->tidx, &g->tcap);
#if defined(TN__POSIX_IO)
    if (g->mmapped) munmap(g->image, g->image_size);
    else
#endif
    if (g->image) TN_FREE(g->image);
    TN_FREE(g);
}

static uint64_t tn__rd64(const uint8_t *p) {
    return (uint64_t)tn__le32(p) | ((uint64_t)tn__le32(p + 4) << 32);
}
static void tn__wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void tn__wr64(uint8_t *p, uint64_t v) { tn__wr32(p, (uint32_t)v); tn__wr32(p + 4, (uint32_t)(v >> 32)); }

/* a bounded reader over the image */
typedef struct { const uint8_t *p; size_t n, off; } tn__rd;
static int tn__rd_take(tn__rd *r, size_t k, const uint8_t **out) {
    if (k > r->n - r->off) return 0;
    *out = r->p + r->off;
    r->off += k;
    return 1;
}
static int tn__rd_u32(tn__rd *r, uint32_t *v) { const uint8_t *b; if (!tn__rd_take(r, 4, &b)) return 0; *v = tn__le32(b); return 1; }
static int tn__rd_u64(tn__rd *r, uint64_t *v) { const uint8_t *b; if (!tn__rd_take(r, 8, &b)) return 0; *v = tn__rd64(b); return 1; }

#define TN__GGUF_MAX_STR ((uint64_t)1 << 30)
#define TN__GGUF_MAX_ARR ((uint64_t)1 << 30)

/* a length-prefixed string: checks the length before anything else */
static tn_status tn__rd_str(tn__rd *r, const uint8_t **s, uint64_t *len, const char *what) {
    if (!tn__rd_u64(r, len)) return tn__fail(TN_ERR_FORMAT, "gguf: file ends inside the length of %s at byte %zu", what, r->off);
    if (*len > TN__GGUF_MAX_STR || *len > r->n - r->off)
        return tn__fail(TN_ERR_FORMAT, "gguf: %s at byte %zu claims %llu bytes, only %zu remain", what, r->off - 8, (unsigned long long)*len, r->n - r->off);
    tn__rd_take(r, (size_t)*len, s);
    return TN_OK;
}

static int tn__cmp_ti_off(const void *a, const void *b) {
    uint64_t x = (*(const tn_gguf_tensor *const *)a)->offset, y = (*(const tn_gguf_tensor *const *)b)->offset;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* bytes of a tensor of `type` and shape ne; 0 and a message on overflow or bad shape */
static tn_status tn__tensor_nbytes(tn_type type, const int64_t *ne, size_t *out, const char *name) {
    const tn_type_traits *tr = tn_type_get_traits(type);
    size_t bytes;
    int64_t n = 1;
    int d;
    if (!tr || (int)type >= TN_TYPE_COUNT) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has unknown or removed type id %d", name, (int)type);
    for (d = 0; d < 4; d++) {
        if (ne[d] < 0) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has negative ne[%d]", name, d);
        if (ne[d] && n > INT64_MAX / ne[d]) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has too many elements", name);
        n *= ne[d];
    }
    if (!tn__shape_ok(ne, 4)) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' is empty with more than 2^24 rows", name);
    if (ne[0] % tr->blck_size) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s': ne[0] = %lld is not a multiple of %s's block of %lld", name, (long long)ne[0], tr->name, (long long)tr->blck_size);
    bytes = tn_row_size(type, ne[0]);
    if (ne[0] && !bytes) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' is too large", name);
    for (d = 1; d < 4; d++)
        if ((uint64_t)ne[d] > (uint64_t)(size_t)-1 || !tn__mul_size(bytes, (size_t)ne[d], &bytes)) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' is too large", name);
    *out = bytes;
    return TN_OK;
}

/* GGUF's alignment: a power of two and a multiple of 8 (the spec), at most 1 MiB
   (padding is written, so a huge one would make a tiny file write gigabytes) */
#define TN_GGUF_MAX_ALIGN (1u << 20)
static int tn__gguf_align_ok(uint32_t a) { return a >= 8 && a <= TN_GGUF_MAX_ALIGN && !(a & (a - 1)); }
static tn_status tn__gguf_parse(tn_gguf *g) {
    tn__rd r;
    const uint8_t *b = NULL;
    uint32_t magic, version, align = 32;
    uint64_t n_ti, n_kv, i;
    size_t data_start;
    tn_status st;
    r.p = g->image; r.n = g->image_size; r.off = 0;
    if (!tn__rd_u32(&r, &magic) || magic != 0x46554747u) return tn__fail(TN_ERR_FORMAT, "gguf: not a GGUF file (bad magic)");
    if (!tn__rd_u32(&r, &version)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated header");
    if (version == 0 || (version & 0xFFFFu) == 0) return tn__fail(TN_ERR_FORMAT, "gguf: version %u: a big-endian or corrupt file", version);
    if (version == 1 || version > 3) return tn__fail(TN_ERR_FORMAT, "gguf: version %u is not supported (want 2 or 3)", version);
    g->version = version;
    if (!tn__rd_u64(&r, &n_ti) || !tn__rd_u64(&r, &n_kv)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated header");
    if (n_ti > (uint64_t)INT64_MAX || n_ti > (r.n - r.off) / 24) return tn__fail(TN_ERR_FORMAT, "gguf: %llu tensors cannot fit in %zu bytes", (unsigned long long)n_ti, r.n);
    if (n_kv > (uint64_t)INT64_MAX || n_kv > (r.n - r.off) / 14) return tn__fail(TN_ERR_FORMAT, "gguf: %llu key/value pairs cannot fit in %zu bytes", (unsigned long long)n_kv, r.n);
    g->kv = (tn__gguf_kv *)TN_MALLOC(sizeof(tn__gguf_kv) * (size_t)(n_kv ? n_kv : 1));
    g->ti = (tn_gguf_tensor *)TN_MALLOC(sizeof(tn_gguf_tensor) * (size_t)(n_ti ? n_ti : 1));
    if (!g->kv || !g->ti) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
    g->cap_kv = (int64_t)(n_kv ? n_kv : 1);
    g->cap_ti = (int64_t)(n_ti ? n_ti : 1);
    for (i = 0; i < n_kv; i++) {
        tn__gguf_kv *kv = &g->kv[g->n_kv];
        const uint8_t *ks, *vstart;
        uint64_t klen;
        uint32_t t;
        memset(kv, 0, sizeof(*kv));
        if ((st = tn__rd_str(&r, &ks, &klen, "a key")) != TN_OK) return st;
        if (klen == 0) return tn__fail(TN_ERR_FORMAT, "gguf: key %llu is empty", (unsigned long long)i);
        kv->key = (char *)TN_MALLOC((size_t)klen + 1);
        if (!kv->key) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
        memcpy(kv->key, ks, (size_t)klen);
        kv->key[klen] = 0;
        g->n_kv++;
        if (memchr(ks, 0, (size_t)klen)) return tn__fail(TN_ERR_FORMAT, "gguf: key %llu contains a NUL byte", (unsigned long long)i);
        if (!tn__rd_u32(&r, &t)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated at the type of '%s'", kv->key);
        if (t >= TN_GGUF_TYPE_COUNT) return tn__fail(TN_ERR_FORMAT, "gguf: '%s' has unknown value type %u", kv->key, t);
        kv->type = (tn_gguf_type)t;
        if (t == TN_GGUF_ARRAY) {
            uint32_t et;
            if (!tn__rd_u32(&r, &et) || !tn__rd_u64(&r, &kv->n)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated array header of '%s'", kv->key);
            if (et >= TN_GGUF_TYPE_COUNT || et == TN_GGUF_ARRAY) return tn__fail(TN_ERR_FORMAT, "gguf: array '%s' has element type %u (arrays of arrays are not allowed)", kv->key, et);
            if (kv->n > TN__GGUF_MAX_ARR) return tn__fail(TN_ERR_FORMAT, "gguf: array '%s' claims %llu elements", kv->key, (unsigned long long)kv->n);
            kv->arr_type = (tn_gguf_type)et;
            vstart = r.p + r.off;
            if (et == TN_GGUF_STRING) {
                uint64_t j;
                if (kv->n > (r.n - r.off) / 8) return tn__fail(TN_ERR_FORMAT, "gguf: array '%s' of %llu strings cannot fit", kv->key, (unsigned long long)kv->n);
                kv->str_off = (size_t *)TN_MALLOC(sizeof(size_t) * (size_t)(kv->n ? kv->n : 1));
                if (!kv->str_off) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
                for (j = 0; j < kv->n; j++) {
                    const uint8_t *s;
                    uint64_t len;
                    kv->str_off[j] = (size_t)(r.p + r.off - vstart);
                    if ((st = tn__rd_str(&r, &s, &len, "an array string")) != TN_OK) return st;
                }
            } else {
                size_t sz = tn__gguf_tsize[et];
                if (kv->n > (r.n - r.off) / sz) return tn__fail(TN_ERR_FORMAT, "gguf: array '%s' of %llu elements cannot fit", kv->key, (unsigned long long)kv->n);
                tn__rd_take(&r, (size_t)kv->n * sz, &b);
                if (et == TN_GGUF_BOOL) {
                    uint64_t j;
                    for (j = 0; j < kv->n; j++) if (b[j] > 1) return tn__fail(TN_ERR_FORMAT, "gguf: bool array '%s' holds %u", kv->key, b[j]);
                }
            }
        } else if (t == TN_GGUF_STRING) {
            const uint8_t *s;
            uint64_t len;
            vstart = r.p + r.off;
            if ((st = tn__rd_str(&r, &s, &len, "a string value")) != TN_OK) return st;
        } else {
            vstart = r.p + r.off;
            if (!tn__rd_take(&r, tn__gguf_tsize[t], &b)) return tn__fail(TN_ERR_FORMAT, "gguf: file ends inside the value of '%s'", kv->key);
            if (t == TN_GGUF_BOOL && b[0] > 1) return tn__fail(TN_ERR_FORMAT, "gguf: bool '%s' holds %u", kv->key, b[0]);
        }
        kv->raw_size = (size_t)(r.p + r.off - vstart);
        kv->raw = (uint8_t *)TN_MALLOC(kv->raw_size ? kv->raw_size : 1);
        if (!kv->raw) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
        memcpy(kv->raw, vstart, kv->raw_size);
    }
    { /* unique keys */
        int64_t dup;
        if ((st = tn__nidx_build(&g->kidx, &g->kcap, g, tn__gguf_key_at, g->n_kv, &dup)) != TN_OK) return st;
        if (dup >= 0) return tn__fail(TN_ERR_FORMAT, "gguf: key '%s' appears twice", g->kv[dup].key);
    }
    {
        int64_t ai = tn_gguf_find_key(g, "general.alignment");
        if (ai >= 0) {
            if (g->kv[ai].type != TN_GGUF_UINT32) return tn__fail(TN_ERR_FORMAT, "gguf: general.alignment must be u32, is %s", tn__gguf_tname[g->kv[ai].type]);
            align = tn__le32(g->kv[ai].raw);
            if (!tn__gguf_align_ok(align)) return tn__fail(TN_ERR_FORMAT, "gguf: general.alignment %u is not a power of two from 8 to %u", align, (unsigned)TN_GGUF_MAX_ALIGN);
        }
    }
    for (i = 0; i < n_ti; i++) {
        tn_gguf_tensor *t = &g->ti[g->n_ti];
        const uint8_t *ns;
        uint64_t nlen, off;
        uint32_t nd, type;
        int d;
        memset(t, 0, sizeof(*t));
        if ((st = tn__rd_str(&r, &ns, &nlen, "a tensor name")) != TN_OK) return st;
        if (nlen >= TN_MAX_NAME) return tn__fail(TN_ERR_FORMAT, "gguf: tensor %llu has a name of %llu bytes (at most 63)", (unsigned long long)i, (unsigned long long)nlen);
        memcpy(t->name, ns, (size_t)nlen);
        if (!tn__rd_u32(&r, &nd)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated tensor info of '%s'", t->name);
        if (nd > TN_MAX_DIMS) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has %u dims (at most 4)", t->name, nd);
        t->n_dims = (int)nd;
        for (d = 0; d < TN_MAX_DIMS; d++) t->ne[d] = 1;
        for (d = 0; d < (int)nd; d++) {
            uint64_t v;
            if (!tn__rd_u64(&r, &v)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated shape of '%s'", t->name);
            if (v > (uint64_t)INT64_MAX) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has negative ne[%d]", t->name, d);
            t->ne[d] = (int64_t)v;
        }
        if (!tn__rd_u32(&r, &type) || !tn__rd_u64(&r, &off)) return tn__fail(TN_ERR_FORMAT, "gguf: truncated tensor info of '%s'", t->name);
        t->type = (tn_type)type;
        if (type >= TN_TYPE_COUNT) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' has unknown type id %u", t->name, type);
        if ((st = tn__tensor_nbytes(t->type, t->ne, &t->nbytes, t->name)) != TN_OK) return st;
        if (off % align) return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' offset %llu is not a multiple of the alignment %u", t->name, (unsigned long long)off, align);
        t->offset = off;
        g->n_ti++;
    }
    { /* unique tensor names */
        int64_t dup;
        if ((st = tn__nidx_build(&g->tidx, &g->tcap, g, tn__gguf_ti_at, g->n_ti, &dup)) != TN_OK) return st;
        if (dup >= 0) return tn__fail(TN_ERR_FORMAT, "gguf: tensor name '%s' appears twice", g->ti[dup].name);
    }
    data_start = (r.off + align - 1) / align * align;
    if (data_start < r.off) return tn__fail(TN_ERR_FORMAT, "gguf: size overflow");
    g->data_offset = data_start;
    if (n_ti) {
        tn_gguf_tensor **s;
        int64_t j;
        if (data_start > r.n) return tn__fail(TN_ERR_FORMAT, "gguf: the data section starts at %zu, past the end of the %zu-byte file", data_start, r.n);
        for (j = 0; j < g->n_ti; j++) {
            tn_gguf_tensor *t = &g->ti[j];
            if (t->offset > (uint64_t)(r.n - data_start) || t->nbytes > (size_t)(r.n - data_start - (size_t)t->offset))
                return tn__fail(TN_ERR_FORMAT, "gguf: tensor '%s' (%zu bytes at offset %llu) runs past the end of the file (truncated?)", t->name, t->nbytes, (unsigned long long)t->offset);
            t->data = g->image + data_start + (size_t)t->offset;
        }
        s = (tn_gguf_tensor **)TN_MALLOC(sizeof(*s) * (size_t)g->n_ti);
        if (!s) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
        for (j = 0; j < g->n_ti; j++) s[j] = &g->ti[j];
        qsort(s, (size_t)g->n_ti, sizeof(*s), tn__cmp_ti_off);
        for (j = 1; j < g->n_ti; j++)
            if (s[j - 1]->offset + s[j - 1]->nbytes > s[j]->offset) { tn__fail(TN_ERR_FORMAT, "gguf: tensors '%s' and '%s' overlap", s[j - 1]->name, s[j]->name); TN_FREE(s); return TN_ERR_FORMAT; }
        TN_FREE(s);
    }
    return TN_OK;
}

TNDEF tn_status tn_gguf_read_memory(const void *data, size_t size, tn_gguf **out) {
    tn_gguf *g;
    tn_status st;
    if (!data || !out) return tn__fail(TN_ERR_ARG, "tn_gguf_read_memory: NULL argument");
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    g->image = (uint8_t *)TN_MALLOC(size ? size : 1);
    if (!g->image) { tn_gguf_free(g); return tn__fail(TN_ERR_NOMEM, "tn_gguf_read_memory: cannot allocate %zu bytes", size); }
    memcpy(g->image, data, size);
    g->image_size = size;
    if ((st = tn__gguf_parse(g)) != TN_OK) { tn_gguf_free(g); return st; }
    *out = g;
    return TN_OK;
}

/* the whole file in memory (or mapped) */
static tn_status tn__read_whole(const char *path, int use_mmap, uint8_t **data, size_t *size, int *mapped) {
#if defined(TN__POSIX_IO)
    struct stat sb;
    int fd = open(path, O_RDONLY);
    size_t got = 0;
    *mapped = 0;
    if (fd < 0) return tn__fail(TN_ERR_IO, "cannot open '%s' for reading: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) { close(fd); return tn__fail(TN_ERR_IO, "'%s' is not a regular file", path); }
    if ((uint64_t)sb.st_size > (uint64_t)((size_t)-1 >> 1)) { close(fd); return tn__fail(TN_ERR_IO, "'%s' is too large", path); }
    *size = (size_t)sb.st_size;
    if (use_mmap && *size > 0) {
        void *p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) { close(fd); *data = (uint8_t *)p; *mapped = 1; return TN_OK; }
    }
    *data = (uint8_t *)TN_MALLOC(*size ? *size : 1);
    if (!*data) { close(fd); return tn__fail(TN_ERR_NOMEM, "cannot allocate %zu bytes for '%s'", *size, path); }
    while (got < *size) {
        ssize_t k = read(fd, *data + got, *size - got);
        if (k <= 0) { TN_FREE(*data); close(fd); return tn__fail(TN_ERR_IO, "read of '%s' failed at byte %zu", path, got); }
        got += (size_t)k;
    }
    close(fd);
    return TN_OK;
#else
    FILE *f = fopen(path, "rb");
    long n;
    TN__UNUSED(use_mmap);
    *mapped = 0;
    if (!f) return tn__fail(TN_ERR_IO, "cannot open '%s' for reading: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return tn__fail(TN_ERR_IO, "cannot size '%s'", path); }
    *size = (size_t)n;
    *data = (uint8_t *)TN_MALLOC(*size ? *size : 1);
    if (!*data) { fclose(f); return tn__fail(TN_ERR_NOMEM, "cannot allocate %zu bytes for '%s'", *size, path); }
    if (fread(*data, 1, *size, f) != *size) { TN_FREE(*data); fclose(f); return tn__fail(TN_ERR_IO, "read of '%s' failed", path); }
    fclose(f);
    return TN_OK;
#endif
}

TNDEF tn_status tn_gguf_read_file(const char *path, int use_mmap, tn_gguf **out) {
    tn_gguf *g;
    tn_status st;
    if (!path || !out) return tn__fail(TN_ERR_ARG, "tn_gguf_read_file: NULL argument");
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    if ((st = tn__read_whole(path, use_mmap, &g->image, &g->image_size, &g->mmapped)) != TN_OK) { tn_gguf_free(g); return st; }
    if ((st = tn__gguf_parse(g)) != TN_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", tn_last_error());
        tn_gguf_free(g);
        return tn__fail(st, "%s: %s", path, msg);
    }
    *out = g;
    return TN_OK;
}

/* -- writing -- */

typedef struct {
    uint8_t *buf;             /* memory sink, or NULL */
    size_t size, cap;
#if defined(TN__POSIX_IO)
    int fd;
#else
    FILE *f;
#endif
    int to_file;
    tn_status st;
} tn__sink;

static void tn__sink_put(tn__sink *s, const void *p, size_t n) {
    if (s->st != TN_OK || n == 0) return;
    if (!s->to_file) {
        if (s->size + n > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            uint8_t *nb;
            while (cap < s->size + n) cap *= 2;
            nb = (uint8_t *)TN_REALLOC(s->buf, cap);
            if (!nb) { s->st = tn__fail(TN_ERR_NOMEM, "gguf write: out of memory"); return; }
            s->buf = nb;
            s->cap = cap;
        }
        memcpy(s->buf + s->size, p, n);
        s->size += n;
        return;
    }
    s->size += n;
#if defined(TN__POSIX_IO)
    {
        const uint8_t *b = (const uint8_t *)p;
        while (n) {
            ssize_t k = write(s->fd, b, n);
            if (k <= 0) { s->st = tn__fail(TN_ERR_IO, "write failed (disk full?)"); return; }
            b += k; n -= (size_t)k;
        }
    }
#else
    if (fwrite(p, 1, n, s->f) != n) s->st = tn__fail(TN_ERR_IO, "write failed (disk full?)");
#endif
}
static void tn__sink_zeros(tn__sink *s, size_t n) {
    static const uint8_t z[64] = {0};
    while (n) { size_t k = n < 64 ? n : 64; tn__sink_put(s, z, k); n -= k; }
}
static void tn__sink_u32(tn__sink *s, uint32_t v) { uint8_t b[4]; tn__wr32(b, v); tn__sink_put(s, b, 4); }
static void tn__sink_u64(tn__sink *s, uint64_t v) { uint8_t b[8]; tn__wr64(b, v); tn__sink_put(s, b, 8); }
static void tn__sink_str(tn__sink *s, const char *p, size_t n) { tn__sink_u64(s, n); tn__sink_put(s, p, n); }

static size_t tn__gguf_write_align(const tn_gguf *g) {
    int64_t ai = tn_gguf_find_key(g, "general.alignment");
    if (ai >= 0 && g->kv[ai].type == TN_GGUF_UINT32) {
        uint32_t a = tn__le32(g->kv[ai].raw);
        if (a && !(a & (a - 1))) return a;
    }
    return 32;
}

typedef tn_status (*tn__emit_fn)(tn__sink *s, const void *ctx);

static tn_status tn__gguf_emit(tn__sink *s, const void *ctxp) {
    const tn_gguf *g = (const tn_gguf *)ctxp;
    size_t align = tn__gguf_write_align(g);
    uint64_t off = 0;
    int64_t i;
    int d;
    tn__sink_u32(s, 0x46554747u);
    tn__sink_u32(s, 3);
    tn__sink_u64(s, (uint64_t)g->n_ti);
    tn__sink_u64(s, (uint64_t)g->n_kv);
    for (i = 0; i < g->n_kv; i++) {
        const tn__gguf_kv *kv = &g->kv[i];
        tn__sink_str(s, kv->key, strlen(kv->key));
        tn__sink_u32(s, (uint32_t)kv->type);
        if (kv->type == TN_GGUF_ARRAY) { tn__sink_u32(s, (uint32_t)kv->arr_type); tn__sink_u64(s, kv->n); }
        tn__sink_put(s, kv->raw, kv->raw_size);
    }
    for (i = 0; i < g->n_ti; i++) {
        const tn_gguf_tensor *t = &g->ti[i];
        int nd = t->n_dims;
        tn__sink_str(s, t->name, strlen(t->name));
        tn__sink_u32(s, (uint32_t)nd);
        for (d = 0; d < nd; d++) tn__sink_u64(s, (uint64_t)t->ne[d]);
        tn__sink_u32(s, (uint32_t)t->type);
        tn__sink_u64(s, off);
        off += (t->nbytes + align - 1) / align * align;
    }
    tn__sink_zeros(s, (align - s->size % align) % align);
    for (i = 0; i < g->n_ti; i++) {
        const tn_gguf_tensor *t = &g->ti[i];
        tn__sink_put(s, t->data, t->nbytes);
        tn__sink_zeros(s, (align - t->nbytes % align) % align);
    }
    return s->st;
}

/* write through emit to path via a temporary file, fsync and rename. The
   temporary file gets a name nobody can predict (PATH.tmp.<pid>.<random>) and
   is created with O_CREAT|O_EXCL (and O_NOFOLLOW where the headers expose it),
   so a file or symlink planted there makes the create fail and the next name
   is tried: nothing is ever written through a link. rename() replaces a
   symlink at PATH itself rather than following it; the directory is fsync'ed
   after, so the rename survives a crash. */
static tn_status tn__atomic_write(const char *path, tn__emit_fn emit, const void *ctx) {
    char *tmp;
    size_t plen;
    tn__sink s;
    tn_status st;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)&s ^ ((uint64_t)time(NULL) << 20) ^ (uint64_t)clock();
    int attempt;
    if (!path || !*path) return tn__fail(TN_ERR_ARG, "write: empty path");
    plen = strlen(path);
    tmp = (char *)TN_MALLOC(plen + 48);
    if (!tmp) return tn__fail(TN_ERR_NOMEM, "write: out of memory");
    memset(&s, 0, sizeof(s));
    s.to_file = 1;
#if defined(TN__POSIX_IO)
    h ^= (uint64_t)getpid() << 32;
    s.fd = -1;
    for (attempt = 0; attempt < 64 && s.fd < 0; attempt++) {
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 29; h += (uint64_t)attempt; /* mix */
        snprintf(tmp, plen + 48, "%s.tmp.%ld.%08x", path, (long)getpid(), (unsigned)(h & 0xFFFFFFFFu));
        s.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL
#ifdef O_NOFOLLOW
                    | O_NOFOLLOW
#endif
#ifdef O_CLOEXEC
                    | O_CLOEXEC
#endif
                    , 0644);
        if (s.fd < 0 && errno != EEXIST) break;
    }
    if (s.fd < 0) { st = tn__fail(TN_ERR_IO, "cannot create a temporary file beside '%s' (does the directory exist and is it writable?)", path); TN_FREE(tmp); return st; }
    st = emit(&s, ctx);
    if (st == TN_OK && fsync(s.fd) != 0) st = tn__fail(TN_ERR_IO, "fsync of '%s' failed", tmp);
    if (close(s.fd) != 0 && st == TN_OK) st = tn__fail(TN_ERR_IO, "close of '%s' failed", tmp);
#else
    (void)attempt;
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 29;
    snprintf(tmp, plen + 48, "%s.tmp.%08x", path, (unsigned)(h & 0xFFFFFFFFu));
    s.f = fopen(tmp, "wb");
    if (!s.f) { st = tn__fail(TN_ERR_IO, "cannot create '%s'", tmp); TN_FREE(tmp); return st; }
    st = emit(&s, ctx);
    if (fclose(s.f) != 0 && st == TN_OK) st = tn__fail(TN_ERR_IO, "close of '%s' failed", tmp);
#endif
    if (st == TN_OK && rename(tmp, path) != 0) st = tn__fail(TN_ERR_IO, "cannot rename '%s' to '%s'", tmp, path);
    if (st != TN_OK) remove(tmp);
#if defined(TN__POSIX_IO)
    if (st == TN_OK) { /* the directory entry: fsync the directory */
        const char *slash = strrchr(path, '/');
        int dfd;
        if (slash) { memcpy(tmp, path, (size_t)(slash - path) + 1); tmp[slash - path + 1] = 0; }
        else memcpy(tmp, ".", 2);
        dfd = open(tmp, O_RDONLY);
        if (dfd >= 0) { (void)fsync(dfd); close(dfd); }
    }
#endif
    TN_FREE(tmp);
    return st;
}

TNDEF tn_status tn_gguf_write_file(const tn_gguf *g, const char *path) {
    if (!g) return tn__fail(TN_ERR_ARG, "tn_gguf_write_file: NULL gguf");
    return tn__atomic_write(path, tn__gguf_emit, g);
}
TNDEF tn_status tn_gguf_write_memory(const tn_gguf *g, void **data, size_t *size) {
    tn__sink s;
    tn_status st;
    if (!g || !data || !size) return tn__fail(TN_ERR_ARG, "tn_gguf_write_memory: NULL argument");
    memset(&s, 0, sizeof(s));
    st = tn__gguf_emit(&s, g);
    if (st != TN_OK) { if (s.buf) TN_FREE(s.buf); return st; }
    *data = s.buf;
    *size = s.size;
    return TN_OK;
}

TNDEF uint32_t tn_gguf_version(const tn_gguf *g) { return g ? g->version : 0; }
TNDEF size_t tn_gguf_alignment(const tn_gguf *g) { return g ? tn__gguf_write_align(g) : 0; }
TNDEF size_t tn_gguf_data_offset(const tn_gguf *g) { return g ? g->data_offset : 0; }

/* -- key/value access -- */

TNDEF int64_t tn_gguf_n_kv(const tn_gguf *g) { return g ? g->n_kv : 0; }
TNDEF int64_t tn_gguf_find_key(const tn_gguf *g, const char *key) {
    int64_t i;
    if (!g || !key) return -1;
    if (g->kidx) return tn__nidx_find(g->kidx, g->kcap, g, tn__gguf_key_at, key, strlen(key));
    for (i = 0; i < g->n_kv; i++) if (strcmp(g->kv[i].key, key) == 0) return i;
    return -1;
}
static const tn__gguf_kv *tn__kv_at(const tn_gguf *g, int64_t i) { return g && i >= 0 && i < g->n_kv ? &g->kv[i] : NULL; }
TNDEF const char *tn_gguf_key(const tn_gguf *g, int64_t i) { const tn__gguf_kv *kv = tn__kv_at(g, i); return kv ? kv->key : NULL; }
TNDEF tn_gguf_type tn_gguf_kv_type(const tn_gguf *g, int64_t i) { const tn__gguf_kv *kv = tn__kv_at(g, i); return kv ? kv->type : TN_GGUF_TYPE_COUNT; }
TNDEF tn_gguf_type tn_gguf_arr_type(const tn_gguf *g, int64_t i) { const tn__gguf_kv *kv = tn__kv_at(g, i); return kv && kv->type == TN_GGUF_ARRAY ? kv->arr_type : TN_GGUF_TYPE_COUNT; }
TNDEF uint64_t tn_gguf_arr_n(const tn_gguf *g, int64_t i) { const tn__gguf_kv *kv = tn__kv_at(g, i); return kv && kv->type == TN_GGUF_ARRAY ? kv->n : 0; }
TNDEF const void *tn_gguf_arr_data(const tn_gguf *g, int64_t i) {
    const tn__gguf_kv *kv = tn__kv_at(g, i);
    return kv && kv->type == TN_GGUF_ARRAY && kv->arr_type != TN_GGUF_STRING ? kv->raw : NULL;
}
TNDEF const char *tn_gguf_arr_str(const tn_gguf *g, int64_t i, uint64_t j, uint64_t *len) {
    const tn__gguf_kv *kv = tn__kv_at(g, i);
    if (!kv || kv->type != TN_GGUF_ARRAY || kv->arr_type != TN_GGUF_STRING || j >= kv->n) return NULL;
    if (len) *len = tn__rd64(kv->raw + kv->str_off[j]);
    return (const char *)kv->raw + kv->str_off[j] + 8;
}
static tn_status tn__get_scalar(const tn_gguf *g, int64_t i, tn_gguf_type t, void *v) {
    const tn__gguf_kv *kv = tn__kv_at(g, i);
    if (!kv) return tn__fail(TN_ERR_ARG, "gguf: no key/value pair %lld", (long long)i);
    if (kv->type != t) return tn__fail(TN_ERR_TYPE, "gguf: '%s' is %s, not %s", kv->key, tn__gguf_tname[kv->type], tn__gguf_tname[t]);
    memcpy(v, kv->raw, tn__gguf_tsize[t]); /* little-endian hosts */
    return TN_OK;
}
TNDEF tn_status tn_gguf_get_u8(const tn_gguf *g, int64_t i, uint8_t *v) { return tn__get_scalar(g, i, TN_GGUF_UINT8, v); }
TNDEF tn_status tn_gguf_get_i8(const tn_gguf *g, int64_t i, int8_t *v) { return tn__get_scalar(g, i, TN_GGUF_INT8, v); }
TNDEF tn_status tn_gguf_get_u16(const tn_gguf *g, int64_t i, uint16_t *v) { return tn__get_scalar(g, i, TN_GGUF_UINT16, v); }
TNDEF tn_status tn_gguf_get_i16(const tn_gguf *g, int64_t i, int16_t *v) { return tn__get_scalar(g, i, TN_GGUF_INT16, v); }
TNDEF tn_status tn_gguf_get_u32(const tn_gguf *g, int64_t i, uint32_t *v) { return tn__get_scalar(g, i, TN_GGUF_UINT32, v); }
TNDEF tn_status tn_gguf_get_i32(const tn_gguf *g, int64_t i, int32_t *v) { return tn__get_scalar(g, i, TN_GGUF_INT32, v); }
TNDEF tn_status tn_gguf_get_f32(const tn_gguf *g, int64_t i, float *v) { return tn__get_scalar(g, i, TN_GGUF_FLOAT32, v); }
TNDEF tn_status tn_gguf_get_u64(const tn_gguf *g, int64_t i, uint64_t *v) { return tn__get_scalar(g, i, TN_GGUF_UINT64, v); }
TNDEF tn_status tn_gguf_get_i64(const tn_gguf *g, int64_t i, int64_t *v) { return tn__get_scalar(g, i, TN_GGUF_INT64, v); }
TNDEF tn_status tn_gguf_get_f64(const tn_gguf *g, int64_t i, double *v) { return tn__get_scalar(g, i, TN_GGUF_FLOAT64, v); }
TNDEF tn_status tn_gguf_get_bool(const tn_gguf *g, int64_t i, int *v) {
    uint8_t b = 0;
    tn_status st = tn__get_scalar(g, i, TN_GGUF_BOOL, &b);
    if (st == TN_OK) *v = b;
    return st;
}
TNDEF tn_status tn_gguf_get_str(const tn_gguf *g, int64_t i, const char **s, uint64_t *len) {
    const tn__gguf_kv *kv = tn__kv_at(g, i);
    if (!kv) return tn__fail(TN_ERR_ARG, "gguf: no key/value pair %lld", (long long)i);
    if (kv->type != TN_GGUF_STRING) return tn__fail(TN_ERR_TYPE, "gguf: '%s' is %s, not str", kv->key, tn__gguf_tname[kv->type]);
    if (len) *len = tn__rd64(kv->raw);
    *s = (const char *)kv->raw + 8;
    return TN_OK;
}

/* store a new value (raw already built, ownership taken) under key */
static tn_status tn__gguf_put(tn_gguf *g, const char *key, tn__gguf_kv *nkv) {
    int64_t i;
    if (!g || !key || !*key) { tn__gguf_kv_clear(nkv); return tn__fail(TN_ERR_ARG, "gguf: NULL gguf or empty key"); }
    if (strcmp(key, "general.alignment") == 0) { /* readers refuse anything else */
        uint32_t a = nkv->type == TN_GGUF_UINT32 ? tn__le32(nkv->raw) : 0;
        if (!tn__gguf_align_ok(a)) { tn__gguf_kv_clear(nkv); return tn__fail(TN_ERR_ARG, "gguf: general.alignment must be a u32 power of two from 8 to %u", (unsigned)TN_GGUF_MAX_ALIGN); }
    }
    i = tn_gguf_find_key(g, key);
    if (i < 0) {
        if (g->n_kv == g->cap_kv) {
            int64_t cap = g->cap_kv ? 2 * g->cap_kv : 16;
            tn__gguf_kv *n = (tn__gguf_kv *)TN_REALLOC(g->kv, sizeof(tn__gguf_kv) * (size_t)cap);
            if (!n) { tn__gguf_kv_clear(nkv); return tn__fail(TN_ERR_NOMEM, "gguf: out of memory"); }
            g->kv = n;
            g->cap_kv = cap;
        }
        i = g->n_kv++;
        memset(&g->kv[i], 0, sizeof(g->kv[i]));
        nkv->key = (char *)TN_MALLOC(strlen(key) + 1);
        if (!nkv->key) { g->n_kv--; tn__gguf_kv_clear(nkv); return tn__fail(TN_ERR_NOMEM, "gguf: out of memory"); }
        memcpy(nkv->key, key, strlen(key) + 1);
        g->kv[i] = *nkv;
        /* out of memory for the index: lookups fall back to a scan */
        if (tn__nidx_add(&g->kidx, &g->kcap, g, tn__gguf_key_at, g->n_kv) != TN_OK) tn__nidx_free(&g->kidx, &g->kcap);
        return TN_OK;
    }
    nkv->key = g->kv[i].key;
    g->kv[i].key = NULL;
    tn__gguf_kv_clear(&g->kv[i]);
    g->kv[i] = *nkv;
    return TN_OK;
}
static tn_status tn__set_scalar(tn_gguf *g, const char *key, tn_gguf_type t, const void *v) {
    tn__gguf_kv kv;
    memset(&kv, 0, sizeof(kv));
    kv.type = t;
    kv.raw_size = tn__gguf_tsize[t];
    kv.raw = (uint8_t *)TN_MALLOC(kv.raw_size);
    if (!kv.raw) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
    memcpy(kv.raw, v, kv.raw_size);
    return tn__gguf_put(g, key, &kv);
}
TNDEF tn_status tn_gguf_set_u8(tn_gguf *g, const char *key, uint8_t v) { return tn__set_scalar(g, key, TN_GGUF_UINT8, &v); }
TNDEF tn_status tn_gguf_set_i8(tn_gguf *g, const char *key, int8_t v) { return tn__set_scalar(g, key, TN_GGUF_INT8, &v); }
TNDEF tn_status tn_gguf_set_u16(tn_gguf *g, const char *key, uint16_t v) { return tn__set_scalar(g, key, TN_GGUF_UINT16, &v); }
TNDEF tn_status tn_gguf_set_i16(tn_gguf *g, const char *key, int16_t v) { return tn__set_scalar(g, key, TN_GGUF_INT16, &v); }
TNDEF tn_status tn_gguf_set_u32(tn_gguf *g, const char *key, uint32_t v) { return tn__set_scalar(g, key, TN_GGUF_UINT32, &v); }
TNDEF tn_status tn_gguf_set_i32(tn_gguf *g, const char *key, int32_t v) { return tn__set_scalar(g, key, TN_GGUF_INT32, &v); }
TNDEF tn_status tn_gguf_set_f32(tn_gguf *g, const char *key, float v) { return tn__set_scalar(g, key, TN_GGUF_FLOAT32, &v); }
TNDEF tn_status tn_gguf_set_u64(tn_gguf *g, const char *key, uint64_t v) { return tn__set_scalar(g, key, TN_GGUF_UINT64, &v); }
TNDEF tn_status tn_gguf_set_i64(tn_gguf *g, const char *key, int64_t v) { return tn__set_scalar(g, key, TN_GGUF_INT64, &v); }
TNDEF tn_status tn_gguf_set_f64(tn_gguf *g, const char *key, double v) { return tn__set_scalar(g, key, TN_GGUF_FLOAT64, &v); }
TNDEF tn_status tn_gguf_set_bool(tn_gguf *g, const char *key, int v) { uint8_t b = v ? 1 : 0; return tn__set_scalar(g, key, TN_GGUF_BOOL, &b); }
TNDEF tn_status tn_gguf_set_str(tn_gguf *g, const char *key, const char *str) {
    tn__gguf_kv kv;
    size_t n;
    if (!str) return tn__fail(TN_ERR_ARG, "tn_gguf_set_str: NULL string");
    n = strlen(str);
    memset(&kv, 0, sizeof(kv));
    kv.type = TN_GGUF_STRING;
    kv.raw_size = 8 + n;
    kv.raw = (uint8_t *)TN_MALLOC(kv.raw_size);
    if (!kv.raw) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
    tn__wr64(kv.raw, n);
    memcpy(kv.raw + 8, str, n);
    return tn__gguf_put(g, key, &kv);
}
TNDEF tn_status tn_gguf_set_arr(tn_gguf *g, const char *key, tn_gguf_type elem, const void *data, uint64_t n) {
    tn__gguf_kv kv;
    uint64_t j;
    if ((int)elem < 0 || elem >= TN_GGUF_TYPE_COUNT || elem == TN_GGUF_STRING || elem == TN_GGUF_ARRAY)
        return tn__fail(TN_ERR_TYPE, "tn_gguf_set_arr: element type %d is not numeric or bool (strings: tn_gguf_set_arr_str)", (int)elem);
    if (n > TN__GGUF_MAX_ARR || (n && !data)) return tn__fail(TN_ERR_ARG, "tn_gguf_set_arr: bad array");
    if (elem == TN_GGUF_BOOL) for (j = 0; j < n; j++) if (((const uint8_t *)data)[j] > 1) return tn__fail(TN_ERR_ARG, "tn_gguf_set_arr: bools must be 0 or 1");
    memset(&kv, 0, sizeof(kv));
    kv.type = TN_GGUF_ARRAY;
    kv.arr_type = elem;
    kv.n = n;
    kv.raw_size = (size_t)n * tn__gguf_tsize[elem];
    kv.raw = (uint8_t *)TN_MALLOC(kv.raw_size ? kv.raw_size : 1);
    if (!kv.raw) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
    if (n) memcpy(kv.raw, data, kv.raw_size);
    return tn__gguf_put(g, key, &kv);
}
TNDEF tn_status tn_gguf_set_arr_str(tn_gguf *g, const char *key, const char *const *strs, uint64_t n) {
    tn__gguf_kv kv;
    uint64_t j;
    size_t off = 0;
    if (n > TN__GGUF_MAX_ARR || (n && !strs)) return tn__fail(TN_ERR_ARG, "tn_gguf_set_arr_str: bad array");
    memset(&kv, 0, sizeof(kv));
    kv.type = TN_GGUF_ARRAY;
    kv.arr_type = TN_GGUF_STRING;
    kv.n = n;
    for (j = 0; j < n; j++) {
        if (!strs[j]) return tn__fail(TN_ERR_ARG, "tn_gguf_set_arr_str: string %llu is NULL", (unsigned long long)j);
        kv.raw_size += 8 + strlen(strs[j]);
    }
    kv.raw = (uint8_t *)TN_MALLOC(kv.raw_size ? kv.raw_size : 1);
    kv.str_off = (size_t *)TN_MALLOC(sizeof(size_t) * (size_t)(n ? n : 1));
    if (!kv.raw || !kv.str_off) { tn__gguf_kv_clear(&kv); return tn__fail(TN_ERR_NOMEM, "gguf: out of memory"); }
    for (j = 0; j < n; j++) {
        size_t len = strlen(strs[j]);
        kv.str_off[j] = off;
        tn__wr64(kv.raw + off, len);
        memcpy(kv.raw + off + 8, strs[j], len);
        off += 8 + len;
    }
    return tn__gguf_put(g, key, &kv);
}
TNDEF tn_status tn_gguf_copy_kv(tn_gguf *g, const tn_gguf *src, int64_t i) {
    const tn__gguf_kv *s = tn__kv_at(src, i);
    tn__gguf_kv kv;
    if (!s) return tn__fail(TN_ERR_ARG, "tn_gguf_copy_kv: no pair %lld", (long long)i);
    memset(&kv, 0, sizeof(kv));
    kv.type = s->type; kv.arr_type = s->arr_type; kv.n = s->n; kv.raw_size = s->raw_size;
    kv.raw = (uint8_t *)TN_MALLOC(s->raw_size ? s->raw_size : 1);
    if (s->str_off) kv.str_off = (size_t *)TN_MALLOC(sizeof(size_t) * (size_t)(s->n ? s->n : 1));
    if (!kv.raw || (s->str_off && !kv.str_off)) { tn__gguf_kv_clear(&kv); return tn__fail(TN_ERR_NOMEM, "gguf: out of memory"); }
    memcpy(kv.raw, s->raw, s->raw_size);
    if (s->str_off) memcpy(kv.str_off, s->str_off, sizeof(size_t) * (size_t)s->n);
    return tn__gguf_put(g, s->key, &kv);
}
TNDEF tn_status tn_gguf_remove_key(tn_gguf *g, const char *key) {
    int64_t i = tn_gguf_find_key(g, key);
    if (i < 0) return tn__fail(TN_ERR_ARG, "gguf: no key '%s'", key ? key : "(null)");
    tn__nidx_remove(g->kidx, g->kcap, g, tn__gguf_key_at, i);
    tn__gguf_kv_clear(&g->kv[i]);
    memmove(&g->kv[i], &g->kv[i + 1], sizeof(tn__gguf_kv) * (size_t)(g->n_kv - i - 1));
    g->n_kv--;
    return TN_OK;
}

/* -- tensors -- */

TNDEF int64_t tn_gguf_n_tensors(const tn_gguf *g) { return g ? g->n_ti : 0; }
TNDEF int64_t tn_gguf_find_tensor(const tn_gguf *g, const char *name) {
    int64_t i;
    if (!g || !name) return -1;
    if (g->tidx) return tn__nidx_find(g->tidx, g->tcap, g, tn__gguf_ti_at, name, strlen(name));
    for (i = 0; i < g->n_ti; i++) if (strcmp(g->ti[i].name, name) == 0) return i;
    return -1;
}
TNDEF tn_status tn_gguf_get_tensor(const tn_gguf *g, int64_t i, tn_gguf_tensor *out) {
    if (!g || !out || i < 0 || i >= g->n_ti) return tn__fail(TN_ERR_ARG, "tn_gguf_get_tensor: no tensor %lld", (long long)i);
    *out = g->ti[i];
    return TN_OK;
}
TNDEF tn_status tn_gguf_add_tensor(tn_gguf *g, const char *name, tn_type type, int n_dims, const int64_t *ne, const void *data) {
    tn_gguf_tensor t;
    tn_status st;
    int d;
    if (!g || !name || !ne || (!data)) return tn__fail(TN_ERR_ARG, "tn_gguf_add_tensor: NULL argument");
    if (strlen(name) >= TN_MAX_NAME) return tn__fail(TN_ERR_ARG, "tn_gguf_add_tensor: name '%s' is longer than 63 bytes", name);
    if (n_dims < 1 || n_dims > TN_MAX_DIMS) return tn__fail(TN_ERR_ARG, "tn_gguf_add_tensor: n_dims %d, want 1..4", n_dims);
    if ((int)type < 0 || (int)type >= TN_TYPE_COUNT) return tn__fail(TN_ERR_TYPE, "tn_gguf_add_tensor: '%s' has type %s, which GGUF cannot store", name, tn_type_name(type));
    if (tn_gguf_find_tensor(g, name) >= 0) return tn__fail(TN_ERR_ARG, "tn_gguf_add_tensor: a tensor is already named '%s'", name);
    memset(&t, 0, sizeof(t));
    memcpy(t.name, name, strlen(name));
    t.type = type;
    for (d = 0; d < TN_MAX_DIMS; d++) t.ne[d] = d < n_dims ? ne[d] : 1;
    /* as ggml: trailing dims of 1 are not written */
    t.n_dims = n_dims;
    while (t.n_dims > 1 && t.ne[t.n_dims - 1] == 1) t.n_dims--;
    if ((st = tn__tensor_nbytes(type, t.ne, &t.nbytes, name)) != TN_OK) return st;
    t.data = data;
    if (g->n_ti == g->cap_ti) {
        int64_t cap = g->cap_ti ? 2 * g->cap_ti : 16;
        tn_gguf_tensor *n = (tn_gguf_tensor *)TN_REALLOC(g->ti, sizeof(tn_gguf_tensor) * (size_t)cap);
        if (!n) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
        g->ti = n;
        g->cap_ti = cap;
    }
    g->ti[g->n_ti++] = t;
    if (tn__nidx_add(&g->tidx, &g->tcap, g, tn__gguf_ti_at, g->n_ti) != TN_OK) tn__nidx_free(&g->tidx, &g->tcap);
    return TN_OK;
}
TNDEF tn_status tn_gguf_add(tn_gguf *g, const tn_tensor *t, const char *name) {
    if (!t) return tn__fail(TN_ERR_ARG, "tn_gguf_add: NULL tensor");
    if (!tn_is_contiguous(t)) return tn__fail(TN_ERR_ARG, "tn_gguf_add: '%s' is not contiguous; use tn_cont", t->name);
    return tn_gguf_add_tensor(g, name ? name : t->name, t->type, t->n_dims, t->ne, t->data);
}
TNDEF tn_tensor *tn_gguf_load_tensor(tn_ctx *ctx, const tn_gguf *g, const char *name) {
    int64_t i = tn_gguf_find_tensor(g, name);
    tn_tensor *t;
    if (i < 0) { tn__fail(TN_ERR_ARG, "gguf: no tensor named '%s'", name ? name : "(null)"); return NULL; }
    t = tn_new(ctx, g->ti[i].type, g->ti[i].n_dims < 1 ? 1 : g->ti[i].n_dims, g->ti[i].ne);
    if (!t) return NULL;
    memcpy(t->data, g->ti[i].data, g->ti[i].nbytes);
    tn_set_name(t, g->ti[i].name);
    return t;
}


/* ==== @@IMPL:OPTIM  optimizers, schedules, metrics, CSV ==== */

TNDEF tn_optim_config tn_optim_config_default(tn_optim_kind kind) {
    tn_optim_config c;
    memset(&c, 0, sizeof(c));
    c.kind = kind;
    c.beta1 = 0.9f; c.beta2 = 0.999f; c.eps = 1e-8f;
    switch (kind) {
    case TN_OPTIM_SGD: c.lr = 1e-2f; break;
    case TN_OPTIM_ADAM: c.lr = 1e-3f; break;
    case TN_OPTIM_ADAMW: c.lr = 1e-3f; c.weight_decay = 0.01f; break;
    default: c.lr = 1e-4f; c.beta2 = 0.99f; break;
    }
    return c;
}

TNDEF tn_status tn_optim_init(tn_optim *o, tn_params *params, const tn_optim_config *cfg) {
    int need_v;
    if (!o || !params || !cfg) return tn__fail(TN_ERR_ARG, "tn_optim_init: NULL argument");
    if ((int)cfg->kind < 0 || cfg->kind > TN_OPTIM_LION) return tn__fail(TN_ERR_ARG, "tn_optim_init: unknown optimizer %d", (int)cfg->kind);
    memset(o, 0, sizeof(*o));
    o->cfg = *cfg;
    o->params = params;
    o->n = tn_params_count(params);
    need_v = cfg->kind == TN_OPTIM_ADAM || cfg->kind == TN_OPTIM_ADAMW;
    o->m = (float *)TN_MALLOC(sizeof(float) * (size_t)(o->n ? o->n : 1));
    if (need_v) o->v = (float *)TN_MALLOC(sizeof(float) * (size_t)(o->n ? o->n : 1));
    if (!o->m || (need_v && !o->v)) { tn_optim_deinit(o); return tn__fail(TN_ERR_NOMEM, "tn_optim_init: out of memory for %lld parameters", (long long)o->n); }
    tn_optim_reset(o);
    return TN_OK;
}
TNDEF void tn_optim_deinit(tn_optim *o) {
    if (!o) return;
    if (o->m) TN_FREE(o->m);
    if (o->v) TN_FREE(o->v);
    o->m = o->v = NULL;
}
TNDEF void tn_optim_reset(tn_optim *o) {
    if (!o) return;
    if (o->m) memset(o->m, 0, sizeof(float) * (size_t)o->n);
    if (o->v) memset(o->v, 0, sizeof(float) * (size_t)o->n);
    o->t = 0;
}

/* one Adam / AdamW step over n values; the SIMD paths do the same operations
   in the same order (no fused multiply-add), so every path gives these bits */
static void tn__adam_row_ref(const tn__adam_args *a, float *w, const float *g, float *m, float *v, int64_t n) {
    const float b1 = a->b1, b2 = a->b2, c1 = a->c1, c2 = a->c2, bc1 = a->bc1, bc2 = a->bc2, lr = a->lr, keep = a->keep, d = a->d;
    const int adamw = a->adamw;
    int64_t k = 0;
    for (; k < n; k++) {
        float gk = g[k];
        if (!adamw) gk += d * w[k];
        else w[k] *= keep;
        m[k] = b1 * m[k] + c1 * gk;
        v[k] = b2 * v[k] + c2 * gk * gk;
        w[k] -= lr * (m[k] / bc1) / (sqrtf(v[k] / bc2) + a->eps);
    }
}
TNDEF tn_status tn_optim_step(tn_optim *o, float lr, float wd) {
    const tn_optim_config *c;
    int64_t off = 0, i, k;
    float b1, b2, bc1, bc2;
    if (!o || !o->params || !o->m) return tn__fail(TN_ERR_ARG, "tn_optim_step: optimizer not initialized");
    if (tn_params_count(o->params) != o->n) return tn__fail(TN_ERR_SHAPE, "tn_optim_step: the parameter list changed since tn_optim_init");
    c = &o->cfg;
    if (lr < 0) lr = c->lr;
    if (wd < 0) wd = c->weight_decay;
    for (i = 0; i < o->params->n; i++) { /* a NaN or Inf gradient is reported, not trained on */
        const tn_tensor *t = o->params->items[i].t;
        const float *g = t->grad ? (const float *)t->grad->data : NULL;
        int64_t n = tn_nelements(t), bad = 0;
        double s = g ? tn__abssum(g, n) : 0.0;
        if (!(s - s == 0.0)) {
            tn__all_finite(g, n, &bad);
            return tn__fail(TN_ERR_ARG, "tn_optim_step: the gradient of '%s' is %s at [%lld] (a NaN or Inf in the inputs, the loss or a too large learning rate?); "
                            "nothing was updated", o->params->items[i].name, g[bad] != g[bad] ? "NaN" : "infinite", (long long)bad);
        }
    }
    o->t++;
    b1 = c->beta1; b2 = c->beta2;
    bc1 = 1.0f - tn__powf(b1, (float)o->t);
    bc2 = 1.0f - tn__powf(b2, (float)o->t);
    for (i = 0; i < o->params->n; i++) {
        tn_tensor *t = o->params->items[i].t;
        float *w = (float *)t->data, *m = o->m + off, *v = o->v ? o->v + off : NULL;
        const float *g = t->grad ? (const float *)t->grad->data : NULL;
        int64_t n = tn_nelements(t);
        float d = (o->params->items[i].no_decay && !c->decay_all) ? 0.0f : wd;
        off += n;
        if (!g) continue;
        switch (c->kind) {
        case TN_OPTIM_SGD:
            for (k = 0; k < n; k++) {
                float gk = g[k] + d * w[k];
                if (c->momentum != 0.0f) {
                    m[k] = o->t == 1 ? gk : c->momentum * m[k] + gk;
                    gk = c->nesterov ? gk + c->momentum * m[k] : m[k];
                }
                w[k] -= lr * gk;
            }
            break;
        case TN_OPTIM_ADAM:
        case TN_OPTIM_ADAMW: {
            const float keep = 1.0f - lr * d, c1 = 1.0f - b1, c2 = 1.0f - b2;
            const int adamw = c->kind == TN_OPTIM_ADAMW;
            tn__adam_args aa;
            aa.b1 = b1; aa.b2 = b2; aa.c1 = c1; aa.c2 = c2; aa.bc1 = bc1; aa.bc2 = bc2;
            aa.lr = lr; aa.eps = c->eps; aa.keep = keep; aa.d = d; aa.adamw = adamw;
            tn__kern()->adam_row(&aa, w, g, m, v, n);
            break;
        }
        default: /* Lion */
            for (k = 0; k < n; k++) {
                float u = b1 * m[k] + (1.0f - b1) * g[k];
                w[k] *= 1.0f - lr * d;
                w[k] -= lr * (u > 0.0f ? 1.0f : u < 0.0f ? -1.0f : 0.0f);
                m[k] = b2 * m[k] + (1.0f - b2) * g[k];
            }
            break;
        }
    }
    return TN_OK;
}

TNDEF double tn_clip_grad_norm(tn_params *p, double max_norm) {
    double ss = 0.0, norm;
    int i;
    int64_t k;
    if (!p) return 0.0;
    for (i = 0; i < p->n; i++) {
        tn_tensor *t = p->items[i].t;
        const float *g = t->grad ? (const float *)t->grad->data : NULL;
        if (g) for (k = 0; k < tn_nelements(t); k++) ss += (double)g[k] * g[k];
    }
    norm = sqrt(ss);
    if (max_norm > 0.0 && norm > max_norm) tn_params_scale_grad(p, (float)(max_norm / (norm + 1e-6)));
    return norm;
}
TNDEF void tn_params_scale_grad(tn_params *p, float s) {
    int i;
    int64_t k;
    if (!p) return;
    for (i = 0; i < p->n; i++) {
        tn_tensor *t = p->items[i].t;
        float *g = t->grad ? (float *)t->grad->data : NULL;
        if (g) for (k = 0; k < tn_nelements(t); k++) g[k] *= s;
    }
}

TNDEF tn_schedule tn_schedule_make(tn_sched_kind kind, float lr, int64_t warmup, int64_t total) {
    tn_schedule s;
    memset(&s, 0, sizeof(s));
    s.kind = kind; s.lr = lr; s.lr_min = 0.0f; s.warmup = warmup; s.total = total;
    s.split = 0.5f; s.stage1_end = 0.5f; s.lr2 = lr * 0.4f;
    return s;
}
TNDEF float tn_schedule_lr(const tn_schedule *s, int64_t step) {
    double p, lr;
    if (!s) return 0.0f;
    if (step < s->warmup && s->warmup > 0 && s->kind != TN_SCHED_CONSTANT) return s->lr * (float)(step + 1) / (float)s->warmup;
    if (s->kind == TN_SCHED_CONSTANT || s->total <= s->warmup) return s->lr;
    p = (double)(step - s->warmup) / (double)(s->total - s->warmup);
    if (p > 1.0) p = 1.0;
    switch (s->kind) {
    case TN_SCHED_LINEAR: lr = s->lr + (s->lr_min - s->lr) * p; break;
    case TN_SCHED_COSINE: lr = s->lr_min + 0.5 * (s->lr - s->lr_min) * (1.0 + tn__cos(3.141592653589793 * p)); break;
    default: {
        int64_t split = (int64_t)((double)s->split * (double)s->total);
        if (step < split) {
            double q = split > s->warmup ? (double)(step - s->warmup) / (double)(split - s->warmup) : 1.0;
            lr = s->lr * (1.0 + ((double)s->stage1_end - 1.0) * q);
        } else {
            double q = s->total > split ? (double)(step - split) / (double)(s->total - split) : 1.0;
            if (q > 1.0) q = 1.0;
            lr = s->lr2 + (s->lr_min - s->lr2) * q;
        }
    }
    }
    return (float)lr;
}
TNDEF float tn_schedule_wd(const tn_schedule *s, int64_t step, float wd) {
    if (s && s->kind == TN_SCHED_BITNET && step >= (int64_t)((double)s->split * (double)s->total)) return 0.0f;
    return wd;
}

TNDEF void tn_metrics_init(tn_metrics *m) { if (m) { memset(m, 0, sizeof(*m)); m->ema_alpha = 0.01; } }
TNDEF void tn_metrics_record(tn_metrics *m, float loss, float lr) {
    if (!m) return;
    m->steps++;
    m->ema_loss = m->steps == 1 ? loss : m->ema_loss * (1.0 - m->ema_alpha) + loss * m->ema_alpha;
    m->lr = lr;
    m->hist[m->hist_pos] = loss;
    m->hist_pos = (m->hist_pos + 1) % TN_METRICS_WINDOW;
    if (m->hist_n < TN_METRICS_WINDOW) m->hist_n++;
}
TNDEF float tn_metrics_loss_trend(const tn_metrics *m) {
    double recent = 0, older = 0;
    int i;
    if (!m || m->hist_n < 20) return 0.0f;
    for (i = 1; i <= 10; i++) recent += m->hist[(m->hist_pos - i + TN_METRICS_WINDOW) % TN_METRICS_WINDOW];
    for (i = 11; i <= 20; i++) older += m->hist[(m->hist_pos - i + TN_METRICS_WINDOW) % TN_METRICS_WINDOW];
    return (float)((recent - older) / 10.0);
}
TNDEF void tn_metrics_record_accuracy(tn_metrics *m, int64_t correct, int64_t total) { if (m) { m->correct += correct; m->seen += total; } }
TNDEF double tn_metrics_accuracy(const tn_metrics *m) { return m && m->seen ? (double)m->correct / (double)m->seen : 0.0; }
TNDEF void tn_metrics_record_gate(tn_metrics *m, int predicted_allow, int actual_allow) {
    if (!m) return;
    m->gate_total++;
    m->gate_aligned += (!predicted_allow) == (!actual_allow);
}
TNDEF double tn_metrics_gate_alignment(const tn_metrics *m) { return m && m->gate_total ? (double)m->gate_aligned / (double)m->gate_total : 0.0; }
TNDEF int tn_metrics_converged(const tn_metrics *m, int64_t min_decisions, double min_alignment) {
    return m && m->gate_total >= min_decisions && tn_metrics_gate_alignment(m) >= min_alignment;
}

TNDEF tn_status tn_csv_open(tn_csv *c, const char *path, const char *header, int append) {
    FILE *f;
    long pos;
    const char *h;
    if (!c || !path || !header) return tn__fail(TN_ERR_ARG, "tn_csv_open: NULL argument");
    memset(c, 0, sizeof(*c));
    f = fopen(path, append ? "ab" : "wb");
    if (!f) return tn__fail(TN_ERR_IO, "cannot open '%s' for writing", path);
    fseek(f, 0, SEEK_END);
    pos = ftell(f);
    if (pos <= 0) fprintf(f, "%s\n", header);
    c->n_cols = 1;
    for (h = header; *h; h++) c->n_cols += *h == ',';
    c->f = f;
    fflush(f);
    return TN_OK;
}
TNDEF tn_status tn_csv_row(tn_csv *c, const double *values, int n) {
    int i;
    if (!c || !c->f || !values) return tn__fail(TN_ERR_ARG, "tn_csv_row: log not open");
    if (n != c->n_cols) return tn__fail(TN_ERR_SHAPE, "tn_csv_row: %d values for %d columns", n, c->n_cols);
    for (i = 0; i < n; i++) fprintf((FILE *)c->f, i ? ",%.9g" : "%.9g", values[i]);
    fputc('\n', (FILE *)c->f);
    if (fflush((FILE *)c->f) != 0) return tn__fail(TN_ERR_IO, "tn_csv_row: write failed");
    return TN_OK;
}
TNDEF void tn_csv_close(tn_csv *c) { if (c && c->f) { fclose((FILE *)c->f); c->f = NULL; } }

/* ==== @@IMPL:DIST  data-parallel training ==== */
/* seconds on a monotonic clock, for the reduction's timing (0 in a strict C99 build without POSIX's clock_gettime) */
static double tn__now(void) {
#if defined(CLOCK_MONOTONIC)
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == 0) return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
#endif
    return 0.0;
}
static tn_status tn__comm_check(const tn_comm *c, const char *fn) {
    if (!c) return TN_OK;
    if (c->size < 1 || c->rank < 0 || c->rank >= c->size)
        return tn__fail(TN_ERR_ARG, "%s: rank %d of %d ranks: want 0 <= rank < size", fn, c->rank, c->size);
    if (c->size > 1 && (!c->send || !c->recv)) return tn__fail(TN_ERR_ARG, "%s: the communicator has no send / recv callback", fn);
    return TN_OK;
}
/* one transfer; on failure err gets a message naming both ranks */
static int tn__comm_xfer(const tn_comm *c, int to_peer, int peer, void *buf, size_t n, char *err, size_t errn) {
    int r = to_peer ? c->send(c->user, peer, buf, n) : c->recv(c->user, peer, buf, n);
    if (r != 0 && err)
        snprintf(err, errn, "rank %d: %s %zu bytes %s rank %d failed (code %d): has rank %d stopped? See its output.",
                 c->rank, to_peer ? "sending" : "receiving", n, to_peer ? "to" : "from", peer, r, peer);
    return r;
}
/* the transfers of the main thread: the message set by tn__fail */
static tn_status tn__comm_io(const tn_comm *c, const char *fn, int to_peer, int peer, void *buf, size_t n) {
    char err[200];
    if (tn__comm_xfer(c, to_peer, peer, buf, n, err, sizeof(err))) return tn__fail(TN_ERR_IO, "%s: %s", fn, err);
    return TN_OK;
}

TNDEF tn_status tn_comm_split(const tn_comm *c, int64_t n, int64_t *first, int64_t *count) {
    int64_t P, r, base, extra;
    if (!first || !count) return tn__fail(TN_ERR_ARG, "tn_comm_split: first or count is NULL");
    if (n < 0) return tn__fail(TN_ERR_ARG, "tn_comm_split: %lld micro-batches", (long long)n);
    if (tn__comm_check(c, "tn_comm_split")) return TN_ERR_ARG;
    P = c ? c->size : 1; r = c ? c->rank : 0;
    base = n / P; extra = n % P;
    *first = r * base + (r < extra ? r : extra);
    *count = base + (r < extra ? 1 : 0);
    return TN_OK;
}

/* rank `root` (0 or size-1) sends n bytes down the chain toward the other end */
static tn_status tn__comm_chain_bcast(const tn_comm *c, const char *fn, int from_last, void *buf, size_t n) {
    int prev = from_last ? c->rank + 1 : c->rank - 1, next = from_last ? c->rank - 1 : c->rank + 1;
    const size_t chunk = (size_t)1 << 20;
    size_t off;
    if (c->size < 2) return TN_OK;
    for (off = 0; off < n || (n == 0 && off == 0); off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        if (prev >= 0 && prev < c->size && tn__comm_io(c, fn, 0, prev, (uint8_t *)buf + off, k)) return TN_ERR_IO;
        if (next >= 0 && next < c->size && tn__comm_io(c, fn, 1, next, (uint8_t *)buf + off, k)) return TN_ERR_IO;
        if (n == 0) break;
    }
    return TN_OK;
}
TNDEF tn_status tn_comm_bcast(const tn_comm *c, void *buf, size_t n) {
    if (!c) return TN_OK;
    if (tn__comm_check(c, "tn_comm_bcast")) return TN_ERR_ARG;
    if (!buf && n) return tn__fail(TN_ERR_ARG, "tn_comm_bcast: buf is NULL");
    return tn__comm_chain_bcast(c, "tn_comm_bcast", 0, buf, n);
}
TNDEF tn_status tn_comm_sum_f64(const tn_comm *c, double *v, int n) {
    double tmp[64];
    int i, k, at;
    if (!c) return TN_OK;
    if (tn__comm_check(c, "tn_comm_sum_f64")) return TN_ERR_ARG;
    if (n < 0 || (!v && n)) return tn__fail(TN_ERR_ARG, "tn_comm_sum_f64: %d values at %p", n, (void *)v);
    if (c->size < 2) return TN_OK;
    for (at = 0; at < n; at += 64) { /* ((v0 + v1) + v2) ... in rank order, 64 values a message */
        k = n - at < 64 ? n - at : 64;
        if (c->rank > 0) {
            if (tn__comm_io(c, "tn_comm_sum_f64", 0, c->rank - 1, tmp, sizeof(double) * (size_t)k)) return TN_ERR_IO;
            for (i = 0; i < k; i++) v[at + i] = tmp[i] + v[at + i];
        }
        if (c->rank < c->size - 1 && tn__comm_io(c, "tn_comm_sum_f64", 1, c->rank + 1, v + at, sizeof(double) * (size_t)k)) return TN_ERR_IO;
    }
    return tn__comm_chain_bcast(c, "tn_comm_sum_f64", 1, v, sizeof(double) * (size_t)n);
}

TNDEF tn_status tn_comm_sync(const tn_comm *c, tn_params *p, tn_optim *o, tn_train_state *s) {
    uint64_t h = 1469598103934665603ull, h0;
    double bad;
    int i;
    if (!c) return TN_OK;
    if (tn__comm_check(c, "tn_comm_sync")) return TN_ERR_ARG;
    if (!p) return tn__fail(TN_ERR_ARG, "tn_comm_sync: params is NULL");
    if (o && o->params != p) return tn__fail(TN_ERR_ARG, "tn_comm_sync: the optimizer is not over these parameters");
    if (c->size < 2) return TN_OK;
    /* every rank must hold the same layout, or the copies would mean nothing */
    h = tn__fnv1a(h, (const uint8_t *)&p->n, sizeof(p->n));
    for (i = 0; i < p->n; i++) {
        const tn_tensor *t = p->items[i].t;
        h = tn__fnv1a(h, (const uint8_t *)p->items[i].name, strlen(p->items[i].name));
        h = tn__fnv1a(h, (const uint8_t *)t->ne, sizeof(t->ne));
        h = tn__fnv1a(h, (const uint8_t *)&t->type, sizeof(t->type));
    }
    { int flags[2]; flags[0] = o != NULL; flags[1] = s != NULL; h = tn__fnv1a(h, (const uint8_t *)flags, sizeof(flags)); }
    if (o) { h = tn__fnv1a(h, (const uint8_t *)&o->cfg.kind, sizeof(o->cfg.kind)); h = tn__fnv1a(h, (const uint8_t *)&o->n, sizeof(o->n)); }
    h0 = h;
    if (tn_comm_bcast(c, &h0, sizeof(h0))) return TN_ERR_IO;
    bad = h0 != h ? 1.0 : 0.0;
    if (tn_comm_sum_f64(c, &bad, 1)) return TN_ERR_IO;
    if (bad > 0)
        return tn__fail(TN_ERR_SHAPE, "tn_comm_sync: %d rank(s) hold parameters (names, shapes, optimizer) other than rank 0's%s: "
                        "give every rank the same model", (int)bad, h0 != h ? ", this one among them" : "");
    for (i = 0; i < p->n; i++) {
        tn_tensor *t = p->items[i].t;
        if (!tn_is_contiguous(t)) return tn__fail(TN_ERR_ARG, "tn_comm_sync: parameter %s is not contiguous", p->items[i].name);
        if (tn_comm_bcast(c, t->data, tn_nbytes(t))) return TN_ERR_IO;
    }
    if (o) {
        if (o->m && tn_comm_bcast(c, o->m, sizeof(float) * (size_t)o->n)) return TN_ERR_IO;
        if (o->v && tn_comm_bcast(c, o->v, sizeof(float) * (size_t)o->n)) return TN_ERR_IO;
        if (tn_comm_bcast(c, &o->t, sizeof(o->t))) return TN_ERR_IO;
    }
    if (s && tn_comm_bcast(c, s, sizeof(*s))) return TN_ERR_IO;
    return TN_OK;
}

TNDEF int tn_comm_launcher_size(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS"};
    size_t i;
    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            long k = strtol(v, NULL, 10);
            if (k > 0 && k < 1 << 24) return (int)k;
        }
    }
    return 0;
}

/* -- the accumulator -- */
typedef struct tn__accum_map { uintptr_t t; int64_t i; } tn__accum_map;
typedef struct tn__accum {
    int64_t np;
    tn_tensor **ord;          /* parameters in reduction order: the newest registered (the last layers) first */
    int64_t *off;             /* flat offset of ord[i]; off[np] = n */
    tn__accum_map *map;       /* tensor -> ord index, sorted by address */
    float *sum;               /* rank 0 (or one process): the fold of its micro-batches so far */
    float *slots;             /* ranks > 0: each micro-batch's gradients, flat, in order */
    int64_t cap_slots;
    double *losses;           /* each micro-batch's loss, in order */
    int64_t cap_losses;
    float *buf;               /* one bucket */
    int64_t bucket;           /* floats per bucket */
    size_t bucket_req;        /* the bucket_bytes it was made for */
    unsigned char *done;      /* ord[i] complete in the running backward */
    int64_t ready_i, ready;   /* ord[0..ready_i) complete: flat [0, ready) */
    char err[240];
#ifndef TERNARY_NO_THREADS
    int have_thread, job, quit, busy, use_grad;
    tn_status job_st;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
#endif
} tn__accum;

/* dst[0..hi-lo) <- (add ? dst + grad : grad) over flat [lo, hi), or grad <- dst (store) */
enum { TN__SPAN_COPY, TN__SPAN_ADD, TN__SPAN_STORE };
static void tn__accum_span(const tn__accum *z, int64_t lo, int64_t hi, float *dst, int mode) {
    int64_t lo_i = 0, hi_i = z->np, i;
    while (hi_i - lo_i > 1) { /* the parameter holding lo */
        int64_t mid = (lo_i + hi_i) / 2;
        if (z->off[mid] <= lo) lo_i = mid; else hi_i = mid;
    }
    for (i = lo_i; i < z->np && z->off[i] < hi; i++) {
        int64_t a = lo > z->off[i] ? lo : z->off[i], b = hi < z->off[i + 1] ? hi : z->off[i + 1], k;
        float *g = (float *)z->ord[i]->grad->data + (a - z->off[i]), *d = dst + (a - lo);
        if (mode == TN__SPAN_COPY) memcpy(d, g, sizeof(float) * (size_t)(b - a));
        else if (mode == TN__SPAN_ADD) for (k = 0; k < b - a; k++) d[k] = d[k] + g[k];
        else memcpy(g, d, sizeof(float) * (size_t)(b - a));
    }
}

/* the micro-batches this rank keeps, then (use_grad) the one in .grad, folded into
   S over flat [lo, hi): S already holds the fold of the ranks before if have_in */
static int tn__accum_fold(const tn_grad_accum *a, int64_t lo, int64_t hi, float *S, int have_in, int use_grad) {
    const tn__accum *z = (const tn__accum *)a->impl;
    int64_t m = hi - lo, j, k;
    int have = have_in;
    int first_rank = !a->comm || a->comm->rank == 0;
    if (first_rank) { /* rank 0 starts the chain: its own micro-batches are folded already */
        if (a->count > 0) { memcpy(S, z->sum + lo, sizeof(float) * (size_t)m); have = 1; }
    } else {
        for (j = 0; j < a->count; j++) {
            const float *x = z->slots + j * a->n + lo;
            if (!have) { memcpy(S, x, sizeof(float) * (size_t)m); have = 1; }
            else for (k = 0; k < m; k++) S[k] = S[k] + x[k];
        }
    }
    if (use_grad) { tn__accum_span(z, lo, hi, S, have ? TN__SPAN_ADD : TN__SPAN_COPY); have = 1; }
    return have;
}

/* wait until flat [0, hi) is complete in the running backward */
static void tn__accum_wait_ready(tn__accum *z, int64_t hi) {
#ifndef TERNARY_NO_THREADS
    if (z->have_thread) {
        pthread_mutex_lock(&z->mu);
        while (z->ready < hi) pthread_cond_wait(&z->cv, &z->mu);
        pthread_mutex_unlock(&z->mu);
    }
#else
    (void)z; (void)hi;
#endif
}

/* the whole reduction, from the header to the last bucket of the result; 0 or -1 (z->err says why) */
static int tn__accum_protocol(tn_grad_accum *a, int use_grad) {
    tn__accum *z = (tn__accum *)a->impl;
    const tn_comm *c = a->comm;
    int P = c ? c->size : 1, r = c ? c->rank : 0;
    int64_t lo, before, N;
    int64_t local = a->count + (use_grad ? 1 : 0), j;
    double hdr[2], loss; /* micro-batches and losses so far (exact in double up to 2^53) */
    float inv;
    /* header: the micro-batch count and the loss fold, in the global order */
    hdr[0] = 0; hdr[1] = 0;
    if (r > 0 && tn__comm_xfer(c, 0, r - 1, hdr, sizeof(hdr), z->err, sizeof(z->err))) return -1;
    before = (int64_t)hdr[0];
    loss = hdr[1];
    for (j = 0; j < local; j++) loss = before + j == 0 ? z->losses[j] : loss + z->losses[j];
    hdr[0] = (double)(before + local); hdr[1] = loss;
    if (r < P - 1 && tn__comm_xfer(c, 1, r + 1, hdr, sizeof(hdr), z->err, sizeof(z->err))) return -1;
    N = (int64_t)hdr[0];
    inv = N > 0 ? (float)(1.0 / (double)N) : 1.0f;
    if (P == 1 && a->count == 0 && use_grad) { /* one micro-batch on one process (N = 1): .grad is the sum and the mean already */
        a->total = N; a->loss = loss;
        return 0;
    }
    /* the fold, bucket by bucket, toward the last rank */
    for (lo = 0; lo < a->n; lo += z->bucket) {
        int64_t hi = lo + z->bucket < a->n ? lo + z->bucket : a->n, k;
        size_t nb = sizeof(float) * (size_t)(hi - lo);
        if (r > 0 && tn__comm_xfer(c, 0, r - 1, z->buf, nb, z->err, sizeof(z->err))) return -1;
        if (use_grad) tn__accum_wait_ready(z, hi);
        if (!tn__accum_fold(a, lo, hi, z->buf, before > 0, use_grad)) memset(z->buf, 0, nb);
        if (r < P - 1) {
            if (tn__comm_xfer(c, 1, r + 1, z->buf, nb, z->err, sizeof(z->err))) return -1;
        } else {
            if (a->mean) for (k = 0; k < hi - lo; k++) z->buf[k] = z->buf[k] * inv;
            tn__accum_span(z, lo, hi, z->buf, TN__SPAN_STORE);
        }
    }
    /* the result, from the last rank back down the chain */
    if (P > 1) {
        if (r < P - 1 && tn__comm_xfer(c, 0, r + 1, hdr, sizeof(hdr), z->err, sizeof(z->err))) return -1;
        if (r > 0 && tn__comm_xfer(c, 1, r - 1, hdr, sizeof(hdr), z->err, sizeof(z->err))) return -1;
        for (lo = 0; lo < a->n; lo += z->bucket) {
            int64_t hi = lo + z->bucket < a->n ? lo + z->bucket : a->n;
            size_t nb = sizeof(float) * (size_t)(hi - lo);
            if (r == P - 1) tn__accum_span(z, lo, hi, z->buf, TN__SPAN_COPY);
            else if (tn__comm_xfer(c, 0, r + 1, z->buf, nb, z->err, sizeof(z->err))) return -1;
            if (r > 0 && tn__comm_xfer(c, 1, r - 1, z->buf, nb, z->err, sizeof(z->err))) return -1;
            if (r < P - 1) tn__accum_span(z, lo, hi, z->buf, TN__SPAN_STORE);
        }
    }
    a->total = (int64_t)hdr[0];
    a->loss = a->total > 0 ? hdr[1] / (double)a->total : 0.0;
    return 0;
}

#ifndef TERNARY_NO_THREADS
static void *tn__accum_thread(void *arg) {
    tn_grad_accum *a = (tn_grad_accum *)arg;
    tn__accum *z = (tn__accum *)a->impl;
    pthread_mutex_lock(&z->mu);
    for (;;) {
        int use_grad;
        while (!z->job && !z->quit) pthread_cond_wait(&z->cv, &z->mu);
        if (z->quit) break;
        z->job = 0;
        use_grad = z->use_grad;
        pthread_mutex_unlock(&z->mu);
        z->job_st = tn__accum_protocol(a, use_grad) ? TN_ERR_IO : TN_OK;
        pthread_mutex_lock(&z->mu);
        z->busy = 0;
        pthread_cond_broadcast(&z->cv);
    }
    pthread_mutex_unlock(&z->mu);
    return NULL;
}
#endif

static int tn__accum_map_cmp(const void *x, const void *y) {
    uintptr_t a = ((const tn__accum_map *)x)->t, b = ((const tn__accum_map *)y)->t;
    return a < b ? -1 : a > b;
}
static void tn__accum_free(tn__accum *z) {
    if (!z) return;
    TN_FREE(z->ord); TN_FREE(z->off); TN_FREE(z->map); TN_FREE(z->done);
    if (z->sum) TN_FREE(z->sum);
    if (z->slots) TN_FREE(z->slots);
    if (z->losses) TN_FREE(z->losses);
    if (z->buf) TN_FREE(z->buf);
    TN_FREE(z);
}
TNDEF tn_status tn_grad_accum_init(tn_grad_accum *a, tn_params *p, const tn_comm *c, int mean) {
    tn__accum *z;
    int64_t i, n = 0;
    if (!a) return tn__fail(TN_ERR_ARG, "tn_grad_accum_init: the accumulator is NULL");
    memset(a, 0, sizeof(*a));
    if (!p) return tn__fail(TN_ERR_ARG, "tn_grad_accum_init: params is NULL");
    if (tn__comm_check(c, "tn_grad_accum_init")) return TN_ERR_ARG;
    if (p->n < 1) return tn__fail(TN_ERR_ARG, "tn_grad_accum_init: no parameters");
    for (i = 0; i < p->n; i++) {
        const tn_tensor *t = p->items[i].t;
        if (!t->grad || t->type != TN_TYPE_F32 || !tn_is_contiguous(t->grad) || tn_nelements(t->grad) != tn_nelements(t))
            return tn__fail(TN_ERR_ARG, "tn_grad_accum_init: parameter %s has no contiguous f32 gradient (tn_set_param)", p->items[i].name);
        if (n > INT64_MAX / 8 - tn_nelements(t)) return tn__fail(TN_ERR_ARG, "tn_grad_accum_init: too many parameter values");
        n += tn_nelements(t);
    }
    if ((uint64_t)n > (uint64_t)((size_t)-1 / sizeof(float) / 4)) return tn__fail(TN_ERR_NOMEM, "tn_grad_accum_init: %lld values do not fit in memory", (long long)n);
    z = (tn__accum *)TN_MALLOC(sizeof(*z));
    if (!z) return tn__fail(TN_ERR_NOMEM, "tn_grad_accum_init: out of memory");
    memset(z, 0, sizeof(*z));
    z->np = p->n;
    z->ord = (tn_tensor **)TN_MALLOC(sizeof(tn_tensor *) * (size_t)p->n);
    z->off = (int64_t *)TN_MALLOC(sizeof(int64_t) * (size_t)(p->n + 1));
    z->map = (tn__accum_map *)TN_MALLOC(sizeof(tn__accum_map) * (size_t)p->n);
    z->done = (unsigned char *)TN_MALLOC((size_t)p->n);
    if (!z->ord || !z->off || !z->map || !z->done) { tn__accum_free(z); return tn__fail(TN_ERR_NOMEM, "tn_grad_accum_init: out of memory"); }
    for (i = 0; i < p->n; i++) {
        z->ord[i] = p->items[p->n - 1 - i].t;
        z->off[i] = i ? z->off[i - 1] + tn_nelements(z->ord[i - 1]) : 0;
        z->map[i].t = (uintptr_t)z->ord[i];
        z->map[i].i = i;
    }
    z->off[p->n] = n;
    qsort(z->map, (size_t)p->n, sizeof(tn__accum_map), tn__accum_map_cmp);
    a->params = p; a->comm = c; a->mean = mean ? 1 : 0; a->n = n;
    a->bucket_bytes = (size_t)1 << 18;
    a->impl = z;
#ifndef TERNARY_NO_THREADS
    if (c && c->size > 1 && c->threaded) {
        if (pthread_mutex_init(&z->mu, NULL) == 0) {
            if (pthread_cond_init(&z->cv, NULL) == 0) {
                z->busy = 0;
                if (pthread_create(&z->th, NULL, tn__accum_thread, a) == 0) z->have_thread = 1;
                else pthread_cond_destroy(&z->cv);
            }
            if (!z->have_thread) pthread_mutex_destroy(&z->mu);
        }
        /* no thread: the reduction runs after the backward, not beside it */
    }
#endif
    return TN_OK;
}
TNDEF void tn_grad_accum_deinit(tn_grad_accum *a) {
    tn__accum *z;
    if (!a || !a->impl) return;
    z = (tn__accum *)a->impl;
#ifndef TERNARY_NO_THREADS
    if (z->have_thread) {
        pthread_mutex_lock(&z->mu);
        z->quit = 1;
        pthread_cond_broadcast(&z->cv);
        pthread_mutex_unlock(&z->mu);
        pthread_join(z->th, NULL);
        pthread_cond_destroy(&z->cv);
        pthread_mutex_destroy(&z->mu);
    }
#endif
    tn__accum_free(z);
    memset(a, 0, sizeof(*a));
}

/* buffers for one more micro-batch (grown, never shrunk: no allocation once warm) */
static tn_status tn__accum_reserve(tn_grad_accum *a, const char *fn, int keep_grad) {
    tn__accum *z = (tn__accum *)a->impl;
    int64_t need = a->count + 1;
    int first_rank = !a->comm || a->comm->rank == 0;
    if (need > z->cap_losses) {
        int64_t cap = need * 2;
        double *l = (double *)TN_REALLOC(z->losses, sizeof(double) * (size_t)cap);
        if (!l) return tn__fail(TN_ERR_NOMEM, "%s: out of memory", fn);
        z->losses = l; z->cap_losses = cap;
    }
    if (!z->buf || z->bucket_req != a->bucket_bytes) { /* (bucket_bytes changed: the buffer follows) */
        int64_t b = (int64_t)(a->bucket_bytes / sizeof(float) < (size_t)a->n ? a->bucket_bytes / sizeof(float) : (size_t)a->n);
        float *nb;
        if (b < 256) b = 256 < a->n ? 256 : a->n;
        nb = (float *)TN_REALLOC(z->buf, sizeof(float) * (size_t)b);
        if (!nb) return tn__fail(TN_ERR_NOMEM, "%s: out of memory", fn);
        z->buf = nb; z->bucket = b; z->bucket_req = a->bucket_bytes;
    }
    if (!keep_grad) return TN_OK;
    if (first_rank) {
        if (!z->sum) {
            z->sum = (float *)TN_MALLOC(sizeof(float) * (size_t)a->n);
            if (!z->sum) return tn__fail(TN_ERR_NOMEM, "%s: out of memory for a copy of the gradients", fn);
        }
    } else if (need > z->cap_slots) {
        float *s;
        if ((uint64_t)need > (uint64_t)((size_t)-1 / sizeof(float)) / (uint64_t)a->n)
            return tn__fail(TN_ERR_NOMEM, "%s: %lld micro-batches of %lld gradients do not fit in memory", fn, (long long)need, (long long)a->n);
        s = (float *)TN_REALLOC(z->slots, sizeof(float) * (size_t)need * (size_t)a->n);
        if (!s) return tn__fail(TN_ERR_NOMEM, "%s: out of memory for %lld copies of the gradients", fn, (long long)need);
        z->slots = s; z->cap_slots = need;
    }
    return TN_OK;
}
/* keep the micro-batch in .grad */
static void tn__accum_keep(tn_grad_accum *a, float loss) {
    tn__accum *z = (tn__accum *)a->impl;
    int first_rank = !a->comm || a->comm->rank == 0;
    if (first_rank) tn__accum_span(z, 0, a->n, z->sum, a->count ? TN__SPAN_ADD : TN__SPAN_COPY);
    else tn__accum_span(z, 0, a->n, z->slots + a->count * a->n, TN__SPAN_COPY);
    z->losses[a->count] = loss;
    a->count++;
}
TNDEF tn_status tn_grad_accum_add(tn_grad_accum *a, float loss) {
    if (!a || !a->impl) return tn__fail(TN_ERR_ARG, "tn_grad_accum_add: the accumulator is NULL or not initialized");
    if (tn__accum_reserve(a, "tn_grad_accum_add", 1)) return TN_ERR_NOMEM;
    tn__accum_keep(a, loss);
    return TN_OK;
}
static tn_status tn__accum_finish(tn_grad_accum *a, const char *fn, int bad) {
    a->count = 0;
    if (bad) return TN_ERR_IO;
    if (a->total == 0) return tn__fail(TN_ERR_ARG, "%s: no micro-batch on any rank", fn);
    return TN_OK;
}
TNDEF tn_status tn_grad_accum_reduce(tn_grad_accum *a) {
    tn__accum *z;
    if (!a || !a->impl) return tn__fail(TN_ERR_ARG, "tn_grad_accum_reduce: the accumulator is NULL or not initialized");
    z = (tn__accum *)a->impl;
    if (tn__accum_reserve(a, "tn_grad_accum_reduce", 0)) return TN_ERR_NOMEM;
    {
        double t0 = tn__now();
        int bad = tn__accum_protocol(a, 0);
        a->comm_seconds = tn__now() - t0;
        if (bad) { tn__fail(TN_ERR_IO, "tn_grad_accum_reduce: %s", z->err); a->count = 0; return TN_ERR_IO; }
    }
    return tn__accum_finish(a, "tn_grad_accum_reduce", 0);
}

#ifndef TERNARY_NO_THREADS
/* tn_backward_ex's report: the prefix of complete parameters grows, the helper thread may go on */
static void tn__accum_done(tn_tensor *param, void *user) {
    tn__accum *z = (tn__accum *)user;
    tn__accum_map key, *hit;
    key.t = (uintptr_t)param; key.i = 0;
    hit = (tn__accum_map *)bsearch(&key, z->map, (size_t)z->np, sizeof(key), tn__accum_map_cmp);
    if (!hit) return; /* a parameter of the graph outside this set */
    z->done[hit->i] = 1;
    if (z->ready_i < z->np && z->done[z->ready_i]) {
        while (z->ready_i < z->np && z->done[z->ready_i]) z->ready_i++;
        pthread_mutex_lock(&z->mu);
        z->ready = z->off[z->ready_i];
        pthread_cond_broadcast(&z->cv);
        pthread_mutex_unlock(&z->mu);
    }
}
#endif
TNDEF tn_status tn_grad_accum_backward(tn_grad_accum *a, tn_ctx *ctx, tn_tensor *loss, int last) {
    static const char *fn = "tn_grad_accum_backward";
    tn__accum *z;
    tn_status st;
    float lv;
    if (!a || !a->impl) return tn__fail(TN_ERR_ARG, "%s: the accumulator is NULL or not initialized", fn);
    if (!ctx || !loss) return tn__fail(TN_ERR_ARG, "%s: NULL %s (did an op above fail? see tn_last_error)", fn, ctx ? "loss" : "ctx");
    if (tn_nelements(loss) != 1 || loss->type != TN_TYPE_F32) return tn__fail(TN_ERR_SHAPE, "%s: the loss must be one f32 value", fn);
    z = (tn__accum *)a->impl;
    if (tn__accum_reserve(a, fn, !last)) return TN_ERR_NOMEM;
    lv = ((const float *)loss->data)[0];
    tn_params_zero_grad(a->params);
    if (!last) {
        if ((st = tn_backward(ctx, loss)) != TN_OK) return st;
        tn__accum_keep(a, lv);
        return TN_OK;
    }
    z->losses[a->count] = lv; /* the micro-batch in .grad is folded by the reduction itself */
#ifndef TERNARY_NO_THREADS
    if (z->have_thread) {
        double t0;
        int bad;
        memset(z->done, 0, (size_t)z->np);
        z->ready_i = 0;
        pthread_mutex_lock(&z->mu);
        z->ready = 0; z->use_grad = 1; z->job = 1; z->busy = 1;
        pthread_cond_broadcast(&z->cv);
        pthread_mutex_unlock(&z->mu);
        st = tn_backward_ex(ctx, loss, tn__accum_done, z);
        t0 = tn__now();
        pthread_mutex_lock(&z->mu);
        /* every gradient is final now (those the loss does not reach stay zero); on an error the
           reduction still runs to its end with what is there, so that no other rank waits for us */
        z->ready = a->n;
        pthread_cond_broadcast(&z->cv);
        while (z->busy) pthread_cond_wait(&z->cv, &z->mu);
        pthread_mutex_unlock(&z->mu);
        a->comm_seconds = tn__now() - t0;
        bad = z->job_st != TN_OK;
        if (bad) { tn__fail(TN_ERR_IO, "%s: %s", fn, z->err); a->count = 0; return TN_ERR_IO; }
        if (st != TN_OK) { a->count = 0; return st; }
        return tn__accum_finish(a, fn, 0);
    }
#endif
    st = tn_backward(ctx, loss);
    {
        double t0 = tn__now();
        int bad = tn__accum_protocol(a, 1); /* runs even after a failed backward: the other ranks wait for it */
        a->comm_seconds = tn__now() - t0;
        if (bad) { tn__fail(TN_ERR_IO, "%s: %s", fn, z->err); a->count = 0; return TN_ERR_IO; }
    }
    if (st != TN_OK) { a->count = 0; return st; }
    return tn__accum_finish(a, fn, 0);
}

#ifdef TERNARY_MPI
#include <mpi.h>
#include <sched.h>
/* wait for a request, giving the core away while it is pending: MPI's own blocking
   calls poll without a pause, which on the reduction's helper thread would take
   half of a core the backward needs */
static int tn__mpi_wait(MPI_Request *rq, MPI_Status *st) {
    unsigned spins = 0;
    for (;;) {
        int done = 0, r = MPI_Test(rq, &done, st);
        if (r != MPI_SUCCESS) return r;
        if (done) return 0;
        if (++spins > 32) sched_yield();
    }
}
static int tn__mpi_send(void *user, int peer, const void *buf, size_t n) {
    const size_t chunk = (size_t)1 << 30;
    size_t off = 0;
    (void)user;
    do {
        size_t k = n - off < chunk ? n - off : chunk;
        MPI_Request rq;
        MPI_Status s;
        int r = MPI_Isend((void *)((const char *)buf + off), (int)k, MPI_BYTE, peer, 7301, MPI_COMM_WORLD, &rq);
        if (r != MPI_SUCCESS || (r = tn__mpi_wait(&rq, &s)) != 0) return r;
        off += k;
    } while (off < n);
    return 0;
}
static int tn__mpi_recv(void *user, int peer, void *buf, size_t n) {
    const size_t chunk = (size_t)1 << 30;
    size_t off = 0;
    (void)user;
    do {
        size_t k = n - off < chunk ? n - off : chunk;
        MPI_Request rq;
        MPI_Status s;
        int got = 0, r = MPI_Irecv((char *)buf + off, (int)k, MPI_BYTE, peer, 7301, MPI_COMM_WORLD, &rq);
        if (r != MPI_SUCCESS || (r = tn__mpi_wait(&rq, &s)) != 0) return r;
        if (MPI_Get_count(&s, MPI_BYTE, &got) != MPI_SUCCESS || got != (int)k) return -1; /* a peer out of step */
        off += k;
    } while (off < n);
    return 0;
}
TNDEF tn_status tn_comm_mpi_init(tn_comm *c, int *argc, char ***argv) {
    int inited = 0, provided = 0, rank = 0, size = 1;
    if (!c) return tn__fail(TN_ERR_ARG, "tn_comm_mpi_init: c is NULL");
    memset(c, 0, sizeof(*c));
    if (MPI_Initialized(&inited) != MPI_SUCCESS) return tn__fail(TN_ERR_IO, "tn_comm_mpi_init: MPI_Initialized failed");
    if (!inited) {
        if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
            return tn__fail(TN_ERR_IO, "tn_comm_mpi_init: MPI_Init_thread failed (is this started by mpirun?)");
    } else if (MPI_Query_thread(&provided) != MPI_SUCCESS) provided = MPI_THREAD_SINGLE;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (MPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS || MPI_Comm_size(MPI_COMM_WORLD, &size) != MPI_SUCCESS)
        return tn__fail(TN_ERR_IO, "tn_comm_mpi_init: MPI_Comm_rank / MPI_Comm_size failed");
    c->rank = rank; c->size = size;
    c->send = tn__mpi_send; c->recv = tn__mpi_recv;
    c->user = NULL; /* MPI_COMM_WORLD needs no state of its own */
    c->threaded = provided >= MPI_THREAD_SERIALIZED; /* the helper thread calls MPI while the main thread does not */
    return TN_OK;
}
TNDEF void tn_comm_mpi_finalize(tn_comm *c) {
    int fin = 0;
    if (c) memset(c, 0, sizeof(*c));
    if (MPI_Finalized(&fin) == MPI_SUCCESS && !fin) MPI_Finalize();
}
#endif

/* ==== @@IMPL:IO  checkpoints ==== */

/* checksum of an image with the 8 bytes at `hole` taken as zero */
static uint64_t tn__image_checksum(const uint8_t *p, size_t n, size_t hole) {
    static const uint8_t z[8] = {0};
    uint64_t h = 0xcbf29ce484222325ull;
    h = tn__fnv1a(h, p, hole);
    h = tn__fnv1a(h, z, 8);
    return tn__fnv1a(h, p + hole + 8, n - hole - 8);
}
#define TN__CK_KEY "ternary.checkpoint.checksum"
#define TN__CK_ARCH "ternary-checkpoint"
#define TN__CK_VERSION 2u
#define TN__CK_NO_PARAMS 0x100u /* internal flag: the optimizer's state alone */
/* the name of part k (0 the weights, 1 and 2 the optimizer's moments) of entry j,
   parameter name pn: version 1 "p.J", "m.J", "v.J"; version 2 as the header says */
static void tn__ck_tname(char *buf, size_t n, uint32_t version, int32_t kind, const char *pn, size_t pn_len, int64_t j, int k) {
    static const char *const pre[3] = {"p", "m", "v"};
    const char *suf = kind == TN_OPTIM_SGD ? ".momentum" : kind == TN_OPTIM_LION ? ".lion_m" : k == 1 ? ".adam_m" : ".adam_v";
    if (version < 2) { snprintf(buf, n, "%s.%lld", pre[k], (long long)j); return; }
    if (k == 0) snprintf(buf, n, "%.*s", (int)pn_len, pn);
    else if (pn_len + strlen(suf) < TN_MAX_NAME) snprintf(buf, n, "%.*s%s", (int)pn_len, pn, suf);
    else snprintf(buf, n, "#%lld%s", (long long)j, suf);
}

static tn_status tn__emit_buffer(tn__sink *s, const void *ctx) {
    const tn__sink *src = (const tn__sink *)ctx;
    tn__sink_put(s, src->buf, src->size);
    return s->st;
}

/* TN_OK if every part of every parameter is finite, else `code` and a message
   naming the first value that is not. part(ctx, i, k, off) gives parameter i's
   weights (k = 0) or optimizer moments (k = 1, 2), or NULL if it has none; off
   is the parameter's first element in the flat moment arrays. */
typedef const float *(*tn__ck_part_fn)(const void *ctx, int i, int k, int64_t off);
static tn_status tn__ck_finite(tn_status code, const char *what, const tn_params *p, tn__ck_part_fn part, const void *ctx) {
    static const char *const nm[3] = {"", " (optimizer first moment)", " (optimizer second moment)"};
    int64_t off = 0, bad;
    int i, k;
    for (i = 0; i < p->n; i++) {
        int64_t n = tn_nelements(p->items[i].t);
        for (k = 0; k < 3; k++) {
            const float *x = part(ctx, i, k, off);
            if (x && !tn__all_finite(x, n, &bad))
                return tn__fail(code, "%s: parameter '%s'%s element %lld is NaN or infinite; the training diverged (lower the "
                                "learning rate, clip gradients) or pass TN_CHECKPOINT_NONFINITE to keep it",
                                what, p->items[i].name, nm[k], (long long)bad);
        }
        off += n;
    }
    return TN_OK;
}
/* the parts in memory, for saving */
typedef struct { const tn_params *p, *params; const tn_optim *o; } tn__ck_mem; /* p NULL: the weights are not saved */
static const float *tn__ck_mem_part(const void *c, int i, int k, int64_t off) {
    const tn__ck_mem *m = (const tn__ck_mem *)c;
    if (k == 0) return m->p ? (const float *)m->p->items[i].t->data : NULL;
    if (!m->o) return NULL;
    return k == 1 ? m->o->m + off : m->o->v ? m->o->v + off : NULL;
}

TNDEF tn_status tn_checkpoint_save(const char *path, const tn_params *p, const tn_optim *o, const tn_train_state *s) {
    return tn_checkpoint_save_ex(path, p, o, s, 0);
}
TNDEF tn_status tn_checkpoint_save_ex(const char *path, const tn_params *p, const tn_optim *o, const tn_train_state *s, unsigned flags) {
    tn_gguf *g;
    tn__sink img;
    tn_status st = TN_OK;
    const char **names = NULL;
    uint32_t rng[4];
    int64_t off = 0;
    int i;
    size_t hole;
    if (!path || !p || !s)
        return tn__fail(TN_ERR_ARG, "tn_checkpoint_save: %s is NULL (pass the %s)", !path ? "path" : !p ? "p" : "s", !path ? "file name" : !p ? "parameter list" : "training state (a zeroed tn_train_state will do)");
    if (o && o->params != p) return tn__fail(TN_ERR_ARG, "tn_checkpoint_save: the optimizer belongs to another parameter list");
    if (flags & ~(TN_CHECKPOINT_NONFINITE | TN__CK_NO_PARAMS)) return tn__fail(TN_ERR_ARG, "tn_checkpoint_save_ex: unknown flags 0x%x", flags & ~TN_CHECKPOINT_NONFINITE);
    for (i = 0; i < p->n; i++)
        if (p->items[i].t->type != TN_TYPE_F32 || !tn_is_contiguous(p->items[i].t))
            return tn__fail(TN_ERR_TYPE, "tn_checkpoint_save: parameter '%s' is %s%s; checkpoints hold contiguous f32 parameters", p->items[i].name,
                            tn_type_name(p->items[i].t->type), tn_is_contiguous(p->items[i].t) ? "" : " and not contiguous");
    if (!(flags & TN_CHECKPOINT_NONFINITE)) {
        tn__ck_mem mem;
        mem.p = (flags & TN__CK_NO_PARAMS) ? NULL : p;
        mem.params = p;
        mem.o = o;
        if ((st = tn__ck_finite(TN_ERR_ARG, path, p, tn__ck_mem_part, &mem)) != TN_OK) return st;
    }
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    names = (const char **)TN_MALLOC(sizeof(char *) * (size_t)(p->n ? p->n : 1));
    if (!names) { tn_gguf_free(g); return tn__fail(TN_ERR_NOMEM, "tn_checkpoint_save: out of memory"); }
    memcpy(rng, s->rng.s, sizeof(rng));
    /* the checksum first, so its place in the file is fixed: byte 24 + 8 + len(key) + 4 */
    st = tn_gguf_set_u64(g, TN__CK_KEY, 0);
    if (!st) st = tn_gguf_set_str(g, "general.architecture", TN__CK_ARCH);
    if (!st) st = tn_gguf_set_u32(g, "ternary.checkpoint.version", TN__CK_VERSION);
    if (!st) st = tn_gguf_set_i64(g, "ternary.checkpoint.step", s->step);
    if (!st) st = tn_gguf_set_i64(g, "ternary.checkpoint.epoch", s->epoch);
    if (!st) st = tn_gguf_set_u64(g, "ternary.checkpoint.data_pos", s->data_pos);
    if (!st) st = tn_gguf_set_arr(g, "ternary.checkpoint.rng", TN_GGUF_UINT32, rng, 4);
    if (!st) st = tn_gguf_set_f64(g, "ternary.checkpoint.ema_loss", s->ema_loss);
    if (!st) st = tn_gguf_set_i32(g, "ternary.checkpoint.optim", o ? (int32_t)o->cfg.kind : -1);
    if (!st) st = tn_gguf_set_i64(g, "ternary.checkpoint.optim_t", o ? o->t : 0);
    if (!st) st = tn_gguf_set_u8(g, "ternary.checkpoint.weights", (flags & TN__CK_NO_PARAMS) ? 0 : 1);
    { /* the metrics, whole */
        const tn_metrics *m = &s->metrics;
        if (!st) st = tn_gguf_set_i64(g, "ternary.checkpoint.metrics.steps", m->steps);
        if (!st) st = tn_gguf_set_f64(g, "ternary.checkpoint.metrics.ema_loss", m->ema_loss);
        if (!st) st = tn_gguf_set_f64(g, "ternary.checkpoint.metrics.ema_alpha", m->ema_alpha);
        if (!st) st = tn_gguf_set_f32(g, "ternary.checkpoint.metrics.lr", m->lr);
        if (!st) st = tn_gguf_set_arr(g, "ternary.checkpoint.metrics.hist", TN_GGUF_FLOAT32, m->hist, TN_METRICS_WINDOW);
        if (!st) st = tn_gguf_set_i32(g, "ternary.checkpoint.metrics.hist_n", m->hist_n);
        if (!st) st = tn_gguf_set_i32(g, "ternary.checkpoint.metrics.hist_pos", m->hist_pos);
        if (!st) { int64_t c4[4]; c4[0] = m->correct; c4[1] = m->seen; c4[2] = m->gate_total; c4[3] = m->gate_aligned;
                   st = tn_gguf_set_arr(g, "ternary.checkpoint.metrics.counts", TN_GGUF_INT64, c4, 4); }
    }
    for (i = 0; i < p->n && !st; i++) {
        tn_tensor *t = p->items[i].t;
        char nm[TN_MAX_NAME + 16];
        const char *pn = p->items[i].name;
        names[i] = pn;
        if (!(flags & TN__CK_NO_PARAMS)) {
            tn__ck_tname(nm, sizeof(nm), TN__CK_VERSION, o ? (int32_t)o->cfg.kind : -1, pn, strlen(pn), i, 0);
            st = tn_gguf_add_tensor(g, nm, TN_TYPE_F32, t->n_dims, t->ne, t->data);
        }
        if (o && !st) {
            tn__ck_tname(nm, sizeof(nm), TN__CK_VERSION, (int32_t)o->cfg.kind, pn, strlen(pn), i, 1);
            st = tn_gguf_add_tensor(g, nm, TN_TYPE_F32, t->n_dims, t->ne, o->m + off);
            if (o->v && !st) {
                tn__ck_tname(nm, sizeof(nm), TN__CK_VERSION, (int32_t)o->cfg.kind, pn, strlen(pn), i, 2);
                st = tn_gguf_add_tensor(g, nm, TN_TYPE_F32, t->n_dims, t->ne, o->v + off);
            }
        }
        off += tn_nelements(t);
    }
    if (!st) st = tn_gguf_set_arr_str(g, "ternary.checkpoint.names", names, (uint64_t)p->n);
    TN_FREE(names);
    memset(&img, 0, sizeof(img));
    if (!st) st = tn__gguf_emit(&img, g);
    tn_gguf_free(g);
    if (st) { if (img.buf) TN_FREE(img.buf); return st; }
    hole = 24 + 8 + strlen(TN__CK_KEY) + 4;
    tn__wr64(img.buf + hole, tn__image_checksum(img.buf, img.size, hole));
    st = tn__atomic_write(path, tn__emit_buffer, &img);
    TN_FREE(img.buf);
    return st;
}

/* the parts in a checkpoint file (parameter i = entry map[i]), for loading */
typedef struct { const tn_gguf *g; const tn_params *p; const int64_t *map; int k0, nk; uint32_t version; int32_t kind; } tn__ck_file;
static int64_t tn__ck_find(const tn__ck_file *f, int i, int k) {
    char nm[TN_MAX_NAME + 16];
    const char *pn = f->p->items[i].name;
    tn__ck_tname(nm, sizeof(nm), f->version, f->kind, pn, strlen(pn), f->map[i], k);
    return tn_gguf_find_tensor(f->g, nm);
}
static const float *tn__ck_file_part(const void *c, int i, int k, int64_t off) {
    const tn__ck_file *f = (const tn__ck_file *)c;
    tn_gguf_tensor gt;
    TN__UNUSED(off);
    if (k < f->k0 || k >= f->nk) return NULL;
    return tn_gguf_get_tensor(f->g, tn__ck_find(f, i, k), &gt) == TN_OK ? (const float *)gt.data : NULL;
}

static tn_status tn__checkpoint_load_g(tn_gguf *g, const char *path, tn_params *p, tn_optim *o, tn_train_state *s, unsigned flags) {
    tn_status st;
    int64_t ki, i, off, optim_t = 0;
    uint64_t want = 0, nn;
    uint32_t version = 0;
    int32_t kind = -1;
    const char *arch;
    uint64_t alen;
    tn_train_state ns;
    int64_t *map = NULL;
    tn__ck_file cf;
    int k0 = (flags & TN__CK_NO_PARAMS) ? 1 : 0;
#define TN__CK_FAIL(...) do { st = tn__fail(TN_ERR_FORMAT, __VA_ARGS__); goto done; } while (0)
    ki = tn_gguf_find_key(g, "general.architecture");
    if (ki < 0 || tn_gguf_get_str(g, ki, &arch, &alen) || alen != strlen(TN__CK_ARCH) || memcmp(arch, TN__CK_ARCH, (size_t)alen))
        TN__CK_FAIL("%s is not a ternary.h checkpoint (general.architecture is not '%s')", path, TN__CK_ARCH);
    ki = tn_gguf_find_key(g, TN__CK_KEY);
    if (ki != 0 || tn_gguf_get_u64(g, ki, &want)) TN__CK_FAIL("%s: the checksum is missing", path);
    {
        size_t hole = 24 + 8 + strlen(TN__CK_KEY) + 4;
        if (tn__image_checksum(g->image, g->image_size, hole) != want)
            TN__CK_FAIL("%s is corrupted: its checksum does not match (a partial copy or a damaged disk?)", path);
    }
    if (flags & ~(TN_CHECKPOINT_NONFINITE | TN__CK_NO_PARAMS)) TN__CK_FAIL("tn_checkpoint_load_ex: unknown flags 0x%x", flags & ~TN_CHECKPOINT_NONFINITE);
    if (tn_gguf_get_u32(g, tn_gguf_find_key(g, "ternary.checkpoint.version"), &version)) TN__CK_FAIL("%s: ternary.checkpoint.version is missing", path);
    if (version < 1 || version > TN__CK_VERSION)
        TN__CK_FAIL("%s is a version %u checkpoint; this ternary.h (%d.%d.%d) reads versions 1 to %u: load it with the release that wrote it", path,
                    version, TN_VERSION_MAJOR, TN_VERSION_MINOR, TN_VERSION_PATCH, TN__CK_VERSION);
    memset(&ns, 0, sizeof(ns));
    {
        int64_t a = tn_gguf_find_key(g, "ternary.checkpoint.rng");
        if (tn_gguf_get_i64(g, tn_gguf_find_key(g, "ternary.checkpoint.step"), &ns.step) ||
            tn_gguf_get_i64(g, tn_gguf_find_key(g, "ternary.checkpoint.epoch"), &ns.epoch) ||
            tn_gguf_get_u64(g, tn_gguf_find_key(g, "ternary.checkpoint.data_pos"), &ns.data_pos) ||
            tn_gguf_get_f64(g, tn_gguf_find_key(g, "ternary.checkpoint.ema_loss"), &ns.ema_loss) ||
            tn_gguf_get_i32(g, tn_gguf_find_key(g, "ternary.checkpoint.optim"), &kind) ||
            tn_gguf_get_i64(g, tn_gguf_find_key(g, "ternary.checkpoint.optim_t"), &optim_t) ||
            tn_gguf_arr_type(g, a) != TN_GGUF_UINT32 || tn_gguf_arr_n(g, a) != 4)
            TN__CK_FAIL("%s: the training state is incomplete (a version 1 checkpoint holds step, epoch, data_pos, rng, ema_loss, optim and optim_t)", path);
        if (optim_t < 0 || ns.step < 0 || ns.epoch < 0) TN__CK_FAIL("%s: negative step, epoch or optimizer step", path);
        if (kind == -1 && optim_t != 0) TN__CK_FAIL("%s: no optimizer was saved, yet its step is %lld", path, (long long)optim_t);
        memcpy(ns.rng.s, tn_gguf_arr_data(g, a), sizeof(ns.rng.s));
    }
    {   /* version 2: whether the weights are in the file, and the metrics */
        uint8_t has_w = 1;
        if (version >= 2) {
            tn_metrics *m = &ns.metrics;
            int64_t h = tn_gguf_find_key(g, "ternary.checkpoint.metrics.hist"), c = tn_gguf_find_key(g, "ternary.checkpoint.metrics.counts");
            int32_t hn = 0, hp = 0;
            if (tn_gguf_get_u8(g, tn_gguf_find_key(g, "ternary.checkpoint.weights"), &has_w) ||
                tn_gguf_get_i64(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.steps"), &m->steps) ||
                tn_gguf_get_f64(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.ema_loss"), &m->ema_loss) ||
                tn_gguf_get_f64(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.ema_alpha"), &m->ema_alpha) ||
                tn_gguf_get_f32(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.lr"), &m->lr) ||
                tn_gguf_get_i32(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.hist_n"), &hn) ||
                tn_gguf_get_i32(g, tn_gguf_find_key(g, "ternary.checkpoint.metrics.hist_pos"), &hp) ||
                tn_gguf_arr_type(g, h) != TN_GGUF_FLOAT32 || tn_gguf_arr_n(g, h) != TN_METRICS_WINDOW ||
                tn_gguf_arr_type(g, c) != TN_GGUF_INT64 || tn_gguf_arr_n(g, c) != 4)
                TN__CK_FAIL("%s: the training state is incomplete (a version 2 checkpoint holds ternary.checkpoint.weights and the metrics)", path);
            if (hn < 0 || hn > TN_METRICS_WINDOW || hp < 0 || hp >= TN_METRICS_WINDOW || m->steps < 0 || has_w > 1)
                TN__CK_FAIL("%s: metrics out of range (history %d at %d of %d, %lld steps)", path, (int)hn, (int)hp, TN_METRICS_WINDOW, (long long)m->steps);
            m->hist_n = hn; m->hist_pos = hp;
            memcpy(m->hist, tn_gguf_arr_data(g, h), sizeof(m->hist));
            {
                int64_t c4[4];
                memcpy(c4, tn_gguf_arr_data(g, c), sizeof(c4));
                if (c4[0] < 0 || c4[1] < c4[0] || c4[2] < 0 || c4[3] < 0 || c4[3] > c4[2]) TN__CK_FAIL("%s: metrics counts out of range", path);
                m->correct = c4[0]; m->seen = c4[1]; m->gate_total = c4[2]; m->gate_aligned = c4[3];
            }
        }
        if (!k0 && !has_w) TN__CK_FAIL("%s holds an optimizer's state alone, no weights: load it with tn_optim_load", path);
        if (k0 && kind == -1) TN__CK_FAIL("%s holds no optimizer state", path);
    }
    if (o && kind != (int32_t)o->cfg.kind) TN__CK_FAIL("%s was saved with optimizer %d, not %d", path, kind, (int)o->cfg.kind);
    if (o && o->params != p) TN__CK_FAIL("tn_checkpoint_load: the optimizer belongs to another parameter list");
    ki = tn_gguf_find_key(g, "ternary.checkpoint.names");
    nn = tn_gguf_arr_n(g, ki);
    if (tn_gguf_arr_type(g, ki) != TN_GGUF_STRING || nn != (uint64_t)p->n)
        TN__CK_FAIL("%s holds %llu parameters, the model has %d", path, (unsigned long long)nn, p->n);
    map = (int64_t *)TN_MALLOC(sizeof(int64_t) * (size_t)(p->n ? p->n : 1));
    if (!map) { st = tn__fail(TN_ERR_NOMEM, "tn_checkpoint_load: out of memory"); goto done; }
    for (i = 0; i < p->n; i++) map[i] = -1;
    { /* checkpoint entry j -> parameter i by name, through the parameters' index */
        uint64_t j, len;
        for (j = 0; j < nn; j++) {
            const char *nm = tn_gguf_arr_str(g, ki, j, &len);
            int64_t k = nm && len < TN_MAX_NAME ? tn__params_index(p, nm, (size_t)len) : -1;
            if (k >= 0 && map[k] < 0) map[k] = (int64_t)j;
        }
    }
    for (i = 0; i < p->n; i++)
        if (map[i] < 0) TN__CK_FAIL("%s has no parameter '%s'", path, p->items[i].name);
    cf.g = g; cf.p = p; cf.map = map; cf.k0 = k0; cf.nk = o ? (o->v ? 3 : 2) : 1; cf.version = version; cf.kind = kind;
    for (i = 0; i < p->n; i++) { /* check every tensor before touching anything */
        int k;
        tn_tensor *t = p->items[i].t;
        for (k = k0; k < cf.nk; k++) {
            tn_gguf_tensor gt;
            int64_t ti = tn__ck_find(&cf, (int)i, k);
            if (ti < 0 || tn_gguf_get_tensor(g, ti, &gt) || gt.type != TN_TYPE_F32 || gt.ne[0] != t->ne[0] || gt.ne[1] != t->ne[1] || gt.ne[2] != t->ne[2] || gt.ne[3] != t->ne[3]) {
                char nm[TN_MAX_NAME + 16];
                tn__ck_tname(nm, sizeof(nm), version, kind, p->items[i].name, strlen(p->items[i].name), map[i], k);
                TN__CK_FAIL("%s: '%s' (%s) is missing or has another shape than the model's", path, p->items[i].name, nm);
            }
        }
    }
    if (!(flags & TN_CHECKPOINT_NONFINITE) && (st = tn__ck_finite(TN_ERR_FORMAT, path, p, tn__ck_file_part, &cf)) != TN_OK) goto done;
    for (i = 0, off = 0; i < p->n; i++) { /* all checked: copy */
        tn_tensor *t = p->items[i].t;
        int k;
        size_t nb = sizeof(float) * (size_t)tn_nelements(t);
        for (k = k0; k < cf.nk; k++) {
            tn_gguf_tensor gt;
            tn_gguf_get_tensor(g, tn__ck_find(&cf, (int)i, k), &gt);
            memcpy(k == 0 ? t->data : k == 1 ? (void *)(o->m + off) : (void *)(o->v + off), gt.data, nb);
        }
        off += tn_nelements(t);
    }
    if (o) o->t = optim_t;
    if (!k0) *s = ns;
    st = TN_OK;
#undef TN__CK_FAIL
done:
    if (map) TN_FREE(map);
    tn_gguf_free(g);
    return st;
}
TNDEF tn_status tn_checkpoint_load(const char *path, tn_params *p, tn_optim *o, tn_train_state *s) {
    return tn_checkpoint_load_ex(path, p, o, s, 0);
}
TNDEF tn_status tn_checkpoint_load_ex(const char *path, tn_params *p, tn_optim *o, tn_train_state *s, unsigned flags) {
    tn_gguf *g = NULL;
    tn_status st;
    if (!path || !p || !s)
        return tn__fail(TN_ERR_ARG, "tn_checkpoint_load: %s is NULL (pass the %s)", !path ? "path" : !p ? "p" : "s", !path ? "file name" : !p ? "parameter list" : "training state (a zeroed tn_train_state will do)");
    if ((st = tn_gguf_read_file(path, 0, &g)) != TN_OK) return st;
    return tn__checkpoint_load_g(g, path, p, o, s, flags);
}
TNDEF tn_status tn_optim_save(const char *path, const tn_optim *o) {
    tn_train_state z;
    if (!o || !o->params) return tn__fail(TN_ERR_ARG, "tn_optim_save: the optimizer is NULL or not initialized");
    memset(&z, 0, sizeof(z));
    return tn_checkpoint_save_ex(path, o->params, o, &z, TN__CK_NO_PARAMS);
}
TNDEF tn_status tn_optim_load(const char *path, tn_optim *o) {
    tn_train_state z;
    if (!o || !o->params) return tn__fail(TN_ERR_ARG, "tn_optim_load: the optimizer is NULL or not initialized");
    memset(&z, 0, sizeof(z));
    return tn_checkpoint_load_ex(path, o->params, o, &z, TN__CK_NO_PARAMS);
}
TNDEF tn_status tn_checkpoint_load_memory(const void *data, size_t size, tn_params *p, tn_optim *o, tn_train_state *s) {
    tn_gguf *g = NULL;
    tn_status st;
    if (!data || !p || !s)
        return tn__fail(TN_ERR_ARG, "tn_checkpoint_load_memory: %s is NULL (pass the %s)", !data ? "data" : !p ? "p" : "s", !data ? "checkpoint bytes" : !p ? "parameter list" : "training state (a zeroed tn_train_state will do)");
    if ((st = tn_gguf_read_memory(data, size, &g)) != TN_OK) return st;
    return tn__checkpoint_load_g(g, "checkpoint", p, o, s, 0);
}


/* ==== @@IMPL:IO  model files ==== */

/* memory owned by g, freed with it */
static void *tn__gguf_own(tn_gguf *g, size_t size) {
    void *p;
    if (g->n_owned == g->cap_owned) {
        int64_t cap = g->cap_owned ? 2 * g->cap_owned : 16;
        void **n = (void **)TN_REALLOC(g->owned, sizeof(void *) * (size_t)cap);
        if (!n) return NULL;
        g->owned = n;
        g->cap_owned = cap;
    }
    p = TN_MALLOC(size ? size : 1);
    if (p) g->owned[g->n_owned++] = p;
    return p;
}

/* pack the ternarized weights of l (rows padded to 256) into `type`: bytes in out (owned by g) */
static tn_status tn__pack_ternary(tn_gguf *g, const tn_bitlinear *l, tn_type type, void **out, int64_t *in_pad) {
    int8_t *tp;
    float s;
    tn_status st = tn__bitlinear_trits(l, &tp, &s, in_pad);
    if (st != TN_OK) return st;
    *out = tn__gguf_own(g, tn_row_size(type, *in_pad) * (size_t)l->out);
    st = *out ? tn_ternary_to_tq(type, tp, s, *in_pad, l->out, *out) : tn__fail(TN_ERR_NOMEM, "pack: out of memory");
    TN_FREE(tp);
    return st;
}

static tn_status tn__gguf_add_converted(tn_gguf *g, const char *name, const tn_tensor *t, tn_type type) {
    void *buf;
    size_t rs = tn_row_size(type, t->ne[0]);
    int64_t r, nr = tn_nrows(t);
    tn_status st;
    if (type == TN_TYPE_F32 || t->type == type) return tn_gguf_add_tensor(g, name, t->type, t->n_dims, t->ne, t->data);
    if (!rs) return tn__fail(TN_ERR_SHAPE, "'%s': rows of %lld cannot be stored as %s; use f32, f16 or bf16", name, (long long)t->ne[0], tn_type_name(type));
    if (!(buf = tn__gguf_own(g, rs * (size_t)nr))) return tn__fail(TN_ERR_NOMEM, "gguf: out of memory");
    for (r = 0; r < nr; r++)
        if ((st = tn_quantize_row(type, (const float *)t->data + r * t->ne[0], (uint8_t *)buf + (size_t)r * rs, t->ne[0])) != TN_OK) return st;
    return tn_gguf_add_tensor(g, name, type, t->n_dims, t->ne, buf);
}

TNDEF tn_status tn_gguf_add_bitlinear(tn_gguf *g, const tn_bitlinear *l, const char *name, tn_type ternary_type, tn_type float_type) {
    char nm[TN_MAX_NAME + 64];
    tn_status st;
    if (!g || !l || !l->w || !name) return tn__fail(TN_ERR_ARG, "tn_gguf_add_bitlinear: NULL argument");
    if (l->flags & TN_LAYER_FLOAT) {
        st = tn__gguf_add_converted(g, tn__pname(nm, name, "w"), l->w, float_type);
    } else {
        void *data;
        int64_t ne[2];
        if (ternary_type != TN_TYPE_TQ2_0 && ternary_type != TN_TYPE_TQ1_0) return tn__fail(TN_ERR_TYPE, "tn_gguf_add_bitlinear: ternary weights go to tq2_0 or tq1_0, not %s", tn_type_name(ternary_type));
        if ((st = tn__pack_ternary(g, l, ternary_type, &data, &ne[0])) != TN_OK) return st;
        ne[1] = l->out;
        st = tn_gguf_add_tensor(g, tn__pname(nm, name, "w"), ternary_type, 2, ne, data);
        if (!st && ne[0] != l->in) { /* the format needs whole 256-blocks: say how much of each row is real */
            char key[TN_MAX_NAME + 96];
            snprintf(key, sizeof(key), "ternary.real_width.%s", nm);
            st = tn_gguf_set_u64(g, key, (uint64_t)l->in);
        }
    }
    if (!st && l->b) st = tn_gguf_add_tensor(g, tn__pname(nm, name, "b"), TN_TYPE_F32, 1, l->b->ne, l->b->data);
    if (!st && l->norm) st = tn_gguf_add_tensor(g, tn__pname(nm, name, "norm"), TN_TYPE_F32, 1, l->norm->ne, l->norm->data);
    return st;
}

TNDEF tn_status tn_param_load_gguf(tn_tensor *t, const tn_gguf *g, const char *name) {
    int64_t i = tn_gguf_find_tensor(g, name), r, nr;
    tn_gguf_tensor gt;
    size_t rs;
    tn_status st;
    if (!t || t->type != TN_TYPE_F32 || !tn_is_contiguous(t)) return tn__fail(TN_ERR_ARG, "tn_param_load_gguf: want a contiguous f32 tensor");
    if (i < 0) return tn__fail(TN_ERR_FORMAT, "model file has no tensor '%s'", name);
    tn_gguf_get_tensor(g, i, &gt);
    if (gt.ne[0] != t->ne[0] || gt.ne[1] != t->ne[1] || gt.ne[2] != t->ne[2] || gt.ne[3] != t->ne[3])
        return tn__fail(TN_ERR_SHAPE, "'%s' is %lldx%lldx%lldx%lld in the file, the model wants %lldx%lldx%lldx%lld", name,
                        (long long)gt.ne[0], (long long)gt.ne[1], (long long)gt.ne[2], (long long)gt.ne[3],
                        (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3]);
    rs = tn_row_size(gt.type, gt.ne[0]);
    nr = tn_nrows(t);
    for (r = 0; r < nr; r++)
        if ((st = tn_dequantize_row(gt.type, (const uint8_t *)gt.data + (size_t)r * rs, (float *)t->data + r * t->ne[0], t->ne[0])) != TN_OK) return st;
    return TN_OK;
}

/* a BitLinear's weights from tensor nm: ternary blocks go straight into inference mode */
static tn_status tn__bitlinear_load_w(tn_bitlinear *l, tn_ctx *pctx, const tn_gguf *g, const char *nm) {
    int64_t i = tn_gguf_find_tensor(g, nm);
    tn_gguf_tensor gt;
    if (i < 0) return tn__fail(TN_ERR_FORMAT, "model file has no tensor '%s'", nm);
    tn_gguf_get_tensor(g, i, &gt);
    if (gt.type == TN_TYPE_TQ2_0 || gt.type == TN_TYPE_TQ1_0) {
        int64_t ip = (l->in + TN_QK_K - 1) / TN_QK_K * TN_QK_K, r;
        float *row;
        if (l->flags & TN_LAYER_FLOAT) return tn__fail(TN_ERR_FORMAT, "'%s' is ternary in the file but the layer is a float Linear", nm);
        if (gt.ne[0] != ip || gt.ne[1] != l->out || gt.ne[2] != 1 || gt.ne[3] != 1)
            return tn__fail(TN_ERR_SHAPE, "'%s' is %lldx%lld in the file, the layer wants %lldx%lld (in %lld padded)", nm,
                            (long long)gt.ne[0], (long long)gt.ne[1], (long long)ip, (long long)l->out, (long long)l->in);
        {
            char key[TN_MAX_NAME + 96];
            uint64_t rw = 0;
            int64_t ki;
            snprintf(key, sizeof(key), "ternary.real_width.%s", nm);
            ki = tn_gguf_find_key(g, key);
            if (ki >= 0 && (tn_gguf_get_u64(g, ki, &rw) != TN_OK || rw != (uint64_t)l->in))
                return tn__fail(TN_ERR_SHAPE, "'%s' holds rows of %llu real weights (%s), the layer has %lld inputs", nm, (unsigned long long)rw, key, (long long)l->in);
        }
        l->wq = tn_new_2d(pctx, gt.type, ip, l->out);
        row = (float *)TN_MALLOC(sizeof(float) * (size_t)ip);
        if (!l->wq || !row) { if (row) TN_FREE(row); l->wq = NULL; return tn__fail(TN_ERR_NOMEM, "tn_bitlinear_load_gguf: out of memory"); }
        memcpy(l->wq->data, gt.data, gt.nbytes);
        l->in_pad = ip;
        for (r = 0; r < l->out; r++) { /* latent weights: the decoded t * s */
            tn_dequantize_row(gt.type, (const uint8_t *)gt.data + (size_t)r * tn_row_size(gt.type, ip), row, ip);
            memcpy((float *)l->w->data + r * l->in, row, sizeof(float) * (size_t)l->in);
        }
        TN_FREE(row);
        return TN_OK;
    }
    return tn_param_load_gguf(l->w, g, nm);
}
TNDEF tn_status tn_bitlinear_load_gguf(tn_bitlinear *l, tn_ctx *pctx, const tn_gguf *g, const char *name) {
    char nm[TN_MAX_NAME + 64];
    tn_status st;
    if (!l || !l->w || !pctx || !g || !name) return tn__fail(TN_ERR_ARG, "tn_bitlinear_load_gguf: NULL argument");
    if ((st = tn__bitlinear_load_w(l, pctx, g, tn__pname(nm, name, "w"))) != TN_OK) return st;
    if (l->b && (st = tn_param_load_gguf(l->b, g, tn__pname(nm, name, "b"))) != TN_OK) return st;
    if (l->norm && (st = tn_param_load_gguf(l->norm, g, tn__pname(nm, name, "norm"))) != TN_OK) return st;
    return TN_OK;
}

/* every BitLinear of a transformer with its name; returns how many */
static int tn__transformer_layers(const tn_transformer *m, int64_t l, tn_bitlinear **ls, const char **leaf) {
    tn_block *b = &m->blocks[l];
    int n = 0;
    ls[n] = &b->attn.wq; leaf[n++] = "attn.wq";
    ls[n] = &b->attn.wk; leaf[n++] = "attn.wk";
    ls[n] = &b->attn.wv; leaf[n++] = "attn.wv";
    ls[n] = &b->attn.wo; leaf[n++] = "attn.wo";
    ls[n] = &b->mlp.up; leaf[n++] = "mlp.up";
    if (b->mlp.kind == TN_MLP_SWIGLU) { ls[n] = &b->mlp.gate; leaf[n++] = "mlp.gate"; }
    ls[n] = &b->mlp.down; leaf[n++] = "mlp.down";
    return n;
}
static const char *const tn__mlp_names[4] = {"gelu", "relu", "relu2", "swiglu"};

TNDEF tn_status tn_transformer_save_gguf(const tn_transformer *m, const char *path, tn_type ternary_type, tn_type float_type) {
    tn_gguf *g;
    tn_status st = TN_OK;
    const tn_transformer_config *c;
    int64_t l;
    int i;
    char nm[TN_MAX_NAME + 64], pre[32];
    if (!m || !path) return tn__fail(TN_ERR_ARG, "tn_transformer_save_gguf: NULL argument");
    if (float_type != TN_TYPE_F32 && float_type != TN_TYPE_F16 && float_type != TN_TYPE_BF16 && float_type != TN_TYPE_Q8_0)
        return tn__fail(TN_ERR_TYPE, "tn_transformer_save_gguf: float tensors go to f32, f16, bf16 or q8_0, not %s", tn_type_name(float_type));
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    c = &m->cfg;
    st = tn_gguf_set_str(g, "general.architecture", "ternary");
    if (!st) st = tn_gguf_set_str(g, "general.name", "ternary.h transformer");
    if (!st) st = tn_gguf_set_u32(g, "general.quantization_version", 2);
    if (!st) st = tn_gguf_set_u32(g, "general.file_type", ternary_type == TN_TYPE_TQ1_0 ? 36u : 37u);
    if (!st) st = tn_gguf_set_u32(g, "ternary.vocab_size", (uint32_t)c->vocab);
    if (!st) st = tn_gguf_set_u32(g, "ternary.embedding_length", (uint32_t)c->d_model);
    if (!st) st = tn_gguf_set_u32(g, "ternary.block_count", (uint32_t)c->n_layer);
    if (!st) st = tn_gguf_set_u32(g, "ternary.attention.head_count", (uint32_t)c->n_head);
    if (!st) st = tn_gguf_set_u32(g, "ternary.feed_forward_length", (uint32_t)c->d_ff);
    if (!st) st = tn_gguf_set_u32(g, "ternary.context_length", (uint32_t)c->ctx_len);
    if (!st) st = tn_gguf_set_f32(g, "ternary.rope.freq_base", c->rope_theta);
    if (!st) st = tn_gguf_set_f32(g, "ternary.norm_epsilon", c->norm_eps);
    if (!st) st = tn_gguf_set_str(g, "ternary.norm", c->norm == TN_NORM_LAYER ? "layernorm" : "rmsnorm");
    if (!st) st = tn_gguf_set_str(g, "ternary.mlp", tn__mlp_names[c->mlp & 3]);
    if (!st) st = tn_gguf_set_u32(g, "ternary.layer_flags", (uint32_t)c->layer_flags);
    if (!st) st = tn__gguf_add_converted(g, "tok.w", m->tok.w, float_type);
    for (l = 0; l < c->n_layer && !st; l++) {
        tn_bitlinear *ls[8];
        const char *leaf[8];
        int n = tn__transformer_layers(m, l, ls, leaf);
        tn_block *b = &m->blocks[l];
        snprintf(pre, sizeof(pre), "blk.%lld", (long long)l);
        tn_norm_layer *norms[2];
        norms[0] = &b->norm1; norms[1] = &b->norm2;
        for (i = 0; i < 2 && !st; i++) {
            char np[48];
            snprintf(np, sizeof(np), "%s.norm%d", pre, i + 1);
            st = tn_gguf_add_tensor(g, tn__pname(nm, np, "g"), TN_TYPE_F32, 1, norms[i]->g->ne, norms[i]->g->data);
            if (!st && norms[i]->b) st = tn_gguf_add_tensor(g, tn__pname(nm, np, "b"), TN_TYPE_F32, 1, norms[i]->b->ne, norms[i]->b->data);
        }
        for (i = 0; i < n && !st; i++) st = tn_gguf_add_bitlinear(g, ls[i], tn__pname(nm, pre, leaf[i]), ternary_type, float_type);
    }
    if (!st) st = tn_gguf_add_tensor(g, "norm_f.g", TN_TYPE_F32, 1, m->norm_f.g->ne, m->norm_f.g->data);
    if (!st && m->norm_f.b) st = tn_gguf_add_tensor(g, "norm_f.b", TN_TYPE_F32, 1, m->norm_f.b->ne, m->norm_f.b->data);
    if (!st) st = tn_gguf_add_bitlinear(g, &m->head, "head", ternary_type, float_type);
    if (!st) st = tn_gguf_write_file(g, path);
    tn_gguf_free(g);
    return st;
}

static tn_status tn__kv_u32(const tn_gguf *g, const char *key, int64_t *out) {
    uint32_t v;
    int64_t i = tn_gguf_find_key(g, key);
    if (i < 0 || tn_gguf_get_u32(g, i, &v) != TN_OK) return tn__fail(TN_ERR_FORMAT, "model file: '%s' is missing or not u32", key);
    *out = v;
    return TN_OK;
}

static tn_status tn__transformer_load_llamacpp(tn_transformer *m, tn_ctx *pctx, const tn_gguf *g);
TNDEF tn_status tn_transformer_from_gguf(tn_transformer *m, tn_ctx *pctx, const tn_gguf *g) {
    tn_transformer_config c = tn_transformer_config_default();
    tn_status st;
    int64_t v, l, ki;
    const char *s;
    uint64_t len;
    int i;
    char nm[TN_MAX_NAME + 64], pre[32];
    if (!m || !pctx || !g) return tn__fail(TN_ERR_ARG, "tn_transformer_from_gguf: NULL argument");
    memset(m, 0, sizeof(*m));
    ki = tn_gguf_find_key(g, "general.architecture");
    if (ki < 0 || tn_gguf_get_str(g, ki, &s, &len) || len != 7 || memcmp(s, "ternary", 7)) return tn__transformer_load_llamacpp(m, pctx, g);
    if ((st = tn__kv_u32(g, "ternary.vocab_size", &c.vocab)) || (st = tn__kv_u32(g, "ternary.embedding_length", &c.d_model)) ||
        (st = tn__kv_u32(g, "ternary.block_count", &c.n_layer)) || (st = tn__kv_u32(g, "ternary.attention.head_count", &c.n_head)) ||
        (st = tn__kv_u32(g, "ternary.feed_forward_length", &c.d_ff)) || (st = tn__kv_u32(g, "ternary.context_length", &c.ctx_len)) ||
        (st = tn__kv_u32(g, "ternary.layer_flags", &v))) return st;
    c.layer_flags = (int)v;
    tn_gguf_get_f32(g, tn_gguf_find_key(g, "ternary.rope.freq_base"), &c.rope_theta);
    tn_gguf_get_f32(g, tn_gguf_find_key(g, "ternary.norm_epsilon"), &c.norm_eps);
    ki = tn_gguf_find_key(g, "ternary.norm");
    if (ki >= 0 && tn_gguf_get_str(g, ki, &s, &len) == TN_OK) c.norm = (len == 9 && memcmp(s, "layernorm", 9) == 0) ? TN_NORM_LAYER : TN_NORM_RMS;
    ki = tn_gguf_find_key(g, "ternary.mlp");
    if (ki >= 0 && tn_gguf_get_str(g, ki, &s, &len) == TN_OK)
        for (i = 0; i < 4; i++) if (len == strlen(tn__mlp_names[i]) && memcmp(s, tn__mlp_names[i], (size_t)len) == 0) c.mlp = (tn_mlp_kind)i;
    if ((st = tn_transformer_init(m, pctx, &c, 0)) != TN_OK) return st;
    st = tn_param_load_gguf(m->tok.w, g, "tok.w");
    for (l = 0; l < c.n_layer && !st; l++) {
        tn_bitlinear *ls[8];
        const char *leaf[8];
        int n = tn__transformer_layers(m, l, ls, leaf);
        tn_block *b = &m->blocks[l];
        snprintf(pre, sizeof(pre), "blk.%lld", (long long)l);
        st = tn_param_load_gguf(b->norm1.g, g, tn__pname(nm, pre, "norm1.g"));
        if (!st && b->norm1.b) st = tn_param_load_gguf(b->norm1.b, g, tn__pname(nm, pre, "norm1.b"));
        if (!st) st = tn_param_load_gguf(b->norm2.g, g, tn__pname(nm, pre, "norm2.g"));
        if (!st && b->norm2.b) st = tn_param_load_gguf(b->norm2.b, g, tn__pname(nm, pre, "norm2.b"));
        for (i = 0; i < n && !st; i++) st = tn_bitlinear_load_gguf(ls[i], pctx, g, tn__pname(nm, pre, leaf[i]));
    }
    if (!st) st = tn_param_load_gguf(m->norm_f.g, g, "norm_f.g");
    if (!st && m->norm_f.b) st = tn_param_load_gguf(m->norm_f.b, g, "norm_f.b");
    if (!st) st = tn_bitlinear_load_gguf(&m->head, pctx, g, "head");
    if (st) tn_transformer_deinit(m);
    return st;
}
TNDEF tn_status tn_transformer_load_gguf(tn_transformer *m, tn_ctx *pctx, const char *path) {
    tn_gguf *g = NULL;
    tn_status st;
    if (!m || !pctx || !path) return tn__fail(TN_ERR_ARG, "tn_transformer_load_gguf: NULL argument");
    memset(m, 0, sizeof(*m));
    if ((st = tn_gguf_read_file(path, 1, &g)) != TN_OK) return st;
    st = tn_transformer_from_gguf(m, pctx, g);
    tn_gguf_free(g);
    if (st) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", tn_last_error());
        return tn__fail(st, "%s: %s", path, msg);
    }
    return TN_OK;
}


/* ==== @@IMPL:IO  llama.cpp's llama and arcee files ==== */

/* an integer key of any integer type, 0..INT32_MAX; absent: def (or an error when required) */
static tn_status tn__kv_int(const tn_gguf *g, const char *key, int required, int64_t def, int64_t *out) {
    int64_t i = tn_gguf_find_key(g, key), v = -1;
    if (i < 0) {
        if (required) return tn__fail(TN_ERR_FORMAT, "the key '%s' is missing (llama.cpp requires it)", key);
        *out = def;
        return TN_OK;
    }
    switch (tn_gguf_kv_type(g, i)) {
    case TN_GGUF_UINT8: { uint8_t x; tn_gguf_get_u8(g, i, &x); v = x; break; }
    case TN_GGUF_UINT16: { uint16_t x; tn_gguf_get_u16(g, i, &x); v = x; break; }
    case TN_GGUF_UINT32: { uint32_t x; tn_gguf_get_u32(g, i, &x); v = x; break; }
    case TN_GGUF_INT32: { int32_t x; tn_gguf_get_i32(g, i, &x); v = x; break; }
    case TN_GGUF_UINT64: { uint64_t x; tn_gguf_get_u64(g, i, &x); v = x > (uint64_t)INT32_MAX ? -2 : (int64_t)x; break; }
    case TN_GGUF_INT64: { int64_t x; tn_gguf_get_i64(g, i, &x); v = x > INT32_MAX ? -2 : x; break; }
    default: return tn__fail(TN_ERR_FORMAT, "the key '%s' is not an integer", key);
    }
    if (v < 0 || v > INT32_MAX) return tn__fail(TN_ERR_FORMAT, "the key '%s' is out of range (negative or above 2^31)", key);
    *out = v;
    return TN_OK;
}
static tn_status tn__kv_float(const tn_gguf *g, const char *key, int required, float def, float *out) {
    int64_t i = tn_gguf_find_key(g, key);
    double d;
    if (i < 0) {
        if (required) return tn__fail(TN_ERR_FORMAT, "the key '%s' is missing (llama.cpp requires it)", key);
        *out = def;
        return TN_OK;
    }
    if (tn_gguf_get_f32(g, i, out) == TN_OK) return TN_OK;
    if (tn_gguf_get_f64(g, i, &d) == TN_OK) { *out = (float)d; return TN_OK; }
    return tn__fail(TN_ERR_FORMAT, "the key '%s' is not a float", key);
}
/* what llama.cpp's loader takes from a llama or arcee file */
typedef struct {
    int arcee;                /* 1: arcee (down(relu(up x)^2)), 0: llama (down(silu(gate x) * up x)) */
    int64_t d, ff, n_head, n_kv, n_layer, ctx, vocab, hd, n_rot;
    float eps, theta;
    int tied;                 /* no output.weight: the head is token_embd */
    int64_t n_extra;          /* optional tensors llama.cpp applies (biases, .scale, rope_freqs) */
    char extra[TN_MAX_NAME + 32]; /* the first of them */
} tn__lhp;

/* llama.cpp's names of a block's tensors, in its order, and their shapes */
static const char *const tn__llama_leaf[9] = {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"};
static void tn__llama_shape(const tn__lhp *h, int j, int64_t ne[2]) {
    const int64_t q = h->n_head * h->hd, kv = h->n_kv * h->hd;
    static const int rows[9] = {0, 1, 2, 2, 3, 0, 4, 4, 3}; /* {d}, {d,q}, {d,kv}, {q,d} or {ff,d}, {d,ff} */
    switch (rows[j]) {
    case 0: ne[0] = h->d; ne[1] = 1; break;
    case 1: ne[0] = h->d; ne[1] = q; break;
    case 2: ne[0] = h->d; ne[1] = kv; break;
    case 3: ne[0] = j == 8 ? h->ff : q; ne[1] = h->d; break;
    default: ne[0] = h->d; ne[1] = h->ff; break;
    }
}
static int tn__leaf_is_proj(int j) { return j != 0 && j != 5; }
/* a block's projections at the positions of their names in tn__llama_leaf (norms: NULL) */
static void tn__llama_layers(tn_block *b, tn_bitlinear *ls[9]) {
    ls[0] = ls[5] = NULL;
    ls[1] = &b->attn.wq; ls[2] = &b->attn.wk; ls[3] = &b->attn.wv; ls[4] = &b->attn.wo;
    ls[6] = &b->mlp.gate; ls[7] = &b->mlp.up; ls[8] = &b->mlp.down;
}

/* tensor `name` of g with shape {ne0, ne1}: its index, -1 if absent (and
   required: an error), -2 for a wrong shape (an error naming both shapes),
   -3 for a type llama.cpp does not have */
static int64_t tn__llama_tensor(const tn_gguf *g, const char *name, int64_t ne0, int64_t ne1, int required, const char *arch) {
    int64_t i = tn_gguf_find_tensor(g, name);
    tn_gguf_tensor t;
    if (i < 0) {
        if (required) tn__fail(TN_ERR_FORMAT, "the tensor '%s' is missing (llama.cpp's %s needs it)", name, arch);
        return -1;
    }
    tn_gguf_get_tensor(g, i, &t);
    if (t.ne[0] != ne0 || t.ne[1] != ne1 || t.ne[2] != 1 || t.ne[3] != 1) {
        tn__fail(TN_ERR_SHAPE, "the tensor '%s' is %lldx%lldx%lldx%lld in the file; llama.cpp's %s wants %lldx%lld", name,
                 (long long)t.ne[0], (long long)t.ne[1], (long long)t.ne[2], (long long)t.ne[3], arch, (long long)ne0, (long long)ne1);
        return -2;
    }
    if ((int)t.type >= TN_TYPE_COUNT) {
        tn__fail(TN_ERR_TYPE, "the tensor '%s' is %s, a type of ternary.h's own that llama.cpp does not know (write tq2_0 or tq1_0)", name, tn_type_name(t.type));
        return -3;
    }
    return i;
}

/* the keys and the tensor table of a llama or arcee file, checked as
   llama.cpp's loader checks them (every tensor it expects, with its shape,
   and no other) */
static tn_status tn__llamacpp_validate(const tn_gguf *g, tn__lhp *h) {
    char k[TN_MAX_NAME + 64], nm[TN_MAX_NAME + 32];
    const char *arch, *s;
    uint64_t len;
    int64_t ai = tn_gguf_find_key(g, "general.architecture"), nt = tn_gguf_n_tensors(g), i, l, hk, hv, idx;
    uint8_t *seen;
    tn_status st;
    int j, e;
    memset(h, 0, sizeof(*h));
    if (ai < 0 || tn_gguf_get_str(g, ai, &s, &len) != TN_OK) return tn__fail(TN_ERR_FORMAT, "general.architecture is missing");
    if (len == 5 && memcmp(s, "llama", 5) == 0) arch = "llama";
    else if (len == 5 && memcmp(s, "arcee", 5) == 0) arch = "arcee";
    else return tn__fail(TN_ERR_UNSUPPORTED, "general.architecture is '%.*s'; ternary.h reads llama.cpp's 'llama' and 'arcee' (and its own 'ternary')", (int)(len > 64 ? 64 : len), s);
    h->arcee = arch[0] == 'a';
    if ((st = tn__kv_int(g, tn__pname(k, arch, "embedding_length"), 1, 0, &h->d)) || (st = tn__kv_int(g, tn__pname(k, arch, "block_count"), 1, 0, &h->n_layer)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "context_length"), 1, 0, &h->ctx)) || (st = tn__kv_int(g, tn__pname(k, arch, "feed_forward_length"), 1, 0, &h->ff)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.head_count"), 1, 0, &h->n_head)) ||
        (st = tn__kv_float(g, tn__pname(k, arch, "attention.layer_norm_rms_epsilon"), 1, 0.0f, &h->eps)) ||
        (st = tn__kv_float(g, tn__pname(k, arch, "rope.freq_base"), 0, 10000.0f, &h->theta)))
        return st;
    if (h->d <= 0 || h->n_head <= 0 || h->ff <= 0 || h->ctx <= 0)
        return tn__fail(TN_ERR_FORMAT, "%s: embedding_length %lld, feed_forward_length %lld, head_count %lld and context_length %lld must be positive",
                        arch, (long long)h->d, (long long)h->ff, (long long)h->n_head, (long long)h->ctx);
    if ((st = tn__kv_int(g, tn__pname(k, arch, "attention.head_count_kv"), 0, h->n_head, &h->n_kv)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.key_length"), 0, h->d / h->n_head, &hk)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.value_length"), 0, h->d / h->n_head, &hv)))
        return st;
    if (h->n_kv <= 0 || h->n_head % h->n_kv) return tn__fail(TN_ERR_FORMAT, "%s: head_count_kv %lld does not divide head_count %lld", arch, (long long)h->n_kv, (long long)h->n_head);
    if (hk <= 0 || hk != hv) return tn__fail(TN_ERR_UNSUPPORTED, "%s: attention.key_length %lld and value_length %lld differ (not checked by ternary.h)", arch, (long long)hk, (long long)hv);
    h->hd = hk;
    if ((st = tn__kv_int(g, tn__pname(k, arch, "rope.dimension_count"), 0, h->hd, &h->n_rot))) return st;
    if (h->n_rot != h->hd) return tn__fail(TN_ERR_FORMAT, "%s: rope.dimension_count %lld is not the head size %lld (llama.cpp: invalid n_rot)", arch, (long long)h->n_rot, (long long)h->hd);
    if (h->n_head * h->hd > INT32_MAX) return tn__fail(TN_ERR_FORMAT, "%s: head_count x key_length is out of range", arch);
    /* the vocabulary is token_embd's second dimension */
    if ((i = tn_gguf_find_tensor(g, "token_embd.weight")) < 0) return tn__fail(TN_ERR_FORMAT, "the tensor 'token_embd.weight' is missing (llama.cpp's %s needs it)", arch);
    {
        tn_gguf_tensor t;
        tn_gguf_get_tensor(g, i, &t);
        h->vocab = t.ne[1];
    }
    if (h->vocab <= 0) return tn__fail(TN_ERR_FORMAT, "token_embd.weight has no rows");
    if (!(seen = (uint8_t *)TN_MALLOC((size_t)(nt > 0 ? nt : 1)))) return tn__fail(TN_ERR_NOMEM, "out of memory");
    memset(seen, 0, (size_t)(nt > 0 ? nt : 1));
    st = TN_ERR_FORMAT;
#define TN__SEE(x) do { idx = (x); if (idx < -1) { st = idx == -2 ? TN_ERR_SHAPE : TN_ERR_TYPE; goto done; } if (idx >= 0) seen[idx] = 1; } while (0)
#define TN__NEED(x) do { TN__SEE(x); if (idx < 0) goto done; } while (0)
    TN__NEED(tn__llama_tensor(g, "token_embd.weight", h->d, h->vocab, 1, arch));
    TN__NEED(tn__llama_tensor(g, "output_norm.weight", h->d, 1, 1, arch));
    TN__SEE(tn__llama_tensor(g, "output.weight", h->d, h->vocab, 0, arch));
    h->tied = idx < 0;
    TN__SEE(tn__llama_tensor(g, "rope_freqs.weight", h->hd / 2, 1, 0, arch));
    if (idx >= 0 && !h->n_extra++) snprintf(h->extra, sizeof(h->extra), "rope_freqs.weight");
    for (l = 0; l < h->n_layer; l++) {
        for (j = 0; j < 9; j++) {
            int64_t ne[2];
            if (j == 6 && h->arcee) continue; /* arcee has no gate */
            tn__llama_shape(h, j, ne);
            snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, tn__llama_leaf[j]);
            TN__NEED(tn__llama_tensor(g, nm, ne[0], ne[1], 1, arch));
            if (!tn__leaf_is_proj(j)) continue;
            for (e = 0; e < 2; e++) { /* the optional bias (llama: all; arcee: q, k, v) and .scale */
                if (e == 0 && h->arcee && j > 3) continue;
                snprintf(nm, sizeof(nm), "blk.%lld.%s.%s", (long long)l, tn__llama_leaf[j], e ? "scale" : "bias");
                TN__SEE(tn__llama_tensor(g, nm, e ? 1 : ne[1], 1, 0, arch));
                if (idx >= 0 && !h->n_extra++) snprintf(h->extra, sizeof(h->extra), "%s", nm);
            }
        }
    }
#undef TN__NEED
#undef TN__SEE
    for (i = 0; i < nt; i++)
        if (!seen[i]) {
            tn_gguf_tensor t;
            tn_gguf_get_tensor(g, i, &t);
            tn__fail(TN_ERR_FORMAT, "the tensor '%s' is not one llama.cpp's %s uses (it refuses files with extra tensors)", t.name, arch);
            goto done;
        }
    st = TN_OK;
done:
    TN_FREE(seen);
    return st;
}

TNDEF int tn_gguf_llamacpp_check(const tn_gguf *g, char *why, size_t why_size) {
    tn__lhp h;
    tn_status st;
    int64_t ki, ti;
    const char *s;
    uint64_t len;
    char buf[512];
    if (!why || !why_size) { why = buf; why_size = sizeof(buf); }
    why[0] = 0;
    if (!g) { snprintf(why, why_size, "no file"); return 0; }
    ki = tn_gguf_find_key(g, "general.architecture");
    if (ki >= 0 && tn_gguf_get_str(g, ki, &s, &len) == TN_OK && len >= 7 && memcmp(s, "ternary", 7) == 0) {
        snprintf(why, why_size, "general.architecture '%.*s' is ternary.h's own %s, unknown to llama.cpp; write the model with tn_transformer_save_llamacpp",
                 (int)(len > 32 ? 32 : len), s, len == 7 ? "model layout" : "training checkpoint");
        return 0;
    }
    st = tn__llamacpp_validate(g, &h);
    if (st != TN_OK) { snprintf(why, why_size, "%s", tn_last_error()); return st == TN_ERR_UNSUPPORTED && ki >= 0 ? -1 : 0; }
    ki = tn_gguf_find_key(g, "tokenizer.ggml.model");
    if (ki < 0 || tn_gguf_get_str(g, ki, &s, &len) != TN_OK) { snprintf(why, why_size, "tokenizer.ggml.model is missing: llama.cpp needs a tokenizer"); return 0; }
    if (!(len == 4 && memcmp(s, "none", 4) == 0) && !(len == 8 && memcmp(s, "no_vocab", 8) == 0)) {
        ti = tn_gguf_find_key(g, "tokenizer.ggml.tokens");
        if (ti < 0 || tn_gguf_kv_type(g, ti) != TN_GGUF_ARRAY || tn_gguf_arr_type(g, ti) != TN_GGUF_STRING) {
            snprintf(why, why_size, "tokenizer.ggml.tokens (an array of strings) is missing");
            return 0;
        }
        if ((int64_t)tn_gguf_arr_n(g, ti) != h.vocab) {
            snprintf(why, why_size, "tokenizer.ggml.tokens has %llu tokens, token_embd.weight %lld rows", (unsigned long long)tn_gguf_arr_n(g, ti), (long long)h.vocab);
            return 0;
        }
    }
    snprintf(why, why_size, "llama.cpp's %s: %lld layers, d %lld, ff %lld, %lld heads (%lld kv), vocab %lld, context %lld%s",
             h.arcee ? "arcee" : "llama", (long long)h.n_layer, (long long)h.d, (long long)h.ff, (long long)h.n_head, (long long)h.n_kv,
             (long long)h.vocab, (long long)h.ctx, h.tied ? ", tied head" : "");
    return 1;
}

TNDEF tn_status tn_transformer_llamacpp_check(const tn_transformer_config *c, char *note, size_t note_size) {
    int ternary;
    if (note && note_size) note[0] = 0;
    if (!c) return tn__fail(TN_ERR_ARG, "tn_transformer_llamacpp_check: NULL config");
    ternary = !(c->layer_flags & TN_LAYER_FLOAT);
    if (c->norm != TN_NORM_RMS) return tn__fail(TN_ERR_UNSUPPORTED, "cfg.norm is LayerNorm: llama.cpp's llama and arcee use RMSNorm (TN_NORM_RMS)");
    if (c->mlp != TN_MLP_RELU2 && c->mlp != TN_MLP_SWIGLU)
        return tn__fail(TN_ERR_UNSUPPORTED, "cfg.mlp is %s: llama.cpp runs ternary.h's ReLU^2 MLP as arcee and its SwiGLU as llama; there is no exact form for %s", tn__mlp_names[c->mlp & 3], tn__mlp_names[c->mlp & 3]);
    if (c->layer_flags & TN_LAYER_BIAS) return tn__fail(TN_ERR_UNSUPPORTED, "cfg.layer_flags has TN_LAYER_BIAS: arcee has no biases on wo and the MLP; export a model without biases");
    if (c->layer_flags & TN_LAYER_NORM) return tn__fail(TN_ERR_UNSUPPORTED, "cfg.layer_flags has TN_LAYER_NORM (an RMSNorm on every projection's input): llama and arcee have no such norm");
    if (c->vocab != 256) return tn__fail(TN_ERR_UNSUPPORTED, "cfg.vocab is %lld: the export writes the 256-byte vocabulary (an rwkv tokenizer, token i = byte i)", (long long)c->vocab);
    if (!(c->rope_theta > 1.0f)) return tn__fail(TN_ERR_UNSUPPORTED, "cfg.rope_theta is %g, which turns RoPE off in ternary.h; llama.cpp always applies it", (double)c->rope_theta);
    if (c->d_model > INT32_MAX || c->d_ff > INT32_MAX || c->ctx_len > INT32_MAX || c->n_layer > INT32_MAX)
        return tn__fail(TN_ERR_UNSUPPORTED, "the model's sizes do not fit llama.cpp's 32-bit keys");
    if (ternary && (c->d_model % TN_QK_K || c->d_ff % TN_QK_K))
        return tn__fail(TN_ERR_UNSUPPORTED, "cfg.d_model = %lld and cfg.d_ff = %lld: llama.cpp stores TQ1_0/TQ2_0 rows in whole 256-value blocks, unpadded; "
                        "make both multiples of 256 (or export TN_LAYER_FLOAT projections, which llama.cpp runs in f32)", (long long)c->d_model, (long long)c->d_ff);
    if (ternary && !(c->layer_flags & TN_LAYER_ACT_BLOCK) && (c->d_model > TN_QK_K || c->d_ff > TN_QK_K) && note && note_size)
        snprintf(note, note_size, "per-token activation scales over ternary inputs of %lld values: llama.cpp quantizes them per 256 (Q8_K), so its logits differ "
                 "slightly from ternary.h's; train with TN_LAYER_ACT_BLOCK for the same arithmetic", (long long)(c->d_model > c->d_ff ? c->d_model : c->d_ff));
    return TN_OK;
}

TNDEF tn_status tn_transformer_save_llamacpp(const tn_transformer *m, const char *path, tn_type ternary_type, tn_type float_type) {
    const tn_transformer_config *c;
    const char *arch;
    char k[TN_MAX_NAME + 64], nm[TN_MAX_NAME + 32], toks[256][5];
    const char *tp[256];
    int32_t tt[256];
    tn_gguf *g;
    tn_status st;
    int64_t l;
    int i, j, ternary;
    uint32_t ftype;
    if (!m || !path || !m->blocks) return tn__fail(TN_ERR_ARG, "tn_transformer_save_llamacpp: NULL argument");
    c = &m->cfg;
    if ((st = tn_transformer_llamacpp_check(c, NULL, 0)) != TN_OK) return st;
    ternary = !(c->layer_flags & TN_LAYER_FLOAT);
    if (ternary && ternary_type != TN_TYPE_TQ2_0 && ternary_type != TN_TYPE_TQ1_0)
        return tn__fail(TN_ERR_TYPE, "tn_transformer_save_llamacpp: ternary projections go to tq2_0 or tq1_0 (llama.cpp's ternary types), not %s", tn_type_name(ternary_type));
    if (float_type != TN_TYPE_F32 && float_type != TN_TYPE_F16 && float_type != TN_TYPE_BF16 && float_type != TN_TYPE_Q8_0)
        return tn__fail(TN_ERR_TYPE, "tn_transformer_save_llamacpp: float tensors go to f32, f16, bf16 or q8_0, not %s", tn_type_name(float_type));
    arch = c->mlp == TN_MLP_SWIGLU ? "llama" : "arcee";
    ftype = ternary ? (ternary_type == TN_TYPE_TQ1_0 ? 36u : 37u) : float_type == TN_TYPE_F16 ? 1u : float_type == TN_TYPE_BF16 ? 32u : float_type == TN_TYPE_Q8_0 ? 7u : 0u;
    for (i = 0; i < 256; i++) { snprintf(toks[i], sizeof(toks[i]), "\\x%02x", i); tp[i] = toks[i]; tt[i] = 1; }
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    st = tn_gguf_set_str(g, "general.architecture", arch);
    if (!st) st = tn_gguf_set_str(g, "general.name", ternary ? "ternary.h ternary transformer" : "ternary.h transformer");
    if (!st) st = tn_gguf_set_u32(g, "general.file_type", ftype);
    if (!st) st = tn_gguf_set_u32(g, "general.quantization_version", 2);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "vocab_size"), (uint32_t)c->vocab);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "context_length"), (uint32_t)c->ctx_len);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "embedding_length"), (uint32_t)c->d_model);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "block_count"), (uint32_t)c->n_layer);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "feed_forward_length"), (uint32_t)c->d_ff);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "attention.head_count"), (uint32_t)c->n_head);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "attention.head_count_kv"), (uint32_t)c->n_head);
    if (!st) st = tn_gguf_set_f32(g, tn__pname(k, arch, "attention.layer_norm_rms_epsilon"), c->norm_eps);
    if (!st) st = tn_gguf_set_u32(g, tn__pname(k, arch, "rope.dimension_count"), (uint32_t)(c->d_model / c->n_head));
    if (!st) st = tn_gguf_set_f32(g, tn__pname(k, arch, "rope.freq_base"), c->rope_theta);
    /* ternary.h's own: the activation rule the model was trained with (llama.cpp ignores the key) */
    if (!st) st = tn_gguf_set_str(g, "ternary.activations", c->layer_flags & TN_LAYER_ACT_BLOCK ? "block" : "token");
    if (!st) st = tn_gguf_set_str(g, "tokenizer.ggml.model", "rwkv");
    if (!st) st = tn_gguf_set_arr_str(g, "tokenizer.ggml.tokens", tp, 256);
    if (!st) st = tn_gguf_set_arr(g, "tokenizer.ggml.token_type", TN_GGUF_INT32, tt, 256);
    if (!st) st = tn_gguf_set_bool(g, "tokenizer.ggml.add_bos_token", 0);
    if (!st) st = tn_gguf_set_bool(g, "tokenizer.ggml.add_eos_token", 0);
    if (!st) st = tn__gguf_add_converted(g, "token_embd.weight", m->tok.w, float_type);
    for (l = 0; l < c->n_layer && !st; l++) {
        tn_block *b = &m->blocks[l];
        tn_bitlinear *ls[9];
        tn__llama_layers(b, ls);
        for (j = 0; j < 9 && !st; j++) {
            snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, tn__llama_leaf[j]);
            if (j == 0 || j == 5) {
                const tn_tensor *gn = j == 0 ? b->norm1.g : b->norm2.g;
                st = tn_gguf_add_tensor(g, nm, TN_TYPE_F32, 1, gn->ne, gn->data);
            } else if (j == 6 && c->mlp != TN_MLP_SWIGLU) {
                continue;
            } else if (!ternary) {
                st = tn__gguf_add_converted(g, nm, ls[j]->w, float_type);
            } else {
                void *data;
                int64_t ne[2];
                if ((st = tn__pack_ternary(g, ls[j], ternary_type, &data, &ne[0])) != TN_OK) break;
                ne[1] = ls[j]->out; /* ne[0] = in: a multiple of 256, no padding */
                st = tn_gguf_add_tensor(g, nm, ternary_type, 2, ne, data);
            }
        }
    }
    if (!st) st = tn_gguf_add_tensor(g, "output_norm.weight", TN_TYPE_F32, 1, m->norm_f.g->ne, m->norm_f.g->data);
    if (!st) st = tn__gguf_add_converted(g, "output.weight", m->head.w, float_type);
    if (!st) st = tn_gguf_write_file(g, path);
    tn_gguf_free(g);
    return st;
}

/* a llama or arcee file into m (uninitialized): ternary.h's transformer with
   llama.cpp's tensors; refuses what ternary.h cannot run exactly */
static tn_status tn__transformer_load_llamacpp(tn_transformer *m, tn_ctx *pctx, const tn_gguf *g) {
    tn_transformer_config c = tn_transformer_config_default();
    tn__lhp h;
    tn_status st;
    int64_t l, ki;
    int j, n_tq = -1;
    char nm[TN_MAX_NAME + 32], first[2 * TN_MAX_NAME + 64] = "";
    const char *s;
    uint64_t len;
    if ((st = tn__llamacpp_validate(g, &h)) != TN_OK) return st;
    if (h.n_kv != h.n_head)
        return tn__fail(TN_ERR_UNSUPPORTED, "head_count_kv %lld < head_count %lld (grouped-query attention): ternary.h's attention has a k/v head per q head", (long long)h.n_kv, (long long)h.n_head);
    if (h.n_extra) return tn__fail(TN_ERR_UNSUPPORTED, "'%s': ternary.h does not run the biases, .scale tensors or rope_freqs of llama/arcee files", h.extra);
    if (h.n_head * h.hd != h.d) return tn__fail(TN_ERR_UNSUPPORTED, "heads of %lld x %lld != embedding_length %lld: ternary.h's attention needs head_count x head size = d", (long long)h.n_head, (long long)h.hd, (long long)h.d);
    if (h.n_layer > 1000) return tn__fail(TN_ERR_UNSUPPORTED, "block_count %lld: ternary.h builds at most 1000 blocks", (long long)h.n_layer);
    for (l = 0; l < h.n_layer; l++) /* all projections ternary, or all float */
        for (j = 0; j < 9; j++) {
            tn_gguf_tensor t;
            int tq;
            if (!tn__leaf_is_proj(j) || (j == 6 && h.arcee)) continue;
            snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, tn__llama_leaf[j]);
            tn_gguf_get_tensor(g, tn_gguf_find_tensor(g, nm), &t);
            tq = t.type == TN_TYPE_TQ1_0 || t.type == TN_TYPE_TQ2_0;
            if (n_tq < 0) { n_tq = tq; snprintf(first, sizeof(first), "'%s' is %s", nm, tn_type_name(t.type)); }
            else if (tq != n_tq) return tn__fail(TN_ERR_UNSUPPORTED, "%s but '%s' is %s: ternary.h loads models whose projections are all ternary or all float", first, nm, tn_type_name(t.type));
        }
    if (n_tq < 0) n_tq = 0;
    c.vocab = h.vocab; c.d_model = h.d; c.n_head = h.n_head; c.n_layer = h.n_layer; c.d_ff = h.ff; c.ctx_len = h.ctx;
    c.mlp = h.arcee ? TN_MLP_RELU2 : TN_MLP_SWIGLU; c.norm = TN_NORM_RMS;
    c.rope_theta = h.theta; c.norm_eps = h.eps;
    c.layer_flags = n_tq ? 0 : TN_LAYER_FLOAT;
    /* activations: as the model was trained when ternary.h wrote the file, else llama.cpp's per-block rule */
    ki = tn_gguf_find_key(g, "ternary.activations");
    if (n_tq && !(ki >= 0 && tn_gguf_get_str(g, ki, &s, &len) == TN_OK && len == 5 && memcmp(s, "token", 5) == 0)) c.layer_flags |= TN_LAYER_ACT_BLOCK;
    if (!(c.rope_theta > 1.0f)) return tn__fail(TN_ERR_UNSUPPORTED, "rope.freq_base %g: ternary.h turns RoPE off below 1", (double)c.rope_theta);
    if ((st = tn_transformer_init(m, pctx, &c, 0)) != TN_OK) return st;
    st = tn_param_load_gguf(m->tok.w, g, "token_embd.weight");
    for (l = 0; l < c.n_layer && !st; l++) {
        tn_block *b = &m->blocks[l];
        tn_bitlinear *ls[9];
        tn__llama_layers(b, ls);
        for (j = 0; j < 9 && !st; j++) {
            if (j == 6 && h.arcee) continue;
            snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, tn__llama_leaf[j]);
            if (j == 0 || j == 5) st = tn_param_load_gguf(j == 0 ? b->norm1.g : b->norm2.g, g, nm);
            else st = tn__bitlinear_load_w(ls[j], pctx, g, nm);
        }
    }
    if (!st) st = tn_param_load_gguf(m->norm_f.g, g, "output_norm.weight");
    if (!st) st = tn_param_load_gguf(m->head.w, g, h.tied ? "token_embd.weight" : "output.weight");
    if (st) tn_transformer_deinit(m);
    return st;
}


/* ==== @@IMPL:IO  whole-model quantization ==== */
#define TN__QM_ARCH "ternary-quantized"
TNDEF tn_quant_rule tn_quant_rule_default(tn_type type) {
    tn_quant_rule r;
    memset(&r, 0, sizeof(r));
    r.type = type; r.keep_type = TN_TYPE_F32; r.keep_1d = 1; r.min_elements = 0;
    return r;
}
TNDEF void tn_quant_model_free(tn_quant_model *m) {
    int i;
    if (!m) return;
    for (i = 0; i < m->n; i++) if (m->t[i].data) TN_FREE(m->t[i].data);
    if (m->t) TN_FREE(m->t);
    memset(m, 0, sizeof(*m));
}
TNDEF int tn_quant_model_find(const tn_quant_model *m, const char *name) {
    int i;
    if (!m || !name) return -1;
    for (i = 0; i < m->n; i++) if (!strcmp(m->t[i].name, name)) return i;
    return -1;
}
/* the type a tensor of `ne0`-value rows and `n` values gets, and why */
static tn_type tn__qm_pick(const tn_quant_rule *r, int n_dims, int64_t ne0, int64_t n, char *why, size_t wn) {
    why[0] = 0;
    if (r->keep_1d && n_dims <= 1) { snprintf(why, wn, "kept: 1-D"); return r->keep_type; }
    if (n < r->min_elements) { snprintf(why, wn, "kept: %lld values", (long long)n); return r->keep_type; }
    if (ne0 % tn_blck_size(r->type) == 0) return r->type;
    if (ne0 % 32 == 0 && r->type != TN_TYPE_Q8_0) { snprintf(why, wn, "fallback: rows of %lld", (long long)ne0); return TN_TYPE_Q8_0; }
    snprintf(why, wn, "fallback: rows of %lld", (long long)ne0);
    return TN_TYPE_F16;
}
TNDEF tn_status tn_quant_model_from_params(tn_quant_model *m, const tn_params *p, const tn_quant_rule *rule) {
    tn_quant_rule r;
    const tn_type_traits *tt;
    int i;
    tn_status st = TN_OK;
    float *row = NULL;
    if (!m) return tn__fail(TN_ERR_ARG, "tn_quant_model_from_params: m is NULL");
    memset(m, 0, sizeof(*m));
    if (!p || !rule) return tn__fail(TN_ERR_ARG, "tn_quant_model_from_params: %s is NULL", p ? "rule" : "params");
    r = *rule;
    tt = tn_type_get_traits(r.type);
    if (!tt || r.type == TN_TYPE_T2 || !tt->can_quantize || !tt->can_dequantize || tn_type_needs_imatrix(r.type))
        return tn__fail(TN_ERR_TYPE, "tn_quant_model_from_params: %s is not a format to quantize a model to here (a ggml type with a quantizer%s)",
                        tn_type_name(r.type), r.type == TN_TYPE_T2 ? "; for ternary weights use tq2_0 or tq1_0" : tn_type_needs_imatrix(r.type) ? "; this one needs an importance matrix: tn_quantize_imatrix" : "");
    if (r.keep_type != TN_TYPE_F32 && r.keep_type != TN_TYPE_F16 && r.keep_type != TN_TYPE_BF16)
        return tn__fail(TN_ERR_TYPE, "tn_quant_model_from_params: keep_type %s: want f32, f16 or bf16", tn_type_name(r.keep_type));
    if (p->n < 1) return tn__fail(TN_ERR_ARG, "tn_quant_model_from_params: no parameters");
    m->t = (tn_quant_tensor *)TN_MALLOC(sizeof(tn_quant_tensor) * (size_t)p->n);
    if (!m->t) return tn__fail(TN_ERR_NOMEM, "tn_quant_model_from_params: out of memory");
    memset(m->t, 0, sizeof(tn_quant_tensor) * (size_t)p->n);
    m->type = r.type;
    for (i = 0; i < p->n && st == TN_OK; i++) {
        const tn_tensor *t = p->items[i].t;
        tn_quant_tensor *q = &m->t[i];
        int64_t n = tn_nelements(t), ne0 = t->ne[0], rows = n / (ne0 ? ne0 : 1), k, rr;
        size_t rs;
        double se = 0;
        if (t->type != TN_TYPE_F32 || !tn_is_contiguous(t) || n < 1) {
            st = tn__fail(TN_ERR_TYPE, "tn_quant_model_from_params: parameter '%s' is %s%s; want contiguous f32 values", p->items[i].name, tn_type_name(t->type), tn_is_contiguous(t) ? "" : ", not contiguous");
            break;
        }
        snprintf(q->name, sizeof(q->name), "%s", p->items[i].name);
        q->n_dims = t->n_dims < 1 ? 1 : t->n_dims;
        memcpy(q->ne, t->ne, sizeof(q->ne));
        q->type = tn__qm_pick(&r, t->n_dims, ne0, n, q->why, sizeof(q->why));
        rs = tn_row_size(q->type, ne0);
        q->nbytes = rs * (size_t)rows;
        q->f32_bytes = sizeof(float) * (size_t)n;
        q->data = TN_MALLOC(q->nbytes ? q->nbytes : 1);
        row = (float *)TN_REALLOC(row, sizeof(float) * (size_t)ne0);
        if (!q->data || !row) { st = tn__fail(TN_ERR_NOMEM, "tn_quant_model_from_params: out of memory for '%s'", q->name); break; }
        for (rr = 0; rr < rows && st == TN_OK; rr++) {
            const float *x = (const float *)t->data + rr * ne0;
            uint8_t *d = (uint8_t *)q->data + (size_t)rr * rs;
            if ((st = tn_quantize_row(q->type, x, d, ne0)) != TN_OK) { tn__fail(st, "tn_quant_model_from_params: '%s' row %lld: %s", q->name, (long long)rr, tn_last_error()); break; }
            tn_dequantize_row(q->type, d, row, ne0);
            for (k = 0; k < ne0; k++) {
                double e = fabs((double)row[k] - (double)x[k]);
                se += e * e;
                if (e > q->max_err) q->max_err = e;
            }
        }
        q->rmse = sqrt(se / (double)n);
        m->n = i + 1;
        m->f32_bytes += q->f32_bytes;
        m->bytes += q->nbytes;
    }
    if (row) TN_FREE(row);
    if (st != TN_OK) tn_quant_model_free(m);
    return st;
}
TNDEF size_t tn_quant_model_summary(const tn_quant_model *m, char *buf, size_t size) {
    size_t len = 0;
    int i;
    char tmp[256];
#define TN__QM_PUT(...) do { int w_ = snprintf(tmp, sizeof(tmp), __VA_ARGS__); if (w_ > 0) { \
        if (buf && len < size) { size_t room = size - len; memcpy(buf + len, tmp, (size_t)w_ < room ? (size_t)w_ : room - 1); } \
        len += (size_t)w_; } } while (0)
    if (buf && size) buf[0] = 0;
    if (!m) return 0;
    TN__QM_PUT("%-40s %-18s %-7s %12s %12s %7s %6s %10s\n", "tensor", "shape", "type", "f32 bytes", "bytes", "ratio", "bpw", "rmse");
    for (i = 0; i < m->n; i++) {
        const tn_quant_tensor *q = &m->t[i];
        char shp[64];
        int d, o = 0;
        int64_t n = (int64_t)(q->f32_bytes / sizeof(float));
        for (d = 0; d < q->n_dims && o < 60; d++) o += snprintf(shp + o, sizeof(shp) - (size_t)o, d ? "x%lld" : "%lld", (long long)q->ne[d]);
        TN__QM_PUT("%-40s %-18s %-7s %12zu %12zu %6.2fx %6.2f %10.3g%s%s\n", q->name, shp, tn_type_name(q->type), q->f32_bytes, q->nbytes,
                   q->nbytes ? (double)q->f32_bytes / (double)q->nbytes : 0.0, n ? 8.0 * (double)q->nbytes / (double)n : 0.0, q->rmse,
                   q->why[0] ? "  " : "", q->why);
    }
    TN__QM_PUT("%-40s %-18s %-7s %12zu %12zu %6.2fx %6.2f\n", "total", "", tn_type_name(m->type), m->f32_bytes, m->bytes,
               m->bytes ? (double)m->f32_bytes / (double)m->bytes : 0.0, m->f32_bytes ? 32.0 * (double)m->bytes / (double)m->f32_bytes : 0.0);
#undef TN__QM_PUT
    if (buf && size) buf[len < size ? len : size - 1] = 0;
    return len;
}
TNDEF tn_status tn_quant_model_save(const tn_quant_model *m, const char *path) {
    tn_gguf *g;
    tn_status st;
    int i;
    if (!m || !path || m->n < 1) return tn__fail(TN_ERR_ARG, "tn_quant_model_save: %s", !path ? "path is NULL" : "no model (tn_quant_model_from_params first)");
    if (!(g = tn_gguf_new())) return TN_ERR_NOMEM;
    st = tn_gguf_set_str(g, "general.architecture", TN__QM_ARCH);
    if (!st) st = tn_gguf_set_str(g, "ternary.quantized.type", tn_type_name(m->type));
    if (!st) st = tn_gguf_set_u32(g, "general.quantization_version", 2);
    for (i = 0; i < m->n && !st; i++) st = tn_gguf_add_tensor(g, m->t[i].name, m->t[i].type, m->t[i].n_dims, m->t[i].ne, m->t[i].data);
    if (!st) st = tn_gguf_write_file(g, path);
    tn_gguf_free(g);
    return st;
}
TNDEF tn_status tn_quant_model_load(tn_quant_model *m, const char *path) {
    tn_gguf *g = NULL;
    tn_status st;
    int64_t i, n, ki;
    const char *s = NULL;
    uint64_t sl = 0;
    if (!m) return tn__fail(TN_ERR_ARG, "tn_quant_model_load: m is NULL");
    memset(m, 0, sizeof(*m));
    if (!path) return tn__fail(TN_ERR_ARG, "tn_quant_model_load: path is NULL");
    if ((st = tn_gguf_read_file(path, 0, &g)) != TN_OK) return st;
    n = tn_gguf_n_tensors(g);
    if (n < 1 || n > INT_MAX / 2) { tn_gguf_free(g); return tn__fail(TN_ERR_FORMAT, "%s holds %lld tensors: no model to load", path, (long long)n); }
    m->t = (tn_quant_tensor *)TN_MALLOC(sizeof(tn_quant_tensor) * (size_t)n);
    if (!m->t) { tn_gguf_free(g); return tn__fail(TN_ERR_NOMEM, "tn_quant_model_load: out of memory"); }
    memset(m->t, 0, sizeof(tn_quant_tensor) * (size_t)n);
    ki = tn_gguf_find_key(g, "ternary.quantized.type");
    m->type = TN_TYPE_F32;
    if (ki >= 0 && tn_gguf_get_str(g, ki, &s, &sl) == TN_OK && sl < 32) {
        char nm[32];
        memcpy(nm, s, (size_t)sl); nm[sl] = 0;
        if (tn_type_from_name(nm, &m->type) != TN_OK) m->type = TN_TYPE_F32;
    }
    for (i = 0; i < n && st == TN_OK; i++) {
        tn_gguf_tensor gt;
        tn_quant_tensor *q = &m->t[i];
        const tn_type_traits *tt;
        if ((st = tn_gguf_get_tensor(g, i, &gt)) != TN_OK) break;
        tt = tn_type_get_traits(gt.type);
        if (!tt || !tt->can_dequantize) { st = tn__fail(TN_ERR_UNSUPPORTED, "%s: tensor '%s' is %s, which ternary.h cannot decode", path, gt.name, tn_type_name(gt.type)); break; }
        snprintf(q->name, sizeof(q->name), "%s", gt.name);
        q->type = gt.type; q->n_dims = gt.n_dims;
        memcpy(q->ne, gt.ne, sizeof(q->ne));
        q->nbytes = gt.nbytes;
        q->f32_bytes = sizeof(float) * (size_t)(gt.ne[0] * gt.ne[1] * gt.ne[2] * gt.ne[3]); /* the reader checked the product */
        q->data = TN_MALLOC(gt.nbytes ? gt.nbytes : 1);
        if (!q->data) { st = tn__fail(TN_ERR_NOMEM, "tn_quant_model_load: out of memory for '%s'", gt.name); break; }
        memcpy(q->data, gt.data, gt.nbytes);
        m->n = (int)i + 1;
        m->f32_bytes += q->f32_bytes;
        m->bytes += q->nbytes;
    }
    tn_gguf_free(g);
    if (st != TN_OK) tn_quant_model_free(m);
    return st;
}
TNDEF tn_status tn_quant_model_to_params(const tn_quant_model *m, tn_params *p) {
    int i, *map;
    if (!m || !p) return tn__fail(TN_ERR_ARG, "tn_quant_model_to_params: %s is NULL", m ? "params" : "m");
    map = (int *)TN_MALLOC(sizeof(int) * (size_t)(p->n ? p->n : 1));
    if (!map) return tn__fail(TN_ERR_NOMEM, "tn_quant_model_to_params: out of memory");
    for (i = 0; i < p->n; i++) { /* everything checked before anything is written */
        const tn_tensor *t = p->items[i].t;
        int j = tn_quant_model_find(m, p->items[i].name), d;
        if (j < 0) { TN_FREE(map); return tn__fail(TN_ERR_FORMAT, "tn_quant_model_to_params: the model has no tensor '%s'", p->items[i].name); }
        for (d = 0; d < TN_MAX_DIMS; d++)
            if (m->t[j].ne[d] != t->ne[d] || t->type != TN_TYPE_F32 || !tn_is_contiguous(t)) {
                TN_FREE(map);
                return tn__fail(TN_ERR_SHAPE, "tn_quant_model_to_params: '%s' is %lldx%lldx%lldx%lld in the model, %lldx%lldx%lldx%lld %s here", p->items[i].name,
                                (long long)m->t[j].ne[0], (long long)m->t[j].ne[1], (long long)m->t[j].ne[2], (long long)m->t[j].ne[3],
                                (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3], tn_type_name(t->type));
            }
        map[i] = j;
    }
    if (m->n != p->n) {
        for (i = 0; i < m->n; i++)
            if (!tn_params_find(p, m->t[i].name)) { TN_FREE(map); return tn__fail(TN_ERR_FORMAT, "tn_quant_model_to_params: the model's '%s' is not a parameter here", m->t[i].name); }
    }
    for (i = 0; i < p->n; i++) {
        const tn_quant_tensor *q = &m->t[map[i]];
        int64_t ne0 = q->ne[0], rows = (int64_t)(q->f32_bytes / sizeof(float)) / (ne0 ? ne0 : 1), r;
        size_t rs = tn_row_size(q->type, ne0);
        for (r = 0; r < rows; r++) tn_dequantize_row(q->type, (const uint8_t *)q->data + (size_t)r * rs, (float *)p->items[i].t->data + r * ne0, ne0);
    }
    TN_FREE(map);
    return TN_OK;
}
TNDEF tn_status tn_qlinear_from_model(tn_qlinear *q, const tn_quant_model *m, const char *weight, const char *bias, unsigned flags) {
    int wi, bi = -1;
    const tn_quant_tensor *w;
    const tn_type_traits *tt;
    int64_t in, out;
    if (!q) return tn__fail(TN_ERR_ARG, "tn_qlinear_from_model: q is NULL");
    memset(q, 0, sizeof(*q));
    if (!m || !weight) return tn__fail(TN_ERR_ARG, "tn_qlinear_from_model: %s is NULL", m ? "weight" : "m");
    if (flags & ~TN_QLINEAR_WEIGHT_ONLY) return tn__fail(TN_ERR_ARG, "tn_qlinear_from_model: unknown flags 0x%x", flags & ~TN_QLINEAR_WEIGHT_ONLY);
    if ((wi = tn_quant_model_find(m, weight)) < 0) return tn__fail(TN_ERR_ARG, "tn_qlinear_from_model: no tensor '%s'", weight);
    w = &m->t[wi];
    in = w->ne[0]; out = w->ne[1];
    if (w->n_dims != 2 || w->ne[2] != 1 || w->ne[3] != 1) return tn__fail(TN_ERR_SHAPE, "tn_qlinear_from_model: '%s' is not a matrix (%d dims)", weight, w->n_dims);
    tt = tn_type_get_traits(w->type);
    if (!tt || !tt->has_vec_dot || in % tn_blck_size(tt->vec_dot_type))
        return tn__fail(TN_ERR_TYPE, "tn_qlinear_from_model: '%s' is %s with rows of %lld: no dot product for it", weight, tn_type_name(w->type), (long long)in);
    if (bias) {
        if ((bi = tn_quant_model_find(m, bias)) < 0) return tn__fail(TN_ERR_ARG, "tn_qlinear_from_model: no tensor '%s'", bias);
        if (m->t[bi].ne[0] != out || m->t[bi].ne[1] != 1 || m->t[bi].ne[2] != 1 || m->t[bi].ne[3] != 1)
            return tn__fail(TN_ERR_SHAPE, "tn_qlinear_from_model: bias '%s' has %lld values for %lld outputs", bias, (long long)m->t[bi].ne[0], (long long)out);
    }
    q->type = w->type; q->in = in; q->out = out; q->in_pad = in; q->flags = flags; q->scale = 1.0f;
    q->w = TN_MALLOC(w->nbytes);
    if (bi >= 0) q->bias = (float *)TN_MALLOC(sizeof(float) * (size_t)out);
    if (!q->w || (bi >= 0 && !q->bias)) { tn_qlinear_free(q); return tn__fail(TN_ERR_NOMEM, "tn_qlinear_from_model: out of memory"); }
    memcpy(q->w, w->data, w->nbytes);
    if (bi >= 0) tn_dequantize_row(m->t[bi].type, m->t[bi].data, q->bias, out);
    return TN_OK;
}

/* ==== @@IMPL:IO  safetensors ==== */

struct tn_safetensors {
    uint8_t *image;
    size_t size;
    int64_t skipped;          /* tensors of other dtypes, checked and left out */
    tn_st_tensor *t;
    char **names;
    int64_t n, cap;
    int64_t *idx, icap;       /* name index */
};
static const char *tn__st_name_at(const void *s, int64_t i) { return ((const tn_safetensors *)s)->t[i].name; }

TNDEF void tn_safetensors_free(tn_safetensors *s) {
    int64_t i;
    if (!s) return;
    for (i = 0; i < s->n; i++) if (s->names[i]) TN_FREE(s->names[i]);
    if (s->names) TN_FREE(s->names);
    if (s->t) TN_FREE(s->t);
    if (s->image) TN_FREE(s->image);
    tn__nidx_free(&s->idx, &s->icap);
    TN_FREE(s);
}

/* a bounded JSON reader over the header */
typedef struct { const char *p; size_t n, i; int depth; } tn__js;
static void tn__js_ws(tn__js *j) { while (j->i < j->n && (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\n' || j->p[j->i] == '\r')) j->i++; }
static int tn__js_peek(tn__js *j) { tn__js_ws(j); return j->i < j->n ? (unsigned char)j->p[j->i] : -1; }
static int tn__js_eat(tn__js *j, char c) { if (tn__js_peek(j) == (unsigned char)c) { j->i++; return 1; } return 0; }
static int tn__js_hex4(tn__js *j, unsigned *v) {
    int k;
    *v = 0;
    if (j->n - j->i < 4) return 0;
    for (k = 0; k < 4; k++) {
        char c = j->p[j->i++];
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    return 1;
}
/* a string into out (NUL-terminated, UTF-8; at most cap-1 bytes) or skipped when out is NULL */
static int tn__js_str(tn__js *j, char *out, size_t cap) {
    size_t o = 0;
    if (!tn__js_eat(j, '"')) return 0;
    while (j->i < j->n) {
        unsigned char c = (unsigned char)j->p[j->i++];
        unsigned cp;
        if (c == '"') { if (out) out[o] = 0; return 1; }
        if (c < 0x20) return 0;
        if (c != '\\') { if (out) { if (o + 1 >= cap) return 0; out[o++] = (char)c; } continue; }
        if (j->i >= j->n) return 0;
        c = (unsigned char)j->p[j->i++];
        switch (c) {
        case '"': case '\\': case '/': cp = c; break;
        case 'b': cp = 8; break;
        case 'f': cp = 12; break;
        case 'n': cp = 10; break;
        case 'r': cp = 13; break;
        case 't': cp = 9; break;
        case 'u':
            if (!tn__js_hex4(j, &cp)) return 0;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (j->n - j->i < 6 || j->p[j->i] != '\\' || j->p[j->i + 1] != 'u') return 0;
                j->i += 2;
                if (!tn__js_hex4(j, &lo) || lo < 0xDC00 || lo > 0xDFFF) return 0;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) return 0;
            break;
        default: return 0;
        }
        if (out) {
            unsigned char u[4];
            size_t k, len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (o + len >= cap) return 0;
            if (len == 1) u[0] = (unsigned char)cp;
            else if (len == 2) { u[0] = (unsigned char)(0xC0 | (cp >> 6)); u[1] = (unsigned char)(0x80 | (cp & 63)); }
            else if (len == 3) { u[0] = (unsigned char)(0xE0 | (cp >> 12)); u[1] = (unsigned char)(0x80 | ((cp >> 6) & 63)); u[2] = (unsigned char)(0x80 | (cp & 63)); }
            else { u[0] = (unsigned char)(0xF0 | (cp >> 18)); u[1] = (unsigned char)(0x80 | ((cp >> 12) & 63)); u[2] = (unsigned char)(0x80 | ((cp >> 6) & 63)); u[3] = (unsigned char)(0x80 | (cp & 63)); }
            for (k = 0; k < len; k++) out[o++] = (char)u[k];
        }
    }
    return 0;
}
static int tn__js_uint(tn__js *j, uint64_t *v) {
    int any = 0;
    tn__js_ws(j);
    *v = 0;
    while (j->i < j->n && j->p[j->i] >= '0' && j->p[j->i] <= '9') {
        unsigned d = (unsigned)(j->p[j->i++] - '0');
        if (*v > (UINT64_MAX - d) / 10) return 0;
        *v = *v * 10 + d;
        any = 1;
    }
    return any;
}
static int tn__js_skip(tn__js *j) {
    int c = tn__js_peek(j);
    if (++j->depth > 64) return 0;
    if (c == '"') { j->depth--; return tn__js_str(j, NULL, 0); }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        j->i++;
        if (tn__js_eat(j, close)) { j->depth--; return 1; }
        for (;;) {
            if (c == '{') { if (!tn__js_str(j, NULL, 0) || !tn__js_eat(j, ':')) return 0; }
            if (!tn__js_skip(j)) return 0;
            if (tn__js_eat(j, ',')) continue;
            if (tn__js_eat(j, close)) { j->depth--; return 1; }
            return 0;
        }
    }
    /* number, true, false, null */
    {
        size_t s = j->i;
        while (j->i < j->n && (isalnum((unsigned char)j->p[j->i]) || j->p[j->i] == '-' || j->p[j->i] == '+' || j->p[j->i] == '.')) j->i++;
        j->depth--;
        return j->i > s;
    }
}

static int tn__cmp_st_off(const void *a, const void *b) {
    const uint8_t *x = (const uint8_t *)(*(const tn_st_tensor *const *)a)->data, *y = (const uint8_t *)(*(const tn_st_tensor *const *)b)->data;
    return x < y ? -1 : x > y ? 1 : 0;
}

static tn_status tn__st_parse(tn_safetensors *s) {
    uint64_t hlen;
    tn__js j;
    const uint8_t *data;
    size_t data_size;
    char key[1024];
    if (s->size < 8) return tn__fail(TN_ERR_FORMAT, "safetensors: %zu bytes is too short for a header", s->size);
    hlen = tn__rd64(s->image);
    if (hlen > s->size - 8 || hlen > ((uint64_t)100 << 20)) return tn__fail(TN_ERR_FORMAT, "safetensors: header of %llu bytes does not fit the %zu-byte file", (unsigned long long)hlen, s->size);
    j.p = (const char *)s->image + 8; j.n = (size_t)hlen; j.i = 0; j.depth = 0;
    data = s->image + 8 + hlen;
    data_size = s->size - 8 - (size_t)hlen;
    if (!tn__js_eat(&j, '{')) return tn__fail(TN_ERR_FORMAT, "safetensors: the header is not a JSON object");
    if (tn__js_eat(&j, '}')) return TN_OK;
    for (;;) {
        tn_st_tensor t;
        uint64_t b = 0, e = 0, shape[8];
        int nd = 0, have_dtype = 0, have_shape = 0, have_off = 0, d;
        char dtype[16];
        if (!tn__js_str(&j, key, sizeof(key)) || !tn__js_eat(&j, ':')) return tn__fail(TN_ERR_FORMAT, "safetensors: bad JSON near header byte %zu", j.i);
        if (strcmp(key, "__metadata__") == 0) {
            if (!tn__js_skip(&j)) return tn__fail(TN_ERR_FORMAT, "safetensors: bad __metadata__");
        } else {
            if (!tn__js_eat(&j, '{')) return tn__fail(TN_ERR_FORMAT, "safetensors: tensor '%s' is not an object", key);
            for (;;) {
                char field[32];
                if (!tn__js_str(&j, field, sizeof(field)) || !tn__js_eat(&j, ':')) return tn__fail(TN_ERR_FORMAT, "safetensors: bad field in '%s'", key);
                if (strcmp(field, "dtype") == 0) {
                    if (!tn__js_str(&j, dtype, sizeof(dtype))) return tn__fail(TN_ERR_FORMAT, "safetensors: bad dtype of '%s'", key);
                    have_dtype = 1;
                } else if (strcmp(field, "shape") == 0) {
                    if (!tn__js_eat(&j, '[')) return tn__fail(TN_ERR_FORMAT, "safetensors: bad shape of '%s'", key);
                    if (!tn__js_eat(&j, ']')) {
                        for (;;) {
                            if (nd >= 8 || !tn__js_uint(&j, &shape[nd])) return tn__fail(TN_ERR_FORMAT, "safetensors: bad shape of '%s'", key);
                            nd++;
                            if (tn__js_eat(&j, ',')) continue;
                            if (tn__js_eat(&j, ']')) break;
                            return tn__fail(TN_ERR_FORMAT, "safetensors: bad shape of '%s'", key);
                        }
                    }
                    have_shape = 1;
                } else if (strcmp(field, "data_offsets") == 0) {
                    if (!tn__js_eat(&j, '[') || !tn__js_uint(&j, &b) || !tn__js_eat(&j, ',') || !tn__js_uint(&j, &e) || !tn__js_eat(&j, ']'))
                        return tn__fail(TN_ERR_FORMAT, "safetensors: bad data_offsets of '%s'", key);
                    have_off = 1;
                } else if (!tn__js_skip(&j)) {
                    return tn__fail(TN_ERR_FORMAT, "safetensors: bad value of '%s.%s'", key, field);
                }
                if (tn__js_eat(&j, ',')) continue;
                if (tn__js_eat(&j, '}')) break;
                return tn__fail(TN_ERR_FORMAT, "safetensors: bad JSON in '%s'", key);
            }
            if (!have_dtype || !have_shape || !have_off) return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' lacks dtype, shape or data_offsets", key);
            memset(&t, 0, sizeof(t));
            if (strcmp(dtype, "F32") == 0) t.type = TN_TYPE_F32;
            else if (strcmp(dtype, "F16") == 0) t.type = TN_TYPE_F16;
            else if (strcmp(dtype, "BF16") == 0) t.type = TN_TYPE_BF16;
            else { /* other dtypes (int buffers, f64, fp8) are checked for size and skipped */
                static const struct { const char *name; int size; } other[] = {
                    {"F64", 8}, {"I64", 8}, {"U64", 8}, {"I32", 4}, {"U32", 4}, {"I16", 2}, {"U16", 2},
                    {"I8", 1}, {"U8", 1}, {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
                uint64_t cnt = 1;
                int o, size = 0;
                for (o = 0; o < (int)(sizeof(other) / sizeof(other[0])); o++) if (strcmp(dtype, other[o].name) == 0) size = other[o].size;
                if (!size) return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' has unknown dtype '%s'", key, dtype);
                for (d = 0; d < nd; d++) {
                    if (shape[d] && cnt > UINT64_MAX / 16 / shape[d]) return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' is too large", key);
                    cnt *= shape[d];
                }
                if (b > e || e > data_size || e - b != cnt * (uint64_t)size)
                    return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' data [%llu, %llu) does not fit its %s shape", key, (unsigned long long)b, (unsigned long long)e, dtype);
                s->skipped++;
                goto next_key;
            }
            if (nd > TN_MAX_DIMS) return tn__fail(TN_ERR_UNSUPPORTED, "safetensors: '%s' has %d dims (at most 4)", key, nd);
            t.n_dims = nd ? nd : 1;
            for (d = 0; d < TN_MAX_DIMS; d++) t.ne[d] = 1;
            for (d = 0; d < nd; d++) {
                if (shape[d] > ((uint64_t)1 << 48)) return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' dim %d is too large", key, d);
                t.ne[nd - 1 - d] = (int64_t)shape[d];
            }
            if (tn__tensor_nbytes(t.type, t.ne, &t.nbytes, key) != TN_OK) return TN_ERR_FORMAT;
            if (b > e || e > data_size || e - b != t.nbytes)
                return tn__fail(TN_ERR_FORMAT, "safetensors: '%s' data [%llu, %llu) does not fit %zu bytes of %s data in a %zu-byte section",
                                key, (unsigned long long)b, (unsigned long long)e, t.nbytes, dtype, data_size);
            t.data = data + b;
            if (s->n == s->cap) {
                int64_t cap = s->cap ? 2 * s->cap : 16;
                tn_st_tensor *nt = (tn_st_tensor *)TN_REALLOC(s->t, sizeof(tn_st_tensor) * (size_t)cap);
                char **nn;
                if (!nt) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
                s->t = nt;
                nn = (char **)TN_REALLOC(s->names, sizeof(char *) * (size_t)cap);
                if (!nn) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
                s->names = nn;
                s->cap = cap;
            }
            s->names[s->n] = (char *)TN_MALLOC(strlen(key) + 1);
            if (!s->names[s->n]) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
            memcpy(s->names[s->n], key, strlen(key) + 1);
            t.name = s->names[s->n];
            s->t[s->n++] = t;
        }
    next_key:
        if (tn__js_eat(&j, ',')) continue;
        if (tn__js_eat(&j, '}')) break;
        return tn__fail(TN_ERR_FORMAT, "safetensors: bad JSON near header byte %zu", j.i);
    }
    { /* unique names */
        int64_t dup;
        tn_status st;
        if ((st = tn__nidx_build(&s->idx, &s->icap, s, tn__st_name_at, s->n, &dup)) != TN_OK) return st;
        if (dup >= 0) return tn__fail(TN_ERR_FORMAT, "safetensors: tensor '%s' appears twice", s->t[dup].name);
    }
    if (s->n > 1) { /* no two tensors share bytes */
        tn_st_tensor **o = (tn_st_tensor **)TN_MALLOC(sizeof(*o) * (size_t)s->n);
        int64_t i;
        if (!o) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
        for (i = 0; i < s->n; i++) o[i] = &s->t[i];
        qsort(o, (size_t)s->n, sizeof(*o), tn__cmp_st_off);
        for (i = 1; i < s->n; i++)
            if ((const uint8_t *)o[i - 1]->data + o[i - 1]->nbytes > (const uint8_t *)o[i]->data) {
                tn__fail(TN_ERR_FORMAT, "safetensors: '%s' and '%s' overlap", o[i - 1]->name, o[i]->name);
                TN_FREE(o);
                return TN_ERR_FORMAT;
            }
        TN_FREE(o);
    }
    return TN_OK;
}

TNDEF tn_status tn_safetensors_read_memory(const void *data, size_t size, tn_safetensors **out) {
    tn_safetensors *s;
    tn_status st;
    if (!data || !out) return tn__fail(TN_ERR_ARG, "tn_safetensors_read_memory: NULL argument");
    s = (tn_safetensors *)TN_MALLOC(sizeof(tn_safetensors));
    if (!s) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
    memset(s, 0, sizeof(*s));
    s->image = (uint8_t *)TN_MALLOC(size ? size : 1);
    if (!s->image) { TN_FREE(s); return tn__fail(TN_ERR_NOMEM, "safetensors: cannot allocate %zu bytes", size); }
    memcpy(s->image, data, size);
    s->size = size;
    if ((st = tn__st_parse(s)) != TN_OK) { tn_safetensors_free(s); return st; }
    *out = s;
    return TN_OK;
}
TNDEF tn_status tn_safetensors_read_file(const char *path, tn_safetensors **out) {
    tn_safetensors *s;
    tn_status st;
    int mapped = 0;
    if (!path || !out) return tn__fail(TN_ERR_ARG, "tn_safetensors_read_file: NULL argument");
    s = (tn_safetensors *)TN_MALLOC(sizeof(tn_safetensors));
    if (!s) return tn__fail(TN_ERR_NOMEM, "safetensors: out of memory");
    memset(s, 0, sizeof(*s));
    if ((st = tn__read_whole(path, 0, &s->image, &s->size, &mapped)) != TN_OK) { TN_FREE(s); return st; }
    if ((st = tn__st_parse(s)) != TN_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", tn_last_error());
        tn_safetensors_free(s);
        return tn__fail(st, "%s: %s", path, msg);
    }
    *out = s;
    return TN_OK;
}
TNDEF int64_t tn_safetensors_n_tensors(const tn_safetensors *s) { return s ? s->n : 0; }
TNDEF int64_t tn_safetensors_find(const tn_safetensors *s, const char *name) {
    int64_t i;
    if (!s || !name) return -1;
    if (s->idx) return tn__nidx_find(s->idx, s->icap, s, tn__st_name_at, name, strlen(name));
    for (i = 0; i < s->n; i++) if (strcmp(s->t[i].name, name) == 0) return i;
    return -1;
}
TNDEF tn_status tn_safetensors_get(const tn_safetensors *s, int64_t i, tn_st_tensor *out) {
    if (!s || !out || i < 0 || i >= s->n) return tn__fail(TN_ERR_ARG, "tn_safetensors_get: no tensor %lld", (long long)i);
    *out = s->t[i];
    return TN_OK;
}
TNDEF tn_tensor *tn_safetensors_load(tn_ctx *ctx, const tn_safetensors *s, int64_t i) {
    tn_st_tensor st;
    tn_tensor *t;
    int64_t r, nr;
    if (tn_safetensors_get(s, i, &st) != TN_OK) return NULL;
    t = tn_new(ctx, TN_TYPE_F32, st.n_dims, st.ne);
    if (!t) return NULL;
    nr = tn_nrows(t);
    for (r = 0; r < nr; r++)
        tn_dequantize_row(st.type, (const uint8_t *)st.data + (size_t)r * tn_row_size(st.type, st.ne[0]), (float *)t->data + r * st.ne[0], st.ne[0]);
    if (strlen(st.name) < TN_MAX_NAME) tn_set_name(t, st.name);
    return t;
}

/* ==== @@IMPL:LLM  vocabularies, the llama/arcee/bitnet runner, sampling ==== */

typedef struct { uint32_t off, len; int32_t type; } tn__vtok;
typedef struct { int32_t l, r, res; uint32_t rank; } tn__merge; /* l < 0: an empty slot */
struct tn_vocab {
    char model[16];
    int pre;                  /* gpt2: TN__PRE_*; 0: rwkv */
    int ignore_merges;        /* a piece that is a whole token is that token (llama3) */
    tn__merge *merges;        /* open addressing on (left id, right id) */
    uint64_t mmask;
    uint8_t *xbytes;          /* strings the merges name that are no token: ids n + x */
    uint32_t *xoff, *xlen;
    int32_t *xhash, nx;
    uint64_t xmask, nxbytes;
    int32_t benc[256];        /* each byte's one-character symbol */
    int32_t bsingle[256];     /* the token of each single byte, -1 if none */
    uint8_t *eog;             /* end-of-generation tokens (also found by their text, as llama.cpp) */
    int64_t n;
    tn__vtok *tok;
    uint8_t *bytes;           /* every token's bytes (rwkv: unescaped) */
    int32_t *hash;            /* open addressing over the bytes: id or -1 (a duplicate: the last id) */
    uint64_t hmask;
    uint32_t max_len;
    int32_t bos, eos, eot, eom;
    int add_bos, add_eos;
    int32_t *special;         /* control and user-defined tokens, longest first */
    int64_t n_special;
};

static uint64_t tn__fnv_step(uint64_t h, uint8_t b) { return (h ^ b) * 1099511628211ull; }
#define TN__FNV0 1469598103934665603ull
static int32_t tn__vocab_find(const tn_vocab *v, const uint8_t *s, uint32_t len, uint64_t h) {
    uint64_t i = h & v->hmask;
    for (;; i = (i + 1) & v->hmask) {
        int32_t id = v->hash[i];
        if (id < 0) return -1;
        if (v->tok[id].len == len && memcmp(v->bytes + v->tok[id].off, s, len) == 0) return id;
    }
}
/* llama.cpp's rwkv unescaping: \t \n \r \xNN, a backslash before anything else is dropped */
static size_t tn__rwkv_unescape(const char *s, uint64_t n, uint8_t *out) {
    size_t o = 0;
    uint64_t i;
    int esc = 0, hex = 0;
    unsigned acc = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (hex) {
            acc = (acc << 4) + (unsigned)(c >= 'a' ? c - 'a' + 10 : c - '0');
            if (--hex == 0) { out[o++] = (uint8_t)acc; acc = 0; }
            continue;
        }
        if (esc) {
            esc = 0;
            if (c == 't') out[o++] = '\t';
            else if (c == 'n') out[o++] = '\n';
            else if (c == 'r') out[o++] = '\r';
            else if (c == 'x') hex = 2;
            else out[o++] = c;
            continue;
        }
        if (c == '\\') { esc = 1; continue; }
        out[o++] = c;
    }
    return o;
}
static tn_status tn__vocab_id_key(const tn_gguf *g, const char *key, int64_t n, int32_t *out) {
    int64_t v;
    tn_status st = tn__kv_int(g, key, 0, -1, &v);
    if (st != TN_OK) return st;
    if (tn_gguf_find_key(g, key) < 0) return TN_OK;
    if (v >= n) return tn__fail(TN_ERR_FORMAT, "%s is %lld, but the vocabulary has %lld tokens", key, (long long)v, (long long)n);
    *out = (int32_t)v;
    return TN_OK;
}
static tn_status tn__vocab_bool_key(const tn_gguf *g, const char *key, int *out) {
    int64_t i = tn_gguf_find_key(g, key);
    if (i < 0) return TN_OK;
    if (tn_gguf_get_bool(g, i, out) != TN_OK) return tn__fail(TN_ERR_FORMAT, "%s is not a bool", key);
    return TN_OK;
}
#define TN__PRE_DEFAULT 1
#define TN__PRE_GPT2    2
#define TN__PRE_LLAMA3  3
#define TN__PRE_QWEN2   4
static tn_status tn__bpe_load(tn_vocab *v, const tn_gguf *g);
/* the texts llama.cpp takes for end of generation whatever their type */
static int tn__eog_text(const uint8_t *s, size_t l) {
    static const char *const eog[] = { "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<|end_of_text|>",
                                       "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|return|>", "<|call|>", "<end_of_utterance>", "</s>", "<eos>", NULL };
    int i;
    for (i = 0; eog[i]; i++) if (strlen(eog[i]) == l && memcmp(eog[i], s, l) == 0) return 1;
    return 0;
}
TNDEF void tn_vocab_free(tn_vocab *v) {
    if (!v) return;
    TN_FREE(v->tok); TN_FREE(v->bytes); TN_FREE(v->hash); TN_FREE(v->special);
    TN_FREE(v->merges); TN_FREE(v->xbytes); TN_FREE(v->xoff); TN_FREE(v->xlen); TN_FREE(v->xhash); TN_FREE(v->eog);
    TN_FREE(v);
}
TNDEF tn_status tn_vocab_from_gguf(const tn_gguf *g, tn_vocab **out) {
    tn_vocab *v;
    int64_t ki, ti, yi, i;
    const char *s;
    uint64_t len, n, total = 0, hcap;
    const int32_t *types = NULL;
    int pre = 0;
    tn_status st;
    if (!g || !out) return tn__fail(TN_ERR_ARG, "tn_vocab_from_gguf: NULL argument");
    *out = NULL;
    ki = tn_gguf_find_key(g, "tokenizer.ggml.model");
    if (ki < 0 || tn_gguf_get_str(g, ki, &s, &len) != TN_OK) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.model is missing: the file has no tokenizer");
    if (len == 4 && memcmp(s, "gpt2", 4) == 0) {
        /* llama.cpp's names for the pre-tokenizers ternary.h has */
        static const char *const gpt2[] = { "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "mpt", "olmo", "jais", NULL };
        static const char *const llama3[] = { "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano", NULL };
        static const char *const qwen2[] = { "qwen2", "deepseek-r1-qwen", "stablelm2", NULL };
        const char *ps = "default";
        uint64_t pl = 7;
        int64_t pi = tn_gguf_find_key(g, "tokenizer.ggml.pre");
        if (pi >= 0 && tn_gguf_get_str(g, pi, &ps, &pl) != TN_OK) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.pre is not a string");
        if (pl == 7 && memcmp(ps, "default", 7) == 0) pre = TN__PRE_DEFAULT;
        for (i = 0; !pre && gpt2[i]; i++) if (strlen(gpt2[i]) == pl && memcmp(gpt2[i], ps, pl) == 0) pre = TN__PRE_GPT2;
        for (i = 0; !pre && llama3[i]; i++) if (strlen(llama3[i]) == pl && memcmp(llama3[i], ps, pl) == 0) pre = TN__PRE_LLAMA3;
        for (i = 0; !pre && qwen2[i]; i++) if (strlen(qwen2[i]) == pl && memcmp(qwen2[i], ps, pl) == 0) pre = TN__PRE_QWEN2;
        if (!pre)
            return tn__fail(TN_ERR_UNSUPPORTED, "tokenizer.ggml.pre is '%.*s': ternary.h's gpt2 (byte-level BPE) pre-tokenizers are default, the gpt-2 family (gpt-2, phi-2, mpt, olmo, ...), the llama3 family (llama-bpe, llama3, falcon3, ...) and the qwen2 family (qwen2, deepseek-r1-qwen, stablelm2)",
                            (int)(pl > 32 ? 32 : pl), ps);
    } else if (!(len == 4 && memcmp(s, "rwkv", 4) == 0))
        return tn__fail(TN_ERR_UNSUPPORTED, "tokenizer.ggml.model is '%.*s': ternary.h tokenizes 'rwkv' and 'gpt2' vocabularies so far", (int)(len > 32 ? 32 : len), s);
    ti = tn_gguf_find_key(g, "tokenizer.ggml.tokens");
    if (ti < 0 || tn_gguf_kv_type(g, ti) != TN_GGUF_ARRAY || tn_gguf_arr_type(g, ti) != TN_GGUF_STRING)
        return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.tokens (an array of strings) is missing");
    n = tn_gguf_arr_n(g, ti);
    if (n == 0 || n > (uint64_t)INT32_MAX) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.tokens has %llu tokens (1 to 2^31-1 wanted)", (unsigned long long)n);
    yi = tn_gguf_find_key(g, "tokenizer.ggml.token_type");
    if (yi >= 0) {
        if (tn_gguf_kv_type(g, yi) != TN_GGUF_ARRAY || tn_gguf_arr_type(g, yi) != TN_GGUF_INT32 || tn_gguf_arr_n(g, yi) != n)
            return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.token_type must be %llu int32s, one per token", (unsigned long long)n);
        types = (const int32_t *)tn_gguf_arr_data(g, yi);
    }
    for (i = 0; i < (int64_t)n; i++) {
        tn_gguf_arr_str(g, ti, (uint64_t)i, &len);
        if (len > UINT32_MAX || total > UINT32_MAX - len) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.tokens: the tokens' text exceeds 4 GB");
        total += len;
    }
    for (hcap = 16; hcap < 2 * n; hcap *= 2) {}
    if (!(v = (tn_vocab *)TN_MALLOC(sizeof(*v)))) return tn__fail(TN_ERR_NOMEM, "tn_vocab_from_gguf: out of memory");
    memset(v, 0, sizeof(*v));
    v->tok = (tn__vtok *)TN_MALLOC((size_t)n * sizeof(tn__vtok));
    v->bytes = (uint8_t *)TN_MALLOC((size_t)total + 1);
    v->hash = (int32_t *)TN_MALLOC((size_t)hcap * sizeof(int32_t));
    v->special = (int32_t *)TN_MALLOC((size_t)n * sizeof(int32_t));
    v->eog = (uint8_t *)TN_MALLOC((size_t)n);
    if (!v->tok || !v->bytes || !v->hash || !v->special || !v->eog) { tn_vocab_free(v); return tn__fail(TN_ERR_NOMEM, "tn_vocab_from_gguf: out of memory for %llu tokens", (unsigned long long)n); }
    memcpy(v->model, pre ? "gpt2" : "rwkv", 5);
    v->pre = pre;
    v->n = (int64_t)n;
    memset(v->eog, 0, (size_t)n);
    v->hmask = hcap - 1;
    v->bos = v->eos = v->eot = v->eom = -1;
    memset(v->hash, 0xff, (size_t)hcap * sizeof(int32_t));
    total = 0;
    for (i = 0; i < (int64_t)n; i++) {
        const char *t = tn_gguf_arr_str(g, ti, (uint64_t)i, &len);
        int32_t ty = types ? types[i] : 1;
        size_t l = pre ? (size_t)len : tn__rwkv_unescape(t, len, v->bytes + total);
        uint64_t h = TN__FNV0, j;
        if (ty < 0 || ty > 6) { tn_vocab_free(v); return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.token_type of token %lld is %d (0 to 6 wanted)", (long long)i, (int)ty); }
        if (pre && len) memcpy(v->bytes + total, t, (size_t)len);
        if (tn__eog_text(v->bytes + total, l)) {   /* llama.cpp marks these by their text, and makes them control tokens */
            v->eog[i] = 1;
            if (ty != 3 && ty != 5) ty = 3;
        }
        v->tok[i].off = (uint32_t)total; v->tok[i].len = (uint32_t)l; v->tok[i].type = ty;
        total += l;
        if ((ty == 2 || ty == 3 || ty == 4) && l > 0) v->special[v->n_special++] = (int32_t)i;
        if (l == 0) continue;
        if (l > v->max_len) v->max_len = (uint32_t)l;
        for (j = 0; j < l; j++) h = tn__fnv_step(h, v->bytes[v->tok[i].off + j]);
        for (j = h & v->hmask;; j = (j + 1) & v->hmask) {
            int32_t id = v->hash[j];
            if (id < 0 || (v->tok[id].len == l && memcmp(v->bytes + v->tok[id].off, v->bytes + v->tok[i].off, l) == 0)) { v->hash[j] = (int32_t)i; break; }
        }
    }
    /* special tokens longest first; equal lengths by id (a stable order) */
    for (i = 1; i < v->n_special; i++) {
        int32_t x = v->special[i];
        int64_t j = i - 1;
        while (j >= 0 && (v->tok[v->special[j]].len < v->tok[x].len)) { v->special[j + 1] = v->special[j]; j--; }
        v->special[j + 1] = x;
    }
    if (pre) {  /* llama.cpp's defaults for gpt2 vocabularies */
        if (v->n > 11) v->bos = v->eos = 11;
        v->add_bos = pre == TN__PRE_LLAMA3;
        v->ignore_merges = pre == TN__PRE_LLAMA3;
        if ((st = tn__bpe_load(v, g))) { tn_vocab_free(v); return st; }
    }
    if ((st = tn__vocab_id_key(g, "tokenizer.ggml.bos_token_id", v->n, &v->bos)) || (st = tn__vocab_id_key(g, "tokenizer.ggml.eos_token_id", v->n, &v->eos)) ||
        (st = tn__vocab_id_key(g, "tokenizer.ggml.eot_token_id", v->n, &v->eot)) || (st = tn__vocab_id_key(g, "tokenizer.ggml.eom_token_id", v->n, &v->eom)) ||
        (st = tn__vocab_bool_key(g, "tokenizer.ggml.add_bos_token", &v->add_bos)) || (st = tn__vocab_bool_key(g, "tokenizer.ggml.add_eos_token", &v->add_eos))) {
        tn_vocab_free(v);
        return st;
    }
    if (v->add_bos && v->bos < 0) v->add_bos = 0;
    if (v->add_eos && v->eos < 0) v->add_eos = 0;
    *out = v;
    return TN_OK;
}
TNDEF int64_t tn_vocab_n(const tn_vocab *v) { return v ? v->n : 0; }
TNDEF const char *tn_vocab_model(const tn_vocab *v) { return v ? v->model : ""; }
TNDEF int32_t tn_vocab_bos(const tn_vocab *v) { return v ? v->bos : -1; }
TNDEF int32_t tn_vocab_eos(const tn_vocab *v) { return v ? v->eos : -1; }
TNDEF int tn_vocab_add_bos(const tn_vocab *v) { return v ? v->add_bos : 0; }
TNDEF int tn_vocab_is_eog(const tn_vocab *v, int32_t id) { return v && id >= 0 && id < v->n && (id == v->eos || id == v->eot || id == v->eom || v->eog[id]); }

/* the writer of ids: counts past cap, writes what fits */
typedef struct { int32_t *ids; int64_t cap, n; } tn__idsink;
static void tn__ids_put(tn__idsink *o, int32_t id) { if (o->n < o->cap) o->ids[o->n] = id; o->n++; }
/* a raw fragment: the longest token at each position (llama.cpp's rwkv trie walk) */
static tn_status tn__rwkv_run(const tn_vocab *v, const uint8_t *s, size_t len, size_t base, tn__idsink *o) {
    size_t p = 0;
    while (p < len) {
        uint64_t h = TN__FNV0;
        uint32_t l, lmax = (uint32_t)TN__MIN((size_t)v->max_len, len - p);
        int32_t best = -1, id;
        size_t blen = 0;
        for (l = 1; l <= lmax; l++) {
            h = tn__fnv_step(h, s[p + l - 1]);
            if ((id = tn__vocab_find(v, s + p, l, h)) >= 0) { best = id; blen = l; }
        }
        if (best < 0) return tn__fail(TN_ERR_FORMAT, "tn_tokenize: byte 0x%02x at offset %zu begins no token of the vocabulary (it has no unknown token)", s[p], base + p);
        tn__ids_put(o, best);
        p += blen;
    }
    return TN_OK;
}
/* ---- Unicode for the byte-level BPE pre-tokenizers: general-category
   classes (Unicode 15.1, as llama.cpp's tokenizer; generated by
   tools/gen_unicode.py: one entry per range, start << 3 | class) ---- */
static const uint32_t tn__ucat[2272] = {
    0x7, 0x103, 0x10d, 0x126, 0x12d, 0x15e, 0x165, 0x181, 0x1d5, 0x1e6,
    0x1fd, 0x20a, 0x2dd, 0x2f6, 0x2fd, 0x306, 0x30a, 0x3dd, 0x3e6, 0x3ed,
    0x3f6, 0x3ff, 0x503, 0x50d, 0x516, 0x53d, 0x546, 0x552, 0x55d, 0x566,
    0x56f, 0x576, 0x591, 0x5a6, 0x5aa, 0x5b5, 0x5c6, 0x5c9, 0x5d2, 0x5dd,
    0x5e1, 0x5fd, 0x602, 0x6be, 0x6c2, 0x7be, 0x7c2, 0x1616, 0x1632, 0x1696,
    0x1702, 0x172e, 0x1762, 0x176e, 0x1772, 0x177e, 0x1804, 0x1b82, 0x1bae, 0x1bb2,
    0x1bc0, 0x1bd2, 0x1bf5, 0x1bfa, 0x1c00, 0x1c26, 0x1c32, 0x1c3d, 0x1c42, 0x1c58,
    0x1c62, 0x1c68, 0x1c72, 0x1d10, 0x1d1a, 0x1fb6, 0x1fba, 0x2416, 0x241c, 0x2452,
    0x2980, 0x298a, 0x2ab8, 0x2aca, 0x2ad5, 0x2b02, 0x2c4d, 0x2c58, 0x2c6e, 0x2c80,
    0x2c8c, 0x2df5, 0x2dfc, 0x2e05, 0x2e0c, 0x2e1d, 0x2e24, 0x2e35, 0x2e3c, 0x2e40,
    0x2e82, 0x2f58, 0x2f7a, 0x2f9d, 0x2fa8, 0x3007, 0x3036, 0x304d, 0x305e, 0x3065,
    0x3076, 0x3084, 0x30dd, 0x30e7, 0x30ed, 0x3102, 0x325c, 0x3301, 0x3355, 0x3372,
    0x3384, 0x338a, 0x36a5, 0x36aa, 0x36b4, 0x36ef, 0x36f6, 0x36fc, 0x372a, 0x373c,
    0x374e, 0x3754, 0x3772, 0x3781, 0x37d2, 0x37ee, 0x37fa, 0x3805, 0x3870, 0x387f,
    0x3882, 0x388c, 0x3892, 0x3984, 0x3a58, 0x3a6a, 0x3d34, 0x3d8a, 0x3d90, 0x3e01,
    0x3e52, 0x3f5c, 0x3fa2, 0x3fb6, 0x3fbd, 0x3fd2, 0x3fd8, 0x3fec, 0x3ff6, 0x4002,
    0x40b4, 0x40d2, 0x40dc, 0x4122, 0x412c, 0x4142, 0x414c, 0x4170, 0x4185, 0x41f8,
    0x4202, 0x42cc, 0x42e0, 0x42f5, 0x42f8, 0x4302, 0x4358, 0x4382, 0x4446, 0x444a,
    0x4478, 0x4487, 0x4490, 0x44c4, 0x4502, 0x4654, 0x4717, 0x471c, 0x4822, 0x49d4,
    0x49ea, 0x49f4, 0x4a82, 0x4a8c, 0x4ac2, 0x4b14, 0x4b25, 0x4b31, 0x4b85, 0x4b8a,
    0x4c0c, 0x4c20, 0x4c2a, 0x4c68, 0x4c7a, 0x4c88, 0x4c9a, 0x4d48, 0x4d52, 0x4d88,
    0x4d92, 0x4d98, 0x4db2, 0x4dd0, 0x4de4, 0x4dea, 0x4df4, 0x4e28, 0x4e3c, 0x4e48,
    0x4e5c, 0x4e72, 0x4e78, 0x4ebc, 0x4ec0, 0x4ee2, 0x4ef0, 0x4efa, 0x4f14, 0x4f20,
    0x4f31, 0x4f82, 0x4f96, 0x4fa1, 0x4fd6, 0x4fe2, 0x4fed, 0x4ff4, 0x4ff8, 0x500c,
    0x5020, 0x502a, 0x5058, 0x507a, 0x5088, 0x509a, 0x5148, 0x5152, 0x5188, 0x5192,
    0x51a0, 0x51aa, 0x51b8, 0x51c2, 0x51d0, 0x51e4, 0x51e8, 0x51f4, 0x5218, 0x523c,
    0x5248, 0x525c, 0x5270, 0x528c, 0x5290, 0x52ca, 0x52e8, 0x52f2, 0x52f8, 0x5331,
    0x5384, 0x5392, 0x53ac, 0x53b5, 0x53b8, 0x540c, 0x5420, 0x542a, 0x5470, 0x547a,
    0x5490, 0x549a, 0x5548, 0x5552, 0x5588, 0x5592, 0x55a0, 0x55aa, 0x55d0, 0x55e4,
    0x55ea, 0x55f4, 0x5630, 0x563c, 0x5650, 0x565c, 0x5670, 0x5682, 0x5688, 0x5702,
    0x5714, 0x5720, 0x5731, 0x5785, 0x578e, 0x5790, 0x57ca, 0x57d4, 0x5800, 0x580c,
    0x5820, 0x582a, 0x5868, 0x587a, 0x5888, 0x589a, 0x5948, 0x5952, 0x5988, 0x5992,
    0x59a0, 0x59aa, 0x59d0, 0x59e4, 0x59ea, 0x59f4, 0x5a28, 0x5a3c, 0x5a48, 0x5a5c,
    0x5a70, 0x5aac, 0x5ac0, 0x5ae2, 0x5af0, 0x5afa, 0x5b14, 0x5b20, 0x5b31, 0x5b86,
    0x5b8a, 0x5b91, 0x5bc0, 0x5c14, 0x5c1a, 0x5c20, 0x5c2a, 0x5c58, 0x5c72, 0x5c88,
    0x5c92, 0x5cb0, 0x5cca, 0x5cd8, 0x5ce2, 0x5ce8, 0x5cf2, 0x5d00, 0x5d1a, 0x5d28,
    0x5d42, 0x5d58, 0x5d72, 0x5dd0, 0x5df4, 0x5e18, 0x5e34, 0x5e48, 0x5e54, 0x5e70,
    0x5e82, 0x5e88, 0x5ebc, 0x5ec0, 0x5f31, 0x5f9e, 0x5fd8, 0x6004, 0x602a, 0x6068,
    0x6072, 0x6088, 0x6092, 0x6148, 0x6152, 0x61d0, 0x61e4, 0x61ea, 0x61f4, 0x6228,
    0x6234, 0x6248, 0x6254, 0x6270, 0x62ac, 0x62b8, 0x62c2, 0x62d8, 0x62ea, 0x62f0,
    0x6302, 0x6314, 0x6320, 0x6331, 0x6380, 0x63bd, 0x63c1, 0x63fe, 0x6402, 0x640c,
    0x6425, 0x642a, 0x6468, 0x6472, 0x6488, 0x6492, 0x6548, 0x6552, 0x65a0, 0x65aa,
    0x65d0, 0x65e4, 0x65ea, 0x65f4, 0x6628, 0x6634, 0x6648, 0x6654, 0x6670, 0x66ac,
    0x66b8, 0x66ea, 0x66f8, 0x6702, 0x6714, 0x6720, 0x6731, 0x6780, 0x678a, 0x679c,
    0x67a0, 0x6804, 0x6822, 0x6868, 0x6872, 0x6888, 0x6892, 0x69dc, 0x69ea, 0x69f4,
    0x6a28, 0x6a34, 0x6a48, 0x6a54, 0x6a72, 0x6a7e, 0x6a80, 0x6aa2, 0x6abc, 0x6ac1,
    0x6afa, 0x6b14, 0x6b20, 0x6b31, 0x6bce, 0x6bd2, 0x6c00, 0x6c0c, 0x6c20, 0x6c2a,
    0x6cb8, 0x6cd2, 0x6d90, 0x6d9a, 0x6de0, 0x6dea, 0x6df0, 0x6e02, 0x6e38, 0x6e54,
    0x6e58, 0x6e7c, 0x6ea8, 0x6eb4, 0x6eb8, 0x6ec4, 0x6f00, 0x6f31, 0x6f80, 0x6f94,
    0x6fa5, 0x6fa8, 0x700a, 0x718c, 0x7192, 0x71a4, 0x71d8, 0x71fe, 0x7202, 0x723c,
    0x727d, 0x7281, 0x72d5, 0x72e0, 0x740a, 0x7418, 0x7422, 0x7428, 0x7432, 0x7458,
    0x7462, 0x7520, 0x752a, 0x7530, 0x753a, 0x758c, 0x7592, 0x75a4, 0x75ea, 0x75f0,
    0x7602, 0x7628, 0x7632, 0x7638, 0x7644, 0x7678, 0x7681, 0x76d0, 0x76e2, 0x7700,
    0x7802, 0x780e, 0x7825, 0x789e, 0x78a5, 0x78ae, 0x78c4, 0x78d6, 0x7901, 0x79a6,
    0x79ac, 0x79b6, 0x79bc, 0x79c6, 0x79cc, 0x79d5, 0x79f4, 0x7a02, 0x7a40, 0x7a4a,
    0x7b68, 0x7b8c, 0x7c2d, 0x7c34, 0x7c42, 0x7c6c, 0x7cc0, 0x7ccc, 0x7de8, 0x7df6,
    0x7e34, 0x7e3e, 0x7e68, 0x7e76, 0x7e85, 0x7eae, 0x7ecd, 0x7ed8, 0x8002, 0x815c,
    0x81fa, 0x8201, 0x8255, 0x8282, 0x82b4, 0x82d2, 0x82f4, 0x830a, 0x8314, 0x832a,
    0x833c, 0x8372, 0x838c, 0x83aa, 0x8414, 0x8472, 0x847c, 0x8481, 0x84d4, 0x84f6,
    0x8502, 0x8630, 0x863a, 0x8640, 0x866a, 0x8670, 0x8682, 0x87dd, 0x87e2, 0x9248,
    0x9252, 0x9270, 0x9282, 0x92b8, 0x92c2, 0x92c8, 0x92d2, 0x92f0, 0x9302, 0x9448,
    0x9452, 0x9470, 0x9482, 0x9588, 0x9592, 0x95b0, 0x95c2, 0x95f8, 0x9602, 0x9608,
    0x9612, 0x9630, 0x9642, 0x96b8, 0x96c2, 0x9888, 0x9892, 0x98b0, 0x98c2, 0x9ad8,
    0x9aec, 0x9b05, 0x9b49, 0x9be8, 0x9c02, 0x9c86, 0x9cd0, 0x9d02, 0x9fb0, 0x9fc2,
    0x9ff0, 0xa005, 0xa00a, 0xb36e, 0xb375, 0xb37a, 0xb403, 0xb40a, 0xb4dd, 0xb4e8,
    0xb502, 0xb75d, 0xb771, 0xb78a, 0xb7c8, 0xb802, 0xb894, 0xb8b0, 0xb8fa, 0xb994,
    0xb9ad, 0xb9b8, 0xba02, 0xba94, 0xbaa0, 0xbb02, 0xbb68, 0xbb72, 0xbb88, 0xbb94,
    0xbba0, 0xbc02, 0xbda4, 0xbea5, 0xbeba, 0xbec5, 0xbede, 0xbee2, 0xbeec, 0xbef0,
    0xbf01, 0xbf50, 0xbf81, 0xbfd0, 0xc005, 0xc05c, 0xc077, 0xc07c, 0xc081, 0xc0d0,
    0xc102, 0xc3c8, 0xc402, 0xc42c, 0xc43a, 0xc54c, 0xc552, 0xc558, 0xc582, 0xc7b0,
    0xc802, 0xc8f8, 0xc904, 0xc960, 0xc984, 0xc9e0, 0xca06, 0xca08, 0xca25, 0xca31,
    0xca82, 0xcb70, 0xcb82, 0xcba8, 0xcc02, 0xcd60, 0xcd82, 0xce50, 0xce81, 0xced8,
    0xcef6, 0xd002, 0xd0bc, 0xd0e0, 0xd0f5, 0xd102, 0xd2ac, 0xd2f8, 0xd304, 0xd3e8,
    0xd3fc, 0xd401, 0xd450, 0xd481, 0xd4d0, 0xd505, 0xd53a, 0xd545, 0xd570, 0xd584,
    0xd678, 0xd804, 0xd82a, 0xd9a4, 0xda2a, 0xda68, 0xda81, 0xdad5, 0xdb0e, 0xdb5c,
    0xdba6, 0xdbed, 0xdbf8, 0xdc04, 0xdc1a, 0xdd0c, 0xdd72, 0xdd81, 0xddd2, 0xdf34,
    0xdfa0, 0xdfe5, 0xe002, 0xe124, 0xe1c0, 0xe1dd, 0xe201, 0xe250, 0xe26a, 0xe281,
    0xe2d2, 0xe3f5, 0xe402, 0xe448, 0xe482, 0xe5d8, 0xe5ea, 0xe605, 0xe640, 0xe684,
    0xe69d, 0xe6a4, 0xe74a, 0xe76c, 0xe772, 0xe7a4, 0xe7aa, 0xe7bc, 0xe7d2, 0xe7d8,
    0xe802, 0xee04, 0xf002, 0xf8b0, 0xf8c2, 0xf8f0, 0xf902, 0xfa30, 0xfa42, 0xfa70,
    0xfa82, 0xfac0, 0xfaca, 0xfad0, 0xfada, 0xfae0, 0xfaea, 0xfaf0, 0xfafa, 0xfbf0,
    0xfc02, 0xfda8, 0xfdb2, 0xfdee, 0xfdf2, 0xfdfe, 0xfe12, 0xfe28, 0xfe32, 0xfe6e,
    0xfe82, 0xfea0, 0xfeb2, 0xfee0, 0xfeee, 0xff02, 0xff6e, 0xff80, 0xff92, 0xffa8,
    0xffb2, 0xffee, 0xfff8, 0x10003, 0x1005f, 0x10085, 0x10143, 0x10157, 0x1017b, 0x10185,
    0x10226, 0x1022d, 0x10296, 0x1029d, 0x102fb, 0x10307, 0x10328, 0x10337, 0x10381, 0x1038a,
    0x10390, 0x103a1, 0x103d6, 0x103ed, 0x103fa, 0x10401, 0x10456, 0x1046d, 0x10478, 0x10482,
    0x104e8, 0x10506, 0x10608, 0x10684, 0x10788, 0x10806, 0x10812, 0x1081e, 0x1083a, 0x10846,
    0x10852, 0x108a6, 0x108aa, 0x108b6, 0x108ca, 0x108f6, 0x10922, 0x1092e, 0x10932, 0x1093e,
    0x10942, 0x1094e, 0x10952, 0x10976, 0x1097a, 0x109d6, 0x109e2, 0x10a06, 0x10a2a, 0x10a56,
    0x10a72, 0x10a7e, 0x10a81, 0x10c1a, 0x10c29, 0x10c56, 0x10c60, 0x10c86, 0x11845, 0x11866,
    0x1194d, 0x1195e, 0x12138, 0x12206, 0x12258, 0x12301, 0x124e6, 0x12751, 0x12806, 0x13b45,
    0x13bb1, 0x13ca6, 0x13e2d, 0x13e3e, 0x13f35, 0x13f86, 0x14c1d, 0x14cce, 0x14ec5, 0x14ee6,
    0x14fe5, 0x14ff6, 0x15ba0, 0x15bb6, 0x15cb0, 0x15cbe, 0x16002, 0x1672e, 0x1675a, 0x1677c,
    0x16792, 0x167a0, 0x167cd, 0x167e9, 0x167f5, 0x16802, 0x16930, 0x1693a, 0x16940, 0x1696a,
    0x16970, 0x16982, 0x16b40, 0x16b7a, 0x16b85, 0x16b88, 0x16bfc, 0x16c02, 0x16cb8, 0x16d02,
    0x16d38, 0x16d42, 0x16d78, 0x16d82, 0x16db8, 0x16dc2, 0x16df8, 0x16e02, 0x16e38, 0x16e42,
    0x16e78, 0x16e82, 0x16eb8, 0x16ec2, 0x16ef8, 0x16f04, 0x17005, 0x1717a, 0x17185, 0x17286,
    0x17295, 0x172f0, 0x17406, 0x174d0, 0x174de, 0x177a0, 0x17806, 0x17eb0, 0x17f86, 0x18003,
    0x1800d, 0x18026, 0x1802a, 0x18039, 0x18045, 0x18096, 0x180a5, 0x18106, 0x18109, 0x18154,
    0x18185, 0x1818a, 0x181b6, 0x181c1, 0x181da, 0x181ed, 0x181f6, 0x18200, 0x1820a, 0x184b8,
    0x184cc, 0x184de, 0x184ea, 0x18505, 0x1850a, 0x187dd, 0x187e2, 0x18800, 0x1882a, 0x18980,
    0x1898a, 0x18c78, 0x18c86, 0x18c91, 0x18cb6, 0x18d02, 0x18e06, 0x18f20, 0x18f7e, 0x18f82,
    0x19006, 0x190f8, 0x19101, 0x19156, 0x19241, 0x19286, 0x19289, 0x19306, 0x19401, 0x19456,
    0x19589, 0x19606, 0x1a002, 0x26e06, 0x27002, 0x52468, 0x52486, 0x52638, 0x52682, 0x527f5,
    0x52802, 0x5306d, 0x53082, 0x53101, 0x53152, 0x53160, 0x53202, 0x5337c, 0x5339d, 0x533a4,
    0x533f5, 0x533fa, 0x534f4, 0x53502, 0x53731, 0x53784, 0x53795, 0x537c0, 0x53806, 0x538ba,
    0x53906, 0x53912, 0x53c4e, 0x53c5a, 0x53e58, 0x53e82, 0x53e90, 0x53e9a, 0x53ea0, 0x53eaa,
    0x53ed0, 0x53f92, 0x54014, 0x5401a, 0x54034, 0x5403a, 0x5405c, 0x54062, 0x5411c, 0x54146,
    0x54164, 0x54168, 0x54181, 0x541b6, 0x541d0, 0x54202, 0x543a5, 0x543c0, 0x54404, 0x54412,
    0x545a4, 0x54630, 0x54675, 0x54681, 0x546d0, 0x54704, 0x54792, 0x547c5, 0x547da, 0x547e5,
    0x547ea, 0x547fc, 0x54801, 0x54852, 0x54934, 0x54975, 0x54982, 0x54a3c, 0x54aa0, 0x54afd,
    0x54b02, 0x54be8, 0x54c04, 0x54c22, 0x54d9c, 0x54e0d, 0x54e70, 0x54e7a, 0x54e81, 0x54ed0,
    0x54ef5, 0x54f02, 0x54f2c, 0x54f32, 0x54f81, 0x54fd2, 0x54ff8, 0x55002, 0x5514c, 0x551b8,
    0x55202, 0x5521c, 0x55222, 0x55264, 0x55270, 0x55281, 0x552d0, 0x552e5, 0x55302, 0x553be,
    0x553d2, 0x553dc, 0x553f2, 0x55584, 0x5558a, 0x55594, 0x555aa, 0x555bc, 0x555ca, 0x555f4,
    0x55602, 0x5560c, 0x55612, 0x55618, 0x556da, 0x556f5, 0x55702, 0x5575c, 0x55785, 0x55792,
    0x557ac, 0x557b8, 0x5580a, 0x55838, 0x5584a, 0x55878, 0x5588a, 0x558b8, 0x55902, 0x55938,
    0x55942, 0x55978, 0x55982, 0x55ade, 0x55ae2, 0x55b56, 0x55b60, 0x55b82, 0x55f1c, 0x55f5d,
    0x55f64, 0x55f70, 0x55f81, 0x55fd0, 0x56002, 0x6bd20, 0x6bd82, 0x6be38, 0x6be5a, 0x6bfe0,
    0x6c007, 0x7c802, 0x7d370, 0x7d382, 0x7d6d0, 0x7d802, 0x7d838, 0x7d89a, 0x7d8c0, 0x7d8ea,
    0x7d8f4, 0x7d8fa, 0x7d94e, 0x7d952, 0x7d9b8, 0x7d9c2, 0x7d9e8, 0x7d9f2, 0x7d9f8, 0x7da02,
    0x7da10, 0x7da1a, 0x7da28, 0x7da32, 0x7dd96, 0x7de18, 0x7de9a, 0x7e9f5, 0x7ea06, 0x7ea82,
    0x7ec80, 0x7ec92, 0x7ee40, 0x7ee7e, 0x7ee80, 0x7ef82, 0x7efe6, 0x7f004, 0x7f085, 0x7f0d0,
    0x7f104, 0x7f185, 0x7f298, 0x7f2a5, 0x7f316, 0x7f31d, 0x7f326, 0x7f338, 0x7f345, 0x7f34e,
    0x7f355, 0x7f360, 0x7f382, 0x7f3a8, 0x7f3b2, 0x7f7e8, 0x7f7ff, 0x7f800, 0x7f80d, 0x7f826,
    0x7f82d, 0x7f85e, 0x7f865, 0x7f881, 0x7f8d5, 0x7f8e6, 0x7f8fd, 0x7f90a, 0x7f9dd, 0x7f9f6,
    0x7f9fd, 0x7fa06, 0x7fa0a, 0x7fadd, 0x7fae6, 0x7faed, 0x7faf6, 0x7fafd, 0x7fb32, 0x7fdf8,
    0x7fe12, 0x7fe40, 0x7fe52, 0x7fe80, 0x7fe92, 0x7fec0, 0x7fed2, 0x7fee8, 0x7ff06, 0x7ff38,
    0x7ff46, 0x7ff78, 0x7ffcf, 0x7ffe6, 0x7fff0, 0x80002, 0x80060, 0x8006a, 0x80138, 0x80142,
    0x801d8, 0x801e2, 0x801f0, 0x801fa, 0x80270, 0x80282, 0x802f0, 0x80402, 0x807d8, 0x80805,
    0x80818, 0x80839, 0x809a0, 0x809be, 0x80a01, 0x80bce, 0x80c51, 0x80c66, 0x80c78, 0x80c86,
    0x80ce8, 0x80d06, 0x80d08, 0x80e86, 0x80fec, 0x80ff0, 0x81402, 0x814e8, 0x81502, 0x81688,
    0x81704, 0x81709, 0x817e0, 0x81802, 0x81901, 0x81920, 0x8196a, 0x81a09, 0x81a12, 0x81a51,
    0x81a58, 0x81a82, 0x81bb4, 0x81bd8, 0x81c02, 0x81cf0, 0x81cfd, 0x81d02, 0x81e20, 0x81e42,
    0x81e85, 0x81e89, 0x81eb0, 0x82002, 0x824f0, 0x82501, 0x82550, 0x82582, 0x826a0, 0x826c2,
    0x827e0, 0x82802, 0x82940, 0x82982, 0x82b20, 0x82b7d, 0x82b82, 0x82bd8, 0x82be2, 0x82c58,
    0x82c62, 0x82c98, 0x82ca2, 0x82cb0, 0x82cba, 0x82d10, 0x82d1a, 0x82d90, 0x82d9a, 0x82dd0,
    0x82dda, 0x82de8, 0x83002, 0x839b8, 0x83a02, 0x83ab0, 0x83b02, 0x83b40, 0x83c02, 0x83c30,
    0x83c3a, 0x83d88, 0x83d92, 0x83dd8, 0x84002, 0x84030, 0x84042, 0x84048, 0x84052, 0x841b0,
    0x841ba, 0x841c8, 0x841e2, 0x841e8, 0x841fa, 0x842b0, 0x842bd, 0x842c1, 0x84302, 0x843be,
    0x843c9, 0x84402, 0x844f8, 0x84539, 0x84580, 0x84702, 0x84798, 0x847a2, 0x847b0, 0x847d9,
    0x84802, 0x848b1, 0x848e0, 0x848fd, 0x84902, 0x849d0, 0x849fd, 0x84a00, 0x84c02, 0x84dc0,
    0x84de1, 0x84df2, 0x84e01, 0x84e80, 0x84e91, 0x85002, 0x8500c, 0x85020, 0x8502c, 0x85038,
    0x85064, 0x85082, 0x850a0, 0x850aa, 0x850c0, 0x850ca, 0x851b0, 0x851c4, 0x851d8, 0x851fc,
    0x85201, 0x85248, 0x85285, 0x852c8, 0x85302, 0x853e9, 0x853fd, 0x85402, 0x854e9, 0x85500,
    0x85602, 0x85646, 0x8564a, 0x8572c, 0x85738, 0x85759, 0x85785, 0x857b8, 0x85802, 0x859b0,
    0x859cd, 0x85a02, 0x85ab0, 0x85ac1, 0x85b02, 0x85b98, 0x85bc1, 0x85c02, 0x85c90, 0x85ccd,
    0x85ce8, 0x85d49, 0x85d80, 0x86002, 0x86248, 0x86402, 0x86598, 0x86602, 0x86798, 0x867d1,
    0x86802, 0x86924, 0x86940, 0x86981, 0x869d0, 0x87301, 0x873f8, 0x87402, 0x87550, 0x8755c,
    0x8756d, 0x87570, 0x87582, 0x87590, 0x877ec, 0x87802, 0x878e9, 0x8793a, 0x87940, 0x87982,
    0x87a34, 0x87a89, 0x87aad, 0x87ad0, 0x87b82, 0x87c14, 0x87c35, 0x87c50, 0x87d82, 0x87e29,
    0x87e60, 0x87f02, 0x87fb8, 0x88004, 0x8801a, 0x881c4, 0x8823d, 0x88270, 0x88291, 0x88384,
    0x8838a, 0x8839c, 0x883aa, 0x883b0, 0x883fc, 0x8841a, 0x88584, 0x885dd, 0x885ef, 0x885f5,
    0x88614, 0x88618, 0x8866f, 0x88670, 0x88682, 0x88748, 0x88781, 0x887d0, 0x88804, 0x8881a,
    0x8893c, 0x889a8, 0x889b1, 0x88a05, 0x88a22, 0x88a2c, 0x88a3a, 0x88a40, 0x88a82, 0x88b9c,
    0x88ba5, 0x88bb2, 0x88bb8, 0x88c04, 0x88c1a, 0x88d9c, 0x88e0a, 0x88e2d, 0x88e4c, 0x88e6d,
    0x88e74, 0x88e81, 0x88ed2, 0x88edd, 0x88ee2, 0x88eed, 0x88f00, 0x88f09, 0x88fa8, 0x89002,
    0x89090, 0x8909a, 0x89164, 0x891c5, 0x891f4, 0x891fa, 0x8920c, 0x89210, 0x89402, 0x89438,
    0x89442, 0x89448, 0x89452, 0x89470, 0x8947a, 0x894f0, 0x894fa, 0x8954d, 0x89550, 0x89582,
    0x896fc, 0x89758, 0x89781, 0x897d0, 0x89804, 0x89820, 0x8982a, 0x89868, 0x8987a, 0x89888,
    0x8989a, 0x89948, 0x89952, 0x89988, 0x89992, 0x899a0, 0x899aa, 0x899d0, 0x899dc, 0x899ea,
    0x899f4, 0x89a28, 0x89a3c, 0x89a48, 0x89a5c, 0x89a70, 0x89a82, 0x89a88, 0x89abc, 0x89ac0,
    0x89aea, 0x89b14, 0x89b20, 0x89b34, 0x89b68, 0x89b84, 0x89ba8, 0x8a002, 0x8a1ac, 0x8a23a,
    0x8a25d, 0x8a281, 0x8a2d5, 0x8a2e0, 0x8a2ed, 0x8a2f4, 0x8a2fa, 0x8a310, 0x8a402, 0x8a584,
    0x8a622, 0x8a635, 0x8a63a, 0x8a640, 0x8a681, 0x8a6d0, 0x8ac02, 0x8ad7c, 0x8adb0, 0x8adc4,
    0x8ae0d, 0x8aec2, 0x8aee4, 0x8aef0, 0x8b002, 0x8b184, 0x8b20d, 0x8b222, 0x8b228, 0x8b281,
    0x8b2d0, 0x8b305, 0x8b368, 0x8b402, 0x8b55c, 0x8b5c2, 0x8b5cd, 0x8b5d0, 0x8b601, 0x8b650,
    0x8b802, 0x8b8d8, 0x8b8ec, 0x8b960, 0x8b981, 0x8b9e5, 0x8b9fe, 0x8ba02, 0x8ba38, 0x8c002,
    0x8c164, 0x8c1dd, 0x8c1e0, 0x8c502, 0x8c701, 0x8c798, 0x8c7fa, 0x8c838, 0x8c84a, 0x8c850,
    0x8c862, 0x8c8a0, 0x8c8aa, 0x8c8b8, 0x8c8c2, 0x8c984, 0x8c9b0, 0x8c9bc, 0x8c9c8, 0x8c9dc,
    0x8c9fa, 0x8ca04, 0x8ca0a, 0x8ca14, 0x8ca25, 0x8ca38, 0x8ca81, 0x8cad0, 0x8cd02, 0x8cd40,
    0x8cd52, 0x8ce8c, 0x8cec0, 0x8ced4, 0x8cf0a, 0x8cf15, 0x8cf1a, 0x8cf24, 0x8cf28, 0x8d002,
    0x8d00c, 0x8d05a, 0x8d19c, 0x8d1d2, 0x8d1dc, 0x8d1fd, 0x8d23c, 0x8d240, 0x8d282, 0x8d28c,
    0x8d2e2, 0x8d454, 0x8d4d5, 0x8d4ea, 0x8d4f5, 0x8d518, 0x8d582, 0x8d7c8, 0x8d805, 0x8d850,
    0x8e002, 0x8e048, 0x8e052, 0x8e17c, 0x8e1b8, 0x8e1c4, 0x8e202, 0x8e20d, 0x8e230, 0x8e281,
    0x8e368, 0x8e385, 0x8e392, 0x8e480, 0x8e494, 0x8e540, 0x8e54c, 0x8e5b8, 0x8e802, 0x8e838,
    0x8e842, 0x8e850, 0x8e85a, 0x8e98c, 0x8e9b8, 0x8e9d4, 0x8e9d8, 0x8e9e4, 0x8e9f0, 0x8e9fc,
    0x8ea32, 0x8ea3c, 0x8ea40, 0x8ea81, 0x8ead0, 0x8eb02, 0x8eb30, 0x8eb3a, 0x8eb48, 0x8eb52,
    0x8ec54, 0x8ec78, 0x8ec84, 0x8ec90, 0x8ec9c, 0x8ecc2, 0x8ecc8, 0x8ed01, 0x8ed50, 0x8f702,
    0x8f79c, 0x8f7bd, 0x8f7c8, 0x8f804, 0x8f812, 0x8f81c, 0x8f822, 0x8f888, 0x8f892, 0x8f9a4,
    0x8f9d8, 0x8f9f4, 0x8fa1d, 0x8fa81, 0x8fad0, 0x8fd82, 0x8fd88, 0x8fe01, 0x8feae, 0x8ff90,
    0x8fffd, 0x90002, 0x91cd0, 0x92001, 0x92378, 0x92385, 0x923a8, 0x92402, 0x92a20, 0x97c82,
    0x97f8d, 0x97f98, 0x98002, 0x9a187, 0x9a204, 0x9a20a, 0x9a23c, 0x9a2b0, 0xa2002, 0xa3238,
    0xb4002, 0xb51c8, 0xb5202, 0xb52f8, 0xb5301, 0xb5350, 0xb5375, 0xb5382, 0xb55f8, 0xb5601,
    0xb5650, 0xb5682, 0xb5770, 0xb5784, 0xb57ad, 0xb57b0, 0xb5802, 0xb5984, 0xb59bd, 0xb59e6,
    0xb5a02, 0xb5a25, 0xb5a2e, 0xb5a30, 0xb5a81, 0xb5ad0, 0xb5ad9, 0xb5b10, 0xb5b1a, 0xb5bc0,
    0xb5bea, 0xb5c80, 0xb7202, 0xb7401, 0xb74bd, 0xb74d8, 0xb7802, 0xb7a58, 0xb7a7c, 0xb7a82,
    0xb7a8c, 0xb7c40, 0xb7c7c, 0xb7c9a, 0xb7d00, 0xb7f02, 0xb7f15, 0xb7f1a, 0xb7f24, 0xb7f28,
    0xb7f84, 0xb7f90, 0xb8002, 0xc3fc0, 0xc4002, 0xc66b0, 0xc6802, 0xc6848, 0xd7f82, 0xd7fa0,
    0xd7faa, 0xd7fe0, 0xd7fea, 0xd7ff8, 0xd8002, 0xd8918, 0xd8992, 0xd8998, 0xd8a82, 0xd8a98,
    0xd8aaa, 0xd8ab0, 0xd8b22, 0xd8b40, 0xd8b82, 0xd97e0, 0xde002, 0xde358, 0xde382, 0xde3e8,
    0xde402, 0xde448, 0xde482, 0xde4d0, 0xde4e6, 0xde4ec, 0xde4fd, 0xde507, 0xde520, 0xe7804,
    0xe7970, 0xe7984, 0xe7a38, 0xe7a86, 0xe7e20, 0xe8006, 0xe87b0, 0xe8806, 0xe8938, 0xe894e,
    0xe8b2c, 0xe8b56, 0xe8b6c, 0xe8b9f, 0xe8bdc, 0xe8c1e, 0xe8c2c, 0xe8c66, 0xe8d54, 0xe8d76,
    0xe8f58, 0xe9006, 0xe9214, 0xe922e, 0xe9230, 0xe9601, 0xe96a0, 0xe9701, 0xe97a0, 0xe9806,
    0xe9ab8, 0xe9b01, 0xe9bc8, 0xea002, 0xea2a8, 0xea2b2, 0xea4e8, 0xea4f2, 0xea500, 0xea512,
    0xea518, 0xea52a, 0xea538, 0xea54a, 0xea568, 0xea572, 0xea5d0, 0xea5da, 0xea5e0, 0xea5ea,
    0xea620, 0xea62a, 0xea830, 0xea83a, 0xea858, 0xea86a, 0xea8a8, 0xea8b2, 0xea8e8, 0xea8f2,
    0xea9d0, 0xea9da, 0xea9f8, 0xeaa02, 0xeaa28, 0xeaa32, 0xeaa38, 0xeaa52, 0xeaa88, 0xeaa92,
    0xeb530, 0xeb542, 0xeb60e, 0xeb612, 0xeb6de, 0xeb6e2, 0xeb7de, 0xeb7e2, 0xeb8ae, 0xeb8b2,
    0xeb9ae, 0xeb9b2, 0xeba7e, 0xeba82, 0xebb7e, 0xebb82, 0xebc4e, 0xebc52, 0xebd4e, 0xebd52,
    0xebe1e, 0xebe22, 0xebe60, 0xebe71, 0xec006, 0xed004, 0xed1be, 0xed1dc, 0xed36e, 0xed3ac,
    0xed3b6, 0xed424, 0xed42e, 0xed43d, 0xed460, 0xed4dc, 0xed500, 0xed50c, 0xed580, 0xef802,
    0xef8f8, 0xef92a, 0xef958, 0xf0004, 0xf0038, 0xf0044, 0xf00c8, 0xf00dc, 0xf0110, 0xf011c,
    0xf0128, 0xf0134, 0xf0158, 0xf0182, 0xf0370, 0xf047c, 0xf0480, 0xf0802, 0xf0968, 0xf0984,
    0xf09ba, 0xf09f0, 0xf0a01, 0xf0a50, 0xf0a72, 0xf0a7e, 0xf0a80, 0xf1482, 0xf1574, 0xf1578,
    0xf1602, 0xf1764, 0xf1781, 0xf17d0, 0xf17fe, 0xf1800, 0xf2682, 0xf2764, 0xf2781, 0xf27d0,
    0xf3f02, 0xf3f38, 0xf3f42, 0xf3f60, 0xf3f6a, 0xf3f78, 0xf3f82, 0xf3ff8, 0xf4002, 0xf4628,
    0xf4639, 0xf4684, 0xf46b8, 0xf4802, 0xf4a24, 0xf4a5a, 0xf4a60, 0xf4a81, 0xf4ad0, 0xf4af5,
    0xf4b00, 0xf6389, 0xf6566, 0xf6569, 0xf6586, 0xf6589, 0xf65a8, 0xf6809, 0xf6976, 0xf6979,
    0xf69f0, 0xf7002, 0xf7020, 0xf702a, 0xf7100, 0xf710a, 0xf7118, 0xf7122, 0xf7128, 0xf713a,
    0xf7140, 0xf714a, 0xf7198, 0xf71a2, 0xf71c0, 0xf71ca, 0xf71d0, 0xf71da, 0xf71e0, 0xf7212,
    0xf7218, 0xf723a, 0xf7240, 0xf724a, 0xf7250, 0xf725a, 0xf7260, 0xf726a, 0xf7280, 0xf728a,
    0xf7298, 0xf72a2, 0xf72a8, 0xf72ba, 0xf72c0, 0xf72ca, 0xf72d0, 0xf72da, 0xf72e0, 0xf72ea,
    0xf72f0, 0xf72fa, 0xf7300, 0xf730a, 0xf7318, 0xf7322, 0xf7328, 0xf733a, 0xf7358, 0xf7362,
    0xf7398, 0xf73a2, 0xf73c0, 0xf73ca, 0xf73e8, 0xf73f2, 0xf73f8, 0xf7402, 0xf7450, 0xf745a,
    0xf74e0, 0xf750a, 0xf7520, 0xf752a, 0xf7550, 0xf755a, 0xf75e0, 0xf7786, 0xf7790, 0xf8006,
    0xf8160, 0xf8186, 0xf84a0, 0xf8506, 0xf8578, 0xf858e, 0xf8600, 0xf860e, 0xf8680, 0xf868e,
    0xf87b0, 0xf8801, 0xf886e, 0xf8d70, 0xf8f36, 0xf9018, 0xf9086, 0xf91e0, 0xf9206, 0xf9248,
    0xf9286, 0xf9290, 0xf9306, 0xf9330, 0xf9806, 0xfb6c0, 0xfb6e6, 0xfb768, 0xfb786, 0xfb7e8,
    0xfb806, 0xfbbb8, 0xfbbde, 0xfbed0, 0xfbf06, 0xfbf60, 0xfbf86, 0xfbf88, 0xfc006, 0xfc060,
    0xfc086, 0xfc240, 0xfc286, 0xfc2d0, 0xfc306, 0xfc440, 0xfc486, 0xfc570, 0xfc586, 0xfc590,
    0xfc806, 0xfd2a0, 0xfd306, 0xfd370, 0xfd386, 0xfd3e8, 0xfd406, 0xfd448, 0xfd486, 0xfd5f0,
    0xfd5fe, 0xfd630, 0xfd676, 0xfd6e0, 0xfd706, 0xfd748, 0xfd786, 0xfd7c8, 0xfd806, 0xfdc98,
    0xfdca6, 0xfde58, 0xfdf81, 0xfdfd0, 0x100002, 0x153700, 0x153802, 0x15b9d0, 0x15ba02, 0x15c0f0,
    0x15c102, 0x167510, 0x167582, 0x175f08, 0x175f82, 0x1772f0, 0x17c002, 0x17d0f0, 0x180002, 0x189a58,
    0x189a82, 0x191d80, 0x70000f, 0x700010, 0x700107, 0x700400, 0x700804, 0x700f80, 0x780007, 0x7ffff0,
    0x800007, 0x87fff0,
};
#define TN__U_UNDEF 0x001u
#define TN__U_N     0x002u
#define TN__U_L     0x004u
#define TN__U_Z     0x008u
#define TN__U_M     0x010u
#define TN__U_P     0x020u
#define TN__U_S     0x040u
#define TN__U_C     0x080u
#define TN__U_WS    0x100u
/* White_Space (Unicode PropList) */
static int tn__u_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}
/* a code point's class bit, | TN__U_WS for white space; above U+10FFFF: unassigned */
static unsigned tn__u_flags(uint32_t c) {
    size_t lo = 0, hi = sizeof(tn__ucat) / sizeof(tn__ucat[0]);
    if (c > 0x10ffff) return TN__U_UNDEF;
    while (hi - lo > 1) {          /* the last range starting at or before c */
        size_t mid = (lo + hi) / 2;
        if ((tn__ucat[mid] >> 3) <= c) lo = mid; else hi = mid;
    }
    return (1u << (tn__ucat[lo] & 7u)) | (tn__u_space(c) ? TN__U_WS : 0u);
}
/* one code point at s[*p], as llama.cpp decodes: overlong forms and
   surrogates pass (up to 0x1FFFFF), a byte that begins no whole sequence is
   U+FFFD and one byte */
static uint32_t tn__utf8_next(const uint8_t *s, size_t n, size_t *p) {
    size_t i = *p;
    uint8_t b = s[i];
    if (b < 0x80) { *p = i + 1; return b; }
    if ((b & 0xe0) == 0xc0 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) { *p = i + 2; return ((uint32_t)(b & 0x1f) << 6) | (s[i + 1] & 0x3fu); }
    if ((b & 0xf0) == 0xe0 && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80) {
        *p = i + 3;
        return ((uint32_t)(b & 0x0f) << 12) | ((uint32_t)(s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3fu);
    }
    if ((b & 0xf8) == 0xf0 && i + 3 < n && (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80 && (s[i + 3] & 0xc0) == 0x80) {
        *p = i + 4;
        return ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3f) << 12) | ((uint32_t)(s[i + 2] & 0x3f) << 6) | (s[i + 3] & 0x3fu);
    }
    *p = i + 1;
    return 0xfffd;
}
/* UTF-8 of c (at most 4 bytes); 0 above U+10FFFF */
static size_t tn__utf8_put(uint32_t c, uint8_t *o) {
    if (c < 0x80) { o[0] = (uint8_t)c; return 1; }
    if (c < 0x800) { o[0] = (uint8_t)(0xc0 | (c >> 6)); o[1] = (uint8_t)(0x80 | (c & 0x3f)); return 2; }
    if (c < 0x10000) { o[0] = (uint8_t)(0xe0 | (c >> 12)); o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); o[2] = (uint8_t)(0x80 | (c & 0x3f)); return 3; }
    if (c > 0x10ffff) return 0;
    o[0] = (uint8_t)(0xf0 | (c >> 18)); o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f)); o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); o[3] = (uint8_t)(0x80 | (c & 0x3f));
    return 4;
}
/* GPT-2's byte-to-character map: printable Latin-1 bytes stand for
   themselves, the other 68 for U+0100 on, in byte order */
static uint32_t tn__byte_char(uint8_t b) {
    unsigned k = 0, x;
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae) return b;
    for (x = 0; x < b; x++)
        if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae)) k++;
    return 0x100 + k;
}
static int tn__char_byte(uint32_t c) { /* the inverse; -1 for a character that stands for no byte */
    unsigned x, k = 0;
    if (c < 0x100) return (c >= 0x21 && c <= 0x7e) || (c >= 0xa1 && c <= 0xac) || c >= 0xae ? (int)c : -1;
    for (x = 0; x < 256; x++)
        if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae) && 0x100 + k++ == c) return (int)x;
    return -1;
}

/* ---- pre-tokenizers: split code points [ini, end) into pieces, appending
   each piece's length to out (at most end - ini of them). They follow
   llama.cpp's hand-written matchers of the regexes named. ---- */
#define TN__UF(p) ((p) < end ? tn__u_flags(cp[p]) : 0u)
#define TN__PIECE(e) do { size_t e_ = (e); if (e_ > prev) out[no++] = e_ - prev; prev = e_; pos = e_; } while (0)
/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t tn__pre_gpt2(const uint32_t *cp, size_t ini, size_t end, size_t *out, size_t no) {
    size_t pos = ini, prev = ini;
    while (pos < end) {
        uint32_t c = cp[pos];
        unsigned f = tn__u_flags(c), f2;
        size_t nw;
        if (c == '\'' && pos + 1 < end) {
            uint32_t c1 = cp[pos + 1];
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { TN__PIECE(pos + 2); continue; }
            if (pos + 2 < end) {
                uint32_t c2 = cp[pos + 2];
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) { TN__PIECE(pos + 3); continue; }
            }
        }
        f2 = c == ' ' ? TN__UF(pos + 1) : f;
        if (f2 & (TN__U_L | TN__U_N)) {
            unsigned k = f2 & TN__U_L ? TN__U_L : TN__U_N;
            pos += c == ' ';
            while (f2 & k) f2 = TN__UF(pos + 1), pos++;
            TN__PIECE(pos);
            continue;
        }
        if (!(f2 & (TN__U_WS | TN__U_L | TN__U_N)) && f2) {
            pos += c == ' ';
            while (!(f2 & (TN__U_WS | TN__U_L | TN__U_N)) && f2) f2 = TN__UF(pos + 1), pos++;
            TN__PIECE(pos);
            continue;
        }
        for (nw = 0; TN__UF(pos + nw) & TN__U_WS; nw++) {}
        if (nw > 1 && pos + nw < end) { TN__PIECE(pos + nw - 1); continue; }
        if (nw > 0) { TN__PIECE(pos + nw); continue; }
        TN__PIECE(pos + 1);
    }
    return no;
}
/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
   with D = 3 (llama3) or 1 (qwen2) */
static size_t tn__pre_llama3(const uint32_t *cp, size_t ini, size_t end, size_t digits, size_t *out, size_t no) {
    size_t pos = ini, prev = ini;
    while (pos < end) {
        uint32_t c = cp[pos];
        unsigned f = tn__u_flags(c), f2;
        size_t nw, last;
        if (c == '\'' && pos + 1 < end) {
            uint32_t c1 = cp[pos + 1] | (cp[pos + 1] >= 'A' && cp[pos + 1] <= 'Z' ? 0x20u : 0u);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { TN__PIECE(pos + 2); continue; }
            if (pos + 2 < end) {
                uint32_t c2 = cp[pos + 2] | (cp[pos + 2] >= 'A' && cp[pos + 2] <= 'Z' ? 0x20u : 0u);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) { TN__PIECE(pos + 3); continue; }
            }
        }
        if (!(c == '\r' || c == '\n' || (f & TN__U_N)) && ((f & TN__U_L) || (TN__UF(pos + 1) & TN__U_L))) {
            pos++;
            while (TN__UF(pos) & TN__U_L) pos++;
            TN__PIECE(pos);
            continue;
        }
        if (f & TN__U_N) {
            size_t i0 = pos;
            while (TN__UF(pos) & TN__U_N)
                if (++pos - i0 >= digits) { TN__PIECE(pos); i0 = pos; }
            TN__PIECE(pos);
            continue;
        }
        f2 = c == ' ' ? TN__UF(pos + 1) : f;
        if (!(f2 & (TN__U_WS | TN__U_L | TN__U_N)) && f) {
            pos += c == ' ';
            while (!(f2 & (TN__U_WS | TN__U_L | TN__U_N)) && f2) f2 = TN__UF(pos + 1), pos++;
            while (pos < end && (cp[pos] == '\r' || cp[pos] == '\n')) pos++;
            TN__PIECE(pos);
            continue;
        }
        for (nw = 0, last = 0; TN__UF(pos + nw) & TN__U_WS; nw++)
            if (cp[pos + nw] == '\r' || cp[pos + nw] == '\n') last = pos + nw + 1;
        if (last > 0) { TN__PIECE(last); continue; }
        if (nw > 1 && pos + nw < end) { TN__PIECE(pos + nw - 1); continue; }
        if (nw > 0) { TN__PIECE(pos + nw); continue; }
        TN__PIECE(pos + 1);
    }
    return no;
}
/* llama.cpp's "default" BPE pre-tokenizer runs four splits in turn; three
   are simple enough to state directly (as llama.cpp's regex engine sees
   them: code points above 127 by class, and its \s as White_Space):
   kind 0: [\p{P}$+<=>^~|]+   kind 1: \p{N}+   kind 2: [0-9][0-9][0-9] */
static int tn__pre_is(int kind, uint32_t c) {
    unsigned f;
    if (c < 128) return kind == 0 ? (c > 0x20 && c < 0x7f && !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && c != '`') : (c >= '0' && c <= '9');
    if (kind == 2) return 0;
    f = tn__u_flags(c);
    return !(f & TN__U_WS) && (f & (kind == 0 ? TN__U_P : TN__U_N));
}
static size_t tn__pre_runs(int kind, const uint32_t *cp, size_t ini, size_t end, size_t *out, size_t no) {
    size_t pos = ini, prev = ini;
    while (pos < end) {
        size_t e = pos;
        if (kind == 2) {
            if (pos + 3 <= end && tn__pre_is(2, cp[pos]) && tn__pre_is(2, cp[pos + 1]) && tn__pre_is(2, cp[pos + 2])) e = pos + 3;
        } else {
            while (e < end && tn__pre_is(kind, cp[e])) e++;
        }
        if (e == pos) { pos++; continue; }
        if (pos > prev) out[no++] = pos - prev;  /* the stretch before the match */
        out[no++] = e - pos;
        prev = pos = e;
    }
    if (end > prev) out[no++] = end - prev;
    return no;
}
#undef TN__PIECE
#undef TN__UF
/* pieces (lengths in code points) of cp[0, n): a, b are scratch of n entries; returns the count, in *res */
static size_t tn__pretokenize(int pre, const uint32_t *cp, size_t n, size_t *a, size_t *b, size_t **res) {
    int step, nstep = pre == TN__PRE_DEFAULT ? 4 : 1;
    size_t np = 1, i, start, *in = a, *out = b, *t;
    a[0] = n;
    for (step = 0; step < nstep; step++) {
        size_t no = 0;
        for (i = 0, start = 0; i < np; start += in[i], i++) {
            if (pre == TN__PRE_GPT2 || (pre == TN__PRE_DEFAULT && step == 1)) no = tn__pre_gpt2(cp, start, start + in[i], out, no);
            else if (pre == TN__PRE_LLAMA3 || pre == TN__PRE_QWEN2) no = tn__pre_llama3(cp, start, start + in[i], pre == TN__PRE_LLAMA3 ? 3 : 1, out, no);
            else no = tn__pre_runs(step == 0 ? 0 : step == 2 ? 1 : 2, cp, start, start + in[i], out, no);
        }
        np = no;
        t = in; in = out; out = t;
    }
    *res = in;
    return np;
}

/* ---- byte-level BPE: the merges ---- */
/* the strings merges name that are no token of the vocabulary get ids from n on */
static int32_t tn__xstr_find(const tn_vocab *v, const uint8_t *s, uint32_t len, uint64_t h) {
    uint64_t i;
    if (!v->xhash) return -1;
    for (i = h & v->xmask;; i = (i + 1) & v->xmask) {
        int32_t x = v->xhash[i];
        if (x < 0) return -1;
        if (v->xlen[x] == len && memcmp(v->xbytes + v->xoff[x], s, len) == 0) return (int32_t)(v->n + x);
    }
}
static uint64_t tn__fnv(const uint8_t *s, size_t len) {
    uint64_t h = TN__FNV0;
    size_t i;
    for (i = 0; i < len; i++) h = tn__fnv_step(h, s[i]);
    return h;
}
/* the id of a string: a token's, else an extra string's, else -1 */
static int32_t tn__sym_id(const tn_vocab *v, const uint8_t *s, uint32_t len) {
    uint64_t h = tn__fnv(s, len);
    int32_t id = tn__vocab_find(v, s, len, h);
    return id >= 0 ? id : tn__xstr_find(v, s, len, h);
}
/* the id of a string, added as an extra string if it is none yet (room was made) */
static int32_t tn__sym_intern(tn_vocab *v, const uint8_t *s, uint32_t len) {
    uint64_t h = tn__fnv(s, len), i;
    int32_t id = tn__vocab_find(v, s, len, h);
    if (id >= 0) return id;
    for (i = h & v->xmask;; i = (i + 1) & v->xmask) {
        int32_t x = v->xhash[i];
        if (x < 0) break;
        if (v->xlen[x] == len && memcmp(v->xbytes + v->xoff[x], s, len) == 0) return (int32_t)(v->n + x);
    }
    v->xoff[v->nx] = (uint32_t)v->nxbytes; v->xlen[v->nx] = len;
    memcpy(v->xbytes + v->nxbytes, s, len);
    v->nxbytes += len;
    v->xhash[i] = v->nx;
    return (int32_t)(v->n + v->nx++);
}
static uint64_t tn__pair_hash(int32_t l, int32_t r) {
    uint64_t k = ((uint64_t)(uint32_t)l << 32) | (uint32_t)r;
    k ^= k >> 33; k *= 0xff51afd7ed558ccdull; k ^= k >> 33;
    return k;
}
static const tn__merge *tn__merge_find(const tn_vocab *v, int32_t l, int32_t r) {
    uint64_t i;
    for (i = tn__pair_hash(l, r) & v->mmask;; i = (i + 1) & v->mmask) {
        const tn__merge *m = &v->merges[i];
        if (m->l < 0) return NULL;
        if (m->l == l && m->r == r) return m;
    }
}
/* tokenizer.ggml.merges: "left right" (split at the first space after the
   first byte), rank = position; a pair named twice keeps its first rank */
static tn_status tn__bpe_load(tn_vocab *v, const tn_gguf *g) {
    int64_t mi = tn_gguf_find_key(g, "tokenizer.ggml.merges");
    uint64_t nm, i, len, total = 0, maxlen = 0, cap, hcap;
    uint8_t *cat;
    int b;
    if (mi < 0 || tn_gguf_kv_type(g, mi) != TN_GGUF_ARRAY || tn_gguf_arr_type(g, mi) != TN_GGUF_STRING)
        return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.merges (an array of strings) is missing: a gpt2 vocabulary needs its merges");
    nm = tn_gguf_arr_n(g, mi);
    if (nm > ((uint64_t)INT32_MAX - (uint64_t)v->n - 256) / 3) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.merges has %llu merges: too many for %lld tokens", (unsigned long long)nm, (long long)v->n);
    for (i = 0; i < nm; i++) {
        tn_gguf_arr_str(g, mi, i, &len);
        if (len > UINT32_MAX / 4 || total > (UINT32_MAX / 4) - len) return tn__fail(TN_ERR_FORMAT, "tokenizer.ggml.merges: the merges' text exceeds 1 GB");
        total += len;
        if (len > maxlen) maxlen = len;
    }
    /* at most three strings a merge, 2 * its length of bytes */
    cap = 3 * nm + 256;
    for (hcap = 16; hcap < 2 * cap; hcap *= 2) {}
    v->xbytes = (uint8_t *)TN_MALLOC((size_t)(2 * total + 2 * 256 + 1));
    v->xoff = (uint32_t *)TN_MALLOC((size_t)cap * sizeof(uint32_t));
    v->xlen = (uint32_t *)TN_MALLOC((size_t)cap * sizeof(uint32_t));
    v->xhash = (int32_t *)TN_MALLOC((size_t)hcap * sizeof(int32_t));
    for (v->mmask = 15; v->mmask + 1 < 2 * nm; v->mmask = v->mmask * 2 + 1) {}
    v->merges = (tn__merge *)TN_MALLOC((size_t)(v->mmask + 1) * sizeof(tn__merge));
    cat = (uint8_t *)TN_MALLOC((size_t)maxlen + 1);
    if (!v->xbytes || !v->xoff || !v->xlen || !v->xhash || !v->merges || !cat) { TN_FREE(cat); return tn__fail(TN_ERR_NOMEM, "tn_vocab_from_gguf: out of memory for %llu merges", (unsigned long long)nm); }
    v->xmask = hcap - 1;
    memset(v->xhash, 0xff, (size_t)hcap * sizeof(int32_t));
    for (i = 0; i <= v->mmask; i++) v->merges[i].l = -1;
    for (i = 0; i < nm; i++) {
        const uint8_t *s = (const uint8_t *)tn_gguf_arr_str(g, mi, i, &len);
        uint64_t sp, j;
        int32_t l, r;
        for (sp = 1; sp < len && s[sp] != ' '; sp++) {}
        if (sp >= len || sp + 1 >= len) continue;  /* no parts: matches nothing, as in llama.cpp */
        l = tn__sym_intern(v, s, (uint32_t)sp);
        r = tn__sym_intern(v, s + sp + 1, (uint32_t)(len - sp - 1));
        for (j = tn__pair_hash(l, r) & v->mmask;; j = (j + 1) & v->mmask) {
            tn__merge *m = &v->merges[j];
            if (m->l == l && m->r == r) break;   /* named before: the first rank stays */
            if (m->l < 0) {
                memcpy(cat, s, (size_t)sp); memcpy(cat + sp, s + sp + 1, (size_t)(len - sp - 1));
                m->l = l; m->r = r; m->rank = (uint32_t)i;
                m->res = tn__sym_intern(v, cat, (uint32_t)(len - 1));
                break;
            }
        }
    }
    TN_FREE(cat);
    for (b = 0; b < 256; b++) {  /* each byte's one-character symbol */
        uint8_t u[4];
        size_t k = tn__utf8_put(tn__byte_char((uint8_t)b), u);
        uint8_t c = (uint8_t)b;
        v->benc[b] = tn__sym_id(v, u, (uint32_t)k);
        v->bsingle[b] = tn__vocab_find(v, &c, 1, tn__fnv(&c, 1)); /* llama.cpp's fallback: single bytes of a symbol's text */
    }
    return TN_OK;
}

/* the heap of candidate merges: lowest rank first, then the leftmost */
typedef struct { uint32_t rank, size; int32_t l, r, res; } tn__bigram;
static int tn__bg_less(const tn__bigram *a, const tn__bigram *b) { return a->rank < b->rank || (a->rank == b->rank && a->l < b->l); }
static void tn__bg_push(tn__bigram *h, size_t *n, tn__bigram x) {
    size_t i = (*n)++;
    while (i > 0 && tn__bg_less(&x, &h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = x;
}
static tn__bigram tn__bg_pop(tn__bigram *h, size_t *n) {
    tn__bigram top = h[0], x = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && tn__bg_less(&h[c + 1], &h[c])) c++;
        if (!tn__bg_less(&h[c], &x)) break;
        h[i] = h[c]; i = c;
    }
    if (*n) h[i] = x;
    return top;
}
/* scratch for one word of up to cap bytes */
typedef struct {
    uint8_t *enc;              /* the word, each byte as its character's UTF-8 */
    uint32_t *eoff;            /* cap + 1: where byte i's character begins in enc */
    int32_t *id, *prev, *next;
    uint32_t *len;             /* bytes a symbol covers (0: merged away) */
    tn__bigram *heap;          /* 3 * cap */
} tn__bpe_ws;
static void tn__bpe_add(const tn_vocab *v, tn__bpe_ws *w, size_t *nh, int32_t a, int32_t b) {
    const tn__merge *m;
    tn__bigram x;
    if (a < 0 || b < 0 || w->id[a] < 0 || w->id[b] < 0 || !(m = tn__merge_find(v, w->id[a], w->id[b]))) return;
    x.rank = m->rank; x.l = a; x.r = b; x.res = m->res; x.size = w->len[a] + w->len[b];
    tn__bg_push(w->heap, nh, x);
}
/* one pre-tokenized piece (bytes s[0, m)) to ids, as llama.cpp's BPE session */
static void tn__bpe_word(const tn_vocab *v, tn__bpe_ws *w, const uint8_t *s, size_t m, tn__idsink *o) {
    size_t i, nh = 0, ne = 0;
    int32_t k;
    for (i = 0; i < m; i++) { w->eoff[i] = (uint32_t)ne; ne += tn__utf8_put(tn__byte_char(s[i]), w->enc + ne); }
    w->eoff[m] = (uint32_t)ne;
    if (v->ignore_merges && ne <= UINT32_MAX) {
        int32_t id = tn__vocab_find(v, w->enc, (uint32_t)ne, tn__fnv(w->enc, ne));
        if (id >= 0) { tn__ids_put(o, id); return; }
    }
    for (i = 0; i < m; i++) {
        w->id[i] = v->benc[s[i]]; w->len[i] = 1;
        w->prev[i] = (int32_t)i - 1; w->next[i] = i + 1 < m ? (int32_t)(i + 1) : -1;
    }
    for (i = 1; i < m; i++) tn__bpe_add(v, w, &nh, (int32_t)(i - 1), (int32_t)i);
    while (nh) {
        tn__bigram x = tn__bg_pop(w->heap, &nh);
        int32_t l = x.l, r = x.r;
        if (!w->len[l] || !w->len[r] || w->len[l] + w->len[r] != x.size) continue;  /* stale */
        w->id[l] = x.res;
        w->len[l] += w->len[r]; w->len[r] = 0;
        w->next[l] = w->next[r];
        if (w->next[r] >= 0) w->prev[w->next[r]] = l;
        tn__bpe_add(v, w, &nh, w->prev[l], l);
        tn__bpe_add(v, w, &nh, l, w->next[l]);
    }
    for (k = 0; k >= 0; k = w->next[k]) {
        if (w->id[k] >= 0 && w->id[k] < v->n) { tn__ids_put(o, w->id[k]); continue; }
        /* no token: each byte of the symbol's text that is a token by itself */
        for (i = w->eoff[k]; i < w->eoff[k + w->len[k]]; i++)
            if (v->bsingle[w->enc[i]] >= 0) tn__ids_put(o, v->bsingle[w->enc[i]]);
    }
}
/* a raw fragment: code points (llama.cpp's decoding), pieces, BPE per piece */
static tn_status tn__bpe_run(const tn_vocab *v, const uint8_t *s, size_t len, size_t base, tn__idsink *o) {
    uint32_t *cp;
    size_t *pa, *pb, *pieces, *coff, n = 0, p = 0, np, i, start, maxw = 0, cb = 0;
    uint8_t *canon;
    tn__bpe_ws w;
    tn_status st = TN_OK;
    if (len > ((size_t)-1) / (8 * sizeof(size_t) + 64)) return tn__fail(TN_ERR_ARG, "tn_tokenize: the text (%zu bytes) is too long", len);
    cp = (uint32_t *)TN_MALLOC(len * sizeof(uint32_t));
    coff = (size_t *)TN_MALLOC((len + 1) * sizeof(size_t));
    pa = (size_t *)TN_MALLOC(len * sizeof(size_t));
    pb = (size_t *)TN_MALLOC(len * sizeof(size_t));
    canon = (uint8_t *)TN_MALLOC(4 * len);
    memset(&w, 0, sizeof(w));
    if (!cp || !coff || !pa || !pb || !canon) { st = tn__fail(TN_ERR_NOMEM, "tn_tokenize: out of memory for %zu bytes of text", len); goto done; }
    while (p < len) {
        size_t q = p, k;
        uint32_t c = tn__utf8_next(s, len, &q);
        if (!(k = tn__utf8_put(c, canon + cb))) { st = tn__fail(TN_ERR_ARG, "tn_tokenize: the text holds code point U+%X (above U+10FFFF) at byte %zu", (unsigned)c, base + p); goto done; }
        coff[n] = cb; cp[n++] = c; cb += k; p = q;
    }
    coff[n] = cb;
    np = tn__pretokenize(v->pre, cp, n, pa, pb, &pieces);
    for (i = 0, start = 0; i < np; start += pieces[i], i++)
        if (coff[start + pieces[i]] - coff[start] > maxw) maxw = coff[start + pieces[i]] - coff[start];
    w.enc = (uint8_t *)TN_MALLOC(2 * maxw + 1);
    w.eoff = (uint32_t *)TN_MALLOC((maxw + 1) * sizeof(uint32_t));
    w.id = (int32_t *)TN_MALLOC(maxw * sizeof(int32_t) + 1);
    w.prev = (int32_t *)TN_MALLOC(maxw * sizeof(int32_t) + 1);
    w.next = (int32_t *)TN_MALLOC(maxw * sizeof(int32_t) + 1);
    w.len = (uint32_t *)TN_MALLOC(maxw * sizeof(uint32_t) + 1);
    w.heap = (tn__bigram *)TN_MALLOC(3 * maxw * sizeof(tn__bigram) + 1);
    if (!w.enc || !w.eoff || !w.id || !w.prev || !w.next || !w.len || !w.heap) { st = tn__fail(TN_ERR_NOMEM, "tn_tokenize: out of memory for a %zu-byte word", maxw); goto done; }
    if (maxw > (size_t)INT32_MAX / 4) { st = tn__fail(TN_ERR_ARG, "tn_tokenize: a %zu-byte word is too long", maxw); goto done; }
    for (i = 0, start = 0; i < np; start += pieces[i], i++)
        tn__bpe_word(v, &w, canon + coff[start], coff[start + pieces[i]] - coff[start], o);
done:
    TN_FREE(cp); TN_FREE(coff); TN_FREE(pa); TN_FREE(pb); TN_FREE(canon);
    TN_FREE(w.enc); TN_FREE(w.eoff); TN_FREE(w.id); TN_FREE(w.prev); TN_FREE(w.next); TN_FREE(w.len); TN_FREE(w.heap);
    return st;
}

/* llama.cpp's partition: each special token in turn (longest first) splits
   every raw stretch at its leftmost, non-overlapping occurrences */
typedef struct { size_t off, len; int32_t id; } tn__frag; /* id >= 0: a special token */
TNDEF tn_status tn_tokenize(const tn_vocab *v, const char *text, size_t len, int add_special, int parse_special,
                            int32_t *ids, int64_t cap, int64_t *n_out) {
    tn__idsink o;
    tn__frag *fr = NULL;
    size_t nf = 1, fcap = 16;
    int64_t k, f;
    tn_status st = TN_OK;
    if (!v || (!text && len) || !n_out || cap < 0 || (!ids && cap)) return tn__fail(TN_ERR_ARG, "tn_tokenize: NULL argument or negative cap");
    o.ids = ids; o.cap = cap; o.n = 0;
    *n_out = 0;
    if (add_special && v->add_bos) tn__ids_put(&o, v->bos);
    if (len) {
        if (!(fr = (tn__frag *)TN_MALLOC(fcap * sizeof(*fr)))) return tn__fail(TN_ERR_NOMEM, "tn_tokenize: out of memory");
        fr[0].off = 0; fr[0].len = len; fr[0].id = -1;
        for (k = 0; k < v->n_special; k++) {
            const tn__vtok *t = &v->tok[v->special[k]];
            const uint8_t *tb = v->bytes + t->off;
            if ((t->type == 2 || t->type == 3) && !parse_special) continue;
            for (f = 0; f < (int64_t)nf; f++) {
                size_t p, end;
                if (fr[f].id >= 0 || fr[f].len < t->len) continue;
                end = fr[f].off + fr[f].len;
                for (p = fr[f].off; p + t->len <= end; p++) {
                    if ((uint8_t)text[p] != tb[0] || memcmp(text + p, tb, t->len) != 0) continue;
                    /* split fragment f into [off, p) [special] [p+len, end) */
                    if (nf + 2 > fcap) {
                        tn__frag *nfr;
                        if (fcap > ((size_t)-1) / (4 * sizeof(*fr)) || !(nfr = (tn__frag *)TN_MALLOC(2 * fcap * sizeof(*fr)))) { TN_FREE(fr); return tn__fail(TN_ERR_NOMEM, "tn_tokenize: out of memory"); }
                        memcpy(nfr, fr, nf * sizeof(*fr));
                        TN_FREE(fr);
                        fr = nfr; fcap *= 2;
                    }
                    memmove(&fr[f + 3], &fr[f + 1], (nf - (size_t)f - 1) * sizeof(*fr));
                    nf += 2;
                    fr[f + 2].off = p + t->len; fr[f + 2].len = end - p - t->len; fr[f + 2].id = -1;
                    fr[f + 1].off = p; fr[f + 1].len = t->len; fr[f + 1].id = v->special[k];
                    fr[f].len = p - fr[f].off;
                    f += 1; /* go on in the rest, fragment f + 2 */
                    break;
                }
            }
        }
        for (f = 0; f < (int64_t)nf && st == TN_OK; f++) {
            if (fr[f].id >= 0) tn__ids_put(&o, fr[f].id);
            else if (fr[f].len) st = (v->pre ? tn__bpe_run : tn__rwkv_run)(v, (const uint8_t *)text + fr[f].off, fr[f].len, fr[f].off, &o);
        }
        TN_FREE(fr);
        if (st != TN_OK) return st;
    }
    if (add_special && v->add_eos) tn__ids_put(&o, v->eos);
    *n_out = o.n;
    if (o.n > cap) return tn__fail(TN_ERR_ARG, "tn_tokenize: the text needs %lld ids, room for %lld was given", (long long)o.n, (long long)cap);
    return TN_OK;
}
static void tn__piece_put(char *buf, size_t cap, size_t *n, const void *p, size_t k) {
    if (*n < cap) memcpy(buf + *n, p, TN__MIN(k, cap - *n));
    *n += k;
}
TNDEF tn_status tn_token_piece(const tn_vocab *v, int32_t id, int special, char *buf, size_t cap, size_t *len_out) {
    const uint8_t *t;
    size_t l, n = 0, p;
    int ty;
    if (!v || !len_out || (!buf && cap)) return tn__fail(TN_ERR_ARG, "tn_token_piece: NULL argument");
    if (id < 0 || id >= v->n) return tn__fail(TN_ERR_ARG, "tn_token_piece: token %lld is out of range (the vocabulary has %lld)", (long long)id, (long long)v->n);
    t = v->bytes + v->tok[id].off; l = v->tok[id].len; ty = v->tok[id].type;
    *len_out = 0;
    if ((ty == 2 || ty == 3) && !special) return TN_OK;  /* unknown and control tokens are hidden unless asked for */
    if (!v->pre || ty == 2 || ty == 3 || ty == 4) tn__piece_put(buf, cap, &n, t, l);
    else if (ty == 6) {        /* a byte token "<0xXX>" */
        uint8_t b = 0;
        for (p = 3; p < 5 && p < l && isxdigit(t[p]); p++) b = (uint8_t)(b * 16 + (isdigit(t[p]) ? t[p] - '0' : (t[p] | 0x20) - 'a' + 10));
        tn__piece_put(buf, cap, &n, &b, 1);
    } else if (ty == 1) {      /* byte-level: each character stands for a byte */
        for (p = 0; p < l;) {
            size_t q = p;
            uint32_t c = tn__utf8_next(t, l, &q);
            int b = tn__char_byte(c);
            if (b >= 0) { uint8_t x = (uint8_t)b; tn__piece_put(buf, cap, &n, &x, 1); }
            else {             /* llama.cpp's marker for a character that is no byte */
                uint8_t u[4];
                size_t k = tn__utf8_put(c, u), j;
                char hx[3];
                tn__piece_put(buf, cap, &n, "[UNK_BYTE_0x", 12);
                for (j = 0; j < k; j++) { snprintf(hx, sizeof(hx), "%02x", u[j]); tn__piece_put(buf, cap, &n, hx, 2); }
                tn__piece_put(buf, cap, &n, t, l);
                tn__piece_put(buf, cap, &n, "]", 1);
            }
            p = q;
        }
    }                          /* unused and undefined tokens: nothing */
    *len_out = n;
    return TN_OK;
}

/* ---- the runner ---- */
typedef struct { const void *data; tn_type type; int64_t ne0, ne1; float scale; const float *bias; } tn__lw;
typedef struct {
    const float *attn_norm, *ffn_norm, *attn_sub_norm, *ffn_sub_norm;
    tn__lw wq, wk, wv, wo, gate, up, down;
} tn__llm_layer;
struct tn_llm {
    tn_llm_info info;
    const tn_gguf *g;
    tn_gguf *own;             /* the file tn_llm_load read */
    tn_vocab *vocab;
    tn__llm_layer *L;
    tn__lw embd, head;
    const float *norm_f, *rope_freqs;
    float *small;             /* every 1-D tensor decoded to f32 */
    float *kc, *vc;           /* [layer][position][n_head_kv * head_dim]; V transposed: [layer][channel][position] */
    int64_t n_past, qd, kvd, wmax;
    tn_pool *pool;
    float *x, *xn, *q, *k, *v, *att, *ga, *up, *rnd, *scores;
    float *rope_c;            /* n_batch x n_rot: cos, sin pairs per position */
    tn_llm_observer obs;
    void *obs_user;
    int obs_call;
};

static const char *const tn__llm_leaf[7] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};

TNDEF tn_llm_params tn_llm_params_default(void) {
    tn_llm_params p;
    memset(&p, 0, sizeof(p));
    p.use_mmap = 1;
    return p;
}
TNDEF void tn_llm_free(tn_llm *m) {
    if (!m) return;
    tn_pool_free(m->pool);
    tn_vocab_free(m->vocab);
    TN_FREE(m->L); TN_FREE(m->small); TN_FREE(m->kc); TN_FREE(m->vc);
    TN_FREE(m->x);
    tn_gguf_free(m->own);
    TN_FREE(m);
}
/* tensor `name`: {ne0, ne1} (ne1 = 1: 1-D), a type ternary.h can run; -1 if absent and optional */
static tn_status tn__llm_tensor(const tn_gguf *g, const char *name, int64_t ne0, int64_t ne1, int required, int matmul, tn_gguf_tensor *t, int *found) {
    int64_t i = tn_gguf_find_tensor(g, name);
    const tn_type_traits *tr;
    *found = 0;
    if (i < 0) return required ? tn__fail(TN_ERR_FORMAT, "the tensor '%s' is missing", name) : TN_OK;
    tn_gguf_get_tensor(g, i, t);
    if (t->ne[0] != ne0 || t->ne[1] != ne1 || t->ne[2] != 1 || t->ne[3] != 1)
        return tn__fail(TN_ERR_SHAPE, "the tensor '%s' is %lldx%lldx%lldx%lld; this model's keys want %lldx%lld", name,
                        (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2], (long long)t->ne[3], (long long)ne0, (long long)ne1);
    tr = tn_type_get_traits(t->type);
    if (!tr || (matmul ? !tr->has_vec_dot : !tr->can_dequantize))
        return tn__fail(TN_ERR_TYPE, "the tensor '%s' is %s, a type ternary.h cannot %s", name, tn_type_name(t->type), matmul ? "multiply by" : "decode");
    if (matmul && ne0 % tn_blck_size(tr->vec_dot_type))
        return tn__fail(TN_ERR_SHAPE, "the tensor '%s' has rows of %lld, not whole blocks of its activations' %s", name, (long long)ne0, tn_type_name(tr->vec_dot_type));
    *found = 1;
    return TN_OK;
}
static void tn__lw_set(tn__lw *w, const tn_gguf_tensor *t) {
    w->data = t->data; w->type = t->type; w->ne0 = t->ne[0]; w->ne1 = t->ne[1]; w->scale = 1.0f; w->bias = NULL;
}
TNDEF tn_status tn_llm_from_gguf(const tn_gguf *g, const tn_llm_params *pp, tn_llm **out) {
    tn_llm_params p = pp ? *pp : tn_llm_params_default();
    tn_llm *m = NULL;
    tn_llm_info *I;
    char k[TN_MAX_NAME + 64], nm[TN_MAX_NAME + 32];
    const char *s, *arch;
    uint64_t len;
    int64_t ai, l, hk, hv, ctx, nsmall = 0, so, nl1;
    tn_gguf_tensor t;
    int found, j, pass;
    tn_status st;
    size_t kvb, sb, tot;
    if (!g || !out) return tn__fail(TN_ERR_ARG, "tn_llm_from_gguf: NULL argument");
    *out = NULL;
    if (p.n_ctx < 0 || p.n_batch < 0 || p.n_threads < 0 || (int)p.ffn_act < 0 || (int)p.ffn_act > 2)
        return tn__fail(TN_ERR_ARG, "tn_llm: n_ctx %lld, n_batch %lld, n_threads %d must not be negative; ffn_act is 0, 1 or 2", (long long)p.n_ctx, (long long)p.n_batch, p.n_threads);
    ai = tn_gguf_find_key(g, "general.architecture");
    if (ai < 0 || tn_gguf_get_str(g, ai, &s, &len) != TN_OK) return tn__fail(TN_ERR_FORMAT, "general.architecture is missing");
    if (len == 5 && memcmp(s, "llama", 5) == 0) arch = "llama";
    else if (len == 5 && memcmp(s, "arcee", 5) == 0) arch = "arcee";
    else if (len == 6 && memcmp(s, "bitnet", 6) == 0) arch = "bitnet";
    else return tn__fail(TN_ERR_UNSUPPORTED, "general.architecture is '%.*s'; tn_llm runs llama.cpp's 'llama', 'arcee' and 'bitnet'%s", (int)(len > 64 ? 64 : len), s,
                         len >= 7 && memcmp(s, "ternary", 7) == 0 ? " (ternary.h's own files load with tn_transformer_load_gguf)" : "");
    if (!(m = (tn_llm *)TN_MALLOC(sizeof(*m)))) return tn__fail(TN_ERR_NOMEM, "tn_llm: out of memory");
    memset(m, 0, sizeof(*m));
    m->g = g;
    I = &m->info;
    snprintf(I->arch, sizeof(I->arch), "%s", arch);
    if ((ai = tn_gguf_find_key(g, "general.name")) >= 0 && tn_gguf_get_str(g, ai, &s, &len) == TN_OK) snprintf(I->name, sizeof(I->name), "%.*s", (int)(len > 63 ? 63 : len), s);
    I->sub_norms = arch[0] == 'b';
    I->gated = arch[0] != 'a';
    I->rope_neox = arch[0] == 'b';
    if ((st = tn__kv_int(g, tn__pname(k, arch, "embedding_length"), 1, 0, &I->n_embd)) || (st = tn__kv_int(g, tn__pname(k, arch, "block_count"), 1, 0, &I->n_layer)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "context_length"), 1, 0, &I->n_ctx_train)) || (st = tn__kv_int(g, tn__pname(k, arch, "feed_forward_length"), 1, 0, &I->n_ff)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.head_count"), 1, 0, &I->n_head)) ||
        (st = tn__kv_float(g, tn__pname(k, arch, "attention.layer_norm_rms_epsilon"), 1, 0.0f, &I->rms_eps)) ||
        (st = tn__kv_float(g, tn__pname(k, arch, "rope.freq_base"), 0, 10000.0f, &I->rope_base)))
        goto fail;
    st = TN_ERR_FORMAT;
    if (I->n_embd <= 0 || I->n_head <= 0 || I->n_ff <= 0 || I->n_ctx_train <= 0 || I->n_layer <= 0) {
        tn__fail(st, "%s: embedding_length %lld, feed_forward_length %lld, head_count %lld, block_count %lld and context_length %lld must be positive",
                 arch, (long long)I->n_embd, (long long)I->n_ff, (long long)I->n_head, (long long)I->n_layer, (long long)I->n_ctx_train);
        goto fail;
    }
    if ((st = tn__kv_int(g, tn__pname(k, arch, "attention.head_count_kv"), 0, I->n_head, &I->n_head_kv)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.key_length"), 0, I->n_embd / I->n_head, &hk)) ||
        (st = tn__kv_int(g, tn__pname(k, arch, "attention.value_length"), 0, I->n_embd / I->n_head, &hv)))
        goto fail;
    st = TN_ERR_FORMAT;
    if (I->n_head_kv <= 0 || I->n_head % I->n_head_kv) { tn__fail(st, "%s: head_count_kv %lld does not divide head_count %lld", arch, (long long)I->n_head_kv, (long long)I->n_head); goto fail; }
    if (hk <= 0 || hk != hv) { st = TN_ERR_UNSUPPORTED; tn__fail(st, "%s: attention.key_length %lld and value_length %lld differ: not supported", arch, (long long)hk, (long long)hv); goto fail; }
    I->head_dim = hk;
    if ((st = tn__kv_int(g, tn__pname(k, arch, "rope.dimension_count"), 0, hk, &I->n_rot))) goto fail;
    st = TN_ERR_FORMAT;
    if (I->n_rot <= 0 || I->n_rot > hk || I->n_rot % 2) { tn__fail(st, "%s: rope.dimension_count %lld must be even and at most the head size %lld", arch, (long long)I->n_rot, (long long)hk); goto fail; }
    if (I->n_head * hk > INT32_MAX) { tn__fail(st, "%s: head_count x key_length is out of range", arch); goto fail; }
    if (I->sub_norms && I->n_head * hk != I->n_embd) { tn__fail(st, "bitnet: head_count %lld x head size %lld must be embedding_length %lld", (long long)I->n_head, (long long)hk, (long long)I->n_embd); goto fail; }
    I->rope_freq_scale = 1.0f;
    if ((ai = tn_gguf_find_key(g, tn__pname(k, arch, "rope.scaling.type"))) >= 0) {
        if (tn_gguf_get_str(g, ai, &s, &len) != TN_OK) { tn__fail(st, "%s is not a string", k); goto fail; }
        if (len == 6 && memcmp(s, "linear", 6) == 0) {
            float f;
            if ((st = tn__kv_float(g, tn__pname(k, arch, "rope.scaling.factor"), 0, 1.0f, &f))) goto fail;
            if (!(f > 0.0f) || !(f < 1e30f)) { st = TN_ERR_FORMAT; tn__fail(st, "%s: rope.scaling.factor %g is not a positive number", arch, (double)f); goto fail; }
            I->rope_freq_scale = 1.0f / f;
        } else if (!(len == 4 && memcmp(s, "none", 4) == 0)) {
            st = TN_ERR_UNSUPPORTED; tn__fail(st, "%s: rope.scaling.type '%.*s' is not supported (none and linear are)", arch, (int)(len > 32 ? 32 : len), s); goto fail;
        }
    }
    I->attn_scale = 1.0f / sqrtf((float)hk);
    if (!I->sub_norms && (ai = tn_gguf_find_key(g, tn__pname(k, arch, "attention.scale"))) >= 0) {
        float f;
        if ((st = tn__kv_float(g, k, 0, 0.0f, &f))) goto fail;
        if (f != 0.0f) I->attn_scale = f;
    }
    if (!(I->rms_eps >= 0.0f) || !(I->rope_base > 0.0f) || !(I->rope_base < 1e30f)) { st = TN_ERR_FORMAT; tn__fail(st, "%s: layer_norm_rms_epsilon %g or rope.freq_base %g is out of range", arch, (double)I->rms_eps, (double)I->rope_base); goto fail; }
    m->qd = I->n_head * hk; m->kvd = I->n_head_kv * hk;
    /* the head and embeddings */
    if ((ai = tn_gguf_find_tensor(g, "token_embd.weight")) < 0) { tn__fail(st, "the tensor 'token_embd.weight' is missing"); goto fail; }
    tn_gguf_get_tensor(g, ai, &t);
    if ((st = tn__llm_tensor(g, "token_embd.weight", I->n_embd, t.ne[1] > 0 ? t.ne[1] : 1, 1, 0, &t, &found))) goto fail;
    I->n_vocab = t.ne[1];
    tn__lw_set(&m->embd, &t);
    I->embd_type = t.type;
    found = 0;
    if (!I->sub_norms && (st = tn__llm_tensor(g, "output.weight", I->n_embd, I->n_vocab, 0, 1, &t, &found))) goto fail;
    if (found) { tn__lw_set(&m->head, &t); }
    else {
        if ((st = tn__llm_tensor(g, "token_embd.weight", I->n_embd, I->n_vocab, 1, 1, &t, &found))) goto fail;
        m->head = m->embd;
        I->tied = 1;
    }
    I->head_type = m->head.type;
    if (!(m->L = (tn__llm_layer *)TN_MALLOC((size_t)I->n_layer * sizeof(tn__llm_layer)))) { st = tn__fail(TN_ERR_NOMEM, "tn_llm: out of memory"); goto fail; }
    memset(m->L, 0, (size_t)I->n_layer * sizeof(tn__llm_layer));
    /* two passes over the 1-D tensors: count, then decode */
    for (pass = 0; pass < 2; pass++) {
        so = 0;
#define TN__SMALL(dst, nmv, n0, req) do { \
        if ((st = tn__llm_tensor(g, (nmv), (n0), 1, (req), 0, &t, &found))) goto fail; \
        if (found) { if (pass) { tn_dequantize_row(t.type, t.data, m->small + so, (n0)); (dst) = m->small + so; } so += (n0); } } while (0)
        TN__SMALL(m->norm_f, "output_norm.weight", I->n_embd, 1);
        TN__SMALL(m->rope_freqs, "rope_freqs.weight", I->n_rot / 2, 0);
        for (l = 0; l < I->n_layer; l++) {
            tn__llm_layer *L = &m->L[l];
            snprintf(nm, sizeof(nm), "blk.%lld.attn_norm.weight", (long long)l); TN__SMALL(L->attn_norm, nm, I->n_embd, 1);
            snprintf(nm, sizeof(nm), "blk.%lld.ffn_norm.weight", (long long)l); TN__SMALL(L->ffn_norm, nm, I->n_embd, 1);
            if (I->sub_norms) {
                snprintf(nm, sizeof(nm), "blk.%lld.attn_sub_norm.weight", (long long)l); TN__SMALL(L->attn_sub_norm, nm, I->n_embd, 1);
                snprintf(nm, sizeof(nm), "blk.%lld.ffn_sub_norm.weight", (long long)l); TN__SMALL(L->ffn_sub_norm, nm, I->n_ff, 1);
            }
            for (j = 0; j < 7; j++) {
                tn__lw *w = &(&L->wq)[j];
                const float *bias = NULL;
                int64_t ne0 = j == 3 ? m->qd : j == 6 ? I->n_ff : I->n_embd;
                int64_t ne1 = j == 0 ? m->qd : j < 3 ? m->kvd : j == 3 || j == 6 ? I->n_embd : I->n_ff;
                if (j == 4 && !I->gated) continue;
                if (!pass) {
                    snprintf(nm, sizeof(nm), "blk.%lld.%s.weight", (long long)l, tn__llm_leaf[j]);
                    if ((st = tn__llm_tensor(g, nm, ne0, ne1, 1, 1, &t, &found))) goto fail;
                    tn__lw_set(w, &t);
                    I->n_params += (uint64_t)(ne0 * ne1);
                    I->weight_bytes += t.nbytes;
                }
                snprintf(nm, sizeof(nm), "blk.%lld.%s.bias", (long long)l, tn__llm_leaf[j]);
                TN__SMALL(bias, nm, ne1, 0);
                if (pass) w->bias = bias;
                snprintf(nm, sizeof(nm), "blk.%lld.%s.scale", (long long)l, tn__llm_leaf[j]);
                if ((st = tn__llm_tensor(g, nm, 1, 1, 0, 0, &t, &found))) goto fail;
                if (found && pass) {
                    tn_dequantize_row(t.type, t.data, &w->scale, 1);
                    if (!(w->scale - w->scale == 0.0f)) { st = TN_ERR_FORMAT; tn__fail(st, "the tensor '%s' is not finite", nm); goto fail; }
                }
            }
        }
#undef TN__SMALL
        if (!pass) {
            nsmall = so;
            if (!(m->small = (float *)TN_MALLOC((size_t)(nsmall ? nsmall : 1) * sizeof(float)))) { st = tn__fail(TN_ERR_NOMEM, "tn_llm: out of memory"); goto fail; }
        }
    }
    I->has_rope_freqs = m->rope_freqs != NULL;
    I->proj_type = m->L[0].wq.type;
    I->n_params += (uint64_t)(I->n_vocab * I->n_embd) * (I->tied ? 1u : 2u) + (uint64_t)nsmall;
    I->weight_bytes += tn_row_size(m->embd.type, I->n_embd) * (size_t)I->n_vocab * (I->tied ? 1u : 2u);
    I->act = !I->gated ? TN_LLM_ACT_RELU2 : p.ffn_act == TN_LLM_ACT_RELU2 ? TN_LLM_ACT_RELU2 : TN_LLM_ACT_SILU;
    for (so = 0; so < nsmall; so++)
        if (!(m->small[so] - m->small[so] == 0.0f)) { st = TN_ERR_FORMAT; tn__fail(st, "a norm, bias or rope_freqs tensor holds NaN or Inf"); goto fail; }
    /* the vocabulary */
    if ((st = tn_vocab_from_gguf(g, &m->vocab))) goto fail;
    if (tn_vocab_n(m->vocab) != I->n_vocab) {
        st = TN_ERR_FORMAT;
        tn__fail(st, "tokenizer.ggml.tokens has %lld tokens, token_embd.weight %lld rows", (long long)tn_vocab_n(m->vocab), (long long)I->n_vocab);
        goto fail;
    }
    /* the cache and the scratch */
    ctx = p.n_ctx ? p.n_ctx : TN__MIN(I->n_ctx_train, (int64_t)4096);
    I->n_ctx = ctx;
    I->n_batch = p.n_batch ? TN__MIN(p.n_batch, ctx) : TN__MIN((int64_t)64, ctx);
    if (!tn__mul_size((size_t)I->n_layer * (size_t)ctx, (size_t)m->kvd * sizeof(float), &kvb) || ctx > INT32_MAX) {
        st = tn__fail(TN_ERR_NOMEM, "tn_llm: a cache of %lld positions is too large", (long long)ctx); goto fail;
    }
    I->kv_bytes = 2 * kvb;
    if (!(m->kc = (float *)TN_MALLOC(kvb)) || !(m->vc = (float *)TN_MALLOC(kvb))) {
        st = tn__fail(TN_ERR_NOMEM, "tn_llm: cannot allocate the cache: 2 x %zu bytes for %lld positions (give a smaller n_ctx)", kvb, (long long)ctx); goto fail;
    }
    I->n_threads = p.n_threads ? p.n_threads : tn_n_cpus();
    if (!(m->pool = tn_pool_new(I->n_threads))) { st = tn__fail(TN_ERR_NOMEM, "tn_llm: cannot start %d threads", I->n_threads); goto fail; }
    m->wmax = TN__MAX(TN__MAX(I->n_embd, m->qd), I->n_ff);
    nl1 = I->n_batch;
    /* x, xn, q, att (wmax each), k, v, ga, up, rnd (wmax), rope (n_rot), scores (per thread: ctx) */
    tot = 0;
    {
        size_t rows = (size_t)nl1, w = (size_t)m->wmax, parts[10];
        int pi;
        parts[0] = rows * (size_t)I->n_embd; parts[1] = rows * w; parts[2] = rows * (size_t)m->qd; parts[3] = rows * (size_t)m->kvd;
        parts[4] = rows * (size_t)m->kvd; parts[5] = rows * (size_t)m->qd; parts[6] = rows * (size_t)I->n_ff; parts[7] = rows * (size_t)I->n_ff;
        parts[8] = rows * w; parts[9] = rows * (size_t)I->n_rot + (size_t)I->n_threads * (size_t)ctx;
        for (pi = 0; pi < 10; pi++) {
            if (parts[pi] > ((size_t)-1) / 16 - tot) { st = tn__fail(TN_ERR_NOMEM, "tn_llm: scratch too large"); goto fail; }
            tot += (parts[pi] + 15) / 16 * 16;
        }
        if (!tn__mul_size(tot, sizeof(float), &sb) || !(m->x = (float *)TN_MALLOC(sb))) { st = tn__fail(TN_ERR_NOMEM, "tn_llm: cannot allocate %zu bytes of scratch (give a smaller n_batch)", tot * sizeof(float)); goto fail; }
        I->scratch_bytes = sb;
        {
            float **dst[10];
            float *c = m->x;
            dst[0] = &m->x; dst[1] = &m->xn; dst[2] = &m->q; dst[3] = &m->k; dst[4] = &m->v; dst[5] = &m->att; dst[6] = &m->ga; dst[7] = &m->up; dst[8] = &m->rnd; dst[9] = &m->rope_c;
            for (pi = 0; pi < 10; pi++) { *dst[pi] = c; c += (parts[pi] + 15) / 16 * 16; }
            m->scores = m->rope_c + rows * (size_t)I->n_rot;
        }
    }
    I->file_bytes = 0;
    *out = m;
    return TN_OK;
fail:
    tn_llm_free(m);
    return st;
}
TNDEF tn_status tn_llm_load(const char *path, const tn_llm_params *p, tn_llm **out) {
    tn_gguf *g;
    tn_status st;
    if (!path || !out) return tn__fail(TN_ERR_ARG, "tn_llm_load: NULL argument");
    *out = NULL;
    if ((st = tn_gguf_read_file(path, p ? p->use_mmap : 1, &g)) != TN_OK) return st;
    if ((st = tn_llm_from_gguf(g, p, out)) != TN_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", tn_last_error());
        tn_gguf_free(g);
        return tn__fail(st, "%s: %s", path, msg);
    }
    (*out)->own = g;
    (*out)->info.file_bytes = g->image_size;
    return TN_OK;
}
TNDEF const tn_llm_info *tn_llm_get_info(const tn_llm *m) { return m ? &m->info : NULL; }
TNDEF const tn_vocab *tn_llm_vocab(const tn_llm *m) { return m ? m->vocab : NULL; }
TNDEF int64_t tn_llm_n_past(const tn_llm *m) { return m ? m->n_past : 0; }
TNDEF void tn_llm_set_observer(tn_llm *m, tn_llm_observer fn, void *user) { if (m) { m->obs = fn; m->obs_user = user; } }
TNDEF tn_status tn_llm_rewind(tn_llm *m, int64_t n_past) {
    if (!m) return tn__fail(TN_ERR_ARG, "tn_llm_rewind: NULL model");
    if (n_past < 0 || n_past > m->n_past) return tn__fail(TN_ERR_ARG, "tn_llm_rewind: %lld is not between 0 and the %lld positions held", (long long)n_past, (long long)m->n_past);
    m->n_past = n_past;
    return TN_OK;
}

/* y (n x ne1) = x (n x ne0) . w^T as ggml computes it: x rounded to f16/bf16
   for such weights (their dot type), else quantized by tn_mul_mat; then
   times the .scale tensor, plus the bias */
static tn_status tn__llm_mm(tn_llm *m, const tn__lw *w, const float *x, int64_t n, float *y) {
    tn_tensor W, X, Y;
    int64_t i, e;
    tn_status st;
    memset(&W, 0, sizeof(W)); memset(&X, 0, sizeof(X)); memset(&Y, 0, sizeof(Y));
    if (m->obs) m->obs(m->obs_user, m->obs_call++, m->n_past, n, w->ne0, w->type == TN_TYPE_F16 || w->type == TN_TYPE_BF16 ? w->type : tn_type_get_traits(w->type)->vec_dot_type, (float *)(uintptr_t)x);
    if (w->type == TN_TYPE_F16 || w->type == TN_TYPE_BF16) {
        const int half = w->type == TN_TYPE_F16;
        for (i = 0; i < n * w->ne0; i++) m->rnd[i] = half ? tn_fp16_to_fp32(tn_fp32_to_fp16(x[i])) : tn_bf16_to_fp32(tn_fp32_to_bf16(x[i]));
        x = m->rnd;
    }
    W.type = w->type; W.n_dims = 2; W.ne[0] = w->ne0; W.ne[1] = w->ne1; W.ne[2] = W.ne[3] = 1;
    W.nb[0] = tn_type_size(w->type); W.nb[1] = tn_row_size(w->type, w->ne0); W.nb[2] = W.nb[3] = W.nb[1] * (size_t)w->ne1;
    W.data = (void *)(uintptr_t)w->data; W.data_size = W.nb[2]; W.scale = 1.0f;
    X.type = TN_TYPE_F32; X.n_dims = 2; X.ne[0] = w->ne0; X.ne[1] = n; X.ne[2] = X.ne[3] = 1;
    X.nb[0] = 4; X.nb[1] = 4 * (size_t)w->ne0; X.nb[2] = X.nb[3] = X.nb[1] * (size_t)n;
    X.data = (void *)(uintptr_t)x; X.data_size = X.nb[2]; X.scale = 1.0f;
    Y = X; Y.ne[0] = w->ne1; Y.nb[1] = 4 * (size_t)w->ne1; Y.nb[2] = Y.nb[3] = Y.nb[1] * (size_t)n; Y.data = y; Y.data_size = Y.nb[2];
    if ((st = tn_mul_mat(&Y, &W, &X, m->pool)) != TN_OK) return st;
    if (w->scale != 1.0f) for (i = 0; i < n * w->ne1; i++) y[i] *= w->scale;
    if (w->bias) for (i = 0; i < n; i++) for (e = 0; e < w->ne1; e++) y[i * w->ne1 + e] += w->bias[e];
    return TN_OK;
}
/* ggml_rms_norm (sum of squares in double) then ggml_mul by the gain */
static void tn__llm_rmsnorm(const float *x, const float *wt, int64_t n, int64_t d, float eps, float *y) {
    int64_t i, e;
    for (i = 0; i < n; i++) {
        const float *xr = x + i * d;
        float *yr = y + i * d, sc;
        double s = 0.0;
        for (e = 0; e < d; e++) s += (double)(xr[e] * xr[e]);
        sc = 1.0f / sqrtf((float)(s / (double)d) + eps);
        for (e = 0; e < d; e++) yr[e] = (xr[e] * sc) * wt[e];
    }
}
/* ggml's rope cache for a position: theta = p * base^(-2i/n_rot) (by repeated
   products, as ggml), over rope_freqs, times the linear scale */
static void tn__llm_rope_cache(const tn_llm *m, int64_t pos, float *c) {
    const tn_llm_info *I = &m->info;
    const float tscale = powf(I->rope_base, -2.0f / (float)I->n_rot);
    float theta = (float)pos;
    int64_t i0;
    for (i0 = 0; i0 < I->n_rot; i0 += 2) {
        const float ff = m->rope_freqs ? m->rope_freqs[i0 / 2] : 1.0f;
        const float th = I->rope_freq_scale * (theta / ff);
        c[i0] = cosf(th); c[i0 + 1] = sinf(th);
        theta *= tscale;
    }
}
static void tn__llm_rope(const tn_llm *m, float *v, int64_t n_heads, const float *c) {
    const int64_t hd = m->info.head_dim, nr = m->info.n_rot;
    int64_t h, i0;
    for (h = 0; h < n_heads; h++) {
        float *r = v + h * hd;
        for (i0 = 0; i0 < nr; i0 += 2) {
            const float co = c[i0], si = c[i0 + 1];
            const int64_t a = m->info.rope_neox ? i0 / 2 : i0, b = m->info.rope_neox ? i0 / 2 + nr / 2 : i0 + 1;
            const float x0 = r[a], x1 = r[b];
            r[a] = x0 * co - x1 * si;
            r[b] = x0 * si + x1 * co;
        }
    }
}
typedef struct { tn_llm *m; int64_t l, n, p0; tn_vec_dot_fn dot; } tn__llm_attn_job;
/* softmax(q k^T * scale) v over the cached positions 0..p, per (token, head),
   as ggml computes it without flash attention: K row-major, V transposed (so
   each output is one dot product over the positions), f32 dot kernels */
static void tn__llm_attn_task(void *arg, int ith, int nth) {
    const tn__llm_attn_job *J = (const tn__llm_attn_job *)arg;
    tn_llm *m = J->m;
    const tn_llm_info *I = &m->info;
    const int64_t hd = I->head_dim, grp = I->n_head / I->n_head_kv, total = J->n * I->n_head, nctx = I->n_ctx;
    const float *kc = m->kc + (size_t)J->l * (size_t)nctx * (size_t)m->kvd, *vt = m->vc + (size_t)J->l * (size_t)nctx * (size_t)m->kvd;
    float *sc = m->scores + (size_t)ith * (size_t)nctx;
    int64_t w;
    for (w = ith; w < total; w += nth) {
        const int64_t t = w / I->n_head, h = w % I->n_head, kh = h / grp, p = J->p0 + t;
        const float *q = m->q + t * m->qd + h * hd;
        float *o = m->att + t * m->qd + h * hd, mx = -INFINITY;
        double sum = 0.0;
        float inv;
        int64_t j, e;
        for (j = 0; j <= p; j++) {
            float s;
            J->dot(hd, &s, q, kc + j * m->kvd + kh * hd);
            sc[j] = s * I->attn_scale;
            if (sc[j] > mx) mx = sc[j];
        }
        for (j = 0; j <= p; j++) { sc[j] = expf(sc[j] - mx); sum += (double)sc[j]; }
        inv = (float)(1.0 / sum);
        for (j = 0; j <= p; j++) sc[j] *= inv;
        for (e = 0; e < hd; e++) J->dot(p + 1, &o[e], sc, vt + (kh * hd + e) * nctx);
    }
}
static tn_status tn__llm_chunk(tn_llm *m, const int32_t *tok, int64_t n, float *logits, int all) {
    const tn_llm_info *I = &m->info;
    const int64_t d = I->n_embd, ff = I->n_ff, p0 = m->n_past;
    int64_t i, l, e;
    tn_status st;
    for (i = 0; i < n; i++) {
        const uint8_t *row = (const uint8_t *)m->embd.data + (size_t)tok[i] * tn_row_size(m->embd.type, d);
        tn_dequantize_row(m->embd.type, row, m->x + i * d, d);
        tn__llm_rope_cache(m, p0 + i, m->rope_c + i * I->n_rot);
    }
    for (l = 0; l < I->n_layer; l++) {
        const tn__llm_layer *L = &m->L[l];
        float *kc = m->kc + ((size_t)l * (size_t)I->n_ctx + (size_t)p0) * (size_t)m->kvd;
        float *vt = m->vc + (size_t)l * (size_t)I->n_ctx * (size_t)m->kvd;
        tn__llm_attn_job job;
        tn__llm_rmsnorm(m->x, L->attn_norm, n, d, I->rms_eps, m->xn);
        if ((st = tn__llm_mm(m, &L->wq, m->xn, n, m->q)) || (st = tn__llm_mm(m, &L->wk, m->xn, n, kc)) || (st = tn__llm_mm(m, &L->wv, m->xn, n, m->v))) return st;
        for (i = 0; i < n; i++) /* V transposed: [channel][position] */
            for (e = 0; e < m->kvd; e++) vt[e * I->n_ctx + p0 + i] = m->v[i * m->kvd + e];
        for (i = 0; i < n; i++) {
            tn__llm_rope(m, m->q + i * m->qd, I->n_head, m->rope_c + i * I->n_rot);
            tn__llm_rope(m, kc + i * m->kvd, I->n_head_kv, m->rope_c + i * I->n_rot);
        }
        job.m = m; job.l = l; job.n = n; job.p0 = p0; job.dot = tn__kern()->dot[tn__fmt_slot(TN_TYPE_F32)];
        tn_pool_run(m->pool, tn__llm_attn_task, &job);
        if (I->sub_norms) { tn__llm_rmsnorm(m->att, L->attn_sub_norm, n, m->qd, I->rms_eps, m->xn); if ((st = tn__llm_mm(m, &L->wo, m->xn, n, m->q))) return st; }
        else if ((st = tn__llm_mm(m, &L->wo, m->att, n, m->q))) return st;
        for (i = 0; i < n * d; i++) m->x[i] = m->q[i] + m->x[i];
        tn__llm_rmsnorm(m->x, L->ffn_norm, n, d, I->rms_eps, m->xn);
        if ((st = tn__llm_mm(m, &L->up, m->xn, n, m->up))) return st;
        if (I->gated) {
            if ((st = tn__llm_mm(m, &L->gate, m->xn, n, m->ga))) return st;
            for (i = 0; i < n * ff; i++) {
                const float gv = m->ga[i];
                const float a = I->act == TN_LLM_ACT_RELU2 ? (gv > 0.0f ? gv * gv : 0.0f) : gv / (1.0f + expf(-gv));
                m->up[i] = a * m->up[i];
            }
        } else
            for (i = 0; i < n * ff; i++) { const float u = m->up[i] > 0.0f ? m->up[i] : 0.0f; m->up[i] = u * u; }
        if (I->sub_norms) { tn__llm_rmsnorm(m->up, L->ffn_sub_norm, n, ff, I->rms_eps, m->ga); if ((st = tn__llm_mm(m, &L->down, m->ga, n, m->q))) return st; }
        else if ((st = tn__llm_mm(m, &L->down, m->up, n, m->q))) return st;
        for (i = 0; i < n * d; i++) m->x[i] = m->q[i] + m->x[i];
        for (i = 0; i < n * d; i++)
            if (!(m->x[i] - m->x[i] == 0.0f)) return tn__fail(TN_ERR_FORMAT, "tn_llm_eval: layer %lld gave a NaN or Inf activation at position %lld (the weights overflow f32)", (long long)l, (long long)(p0 + i / d));
    }
    m->n_past = p0 + n;
    if (logits) {
        const int64_t first = all ? 0 : n - 1, cnt = n - first;
        tn__llm_rmsnorm(m->x + first * d, m->norm_f, cnt, d, I->rms_eps, m->xn);
        if ((st = tn__llm_mm(m, &m->head, m->xn, cnt, logits))) return st;
    }
    return TN_OK;
}
TNDEF tn_status tn_llm_eval(tn_llm *m, const int32_t *tokens, int64_t n, float *logits, int all) {
    int64_t i, done, p0;
    tn_status st = TN_OK;
    if (!m || (!tokens && n)) return tn__fail(TN_ERR_ARG, "tn_llm_eval: NULL argument");
    if (n <= 0) return n == 0 && !logits ? TN_OK : tn__fail(TN_ERR_ARG, "tn_llm_eval: %lld tokens (at least 1 wanted for logits)", (long long)n);
    for (i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->info.n_vocab) return tn__fail(TN_ERR_ARG, "tn_llm_eval: token %lld (at %lld) is out of range: the vocabulary has %lld", (long long)tokens[i], (long long)i, (long long)m->info.n_vocab);
    if (n > m->info.n_ctx - m->n_past)
        return tn__fail(TN_ERR_ARG, "tn_llm_eval: %lld more positions do not fit: the context holds %lld and %lld are used (open with a larger n_ctx, or rewind)",
                        (long long)n, (long long)m->info.n_ctx, (long long)m->n_past);
    p0 = m->n_past;
    m->obs_call = 0;
    for (done = 0; done < n && st == TN_OK; done += m->info.n_batch) {
        const int64_t c = TN__MIN(m->info.n_batch, n - done);
        float *lg = !logits ? NULL : all ? logits + done * m->info.n_vocab : done + c == n ? logits : NULL;
        st = tn__llm_chunk(m, tokens + done, c, lg, all);
    }
    if (st != TN_OK) m->n_past = p0;
    return st;
}

/* ---- sampling ---- */
typedef struct { float p; int32_t id; } tn__cand;
static int tn__cand_cmp(const void *a, const void *b) {
    const tn__cand *x = (const tn__cand *)a, *y = (const tn__cand *)b;
    return x->p > y->p ? -1 : x->p < y->p ? 1 : (x->id > y->id) - (x->id < y->id);
}
TNDEF tn_status tn_sample(const float *logits, int64_t n, const tn_sample_params *sp, tn_rng *rng, int32_t *out) {
    int64_t i, best = 0, keep;
    tn__cand *c;
    float mx, r;
    double sum = 0.0, acc;
    if (!logits || !sp || !out || n <= 0 || n > INT32_MAX) return tn__fail(TN_ERR_ARG, "tn_sample: NULL argument or %lld logits", (long long)n);
    for (i = 0; i < n; i++)
        if (!(logits[i] - logits[i] == 0.0f)) return tn__fail(TN_ERR_ARG, "tn_sample: logit %lld is NaN or Inf", (long long)i);
    for (i = 1; i < n; i++) if (logits[i] > logits[best]) best = i;
    if (!(sp->temp > 0.0f) || sp->top_k == 1) { *out = (int32_t)best; return TN_OK; }
    if (!rng) return tn__fail(TN_ERR_ARG, "tn_sample: sampling needs an rng");
    if (!(c = (tn__cand *)TN_MALLOC((size_t)n * sizeof(*c)))) return tn__fail(TN_ERR_NOMEM, "tn_sample: out of memory");
    mx = logits[best];
    for (i = 0; i < n; i++) { c[i].id = (int32_t)i; c[i].p = expf((logits[i] - mx) / sp->temp); }
    qsort(c, (size_t)n, sizeof(*c), tn__cand_cmp);
    keep = sp->top_k > 0 && sp->top_k < n ? sp->top_k : n;
    for (i = 0; i < keep; i++) sum += c[i].p;
    if (sp->top_p < 1.0f && sp->top_p > 0.0f) {
        acc = 0.0;
        for (i = 0; i < keep; i++) { acc += c[i].p; if (acc >= (double)sp->top_p * sum) { keep = i + 1; break; } }
        sum = 0.0;
        for (i = 0; i < keep; i++) sum += c[i].p;
    }
    r = tn_rng_uniform(rng);
    acc = 0.0;
    *out = c[keep - 1].id;
    for (i = 0; i < keep; i++) { acc += c[i].p / sum; if ((double)r < acc) { *out = c[i].id; break; } }
    TN_FREE(c);
    return TN_OK;
}

#if defined(TN_HAVE_AVX512) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT DEFAULT
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#endif /* TERNARY_IMPLEMENTATION_INCLUDED */
#endif /* TERNARY_IMPLEMENTATION */

/*
   REVISION HISTORY
   0.1  (2026-11)  first release: tensors, ggml formats, ternary packing, kernels

   ------------------------------------------------------------------------------
   This software is available under 2 licenses -- choose whichever you prefer.
   ------------------------------------------------------------------------------
   ALTERNATIVE A - MIT License
   Copyright (c) 2026 the ternary.h authors
   Permission is hereby granted, free of charge, to any person obtaining a copy of
   this software and associated documentation files (the "Software"), to deal in
   the Software without restriction, including without limitation the rights to
   use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
   of the Software, and to permit persons to whom the Software is furnished to do
   so, subject to the following conditions:
   The above copyright notice and this permission notice shall be included in all
   copies or substantial portions of the Software.
   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
   AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
   LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
   OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
   SOFTWARE.
   ------------------------------------------------------------------------------
   ALTERNATIVE B - Public Domain (www.unlicense.org)
   This is free and unencumbered software released into the public domain.
   Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
   software, either in source code form or as a compiled binary, for any purpose,
   commercial or non-commercial, and by any means.
   In jurisdictions that recognize copyright laws, the author or authors of this
   software dedicate any and all copyright interest in the software to the public
   domain. We make this dedication for the benefit of the public at large and to
   the detriment of our heirs and successors. We intend this dedication to be an
   overt act of relinquishment in perpetuity of all present and future rights to
   this software under copyright law.
   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
   AUTHORS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN
   ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
   WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
   ------------------------------------------------------------------------------
*/
