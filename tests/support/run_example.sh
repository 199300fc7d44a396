#!/usr/bin/env bash
# Runs an example program as a test: it must exit 0 and print `expected` as a line.
# Usage (an sh_test's args): run_example.sh <program> <expected line>
# The examples check their own results and exit 1 on a wrong one; the expected line
# makes sure the program got as far as printing its result. `timeout` turns a hang
# into a failure with a message before Bazel's test timeout (60 s for size small)
# would end the test without its output.
set -uo pipefail

program=$1
expected=$2
output=$(timeout 50 "$program")
status=$?
printf '%s\n' "$output"
if ((status == 124)); then
  echo "run_example: $program did not finish within 50 s" >&2
  exit 1
fi
if ((status != 0)); then
  echo "run_example: $program exited with status $status" >&2
  exit 1
fi
if ! grep -qxF -- "$expected" <<<"$output"; then
  echo "run_example: $program did not print the line: $expected" >&2
  exit 1
fi
