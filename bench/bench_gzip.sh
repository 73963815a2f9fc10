#!/usr/bin/env bash
# Benchmark of gzip exports, as BigQuery writes them (sharded *.csv.gz):
# `preview` over 10 gzip shards with ISA-L and every core, against
#   - the same scan with zlib on one thread (how tiergate read shards
#     before: one file after the other, zlib's inflate),
#   - decompressing the same shards with `igzip -dc` on 2 processes (the
#     floor: no parse at all),
#   - DuckDB (2 threads) running the same CASE + GROUP BY on the shards.
# Alternating runs, median wall time and peak RSS, as a Markdown table;
# the tallies of the two tiergate builds must be identical.
#
#   bash bench/bench_gzip.sh [TOTAL_ROWS]      (default 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-10000000}
REPEAT=${REPEAT:-5}
bash scripts/build.sh
cmake -S . -B build-zlib -DCMAKE_BUILD_TYPE=Release -DTG_WITH_ISAL=OFF \
  -DTG_TESTS=OFF >/dev/null
cmake --build build-zlib -j "$(nproc)" --target tiergate >/dev/null
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
command -v igzip >/dev/null || apt-get install -y -qq isal >/dev/null
work=bench/.work
mkdir -p "$work/shards-$ROWS"
if [ ! -d "$work/node_modules/@duckdb/node-api" ]; then
  echo '{"name": "tiergate-bench", "private": true}' > "$work/package.json"
  (cd "$work" && npm install --silent @duckdb/node-api >/dev/null)
fi
cp bench/duckdb_tiers.mjs "$work/"
data=()
for i in $(seq 0 9); do
  f="$work/shards-$ROWS/leads-$i.csv.gz"
  [ -f "$f" ] || ./build/tiergate synth --rows $((ROWS / 10)) --seed $((i + 1)) -o "$f"
  data+=(--data "$f")
done
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # label, command...: appends "seconds kB" to $work/$label
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > "$work/$label.out"
  cat "$work/t" >> "$work/$label.times"
}
rm -f "$work"/*.times
for r in $(seq "$REPEAT"); do
  run isal ./build/tiergate preview --rules registry/tiers/v3.2.json "${data[@]}" --threads 2 --format json
  run zlib1 ./build-zlib/tiergate preview --rules registry/tiers/v3.2.json "${data[@]}" --threads 1 --format json
  run igzip sh -c "ls $work/shards-$ROWS/*.csv.gz | xargs -P2 -n5 igzip -dc > /dev/null"
  run duckdb node "$work/duckdb_tiers.mjs" "$work/shards-$ROWS/leads-*.csv.gz" 2
done
cmp -s "$work/isal.out" "$work/zlib1.out" || { echo "bench: the two builds disagree" >&2; exit 1; }
stat() { awk '{print $1}' "$work/$1.times" | median; }
mem() { awk '{print $2}' "$work/$1.times" | sort -g | tail -1; }
duck=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).seconds)' "$work/duckdb.out")
echo "10 gzip shards, $ROWS rows, median of $REPEAT alternating runs"
echo
echo "| run | wall s | peak RSS | vs tiergate (ISA-L, 2 threads) |"
echo "|---|---:|---:|---:|"
ours=$(stat isal)
for l in isal zlib1 igzip duckdb; do
  case $l in
    isal) name="tiergate, ISA-L, 2 threads" ;;
    zlib1) name="tiergate, zlib, 1 thread (before)" ;;
    igzip) name="igzip -dc, 2 processes (decompression only)" ;;
    duckdb) name="DuckDB, 2 threads (process)" ;;
  esac
  s=$(stat $l)
  awk -v n="$name" -v s="$s" -v m="$(mem $l)" -v o="$ours" 'BEGIN {
    printf "| %s | %.2f | %.1f MB | %.2fx |\n", n, s, m / 1024, s / o }'
done
echo
echo "DuckDB's own query time (last run): $duck s"
