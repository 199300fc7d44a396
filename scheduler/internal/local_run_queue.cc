// LocalRunQueue: design notes.
//
// The queue is a ring of kCapacity slots indexed by two free-running 32-bit counters
// (wrap-around is harmless: only differences are used, and they never exceed
// kCapacity).
//
// Invariants:
//  1. Only the owner writes tail_ and the slots; it writes slot t only while
//     t - head < kCapacity, so it never overwrites a slot a consumer may still claim.
//  2. A consumer (owner in TryPop, thief in GrabHalf) claims slots [h, h + n) by CAS
//     on head_ from h. The slot values it read before the CAS are valid iff the CAS
//     succeeds: a successful CAS proves head_ did not move, so by (1) the owner has
//     not reused those slots.
//  3. run_next_ is taken with an exchange/CAS to nullptr, so each fiber put there is
//     taken exactly once.
//
// Memory orders:
//  - The owner's release store of tail_ publishes the slot it just wrote; consumers
//    load tail_ with acquire before reading slots.
//  - A consumer's CAS on head_ is a release, and the owner loads head_ with acquire
//    in TryPush: the consumer's reads of the slots happen before the owner reuses them.
//
// Rejected alternative: a lock per queue. Stealing is rare but pushes and pops happen
// on every switch; a lock there costs an atomic RMW pair and invites convoys.
#include "troupe/scheduler/internal/local_run_queue.h"
#include "troupe/scheduler/internal/fatal.h"

#include <cstdio>
#include <cstdlib>

namespace troupe::scheduler_internal {

uint32_t LocalRunQueue::TakeHalfForOverflow(Fiber** batch) {
  uint32_t head = head_.load(std::memory_order_acquire);
  const uint32_t tail = tail_.load(std::memory_order_relaxed);
  const uint32_t count = (tail - head) / 2;
  if (count != kCapacity / 2) return 0;  // a thief took some: there is room again
  for (uint32_t i = 0; i < count; ++i) {
    batch[i] = slots_[(head + i) % kCapacity].load(std::memory_order_relaxed);
  }
  // release; same reasoning as TryPop.
  if (!head_.compare_exchange_strong(head, head + count, std::memory_order_release,
                                     std::memory_order_relaxed)) {
    return 0;
  }
  return count;
}

uint32_t LocalRunQueue::GrabHalf(Fiber** batch, bool include_run_next) {
  while (true) {
    uint32_t head = head_.load(std::memory_order_acquire);
    const uint32_t tail = tail_.load(std::memory_order_acquire);  // pairs with TryPush
    uint32_t count = tail - head;
    count -= count / 2;
    if (count == 0) {
      if (!include_run_next) return 0;
      Fiber* next = run_next_.load(std::memory_order_acquire);
      if (next == nullptr) return 0;
      // acquire on success; pairs with the release half of SwapRunNext.
      if (!run_next_.compare_exchange_strong(next, nullptr, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
        continue;
      }
      batch[0] = next;
      return 1;
    }
    if (count > kCapacity / 2) continue;  // head and tail read at different times
    for (uint32_t i = 0; i < count; ++i) {
      batch[i] = slots_[(head + i) % kCapacity].load(std::memory_order_relaxed);
    }
    // acq_rel: release orders our slot reads before the owner's reuse (invariant 2).
    if (head_.compare_exchange_weak(head, head + count, std::memory_order_acq_rel,
                                    std::memory_order_relaxed)) {
      return count;
    }
  }
}

Fiber* LocalRunQueue::StealHalfInto(LocalRunQueue& into, bool include_run_next) {
  Fiber* batch[kCapacity / 2];
  const uint32_t count = GrabHalf(batch, include_run_next);
  if (count == 0) return nullptr;
  // `into` is the thief's own, empty queue: the pushes cannot fail.
  for (uint32_t i = 0; i + 1 < count; ++i) {
    if (!into.TryPush(batch[i])) {
      Fatal("LocalRunQueue::StealHalfInto", "thief queue full");
    }
  }
  return batch[count - 1];
}

uint32_t LocalRunQueue::SizeApprox() const {
  // relaxed: a statistic; may be momentarily inconsistent.
  const uint32_t head = head_.load(std::memory_order_relaxed);
  const uint32_t tail = tail_.load(std::memory_order_relaxed);
  const uint32_t size = tail - head;
  const uint32_t run_next = run_next_.load(std::memory_order_relaxed) != nullptr ? 1 : 0;
  return (size > kCapacity ? 0 : size) + run_next;
}

bool LocalRunQueue::EmptyApprox() const {
  // acquire: used by the idle re-check after a seq_cst fence (scheduler.cc).
  return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire) &&
         run_next_.load(std::memory_order_acquire) == nullptr;
}

}  // namespace troupe::scheduler_internal
