#include "troupe/scheduler/pool.h"

#include "troupe/scheduler/internal/machine.h"

namespace troupe::scheduler_internal {

int CurrentProcessorIndex() {
  Machine* machine = CurrentMachine();
  if (machine == nullptr || machine->processor == nullptr) return -1;
  return machine->processor->id;
}

}  // namespace troupe::scheduler_internal
