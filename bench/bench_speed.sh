#!/usr/bin/env bash
# The speed benchmark: every scenario against DuckDB and the plain tools
# on the same files, in one run, as a Markdown table.
#
#   plain CSV, ROWS_SMALL and ROWS_LARGE rows: `preview` vs DuckDB running
#     the same CASE + GROUP BY with the same threads, and vs `wc -l`;
#   gzip, one file of ROWS_SMALL rows: `preview` vs DuckDB, and vs
#     `igzip -dc | wc -l`;
#   SHARDS gzip shards, ROWS_LARGE rows in all: `preview` (ISA-L, THREADS
#     threads) vs the same scan built with zlib only on 1 thread (how
#     shards were read before: one file after the other, zlib's inflate),
#     vs `igzip -dc` on THREADS processes (decompression alone, the floor),
#     and vs DuckDB;
#   `score`, ROWS_SMALL rows, the scores view with a pinned --scored-at, vs
#     DuckDB's `COPY (query) TO 'out.csv'` of the scoring SQL that
#     `tiergate sql --dialect duckdb` generates (bench/duckdb_score_copy.mjs);
#   `sweep`, 32 variants over ROWS_LARGE rows, vs `preview` of its base.
#
# Within a scenario the engines alternate, one run each per repetition
# (the first engine moves on by one every repetition), so that they all
# see the same machine load; the table gives the median wall time of
# REPEAT runs and the largest peak resident memory (`/usr/bin/time`) of
# any run. DuckDB's time is its statement's own wall time, measured inside
# its process (starting node and loading the library are left out); its
# memory is the whole process's. The CPU time that other processes used
# during the timed runs is read from /proc/stat, to say how shared the
# machine was. Correctness is checked after each scenario
# (bench/speed_check.mjs): the engines' counts (and, for `score`, the rows
# written) must be equal, or the run fails: a fast wrong answer is not a
# result.
#
#   bash bench/bench_speed.sh [--update-readme] [-o FILE]
#     -o FILE          write the tables and every run's figures to FILE
#                      (default bench/results.md); stdout gets the tables
#     --update-readme  also replace README.md's block between
#                      <!-- bench_speed:begin --> and <!-- bench_speed:end -->
#                      (every scenario must run: the block is the whole table)
#   environment: ROWS_SMALL (1000000), ROWS_LARGE (10000000), REPEAT (5),
#     THREADS (2), SHARDS (10), SCENARIOS ("plain gzip shards score sweep").
#     A quick run: ROWS_SMALL=100000 ROWS_LARGE=300000 REPEAT=1.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

out=bench/results.md
update_readme=0
while [ $# -gt 0 ]; do
  case $1 in
    --update-readme) update_readme=1 ;;
    -o) [ $# -ge 2 ] || { echo "bench_speed: -o needs a file" >&2; exit 2; }
        out=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_speed: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROWS_SMALL=${ROWS_SMALL:-1000000}
ROWS_LARGE=${ROWS_LARGE:-10000000}
REPEAT=${REPEAT:-5}
THREADS=${THREADS:-2}
SHARDS=${SHARDS:-10}
SCENARIOS=${SCENARIOS:-plain gzip shards score sweep}
for v in ROWS_SMALL ROWS_LARGE REPEAT THREADS SHARDS; do
  [[ ${!v} =~ ^[1-9][0-9]{0,9}$ ]] || { echo "bench_speed: $v must be a positive integer" >&2; exit 2; }
done
for s in $SCENARIOS; do
  case $s in plain|gzip|shards|score|sweep) ;;
    *) echo "bench_speed: unknown scenario '$s' in SCENARIOS" >&2; exit 2 ;;
  esac
done
wants() { [[ " $SCENARIOS " == *" $1 "* ]]; }
if [ "$update_readme" = 1 ] && ! { wants plain && wants gzip && wants shards && wants score && wants sweep; }; then
  echo "bench_speed: --update-readme replaces the whole table: run every scenario" >&2
  exit 2
fi

RULES=registry/tiers/v3.2.json
SCORED_AT=2025-12-22T00:00:00Z
DUCKDB_VERSION=1.5.6-r.1 # the version tests/node pins
work=bench/.work
res=$work/speed
TG=./build/tiergate
TG_ZLIB=./build-zlib/tiergate

# ---- tools, builds and data -------------------------------------------
bash scripts/build.sh
if wants shards; then
  # The "before" binary: the same code with zlib as its only inflater.
  cmake -S . -B build-zlib -DCMAKE_BUILD_TYPE=Release -DTG_WITH_ISAL=OFF \
    -DTG_TESTS=OFF >/dev/null
  cmake --build build-zlib -j "$(nproc)" --target tiergate >/dev/null
  "$TG_ZLIB" --version | grep -q 'inflater: zlib' \
    || { echo "bench_speed: build-zlib does not inflate with zlib" >&2; exit 1; }
fi
"$TG" --version | grep -q 'inflater: ISA-L' \
  || { echo "bench_speed: build/tiergate is not built with ISA-L" >&2; exit 1; }
for tool in /usr/bin/time igzip node; do
  command -v "$tool" >/dev/null || { echo "bench_speed: $tool is missing (bash scripts/deps.sh)" >&2; exit 1; }
done
mkdir -p "$work"
rm -rf "$res"
mkdir -p "$res"
if [ "$(node -p 'try { require("./'"$work"'/node_modules/@duckdb/node-api/package.json").version } catch (e) { "" }')" \
     != "$DUCKDB_VERSION" ]; then
  [ -f "$work/package.json" ] || echo '{"name": "tiergate-bench", "private": true}' > "$work/package.json"
  (cd "$work" && npm install --silent --no-save "@duckdb/node-api@$DUCKDB_VERSION" >/dev/null)
fi
cp bench/duckdb_tiers.mjs bench/duckdb_score_copy.mjs bench/duckdb_sweep.mjs bench/speed_check.mjs "$work/"

synth() { # ROWS SEED FILE: the synthetic export, made once (same rows and seed, same bytes)
  [ -s "$3" ] || "$TG" synth --rows "$1" --seed "$2" -o "$3"
}
small=$work/synth-$ROWS_SMALL.csv
large=$work/synth-$ROWS_LARGE.csv
small_gz=$work/synth-$ROWS_SMALL.csv.gz
shard_dir=$work/shards-${SHARDS}x$((ROWS_LARGE / SHARDS))
shards=()
if wants plain || wants score; then synth "$ROWS_SMALL" 5 "$small"; fi
if wants plain || wants sweep; then synth "$ROWS_LARGE" 5 "$large"; fi
if wants gzip; then synth "$ROWS_SMALL" 5 "$small_gz"; fi
if wants shards; then
  mkdir -p "$shard_dir"
  for ((i = 0; i < SHARDS; i++)); do
    shards+=("$shard_dir/leads-$i.csv.gz")
    synth $((ROWS_LARGE / SHARDS)) $((i + 1)) "$shard_dir/leads-$i.csv.gz"
  done
fi

# ---- measuring -----------------------------------------------------------
cpu_busy() { # jiffies every CPU spent busy (idle and iowait left out), all processes
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
HZ=$(getconf CLK_TCK)
measure() { # KEY MAXRC CMD...: one timed run; appends to $res/KEY.runs:
  # "seconds peak_kB process_seconds others_cpu_seconds own_cpu_seconds"
  local key=$1 maxrc=$2 rc=0 b0 b1 t0 t1 rss user sys secs
  shift 2
  b0=$(cpu_busy)
  t0=$EPOCHREALTIME
  /usr/bin/time -f '%M %U %S' -o "$res/rusage" "$@" > "$res/$key.out" 2> "$res/$key.err" || rc=$?
  t1=$EPOCHREALTIME
  b1=$(cpu_busy)
  if [ "$rc" -gt "$maxrc" ]; then
    echo "bench_speed: $key failed (exit $rc): $*" >&2
    cat "$res/$key.err" >&2
    exit 1
  fi
  read -r rss user sys < <(tail -n 1 "$res/rusage")
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
  if [[ $key == *duckdb ]]; then # the statement's own time, printed by the .mjs
    secs=$(sed -n 's/.*"seconds":\([0-9.eE+-]*\).*/\1/p' "$res/$key.out")
    [ -n "$secs" ] || { echo "bench_speed: $key printed no time" >&2; exit 1; }
  fi
  awk -v s="$secs" -v m="$rss" -v a="$t0" -v b="$t1" -v u="$user" -v y="$sys" \
      -v c="$((b1 - b0))" -v hz="$HZ" 'BEGIN {
    o = c / hz - u - y; if (o < 0) o = 0
    printf "%.4f %d %.4f %.2f %.2f\n", s, m, b - a, o, u + y }' >> "$res/$key.runs"
}
alternate() { # FN...: REPEAT repetitions, every FN once in each, the first
  # one moving on by one each repetition (no engine always runs first)
  local fns=("$@") n=$# r i
  for ((r = 0; r < REPEAT; r++)); do
    for ((i = 0; i < n; i++)); do "${fns[(r + i) % n]}"; done
  done
}
median() { # KEY [COLUMN]: median over the runs
  awk -v c="${2:-1}" '{ print $c }' "$res/$1.runs" | sort -g |
    awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
peak() { awk '{ print $2 }' "$res/$1.runs" | sort -g | tail -n 1; } # KEY: largest peak RSS, kB
fmt_s() { awk -v s="$1" 'BEGIN { printf (s < 1 ? "%.3f" : "%.2f"), s }'; }
fmt_mb() { awk -v k="$1" 'BEGIN { printf (k < 102400 ? "%.1f MB" : "%.0f MB"), k / 1024 }'; }
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
commas() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); r = ""
  while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
  print s r }'; }
size_of() { du -cb "$@" | awk 'END { printf ($1 < 1e9 ? "%.0f MB" : "%.2f GB"), ($1 < 1e9 ? $1 / 1e6 : $1 / 1e9) }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }

table=$res/table.md
notes=$res/notes.md
: > "$table"
: > "$notes"
row() { # SCENARIO RUN KEY VERSUS VERSUS_KEY: one line of the table
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt_s "$(median "$3")")" \
    "$(fmt_mb "$(peak "$3")")" "$4" "$(fmt_s "$(median "$5")")" "$(fmt_mb "$(peak "$5")")" \
    "$(ratio "$3" "$5")" >> "$table"
}
others() { # LABEL KEY...: the other processes' share of the cores while KEYs ran
  local label=$1 files=() k
  shift
  for k in "$@"; do files+=("$res/$k.runs"); done
  awk -v l="$label" -v n="$(nproc)" '{ w += $3; o += $4 }
    END { printf "%s: %.0f%%\n", l, (w > 0) ? 100 * o / (w * n) : 0 }' "${files[@]}" >> "$res/others"
}
check() { # LABEL MODE ARGS...: bench/speed_check.mjs; its summary goes to the notes
  local label=$1 said
  shift
  said=$(node "$work/speed_check.mjs" "$@") || { echo "bench_speed: $label: check failed, the run is void" >&2; exit 1; }
  echo "bench_speed: $label: $said" >&2
  echo "- $label: $said" >> "$notes"
}
lines_of() { awk '{ print $1 }' "$res/$1.out"; } # KEY: the count `wc -l` printed

echo "bench_speed: load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" >&2
load_start=$(load1)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
commit=$(git rev-parse --short HEAD)
dirty= # the code measured: uncommitted changes outside README.md are said
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!README.md')" ]; then
  dirty=' (with uncommitted changes)'
fi
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')

# ---- the scenarios -----------------------------------------------------------
if wants plain; then
  for N in "$ROWS_SMALL" "$ROWS_LARGE"; do
    F=$work/synth-$N.csv
    echo "bench_speed: plain CSV, $N rows" >&2
    cat "$F" > /dev/null # into the page cache before the first timed run
    p_tg() { measure "plain$N-tiergate" 0 "$TG" preview --rules "$RULES" --data "$F" \
               --split ALL --format csv --threads "$THREADS"; }
    p_duck() { measure "plain$N-duckdb" 0 node "$work/duckdb_tiers.mjs" "$F" "$THREADS"; }
    p_wc() { measure "plain$N-wc" 0 wc -l "$F"; }
    alternate p_tg p_duck p_wc
    check "plain CSV, $(commas "$N") rows, preview = DuckDB = \`wc -l\`" tiers "$res/plain$N-duckdb.out" "$res/plain$N-tiergate.out" $(($(lines_of "plain$N-wc") - 1))
    scen="plain CSV, $(commas "$N") rows ($(size_of "$F"))"
    row "$scen" "preview, $THREADS threads" "plain$N-tiergate" "DuckDB, $THREADS threads" "plain$N-duckdb"
    row "$scen" "preview, $THREADS threads" "plain$N-tiergate" "\`wc -l\`" "plain$N-wc"
    others "plain CSV $(commas "$N")" "plain$N-tiergate" "plain$N-duckdb" "plain$N-wc"
  done
fi

if wants gzip; then
  echo "bench_speed: gzip, one file of $ROWS_SMALL rows" >&2
  cat "$small_gz" > /dev/null
  g_tg() { measure gzip-tiergate 0 "$TG" preview --rules "$RULES" --data "$small_gz" \
             --split ALL --format csv --threads "$THREADS"; }
  g_duck() { measure gzip-duckdb 0 node "$work/duckdb_tiers.mjs" "$small_gz" "$THREADS"; }
  # shellcheck disable=SC2016 # $1 is expanded by that shell
  g_igzip() { measure gzip-igzip 0 sh -c 'igzip -dc "$1" | wc -l' sh "$small_gz"; }
  alternate g_tg g_duck g_igzip
  check "gzip file, preview = DuckDB = \`igzip -dc | wc -l\`" tiers "$res/gzip-duckdb.out" "$res/gzip-tiergate.out" $(($(lines_of gzip-igzip) - 1))
  scen="gzip, one file, $(commas "$ROWS_SMALL") rows ($(size_of "$small_gz"))"
  row "$scen" "preview, $THREADS threads" gzip-tiergate "DuckDB, $THREADS threads" gzip-duckdb
  row "$scen" "preview, $THREADS threads" gzip-tiergate "\`igzip -dc | wc -l\`" gzip-igzip
  others "gzip file" gzip-tiergate gzip-duckdb gzip-igzip
fi

if wants shards; then
  echo "bench_speed: $SHARDS gzip shards, $ROWS_LARGE rows" >&2
  cat "${shards[@]}" > /dev/null
  data=()
  for f in "${shards[@]}"; do data+=(--data "$f"); done
  s_tg() { measure shards-tiergate 0 "$TG" preview --rules "$RULES" "${data[@]}" \
             --split ALL --format csv --threads "$THREADS"; }
  s_before() { measure shards-before 0 "$TG_ZLIB" preview --rules "$RULES" "${data[@]}" \
                 --split ALL --format csv --threads 1; }
  # shellcheck disable=SC2016 # $0 and $@ are expanded by that shell
  s_igzip() { measure shards-igzip 0 sh -c 'printf "%s\n" "$@" | xargs -P "$0" -n 1 igzip -dc > /dev/null' \
                "$THREADS" "${shards[@]}"; }
  s_duck() { measure shards-duckdb 0 node "$work/duckdb_tiers.mjs" "$shard_dir/leads-*.csv.gz" "$THREADS"; }
  alternate s_tg s_before s_igzip s_duck
  cmp -s "$res/shards-tiergate.out" "$res/shards-before.out" \
    || { echo "bench_speed: the ISA-L and the zlib builds count differently" >&2; exit 1; }
  shard_rows=$(( $(igzip -dc "${shards[@]}" | wc -l) - SHARDS ))
  check "gzip shards, preview = DuckDB = \`igzip -dc | wc -l\`" tiers "$res/shards-duckdb.out" "$res/shards-tiergate.out" "$shard_rows"
  echo "- gzip shards, the ISA-L build on $THREADS threads and the zlib build on 1 thread: identical output" >> "$notes"
  scen="$SHARDS gzip shards, $(commas "$ROWS_LARGE") rows ($(size_of "${shards[@]}"))"
  run="preview, ISA-L, $THREADS threads"
  row "$scen" "$run" shards-tiergate "tiergate before: zlib, 1 thread" shards-before
  row "$scen" "$run" shards-tiergate "\`igzip -dc\`, $THREADS processes" shards-igzip
  row "$scen" "$run" shards-tiergate "DuckDB, $THREADS threads" shards-duckdb
  others "gzip shards" shards-tiergate shards-before shards-igzip shards-duckdb
fi

if wants score; then
  echo "bench_speed: score, $ROWS_SMALL rows" >&2
  cat "$small" > /dev/null
  "$TG" sql --rules "$RULES" --dialect duckdb --emit scoring > "$res/scoring.sql"
  c_tg() { measure score-tiergate 0 "$TG" score --rules "$RULES" --data "$small" \
             --scored-at "$SCORED_AT" -o "$work/score-tiergate.csv"; }
  c_duck() { measure score-duckdb 0 node "$work/duckdb_score_copy.mjs" "$small" "$THREADS" \
               "$res/scoring.sql" "$work/score-duckdb.csv" "$SCORED_AT"; }
  alternate c_tg c_duck
  check "score = DuckDB COPY" score "$work/score-tiergate.csv" "$work/score-duckdb.csv"
  scen="\`score\`, $(commas "$ROWS_SMALL") rows to CSV ($(size_of "$work/score-tiergate.csv"))"
  row "$scen" "score (scores view)" score-tiergate "DuckDB \`COPY (scoring SQL) TO\`, $THREADS threads" score-duckdb
  others "score" score-tiergate score-duckdb
  rm -f "$work/score-tiergate.csv" "$work/score-duckdb.csv"
fi

if wants sweep; then
  echo "bench_speed: sweep, 32 variants, $ROWS_LARGE rows" >&2
  cat "$large" > /dev/null
  # The shipped sweep's 10 variants (its base included) and 22 one-constant
  # grid values (what `--vary 'TIER_1B_SMALL_FIRM:firm_rep_count_at_contact<=3,5,...'`
  # gives), written as one sweep file so that DuckDB runs the same 32
  # variants through `tiergate sql --emit sweep`.
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs");
    const [shipped, base, out] = process.argv.slice(1);
    const s = JSON.parse(fs.readFileSync(shipped, "utf8"));
    s.sweep_id = "bench-32"; s.base = base;
    const grid = [
      ["TIER_1B_SMALL_FIRM", "firm_rep_count_at_contact <=", [3, 5, 7, 15, 20, 30, 40, 50, 75, 100, 150]],
      ["TIER_4_HEAVY_BLEEDER", "firm_net_change_12mo <", [-5, -15, -20, -30, -50]],
      ["TIER_3_EXPERIENCED_MOVER", "industry_tenure_months >=", [180, 200, 220, 260, 300]],
      ["TIER_2A_PROVEN_MOVER", "num_prior_firms >=", [4]]];
    for (const [tier, at, values] of grid)
      for (const value of values)
        s.variants.push({ name: `${tier.split("_").slice(0, 2).join("_")}:${at.replace(" ", "")}${value}`,
                          edits: [{ op: "set", tier, at, value }] });
    fs.writeFileSync(out, JSON.stringify(s, null, 1));' \
    registry/sweeps/v3.2-loosen.json "$PWD/$RULES" "$res/sweep32.json"
  "$TG" sql --emit sweep --sweep "$res/sweep32.json" --dialect duckdb > "$res/sweep32.sql"
  w_sweep() { measure sweep-tiergate 1 "$TG" sweep --policy registry/gates/v3.2.json \
                --sweep "$res/sweep32.json" --data "$large" \
                --threads "$THREADS" --show-test-all --format json; }
  w_preview() { measure sweep-preview 0 "$TG" preview --rules "$RULES" --data "$large" \
                  --threads "$THREADS" --format json; }
  w_duck() { measure sweep-duckdb 0 node "$work/duckdb_sweep.mjs" "$large" "$THREADS" "$res/sweep32.sql"; }
  alternate w_sweep w_preview w_duck
  check "sweep = preview = DuckDB" sweep "$res/sweep-preview.out" "$res/sweep-tiergate.out" 32 "$res/sweep-duckdb.out"
  scen="\`sweep\`, 32 variants, $(commas "$ROWS_LARGE") rows"
  row "$scen" "sweep, $THREADS threads" sweep-tiergate "preview of the base, $THREADS threads" sweep-preview
  row "$scen" "sweep, $THREADS threads" sweep-tiergate "DuckDB, the same 32 variants (\`sql --emit sweep\`), $THREADS threads" sweep-duckdb
  others "sweep" sweep-tiergate sweep-preview sweep-duckdb
fi

# ---- targets -------------------------------------------------------------
# A ratio target counts as met only when both the ratio of the medians and
# that of the fastest runs are within it: on a shared machine the load
# falls unevenly on short and long runs, and either figure alone can
# flatter (a loaded `igzip -dc` makes tiergate look close to it).
targets=$res/targets.md
: > "$targets"
best() { awk '{ print $1 }' "$res/$1.runs" | sort -g | head -n 1; } # KEY: fastest run
target() { # TEXT KEY VERSUS_KEY LIMIT [x]
  awk -v t="$1" -v m="$(ratio "$2" "$3")" -v a="$(best "$2")" -v b="$(best "$3")" -v l="$4" -v u="${5:-}" 'BEGIN {
    f = a / b
    printf "| %s | %s%s | %.2f%s | %s |\n", t, m, u, f, u, (m + 0 <= l + 0 && f <= l + 0) ? "met" : "**not met**" }' >> "$targets"
}
L=$(commas "$ROWS_LARGE")
if wants plain; then
  target "plain CSV, $L rows: preview <= 0.15 of DuckDB" "plain$ROWS_LARGE-tiergate" "plain$ROWS_LARGE-duckdb" 0.15
  target "plain CSV, $L rows: preview <= 2x \`wc -l\`" "plain$ROWS_LARGE-tiergate" "plain$ROWS_LARGE-wc" 2 x
fi
if wants shards; then
  target "$SHARDS gzip shards: <= 0.4 of tiergate before (zlib, 1 thread)" shards-tiergate shards-before 0.4
  target "$SHARDS gzip shards: <= 1.3x \`igzip -dc\` on $THREADS processes" shards-tiergate shards-igzip 1.3 x
fi
if wants score; then
  target "score: <= 0.5 of DuckDB's COPY" score-tiergate score-duckdb 0.5
fi
if wants sweep; then
  target "sweep, 32 variants: <= 2.5x preview" sweep-tiergate sweep-preview 2.5 x
fi
mem_keys=()
for k in "plain$ROWS_SMALL-tiergate" "plain$ROWS_LARGE-tiergate" gzip-tiergate shards-tiergate; do
  [ -f "$res/$k.runs" ] && mem_keys+=("$k")
done
if [ ${#mem_keys[@]} -gt 0 ]; then
  mem=$(for k in "${mem_keys[@]}"; do peak "$k"; done | sort -g | tail -n 1)
  awk -v t="memory: preview <= 16 MB at $(commas "$ROWS_SMALL") and $L rows (every input above; largest peak)" \
      -v k="$mem" 'BEGIN { m = k / 1024
    printf "| %s | %.1f MB | | %s |\n", t, m, (m <= 16) ? "met" : "**not met**" }' >> "$targets"
fi
all_keys=()
for f in "$res"/*-tiergate.runs; do [ -f "$f" ] && all_keys+=("$(basename "$f" .runs)"); done
if [ ${#all_keys[@]} -gt 0 ]; then
  top=$(for k in "${all_keys[@]}"; do echo "$(peak "$k") ${k%-tiergate}"; done | sort -g | tail -n 1)
  awk -v k="${top%% *}" -v w="${top#* }" 'BEGIN { m = k / 1024
    printf "| memory: every tiergate run above <= 16 MB (largest: %s) | %.1f MB | | %s |\n", w, m,
      (m <= 16) ? "met" : "**not met**" }' >> "$targets"
fi

# ---- the report ------------------------------------------------------------
load_end=$(load1)
duck_version=$(cd "$work" && node -e '
  const { DuckDBInstance } = require("@duckdb/node-api");
  DuckDBInstance.create(":memory:").then((i) => i.connect()).then((c) => c.runAndReadAll("SELECT version() AS v"))
    .then((r) => console.log(r.getRowObjectsJson()[0].v));' 2>/dev/null || echo '?')
startup=""
duck_keys=()
for k in plain"$ROWS_SMALL"-duckdb plain"$ROWS_LARGE"-duckdb gzip-duckdb shards-duckdb score-duckdb sweep-duckdb; do
  [ -f "$res/$k.runs" ] && duck_keys+=("$res/$k.runs")
done
if [ ${#duck_keys[@]} -gt 0 ]; then
  startup=$(awk '{ print $3 - $1 }' "${duck_keys[@]}" | sort -g |
    awk '{ a[NR] = $1 } END { printf "%.2f", a[int((NR + 1) / 2)] }')
fi

block=$res/block.md
{
  echo "Measured $started at commit $commit$dirty by \`bash bench/bench_speed.sh\`:"
  echo "median of $REPEAT alternating runs, $THREADS threads for every engine that"
  echo "takes a number, on a machine with $(nproc) cores (\`nproc\`), $cpu_model,"
  echo "load average $load_start at the start and $load_end at the end."
  if awk -F': ' '{ sub(/%/, "", $2) } $2 + 0 >= 10 { found = 1 } END { exit !found }' "$res/others"; then
    echo "**The machine was shared with other work**, which used this share of"
  else
    echo "The machine was otherwise quiet; other processes used this share of"
  fi
  echo "the cores during the timed runs (from /proc/stat):"
  paste -s -d';' "$res/others" | sed 's/;/; /g; s/$/./'
  echo
  echo "| scenario | tiergate | s | peak RSS | compared with | s | peak RSS | tiergate / it |"
  echo "|---|---|---:|---:|---|---:|---:|---:|"
  cat "$table"
  echo
  echo "| target | ratio of the medians | of the fastest runs | |"
  echo "|---|---:|---:|---|"
  cat "$targets"
  echo
  echo "DuckDB $duck_version (npm \`@duckdb/node-api\` $DUCKDB_VERSION): its time is the statement's"
  echo "own; starting node and loading DuckDB add a median ${startup:-?} s that no figure"
  echo "above includes, and its peak RSS is the whole node process's. Checks of this run:"
  echo
  cat "$notes"
} > "$block"

{
  echo "# bench_speed results"
  echo
  echo "ROWS_SMALL=$ROWS_SMALL ROWS_LARGE=$ROWS_LARGE REPEAT=$REPEAT THREADS=$THREADS SHARDS=$SHARDS"
  echo "SCENARIOS=\"$SCENARIOS\"; $("$TG" --version | grep inflater); $(igzip --version | head -n 1)"
  echo
  cat "$block"
  echo
  echo "## Every run"
  echo
  echo "seconds (DuckDB: the statement's), peak RSS kB, the process's wall seconds, the CPU"
  echo "seconds other processes used meanwhile, and the run's own CPU seconds (user + system,"
  echo "the whole process), in the order run:"
  echo
  echo '```'
  for f in "$res"/*.runs; do
    k=$(basename "$f" .runs)
    printf '%-22s %s\n' "$k" "$(tr '\n' ';' < "$f" | sed 's/;$//; s/;/; /g')"
  done
  echo '```'
} > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
cat "$block"
echo >&2
echo "bench_speed: written to $out" >&2

if [ "$update_readme" = 1 ]; then
  begin='<!-- bench_speed:begin -->'
  end='<!-- bench_speed:end -->'
  if [ "$(grep -cxF "$begin" README.md)" != 1 ] || [ "$(grep -cxF "$end" README.md)" != 1 ]; then
    echo "bench_speed: README.md needs exactly one '$begin' and one '$end' line" >&2
    exit 1
  fi
  awk -v b="$begin" -v e="$end" -v f="$block" '
    $0 == b { print; print "<!-- written by bash bench/bench_speed.sh --update-readme: rerun it rather than edit -->"
              while ((getline l < f) > 0) print l; skip = 1; next }
    $0 == e { skip = 0 }
    !skip' README.md > "README.md.tmp.$$"
  mv "README.md.tmp.$$" README.md
  echo "bench_speed: README.md's block replaced" >&2
fi
