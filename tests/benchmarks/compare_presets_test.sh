#!/usr/bin/env bash
# Every preset of the pattern comparison, every design, on troupe and in Go (built
# here, offline, from benchmarks/peers/go): in each small run every row reproduces
# the ceiling's checksum (compare_troupe exits 1 otherwise and marks the row ERROR;
# the Go program also checks its own against a sequential reference); each run ends
# with a verdict; a rate sweep writes its curves and --duration sets the records;
# --profile writes profiles go tool pprof reads and draws flame graphs; bad flags are
# refused with what is allowed. Go is required: setup.sh installs it.
set -euo pipefail

runfiles="$TEST_SRCDIR/troupe"
compare="$runfiles/benchmarks/compare/compare_troupe"
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || fail "go is required (./setup.sh installs it)"
export GOCACHE="$TEST_TMPDIR/gocache" GOPATH="$TEST_TMPDIR/gopath" GOFLAGS=-mod=mod GOPROXY=off
(cd "$runfiles/benchmarks/peers/go" && go build -o "$TEST_TMPDIR/go_compare" ./compare) ||
  fail "building the Go comparison program failed"

# Runs compare_troupe with the Go program on one preset; checks every design's rows.
check() {
  local workload="$1"
  shift
  local json="$TEST_TMPDIR/$workload.json" out="$TEST_TMPDIR/$workload.out"
  "$compare" --workload="$workload" --procs=2 --capacity=8 --probe_cores=false --go_binary="$TEST_TMPDIR/go_compare" \
    --json="$json" "$@" >"$out" 2>"$TEST_TMPDIR/stderr" ||
    fail "$workload $* exited $?: $(cat "$out" "$TEST_TMPDIR/stderr")"
  ! grep -q "ERROR" "$out" || fail "$workload: a row failed: $(cat "$out")"
  grep -q "^Verdict for workload $workload" "$out" || fail "$workload: no verdict: $(cat "$out")"
  grep -q '"verdicts": {' "$json" || fail "$workload: no verdicts in the JSON"
  # One checksum for every row.
  local sums
  sums="$(grep -o '"checksum": "0x[0-9a-f]*"' "$json" | sort -u | wc -l)"
  [[ "$sums" == 1 ]] || fail "$workload: $sums different checksums: $(grep -o '"checksum": "0x[0-9a-f]*"' "$json")"
  local design
  for design in $(grep -o '"name": "[a-z_/]*"' "$json" | cut -d'"' -f4); do
    for runtime in troupe go; do
      grep -q "{\"design\": \"$design\", \"runtime\": \"$runtime\"" "$json" ||
        fail "$workload: no $design row for $runtime"
    done
  done
  echo "$workload: $(grep -c '{"design": "[^"]*", "runtime": "go"' "$json") Go rows, checksum $(grep -o '"checksum": "0x[0-9a-f]*"' "$json" | head -1)"
}

check cpu --records=3000
check io --records=1500 --io_wait_us=50 --parallelism=8
check skewed --records=1500 --heavy_factor=20
check bursty --records=3000 --burst_size=500
check stateful --records=3000 --keys=64 --state_words=8
check ordered --records=3000 --keys=8

# A rate sweep: one curve per design and runtime in the summary.
"$compare" --workload=cpu --procs=2 --records=2000 --probe_cores=false --designs=pipeline --rate_sweep=50000:100000:2 \
  --go_binary="$TEST_TMPDIR/go_compare" --json="$TEST_TMPDIR/sweep.json" \
  >"$TEST_TMPDIR/sweep.out" 2>&1 || fail "the rate sweep exited $?: $(cat "$TEST_TMPDIR/sweep.out")"
grep -q '"summary": {"rate_sweep": \[.*{"design": "pipeline", "runtime": "troupe", "points": \[{"offered_rps": 50000.0' \
  "$TEST_TMPDIR/sweep.json" || fail "no rate_sweep curve in the JSON: $(tail -c 600 "$TEST_TMPDIR/sweep.json")"
grep -q "^Latency against offered load" "$TEST_TMPDIR/sweep.out" || fail "no load curves printed"

# --duration: open loop, records = rate x duration.
"$compare" --workload=cpu --procs=2 --probe_cores=false --designs=worker_pool --rate=100000 --duration=0.03 \
  --json="$TEST_TMPDIR/duration.json" >/dev/null 2>&1 || fail "--duration exited $?"
grep -q '"records": 3000, "seconds"' "$TEST_TMPDIR/duration.json" ||
  fail "--duration=0.03 at 100000/s did not run 3000 records: $(head -c 300 "$TEST_TMPDIR/duration.json")"

# --profile: a CPU and a block profile per troupe design that go tool pprof reads, and
# each design's CPU and block flame graphs in the HTML report.
profiles="$TEST_TMPDIR/profiles"
"$compare" --workload=cpu --procs=2 --records=20000 --probe_cores=false --profile="$profiles" \
  --html="$TEST_TMPDIR/profiled.html" --json="$TEST_TMPDIR/profiled.json" \
  >"$TEST_TMPDIR/profiled.out" 2>&1 || fail "--profile exited $?: $(cat "$TEST_TMPDIR/profiled.out")"
for design in worker_pool pipeline actors; do
  profile="$profiles/cpu-1-$design.cpu.pb.gz"
  [[ -s "$profile" ]] || fail "--profile wrote no $profile: $(ls "$profiles")"
  go tool pprof -raw "$profile" >"$TEST_TMPDIR/raw.txt" 2>&1 || fail "go tool pprof cannot read $profile: $(cat "$TEST_TMPDIR/raw.txt")"
  grep -q "^PeriodType: cpu nanoseconds" "$TEST_TMPDIR/raw.txt" || fail "$profile is not a CPU profile: $(head "$TEST_TMPDIR/raw.txt")"
  grep -q "<summary>$design ($profile)</summary><svg [^>]*class=\"flame-graph\"" "$TEST_TMPDIR/profiled.html" ||
    fail "the HTML report has no flame graph for $design"
  grep -q "{\"design\": \"$design\", \"runtime\": \"troupe\".*\"cpu_profile\": \"$profile\"" "$TEST_TMPDIR/profiled.json" ||
    fail "the JSON does not name $design's profile"
  block="$profiles/cpu-1-$design.block.pb.gz"
  [[ -s "$block" ]] || fail "--profile wrote no $block: $(ls "$profiles")"
  go tool pprof -raw "$block" >"$TEST_TMPDIR/raw.txt" 2>&1 || fail "go tool pprof cannot read $block: $(cat "$TEST_TMPDIR/raw.txt")"
  grep -q "^PeriodType: contentions count" "$TEST_TMPDIR/raw.txt" || fail "$block is not a block profile: $(head "$TEST_TMPDIR/raw.txt")"
  grep -q "contentions/count delay/nanoseconds" "$TEST_TMPDIR/raw.txt" || fail "$block lacks the block profile's sample types: $(head -20 "$TEST_TMPDIR/raw.txt")"
  grep -q "^<p>Where its fibers waited (block profile, by delay: <code>$block</code>)</p><svg [^>]*class=\"flame-graph\"" "$TEST_TMPDIR/profiled.html" ||
    fail "the HTML report has no block flame graph for $design"
  grep -q "{\"design\": \"$design\", \"runtime\": \"troupe\".*\"block_profile\": \"$block\"" "$TEST_TMPDIR/profiled.json" ||
    fail "the JSON does not name $design's block profile"
done

# Bad flags: exit status 2 and a message saying what is allowed.
refused() {
  local expected="$1"
  shift
  if "$compare" "$@" >/dev/null 2>"$TEST_TMPDIR/stderr"; then fail "$* was accepted"; fi
  grep -q -- "$expected" "$TEST_TMPDIR/stderr" || fail "$*: no message with \"$expected\": $(cat "$TEST_TMPDIR/stderr")"
}
refused "cpu, io, skewed, bursty, stateful, ordered" --workload=gpu
refused "FROM:TO:STEPS" --rate_sweep=5:1:3
refused "needs --rate" --duration=10
refused "allowed: actors, worker_pool/sharded, worker_pool/global, pipeline" --workload=stateful --designs=worker_pool
refused "either stateful" --workload=ordered --state_words=4
refused "--profile must name a directory that can be created" --profile=/proc/self/troupe-profiles
echo PASS
