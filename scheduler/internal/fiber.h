// Fiber: the runtime's record of one fiber (Go's G), and of a plain thread that waits
// on a troupe primitive (a "thread stand-in", so every waiter has the same shape).
//
// Records come from a FiberPool (fiber_pool.h) and are recycled, never freed while
// the runtime lives: a stale pointer to a finished fiber is always safe to
// dereference, and the wait token (below) makes stale wake-ups harmless. A record
// has a stack only while its fiber has started and not yet finished.
//
// Scheduling states (`state`), with the owner of each transition:
//   kRunnable      in a run queue; whoever pops it sets kRunning.
//   kRunning       on an M; only the fiber itself leaves this state.
//   kParking       the fiber announced a wait (BeginWait) and may still be running
//                  or switching away.
//   kParked        switched away and its context saved (set by the context that ran
//                  next, in AfterSwitch).
//   kWakeRequested a waker claimed the wait while the fiber was kParking; the fiber
//                  (or AfterSwitch) turns it into kRunning/kRunnable.
//   kDead          the body returned; the record waits for its last reference.
//
// Wait tokens: `wait_token` is odd while the fiber waits and even otherwise. A waker
// learns (fiber, token) from a wait structure and claims the wait by CAS token ->
// token + 1; exactly one claim succeeds per wait, later ones (a timer that fires after
// a signal, a second Notify) fail and do nothing.
#ifndef TROUPE_SCHEDULER_INTERNAL_FIBER_H_
#define TROUPE_SCHEDULER_INTERNAL_FIBER_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"

#include "troupe/scheduler/internal/execution_context.h"
#include "troupe/scheduler/internal/fiber_body.h"
#include "troupe/scheduler/internal/fiber_locals.h"
#include "troupe/scheduler/internal/stack_pool.h"
#include "troupe/scheduler/internal/thread_parker.h"
#include "troupe/scheduler/internal/wake_reason.h"

namespace troupe::scheduler_internal {

class Scheduler;
struct Fiber;

enum class FiberState : uint8_t {
  kRunnable,
  kRunning,
  kParking,
  kParked,
  kWakeRequested,
  kDead,
};

const char* FiberStateName(FiberState state);

class TimerHeap;
struct TimerEntry;

// What a callback timer does when it is due (see TimerEntry).
using TimerCallback = void (*)(TimerEntry* entry, TimerHeap& heap, int64_t now_ns);

// An entry of a P's timer heap (timer_heap.h). Either a fiber's wait timer, embedded
// in the Fiber (a fiber waits for at most one thing at a time), which wakes one wait
// of that fiber; or a callback timer, embedded in whatever owns it (timer.h's channel
// timers, actors' timers), which runs `fire`. Fields other than `heap`/`index` are
// written by the owner before arming and read by the heap under its lock.
struct TimerEntry {
  int64_t deadline_ns = 0;
  uint64_t token = 0;  // wait timers: the wait's token
  // The heap holding this entry, or null when not armed. Changed only under that
  // heap's lock; read without it by the owner to find the lock to take.
  std::atomic<TimerHeap*> heap{nullptr};
  int32_t index = -1;  // position in heap; guarded by heap's lock
  Fiber* fiber = nullptr;  // wait timers: the fiber whose wait it ends
  // Callback timers: run by the heap, under its lock, when the deadline has passed;
  // may re-arm the entry in `heap` (TimerHeap::AddLocked). Must not block.
  TimerCallback fire = nullptr;
};

struct alignas(64) Fiber {
  Fiber() { timer.fiber = this; }

  ExecutionContext context;
  Stack stack;  // from the first run to the exit; empty otherwise
  Scheduler* scheduler = nullptr;  // opaque below the scheduling layer
  std::atomic<uint64_t> id{0};  // atomic only because fiber dumps read it concurrently
  FiberBody body;
  // Why the fiber failed, if it did: an exception escaped its body (Internal), or no
  // stack could be had for its first run (ResourceExhausted). Reported by Join.
  absl::Status failure;

  // The record is 256 bytes (four cache lines; an idle actor is one record and a
  // cell: BENCHMARKS.md "A million actors"): the small fields below share the
  // eight bytes after `state`, so that the 8-byte ones leave no holes.
  std::atomic<FiberState> state{FiberState::kRunnable};
  // Written by the claiming waker before it makes the fiber runnable; read by the
  // fiber after it resumes (ordered by the run queue hand-off or the parker).
  WakeReason wake_reason = WakeReason::kNone;
  // Whether wait_started_ns came from the full clock because a block or mutex
  // profile was on when the wait began (wait_profiling.h). Written and read as
  // wait_started_ns is.
  bool wait_profiled = false;
  // References: one while the fiber has not finished, one per JoinHandle. Zero
  // while the record is free in its pool.
  std::atomic<int32_t> references{0};
  std::atomic<uint64_t> wait_token{0};
  // When the current wait began: MonotonicNanos while a block or mutex profile is on
  // (wait_profiled), else MonotonicCoarseNanos (a few ns a park, 1-4 ms late), for
  // "waiting: mutex, 12s" in dumps. Written by the fiber in BeginWait before it
  // publishes its wait token (release); read by itself in CommitWait, by the waker
  // that claimed the wait (after ClaimWait's acquire, before FinishWake: the fiber
  // cannot begin another wait in between), and racily by dumps (relaxed: a snapshot
  // may pair a reason with the previous wait's start, as it may anyway).
  std::atomic<int64_t> wait_started_ns{0};
  // Static text naming what the fiber waits on, for deadlock reports and dumps.
  std::atomic<const char*> wait_reason{nullptr};
  TimerEntry timer;  // its wait timer: `fiber` is this record

  // When the fiber became runnable (MonotonicNanos), if this wake-up was sampled for
  // the scheduling-latency histogram; else 0. Written by the waker before the run
  // queue push, read and cleared by the P that runs it (schedule_latency.h).
  int64_t runnable_since_ns = 0;

  // Join protocol: nullptr (running, nobody waiting), the waiting Fiber, or
  // kJoinDone once finished. The joiner's token is written before its CAS (release).
  std::atomic<Fiber*> joiner{nullptr};
  uint64_t joiner_token = 0;

  // Parking at the top (idle actors; see ParkAtTopOnReturn in wait_protocol.h): set
  // by the body just before it returns, having begun a wait; the fiber then gives its
  // stack back and, once woken, runs its body again from the top on a pooled stack.
  // Only the fiber itself reads or writes it.
  bool park_at_top = false;
  // A stack that cannot be had for a run from the top is waited for (the fiber is
  // set aside until one is released), not a failure to start: true once the body has
  // run (its state lives on), and from the start for actors' fibers. Written by
  // whoever creates or runs the fiber.
  bool waits_for_stack = false;

  // Thread stand-ins only.
  bool is_thread = false;
  // In an untimed wait, counted among the blocked threads the deadlock detector
  // looks at. Cleared (and the count dropped) by whoever wakes the thread, not by
  // the thread once it runs again: a woken thread that the OS has not run yet is
  // not blocked, and must not make the process look deadlocked.
  std::atomic<bool> counted_as_blocked{false};
  ThreadParker thread_parker;

  // Free for higher layers to label the fiber while it runs (the actors layer puts
  // the address of the cell of the actor whose fiber it is there). Only the fiber itself
  // reads or writes it.
  uint64_t owner_tag = 0;
  // The fiber's labels (an interned troupe::LabelSet, immortal: fiber_labels.h), or
  // null: its name, its actor's, its stage's; dumps, traces, logs and profiles read
  // them. Written only by the fiber itself; read by the CPU profiler's signal handler
  // on the fiber's own thread, and by fiber profiles from any thread: release by the
  // writer, acquire by other threads' readers.
  std::atomic<const void*> profile_labels{nullptr};

  // The values of FiberLocal variables this fiber used (fiber_local.h), or null.
  // Only the fiber itself touches them; destroyed when its body has finished.
  FiberLocals* locals = nullptr;
};

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// (The sanitizers' switch bookkeeping in ExecutionContext makes it larger there.)
static_assert(sizeof(Fiber) == 256, "a Fiber record is four cache lines (see `state`)");
#endif

inline Fiber* const kJoinDone = reinterpret_cast<Fiber*>(uintptr_t{1});

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FIBER_H_
