#!/usr/bin/env bash
# `go tool pprof` reads the profiles troupe writes: -raw parses them, -top names the
# CPU-bound fiber's function first, -tagfocus selects it by its fiber label, and
# -traces shows the parked receivers' stack with their state and wait reason; the
# block profile has the receivers' waits at their stack, the mutex profile the
# contention at the holder's.
# Go is installed by setup.sh; without it the test says so and passes (nothing to run).
set -euo pipefail

if ! command -v go >/dev/null; then
  echo "SKIPPED: go is not installed (setup.sh installs golang-go)"
  exit 0
fi
export HOME="${TEST_TMPDIR}" PPROF_TMPDIR="${TEST_TMPDIR}/pprof"
writer="${TEST_SRCDIR}/${TEST_WORKSPACE}/tests/profiling/write_profiles"
"${writer}" "${TEST_TMPDIR}"

fail() {
  echo "FAIL: $1" >&2
  echo "--- output:" >&2
  echo "$2" >&2
  exit 1
}

raw=$(go tool pprof -raw "${TEST_TMPDIR}/cpu.pb.gz" 2>&1) || fail "pprof -raw rejected cpu.pb.gz" "${raw}"
grep -q '^samples/count cpu/nanoseconds$' <<<"${raw}" || fail "sample types" "${raw}"
grep -q 'fiber:\[spinner\]' <<<"${raw}" || fail "no sample labelled fiber=spinner" "${raw}"

top=$(go tool pprof -top "${TEST_TMPDIR}/cpu.pb.gz" 2>&1) || fail "pprof -top failed" "${top}"
# The first row after the header is the function with the most flat time.
first=$(awk '/flat%/ { getline; print $6; exit }' <<<"${top}")
[[ "${first}" == *BurnCpuInSpinner ]] || fail "BurnCpuInSpinner is not first in -top" "${top}"

focused=$(go tool pprof -top -tagfocus=fiber=spinner "${TEST_TMPDIR}/cpu.pb.gz" 2>&1) ||
  fail "pprof -tagfocus failed" "${focused}"
grep -q 'BurnCpuInSpinner' <<<"${focused}" || fail "-tagfocus fiber=spinner lost the spinner" "${focused}"

traces=$(go tool pprof -traces "${TEST_TMPDIR}/fiber.pb.gz" 2>&1) || fail "pprof -traces failed" "${traces}"
grep -q 'wait_reason:  channel receive' <<<"${traces}" || fail "no wait reason" "${traces}"
grep -q 'state:  waiting' <<<"${traces}" || fail "no waiting state" "${traces}"
grep -q 'ReceiveInParkedReceiver' <<<"${traces}" || fail "no receiver stack" "${traces}"
grep -qE '^ +3 +troupe::' <<<"${traces}" || fail "the three receivers are not one sample of 3" "${traces}"
for profile in block mutex; do
  raw=$(go tool pprof -raw "${TEST_TMPDIR}/${profile}.pb.gz" 2>&1) ||
    fail "pprof -raw rejected ${profile}.pb.gz" "${raw}"
  grep -q '^contentions/count delay/nanoseconds$' <<<"${raw}" || fail "${profile} sample types" "${raw}"
done
traces=$(go tool pprof -traces "${TEST_TMPDIR}/block.pb.gz" 2>&1) || fail "pprof -traces failed" "${traces}"
grep -q 'wait_reason:  channel receive' <<<"${traces}" || fail "no channel receive wait" "${traces}"
grep -q 'ReceiveInParkedReceiver' <<<"${traces}" || fail "no receiver stack in the block profile" "${traces}"
traces=$(go tool pprof -traces "${TEST_TMPDIR}/mutex.pb.gz" 2>&1) || fail "pprof -traces failed" "${traces}"
grep -q 'UnlockInHolder' <<<"${traces}" || fail "no holder stack in the mutex profile" "${traces}"
grep -q 'fiber:  holder' <<<"${traces}" || fail "no holder label in the mutex profile" "${traces}"
echo "PASS"
