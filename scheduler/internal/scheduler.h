// Scheduler: the M:N engine behind troupe::Runtime. Fibers (G) run on machines (M, OS
// threads) that hold processors (P). See scheduler.cc for the design.
//
// The wait protocol every blocking primitive is built from is in wait_protocol.h; the
// scheduler installs its side of it (SchedulerHooks).
#ifndef TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_
#define TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/fiber_pool.h"
#include "troupe/scheduler/internal/global_run_queue.h"
#include "troupe/scheduler/internal/machine.h"
#include "troupe/scheduler/internal/net_poller.h"
#include "troupe/scheduler/internal/processor.h"
#include "troupe/scheduler/internal/stack_pool.h"
#include "troupe/scheduler/internal/wait_protocol.h"
#include "troupe/scheduler/internal/wake_placement.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/runtime_stats.h"
#include "troupe/scheduler/trace.h"

namespace troupe::scheduler_internal {


// What a fiber switching away asks the context resumed next to complete for it
// (AfterSwitch), and who it is. Travels on the switcher's stack.
enum SwitchAction : int {
  kActionNone,           // the switcher was the loop context: nothing to complete
  kActionRequeue,        // Yield: put the switcher back on the run queue
  kActionPark,           // a wait: mark the switcher parked (or runnable, if woken)
  kActionExit,           // the switcher finished: drop its running reference
  kActionParkAtTop,      // the switcher's body returned to wait without a stack
  kActionRequeueGlobal,  // back from a blocking call with no P free: global queue
};
struct SwitchPacket {
  int action;
  Fiber* previous;
};

// Where every fiber's context starts (scheduler.cc): runs the body, and again after
// each park at the top, then exits.
void FiberMain(void* packet);

// Validated by RuntimeOptions (runtime.cc).
struct SchedulerOptions {
  int procs = 1;
  std::size_t stack_size = 64 * 1024;
  int64_t schedtrace_interval_ns = 0;  // 0: no trace
  int64_t long_running_threshold_ns = 10'000'000;
  bool log_long_running = false;
  bool dump_on_sigquit = true;
  bool steer_wakeups = true;
  DeadlockHandler on_deadlock;  // empty: print the report and exit(2), as Go does
};

class Scheduler final : public PollingScheduler {
 public:
  explicit Scheduler(SchedulerOptions options);
  // Unwinds the fibers still alive (their waits fail with Cancelled, see
  // shutdown.cc), then stops every machine at its next scheduling point and joins the
  // threads. Fibers that do not finish within a bound are abandoned.
  ~Scheduler();

  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Any thread. Spawning is two steps so the body can be built in place in the
  // record: CreateFiber returns a record whose body the caller fills in, then
  // StartFiber makes it runnable. The fiber carries one extra reference for the
  // caller's JoinHandle (release with ReleaseFiber).
  // CreateFiber returns null if no memory could be had for the record;
  // FailedSpawn() then stands for the fiber (dead, failed with ResourceExhausted).
  Fiber* CreateFiber();
  Fiber* FailedSpawn();
  void StartFiber(Fiber* fiber);
  static void ReleaseFiber(Fiber* fiber);

  // Fiber context only (`machine` is CurrentMachine()): lets the other runnable
  // fibers on this P run first.
  void Yield(Machine* machine);

  RuntimeStats ReadCounters() const;
  // The same into `counters`, reusing its storage (the monitor reads them every check
  // and so allocates nothing).
  void ReadCounters(RuntimeStats& counters) const;
  int procs() const { return static_cast<int>(processors_.size()); }
  std::size_t stack_size() const { return stack_pool_.usable_size(); }

  // Made runnable by a waker (Wake in the wait protocol).
  void MakeRunnable(Fiber* fiber);

  // Fiber context: the runtime is being destroyed (shutdown.cc); waits end at once.
  bool unwinding() const { return unwinding_.load(std::memory_order_relaxed); }

  // Any thread: arms callback timer `entry` (fiber.h) in the calling fiber's P's heap,
  // or a P's of this scheduler. Disarm with TimerHeap::Remove.
  void ArmTimer(TimerEntry* entry);
  // Fiber context, for CommitWait: switches away from `self`, which has begun a wait.
  void Park(Machine* machine, Fiber* self);

  // Fiber context, around a call that may block the thread (blocking.h). Enter
  // leaves the P to be retaken by the monitor if the call lasts; Exit takes a P back,
  // or queues the fiber and parks the M if none is free.
  void EnterBlocking(Machine* machine);
  void ExitBlocking(Machine* machine);

  // Any thread: the live fibers and what they are doing.
  std::vector<FiberInfo> DumpFibers();
  // Any thread: "12" or `12 "name" actor room (chat::Room)`: the fiber with that id
  // as dumps name it. Visits every live fiber; for rare reports.
  std::string DescribeFiber(uint64_t fiber_id);
  // Any thread: calls `visit` with every live fiber (neither free nor dead) and the
  // state it was read in: a snapshot taken without stopping the world, as DumpFibers.
  void ForEachLiveFiber(absl::FunctionRef<void(Fiber* fiber, FiberState state)> visit);

  // Any thread: a fiber or thread began waiting for a socket while no thread is
  // blocked in epoll (net_poller.h); starts an idle P, which polls before it sleeps.
  void WakeIdleProcessorToPoll() override { WakeIdleProcessor(/*after_local_push=*/false); }

  // Any thread: record which fiber runs on which machine (trace.h).
  void StartTrace();
  Trace StopTrace();

  // ---- For the fiber entry and the wait protocol only (scheduler.cc). ----
  // Fiber context: stop running `self` (for `action`) and run something else.
  void SwitchAway(Machine* machine, Fiber* self, int action);
  // Runs in whatever context was resumed by a switch; completes the switcher's action.
  void AfterSwitch(Machine* machine, void* packet);
  [[noreturn]] void ExitCurrentFiber(Machine* machine, Fiber* self);

 private:
  void MachineMain(Machine* machine);
  // The destructor's first step (shutdown.cc).
  void UnwindFibers();

  Processor* TakeIdleProcessorLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(idle_mutex_);
  void PutIdleProcessorLocked(Processor* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(idle_mutex_);
  // Loop context, without a P: sleeps until handed one (or a timer is due and a P is
  // idle). False on shutdown.
  bool WaitForProcessor(Machine* machine);
  // WaitForProcessor's sleep when sockets are registered: blocks in epoll instead of
  // on the futex (net_poller.h). False if another thread is blocked there already.
  // True once it returned: with a P taken to run the fibers it woke, or without one.
  bool SleepInNetPoller(Machine* machine);
  Fiber* FindRunnableWithoutStealing(Processor* p);
  Fiber* FindRunnable(Machine* machine);  // loop context; parks the M; null = shut down
  Fiber* TrySteal(Processor* p, bool include_run_next);
  bool RunExpiredTimers(Processor* p, Processor* timer_owner);
  bool AnyWorkVisible();
  int64_t EarliestTimer();

  void PushLocal(Processor* p, Fiber* fiber, bool as_next);
  Fiber* TakeFromGlobal(Processor* p, uint32_t max_batch);
  // Go's wakep: after publishing work, start a spinning M if a P is idle and none
  // spins. See the definition for `after_local_push`.
  void WakeIdleProcessor(bool after_local_push);
  void StartMachine(Processor* p, bool spinning);
  void StopSpinning(Machine* machine);
  Processor* CurrentProcessorOf(Machine* machine) const;
  // Gives a fiber that is about to run from the top (new, or parked at the top) a
  // stack. False if none could be had: the fiber was set aside (SetAsideWithoutStack).
  bool PrepareToRun(Processor* p, Fiber* fiber);
  // A fiber without a stack: a new one finishes with `why` (Join reports it); one
  // parked at the top waits in stack_waiters_ until a stack is released.
  void SetAsideWithoutStack(Processor* p, Fiber* fiber, absl::Status why);
  void ReportStackFailure(const absl::Status& why);
  // A stack came back: let one fiber waiting for a stack run again.
  void ResumeStackWaiter(Processor* p);
  // `fiber` (owned by the caller, just taken from a queue) becomes `machine`'s
  // running fiber: stack, state, counters, trace. False if it was set aside instead.
  bool BeginRunning(Machine* machine, Fiber* fiber);
  // The end of a fiber: counted, marked dead, its joiner woken.
  void FinishFiber(Processor* p, Fiber* fiber);
  // Returns a finished or top-parked fiber's stack to the P's cache.
  // `finished`: the fiber has ended (else it parks at the top and runs again).
  void ReleaseStack(Processor* p, Fiber* fiber, bool finished);
  void EndTraceSlice(Machine* machine, Fiber* fiber);
  void RecycleFiber(Processor* p, Fiber* fiber);

  // The monitor thread (monitor.cc), Go's sysmon: retakes Ps from blocking calls,
  // notices fibers that never yield, detects deadlocks, prints the schedtrace.
  void MonitorMain();
  bool RetakeBlockedProcessors(int64_t now);
  void WakeIdleProcessorForStrandedWork();
  void PollNetworkIfForgotten(int64_t now);
  void CheckLongRunningFibers(int64_t now);
  void CheckForDeadlock();
  void PrintSchedTrace(int64_t now);

  const SchedulerOptions options_;
  StackPool stack_pool_;
  FiberPool fiber_pool_;  // after stack_pool_: records are destroyed first
  std::vector<std::unique_ptr<Processor>> processors_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> unwinding_{false};  // see shutdown.cc
  std::atomic<uint64_t> unwound_fibers_{0};
  std::atomic<bool> tracing_{false};

  GlobalRunQueue global_queue_;

  // Idle Ps and idle Ms.
  std::mutex idle_mutex_;
  const WakePlacement wake_placement_;
  Processor* idle_processors_ ABSL_GUARDED_BY(idle_mutex_) = nullptr;
  Machine* idle_machines_ ABSL_GUARDED_BY(idle_mutex_) = nullptr;
  std::vector<std::unique_ptr<Machine>> machines_ ABSL_GUARDED_BY(idle_mutex_);
  std::atomic<int> idle_processor_count_{0};  // written under idle_mutex_
  std::atomic<int> spinning_machines_{0};

  // Written by plain threads on every spawn: on a cache line of its own, away from
  // the idle counters above, which every spinning M reads.
  alignas(64) std::atomic<uint64_t> fibers_spawned_outside_{0};
  alignas(64) std::atomic<uint64_t> machine_parks_{0};
  std::atomic<uint64_t> machine_wakeups_{0};

  std::atomic<int> blocking_machines_{0};
  std::atomic<uint64_t> processor_handoffs_{0};
  std::atomic<uint64_t> long_running_fibers_{0};
  std::atomic<uint64_t> deadlocks_reported_{0};
  std::atomic<uint64_t> deadlock_checks_{0};  // statistics: relaxed
  std::atomic<uint64_t> netpoll_wakeups_{0};  // fibers this runtime's threads woke from epoll

  // Fibers parked at the top that could not get a stack to run again (rare: only at
  // a memory limit). The count lets every stack release check for them with a load.
  std::mutex stack_waiters_mutex_;
  std::vector<Fiber*> stack_waiters_ ABSL_GUARDED_BY(stack_waiters_mutex_);
  std::atomic<std::size_t> stack_waiter_count_{0};
  std::atomic<uint64_t> stack_failures_{0};
  // Stands for fibers whose record could not be allocated: never recycled.
  Fiber failed_spawn_;
  std::atomic<int64_t> last_stack_failure_report_ns_{0};

  // Monitor state; only the monitor thread touches the non-atomic parts.
  std::thread monitor_;
  ThreadParker monitor_parker_;
  const int64_t start_ns_;
  struct ProgressSnapshot {
    uint64_t tick = 0;
    int64_t since_ns = 0;
    bool reported = false;
  };
  std::vector<ProgressSnapshot> progress_;
  uint64_t deadlock_activity_ = 0;  // activity counters seen at the last check
  RuntimeStats deadlock_counters_;   // the monitor's, read at each check
  int deadlock_quiet_checks_ = 0;
  bool deadlock_reported_ = false;
  uint64_t sigquits_seen_ = 0;
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_SCHEDULER_H_
