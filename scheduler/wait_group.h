// WaitGroup: waits for a collection of fibers (or any tasks) to finish, like Go's
// sync.WaitGroup. Add(n) before starting work, Done() when each piece finishes,
// Wait() parks until the count is zero.
//
// Memory ordering: everything written before a Done() is visible after the Wait()
// that it releases.
//
// Lifetime: a WaitGroup may be destroyed as soon as a Wait has returned, provided no
// other call on it is still in progress: the Add that brings the count to zero does
// not touch the object afterwards unless a waiter is registered (and then only until
// it has woken the waiters).
#ifndef TROUPE_SCHEDULER_WAIT_GROUP_H_
#define TROUPE_SCHEDULER_WAIT_GROUP_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe {

class WaitGroup {
 public:
  explicit WaitGroup(int64_t initial = 0) : state_(static_cast<uint64_t>(initial) << 32) {}
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  // Any fiber or thread. Adds `delta` (may be negative) to the count; when it reaches
  // zero every waiter is woken. A negative count is a bug and crashes with a message.
  void Add(int64_t delta);
  void Done() { Add(-1); }

  // Parks (blocks a plain thread) until the count is zero.
  void Wait();
  // As Wait, giving up at `deadline`; true if the count reached zero.
  [[nodiscard]] bool WaitUntil(absl::Time deadline);
  // OK once the count is zero, or `context`'s Err() if it is done first.
  [[nodiscard]] absl::Status Wait(const Context& context);

  int64_t count() const { return CountOf(state_.load(std::memory_order_acquire)); }

 private:
  absl::Status WaitWithin(int64_t deadline_ns, scheduler_internal::ContextState* context);

  static int64_t CountOf(uint64_t state) { return static_cast<int64_t>(state) >> 32; }
  static uint32_t WaitersOf(uint64_t state) { return static_cast<uint32_t>(state); }

  // The count in the high 32 bits, the number of registered waiters in the low 32.
  // One word, so that the Add that reaches zero learns in the same atomic step
  // whether anybody waits: if nobody does, it is done with the object.
  std::atomic<uint64_t> state_;
  scheduler_internal::SpinLock waiters_lock_;
  scheduler_internal::WaitQueue waiters_ ABSL_GUARDED_BY(waiters_lock_);
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_WAIT_GROUP_H_
