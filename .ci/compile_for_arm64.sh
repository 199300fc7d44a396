#!/usr/bin/env bash
# Compiles (does not link or run) every source of troupe's libraries for arm64 with
# Debian's cross compiler, as a first sign that troupe builds there. Not part of
# .ci/run: it needs g++-aarch64-linux-gnu, which setup.sh does not install.
# abseil's and Boost's headers are taken from /usr/include (they are the same for
# every architecture); the C library's come from the cross compiler's own.
set -euo pipefail
cd "$(dirname "$0")/.."

compiler=${CXX_ARM64:-aarch64-linux-gnu-g++}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# troupe/<package> as the sources include it.
mkdir -p "$scratch/include/troupe"
for package in scheduler actors pipeline net; do
  ln -s "$PWD/$package" "$scratch/include/troupe/$package"
done
cat >"$scratch/list.cmake" <<'CMAKE'
include(cmake/troupe_sources.cmake)
foreach(file IN LISTS TROUPE_SCHEDULER_SOURCES TROUPE_ACTORS_SOURCES
                      TROUPE_PIPELINE_SOURCES TROUPE_NET_SOURCES)
  message(NOTICE "${file}")
endforeach()
CMAKE

count=0
while IFS= read -r source; do
  "$compiler" -std=c++17 -O2 -Wall -Wextra -Wno-unused-parameter -Werror \
    -I"$scratch/include" -idirafter /usr/include -c "$source" -o "$scratch/object.o"
  count=$((count + 1))
done < <(cmake -P "$scratch/list.cmake" 2>&1)
echo "compile_for_arm64: $count sources compile for $("$compiler" -dumpmachine)"
