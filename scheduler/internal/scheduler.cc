// The troupe scheduler: design notes.
//
// Glossary (Go's names in brackets):
//   fiber [G]      a stackful coroutine; its record is a Fiber (fiber.h).
//   machine [M]    an OS thread; runs fibers only while it holds a processor.
//   processor [P]  the right to run fibers; owns a LocalRunQueue, a TimerHeap, and
//                  caches of fiber records and stacks. There are exactly `procs`.
//   loop context   an M's own thread stack, running FindRunnable. Fibers switch to
//                  it only when their P has nothing else to run.
//   spinning M     an M that holds a P and is looking for work to steal.
//
// Invariants:
//  1. A fiber is in at most one place: a P's run-next slot, a P's queue, the global
//     queue, or running on exactly one M. Whoever takes it out owns it.
//  2. A fiber's context is resumed only after the context that switched away from it
//     has run AfterSwitch for that switch. The switcher never publishes itself; the
//     resumed side does (requeue, mark parked, or recycle), after the switcher's
//     registers are saved.
//  3. An M changes its own `processor` only on its own thread; P hand-offs to a
//     parked M go through `handed_processor` under idle_mutex_.
//  4. At most one wake is delivered per wait (the wait token, fiber.h).
//
// Switching. SwitchAway(self, action) picks the next fiber on the same P without
// stealing (run-next, local queue, periodically the global queue, expired timers)
// and jumps straight to it; only when there is none does it jump to the loop context,
// which steals or parks the M. The action (requeue after Yield, park, exit) travels
// in a SwitchPacket on the switcher's stack and is completed by AfterSwitch in the
// resumed context. A park completes as: CAS state kParking -> kParked; if that fails,
// a waker came in between (kWakeRequested), and AfterSwitch queues the fiber itself.
//
// Stacks are lazy. A spawned fiber is only a record (fiber_pool.h) until it first
// runs; PrepareToRun then gives it a stack from the P's cache, and AfterSwitch takes
// the stack back the moment the fiber has exited. A fiber that runs to completion
// without parking therefore reuses the stack its predecessor just left, still hot
// in the cache, and pending fibers cost no stack memory at all.
//
// Where new work goes. Spawned and woken fibers go to the current P's run-next slot
// (the previous occupant moves to the queue tail), so a woken partner runs next on
// the same core; a full local queue moves half of itself to the global queue. Plain
// threads, holding no P, push to the global queue. Every P takes one fiber from the
// global queue every 61 schedules, so it cannot starve.
//
// Parking and waking Ms (no lost wake-ups). Work is published (queue store), then
// WakeIdleProcessor runs: seq_cst fence; if a P is idle and no M is spinning, start one
// spinning M with an idle P. (Work on the publisher's own P skips the fence; see
// WakeIdleProcessor for why that cannot strand it.) An M that finds nothing gives its P back to the idle
// list, leaves the spinning state (seq_cst RMW), issues a seq_cst fence, and only then
// re-checks every queue and timer before it sleeps. By the fences, either the
// publisher sees the idle P with no spinner and wakes an M, or the M's re-check sees
// the work. At most half of the busy Ps' worth of Ms spin at once. A woken M is
// steered off its waker's CPU (wake_placement.h), so that it does not preempt the
// waker, which holds a P, on a virtual machine whose idle vCPUs look busy.
//
// Network I/O (net_poller.h). A P that finds nothing locally polls epoll without
// blocking before it steals; an M about to sleep without a P sleeps in epoll_wait
// instead of its futex when sockets exist and no other thread does, and on ready
// I/O takes an idle P before waking the fibers, so they run on it with no hand-off.
// Such an M is not on the idle list: a P that needs an M meanwhile gets another one.
//
// Timers. A fiber's wait timer lives in the heap of the P it armed it on. Every P
// fires its own due timers when it schedules; a spinning M fires other Ps' due timers
// while it steals; an M that sleeps sleeps only until the earliest timer of any P.
//
// Rejected alternatives: always switching through the loop context (two jumps per
// switch instead of one); a lock around each run queue (a lock on every switch);
// one global timer heap (a shared lock on every timed wait).
#include "troupe/scheduler/internal/scheduler.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>

#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/guard_page_handler.h"
#include "troupe/scheduler/internal/net_poller.h"
#include "troupe/scheduler/internal/schedule_latency.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/timer_heap.h"

namespace troupe::scheduler_internal {

namespace {

constexpr uint32_t kGlobalQueueCheckInterval = 61;  // prime, as in Go
constexpr int kStealRounds = 4;
constexpr int64_t kRunNextStealBackoffNs = 3'000;  // let the owner run it first
constexpr uint64_t kFiberIdBatch = 64;

thread_local Machine* current_machine = nullptr;

// The process's fiber ids (this_fiber::Id: unique within the process). Ps and plain
// threads take them kFiberIdBatch at a time, so the counter is touched once a batch;
// it has a cache line of its own.
struct alignas(64) FiberIdCounter {
  std::atomic<uint64_t> next{1};
};
FiberIdCounter process_fiber_ids;

// A plain thread's batch (valid for any runtime: the ids are the process's).
thread_local FiberIdBatch plain_thread_fiber_ids;

uint64_t NextFiberId(Processor* p) {
  FiberIdBatch& batch = p != nullptr ? p->fiber_ids : plain_thread_fiber_ids;
  if (batch.next == batch.limit) {
    // relaxed: ids need uniqueness, not ordering.
    batch.next = process_fiber_ids.next.fetch_add(kFiberIdBatch, std::memory_order_relaxed);
    batch.limit = batch.next + kFiberIdBatch;
  }
  return batch.next++;
}

uint32_t NextRandom(uint32_t& state) {  // xorshift32; per-M, no sharing
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

}  // namespace

// Out of line and opaque to interprocedural analysis: see machine.h.
__attribute__((noinline, noipa)) Machine* CurrentMachine() {
  Machine* machine = current_machine;
  asm volatile("" : "+r"(machine)::"memory");
  return machine;
}

__attribute__((noinline, noipa)) void SetCurrentMachine(Machine* machine) {
  current_machine = machine;
}

// ---------------------------------------------------------------------------------
// The scheduler's side of the wait protocol (wait_protocol.h).

namespace {

Fiber* CurrentFiberOnMachine() {
  Machine* machine = CurrentMachine();
  return machine != nullptr ? machine->current : nullptr;
}

void ParkCurrentFiber(Fiber* self, uint64_t token, int64_t deadline_ns) {
  Machine* machine = CurrentMachine();
  // relaxed: a wait that misses the flag is ended by the next unwinding pass.
  if (machine->scheduler->unwinding()) Wake(self, token, WakeReason::kShutdown);
  if (deadline_ns != 0) {
    self->timer.deadline_ns = deadline_ns;
    self->timer.token = token;
    machine->processor->timers.Add(self);
  }
  // acquire; pairs with the exchange in FinishWake: a wake that came before we switch
  // away needs no switch at all.
  if (self->state.load(std::memory_order_acquire) == FiberState::kWakeRequested) {
    self->state.store(FiberState::kRunning, std::memory_order_relaxed);
  } else {
    machine->scheduler->Park(machine, self);
  }
  if (deadline_ns != 0) TimerHeap::Remove(self);
}

void MakeWokenFiberRunnable(Fiber* fiber) { fiber->scheduler->MakeRunnable(fiber); }

void ArmTimerOfFiber(Fiber* self, TimerEntry* entry) { self->scheduler->ArmTimer(entry); }

constexpr SchedulerHooks kSchedulerHooks{&CurrentFiberOnMachine, &ParkCurrentFiber,
                                         &MakeWokenFiberRunnable, &ArmTimerOfFiber};

}  // namespace

// ---------------------------------------------------------------------------------
// Construction and shutdown.

Scheduler::Scheduler(SchedulerOptions options)
    : options_(std::move(options)),
      stack_pool_(options_.stack_size),
      wake_placement_(options_.steer_wakeups),
      start_ns_(MonotonicNanos()),
      progress_(options_.procs) {
  InstallGuardPageHandler();
  InstallSchedulerHooks(&kSchedulerHooks);
  failed_spawn_.scheduler = this;
  failed_spawn_.failure = absl::ResourceExhaustedError(
      "no memory for a fiber record (mmap of a record slab failed); raise the "
      "address-space limit (ulimit -v) or keep fewer fibers alive at once");
  failed_spawn_.joiner.store(kJoinDone, std::memory_order_relaxed);  // before any use
  failed_spawn_.state.store(FiberState::kDead, std::memory_order_relaxed);
  failed_spawn_.references.store(int32_t{1} << 30, std::memory_order_relaxed);
  const int procs = options_.procs;
  processors_.reserve(procs);
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    for (int i = 0; i < procs; ++i) processors_.push_back(std::make_unique<Processor>(i));
    for (int i = procs - 1; i >= 0; --i) PutIdleProcessorLocked(processors_[i].get());
  }
  monitor_ = std::thread([this] { MonitorMain(); });
  NetPoller::AttachScheduler(this, this);  // not under idle_mutex_: see the lock order there
}

// ---------------------------------------------------------------------------------
// Fibers: creation, entry, exit, recycling.

Processor* Scheduler::CurrentProcessorOf(Machine* machine) const {
  return (machine != nullptr && machine->scheduler == this) ? machine->processor : nullptr;
}

Fiber* Scheduler::CreateFiber() {
  Processor* p = CurrentProcessorOf(CurrentMachine());
  // The record is reused, not rebuilt: its wait token must keep counting up across
  // incarnations so that stale wakers never match (fiber.h).
  Fiber* fiber = fiber_pool_.Allocate(p != nullptr ? &p->fiber_cache : nullptr);
  if (fiber == nullptr) return nullptr;
  fiber->scheduler = this;
  fiber->id.store(NextFiberId(p), std::memory_order_relaxed);  // relaxed: dumps read it racily
  fiber->wait_reason.store(nullptr, std::memory_order_relaxed);
  fiber->owner_tag = 0;
  fiber->profile_labels.store(nullptr, std::memory_order_relaxed);  // published with the fiber
  fiber->park_at_top = false;
  fiber->waits_for_stack = false;
  fiber->runnable_since_ns = 0;
  fiber->references.store(2, std::memory_order_relaxed);  // running + JoinHandle
  fiber->joiner.store(nullptr, std::memory_order_relaxed);
  fiber->state.store(FiberState::kRunnable, std::memory_order_relaxed);
  return fiber;  // no stack yet: see PrepareToRun
}

bool Scheduler::BeginRunning(Machine* machine, Fiber* fiber) {
  Processor* p = machine->processor;
  if (!PrepareToRun(p, fiber)) return false;
  fiber->state.store(FiberState::kRunning, std::memory_order_relaxed);  // we own it
  machine->current = fiber;
  p->running_fiber_id.store(fiber->id.load(std::memory_order_relaxed),
                            std::memory_order_relaxed);  // for the monitor
  p->counters.switches.Add();
  if (fiber->runnable_since_ns != 0) {  // a sampled wake-up (schedule_latency.h)
    p->schedule_latency.Observe(MonotonicNanos() - fiber->runnable_since_ns);
    fiber->runnable_since_ns = 0;
  }
  // relaxed: tracing is switched on and off for whole runs; a slice more or less at
  // the edges is fine.
  if (tracing_.load(std::memory_order_relaxed)) machine->slice_start_ns = MonotonicNanos();
  return true;
}


void Scheduler::EndTraceSlice(Machine* machine, Fiber* fiber) {
  if (machine->slice_start_ns == 0) return;  // started before tracing was on
  SpinLockHolder holder(machine->trace_lock);
  if (machine->trace.slices.size() >= Trace::kMaxSlicesPerThread) {
    ++machine->trace.dropped;
  } else {
    // acquire; pairs with the release that published the labels (SetFiberLabels).
    const auto* labels =
        static_cast<const LabelSet*>(fiber->profile_labels.load(std::memory_order_acquire));
    machine->trace.slices.push_back(TraceSlice{machine->id,
                                               fiber->id.load(std::memory_order_relaxed), labels,
                                               machine->slice_start_ns, MonotonicNanos()});
  }
  machine->slice_start_ns = 0;
}

void Scheduler::StartTrace() {
  std::lock_guard<std::mutex> lock(idle_mutex_);
  for (auto& machine : machines_) {
    SpinLockHolder holder(machine->trace_lock);
    machine->trace = Trace{};
  }
  tracing_.store(true, std::memory_order_relaxed);
}

Trace Scheduler::StopTrace() {
  tracing_.store(false, std::memory_order_relaxed);
  Trace all;
  std::lock_guard<std::mutex> lock(idle_mutex_);
  for (auto& machine : machines_) {
    SpinLockHolder holder(machine->trace_lock);
    all.slices.insert(all.slices.end(), machine->trace.slices.begin(),
                      machine->trace.slices.end());
    all.dropped += machine->trace.dropped;
    machine->trace = Trace{};
  }
  return all;
}

void Scheduler::RecycleFiber(Processor* p, Fiber* fiber) {
  fiber->failure = absl::OkStatus();
  fiber_pool_.Release(p != nullptr ? &p->fiber_cache : nullptr, fiber);
}

void Scheduler::ReleaseFiber(Fiber* fiber) {
  // acq_rel: the last owner must see every write of the others before recycling.
  if (fiber->references.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  Machine* machine = CurrentMachine();
  Processor* p = (machine != nullptr && machine->scheduler == fiber->scheduler)
                     ? machine->processor
                     : nullptr;
  fiber->scheduler->RecycleFiber(p, fiber);
}

void Scheduler::StartFiber(Fiber* fiber) {
  if (SampleThisWakeup()) fiber->runnable_since_ns = MonotonicNanos();
  // Look the processor up again: building the body ran user code, which may have
  // parked and moved the caller.
  Machine* machine = CurrentMachine();
  Processor* p = CurrentProcessorOf(machine);
  if (p != nullptr) {
    p->counters.fibers_spawned.Add();
    PushLocal(p, fiber, /*as_next=*/true);
    WakeIdleProcessor(/*after_local_push=*/true);
  } else {
    NoteExternalThread();
    fibers_spawned_outside_.fetch_add(1, std::memory_order_relaxed);  // statistic
    global_queue_.Push(&fiber, 1);
    WakeIdleProcessor(/*after_local_push=*/false);
  }
}

void FiberMain(void* packet) {
  Machine* machine = CurrentMachine();
  Scheduler* scheduler = machine->scheduler;
  scheduler->AfterSwitch(machine, packet);
  Fiber* self = machine->current;
  while (true) {
    // Exceptions never cross a context switch: they end here and are reported to the
    // joiner.
    try {
      self->body.Run();
    } catch (const std::exception& error) {
      self->failure = absl::InternalError(*error.what() != '\0'
                                              ? error.what()
                                              : "exception with an empty message");
      self->park_at_top = false;
    } catch (...) {
      self->failure =
          absl::InternalError("exception of a type not derived from std::exception");
      self->park_at_top = false;
    }
    if (!self->park_at_top) break;
    // The body returned to wait without a stack (ParkAtTopOnReturn).
    self->park_at_top = false;
    // acquire; pairs with the exchange in FinishWake: woken already, so run the body
    // again right here, on this stack.
    if (self->state.load(std::memory_order_acquire) == FiberState::kWakeRequested) {
      self->state.store(FiberState::kRunning, std::memory_order_relaxed);
      continue;
    }
    scheduler->SwitchAway(CurrentMachine(), self, kActionParkAtTop);  // never returns
  }
  self->body.Reset();  // destroy the captures here, on the fiber's own stack
  DestroyFiberLocals(self->locals);  // and the fiber's FiberLocal values
  scheduler->ExitCurrentFiber(CurrentMachine(), self);
}

void Scheduler::FinishFiber(Processor* p, Fiber* self) {
  p->counters.fibers_finished.Add();
  self->state.store(FiberState::kDead, std::memory_order_relaxed);
  // acq_rel: release publishes `failure` to the joiner; acquire reads its token.
  Fiber* joiner = self->joiner.exchange(kJoinDone, std::memory_order_acq_rel);
  if (joiner != nullptr) Wake(joiner, self->joiner_token, WakeReason::kSignaled);
}

void Scheduler::ExitCurrentFiber(Machine* machine, Fiber* self) {
  FinishFiber(machine->processor, self);
  SwitchAway(CurrentMachine(), self, kActionExit);
  Fatal("Scheduler::ExitCurrentFiber", "a finished fiber was resumed");
}

// ---------------------------------------------------------------------------------
// Switching.

void Scheduler::SwitchAway(Machine* machine, Fiber* self, int action) {
  Processor* p = machine->processor;
  Fiber* next = FindRunnableWithoutStealing(p);
  if (next == nullptr && action == kActionRequeue) return;  // nothing else to run
  SwitchPacket packet{action, self};
  ExecutionContext* target;
  if (tracing_.load(std::memory_order_relaxed)) EndTraceSlice(machine, self);
  while (next != nullptr && !BeginRunning(machine, next)) next = FindRunnableWithoutStealing(p);
  if (next != nullptr) {
    target = &next->context;
  } else {
    machine->current = nullptr;
    target = &machine->loop_context;
  }
  // Both abandon this stack: nothing will switch back to it.
  if (action == kActionExit || action == kActionParkAtTop) self->context.ExitTo(*target, &packet);
  void* received = self->context.SwitchTo(*target, &packet);
  // Resumed, possibly on another machine.
  Machine* now_on = CurrentMachine();
  now_on->scheduler->AfterSwitch(now_on, received);
}

void Scheduler::AfterSwitch(Machine* machine, void* raw_packet) {
  // Copy first: once the previous fiber is published it may run and reuse its stack.
  const SwitchPacket packet = *static_cast<SwitchPacket*>(raw_packet);
  Processor* p = machine->processor;
  Fiber* previous = packet.previous;
  switch (packet.action) {
    case kActionNone:
      return;
    case kActionRequeue:
      previous->state.store(FiberState::kRunnable, std::memory_order_relaxed);
      PushLocal(p, previous, /*as_next=*/false);
      return;
    case kActionPark: {
      FiberState expected = FiberState::kParking;
      // acq_rel; pairs with the exchange in Wake. On failure (kWakeRequested) the
      // waker left the queuing to us.
      if (!previous->state.compare_exchange_strong(expected, FiberState::kParked,
                                                   std::memory_order_acq_rel,
                                                   std::memory_order_acquire)) {
        if (expected != FiberState::kWakeRequested) {
          Fatal("Scheduler::AfterSwitch", "parked fiber in an unexpected state (%s)",
                FiberStateName(expected));
        }
        previous->state.store(FiberState::kRunnable, std::memory_order_relaxed);
        PushLocal(p, previous, /*as_next=*/false);
        WakeIdleProcessor(/*after_local_push=*/true);
      }
      return;
    }
    case kActionRequeueGlobal:
      previous->state.store(FiberState::kRunnable, std::memory_order_relaxed);
      global_queue_.Push(&previous, 1);
      WakeIdleProcessor(/*after_local_push=*/false);
      return;
    case kActionParkAtTop: {
      // The stack goes back first: once the fiber is parked a waker may start it
      // again on another M, where it must find no stack (and take a fresh one). It
      // stays the same fiber: it keeps its sanitizer state.
      ReleaseStack(p, previous, /*finished=*/false);
      FiberState expected = FiberState::kParking;
      // acq_rel; as for kActionPark.
      if (!previous->state.compare_exchange_strong(expected, FiberState::kParked,
                                                   std::memory_order_acq_rel,
                                                   std::memory_order_acquire)) {
        previous->state.store(FiberState::kRunnable, std::memory_order_relaxed);
        PushLocal(p, previous, /*as_next=*/false);
        WakeIdleProcessor(/*after_local_push=*/true);
      }
      return;
    }
    case kActionExit:
      // The stack is free as soon as we are off it; the record lives on while a
      // JoinHandle refers to it.
      ReleaseStack(p, previous, /*finished=*/true);
      ReleaseFiber(previous);
      return;
  }
}

void Scheduler::Yield(Machine* machine) { SwitchAway(machine, machine->current, kActionRequeue); }

// ---------------------------------------------------------------------------------
// Run queues.

void Scheduler::PushLocal(Processor* p, Fiber* fiber, bool as_next) {
  if (as_next) {
    fiber = p->run_queue.SwapRunNext(fiber);
    if (fiber == nullptr) return;
  }
  while (!p->run_queue.TryPush(fiber)) {
    Fiber* batch[LocalRunQueue::kCapacity / 2 + 1];
    uint32_t count = p->run_queue.TakeHalfForOverflow(batch);
    if (count == 0) continue;  // a thief made room
    batch[count++] = fiber;
    global_queue_.Push(batch, count);
    return;
  }
}

Fiber* Scheduler::TakeFromGlobal(Processor* p, uint32_t max_batch) {
  // A fair share, as Go takes: enough that all Ps together drain it, no more.
  const uint32_t share = global_queue_.SizeApprox() / procs() + 1;
  Fiber* fiber = global_queue_.TakeBatch(std::min(share, max_batch), p->run_queue);
  if (fiber != nullptr) p->counters.global_queue_takes.Add();
  return fiber;
}

// ---------------------------------------------------------------------------------
// Finding work.

bool Scheduler::RunExpiredTimers(Processor* p, Processor* timer_owner) {
  const int64_t earliest = timer_owner->timers.earliest_ns();
  if (earliest == 0) return false;
  const int64_t now = MonotonicNanos();
  if (earliest > now) return false;
  // This thread's scratch list: grown once, so taking timers allocates nothing.
  // (Wake below never comes back here.)
  thread_local std::vector<TimerHeap::Expired> expired;
  expired.clear();
  const int callbacks = timer_owner->timers.TakeExpired(now, expired);
  p->counters.timers_fired.Add(callbacks);
  for (const TimerHeap::Expired& timer : expired) {
    if (Wake(timer.fiber, timer.token, WakeReason::kTimedOut)) p->counters.timers_fired.Add();
  }
  return !expired.empty() || callbacks != 0;
}

Fiber* Scheduler::FindRunnableWithoutStealing(Processor* p) {
  if (shutting_down_.load(std::memory_order_relaxed)) return nullptr;
  p->schedule_tick.Add();
  if (--p->global_check_countdown == 0) {
    p->global_check_countdown = kGlobalQueueCheckInterval;
    if (global_queue_.SizeApprox() != 0) {
      if (Fiber* fiber = TakeFromGlobal(p, 1)) return fiber;
    }
  }
  if (p->timers.earliest_ns() != 0) RunExpiredTimers(p, p);
  if (Fiber* fiber = p->run_queue.TryPop()) return fiber;
  if (global_queue_.SizeApprox() != 0) {
    if (Fiber* fiber = TakeFromGlobal(p, LocalRunQueue::kCapacity / 2)) return fiber;
  }
  return nullptr;
}

Fiber* Scheduler::TrySteal(Processor* p, bool include_run_next) {
  thread_local uint32_t random_state = 0x9e3779b9u;
  const int count = procs();
  for (int round = 0; round < kStealRounds; ++round) {
    const bool last_round = round == kStealRounds - 1;
    const int start = static_cast<int>(NextRandom(random_state) % count);
    for (int i = 0; i < count; ++i) {
      Processor* victim = processors_[(start + i) % count].get();
      if (victim == p) continue;
      if (last_round && RunExpiredTimers(p, victim)) {
        if (Fiber* fiber = p->run_queue.TryPop()) return fiber;
      }
      p->counters.steal_attempts.Add();
      const bool take_run_next = include_run_next && last_round;
      if (take_run_next && victim->run_queue.SizeApprox() == 1) {
        // Probably only a run-next fiber that its owner is about to switch to:
        // give the owner a moment before taking it (Go does the same).
        // The clock is read once per 32 pauses: reading it is a good part of the
        // cost of spinning otherwise.
        const int64_t until = MonotonicNanos() + kRunNextStealBackoffNs;
        for (uint32_t spin = 1; victim->run_queue.SizeApprox() != 0; ++spin) {
          CpuRelax();
          if (spin % 32 == 0 && MonotonicNanos() >= until) break;
        }
      }
      const uint32_t before = p->run_queue.SizeApprox();
      if (Fiber* fiber = victim->run_queue.StealHalfInto(p->run_queue, take_run_next)) {
        p->counters.fibers_stolen.Add(1 + p->run_queue.SizeApprox() - before);
        return fiber;
      }
    }
  }
  return nullptr;
}

bool Scheduler::AnyWorkVisible() {
  if (global_queue_.SizeApprox() != 0) return true;
  const int64_t now = MonotonicNanos();
  for (auto& p : processors_) {
    if (!p->run_queue.EmptyApprox()) return true;
    const int64_t earliest = p->timers.earliest_ns();
    if (earliest != 0 && earliest <= now) return true;
  }
  return false;
}

int64_t Scheduler::EarliestTimer() {
  int64_t earliest = 0;
  for (auto& p : processors_) {
    const int64_t deadline = p->timers.earliest_ns();
    if (deadline != 0 && (earliest == 0 || deadline < earliest)) earliest = deadline;
  }
  return earliest;
}

void Scheduler::StopSpinning(Machine* machine) {
  if (!machine->spinning) return;
  machine->spinning = false;
  // seq_cst: part of the Dekker pair with WakeIdleProcessor (design notes). If we were
  // the last spinner, there may be more work than we took: start another searcher.
  // The RMW is itself a full barrier, so no extra fence is needed for the wake.
  if (spinning_machines_.fetch_sub(1, std::memory_order_seq_cst) == 1) {
    WakeIdleProcessor(/*after_local_push=*/true);
  }
}

Processor* Scheduler::TakeIdleProcessorLocked() {
  Processor* p = idle_processors_;
  if (p == nullptr) return nullptr;
  idle_processors_ = p->next_idle;
  idle_processor_count_.fetch_sub(1, std::memory_order_seq_cst);  // see design notes
  p->status.store(ProcessorStatus::kRunning, std::memory_order_relaxed);  // under lock
  return p;
}

void Scheduler::PutIdleProcessorLocked(Processor* p) {
  p->status.store(ProcessorStatus::kIdle, std::memory_order_relaxed);  // under lock
  p->running_fiber_id.store(0, std::memory_order_relaxed);
  p->next_idle = idle_processors_;
  idle_processors_ = p;
  idle_processor_count_.fetch_add(1, std::memory_order_seq_cst);  // see design notes
}

Fiber* Scheduler::FindRunnable(Machine* machine) {
  while (true) {
    if (shutting_down_.load(std::memory_order_acquire)) return nullptr;
    if (machine->processor == nullptr && !WaitForProcessor(machine)) return nullptr;
    Processor* p = machine->processor;
    if (Fiber* fiber = FindRunnableWithoutStealing(p)) {
      StopSpinning(machine);
      return fiber;
    }
    // Ready I/O before stealing (Go's findrunnable does the same): the woken fibers
    // land in this P's queue.
    if (NetPoller* poller = NetPoller::IfStarted(); poller != nullptr && poller->WorthPolling()) {
      if (const int woken = poller->PollAndWake(); woken != 0) {
        netpoll_wakeups_.fetch_add(woken, std::memory_order_relaxed);  // statistic
        continue;
      }
    }
    const int busy = procs() - idle_processor_count_.load(std::memory_order_relaxed);
    if (machine->spinning ||
        2 * spinning_machines_.load(std::memory_order_relaxed) < busy) {
      if (!machine->spinning) {
        machine->spinning = true;
        spinning_machines_.fetch_add(1, std::memory_order_seq_cst);
      }
      if (Fiber* fiber = TrySteal(p, /*include_run_next=*/true)) {
        StopSpinning(machine);
        return fiber;
      }
    }

    // Nothing to do: give the P back, stop spinning, then look once more.
    {
      std::lock_guard<std::mutex> lock(idle_mutex_);
      PutIdleProcessorLocked(p);
      machine->processor = nullptr;
    }
    const bool was_spinning = machine->spinning;
    if (was_spinning) {
      machine->spinning = false;
      spinning_machines_.fetch_sub(1, std::memory_order_seq_cst);
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with WakeIdleProcessor
    if (AnyWorkVisible()) {
      std::lock_guard<std::mutex> lock(idle_mutex_);
      machine->processor = TakeIdleProcessorLocked();
    }
    if (machine->processor != nullptr && was_spinning) {
      machine->spinning = true;
      spinning_machines_.fetch_add(1, std::memory_order_seq_cst);
    }
    // Without a P, the next iteration sleeps in WaitForProcessor.
  }
}

bool Scheduler::WaitForProcessor(Machine* machine) {
  while (machine->processor == nullptr) {
    if (SleepInNetPoller(machine)) {
      if (shutting_down_.load(std::memory_order_relaxed)) return false;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(idle_mutex_);
      if (shutting_down_.load(std::memory_order_relaxed)) return false;
      machine->next_idle = idle_machines_;
      idle_machines_ = machine;
    }
    machine_parks_.fetch_add(1, std::memory_order_relaxed);  // statistic
    const bool woken = machine->parker.Park(EarliestTimer());
    std::lock_guard<std::mutex> lock(idle_mutex_);
    if (machine->handed_processor != nullptr) {
      // Someone chose us (and removed us from the idle list).
      machine->processor = machine->handed_processor;
      machine->spinning = machine->handed_spinning;
      machine->handed_processor = nullptr;
      const bool steered = machine->steered;
      machine->steered = false;
      if (steered || !woken) {
        idle_mutex_.unlock();
        // Outside the lock: the steering was done under it, and no other comes
        // before this M is on the idle list again.
        if (steered) wake_placement_.Restore();
        if (!woken) machine->parker.Park();  // their Unpark is on its way: consume it
        idle_mutex_.lock();
      }
      return true;
    }
    // Timed out (or a shutdown Unpark): leave the idle list and look for timers.
    for (Machine** link = &idle_machines_; *link != nullptr; link = &(*link)->next_idle) {
      if (*link == machine) {
        *link = machine->next_idle;
        break;
      }
    }
    if (shutting_down_.load(std::memory_order_relaxed)) return false;
    machine->processor = TakeIdleProcessorLocked();
    machine->spinning = false;
  }
  return true;
}

bool Scheduler::SleepInNetPoller(Machine* machine) {
  NetPoller* poller = NetPoller::IfStarted();
  if (poller == nullptr || !poller->WorthBlocking()) return false;
  NetPoller::ReadyEvents ready;
  if (!poller->BlockUntilReady(EarliestTimer(), shutting_down_, ready)) return false;
  machine_parks_.fetch_add(1, std::memory_order_relaxed);  // statistic: it slept
  // A P first, so that the fibers woken below queue on it and run on this M, with no
  // hand-off to another thread. Also when the sleep ended for a timer: the P fires it.
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    if (!shutting_down_.load(std::memory_order_relaxed)) {
      machine->processor = TakeIdleProcessorLocked();
      machine->spinning = false;
    }
  }
  // Without a P (all busy, or shutting down) the woken fibers go to their
  // schedulers' global queues; nothing fetched is dropped.
  if (const int woken = poller->Wake(ready); woken != 0) {
    netpoll_wakeups_.fetch_add(woken, std::memory_order_relaxed);  // statistic
  }
  return true;
}

// ---------------------------------------------------------------------------------
// Waking Ps and starting Ms.

void Scheduler::WakeIdleProcessor(bool after_local_push) {
  // seq_cst fence: orders the caller's publication of work before the loads below
  // (the publisher's half of the Dekker pair in the design notes). Work pushed to the
  // caller's own P skips it: if the wake is missed, the caller's M still runs that
  // work itself at its next switch, and the monitor's safety net (monitor.cc) starts
  // an idle P within one tick if that switch is long in coming. Go's runqput/wakep
  // make the same trade.
  if (!after_local_push) std::atomic_thread_fence(std::memory_order_seq_cst);
  if (idle_processor_count_.load(std::memory_order_relaxed) == 0) return;
  int expected = 0;
  if (spinning_machines_.load(std::memory_order_relaxed) != 0 ||
      !spinning_machines_.compare_exchange_strong(expected, 1, std::memory_order_seq_cst)) {
    return;  // a spinning M will find the work
  }
  Processor* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    if (!shutting_down_.load(std::memory_order_relaxed)) p = TakeIdleProcessorLocked();
  }
  if (p == nullptr) {
    spinning_machines_.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  StartMachine(p, /*spinning=*/true);
}

void Scheduler::StartMachine(Processor* p, bool spinning) {
  Machine* machine = nullptr;
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    machine = idle_machines_;
    if (machine != nullptr) {
      idle_machines_ = machine->next_idle;
      machine->handed_processor = p;
      machine->handed_spinning = spinning;
      // Under the lock, so that the wakee, which reads `steered` under it, restores
      // its placement only after this.
      machine->steered = wake_placement_.SteerAway(machine->thread_id);
    } else {
      machines_.push_back(std::make_unique<Machine>(this, static_cast<int>(machines_.size())));
      machine = machines_.back().get();
      machine->processor = p;
      machine->spinning = spinning;
      machine->thread = std::thread([this, machine] { MachineMain(machine); });
      return;
    }
  }
  machine_wakeups_.fetch_add(1, std::memory_order_relaxed);  // statistic
  machine->parker.Unpark();
}

void Scheduler::MachineMain(Machine* machine) {
  SetCurrentMachine(machine);
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);  // read under it by StartMachine
    machine->thread_id = WakePlacement::CurrentThreadId();
  }
  prctl(PR_SET_TIMERSLACK, 1UL);  // timers precise to microseconds, not 50 us
  InstallAlternateSignalStack();   // so a stack overflow can be reported
  machine->loop_context.AdoptCurrentThread();
  while (Fiber* fiber = FindRunnable(machine)) {
    if (!BeginRunning(machine, fiber)) continue;  // set aside: no stack for it
    SwitchPacket none{kActionNone, nullptr};
    void* received = machine->loop_context.SwitchTo(fiber->context, &none);
    AfterSwitch(machine, received);
  }
  SetCurrentMachine(nullptr);
}

void Scheduler::Park(Machine* machine, Fiber* self) { SwitchAway(machine, self, kActionPark); }

void Scheduler::ArmTimer(TimerEntry* entry) {
  Processor* p = CurrentProcessorOf(CurrentMachine());
  if (p == nullptr) {
    NoteExternalThread();
    p = processors_[0].get();
  }
  p->timers.Add(entry);
  // An idle M sleeps only until the earliest timer it saw; one that is started now
  // sees this one (or, if every P is busy, the Ps fire it as they schedule).
  WakeIdleProcessor(/*after_local_push=*/false);
}

void Scheduler::MakeRunnable(Fiber* fiber) {
  fiber->state.store(FiberState::kRunnable, std::memory_order_relaxed);
  if (SampleThisWakeup()) fiber->runnable_since_ns = MonotonicNanos();
  Machine* machine = CurrentMachine();
  if (machine != nullptr && machine->scheduler == this && machine->processor != nullptr) {
    Processor* p = machine->processor;
    PushLocal(p, fiber, /*as_next=*/true);
    // A woken fiber alone in run-next is what request/reply produces: the waker is
    // about to park, and the woken one runs next right here. Starting an idle P for
    // it would only make that P spin, find nothing, and sleep again — a futex wake
    // and sleep per message. So wake an idle P only when more than the run-next
    // fiber is waiting (the next wake pushes this one into the queue); a waker that
    // keeps running instead is covered by the monitor's stranded-work check.
    if (!p->run_queue.QueueEmptyApprox()) WakeIdleProcessor(/*after_local_push=*/true);
  } else {
    if (machine == nullptr) NoteExternalThread();
    global_queue_.Push(&fiber, 1);
    WakeIdleProcessor(/*after_local_push=*/false);
  }
}

RuntimeStats Scheduler::ReadCounters() const {
  RuntimeStats counters;
  ReadCounters(counters);
  return counters;
}

void Scheduler::ReadCounters(RuntimeStats& counters) const {
  std::vector<uint32_t> runnable_per_processor = std::move(counters.runnable_per_processor);
  runnable_per_processor.clear();
  counters = RuntimeStats();
  counters.runnable_per_processor = std::move(runnable_per_processor);
  counters.runnable_per_processor.reserve(processors_.size());
  for (const auto& p : processors_) {
    counters.fibers_spawned += p->counters.fibers_spawned.Read();
    counters.fibers_finished += p->counters.fibers_finished.Read();
    counters.switches += p->counters.switches.Read();
    counters.fibers_stolen += p->counters.fibers_stolen.Read();
    counters.steal_attempts += p->counters.steal_attempts.Read();
    counters.timers_fired += p->counters.timers_fired.Read();
    counters.global_queue_takes += p->counters.global_queue_takes.Read();
    counters.timers_armed += p->timers.size();
    counters.runnable_per_processor.push_back(p->run_queue.SizeApprox());
    p->schedule_latency.AddTo(counters);
  }
  counters.fibers_spawned += fibers_spawned_outside_.load(std::memory_order_relaxed);
  counters.machine_parks = machine_parks_.load(std::memory_order_relaxed);
  counters.machine_wakeups = machine_wakeups_.load(std::memory_order_relaxed);
  counters.runnable_global = global_queue_.SizeApprox();
  counters.stacks_mapped = stack_pool_.stacks_mapped();
  counters.stack_reservations = stack_pool_.reservations();
  int64_t stacks_in_use = stack_pool_.uncached_in_use();
  for (const auto& p : processors_) {
    stacks_in_use += static_cast<int64_t>(p->stack_cache.allocated.Read()) -
                     static_cast<int64_t>(p->stack_cache.released.Read());
  }
  counters.stacks_in_use = static_cast<uint64_t>(std::max<int64_t>(0, stacks_in_use));
  counters.stack_failures = stack_failures_.load(std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(const_cast<std::mutex&>(idle_mutex_));
    counters.machines = machines_.size();
  }
  for (const auto& p : processors_) counters.blocking_calls += p->counters.blocking_calls.Read();
  counters.processor_handoffs = processor_handoffs_.load(std::memory_order_relaxed);
  counters.long_running_fibers = long_running_fibers_.load(std::memory_order_relaxed);
  counters.deadlocks_reported = deadlocks_reported_.load(std::memory_order_relaxed);
  counters.deadlock_checks = deadlock_checks_.load(std::memory_order_relaxed);
  counters.netpoll_wakeups = netpoll_wakeups_.load(std::memory_order_relaxed);
  // relaxed, both: gauges for metrics, read racily as every figure here is.
  counters.processors_idle =
      static_cast<uint32_t>(std::max(0, idle_processor_count_.load(std::memory_order_relaxed)));
  counters.machines_spinning =
      static_cast<uint32_t>(std::max(0, spinning_machines_.load(std::memory_order_relaxed)));
}

}  // namespace troupe::scheduler_internal
