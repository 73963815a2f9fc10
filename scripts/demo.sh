#!/usr/bin/env bash
# The main job on the bundled synthetic data: build, generate the
# synthetic export (48,472 leads) into out/, and show the V3.2 tier
# preview for TRAIN and TEST. Writes nothing tracked by git.
#
# Every line it prints fits 80 columns (COLUMNS=80). tests/terminal checks
# that by running it with TIERGATE (a built binary: no build step) and
# DEMO_OUT (where the outputs go instead of out/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TIERGATE:-}" ]; then
  bash scripts/build.sh
  TIERGATE=./build/tiergate
fi
out=${DEMO_OUT:-out}
mkdir -p "$out"
tg() { "$TIERGATE" "$@"; }
tg synth -o "$out"/synthetic_leads.csv
echo "== check-schema (step 1)"
tg check-schema --rules registry/tiers/v3.2.json \
  --data "$out"/synthetic_leads.csv
echo
echo "== preview (step 2)"
tg preview --rules registry/tiers/v3.2.json \
  --data "$out"/synthetic_leads.csv
echo
echo "== preview per slice: wirehouse advisors vs the rest (TRAIN)"
tg preview --rules registry/tiers/v3.2.json \
  --data "$out"/synthetic_leads.csv --split TRAIN --slice is_wirehouse
echo
echo "== gate (steps 2 and 8a-8d) under registry/gates/v3.2.json"
# Exit 1 means a blocking gate failed: show it, do not abort the demo.
rc=0
tg gate --rules registry/tiers/v3.2.json \
  --policy registry/gates/v3.2.json --data "$out"/synthetic_leads.csv \
  --slice is_wirehouse \
  --json "$out"/gate.json --junit "$out"/junit.xml --markdown "$out"/gate.md \
  || rc=$?
echo "(gate exit code $rc; JSON, JUnit and Markdown in $out/)"
[ "$rc" -le 1 ]
echo
echo "== plan: how reliable is this verdict? (operating characteristics)"
tg plan --rules registry/tiers/v3.2.json \
  --policy registry/gates/v3.2.json --data "$out"/synthetic_leads.csv
echo
echo "== sweep: loosened thresholds, merged tiers; chosen on TRAIN, then TEST"
# Exit 1 means no variant meets the objective or the chosen one fails the
# gate: the output says which and why; do not abort the demo.
rc=0
tg sweep --policy registry/gates/v3.2.json \
  --sweep registry/sweeps/v3.2-loosen.json --data "$out"/synthetic_leads.csv \
  --json "$out"/sweep.json --emit-rules "$out"/sweep_chosen.json || rc=$?
echo "(sweep exit code $rc; JSON in $out/sweep.json,"
echo " the chosen rule set in $out/sweep_chosen.json)"
[ "$rc" -le 1 ]
echo
echo "== compare V3.1 vs V3.2 on the same leads"
tg compare --from registry/tiers/v3.1.json \
  --to registry/tiers/v3.2.json --data "$out"/synthetic_leads.csv
tg compare --from registry/tiers/v3.1.json \
  --to registry/tiers/v3.2.json --data "$out"/synthetic_leads.csv \
  --format json -o "$out"/compare.json
tg report --from "$out"/gate.json --compare "$out"/compare.json \
  --sweep "$out"/sweep.json -o "$out"/report.html
echo
echo "HTML report (open it in a browser): $out/report.html"
echo
echo "== release --dry-run (steps 1-10; writes nothing)"
tg release --rules registry/tiers/v3.2.json \
  --policy registry/gates/v3.2.json --data "$out"/synthetic_leads.csv --dry-run \
  | sed -n '/^dry run/,$p'
echo
echo "== registry show (the dry run above changed nothing)"
tg registry show
echo
echo "== monitor: twelve production weeks after the release"
# The calibration the monitor compares with (the release writes it to
# registry/tier_statistics.json; here it goes to out/).
tg calibrate --rules registry/tiers/v3.2.json \
  --data "$out"/synthetic_leads.csv -o "$out"/tier_statistics.json
# Twelve production weeks at the export's own volume (485 leads a week).
# One drift is injected: from week 7 every advisor's num_prior_firms is
# one higher (as when a feed starts counting the current firm), which
# moves leads into the priority tiers. Nothing else changes.
tg synth --weeks 12 --drift feature:num_prior_firms+1@7 \
  -o "$out"/production.csv
echo "-- V3.1 vs V3.2 on the same production leads (priority tiers, mature leads)"
tg monitor --rules registry/tiers/v3.2.json \
  --calibration "$out"/tier_statistics.json --data "$out"/production.csv \
  --since 2026-01-05 --compare registry/tiers/v3.1.json --by month \
  -o "$out"/monitor-compare.txt || [ $? -le 1 ]
sed -n '/^priority tiers/,/^$/p' "$out"/monitor-compare.txt
tg monitor --rules registry/tiers/v3.2.json \
  --calibration "$out"/tier_statistics.json --data "$out"/production.csv \
  --since 2026-01-05 --compare registry/tiers/v3.1.json --format json \
  -o "$out"/monitor.json || [ $? -le 1 ]
tg report --monitor "$out"/monitor.json -o "$out"/monitor.html
echo "Monitor page (open it in a browser): $out/monitor.html"
echo "-- the 12-week monitor run (exit 1 means a blocking alert)"
rc=0
tg monitor --rules registry/tiers/v3.2.json \
  --calibration "$out"/tier_statistics.json --data "$out"/production.csv \
  --since 2026-01-05 --json "$out"/monitor.json \
  --junit "$out"/monitor-junit.xml \
  || rc=$?
echo "(monitor exit code $rc; JSON and JUnit in $out/)"
[ "$rc" -le 1 ]
