#include "scheduler/this_fiber.h"

#include <thread>

#include "scheduler/internal/deadline.h"
#include "scheduler/internal/machine.h"
#include "scheduler/internal/scheduler.h"

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

uint64_t Id() {
  Fiber* self = CurrentFiber();
  return self != nullptr ? self->id.load(std::memory_order_relaxed) : 0;
}

bool InFiber() { return CurrentFiber() != nullptr; }

}  // namespace troupe::this_fiber
