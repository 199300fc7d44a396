#!/usr/bin/env bash
# The Boost.Fiber peer of the pattern comparison (benchmarks/peers/boost_fiber): every
# design of every workload shape (plain, heavy-tailed, waiting, bursty, stateful,
# ordered), closed and open loop, on one and two threads, receives every record and
# reproduces the sequential checksum (the program checks that itself up to 100,000
# records and exits 1 otherwise); bad flags are refused with a message.
set -euo pipefail

binary="$TEST_SRCDIR/troupe/benchmarks/peers/boost_fiber/compare_fibers"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Runs one design with the given flags and checks its result line.
check() {
  local design="$1"
  shift
  local args=(-design="$design" -records=2000 -capacity=16 "$@")
  out="$("$binary" "${args[@]}" 2>"$TEST_TMPDIR/stderr")" ||
    fail "${args[*]} exited $?: $(cat "$TEST_TMPDIR/stderr")"
  grep -q "checksum 0x[0-9a-f]* == sequential reference" "$TEST_TMPDIR/stderr" ||
    fail "${args[*]}: no checksum check reported: $(cat "$TEST_TMPDIR/stderr")"
  [[ "$out" == *"\"design\": \"$design\", \"runtime\": \"boost.fiber\", \"records\": 2000,"* ]] ||
    fail "${args[*]}: unexpected result line: $out"
  # Nine latency quantiles (kLatencyQuantiles in compare_workload.h), and the RSS.
  [[ "$out" =~ \"latency_quantiles_us\":\ \[([0-9.]+,\ ){8}[0-9.]+\] ]] ||
    fail "${args[*]}: no complete latency_quantiles_us: $out"
  [[ "$out" =~ \"rss_peak_kb\":\ [1-9][0-9]* ]] || fail "${args[*]}: no sampled RSS: $out"
}

for procs in 1 2; do
  for design in worker_pool pipeline actors; do
    for rate in 0 400000; do
      check "$design" -procs="$procs" -rate="$rate"
    done
    check "$design" -procs="$procs" -heavy_bp=100 -heavy_factor=20            # skewed
    check "$design" -procs="$procs" -io_wait_us=50 -parallelism=8              # io
    check "$design" -procs="$procs" -rate=400000 -burst=500                    # bursty
    check "$design" -procs="$procs" -keys=16 -ordered=1 -heavy_bp=100          # ordered
  done
  for design in actors worker_pool/sharded worker_pool/global pipeline; do  # stateful
    check "$design" -procs="$procs" -keys=64 -hot_key_percent=20 -state_words=8 -shards=4
  done
done

if "$binary" -design=actors -capacity=0 2>"$TEST_TMPDIR/stderr"; then
  fail "-capacity=0 was accepted"
fi
grep -q "capacity" "$TEST_TMPDIR/stderr" || fail "no message naming -capacity: $(cat "$TEST_TMPDIR/stderr")"
if "$binary" -design=threads 2>"$TEST_TMPDIR/stderr"; then fail "-design=threads was accepted"; fi
grep -q "worker_pool, pipeline or actors" "$TEST_TMPDIR/stderr" ||
  fail "no message listing the designs: $(cat "$TEST_TMPDIR/stderr")"
if "$binary" -design=worker_pool/block -io_wait_us=10 2>"$TEST_TMPDIR/stderr"; then
  fail "-design=worker_pool/block was accepted"
fi
grep -q "no /block designs" "$TEST_TMPDIR/stderr" ||
  fail "no message saying there are no /block designs: $(cat "$TEST_TMPDIR/stderr")"
echo PASS
