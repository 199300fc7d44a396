// NotifyContext: a signal ends the context, a main fiber waiting for it is not a
// deadlock, Stop gives the signal back, bad signals are refused.
#include "troupe/scheduler/signal.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

// Polls from a plain thread without any troupe wait: a thread sleeping in troupe
// would count as a timed waiter, and the deadlock detector would stand down.
bool PollUntil(const std::function<bool()>& condition, const char* what) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) {
      ADD_FAILURE() << "gave up after 60 s waiting until " << what;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// Waits until `parked` fibers are parked and the monitor has then looked for a
// deadlock several times (more than it needs to confirm one).
bool WaitForDeadlockChecks(Runtime& runtime, int parked) {
  if (!PollUntil([&] { return testing::CountParked(runtime) == parked; }, "the fibers park")) {
    return false;
  }
  const uint64_t checks = runtime.Stats().deadlock_checks;
  return PollUntil([&] { return runtime.Stats().deadlock_checks >= checks + 6; },
                   "the monitor checks for deadlock");
}

TEST(SignalTest, WithoutNotifyContextAWaitNobodyEndsIsReportedAsADeadlock) {
  // The control for the next test: the same wait, on a plain context.
  auto [context, cancel] = WithCancel(Context());
  std::atomic<int> deadlocks{0};
  auto runtime = Runtime::Create({.procs = 2, .on_deadlock = [&, cancel = cancel](
                                                                 const DeadlockReport&) {
                                    ++deadlocks;
                                    cancel.Cancel();  // lets the test end
                                  }});
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  ASSERT_TRUE((*runtime)->Run([&, context = context] { (void)context.Wait(); }).ok());
  EXPECT_EQ(deadlocks, 1);
}

TEST(SignalTest, MainFiberWaitingForASignalIsNotADeadlockAndTheSignalEndsTheWait) {
  std::atomic<int> deadlocks{0};
  auto runtime = Runtime::Create(
      {.procs = 2, .on_deadlock = [&](const DeadlockReport&) { ++deadlocks; }});
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  std::thread sender([&] {
    // The main fiber and the fiber watching for the signal.
    WaitForDeadlockChecks(**runtime, 2);
    // To this thread: under TSan a signal that lands on a runtime thread asleep in a
    // futex waits for that thread's next intercepted call.
    raise(SIGUSR1);
  });
  absl::Status ended;
  ASSERT_TRUE((*runtime)
                  ->Run([&] {
                    SignalContext signals = NotifyContext(Context(), {SIGINT, SIGUSR1});
                    ended = signals.context.Wait();
                  })
                  .ok());
  sender.join();
  EXPECT_EQ(deadlocks, 0);
  EXPECT_EQ(ended.code(), absl::StatusCode::kCancelled) << ended;
  EXPECT_EQ(ended.message(), "received signal SIGUSR1");
}

std::atomic<int> own_handler_calls{0};
void OwnHandler(int) { ++own_handler_calls; }

TEST(SignalTest, StopEndsTheContextAndRestoresThePreviousHandler) {
  struct sigaction own {};
  own.sa_handler = &OwnHandler;
  sigemptyset(&own.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR2, &own, &previous), 0);
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  ASSERT_TRUE((*runtime)
                  ->Run([&] {
                    SignalContext first = NotifyContext(Context(), {SIGUSR2});
                    SignalContext second = NotifyContext(Context(), {SIGUSR2});
                    first.stop.Stop();
                    EXPECT_EQ(first.context.Err().message(), "NotifyContext stopped");
                    EXPECT_TRUE(second.context.Err().ok()) << "the other one still watches";
                    raise(SIGUSR2);  // handled before raise returns; told to `second`
                    EXPECT_EQ(second.context.Wait().message(), "received signal SIGUSR2");
                    EXPECT_EQ(own_handler_calls, 0);
                    second.stop.Stop();
                    raise(SIGUSR2);
                    EXPECT_EQ(own_handler_calls, 1) << "the previous handler is back";
                  })
                  .ok());
  sigaction(SIGUSR2, &previous, nullptr);
}

TEST(SignalTest, UncatchableSignalsAreRefused) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  ASSERT_TRUE((*runtime)
                  ->Run([&] {
                    for (int signal : {SIGKILL, SIGSTOP, 0, 65}) {
                      SignalContext refused = NotifyContext(Context(), {SIGTERM, signal});
                      absl::Status why = refused.context.Err();
                      EXPECT_EQ(why.code(), absl::StatusCode::kInvalidArgument) << signal;
                      EXPECT_NE(why.message().find(std::to_string(signal)), std::string::npos)
                          << why;
                    }
                  })
                  .ok());
}

}  // namespace
}  // namespace troupe
