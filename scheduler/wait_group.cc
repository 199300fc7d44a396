// WaitGroup: the count is an atomic; waiters queue only after seeing it non-zero
// under waiters_lock_, and the Add that brings it to zero takes waiters_lock_ (inside
// WakeAll) after its decrement, so a waiter either sees zero or is woken.
#include "scheduler/wait_group.h"

#include <cstdio>
#include <cstdlib>

#include "scheduler/internal/context_state.h"
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
  const absl::Status status = WaitWithin(scheduler_internal::kNoDeadline, nullptr);
  (void)status;  // always OK without a deadline or context
}

bool WaitGroup::WaitUntil(absl::Time deadline) {
  if (count_.load(std::memory_order_acquire) == 0) return true;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == kDeadlinePassed) return false;
  return WaitWithin(deadline_ns, nullptr).ok();
}

absl::Status WaitGroup::Wait(const Context& context) {
  if (count_.load(std::memory_order_acquire) == 0) return absl::OkStatus();
  if (absl::Status error = context.Err(); !error.ok()) return error;
  return WaitWithin(scheduler_internal::kNoDeadline, context.state().get());
}

absl::Status WaitGroup::WaitWithin(int64_t deadline_ns,
                                   scheduler_internal::ContextState* context) {
  waiters_lock_.Lock();
  if (count_.load(std::memory_order_acquire) == 0) {
    waiters_lock_.Unlock();
    return absl::OkStatus();
  }
  const WakeReason reason = waiters_.Wait(waiters_lock_, "wait group", deadline_ns, context);
  // Woken because the count reached zero. It may have been raised again since (a
  // reused WaitGroup); Go's semantics return anyway, and so do we.
  if (reason == WakeReason::kSignaled || count_.load(std::memory_order_acquire) == 0) {
    return absl::OkStatus();
  }
  return scheduler_internal::WaitOutcome(context, reason);
}

}  // namespace troupe
