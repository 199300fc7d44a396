#!/usr/bin/env bash
# The example HTTP service serves Go's /debug/pprof/ paths so that `go tool pprof`
# works against it as against a Go server: a CPU profile fetched over HTTP while the
# service is under load names troupe's functions, and the goroutine (fiber) profile
# shows the accepting fiber parked in a socket read, with its wait reason and stack;
# the block and mutex profiles (turned on by the server's flags) parse. It serves
# troupe's /debug/troupe/fibers too: the fiber dump shows the accepting fiber by
# name, parked in a socket read, and the fiber serving the request running.
# Go is installed by setup.sh; without it the pprof part says so and is skipped.
set -euo pipefail

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

# The log exists before the server starts: the port loop below reads it at once, and
# the background job may not have opened it yet.
: >"${log}"
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

# get PATH: the whole response (status line, headers, body) to a GET of PATH.
get() {
  exec 4<>"/dev/tcp/127.0.0.1/${port}"
  printf 'GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' "$1" >&4
  cat <&4
  exec 4<&-
}

index=$(get /debug/pprof/)
grep -q '^HTTP/1.1 200' <<<"${index}" || fail "/debug/pprof/ did not answer 200" "${index}"
grep -q 'href="profile?seconds=30"' <<<"${index}" || fail "the index lacks the CPU profile" "${index}"
grep -q 'href="/debug/troupe/fibers"' <<<"${index}" || fail "the index lacks the fiber dump" "${index}"

# The accepting fiber parks again once it has handed this request's connection
# over: fetch the dump until it shows that (bounded: 100 tries, 10 s).
accept_parked='^fiber [0-9]+ "http-accept" \[waiting: socket read'
for _ in $(seq 1 100); do
  fibers=$(get /debug/troupe/fibers)
  grep -Eq "${accept_parked}" <<<"${fibers}" && break
  sleep 0.1
done
grep -q '^HTTP/1.1 200' <<<"${fibers}" || fail "/debug/troupe/fibers did not answer 200" "${fibers}"
grep -qi '^content-type: text/plain' <<<"${fibers}" || fail "the fiber dump is not text/plain" "${fibers}"
grep -Eq "${accept_parked}" <<<"${fibers}" ||
  fail "the dump never showed the accepting fiber parked in a socket read (10 s)" "${fibers}"
grep -Eq '^fiber [0-9]+ \[running\]' <<<"${fibers}" ||
  fail "the dump does not show the fiber serving the request running" "${fibers}"

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

# The scheduling trace of the loaded server: trace-event JSON with run slices.
trace=$(get "/debug/troupe/trace?seconds=1")
grep -q '^HTTP/1.1 200' <<<"${trace}" || fail "/debug/troupe/trace did not answer 200" "${trace:0:2000}"
grep -qi '^content-type: application/json' <<<"${trace}" || fail "the trace is not JSON" "${trace:0:2000}"
grep -q '^{"traceEvents": \[' <<<"${trace}" || fail "the trace has no traceEvents" "${trace:0:2000}"
grep -q '"ph": "X"' <<<"${trace}" || fail "the trace of a loaded server has no run slice" "${trace:0:2000}"

if ! command -v go >/dev/null; then
  echo "SKIPPED the pprof part: go is not installed (setup.sh installs golang-go)"
  echo "PASS"
  exit 0
fi


url="http://127.0.0.1:${port}/debug/pprof"
top=$(go tool pprof -top "${url}/profile?seconds=2" 2>&1) || fail "pprof could not fetch the CPU profile" "${top}"
grep -q '^Type: cpu$' <<<"${top}" || fail "not a CPU profile" "${top}"
grep -q 'troupe::' <<<"${top}" || fail "no troupe function in the CPU profile under load" "${top}"

touch "${stop_load}"
# Fetching the profile wakes the accepting fiber, which shows a stack only once it has
# parked again: fetch until a profile shows it (bounded: 50 tries).
for _ in $(seq 1 50); do
  traces=$(go tool pprof -traces "${url}/goroutine" 2>&1) ||
    fail "pprof could not fetch the fiber profile" "${traces}"
  grep -q 'troupe::services::HttpServer::AcceptLoop' <<<"${traces}" && break
  sleep 0.1
done
grep -q '^Type: fibers$' <<<"${traces}" || fail "not a fiber profile" "${traces}"
grep -q 'wait_reason:  socket read' <<<"${traces}" || fail "no fiber waits on a socket read" "${traces}"
grep -q 'troupe::services::HttpServer::AcceptLoop' <<<"${traces}" ||
  fail "no profile in 50 showed the accepting fiber's stack" "${traces}"
for profile in block mutex; do
  raw=$(go tool pprof -raw "${url}/${profile}" 2>&1) || fail "pprof could not fetch /${profile}" "${raw}"
  grep -q '^PeriodType: contentions count$' <<<"${raw}" || fail "not a ${profile} profile" "${raw}"
done
echo "PASS"
