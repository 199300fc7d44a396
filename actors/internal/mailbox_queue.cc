#include "troupe/actors/internal/mailbox_queue.h"

#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

using scheduler_internal::BeginWait;
using scheduler_internal::CommitWait;
using scheduler_internal::CurrentWaiter;
using scheduler_internal::Wake;
using scheduler_internal::WakeReason;

void MailboxQueue::PushNode(MailboxNode* node) {
  node->next.store(nullptr, std::memory_order_relaxed);
  // seq_cst: the producer's half of the wake-up protocol (header comment); also
  // acquires the previous node, which we link to.
  MailboxNode* previous = head_.exchange(node, std::memory_order_seq_cst);
  // release: publishes `node` (and the message in it) to the consumer's acquire.
  previous->next.store(node, std::memory_order_release);
}

bool MailboxQueue::Push(MailboxNode* node) {
  PushNode(node);
  // seq_cst load first: the common case (consumer awake) costs no RMW.
  if (state_.load(std::memory_order_seq_cst) != kSleeping) return false;
  uint32_t expected = kSleeping;
  if (!state_.compare_exchange_strong(expected, kAwake, std::memory_order_acq_rel)) {
    return false;  // another producer (or the consumer itself) got there first
  }
  // acquire (above) made sleeper_/sleeper_token_ visible.
  Wake(sleeper_, sleeper_token_, WakeReason::kSignaled);
  return true;
}

MailboxNode* MailboxQueue::Pop() {
  MailboxNode* tail = tail_.load(std::memory_order_relaxed);  // consumer-owned
  MailboxNode* next = tail->next.load(std::memory_order_acquire);  // pairs with PushNode
  if (tail == &stub_) {
    if (next == nullptr) return nullptr;
    tail_.store(next, std::memory_order_relaxed);
    tail = next;
    next = next->next.load(std::memory_order_acquire);
  }
  if (next != nullptr) {
    tail_.store(next, std::memory_order_relaxed);
    // The next Pop reads `next`'s link, most likely written on another core: start
    // moving its line here while the caller handles `tail`.
    __builtin_prefetch(next);
    return tail;
  }
  // `tail` is the last node we know of. If a producer has pushed past it, its link is
  // in transit: report empty for now (the producer will wake us).
  if (tail != head_.load(std::memory_order_acquire)) return nullptr;
  // Put the stub back behind `tail` so that `tail` can be handed out.
  PushNode(&stub_);
  next = tail->next.load(std::memory_order_acquire);
  if (next != nullptr) {
    tail_.store(next, std::memory_order_relaxed);
    return tail;
  }
  return nullptr;
}

MailboxNode* MailboxQueue::PopWaitingOutTransit() {
  scheduler_internal::SpinBackoff backoff;
  for (;;) {
    if (MailboxNode* node = Pop()) return node;
    // Pop found nothing it could hand out: the queue is empty if head_ is where the
    // consumer is, and otherwise a producer is between its exchange and its link (a
    // few instructions away).
    // seq_cst: the drain's half of the stop handshake (mailbox_queue.h).
    if (head_.load(std::memory_order_seq_cst) == tail_.load(std::memory_order_relaxed)) {
      return nullptr;
    }
    backoff.Step();
  }
}

bool MailboxQueue::BeginSleep() {
  scheduler_internal::Fiber* self = CurrentWaiter();
  const uint64_t token = BeginWait(self, "mailbox (idle, no stack)");
  sleeper_ = self;
  sleeper_token_ = token;
  // seq_cst: the consumer's half of the protocol; publishes sleeper_ to producers.
  state_.store(kSleeping, std::memory_order_seq_cst);
  MailboxNode* tail = tail_.load(std::memory_order_relaxed);
  const bool maybe_message = tail->next.load(std::memory_order_seq_cst) != nullptr ||
                             head_.load(std::memory_order_seq_cst) != tail;
  if (maybe_message &&
      state_.exchange(kAwake, std::memory_order_acq_rel) == kSleeping) {
    // End our own wait: it never parks (CommitWait sees the wake and returns).
    Wake(self, token, WakeReason::kSignaled);
    CommitWait(self, token, /*deadline_ns=*/0);
    return false;
  }
  return true;
}

}  // namespace troupe::actors_internal
