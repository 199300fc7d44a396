// The clock of every deadline inside troupe: CLOCK_MONOTONIC in nanoseconds, and its
// coarse reading for timestamps that need no precision.
#ifndef TROUPE_SCHEDULER_INTERNAL_CLOCK_H_
#define TROUPE_SCHEDULER_INTERNAL_CLOCK_H_

#include <cstdint>

namespace troupe::scheduler_internal {

// Any thread. CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
int64_t MonotonicNanos();

// Any thread. CLOCK_MONOTONIC_COARSE in nanoseconds: the same clock as
// MonotonicNanos, read without asking the hardware (a vDSO read of the kernel's last
// tick), so it lags by up to one tick (1-4 ms). For "how long has this fiber waited"
// in dumps, where a park must not pay a full clock read.
int64_t MonotonicCoarseNanos();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_CLOCK_H_
