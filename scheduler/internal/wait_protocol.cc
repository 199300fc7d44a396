// The wait protocol every blocking primitive is built from (declared in
// wait_protocol.h; the states and tokens are explained in fiber.h), the stand-ins that let
// plain threads wait like fibers, and the accounting of plain threads that the
// deadlock detector relies on.
//
// A wait, step by step:
//  1. BeginWait: the waiter takes a fresh odd token and marks itself kParking.
//  2. It publishes (fiber, token) where wakers will look (a wait queue, a timer, a
//     joiner slot), under whatever lock guards that place.
//  3. CommitWait: it parks (a fiber switches away; a thread blocks on its futex)
//     unless a waker got there first. (While a block or mutex profile is on, it
//     also reports how long it waited: wait_profiling.h.)
//  4. A waker claims the token (ClaimWait: one CAS, exactly one winner per wait),
//     may hand the waiter something, then FinishWake: a fiber that had switched
//     away is made runnable; one still switching is left a kWakeRequested mark that
//     the context resuming after the switch turns into runnable (scheduler.cc,
//     AfterSwitch).
#include "troupe/scheduler/internal/wait_protocol.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_profiling.h"

namespace troupe::scheduler_internal {

namespace {

// Thread stand-ins: one per plain thread that has ever waited on a troupe primitive.
// Recycled through a free list, never freed, so a stale waker's pointer stays valid.
std::mutex stand_in_mutex;
std::vector<Fiber*>* free_stand_ins = nullptr;  // guarded by stand_in_mutex

Fiber* AcquireStandIn() {
  std::lock_guard<std::mutex> lock(stand_in_mutex);
  if (free_stand_ins != nullptr && !free_stand_ins->empty()) {
    Fiber* stand_in = free_stand_ins->back();
    free_stand_ins->pop_back();
    return stand_in;
  }
  Fiber* stand_in = new Fiber();
  stand_in->is_thread = true;
  stand_in->state.store(FiberState::kRunning, std::memory_order_relaxed);
  return stand_in;
}

struct StandInHolder {
  Fiber* fiber = nullptr;
  ~StandInHolder() {
    if (fiber == nullptr) return;
    std::lock_guard<std::mutex> lock(stand_in_mutex);
    if (free_stand_ins == nullptr) free_stand_ins = new std::vector<Fiber*>();
    free_stand_ins->push_back(fiber);
  }
};

thread_local StandInHolder stand_in_holder;

}  // namespace

// Plain threads that have used troupe (spawned, woken or waited), and how many of
// them are blocked in an untimed troupe wait right now. The deadlock detector
// (monitor.cc) reports only when every such thread is blocked: a thread that is
// still running could yet wake a fiber. relaxed: counts read by the monitor only,
// confirmed over several quiet checks.
namespace {

std::atomic<int> external_threads{0};
std::atomic<int> external_threads_waiting{0};

struct ExternalThreadRegistration {
  bool registered = false;
  ~ExternalThreadRegistration() {
    if (registered) external_threads.fetch_sub(1, std::memory_order_relaxed);
  }
};

thread_local ExternalThreadRegistration external_registration;

}  // namespace

int ExternalThreads() { return external_threads.load(std::memory_order_relaxed); }

int ExternalThreadsWaiting() {
  return external_threads_waiting.load(std::memory_order_relaxed);
}

namespace {

void StopCountingAsBlocked(Fiber* thread) {
  // relaxed: one of the waker and the thread takes the flag; the count is a hint.
  if (thread->counted_as_blocked.exchange(false, std::memory_order_relaxed)) {
    external_threads_waiting.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace

void NoteExternalThread() {
  if (external_registration.registered) return;
  external_registration.registered = true;
  external_threads.fetch_add(1, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------
// The scheduler's side.

namespace {

// Written once, before the first fiber exists, by the first Scheduler; read by every
// wait. acquire/release: the hooks' pointees are constant data published with it.
std::atomic<const SchedulerHooks*> scheduler_hooks{nullptr};

}  // namespace

void InstallSchedulerHooks(const SchedulerHooks* hooks) {
  scheduler_hooks.store(hooks, std::memory_order_release);
}

// ---------------------------------------------------------------------------------
// The wait protocol.

Fiber* CurrentFiber() {
  const SchedulerHooks* hooks = scheduler_hooks.load(std::memory_order_acquire);
  return hooks != nullptr ? hooks->current_fiber() : nullptr;
}

Fiber* CurrentWaiter() {
  if (Fiber* fiber = CurrentFiber()) return fiber;
  if (stand_in_holder.fiber == nullptr) {
    NoteExternalThread();
    stand_in_holder.fiber = AcquireStandIn();
  }
  return stand_in_holder.fiber;
}

uint64_t BeginWait(Fiber* self, const char* reason) {
  const uint64_t token = self->wait_token.load(std::memory_order_relaxed) + 1;  // odd
  self->wake_reason = WakeReason::kNone;
  self->wait_reason.store(reason, std::memory_order_relaxed);
  // One clock read a wait, for dumps and, while a block or mutex profile is on, for
  // the profile, which needs the full clock (wait_profiling.h). relaxed: published
  // by the token's release below; dumps read it racily, as wait_reason.
  const bool profiled = WaitProfilingOn();
  self->wait_profiled = profiled;
  self->wait_started_ns.store(profiled ? MonotonicNanos() : MonotonicCoarseNanos(),
                              std::memory_order_relaxed);
  if (!self->is_thread) self->state.store(FiberState::kParking, std::memory_order_relaxed);
  // release: a waker that claims this token also sees the writes above.
  self->wait_token.store(token, std::memory_order_release);
  return token;
}

void ParkAtTopOnReturn(Fiber* self) { self->park_at_top = true; }

void ArmTimer(TimerEntry* entry) {
  Fiber* self = CurrentFiber();
  if (self == nullptr) Fatal("ArmTimer", "called from a plain thread");
  scheduler_hooks.load(std::memory_order_acquire)->arm_timer(self, entry);
}

bool ClaimWait(Fiber* fiber, uint64_t token) {
  uint64_t expected = token;
  // acq_rel: acquire the waiter's BeginWait writes; release our claim.
  return fiber->wait_token.compare_exchange_strong(expected, token + 1,
                                                   std::memory_order_acq_rel,
                                                   std::memory_order_relaxed);
}

void FinishWake(Fiber* fiber, WakeReason reason) {
  fiber->wake_reason = reason;
  if (fiber->is_thread) {
    StopCountingAsBlocked(fiber);  // before it can run: it is not blocked any more
    fiber->thread_parker.Unpark();  // release; pairs with Park's acquire
    return;
  }
  // acq_rel; pairs with the CAS in AfterSwitch and the load in CommitWait.
  const FiberState previous =
      fiber->state.exchange(FiberState::kWakeRequested, std::memory_order_acq_rel);
  if (previous == FiberState::kParked) {
    // Only fibers park, and fibers exist only once a scheduler installed the hooks.
    scheduler_hooks.load(std::memory_order_acquire)->make_runnable(fiber);
  } else if (previous != FiberState::kParking) {
    Fatal("FinishWake", "woken fiber %llu was not waiting (state %s)",
          static_cast<unsigned long long>(fiber->id.load(std::memory_order_relaxed)),
          FiberStateName(previous));
  }
}

bool Wake(Fiber* fiber, uint64_t token, WakeReason reason) {
  if (!ClaimWait(fiber, token)) return false;  // that wait already ended
  FinishWake(fiber, reason);
  return true;
}

namespace {

// CommitWait's wait itself: parks the fiber or blocks the thread until woken.
WakeReason WaitUntilWoken(Fiber* self, uint64_t token, int64_t deadline_ns) {
  if (self->is_thread) {
    // An untimed wait of a plain thread can end only through a fiber or another
    // thread: the deadlock detector counts it as blocked until its waker says
    // otherwise (FinishWake; see Fiber::counted_as_blocked).
    struct BlockedThreadCount {
      Fiber* self;
      explicit BlockedThreadCount(Fiber* self, bool counted) : self(counted ? self : nullptr) {
        if (!counted) return;
        external_threads_waiting.fetch_add(1, std::memory_order_relaxed);
        // relaxed: the count is a liveness hint confirmed over several checks.
        self->counted_as_blocked.store(true, std::memory_order_relaxed);
      }
      ~BlockedThreadCount() {
        if (self != nullptr) StopCountingAsBlocked(self);  // the waker did, normally
      }
    } blocked_count(self, deadline_ns == 0);
    while (!self->thread_parker.Park(deadline_ns)) {
      uint64_t expected = token;
      if (self->wait_token.compare_exchange_strong(expected, token + 1,
                                                   std::memory_order_acq_rel,
                                                   std::memory_order_relaxed)) {
        self->wait_reason.store(nullptr, std::memory_order_relaxed);
        return WakeReason::kTimedOut;
      }
      deadline_ns = 0;  // a waker claimed the wait; its Unpark is on the way
    }
    self->wait_reason.store(nullptr, std::memory_order_relaxed);
    return self->wake_reason;
  }
  scheduler_hooks.load(std::memory_order_acquire)->park(self, token, deadline_ns);
  self->wait_reason.store(nullptr, std::memory_order_relaxed);
  return self->wake_reason;
}

}  // namespace

WakeReason CommitWait(Fiber* self, uint64_t token, int64_t deadline_ns) {
  if (!self->wait_profiled) return WaitUntilWoken(self, token, deadline_ns);
  // A block or mutex profile is on (wait_profiling.h). relaxed: our own field.
  const char* reason = self->wait_reason.load(std::memory_order_relaxed);
  const WakeReason woken = WaitUntilWoken(self, token, deadline_ns);
  // This frame's return address lies in the function that waited: the hook walks
  // the waiter's stack from there.
  ReportWaitEnded(self, reason, __builtin_frame_address(0));
  return woken;
}

}  // namespace troupe::scheduler_internal
