#!/usr/bin/env bash
# Every example in a short mode, with its outputs checked: loss goes down,
# files round-trip, checkpoints resume exactly, the plot is a real PNG.
# Usage: tests/examples.sh BUILD_DIR   (run from the repository root)
set -u
B=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
# every example builds exactly as its header says: cc -O2 -I. examples/X.c -lm -lpthread
for f in examples/*.c; do
  cc -O2 -I. "$f" -o "$T/$(basename "$f" .c)" -lm -lpthread 2>"$T/cc.err" && ok "cc -O2 -I. $f" || bad "$f does not build: $(head -3 "$T/cc.err")"
done

"$B/hello" > "$T/hello.out" 2>&1 && grep -q "256/256 right" "$T/hello.out" && ok "hello: trains, packs, infers" || bad "hello: $(tail -2 "$T/hello.out")"
# a plain cc -O2 build reports a SIMD path on its first line where the CPU has one
first=$("$T/hello" | head -1)
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
  echo "$first" | grep -Eq ', (avx2|avx512) kernels$' && ok "plain build: $first" || bad "plain build on an AVX2 CPU says: $first"
else
  echo "$first" | grep -q ' kernels$' && ok "plain build: $first" || bad "first line: $first"
fi
"$B/gate" --steps 400 > "$T/gate.out" 2>&1 && grep -q "converged (>= 1000 decisions, >= 95% aligned): yes" "$T/gate.out" \
  && ok "gate: $(grep alignment "$T/gate.out" | cut -c1-60)" || bad "gate: $(tail -3 "$T/gate.out")"
"$B/quantize" > "$T/q.out" 2>&1 && [ "$(grep -c '%' "$T/q.out")" -eq 23 ] && ok "quantize: a row for each of 23 formats" || bad "quantize: $(tail -3 "$T/q.out")"

# mnist, a few steps (the dataset comes from Debian's dataset-fashion-mnist)
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if "$B/mnist" --steps 100 --epochs 1 --out "$T/mn" > "$T/mn.out" 2>&1; then
    last=$(tail -1 "$T/mn.out")
    echo "$last" | grep -Eq '^accuracy: float [0-9]+\.[0-9]{2}% ternary [0-9]+\.[0-9]{2}% packed [0-9]+\.[0-9]{2}%$' && ok "mnist: $last" || bad "mnist last line: $last"
    t=$(echo "$last" | sed -E 's/.*ternary ([0-9.]+)%.*/\1/'); p=$(echo "$last" | sed -E 's/.*packed ([0-9.]+)%.*/\1/')
    awk -v t="$t" -v p="$p" 'BEGIN { exit !(t > 60 && (p - t < 0.5 && t - p < 0.5)) }' && ok "mnist: the reloaded packed model matches the trained one ($t% vs $p%)" || bad "mnist: ternary $t% packed $p%"
    awk -F, 'NR == 2 { a = $2 } NR > 2 && $2 != "nan" { b = $2 } END { exit !(a > b) }' "$T/mn.csv" && ok "mnist: float loss falls in the log" || bad "mnist: loss did not fall"
    "$B/tn-inspect" "$T/mn.gguf" | grep -q "fc1.w.*tq2_0" && ok "mnist: the exported GGUF holds TQ2_0 weights" || bad "mnist: exported GGUF"
    # fc1's 784 inputs are padded to 1024 in TQ2_0: tn-inspect shows the real width, and its zeros without the padding
    z=$("$B/tn-inspect" "$T/mn.gguf" | awk '$1 == "fc1.w" && $3 == "784x256" && $4 == "(1024)" { sub("%", "", $NF); print $NF }')
    sp=$(grep -E 'sparsity \(zero weights\)' "$T/mn.out" | grep -oE '[0-9.]+%' | tr -d '%')
    [ -n "$z" ] && awk -v z="$z" 'BEGIN { exit !(z > 5 && z < 60) }' && ok "tn-inspect: fc1.w is 784x256 (1024 stored), $z% zeros over its real weights (the model: $sp% overall)" \
      || bad "tn-inspect: fc1.w real width / zeros: $("$B/tn-inspect" "$T/mn.gguf" | grep 'fc1.w ')"
    if "$B/tn-plot" "$T/mn.csv" "$T/loss.png" > /dev/null; then
      sig=$(head -c 8 "$T/loss.png" | od -An -tx1 | tr -d ' \n'); size=$(stat -c %s "$T/loss.png")
      [ "$sig" = "89504e470d0a1a0a" ] && [ "$size" -gt 8000 ] && ok "tn-plot: loss.png is a PNG of $size bytes" || bad "tn-plot: bad PNG ($sig, $size bytes)"
    else bad "tn-plot failed"; fi
    "$B/tn-plot" --hist "$T/mn.gguf" "$T/hist.png" > /dev/null && [ "$(stat -c %s "$T/hist.png")" -gt 5000 ] && ok "tn-plot --hist" || bad "tn-plot --hist"
  else bad "mnist: $(tail -3 "$T/mn.out")"; fi
else
  bad "mnist: /usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist)"
fi

# charlm: text from the header itself; resume continues bit for bit
clm="$B/charlm ternary.h --sample 20 --threads 2"
if $clm --steps 30 --out "$T/a" > "$T/a.out" 2>&1 && $clm --steps 30 --stop 15 --out "$T/b" > /dev/null 2>&1 && \
   $clm --steps 30 --resume --out "$T/b" > "$T/b.out" 2>&1; then
  tail -1 "$T/a.out" | grep -Eq '^val bits/char: [0-9]+\.[0-9]{3}$' && ok "charlm: $(tail -1 "$T/a.out")" || bad "charlm last line: $(tail -1 "$T/a.out")"
  cmp -s "$T/a.gguf" "$T/b.gguf" && ok "charlm: 15 steps + resume + 15 = 30 straight, byte for byte" || bad "charlm: resumed model differs"
  cmp -s "$T/a.ckpt" "$T/b.ckpt" && ok "charlm: and the same checkpoint (weights, optimizer, RNG, loss EMA)" || bad "charlm: resumed checkpoint differs"
  grep -q "resumed" "$T/b.out" && ok "charlm: --resume says where it resumed" || bad "charlm: no resume message"
  "$B/tn-inspect" "$T/a.ckpt" | grep -q "ternary.checkpoint.step" && ok "tn-inspect reads a checkpoint" || bad "tn-inspect checkpoint"
  "$B/tn-plot" --hist "$T/a.ckpt" "$T/ckh.png" 2>&1 | grep -q "optimizer state left out" && ok "tn-plot --hist on a checkpoint draws the weights, not Adam's moments" || bad "tn-plot --hist on a checkpoint"
  printf 'step,train_loss\n10,2.5\n' > "$T/one.csv"
  "$B/tn-plot" "$T/one.csv" "$T/one.png" | grep -q "wrote .*(1 points, 1 curve)" && ok "tn-plot: a one-row log plots" || bad "tn-plot: one-row log"
  "$B/tn-inspect" "$T/a.gguf" | grep -q "^architecture: arcee; llama.cpp: runnable" && ok "tn-inspect: charlm's export is llama.cpp-runnable arcee" || bad "tn-inspect: $("$B/tn-inspect" "$T/a.gguf" | sed -n 2p)"
  "$B/tn-inspect" "$T/a.ckpt" | grep -q "^architecture: ternary-checkpoint; llama.cpp: NOT runnable: .*tn_transformer_save_llamacpp" && ok "tn-inspect: a checkpoint is not llama.cpp's, and says how to export" || bad "tn-inspect: checkpoint verdict: $("$B/tn-inspect" "$T/a.ckpt" | sed -n 2p)"
  if "$B/tn-quantize" "$T/a.gguf" "$T/q.gguf" tq1_0 > "$T/q.out" 2>&1 && grep -q "llama.cpp: runnable" "$T/q.out" && \
     "$B/tn-inspect" "$T/q.gguf" | grep -q "^architecture: arcee; llama.cpp: runnable" && "$B/tn-inspect" "$T/q.gguf" | grep -q "general.file_type .* 36"; then
    ok "tn-quantize tq1_0 keeps charlm's export llama.cpp-runnable (file_type 36)"
  else bad "tn-quantize: $(cat "$T/q.out")"; fi
else bad "charlm: $(tail -3 "$T/a.out")"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
