#!/usr/bin/env bash
# Compares troupe's benchmarks with equivalent Go programs.
#
# Runs the troupe benchmarks listed in BENCHMARKS below (BM_SpawnJoin and
# BM_Skynet from //benchmarks:scheduler_bench; BM_ChanPingPong, BM_ChanStream
# and BM_Select4 from //benchmarks:channel_bench) and their Go peers in
# benchmarks/go/, then prints a table of median items/s for each and the ratio
# troupe/Go. The same table is written as Markdown to $TMP/compare_with_go.md
# (for pasting into BENCHMARKS.md).
#
# Usage (from anywhere): benchmarks/compare_with_go.sh
#
# Environment:
#   REPS=5         timed repetitions per benchmark (troupe and Go)
#   PROCS=2        worker threads: exported as TROUPE_PROCS for troupe, passed
#                  as -procs (GOMAXPROCS) to the Go programs
#   SKIP_TROUPE=1  skip the troupe benchmarks (their column shows "n/a");
#                  useful to test the Go side alone
#
# Go is built offline (GOPROXY=off, no dependencies); needs go >= 1.19 and
# python3.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# One line per compared benchmark: troupe benchmark name, the bazel target
# that defines it, and the Go peer program (a directory under benchmarks/go/).
BENCHMARKS=(
  "BM_SpawnJoin     //benchmarks:scheduler_bench  spawnjoin"
  "BM_Skynet        //benchmarks:scheduler_bench  skynet"
  "BM_ChanPingPong  //benchmarks:channel_bench    chanpingpong"
  "BM_ChanStream    //benchmarks:channel_bench    chanstream"
  "BM_Select4       //benchmarks:channel_bench    select4"
)

REPS="${REPS:-5}"
PROCS="${PROCS:-2}"
SKIP_TROUPE="${SKIP_TROUPE:-0}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/compare_with_go.XXXXXX")"  # builds and results

NAMES=() TARGETS=() PROGS=()
for entry in "${BENCHMARKS[@]}"; do
  read -r name target prog <<<"$entry"
  NAMES+=("$name") PROGS+=("$prog")
  [[ " ${TARGETS[*]} " == *" $target "* ]] || TARGETS+=("$target")
done

# a. Build the Go programs.
echo "== building Go programs into $TMP/bin" >&2
mkdir -p "$TMP/bin"
(
  cd benchmarks/go
  GOFLAGS=-mod=mod GOPROXY=off GOCACHE="${GOCACHE:-/tmp/troupe-gocache-$(id -u)}" \
    go build -o "$TMP/bin/" "${PROGS[@]/#/./}"
)

# b. Run the troupe benchmarks: one `bazel run` per target, filtered to that
# target's benchmarks, each writing its own JSON file.
TROUPE_JSONS=()
if [[ "$SKIP_TROUPE" == 1 ]]; then
  echo "== SKIP_TROUPE=1: not running troupe" >&2
else
  export TROUPE_PROCS="$PROCS"
  for target in "${TARGETS[@]}"; do
    filter=""
    for entry in "${BENCHMARKS[@]}"; do
      read -r name t _ <<<"$entry"
      [[ "$t" == "$target" ]] && filter+="${filter:+|}$name"
    done
    json="$TMP/troupe_${target##*:}.json"
    echo "== running troupe $target ($filter; PROCS=$PROCS, REPS=$REPS)" >&2
    bazel run -c opt "$target" -- \
      --benchmark_filter="^($filter)(/|\$)" \
      --benchmark_repetitions="$REPS" \
      --benchmark_format=json \
      --benchmark_out="$json" \
      --benchmark_out_format=json >/dev/null
    TROUPE_JSONS+=("$json")
  done
fi

# c. Run the Go programs.
GO_OUT="$TMP/go.txt"
: >"$GO_OUT"
for prog in "${PROGS[@]}"; do
  echo "== running Go $prog (-procs $PROCS -reps $REPS)" >&2
  "$TMP/bin/$prog" -procs "$PROCS" -reps "$REPS" | tee -a "$GO_OUT" >&2
done

# d. Print the table (text to stdout, Markdown to $TMP/compare_with_go.md).
MD="$TMP/compare_with_go.md"
FOOTER="$(date -u '+%Y-%m-%d %H:%M:%S UTC'), nproc=$(nproc), procs=$PROCS, reps=$REPS"
python3 - "$GO_OUT" "$MD" "$FOOTER" "${NAMES[*]}" ${TROUPE_JSONS[@]+"${TROUPE_JSONS[@]}"} <<'PY'
import json
import statistics
import sys

go_out, md_path, footer, names = sys.argv[1:5]
names = names.split()
troupe_jsons = sys.argv[5:]

def troupe_medians(paths):
    benchmarks = []
    for path in paths:
        with open(path) as f:
            benchmarks += json.load(f).get("benchmarks", [])
    medians, iters = {}, {}
    for b in benchmarks:
        base = b.get("run_name", b["name"]).split("/", 1)[0]
        ips = b.get("items_per_second")
        if ips is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[base] = float(ips)
        else:
            iters.setdefault(base, []).append(float(ips))
    for base, vals in iters.items():
        medians.setdefault(base, statistics.median(vals))
    return medians

def go_medians(path):
    runs = {}
    with open(path) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if "name" in fields and "items_per_second" in fields:
                runs.setdefault(fields["name"], []).append(float(fields["items_per_second"]))
    return {k: statistics.median(v) for k, v in runs.items()}

t, g = troupe_medians(troupe_jsons), go_medians(go_out)

def fmt(v):
    return "n/a" if v is None else f"{v:,.0f}"

rows = []
for n in names:
    tv, gv = t.get(n), g.get(n)
    ratio = f"{tv / gv:.2f}" if tv is not None and gv else "n/a"
    rows.append((n, fmt(tv), fmt(gv), ratio))

header = ("benchmark", "troupe items/s", "Go items/s", "troupe/Go")
widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
def line(r):
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
print(line(header))
print("  ".join("-" * w for w in widths))
for r in rows:
    print(line(r))
print(footer)

with open(md_path, "w") as f:
    f.write("| " + " | ".join(header) + " |\n")
    f.write("|" + "|".join(["---"] + ["---:"] * 3) + "|\n")
    for r in rows:
        f.write("| " + " | ".join(r) + " |\n")
    f.write("\n" + footer + " (medians)\n")
PY
echo "Markdown table: $MD"
