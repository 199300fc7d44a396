// The CPU profiler: a signal handler that records samples, a collector that counts
// them.
//
// Glossary. A *slot* holds one sample (pc + callers, the fiber's label set). The
// *ring* is kSlots slots, allocated by Start and freed by Stop. The *collector* is a
// thread of the profiler's own that moves full slots into the *counts* (one entry per
// distinct stack and label set).
//
// Slot states and owners:
//   kEmpty    the collector owns it (nothing in it); a handler may claim it.
//   kWriting  one handler owns it (claimed by CAS kEmpty -> kWriting).
//   kFull     written; the collector owns it again once it sees kFull (acquire).
// A handler claims the slot at next_slot++ (mod kSlots); if that slot is not empty
// (the collector is behind by a whole ring) the sample is dropped and counted. The
// collector scans every slot each pass, so a claim that skipped a slot leaves no hole
// that would stop it.
//
// Invariants.
//   1. Handlers touch the ring only between their entry into handlers_running and
//      their exit, and only when they saw `active` true after entering.
//   2. Stop clears `active`, then waits for handlers_running to reach zero; both are
//      seq_cst, so a handler that enters after that wait read zero is ordered after
//      the clear and sees `active` false (1): nobody touches the ring after the wait,
//      and Stop may drain it one last time and free it.
//   3. The timers are deleted before `active` is cleared; a SIGPROF still pending
//      after Stop finds `active` false and does nothing. The handler stays installed
//      for the life of the process: uninstalling it would let a late SIGPROF kill the
//      process (the default action).
//
// Timers. Each thread of the process has a timer of its own on its own CPU-time
// clock (timer_create + SIGEV_THREAD_ID, as Go does since 1.18), which sends SIGPROF
// to that thread after each period of its CPU time. ThreadTimers arms one per
// thread listed in /proc/self/task when the profile starts and on every collector
// pass (threads started meanwhile are covered within kCollectInterval), and deletes
// those of threads that have exited. Rejected: the process-wide ITIMER_PROF, which
// needs no bookkeeping, but whose expiries the kernel checks once per tick and
// merges into one pending signal: with several threads busy at once, samples are
// lost and the profile's total falls short of the CPU time spent.
//
// Alternatives rejected. Unwinding with libunwind/DWARF gives stacks without frame pointers but
// is slow and not reliably async-signal-safe; frame pointers cost a register and
// unwind in a few loads per frame, bounded by the fiber's stack (stack_walk.h).
#include "troupe/profiling/cpu_profiler.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include <algorithm>
#include <vector>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "troupe/profiling/internal/stack_walk.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/internal/wait_protocol.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::profiling {

namespace {

using profiling_internal::StackRange;

constexpr int kMaxDepth = 64;
constexpr std::size_t kSlots = 4096;
constexpr auto kCollectInterval = std::chrono::milliseconds(50);

enum SlotState : uint32_t { kEmpty, kWriting, kFull };

struct Slot {
  std::atomic<uint32_t> state{kEmpty};
  int depth = 0;
  int weight = 1;  // periods this sample stands for: 1 + the timer's overruns
  const void* labels = nullptr;  // a LabelSet, or null
  uint64_t stack[kMaxDepth];
};

// What the signal handler reads. Plain static storage: nothing to construct in a
// handler, lock-free atomics only.
struct Sampler {
  std::atomic<bool> active{false};
  std::atomic<int> handlers_running{0};
  std::atomic<Slot*> ring{nullptr};
  std::atomic<uint64_t> next_slot{0};
  std::atomic<uint64_t> dropped{0};
};
Sampler sampler;

void RecordSample(const ucontext_t& interrupted, int weight, Slot* ring) {
  // relaxed: the claim only spreads handlers over slots; the CAS below arbitrates.
  Slot& slot = ring[sampler.next_slot.fetch_add(1, std::memory_order_relaxed) % kSlots];
  uint32_t expected = kEmpty;
  // acquire; pairs with the collector's release of kEmpty (its reads of the old
  // sample are done before we overwrite it).
  if (!slot.state.compare_exchange_strong(expected, kWriting, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
    sampler.dropped.fetch_add(1, std::memory_order_relaxed);  // statistic
    return;
  }
#if defined(__x86_64__)
  const uint64_t pc = interrupted.uc_mcontext.gregs[REG_RIP];
  const uint64_t fp = interrupted.uc_mcontext.gregs[REG_RBP];
  const uint64_t sp = interrupted.uc_mcontext.gregs[REG_RSP];
#else
  const uint64_t pc = 0, fp = 0, sp = 0;
#endif
  slot.labels = nullptr;
  slot.weight = weight;
  StackRange stack;  // empty: the innermost frame only
  // On a fiber's stack: its labels, and its frames. Elsewhere (the scheduler's loop on
  // the thread's stack, a plain thread) the fiber the machine names is not running.
  if (const scheduler_internal::Fiber* fiber = scheduler_internal::CurrentFiber()) {
    const StackRange fiber_stack = profiling_internal::FiberStackRange(*fiber);
    if (fiber_stack.Contains(sp, 0)) {
      stack = fiber_stack;
      // relaxed: written by this same thread's fiber, which this handler interrupted.
      slot.labels = fiber->profile_labels.load(std::memory_order_relaxed);
    }
  }
  slot.depth = profiling_internal::WalkFrames(pc, fp, sp, stack, slot.stack, kMaxDepth);
  slot.state.store(kFull, std::memory_order_release);  // pairs with the collector's acquire
}

void OnSigprof(int, siginfo_t* info, void* raw_context) {
  const int saved_errno = errno;
  sampler.handlers_running.fetch_add(1, std::memory_order_seq_cst);  // invariant 2
  if (sampler.active.load(std::memory_order_seq_cst)) {
    // relaxed: the ring was published before `active` (seq_cst) was set.
    if (Slot* ring = sampler.ring.load(std::memory_order_relaxed)) {
      // A timer whose signal was still pending at its next expiry counts the missed
      // expiries as overruns (a thread kept off its CPU, a slow delivery): the
      // sample stands for them too, as they were spent at about this point.
      const int overruns = info->si_code == SI_TIMER ? std::max(info->si_overrun, 0) : 0;
      RecordSample(*static_cast<const ucontext_t*>(raw_context), 1 + overruns, ring);
    }
  }
  sampler.handlers_running.fetch_sub(1, std::memory_order_seq_cst);  // pairs with Stop's wait
  errno = saved_errno;
}

// The CPU-time clock of thread `tid` (the kernel's MAKE_THREAD_CPUCLOCK(tid,
// CPUCLOCK_SCHED), which pthread_getcpuclockid computes for a pthread_t).
clockid_t ThreadCpuClock(pid_t tid) {
  constexpr unsigned kPerThread = 4, kSched = 2;
  return static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | kPerThread | kSched);
}

// The ids of the process's threads now.
std::vector<pid_t> ListThreads() {
  std::vector<pid_t> tids;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return tids;
  while (const dirent* entry = readdir(tasks)) {
    const long tid = strtol(entry->d_name, nullptr, 10);
    if (tid > 0) tids.push_back(static_cast<pid_t>(tid));
  }
  closedir(tasks);
  std::sort(tids.begin(), tids.end());
  return tids;
}

// One SIGPROF timer per thread, on that thread's CPU clock (see the top of the file).
// Used by one thread at a time (Start, then the collector, then Stop after joining
// it).
class ThreadTimers {
 public:
  explicit ThreadTimers(int hz) {
    const int64_t period_ns = 1'000'000'000 / hz;
    period_.it_interval.tv_sec = static_cast<time_t>(period_ns / 1'000'000'000);
    period_.it_interval.tv_nsec = static_cast<long>(period_ns % 1'000'000'000);
    period_.it_value = period_.it_interval;
  }
  ~ThreadTimers() { DeleteAll(); }
  ThreadTimers(const ThreadTimers&) = delete;
  ThreadTimers& operator=(const ThreadTimers&) = delete;

  // Arms a timer for each thread that has none; deletes those of exited threads.
  // Fails only when no thread at all could be covered.
  absl::Status Sync() {
    const std::vector<pid_t> alive = ListThreads();
    for (auto it = timers_.begin(); it != timers_.end();) {
      if (std::binary_search(alive.begin(), alive.end(), it->first)) {
        ++it;
        continue;
      }
      timer_delete(it->second);
      timers_.erase(it++);
    }
    int last_error = 0;
    for (pid_t tid : alive) {
      if (timers_.contains(tid)) continue;
      if (const int error = Arm(tid); error != 0) last_error = error;  // it may have exited
    }
    if (timers_.empty()) {
      return absl::InternalError(
          absl::StrCat("timer_create for the process's threads: ", strerror(last_error)));
    }
    return absl::OkStatus();
  }

  void DeleteAll() {
    for (const auto& [tid, timer] : timers_) timer_delete(timer);
    timers_.clear();
  }

 private:
  int Arm(pid_t tid) {
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGPROF;
    event._sigev_un._tid = tid;  // glibc names no accessor for it
    timer_t timer;
    if (timer_create(ThreadCpuClock(tid), &event, &timer) != 0) return errno;
    if (timer_settime(timer, 0, &period_, nullptr) != 0) {
      const int error = errno;
      timer_delete(timer);
      return error;
    }
    timers_.emplace(tid, timer);
    return 0;
  }

  itimerspec period_{};
  absl::flat_hash_map<pid_t, timer_t> timers_;
};

int64_t ProcessCpuNanos() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

struct SampleKey {
  const void* labels;
  std::vector<uint64_t> stack;
  bool operator==(const SampleKey& other) const {
    return labels == other.labels && stack == other.stack;
  }
  template <typename H>
  friend H AbslHashValue(H state, const SampleKey& key) {
    return H::combine(std::move(state), key.labels, key.stack);
  }
};

// A running profile's session: everything outside the signal handler.
struct Session {
  int hz = 0;
  absl::Time start;
  int64_t start_cpu_ns = 0;  // the process's CPU time when the profile started
  std::unique_ptr<ThreadTimers> timers;  // see ThreadTimers for who uses it when
  std::unique_ptr<Slot[]> ring;
  std::thread collector;
  std::mutex mutex;  // guards counts and stop_collector
  std::condition_variable wake_collector;
  bool stop_collector = false;
  absl::flat_hash_map<SampleKey, int64_t> counts;
};

std::mutex session_mutex;  // serialises Start and Stop
std::unique_ptr<Session> session;  // guarded by session_mutex

void Collect(Session& current) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    Slot& slot = current.ring[i];
    // acquire; pairs with the handler's release of kFull.
    if (slot.state.load(std::memory_order_acquire) != kFull) continue;
    SampleKey key{slot.labels, std::vector<uint64_t>(slot.stack, slot.stack + slot.depth)};
    current.counts[std::move(key)] += slot.weight;
    slot.state.store(kEmpty, std::memory_order_release);  // pairs with the handler's claim
  }
}

void RunCollector(Session* current) {
  std::unique_lock<std::mutex> lock(current->mutex);
  while (!current->stop_collector) {
    current->wake_collector.wait_for(lock, kCollectInterval);
    Collect(*current);
    (void)current->timers->Sync();  // threads started since the last pass
  }
}

// After this, no handler touches the ring (invariant 2).
void StopSampling() {
  sampler.active.store(false, std::memory_order_seq_cst);
  while (sampler.handlers_running.load(std::memory_order_seq_cst) != 0) {
    std::this_thread::yield();  // a handler runs for microseconds
  }
  sampler.ring.store(nullptr, std::memory_order_relaxed);  // only read while active
}

absl::Status InstallHandlerOnce() {
  static const int result = [] {
    struct sigaction action;
    std::memset(&action, 0, sizeof(action));
    action.sa_sigaction = &OnSigprof;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGPROF, &action, nullptr) == 0 ? 0 : errno;
  }();
  if (result != 0) return absl::InternalError(absl::StrCat("sigaction(SIGPROF): ", strerror(result)));
  return absl::OkStatus();
}

Profile BuildProfile(const Session& finished, uint64_t dropped, int64_t cpu_ns) {
  Profile profile;
  const int64_t period_ns = 1'000'000'000 / finished.hz;
  profile.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  profile.period_type = {"cpu", "nanoseconds"};
  profile.period = period_ns;
  profile.time_nanos = absl::ToUnixNanos(finished.start);
  profile.duration_nanos = absl::ToInt64Nanoseconds(absl::Now() - finished.start);
  for (const auto& [key, count] : finished.counts) {
    ProfileSample sample;
    sample.stack = key.stack;
    sample.values = {count, count * period_ns};
    if (key.labels != nullptr) sample.labels = static_cast<const LabelSet*>(key.labels)->labels();
    profile.samples.push_back(std::move(sample));
  }
  // For a reader to check the samples against: they should sum to about this (less
  // up to one period per thread, the CPU time short of a whole period).
  profile.comments.push_back(absl::StrCat("troupe: the process used ",
                                          absl::FormatDuration(absl::Nanoseconds(cpu_ns)),
                                          " of CPU time during the profile"));
  if (dropped > 0) {
    profile.comments.push_back(
        absl::StrCat("troupe: ", dropped, " samples dropped (the collector fell behind)"));
  }
  return profile;
}

}  // namespace

absl::Status StartCpuProfile(CpuProfileOptions options) {
  if (options.hz < 1 || options.hz > CpuProfileOptions::kMaxHz) {
    return absl::InvalidArgumentError(absl::StrCat("hz must be in [1, ", CpuProfileOptions::kMaxHz,
                                                   "]; got ", options.hz));
  }
  std::lock_guard<std::mutex> lock(session_mutex);
  if (session != nullptr) return absl::FailedPreconditionError("a CPU profile is already running");
  if (absl::Status installed = InstallHandlerOnce(); !installed.ok()) return installed;
  auto started = std::make_unique<Session>();
  started->hz = options.hz;
  started->start = absl::Now();
  started->start_cpu_ns = ProcessCpuNanos();
  started->ring = std::make_unique<Slot[]>(kSlots);  // value-initialised: pages touched now
  started->timers = std::make_unique<ThreadTimers>(options.hz);
  sampler.next_slot.store(0, std::memory_order_relaxed);
  sampler.dropped.store(0, std::memory_order_relaxed);
  sampler.ring.store(started->ring.get(), std::memory_order_relaxed);
  sampler.active.store(true, std::memory_order_seq_cst);  // publishes the ring (invariant 1)
  if (absl::Status timers = started->timers->Sync(); !timers.ok()) {
    StopSampling();
    return timers;
  }
  started->collector = std::thread(&RunCollector, started.get());
  session = std::move(started);
  return absl::OkStatus();
}

absl::StatusOr<Profile> StopCpuProfile() {
  std::unique_ptr<Session> finished;
  uint64_t dropped = 0;
  int64_t cpu_ns = 0;
  {
    std::lock_guard<std::mutex> lock(session_mutex);
    if (session == nullptr) return absl::FailedPreconditionError("no CPU profile is running");
    {
      std::lock_guard<std::mutex> collector_lock(session->mutex);
      session->stop_collector = true;
    }
    session->wake_collector.notify_one();
    session->collector.join();  // it arms no timer after this
    session->timers->DeleteAll();  // invariant 3
    cpu_ns = ProcessCpuNanos() - session->start_cpu_ns;
    StopSampling();
    dropped = sampler.dropped.load(std::memory_order_relaxed);
    finished = std::move(session);
  }
  Collect(*finished);  // what arrived after the collector's last pass
  return BuildProfile(*finished, dropped, cpu_ns);
}

bool CpuProfileRunning() {
  std::lock_guard<std::mutex> lock(session_mutex);
  return session != nullptr;
}

absl::StatusOr<Profile> ProfileCpuFor(absl::Duration duration, CpuProfileOptions options,
                                      const Context& context) {
  if (absl::Status started = StartCpuProfile(options); !started.ok()) return started;
  const absl::Status slept = this_fiber::SleepFor(duration, context);
  absl::StatusOr<Profile> profile = StopCpuProfile();
  if (!slept.ok()) return slept;
  return profile;
}

}  // namespace troupe::profiling
