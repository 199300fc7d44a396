#include "troupe/scheduler/internal/wait_profiling.h"

#include <atomic>
#include <mutex>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

namespace {

// The hooks are code, published with no data of their own (a hook reads its
// profile's settings through its own atomics): relaxed loads and stores suffice. A
// wait that overlaps a change of hooks may be timed and then not reported, or
// reported to the new hook; either is one event more or less in a sample.
std::atomic<WaitEndedHook> wait_ended_hook{nullptr};
std::atomic<ContendedUnlockHook> contended_unlock_hook{nullptr};

// Whether any hook is installed: the one load BeginWait pays. relaxed: a hint, as
// above; updated under hooks_mutex so that it agrees with the hooks once the
// setters are done.
std::atomic<bool> wait_profiling_on{false};
std::mutex hooks_mutex;

void UpdateOn() {
  wait_profiling_on.store(wait_ended_hook.load(std::memory_order_relaxed) != nullptr ||
                              contended_unlock_hook.load(std::memory_order_relaxed) != nullptr,
                          std::memory_order_relaxed);
}

}  // namespace

void SetWaitEndedHook(WaitEndedHook hook) {
  std::lock_guard<std::mutex> lock(hooks_mutex);
  wait_ended_hook.store(hook, std::memory_order_relaxed);
  UpdateOn();
}

void SetContendedUnlockHook(ContendedUnlockHook hook) {
  std::lock_guard<std::mutex> lock(hooks_mutex);
  contended_unlock_hook.store(hook, std::memory_order_relaxed);
  UpdateOn();
}

bool WaitProfilingOn() { return wait_profiling_on.load(std::memory_order_relaxed); }

void ReportWaitEnded(Fiber* self, const char* reason, const void* frame) {
  if (WaitEndedHook hook = wait_ended_hook.load(std::memory_order_relaxed)) {
    hook(self, reason, self->wait_started_ns.load(std::memory_order_relaxed), MonotonicNanos(),
         frame);
  }
}

void ReportContendedUnlock(int64_t waiter_started_ns, const void* frame) {
  if (ContendedUnlockHook hook = contended_unlock_hook.load(std::memory_order_relaxed)) {
    hook(waiter_started_ns, MonotonicNanos(), frame);
  }
}

}  // namespace troupe::scheduler_internal
