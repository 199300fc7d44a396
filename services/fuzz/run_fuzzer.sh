#!/usr/bin/env bash
# Fuzzes the HTTP request path (RequestParser + response serialization) with libFuzzer
# for a bounded time. The target is services/fuzz/request_fuzzer.cc; its invariants are
# in services/fuzz/request_checks.h, shared with //tests/services:request_corpus_test,
# which runs the seed corpus (services/fuzz/corpus/) as a normal test.
#
# Usage:   services/fuzz/run_fuzzer.sh [extra libFuzzer flags...]
# Env:     MAX_TOTAL_TIME  seconds to fuzz (default 60)
#          JOBS            parallel fuzzing jobs (default 1)
#          KEEP_DIR        if set, build and work in this directory and keep it
#
# Needs Debian 12 packages (setup.sh installs them):
#   clang-14            the compiler (clang++-14; CXX_FUZZ overrides), with -fsanitize=address,undefined
#   libclang-rt-14-dev  libFuzzer and the sanitizer runtimes for -fsanitize=fuzzer
#   libabsl-dev         abseil (Debian's build, not instrumented: linked normally)
#   libhttp-parser-dev  http-parser (likewise)
#
# Not a Bazel target: Bazel here builds with gcc, which has no libFuzzer. The script
# compiles into a temporary directory, fuzzes a copy of the corpus there (the seeds in
# the repository are never modified), and exits non-zero if libFuzzer found a crash,
# leaving the reproducer (crash-*) in the work directory, which it then keeps.
# Reproduce with: <work dir>/request_fuzzer <work dir>/crash-...
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
max_total_time="${MAX_TOTAL_TIME:-60}"
jobs="${JOBS:-1}"
cxx="${CXX_FUZZ:-$(command -v clang++-14 || echo clang++)}"  # Debian 12: clang-14

if ! command -v "$cxx" >/dev/null; then
  echo "run_fuzzer: $cxx not found; install clang-14 and libclang-rt-14-dev (see setup.sh)" >&2
  exit 2
fi

if [[ -n "${KEEP_DIR:-}" ]]; then
  work="$KEEP_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/request_fuzzer.XXXXXX")"
fi

echo "run_fuzzer: building in $work"
# Headers are included as "troupe/<package>/<header>.h" (Bazel's include prefix).
mkdir -p "$work/include"
ln -sfn "$root" "$work/include/troupe"
"$cxx" -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$work/include" \
  "$root/services/fuzz/request_fuzzer.cc" \
  "$root/services/request_parser.cc" \
  "$root/services/request_head.cc" \
  "$root/services/http_message.cc" \
  -o "$work/request_fuzzer" \
  -labsl_strings -labsl_strings_internal -labsl_str_format_internal -labsl_int128 -labsl_throw_delegate \
  -labsl_raw_logging_internal -lhttp_parser || {
    echo "run_fuzzer: build failed (is libclang-rt-14-dev installed? it provides libFuzzer)" >&2
    exit 2
  }

rm -rf "$work/corpus"
cp -r "$root/services/fuzz/corpus" "$work/corpus"

echo "run_fuzzer: fuzzing for ${max_total_time}s on a copy of the corpus ($(ls "$work/corpus" | wc -l) seeds)"
cd "$work"
status=0
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  ./request_fuzzer -max_total_time="$max_total_time" -jobs="$jobs" -workers="$jobs" \
    -max_len=8192 -print_final_stats=1 "$@" corpus || status=$?

if ((status != 0)) || compgen -G "$work/crash-*" >/dev/null || compgen -G "$work/leak-*" >/dev/null; then
  echo "run_fuzzer: FOUND A PROBLEM (exit $status); reproducers kept in $work:" >&2
  ls "$work" | grep -E '^(crash|leak|timeout|oom)-' >&2 || true
  exit 1
fi
echo "run_fuzzer: no crash in ${max_total_time}s; corpus grew to $(ls "$work/corpus" | wc -l) inputs"
[[ -n "${KEEP_DIR:-}" ]] || rm -rf "$work"
