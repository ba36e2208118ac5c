#!/usr/bin/env bash
# Tool tests: tn-quantize output equals ggml's reference bytes, bad input
# gets an error and no file, tn-inspect reads models and checkpoints,
# tn-bench prints the JSON its documentation promises.
# Usage: tests/tools.sh BUILD_DIR   (run from the repository root)
set -u
B=${1:-build}
V=${TN_TESTVECTORS:-tests/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

"$B/make_files" "$T" "$V" >/dev/null || bad "make_files"
# every format: the tensor bytes tn-quantize writes are ggml's reference bytes
for t in f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 tq1_0 tq2_0 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs mxfp4 nvfp4 q1_0 q2_0; do
  if "$B/tn-quantize" "$T/vectors.gguf" "$T/q_$t.gguf" "$t" >/dev/null; then
    got=$("$B/tn-inspect" --json "$T/q_$t.gguf" | grep -o '"sha256": "[0-9a-f]*"' | cut -d'"' -f4)
    want=$(sha256sum "$V/$t.bin" | cut -d' ' -f1)
    [ "$got" = "$want" ] && ok "tn-quantize $t = ggml's bytes" || bad "tn-quantize $t differs from $V/$t.bin"
  else bad "tn-quantize $t failed"; fi
done
# rows that are not whole 256-blocks fall back as llama-quantize's do (q4_K -> q5_0, q6_K -> q8_0), named on the way
"$B/tn-quantize" "$T/model.gguf" "$T/model_q4k.gguf" q4_K >"$T/out" 2>&1 && grep -q 'q5_0 instead' "$T/out" \
  && "$B/tn-inspect" "$T/model_q4k.gguf" | grep -Eq '^ *tok\.w +q5_0 ' && "$B/tn-inspect" "$T/model_q4k.gguf" | grep -Eq '^ *blk\.0\.attn\.wq\.w +q4_K ' \
  && ok "tn-quantize q4_K falls back to q5_0 on 64-wide rows" || bad "tn-quantize q4_K fallback: $(cat "$T/out")"
"$B/tn-quantize" "$T/model.gguf" "$T/model_q6k.gguf" q6_K >"$T/out" 2>&1 && grep -q 'q8_0 instead' "$T/out" \
  && ok "tn-quantize q6_K falls back to q8_0" || bad "tn-quantize q6_K fallback: $(cat "$T/out")"
if "$B/tn-quantize" "$T/model.gguf" "$T/model_q10.gguf" q1_0 >"$T/out" 2>&1; then bad "tn-quantize q1_0 on 64-wide rows succeeded"
else grep -q 'no fallback' "$T/out" && [ ! -e "$T/model_q10.gguf" ] && ok "tn-quantize q1_0 on 64-wide rows: an error, no file" || bad "tn-quantize q1_0: $(cat "$T/out")"; fi
# llama-quantize's mixes: every tensor's type as llama-quantize chose it on the same model (tests/data/mix_*.txt)
for m in q2_k q3_k_m q3_k_l q4_k_s q4_k_m q5_k_m q6_k iq4_xs; do
  if "$B/tn-quantize" --mix "$T/llama6.gguf" "$T/mix.gguf" "$m" >"$T/out" 2>&1; then
    "$B/tn-inspect" "$T/mix.gguf" | awk '$1 ~ /weight$/ {print $1, $2}' | sort > "$T/types"
    if cmp -s "$T/types" "$V/mix_$m.txt"; then ok "tn-quantize --mix $m: llama-quantize's type for each of $(wc -l < "$T/types") tensors"
    else bad "tn-quantize --mix $m: $(diff "$T/types" "$V/mix_$m.txt" | head -3 | tr '\n' ' ')"; fi
  else bad "tn-quantize --mix $m: $(tail -2 "$T/out")"; fi
done
# the importance-matrix mixes on a 16-layer model with llama-imatrix's matrix for it (tests/data/llama16.imatrix.gguf)
for m in q2_k_s iq2_xxs iq2_xs iq2_s iq2_m iq3_xxs iq3_xs iq3_s iq3_m iq1_s iq1_m q4_k_m iq4_xs; do
  if "$B/tn-quantize" --mix --imatrix "$V/llama16.imatrix.gguf" "$T/llama16.gguf" "$T/mix.gguf" "$m" >"$T/out" 2>&1; then
    "$B/tn-inspect" "$T/mix.gguf" | awk '$1 ~ /weight$/ {print $1, $2}' | sort > "$T/types"
    if cmp -s "$T/types" "$V/mix16_$m.txt"; then ok "tn-quantize --mix --imatrix $m: llama-quantize's type for each of $(wc -l < "$T/types") tensors"
    else bad "tn-quantize --mix --imatrix $m: $(diff "$T/types" "$V/mix16_$m.txt" | head -3 | tr '\n' ' ')"; fi
  else bad "tn-quantize --mix --imatrix $m: $(tail -2 "$T/out")"; fi
done
if "$B/tn-quantize" --mix "$T/llama16.gguf" "$T/mix_noim.gguf" iq2_xxs >"$T/out" 2>&1; then bad "tn-quantize --mix iq2_xxs without an imatrix succeeded"
else grep -q 'needs an importance matrix' "$T/out" && [ ! -e "$T/mix_noim.gguf" ] && ok "tn-quantize --mix iq2_xxs without an imatrix: an error, no file" || bad "tn-quantize --mix iq2_xxs: $(cat "$T/out")"; fi
"$B/tn-quantize" "$T/llama6.gguf" "$T/mix.gguf" q4_k_m >/dev/null 2>&1 && "$B/tn-inspect" "$T/mix.gguf" | grep -q 'general.file_type.*15' \
  && ok "tn-quantize q4_k_m (a mix by its name)" || bad "tn-quantize q4_k_m without --mix"
if "$B/tn-quantize" --mix "$T/llama6.gguf" "$T/mix2.gguf" q8_0 >"$T/out" 2>&1; then bad "tn-quantize --mix q8_0 accepted"
else grep -q "not one of llama-quantize's mixes" "$T/out" && [ ! -e "$T/mix2.gguf" ] && ok "tn-quantize --mix q8_0: an error, no file" || bad "tn-quantize --mix q8_0: $(cat "$T/out")"; fi
# every tool: --help prints its usage and succeeds; a missing file says why
for tool in tn-quantize tn-inspect tn-plot tn-bench; do
  "$B/$tool" --help >"$T/out" 2>&1 && grep -q usage "$T/out" && ok "$tool --help" || bad "$tool --help: $(head -2 "$T/out")"
done
"$B/tn-inspect" "$T/nonexistent.gguf" >"$T/out" 2>&1; grep -q 'No such file' "$T/out" && ok "tn-inspect names why a file cannot be opened" || bad "tn-inspect missing file: $(cat "$T/out")"
# metadata is kept
"$B/tn-quantize" "$V/ggml-written.gguf" "$T/keep.gguf" keep >/dev/null && cmp -s "$T/keep.gguf" "$V/ggml-written.gguf" \
  && ok "tn-quantize keep reproduces ggml's file" || bad "tn-quantize keep"
"$B/tn-quantize" "$T/model.gguf" "$T/model_q8.gguf" q8_0 >/dev/null 2>"$T/err" && \
  [ "$("$B/tn-inspect" --json "$T/model.gguf" | grep -c '"key"')" -eq "$("$B/tn-inspect" --json "$T/model_q8.gguf" | grep -c '"key"')" ] \
  && ok "tn-quantize keeps every key" || bad "tn-quantize model -> q8_0: $(cat "$T/err")"
# ternary tensors go to tq1_0 losslessly: tq2_0 -> tq1_0 -> tq2_0 gives the same bytes
"$B/tn-quantize" "$T/q_tq2_0.gguf" "$T/t1.gguf" tq1_0 >/dev/null && "$B/tn-quantize" "$T/t1.gguf" "$T/t2.gguf" tq2_0 >/dev/null
"$B/tn-quantize" "$T/model.gguf" "$T/m1.gguf" tq1_0 >/dev/null 2>&1 || true
[ "$("$B/tn-inspect" --json "$T/t2.gguf" | grep -o '"sha256": "[0-9a-f]*"')" = "$("$B/tn-inspect" --json "$T/q_tq2_0.gguf" | grep -o '"sha256": "[0-9a-f]*"')" ] \
  && ok "tq2_0 -> tq1_0 -> tq2_0 is lossless" || bad "ternary round trip through tq1_0 changed the bytes"
# --imatrix (llama.cpp's imatrix GGUF and legacy .dat): ggml's bytes for the grid types with its all-ones
# matrix; with random sums / counts (a count of 5.4 counts 5, as llama-quantize rounds it) the bytes of
# tn_quantize_imatrix for sums / 5, from the GGUF and from the .dat; the record keys llama-quantize writes
tsha() { "$B/tn-inspect" --json "$1" | grep -o '"sha256": "[0-9a-f]*"' | cut -d'"' -f4; }
for t in iq2_xxs iq2_xs iq2_s iq3_xxs iq3_s iq1_s iq1_m; do
  if "$B/tn-quantize" --imatrix "$T/ones.imatrix.gguf" "$T/vectors.gguf" "$T/im_$t.gguf" "$t" >/dev/null; then
    [ "$(tsha "$T/im_$t.gguf")" = "$(sha256sum "$V/$t.bin" | cut -d' ' -f1)" ] && ok "tn-quantize --imatrix (all ones) $t = ggml's bytes" || bad "tn-quantize --imatrix $t differs from $V/$t.bin"
  else bad "tn-quantize --imatrix $t failed"; fi
  for f in rand.imatrix.gguf rand.imatrix.dat; do
    if "$B/tn-quantize" --imatrix "$T/$f" "$T/vectors.gguf" "$T/imr_$t.gguf" "$t" >/dev/null; then
      [ "$(tsha "$T/imr_$t.gguf")" = "$(sha256sum "$T/x.$t.rand.bin" | cut -d' ' -f1)" ] && ok "tn-quantize --imatrix $f $t: sums / counts" || bad "tn-quantize --imatrix $f $t: not the bytes for sums / 5"
    else bad "tn-quantize --imatrix $f $t failed"; fi
  done
done
for t in q4_0 q4_1 q5_0 q5_1 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs; do
  if "$B/tn-quantize" --imatrix "$T/rand.imatrix.gguf" "$T/vectors.gguf" "$T/imr_$t.gguf" "$t" >/dev/null; then
    [ "$(tsha "$T/imr_$t.gguf")" = "$(sha256sum "$T/x.$t.rand.bin" | cut -d' ' -f1)" ] && [ "$(tsha "$T/imr_$t.gguf")" != "$(tsha "$T/q_$t.gguf")" ] \
      && ok "tn-quantize --imatrix $t: the weighted bytes" || bad "tn-quantize --imatrix $t: not the bytes for sums / 5"
  else bad "tn-quantize --imatrix $t failed"; fi
done
"$B/tn-inspect" "$T/imr_iq1_m.gguf" > "$T/insp" && grep -q 'quantize.imatrix.file' "$T/insp" && grep -q 'quantize.imatrix.dataset.*fortunes' "$T/insp" \
  && grep -q 'quantize.imatrix.entries_count.*1' "$T/insp" && grep -q 'quantize.imatrix.chunks_count.*3' "$T/insp" && grep -q 'general.file_type.*31' "$T/insp" \
  && ok "tn-quantize --imatrix records the imatrix as llama-quantize does" || bad "tn-quantize --imatrix keys: $(grep -i 'imatrix\|file_type' "$T/insp" | tr '\n' ' ')"
"$B/tn-quantize" "$T/vectors.gguf" "$T/im3s.gguf" iq3_s >/dev/null && ok "tn-quantize iq3_s without an imatrix (as llama-quantize)" || bad "tn-quantize iq3_s without an imatrix"
# bad input: clear error, exit 1, no output file
printf 'not a model at all' > "$T/junk.bin"
for args in "--imatrix $T/short.imatrix.gguf $T/vectors.gguf $T/oi1.gguf iq2_s" "--imatrix $T/neg.imatrix.gguf $T/vectors.gguf $T/oi2.gguf iq2_s" \
            "--imatrix $T/nan.imatrix.gguf $T/vectors.gguf $T/oi3.gguf iq2_s" "--imatrix $T/nometa.imatrix.gguf $T/vectors.gguf $T/oi4.gguf iq2_s" \
            "--imatrix $T/nocounts.imatrix.gguf $T/vectors.gguf $T/oi5.gguf iq2_s" "--imatrix $T/trunc.imatrix.dat $T/vectors.gguf $T/oi6.gguf iq2_s" \
            "--imatrix $T/junk.bin $T/vectors.gguf $T/oi7.gguf iq2_s" "--imatrix $T/missing.dat $T/vectors.gguf $T/oi8.gguf iq2_s" \
            "--imatrix $T/rand.imatrix.gguf $T/vectors.gguf $T/oi9.gguf keep" "$T/vectors.gguf $T/oi10.gguf iq2_xxs" "$T/vectors.gguf $T/oi11.gguf iq1_m"; do
  set -- $args
  if "$B/tn-quantize" "$@" >/dev/null 2>"$T/err"; then bad "tn-quantize $* should fail"
  elif [ -e "${@: -2:1}" ] || [ -e "${@: -2:1}.tmp" ]; then bad "tn-quantize $* left its output"
  elif [ ! -s "$T/err" ]; then bad "tn-quantize $* said nothing"
  else ok "tn-quantize refuses $(basename "${@: -3:1}") ${@: -1}${2:+ ($(basename "$2"))}: $(head -c 100 "$T/err" | tr '\n' ' ')"; fi
done
for args in "$T/junk.bin $T/out1.gguf q8_0" "$V/ggml-written.gguf $T/out2.gguf q9_9" "$V/ggml-written.gguf $T/out3.gguf q1_0" "$T/missing.gguf $T/out4.gguf q8_0"; do
  set -- $args
  if "$B/tn-quantize" "$@" >/dev/null 2>"$T/err"; then bad "tn-quantize $* should fail"
  elif [ -e "$2" ] || [ -e "$2.tmp" ]; then bad "tn-quantize $* left $2"
  elif [ ! -s "$T/err" ]; then bad "tn-quantize $* said nothing"
  else ok "tn-quantize refuses $(basename "$1") $3: $(head -c 80 "$T/err" | tr '\n' ' ')"; fi
done
# tn-inspect: a table for a model, an error for junk
"$B/tn-inspect" "$T/model.gguf" > "$T/insp" && grep -q "tq2_0" "$T/insp" && grep -q "zeros" "$T/insp" && ok "tn-inspect prints a model" || bad "tn-inspect model"
"$B/tn-inspect" "$T/junk.bin" >/dev/null 2>&1 && bad "tn-inspect accepted junk" || ok "tn-inspect refuses junk"
# many names: reading, copying and quantizing stay linear in keys and tensors (hash lookups).
# Linear takes ~0.2 s; the quadratic lookups this replaced took 19 s (100,000 keys) and
# 19 s (100,000 tensors) on the same machine, 180 s and 68 s on a slower one: 10 s is the bound.
for args in "$T/many_keys.gguf $T/many_q.gguf q8_0" "$T/many.safetensors $T/many_st.gguf f16"; do
  set -- $args
  t0=$(date +%s%N)
  if timeout 10 "$B/tn-quantize" "$@" >/dev/null 2>"$T/err"; then
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    ok "tn-quantize $(basename "$1") (100,000 names) in $ms ms"
  else bad "tn-quantize $(basename "$1"): over 10 s or failed: $(head -c 200 "$T/err")"; fi
done
[ "$(timeout 10 "$B/tn-inspect" --json "$T/many_q.gguf" | grep -c '"key"')" -eq 100003 ] && ok "tn-inspect lists the 100,003 keys kept" || bad "tn-inspect many keys"
# hostile files (tests/fuzz/regressions) through every tool, 20 s each: an answer or a
# clear error (exit 0/1), never a crash, a hang, a leak or a huge allocation. The plain
# builds get 1 GiB of address space; the -asan builds (when built) run under ASan, whose
# allocator refuses any request over 3 GiB as an error and whose leak check ends each run
worst_ms=0; worst=""
for f in tests/fuzz/regressions/*.gguf tests/fuzz/regressions/*.safetensors; do
  for tool in "tn-inspect" "tn-inspect --json" "tn-inspect --no-mmap" "tn-quantize" "tn-plot --hist" "tn-run" \
              "tn-inspect-asan" "tn-inspect-asan --json" "tn-quantize-asan"; do
    set -- $tool
    [ -x "$B/$1" ] || continue
    case $1 in tn-quantize*) extra="$T/hq.gguf q8_0";; tn-plot) extra="$T/h.png";; tn-run) extra="-n 2 -q";; *) extra="";; esac
    case $1 in *-asan) lim=unlimited;; *) lim=1048576;; esac
    t0=$(date +%s%N)
    ( ulimit -v $lim; ASAN_OPTIONS=allocator_may_return_null=0:max_allocation_size_mb=3072 exec timeout 20 "$B/$1" ${2:-} "$f" $extra ) >/dev/null 2>"$T/err"; rc=$?
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ $ms -gt $worst_ms ] && { worst_ms=$ms; worst="$tool $(basename "$f")"; }
    if [ $rc -gt 1 ]; then bad "$tool $(basename "$f"): exit $rc $(head -c 200 "$T/err")"; fi
    if [ $rc -eq 1 ] && [ ! -s "$T/err" ]; then bad "$tool $(basename "$f") failed without a message"; fi
    rm -f "$T/hq.gguf" "$T/h.png"
  done
done
[ $failed -eq 0 ] && ok "every tool answers or refuses every hostile file (slowest: $worst, $worst_ms ms)"
# tn-run on the synthetic llama.cpp-layout models of tests/llm_models.h (tn_llm_logits makes them)
if "$B/tn_llm_logits" make llama "$T/llm.gguf" 3 2>"$T/err"; then
  a=$("$B/tn-run" "$T/llm.gguf" -p "int main(" -n 24 -q --batch 64 2>"$T/err"); b=$("$B/tn-run" "$T/llm.gguf" -p "int main(" -n 24 -q --batch 1 --threads 1 2>>"$T/err")
  [ -n "$a" ] && [ "$a" = "$b" ] && [ "${#a}" -gt 12 ] && ok "tn-run: greedy text the same in batches of 64 and of 1" || bad "tn-run greedy: '$a' vs '$b' $(cat "$T/err")"
  a=$("$B/tn-run" "$T/llm.gguf" -p "x" -n 32 --temp 0.9 --seed 5 -q); b=$("$B/tn-run" "$T/llm.gguf" -p "x" -n 32 --temp 0.9 --seed 5 -q); c=$("$B/tn-run" "$T/llm.gguf" -p "x" -n 32 --temp 0.9 --seed 6 -q)
  [ "$a" = "$b" ] && [ "$a" != "$c" ] && ok "tn-run: sampling repeats with its seed and changes with another" || bad "tn-run sampling: '$a' '$b' '$c'"
  "$B/tn-run" "$T/llm.gguf" -p "x" -n 3 2>"$T/err" >/dev/null && grep -q 'tokens/s); generated 3 tokens' "$T/err" && grep -q 'llama.*4/1 heads of 128.*tq1_0 projections' "$T/err" \
    && ok "tn-run reports the model and prompt/generation speed" || bad "tn-run report: $(cat "$T/err")"
  "$B/tn-run" "$T/llm.gguf" --ppl tests/llamacpp/train.txt --ctx 48 > "$T/out" 2>"$T/err" && awk '/^perplexity:/ { exit !($2 > 1 && $2 < 1e6) }' "$T/out" && grep -q 'ETA' "$T/out" \
    && ok "tn-run --ppl: $(grep '^perplexity' "$T/out")" || bad "tn-run --ppl: $(tail -2 "$T/out") $(cat "$T/err")"
  "$B/tn-run" "$T/llm.gguf" -p "$(head -c 300 tests/llamacpp/train.txt)" --ctx 32 >/dev/null 2>"$T/err"; rc=$?
  [ $rc -eq 1 ] && grep -q 'the context holds 32' "$T/err" && ok "tn-run refuses a prompt longer than the context" || bad "tn-run long prompt: rc $rc $(cat "$T/err")"
  "$B/tn-run" "$T/llm.gguf" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok "tn-run: an unknown option is a usage error" || bad "tn-run --bogus"
  "$B/tn-run" "$T/llm.gguf" --top-p 2 >/dev/null 2>"$T/err"; [ $? -eq 2 ] && grep -q 'top-p wants a number from 0 to 1' "$T/err" && ok "tn-run refuses --top-p 2" || bad "tn-run --top-p 2: $(cat "$T/err")"
else bad "tn_llm_logits make: $(cat "$T/err")"; fi
# tn-bench: one case and the GEMM rows print one JSON array with the documented fields
check_bench_json() { # file, required op
  node -e '
    const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const keys = ["op","type","rows","cols","batch","threads","resident","ms_median","ms_min","gbps","gops"];
    if (!Array.isArray(a) || !a.some(r => r.op === process.argv[2])) throw new Error("no " + process.argv[2] + " record");
    for (const r of a) for (const k of keys) if (!(k in r)) throw new Error("record without " + k);
    for (const r of a) if (r.op !== "membw" && !(r.ms_min > 0 && r.ms_median >= r.ms_min)) throw new Error("bad times");
    if (!a.some(r => r.op === "membw" && r.gbps > 0) && process.argv[2] !== "gemm_f32") throw new Error("no membw record");
  ' "$1" "$2"
}
if command -v node >/dev/null; then
  "$B/tn-bench" --json --op matvec --type tq2_0 --rows 512 --cols 512 > "$T/b1.json" 2>"$T/err" && check_bench_json "$T/b1.json" matvec \
    && ok "tn-bench --json one case" || bad "tn-bench one case: $(cat "$T/err")"
  "$B/tn-bench" --json --quick --op gemm_f32 --threads 1 > "$T/b2.json" 2>"$T/err" && check_bench_json "$T/b2.json" gemm_f32 \
    && ok "tn-bench --json gemm_f32" || bad "tn-bench gemm: $(cat "$T/err")"
else bad "tn-bench JSON not checked: node is missing (apt-get install nodejs)"; fi
"$B/tn-bench" --type q9_9 >/dev/null 2>"$T/err" && bad "tn-bench accepted type q9_9" || { [ -s "$T/err" ] && ok "tn-bench refuses an unknown type" || bad "tn-bench said nothing for q9_9"; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
