#!/usr/bin/env bash
# How often does a policy block synthetic exports of the V3.2 size, whose
# tiers carry the intended signal? Generates seeds 1..N (default 20) and
# counts overall statuses and the blocking gates not passed. POLICY
# (default registry/gates/v3.2.json, judged on intervals) can name
# another, e.g. registry/gates/v3.2-brief.json (point estimates).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
POLICY=${POLICY:-registry/gates/v3.2.json}
bash scripts/build.sh
work=bench/.work
mkdir -p "$work"
: > "$work/fails.txt"
declare -A status
for seed in $(seq "$N"); do
  ./build/tiergate synth --seed "$seed" -o "$work/seed.csv"
  ./build/tiergate gate --rules registry/tiers/v3.2.json \
    --policy "$POLICY" --data "$work/seed.csv" --draws 1000 \
    --json "$work/seed.json" >/dev/null || true
  s=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).status)' "$work/seed.json")
  status[$s]=$(( ${status[$s]:-0} + 1 ))
  node -e 'for (const g of JSON.parse(require("fs").readFileSync(process.argv[1])).gates)
             if (g.blocks)
               console.log(g.id + " " + g.tier)' "$work/seed.json" >> "$work/fails.txt"
done
echo "seeds 1..$N under $POLICY:"
for s in "${!status[@]}"; do echo "  $s: ${status[$s]}"; done
echo "blocking gates not passed (gate tier: seeds):"
sort "$work/fails.txt" | uniq -c | sort -rn | awk '{printf "  %s %s: %d\n", $2, $3, $1}'
