#include "troupe/scheduler/blocking.h"

#include "troupe/scheduler/internal/machine.h"
#include "troupe/scheduler/internal/scheduler.h"

namespace troupe::scheduler_internal {

bool BeginBlockingCall() {
  Machine* machine = CurrentMachine();
  if (machine == nullptr || machine->current == nullptr) return false;
  machine->scheduler->EnterBlocking(machine);
  return true;
}

void EndBlockingCall(bool was_fiber) {
  if (!was_fiber) return;
  Machine* machine = CurrentMachine();  // the same thread: no switch happened
  machine->scheduler->ExitBlocking(machine);
}

}  // namespace troupe::scheduler_internal
