#!/usr/bin/env bash
# The CPU profiler's overhead on the pattern comparison:
#
#   bazel run -c opt //benchmarks/compare:profiler_overhead -- [RUNS] [HZ] [compare flags]
#
# Runs compare_troupe RUNS times (default 5) without the profiler and RUNS times with
# it at HZ (default 100, the profiler's default), alternating so that both see the
# machine in the same states, and prints each troupe design's median throughput off
# and on and their ratio. Extra flags go to compare_troupe (e.g. --records=200000).
set -euo pipefail

runfiles="${RUNFILES_DIR:-$0.runfiles}/troupe"
binary="${runfiles}/benchmarks/compare/compare_troupe"
[[ -x "${binary}" ]] || binary="$(pwd)/benchmarks/compare/compare_troupe"  # bazel run
runs="${1:-5}"
hz="${2:-100}"
shift $(( $# >= 2 ? 2 : $# ))
out="$(mktemp -d "${TMPDIR:-/tmp}/troupe-profiler-overhead.XXXXXX")"
trap 'rm -rf "${out}"' EXIT

for run in $(seq 1 "${runs}"); do
  echo "run ${run}/${runs}: profiler off" >&2
  "${binary}" --json="${out}/off.${run}.json" "$@" >/dev/null
  echo "run ${run}/${runs}: profiler on at ${hz} Hz" >&2
  "${binary}" --json="${out}/on.${run}.json" --cpu_profile_hz="${hz}" "$@" >/dev/null
done

python3 - "${out}" "${runs}" "${hz}" <<'PY'
import json, statistics, sys
out, runs, hz = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def throughputs(mode):
    by_design = {}
    for run in range(1, runs + 1):
        with open(f"{out}/{mode}.{run}.json") as f:
            for r in json.load(f)["results"]:
                if r["runtime"] == "troupe" and not r["error"]:
                    by_design.setdefault(r["design"], []).append(r["throughput_rps"])
    return by_design
off, on = throughputs("off"), throughputs("on")
print(f"CPU profiler overhead at {hz} Hz, medians of {runs} alternating runs (records/s)")
print(f"{'design':<12} {'off':>12} {'on':>12} {'on/off':>8} {'overhead':>9}")
for design in off:
    if design not in on:
        continue
    a, b = statistics.median(off[design]), statistics.median(on[design])
    print(f"{design:<12} {a:>12.0f} {b:>12.0f} {b / a:>8.3f} {100 * (1 - b / a):>8.1f}%")
PY
