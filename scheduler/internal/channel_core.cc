// Channels: design notes (after Go's runtime/chan.go).
//
// A channel is a ring buffer of `capacity` elements (none for an unbuffered
// channel), a queue of parked senders and one of parked receivers, and a closed flag,
// all under one SpinLock. A parked sender's WaitNode points at the value it wants to
// send; a parked receiver's points at the storage its value should go to. Whoever
// completes a parked party's operation moves the value directly between the
// buffer and that party's memory, under the lock, then wakes it after unlocking.
//
// Invariants (under the lock):
//  1. Parked receivers exist only while the buffer is empty, and parked senders only
//     while it is full (for capacity 0, always "full and empty"). So a sender first
//     looks for a receiver, then for room; a receiver first takes from the buffer
//     (and refills the freed slot from the oldest parked sender, keeping FIFO order),
//     then takes straight from a parked sender.
//  2. A closed channel has no parked senders and no parked receivers: Close wakes
//     them all (senders fail, with their values untouched; receivers see "closed"),
//     and nobody parks on a closed channel. Buffered values stay receivable after
//     Close: a value sent successfully is never lost.
//  3. A value moves exactly once, by the one party that holds the lock and has
//     claimed the parked party's wait (ClaimWait): a parked party that timed out or
//     was cancelled, or a select that another case already won, cannot be claimed
//     and is skipped.
//
// Memory ordering: the lock orders everything the sender wrote before Send before
// everything the receiver does after Recv; a parked party's wake-up (FinishWake) is a
// release that its resumption acquires.
//
// Rejected alternative: a lock-free ring with a separate parking path (as in some
// Rust channels). It is faster uncontended, but the parking/closing races it creates
// are subtle, and with fibers most channel operations either hand off directly to a
// parked partner or find the buffer non-full/non-empty in a few nanoseconds under an
// uncontended spin lock.
#include "troupe/scheduler/internal/channel_core.h"

#include "troupe/scheduler/internal/fiber.h"

#include <vector>

namespace troupe::scheduler_internal {

ChannelCore::ChannelCore(std::size_t capacity, std::size_t element_size,
                         const ElementOps* ops, void* buffer)
    : capacity_(capacity), element_size_(element_size), ops_(ops), buffer_(buffer) {}

ChannelCore::~ChannelCore() {
  SpinLockHolder holder(lock_);
  for (std::size_t i = 0; i < count_; ++i) ops_->destroy(Slot(head_ + i));
}

void ChannelCore::SetCount(std::size_t count) {
  count_ = count;
  count_approx_.store(count, std::memory_order_relaxed);  // a statistic
}

ChannelResult ChannelCore::AttemptSendLocked(void* value, Fiber** wake) {
  if (closed_) return ChannelResult::kClosed;
  if (WaitNode* receiver = receivers_.PopClaimed()) {
    ops_->move_construct(receiver->slot, value);
    receiver->outcome = kOutcomeDone;
    *wake = receiver->fiber;
    return ChannelResult::kDone;
  }
  if (count_ < capacity_) {
    ops_->move_construct(Slot(head_ + count_), value);
    SetCount(count_ + 1);
    return ChannelResult::kDone;
  }
  return ChannelResult::kWouldBlock;
}

ChannelResult ChannelCore::AttemptRecvLocked(void* out, Fiber** wake) {
  if (count_ > 0) {
    void* oldest = Slot(head_);
    ops_->move_construct(out, oldest);
    ops_->destroy(oldest);
    if (++head_ == capacity_) head_ = 0;
    SetCount(count_ - 1);
    // The buffer has room again: the oldest parked sender's value goes to the back.
    if (WaitNode* sender = senders_.PopClaimed()) {
      ops_->move_construct(Slot(head_ + count_), sender->slot);
      SetCount(count_ + 1);
      sender->outcome = kOutcomeDone;
      *wake = sender->fiber;
    }
    return ChannelResult::kDone;
  }
  if (WaitNode* sender = senders_.PopClaimed()) {  // unbuffered: take it directly
    ops_->move_construct(out, sender->slot);
    sender->outcome = kOutcomeDone;
    *wake = sender->fiber;
    return ChannelResult::kDone;
  }
  return closed_ ? ChannelResult::kClosed : ChannelResult::kWouldBlock;
}

bool ChannelCore::SendReadyLocked(const Fiber* self) {
  return closed_ || count_ < capacity_ || receivers_.PeekWaiting(self) != nullptr;
}

bool ChannelCore::RecvReadyLocked(const Fiber* self) {
  return closed_ || count_ > 0 || senders_.PeekWaiting(self) != nullptr;
}

ChannelResult ChannelCore::TrySend(void* value) {
  Fiber* wake = nullptr;
  ChannelResult result;
  {
    SpinLockHolder holder(lock_);
    result = AttemptSendLocked(value, &wake);
  }
  if (wake != nullptr) FinishWake(wake, WakeReason::kSignaled);
  return result;
}

ChannelResult ChannelCore::TryRecv(void* out) {
  Fiber* wake = nullptr;
  ChannelResult result;
  {
    SpinLockHolder holder(lock_);
    result = AttemptRecvLocked(out, &wake);
  }
  if (wake != nullptr) FinishWake(wake, WakeReason::kSignaled);
  return result;
}

namespace {

// The common shape of a blocking send or receive: attempt under the lock; if it
// cannot proceed, park in `queue` with `slot`, and report how the wait ended.
template <typename Attempt>
ChannelResult AttemptOrPark(SpinLock& lock, WaitQueue& queue, void* slot, const char* reason,
                            int64_t deadline_ns, ContextState* context, WakeReason* why,
                            Attempt attempt) {
  Fiber* wake = nullptr;
  lock.Lock();
  const ChannelResult result = attempt(&wake);
  if (result != ChannelResult::kWouldBlock) {
    lock.Unlock();
    if (wake != nullptr) FinishWake(wake, WakeReason::kSignaled);
    *why = WakeReason::kSignaled;
    return result;
  }
  WaitNode node;
  node.fiber = CurrentWaiter();
  node.token = BeginWait(node.fiber, reason);
  node.slot = slot;
  queue.PushBack(&node);
  lock.Unlock();
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  deadline_ns = JoinContextWait(context, &context_node, deadline_ns);
  *why = CommitWait(node.fiber, node.token, deadline_ns);
  LeaveContextWait(context, &context_node);
  if (*why == WakeReason::kSignaled) {
    return node.outcome == kOutcomeDone ? ChannelResult::kDone : ChannelResult::kClosed;
  }
  SpinLockHolder holder(lock);
  queue.Remove(&node);
  return ChannelResult::kWouldBlock;
}

}  // namespace

ChannelResult ChannelCore::Send(void* value, int64_t deadline_ns, ContextState* context,
                                WakeReason* why) {
  return AttemptOrPark(lock_, senders_, value, "channel send", deadline_ns, context, why,
                       [&](Fiber** wake) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                         return AttemptSendLocked(value, wake);
                       });
}

ChannelResult ChannelCore::Recv(void* out, int64_t deadline_ns, ContextState* context,
                                WakeReason* why) {
  return AttemptOrPark(lock_, receivers_, out, "channel receive", deadline_ns, context, why,
                       [&](Fiber** wake) ABSL_NO_THREAD_SAFETY_ANALYSIS {
                         return AttemptRecvLocked(out, wake);
                       });
}

bool ChannelCore::Close() {
  std::vector<Fiber*> to_wake;
  {
    SpinLockHolder holder(lock_);
    if (closed_) return false;
    closed_ = true;
    closed_approx_.store(true, std::memory_order_release);
    for (WaitQueue* queue : {&receivers_, &senders_}) {
      while (WaitNode* node = queue->PopClaimed()) {
        node->outcome = kOutcomeClosed;
        to_wake.push_back(node->fiber);
      }
    }
  }
  for (Fiber* fiber : to_wake) FinishWake(fiber, WakeReason::kSignaled);
  return true;
}

}  // namespace troupe::scheduler_internal
