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
//   3. The timer is disarmed before `active` is cleared; a SIGPROF still pending
//      after Stop finds `active` false and does nothing. The handler stays installed
//      for the life of the process: uninstalling it would let a late SIGPROF kill the
//      process (the default action).
//
// Alternatives rejected. Per-thread timers (timer_create + SIGEV_THREAD_ID) sample
// each thread fairly but need every thread the runtime starts to register one; the
// process timer (setitimer) samples the running thread and needs no hook in the
// scheduler. Unwinding with libunwind/DWARF gives stacks without frame pointers but
// is slow and not reliably async-signal-safe; frame pointers cost a register and
// unwind in a few loads per frame, bounded by the fiber's stack (stack_walk.h).
#include "troupe/profiling/cpu_profiler.h"

#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <ucontext.h>

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

void RecordSample(const ucontext_t& interrupted, Slot* ring) {
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

void OnSigprof(int, siginfo_t*, void* raw_context) {
  const int saved_errno = errno;
  sampler.handlers_running.fetch_add(1, std::memory_order_seq_cst);  // invariant 2
  if (sampler.active.load(std::memory_order_seq_cst)) {
    // relaxed: the ring was published before `active` (seq_cst) was set.
    if (Slot* ring = sampler.ring.load(std::memory_order_relaxed)) {
      RecordSample(*static_cast<const ucontext_t*>(raw_context), ring);
    }
  }
  sampler.handlers_running.fetch_sub(1, std::memory_order_seq_cst);  // pairs with Stop's wait
  errno = saved_errno;
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
    ++current.counts[std::move(key)];
    slot.state.store(kEmpty, std::memory_order_release);  // pairs with the handler's claim
  }
}

void RunCollector(Session* current) {
  std::unique_lock<std::mutex> lock(current->mutex);
  while (!current->stop_collector) {
    current->wake_collector.wait_for(lock, kCollectInterval);
    Collect(*current);
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

absl::Status SetTimer(int hz) {
  itimerval timer{};
  if (hz > 0) {
    timer.it_interval.tv_usec = 1'000'000 / hz;
    timer.it_value = timer.it_interval;
  }
  if (setitimer(ITIMER_PROF, &timer, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("setitimer(ITIMER_PROF): ", strerror(errno)));
  }
  return absl::OkStatus();
}

Profile BuildProfile(const Session& finished, uint64_t dropped) {
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
  started->ring = std::make_unique<Slot[]>(kSlots);  // value-initialised: pages touched now
  sampler.next_slot.store(0, std::memory_order_relaxed);
  sampler.dropped.store(0, std::memory_order_relaxed);
  sampler.ring.store(started->ring.get(), std::memory_order_relaxed);
  sampler.active.store(true, std::memory_order_seq_cst);  // publishes the ring (invariant 1)
  if (absl::Status timer = SetTimer(options.hz); !timer.ok()) {
    StopSampling();
    return timer;
  }
  started->collector = std::thread(&RunCollector, started.get());
  session = std::move(started);
  return absl::OkStatus();
}

absl::StatusOr<Profile> StopCpuProfile() {
  std::unique_ptr<Session> finished;
  uint64_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(session_mutex);
    if (session == nullptr) return absl::FailedPreconditionError("no CPU profile is running");
    (void)SetTimer(0);  // invariant 3; disarming a valid timer cannot fail
    StopSampling();
    dropped = sampler.dropped.load(std::memory_order_relaxed);
    finished = std::move(session);
  }
  {
    std::lock_guard<std::mutex> collector_lock(finished->mutex);
    finished->stop_collector = true;
  }
  finished->wake_collector.notify_one();
  finished->collector.join();
  Collect(*finished);  // what arrived after the collector's last pass
  return BuildProfile(*finished, dropped);
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
