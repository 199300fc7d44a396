// Mutex: a three-state lock word (Drepper, "Futexes Are Tricky", mutex #2) whose
// "futex" is troupe's WaitQueue.
//
// Invariants:
//  1. state_ == 0 iff the mutex is free. A holder that saw contention leaves 2.
//  2. A waiter parks only after seeing state_ == 2 under waiters_lock_; Unlock stores
//     0 before taking waiters_lock_ to wake one. So either the waiter sees 0 and
//     retries, or it is queued before Unlock looks: no lost wake-up.
//  3. A woken waiter takes the mutex by exchanging in 2 (it cannot know whether others
//     still wait), so the next Unlock wakes again; at worst one wake-up too many.
//
// Barging is allowed (a running fiber may take the mutex ahead of a woken one): it
// keeps the lock hot on the running core, as Go's sync.Mutex in normal mode does.
#include "troupe/scheduler/mutex.h"

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_profiling.h"

namespace troupe {

using scheduler_internal::ContextState;
using scheduler_internal::kDeadlinePassed;
using scheduler_internal::kNoDeadline;
using scheduler_internal::SpinLockHolder;
using scheduler_internal::WakeReason;

bool Mutex::TryLock() {
  uint32_t expected = 0;
  // acquire; pairs with the release in Unlock.
  return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                        std::memory_order_relaxed);
}

void Mutex::Lock() {
  const absl::Status status = LockWithin(kNoDeadline, nullptr);
  (void)status;  // always OK without a deadline or context
}

bool Mutex::LockUntil(absl::Time deadline) {
  if (TryLock()) return true;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == kDeadlinePassed) return false;
  return LockWithin(deadline_ns, nullptr).ok();
}

absl::Status Mutex::Lock(const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  return LockWithin(kNoDeadline, context.state().get());
}

absl::Status Mutex::LockWithin(int64_t deadline_ns, ContextState* context) {
  uint32_t state = 0;
  if (state_.compare_exchange_strong(state, 1, std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
    return absl::OkStatus();
  }
  if (state != 2) state = state_.exchange(2, std::memory_order_acquire);
  while (state != 0) {
    waiters_lock_.Lock();
    if (state_.load(std::memory_order_relaxed) != 2) {
      waiters_lock_.Unlock();
    } else if (const WakeReason reason =
                   waiters_.Wait(waiters_lock_, "mutex", deadline_ns, context);
               reason != WakeReason::kSignaled) {
      // The mutex may have been freed just as the wait ended: take it if so.
      uint32_t free_state = 0;
      if (state_.compare_exchange_strong(free_state, 2, std::memory_order_acquire,
                                         std::memory_order_relaxed)) {
        return absl::OkStatus();
      }
      return scheduler_internal::WaitOutcome(context, reason);
    }
    state = state_.exchange(2, std::memory_order_acquire);  // pairs with Unlock
  }
  return absl::OkStatus();
}

void Mutex::Unlock() {
  // release; pairs with the acquiring CAS/exchange in Lock.
  if (state_.fetch_sub(1, std::memory_order_release) != 1) {
    state_.store(0, std::memory_order_release);
    int64_t waiter_started_ns = 0;
    waiters_.WakeOne(waiters_lock_, &waiter_started_ns);
    // A profile is on: the waiter's delay is charged to this unlocker's stack
    // (the mutex profile; wait_profiling.h).
    if (waiter_started_ns != 0) {
      scheduler_internal::ReportContendedUnlock(waiter_started_ns, __builtin_frame_address(0));
    }
  }
}

}  // namespace troupe
