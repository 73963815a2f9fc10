#!/usr/bin/env bash
# Build and run every test (cmocka unit tests and end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
