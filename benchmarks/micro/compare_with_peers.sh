#!/usr/bin/env bash
# Compares troupe's benchmarks with equivalent Go, CAF and Boost.Fiber programs.
#
# Runs the troupe benchmarks listed in BENCHMARKS below (BM_SpawnJoin and
# BM_Skynet from //benchmarks/micro:scheduler_bench; BM_ChanPingPong, BM_ChanStream
# BM_Select4, BM_DynamicSelect16, BM_TimerStartStop and BM_Tickers1000 from
# //benchmarks/micro:channel_bench; BM_ActorPingPong and
# BM_ActorFanIn from //benchmarks/micro:actor_bench; BM_TcpPingPong from
# //benchmarks/micro:net_bench; the actor toolkit's BM_ActorTimersFixedRate and
# BM_ActorTimersFixedDelay from //benchmarks/micro:actor_timer_bench and
# BM_RouterRoundRobin, BM_RouterSmallestMailbox and BM_RouterConsistentHash from
# //benchmarks/micro:router_bench), their Go peers in
# benchmarks/peers/go/, for the actor benchmarks their CAF peers in
# benchmarks/peers/caf/ and, for the scheduler, channel and actor benchmarks, their
# Boost.Fiber peers in benchmarks/peers/boost_fiber/, then prints a table of median
# items/s for each and the ratios troupe/Go, troupe/CAF and troupe/Boost.Fiber
# ("n/a" where a benchmark has no peer; BM_Select4 has no Boost.Fiber peer
# because Boost.Fiber has no select). The same table is written as Markdown to
# $TMP/compare_with_peers.md (for pasting into BENCHMARKS.md). Benchmarks that
# report the process's CPU time per item (cpu_ns_per_item: the timer benchmarks,
# whose wall time a period bounds) get a second table of those medians and ratios
# (there, a ratio below 1 means troupe spends less CPU per item).
#
# BM_ActorFanIn has two variants, both reported: /1024 (a bounded mailbox of
# capacity 1024 that parks senders when full) is compared with Go's
# capacity-1024 channel mailbox, with CAF and with a Boost.Fiber
# buffered_channel mailbox; /0 (troupe's unbounded mailbox) has no Go or
# Boost.Fiber peer (neither has an unbounded channel) and is compared with CAF
# only. CAF 0.17's mailboxes are unbounded, so its one fan-in measurement
# appears in both rows and /0 is the like-for-like CAF comparison.
#
# The Boost.Fiber peers run work_stealing on PROCS threads, and write an actor
# as the Go peers do, as a fiber draining its own channel; their deviations
# from troupe's workloads (BM_ChanStream's channel holds 127 values, not 64;
# the actors' mailboxes hold 2047 messages, not 1024 or unbounded; malloc'd
# fixedsize_stack stacks instead of a pool) are listed at the top of
# benchmarks/peers/boost_fiber/micro_peers.cpp.
#
# Usage (from anywhere): benchmarks/micro/compare_with_peers.sh
#
# Environment:
#   REPS=5         timed repetitions per benchmark (troupe and every peer)
#   PROCS=2        worker threads: exported as TROUPE_PROCS for troupe, passed
#                  as -procs (GOMAXPROCS; CAF's scheduler.max-threads; the
#                  number of Boost.Fiber work_stealing threads) to the peers
#   SKIP_TROUPE=1  skip the troupe benchmarks (their column shows "n/a");
#                  useful to test the peers alone
#   SKIP_CAF=1     skip the CAF peers (their column shows "n/a")
#   SKIP_BOOST_FIBER=1  skip the Boost.Fiber peers (their column shows "n/a")
#   ONLY=REGEX     run only the lines whose troupe benchmark name matches REGEX
#                  (bash =~), e.g. ONLY='DynamicSelect|Timer|Ticker'
#
# Go is built offline (GOPROXY=off, no dependencies); needs go >= 1.19 and
# python3. The CAF and Boost.Fiber peers are Bazel targets (manual) built with
# -c opt against Debian's libcaf-dev 0.17 and libboost-fiber-dev 1.74 (see
# setup.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

# One line per compared benchmark: troupe benchmark name (with its argument
# where the benchmark has several), the bazel target that defines it, the Go
# peer program (a directory under benchmarks/peers/go/), the CAF peer program (a
# target //benchmarks/peers/caf:<name>) and the Boost.Fiber peer program (a target
# //benchmarks/peers/boost_fiber:<name>); "-" where there is no peer. A peer
# program may serve several lines: it prints one result line per repetition
# named after the troupe benchmark, with or without the argument.
BENCHMARKS=(
  "BM_SpawnJoin        //benchmarks/micro:scheduler_bench  spawnjoin      -            micro_peers"
  "BM_Skynet           //benchmarks/micro:scheduler_bench  skynet         -            micro_peers"
  "BM_ChanPingPong     //benchmarks/micro:channel_bench    chanpingpong   -            micro_peers"
  "BM_ChanStream       //benchmarks/micro:channel_bench    chanstream     -            micro_peers"
  "BM_Select4          //benchmarks/micro:channel_bench    select4        -            -"
  "BM_DynamicSelect16  //benchmarks/micro:channel_bench    dynselect16    -            -"
  "BM_TimerStartStop   //benchmarks/micro:channel_bench    timerstartstop -            -"
  "BM_Tickers1000      //benchmarks/micro:channel_bench    tickers1000    -            -"
  "BM_ActorPingPong    //benchmarks/micro:actor_bench      actorpingpong  actor_peers  micro_peers"
  "BM_ActorFanIn/1024  //benchmarks/micro:actor_bench      actorfanin     actor_peers  micro_peers"
  "BM_ActorFanIn/0     //benchmarks/micro:actor_bench      -              actor_peers  -"
  "BM_TcpPingPong/1    //benchmarks/micro:net_bench        tcppingpong    -            -"
  "BM_TcpPingPong/16   //benchmarks/micro:net_bench        tcppingpong    -            -"
  "BM_ActorTimersFixedRate   //benchmarks/micro:actor_timer_bench  actortimers  -                    -"
  "BM_ActorTimersFixedDelay  //benchmarks/micro:actor_timer_bench  actortimers  actor_toolkit_peers  -"
  "BM_RouterRoundRobin       //benchmarks/micro:router_bench       router       actor_toolkit_peers  -"
  "BM_RouterSmallestMailbox  //benchmarks/micro:router_bench       router       -                    -"
  "BM_RouterConsistentHash   //benchmarks/micro:router_bench       router       -                    -"
)

if [[ -n "${ONLY:-}" ]]; then
  selected=()
  for entry in "${BENCHMARKS[@]}"; do
    read -r name _ <<<"$entry"
    [[ "$name" =~ $ONLY ]] && selected+=("$entry")
  done
  ((${#selected[@]})) || { echo "compare_with_peers: ONLY=$ONLY matches no benchmark" >&2; exit 1; }
  BENCHMARKS=("${selected[@]}")
fi

REPS="${REPS:-5}"
PROCS="${PROCS:-2}"
SKIP_TROUPE="${SKIP_TROUPE:-0}"
SKIP_CAF="${SKIP_CAF:-0}"
SKIP_BOOST_FIBER="${SKIP_BOOST_FIBER:-0}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/compare_with_peers.XXXXXX")"  # builds and results

# Distinct targets and peer programs, in list order.
TARGETS=() GO_PROGS=() CAF_PROGS=() BOOST_FIBER_PROGS=()
add_once() {  # add_once ARRAY VALUE: appends VALUE unless it is "-" or present
  local -n array="$1"
  [[ "$2" == - || " ${array[*]-} " == *" $2 "* ]] || array+=("$2")
}
for entry in "${BENCHMARKS[@]}"; do
  read -r name target go_prog caf_prog boost_fiber_prog <<<"$entry"
  add_once TARGETS "$target"
  add_once GO_PROGS "$go_prog"
  add_once CAF_PROGS "$caf_prog"
  add_once BOOST_FIBER_PROGS "$boost_fiber_prog"
done
[[ "$SKIP_CAF" == 1 ]] && CAF_PROGS=()
[[ "$SKIP_BOOST_FIBER" == 1 ]] && BOOST_FIBER_PROGS=()

# a. Build the Go, CAF and Boost.Fiber programs.
echo "== building Go programs into $TMP/bin" >&2
mkdir -p "$TMP/bin"
(
  cd benchmarks/peers/go
  ((${#GO_PROGS[@]})) || exit 0
  GOFLAGS=-mod=mod GOPROXY=off GOCACHE="${GOCACHE:-/tmp/troupe-gocache-$(id -u)}" \
    go build -o "$TMP/bin/" "${GO_PROGS[@]/#/./}"
)
PEER_TARGETS=()
for prog in ${CAF_PROGS[@]+"${CAF_PROGS[@]}"}; do PEER_TARGETS+=("//benchmarks/peers/caf:$prog"); done
for prog in ${BOOST_FIBER_PROGS[@]+"${BOOST_FIBER_PROGS[@]}"}; do
  PEER_TARGETS+=("//benchmarks/peers/boost_fiber:$prog")
done
if ((${#PEER_TARGETS[@]})); then
  echo "== building ${PEER_TARGETS[*]}" >&2
  bazel build -c opt "${PEER_TARGETS[@]}" >&2
fi
BAZEL_BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"

# The machine's core-to-core transfer time before each group (core_transfer.h): on
# a shared VM it can change within seconds, and every benchmark that moves data
# between cores with it.
bazel build -c opt //benchmarks/compare:core_transfer >/dev/null 2>&1
TRANSFER_BIN="$BAZEL_BIN/benchmarks/compare/core_transfer"
transfer() {
  if [[ -x "$TRANSFER_BIN" ]]; then "$TRANSFER_BIN" | cut -d' ' -f1-2; else echo "n/a"; fi
}
TRANSFERS="before troupe $(transfer)"

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

TRANSFERS+=", before Go $(transfer)"

# c. Run the Go, CAF and Boost.Fiber programs, each into its own result file.
run_peers() {  # run_peers LABEL DIR PREFIX PROG...: each into $TMP/PREFIX_PROG.txt
  local label="$1" dir="$2" prefix="$3" prog
  shift 3
  for prog in "$@"; do
    echo "== running $label $prog (-procs $PROCS -reps $REPS)" >&2
    "$dir/$prog" -procs "$PROCS" -reps "$REPS" | tee "$TMP/${prefix}_$prog.txt" >&2
  done
}
run_peers Go "$TMP/bin" go ${GO_PROGS[@]+"${GO_PROGS[@]}"}
[[ "$SKIP_CAF" == 1 ]] && echo "== SKIP_CAF=1: not running CAF" >&2
run_peers CAF "$BAZEL_BIN/benchmarks/peers/caf" caf ${CAF_PROGS[@]+"${CAF_PROGS[@]}"}
[[ "$SKIP_BOOST_FIBER" == 1 ]] && echo "== SKIP_BOOST_FIBER=1: not running Boost.Fiber" >&2
run_peers Boost.Fiber "$BAZEL_BIN/benchmarks/peers/boost_fiber" boost_fiber \
  ${BOOST_FIBER_PROGS[@]+"${BOOST_FIBER_PROGS[@]}"}

# d. Print the table (text to stdout, Markdown to $TMP/compare_with_peers.md).
MD="$TMP/compare_with_peers.md"
TRANSFERS+=", at the end $(transfer)"
FOOTER="$(date -u '+%Y-%m-%d %H:%M:%S UTC'), nproc=$(nproc), procs=$PROCS, reps=$REPS; core-to-core transfer: $TRANSFERS"
printf '%s\n' "${BENCHMARKS[@]}" >"$TMP/benchmarks.txt"
python3 - "$TMP" "$MD" "$FOOTER" ${TROUPE_JSONS[@]+"${TROUPE_JSONS[@]}"} <<'PY'
import json
import os
import statistics
import sys

tmp, md_path, footer = sys.argv[1:4]
troupe_jsons = sys.argv[4:]
with open(os.path.join(tmp, "benchmarks.txt")) as f:
    entries = [line.split() for line in f if line.strip()]  # name target go caf boost_fiber

# Name components google-benchmark appends that are not arguments.
NON_ARGS = ("real_time", "process_time", "manual_time", "min_time:",
            "min_warmup_time:", "iterations:", "repeats:", "threads:")

def run_key(run_name):
    """'BM_ActorFanIn/1024/real_time' -> 'BM_ActorFanIn/1024'."""
    first, *rest = run_name.split("/")
    return "/".join([first] + [p for p in rest if not p.startswith(NON_ARGS)])

def troupe_medians(paths, field):
    """Medians of `field` (items_per_second, or a counter) per benchmark."""
    benchmarks = []
    for path in paths:
        with open(path) as f:
            benchmarks += json.load(f).get("benchmarks", [])
    medians, iters = {}, {}
    for b in benchmarks:
        key = run_key(b.get("run_name", b["name"]))
        ips = b.get(field)
        if ips is None:
            continue
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = float(ips)
        else:
            iters.setdefault(key, []).append(float(ips))
    for key, vals in iters.items():
        medians.setdefault(key, statistics.median(vals))
    return medians

def troupe_value(medians, name):
    """The exact key, else the only key that extends name with arguments."""
    if name in medians:
        return medians[name]
    matches = [k for k in medians if k.startswith(name + "/")]
    if len(matches) > 1:
        print(f"warning: {name} matches {matches}; list the argument", file=sys.stderr)
    return medians[matches[0]] if len(matches) == 1 else None

def peer_medians(path, field):
    runs = {}
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        for line in f:
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if "name" in fields and field in fields:
                runs.setdefault(fields["name"], []).append(float(fields[field]))
    return {k: statistics.median(v) for k, v in runs.items()}

def peer_value(kind, prog, name, field="items_per_second"):
    """The peer's median of field for name, or for name without its argument."""
    if prog == "-":
        return None
    medians = peer_medians(os.path.join(tmp, f"{kind}_{prog}.txt"), field)
    return medians.get(name, medians.get(name.split("/", 1)[0]))

t = troupe_medians(troupe_jsons, "items_per_second")
t_cpu = troupe_medians(troupe_jsons, "cpu_ns_per_item")

def fmt(v):
    return "n/a" if v is None else f"{v:,.0f}"

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"

def table(troupe, field, unit):
    """One row per benchmark that has a value of field anywhere."""
    rows = []
    for name, _, go_prog, caf_prog, boost_fiber_prog in entries:
        tv = troupe_value(troupe, name)
        gv = peer_value("go", go_prog, name, field)
        cv = peer_value("caf", caf_prog, name, field)
        bv = peer_value("boost_fiber", boost_fiber_prog, name, field)
        if (tv, gv, cv, bv) == (None,) * 4 and field != "items_per_second":
            continue
        rows.append((name, fmt(tv), fmt(gv), ratio(tv, gv), fmt(cv), ratio(tv, cv),
                     fmt(bv), ratio(tv, bv)))
    header = ("benchmark", f"troupe {unit}", f"Go {unit}", "troupe/Go", f"CAF {unit}",
              "troupe/CAF", f"Boost.Fiber {unit}", "troupe/Boost.Fiber")
    return header, rows

tables = [table(t, "items_per_second", "items/s"),
          table(t_cpu, "cpu_ns_per_item", "CPU ns/item")]
tables = [(header, rows) for header, rows in tables if rows]

def line(r, widths):
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
for header, rows in tables:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print(line(header, widths))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r, widths))
    print()
print(footer)

with open(md_path, "w") as f:
    for header, rows in tables:
        f.write("| " + " | ".join(header) + " |\n")
        f.write("|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|\n")
        for r in rows:
            f.write("| " + " | ".join(r) + " |\n")
        f.write("\n")
    f.write(footer + " (medians)\n")
PY
echo "Markdown table: $MD"
