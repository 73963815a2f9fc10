#!/usr/bin/env bash
# Benchmark of the scan, the hot path of tiergate: `preview` on 1M and
# 10M synthetic rows against DuckDB (npm @duckdb/node-api, installed here
# into bench/.work/) running the same CASE + GROUP BY on the same file
# with the same number of threads. Each run is repeated; the median wall
# time and the peak resident memory are reported as a Markdown table,
# and the two engines' counts are compared (the run fails if they differ).
#
#   bash bench/bench_preview.sh [ROWS...]     (default: 1000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-5}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)

bash scripts/build.sh
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
work=bench/.work
mkdir -p "$work"
if [ ! -d "$work/node_modules/@duckdb/node-api" ]; then
  echo '{"name": "tiergate-bench", "private": true}' > "$work/package.json"
  (cd "$work" && npm install --silent @duckdb/node-api >/dev/null)
fi
cp bench/duckdb_tiers.mjs "$work/"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| rows | tiergate s (median of $REPEAT) | rows/s | peak RSS | DuckDB s | DuckDB peak RSS | DuckDB / tiergate |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  f="$work/synth-$n.csv"
  [ -f "$f" ] || ./build/tiergate synth --rows "$n" -o "$f"
  ours=() ; oursmem=() ; duck=() ; duckmem=()
  for i in $(seq "$REPEAT"); do
    # Alternate the engines so that both see the same machine load.
    /usr/bin/time -f "%e %M" -o "$work/t" ./build/tiergate preview \
      --rules registry/tiers/v3.2.json --data "$f" --split ALL --format csv \
      --threads "$THREADS" > "$work/ours.csv"
    read -r s m < "$work/t"; ours+=("$s"); oursmem+=("$m")
    /usr/bin/time -f "%e %M" -o "$work/t" node "$work/duckdb_tiers.mjs" "$f" \
      "$THREADS" > "$work/duck.json"
    read -r _ m < "$work/t"; duckmem+=("$m")
    duck+=("$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).seconds)' "$work/duck.json")")
  done
  # Same counts from both engines, per tier over all splits.
  node -e '
    const fs = require("fs");
    const duck = JSON.parse(fs.readFileSync(process.argv[1])).cells;
    const ours = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").slice(1)
      .map((l) => l.split(","));
    const sum = {};
    for (const c of duck) { const k = c.tier; sum[k] = sum[k] || [0, 0, 0];
      sum[k][0] += c.leads; sum[k][1] += c.labeled; sum[k][2] += c.conversions; }
    for (const r of ours) { const s = sum[r[1]] || [0, 0, 0];
      if (s[0] != +r[2] || s[1] != +r[3] || s[2] != +r[4]) {
        console.error("counts differ for " + r[1] + ": duckdb " + s + " tiergate " + r.slice(2, 5));
        process.exit(1); } }' "$work/duck.json" "$work/ours.csv"
  ts=$(printf '%s\n' "${ours[@]}" | median)
  tm=$(printf '%s\n' "${oursmem[@]}" | sort -g | tail -1)
  ds=$(printf '%s\n' "${duck[@]}" | median)
  dm=$(printf '%s\n' "${duckmem[@]}" | sort -g | tail -1)
  awk -v n="$n" -v ts="$ts" -v tm="$tm" -v ds="$ds" -v dm="$dm" 'BEGIN {
    printf "| %d | %.2f | %.1fM | %.1f MB | %.2f | %.0f MB | %.1fx |\n",
      n, ts, n / ts / 1e6, tm / 1024, ds, dm / 1024, ds / ts }'
done
