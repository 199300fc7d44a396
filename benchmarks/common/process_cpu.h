// The CPU time the whole process has used (user plus system, every thread): for
// benchmarks whose wall time is bound by a period (timers, tickers), where the
// figure that matters is the CPU each event costs. Header-only, so that the C++ peer
// programs use the same clock as troupe's benchmarks.
#ifndef TROUPE_BENCHMARKS_PROCESS_CPU_H_
#define TROUPE_BENCHMARKS_PROCESS_CPU_H_

#include <sys/resource.h>

namespace troupe::benchmarks {

// User plus system CPU time of the whole process so far, in nanoseconds.
inline double ProcessCpuNanos() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& t) { return t.tv_sec * 1e9 + t.tv_usec * 1e3; };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_PROCESS_CPU_H_
