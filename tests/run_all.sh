#!/usr/bin/env bash
# Run every test binary given, print each one's verdict (in the order given,
# with its time), and finish with the sum as one line "N passed, N failed".
# Exit non-zero if anything failed. TN_TEST_JOBS binaries run at once (default:
# the number of CPUs); TN_TEST_JOBS=1 runs them one after another. Each gets
# its own scratch directory in $TN_TEST_TMP, so none shares a file.
# an undefined-behaviour report ends the binary (the clang builds compile the
# checks recoverable); leaks are reported at exit
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
jobs=${TN_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
case $jobs in ''|*[!0-9]*|0) echo "run_all.sh: TN_TEST_JOBS must be a positive number, not '$jobs'" >&2; exit 2;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tn-run-all.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
bins=("$@")
n=${#bins[@]}
passed=0; failed=0; next=0

# one binary: its output, exit code and seconds in $tmp/I.{out,rc}
run_one() {
  local i=$1 t0 t1 rc
  t0=$(date +%s)
  mkdir -p "$tmp/$i.d"
  TN_TEST_TMP="$tmp/$i.d" "${bins[$i]}" > "$tmp/$i.out" 2>&1; rc=$?
  t1=$(date +%s)
  echo "$((t1 - t0))" > "$tmp/$i.sec"
  echo "$rc" > "$tmp/$i.rc"
}

# print the verdicts of the finished binaries that come next in order
report() {
  local out rc last p f
  while [ "$next" -lt "$n" ] && [ -s "$tmp/$next.rc" ]; do
    out=$(cat "$tmp/$next.out"); rc=$(cat "$tmp/$next.rc")
    last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -n "$last" ]; then
      p=${last%% passed*}; f=${last#*passed, }; f=${f%% failed*}
    elif [ "$rc" -eq 0 ]; then p=1; f=0
    else p=0; f=1; fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash or sanitizer report counts
    [ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | tail -n 40
    printf '%-34s %s passed, %s failed (%ss)\n' "$(basename "${bins[$next]}")" "$p" "$f" "$(cat "$tmp/$next.sec")"
    passed=$((passed + p)); failed=$((failed + f))
    next=$((next + 1))
  done
}

running=0
for ((i = 0; i < n; i++)); do
  while [ "$running" -ge "$jobs" ]; do
    wait -n 2>/dev/null || true
    running=$(jobs -rp | wc -l)
    report
  done
  run_one "$i" &
  running=$((running + 1))
done
while [ "$next" -lt "$n" ]; do
  wait -n 2>/dev/null || sleep 1
  report
done
wait
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
