// Semaphore: a counting semaphore for fibers. Acquire parks a fiber (blocks a plain
// thread) while no permit is available. Waiters are served in FIFO order: a released
// permit is handed directly to the oldest waiter, so none starves.
//
// Memory ordering: everything written before a Release is visible after the Acquire
// that obtains the permit.
#ifndef TROUPE_SCHEDULER_SEMAPHORE_H_
#define TROUPE_SCHEDULER_SEMAPHORE_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe {

class Semaphore {
 public:
  // `permits` must be >= 0.
  explicit Semaphore(int64_t permits);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  void Acquire();
  [[nodiscard]] bool TryAcquire();
  // True if a permit was obtained before `deadline`.
  [[nodiscard]] bool AcquireUntil(absl::Time deadline);
  // OK once a permit is obtained, or `context`'s Err() (and no permit) if it is done
  // first.
  [[nodiscard]] absl::Status Acquire(const Context& context);
  // Any fiber or thread. `count` must be >= 1.
  void Release(int64_t count = 1);

  // Permits available right now (racy; for tests and statistics).
  int64_t available() const { return permits_.load(std::memory_order_acquire); }

 private:
  absl::Status AcquireWithin(int64_t deadline_ns, scheduler_internal::ContextState* context);

  std::atomic<int64_t> permits_;
  scheduler_internal::SpinLock waiters_lock_;
  scheduler_internal::WaitQueue waiters_ ABSL_GUARDED_BY(waiters_lock_);
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_SEMAPHORE_H_
