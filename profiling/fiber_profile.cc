#include "troupe/profiling/fiber_profile.h"

#include <atomic>
#include <map>

#include "absl/strings/str_cat.h"
#include "troupe/profiling/internal/stack_walk.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/scheduler.h"

namespace troupe::profiling {

namespace {

using scheduler_internal::Fiber;
using scheduler_internal::FiberState;

constexpr int kMaxDepth = 64;

struct FiberSample {
  std::vector<uint64_t> stack;
  std::string pseudo_frame;
  LabelPairs labels;
  bool operator<(const FiberSample& other) const {
    return std::tie(stack, pseudo_frame, labels) <
           std::tie(other.stack, other.pseudo_frame, other.labels);
  }
};

// A parked fiber's stack, read as a seqlock reader would: its wait token before and
// after the read. A waker claims the wait (token + 1) before the fiber can run
// again, so an unchanged token means the fiber did not run while we read.
void ReadParkedStack(const Fiber& fiber, FiberSample& sample) {
  // acquire; pairs with the release that ended the wait's announcement (BeginWait).
  const uint64_t token = fiber.wait_token.load(std::memory_order_acquire);
  uint64_t stack[kMaxDepth];
  const int depth = profiling_internal::WalkSuspendedFiber(fiber, stack, kMaxDepth);
  // Orders the stack reads above before the re-reads below (the seqlock's reader fence).
  std::atomic_thread_fence(std::memory_order_acquire);
  const bool still_parked = fiber.wait_token.load(std::memory_order_relaxed) == token &&
                            fiber.state.load(std::memory_order_relaxed) == FiberState::kParked;
  if (!still_parked) {
    sample.pseudo_frame = "[woke while sampled]";
  } else if (depth == 0) {
    sample.pseudo_frame = "[parked at top]";
  } else {
    sample.stack.assign(stack, stack + depth);
  }
}

}  // namespace

Profile FiberProfile(Runtime& runtime) {
  std::map<FiberSample, int64_t> counts;
  const absl::Time now = absl::Now();
  scheduler_internal_SchedulerOf(runtime).ForEachLiveFiber([&](Fiber* fiber, FiberState state) {
    FiberSample sample;
    const char* state_name = scheduler_internal::FiberStateName(state);
    sample.labels.emplace_back("state", state_name);
    if (state == FiberState::kParked) {
      // relaxed: static text; a stale reason is the snapshot's usual inconsistency.
      if (const char* reason = fiber->wait_reason.load(std::memory_order_relaxed)) {
        sample.labels.emplace_back("wait_reason", reason);
      }
      ReadParkedStack(*fiber, sample);
    } else {
      sample.pseudo_frame = absl::StrCat("[", state_name, "]");
    }
    // acquire; pairs with the release in SetFiberLabels (the set's contents).
    if (const auto* labels =
            static_cast<const LabelSet*>(fiber->profile_labels.load(std::memory_order_acquire))) {
      sample.labels.insert(sample.labels.end(), labels->labels().begin(), labels->labels().end());
    }
    ++counts[std::move(sample)];
  });
  Profile profile;
  profile.sample_types = {{"fibers", "count"}};
  profile.period_type = {"fibers", "count"};
  profile.period = 1;
  profile.time_nanos = absl::ToUnixNanos(now);
  for (auto& [sample, count] : counts) {
    ProfileSample out;
    out.stack = sample.stack;
    out.pseudo_frame = sample.pseudo_frame;
    out.labels = sample.labels;
    out.values = {count};
    profile.samples.push_back(std::move(out));
  }
  return profile;
}

}  // namespace troupe::profiling
