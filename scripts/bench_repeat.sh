#!/usr/bin/env bash
# Runs `resnet-mnist bench` several times and reports the median and the range of its
# training and inference throughput: one invocation on a virtual machine can be off by several
# percent, so the README quotes medians of invocations (each itself a median of --runs runs).
#   scripts/bench_repeat.sh [THREADS [INVOCATIONS [BENCH OPTIONS...]]]
# Defaults: the online CPUs, 3 invocations, --runs 5 --steps 200. Run it on a quiet machine:
# nothing else should be using the cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${RESNET_MNIST_BIN:-$root/build/resnet-mnist}"
threads="${1:-$(nproc)}"
count="${2:-3}"
shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] || set -- --runs 5 --steps 200
if [ ! -x "$bin" ]; then
  echo "bench_repeat.sh: $bin not found; build first (scripts/build.sh)" >&2
  exit 1
fi

train=() infer=() share=()
for i in $(seq "$count"); do
  out="$("$bin" bench --threads "$threads" "$@")"
  t="$(awk '/^training:/ {print $2}' <<<"$out")"
  f="$(awk '/^inference:/ {print $2}' <<<"$out")"
  p="$(awk '/^training:/ {for (i = 1; i <= NF; i++) if ($i == "of" && $(i+1) == "peak;") print $(i-1)}' <<<"$out")"
  echo "invocation $i: training $t images/s ($p of peak), inference $f images/s"
  train+=("$t") infer+=("$f") share+=("${p%\%}")
done

# median and range of a list of numbers
summary() {
  printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s (range %s-%s)", m, v[1], v[NR]}'
}
echo "threads $threads, $count invocations of: bench $*"
echo "training images/s:  $(summary "${train[@]}")"
echo "training % of peak: $(summary "${share[@]}")"
echo "inference images/s: $(summary "${infer[@]}")"
