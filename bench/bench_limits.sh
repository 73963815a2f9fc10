#!/usr/bin/env bash
# Cost of hostile rule sets: `preview` on a 60-row export with one tier
# whose condition is a chain of N AND terms, each with its own constant
# (so the tier lookup table would have 2N+2 cells per feature), and with
# 1,000 tiers. Compile time must grow linearly with the condition's size.
# Median wall time of REPEAT runs, as a Markdown table.
#
#   bash bench/bench_limits.sh [N...]     (default: 10000 100000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-3}
BIN=${TIERGATE:-./build/tiergate}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 200000)
[ -n "${TIERGATE:-}" ] || bash scripts/build.sh
work=bench/.work
mkdir -p "$work"
command -v /usr/bin/time >/dev/null || { apt-get install -y -qq time >/dev/null; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

python3 - "$work" "${sizes[@]}" <<'PY'
import json, sys
work, sizes = sys.argv[1], [int(x) for x in sys.argv[2:]]
feats = json.load(open("registry/tiers/v3.2.json"))["features"]
def rules(tiers):
    return {"model_id": "bench", "model_version": "v0",
            "model_type": "rules-based-tiers", "features": feats,
            "tiers": tiers,
            "default_tier": {"name": "STANDARD", "expected_conversion_rate": 0.03,
                             "expected_lift": 1, "priority_rank": 99999}}
for n in sizes:
    cond = " AND ".join("firm_rep_count_at_contact <> %d" % (1000 + k) for k in range(n))
    json.dump(rules([{"name": "T1", "when": cond, "expected_conversion_rate": 0.1,
                      "expected_lift": 2, "priority_rank": 1}]),
              open("%s/and-%d.json" % (work, n), "w"))
json.dump(rules([{"name": "T%04d" % k, "when": "firm_rep_count_at_contact = %d" % (k + 1),
                  "expected_conversion_rate": 0.5 - k * 0.0004, "expected_lift": 1,
                  "priority_rank": k + 1} for k in range(999)]),
          open("%s/tiers-1000.json" % work, "w"))
with open("%s/rows-60.csv" % work, "w") as f:
    f.write("lead_id,current_firm_tenure_months,industry_tenure_months,"
            "firm_net_change_12mo,firm_rep_count_at_contact,num_prior_firms,"
            "is_wirehouse,target,split\n")
    for i in range(60):
        f.write("%d,%d,%d,%d,%d,%d,false,%d,%s\n" % (i, 12 + i % 30, 60 + i,
                -(i % 7), 1 + (i * 37) % 2000, i % 4, i % 5 == 0,
                "TRAIN" if i % 2 else "TEST"))
PY

echo "| rule set | size | preview on 60 rows, s (median of $REPEAT) |"
echo "|---|---:|---:|"
run() {
  local label=$1 rules=$2 ts=()
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e" -o "$work/t" "$BIN" preview --rules "$rules" \
      --data "$work/rows-60.csv" --split ALL --format csv > /dev/null
    ts+=("$(cat "$work/t")")
  done
  printf '| %s | %s | %s |\n' "$label" "$(du -h "$rules" | cut -f1)" \
    "$(printf '%s\n' "${ts[@]}" | median)"
}
for n in "${sizes[@]}"; do
  run "$(echo "$n" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') AND terms" "$work/and-$n.json"
done
run "1,000 tiers" "$work/tiers-1000.json"
