#!/usr/bin/env bash
# The Savina benchmarks (benchmarks/savina/savina.h) and the scale benchmark
# (scale_harness.h) for troupe, Go and CAF 0.17 in one run, with a table of medians
# and ratios.
#
# Builds (under a shared lock on $LOCK) troupe's programs and the CAF twins with
# Bazel (-c opt) and the Go twins with Debian's Go (offline: GOFLAGS=-mod=mod
# GOPROXY=off), copies the binaries aside, then measures, each program run under an
# exclusive lock on $LOCK so that no build on the machine disturbs it (the holds are
# one program run long, a few seconds to a minute). For each Savina benchmark it runs
# troupe, Go and CAF in turn, each with one untimed warm-up and $REPS timed
# repetitions; for each count in $SCALE_COUNTS, $SCALE_REPS rounds of troupe's idle
# actors, troupe's parked fibers, Go's parked goroutines and CAF's idle actors (each
# run is its own process: resident-set growth is only meaningful once per
# process), plus a probe of what a fresh page costs on this machine.
#
# Prints the tables (median items/s and seconds, troupe/Go and troupe/CAF) and
# writes them as Markdown, with the commit, the date and the command, to
# $OUT (default: a file in the run's temporary directory; the path is printed).
#
# Usage (from anywhere in the repository):
#   benchmarks/savina/run_savina.sh
#   REPS=5 SCALE_COUNTS=500000 benchmarks/savina/run_savina.sh
#   BENCHMARKS="pingpong big" SAVINA_FLAGS="--big_pings=1000" benchmarks/savina/run_savina.sh
#
# Environment:
#   REPS=3            timed repetitions per Savina benchmark and runtime
#   PROCS=2           worker threads: troupe's processors, GOMAXPROCS, CAF's
#                     scheduler.max-threads
#   BENCHMARKS="pingpong counting fjcreate fjthrput threadring chameneos big"
#   SAVINA_FLAGS=""   extra flags for all three (e.g. --chameneos_meetings=100000);
#                     the defaults are the same in all three (params.h)
#   SCALE_COUNTS="1000000 500000"   actors/fibers alive at once, one table row set each
#   SCALE_REPS=$REPS  rounds of the scale benchmark per count
#   SKIP_SCALE=1      only the Savina benchmarks
#   SKIP_CAF=1, SKIP_GO=1   leave a runtime out (its columns show n/a)
#   LOCK=/tmp/troupe-machine.lock   the machine lock shared by everyone measuring
#   LOCK_WAIT_S=600   how long to wait for it before measuring without it (noted)
#   OUT=...           where to write the Markdown
#   COMMIT=...        what was measured, for the tables (default: git's HEAD here)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

REPS="${REPS:-3}"
PROCS="${PROCS:-2}"
BENCHMARKS="${BENCHMARKS:-pingpong counting fjcreate fjthrput threadring chameneos big}"
SAVINA_FLAGS="${SAVINA_FLAGS:-}"
SCALE_COUNTS="${SCALE_COUNTS:-1000000 500000}"
SCALE_REPS="${SCALE_REPS:-$REPS}"
SKIP_SCALE="${SKIP_SCALE:-0}"
SKIP_CAF="${SKIP_CAF:-0}"
SKIP_GO="${SKIP_GO:-0}"
LOCK="${LOCK:-/tmp/troupe-machine.lock}"
LOCK_WAIT_S="${LOCK_WAIT_S:-600}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/run_savina.XXXXXX")"
OUT="${OUT:-$TMP/savina.md}"
COMMAND="REPS=$REPS PROCS=$PROCS SCALE_COUNTS=\"$SCALE_COUNTS\" SCALE_REPS=$SCALE_REPS${SAVINA_FLAGS:+ SAVINA_FLAGS=\"$SAVINA_FLAGS\"} benchmarks/savina/run_savina.sh"
if [[ -z "${COMMIT:-}" ]]; then
  COMMIT="$(git rev-parse --short=12 HEAD 2>/dev/null || echo "unknown commit")"
  git diff --quiet HEAD -- . 2>/dev/null || COMMIT+=" (with uncommitted changes)"
fi

# a. Build, under the shared lock, and copy the binaries aside.
echo "== building into $TMP/bin (commit $COMMIT)" >&2
mkdir -p "$TMP/bin/troupe" "$TMP/bin/go" "$TMP/bin/caf"
targets=(//benchmarks/savina:savina //benchmarks/savina:scale //benchmarks/compare:core_transfer)
[[ "$SKIP_CAF" == 1 ]] || targets+=(//benchmarks/peers/caf:savina_caf //benchmarks/peers/caf:scale_caf)
flock -s -o "$LOCK" bazel build --jobs=2 -c opt "${targets[@]}" >&2
BAZEL_BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
cp "$BAZEL_BIN/benchmarks/savina/savina" "$BAZEL_BIN/benchmarks/savina/scale" "$TMP/bin/troupe/"
cp "$BAZEL_BIN/benchmarks/compare/core_transfer" "$TMP/bin/"
if [[ "$SKIP_CAF" != 1 ]]; then
  cp "$BAZEL_BIN/benchmarks/peers/caf/savina_caf" "$BAZEL_BIN/benchmarks/peers/caf/scale_caf" \
    "$TMP/bin/caf/"
fi
if [[ "$SKIP_GO" != 1 ]]; then
  (
    cd benchmarks/peers/go
    flock -s -o "$LOCK" env GOFLAGS=-mod=mod GOPROXY=off \
      GOCACHE="${GOCACHE:-/tmp/troupe-gocache-$(id -u)}" \
      go build -o "$TMP/bin/go/" ./savina ./savina/scale
  )
fi

# b. Measure: every program run under the exclusive lock. If the lock cannot be had
# within $LOCK_WAIT_S (others hold it shared for long builds), the program runs
# anyway and the run is listed under the tables with the load average: the ratios
# still compare runtimes measured back to back under the same load.
measure() {
  local status=0
  flock -x -o -w "$LOCK_WAIT_S" -E 75 "$LOCK" "$@" || status=$?
  if [[ $status == 75 ]]; then
    echo "$(basename "$1") ${2:-} without the lock, load $(cut -d' ' -f1-3 /proc/loadavg)" \
      >>"$TMP/unlocked.txt"
    status=0
    "$@" || status=$?
  fi
  return $status
}
transfer() { measure "$TMP/bin/core_transfer" | cut -d' ' -f1-2; }
LOAD_AT_START="$(cut -d' ' -f1-3 /proc/loadavg)"
TRANSFERS="at the start $(transfer)"
read -r -a savina_flags <<<"$SAVINA_FLAGS"

declare -A SAVINA_BIN=([troupe]="$TMP/bin/troupe/savina" [go]="$TMP/bin/go/savina"
                       [caf]="$TMP/bin/caf/savina_caf")
RUNTIMES=(troupe)
[[ "$SKIP_GO" == 1 ]] || RUNTIMES+=(go)
[[ "$SKIP_CAF" == 1 ]] || RUNTIMES+=(caf)
for benchmark in $BENCHMARKS; do
  for runtime in "${RUNTIMES[@]}"; do
    echo "== $runtime $benchmark (procs $PROCS, reps $REPS)" >&2
    measure "${SAVINA_BIN[$runtime]}" --benchmark="$benchmark" --procs="$PROCS" --reps="$REPS" \
      ${savina_flags[@]+"${savina_flags[@]}"} | tee "$TMP/savina_${runtime}_$benchmark.txt" >&2
  done
done
TRANSFERS+=", after Savina $(transfer)"

# Each scale run is one line; a run that cannot finish (a resource limit) prints a
# status=died or status=stalled line and exits 3: a result, not a failure.
scale_run() {  # scale_run FILE COMMAND...
  local file="$1" status=0
  shift
  measure "$@" | tee -a "$file" >&2 || status=$?
  [[ $status == 0 || $status == 3 ]] || { echo "run_savina: $* exited $status" >&2; exit 1; }
}
if [[ "$SKIP_SCALE" != 1 ]]; then
  for count in $SCALE_COUNTS; do
    for ((rep = 1; rep <= SCALE_REPS; rep++)); do
      echo "== scale: $count alive, round $rep of $SCALE_REPS" >&2
      scale_run "$TMP/scale_troupe_actors_$count.txt" "$TMP/bin/troupe/scale" --kind=actors \
        --count="$count" --procs="$PROCS"
      scale_run "$TMP/scale_troupe_fibers_$count.txt" "$TMP/bin/troupe/scale" --kind=fibers \
        --count="$count" --procs="$PROCS"
      [[ "$SKIP_GO" == 1 ]] || scale_run "$TMP/scale_go_goroutines_$count.txt" \
        "$TMP/bin/go/scale" --count="$count" --procs="$PROCS"
      [[ "$SKIP_CAF" == 1 ]] || scale_run "$TMP/scale_caf_actors_$count.txt" \
        "$TMP/bin/caf/scale_caf" --count="$count" --procs="$PROCS"
      scale_run "$TMP/scale_first_touch.txt" "$TMP/bin/troupe/scale" --kind=first_touch \
        --count=65536
    done
  done
fi
TRANSFERS+=", at the end $(transfer)"

# c. The tables.
FOOTER="commit $COMMIT; $(date -u '+%Y-%m-%d %H:%M UTC'); nproc=$(nproc), procs=$PROCS; core-to-core transfer (core_transfer.h): $TRANSFERS; load average at the start $LOAD_AT_START, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -s "$TMP/unlocked.txt" ]]; then
  FOOTER+="; $(wc -l <"$TMP/unlocked.txt") program runs without the machine lock: $(paste -sd';' "$TMP/unlocked.txt")"
fi
python3 - "$TMP" "$OUT" "$FOOTER" "$COMMAND" "$BENCHMARKS" "$SCALE_COUNTS" <<'PY'
import os
import re
import statistics
import sys

tmp, out_path, footer, command, benchmarks, scale_counts = sys.argv[1:7]
benchmarks, scale_counts = benchmarks.split(), scale_counts.split()

def lines(path):
    """Result lines of a file as dicts of their key=value fields."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path) as f:
        for line in f:
            fields = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', line)}
            if "name" in fields:
                rows.append(fields)
    return rows

def median(rows, key):
    values = [float(r[key]) for r in rows if key in r]
    return statistics.median(values) if values else None

def fmt(v, digits=0):
    return "n/a" if v is None else f"{v:,.{digits}f}"

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"

def table(header, rows, text_columns=1):
    """The rows as aligned text and as Markdown; the first text_columns are words."""
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    text = ["  ".join(c.ljust(w) if i < text_columns else c.rjust(w)
                      for i, (c, w) in enumerate(zip(r, widths))) for r in [header] + rows]
    text.insert(1, "  ".join("-" * w for w in widths))
    md = ["| " + " | ".join(header) + " |",
          "|" + "|".join(["---"] * text_columns + ["---:"] * (len(header) - text_columns)) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(text), "\n".join(md)

# Savina: median items/s per runtime; troupe's median seconds; ratios.
rows = []
for b in benchmarks:
    runs = {rt: lines(os.path.join(tmp, f"savina_{rt}_{b}.txt")) for rt in ("troupe", "go", "caf")}
    name = next((r[0]["name"] for r in runs.values() if r), b)
    items = {rt: {r["items"] for r in rs} for rt, rs in runs.items() if rs}
    if len({i for s in items.values() for i in s}) > 1:
        print(f"warning: {name}: the runtimes processed different item counts: {items}",
              file=sys.stderr)
    t, g, c = (median(runs[rt], "items_per_second") for rt in ("troupe", "go", "caf"))
    count = next(iter(items.get("troupe", {"?"})))
    rows.append((f"{name} ({int(count):,} items)" if count != "?" else name,
                 fmt(t), fmt(median(runs["troupe"], "seconds"), 3), fmt(g), fmt(c),
                 ratio(t, g), ratio(t, c)))
savina_text, savina_md = table(
    ("benchmark", "troupe items/s", "troupe s", "Go items/s", "CAF items/s", "troupe/Go",
     "troupe/CAF"), rows)

# Scale: median bytes each, seconds and rate per kind and count; what a fresh page
# costs; ratios of troupe's actors to CAF's and troupe's fibers to Go's goroutines.
probes = lines(os.path.join(tmp, "scale_first_touch.txt"))
def us_per_page(step):
    """Median microseconds per 4 KiB page of one step of the first-touch probe."""
    rate = median([r for r in probes if r["name"] == step], "items_per_second")
    return 1e6 / rate if rate else None
page_us = us_per_page("FirstTouch")
KINDS = [("troupe_actors", "troupe idle actors"), ("troupe_fibers", "troupe fibers parked on a channel"),
         ("go_goroutines", "Go goroutines parked on a channel"), ("caf_actors", "CAF 0.17 idle actors")]
rows, ratio_lines = [], []
for count in scale_counts:
    medians = {}
    for key, label in KINDS:
        runs = lines(os.path.join(tmp, f"scale_{key}_{count}.txt"))
        if not runs:
            continue
        done = [r for r in runs if "status" not in r]
        died = [r for r in runs if "status" in r]
        if done:
            b, s, rate = (median(done, k) for k in ("bytes_per_item", "seconds", "items_per_second"))
            fresh_pages_s = f"{int(count) * b / 4096 * page_us / 1e6:.2f}" if page_us else "n/a"
            note = f" ({len(died)} of {len(runs)} runs did not finish)" if died else ""
            medians[key] = (b, rate)
            rows.append((f"{int(count):,}", label + note, fmt(b), fmt(s, 2), fmt(rate), fresh_pages_s))
        else:
            d = died[0]
            rows.append((f"{int(count):,}", label,
                         f"{d['status']} after {int(d.get('ran', 0)):,} ran: {d.get('reason', '?')}",
                         "-", "-", "-"))
    for a, b, what in (("troupe_actors", "caf_actors", "troupe actors / CAF actors"),
                       ("troupe_fibers", "go_goroutines", "troupe fibers / Go goroutines")):
        if a in medians and b in medians:
            ratio_lines.append(f"{int(count):,} alive, {what}: bytes {ratio(medians[a][0], medians[b][0])}x, "
                               f"rate {ratio(medians[a][1], medians[b][1])}x")
scale_text, scale_md = table(
    ("alive", "runtime and kind", "bytes each", "created+run s", "per second",
     "fresh pages, 1 thread s"), rows, text_columns=2) if rows else ("", "")
touch_note = ""
if page_us:
    steps = {step: us_per_page(step) for step in
             ("SecondTouch", "PopulateWrite", "TouchAfterPopulate", "HugePageTouch")}
    shown = {k: "n/a" if v is None else f"{v:.2f}" for k, v in steps.items()}
    huge = ("n/a" if steps["HugePageTouch"] is None
            else f"{steps['HugePageTouch'] * 512 / 1e3:.1f} ms per 2 MiB")
    backing = [r for r in probes if r["name"] == "HugePageBacking"]
    if backing:
        huge += f"; {int(backing[0]['huge_pages'])} of {int(backing[0]['items'])} were huge pages"
    touch_note = (f"A fresh 4 KiB page cost {page_us:.1f} us on its first write (median of the "
                  "probes, `scale --kind=first_touch`, first_touch.h); the last column is alive x "
                  "bytes/4096 x that, what one thread pays to touch that memory in small pages "
                  "(not a floor: huge pages and two threads touching at once beat it). Per page, in us: a second write "
                  f"{shown['SecondTouch']}; MADV_POPULATE_WRITE {shown['PopulateWrite']}, then "
                  f"the first write after it {shown['TouchAfterPopulate']}; 2 MiB huge pages "
                  f"{shown['HugePageTouch']} per 4 KiB ({huge}).")

print(savina_text)
if scale_text:
    print()
    print(scale_text)
    print("\n".join(ratio_lines))
    print(touch_note)
print(footer)
with open(out_path, "w") as f:
    f.write(f"```sh\n{command}\n```\n\n{savina_md}\n\n")
    if scale_md:
        f.write(scale_md + "\n\n" + "".join(f"- {l}\n" for l in ratio_lines) + "\n" + touch_note + "\n\n")
    f.write(footer + " (medians)\n")
PY
echo "Markdown: $OUT"
