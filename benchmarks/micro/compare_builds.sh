#!/usr/bin/env bash
# Compares two builds of one Google Benchmark binary (say, before and after a change)
# on the same machine in the same run: runs them in alternation, ROUNDS times each,
# and prints for every benchmark the median items/s of each build over all its
# repetitions and the ratio new/old.
#
# Usage: benchmarks/micro/compare_builds.sh OLD_BINARY NEW_BINARY FILTER
#   e.g. compare_builds.sh /work/wt-old/bazel-bin/benchmarks/micro/channel_bench \
#          bazel-bin/benchmarks/micro/channel_bench '^BM_(ChanPingPong|ChanStream|Select4)/'
#
# Environment: ROUNDS=3 (alternations), REPS=3 (repetitions per run), PROCS=2
# (exported as TROUPE_PROCS).
set -euo pipefail

old=$1 new=$2 filter=$3
ROUNDS="${ROUNDS:-3}"
REPS="${REPS:-3}"
export TROUPE_PROCS="${PROCS:-2}"
out="$(mktemp -d "${TMPDIR:-/tmp}/compare_builds.XXXXXX")"

for round in $(seq "$ROUNDS"); do
  for build in old new; do
    binary=$old
    [[ $build == new ]] && binary=$new
    echo "== round $round: $build ($binary)" >&2
    "$binary" --benchmark_filter="$filter" --benchmark_repetitions="$REPS" \
      --benchmark_format=json --benchmark_out="$out/${build}_$round.json" \
      --benchmark_out_format=json >/dev/null
  done
done

python3 - "$out" "$ROUNDS" <<'PY'
import json
import statistics
import sys

out, rounds = sys.argv[1], int(sys.argv[2])
rates = {"old": {}, "new": {}}
for build in rates:
    for r in range(1, rounds + 1):
        with open(f"{out}/{build}_{r}.json") as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("run_type") == "aggregate" or "items_per_second" not in b:
                    continue
                rates[build].setdefault(b["run_name"], []).append(b["items_per_second"])
print(f"{'benchmark':<32} {'old items/s':>14} {'new items/s':>14} {'new/old':>8} runs")
for name in rates["old"]:
    if name not in rates["new"]:
        continue
    o = statistics.median(rates["old"][name])
    n = statistics.median(rates["new"][name])
    print(f"{name:<32} {o:>14.4g} {n:>14.4g} {n / o:>8.3f} {len(rates['old'][name])}")
PY
