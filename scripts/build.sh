#!/usr/bin/env bash
# Configures and builds resnet-mnist (Release, tuned for this CPU) into build/.
# Extra arguments go to cmake's configure step, e.g. -DRESNET_MNIST_NATIVE=OFF.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$root/build" -j"$(nproc)"
