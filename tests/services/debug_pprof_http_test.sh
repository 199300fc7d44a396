#!/usr/bin/env bash
# The example HTTP service serves Go's /debug/pprof/ paths so that `go tool pprof`
# works against it as against a Go server: a CPU profile fetched over HTTP while the
# service is under load names troupe's functions, and the goroutine (fiber) profile
# shows the accepting fiber parked in a socket read, with its wait reason and stack;
# the block and mutex profiles (turned on by the server's flags) parse.
# Go is installed by setup.sh; without it the test says so and passes (nothing to run).
set -euo pipefail

if ! command -v go >/dev/null; then
  echo "SKIPPED: go is not installed (setup.sh installs golang-go)"
  exit 0
fi
export HOME="${TEST_TMPDIR}" PPROF_TMPDIR="${TEST_TMPDIR}/pprof"
server="${TEST_SRCDIR}/${TEST_WORKSPACE}/services/http_server"
log="${TEST_TMPDIR}/server.log"
stop_load="${TEST_TMPDIR}/stop_load"

fail() {
  echo "FAIL: $1" >&2
  echo "--- output:" >&2
  echo "$2" >&2
  echo "--- server log:" >&2
  cat "${log}" >&2
  exit 1
}

"${server}" --port=0 --procs=2 --block_profile_rate=1 --mutex_profile_fraction=1 2>"${log}" &
server_pid=$!
load_pid=""
cleanup() {
  touch "${stop_load}"
  [[ -n "${load_pid}" ]] && wait "${load_pid}" 2>/dev/null || true
  kill "${server_pid}" 2>/dev/null || true
  # What is checked here is done; the server's own shutdown is tested elsewhere.
  # Under TSan a SIGTERM that lands on a thread asleep in a futex waits for that
  # thread's next intercepted call, so give it 20 s, then stop it for good.
  for _ in $(seq 200); do
    kill -0 "${server_pid}" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "${server_pid}" 2>/dev/null || true
  wait "${server_pid}" 2>/dev/null || true
}
trap cleanup EXIT

# The port, once the server says it listens (bounded: 30 s).
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "${log}")
  [[ -n "${port}" ]] && break
  kill -0 "${server_pid}" 2>/dev/null || fail "the server exited" ""
  sleep 0.1
done
[[ -n "${port}" ]] || fail "the server did not report its port within 30 s" ""

# Load: batches of pipelined keep-alive requests over one connection each, until
# told to stop; the responses are read and dropped.
load() {
  while [[ ! -e "${stop_load}" ]]; do
    exec 3<>"/dev/tcp/127.0.0.1/${port}"
    for _ in $(seq 1 2000); do printf 'GET /hello HTTP/1.1\r\nHost: t\r\n\r\n'; done >&3
    printf 'GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&3
    cat <&3 >/dev/null
    exec 3<&-
  done
}
load &
load_pid=$!

index=$(exec 4<>"/dev/tcp/127.0.0.1/${port}"
        printf 'GET /debug/pprof/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&4
        cat <&4)
grep -q '^HTTP/1.1 200' <<<"${index}" || fail "/debug/pprof/ did not answer 200" "${index}"
grep -q 'href="profile?seconds=30"' <<<"${index}" || fail "the index lacks the CPU profile" "${index}"

url="http://127.0.0.1:${port}/debug/pprof"
top=$(go tool pprof -top "${url}/profile?seconds=2" 2>&1) || fail "pprof could not fetch the CPU profile" "${top}"
grep -q '^Type: cpu$' <<<"${top}" || fail "not a CPU profile" "${top}"
grep -q 'troupe::' <<<"${top}" || fail "no troupe function in the CPU profile under load" "${top}"

touch "${stop_load}"
traces=$(go tool pprof -traces "${url}/goroutine" 2>&1) || fail "pprof could not fetch the fiber profile" "${traces}"
grep -q '^Type: fibers$' <<<"${traces}" || fail "not a fiber profile" "${traces}"
grep -q 'wait_reason:  socket read' <<<"${traces}" || fail "no fiber waits on a socket read" "${traces}"
grep -q 'troupe::services::HttpServer::AcceptLoop' <<<"${traces}" ||
  fail "the accepting fiber's stack is missing" "${traces}"
for profile in block mutex; do
  raw=$(go tool pprof -raw "${url}/${profile}" 2>&1) || fail "pprof could not fetch /${profile}" "${raw}"
  grep -q '^PeriodType: contentions count$' <<<"${raw}" || fail "not a ${profile} profile" "${raw}"
done
echo "PASS"
