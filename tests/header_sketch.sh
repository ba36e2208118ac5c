#!/bin/sh
# The two sketches at the top of ternary.h (QUICK START, TRAINING) compile
# with -Wall -Wextra -pedantic -Werror and run as written.
# Usage: tests/header_sketch.sh BUILD_DIR   (from the repository root)
B=${1:-build}
src="$B/header_sketch.c"
{
  echo '#define TERNARY_IMPLEMENTATION'
  echo '#include "ternary.h"'
  echo '#include <stdio.h>'
  echo 'static void quick_start(void) {'
  awk '/Link with -lm -lpthread/{on=1;next} /^   TRAINING/{on=0} on && /^       /{print substr($0, 8)}' ternary.h
  echo '}'
  echo 'static void training(void) {'
  awk '/^   TRAINING/{t=1} t && /^   --------/{on=1;next} /^   \(make test compiles/{on=0;t=0} on && /^       /{print substr($0, 8)}' ternary.h
  echo '}'
  echo 'int main(void) { quick_start(); training(); puts("sketches ran"); return 0; }'
} > "$src"
if ! out=$(gcc -std=c99 -O1 -Wall -Wextra -pedantic -Werror -I. "$src" -o "$B/header_sketch" -lm -lpthread 2>&1); then
  printf '%s\n' "$out" | head -20; echo "header sketches: do not compile as written"; echo "0 passed, 1 failed"; exit 1
fi
if [ "$("$B/header_sketch" 2>&1)" = "sketches ran" ] && [ "$(wc -l < "$src")" -gt 40 ]; then echo "ok   the header's sketches compile and run"; echo "1 passed, 0 failed"
else echo "FAIL the header's sketches did not run: $("$B/header_sketch" 2>&1 | head -3)"; echo "0 passed, 1 failed"; exit 1; fi
