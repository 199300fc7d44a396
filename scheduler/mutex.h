// Mutex: mutual exclusion for fibers. Lock parks a fiber (its OS thread runs other
// fibers meanwhile); on a plain thread it blocks the thread. Not recursive.
//
// Memory ordering: everything written before Unlock is visible after the next Lock
// that acquires the mutex (release/acquire on the state word).
#ifndef TROUPE_SCHEDULER_MUTEX_H_
#define TROUPE_SCHEDULER_MUTEX_H_

#include <atomic>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // Any fiber or thread. Parks (blocks) until the mutex is acquired.
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION();
  // Never blocks. True if acquired.
  [[nodiscard]] bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);
  // Parks until acquired or `deadline` passes. True if acquired.
  [[nodiscard]] bool LockUntil(absl::Time deadline) ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true);
  // Parks until acquired (OK) or `context` is done (its Err(); the mutex is not held).
  [[nodiscard]] absl::Status Lock(const Context& context);
  // Precondition: held by the caller (any fiber/thread may release it, as in Go).
  void Unlock() ABSL_UNLOCK_FUNCTION();

  // For std::lock_guard / std::unique_lock.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { Lock(); }
  bool try_lock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return TryLock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { Unlock(); }

 private:
  absl::Status LockWithin(int64_t deadline_ns, scheduler_internal::ContextState* context);

  // 0: unlocked; 1: locked, no waiters; 2: locked, maybe waiters.
  std::atomic<uint32_t> state_{0};
  scheduler_internal::SpinLock waiters_lock_;
  scheduler_internal::WaitQueue waiters_ ABSL_GUARDED_BY(waiters_lock_);
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ABSL_EXCLUSIVE_LOCK_FUNCTION(mutex) : mutex_(mutex) {
    mutex_.Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_MUTEX_H_
