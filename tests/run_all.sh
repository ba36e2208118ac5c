#!/usr/bin/env bash
# Run every test binary given, print each one's verdict, and finish with the
# sum as one line "N passed, N failed". Exit non-zero if anything failed.
# an undefined-behaviour report ends the binary (the clang builds compile the
# checks recoverable); leaks are reported at exit
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
passed=0; failed=0
for bin in "$@"; do
  out=$("$bin" 2>&1); rc=$?
  last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -n "$last" ]; then
    p=${last%% passed*}; f=${last#*passed, }; f=${f%% failed*}
  elif [ $rc -eq 0 ]; then p=1; f=0
  else p=0; f=1; fi
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash or sanitizer report counts
  [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | tail -n 40
  printf '%-34s %s passed, %s failed\n' "$(basename "$bin")" "$p" "$f"
  passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
