#!/usr/bin/env bash
# Runs examples/remote_counter as its README says: a nats-server, the host process,
# then the client, which must print "remote_counter: as expected" and exit 0; then
# SIGTERM stops the host, which must exit 0. Every wait is bounded and fails with a
# message.
set -uo pipefail

program=$1
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "remote_counter_test: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; cat "$log" >&2; done
  exit 1
}

server=${NATS_SERVER:-/usr/sbin/nats-server}
[[ -x $server ]] || fail "no $server (setup.sh installs Debian's nats-server)"
# -p -1: the server picks a free port and logs it (to a log that exists before the
# loop below first reads it).
: >"$work/nats.log"
"$server" -a 127.0.0.1 -p -1 >"$work/nats.log" 2>&1 &
pids+=($!)
port=""
for ((i = 0; i < 200; i++)); do
  port=$(sed -n 's/.*Listening for client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
    "$work/nats.log" | head -1)
  [[ -n $port ]] && break
  sleep 0.05  # polling the server's log: nothing else to wait on
done
[[ -n $port ]] || fail "nats-server did not report its port within 10 s"
url="nats://127.0.0.1:$port"

"$program" --role=host --url="$url" >"$work/host.log" 2>&1 &
host=$!
pids+=($host)

# --find_for: the host may be slow to publish under the sanitizers (10 s by default).
timeout 120 "$program" --role=client --url="$url" --find_for=60s >"$work/client.log" 2>&1
status=$?
cat "$work/client.log"
((status == 124)) && fail "the client did not finish within 120 s"
((status == 0)) || fail "the client exited with status $status"
grep -qxF "remote_counter: as expected" "$work/client.log" || fail "the client's total was wrong"

kill -TERM "$host"
for ((i = 0; i < 600; i++)); do
  kill -0 "$host" 2>/dev/null || break
  sleep 0.05  # waiting for another process to exit: no event to block on in bash
done
kill -0 "$host" 2>/dev/null && fail "the host did not stop within 30 s of SIGTERM"
wait "$host"
host_status=$?
cat "$work/host.log"
((host_status == 0)) || fail "the host exited with status $host_status"
grep -q "remote_counter host: stopped" "$work/host.log" || fail "the host did not report"
echo "remote_counter_test: passed"
