#!/usr/bin/env bash
# compare --nodes=2 (benchmarks/compare/node_comparison.h) on a few hundred records:
# it exits 0; each of worker_pool, pipeline and actors has a local row and a row
# spread over 2 processes ("troupe x2"), and every row reproduces the ceiling's
# checksum (compare_troupe exits 1 otherwise); the crossing-cost table names each
# design; no process reports a sanitizer error; no node process outlives the run; and what --nodes cannot run is refused
# with what is allowed. Needs nats-server (setup.sh installs it).
set -euo pipefail

compare="$TEST_SRCDIR/troupe/benchmarks/compare/compare_troupe"
fail() { echo "FAIL: $*" >&2; exit 1; }

json="$TEST_TMPDIR/nodes.json" out="$TEST_TMPDIR/nodes.out" err="$TEST_TMPDIR/nodes.err"
"$compare" --nodes=2 --records=300 --procs=2 --capacity=8 --probe_cores=false --json="$json" \
  >"$out" 2>"$err" || fail "--nodes=2 exited $?: $(cat "$out" "$err")"
! grep -q "ERROR" "$out" || fail "a row failed: $(cat "$out" "$err")"
# The node processes share the coordinator's stderr: a sanitizer's report in any of
# them fails the test (their exit status is not the coordinator's).
! grep -q "Sanitizer" "$err" || fail "a sanitizer report: $(cat "$err")"
for design in worker_pool pipeline actors; do
  for runtime in troupe "troupe x2"; do
    grep -q "{\"design\": \"$design\", \"runtime\": \"$runtime\", \"records\": 300," "$json" ||
      fail "no $design row for $runtime with 300 records: $(cat "$json")"
  done
  grep -q "^$design .*x " "$out" || fail "no crossing cost for $design: $(cat "$out")"
done
sums="$(grep -o '"checksum": "0x[0-9a-f]*"' "$json" | sort -u | wc -l)"
[[ "$sums" == 1 ]] || fail "$sums different checksums: $(grep -o '"checksum": "0x[0-9a-f]*"' "$json")"
grep -q "^Crossing processes: each design over 2 processes" "$out" || fail "no crossing table: $(cat "$out")"
# The node processes carry the coordinator's arguments, --json="$json" among them.
if pgrep -f -- "--json=$json" >/dev/null; then
  fail "a node process outlived the run: $(pgrep -af -- "--json=$json")"
fi
echo "nodes=2: $(grep -c '"runtime": "troupe x2"' "$json") spread rows, checksum $(grep -o '"checksum": "0x[0-9a-f]*"' "$json" | head -1)"

# What --nodes cannot run: exit status 2 and a message saying what is allowed.
refused() {
  local expected="$1"
  shift
  if "$compare" --probe_cores=false "$@" >/dev/null 2>"$TEST_TMPDIR/stderr"; then fail "$* was accepted"; fi
  grep -q -- "$expected" "$TEST_TMPDIR/stderr" || fail "$*: no message with \"$expected\": $(cat "$TEST_TMPDIR/stderr")"
}
refused "--nodes must be in \[1, 8\]; got 0" --nodes=0
refused "--nodes must be in \[1, 8\]; got 9" --nodes=9
refused "cpu or skewed; got --workload=io" --nodes=2 --workload=io
refused "runs closed loop at one setting" --nodes=2 --rate=1000
echo PASS
