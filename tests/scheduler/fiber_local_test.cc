// FiberLocal<T> (one value per fiber, following it across threads) and ThreadBound<T>
// (a thread-local reference that refuses to be used on another thread).
#include "troupe/scheduler/fiber_local.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using FiberLocalTest = testing::RuntimeTest;

TEST_P(FiberLocalTest, EachFiberKeepsItsOwnValueAcrossParksAndThreads) {
  static FiberLocal<int> counter;
  constexpr int kFibers = 50;
  constexpr int kRounds = 100;
  std::atomic<int> wrong{0};
  RunInFiber([&] {
    Channel<int> ticks(0);
    std::vector<JoinHandle> fibers;
    for (int f = 0; f < kFibers; ++f) {
      fibers.push_back(Spawn([&] {
        for (int round = 0; round < kRounds; ++round) {
          ++*counter;
          (void)ticks.Recv();  // parks; may resume on another thread
          if (*counter != round + 1) wrong.fetch_add(1);
        }
      }));
    }
    for (int i = 0; i < kFibers * kRounds; ++i) ASSERT_TRUE(ticks.Send(i).ok());
    for (JoinHandle& fiber : fibers) ASSERT_TRUE(fiber.Join().ok());
    EXPECT_EQ(*counter, 0) << "the main fiber has a value of its own";
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(*counter, 0) << "and so does this plain thread";
}

struct Counted {
  Counted() { live.fetch_add(1); }
  ~Counted() { live.fetch_sub(1); }
  static inline std::atomic<int> live{0};
};

TEST_P(FiberLocalTest, ValuesAreDestroyedWhenTheirFiberFinishes) {
  static FiberLocal<Counted> value;
  RunInFiber([&] {
    std::vector<JoinHandle> fibers;
    for (int i = 0; i < 20; ++i) {
      fibers.push_back(Spawn([&] {
        (void)*value;
        this_fiber::Yield();
      }));
    }
    for (JoinHandle& fiber : fibers) ASSERT_TRUE(fiber.Join().ok());
    EXPECT_EQ(Counted::live.load(), 0);
    (void)*value;
    EXPECT_EQ(Counted::live.load(), 1);
  });
  EXPECT_EQ(Counted::live.load(), 0) << "the main fiber's went with it";
}

TROUPE_INSTANTIATE_OVER_PROCS(FiberLocalTest);

#ifndef NDEBUG
thread_local int per_thread = 0;

TEST(ThreadBoundDeathTest, UseOnAnotherThreadStopsTheProcessNamingTheProblem) {
  ThreadBound<int> bound(per_thread);
  *bound = 1;  // fine on the thread it was taken on
  EXPECT_EQ(per_thread, 1);
  EXPECT_DEATH(std::thread([&] { *bound = 2; }).join(), "taken on another thread");
}
#endif

}  // namespace
}  // namespace troupe
