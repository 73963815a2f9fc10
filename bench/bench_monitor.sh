#!/usr/bin/env bash
# Benchmark of `monitor` from rows: weekly windows over 1M and 10M
# synthetic rows (the export, 2024-02 to 2025-12, plus 12 production
# weeks: about 110 windows). Median wall time and peak resident memory of
# REPEAT runs, as a Markdown table. Memory must not grow with the rows:
# the scan keeps a daily tally (days x tiers), never rows.
#
#   bash bench/bench_monitor.sh [ROWS...]     (default: 1000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)

bash scripts/build.sh >/dev/null
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
work=bench/.work
mkdir -p "$work"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

./build/tiergate synth -o "$work/cal-src.csv"
./build/tiergate calibrate --rules registry/tiers/v3.2.json \
  --data "$work/cal-src.csv" -o "$work/cal.json"
echo "| rows | windows | monitor s (median of $REPEAT) | rows/s | peak RSS |"
echo "|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  f="$work/monitor-$n.csv"
  # The export of n rows and 12 production weeks of n/100 leads each.
  [ -f "$f" ] || ./build/tiergate synth --rows "$n" --weeks 12 \
    --weekly-rows $((n / 100)) -o "$f"
  rows=$(( n + 12 * (n / 100) ))
  secs=() ; mem=()
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M" -o "$work/t" ./build/tiergate monitor \
      --rules registry/tiers/v3.2.json --calibration "$work/cal.json" \
      --data "$f" --format json -o "$work/monitor.json" || [ $? -le 1 ]
    read -r s m < "$work/t"; secs+=("$s"); mem+=("$m")
  done
  s=$(printf '%s\n' "${secs[@]}" | median)
  m=$(printf '%s\n' "${mem[@]}" | median)
  windows=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["windows"]))' "$work/monitor.json")
  printf '| %s | %s | %.2f | %.1fM | %.1f MB |\n' "$(printf "%'d" "$rows")" \
    "$windows" "$s" "$(echo "$rows / $s / 1000000" | bc -l)" \
    "$(echo "$m / 1024" | bc -l)"
done
