// GlobalRunQueue: the run queue shared by all Ps (Go's sched.runq). Plain threads
// push here, full local queues spill half of themselves here, and every P takes from
// here periodically and when its own queue is empty.
//
// A ring of fiber pointers under a mutex. A ring rather than a list linked through
// the fibers: moving a batch copies contiguous pointers instead of chasing one cache
// miss per fiber record. It grows by doubling and never shrinks (fresh pages are
// expensive here; a queue that once held N fibers will again).
#ifndef TROUPE_SCHEDULER_INTERNAL_GLOBAL_RUN_QUEUE_H_
#define TROUPE_SCHEDULER_INTERNAL_GLOBAL_RUN_QUEUE_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/local_run_queue.h"

namespace troupe::scheduler_internal {

class GlobalRunQueue {
 public:
  GlobalRunQueue();

  // Any thread. Appends `count` fibers in order.
  void Push(Fiber* const* fibers, uint32_t count);

  // The owner of `into` (which must have room for `max_batch - 1` fibers). Removes up
  // to `max_batch` fibers: returns the first, to run now, and pushes the rest onto
  // `into`. nullptr if empty.
  Fiber* TakeBatch(uint32_t max_batch, LocalRunQueue& into);

  // Any thread; a hint (relaxed) for lock-free emptiness checks. The fences around
  // idle parking order it where it matters (scheduler.cc).
  uint32_t SizeApprox() const { return size_.load(std::memory_order_relaxed); }

 private:
  void Grow() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  std::mutex mutex_;
  std::vector<Fiber*> ring_ ABSL_GUARDED_BY(mutex_);  // capacity: a power of two
  uint64_t head_ ABSL_GUARDED_BY(mutex_) = 0;         // index of the oldest fiber
  std::atomic<uint32_t> size_{0};                     // written under mutex_
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_GLOBAL_RUN_QUEUE_H_
