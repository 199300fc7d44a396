#include "actors/internal/mailbox_room.h"

#include <algorithm>
#include <limits>

#include "scheduler/internal/context_state.h"
#include "scheduler/internal/deadline.h"
#include "scheduler/internal/scheduler.h"

namespace troupe::actors_internal {

using scheduler_internal::Fiber;
using scheduler_internal::SpinLockHolder;
using scheduler_internal::WaitNode;
using scheduler_internal::WakeReason;

MailboxRoom::MailboxRoom(std::size_t capacity)
    : bounded_(capacity > 0),
      capacity_(capacity > 0 ? static_cast<int64_t>(capacity)
                             : std::numeric_limits<int64_t>::max()),
      // Bounded: an eighth of the capacity, so parked senders get room back in
      // chunks worth a wake-up. Unbounded: the count is only a statistic and a hint.
      batch_(capacity > 0 ? std::max<int64_t>(1, static_cast<int64_t>(capacity) / 8) : 64) {}

absl::Status MailboxRoom::Reserve(const Context& context) {
  if (TryReserve()) return absl::OkStatus();
  if (absl::Status error = context.Err(); !error.ok()) return error;
  absl::Status status;
  while (!ParkUntilRoom(context.state().get(), &status)) {
    if (TryReserve()) return absl::OkStatus();
  }
  return status;
}

bool MailboxRoom::ParkUntilRoom(scheduler_internal::ContextState* context,
                                absl::Status* status) {
  lock_.Lock();
  if (closed_) {
    lock_.Unlock();
    Take();
    *status = absl::OkStatus();
    return true;
  }
  // Under lock_: sees every Release that ran before (invariant 2).
  if (TryReserve()) {
    lock_.Unlock();
    *status = absl::OkStatus();
    return true;
  }
  WaitNode node;
  node.fiber = scheduler_internal::CurrentWaiter();
  node.token = scheduler_internal::BeginWait(node.fiber, "mailbox full");
  parked_.PushBack(&node);
  lock_.Unlock();
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  const int64_t deadline_ns =
      scheduler_internal::JoinContextWait(context, &context_node, scheduler_internal::kNoDeadline);
  const WakeReason reason = scheduler_internal::CommitWait(node.fiber, node.token, deadline_ns);
  scheduler_internal::LeaveContextWait(context, &context_node);
  if (reason == WakeReason::kSignaled) {
    // Release wrote the outcome before FinishWake, whose acq_rel exchange pairs with
    // the acquire in CommitWait: it is visible here.
    if (node.outcome == kHanded) {
      *status = absl::OkStatus();
      return true;
    }
    return false;  // kRetry
  }
  {
    SpinLockHolder holder(lock_);
    parked_.Remove(&node);  // no Release claimed this wait: it holds no slot
  }
  *status = scheduler_internal::WaitOutcome(context, reason);
  return true;
}

void MailboxRoom::Release(int64_t count, bool wake_all) {
  if (!bounded()) {
    // relaxed: a statistic; nobody parks on an unbounded mailbox.
    if (count > 0) count_.fetch_sub(count, std::memory_order_relaxed);
    return;
  }
  constexpr int kWakeBatch = 32;  // wake-ups finished per round, outside the lock
  int64_t to_wake = -1;           // decided in the first round, under the lock
  while (true) {
    Fiber* woken[kWakeBatch];
    int woken_count = 0;
    {
      SpinLockHolder holder(lock_);
      if (to_wake < 0) {
        if (parked_.empty()) {
          to_wake = 0;
        } else if (wake_all || closed_) {
          to_wake = std::numeric_limits<int64_t>::max();
        } else {
          // relaxed: a heuristic; fast-path senders may change it at any moment.
          const int64_t free = capacity_ - (count_.load(std::memory_order_relaxed) - count);
          to_wake = std::max<int64_t>(1, free / batch_);
        }
      }
      int64_t handed = 0;
      while (woken_count < kWakeBatch && to_wake > 0) {
        WaitNode* node = parked_.PopClaimed();
        if (node == nullptr) {
          to_wake = 0;
          break;
        }
        // Invariant 3: the oldest woken senders get the freed slots themselves.
        node->outcome = handed < count ? kHanded : kRetry;
        if (node->outcome == kHanded) ++handed;
        woken[woken_count++] = node->fiber;
        --to_wake;
      }
      // relaxed: lock_ orders this against parking senders (invariant 2); the
      // handed slots stay taken, now on their senders' behalf.
      if (count > handed) count_.fetch_sub(count - handed, std::memory_order_relaxed);
      count = 0;  // given back (or handed on); later rounds only tell senders to retry
    }
    for (int i = 0; i < woken_count; ++i) {
      scheduler_internal::FinishWake(woken[i], WakeReason::kSignaled);
    }
    if (to_wake == 0) return;
  }
}

void MailboxRoom::Close() {
  {
    SpinLockHolder holder(lock_);
    closed_ = true;
  }
  Release(0, /*wake_all=*/true);
}

}  // namespace troupe::actors_internal
