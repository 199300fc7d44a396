// Machine (Go's M): an OS thread that runs fibers while it holds a Processor.
//
// Its own stack runs the scheduling loop (the "g0" context): fibers switch to it only
// when the P has nothing runnable, otherwise they switch straight to each other.
#ifndef TROUPE_SCHEDULER_INTERNAL_MACHINE_H_
#define TROUPE_SCHEDULER_INTERNAL_MACHINE_H_

#include <sys/types.h>

#include <thread>

#include "troupe/scheduler/internal/execution_context.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/processor.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/thread_parker.h"
#include "troupe/scheduler/trace.h"

namespace troupe::scheduler_internal {

class Scheduler;

struct Machine {
  explicit Machine(Scheduler* scheduler, int id) : scheduler(scheduler), id(id) {}

  Scheduler* const scheduler;
  const int id;
  std::thread thread;
  pid_t thread_id = 0;  // the kernel's id of `thread`; set before the M first parks
  ExecutionContext loop_context;  // the thread's own stack (scheduling loop)
  Processor* processor = nullptr;  // held P; only this thread changes it while running
  Processor* blocking_processor = nullptr;  // the P left behind during a blocking call
  Fiber* current = nullptr;        // the fiber running on this M, if any
  bool spinning = false;           // counted in Scheduler::spinning_machines_
  ThreadParker parker;             // idle machines sleep here
  // Set, under Scheduler::idle_mutex_, by whoever wakes this M with a P to run.
  Processor* handed_processor = nullptr;
  bool handed_spinning = false;
  bool steered = false;  // its waker narrowed its CPU affinity (wake_placement.h)
  Machine* next_idle = nullptr;  // guarded by Scheduler::idle_mutex_

  // Tracing (trace.h): the running slice's start (this thread only), and the slices
  // so far, guarded by trace_lock (StopTrace reads them from another thread).
  int64_t slice_start_ns = 0;
  SpinLock trace_lock;
  Trace trace;
};

// The Machine running on the calling thread, or nullptr for a plain thread.
//
// Fibers migrate between threads, and the compiler may keep a thread-local's address
// in a register across a call that switches fibers. This accessor is out of line and
// opaque to the optimiser, so every call reads the current thread's value afresh.
Machine* CurrentMachine();
void SetCurrentMachine(Machine* machine);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_MACHINE_H_
