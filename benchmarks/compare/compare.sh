#!/usr/bin/env bash
# The pattern comparison, as `bazel run -c opt //benchmarks:compare [-- flags]`.
#
# Builds the Go versions of the three designs (benchmarks/peers/go/compare; offline,
# needs Debian's golang-go), then runs the troupe comparison with them and with the
# Boost.Fiber versions (benchmarks/peers/boost_fiber, built by Bazel) in the same run.
# Results go to stdout as a table, and to compare_results.json and
# compare_report.html in the directory bazel was run from (override with --json=...
# and --html=...; flags are those of compare_troupe, see compare.cc).
set -euo pipefail

binary="$(pwd)/benchmarks/compare/compare_troupe"
boost_fiber_binary="$(pwd)/benchmarks/peers/boost_fiber/compare_fibers"
go_module="$(pwd)/benchmarks/peers/go"
cd "${BUILD_WORKING_DIRECTORY:-$PWD}"

go_flag=()
if command -v go >/dev/null 2>&1; then
  go_out="$(mktemp -d "${TMPDIR:-/tmp}/troupe-compare.XXXXXX")"
  trap 'rm -rf "$go_out"' EXIT
  if (cd "$go_module" &&
      GOFLAGS=-mod=mod GOPROXY=off GOCACHE="${GOCACHE:-/tmp/troupe-gocache-$(id -u)}" \
        go build -o "$go_out/compare" ./compare); then
    go_flag=(--go_binary="$go_out/compare")
  else
    echo "compare: building the Go designs failed; running without them" >&2
  fi
else
  echo "compare: go is not installed (./setup.sh installs it); running without the Go rows" >&2
fi

exec "$binary" --json=compare_results.json --html=compare_report.html "${go_flag[@]}" \
  --boost_fiber_binary="$boost_fiber_binary" "$@"
