#!/usr/bin/env bash
# Soak test, outside CI: the tutorial's 50 epochs on the full MNIST, with the trainer's resident
# memory sampled after every epoch. Memory must stay flat after epoch 1 (nothing allocated per
# batch or per epoch that is not given back): the script fails if any later sample exceeds the
# epoch-1 sample by more than SOAK_TOLERANCE_KB (default 1024).
# Usage: scripts/soak.sh [EPOCHS] [extra train options...]   (the program must be built)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prog="$root/build/resnet-mnist"
epochs="${1:-50}"
shift || true
tolerance="${SOAK_TOLERANCE_KB:-1024}"
[ -x "$prog" ] || { echo "soak.sh: build first (scripts/build.sh)" >&2; exit 1; }
out="$(mktemp -d)"
fifo="$out/progress"
mkfifo "$fifo"
trap 'rm -rf "$out"' EXIT

"$prog" train --epochs "$epochs" --json --data "$root/data/mnist" --out "$out" "$@" >"$fifo" &
pid=$!
first=""
worst=0
echo "epoch test_accuracy seconds rss_kb"
while IFS= read -r line; do
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
  epoch="$(sed -E 's/.*"epoch":([0-9]+).*/\1/' <<<"$line")"
  acc="$(sed -E 's/.*"test_accuracy":([0-9.e-]+).*/\1/' <<<"$line")"
  sec="$(sed -E 's/.*"seconds":([0-9.e-]+).*/\1/' <<<"$line")"
  [ "$rss" -gt 0 ] || continue # the process has already exited
  printf '%s %.4f %.1f %s\n' "$epoch" "$acc" "$sec" "$rss"
  if [ -z "$first" ]; then first="$rss"; fi
  grow=$((rss - first))
  if [ "$grow" -gt "$worst" ]; then worst="$grow"; fi
done <"$fifo"
wait "$pid"
echo "resident memory after epoch 1: $first kB; largest growth after it: $worst kB (tolerance $tolerance kB)"
if [ "$worst" -gt "$tolerance" ]; then
  echo "soak: FAILED: resident memory grew" >&2
  exit 1
fi
echo "soak: 1 passed, 0 failed"
