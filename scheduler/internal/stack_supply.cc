// Stacks for fibers: giving a fiber that is about to run from the top a stack, taking
// it back when the fiber exits or parks at the top, and what happens when none can be
// had (stack_pool.h): a new fiber fails to start (Join says ResourceExhausted), a
// fiber that has run before (an actor's) waits for a stack to be released.

#include <mutex>

#include "absl/status/status.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/scheduler.h"
#include "troupe/scheduler/log.h"

namespace troupe::scheduler_internal {

Fiber* Scheduler::FailedSpawn() {
  stack_failures_.fetch_add(1, std::memory_order_relaxed);  // statistic
  ReportStackFailure(failed_spawn_.failure);
  // Every JoinHandle holds a reference; the count starts far from zero (constructor),
  // so the record is never recycled. relaxed: nothing is published through it.
  failed_spawn_.references.fetch_add(1, std::memory_order_relaxed);
  return &failed_spawn_;
}

bool Scheduler::PrepareToRun(Processor* p, Fiber* fiber) {
  if (fiber->stack.mapping != nullptr) return true;  // resuming, not starting
  if (absl::Status stack = stack_pool_.Allocate(&p->stack_cache, &fiber->stack); !stack.ok()) {
    SetAsideWithoutStack(p, fiber, std::move(stack));
    return false;
  }
  fiber->waits_for_stack = true;
  fiber->context.PrepareFiber(fiber->stack.low(), fiber->stack.usable_size(), &FiberMain);
  return true;
}

void Scheduler::SetAsideWithoutStack(Processor* p, Fiber* fiber, absl::Status why) {
  stack_failures_.fetch_add(1, std::memory_order_relaxed);  // statistic
  ReportStackFailure(why);
  if (fiber->waits_for_stack) {
    // Parked at the top (an idle actor woken by a message): its state lives on and
    // its wake must not be lost, so it waits for a stack instead of failing.
    std::lock_guard<std::mutex> lock(stack_waiters_mutex_);
    stack_waiters_.push_back(fiber);
    stack_waiter_count_.store(stack_waiters_.size(), std::memory_order_release);
    return;
  }
  // A new fiber: it finishes without running, and Join reports why. Its body is
  // destroyed here, on this thread's stack; see Runtime::Spawn.
  fiber->failure = std::move(why);
  fiber->body.Reset();
  FinishFiber(p, fiber);
  ReleaseFiber(fiber);
}

void Scheduler::ReportStackFailure(const absl::Status& why) {
  // At most one line per second: a program at its limit fails many spawns at once.
  const int64_t now = MonotonicNanos();
  int64_t last = last_stack_failure_report_ns_.load(std::memory_order_relaxed);
  if (now - last < 1'000'000'000 ||
      !last_stack_failure_report_ns_.compare_exchange_strong(last, now,
                                                             std::memory_order_relaxed)) {
    return;
  }
  TROUPE_LOG(kError, "no stack for a fiber",
             {{"error", why.ToString()},
              {"failures_so_far", stack_failures_.load(std::memory_order_relaxed)}});
}

void Scheduler::ResumeStackWaiter(Processor* p) {
  Fiber* fiber = nullptr;
  {
    std::lock_guard<std::mutex> lock(stack_waiters_mutex_);
    if (stack_waiters_.empty()) return;
    fiber = stack_waiters_.front();
    stack_waiters_.erase(stack_waiters_.begin());
    stack_waiter_count_.store(stack_waiters_.size(), std::memory_order_release);
  }
  PushLocal(p, fiber, /*as_next=*/false);
  WakeIdleProcessor(/*after_local_push=*/true);
}

void Scheduler::ReleaseStack(Processor* p, Fiber* fiber, bool finished) {
  if (finished) fiber->context.ReleaseSanitizerState();
  stack_pool_.Release(&p->stack_cache, fiber->stack);
  fiber->stack = Stack{};
  // acquire; pairs with the release store in SetAsideWithoutStack.
  if (stack_waiter_count_.load(std::memory_order_acquire) != 0) ResumeStackWaiter(p);
}

}  // namespace troupe::scheduler_internal
