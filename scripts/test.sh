#!/usr/bin/env bash
# Everything the project checks, from a fresh machine: installs the dependencies, fetches
# MNIST, then builds and runs the whole test suite in four builds: with AddressSanitizer and
# UndefinedBehaviorSanitizer, a portable one (no -march=native: the 4-lane fallbacks of the
# kernels), an AVX2 one (the 8-lane kernels; skipped on a CPU without AVX2 and FMA) and a
# Release build with the smoke test on a real MNIST subset. Warnings are errors in all four. Exits non-zero on any failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install_deps.sh"
"$root/scripts/fetch_mnist.sh" "$root/data/mnist"
jobs="$(nproc)"

echo "== sanitizer build (ASan + UBSan): all unit tests"
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRESNET_MNIST_SANITIZE=ON -DRESNET_MNIST_WERROR=ON -DRESNET_MNIST_SMOKE_DATA= >/dev/null
cmake --build "$root/build-sanitize" -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-sanitize" --output-on-failure -j"$jobs"

echo "== portable build (baseline x86-64 vectors): all unit tests"
cmake -S "$root" -B "$root/build-portable" -DCMAKE_BUILD_TYPE=Release -DRESNET_MNIST_NATIVE=OFF \
  -DRESNET_MNIST_WERROR=ON -DRESNET_MNIST_SMOKE_DATA= >/dev/null
cmake --build "$root/build-portable" -j"$jobs"
ctest --test-dir "$root/build-portable" --output-on-failure -j"$jobs"

if grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  echo "== AVX2 build (-march=haswell: the 8-lane kernels): all unit tests"
  cmake -S "$root" -B "$root/build-avx2" -DCMAKE_BUILD_TYPE=Release -DRESNET_MNIST_NATIVE=OFF \
    -DCMAKE_C_FLAGS=-march=haswell -DRESNET_MNIST_WERROR=ON -DRESNET_MNIST_SMOKE_DATA= >/dev/null
  cmake --build "$root/build-avx2" -j"$jobs"
  ctest --test-dir "$root/build-avx2" --output-on-failure -j"$jobs"
fi

echo "== release build: all unit tests and the smoke test on real MNIST"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DRESNET_MNIST_WERROR=ON \
  -DRESNET_MNIST_SMOKE_DATA="$root/data/mnist" >/dev/null
cmake --build "$root/build" -j"$jobs"
ctest --test-dir "$root/build" --output-on-failure -j"$jobs"
