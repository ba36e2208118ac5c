#!/usr/bin/env bash
# Data-parallel scaling on this machine: samples/s of examples/mnist.c (float
# and ternary MLP) and examples/charlm.c (ternary transformer) as one process
# with one thread, one process with two threads, and two MPI ranks with one
# thread each (the same global batch of --accum 2 micro-batches), alternating
# the three, REPS times; medians and mins, and the reduction's cost per step
# (the time a rank waits for it after its backward). Needs OpenMPI and make's
# builds (build/mnist, build/charlm, build/*-mpi).
# Usage: tools/bench_mpi.sh [REPS]   (run from the repository root)
set -u
REPS=${1:-5}
B=build
MPIRUN="mpirun --allow-run-as-root --bind-to core"
isa=$(grep -o -w -m1 -E 'avx512f' /proc/cpuinfo | head -1); isa=${isa:-$(grep -o -w -m1 avx2 /proc/cpuinfo | head -1)}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, ${isa:-scalar}"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
rate() { tr '\r' '\n' | grep -E "$1" | tail -1 | grep -oE "$2" | grep -oE '[0-9.]+' | head -1; }
med() { sort -g | awk '{a[NR]=$1} END {if (NR) printf "%8.0f %8.0f", a[int((NR+1)/2)], a[1]; else printf "%8s %8s", "-", "-"}'; }
medf() { sort -g | awk '{a[NR]=$1} END {if (NR) printf "%6.2f", a[int((NR+1)/2)]}'; }
run_case() { # name, samples per unit, cmd1, cmd2t, cmdmpi, pattern, field
  local name=$1 mult=$2 c1=$3 c2=$4 cm=$5 pat=$6 fld=$7 i
  : > "$T/a"; : > "$T/b"; : > "$T/c"; : > "$T/r"
  for i in $(seq "$REPS"); do
    taskset -c 0 $c1 2>&1 | rate "$pat" "$fld" >> "$T/a"
    $c2 2>&1 | rate "$pat" "$fld" >> "$T/b"
    $MPIRUN -np 2 $cm > "$T/o" 2>&1; rate "$pat" "$fld" < "$T/o" >> "$T/c"
    tr '\r' '\n' < "$T/o" | grep -oE 'reduce [0-9.]+ ms' | tail -1 | grep -oE '[0-9.]+' >> "$T/r"
  done
  printf '%-28s %s   %s   %s   %5.2fx %5.2fx  %s ms\n' "$name" "$(awk -v m="$mult" '{print $1*m}' "$T/a" | med)" "$(awk -v m="$mult" '{print $1*m}' "$T/b" | med)" \
    "$(awk -v m="$mult" '{print $1*m}' "$T/c" | med)" \
    "$(echo "$(sort -g "$T/c" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') $(sort -g "$T/a" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" | awk '{print $1/$2}')" \
    "$(echo "$(sort -g "$T/c" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') $(sort -g "$T/b" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" | awk '{print $1/$2}')" \
    "$(medf < "$T/r")"
}
echo "samples/s (windows/s for charlm), median and min of $REPS runs each, alternating"
printf '%-28s %17s   %17s   %17s   %s %s  %s\n' "" "1 process, 1 thr" "1 process, 2 thr" "2 ranks x 1 thr" "2r/1t" "2r/2t" "reduce after backward"
M="--epochs 1 --steps 300 --accum 2"
run_case "mnist float MLP" 1 "$B/mnist $M --threads 1 --out $T/m" "$B/mnist $M --threads 2 --out $T/m" "$B/mnist-mpi $M --threads 1 --out $T/m" "float +epoch 1/1  step" "[0-9]+ samples/s"
run_case "mnist ternary MLP" 1 "$B/mnist $M --ternary-only --threads 1 --out $T/m" "$B/mnist $M --ternary-only --threads 2 --out $T/m" "$B/mnist-mpi $M --ternary-only --threads 1 --out $T/m" "ternary +epoch 1/1  step" "[0-9]+ samples/s"
C="--steps 40 --ckpt-every 40 --sample 0 --val-batches 1 --accum 2"
run_case "charlm ternary (d256, 2 layers)" 64 "$B/charlm $C --threads 1 --out $T/c" "$B/charlm $C --threads 2 --out $T/c" "$B/charlm-mpi $C --threads 1 --out $T/c" "^step +40/40" "[0-9.]+ steps/s"
