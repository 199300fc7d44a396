// Scheduler: the M:N engine behind troupe::Runtime. Fibers (G) run on machines (M, OS
// threads) that hold processors (P). See scheduler.cc for the design.
//
// The functions in the "wait protocol" section are what every blocking primitive is
// built from; they work for fibers (which park) and plain threads (which block).
#ifndef TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_
#define TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "scheduler/internal/fiber.h"
#include "scheduler/internal/machine.h"
#include "scheduler/internal/processor.h"
#include "scheduler/internal/stack_pool.h"
#include "scheduler/runtime_stats.h"

namespace troupe::scheduler_internal {


class Scheduler {
 public:
  // `procs` and `stack_size` are validated by RuntimeOptions.
  Scheduler(int procs, std::size_t stack_size);
  // Stops every machine at its next scheduling point and joins the threads. Fibers
  // that have not finished are abandoned (their destructors never run).
  ~Scheduler();

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Any thread. Creates a runnable fiber running `body`. The returned fiber carries
  // one extra reference for the caller's JoinHandle (release with ReleaseFiber).
  Fiber* Spawn(absl::AnyInvocable<void() &&> body);
  static void ReleaseFiber(Fiber* fiber);

  // Fiber context only: lets every other runnable fiber on this P run first.
  void Yield();

  RuntimeStats ReadCounters() const;
  int procs() const { return static_cast<int>(processors_.size()); }
  std::size_t stack_size() const { return stack_pool_.usable_size(); }

  // Made runnable by a waker (Wake in the wait protocol).
  void MakeRunnable(Fiber* fiber);

  // Fiber context: arms the current fiber's timer on the current P.
  void ArmTimer(Fiber* self);

  // ---- For the fiber entry and the wait protocol only (scheduler.cc). ----
  // Fiber context: stop running `self` (for `action`) and run something else.
  void SwitchAway(Machine* machine, Fiber* self, int action);
  // Runs in whatever context was resumed by a switch; completes the switcher's action.
  void AfterSwitch(void* packet);
  [[noreturn]] void ExitCurrentFiber(Machine* machine, Fiber* self);

 private:
  void MachineMain(Machine* machine);

  Fiber* FindRunnableWithoutStealing(Processor* p);
  Fiber* FindRunnable(Machine* machine);  // loop context; parks the M; null = shut down
  Fiber* TrySteal(Processor* p, bool include_run_next);
  bool RunExpiredTimers(Processor* p, Processor* timer_owner);
  bool AnyWorkVisible();
  int64_t EarliestTimer();

  void PushLocal(Processor* p, Fiber* fiber, bool as_next);
  void PushGlobal(Fiber* first, Fiber* last, uint32_t count);
  Fiber* TakeFromGlobal(Processor* p, uint32_t max_batch);
  void WakeIdleProcessor();  // Go's wakep
  void StartMachine(Processor* p, bool spinning);
  void StopSpinning(Machine* machine);
  Fiber* NewFiber(Processor* p, absl::AnyInvocable<void() &&> body);
  void RecycleFiber(Processor* p, Fiber* fiber);
  uint64_t NextFiberId(Processor* p);

  StackPool stack_pool_;
  std::vector<std::unique_ptr<Processor>> processors_;
  std::atomic<bool> shutting_down_{false};

  // Global run queue: FIFO of fibers linked through Fiber::next_in_queue.
  std::mutex global_mutex_;
  Fiber* global_head_ ABSL_GUARDED_BY(global_mutex_) = nullptr;
  Fiber* global_tail_ ABSL_GUARDED_BY(global_mutex_) = nullptr;
  std::atomic<uint32_t> global_size_{0};  // written under global_mutex_

  // Idle Ps and idle Ms.
  std::mutex idle_mutex_;
  Processor* idle_processors_ ABSL_GUARDED_BY(idle_mutex_) = nullptr;
  Machine* idle_machines_ ABSL_GUARDED_BY(idle_mutex_) = nullptr;
  std::vector<std::unique_ptr<Machine>> machines_ ABSL_GUARDED_BY(idle_mutex_);
  std::atomic<int> idle_processor_count_{0};  // written under idle_mutex_
  std::atomic<int> spinning_machines_{0};

  std::atomic<uint64_t> fibers_spawned_outside_{0};  // by plain threads
  std::atomic<uint64_t> next_fiber_id_{1};
  std::atomic<uint64_t> machine_parks_{0};
  std::atomic<uint64_t> machine_wakeups_{0};
};

// ---- The wait protocol (see fiber.h for the states and tokens). ----

// The calling fiber, or the calling plain thread's stand-in.
Fiber* CurrentWaiter();
// The calling fiber, or nullptr on a plain thread.
Fiber* CurrentFiber();

// Announces that `self` is about to wait; returns the token that wakers must present.
// After this, publish (self, token) where wakers will find it, then call CommitWait.
uint64_t BeginWait(Fiber* self, const char* reason);
// Parks the fiber (or blocks the thread) until a waker claims `token`, or until
// `deadline_ns` (MonotonicNanos clock; 0 = none) passes.
WakeReason CommitWait(Fiber* self, uint64_t token, int64_t deadline_ns);
// Any thread: wakes `fiber` if it is still in the wait identified by `token`. Returns
// false (and does nothing) if that wait already ended.
bool Wake(Fiber* fiber, uint64_t token, WakeReason reason);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_
