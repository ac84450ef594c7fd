#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a passing test suite. Exits non-zero on any failure.
#  1. the product build (g++, -Werror) and every unit and integration test;
#  2. the codec build (clang, ASan+UBSan) with the codec tests again and each fuzzer for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/deps.sh
jobs=$(nproc)

ops/build.sh -DHERALD_WERROR=ON
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 600

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHERALD_CODECS_ONLY=ON -DHERALD_SANITIZE=ON -DHERALD_FUZZ=ON -DHERALD_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs"
ctest --test-dir build-fuzz --output-on-failure -j"$jobs" --timeout 900
