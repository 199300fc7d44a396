// Shared helpers for troupe's scheduler tests: a fixture parameterised over the
// number of processors that checks, at teardown, that every fiber finished, and
// waits for a fiber's parked state as the fiber dump shows it (instead of a Yield,
// which does not mean "the other fiber has parked").
#ifndef TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_
#define TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::testing {

// ThreadSanitizer counts every live fiber as a thread and allows about 8,000, and
// creates each one's state from fresh pages (milliseconds a fiber on a small VM);
// tests that keep many fibers alive at once scale down under the sanitizers.
#if defined(__SANITIZE_THREAD__)
inline constexpr int kManyFibers = 500;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr int kManyFibers = 2'000;
#else
inline constexpr int kManyFibers = 10'000;
#endif

// How long the waits below poll before they fail the test: generous, so that a
// loaded CI machine never trips it, yet a lost wake-up fails instead of hanging.
inline constexpr absl::Duration kWaitBound = absl::Seconds(30);

// Polls `condition` (every 50 us, sleeping between polls, so a fiber caller lets
// others run) until it holds; after `bound` fails the test with `what` and returns
// false. Any fiber or thread.
inline bool WaitUntil(const std::function<bool()>& condition, absl::string_view what,
                      absl::Duration bound = kWaitBound) {
  const absl::Time give_up = absl::Now() + bound;
  while (!condition()) {
    if (absl::Now() > give_up) {
      ADD_FAILURE() << "gave up after " << bound << " waiting until " << what;
      return false;
    }
    this_fiber::SleepFor(absl::Microseconds(50));
  }
  return true;
}

class RuntimeTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto runtime = Runtime::Create({.procs = GetParam()});
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
  }

  void TearDown() override {
    if (runtime_ == nullptr) return;
    // A detached fiber may still be finishing after what the test waited for (its
    // last store): wait until every fiber has exited, failing after the bound.
    if (!WaitUntil([&] { return runtime_->Stats().fibers_alive() == 0; },
                   "every fiber has exited")) {
      ADD_FAILURE() << "fibers left running: " << runtime_->Stats().ToString();
    }
    runtime_.reset();
  }

  // Runs `body` as the main fiber and expects it to finish cleanly.
  template <typename F>
  void RunInFiber(F&& body) {
    absl::Status status = runtime_->Run(std::forward<F>(body));
    ASSERT_TRUE(status.ok()) << status;
  }

  Runtime& runtime() { return *runtime_; }

 private:
  std::unique_ptr<Runtime> runtime_;
};

// Fibers of `runtime` that the fiber dump shows parked ("waiting") on `reason`
// ("socket read", "select", "mutex", ...; empty: on anything).
inline int CountParked(const Runtime& runtime, absl::string_view reason = "") {
  int parked = 0;
  for (const FiberInfo& fiber : runtime.DumpFibers()) {
    if (fiber.state == "waiting" && (reason.empty() || fiber.wait_reason == reason)) ++parked;
  }
  return parked;
}

// Whether the fiber `id` is parked, on `reason` if that is not empty.
inline bool IsParked(const Runtime& runtime, uint64_t id, absl::string_view reason = "") {
  for (const FiberInfo& fiber : runtime.DumpFibers()) {
    if (fiber.id != id) continue;
    return fiber.state == "waiting" && (reason.empty() || fiber.wait_reason == reason);
  }
  return false;
}

// Waits until the fiber `id` (JoinHandle::id(), this_fiber::Id()) is parked, on
// `reason` if not empty; after `bound` fails the test, printing the fiber dump.
inline bool WaitUntilParked(const Runtime& runtime, uint64_t id, absl::string_view reason = "",
                            absl::Duration bound = kWaitBound) {
  if (WaitUntil([&] { return IsParked(runtime, id, reason); },
                "fiber " + std::to_string(id) + " is parked on \"" + std::string(reason) + "\"",
                bound)) {
    return true;
  }
  ADD_FAILURE() << "the fiber dump:\n" << FormatFiberDump(runtime.DumpFibers());
  return false;
}

// Waits until at least `count` fibers are parked on `reason` (as above).
inline bool WaitUntilParkedCount(const Runtime& runtime, int count, absl::string_view reason,
                                 absl::Duration bound = kWaitBound) {
  if (WaitUntil([&] { return CountParked(runtime, reason) >= count; },
                std::to_string(count) + " fibers are parked on \"" + std::string(reason) + "\"",
                bound)) {
    return true;
  }
  ADD_FAILURE() << "the fiber dump:\n" << FormatFiberDump(runtime.DumpFibers());
  return false;
}

inline std::string ProcsName(const ::testing::TestParamInfo<int>& info) {
  return "procs" + std::to_string(info.param);
}

#define TROUPE_INSTANTIATE_OVER_PROCS(Fixture) \
  INSTANTIATE_TEST_SUITE_P(Procs, Fixture, ::testing::Values(1, 2, 4), \
                           ::troupe::testing::ProcsName)

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_SCHEDULER_TEST_SUPPORT_H_
