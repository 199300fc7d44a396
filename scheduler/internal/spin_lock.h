// SpinLock: a tiny lock for the few instructions that link or unlink a waiter.
//
// troupe's primitives hold it only to update an intrusive list, never across a
// switch, a wake-up or a system call, so contention is short; after a bounded spin it
// yields the thread. (std::mutex would work too, but costs a futex system call under
// contention and can put a whole M to sleep for an operation that takes nanoseconds.)
#ifndef TROUPE_SCHEDULER_INTERNAL_SPIN_LOCK_H_
#define TROUPE_SCHEDULER_INTERNAL_SPIN_LOCK_H_

#include <atomic>
#include <thread>

#include "absl/base/thread_annotations.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace troupe::scheduler_internal {

// One step of a busy-wait: tells the CPU we are spinning (x86 `pause`), which saves
// power and lets the sibling hyperthread run.
inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

// The steps of a busy-wait for a state another thread is a few instructions away
// from: spins for the first kSpins steps, then yields the thread at each step (the
// other thread seems descheduled).
class SpinBackoff {
 public:
  void Step() {
    if (++steps_ < kSpins) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }

 private:
  static constexpr int kSpins = 64;
  int steps_ = 0;
};

class ABSL_LOCKABLE SpinLock {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    SpinBackoff backoff;
    // acquire; pairs with the release store in Unlock.
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) backoff.Step();
    }
  }

  void Unlock() ABSL_UNLOCK_FUNCTION() {
    locked_.store(false, std::memory_order_release);  // pairs with Lock's acquire
  }

 private:
  std::atomic<bool> locked_{false};
};

class ABSL_SCOPED_LOCKABLE SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock& lock) ABSL_EXCLUSIVE_LOCK_FUNCTION(lock) : lock_(lock) {
    lock_.Lock();
  }
  ~SpinLockHolder() ABSL_UNLOCK_FUNCTION() { lock_.Unlock(); }
  SpinLockHolder(const SpinLockHolder&) = delete;
  SpinLockHolder& operator=(const SpinLockHolder&) = delete;

 private:
  SpinLock& lock_;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SPIN_LOCK_H_
