#!/usr/bin/env bash
# Data-parallel training under MPI (OpenMPI's mpicc / mpirun; .ci/run installs
# openmpi-bin and libopenmpi-dev): examples/mnist.c and examples/charlm.c built
# with mpicc -DTERNARY_MPI and run on 2 and 3 ranks must write the checkpoint
# (and log) bytes of one process accumulating the same micro-batches; a run
# resumed with another number of ranks continues exactly; a plain build started
# by mpirun refuses; a rank killed mid-run ends the job (no hang) and the last
# checkpoint is intact and resumes.
# Usage: tests/mpi.sh [BUILD_DIR]   (run from the repository root)
set -u
B=${1:-build}
T=$(mktemp -d)
trap 'pkill -9 -f "$T/" 2>/dev/null; rm -rf "$T"' EXIT
passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then
  echo "note: no OpenMPI (apt-get install openmpi-bin libopenmpi-dev): the MPI runs were not made"
  echo "0 passed, 0 failed"; exit 0
fi
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
export OMPI_MCA_btl_vader_single_copy_mechanism=none # containers often forbid cross-process memory access
cp ternary.h "$T/text" # a fixed copy of the text: editing the header meanwhile changes nothing
# the builds: make's (mpicc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -DTERNARY_MPI, and plain cc -O2)
for e in mnist charlm; do
  [ -x "$B/$e-mpi" ] || mpicc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -D_POSIX_C_SOURCE=200809L -DTERNARY_MPI -I. "examples/$e.c" -o "$B/$e-mpi" -lm -lpthread
  [ -x "$B/$e" ] || cc -O2 -I. "examples/$e.c" -o "$B/$e" -lm -lpthread
  cp "$B/$e-mpi" "$B/$e" "$T/" || bad "no build of examples/$e.c"
done
# charlm: one process with --accum 6 against 2 and 3 ranks
C="$T/text --float --d 32 --ff 64 --layers 1 --heads 2 --sample 0 --val-batches 2 --threads 1 --accum 6"
"$T/charlm" $C --steps 24 --out "$T/c1" > "$T/c1.out" 2>&1 || bad "charlm one process: $(tail -2 "$T/c1.out")"
for np in 2 3; do
  if $MPIRUN -np $np "$T/charlm-mpi" $C --steps 24 --out "$T/c$np" > "$T/c$np.out" 2>&1; then
    cmp -s "$T/c1.ckpt" "$T/c$np.ckpt" && ok "charlm: $np ranks write the checkpoint of one process, byte for byte" || bad "charlm: $np ranks' checkpoint differs"
    cmp -s "$T/c1.csv" "$T/c$np.csv" && ok "charlm: $np ranks log what one process logs" || bad "charlm: $np ranks' log differs"
    grep -q "over $np MPI ranks" "$T/c$np.out" && ok "charlm: says it runs on $np ranks" || bad "charlm: no rank count in $(head -2 "$T/c$np.out")"
  else bad "charlm on $np ranks: $(tail -5 "$T/c$np.out")"; fi
done
# 12 steps on 2 ranks, then resumed on 3 to 24: the straight run's bytes
if $MPIRUN -np 2 "$T/charlm-mpi" $C --steps 24 --stop 12 --out "$T/r" > "$T/r1.out" 2>&1 && \
   $MPIRUN -np 3 "$T/charlm-mpi" $C --steps 24 --resume --out "$T/r" > "$T/r2.out" 2>&1; then
  cmp -s "$T/c1.ckpt" "$T/r.ckpt" && ok "charlm: 12 steps on 2 ranks + resumed on 3 = 24 straight on one process, byte for byte" || bad "charlm: resumed with other ranks differs"
else bad "charlm resume across rank counts: $(tail -3 "$T/r2.out")"; fi
# every rank needs a micro-batch; a plain build under mpirun refuses
$MPIRUN -np 3 "$T/charlm-mpi" $C --accum 2 --steps 4 --out "$T/x" > "$T/x.out" 2>&1
grep -q "give every rank at least one" "$T/x.out" && ok "charlm: fewer micro-batches than ranks is a clear error" || bad "charlm: 3 ranks, 2 micro-batches: $(tail -3 "$T/x.out")"
$MPIRUN -np 2 "$T/charlm" $C --steps 4 --out "$T/x" > "$T/x.out" 2>&1
if grep -q "built without MPI" "$T/x.out" && [ ! -f "$T/x.ckpt" ]; then ok "a build without MPI started by mpirun refuses, writing nothing"; else bad "plain build under mpirun: $(tail -3 "$T/x.out")"; fi

# mnist: the same for the MLP (and its test-set evaluation shared out)
if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  M="--ternary-only --steps 12 --epochs 1 --batch 64 --accum 6 --ckpt --threads 1"
  "$T/mnist" $M --out "$T/m1" > "$T/m1.out" 2>&1 || bad "mnist one process: $(tail -2 "$T/m1.out")"
  for np in 2 3; do
    if $MPIRUN -np $np "$T/mnist-mpi" $M --out "$T/m$np" > "$T/m$np.out" 2>&1; then
      cmp -s "$T/m1-ternary.ckpt" "$T/m$np-ternary.ckpt" && ok "mnist: $np ranks write the checkpoint of one process, byte for byte" || bad "mnist: $np ranks' checkpoint differs"
      [ "$(tail -1 "$T/m1.out")" = "$(tail -1 "$T/m$np.out")" ] && cmp -s "$T/m1.csv" "$T/m$np.csv" && ok "mnist: $np ranks: the same log and $(tail -1 "$T/m$np.out")" || bad "mnist: $np ranks: $(tail -1 "$T/m$np.out") vs $(tail -1 "$T/m1.out")"
    else bad "mnist on $np ranks: $(tail -5 "$T/m$np.out")"; fi
  done
else bad "mnist: /usr/share/datasets/fashion-mnist is missing (apt-get install dataset-fashion-mnist)"; fi

# a rank killed mid-run: the job ends with an error (no hang); the checkpoint is intact and resumes
for victim_rank in 1 0; do
  K="$T/k$victim_rank"
  $MPIRUN -np 2 "$T/charlm-mpi" $C --steps 100000 --ckpt-every 10 --out "$K" > "$K.out" 2> "$K.err" &
  mp=$!
  for i in $(seq 600); do [ -f "$K.ckpt" ] && break; sleep 0.1; done
  victim=""
  for p in $(pgrep -f "$T/charlm-mpi"); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$victim_rank" && victim=$p
  done
  if [ -z "$victim" ] || [ ! -f "$K.ckpt" ]; then bad "kill test: no checkpoint or no rank $victim_rank to kill"; kill -9 $mp 2>/dev/null; wait $mp 2>/dev/null; continue; fi
  sleep 0.3
  kill -9 "$victim"
  t0=$(date +%s)
  for i in $(seq 600); do kill -0 $mp 2>/dev/null || break; sleep 0.1; done
  if kill -0 $mp 2>/dev/null; then
    bad "rank $victim_rank killed: the others still run after 60 s (a hang)"; pkill -9 -f "$T/charlm-mpi"; kill -9 $mp 2>/dev/null; wait $mp 2>/dev/null
    continue
  fi
  wait $mp; rc=$?
  if [ $rc -ne 0 ] && grep -Eqi "rank $victim_rank|signal 9|killed" "$K.err" "$K.out"; then
    ok "rank $victim_rank killed: the job ends in $(( $(date +%s) - t0 )) s with exit $rc and says so: $(grep -Ei "rank $victim_rank|signal 9|killed" "$K.err" "$K.out" | head -1 | cut -c1-110)"
  else bad "rank $victim_rank killed: exit $rc, stderr: $(head -5 "$K.err")"; fi
  step=$("$B/tn-inspect" "$K.ckpt" 2>/dev/null | awk '/ternary.checkpoint.step/ {print $NF}' | head -1)
  if [ -n "$step" ] && $MPIRUN -np 2 "$T/charlm-mpi" $C --steps 100000 --stop $((step + 5)) --resume --out "$K" > "$K.res" 2>&1 && grep -q "resumed .* at step $step" "$K.res"; then
    ok "rank $victim_rank killed: the last checkpoint (step $step) is intact and resumes on 2 ranks"
  else bad "rank $victim_rank killed: resume from the checkpoint: step '$step', $(tail -3 "$K.res" 2>/dev/null)"; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
