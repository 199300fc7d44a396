// LocalRunQueue: a P's bounded run queue (Go's runq), plus its run-next slot.
//
// Ownership is in the type: the owning P pushes and pops through LocalRunQueue; any
// other P may only steal, through StealHalfInto. One writer of `tail_` (the owner);
// many consumers race on `head_` with CAS. The run-next slot holds the fiber the owner
// just woke, to run before anything queued (ping-pong stays on one P).
#ifndef TROUPE_SCHEDULER_INTERNAL_LOCAL_RUN_QUEUE_H_
#define TROUPE_SCHEDULER_INTERNAL_LOCAL_RUN_QUEUE_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

class LocalRunQueue {
 public:
  static constexpr uint32_t kCapacity = 256;

  // Owner only. Returns false if the queue is full; the caller then moves half of it
  // to the global queue with TakeHalfForOverflow.
  bool TryPush(Fiber* fiber);
  // Owner only. Puts `fiber` in the run-next slot and returns what was there (to be
  // pushed by the caller), or nullptr.
  Fiber* SwapRunNext(Fiber* fiber);
  // Owner only: run-next first, then the oldest queued fiber. nullptr if empty.
  Fiber* TryPop();
  // Owner only, when TryPush failed: removes the older half of the queue into
  // `batch` (capacity kCapacity / 2) and returns how many. 0 if a thief got there
  // first, in which case the caller retries TryPush.
  uint32_t TakeHalfForOverflow(Fiber** batch);

  // Any P (a thief) with its own queue `into`, which the thief owns and which is
  // empty. Moves half of this queue's fibers into `into` and returns one of them to
  // run now, or nullptr. With `include_run_next`, an empty queue gives up its
  // run-next fiber.
  Fiber* StealHalfInto(LocalRunQueue& into, bool include_run_next);

  // Any thread; approximate (a racy snapshot), for idle checks and statistics.
  uint32_t SizeApprox() const;
  bool EmptyApprox() const;
  // Owner: whether the queue proper (not the run-next slot) is empty.
  bool QueueEmptyApprox() const {
    return head_.load(std::memory_order_relaxed) == tail_.load(std::memory_order_relaxed);
  }

 private:
  uint32_t GrabHalf(Fiber** batch, bool include_run_next);

  // head_: next slot to consume; CAS by the owner and thieves.
  alignas(64) std::atomic<uint32_t> head_{0};
  // tail_: next slot to fill; stored only by the owner.
  alignas(64) std::atomic<uint32_t> tail_{0};
  std::atomic<Fiber*> run_next_{nullptr};
  // Slots are atomics because a thief may read a slot the owner is about to reuse;
  // the read is discarded when the thief's CAS on head_ fails.
  std::array<std::atomic<Fiber*>, kCapacity> slots_{};
};

// The owner's operations are on every switch: defined here so they inline. Memory
// orders are explained in local_run_queue.cc.

inline bool LocalRunQueue::TryPush(Fiber* fiber) {
  const uint32_t head = head_.load(std::memory_order_acquire);  // pairs with consumers' CAS
  const uint32_t tail = tail_.load(std::memory_order_relaxed);  // only the owner writes it
  if (tail - head >= kCapacity) return false;
  slots_[tail % kCapacity].store(fiber, std::memory_order_relaxed);
  tail_.store(tail + 1, std::memory_order_release);  // publishes the slot; pairs with
                                                     // the acquire loads of tail_
  return true;
}

inline Fiber* LocalRunQueue::SwapRunNext(Fiber* fiber) {
  // acq_rel: publishes `fiber` to a thief's exchange, and acquires the fiber we evict.
  return run_next_.exchange(fiber, std::memory_order_acq_rel);
}

inline Fiber* LocalRunQueue::TryPop() {
  if (run_next_.load(std::memory_order_relaxed) != nullptr) {
    // acquire; pairs with the release half of SwapRunNext.
    if (Fiber* next = run_next_.exchange(nullptr, std::memory_order_acquire)) return next;
  }
  while (true) {
    uint32_t head = head_.load(std::memory_order_acquire);
    const uint32_t tail = tail_.load(std::memory_order_relaxed);  // owner's own writes
    if (head == tail) return nullptr;
    Fiber* fiber = slots_[head % kCapacity].load(std::memory_order_relaxed);
    // release: our slot read happens before the owner's (our own) later reuse; the
    // CAS competes with thieves.
    if (head_.compare_exchange_weak(head, head + 1, std::memory_order_release,
                                    std::memory_order_relaxed)) {
      return fiber;
    }
  }
}

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_LOCAL_RUN_QUEUE_H_
