// Conversions from the public API's absl::Time deadlines to the monotonic
// nanoseconds used inside the runtime (MonotonicNanos).
#ifndef TROUPE_SCHEDULER_INTERNAL_DEADLINE_H_
#define TROUPE_SCHEDULER_INTERNAL_DEADLINE_H_

#include <cstdint>
#include <limits>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/scheduler/internal/clock.h"

namespace troupe::scheduler_internal {

inline constexpr int64_t kNoDeadline = 0;
inline constexpr int64_t kDeadlinePassed = -1;

// kNoDeadline for absl::InfiniteFuture(), kDeadlinePassed for a deadline that has
// passed, else the monotonic nanosecond at which `deadline` falls.
inline int64_t ToMonotonicDeadline(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return kNoDeadline;
  const absl::Duration remaining = deadline - absl::Now();
  if (remaining <= absl::ZeroDuration()) return kDeadlinePassed;
  const int64_t remaining_ns = absl::ToInt64Nanoseconds(remaining);
  const int64_t now = MonotonicNanos();
  if (remaining_ns > std::numeric_limits<int64_t>::max() - now) return kNoDeadline;
  return now + remaining_ns;
}

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_DEADLINE_H_
