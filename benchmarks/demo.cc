// A first look at troupe's scheduler: runs skynet (1,111,111 fibers) a few times and
// prints the time, the sum, and the scheduler's counters. The pattern comparison
// (worker pool vs pipeline vs actors) replaces this as the main job once channels and
// actors exist.
//
//   bazel run -c opt //benchmarks:demo [-- --procs=N --rounds=R]
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmarks/skynet.h"
#include "scheduler/runtime.h"

ABSL_FLAG(int, procs, 0, "logical processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, rounds, 5, "skynet runs");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto runtime = troupe::Runtime::Create({.procs = absl::GetFlag(FLAGS_procs)});
  if (!runtime.ok()) {
    std::fprintf(stderr, "demo: %s\n", std::string(runtime.status().message()).c_str());
    return 2;
  }
  std::printf("troupe demo: skynet with %lld leaves on %d processors\n",
              static_cast<long long>(troupe::benchmarks::kSkynetLeaves), (*runtime)->procs());
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    int64_t sum = 0;
    const absl::Time start = absl::Now();
    absl::Status status = (*runtime)->Run(
        [&] { sum = troupe::benchmarks::Skynet(0, troupe::benchmarks::kSkynetLeaves); });
    const absl::Duration elapsed = absl::Now() - start;
    if (!status.ok() || sum != troupe::benchmarks::kSkynetExpectedSum) {
      std::fprintf(stderr, "demo: wrong result %lld (%s)\n", static_cast<long long>(sum),
                   status.ToString().c_str());
      return 1;
    }
    std::printf("round %d: sum=%lld in %.1f ms (%.2f M fibers/s)\n", round,
                static_cast<long long>(sum), absl::ToDoubleMilliseconds(elapsed),
                1.111111 / absl::ToDoubleSeconds(elapsed));
  }
  std::printf("scheduler: %s\n", (*runtime)->Stats().ToString().c_str());
  return 0;
}
