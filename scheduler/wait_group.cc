// WaitGroup: the count and the number of registered waiters share one atomic word.
//
// A waiter registers with a CAS that requires a non-zero count, then takes
// waiters_lock_ and queues. The Add that brings the count to zero learns from its own
// RMW whether any waiter registered before it. If none did it returns at once and
// never touches the object again (so a waiter that saw zero may destroy it). If some
// did, it pops and wakes the queued waiters under waiters_lock_, and in the same
// locked section as its last pop clears the registrations.
//
// Hence, under waiters_lock_, "count zero and registrations left" means that Add is
// still on its way. A waiter that finds that (it timed out, or saw zero before
// queueing) queues without a deadline and lets that Add wake it, instead of
// returning while the Add may still touch the lock. A waiter that timed out
// unregisters itself with a CAS that requires a non-zero count. Reusing a WaitGroup (Add after zero)
// while a Wait has not returned is not supported, as in Go.
#include "troupe/scheduler/wait_group.h"

#include <cstdio>
#include <cstdlib>

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe {

using scheduler_internal::kDeadlinePassed;
using scheduler_internal::WakeReason;

void WaitGroup::Add(int64_t delta) {
  // acq_rel: Done()'s release publishes the finished work; the acquire lets the last
  // one see everybody else's.
  const uint64_t state =
      state_.fetch_add(static_cast<uint64_t>(delta) << 32, std::memory_order_acq_rel) +
      (static_cast<uint64_t>(delta) << 32);
  const int64_t count = CountOf(state);
  if (count < 0) {
    scheduler_internal::Fatal("WaitGroup::Add", "negative count %lld",
                              static_cast<long long>(count));
  }
  if (count != 0 || WaitersOf(state) == 0) return;  // done with the object
  // Clear the registrations (keeping the count bits) under the lock of the last
  // batch; after that unlock the object is not touched again.
  waiters_.WakeAll(waiters_lock_, [this] {
    state_.fetch_and(~uint64_t{0xffffffff}, std::memory_order_acq_rel);
  });
}

void WaitGroup::Wait() {
  const absl::Status status = WaitWithin(scheduler_internal::kNoDeadline, nullptr);
  (void)status;  // always OK without a deadline or context
}

bool WaitGroup::WaitUntil(absl::Time deadline) {
  if (count() == 0) return true;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == kDeadlinePassed) return false;
  return WaitWithin(deadline_ns, nullptr).ok();
}

absl::Status WaitGroup::Wait(const Context& context) {
  if (count() == 0) return absl::OkStatus();
  if (absl::Status error = context.Err(); !error.ok()) return error;
  return WaitWithin(scheduler_internal::kNoDeadline, context.state().get());
}

absl::Status WaitGroup::WaitWithin(int64_t deadline_ns,
                                   scheduler_internal::ContextState* context) {
  // Register, unless the count is zero already. acquire on success and failure: a
  // zero count returns, and must see the work its Done()s published.
  uint64_t state = state_.load(std::memory_order_acquire);
  do {
    if (CountOf(state) == 0) return absl::OkStatus();
  } while (!state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel,
                                         std::memory_order_acquire));
  waiters_lock_.Lock();
  if (count() != 0) {
    const WakeReason reason = waiters_.Wait(waiters_lock_, "wait group", deadline_ns, context);
    if (reason == WakeReason::kSignaled) return absl::OkStatus();  // unregistered by Add
    waiters_lock_.Lock();
    // Unregister, but only while the count is non-zero (in the same CAS): once an
    // Add has zeroed it with our registration counted, that Add is coming to the
    // lock, and we must not return before it is done.
    uint64_t now = state_.load(std::memory_order_acquire);
    while (CountOf(now) != 0) {
      if (state_.compare_exchange_weak(now, now - 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        waiters_lock_.Unlock();
        return scheduler_internal::WaitOutcome(context, reason);
      }
    }
  }
  // The count is zero. Our registration is cleared by the Add that zeroed it, in a
  // locked section; until then that Add may still touch this object, so wait for it.
  if (WaitersOf(state_.load(std::memory_order_acquire)) == 0) {
    waiters_lock_.Unlock();
    return absl::OkStatus();
  }
  (void)waiters_.Wait(waiters_lock_, "wait group", scheduler_internal::kNoDeadline, nullptr);
  return absl::OkStatus();
}

}  // namespace troupe
