#!/usr/bin/env bash
# The profilers' overhead on the pattern comparison:
#
#   bazel run -c opt //benchmarks/compare:profiler_overhead -- [RUNS] [PROFILES] [compare flags]
#
# PROFILES is a comma-separated list of what to turn on, each at its default rate
# unless given: cpu[=HZ] (default 100, the CPU profiler's default), block[=NS]
# (default 10000, kSuggestedBlockProfileRateNs), mutex[=FRACTION] (default 10,
# kSuggestedMutexProfileFraction); a bare number is cpu=HZ; `profile` is
# --profile=DIR as a user runs it (CPU at 100 Hz and block at 10 us together, each
# design's profiles written and drawn after its timed run). Default: cpu.
#
# Runs compare_troupe RUNS times (default 5) without profiling and RUNS times with
# each profile, in rounds so that all see the machine in the same states; each
# round starts with the next mode (off, then each profile, rotated) so that no mode
# always runs first. Prints each troupe design's median throughput off and with
# each profile, their ratio, and the median of the per-round ratios (each profiled
# run against the unprofiled run of its own round: less sensitive to the machine's
# drift over the rounds). Extra flags go to compare_troupe (e.g.
# --records=200000, --workload=stateful for the Mutex-guarded designs).
set -euo pipefail

runfiles="${RUNFILES_DIR:-$0.runfiles}/troupe"
binary="${runfiles}/benchmarks/compare/compare_troupe"
[[ -x "${binary}" ]] || binary="$(pwd)/benchmarks/compare/compare_troupe"  # bazel run
runs="${1:-5}"
profiles="${2:-cpu}"
shift $(( $# >= 2 ? 2 : $# ))
out="$(mktemp -d "${TMPDIR:-/tmp}/troupe-profiler-overhead.XXXXXX")"
trap 'rm -rf "${out}"' EXIT

# flags_of PROFILE: the compare_troupe flags that turn PROFILE on.
flags_of() {
  local name="${1%%=*}" value=""
  [[ "$1" == *=* ]] && value="${1#*=}"
  case "${name}" in
    [0-9]*) echo "--cpu_profile_hz=${name}" ;;
    cpu) echo "--cpu_profile_hz=${value:-100}" ;;
    block) echo "--block_profile_rate=${value:-10000}" ;;
    mutex) echo "--mutex_profile_fraction=${value:-10}" ;;
    profile) echo "--profile=${out}/profiles" ;;
    *) echo "profiler_overhead: unknown profile '$1' (cpu[=HZ], block[=NS], mutex[=FRACTION], profile)" >&2
       exit 2 ;;
  esac
}

IFS=, read -r -a modes <<<"${profiles}"
for mode in "${modes[@]}"; do flags_of "${mode}" >/dev/null; done  # fail early
all_modes=(off "${modes[@]}")
for run in $(seq 1 "${runs}"); do
  for step in $(seq 0 $(( ${#all_modes[@]} - 1 ))); do
    mode="${all_modes[$(( (run - 1 + step) % ${#all_modes[@]} ))]}"
    echo "run ${run}/${runs}: ${mode}" >&2
    flags=""
    [[ "${mode}" == off ]] || flags="$(flags_of "${mode}")"
    # shellcheck disable=SC2086  # one flag or none, no spaces
    "${binary}" --json="${out}/${mode}.${run}.json" ${flags} "$@" >/dev/null
  done
done

python3 - "${out}" "${runs}" "${modes[@]}" <<'PY'
import json, statistics, sys
out, runs, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def throughputs(mode):
    # design -> {run: records/s}
    by_design = {}
    for run in range(1, runs + 1):
        with open(f"{out}/{mode}.{run}.json") as f:
            for r in json.load(f)["results"]:
                if r["runtime"] == "troupe" and not r["error"]:
                    by_design.setdefault(r["design"], {})[run] = r["throughput_rps"]
    return by_design
off = throughputs("off")
on = {mode: throughputs(mode) for mode in modes}
print(f"Profiler overhead, medians of {runs} runs per mode in rounds (records/s; "
      "spread = min-max of the runs)")
print(f"{'design':<22} {'mode':<12} {'median':>10} {'spread':>21} {'on/off':>7} {'overhead':>9}"
      f" {'paired':>7}")
for design, base_runs in off.items():
    base = list(base_runs.values())
    a = statistics.median(base)
    print(f"{design:<22} {'off':<12} {a:>10.0f} {min(base):>10.0f}-{max(base):<10.0f}")
    for mode in modes:
        if design not in on[mode]:
            continue
        values = list(on[mode][design].values())
        b = statistics.median(values)
        paired = statistics.median(
            value / base_runs[run] for run, value in on[mode][design].items() if run in base_runs)
        print(f"{design:<22} {mode:<12} {b:>10.0f} {min(values):>10.0f}-{max(values):<10.0f}"
              f" {b / a:>7.3f} {100 * (1 - b / a):>8.1f}% {paired:>7.3f}")
PY
