#!/usr/bin/env bash
# Build the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and
# run each for SECONDS (default 30) from its seed corpus in fuzz/corpus/.
# New inputs go to a scratch copy, never into the repository. Prints one
# line per target: executions and coverage (libFuzzer's "cov", edges
# reached); exits non-zero when a target finds a crash, a leak, undefined
# behaviour or a timeout (the input is kept in build-fuzz/findings/).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(condition rules policy csv_scan summary gate_result registry log
           monitor slice recal_proposal cli_args)
fi

bash scripts/deps.sh
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTG_FUZZ=ON -DTG_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" \
  $(printf -- '--target fuzz_%s ' "${targets[@]}") >/dev/null

work=build-fuzz/work
mkdir -p "$work" build-fuzz/findings
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
# One target per core at a time: the CI budget is per target, not a sum.
run_target() {
  local t=$1 log=build-fuzz/fuzz_$1.log
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t"
  # The command-line target prints a usage message per input: its stdout
  # and stderr are closed (libFuzzer and the sanitizers keep their own).
  local quiet=()
  [ "$t" = cli_args ] && quiet=(-close_fd_mask=3)
  # -rss_limit_mb: a rule set or export may be large, never unbounded.
  if ! build-fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 "${quiet[@]}" \
       -artifact_prefix=build-fuzz/findings/"$t"- \
       "$work/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    echo failed > "build-fuzz/fuzz_$t.status"
  else
    echo ok > "build-fuzz/fuzz_$t.status"
  fi
}
jobs_max=$(nproc)
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
  run_target "$t" &
done
wait
printf '%-12s %12s %8s %8s\n' target executions cov ft
for t in "${targets[@]}"; do
  log=build-fuzz/fuzz_$t.log
  if [ "$(cat "build-fuzz/fuzz_$t.status" 2>/dev/null)" != ok ]; then
    echo "fuzz_$t FAILED: see $log and build-fuzz/findings/" >&2
    tail -40 "$log" >&2
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-12s %12s %8s %8s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}"
done
exit $status
