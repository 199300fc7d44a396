#!/usr/bin/env bash
# troupe as a dependency, by each route README's "Using troupe in your project" gives,
# with the commands it gives:
#   1. Bazel: examples/bazel_consumer, a workspace of its own whose WORKSPACE has
#      README's three lines, built and run from its directory (its own Bazel server,
#      no .bazelrc); troupe's internal targets must not be visible to it.
#   2. CMake: configure, build and install troupe into a fresh prefix, after checking
#      that CMake builds the same files as Bazel (check_cmake_sources.sh).
#   3. A CMake consumer (find_package) and 4. a pkg-config consumer of that prefix,
#      each building the examples and running them.
#   5. Every ```cpp block of README.md compiles as C++17 against that prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

examples=(fibers_and_channels select_timeout supervised_actor pipeline_backpressure tcp_echo)

# Runs each example built in $1; each exits non-zero on a wrong result.
run_examples() {
  for example in "${examples[@]}"; do
    if ! timeout 120 "$1/$example" >"$scratch/$example.out" 2>&1; then
      cat "$scratch/$example.out" >&2
      echo "consumers: $1/$example failed" >&2
      return 1
    fi
    echo "  $example: $(tail -n 1 "$scratch/$example.out")"
  done
}

# Announces a step, after reporting how long the previous one took.
step_name=""
step() {
  local now
  now=$(date +%s)
  [[ -z "$step_name" ]] || echo "   ($step_name: $((now - step_start)) s)"
  step_name=$1
  step_start=$now
  [[ "$step_name" == done ]] || echo "== consumers: $step_name"
}

step "Bazel: README's WORKSPACE lines are examples/bazel_consumer's"
# README's first ```starlark block (the WORKSPACE lines), with trailing comments
# dropped, must be in the consumer's WORKSPACE, whose path README leaves open ("...").
readme_lines=$(awk '/^```starlark/ { inside = 1; next } /^```/ && inside { exit } inside' README.md |
  sed 's/[[:space:]]*#.*$//' | grep -v '^$' || true)
if [[ -z "$readme_lines" ]]; then
  echo "consumers: README has no \`\`\`starlark block" >&2
  exit 1
fi
consumer_lines=$(sed 's/path = "[^"]*"/path = "..."/; s/[[:space:]]*#.*$//' \
  examples/bazel_consumer/WORKSPACE | grep -v '^$')
while IFS= read -r line; do
  if ! grep -qxF -- "$line" <<<"$consumer_lines"; then
    echo "consumers: README's WORKSPACE line is not in examples/bazel_consumer/WORKSPACE: $line" >&2
    exit 1
  fi
done <<<"$readme_lines"

step "Bazel: build and run examples/bazel_consumer from its own directory"
(
  cd examples/bazel_consumer
  # Debian's Bazel prints its sandbox's debug lines for every action: keep the log.
  if ! bazel build //:echo_tally >"$scratch/bazel_consumer.log" 2>&1; then
    grep -v 'linux-sandbox' "$scratch/bazel_consumer.log" >&2
    exit 1
  fi
  ./bazel-bin/echo_tally
  # What the consumer can see of troupe: the public targets only.
  bazel query --noshow_progress 'visible(//:echo_tally, kind(rule,
      @troupe//:all + @troupe//scheduler:all + @troupe//actors:all +
      @troupe//pipeline:all + @troupe//net:all + @troupe//tests/support:all))' \
    >"$scratch/visible.txt" 2>/dev/null
  # Except the TSan setup, public on purpose for consumers' tests (README:
  # "Sanitizers in your project").
  if grep -E '_internal$|tests/support' "$scratch/visible.txt" |
      grep -vx '@troupe//tests/support:sanitizer_setup'; then
    echo "consumers: the targets above are troupe's own, yet visible to a consumer" >&2
    exit 1
  fi
  grep -qx '@troupe//:troupe' "$scratch/visible.txt"
  grep -qx '@troupe//tests/support:sanitizer_setup' "$scratch/visible.txt"
  bazel shutdown  # its server is not needed again
)

step "CMake: the same files as Bazel; configure, build, install"
.ci/check_cmake_sources.sh
prefix="$scratch/prefix"
cmake -S . -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release >"$scratch/cmake.log"
cmake --build "$scratch/build" -j"$(nproc)" >>"$scratch/cmake.log" ||
  { cat "$scratch/cmake.log" >&2; exit 1; }
cmake --install "$scratch/build" --prefix "$prefix" >>"$scratch/cmake.log"
test -f "$prefix/include/troupe/actors/actor.h"
test -f "$prefix/lib/cmake/troupe/troupeConfig.cmake"

step "CMake consumer: find_package(troupe CONFIG REQUIRED), then run the examples"
cmake -S examples/cmake_consumer -B "$scratch/cmake_consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  >/dev/null
cmake --build "$scratch/cmake_consumer" -j"$(nproc)" >/dev/null
run_examples "$scratch/cmake_consumer"

step "pkg-config consumer: pkg-config --cflags --libs troupe, then run the examples"
mkdir -p "$scratch/pkg_config_consumer"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
  make -s -C "$scratch/pkg_config_consumer" -f "$repo/examples/pkg_config_consumer/Makefile" \
  -j"$(nproc)" >/dev/null
run_examples "$scratch/pkg_config_consumer"

step "README.md's C++ samples compile as C++17"
.ci/check_readme_samples.sh "$prefix"

step "done"
