// Running a program ported from Go's test/chan the way Go runs it: `main` is the
// main fiber of a fresh runtime, goroutines are detached fibers started with Go(),
// and the goroutines main leaves parked (Go's programs leave generators and
// servers blocked for ever; Go's runtime just ends with the process) are unwound
// when the runtime is destroyed. Each test then checks that every goroutine
// returned through its callers, so that everything it owned was destroyed (under
// ASan the leak checker confirms it). Ported goroutines therefore stop at the first
// failed send or receive (their waits fail with Cancelled while the runtime goes).
#ifndef TROUPE_TESTS_SCHEDULER_GO_CHAN_GO_PROGRAM_H_
#define TROUPE_TESTS_SCHEDULER_GO_CHAN_GO_PROGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {

// Goroutines started with Go() that have not returned. relaxed everywhere: it is
// read only after the runtime is destroyed, and destroying it joins every thread
// that ran a goroutine (the join orders their decrements before the read).
inline std::atomic<int> live_goroutines{0};

// Fiber context. `go body()`: starts a detached fiber; returns its id (for the fiber
// dump). Capture channels by value: they are handles.
template <typename Body>
uint64_t Go(Body body) {
  live_goroutines.fetch_add(1, std::memory_order_relaxed);
  JoinHandle detached = Spawn([body = std::move(body)]() mutable {
    struct Returned {
      ~Returned() { live_goroutines.fetch_sub(1, std::memory_order_relaxed); }
    } returned;
    body();
  });
  return detached.id();
}

// Parameterised over the number of processors.
class GoProgramTest : public ::testing::TestWithParam<int> {
 protected:
  // Runs `main` as the main fiber of a new runtime, then destroys the runtime and
  // expects every goroutine to have returned.
  template <typename Main>
  void RunProgram(Main main) {
    live_goroutines.store(0, std::memory_order_relaxed);
    auto created = Runtime::Create({.procs = GetParam()});
    ASSERT_TRUE(created.ok()) << created.status();
    std::unique_ptr<Runtime> runtime = *std::move(created);
    runtime_ = runtime.get();
    const absl::Status status = runtime->Run(std::move(main));
    EXPECT_TRUE(status.ok()) << status;
    runtime_ = nullptr;
    runtime.reset();
    EXPECT_EQ(live_goroutines.load(std::memory_order_relaxed), 0)
        << "goroutines were abandoned by the runtime instead of unwound";
  }

  // During RunProgram: the program's runtime (for the fiber dump).
  const Runtime& runtime() const { return *runtime_; }

 private:
  Runtime* runtime_ = nullptr;
};

#define TROUPE_GO_PROGRAM_OVER_PROCS(Fixture) \
  INSTANTIATE_TEST_SUITE_P(Procs, Fixture, ::testing::Values(1, 2, 4), \
                           ::troupe::testing::ProcsName)

}  // namespace troupe::go_chan

#endif  // TROUPE_TESTS_SCHEDULER_GO_CHAN_GO_PROGRAM_H_
