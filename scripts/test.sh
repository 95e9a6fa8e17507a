#!/usr/bin/env bash
# Everything the project checks, from a fresh machine: installs the dependencies, fetches
# MNIST, then builds and runs the whole test suite in two builds, both portable (the kernels
# compiled for AVX-512, AVX2+FMA and baseline x86-64 in one binary, include/resnet_mnist/ops/isa.h):
# with AddressSanitizer and UndefinedBehaviorSanitizer, and a Release build with the smoke test on
# a real MNIST subset. In both, the ops and engine tests run once on each path this CPU has
# (module.case on the widest, module.case@avx2 and module.case@baseline; a path the CPU lacks is
# reported as skipped). Warnings are errors in both. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install_deps.sh"
"$root/scripts/fetch_mnist.sh" "$root/data/mnist"
jobs="$(nproc)"

echo "== sanitizer build (ASan + UBSan): all unit tests, every kernel path"
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRESNET_MNIST_NATIVE=OFF \
  -DRESNET_MNIST_SANITIZE=ON -DRESNET_MNIST_WERROR=ON -DRESNET_MNIST_SMOKE_DATA= >/dev/null
cmake --build "$root/build-sanitize" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-sanitize" --output-on-failure -j"$jobs"

echo "== release build: all unit tests, every kernel path, and the smoke test on real MNIST"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DRESNET_MNIST_NATIVE=OFF \
  -DRESNET_MNIST_WERROR=ON -DRESNET_MNIST_SMOKE_DATA="$root/data/mnist" >/dev/null
cmake --build "$root/build" -j"$jobs"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"
