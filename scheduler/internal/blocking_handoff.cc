#include "troupe/scheduler/internal/scheduler.h"

#include <mutex>

#include "troupe/scheduler/internal/clock.h"

namespace troupe::scheduler_internal {

// Blocking calls (Go's entersyscall/exitsyscall).
//
// Enter: the M keeps its P in `blocking_processor` and marks it kBlocking; it holds no
// P while the call runs (anything the call does in troupe goes through the global
// queue). The monitor retakes a P that stays kBlocking for more than
// kBlockingGraceNs (monitor.cc) and gives it to another M.
// Exit: CAS the old P from kBlocking back to kRunning; if the monitor won that race,
// take any idle P; if there is none, queue the fiber globally and let the M sleep.

void Scheduler::EnterBlocking(Machine* machine) {
  Processor* p = machine->processor;
  p->counters.blocking_calls.Add();
  machine->blocking_processor = p;
  machine->processor = nullptr;
  blocking_machines_.fetch_add(1, std::memory_order_relaxed);  // read by the monitor
  p->blocking_since_ns.store(MonotonicNanos(), std::memory_order_relaxed);
  // release: publishes blocking_since_ns; pairs with the monitor's acquire load.
  p->status.store(ProcessorStatus::kBlocking, std::memory_order_release);
}

void Scheduler::ExitBlocking(Machine* machine) {
  Processor* p = machine->blocking_processor;
  machine->blocking_processor = nullptr;
  blocking_machines_.fetch_sub(1, std::memory_order_relaxed);
  ProcessorStatus expected = ProcessorStatus::kBlocking;
  // acquire: whatever another M did with the P while we were away (steals) is
  // visible; pairs with the monitor's CAS on the same word.
  if (p->status.compare_exchange_strong(expected, ProcessorStatus::kRunning,
                                        std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
    machine->processor = p;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(idle_mutex_);
    machine->processor = TakeIdleProcessorLocked();
  }
  if (machine->processor != nullptr) return;
  Fiber* self = machine->current;
  if (tracing_.load(std::memory_order_relaxed)) EndTraceSlice(machine, self);
  SwitchPacket packet{kActionRequeueGlobal, self};
  machine->current = nullptr;
  void* received = self->context.SwitchTo(machine->loop_context, &packet);
  Machine* now_on = CurrentMachine();
  now_on->scheduler->AfterSwitch(now_on, received);
}

}  // namespace troupe::scheduler_internal
