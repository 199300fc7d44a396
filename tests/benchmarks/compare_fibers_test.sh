#!/usr/bin/env bash
# The Boost.Fiber peer of the pattern comparison (benchmarks/peers/boost_fiber): each design,
# closed and open loop, on one and two threads, receives every record and reproduces
# the sequential checksum (the program checks that itself up to 100,000 records and
# exits 1 otherwise); bad flags are refused with a message.
set -euo pipefail

binary="$TEST_SRCDIR/troupe/benchmarks/peers/boost_fiber/compare_fibers"
fail() { echo "FAIL: $*" >&2; exit 1; }

for design in worker_pool pipeline actors; do
  for procs in 1 2; do
    for rate in 0 400000; do
      args=(-design="$design" -records=20000 -procs="$procs" -capacity=16 -rate="$rate")
      out="$("$binary" "${args[@]}" 2>"$TEST_TMPDIR/stderr")" ||
        fail "${args[*]} exited $?: $(cat "$TEST_TMPDIR/stderr")"
      grep -q "checksum 0x[0-9a-f]* == sequential reference" "$TEST_TMPDIR/stderr" ||
        fail "${args[*]}: no checksum check reported: $(cat "$TEST_TMPDIR/stderr")"
      [[ "$out" == *"\"design\": \"$design\", \"runtime\": \"boost.fiber\", \"records\": 20000,"* ]] ||
        fail "${args[*]}: unexpected result line: $out"
      # Nine latency quantiles (kLatencyQuantiles in compare_workload.h).
      [[ "$out" =~ \"latency_quantiles_us\":\ \[([0-9.]+,\ ){8}[0-9.]+\] ]] ||
        fail "${args[*]}: no complete latency_quantiles_us: $out"
    done
  done
done

if "$binary" -design=actors -capacity=0 2>"$TEST_TMPDIR/stderr"; then
  fail "-capacity=0 was accepted"
fi
grep -q "capacity" "$TEST_TMPDIR/stderr" || fail "no message naming -capacity: $(cat "$TEST_TMPDIR/stderr")"
if "$binary" -design=threads 2>"$TEST_TMPDIR/stderr"; then fail "-design=threads was accepted"; fi
grep -q "worker_pool, pipeline or actors" "$TEST_TMPDIR/stderr" ||
  fail "no message listing the designs: $(cat "$TEST_TMPDIR/stderr")"
echo PASS
