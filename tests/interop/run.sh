#!/usr/bin/env bash
# Interop: files written by ternary.h, read by @huggingface/gguf (npm).
# Usage: tests/interop/run.sh BUILD_DIR   (run from the repository root)
set -u
B=${1:-build}
dir=$(cd "$(dirname "$0")" && pwd)
out="$B/interop"
mkdir -p "$out"
passed=0; failed=0
if ! command -v node >/dev/null; then
  echo "interop: node is missing; install it: apt-get install -y nodejs npm"; echo "0 passed, 1 failed"; exit 1
fi
if [ ! -d "$dir/node_modules/@huggingface/gguf" ]; then
  (cd "$dir" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null 2>&1) || {
    echo "interop: npm install of @huggingface/gguf failed (is the npm registry reachable?)"; echo "0 passed, 1 failed"; exit 1; }
fi
"$B/make_files" "$out" "${TN_TESTVECTORS:-tests/data}" >/dev/null || { echo "interop: make_files failed"; echo "0 passed, 1 failed"; exit 1; }
files="$out/all_types.gguf $out/model.gguf"
# and ggml's own file, re-written by ternary.h
"$B/tn-quantize" "${TN_TESTVECTORS:-tests/data}/ggml-written.gguf" "$out/rewritten.gguf" keep >/dev/null 2>&1 && files="$files $out/rewritten.gguf"
for f in $files; do
  if [ ! -f "$f" ]; then echo "interop: $f was not written"; failed=$((failed + 1)); continue; fi
  "$B/tn-inspect" --json "$f" > "$f.json" || { failed=$((failed + 1)); continue; }
  if (cd "$dir" && node check.mjs "$OLDPWD/$f" "$OLDPWD/$f.json"); then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# ggml's own JSON sidecar, reproduced by our reader byte for byte
if "$B/tn-inspect" --json "${TN_TESTVECTORS:-tests/data}/ggml-written.gguf" | cmp -s - "${TN_TESTVECTORS:-tests/data}/ggml-written.json"; then
  echo "ggml-written.gguf: tn-inspect --json reproduces ggml's JSON sidecar byte for byte"; passed=$((passed + 1))
else
  echo "ggml-written.gguf: tn-inspect --json differs from ggml's JSON sidecar"; failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
