#!/usr/bin/env bash
# The remote benchmarks' JSON mode (benchmarks/remote/remote_main.cc), in one tiny
# run (--quick): stdout is a JSON array of rows with exactly the keys the issue names,
# one row for each benchmark and runtime expected, every ops_per_s positive, the
# ping-pong rows with latencies (p50 <= p99) and the fan-in rows with null ones; the
# table and the target ratios go to stderr; bad flags are refused with what is
# allowed. With "caf" as argument the CAF peer runs too and its rows are checked.
set -euo pipefail

runfiles="$TEST_SRCDIR/troupe"
binary="$runfiles/benchmarks/remote/remote_troupe"
fail() { echo "FAIL: $*" >&2; exit 1; }

flags=(--quick --repeat=1 --json=-)
runtimes="troupe nats.c"
if [[ "${1:-}" == "caf" ]]; then
  flags+=(--caf_binary="$runfiles/benchmarks/peers/caf/remote_peers")
  runtimes="troupe nats.c caf"
fi

"$binary" "${flags[@]}" >"$TEST_TMPDIR/rows.json" 2>"$TEST_TMPDIR/stderr" ||
  fail "remote_troupe exited $?: $(cat "$TEST_TMPDIR/stderr")"
grep -q "^Same-run ratios" "$TEST_TMPDIR/stderr" || fail "no ratios on stderr: $(cat "$TEST_TMPDIR/stderr")"
grep -q "pingpong p50 latency, troupe / nats.c" "$TEST_TMPDIR/stderr" ||
  fail "no troupe/nats.c latency ratio: $(cat "$TEST_TMPDIR/stderr")"

RUNTIMES="$runtimes" python3 - "$TEST_TMPDIR/rows.json" <<'PY' || fail "the JSON rows: see above"
import json, os, sys

rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list), "not an array: %r" % rows
keys = {"benchmark", "runtime", "ops_per_s", "p50_us", "p99_us"}
expected = {("pingpong", "troupe"), ("pingpong", "nats.c"), ("fanin", "troupe"),
            ("fanin", "nats.c"), ("fanin", "nats.c+protobuf"),
            ("pingpong_at_least_once", "troupe"),
            ("fanin_at_least_once", "troupe")}
if "caf" in os.environ["RUNTIMES"].split():
    expected |= {("pingpong", "caf"), ("fanin", "caf")}
seen = set()
for row in rows:
    assert set(row) == keys, "keys %s, not %s: %r" % (sorted(row), sorted(keys), row)
    name = (row["benchmark"], row["runtime"])
    assert name not in seen, "twice: %r" % (name,)
    seen.add(name)
    assert row["ops_per_s"] > 0, "ops_per_s not positive: %r" % row
    if row["benchmark"].startswith("pingpong"):
        assert 0 < row["p50_us"] <= row["p99_us"], "latencies: %r" % row
    else:
        assert row["p50_us"] is None and row["p99_us"] is None, "fan-in latencies: %r" % row
assert seen == expected, "rows %s, expected %s" % (sorted(seen), sorted(expected))
print("%d rows: %s" % (len(rows), sorted(seen)))
PY

# Bad flags: refused with what is allowed, exit 2, no rows.
if "$binary" --repeat=0 >"$TEST_TMPDIR/bad.out" 2>&1; then fail "--repeat=0 was accepted"; fi
grep -q "repeat must be in \[1, 100\]; got 0" "$TEST_TMPDIR/bad.out" ||
  fail "--repeat=0: $(cat "$TEST_TMPDIR/bad.out")"
if "$binary" --senders=0 >"$TEST_TMPDIR/bad.out" 2>&1; then fail "--senders=0 was accepted"; fi
grep -q "senders must be in \[1, 64\]; got 0" "$TEST_TMPDIR/bad.out" ||
  fail "--senders=0: $(cat "$TEST_TMPDIR/bad.out")"
echo PASS
