#include "troupe/scheduler/context.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/condition_variable.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using ContextTest = testing::RuntimeTest;

constexpr ContextKey<std::string> kRequestId("request_id");
constexpr ContextKey<int> kAttempt("attempt");

TEST(ContextBasicsTest, BackgroundIsNeverDone) {
  Context background = Context::Background();
  EXPECT_TRUE(background.Err().ok());
  EXPECT_FALSE(background.deadline().has_value());
  EXPECT_EQ(background.Wait().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ContextBasicsTest, CancelSetsTheCauseOnceAndReachesDescendants) {
  auto [parent, cancel_parent] = WithCancel(Context::Background());
  auto [child, cancel_child] = WithCancel(parent);
  Context grandchild = WithValue(child, kAttempt, 3);
  EXPECT_TRUE(grandchild.Err().ok());
  cancel_parent.Cancel(absl::CancelledError("shutting down"));
  cancel_parent.Cancel(absl::CancelledError("second cause is ignored"));
  for (const Context& context : {parent, child, grandchild}) {
    EXPECT_EQ(context.Err().code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(context.Err().message(), "shutting down");
  }
  // A context derived from a cancelled one is born cancelled.
  auto [late, cancel_late] = WithCancel(child);
  EXPECT_EQ(late.Err().message(), "shutting down");
}

TEST(ContextBasicsTest, CancellingAChildLeavesTheParentAlone) {
  auto [parent, cancel_parent] = WithCancel(Context::Background());
  auto [child, cancel_child] = WithCancel(parent);
  cancel_child.Cancel();
  EXPECT_EQ(child.Err().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(parent.Err().ok());
}

TEST(ContextBasicsTest, DeadlineIsTheEarliestOfTheChain) {
  const absl::Time soon = absl::Now() + absl::Hours(1);
  auto [parent, cancel_parent] = WithDeadline(Context::Background(), soon);
  auto [child, cancel_child] = WithTimeout(parent, absl::Hours(5));
  ASSERT_TRUE(child.deadline().has_value());
  EXPECT_EQ(*child.deadline(), soon);
  auto [expired, cancel_expired] = WithTimeout(Context::Background(), -absl::Seconds(1));
  EXPECT_EQ(expired.Err().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(ContextBasicsTest, ValuesAreFoundThroughAncestors) {
  Context with_id = WithValue(Context::Background(), kRequestId, std::string("req-42"));
  auto [cancelable, cancel] = WithCancel(with_id);
  Context with_attempt = WithValue(cancelable, kAttempt, 2);
  ASSERT_NE(with_attempt.Value(kRequestId), nullptr);
  EXPECT_EQ(*with_attempt.Value(kRequestId), "req-42");
  EXPECT_EQ(*with_attempt.Value(kAttempt), 2);
  EXPECT_EQ(with_id.Value(kAttempt), nullptr);
  Context shadowed = WithValue(with_attempt, kAttempt, 5);
  EXPECT_EQ(*shadowed.Value(kAttempt), 5);
}

TEST_P(ContextTest, WaitReturnsWhenTheDeadlinePasses) {
  RunInFiber([] {
    auto [context, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(2));
    EXPECT_EQ(context.Wait().code(), absl::StatusCode::kDeadlineExceeded);
  });
}

TEST_P(ContextTest, CancellingTheRootWakesEveryWaiterInADeepTree) {
  constexpr int kDepth = 30;
  constexpr int kWaitersPerLevel = 10;
  auto [root, cancel_root] = WithCancel(Context::Background());
  std::vector<Context> chain{root};
  std::vector<CancelHandle> handles;
  for (int i = 1; i < kDepth; ++i) {
    auto [child, cancel_child] = WithCancel(chain.back());
    chain.push_back(child);
    handles.push_back(cancel_child);
  }
  std::atomic<int> cancelled{0};
  WaitGroup waiting;
  RunInFiber([&] {
    std::vector<JoinHandle> fibers;
    waiting.Add(kDepth * kWaitersPerLevel);
    for (const Context& context : chain) {
      for (int w = 0; w < kWaitersPerLevel; ++w) {
        fibers.push_back(Spawn([&, context] {
          waiting.Done();
          if (context.Wait().code() == absl::StatusCode::kCancelled) cancelled.fetch_add(1);
        }));
      }
    }
    waiting.Wait();
    cancel_root.Cancel();
    for (auto& fiber : fibers) ASSERT_TRUE(fiber.Join().ok());
  });
  EXPECT_EQ(cancelled.load(), kDepth * kWaitersPerLevel);
}

TEST_P(ContextTest, MutexLockGivesUpWhenCancelled) {
  Mutex mutex;
  RunInFiber([&] {
    mutex.Lock();
    auto [context, cancel] = WithCancel(Context::Background());
    absl::Status locked;
    JoinHandle waiter = Spawn([&, context = context] { locked = mutex.Lock(context); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), waiter.id(), "mutex"));
    cancel.Cancel();
    ASSERT_TRUE(waiter.Join().ok());
    EXPECT_EQ(locked.code(), absl::StatusCode::kCancelled);
    mutex.Unlock();
    EXPECT_TRUE(mutex.Lock(Context::Background()).ok());  // still usable
    mutex.Unlock();
  });
}

TEST_P(ContextTest, SemaphoreAcquireTimesOutWithoutTakingAPermit) {
  Semaphore semaphore(0);
  RunInFiber([&] {
    auto [context, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(2));
    EXPECT_EQ(semaphore.Acquire(context).code(), absl::StatusCode::kDeadlineExceeded);
    semaphore.Release();
    EXPECT_EQ(semaphore.available(), 1);
    EXPECT_TRUE(semaphore.Acquire(Context::Background()).ok());
  });
}

TEST_P(ContextTest, AlreadyDoneContextFailsAtOnce) {
  Semaphore semaphore(1);
  Mutex mutex;
  WaitGroup group(1);
  RunInFiber([&] {
    auto [context, cancel] = WithCancel(Context::Background());
    cancel.Cancel();
    EXPECT_EQ(semaphore.Acquire(context).code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(semaphore.available(), 1);
    EXPECT_EQ(mutex.Lock(context).code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(group.Wait(context).code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(this_fiber::SleepFor(absl::Hours(1), context).code(),
              absl::StatusCode::kCancelled);
  });
  group.Done();
}

TEST_P(ContextTest, SleepEndsEarlyOnCancelAndCompletesOtherwise) {
  RunInFiber([&] {
    EXPECT_TRUE(this_fiber::SleepFor(absl::Milliseconds(1), Context::Background()).ok());
    auto [context, cancel] = WithCancel(Context::Background());
    absl::Status slept;
    JoinHandle sleeper = Spawn([&, context = context] {
      slept = this_fiber::SleepFor(absl::Hours(1), context);
    });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), sleeper.id(), "sleep"));
    cancel.Cancel();
    ASSERT_TRUE(sleeper.Join().ok());
    EXPECT_EQ(slept.code(), absl::StatusCode::kCancelled);
  });
}

TEST_P(ContextTest, WaitGroupAndConditionVariableHonourContexts) {
  WaitGroup group(1);
  Mutex mutex;
  ConditionVariable never_notified;
  RunInFiber([&] {
    auto [context, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(2));
    EXPECT_EQ(group.Wait(context).code(), absl::StatusCode::kDeadlineExceeded);
    MutexLock lock(mutex);
    EXPECT_EQ(never_notified.Wait(mutex, context).code(),
              absl::StatusCode::kDeadlineExceeded);
    EXPECT_FALSE(mutex.TryLock());  // re-acquired
  });
  group.Done();
}

TEST_P(ContextTest, JoinWithContextLeavesTheFiberJoinable) {
  Semaphore release(0);
  RunInFiber([&] {
    JoinHandle worker = Spawn([&] { release.Acquire(); });
    auto [context, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(2));
    EXPECT_EQ(worker.Join(context).code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_TRUE(worker.joinable());
    release.Release();
    EXPECT_TRUE(worker.Join(Context::Background()).ok());
    EXPECT_FALSE(worker.joinable());
  });
}

TEST_P(ContextTest, PlainThreadsWaitOnContextsToo) {
  auto [context, cancel] = WithCancel(Context::Background());
  JoinHandle canceller = runtime().Spawn([cancel = cancel] { cancel.Cancel(); });
  EXPECT_EQ(context.Wait().code(), absl::StatusCode::kCancelled);
  ASSERT_TRUE(canceller.Join().ok());
}

TROUPE_INSTANTIATE_OVER_PROCS(ContextTest);

}  // namespace
}  // namespace troupe
