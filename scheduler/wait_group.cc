// WaitGroup: the count is an atomic; waiters queue only after seeing it non-zero
// under waiters_lock_, and the Add that brings it to zero takes waiters_lock_ (inside
// WakeAll) after its decrement, so a waiter either sees zero or is woken.
#include "scheduler/wait_group.h"

#include <cstdio>
#include <cstdlib>

#include "scheduler/internal/deadline.h"

namespace troupe {

using scheduler_internal::kDeadlinePassed;
using scheduler_internal::WakeReason;

void WaitGroup::Add(int64_t delta) {
  // acq_rel: Done()'s release publishes the finished work; the acquire lets the last
  // one see everybody else's.
  const int64_t count = count_.fetch_add(delta, std::memory_order_acq_rel) + delta;
  if (count < 0) {
    std::fprintf(stderr, "troupe: fatal error in WaitGroup::Add: negative count %lld\n",
                 static_cast<long long>(count));
    std::abort();
  }
  if (count == 0) waiters_.WakeAll(waiters_lock_);
}

void WaitGroup::Wait() {
  const bool done = WaitUntil(absl::InfiniteFuture());
  (void)done;  // always true without a deadline
}

bool WaitGroup::WaitUntil(absl::Time deadline) {
  if (count_.load(std::memory_order_acquire) == 0) return true;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  while (true) {
    if (deadline_ns == kDeadlinePassed) return count_.load(std::memory_order_acquire) == 0;
    waiters_lock_.Lock();
    if (count_.load(std::memory_order_acquire) == 0) {
      waiters_lock_.Unlock();
      return true;
    }
    if (waiters_.Wait(waiters_lock_, "wait group", deadline_ns) == WakeReason::kTimedOut) {
      return count_.load(std::memory_order_acquire) == 0;
    }
    // Woken because the count reached zero. It may have been raised again since (a
    // reused WaitGroup); Go's semantics return anyway, and so do we.
    return true;
  }
}

}  // namespace troupe
