// libFuzzer target for the HTTP request path: RequestParser (1 KiB headers, 4 KiB
// body) fed in one chunk, in two chunks split at a position taken from the first
// input byte, and byte by byte; responses serialized for the actor-free routes and
// for parse errors. Every invariant is in services/fuzz/request_checks.h; a violation
// prints what failed and aborts, so libFuzzer saves the input as crash-*.
//
// Build and run: services/fuzz/run_fuzzer.sh (not a Bazel target: it needs clang's
// -fsanitize=fuzzer, and the Bazel toolchain is gcc). The seeds in
// services/fuzz/corpus/ also run as //tests/services:request_corpus_test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "troupe/services/fuzz/request_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const troupe::services::fuzz::CheckResult result = troupe::services::fuzz::CheckRequestBytes(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!result.failure.empty()) {
    std::fprintf(stderr, "request_fuzzer: invariant failed: %s\n", result.failure.c_str());
    std::abort();
  }
  return 0;
}
