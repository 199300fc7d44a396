// CPU-bound functions with names to find in profiles.
#ifndef TROUPE_TESTS_PROFILING_CPU_BURNER_H_
#define TROUPE_TESTS_PROFILING_CPU_BURNER_H_

#include <time.h>

#include <cstdint>

#include "absl/time/time.h"

namespace troupe::profiling_test {

inline int64_t ThreadCpuNanos() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Spins on the calling thread (never yields) until it has used `cpu` of CPU time;
// returns a value so the work cannot be optimised away. The work is in the loop
// itself, so that most samples land in the named function, not in clock_gettime.
#define TROUPE_DEFINE_CPU_BURNER(Name)                                      \
  __attribute__((noinline)) inline uint64_t Name(absl::Duration cpu) {      \
    const int64_t until = ThreadCpuNanos() + absl::ToInt64Nanoseconds(cpu); \
    uint64_t x = 1;                                                         \
    while (ThreadCpuNanos() < until) {                                      \
      for (int i = 0; i < 200'000; ++i) {                                   \
        x = x * 6364136223846793005u + 1442695040888963407u;                \
        asm volatile("" : "+r"(x));                                         \
      }                                                                     \
    }                                                                       \
    return x;                                                               \
  }

TROUPE_DEFINE_CPU_BURNER(BurnCpuInSpinner)
TROUPE_DEFINE_CPU_BURNER(BurnCpuAsWorkerA)
TROUPE_DEFINE_CPU_BURNER(BurnCpuAsWorkerB)
TROUPE_DEFINE_CPU_BURNER(BurnCpuInActor)
TROUPE_DEFINE_CPU_BURNER(BurnCpuInStage)

}  // namespace troupe::profiling_test

#endif  // TROUPE_TESTS_PROFILING_CPU_BURNER_H_
