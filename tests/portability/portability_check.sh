#!/usr/bin/env bash
# Portability: tiergate builds with clang as well as gcc, -std=c11
# -pedantic -Werror, and with every C library extension turned off
# (TG_PORTABLE_ONLY: the glibc-only fopencookie gives way to a portable
# path). The portable binary must write the same synthetic export, once
# decompressed, as the normal one.
#   tests/portability/portability_check.sh SOURCE_DIR NORMAL_BINARY
set -euo pipefail
src=$1 normal=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v clang >/dev/null || { echo "FAIL clang is not installed"; exit 1; }
CC=clang cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DTG_PORTABLE_ONLY=ON -DTG_TESTS=OFF >/dev/null
cmake --build "$work/build" -j 2 --target tiergate >/dev/null
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass+1)); else echo "FAIL $1"; fail=$((fail+1)); fi; }
"$work/build/tiergate" synth --rows 3000 --seed 7 -o "$work/p.csv.gz"
"$normal" synth --rows 3000 --seed 7 -o "$work/n.csv.gz"
check "the portable build calls no fopencookie" '! nm -D --undefined-only "$work/build/tiergate" | grep fopencookie >/dev/null'
check "the normal build does (the check can fail)" 'nm -D --undefined-only "$normal" | grep fopencookie >/dev/null'
check "portable gzip synth is gzip" '[ "$(head -c2 "$work/p.csv.gz" | od -An -tx1 | tr -d " ")" = 1f8b ]'
check "same rows as the glibc path" 'cmp -s <(gzip -dc "$work/p.csv.gz") <(gzip -dc "$work/n.csv.gz")'
check "clang binary previews" '"$work/build/tiergate" preview --rules "$src/registry/tiers/v3.2.json" --data "$work/p.csv.gz" --format json > "$work/p.json"'
check "same preview as the gcc binary" '"$normal" preview --rules "$src/registry/tiers/v3.2.json" --data "$work/p.csv.gz" --format json | cmp -s - "$work/p.json"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
