#include "troupe/scheduler/mutex.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using MutexTest = testing::RuntimeTest;

TEST_P(MutexTest, ContendedCounterIsExact) {
  constexpr int kFibers = 64;
  constexpr int kIncrements = 2'000;
  Mutex mutex;
  int64_t counter = 0;  // guarded by mutex
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int f = 0; f < kFibers; ++f) {
      handles.push_back(Spawn([&] {
        for (int i = 0; i < kIncrements; ++i) {
          MutexLock lock(mutex);
          int64_t seen = counter;
          if (i % 64 == 0) this_fiber::Yield();  // hold the lock across a switch
          counter = seen + 1;
        }
      }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(counter, int64_t{kFibers} * kIncrements);
}

TEST_P(MutexTest, TryLockFailsWhileHeld) {
  Mutex mutex;
  RunInFiber([&] {
    ASSERT_TRUE(mutex.TryLock());
    bool other_got_it = true;
    JoinHandle other = Spawn([&] { other_got_it = mutex.TryLock(); });
    ASSERT_TRUE(other.Join().ok());
    EXPECT_FALSE(other_got_it);
    mutex.Unlock();
    EXPECT_TRUE(mutex.TryLock());
    mutex.Unlock();
  });
}

TEST_P(MutexTest, LockUntilTimesOutWhileHeld) {
  Mutex mutex;
  RunInFiber([&] {
    mutex.Lock();
    bool acquired = true;
    JoinHandle waiter = Spawn([&] {
      acquired = mutex.LockUntil(absl::Now() + absl::Milliseconds(2));
    });
    ASSERT_TRUE(waiter.Join().ok());
    EXPECT_FALSE(acquired);
    mutex.Unlock();
    // The mutex still works after a timed-out waiter left the queue.
    EXPECT_TRUE(mutex.LockUntil(absl::Now() + absl::Seconds(60)));
    mutex.Unlock();
  });
}

TEST_P(MutexTest, FibersAndPlainThreadsShareAMutex) {
  Mutex mutex;
  int64_t counter = 0;
  JoinHandle fiber = runtime().Spawn([&] {
    for (int i = 0; i < 20'000; ++i) {
      MutexLock lock(mutex);
      ++counter;
    }
  });
  std::thread thread([&] {
    for (int i = 0; i < 20'000; ++i) {
      MutexLock lock(mutex);
      ++counter;
    }
  });
  thread.join();
  ASSERT_TRUE(fiber.Join().ok());
  EXPECT_EQ(counter, 40'000);
}

TROUPE_INSTANTIATE_OVER_PROCS(MutexTest);

}  // namespace
}  // namespace troupe
