#include "troupe/scheduler/wait_group.h"

#include <atomic>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using WaitGroupTest = testing::RuntimeTest;

TEST_P(WaitGroupTest, WaitReturnsAfterEveryDone) {
  constexpr int kWorkers = 500;
  WaitGroup group;
  std::atomic<int> finished{0};
  RunInFiber([&] {
    group.Add(kWorkers);
    for (int i = 0; i < kWorkers; ++i) {
      // Detached: the WaitGroup, not Join, tells us they are done.
      Spawn([&] {
        this_fiber::Yield();
        finished.fetch_add(1, std::memory_order_relaxed);
        group.Done();
      });
    }
    group.Wait();
    EXPECT_EQ(finished.load(), kWorkers);
  });
  // The workers may still be between Done() and their exit; wait for that too.
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime().Stats().fibers_alive() == 0; },
                                 "every fiber has exited"));
}

TEST_P(WaitGroupTest, ZeroCountDoesNotWait) {
  WaitGroup group;
  // A deadline already past: only a count of zero lets the wait succeed.
  RunInFiber([&] { EXPECT_TRUE(group.WaitUntil(absl::Now() - absl::Seconds(1))); });
  EXPECT_TRUE(group.WaitUntil(absl::Now() - absl::Seconds(1)));  // plain thread
}

TEST_P(WaitGroupTest, ManyWaitersAllReleased) {
  constexpr int kWaiters = 20;
  WaitGroup group(1);
  std::atomic<int> released{0};
  RunInFiber([&] {
    std::vector<JoinHandle> waiters;
    for (int i = 0; i < kWaiters; ++i) {
      waiters.push_back(Spawn([&] {
        group.Wait();
        released.fetch_add(1);
      }));
    }
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kWaiters, "wait group"));
    EXPECT_EQ(released.load(), 0);  // all parked while the count is one
    group.Done();
    const ContextWithCancel bound = WithTimeout(Context::Background(), testing::kWaitBound);
    for (JoinHandle& waiter : waiters) ASSERT_TRUE(waiter.Join(bound.context).ok());
  });
  EXPECT_EQ(released.load(), kWaiters);
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime().Stats().fibers_alive() == 0; },
                                 "every fiber has exited"));
}

TEST_P(WaitGroupTest, WaitUntilTimesOut) {
  WaitGroup group(1);
  RunInFiber([&] { EXPECT_FALSE(group.WaitUntil(absl::Now() + absl::Milliseconds(2))); });
  EXPECT_FALSE(group.WaitUntil(absl::Now() + absl::Milliseconds(1)));
  group.Done();
  EXPECT_TRUE(group.WaitUntil(absl::Now() + absl::Milliseconds(1)));
}

TEST_P(WaitGroupTest, PlainThreadWaitsForFibers) {
  WaitGroup group(100);
  for (int i = 0; i < 100; ++i) runtime().Spawn([&] { group.Done(); });
  group.Wait();
  ASSERT_TRUE(testing::WaitUntil([&] { return runtime().Stats().fibers_alive() == 0; },
                                 "every fiber has exited"));
}

TEST_P(WaitGroupTest, MayBeDestroyedAsSoonAsAWaitReturns) {
  // The Done that releases a waiter must not touch the group afterwards: under ASan
  // and TSan a use after free here is an error. Waiters of every kind: one that
  // finds the count zero at once, one that queues, one that times out repeatedly.
  // Fewer rounds under TSan, which creates each fiber's state from fresh pages.
#if defined(__SANITIZE_THREAD__)
  constexpr int kRounds = 600;
#else
  constexpr int kRounds = 2000;
#endif
  for (int round = 0; round < kRounds; ++round) {
    auto group = std::make_unique<WaitGroup>(1);
    JoinHandle doer = runtime().Spawn([raw = group.get()] { raw->Done(); });
    switch (round % 3) {
      case 0:
        group->Wait();
        break;
      case 1:
        RunInFiber([&] { group->Wait(); });
        break;
      case 2:
        ASSERT_TRUE(testing::WaitUntil(
            [&] { return group->WaitUntil(absl::Now() + absl::Microseconds(1)); },
            "the count reaches zero"));
        break;
    }
    group.reset();
    ASSERT_TRUE(doer.Join().ok());
  }
}

TEST(WaitGroupDeathTest, NegativeCountCrashes) {
  WaitGroup group;
  EXPECT_DEATH(group.Done(), "WaitGroup::Add: negative count");
}

TROUPE_INSTANTIATE_OVER_PROCS(WaitGroupTest);

}  // namespace
}  // namespace troupe
