#!/usr/bin/env bash
# From a fresh machine to a trained network: installs the dependencies, builds, fetches MNIST
# into data/mnist, then runs `resnet-mnist train` with the arguments given (default: the
# tutorial's 50 epochs) writing into runs/ unless --out is given.
#   scripts/train.sh                 # 50 epochs
#   scripts/train.sh --epochs 2      # any train options
# runs/ then holds a run, and train refuses to start another there: continue it with
# `scripts/train.sh --resume runs` (up to 50 epochs, or --epochs N), or start again with
# `scripts/train.sh --overwrite`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install_deps.sh"
"$root/scripts/build.sh"
"$root/scripts/fetch_mnist.sh" "$root/data/mnist"
args=("$@")
out_given=0
for a in "${args[@]}"; do case "$a" in --out|--out=*) out_given=1 ;; esac; done
if [ "$out_given" -eq 0 ]; then
  mkdir -p "$root/runs"
  args+=(--out "$root/runs")
fi
has_epochs=0
for a in "$@"; do case "$a" in --epochs|--epochs=*) has_epochs=1 ;; esac; done
[ "$has_epochs" -eq 1 ] || args+=(--epochs 50)
exec "$root/build/resnet-mnist" train --data "$root/data/mnist" "${args[@]}"
