#!/usr/bin/env bash
# The remote benchmarks, as `bazel run -c opt //benchmarks:remote [-- flags]`:
# remote_troupe (remote_main.cc) with the CAF 0.17 peer (benchmarks/peers/caf/
# remote_peers.cpp), measured in the same run. `-- --json=-` prints the JSON rows on
# stdout; a relative --json=FILE is written in the directory bazel was run from.
set -euo pipefail

binary="$(pwd)/benchmarks/remote/remote_troupe"
caf_binary="$(pwd)/benchmarks/peers/caf/remote_peers"
cd "${BUILD_WORKING_DIRECTORY:-$PWD}"
exec "$binary" --caf_binary="$caf_binary" "$@"
