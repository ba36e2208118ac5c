#!/usr/bin/env bash
# The same training, bit for bit, everywhere: examples/mnist.c and
# examples/charlm.c built the way a user builds them (plain cc -O2, no -march),
# run under every CPU path this machine has (TN_CPU=scalar, avx2, avx512) and
# at 1, 2 and 3 threads, must write byte-identical checkpoints. With the
# aarch64 cross compiler and qemu-user installed, the aarch64 build (NEON)
# must write the same bytes too (--arm; make test-arm runs that).
# Usage: tests/identity.sh [--arm]   (run from the repository root)
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
cp ternary.h "$T/text" # the training text: a copy, so editing the header meanwhile changes nothing
for e in mnist charlm; do
  cc -O2 -I. "examples/$e.c" -o "$T/$e" -lm -lpthread 2>"$T/cc.err" || bad "cc -O2 examples/$e.c: $(head -3 "$T/cc.err")"
done
# the paths this machine runs: the TN_CPU values a plain build reports as in use
printf '#define TERNARY_IMPLEMENTATION\n#include "ternary.h"\n#include <stdio.h>\nint main(void) { puts(tn_simd_name()); return 0; }\n' > "$T/probe.c"
cc -O2 -I. "$T/probe.c" -o "$T/probe" -lm -lpthread || bad "probe build"
paths=""
for p in scalar avx2 avx512 neon; do
  n=$(TN_CPU=$p "$T/probe" 2>/dev/null)
  { [ "$n" = "$p" ] || [ "$n" = "$p-dotprod" ]; } && paths="$paths $p"
done
ARM=0; [ "${1:-}" = --arm ] && ARM=1
# bad TN_CPU values: one warning line on stderr, and the best path runs
best_name=$("$T/probe" 2>/dev/null)
for v in bogus avx512 neon avx2; do
  out=$(TN_CPU=$v "$T/probe" 2>"$T/probe.err"); nerr=$(wc -l < "$T/probe.err")
  case " $paths " in
    *" $v "*) [ "${out%-dotprod}" = "$v" ] && [ "$nerr" = 0 ] && ok "TN_CPU=$v runs $v, silently" || bad "TN_CPU=$v: ran $out, stderr: $(cat "$T/probe.err")" ;;
    *) [ "$out" = "$best_name" ] && [ "$nerr" = 1 ] && grep -q "TN_CPU=$v" "$T/probe.err" && ok "TN_CPU=$v (not here): one warning, the best path ($out)" \
         || bad "TN_CPU=$v: ran '$out', stderr: $(cat "$T/probe.err")" ;;
  esac
done
case "$paths" in *avx2*|*avx512*|*neon*) ok "plain cc -O2 build runs SIMD paths:$paths" ;;
  *) if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then bad "plain build found no SIMD path on an AVX2 CPU"; else ok "no SIMD path on this CPU:$paths"; fi ;; esac

MN=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
runs() { # NAME CMD...: every path at 1 thread, the best and scalar at 2 and 3 too
  local name=$1; shift
  local best=${paths##* } p t ref="" all=1
  for p in $paths; do
    for t in 1 2 3; do
      [ "$t" != 1 ] && [ "$p" != "$best" ] && [ "$p" != scalar ] && continue
      [ "$ARM" = 1 ] && { [ "$p" != scalar ] || [ "$t" != 1 ]; } && continue # --arm: the x86 reference only
      TN_CPU=$p "$@" --threads $t --out "$T/$name-$p-$t" > "$T/$name-$p-$t.log" 2>&1 || { bad "$name TN_CPU=$p --threads $t: $(tail -2 "$T/$name-$p-$t.log")"; all=0; continue; }
      for f in "$T/$name-$p-$t"*.ckpt; do
        g=${f#"$T/$name-$p-$t"}
        if [ -z "$ref" ]; then ref="$p-1"; fi
        cmp -s "$f" "$T/$name-$ref$g" || { bad "$name$g: TN_CPU=$p --threads $t differs from TN_CPU=${ref%-1} --threads 1"; all=0; }
      done
    done
  done
  [ "$all" = 1 ] && [ "$ARM" = 0 ] && ok "$name: byte-identical checkpoints on$paths at 1-3 threads"
}
if [ -f "$MN" ]; then
  runs mnist "$T/mnist" --steps 20 --epochs 1 --ckpt
else
  bad "mnist: $MN is missing (apt-get install dataset-fashion-mnist)"
fi
CL="--steps 4 --sample 0 --val-batches 1 --layers 1"   # one block: the same code paths, half the time (qemu)
runs charlm "$T/charlm" "$T/text" $CL
runs charlm-float "$T/charlm" "$T/text" $CL --float

# aarch64 (tests/identity.sh --arm, run by make test-arm): the NEON build gives the x86 bytes
if [ "$ARM" = 1 ] && command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  aarch64-linux-gnu-gcc -O2 -static -I. examples/charlm.c -o "$T/charlm-arm" -lm -lpthread 2>"$T/cc.err" || bad "aarch64 build: $(head -3 "$T/cc.err")"
  first=${paths%% *}; [ -z "$first" ] && first=scalar
  for mode in "" --float; do
    name=charlm${mode:+-float}
    if qemu-aarch64 "$T/charlm-arm" "$T/text" $CL $mode --threads 2 --out "$T/arm$mode" > "$T/arm.log" 2>&1; then
      cmp -s "$T/arm$mode.ckpt" "$T/$name-scalar-1.ckpt" && ok "$name: aarch64 ($(head -1 "$T/arm.log" | grep -o '[a-z0-9-]* kernels')) under qemu = x86 bytes" \
        || bad "$name: the aarch64 checkpoint differs from the x86 one"
    else bad "aarch64 $name: $(tail -2 "$T/arm.log")"; fi
  done
  if [ -f "$MN" ]; then
    aarch64-linux-gnu-gcc -O2 -static -I. examples/mnist.c -o "$T/mnist-arm" -lm -lpthread 2>"$T/cc.err" || bad "aarch64 mnist build: $(head -3 "$T/cc.err")"
    if qemu-aarch64 "$T/mnist-arm" --steps 20 --epochs 1 --ckpt --threads 2 --out "$T/armmn" > "$T/armmn.log" 2>&1; then
      cmp -s "$T/armmn-ternary.ckpt" "$T/mnist-scalar-1-ternary.ckpt" && cmp -s "$T/armmn-float.ckpt" "$T/mnist-scalar-1-float.ckpt" \
        && ok "mnist: aarch64 under qemu = x86 bytes" || bad "mnist: the aarch64 checkpoints differ from the x86 ones"
    else bad "aarch64 mnist: $(tail -2 "$T/armmn.log")"; fi
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
