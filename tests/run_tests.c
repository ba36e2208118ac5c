/* run_tests.c - every test of ternary.h in one unity build.
   Build: cc -std=c99 -I. tests/run_tests.c -lm -lpthread; run from the repo root.
   Test vectors are read from $TN_TESTVECTORS (default tests/data, ggml's bytes; see tests/data/README.md).
   An optional argument runs only the tests whose name contains it. */
/* POSIX 2008 for the tests (symlink, lstat); the header itself needs no feature macro */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#define TERNARY_IMPLEMENTATION
#include "ternary.h"
#include "tn_test.h"
#include <stdlib.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

static const char *tn_t_vector_dir(void) {
    const char *d = getenv("TN_TESTVECTORS");
    return d && *d ? d : "tests/data";
}
/* whole file into malloc'd memory, NULL if missing */
static void *tn_t_read_vector(const char *name, size_t *size) {
    char path[1024];
    FILE *f;
    long n;
    void *buf;
    snprintf(path, sizeof(path), "%s/%s", tn_t_vector_dir(), name);
    f = fopen(path, "rb");
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); return NULL; }
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

#include "test_core.c"
#include "test_tensor.c"
#include "test_formats.c"
#include "test_ternary.c"
#include "test_kernels.c"
#include "test_autograd.c"
#include "test_qat.c"
#include "test_llamacpp.c"
#include "test_llm.c"
#include "test_hostile.c"
#include "test_io.c"
#include "test_optim.c"
#include "test_dist.c"

static const tn_test_case tn_tests[] = {
    {"core_status_and_errors", test_status_and_errors},
    {"core_fp16_exhaustive_roundtrip", test_fp16_exhaustive_roundtrip},
    {"core_fp16_rounding_rules", test_fp16_rounding_rules},
    {"core_fp16_vs_hardware", test_fp16_vs_hardware},
    {"core_bf16", test_bf16},
    {"core_rng", test_rng},
    {"core_pool", test_pool},
    {"tensor_new", test_tensor_new},
    {"tensor_views", test_tensor_views},
    {"tensor_copy_convert", test_tensor_copy_convert},
    {"quant_type_traits", test_type_traits},
    {"quant_formats_match_ggml", test_formats_match_ggml},
    {"quant_q8_K_simd_matches_ref", test_q8_K_simd_matches_ref},
    {"kquant_edge_rows", test_kquant_edge_rows},
    {"grid_formats_match_ggml", test_grid_formats_match_ggml},
    {"imatrix_formats_match_ggml", test_imatrix_formats_match_ggml},
    {"mse_shapes", test_mse_shapes},
    {"quant_roundtrip_error", test_formats_roundtrip_error},
    {"quant_reject_bad_input", test_formats_reject_bad_input},
    {"ternary_absmean_rule", test_absmean_rule},
    {"ternary_pack2_exhaustive", test_pack2_exhaustive},
    {"ternary_tq_lossless_roundtrip", test_tq_lossless_roundtrip},
    {"ternary_tq1_all_codes", test_tq1_all_codes},
    {"ternary_stats", test_ternary_stats},
    {"ternary_matmul_f32", test_ternary_matmul_f32},
    {"ternary_act_quant", test_act_quant},
    {"ternary_rules_exact", test_ternary_rules_exact},
    {"kernels_vec_dot_paths", test_vec_dot_paths},
    {"kernels_simd_paths_present", test_simd_paths_present},
    {"kernels_mul_mat_types_threads", test_mul_mat_types_and_threads},
    {"kernels_mul_mat_batch_tiles", test_mul_mat_batch_tiles},
    {"kernels_qlinear", test_qlinear},
    {"kernels_softmax_exp", test_softmax_exp},
    {"kernels_mul_mat_strided_x", test_mul_mat_strided_x},
    {"kernels_mul_mat_views_batches_errors", test_mul_mat_views_batches_errors},
    {"kernels_bitnet_matvec_exact", test_bitnet_matvec_exact},
    {"kernels_gemm_f32", test_gemm_f32},
    {"kernels_row_kernels_paths", test_row_kernels_paths},
    {"kernels_gemm_paths_spec", test_gemm_paths_spec},
    {"kernels_any_bytes", test_kernels_any_bytes},
    {"grad_binary_broadcast", test_grad_binary_broadcast},
    {"grad_unary", test_grad_unary},
    {"grad_reductions", test_grad_reductions},
    {"grad_matmul", test_grad_matmul},
    {"grad_shapes", test_grad_shapes},
    {"grad_fresh_buffers", test_grad_fresh_buffers},
    {"grad_rows_and_norms", test_grad_rows_and_norms},
    {"grad_rope_attention", test_grad_rope_attention},
    {"grad_losses", test_grad_losses},
    {"grad_loss_values", test_loss_values},
    {"grad_ste_identity", test_ste_identity},
    {"grad_ste_range_seed_cases", test_ste_range_seed_cases},
    {"grad_graph_rewind_no_growth", test_graph_rewind_no_growth},
    {"qat_bitlinear_train_vs_packed", test_bitlinear_train_vs_packed},
    {"qat_bitlinear_integer_forward", test_bitlinear_integer_forward},
    {"qat_transformer_gradcheck", test_transformer_gradcheck},
    {"qat_toy_3class_bitlinear", test_toy_3class_bitlinear},
    {"io_gguf_reads_ggml_file", test_gguf_reads_ggml_file},
    {"io_gguf_roundtrip_and_file", test_gguf_roundtrip_and_file},
    {"io_gguf_hostile", test_gguf_hostile},
    {"io_model_export_reload_identical", test_model_export_reload_identical},
    {"io_safetensors_import", test_safetensors_import},
    {"hostile_shapes_and_views", test_hostile_shapes_and_views},
    {"hostile_gguf_alignment", test_hostile_gguf_alignment},
    {"hostile_planted_links", test_hostile_planted_links},
    {"hostile_nan_gradient", test_hostile_nan_gradient},
    {"hostile_nan_activation", test_hostile_nan_activation},
    {"hostile_name_index", test_hostile_name_index},
    {"hostile_checkpoint_fields", test_hostile_checkpoint_fields},
    {"hostile_pool_and_truncation", test_hostile_pool_and_truncation},
    {"llamacpp_export_reload", test_llamacpp_export_reload},
    {"llamacpp_act_block_rule", test_llamacpp_act_block_rule},
    {"llamacpp_refusals", test_llamacpp_refusals},
    {"llamacpp_hostile_files", test_llamacpp_hostile_files},
    {"optim_vs_reference", test_optimizers_vs_reference},
    {"optim_schedules", test_schedules},
    {"optim_clip_accumulate", test_clip_accumulate},
    {"optim_metrics_csv", test_metrics_and_csv},
    {"ckpt_exact_resume", test_checkpoint_exact_resume},
    {"ckpt_refuses_bad_files", test_checkpoint_refuses_bad_files},
    {"ckpt_names_metrics_optim", test_checkpoint_names_metrics_optim},
    {"io_quant_model", test_quant_model},
    {"io_bitlinear_real_width", test_bitlinear_real_width},
    {"dist_matches_one_process", test_dist_matches_one_process},
    {"dist_failures", test_dist_failures_and_collectives},
    {"dist_collectives", test_dist_collectives},
    {"dist_backward_ex_done", test_backward_ex_done},
    {"llm_incremental", test_llm_incremental},
    {"llm_reference", test_llm_reference},
    {"llm_vs_transformer", test_llm_vs_transformer},
    {"llm_errors", test_llm_errors},
    {"llm_vocab_rwkv", test_llm_vocab_rwkv},
    {"llm_vocab_gpt2", test_llm_vocab_gpt2},
    {"llm_sample", test_llm_sample},
};

int main(int argc, char **argv) {
    return tn_test_run(tn_tests, (int)(sizeof(tn_tests) / sizeof(tn_tests[0])), argc, argv);
}
