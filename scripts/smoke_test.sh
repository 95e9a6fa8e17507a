#!/usr/bin/env bash
# The smoke test on a real MNIST subset (run by ctest when scripts/test.sh has fetched MNIST):
# one epoch on the first 6,000 training images at --lr 0.02 (PyTorch reaches 91-93% so), then
#  - the accuracy on the first 1,000 test images is at least 85%,
#  - `test --weights best.bin` prints the accuracy that training recorded,
#  - accuracy.png is a valid PNG.
# Usage: smoke_test.sh PROGRAM DATA_DIR
set -euo pipefail
prog="$1"
data="$2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failed=0
check() { # check NAME CONDITION-RESULT(0/1) DETAIL
  if [ "$2" -eq 0 ]; then echo "ok: $1"; else echo "FAILED: $1 ($3)"; failed=$((failed + 1)); fi
}

"$prog" train --epochs 1 --limit-train 6000 --limit-test 1000 --lr 0.02 \
  --data "$data" --out "$out" | tee "$out/train.log"
line="$(grep -E '^epoch 1: test accuracy' "$out/train.log")"
acc="$(sed -E 's/.*test accuracy ([0-9.]+)% \(([0-9]+)\/([0-9]+)\).*/\1/' <<<"$line")"
correct="$(sed -E 's/.*test accuracy ([0-9.]+)% \(([0-9]+)\/([0-9]+)\).*/\2/' <<<"$line")"
check "accuracy $acc% on 1,000 test images is at least 85%" "$([ "$correct" -ge 850 ] && echo 0 || echo 1)" "$line"

tested="$("$prog" test --weights "$out/best.bin" --limit-test 1000 --data "$data")"
echo "$tested"
same=1
grep -qF "test accuracy $acc% ($correct/1000)" <<<"$tested" && same=0
check "test --weights best.bin prints the recorded $acc%" "$same" "$tested"

sig="$(head -c 8 "$out/accuracy.png" | od -An -tx1 | tr -d ' \n')"
check "accuracy.png is a PNG" "$([ "$sig" = 89504e470d0a1a0a ] && echo 0 || echo 1)" "signature $sig"

echo "smoke: $((3 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
