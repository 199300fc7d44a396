// The mutex profile: the wait protocol's contended-unlock hook (wait_profiling.h)
// samples one event in `fraction` and records it, at the unlocker's stack, in a
// ContentionTable. Mutex::Unlock calls the hook only when it woke a waiter whose
// wait was timed, so the uncontended Lock/Unlock never reach here.
//
// Scaling happens when an event is recorded (F events of F times its delay, with
// the fraction F in force then), so that changing the fraction does not rescale
// what was recorded before. (Go scales when it writes the profile.)
#include "troupe/profiling/mutex_profile.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "troupe/profiling/internal/contention_table.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_profiling.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::profiling {

namespace {

using profiling_internal::ContentionTable;

std::atomic<int> mutex_fraction{0};  // relaxed: a setting, ordering nothing
std::mutex settings_mutex;           // serialises SetMutexProfileFraction

ContentionTable& Table() {
  static ContentionTable* const table = new ContentionTable();  // outlives every fiber
  return *table;
}

void OnContendedUnlock(int64_t waiter_started_ns, int64_t now_ns, const void* frame) {
  const int fraction = mutex_fraction.load(std::memory_order_relaxed);
  if (fraction <= 0) return;
  if (fraction > 1 && profiling_internal::RandomBelow(static_cast<uint64_t>(fraction)) != 0) {
    return;
  }
  const double delay = static_cast<double>(std::max<int64_t>(now_ns - waiter_started_ns, 0));
  const void* labels = nullptr;
  if (const scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber()) {
    // relaxed: the fiber's own labels, written only by itself.
    labels = self->profile_labels.load(std::memory_order_relaxed);
  }
  Table().Add(profiling_internal::CaptureKey(frame, nullptr, labels), fraction, fraction * delay);
}

std::string Description() {
  return absl::StrCat("troupe mutex profile: fraction ", MutexProfileFraction(),
                      " (one contention in fraction is kept; values scaled)");
}

}  // namespace

absl::Status SetMutexProfileFraction(int fraction) {
  if (fraction < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mutex profile fraction must be >= 0 (0: off, 1: every contention); got ", fraction));
  }
  std::lock_guard<std::mutex> lock(settings_mutex);
  mutex_fraction.store(fraction, std::memory_order_relaxed);
  scheduler_internal::SetContendedUnlockHook(fraction > 0 ? &OnContendedUnlock : nullptr);
  return absl::OkStatus();
}

int MutexProfileFraction() { return mutex_fraction.load(std::memory_order_relaxed); }

Profile MutexProfile() {
  return profiling_internal::ContentionProfile(Table(), Table().Counts(), nullptr, Description());
}

absl::StatusOr<Profile> ProfileMutexFor(absl::Duration duration, const Context& context) {
  if (MutexProfileFraction() == 0) {
    return absl::FailedPreconditionError(
        "the mutex profile is off: set a fraction first (SetMutexProfileFraction)");
  }
  return profiling_internal::ContentionProfileFor(Table(), duration, context, Description());
}

}  // namespace troupe::profiling
