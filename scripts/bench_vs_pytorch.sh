#!/usr/bin/env bash
# gradbook against PyTorch on one workload, in interleaved pairs: each pair times PyTorch
# (scripts/bench_pytorch.py, probes on: the loss and every layer's gradient norm read out
# each step) and then gradbook (criterion's estimate of `fit_step_norms/<workload>`, the same
# readings, and `fit_step/<workload>`, with the layer statistics too), back to back, so both
# see the same state of the machine. Prints each pair and the median of the pairs' speed-ups
# (PyTorch time / gradbook time; above 1 means gradbook is faster). Needs torch importable by
# $PYTHON (default python3). Not run by CI.
#
#   scripts/bench_vs_pytorch.sh                      # wide, 1 and 2 threads, 9 pairs each
#   PAIRS=15 WORKLOAD=medium THREADS="2" PYTHON=/tmp/torchenv/bin/python scripts/bench_vs_pytorch.sh
#   BUSY=1 scripts/bench_vs_pytorch.sh               # with one busy foreign process (`yes`)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
workload=${WORKLOAD:-wide}
pairs=${PAIRS:-9}
threads=${THREADS:-1 2}
cargo bench -q --bench train_step --no-run 2>/dev/null
bench=$(ls -t target/release/deps/train_step-* | grep -v '\.d$' | head -1)
if [ -n "${BUSY:-}" ]; then yes >/dev/null & busy=$!; trap 'kill $busy' EXIT; fi

# criterion's point estimate, in ms, of the bench named $1 at $2 threads.
gradbook_ms() {
  RAYON_NUM_THREADS=$2 "$bench" --bench "^$1/$workload\$" --warm-up-time 1 --measurement-time 3 2>&1 |
    awk '/time:/ { v = $(NF-3); u = $(NF-2); if (u == "s") v *= 1000; if (u == "µs") v /= 1000; print v }'
}
for t in $threads; do
  ratios_norms=(); ratios_stats=()
  echo "== $workload, $t thread(s), $pairs pairs (ms per step)"
  for pair in $(seq "$pairs"); do
    torch=$("$python" scripts/bench_pytorch.py --threads "$t" --workloads "$workload" --probes on --repeats 3 2>/dev/null |
      awk -v w="$workload" '$1 == w { print $4 }')
    norms=$(gradbook_ms fit_step_norms "$t")
    stats=$(gradbook_ms fit_step "$t")
    echo "  pair $pair: pytorch $torch  gradbook norms $norms  with layer stats $stats"
    ratios_norms+=($(awk "BEGIN { print $torch / $norms }"))
    ratios_stats+=($(awk "BEGIN { print $torch / $stats }"))
  done
  median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.2f (quartiles %.2f–%.2f)", a[int((NR+1)/2)], a[int((NR+3)/4)], a[int((3*NR+3)/4)]}'; }
  echo "  speed-up, same readings as PyTorch: $(median "${ratios_norms[@]}")"
  echo "  speed-up, with the layer statistics: $(median "${ratios_stats[@]}")"
done
