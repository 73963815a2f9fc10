#!/usr/bin/env bash
# Benchmark of the one-pass sweep: `sweep` with 32 variants (the shipped
# registry/sweeps/v3.2-loosen.json, 10 with the base, plus 22 one-constant
# grid values) against one `preview` of the base, on the same synthetic
# file with the same threads, alternating the two. Reports the median
# wall time, the ratio (the target is at most 2.5x), the median CPU time
# (user + system: on a shared machine wall time also measures the other
# tenants) and the peak resident memory as a Markdown table, and checks
# that the sweep's counts of the base equal preview's. The sweep records
# the data's SHA-256 (as `gate` does; preview does not), hashed on a
# thread of its own beside linting, the scan and the ranking: the last
# columns time it with --no-fingerprint, to show what the hash costs.
# The load average before and after is printed (the machine may be
# shared: wall times then also measure the other tenants).
#
#   bash bench/bench_sweep.sh [ROWS...]     (default: 1000000 10000000)
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
vary=(--vary 'TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=3,5,7,15,20,30,40,50,75,100,150'
      --vary 'TIER_4_HEAVY_BLEEDER:firm_net_change_12mo<-5,-15,-20,-30,-50'
      --vary 'TIER_3_EXPERIENCED_MOVER:industry_tenure_months>=180,200,220,260,300'
      --vary 'TIER_2A_PROVEN_MOVER:num_prior_firms>=4')

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| rows | variants | preview s | sweep s | sweep / preview | preview CPU s | sweep CPU s | CPU ratio | preview peak RSS | sweep peak RSS | joined table | sweep s, no fingerprint | ratio | CPU s | CPU ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  f="$work/synth-$n.csv"
  [ -f "$f" ] || ./build/tiergate synth --rows "$n" -o "$f"
  pv=(); pvm=(); pvc=(); sw=(); swm=(); swc=(); nf=(); nfc=()
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" ./build/tiergate preview \
      --rules registry/tiers/v3.2.json --data "$f" --format json \
      --threads "$THREADS" > "$work/preview.json"
    read -r s m u y < "$work/t"; pv+=("$s"); pvm+=("$m")
    pvc+=("$(awk -v u="$u" -v y="$y" 'BEGIN { print u + y }')")
    rc=0
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" ./build/tiergate sweep \
      --policy registry/gates/v3.2.json --sweep registry/sweeps/v3.2-loosen.json \
      "${vary[@]}" --data "$f" --threads "$THREADS" --show-test-all \
      --format json > "$work/sweep.json" || rc=$?
    [ "$rc" -le 1 ] || { echo "sweep failed ($rc)" >&2; exit 1; }
    read -r s m u y < "$work/t"; sw+=("$s"); swm+=("$m")
    swc+=("$(awk -v u="$u" -v y="$y" 'BEGIN { print u + y }')")
    rc=0
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" ./build/tiergate sweep \
      --policy registry/gates/v3.2.json --sweep registry/sweeps/v3.2-loosen.json \
      "${vary[@]}" --data "$f" --threads "$THREADS" --show-test-all \
      --no-fingerprint --format json > /dev/null || rc=$?
    [ "$rc" -le 1 ] || { echo "sweep failed ($rc)" >&2; exit 1; }
    read -r s m u y < "$work/t"; nf+=("$s")
    nfc+=("$(awk -v u="$u" -v y="$y" 'BEGIN { print u + y }')")
  done
  # The base's counts from the sweep equal preview's, split by split.
  node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync(process.argv[1]));
    const s = JSON.parse(fs.readFileSync(process.argv[2]));
    const base = s.variants.find((v) => v.name === "base");
    for (const [i, key] of [[0, "train"], [1, "test"]])
      p.splits[i].tiers.forEach((t, k) => { const o = base[key].tiers[k];
        if (o.tier !== t.tier || o.leads !== t.leads || o.labeled !== t.labeled ||
            o.conversions !== t.conversions) {
          console.error("counts differ: " + key + " " + t.tier); process.exit(1); } });
    if (s.variants_tried !== 32) { console.error(s.variants_tried + " variants"); process.exit(1); }
    console.error("joined table: " + s.scan.joined_table + ", atoms " + s.scan.atoms + ", cells " + s.scan.cells);
    fs.writeFileSync(process.argv[3], String(s.scan.joined_table) + " (" + s.scan.atoms + " atoms)");' \
    "$work/preview.json" "$work/sweep.json" "$work/joined"
  ps=$(printf '%s\n' "${pv[@]}" | median); ss=$(printf '%s\n' "${sw[@]}" | median)
  pc=$(printf '%s\n' "${pvc[@]}" | median); sc=$(printf '%s\n' "${swc[@]}" | median)
  ns=$(printf '%s\n' "${nf[@]}" | median); nc=$(printf '%s\n' "${nfc[@]}" | median)
  pm=$(printf '%s\n' "${pvm[@]}" | sort -g | tail -1); sm=$(printf '%s\n' "${swm[@]}" | sort -g | tail -1)
  awk -v n="$n" -v ps="$ps" -v ss="$ss" -v pc="$pc" -v sc="$sc" -v pm="$pm" -v sm="$sm" \
    -v j="$(cat "$work/joined")" -v ns="$ns" -v nc="$nc" \
    'BEGIN { printf "| %\047d | 32 | %.2f | %.2f | %.2fx | %.2f | %.2f | %.2fx | %.1f MB | %.1f MB | %s | %.2f | %.2fx | %.2f | %.2fx |\n",
             n, ps, ss, ss / ps, pc, sc, sc / pc, pm / 1024, sm / 1024, j, ns, ns / ps, nc, nc / pc }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
