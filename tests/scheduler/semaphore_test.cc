#include "troupe/scheduler/semaphore.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using SemaphoreTest = testing::RuntimeTest;

TEST_P(SemaphoreTest, BoundsConcurrency) {
  constexpr int kPermits = 3;
  Semaphore semaphore(kPermits);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < 100; ++i) {
      handles.push_back(Spawn([&] {
        for (int k = 0; k < 20; ++k) {
          semaphore.Acquire();
          const int now = inside.fetch_add(1) + 1;
          int seen = most_inside.load();
          while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
          }
          this_fiber::Yield();
          inside.fetch_sub(1);
          semaphore.Release();
        }
      }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_LE(most_inside.load(), kPermits);
  EXPECT_GE(most_inside.load(), 1);
  EXPECT_EQ(semaphore.available(), kPermits);
}

TEST_P(SemaphoreTest, TryAcquireNeverBlocks) {
  Semaphore semaphore(1);
  RunInFiber([&] {
    EXPECT_TRUE(semaphore.TryAcquire());
    EXPECT_FALSE(semaphore.TryAcquire());
    semaphore.Release();
    EXPECT_TRUE(semaphore.TryAcquire());
  });
  EXPECT_EQ(semaphore.available(), 0);
}

TEST_P(SemaphoreTest, TimedOutWaiterDoesNotSwallowARelease) {
  Semaphore semaphore(0);
  RunInFiber([&] {
    EXPECT_FALSE(semaphore.AcquireUntil(absl::Now() + absl::Milliseconds(2)));
    std::atomic<bool> got{false};
    JoinHandle waiter = Spawn([&] { got = semaphore.AcquireUntil(absl::InfiniteFuture()); });
    semaphore.Release();
    ASSERT_TRUE(waiter.Join().ok());
    EXPECT_TRUE(got.load());
    EXPECT_EQ(semaphore.available(), 0);
  });
}

TEST_P(SemaphoreTest, PingPongBetweenFiberAndThread) {
  Semaphore ping(0);
  Semaphore pong(0);
  constexpr int kRounds = 2'000;
  JoinHandle fiber = runtime().Spawn([&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.Acquire();
      pong.Release();
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    ping.Release();
    pong.Acquire();
  }
  ASSERT_TRUE(fiber.Join().ok());
}

TROUPE_INSTANTIATE_OVER_PROCS(SemaphoreTest);

}  // namespace
}  // namespace troupe
