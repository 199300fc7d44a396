// Scheduling latency: how long a woken or new fiber waits between becoming runnable
// and starting to run, as a histogram per P (RuntimeStats::schedule_latency_*).
//
// A clock read on every wake-up would cost more than the wake itself on the
// same-P ping-pong path, so wake-ups are sampled: the thread that makes a fiber
// runnable stamps it (Fiber::runnable_since_ns) once every kScheduleLatencySampling
// of its wake-ups; the P that begins running a stamped fiber reads the clock,
// counts the difference here, and clears the stamp. Unstamped fibers cost a load
// and a branch.
//
// Ownership: the stamp is written by the waker before the fiber is pushed on a run
// queue and read by the P that popped it; the queue's push (release) and pop or
// steal (acquire) order the two, as for every other field of a runnable fiber. The
// histogram is written by its P's owner only (OwnerCounter) and read by anyone.
#ifndef TROUPE_SCHEDULER_INTERNAL_SCHEDULE_LATENCY_H_
#define TROUPE_SCHEDULER_INTERNAL_SCHEDULE_LATENCY_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "troupe/scheduler/internal/owner_counter.h"
#include "troupe/scheduler/runtime_stats.h"

namespace troupe::scheduler_internal {

// One wake-up in this many (per waking thread) is stamped.
inline constexpr uint32_t kScheduleLatencySampling = 64;

// True once every kScheduleLatencySampling calls on this thread.
inline bool SampleThisWakeup() {
  thread_local uint32_t countdown = kScheduleLatencySampling;
  if (--countdown != 0) return false;
  countdown = kScheduleLatencySampling;
  return true;
}

class ScheduleLatencyHistogram {
 public:
  using Bounds = decltype(RuntimeStats::kScheduleLatencyBoundsNs);

  // The owning P only.
  void Observe(int64_t latency_ns) {
    if (latency_ns < 0) latency_ns = 0;  // clocks of two threads: never negative here
    std::size_t bucket = 0;
    const Bounds& bounds = RuntimeStats::kScheduleLatencyBoundsNs;
    while (bucket < bounds.size() && static_cast<uint64_t>(latency_ns) > bounds[bucket]) ++bucket;
    counts_[bucket].Add();
    sum_ns_.Add(static_cast<uint64_t>(latency_ns));
  }
  // Any thread: adds this P's counts into `stats`.
  void AddTo(RuntimeStats& stats) const {
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      stats.schedule_latency_counts[i] += counts_[i].Read();
    }
    stats.schedule_latency_sum_ns += sum_ns_.Read();
  }

 private:
  std::array<OwnerCounter, std::tuple_size<Bounds>::value + 1> counts_;  // last: +Inf
  OwnerCounter sum_ns_;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SCHEDULE_LATENCY_H_
