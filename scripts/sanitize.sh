#!/usr/bin/env bash
# Every test again with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-asan/, Debug): the binary the end-to-end tests run is the
# instrumented one, leaks are reported (detect_leaks=1), and any report
# stops the test that triggered it, which then fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTG_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$(nproc)" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=
ctest --test-dir build-asan --output-on-failure -j "$(nproc)"
