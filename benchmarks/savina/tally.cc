#include "troupe/benchmarks/savina/tally.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace troupe::savina {
namespace {

// The tallies of repetitions that did not finish: their actors may still use them.
void Abandon(std::unique_ptr<Tally> tally) {
  static std::mutex mutex;
  static auto* abandoned = new std::vector<std::unique_ptr<Tally>>();
  std::lock_guard<std::mutex> lock(mutex);
  abandoned->push_back(std::move(tally));
}

}  // namespace

void Tally::Fail(absl::Status failure) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (first_failure_.ok()) first_failure_ = std::move(failure);
}

absl::StatusOr<int64_t> Tally::Await(std::unique_ptr<Tally> tally, absl::Duration bound) {
  const bool finished = tally->running_.WaitUntil(absl::Now() + bound);
  absl::Status failure;
  {
    std::lock_guard<std::mutex> lock(tally->mutex_);
    failure = tally->first_failure_;
  }
  if (!finished) {
    const int64_t running = tally->running_.count();
    Abandon(std::move(tally));
    return absl::DeadlineExceededError(
        absl::StrCat(running, " actors had not stopped after ", absl::FormatDuration(bound),
                     failure.ok() ? "" : "; first failure: ", failure.message()));
  }
  if (!failure.ok()) return failure;
  return tally->total_.load(std::memory_order_relaxed);  // ordered by the WaitGroup
}

}  // namespace troupe::savina
