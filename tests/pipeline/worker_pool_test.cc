#include "troupe/pipeline/worker_pool.h"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using WorkerPoolTest = testing::RuntimeTest;

TEST_P(WorkerPoolTest, RunsEveryTaskAndReturnsResults) {
  RunInFiber([&] {
    auto pool = WorkerPool::Create(runtime(), {.workers = 4, .queue_capacity = 8});
    ASSERT_TRUE(pool.ok());
    std::vector<Future<int>> futures;
    for (int i = 0; i < 500; ++i) {
      absl::StatusOr<Future<int>> future = (*pool)->Submit([i] { return i * 2; });
      ASSERT_TRUE(future.ok());
      futures.push_back(*std::move(future));
    }
    for (int i = 0; i < 500; ++i) {
      absl::StatusOr<int> value = futures[i].Get();
      ASSERT_TRUE(value.ok());
      EXPECT_EQ(*value, i * 2);
    }
    (*pool)->Close();
    EXPECT_TRUE((*pool)->Wait().ok());
    EXPECT_EQ((*pool)->completed(), 500u);
  });
}

TEST_P(WorkerPoolTest, TaskErrorsAndExceptionsReachTheirFutures) {
  RunInFiber([&] {
    auto pool = WorkerPool::Create(runtime(), {.workers = 2});
    ASSERT_TRUE(pool.ok());
    auto failing = (*pool)->Submit([]() -> absl::StatusOr<int> {
      return absl::NotFoundError("no such record");
    });
    auto throwing = (*pool)->Submit([]() -> int { throw std::runtime_error("bad"); });
    auto status_only = (*pool)->Submit([] { return absl::OkStatus(); });
    ASSERT_TRUE(failing.ok() && throwing.ok() && status_only.ok());
    EXPECT_EQ(failing->Get().status().code(), absl::StatusCode::kNotFound);
    absl::Status thrown = throwing->Get().status();
    EXPECT_EQ(thrown.code(), absl::StatusCode::kInternal);
    EXPECT_NE(thrown.message().find("bad"), std::string::npos);
    EXPECT_TRUE(status_only->Get().ok());
  });
}

TEST_P(WorkerPoolTest, FullQueueWaitsOrFailsAsAsked) {
  RunInFiber([&] {
    auto pool = WorkerPool::Create(runtime(), {.workers = 1, .queue_capacity = 1});
    ASSERT_TRUE(pool.ok());
    Semaphore gate(0);
    Semaphore running(0);
    auto blocker = (*pool)->Submit([&] {
      running.Release();
      gate.Acquire();
    });
    ASSERT_TRUE(blocker.ok());
    running.Acquire();  // the only worker is busy
    auto queued = (*pool)->Submit([] {});
    ASSERT_TRUE(queued.ok());  // fills the queue
    auto rejected = (*pool)->Submit([] {}, Context(), SubmitMode::kFailIfFull);
    EXPECT_EQ(rejected.status().code(), absl::StatusCode::kResourceExhausted);
    auto [context, cancel] = WithTimeout(Context(), absl::Milliseconds(2));
    auto timed_out = (*pool)->Submit([] {}, context, SubmitMode::kWait);
    EXPECT_EQ(timed_out.status().code(), absl::StatusCode::kDeadlineExceeded);
    gate.Release();
    EXPECT_TRUE(blocker->Get().ok());
    EXPECT_TRUE(queued->Get().ok());
  });
}

TEST_P(WorkerPoolTest, SubmittingToAClosedPoolFails) {
  RunInFiber([&] {
    auto pool = WorkerPool::Create(runtime(), {.workers = 2});
    ASSERT_TRUE(pool.ok());
    (*pool)->Close();
    auto late = (*pool)->Submit([] { return 1; });
    EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE((*pool)->Wait().ok());
  });
}

TEST(WorkerPoolOptionsTest, RejectsInvalidOptions) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  auto no_workers = WorkerPool::Create(**runtime, {.workers = 0});
  EXPECT_EQ(no_workers.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_workers.status().message().find("workers must be >= 1"), std::string::npos);
  auto no_queue = WorkerPool::Create(**runtime, {.workers = 1, .queue_capacity = 0});
  EXPECT_EQ(no_queue.status().code(), absl::StatusCode::kInvalidArgument);
}

TROUPE_INSTANTIATE_OVER_PROCS(WorkerPoolTest);

}  // namespace
}  // namespace troupe
