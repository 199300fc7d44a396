// Semaphore with direct hand-off.
//
// Invariants:
//  1. permits_ > 0 only while no waiter is queued (checked and changed under
//     waiters_lock_ on the slow paths; the lock-free fast path only decrements).
//  2. Release first hands permits to queued waiters, one each, and adds only the rest
//     to permits_. A waiter that was handed a permit returns without touching
//     permits_; one whose wait timed out was never handed one (PopClaimed skips a
//     wait whose timer claimed it first).
#include "troupe/scheduler/semaphore.h"

#include <cstdio>
#include <cstdlib>

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe {

using scheduler_internal::kDeadlinePassed;
using scheduler_internal::SpinLockHolder;
using scheduler_internal::WakeReason;

Semaphore::Semaphore(int64_t permits) : permits_(permits) {
  if (permits < 0) {
    scheduler_internal::Fatal("Semaphore", "negative permits %lld", static_cast<long long>(permits));
  }
}

bool Semaphore::TryAcquire() {
  int64_t permits = permits_.load(std::memory_order_relaxed);
  while (permits > 0) {
    // acquire; pairs with the release in Release.
    if (permits_.compare_exchange_weak(permits, permits - 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

void Semaphore::Acquire() {
  const absl::Status status = AcquireWithin(scheduler_internal::kNoDeadline, nullptr);
  (void)status;  // always OK without a deadline or context
}

bool Semaphore::AcquireUntil(absl::Time deadline) {
  if (TryAcquire()) return true;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == kDeadlinePassed) return false;
  return AcquireWithin(deadline_ns, nullptr).ok();
}

absl::Status Semaphore::Acquire(const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  return AcquireWithin(scheduler_internal::kNoDeadline, context.state().get());
}

absl::Status Semaphore::AcquireWithin(int64_t deadline_ns,
                                      scheduler_internal::ContextState* context) {
  if (TryAcquire()) return absl::OkStatus();
  waiters_lock_.Lock();
  if (TryAcquire()) {
    waiters_lock_.Unlock();
    return absl::OkStatus();
  }
  // Signaled means a Release handed us its permit (invariant 2).
  return scheduler_internal::WaitOutcome(
      context, waiters_.Wait(waiters_lock_, "semaphore", deadline_ns, context));
}

void Semaphore::Release(int64_t count) {
  if (count < 1) {
    scheduler_internal::Fatal("Semaphore::Release", "count %lld < 1", static_cast<long long>(count));
  }
  while (count > 0) {
    scheduler_internal::WaitNode* waiter;
    {
      SpinLockHolder holder(waiters_lock_);
      waiter = waiters_.PopClaimed();
      if (waiter == nullptr) {
        // release; pairs with the acquire in TryAcquire.
        permits_.fetch_add(count, std::memory_order_release);
        return;
      }
    }
    // The permit goes with the wake (a waiter that timed out was never claimed).
    scheduler_internal::FinishWake(waiter->fiber, WakeReason::kSignaled);
    --count;
  }
}

}  // namespace troupe
