#!/usr/bin/env bash
# Compares builds fairly on a noisy machine: invocations of `resnet-mnist bench --runs 5
# --steps 200` alternate between the given programs, round after round, so that a slow period
# hits all of them; prints each invocation, then each program's median and range of training
# and inference images/s.
#   scripts/bench_ab.sh ROUNDS THREADS PROGRAM...
# Example: scripts/bench_ab.sh 5 1 /tmp/before/resnet-mnist build/resnet-mnist
# Run it on a quiet machine: nothing else should be using the cores.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: scripts/bench_ab.sh ROUNDS THREADS PROGRAM..." >&2
  exit 2
fi
rounds="$1" threads="$2"
shift 2
for bin in "$@"; do
  if [ ! -x "$bin" ]; then
    echo "bench_ab.sh: $bin: not an executable program" >&2
    exit 1
  fi
done
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for i in $(seq "$rounds"); do
  for bin in "$@"; do
    line="$("$bin" bench --threads "$threads" --runs 5 --steps 200 |
      awk '/^training:/ {t = $2} /^inference:/ {f = $2} END {print t, f}')"
    echo "round $i: $bin: training $(cut -d' ' -f1 <<<"$line") images/s, inference $(cut -d' ' -f2 <<<"$line")"
    echo "$bin $line" >>"$out"
  done
done
# median and range of a column of numbers (POSIX awk: mawk has no asort)
summary() {
  sort -n | awk '{v[NR] = $1} END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s (range %s-%s)", m, v[1], v[NR]}'
}
for bin in "$@"; do
  t="$(awk -v b="$bin" '$1 == b {print $2}' "$out" | summary)"
  f="$(awk -v b="$bin" '$1 == b {print $3}' "$out" | summary)"
  echo "$bin: training $t, inference $f images/s"
done
