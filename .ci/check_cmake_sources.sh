#!/usr/bin/env bash
# Fails when the CMake build's file lists (cmake/troupe_sources.cmake) and Bazel's
# differ: every file in the srcs or hdrs of a rule in //scheduler, //actors,
# //pipeline, //net, //profiling, //metrics or //tracing must be in that package's CMake lists, and nothing else.
# Bazel is the primary build; this keeps the CMake build from drifting silently.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# CMake's lists, one file a line, per package.
cat >"$scratch/print.cmake" <<'CMAKE'
include(cmake/troupe_sources.cmake)
foreach(package IN ITEMS SCHEDULER ACTORS PIPELINE NET PROFILING METRICS TRACING)
  string(TOLOWER ${package} name)
  foreach(file IN LISTS TROUPE_${package}_SOURCES TROUPE_${package}_HEADERS)
    message(NOTICE "${name} ${file}")
  endforeach()
endforeach()
CMAKE
cmake -P "$scratch/print.cmake" 2>&1 | sort >"$scratch/cmake.txt"

# Bazel's: the srcs and hdrs of every rule in each package (public and internal).
for package in scheduler actors pipeline net profiling metrics tracing; do
  bazel query --noshow_progress \
    "labels(srcs, //$package:all) + labels(hdrs, //$package:all)" 2>/dev/null |
    sed -n "s|^//$package:|$package $package/|p"
done | sort >"$scratch/bazel.txt"

if ! diff -u --label "Bazel (//<package>)" --label "CMake (cmake/troupe_sources.cmake)" \
  "$scratch/bazel.txt" "$scratch/cmake.txt"; then
  echo "check_cmake_sources: the CMake file lists differ from Bazel's (above: - only in" \
    "Bazel, + only in CMake); update cmake/troupe_sources.cmake" >&2
  exit 1
fi
echo "check_cmake_sources: CMake builds the same $(wc -l <"$scratch/bazel.txt") files as Bazel"
