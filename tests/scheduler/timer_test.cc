// Timers with channels (timer.h): one-shot timers, tickers, After, Tick, AfterFunc,
// Stop and Reset with Go 1.23's guarantees, and release without Stop. Timing is
// asserted only from below (a timer never fires early); upper bounds would be
// flaky on a loaded machine and belong in benchmarks.
#include "troupe/scheduler/timer.h"

#include <atomic>
#include <optional>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using TimerTest = testing::RuntimeTest;


TEST_P(TimerTest, TimerSendsTheTimeOnceAndNotEarly) {
  RunInFiber([&] {
    const absl::Time start = absl::Now();
    Timer timer(absl::Milliseconds(10));
    std::optional<absl::Time> fired = timer.C().Recv();
    ASSERT_TRUE(fired.has_value());
    EXPECT_GE(*fired - start, absl::Milliseconds(10));
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(10));
    absl::Time again;
    EXPECT_EQ(timer.C().TryRecv(&again), ChannelStatus::kEmpty) << "a timer fires once";
    EXPECT_FALSE(timer.Stop()) << "it had fired";
  });
}

TEST_P(TimerTest, StopBeforeFiringPreventsItAndResetRearms) {
  RunInFiber([&] {
    Timer timer(absl::Hours(1));
    EXPECT_TRUE(timer.Stop());
    EXPECT_FALSE(timer.Stop());
    EXPECT_FALSE(timer.Reset(absl::Milliseconds(1)));
    EXPECT_TRUE(timer.C().Recv().has_value());
  });
}

TEST_P(TimerTest, NothingSentBeforeStopOrResetIsReceivedAfterIt) {
  RunInFiber([&] {
    Timer timer(absl::Milliseconds(1));
    // Wait until it has fired and its value sits unreceived in the channel.
    ASSERT_TRUE(testing::WaitUntil([&] { return timer.C().size() == 1; }, "the timer fired"));
    EXPECT_FALSE(timer.Stop());
    absl::Time stale;
    EXPECT_EQ(timer.C().TryRecv(&stale), ChannelStatus::kEmpty);

    Ticker ticker(absl::Milliseconds(1));
    ASSERT_TRUE(testing::WaitUntil([&] { return ticker.C().size() == 1; }, "the ticker ticked"));
    const absl::Time reset_at = absl::Now();
    ticker.Reset(absl::Hours(1));
    EXPECT_EQ(ticker.C().TryRecv(&stale), ChannelStatus::kEmpty);
    ticker.Reset(absl::Milliseconds(5));
    std::optional<absl::Time> tick = ticker.C().Recv();
    ASSERT_TRUE(tick.has_value());
    EXPECT_GE(*tick - reset_at, absl::Milliseconds(5)) << "not a tick from before Reset";
  });
}

TEST_P(TimerTest, TickerTicksUntilStopped) {
  RunInFiber([&] {
    Ticker ticker(absl::Milliseconds(2));
    std::vector<absl::Time> ticks;
    for (int i = 0; i < 5; ++i) ticks.push_back(*ticker.C().Recv());
    for (std::size_t i = 1; i < ticks.size(); ++i) EXPECT_GT(ticks[i], ticks[i - 1]);
    ticker.Stop();
    // Stopped: a timeout is the only way out of this select.
    bool timed_out = false;
    Select(OnRecv(ticker.C(), [](std::optional<absl::Time>) { ADD_FAILURE(); }),
           OnTimeout(absl::Milliseconds(20), [&] { timed_out = true; }));
    EXPECT_TRUE(timed_out);
  });
}

TEST_P(TimerTest, AfterAndTickWorkAsSelectCases) {
  RunInFiber([&] {
    Channel<int> never(0);
    bool after_fired = false;
    Select(OnRecv(never, [](std::optional<int>) { ADD_FAILURE(); }),
           OnRecv(After(absl::Milliseconds(1)),
                  [&](std::optional<absl::Time> at) { after_fired = at.has_value(); }));
    EXPECT_TRUE(after_fired);
    int ticks = 0;
    RecvChannel<absl::Time> tick = Tick(absl::Milliseconds(1));
    for (absl::Time& at : tick) {
      (void)at;
      if (++ticks == 3) break;
    }
    EXPECT_EQ(ticks, 3);
  });
}

TEST_P(TimerTest, AfterFuncRunsInAFiberEvenIfTheHandleIsDropped) {
  std::atomic<int> runs{0};
  RunInFiber([&] {
    WaitGroup done(1);
    { (void)AfterFunc(absl::Milliseconds(1), [&] {
        EXPECT_TRUE(this_fiber::InFiber());
        runs.fetch_add(1);
        done.Done();
      }); }
    done.Wait();
    Timer stopped = AfterFunc(absl::Hours(1), [&] { runs.fetch_add(100); });
    EXPECT_TRUE(stopped.Stop());
    EXPECT_TRUE(stopped.C().is_nil()) << "an AfterFunc timer has no channel";
  });
  EXPECT_EQ(runs.load(), 1);
}

TEST_P(TimerTest, UnstoppedTimersAreReleasedWithTheirLastHandle) {
  // No Stop anywhere: the tickers and timers go with their handles and channels (run
  // under ASan, the leak checker would report anything left). The runtime's timer
  // heaps hold nothing afterwards, so its deadlock detector is not kept busy either.
  RunInFiber([&] {
    for (int i = 0; i < 100; ++i) {
      Ticker ticker(absl::Microseconds(100));
      Timer timer(absl::Hours(1));
      RecvChannel<absl::Time> tick = Tick(absl::Hours(1));
      (void)ticker.C().Recv();
    }
  });
  EXPECT_EQ(runtime().Stats().timers_armed, 0u);
}

TROUPE_INSTANTIATE_OVER_PROCS(TimerTest);

}  // namespace
}  // namespace troupe
