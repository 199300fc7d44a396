// The block profile: the wait protocol's wait-ended hook (wait_profiling.h) samples
// each wait that ended and records the sampled ones in a ContentionTable.
//
// One place for every primitive: every wait of every primitive ends in CommitWait,
// which calls the hook with the wait's reason; the reason is the sample's label,
// and the stack is walked from CommitWait's caller, so that the sample's innermost
// frames are the primitive's own (the channel's receive, the mutex's lock) and then
// the code that called it.
//
// The rate lives in an atomic read (relaxed: a setting, ordering nothing) by the
// hook; the hook is installed while the rate is positive, so that with the profile
// off the wait protocol does not even read the clock.
#include "troupe/profiling/block_profile.h"

#include <algorithm>
#include <atomic>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "troupe/profiling/internal/contention_table.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_profiling.h"

namespace troupe::profiling {

namespace {

using profiling_internal::ContentionTable;

std::atomic<int64_t> block_rate_ns{0};
std::mutex settings_mutex;  // serialises SetBlockProfileRate

ContentionTable& Table() {
  static ContentionTable* const table = new ContentionTable();  // outlives every fiber
  return *table;
}

// Waits that are not contention: for time, for the network, for mail without a
// stack (an idle actor). Matched by prefix, so that refined reasons ("socket read
// (accept)") stay excluded.
bool CountsAsBlocking(const char* reason) {
  if (reason == nullptr) return false;
  constexpr absl::string_view kNotBlocking[] = {"sleep", "socket", "mailbox (idle"};
  for (absl::string_view prefix : kNotBlocking) {
    if (absl::StartsWith(reason, prefix)) return false;
  }
  return true;
}

void OnWaitEnded(scheduler_internal::Fiber* self, const char* reason, int64_t started_ns,
                 int64_t ended_ns, const void* frame) {
  const int64_t rate = block_rate_ns.load(std::memory_order_relaxed);
  if (rate <= 0 || !CountsAsBlocking(reason)) return;
  const int64_t delay = std::max<int64_t>(ended_ns - started_ns, 0);
  double count = 1;
  double scaled_delay = static_cast<double>(delay);
  if (rate > 1 && delay < rate) {
    // Kept with probability delay/rate (never for delay 0), then weighted by its
    // inverse: rate/delay events of rate ns in total.
    const uint64_t draw = profiling_internal::RandomBelow(static_cast<uint64_t>(rate));
    if (draw >= static_cast<uint64_t>(delay)) return;
    count = static_cast<double>(rate) / static_cast<double>(delay);
    scaled_delay = static_cast<double>(rate);
  }
  // relaxed: the fiber's own labels, written only by itself.
  const void* labels =
      self->is_thread ? nullptr : self->profile_labels.load(std::memory_order_relaxed);
  Table().Add(profiling_internal::CaptureKey(frame, reason, labels), count, scaled_delay);
}

std::string Description() {
  return absl::StrCat("troupe block profile: rate ", BlockProfileRate(),
                      " ns (a wait of d ns is kept with probability min(1, d/rate); "
                      "values scaled)");
}

}  // namespace

absl::Status SetBlockProfileRate(int64_t rate_ns) {
  if (rate_ns < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "block profile rate must be >= 0 nanoseconds (0: off, 1: every wait); got ", rate_ns));
  }
  std::lock_guard<std::mutex> lock(settings_mutex);
  block_rate_ns.store(rate_ns, std::memory_order_relaxed);
  scheduler_internal::SetWaitEndedHook(rate_ns > 0 ? &OnWaitEnded : nullptr);
  return absl::OkStatus();
}

int64_t BlockProfileRate() { return block_rate_ns.load(std::memory_order_relaxed); }

Profile BlockProfile() {
  return profiling_internal::ContentionProfile(Table(), Table().Counts(), nullptr, Description());
}

struct BlockProfileInterval::Start {
  profiling_internal::ContentionCounts counts;
  absl::Time time;
};

BlockProfileInterval::BlockProfileInterval()
    : start_(std::make_unique<const Start>(Start{Table().Counts(), absl::Now()})) {}
BlockProfileInterval::~BlockProfileInterval() = default;
BlockProfileInterval::BlockProfileInterval(BlockProfileInterval&&) noexcept = default;
BlockProfileInterval& BlockProfileInterval::operator=(BlockProfileInterval&&) noexcept = default;

Profile BlockProfileInterval::Collect() const {
  return profiling_internal::ContentionProfileSince(Table(), start_->counts, start_->time,
                                                    Description());
}

absl::StatusOr<Profile> ProfileBlockingFor(absl::Duration duration, const Context& context) {
  if (BlockProfileRate() == 0) {
    return absl::FailedPreconditionError(
        "the block profile is off: set a rate first (SetBlockProfileRate)");
  }
  return profiling_internal::ContentionProfileFor(Table(), duration, context, Description());
}

}  // namespace troupe::profiling
