#!/bin/sh
# Replay the fuzz corpora under ASan/UBSan: the tensor/view programs in
# tests/fuzz/tensor, then the generated seeds, the regressions and the test
# vectors' GGUF files through every reader. One line "N passed, N failed".
# Usage: tests/fuzz/replay.sh BUILD_DIR
B=${1:-build}
V=${TN_TESTVECTORS:-tests/data}
t=$("$B/fuzz-tensor-replay" tests/fuzz/tensor/*) || { printf '%s\n' "$t"; echo "0 passed, 1 failed"; exit 1; }
r=$("$B/fuzz-replay" "$B"/fuzz-seeds/* tests/fuzz/regressions/* $(ls "$V"/*.gguf 2>/dev/null)) || { printf '%s\n' "$r"; echo "0 passed, 1 failed"; exit 1; }
nt=${t%% passed*}; nr=${r%% passed*}
echo "tensor programs: $t; reader inputs: $r"
echo "$((nt + nr)) passed, 0 failed"
