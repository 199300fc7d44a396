#!/usr/bin/env bash
# Load benchmark: troupe's services/http_server against the same service in Go's
# net/http (benchmarks/peers/go/httpservice), both with 2 processors, driven by wrk on
# 127.0.0.1 in the same run with the same connection counts.
#
#   benchmarks/http_load.sh                      # 64 and 400 connections, 5 s each
#   CONNECTIONS="64 400 1000" DURATION=10 benchmarks/http_load.sh
#
# Env: CONNECTIONS (default "64 400"), DURATION seconds per wrk run (default 5),
# THREADS wrk threads (default 2), PROCS server processors (default 2),
# TROUPE_PORT / GO_PORT first ports to try (default 18080 / 18081),
# TROUPE_BIN a prebuilt http_server to measure instead of building one (to compare
# two builds of troupe against the same Go in one session).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNECTIONS="${CONNECTIONS:-64 400}"
DURATION="${DURATION:-5}"
THREADS="${THREADS:-2}"
PROCS="${PROCS:-2}"
PATHS=(/hello /kv/k)

command -v wrk >/dev/null || { echo "http_load: wrk is missing (apt-get install wrk; see setup.sh)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK="$(mktemp -d /tmp/troupe-http-load.XXXXXX)"
TROUPE_PID=""
GO_PID=""
cleanup() {
  for pid in $TROUPE_PID $GO_PID; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- build -------------------------------------------------------------------
if [[ -z "${TROUPE_BIN:-}" ]]; then
  echo "http_load: building //services:http_server (-c opt)" >&2
  (cd "$ROOT" && bazel build -c opt //services:http_server >"$WORK/bazel.log" 2>&1) ||
    { cat "$WORK/bazel.log" >&2; exit 1; }
  TROUPE_BIN="$ROOT/bazel-bin/services/http_server"
fi
echo "http_load: building benchmarks/peers/go/httpservice" >&2
(cd "$ROOT/benchmarks/peers/go" &&
  GOFLAGS=-mod=mod GOPROXY=off GOCACHE="${GOCACHE:-/tmp/troupe-gocache-0}" \
    go build -o "$WORK/httpservice" ./httpservice)
GO_BIN="$WORK/httpservice"

# --- helpers -----------------------------------------------------------------
# port_in_use PORT: something accepts on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port FIRST: the first of FIRST, FIRST+2, ... (20 tries) nothing listens on.
free_port() {
  local port="$1" i
  for ((i = 0; i < 20; i++)); do
    port_in_use "$port" || { echo "$port"; return 0; }
    port=$((port + 2))
  done
  echo "http_load: no free port near $1" >&2
  return 1
}

# http PORT METHOD PATH [BODY]: one request over /dev/tcp; prints the status line.
http() {
  local port="$1" method="$2" path="$3" body="${4:-}"
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" \
      "$2" "$3" "${#4}" "$4" >&3
    IFS= read -r line <&3 && printf "%s\n" "${line%$'\''\r'\''}"
  ' _ "$port" "$method" "$path" "$body" 2>/dev/null
}

# wait_ready NAME PID PORT: until GET /hello answers 200 (at most 10 s).
wait_ready() {
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$2" 2>/dev/null || { echo "http_load: $1 exited during startup" >&2; return 1; }
    [[ "$(http "$3" GET /hello || true)" == *" 200 "* ]] && return 0
    sleep 0.1
  done
  echo "http_load: $1 did not answer on port $3 within 10 s" >&2
  return 1
}

# stop NAME PID: SIGTERM, wait at most 20 s; sets STOP_RC to the exit status.
# (Not run in a subshell: wait works only on this shell's children.)
STOP_RC=""
stop() {
  local i
  kill -TERM "$2" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$2" 2>/dev/null; then
    echo "http_load: $1 did not exit within 20 s of SIGTERM; killing it" >&2
    kill -KILL "$2" 2>/dev/null || true
  fi
  STOP_RC=0
  wait "$2" 2>/dev/null || STOP_RC=$?
}

# --- start both services -----------------------------------------------------
TROUPE_PORT="$(free_port "${TROUPE_PORT:-18080}")"
"$TROUPE_BIN" --host=127.0.0.1 --port="$TROUPE_PORT" --procs="$PROCS" >"$WORK/troupe.log" 2>&1 &
TROUPE_PID=$!
GO_PORT="$(free_port "${GO_PORT:-18081}")"
[[ "$GO_PORT" != "$TROUPE_PORT" ]] || GO_PORT="$(free_port $((TROUPE_PORT + 1)))"
"$GO_BIN" -port="$GO_PORT" -procs="$PROCS" >"$WORK/go.log" 2>&1 &
GO_PID=$!
wait_ready troupe "$TROUPE_PID" "$TROUPE_PORT" || { cat "$WORK/troupe.log" >&2; exit 1; }
wait_ready go "$GO_PID" "$GO_PORT" || { cat "$WORK/go.log" >&2; exit 1; }

for port in "$TROUPE_PORT" "$GO_PORT"; do
  status="$(http "$port" PUT /kv/k value || true)"
  [[ "$status" == *" 204 "* ]] || { echo "http_load: PUT /kv/k on $port: '$status'" >&2; exit 1; }
  status="$(http "$port" GET /kv/k || true)"
  [[ "$status" == *" 200 "* ]] || { echo "http_load: GET /kv/k on $port: '$status'" >&2; exit 1; }
done
echo "http_load: troupe pid $TROUPE_PID on :$TROUPE_PORT, go pid $GO_PID on :$GO_PORT;" \
  "wrk -t$THREADS -d${DURATION}s, procs $PROCS, nproc $(nproc)" >&2

# --- load --------------------------------------------------------------------
# run_wrk NAME PORT PATH CONNS: prints "rps p50 p99 problems".
run_wrk() {
  local out="$WORK/wrk-$1-${3//\//_}-$4.txt"
  timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$4" -d"${DURATION}s" --latency \
    "http://127.0.0.1:$2$3" >"$out" 2>&1 || echo "wrk exited $?" >>"$out"
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +50% / { p50 = $2 }
    /^ +99% / { p99 = $2 }
    /Non-2xx or 3xx responses:/ { bad = bad "non2xx=" $NF "," }
    /Socket errors:/ { gsub(/,/, ""); bad = bad "sock(c" $4 ",r" $6 ",w" $8 ",t" $10 "),"}
    /wrk exited/ { bad = bad "wrk-rc=" $3 "," }
    END { if (bad == "") bad = "-"; sub(/,$/, "", bad); print (rps ? rps : "0"), (p50 ? p50 : "?"), (p99 ? p99 : "?"), bad }
  ' "$out"
}

printf '%-8s %6s %12s %12s %7s %19s %19s  %s\n' \
  endpoint conns "troupe rps" "go rps" ratio "troupe p50/p99" "go p50/p99" problems
for path in "${PATHS[@]}"; do
  for conns in $CONNECTIONS; do
    SECONDS=0
    read -r t_rps t_p50 t_p99 t_bad < <(run_wrk troupe "$TROUPE_PORT" "$path" "$conns")
    kill -0 "$TROUPE_PID" 2>/dev/null || t_bad="$t_bad,SERVER-DIED"
    read -r g_rps g_p50 g_p99 g_bad < <(run_wrk go "$GO_PORT" "$path" "$conns")
    kill -0 "$GO_PID" 2>/dev/null || g_bad="$g_bad,SERVER-DIED"
    echo "http_load: $path c=$conns took ${SECONDS}s for both" >&2
    ratio="$(awk -v t="$t_rps" -v g="$g_rps" 'BEGIN { if (g > 0) printf "%.2f", t / g; else print "-" }')"
    problems=""
    [[ "$t_bad" == "-" ]] || problems="troupe:$t_bad "
    [[ "$g_bad" == "-" ]] || problems="${problems}go:$g_bad"
    printf '%-8s %6s %12s %12s %7s %19s %19s  %s\n' "$path" "$conns" "$t_rps" "$g_rps" "$ratio" \
      "$t_p50/$t_p99" "$g_p50/$g_p99" "${problems:--}"
  done
done
echo "ratio = troupe req/s / Go req/s; latencies from wrk --latency" >&2

# --- shutdown ----------------------------------------------------------------
SECONDS=0
stop troupe "$TROUPE_PID"; rc_troupe="$STOP_RC"; TROUPE_PID=""
echo "http_load: troupe stopped in ${SECONDS}s" >&2
stop go "$GO_PID"; rc_go="$STOP_RC"; GO_PID=""
echo "http_load: troupe exited $rc_troupe, go exited $rc_go" >&2
if [[ "$rc_troupe" != 0 ]]; then
  echo "http_load: troupe did not shut down gracefully; its log:" >&2
  cat "$WORK/troupe.log" >&2
  exit 1
fi
