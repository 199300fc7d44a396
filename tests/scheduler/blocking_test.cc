#include "troupe/scheduler/blocking.h"

#include <chrono>
#include <future>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe {
namespace {

TEST(BlockingTest, ProcessorIsHandedOffWhileACallBlocks) {
  // One processor. Fiber A queues fiber B on its own processor, then blocks its
  // thread until B runs; B can run only if the monitor hands A's processor to
  // another thread.
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  std::promise<void> b_ran;
  std::future<void> b_ran_future = b_ran.get_future();
  std::future_status waited = std::future_status::timeout;
  ASSERT_TRUE((*runtime)->Run([&] {
    JoinHandle a = Spawn([&] {
      JoinHandle b = Spawn([&] { b_ran.set_value(); });
      waited = Blocking([&] { return b_ran_future.wait_for(std::chrono::seconds(120)); });
      ASSERT_TRUE(b.Join().ok());
    });
    ASSERT_TRUE(a.Join().ok());
  }).ok());
  EXPECT_EQ(waited, std::future_status::ready);
  const RuntimeStats stats = (*runtime)->Stats();
  EXPECT_GE(stats.processor_handoffs, 1u) << stats.ToString();
  EXPECT_GE(stats.blocking_calls, 1u) << stats.ToString();
}

TEST(BlockingTest, ReturnsTheCallsValueAndKeepsRunningAfterwards) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  int total = 0;
  ASSERT_TRUE((*runtime)->Run([&] {
    for (int i = 0; i < 1000; ++i) {
      total += Blocking([i] { return i % 7; });
      if (i % 10 == 0) this_fiber::Yield();
    }
  }).ok());
  int expected = 0;
  for (int i = 0; i < 1000; ++i) expected += i % 7;
  EXPECT_EQ(total, expected);
}

TEST(BlockingTest, ManyFibersInBlockingCallsAllFinish) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> finished{0};
  ASSERT_TRUE((*runtime)->Run([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < 8; ++i) {
      handles.push_back(Spawn([&] {
        Blocking([&] { released.wait(); });
        finished.fetch_add(1);
      }));
    }
    // The releasing fiber still gets a processor while eight threads block.
    handles.push_back(Spawn([&] { release.set_value(); }));
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  }).ok());
  EXPECT_EQ(finished.load(), 8);
}

TEST(BlockingTest, PlainThreadJustCalls) {
  EXPECT_EQ(Blocking([] { return 42; }), 42);
}

}  // namespace
}  // namespace troupe
