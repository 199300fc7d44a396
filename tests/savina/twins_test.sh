#!/usr/bin/env bash
# The Go or the CAF 0.17 twins of the Savina benchmarks (benchmarks/peers/go/savina,
# benchmarks/peers/caf/savina) and of the scale benchmark: each benchmark run with
# tiny parameters passes its own check (exit 0) and prints its result lines with the
# expected item count; the scale twin prints its result line; bad flags are refused
# with a message naming the flag (exit 2). The flags and messages are the same in
# both twins (and in troupe's programs, tested by savina_test and harness_test).
#
# Usage: twins_test.sh go    (builds the Go twins offline with Debian's Go)
#        twins_test.sh caf   (runs the Bazel-built CAF twins from the test's data)
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

case "${1:-}" in
  go)
    command -v go >/dev/null || fail "go is not installed (setup.sh installs golang-go)"
    module="$TEST_SRCDIR/troupe/benchmarks/peers/go"
    bin="$TEST_TMPDIR/bin"
    mkdir -p "$bin"
    (cd "$module" && GOFLAGS=-mod=mod GOPROXY=off GOCACHE="$TEST_TMPDIR/gocache" \
      GOPATH="$TEST_TMPDIR/gopath" go build -o "$bin/" ./savina ./savina/scale) ||
      fail "go build of the Savina twins failed"
    savina="$bin/savina"
    scale="$bin/scale"
    scale_name=ParkedGoroutines
    ;;
  caf)
    savina="$TEST_SRCDIR/troupe/benchmarks/peers/caf/savina_caf"
    scale="$TEST_SRCDIR/troupe/benchmarks/peers/caf/scale_caf"
    scale_name=IdleActors
    ;;
  *) fail "usage: twins_test.sh go|caf; got '${1:-}'" ;;
esac

# check BENCHMARK NAME ITEMS FLAGS...: two validated timed repetitions of ITEMS items.
check() {
  local benchmark="$1" name="$2" items="$3"
  shift 3
  local out
  out="$("$savina" --benchmark="$benchmark" --reps=2 --procs=2 "$@" 2>"$TEST_TMPDIR/stderr")" ||
    fail "$benchmark $* exited $?: $(cat "$TEST_TMPDIR/stderr")"
  grep -q "$name items=$items (validated)" "$TEST_TMPDIR/stderr" ||
    fail "$benchmark: no validated warm-up reported: $(cat "$TEST_TMPDIR/stderr")"
  [[ "$(grep -c "^name=$name items=$items seconds=[0-9.]* items_per_second=" <<<"$out")" == 2 ]] ||
    fail "$benchmark: want two result lines for $name items=$items, got: $out"
}

check pingpong PingPong 500 --pingpong_pings=500
check counting Counting 5000 --counting_messages=5000
check fjcreate ForkJoinCreate 300 --fjcreate_actors=300
check fjthrput ForkJoinThroughput 1400 --fjthrput_actors=7 --fjthrput_messages=200
check threadring ThreadRing 1000 --threadring_actors=13 --threadring_hops=1000
check threadring ThreadRing 50 --threadring_actors=1 --threadring_hops=50
check chameneos Chameneos 1000 --chameneos_creatures=10 --chameneos_meetings=1000
check chameneos Chameneos 100 --chameneos_creatures=2 --chameneos_meetings=100
check big Big 1200 --big_actors=12 --big_pings=100
check big Big 50 --big_actors=1 --big_pings=50

refused() {  # refused MESSAGE ARGS...: the program exits 2 and says MESSAGE
  local message="$1" status=0
  shift
  "$@" >/dev/null 2>"$TEST_TMPDIR/stderr" || status=$?
  [[ $status == 2 ]] || fail "$* exited $status, want 2"
  grep -qF -- "$message" "$TEST_TMPDIR/stderr" ||
    fail "$*: no message '$message': $(cat "$TEST_TMPDIR/stderr")"
}
refused "--chameneos_creatures must be in [2, 1000000]; got 1" \
  "$savina" --benchmark=chameneos --chameneos_creatures=1
refused "pingpong, counting, fjcreate, fjthrput, threadring, chameneos, big" \
  "$savina" --benchmark=savanna
refused "--count must be in [1, 100000000]; got 0" "$scale" --count=0

out="$("$scale" --count=2000 --procs=2)" || fail "scale exited $?"
[[ "$out" =~ ^name=$scale_name\ items=2000\ seconds=[0-9.]+\ items_per_second=[0-9.e+]+\ bytes_per_item=-?[0-9]+$ ]] ||
  fail "scale: unexpected result line: $out"
echo PASS
