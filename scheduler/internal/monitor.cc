// The monitor thread (Go's sysmon): one per runtime, outside the Ps.
//
// Every tick it
//  0. starts an idle P if work waits on a busy P's queue and no M is searching (the
//     safety net for skipped wake-up fences, scheduler.cc);
//  1. retakes the P of an M that has been in a blocking call for more than
//     kBlockingGraceNs and gives it to another M (or the idle list), so one stuck
//     system call does not stall the fibers queued behind it;
//  2. notices a P whose schedule tick has not moved for long_running_threshold while
//     it runs a fiber: C++ cannot preempt, so troupe counts it (and logs it on
//     request) instead;
//  3. detects deadlock: every P idle, no runnable fiber, no timer, no blocking call,
//     no fiber waiting for I/O,
//     every plain thread that has used troupe blocked in an untimed troupe wait, and
//     fibers alive — confirmed on kDeadlockConfirmations consecutive checks with no
//     scheduling activity in between — then reports the parked fibers;
//  4. polls the network when no thread has for NetPoller::kMonitorPollNs (every P
//     busy, none blocked in epoll), so busy Ps cannot starve fibers waiting on I/O;
//  5. prints the schedtrace line when asked (TROUPE_SCHEDTRACE=<ms>), and the fiber
//     dump after a SIGQUIT (sigquit_dump.h).
//
// The tick is 20 us while some M is in a blocking call (a P hand-off should be quick)
// and backs off to 10 ms otherwise; it is never longer than the schedtrace interval.
#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/log.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/net_poller.h"
#include "troupe/scheduler/internal/scheduler.h"
#include "troupe/scheduler/internal/sigquit_dump.h"

namespace troupe::scheduler_internal {

namespace {

constexpr int64_t kBlockingGraceNs = 20'000;
constexpr int64_t kShortTickNs = 20'000;
constexpr int64_t kLongTickNs = 10'000'000;
constexpr int kDeadlockConfirmations = 3;

const char* ProcessorStatusName(ProcessorStatus status) {
  switch (status) {
    case ProcessorStatus::kIdle: return "idle";
    case ProcessorStatus::kRunning: return "running";
    case ProcessorStatus::kBlocking: return "blocking";
  }
  return "unknown";
}

}  // namespace

void Scheduler::MonitorMain() {
  if (options_.dump_on_sigquit) {
    InstallSigquitHandler();
    sigquits_seen_ = SigquitCount();
  }
  int64_t next_trace_ns =
      options_.schedtrace_interval_ns > 0 ? start_ns_ + options_.schedtrace_interval_ns : 0;
  int64_t tick_ns = kLongTickNs;
  while (!shutting_down_.load(std::memory_order_acquire)) {
    int64_t wake_ns = MonotonicNanos() + tick_ns;
    if (next_trace_ns != 0 && next_trace_ns < wake_ns) wake_ns = next_trace_ns;
    monitor_parker_.Park(wake_ns);
    if (shutting_down_.load(std::memory_order_acquire)) return;
    const int64_t now = MonotonicNanos();
    const bool retook = RetakeBlockedProcessors(now);
    WakeIdleProcessorForStrandedWork();
    PollNetworkIfForgotten(now);
    CheckLongRunningFibers(now);
    CheckForDeadlock();
    if (options_.dump_on_sigquit && SigquitCount() != sigquits_seen_) {
      sigquits_seen_ = SigquitCount();
      TROUPE_LOG(kWarning, absl::StrCat("SIGQUIT: ", procs(), " processors, fibers:\n",
                                         FormatFiberDump(DumpFibers())));
    }
    if (next_trace_ns != 0 && now >= next_trace_ns) {
      PrintSchedTrace(now);
      next_trace_ns = now + options_.schedtrace_interval_ns;
    }
    if (blocking_machines_.load(std::memory_order_relaxed) == 0) {
      tick_ns = kLongTickNs;
    } else if (retook) {
      tick_ns = kShortTickNs;
    } else {
      tick_ns = std::min(tick_ns * 2, kLongTickNs);
    }
  }
}

void Scheduler::WakeIdleProcessorForStrandedWork() {
  // The safety net for wake-ups skipped after local pushes (WakeIdleProcessor): work
  // queued on a busy P while another P idles and nobody searches.
  if (idle_processor_count_.load(std::memory_order_acquire) == 0 ||
      spinning_machines_.load(std::memory_order_acquire) != 0) {
    return;
  }
  for (auto& p : processors_) {
    if (p->status.load(std::memory_order_relaxed) == ProcessorStatus::kRunning &&
        p->run_queue.SizeApprox() != 0) {
      WakeIdleProcessor(/*after_local_push=*/false);
      return;
    }
  }
}

void Scheduler::PollNetworkIfForgotten(int64_t now) {
  // Ps that never run dry never poll, and with none idle nobody blocks in epoll.
  NetPoller* poller = NetPoller::IfStarted();
  if (poller == nullptr || !poller->WorthPolling() ||
      now - poller->last_poll_ns() < NetPoller::kMonitorPollNs) {
    return;
  }
  // Woken fibers go to their schedulers' global queues (this thread holds no P).
  if (const int woken = poller->PollAndWake(); woken != 0) {
    netpoll_wakeups_.fetch_add(woken, std::memory_order_relaxed);  // statistic
  }
}

bool Scheduler::RetakeBlockedProcessors(int64_t now) {
  bool retook = false;
  for (auto& owned : processors_) {
    Processor* p = owned.get();
    // acquire; pairs with the release store in EnterBlocking.
    if (p->status.load(std::memory_order_acquire) != ProcessorStatus::kBlocking) continue;
    if (now - p->blocking_since_ns.load(std::memory_order_relaxed) < kBlockingGraceNs) {
      continue;
    }
    ProcessorStatus expected = ProcessorStatus::kBlocking;
    // acquire; the M returning from its call races for the same CAS (ExitBlocking).
    if (!p->status.compare_exchange_strong(expected, ProcessorStatus::kRunning,
                                           std::memory_order_acquire,
                                           std::memory_order_relaxed)) {
      continue;
    }
    processor_handoffs_.fetch_add(1, std::memory_order_relaxed);  // statistic
    retook = true;
    if (!p->run_queue.EmptyApprox() || global_queue_.SizeApprox() != 0) {
      StartMachine(p, /*spinning=*/false);
    } else {
      std::lock_guard<std::mutex> lock(idle_mutex_);
      PutIdleProcessorLocked(p);
    }
  }
  return retook;
}

void Scheduler::CheckLongRunningFibers(int64_t now) {
  for (std::size_t i = 0; i < processors_.size(); ++i) {
    Processor* p = processors_[i].get();
    ProgressSnapshot& seen = progress_[i];
    const uint64_t tick = p->schedule_tick.Read();
    if (p->status.load(std::memory_order_relaxed) != ProcessorStatus::kRunning ||
        tick != seen.tick) {
      seen = ProgressSnapshot{tick, now, false};
      continue;
    }
    const uint64_t fiber_id = p->running_fiber_id.load(std::memory_order_relaxed);
    if (seen.reported || fiber_id == 0 ||
        now - seen.since_ns < options_.long_running_threshold_ns) {
      continue;
    }
    seen.reported = true;
    long_running_fibers_.fetch_add(1, std::memory_order_relaxed);  // statistic
    if (options_.log_long_running) {
      TROUPE_LOG(kWarning,
                 "a fiber has run without yielding; C++ cannot preempt it, so call "
                 "this_fiber::Yield() in long loops",
                 {{"fiber", DescribeFiber(fiber_id)},
                  {"ms", (now - seen.since_ns) / 1'000'000},
                  {"processor", i}});
    }
  }
}

void Scheduler::CheckForDeadlock() {
  deadlock_checks_.fetch_add(1, std::memory_order_relaxed);  // statistic
  ReadCounters(deadlock_counters_);
  const RuntimeStats& stats = deadlock_counters_;
  const uint64_t activity = stats.switches + stats.fibers_spawned + stats.fibers_finished +
                            stats.timers_fired + stats.blocking_calls;
  const bool quiet =
      stats.fibers_alive() > 0 &&
      idle_processor_count_.load(std::memory_order_acquire) == procs() &&
      global_queue_.SizeApprox() == 0 &&
      blocking_machines_.load(std::memory_order_acquire) == 0 && EarliestTimer() == 0 &&
      (NetPoller::IfStarted() == nullptr || NetPoller::IfStarted()->waiters() == 0) &&
      ExternalThreads() == ExternalThreadsWaiting();
  if (!quiet || activity != deadlock_activity_) {
    deadlock_activity_ = activity;
    deadlock_quiet_checks_ = 0;
    deadlock_reported_ = false;
    return;
  }
  if (deadlock_reported_ || ++deadlock_quiet_checks_ < kDeadlockConfirmations) return;
  DeadlockReport report;
  for (FiberInfo& fiber : DumpFibers()) {
    if (fiber.state == FiberStateName(FiberState::kParked)) report.fibers.push_back(fiber);
  }
  if (report.fibers.empty()) return;  // finished fibers whose counters lag; look again
  deadlock_reported_ = true;
  deadlocks_reported_.fetch_add(1, std::memory_order_relaxed);
  if (options_.on_deadlock) {
    options_.on_deadlock(report);
    return;
  }
  TROUPE_LOG(kError, absl::StrCat("fatal error: ", report.ToString()));
  FlushLog();
  std::_Exit(2);
}

void Scheduler::ForEachLiveFiber(absl::FunctionRef<void(Fiber* fiber, FiberState state)> visit) {
  fiber_pool_.ForEachRecord([&](Fiber* fiber) {
    if (fiber->references.load(std::memory_order_acquire) == 0) return;  // free record
    const FiberState state = fiber->state.load(std::memory_order_acquire);
    if (state != FiberState::kDead) visit(fiber, state);
  });
}

namespace {

// One fiber's line of a dump; `now` is MonotonicCoarseNanos.
FiberInfo InfoOf(Fiber* fiber, FiberState state, int64_t now) {
  FiberInfo info;
  info.id = fiber->id.load(std::memory_order_relaxed);
  info.state = FiberStateName(state);
  if (state == FiberState::kParked || state == FiberState::kParking) {
    if (const char* reason = fiber->wait_reason.load(std::memory_order_relaxed)) {
      info.wait_reason = reason;
    }
    // relaxed: a statistic of the snapshot (fiber.h).
    // (A profiled wait's start is from the full clock, which `now` may trail.)
    const int64_t since = fiber->wait_started_ns.load(std::memory_order_relaxed);
    info.waiting_for = absl::Nanoseconds(std::max<int64_t>(0, now - since));
  }
  // acquire; pairs with the release in SetFiberLabels and NameFiber: the set's
  // contents were written before its address was published.
  if (const auto* labels =
          static_cast<const LabelSet*>(fiber->profile_labels.load(std::memory_order_acquire))) {
    info.description = labels->description();
    if (const std::string* name = labels->Find("fiber")) info.name = *name;
    if (const std::string* actor = labels->Find("actor")) info.actor = *actor;
    if (const std::string* type = labels->Find("actor_type")) info.actor_type = *type;
  }
  return info;
}

}  // namespace

std::vector<FiberInfo> Scheduler::DumpFibers() {
  std::vector<FiberInfo> fibers;
  const int64_t now = MonotonicCoarseNanos();
  ForEachLiveFiber(
      [&](Fiber* fiber, FiberState state) { fibers.push_back(InfoOf(fiber, state, now)); });
  return fibers;
}

std::string Scheduler::DescribeFiber(uint64_t fiber_id) {
  std::string description = absl::StrCat(fiber_id);
  ForEachLiveFiber([&](Fiber* fiber, FiberState state) {
    if (fiber->id.load(std::memory_order_relaxed) != fiber_id) return;
    const FiberInfo info = InfoOf(fiber, state, MonotonicCoarseNanos());
    if (!info.description.empty()) absl::StrAppend(&description, " ", info.description);
  });
  return description;
}

void Scheduler::PrintSchedTrace(int64_t now) {
  std::string processors;
  for (auto& p : processors_) {
    if (!processors.empty()) processors += ' ';
    processors += ProcessorStatusName(p->status.load(std::memory_order_relaxed));
  }
  // Not rate-limited: the user chose the interval (RuntimeOptions::schedtrace_interval).
  static LogSite site(__FILE__, __LINE__, LogSite::kUnlimited);
  LogAt(site, LogLevel::kInfo,
        absl::StrFormat("schedtrace %dms: procs=%d idle=%d spinning=%d [%s] %s",
                        (now - start_ns_) / 1'000'000, procs(),
                        idle_processor_count_.load(std::memory_order_relaxed),
                        spinning_machines_.load(std::memory_order_relaxed), processors,
                        ReadCounters().ToString()));
}

}  // namespace troupe::scheduler_internal
