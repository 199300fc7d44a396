#include "troupe/actors/internal/mailbox_room.h"

#include <algorithm>

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

using scheduler_internal::Fiber;
using scheduler_internal::SpinLockHolder;
using scheduler_internal::WaitNode;
using scheduler_internal::WakeReason;

MailboxRoom::MailboxRoom(std::size_t capacity)
    : bounded_(capacity > 0),
      limit_(capacity > 0 ? static_cast<int64_t>(capacity) : kSoftLimit),
      // A quarter of the limit: parked senders get room back in chunks worth a
      // wake-up, and the receiver touches the shared count once per chunk. (Fan-in
      // of 100 senders, 1024 slots: an eighth gave 10% fewer messages per second,
      // a half 5% more, but a half would let an actor that blocks inside Receive
      // hold half its mailbox's room.)
      batch_(std::max<int64_t>(1, (capacity > 0 ? static_cast<int64_t>(capacity) : kSoftLimit) / 4)) {}

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
  *status = absl::OkStatus();
  lock_.Lock();
  if (closed_) {
    lock_.Unlock();
    Take();
    return true;
  }
  // seq_cst, both: the sender's half of invariant 2. We park only after a seq_cst
  // read saw the mailbox full.
  parked_hint_.fetch_add(1, std::memory_order_seq_cst);
  int64_t count = count_.load(std::memory_order_seq_cst);
  while (count < limit_) {
    if (count_.compare_exchange_weak(count, count + 1, std::memory_order_seq_cst,
                                     std::memory_order_seq_cst)) {
      parked_hint_.fetch_sub(1, std::memory_order_relaxed);  // never parked
      lock_.Unlock();
      return true;
    }
  }
  WakeReason reason;
  switch (Park(context, scheduler_internal::kNoDeadline, &reason)) {
    case kHanded:
      return true;
    case kRetry:
      return false;
    default:  // no Release claimed this wait: it holds no slot
      *status = scheduler_internal::WaitOutcome(context, reason);
      return true;
  }
}

void MailboxRoom::WaitUntilShallow() {
  lock_.Lock();
  if (closed_) {
    lock_.Unlock();
    return;
  }
  // relaxed, both: only compared with themselves after the wait (stall detection).
  const uint64_t releases = releases_.load(std::memory_order_relaxed);
  const int64_t soft_limit = soft_limit_.load(std::memory_order_relaxed);
  // seq_cst, both: the sender's half of invariant 2.
  parked_hint_.fetch_add(1, std::memory_order_seq_cst);
  // relaxed: soft_limit_ is a hint (see deep()).
  if (count_.load(std::memory_order_seq_cst) < soft_limit) {
    parked_hint_.fetch_sub(1, std::memory_order_relaxed);  // never parked
    lock_.Unlock();
    return;
  }
  WakeReason reason;
  Park(/*context=*/nullptr, scheduler_internal::MonotonicNanos() + kStallTimeoutNs, &reason);
  if (reason == WakeReason::kTimedOut &&
      releases_.load(std::memory_order_relaxed) == releases) {
    // The actor gave nothing back while we waited: let kSoftLimit more messages in
    // before senders park again (until its next Release). Once per limit: the
    // senders that parked under the same limit and time out too raise nothing.
    // relaxed: a hint.
    int64_t expected = soft_limit;
    soft_limit_.compare_exchange_strong(expected, soft_limit + kSoftLimit,
                                        std::memory_order_relaxed);
  }
}

int MailboxRoom::Park(scheduler_internal::ContextState* context, int64_t deadline_ns,
                      WakeReason* reason) {
  WaitNode node;
  node.fiber = scheduler_internal::CurrentWaiter();
  node.token = scheduler_internal::BeginWait(node.fiber, bounded_ ? "mailbox full" : "mailbox deep");
  parked_.PushBack(&node);
  lock_.Unlock();
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  deadline_ns = scheduler_internal::JoinContextWait(context, &context_node, deadline_ns);
  *reason = scheduler_internal::CommitWait(node.fiber, node.token, deadline_ns);
  scheduler_internal::LeaveContextWait(context, &context_node);
  if (*reason != WakeReason::kSignaled) {
    SpinLockHolder holder(lock_);
    parked_.Remove(&node);
  }
  // relaxed: we are out of parked_ now, so Release may skip lock_ for us.
  parked_hint_.fetch_sub(1, std::memory_order_relaxed);
  // A Release wrote the outcome before FinishWake, whose acq_rel exchange pairs with
  // the acquire in CommitWait: it is visible here.
  return *reason == WakeReason::kSignaled ? node.outcome : 0;
}

void MailboxRoom::Release(int64_t count) {
  if (!bounded_) {
    // relaxed, both: hints for WaitUntilShallow (stall detection), nothing more.
    releases_.fetch_add(1, std::memory_order_relaxed);
    if (soft_limit_.load(std::memory_order_relaxed) != kSoftLimit) {
      soft_limit_.store(kSoftLimit, std::memory_order_relaxed);  // the actor moves again
    }
  }
  // relaxed: only chooses the path; the seq_cst load below decides.
  if (parked_hint_.load(std::memory_order_relaxed) == 0) {
    // seq_cst, both: Release's half of invariant 2.
    if (count > 0) count_.fetch_sub(count, std::memory_order_seq_cst);
    if (parked_hint_.load(std::memory_order_seq_cst) == 0) return;
    count = 0;  // given back already: the senders we wake retry
  }
  WakeParked(count, /*wake_all=*/false);
}

void MailboxRoom::WakeParked(int64_t count, bool wake_all) {
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
        } else if (wake_all || closed_) {  // Close
          to_wake = std::numeric_limits<int64_t>::max();
        } else {
          // One sender per batch of room; a woken sender takes more on the fast
          // path. At least two: the scheduler puts the first woken fiber in this
          // processor's run-next slot and wakes an idle processor only for more,
          // so with one the senders would all wait for this processor (measured:
          // a third fewer messages per second). relaxed: a heuristic; senders
          // change the count at any moment.
          const int64_t room = limit_ - (count_.load(std::memory_order_relaxed) - count);
          to_wake = std::max<int64_t>(2, room / batch_);
        }
      }
      int64_t handed = 0;
      while (woken_count < kWakeBatch && to_wake > 0) {
        WaitNode* node = parked_.PopClaimed();
        if (node == nullptr) {
          to_wake = 0;
          break;
        }
        // Invariant 3: the oldest woken senders of a bounded mailbox get the freed
        // slots themselves. (A soft-bound sender needs no slot.)
        node->outcome = bounded_ && handed < count ? kHanded : kRetry;
        if (node->outcome == kHanded) ++handed;
        woken[woken_count++] = node->fiber;
        --to_wake;
      }
      // seq_cst: Release's half of invariant 2 (lock_ orders it for the senders
      // queued here; the seq_cst keeps the total order for those still counting
      // themselves in). The handed slots stay taken, now on their senders' behalf.
      if (count > handed) count_.fetch_sub(count - handed, std::memory_order_seq_cst);
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
  WakeParked(0, /*wake_all=*/true);
}

}  // namespace troupe::actors_internal
