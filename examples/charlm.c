/* charlm.c - a small decoder-only ternary transformer on text, byte by byte,
   exported as a GGUF that llama.cpp runs unchanged.
   Build: cc -O2 -I. examples/charlm.c -o charlm -lm -lpthread
   Run:   ./charlm [FILE...] [--steps 2000] [--float] [--swiglu] [--act-block]
                   [--d 256] [--ff 256] [--layers 2] [--heads 4] [--seed 0]
                   [--threads N] [--resume] [--stop N] [--out charlm]
                   [--prompt "The "] [--sample 200] [--temp 0.8] [--val-batches 32]
                   [--accum 1] [--ckpt-every 250]
   MPI:   mpicc -O2 -DTERNARY_MPI -I. examples/charlm.c -o charlm-mpi -lm -lpthread
          mpirun -np 2 ./charlm-mpi --accum 2 --threads 1
          (a step's --accum micro-batches of 32 windows shared out among the
          ranks, gradients folded in their order: the same checkpoint bytes as
          one process with that --accum, for any number of ranks; --resume
          with another number of ranks continues exactly)
   Default text: the plain-text files of Debian's `fortunes` package
   (sudo apt-get install fortunes). Byte vocabulary, context 64, d_model 256,
   4 heads, 2 layers, RoPE, RMSNorm, ReLU^2 FFN of 256 (--swiglu: SwiGLU), no
   biases, ternary (BitLinear) projections; --float: f32 projections, d_model
   128 and FFN 512 (llama.cpp runs f32 weights of any width exactly, and this
   config learns better in float than 256/256 does); AdamW lr 3e-3 with
   cosine decay, batch 32 (times --accum). Prints train / validation loss in bits per
   character with throughput and ETA, saves a checkpoint OUT.ckpt every 250
   steps (--ckpt-every; --resume continues it exactly), exports OUT.gguf in llama.cpp's
   `arcee` (ReLU^2) or `llama` (SwiGLU) layout, samples --sample bytes after
   --prompt from the packed model (--temp 0: greedy, as llama.cpp's --temp 0),
   and ends with: val bits/char: X.XXX (over --val-batches batches of the
   validation text).
   Activations: BitNet's one int8 scale per token. Every ternary input here is
   256 wide, one Q8_K block, so that is also llama.cpp's rule; with --ff 512
   add --act-block (a scale per 256 values, llama.cpp's Q8_K) to keep
   llama.cpp's arithmetic exactly ternary.h's.
   The checkpoint holds the same bytes on every CPU path (TN_CPU=scalar|avx2|
   avx512, aarch64 NEON) and thread count. */
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>

#define LN2 0.6931471805599453

static double wall(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec; }

/* append a file's bytes to the corpus */
static int add_file(const char *path, uint8_t **buf, size_t *n, size_t *cap) {
    FILE *f = fopen(path, "rb");
    size_t k;
    if (!f) return -1;
    for (;;) {
        if (*n + 65536 > *cap) { *cap = (*cap + 65536) * 2; *buf = (uint8_t *)realloc(*buf, *cap); if (!*buf) { fclose(f); return -1; } }
        k = fread(*buf + *n, 1, 65536, f);
        *n += k;
        if (k < 65536) break;
    }
    fclose(f);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* the fortunes: every file in the directory without a '.' (skips .dat and .u8) */
static int load_fortunes(const char *dir, uint8_t **buf, size_t *n, size_t *cap) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char *names[512];
    int k = 0, i;
    if (!d) return -1;
    while ((e = readdir(d)) && k < 512) if (e->d_name[0] != '.' && !strchr(e->d_name, '.')) names[k++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)k, sizeof(char *), cmp_str); /* a fixed order */
    for (i = 0; i < k; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        add_file(path, buf, n, cap);
        free(names[i]);
    }
    return k ? 0 : -1;
}

/* random windows of T+1 bytes from [lo, hi) */
static void batch(const uint8_t *text, size_t lo, size_t hi, int B, int T, tn_rng *r, tn_tensor *ids, tn_tensor *tg) {
    int b, t;
    for (b = 0; b < B; b++) {
        size_t at = lo + tn_rng_u32(r) % (uint32_t)(hi - lo - (size_t)T - 1);
        for (t = 0; t < T; t++) {
            ((int32_t *)ids->data)[b * T + t] = text[at + (size_t)t];
            ((int32_t *)tg->data)[b * T + t] = text[at + (size_t)t + 1];
        }
    }
}

static double eval_bits(tn_ctx *c, tn_transformer *m, const uint8_t *text, size_t lo, size_t hi, int batches, int B, int T, tn_tensor *ids, tn_tensor *tg) {
    tn_rng r;
    double sum = 0;
    int i;
    size_t mark = tn_ctx_used(c);
    tn_rng_seed(&r, 4242); /* the same windows every time */
    tn_ctx_set_grad_enabled(c, 0);
    for (i = 0; i < batches; i++) {
        tn_tensor *l;
        batch(text, lo, hi, B, T, &r, ids, tg);
        l = tn_transformer_loss(c, m, ids, tg);
        if (!l) { fprintf(stderr, "error: %s\n", tn_last_error()); exit(1); }
        sum += ((float *)l->data)[0];
        tn_ctx_rewind(c, mark);
    }
    tn_ctx_set_grad_enabled(c, 1);
    return sum / batches / LN2;
}

static void sample(tn_ctx *c, tn_transformer *m, const char *prompt, int n, double temp, tn_rng *r) {
    int T = (int)m->cfg.ctx_len, len = (int)strlen(prompt), i, k;
    int32_t ctxbuf[4096];
    size_t mark = tn_ctx_used(c);
    tn_ctx_set_grad_enabled(c, 0);
    for (i = 0; i < len && i < 4096; i++) ctxbuf[i] = (unsigned char)prompt[i];
    printf("%s", prompt);
    for (k = 0; k < n && len < 4096; k++) {
        int start = len > T ? len - T : 0, w = len - start;
        tn_tensor *ids = tn_new_2d(c, TN_TYPE_I32, w, 1), *lg;
        const float *p;
        double u, acc = 0, z = 0;
        float mx = -1e30f;
        int v;
        memcpy(ids->data, ctxbuf + start, sizeof(int32_t) * (size_t)w);
        lg = tn_transformer_forward(c, m, ids);
        if (!lg) break;
        p = (const float *)lg->data + (size_t)(w - 1) * 256;
        int best = 0;
        for (v = 0; v < 256; v++) if (p[v] > mx) { mx = p[v]; best = v; }
        if (temp <= 0) {
            v = best; /* greedy: the first of the largest logits */
        } else {
            for (v = 0; v < 256; v++) z += exp((p[v] - mx) / temp);
            u = tn_rng_uniform(r) * z;
            for (v = 0; v < 255; v++) { acc += exp((p[v] - mx) / temp); if (acc >= u) break; }
        }
        ctxbuf[len++] = v;
        putchar(v >= 32 || v == '\n' || v == '\t' ? v : '?');
        tn_ctx_rewind(c, mark);
    }
    putchar('\n');
    tn_ctx_set_grad_enabled(c, 1);
}

int main(int argc, char **argv) {
    const char *out = "charlm", *prompt = "The ";
    int n_accum = 1, ckpt_every = 250, is_rank0 = 1;
    int64_t first = 0, count = 1;
    const tn_comm *comm = NULL; /* MPI: this rank among the others */
    tn_grad_accum ga;
    int steps = 2000, stop = 0, use_float = 0, threads = tn_n_cpus(), resume = 0, n_sample = 200, val_batches = 32, i, B = 32, T = 64;
    int swiglu = 0, act_block = 0, d = 0, ff = 0, layers = 2, heads = 4;
    double temp = 0.8;
    char note[512];
    uint64_t seed = 0;
    uint8_t *text = NULL;
    size_t n = 0, cap = 0, split;
    tn_transformer m;
    tn_transformer_config cfg = tn_transformer_config_default();
    tn_ctx *pc = tn_ctx_new((size_t)64 << 20), *c = tn_ctx_new((size_t)1 << 30);
    tn_optim opt;
    tn_optim_config oc = tn_optim_config_default(TN_OPTIM_ADAMW);
    tn_schedule sch;
    tn_train_state st;
    tn_pool *pool;
    tn_tensor *ids, *tg;
    tn_csv csv;
    char path[1024], ckpt[1024];
    double t0, vbits = 0;
    size_t mark;
    int files = 0;
#ifdef TERNARY_MPI
    static tn_comm world;
    if (tn_comm_mpi_init(&world, &argc, &argv)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    if (world.size > 1) comm = &world;
    is_rank0 = world.rank == 0;
    if (!is_rank0 && !freopen("/dev/null", "w", stdout)) return 1; /* rank 0 reports; errors still reach stderr */
#else
    if (tn_comm_launcher_size() > 1) {
        fprintf(stderr, "error: started as one of %d processes (mpirun?), but built without MPI: each would train alone and write the same files.\n"
                        "Build with:  mpicc -O2 -DTERNARY_MPI -I. examples/charlm.c -o charlm-mpi -lm -lpthread\n", tn_comm_launcher_size());
        return 2;
    }
#endif
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stop") && i + 1 < argc) stop = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--float")) use_float = 1;
        else if (!strcmp(argv[i], "--swiglu")) swiglu = 1;
        else if (!strcmp(argv[i], "--act-block")) act_block = 1;
        else if (!strcmp(argv[i], "--d") && i + 1 < argc) d = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ff") && i + 1 < argc) ff = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--heads") && i + 1 < argc) heads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--prompt") && i + 1 < argc) prompt = argv[++i];
        else if (!strcmp(argv[i], "--temp") && i + 1 < argc) temp = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = (uint64_t)atoll(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--resume")) resume = 1;
        else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--sample") && i + 1 < argc) n_sample = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--val-batches") && i + 1 < argc) val_batches = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--accum") && i + 1 < argc) n_accum = atoi(argv[++i]);
#ifdef TERNARY_MPI
        else if (!strcmp(argv[i], "--no-overlap")) world.threaded = 0; /* the reduction after the backward, not beside it */
#endif
        else if (!strcmp(argv[i], "--ckpt-every") && i + 1 < argc) ckpt_every = atoi(argv[++i]);
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [FILE...] [--steps N] [--stop N] [--float] [--swiglu] [--act-block] [--d N] [--ff N] [--layers N] [--heads N]\n"
                            "       [--seed S] [--threads N] [--resume] [--out PREFIX] [--prompt TEXT] [--sample N] [--temp T] [--val-batches N]\n"
                            "       [--accum N] [--ckpt-every N]\n", argv[0]);
            return 2;
        }
        else { if (add_file(argv[i], &text, &n, &cap)) { fprintf(stderr, "cannot read %s\n", argv[i]); return 1; } files++; }
    }
    /* ternary: widths of whole 256-blocks (TQ2_0 rows in llama.cpp); float: any width runs exactly in llama.cpp's f32 */
    if (!d) d = use_float ? 128 : 256;
    if (!ff) ff = use_float ? 512 : 256;
    if (d < 2 || ff < 1 || layers < 1 || layers > 64 || heads < 1 || d % heads || (d / heads) % 2 || d > 65536 || ff > 262144) {
        fprintf(stderr, "--d %d --ff %d --layers %d --heads %d: want d split into heads of even size, 1..64 layers\n", d, ff, layers, heads);
        return 2;
    }
    if ((int)strlen(prompt) >= T) { fprintf(stderr, "--prompt has %zu bytes; the context is %d\n", strlen(prompt), T); return 2; }
    if (val_batches < 1) { fprintf(stderr, "--val-batches is %d; give at least 1\n", val_batches); return 2; }
    if (n_accum < 1 || n_accum > 4096 || ckpt_every < 1) { fprintf(stderr, "--accum %d --ckpt-every %d: want 1..4096 micro-batches and a positive interval\n", n_accum, ckpt_every); return 2; }
    if (tn_comm_split(comm, n_accum, &first, &count) || (comm && count == 0)) {
        fprintf(stderr, "error: %d ranks for --accum %d micro-batches: give every rank at least one (--accum >= ranks)\n", comm ? comm->size : 1, n_accum);
        return 2;
    }
    if (!files && load_fortunes("/usr/share/games/fortunes", &text, &n, &cap)) {
        fprintf(stderr, "no text: give a file, or install the fortunes:  sudo apt-get install fortunes\n");
        return 3;
    }
    if (n < 4096) { fprintf(stderr, "the text has %zu bytes; give at least 4 KiB\n", n); return 1; }
    split = n / 10 * 9;
    cfg.vocab = 256; cfg.d_model = d; cfg.n_head = heads; cfg.n_layer = layers; cfg.d_ff = ff; cfg.ctx_len = T;
    cfg.mlp = swiglu ? TN_MLP_SWIGLU : TN_MLP_RELU2; cfg.norm = TN_NORM_RMS;
    cfg.layer_flags = use_float ? TN_LAYER_FLOAT : act_block ? TN_LAYER_ACT_BLOCK : 0;
    if (tn_transformer_init(&m, pc, &cfg, seed)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    oc.lr = 3e-3f; oc.weight_decay = 0.01f;
    tn_optim_init(&opt, &m.params, &oc);
    sch = tn_schedule_make(TN_SCHED_COSINE, 3e-3f, 0, steps);
    sch.lr_min = 3e-4f;
    memset(&st, 0, sizeof(st));
    tn_rng_seed(&st.rng, seed + 1);
    tn_metrics_init(&st.metrics); /* the loss EMA, computed in the library and kept in the checkpoint */
    st.metrics.ema_alpha = 0.05;
    snprintf(ckpt, sizeof(ckpt), "%s.ckpt", out);
    if (resume) { /* rank 0 reads the checkpoint; every rank gets its contents */
        double failed = is_rank0 && tn_checkpoint_load(ckpt, &m.params, &opt, &st) ? 1.0 : 0.0;
        if (failed) fprintf(stderr, "cannot resume: %s\n", tn_last_error());
        if (tn_comm_sum_f64(comm, &failed, 1) || failed > 0) return 1;
        printf("resumed %s at step %lld\n", ckpt, (long long)st.step);
    }
    /* the same start on every rank (a check that they run the same model) */
    if (tn_comm_sync(comm, &m.params, &opt, &st) || tn_grad_accum_init(&ga, &m.params, comm, 1)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
    pool = tn_pool_new(threads > 0 ? threads : 1);
    tn_ctx_set_pool(c, pool);
    printf("%zu bytes of text (%zu train, %zu validation); %s transformer (d %d, ff %d %s, %d layers, %d heads, activations per %s), %lld parameters; %d thread(s), %s kernels; steps of %d x %d windows",
           n, split, n - split, use_float ? "float" : "ternary", d, ff, swiglu ? "SwiGLU" : "ReLU^2", layers, heads, act_block ? "256-block" : "token",
           (long long)tn_params_count(&m.params), tn_pool_n_threads(pool), tn_simd_name(), n_accum, B);
    if (comm) printf(" over %d MPI ranks", comm->size);
    printf("\n");
    snprintf(path, sizeof(path), "%s.csv", out);
    memset(&csv, 0, sizeof(csv));
    if (is_rank0) tn_csv_open(&csv, path, "step,train_bits,val_bits,lr", resume);
    ids = tn_new_2d(c, TN_TYPE_I32, T, B);
    tg = tn_new_2d(c, TN_TYPE_I32, T, B);
    mark = tn_ctx_used(c);
    t0 = wall();
    {
        int64_t start = st.step;
        double ema = 0;
        int end = stop > 0 && stop < steps ? stop : steps; /* --stop: pause early (checkpointed), the schedule stays that of --steps */
        while (st.step < end) {
            float lr = tn_schedule_lr(&sch, st.step);
            int j;
            /* every rank draws all the step's windows (the same RNG everywhere) and trains on its own */
            for (j = 0; j < n_accum; j++) {
                tn_tensor *loss;
                batch(text, 0, split, B, T, &st.rng, ids, tg);
                if (j < first || j >= first + count) continue;
                loss = tn_transformer_loss(c, &m, ids, tg);
                if (tn_grad_accum_backward(&ga, c, loss, j == first + count - 1)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
                tn_ctx_rewind(c, mark);
            }
            if (tn_optim_step(&opt, lr, -1)) { fprintf(stderr, "error: %s\n", tn_last_error()); return 1; }
            tn_metrics_record(&st.metrics, (float)ga.loss, lr);
            ema = st.metrics.ema_loss;
            st.ema_loss = ema;
            st.step++; /* steps done */
            if (st.step % ckpt_every == 0 || st.step == end) {
                double el = wall() - t0, rate = (double)(st.step - start) / el;
                double row[4];
                vbits = eval_bits(c, &m, text, split, n, val_batches < 8 ? val_batches : 8, B, T, ids, tg);
                printf("step %5lld/%d  train %.3f  val %.3f bits/char  lr %.2e  %.2f steps/s (%.0f tokens/s)  ETA %.0f s",
                       (long long)st.step, steps, ema / LN2, vbits, lr, rate, rate * B * T * n_accum, (steps - st.step) / rate);
                if (comm) printf("  (%d ranks, reduce %.2f ms after the backward)", comm->size, 1e3 * ga.comm_seconds);
                printf("\n");
                fflush(stdout);
                row[0] = (double)st.step; row[1] = ema / LN2; row[2] = vbits; row[3] = lr;
                if (is_rank0) {
                    tn_csv_row(&csv, row, 4);
                    if (tn_checkpoint_save(ckpt, &m.params, &opt, &st)) fprintf(stderr, "warning: checkpoint not saved: %s\n", tn_last_error());
                }
            } else if (st.step % 25 == 0) {
                double el = wall() - t0, rate = (double)(st.step - start) / el;
                printf("\rstep %5lld/%d  train %.3f bits/char  %.2f steps/s  ETA %.0f s   ", (long long)st.step, steps, ema / LN2, rate, (steps - st.step) / rate);
                fflush(stdout);
                if (st.step % ckpt_every > ckpt_every - 25) printf("\n");
            }
        }
    }
    tn_grad_accum_deinit(&ga);
    if (is_rank0) tn_csv_close(&csv);
    if (!is_rank0) { /* trained: rank 0 exports, samples and evaluates */
        tn_optim_deinit(&opt); tn_transformer_deinit(&m); tn_pool_free(pool); tn_ctx_free(c); tn_ctx_free(pc); free(text);
#ifdef TERNARY_MPI
        tn_comm_mpi_finalize(&world);
#endif
        return 0;
    }
    snprintf(path, sizeof(path), "%s.gguf", out);
    if (tn_transformer_llamacpp_check(&cfg, note, sizeof(note)) == TN_OK) {
        /* llama.cpp's layout: arcee (ReLU^2) or llama (SwiGLU), F32 embedding and head */
        if (tn_transformer_save_llamacpp(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32)) fprintf(stderr, "warning: %s\n", tn_last_error());
        else printf("model written to %s (llama.cpp's %s layout, %s), checkpoint %s, log %s.csv\n"
                    "  run it in llama.cpp: llama-completion -m %s -p \"%s\" -n %d --temp 0 -ctk f32 -ctv f32 -fa off\n%s%s",
                    path, swiglu ? "llama" : "arcee", use_float ? "f32 projections" : "ternary projections as TQ2_0", ckpt, out, path, prompt,
                    n_sample < T - (int)strlen(prompt) ? n_sample : T - (int)strlen(prompt), /* within the context: past it the two slide differently */
                    note[0] ? "  note: " : "", note[0] ? note : "");
        if (note[0]) printf("\n");
    } else {
        /* a config llama.cpp cannot hold: ternary.h's own layout */
        printf("not in llama.cpp's layout: %s\n", tn_last_error());
        if (tn_transformer_save_gguf(&m, path, TN_TYPE_TQ2_0, TN_TYPE_F32)) fprintf(stderr, "warning: %s\n", tn_last_error());
        else printf("model written to %s (ternary.h's layout), checkpoint %s, log %s.csv\n", path, ckpt, out);
    }
    if (n_sample > 0) {
        tn_rng r;
        tn_rng_seed(&r, 7);
        if (!use_float) tn_transformer_pack(&m, pc, TN_TYPE_TQ2_0); /* sample from the packed model */
        printf("--- sample ---\n");
        sample(c, &m, prompt, n_sample, temp, &r);
        printf("--------------\n");
    }
    vbits = eval_bits(c, &m, text, split, n, val_batches, B, T, ids, tg);
    printf("val bits/char: %.3f\n", vbits);
    tn_optim_deinit(&opt);
    tn_transformer_deinit(&m);
    tn_pool_free(pool);
    tn_ctx_free(c);
    tn_ctx_free(pc);
    free(text);
#ifdef TERNARY_MPI
    tn_comm_mpi_finalize(&world);
#endif
    return 0;
}
