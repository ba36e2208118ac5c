#!/usr/bin/env bash
# The suite must run from a clone with nothing beside it: nothing in tests/,
# tools/, examples/, the Makefile or .ci/ may read the folder above the repo.
cd "$(dirname "$0")/.."
pat='\.\./'"shared"
hits=$(grep -rnE "$pat" tests tools examples Makefile .ci 2>/dev/null | grep -v '^tests/data/')
if [ -n "$hits" ]; then
  printf 'these read the folder beside the repo (copy what they need into tests/data):\n%s\n' "$hits"
  echo "0 passed, 1 failed"; exit 1
fi
[ -s tests/data/input.f32 ] || { echo "tests/data/input.f32 is missing"; echo "0 passed, 1 failed"; exit 1; }
echo "1 passed, 0 failed"
