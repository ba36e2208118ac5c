#!/usr/bin/env bash
# A model of data-parallel scaling to 8-64 machines: the time of ternary.h's
# fixed-order reduction (a pipelined chain: buckets go rank 0 -> P-1 being
# summed in rank order, the result comes back P-1 -> 0) against a ring
# all-reduce (what MPI_Allreduce / NCCL use, no fixed order), per step, beside
# the compute time of one micro-batch per machine.
#   chain:  2 * (P - 1 + nb - 1) * (alpha + b / beta + b / gamma), nb = S / b buckets
#   ring:   2 * (P - 1) * (alpha + S / (P * beta))   (+ the adds, S / gamma)
# alpha: per-message latency, beta: link bandwidth, gamma: add bandwidth (10 GB/s),
# S: gradient bytes (4 per parameter), b: bucket bytes (256 KiB, tn_grad_accum's default).
# "best b": the bucket minimising the chain's time, b* = sqrt(S * alpha * beta / (P - 1))
# (set tn_grad_accum.bucket_bytes to it). Efficiency: compute / (compute + reduction), the reduction not overlapped (its
# lower bound; overlapping the backward hides up to all but the last layers' buckets).
# Usage: tools/scaling_model.sh [CHARLM_MS_PER_MICROBATCH] [CHARLM_PARAMS]
# (defaults: measured here, see README: 123 ms for 32 windows of 64 bytes on a
# 2-core machine, 918784 parameters; the 100M BitNet's compute is scaled by
# parameters x tokens from it, 6 flops per parameter per token either way)
set -u
MS=${1:-123}; NP=${2:-918784}
awk -v ms="$MS" -v np="$NP" 'BEGIN {
  b = 262144; gamma = 10e9
  nets[1] = "10 GbE (30 us, 1.17 GB/s)"; al[1] = 30e-6; be[1] = 1.17e9
  nets[2] = "100 Gb/s IB (2 us, 11 GB/s)"; al[2] = 2e-6; be[2] = 11e9
  mod[1] = "char-LM (" np " params, 2048 tokens/mb)"; S[1] = 4 * np; tc[1] = ms / 1000
  mod[2] = "BitNet 100M (4096 tokens/mb)"; S[2] = 4e8; tc[2] = ms / 1000 * (1e8 / np) * 2
  printf "%-40s %-28s %4s %10s %13s %10s %9s %9s\n", "model", "network", "P", "chain ms", "best b: ms", "ring ms", "eff chain", "eff ring"
  for (m = 1; m <= 2; m++) for (n = 1; n <= 2; n++) for (P = 8; P <= 64; P *= 2) {
    nb = S[m] / b; if (nb < 1) nb = 1
    h = al[n] + b / be[n] + b / gamma
    chain = 2 * (P - 1 + nb - 1) * h
    ring = 2 * (P - 1) * (al[n] + S[m] / (P * be[n])) + S[m] / gamma
    bo = sqrt(S[m] * al[n] * be[n] / (P - 1)); if (bo < 4096) bo = 4096; if (bo > S[m]) bo = S[m]
    ho = al[n] + bo / be[n] + bo / gamma
    co = 2 * (P - 1 + S[m] / bo - 1) * ho
    if (co < chain) { best = co } else { best = chain; bo = b }
    printf "%-40s %-28s %4d %10.1f %5.0fK: %5.1f %10.1f %8.1f%% %8.1f%%\n", mod[m], nets[n], P, 1e3 * chain, bo / 1024, 1e3 * best, 1e3 * ring, 100 * tc[m] / (tc[m] + best), 100 * tc[m] / (tc[m] + ring)
  }
  printf "compute per micro-batch: char-LM %.0f ms, BitNet 100M %.1f s (one machine of 2 cores)\n", 1e3 * tc[1], tc[2]
}'
