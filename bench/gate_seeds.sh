#!/usr/bin/env bash
# How often does the V3.2 policy pass on synthetic exports of the
# brief's size? Generates seeds 1..N (default 20) and counts overall
# statuses and the gates that fail. The gates judge point estimates of
# tiers of a few hundred leads, so sampling noise alone fails some.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
bash scripts/build.sh
work=bench/.work
mkdir -p "$work"
: > "$work/fails.txt"
declare -A status
for seed in $(seq "$N"); do
  ./build/tiergate synth --seed "$seed" -o "$work/seed.csv"
  ./build/tiergate gate --rules registry/tiers/v3.2.json \
    --policy registry/gates/v3.2.json --data "$work/seed.csv" \
    --json "$work/seed.json" >/dev/null || true
  s=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).status)' "$work/seed.json")
  status[$s]=$(( ${status[$s]:-0} + 1 ))
  node -e 'for (const g of JSON.parse(require("fs").readFileSync(process.argv[1])).gates)
             if (g.status === "fail" || (g.status === "insufficient" && g.severity === "block"))
               console.log(g.id + " " + g.tier)' "$work/seed.json" >> "$work/fails.txt"
done
echo "seeds 1..$N:"
for s in "${!status[@]}"; do echo "  $s: ${status[$s]}"; done
echo "blocking gates not passed (gate tier: seeds):"
sort "$work/fails.txt" | uniq -c | sort -rn | awk '{printf "  %s %s: %d\n", $2, $3, $1}'
