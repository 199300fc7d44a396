// TimerHeap: a P's timers, a binary min-heap of the WaitTimers embedded in waiting
// fibers, ordered by deadline.
//
// Any thread may add or remove (a fiber removes its own timer after it wakes, possibly
// on another P); the owning P, or an idle P helping out, fires the expired ones. All
// under one small mutex per heap; `earliest_ns_` lets schedulers skip the lock when
// nothing is due (0 = empty).
#ifndef TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_
#define TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

class TimerHeap {
 public:
  struct Expired {
    Fiber* fiber;
    uint64_t token;
  };

  // Arms `fiber`'s timer (deadline and token already set in fiber->timer).
  void Add(Fiber* fiber);
  // Disarms `fiber`'s timer if it is still armed here. Safe to call whether or not
  // the timer fired.
  static void Remove(Fiber* fiber);
  // Removes every timer due at `now_ns` into `out`; the caller wakes them (outside
  // the lock) with their tokens.
  void TakeExpired(int64_t now_ns, std::vector<Expired>& out);

  // Earliest deadline, or 0 if empty. Racy by design (acquire load): callers re-check
  // under the lock in TakeExpired.
  int64_t earliest_ns() const { return earliest_ns_.load(std::memory_order_acquire); }
  std::size_t size() const;

 private:
  void RemoveAt(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SiftUp(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SiftDown(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Place(std::size_t index, Fiber* fiber) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void PublishEarliest() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable std::mutex mutex_;
  std::vector<Fiber*> heap_ ABSL_GUARDED_BY(mutex_);
  std::atomic<int64_t> earliest_ns_{0};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_
