// The clock of every deadline inside troupe: CLOCK_MONOTONIC in nanoseconds.
#ifndef TROUPE_SCHEDULER_INTERNAL_CLOCK_H_
#define TROUPE_SCHEDULER_INTERNAL_CLOCK_H_

#include <cstdint>

namespace troupe::scheduler_internal {

// Any thread. CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
int64_t MonotonicNanos();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_CLOCK_H_
