#!/usr/bin/env bash
# Runs every libFuzzer target (native/fuzz/*.cc) for SECONDS each (default 30), one after another
# (scripts/fuzz.sh builds them first), after replaying the committed seeds and past crashes
# (native/fuzz/crashes/). Prints one line per target: execs, execs/s, cov and ft from libFuzzer.
# Fails if any target finds a crash, a leak, a timeout or an out-of-memory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
logs=$root/build-fuzz/logs
start=$(date +%s)

"$root/scripts/fuzz.sh" --replay
mkdir -p "$logs"
status=0
for target in $("$root/scripts/fuzz.sh" --list); do
  log=$logs/$target.log
  if "$root/scripts/fuzz.sh" "$target" "$seconds" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  printf 'fuzz-all: %-14s %s  execs %s  (%s/s)  cov %s  ft %s\n' "$target" "$result" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}"
  if [[ $result == FAILED ]]; then
    grep -E '^==[0-9]+==ERROR|^SUMMARY|artifact_prefix|Test unit written' "$log" | head -5 >&2 || true
  fi
done
echo "fuzz-all: $(($(date +%s) - start)) s in all; logs in $logs"
exit "$status"
