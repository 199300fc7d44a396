// Runtime: troupe's M:N fiber scheduler. Fibers run on a pool of OS threads through
// `procs` logical processors, as goroutines do on Go's Ms and Ps.
//
//   auto runtime = troupe::Runtime::Create({.procs = 4});   // StatusOr
//   absl::Status status = (*runtime)->Run([] {
//     troupe::JoinHandle child = troupe::Spawn([] { ... });
//     troupe::this_fiber::SleepFor(absl::Milliseconds(1));
//     child.Join().IgnoreError();
//   });
//
// Fibers migrate between OS threads at every point where they may park or yield. Do
// not keep the address of a thread_local (or anything derived from the thread's
// identity, such as a lock held through a std::mutex) across such a point.
#ifndef TROUPE_SCHEDULER_RUNTIME_H_
#define TROUPE_SCHEDULER_RUNTIME_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/internal/fiber_body.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime_stats.h"
#include "troupe/scheduler/trace.h"

namespace troupe {

namespace scheduler_internal {
class Scheduler;
struct Fiber;
}  // namespace scheduler_internal

struct RuntimeOptions {
  static constexpr int kMaxProcs = 1024;
  static constexpr std::size_t kMinStackSize = 16 * 1024;
  static constexpr std::size_t kMaxStackSize = std::size_t{1} << 30;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  static constexpr std::size_t kDefaultStackSize = 256 * 1024;  // sanitizer frames are big
#else
  static constexpr std::size_t kDefaultStackSize = 64 * 1024;
#endif

  // Logical processors: how many fibers run in parallel. 0 means the TROUPE_PROCS
  // environment variable if set, else the number of CPUs. Allowed: [1, kMaxProcs].
  int procs = 0;
  // Usable bytes per fiber stack (a guard page comes on top). A multiple of the page
  // size, in [kMinStackSize, kMaxStackSize].
  std::size_t stack_size = kDefaultStackSize;

  // Log one scheduler summary line (log.h, level info, not rate-limited) at this
  // interval, like GODEBUG=schedtrace. Zero means the TROUPE_SCHEDTRACE environment variable (milliseconds)
  // if set, else off. Allowed: >= 0.
  absl::Duration schedtrace_interval = absl::ZeroDuration();

  // A fiber that runs this long without parking or yielding is counted in
  // RuntimeStats::long_running_fibers (and logged, with its name, if
  // log_long_running_fibers). C++ cannot preempt it; this is how to find it.
  // Allowed: >= 1 ms.
  absl::Duration long_running_threshold = absl::Milliseconds(10);
  bool log_long_running_fibers = false;

  // On SIGQUIT (Ctrl-backslash in a terminal), log (log.h, level warning) every live
  // fiber with its name, what it waits on and for how long, and keep running, as a
  // JVM prints its threads. Installs a process-wide handler.
  bool dump_on_sigquit = true;

  // Start a woken OS thread on another CPU than the thread that woke it, by
  // narrowing its CPU affinity until it runs (two sched_setaffinity calls per thread
  // wake-up, none per fiber switch). Without it, Linux guests on KVM put most
  // wake-ups on the waker's CPU, even with the other CPU idle, and the woken thread
  // preempts the waker (BENCHMARKS.md: open-loop p95/p99). The CPUs the process may
  // use are read when the runtime starts; turn this off if something else changes
  // the affinity of the runtime's threads later.
  bool steer_wakeups = true;

  // Called (on the runtime's monitor thread) when every fiber is parked and nothing
  // can wake them: no timer, no blocking call, and every plain thread that has used
  // troupe is itself blocked in a troupe wait. The default, like Go, logs (level
  // error) "all fibers are asleep - deadlock!" with each parked fiber, its name and
  // what it waits on, flushes the log and exits the process with status 2.
  DeadlockHandler on_deadlock = nullptr;
};

// How to start one fiber (Spawn's optional first argument).
struct SpawnOptions {
  // Names the fiber: the name appears in fiber dumps (Runtime::DumpFibers, SIGQUIT),
  // deadlock reports, scheduling traces, log lines and profiles (its "fiber" label,
  // fiber_labels.h). Names are interned and kept for the life of the process: give
  // roles ("acceptor", "flusher"), not per-request ids. Empty: an unnamed fiber,
  // which costs nothing.
  std::string name;
};

class Runtime {
 public:
  // Validates `options` (InvalidArgument saying what is allowed) and starts the
  // runtime. Threads are started lazily, as work appears.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Runtime>> Create(
      RuntimeOptions options = {});

  // Unwinds the fibers still alive (each blocking call fails with Cancelled, so they
  // return through their callers and their destructors run; the count is
  // logged), then stops the OS threads. A fiber that keeps running or parking while
  // ignoring those failures is abandoned after 10 s, and said so.
  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Any thread. Starts a fiber running `body` (any callable with no arguments; its
  // result, if any, is discarded); never blocks. Bodies of up to 48 bytes are stored
  // in the fiber's own record: no heap allocation.
  template <typename Body>
  JoinHandle Spawn(Body&& body);
  // As above, with options (a name: `Spawn({.name = "acceptor"}, body)`).
  template <typename Body>
  JoinHandle Spawn(const SpawnOptions& options, Body&& body);

  // Plain thread only (not a fiber). Runs `main` as a fiber and blocks until it
  // returns; returns what JoinHandle::Join returns for it.
  [[nodiscard]] absl::Status Run(absl::AnyInvocable<void() &&> main);

  // Any thread. A snapshot of the scheduler's counters.
  RuntimeStats Stats() const;

  // Any thread. Every live fiber with its state and what it waits on (a snapshot
  // taken without stopping the world, so it may be slightly inconsistent).
  std::vector<FiberInfo> DumpFibers() const;

  // Any thread. Start recording which fiber runs on which OS thread, and when;
  // StopTrace returns the slices (trace.h). For short runs: it costs a clock read
  // and a push per switch while on.
  void StartTrace();
  Trace StopTrace();

  int procs() const;
  std::size_t stack_size() const;

 private:
  friend scheduler_internal::Scheduler& scheduler_internal_SchedulerOf(Runtime& runtime);
  explicit Runtime(std::unique_ptr<scheduler_internal::Scheduler> scheduler);
  std::unique_ptr<scheduler_internal::Scheduler> scheduler_;
};

// For troupe's own layers (actors): the scheduler behind a Runtime.
inline scheduler_internal::Scheduler& scheduler_internal_SchedulerOf(Runtime& runtime) {
  return *runtime.scheduler_;
}

// Fiber context only: spawns on the runtime the calling fiber runs on. Crashes with a
// message when called from a plain thread (use Runtime::Spawn there).
template <typename Body>
JoinHandle Spawn(Body&& body);
template <typename Body>
JoinHandle Spawn(const SpawnOptions& options, Body&& body);

// Validates options and resolves the defaults (TROUPE_PROCS, CPU count). Exposed for
// tests and tools; Runtime::Create calls it.
[[nodiscard]] absl::StatusOr<RuntimeOptions> ResolveRuntimeOptions(RuntimeOptions options);

namespace scheduler_internal {
// The two halves of a spawn (scheduler.h), reachable without the Scheduler's or the
// fiber record's definition: CreateFiberOn returns a record whose body the caller
// builds in place, then StartFiber makes it runnable. Without memory for a record,
// `body` is null and `fiber` a finished one whose Join says ResourceExhausted.
// A fiber created `waits_for_stack` (an actor's) waits when no stack can be had for
// its first run, instead of finishing with ResourceExhausted.
struct NewFiber {
  Fiber* fiber;
  FiberBody* body;
};
NewFiber CreateFiberOn(Scheduler& scheduler, bool waits_for_stack = false);
Scheduler& CurrentSchedulerOrDie(const char* caller);
void StartFiber(Fiber* fiber);
// Before StartFiber: labels the fiber {"fiber": name}; `name` is not empty.
void NameFiber(Fiber* fiber, const std::string& name);

template <typename Body>
JoinHandle SpawnOn(Scheduler& scheduler, const SpawnOptions& options, Body&& body) {
  const NewFiber created = CreateFiberOn(scheduler);
  if (created.body == nullptr) return JoinHandle(created.fiber);
  created.body->Emplace(std::forward<Body>(body));
  if (!options.name.empty()) NameFiber(created.fiber, options.name);
  StartFiber(created.fiber);
  return JoinHandle(created.fiber);
}

template <typename Body>
JoinHandle SpawnOn(Scheduler& scheduler, Body&& body) {
  return SpawnOn(scheduler, SpawnOptions{}, std::forward<Body>(body));
}
}  // namespace scheduler_internal

template <typename Body>
JoinHandle Runtime::Spawn(Body&& body) {
  return scheduler_internal::SpawnOn(*scheduler_, std::forward<Body>(body));
}

template <typename Body>
JoinHandle Runtime::Spawn(const SpawnOptions& options, Body&& body) {
  return scheduler_internal::SpawnOn(*scheduler_, options, std::forward<Body>(body));
}

template <typename Body>
JoinHandle Spawn(Body&& body) {
  return scheduler_internal::SpawnOn(scheduler_internal::CurrentSchedulerOrDie("troupe::Spawn"),
                                     std::forward<Body>(body));
}

template <typename Body>
JoinHandle Spawn(const SpawnOptions& options, Body&& body) {
  return scheduler_internal::SpawnOn(scheduler_internal::CurrentSchedulerOrDie("troupe::Spawn"),
                                     options, std::forward<Body>(body));
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_RUNTIME_H_
