#include "troupe/scheduler/condition_variable.h"

#include <deque>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using ConditionVariableTest = testing::RuntimeTest;

TEST_P(ConditionVariableTest, ProducerConsumerDeliversEverything) {
  constexpr int kItems = 20'000;
  constexpr std::size_t kCapacity = 8;
  Mutex mutex;
  ConditionVariable not_empty;
  ConditionVariable not_full;
  std::deque<int> queue;
  int64_t sum = 0;
  RunInFiber([&] {
    JoinHandle producer = Spawn([&] {
      for (int i = 1; i <= kItems; ++i) {
        MutexLock lock(mutex);
        while (queue.size() == kCapacity) not_full.Wait(mutex);
        queue.push_back(i);
        not_empty.NotifyOne();
      }
    });
    JoinHandle consumer = Spawn([&] {
      for (int i = 0; i < kItems; ++i) {
        MutexLock lock(mutex);
        while (queue.empty()) not_empty.Wait(mutex);
        sum += queue.front();
        queue.pop_front();
        not_full.NotifyOne();
      }
    });
    ASSERT_TRUE(producer.Join().ok());
    ASSERT_TRUE(consumer.Join().ok());
  });
  EXPECT_EQ(sum, int64_t{kItems} * (kItems + 1) / 2);
}

TEST_P(ConditionVariableTest, NotifyAllWakesEveryWaiter) {
  constexpr int kWaiters = 50;
  Mutex mutex;
  ConditionVariable cv;
  bool go = false;
  int waiting = 0;
  int released = 0;
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < kWaiters; ++i) {
      handles.push_back(Spawn([&] {
        MutexLock lock(mutex);
        ++waiting;
        while (!go) cv.Wait(mutex);
        ++released;
      }));
    }
    // Every waiter parked on the condition variable (the fiber dump shows it).
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kWaiters, "condition variable"));
    {
      MutexLock lock(mutex);
      EXPECT_EQ(waiting, kWaiters);
      EXPECT_EQ(released, 0);
      go = true;
    }
    cv.NotifyAll();
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(released, kWaiters);
}

TEST_P(ConditionVariableTest, WaitUntilTimesOutAndReacquires) {
  Mutex mutex;
  ConditionVariable cv;
  RunInFiber([&] {
    MutexLock lock(mutex);
    EXPECT_FALSE(cv.WaitUntil(mutex, absl::Now() + absl::Milliseconds(2)));
    EXPECT_FALSE(mutex.TryLock());  // still held by us
  });
}

TEST_P(ConditionVariableTest, PlainThreadWaitsForFiber) {
  Mutex mutex;
  ConditionVariable cv;
  bool ready = false;
  JoinHandle fiber = runtime().Spawn([&] {
    MutexLock lock(mutex);
    ready = true;
    cv.NotifyAll();
  });
  {
    MutexLock lock(mutex);
    const absl::Time give_up = absl::Now() + testing::kWaitBound;
    while (!ready && absl::Now() < give_up) cv.WaitUntil(mutex, give_up);
    EXPECT_TRUE(ready) << "the fiber's NotifyAll never woke the plain thread";
  }
  ASSERT_TRUE(fiber.Join().ok());
}

TROUPE_INSTANTIATE_OVER_PROCS(ConditionVariableTest);

}  // namespace
}  // namespace troupe
