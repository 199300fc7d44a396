#!/usr/bin/env bash
# The example of a user's own workload in the pattern comparison builds and runs:
# every design of a stateful workload reproduces the reference checksum (the program
# exits 1 and marks the row ERROR otherwise), and the run ends with a verdict.
set -euo pipefail

binary="$TEST_SRCDIR/troupe/examples/compare_workload/compare_workload"
fail() { echo "FAIL: $*" >&2; exit 1; }

out="$("$binary" --records=2000 --procs=2 --parallelism=8 --json="$TEST_TMPDIR/result.json" \
  2>"$TEST_TMPDIR/stderr")" || fail "exited $?: $out $(cat "$TEST_TMPDIR/stderr")"
! grep -q "ERROR" <<<"$out" || fail "a design failed: $out"
for design in actors worker_pool/sharded worker_pool/global pipeline; do
  grep -q "^$design  *troupe " <<<"$out" || fail "no $design row: $out"
done
grep -q "^Pattern comparison: workload log_sessions: 2000 records" <<<"$out" ||
  fail "no header naming the workload: $out"
grep -q "^Verdict for workload log_sessions" <<<"$out" || fail "no verdict: $out"
sums="$(grep -o '"checksum": "0x[0-9a-f]*"' "$TEST_TMPDIR/result.json" | sort -u | wc -l)"
[[ "$sums" == 1 ]] || fail "$sums different checksums in $(cat "$TEST_TMPDIR/result.json")"
echo PASS
