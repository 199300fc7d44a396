// WaitQueue: a FIFO of waiting fibers and threads, the building block of troupe's
// Mutex, ConditionVariable, WaitGroup and Semaphore (Go's sudog lists).
//
// Each waiter links a Node that lives on its own stack. The owning primitive's
// SpinLock guards the list; a primitive checks its condition and enqueues under that
// lock, so a waker that changes the condition and then takes the lock always finds
// the waiter (no lost wake-up).
//
// Wake-ups are issued after the lock is released (waking may start a thread), so the
// waker copies (fiber, token) while it holds the lock: once the lock is dropped the
// Node may be gone, but the fiber record outlives it and the token makes a stale wake
// harmless. A waiter that timed out removes its own Node if it is still linked.
#ifndef TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_
#define TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_

#include <cstdint>

#include "scheduler/internal/fiber.h"
#include "scheduler/internal/scheduler.h"
#include "scheduler/internal/spin_lock.h"

namespace troupe::scheduler_internal {

class WaitQueue {
 public:
  struct Waiter {
    Fiber* fiber = nullptr;
    uint64_t token = 0;
  };

  // Lock held on entry; released on return. Queues the caller, releases the lock,
  // runs `after_queued()` (for example, a condition variable releases its mutex
  // there), then parks until woken through this queue (kSignaled) or until
  // `deadline_ns` passes (kTimedOut).
  template <typename AfterQueued>
  WakeReason Wait(SpinLock& lock, const char* reason, int64_t deadline_ns,
                  AfterQueued&& after_queued) ABSL_UNLOCK_FUNCTION(lock);
  WakeReason Wait(SpinLock& lock, const char* reason, int64_t deadline_ns)
      ABSL_UNLOCK_FUNCTION(lock) {
    return Wait(lock, reason, deadline_ns, [] {});
  }

  // Lock held. Removes the oldest waiter, or returns false if there is none.
  bool PopFront(Waiter& out);
  bool empty() const { return head_ == nullptr; }

  // Lock not held. Wakes the oldest waiter that is still waiting; false if none is.
  bool WakeOne(SpinLock& lock);
  // Lock not held. Wakes every waiter that is waiting; returns how many.
  int WakeAll(SpinLock& lock);

 private:
  struct Node {
    Waiter waiter;
    Node* next = nullptr;
    Node* prev = nullptr;
    bool linked = false;
  };
  void PushBack(Node* node);
  void Unlink(Node* node);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
};

template <typename AfterQueued>
WakeReason WaitQueue::Wait(SpinLock& lock, const char* reason, int64_t deadline_ns,
                           AfterQueued&& after_queued) {
  Node node;
  node.waiter.fiber = CurrentWaiter();
  node.waiter.token = BeginWait(node.waiter.fiber, reason);
  PushBack(&node);
  lock.Unlock();
  after_queued();
  const WakeReason result = CommitWait(node.waiter.fiber, node.waiter.token, deadline_ns);
  if (result != WakeReason::kSignaled) {
    SpinLockHolder holder(lock);
    if (node.linked) Unlink(&node);
  }
  return result;
}

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_
