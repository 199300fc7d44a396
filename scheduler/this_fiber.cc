#include "troupe/scheduler/this_fiber.h"

#include <algorithm>
#include <thread>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/wait_queue.h"
#include "troupe/scheduler/internal/machine.h"
#include "troupe/scheduler/internal/scheduler.h"

namespace troupe::this_fiber {

using scheduler_internal::BeginWait;
using scheduler_internal::CommitWait;
using scheduler_internal::CurrentFiber;
using scheduler_internal::CurrentWaiter;
using scheduler_internal::Fiber;

void Yield() {
  scheduler_internal::Machine* machine = scheduler_internal::CurrentMachine();
  if (machine == nullptr || machine->current == nullptr) {
    std::this_thread::yield();
    return;
  }
  machine->scheduler->Yield(machine);
}

void SleepUntil(absl::Time deadline) {
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == scheduler_internal::kDeadlinePassed) return;
  Fiber* self = CurrentWaiter();
  const uint64_t token = BeginWait(self, "sleep");
  CommitWait(self, token, deadline_ns);
}

void SleepFor(absl::Duration duration) {
  if (duration <= absl::ZeroDuration()) return;
  SleepUntil(absl::Now() + duration);
}

absl::Status SleepUntil(absl::Time deadline, const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == scheduler_internal::kDeadlinePassed) return absl::OkStatus();
  scheduler_internal::WaitNode context_node;
  context_node.fiber = CurrentWaiter();
  context_node.token = BeginWait(context_node.fiber, "sleep");
  scheduler_internal::ContextState* state = context.state().get();
  const int64_t wait_deadline =
      scheduler_internal::JoinContextWait(state, &context_node, deadline_ns);
  const scheduler_internal::WakeReason woken =
      CommitWait(context_node.fiber, context_node.token, wait_deadline);
  scheduler_internal::LeaveContextWait(state, &context_node);
  // The sleep is complete if its own deadline passed, whatever else happened.
  if (deadline_ns != 0 && scheduler_internal::MonotonicNanos() >= deadline_ns) {
    return absl::OkStatus();
  }
  if (woken == scheduler_internal::WakeReason::kShutdown) {
    return scheduler_internal::WaitOutcome(state, woken);
  }
  return context.Err();
}

absl::Status SleepFor(absl::Duration duration, const Context& context) {
  return SleepUntil(absl::Now() + std::max(duration, absl::ZeroDuration()), context);
}

uint64_t Id() {
  Fiber* self = CurrentFiber();
  return self != nullptr ? self->id.load(std::memory_order_relaxed) : 0;
}

bool InFiber() { return CurrentFiber() != nullptr; }

}  // namespace troupe::this_fiber
