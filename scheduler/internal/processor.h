// Processor (Go's P): the right to run fibers, and the per-P state that goes with it.
// There are exactly RuntimeOptions::procs of them. An M (machine.h) must hold a P to
// run fibers; the P's fields below marked "owner" are touched only by that M.
#ifndef TROUPE_SCHEDULER_INTERNAL_PROCESSOR_H_
#define TROUPE_SCHEDULER_INTERNAL_PROCESSOR_H_

#include <atomic>
#include <cstdint>

#include "troupe/scheduler/internal/fiber_pool.h"
#include "troupe/scheduler/internal/local_run_queue.h"
#include "troupe/scheduler/internal/owner_counter.h"
#include "troupe/scheduler/internal/schedule_latency.h"
#include "troupe/scheduler/internal/stack_pool.h"
#include "troupe/scheduler/internal/timer_heap.h"

namespace troupe::scheduler_internal {

// Fiber ids [next, limit), taken from the process's counter (scheduler.cc) a batch at
// a time by a P or a plain thread, so that spawning does not contend on one cache line.
struct FiberIdBatch {
  uint64_t next = 0;
  uint64_t limit = 0;
};

struct ProcessorCounters {
  OwnerCounter switches;        // fibers resumed on this P
  OwnerCounter fibers_spawned;  // spawned by fibers running on this P
  OwnerCounter fibers_finished;
  OwnerCounter fibers_stolen;   // taken from other Ps by this P
  OwnerCounter steal_attempts;
  OwnerCounter global_queue_takes;
  OwnerCounter timers_fired;
  OwnerCounter blocking_calls;
};

enum class ProcessorStatus : uint8_t {
  kIdle,      // on the idle list
  kRunning,   // held by an M
  kBlocking,  // its M is in a blocking call (blocking.h); the monitor may retake it
};

struct Processor {
  explicit Processor(int id) : id(id) {}

  const int id;
  LocalRunQueue run_queue;  // owner pushes/pops; anyone steals
  TimerHeap timers;         // any thread adds/removes; see timer_heap.h
  StackCache stack_cache;   // owner
  FiberCache fiber_cache;   // owner
  // Changed under Scheduler::idle_mutex_, or by CAS from kBlocking (the monitor and
  // the returning M race for it).
  std::atomic<ProcessorStatus> status{ProcessorStatus::kIdle};
  std::atomic<int64_t> blocking_since_ns{0};  // written before status becomes kBlocking
  // Owner writes; the monitor reads both to spot a fiber that never yields.
  OwnerCounter schedule_tick;  // +1 per scheduling decision
  uint32_t global_check_countdown = 61;  // owner; at 0, look at the global queue first
  std::atomic<uint64_t> running_fiber_id{0};
  FiberIdBatch fiber_ids;  // owner
  ProcessorCounters counters;  // owner writes
  ScheduleLatencyHistogram schedule_latency;  // owner writes
  Processor* next_idle = nullptr;  // guarded by Scheduler::idle_mutex_
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_PROCESSOR_H_
