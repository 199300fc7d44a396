// Destroying a runtime: unwinding the fibers still alive, then stopping the threads.
//
// A library inside a long-running process must not leak what its fibers own when a
// runtime goes away (Go never faces this: its runtime ends with the process). So,
// before the threads stop:
//  1. Callback timers (tickers, actors' timers) are disarmed: they would fire into a
//     runtime that is going.
//  2. `unwinding_` is set, and every fiber parked in a wait is woken with
//     WakeReason::kShutdown: its blocking call returns Cancelled ("the runtime is
//     shutting down") — a channel receive without a context returns nullopt, as if
//     the channel were closed — and any wait it begins afterwards ends at once the
//     same way (ParkCurrentFiber checks the flag). Idle actors, woken so, stop. The
//     threads keep running the fibers, which return through their callers and
//     finish, running their destructors.
//  3. Waking is repeated, every millisecond, until no fiber is alive, since a fiber
//     may begin a wait just after a pass looked at it (cheaper than a fence in every
//     wait). After kUnwindBound the rest are abandoned as before (a fiber stuck in a
//     blocking system call, or one that loops ignoring errors), and said so.
//  4. The threads stop at their next scheduling point and are joined.

#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/net_poller.h"
#include "troupe/scheduler/internal/scheduler.h"
#include "troupe/scheduler/log.h"

namespace troupe::scheduler_internal {

namespace {

constexpr int64_t kUnwindBoundNs = 10'000'000'000;  // 10 s
constexpr auto kUnwindPassInterval = std::chrono::milliseconds(1);

}  // namespace

Scheduler::~Scheduler() {
  for (auto& p : processors_) p->timers.DisarmCallbacks();
  UnwindFibers();
  std::vector<Machine*> machines;
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    shutting_down_.store(true, std::memory_order_seq_cst);
    for (auto& machine : machines_) machines.push_back(machine.get());
  }
  // After shutting_down_: interrupts our M if it is blocked in epoll, and sockets'
  // waiters stop asking us to poll.
  NetPoller::DetachScheduler(this);
  monitor_parker_.Unpark();
  monitor_.join();
  for (Machine* machine : machines) machine->parker.Unpark();
  for (Machine* machine : machines) machine->thread.join();
  for (auto& p : processors_) {
    stack_pool_.Drain(p->stack_cache);
    fiber_pool_.Drain(p->fiber_cache);
  }
}

void Scheduler::UnwindFibers() {
  if (ReadCounters().fibers_alive() == 0) return;
  // relaxed: fibers that miss it are found by the next pass (step 3 above).
  unwinding_.store(true, std::memory_order_relaxed);
  uint64_t woken = 0;
  const int64_t give_up_ns = MonotonicNanos() + kUnwindBoundNs;
  std::vector<std::pair<Fiber*, uint64_t>> waiting;
  while (ReadCounters().fibers_alive() != 0 && MonotonicNanos() < give_up_ns) {
    waiting.clear();
    fiber_pool_.ForEachRecord([&](Fiber* fiber) {
      // acquire; pairs with BeginWait's release of the token: a fiber seen waiting
      // has published everything its waker needs.
      const uint64_t token = fiber->wait_token.load(std::memory_order_acquire);
      const FiberState state = fiber->state.load(std::memory_order_acquire);
      if ((token & 1) != 0 && (state == FiberState::kParked || state == FiberState::kParking)) {
        waiting.emplace_back(fiber, token);
      }
    });
    for (const auto& [fiber, token] : waiting) {
      if (Wake(fiber, token, WakeReason::kShutdown)) ++woken;
    }
    {
      // Fibers waiting for a stack (stack_supply.cc) run again, to unwind too.
      std::lock_guard<std::mutex> lock(stack_waiters_mutex_);
      for (Fiber* fiber : stack_waiters_) global_queue_.Push(&fiber, 1);
      stack_waiters_.clear();
      stack_waiter_count_.store(0, std::memory_order_release);
    }
    WakeIdleProcessor(/*after_local_push=*/false);
    std::this_thread::sleep_for(kUnwindPassInterval);
  }
  const uint64_t abandoned = ReadCounters().fibers_alive();
  unwound_fibers_.store(woken, std::memory_order_relaxed);
  if (woken == 0 && abandoned == 0) return;  // only fibers on their way out
  if (abandoned == 0) {
    TROUPE_LOG(kWarning,
               "Runtime destroyed with fibers still alive: unwound them (their waits failed "
               "with Cancelled)",
               {{"unwound", woken}});
  } else {
    TROUPE_LOG(kWarning,
               "Runtime destroyed with fibers still alive: unwound some (their waits failed "
               "with Cancelled), abandoned the ones that did not finish in time (their "
               "destructors will not run)",
               {{"unwound", woken},
                {"abandoned", abandoned},
                {"bound_s", kUnwindBoundNs / 1'000'000'000}});
  }
}

}  // namespace troupe::scheduler_internal
