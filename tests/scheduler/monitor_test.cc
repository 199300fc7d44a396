// The runtime's monitor: deadlock detection, fiber dumps, long-running fibers.
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

TEST(DeadlockTest, ReportsEveryParkedFiberWithItsWaitReason) {
  std::promise<DeadlockReport> reported;
  std::future<DeadlockReport> report_future = reported.get_future();
  Semaphore never(0);
  RuntimeOptions options;
  options.procs = 2;
  options.on_deadlock = [&](const DeadlockReport& report) {
    reported.set_value(report);
    never.Release();  // un-deadlock, so the test can finish
  };
  auto runtime = Runtime::Create(options);
  ASSERT_TRUE(runtime.ok());
  uint64_t main_id = 0;
  uint64_t stuck_id = 0;
  // The main thread blocks in Run (a troupe wait), the main fiber in Join, the
  // child on the semaphore: nothing can move.
  ASSERT_TRUE((*runtime)->Run([&] {
    main_id = this_fiber::Id();
    JoinHandle stuck = Spawn({.name = "stuck-worker"}, [&] { never.Acquire(); });
    stuck_id = stuck.id();
    ASSERT_TRUE(stuck.Join().ok());
  }).ok());
  ASSERT_EQ(report_future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const DeadlockReport report = report_future.get();
  ASSERT_EQ(report.fibers.size(), 2u) << report.ToString();
  bool saw_main = false;
  bool saw_stuck = false;
  for (const FiberInfo& fiber : report.fibers) {
    EXPECT_EQ(fiber.state, "waiting");
    if (fiber.id == main_id) {
      saw_main = true;
      EXPECT_EQ(fiber.wait_reason, "join");
    }
    if (fiber.id == stuck_id) {
      saw_stuck = true;
      EXPECT_EQ(fiber.wait_reason, "semaphore");
      EXPECT_EQ(fiber.name, "stuck-worker");
    }
  }
  EXPECT_TRUE(saw_main && saw_stuck) << report.ToString();
  EXPECT_NE(report.ToString().find(absl::StrCat("fiber ", stuck_id,
                                                " \"stuck-worker\" [waiting: semaphore")),
            std::string::npos)
      << report.ToString();
  EXPECT_NE(report.ToString().find("all fibers are asleep - deadlock!"), std::string::npos);
  EXPECT_EQ((*runtime)->Stats().deadlocks_reported, 1u);
}

TEST(DeadlockDeathTest, DefaultHandlerExitsWithStatusTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto runtime = Runtime::Create({.procs = 1});
        Semaphore never(0);
        absl::Status status = (*runtime)->Run([&] { never.Acquire(); });
        (void)status;
      },
      ::testing::ExitedWithCode(2), "all fibers are asleep - deadlock!");
}

TEST(DumpFibersTest, ShowsWaitingFibersAndWhatTheyWaitOn) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  constexpr int kWaiters = 5;
  Semaphore gate(0);
  std::vector<JoinHandle> handles;
  for (int i = 0; i < kWaiters; ++i) handles.push_back((*runtime)->Spawn([&] { gate.Acquire(); }));
  // Wait (with a generous bound) until all five are parked.
  std::vector<FiberInfo> dump;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < give_up) {
    dump = (*runtime)->DumpFibers();
    int waiting = 0;
    for (const FiberInfo& fiber : dump) waiting += fiber.state == "waiting";
    if (waiting == kWaiters) break;
    std::this_thread::yield();
  }
  ASSERT_EQ(dump.size(), static_cast<size_t>(kWaiters)) << FormatFiberDump(dump);
  for (const FiberInfo& fiber : dump) {
    EXPECT_EQ(fiber.state, "waiting");
    EXPECT_EQ(fiber.wait_reason, "semaphore");
  }
  EXPECT_NE(FormatFiberDump(dump).find("[waiting: semaphore"), std::string::npos);
  gate.Release(kWaiters);
  for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  EXPECT_TRUE((*runtime)->DumpFibers().empty());
}

TEST(DumpFibersTest, NamesANamedFiberAndHowLongItHasWaited) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  Semaphore gate(0);
  JoinHandle acceptor = (*runtime)->Spawn({.name = "acceptor"}, [&] { gate.Acquire(); });
  JoinHandle unnamed = (*runtime)->Spawn([&] { gate.Acquire(); });
  // The dump's wait times come from a coarse clock: wait until it has seen the wait
  // last a while (the state itself, not a sleep).
  auto waited = [&](uint64_t id) {
    for (const FiberInfo& fiber : (*runtime)->DumpFibers()) {
      if (fiber.id == id) return fiber.waiting_for >= absl::Milliseconds(20);
    }
    return false;
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return waited(acceptor.id()) && waited(unnamed.id()); },
                                 "both fibers have waited 20 ms"));
  const std::vector<FiberInfo> dump = (*runtime)->DumpFibers();
  const std::string text = FormatFiberDump(dump);
  for (const FiberInfo& fiber : dump) {
    if (fiber.id == acceptor.id()) {
      EXPECT_EQ(fiber.name, "acceptor");
      EXPECT_EQ(fiber.description, "\"acceptor\"");
    } else {
      EXPECT_EQ(fiber.name, "");
      EXPECT_EQ(fiber.description, "");
    }
  }
  // `fiber 7 "acceptor" [waiting: semaphore, 25ms]`
  const std::string acceptor_line =
      absl::StrCat("fiber ", acceptor.id(), " \"acceptor\" [waiting: semaphore, ");
  EXPECT_NE(text.find(acceptor_line), std::string::npos) << text;
  const std::size_t duration = text.find(acceptor_line) + acceptor_line.size();
  EXPECT_NE(text.find("ms]", duration), std::string::npos) << text;
  EXPECT_NE(text.find(absl::StrCat("fiber ", unnamed.id(), " [waiting: semaphore, ")),
            std::string::npos)
      << text;
  gate.Release(2);
  ASSERT_TRUE(acceptor.Join().ok());
  ASSERT_TRUE(unnamed.Join().ok());
}

TEST(LongRunningTest, FiberThatNeverYieldsIsNoticed) {
  RuntimeOptions options;
  options.procs = 2;
  options.long_running_threshold = absl::Milliseconds(1);
  auto runtime = Runtime::Create(options);
  ASSERT_TRUE(runtime.ok());
  std::atomic<bool> stop{false};
  JoinHandle spinner = (*runtime)->Spawn([&] {
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((*runtime)->Stats().long_running_fibers == 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::yield();
  }
  stop = true;
  ASSERT_TRUE(spinner.Join().ok());
  EXPECT_GE((*runtime)->Stats().long_running_fibers, 1u);
}

TEST(MonitorOptionsTest, RejectsInvalidIntervals) {
  RuntimeOptions options;
  options.procs = 1;
  options.schedtrace_interval = absl::Milliseconds(-1);
  EXPECT_EQ(Runtime::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.schedtrace_interval = absl::ZeroDuration();
  options.long_running_threshold = absl::Microseconds(10);
  auto runtime = Runtime::Create(options);
  EXPECT_NE(runtime.status().message().find("long_running_threshold must be >= 1ms"),
            std::string::npos)
      << runtime.status();
}

TEST(MonitorOptionsTest, SchedTraceEnvironmentVariableIsValidated) {
  setenv("TROUPE_SCHEDTRACE", "soon", 1);
  auto options = ResolveRuntimeOptions({.procs = 1});
  unsetenv("TROUPE_SCHEDTRACE");
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("TROUPE_SCHEDTRACE"), std::string::npos);
}

}  // namespace
}  // namespace troupe
