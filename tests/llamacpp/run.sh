#!/usr/bin/env bash
# llama.cpp runs what ternary.h trains: examples/charlm trains two small
# char-LMs on C text (tests/llamacpp/train.txt: 200 KB of ternary.h's
# implementation as of commit bb9397b, fixed so that the models change only
# when the training arithmetic does, not with every edit of the header)
# (ReLU^2 -> llama.cpp's arcee, per-token
# activations over 256-wide inputs; SwiGLU with d_ff 512 -> llama, per-block
# activations), exports them, and node-llama-cpp's prebuilt CPU llama.cpp
# (npm, pinned 3.21.1; F32 KV cache, no flash attention, 1 thread) evaluates
# 6 prompts: every position's argmax, the greedy continuation of 32 tokens
# and every next-token probability (within 1e-4) must match ternary.h's
# packed forward pass (tests/llamacpp/tn_logits.c); where they differ more,
# the test finds the int8 codes at rounding ties that llama.cpp rounded the
# other way, says so, and requires agreement with those codes moved; an
# argmax (and so a greedy token) may differ only where, with those codes,
# ternary.h picks llama.cpp's token (llama.cpp's AVX2 and AVX-512 builds
# round such ties differently, so which prompts meet one depends on the CPU).
# Usage: tests/llamacpp/run.sh BUILD_DIR   (from the repository root)
set -u
B=${1:-build}
dir=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "llamacpp: $1"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || fail "node and npm are missing; install them: apt-get install -y nodejs npm"
case "$(uname -m)" in x86_64) plat=linux-x64 ;; aarch64) plat=linux-arm64 ;; armv7l) plat=linux-armv7l ;; *) fail "no prebuilt llama.cpp for $(uname -m) in node-llama-cpp" ;; esac
if [ ! -d "$dir/node_modules/node-llama-cpp" ] || [ ! -d "$dir/node_modules/@node-llama-cpp/$plat" ]; then
  echo "llamacpp: installing node-llama-cpp 3.21.1 (prebuilt llama.cpp, $plat) from npm, once"
  (cd "$dir" && npm install --no-save --no-package-lock --omit=optional --no-audit --no-fund --loglevel=error \
      node-llama-cpp@3.21.1 "@node-llama-cpp/$plat@3.21.1" >"$T/npm.log" 2>&1) || { tail -5 "$T/npm.log"; fail "npm install of node-llama-cpp@3.21.1 failed (is the npm registry reachable?)"; }
fi
[ -x "$B/charlm" ] && [ -x "$B/tn_logits" ] && [ -x "$B/tn_llm_logits" ] || fail "build $B/charlm, $B/tn_logits and $B/tn_llm_logits first (make test does)"
tl=$(cd "$B" && pwd)/tn_logits
passed=0; failed=0
model() { # label, charlm flags...
  local label=$1; shift
  if ! "$B/charlm" "$dir/train.txt" --steps 150 --sample 0 --val-batches 2 --threads 2 --out "$T/$label" "$@" > "$T/$label.log" 2>&1; then
    echo "llamacpp: $label: charlm failed: $(tail -3 "$T/$label.log")"; failed=$((failed + 1)); return
  fi
  grep -q "llama.cpp's" "$T/$label.log" || { echo "llamacpp: $label: not exported in llama.cpp's layout: $(grep -i layout "$T/$label.log")"; failed=$((failed + 1)); return; }
  if ! "$B/tn_logits" "$T/$label.gguf" "$dir/prompts.txt" 32 > "$T/$label.jsonl" 2> "$T/$label.err"; then
    echo "llamacpp: $label: tn_logits failed: $(cat "$T/$label.err")"; failed=$((failed + 1)); return
  fi
  out=$(cd "$dir" && node check.mjs "$T/$label.gguf" "$T/$label.jsonl" "$label" "$tl" 2>&1)
  printf '%s\n' "$out" | grep -v ' passed, .* failed$'
  last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$last" ]; then echo "llamacpp: $label: node check.mjs crashed"; failed=$((failed + 1)); return; fi
  passed=$((passed + ${last%% passed*})); f=${last#*passed, }; failed=$((failed + ${f%% failed*}))
}
model relu2                                   # arcee, d 256, ff 256 (ReLU^2), per-token = per-block
model swiglu --swiglu --ff 512 --act-block    # llama, d 256, ff 512 (SwiGLU), llama.cpp's per-256 scales
# tn_llm (ternary.h's runner of llama.cpp's files): the synthetic models of
# tests/llm_models.h in llama.cpp's bitnet, llama and arcee layouts (GQA 4:1,
# heads of 64 and 128, NEOX RoPE, sub-norms, tied and untied F16/Q6_K/Q8_0
# heads and embeddings, TQ1_0/TQ2_0 with per-block d, .scale, biases,
# rope_freqs), the prompt in batches of N_BATCH then a token at a time; the
# prompts' tokens and train.txt's (a longest-match rwkv vocabulary of 288)
tll=$(cd "$B" && pwd)/tn_llm_logits
llm() { # name, seed, n_batch
  if ! "$B/tn_llm_logits" make "$1" "$T/$1.gguf" "$2" 2> "$T/$1.err" || ! "$B/tn_llm_logits" run "$T/$1.gguf" "$dir/prompts.txt" 24 "$3" > "$T/$1.jsonl" 2>> "$T/$1.err" ||
     ! "$B/tn_llm_logits" tokenize "$T/$1.gguf" "$dir/train.txt" > "$T/$1.ids" 2>> "$T/$1.err"; then
    echo "llamacpp: tn_llm $1: $(cat "$T/$1.err")"; failed=$((failed + 1)); return
  fi
  out=$(cd "$dir" && node llm_check.mjs "$T/$1.gguf" "$T/$1.jsonl" "tn_llm $1" "$tll" "$dir/train.txt" "$T/$1.ids" 2>&1)
  printf '%s\n' "$out" | grep -v ' passed, .* failed$'
  last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$last" ]; then echo "llamacpp: tn_llm $1: node llm_check.mjs crashed"; failed=$((failed + 1)); return; fi
  passed=$((passed + ${last%% passed*})); f=${last#*passed, }; failed=$((failed + ${f%% failed*}))
}
llm bitnet 7 64
llm llama 7 5
llm arcee 7 64
# gpt2 (byte-level BPE) vocabularies with llama.cpp's gpt-2, llama-bpe, qwen2
# and default pre-tokenizers (tests/llm_models.h: merges by rank, a merge
# whose result is no token, special tokens): tests/llamacpp/unicode.txt
# (scripts, digits, whitespace, contractions) and train.txt tokenized by both
# must give the same ids, and every token the same bytes
cat "$dir/unicode.txt" "$dir/train.txt" > "$T/corpus.txt"
tok() { # vspec name
  if ! "$B/tn_llm_logits" make "$1" "$T/$1.gguf" 7 2> "$T/$1.err" || ! "$B/tn_llm_logits" tokenize "$T/$1.gguf" "$T/corpus.txt" > "$T/$1.ids" 2>> "$T/$1.err" ||
     ! "$B/tn_llm_logits" pieces "$T/$1.gguf" > "$T/$1.pieces" 2>> "$T/$1.err"; then
    echo "llamacpp: tokenizer $1: $(cat "$T/$1.err")"; failed=$((failed + 1)); return
  fi
  out=$(cd "$dir" && node tok_check.mjs "$T/$1.gguf" "tokenizer $1" "$T/corpus.txt" "$T/$1.ids" "$T/$1.pieces" 2>&1)
  printf '%s\n' "$out" | grep -v ' passed, .* failed$'
  last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$last" ]; then echo "llamacpp: tokenizer $1: node tok_check.mjs crashed"; failed=$((failed + 1)); return; fi
  passed=$((passed + ${last%% passed*})); f=${last#*passed, }; failed=$((failed + ${f%% failed*}))
}
for v in arcee-gpt2 arcee-llama3 arcee-qwen2 arcee-default; do tok "$v"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
