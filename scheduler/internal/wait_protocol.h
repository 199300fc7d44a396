// The wait protocol: what every blocking primitive is built from, for fibers (which
// park) and plain threads (which block on a futex). The states and tokens it works
// on are described in fiber.h; the steps are in wait_protocol.cc.
//
// This header is deliberately small (no scheduler, no run queues): the templates of
// public primitives (channels, mutexes) reach it through wait_queue.h.
//
// The protocol does not know the scheduler. A fiber's side of a wait (switching
// away, being made runnable again) goes through SchedulerHooks, which the scheduler
// installs when the first Runtime starts; until then no fiber exists and only plain
// threads wait.
#ifndef TROUPE_SCHEDULER_INTERNAL_WAIT_PROTOCOL_H_
#define TROUPE_SCHEDULER_INTERNAL_WAIT_PROTOCOL_H_

#include <cstdint>

#include "troupe/scheduler/internal/wake_reason.h"

namespace troupe::scheduler_internal {

struct Fiber;
struct TimerEntry;
struct WaitNode;
class ContextState;

// The calling fiber, or the calling plain thread's stand-in.
Fiber* CurrentWaiter();
// The calling fiber, or nullptr on a plain thread.
Fiber* CurrentFiber();

// Announces that `self` is about to wait; returns the token that wakers must present.
// After this, publish (self, token) where wakers will find it, then call CommitWait.
uint64_t BeginWait(Fiber* self, const char* reason);
// Parks the fiber (or blocks the thread) until a waker claims `token`, or until
// `deadline_ns` (MonotonicNanos clock; 0 = none) passes.
WakeReason CommitWait(Fiber* self, uint64_t token, int64_t deadline_ns);
// Any thread: wakes `fiber` if it is still in the wait identified by `token`. Returns
// false (and does nothing) if that wait already ended.
bool Wake(Fiber* fiber, uint64_t token, WakeReason reason);

// For a fiber's body that has begun a wait (BeginWait, and published it) and will
// return instead of calling CommitWait: when it returns, the fiber parks without a
// stack — it has no live frames — and, once a waker claims the wait, runs its body
// again from the top on a stack from the pool. An idle actor waits this way, so it
// holds no stack. Fiber context only.
void ParkAtTopOnReturn(Fiber* self);

// Fiber context: arms callback timer `entry` (fiber.h) on the calling fiber's
// runtime, for layers above the scheduler (actors' timers). Disarm with
// TimerHeap::Remove.
void ArmTimer(TimerEntry* entry);

// Wake in two steps, for wakers that must hand the waiter something (a channel value)
// between deciding to wake it and waking it. ClaimWait is Wake's decision: true for
// exactly one caller per wait. The winner may then write into the waiter's wait
// structures (the waiter cannot return before FinishWake) and must call FinishWake.
bool ClaimWait(Fiber* fiber, uint64_t token);
void FinishWake(Fiber* fiber, WakeReason reason);

// A wait that also ends when `context` (may be null) is done: queues `context_node`
// (same fiber and token as the wait) on the context, and returns the deadline to wait
// with — the earlier of `deadline_ns` and the context's. If the context is done
// already the wait is ended at once (kCancelled). Defined in context_state.cc.
int64_t JoinContextWait(ContextState* context, WaitNode* context_node, int64_t deadline_ns);
void LeaveContextWait(ContextState* context, WaitNode* context_node);

// Plain threads known to troupe, and those blocked in untimed troupe waits; read by
// the deadlock detector. relaxed: counts, confirmed over several quiet checks.
int ExternalThreads();
int ExternalThreadsWaiting();
// Counts the calling plain thread as one that uses troupe (once per thread).
void NoteExternalThread();

// The scheduler's side of a fiber's wait. Installed once (by the first Scheduler);
// every Scheduler installs the same functions, which find their scheduler through
// the fiber.
struct SchedulerHooks {
  // The fiber running on the calling thread, or null on a plain thread.
  Fiber* (*current_fiber)();
  // Switches away from `self` (the calling fiber, kParking in the wait `token`)
  // until it is woken, with a timer for `deadline_ns` (0 = none); returns at once if
  // a wake came already.
  void (*park)(Fiber* self, uint64_t token, int64_t deadline_ns);
  // Queues `fiber`, which had switched away and was just woken, to run.
  void (*make_runnable)(Fiber* fiber);
  // Arms callback timer `entry` on `self`'s runtime (ArmTimer below).
  void (*arm_timer)(Fiber* self, TimerEntry* entry);
};
void InstallSchedulerHooks(const SchedulerHooks* hooks);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAIT_PROTOCOL_H_
