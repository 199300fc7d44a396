#include "troupe/benchmarks/savina/repetitions.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/peer_program.h"

namespace troupe::savina {

int RunRepetitions(const char* program, const char* name, int64_t items, int reps,
                   absl::FunctionRef<absl::Status()> rep) {
  auto failed = [&](const absl::Status& status, const char* which) {
    std::fprintf(stderr, "%s: %s, %s repetition: %s\n", program, name, which,
                 std::string(status.message()).c_str());
    return 1;
  };
  if (absl::Status warm_up = rep(); !warm_up.ok()) return failed(warm_up, "warm-up");
  std::fprintf(stderr, "%s: %s items=%lld (validated)\n", program, name,
               static_cast<long long>(items));
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const absl::Status status = rep();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (!status.ok()) return failed(status, "timed");
    benchmarks::ReportRepetition(name, items, elapsed);
  }
  return 0;
}

absl::Status ExpectTotal(const absl::StatusOr<int64_t>& total, int64_t want,
                         absl::string_view what) {
  if (!total.ok()) return total.status();
  if (*total == want) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", *total, ", want ", want));
}

}  // namespace troupe::savina
