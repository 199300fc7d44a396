// WaitQueue: a FIFO of waiting fibers and threads, the building block of troupe's
// Mutex, ConditionVariable, WaitGroup, Semaphore, channels and contexts (Go's sudog
// lists).
//
// Each wait links a WaitNode that lives on the waiter's own stack. The owning
// primitive's SpinLock guards the list: a primitive checks its condition and queues
// under that lock, so a waker that changes the condition and then takes the lock
// always finds the waiter (no lost wake-up).
//
// One wait may be queued in several WaitQueues at once (a select, or a wait with a
// context): every node of that wait carries the same (fiber, token), and the waker
// that claims the token (ClaimWait) wins; the others find the claim taken and drop
// the node. A claimed node stays valid until its waker calls FinishWake, because the
// waiter cannot return before that; so wakers claim under the lock, write their
// results into the node, and finish the wake after unlocking (waking may start a
// thread). A waiter that was woken some other way removes its leftover nodes.
#ifndef TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_
#define TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_

#include <cstdint>

#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::scheduler_internal {

struct WaitNode {
  Fiber* fiber = nullptr;
  uint64_t token = 0;
  void* slot = nullptr;  // the waiter's value (channels: send source, receive target)
  int case_index = 0;    // which select case this node stands for
  // 0 until the waker that claimed the wait through this node completes it; then
  // nonzero (what it means is the queue owner's business: channels say "done" or
  // "closed", contexts say "cancelled"). A select finds its winning case by it.
  int outcome = 0;
  WaitNode* next = nullptr;
  WaitNode* prev = nullptr;
  bool linked = false;  // guarded by the queue's lock
};

class WaitQueue {
 public:
  // Lock held for all of these.
  void PushBack(WaitNode* node);
  void Remove(WaitNode* node);  // no-op if `node` is not linked
  // Pops the oldest node whose wait this call manages to claim (dropping nodes whose
  // waits have ended), or returns nullptr. The caller owes FinishWake to the result.
  WaitNode* PopClaimed();
  // Like PopClaimed, without claiming: the oldest node whose wait is still open,
  // skipping (but keeping) nodes of `except` (a select's own other cases).
  WaitNode* PeekWaiting(const Fiber* except = nullptr);
  bool empty() const { return head_ == nullptr; }

  // Lock held on entry; released on return. Queues the caller, releases the lock,
  // runs `after_queued()` (a condition variable releases its mutex there), then
  // parks until woken through this queue (kSignaled), until `deadline_ns` passes
  // (kTimedOut), or until `context` (may be null) is cancelled (kCancelled; its
  // deadline counts as kTimedOut).
  template <typename AfterQueued>
  WakeReason Wait(SpinLock& lock, const char* reason, int64_t deadline_ns,
                  ContextState* context, AfterQueued&& after_queued)
      ABSL_UNLOCK_FUNCTION(lock);
  WakeReason Wait(SpinLock& lock, const char* reason, int64_t deadline_ns,
                  ContextState* context = nullptr) ABSL_UNLOCK_FUNCTION(lock) {
    return Wait(lock, reason, deadline_ns, context, [] {});
  }

  // Lock not held. Wakes the oldest waiter that is still waiting; false if none is.
  // If `woken_wait_started_ns` is not null and the woken waiter's wait was profiled
  // (Fiber::wait_profiled), it receives when that wait began, for Mutex::Unlock.
  bool WakeOne(SpinLock& lock, int64_t* woken_wait_started_ns = nullptr);
  // Lock not held. Wakes every waiter that is waiting; returns how many. Waiters are
  // popped under the lock in batches and woken after it is released.
  // `last_locked()` runs under the lock in the last batch, once the queue is empty:
  // a primitive settles its own state there, atomically with the last pop (a
  // WaitGroup clears its registrations, after which it is never touched again).
  template <typename LastLocked>
  int WakeAll(SpinLock& lock, LastLocked&& last_locked);
  int WakeAll(SpinLock& lock) {
    return WakeAll(lock, [] {});
  }

 private:
  void Unlink(WaitNode* node);

  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
};

template <typename AfterQueued>
WakeReason WaitQueue::Wait(SpinLock& lock, const char* reason, int64_t deadline_ns,
                           ContextState* context, AfterQueued&& after_queued) {
  WaitNode node;
  node.fiber = CurrentWaiter();
  node.token = BeginWait(node.fiber, reason);
  PushBack(&node);
  lock.Unlock();
  after_queued();
  WaitNode context_node;
  context_node.fiber = node.fiber;
  context_node.token = node.token;
  deadline_ns = JoinContextWait(context, &context_node, deadline_ns);
  const WakeReason result = CommitWait(node.fiber, node.token, deadline_ns);
  LeaveContextWait(context, &context_node);
  if (result != WakeReason::kSignaled) {
    SpinLockHolder holder(lock);
    Remove(&node);
  }
  return result;
}

template <typename LastLocked>
int WaitQueue::WakeAll(SpinLock& lock, LastLocked&& last_locked) {
  constexpr int kBatch = 32;
  int woken = 0;
  while (true) {
    Fiber* batch[kBatch];
    int count = 0;
    {
      SpinLockHolder holder(lock);
      while (count < kBatch) {
        WaitNode* node = PopClaimed();
        if (node == nullptr) break;
        batch[count++] = node->fiber;
      }
      if (count < kBatch) last_locked();
    }
    for (int i = 0; i < count; ++i) FinishWake(batch[i], WakeReason::kSignaled);
    woken += count;
    if (count < kBatch) return woken;
  }
}

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAIT_QUEUE_H_
