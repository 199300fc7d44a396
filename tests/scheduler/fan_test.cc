#include "troupe/scheduler/fan.h"

#include <atomic>
#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using FanTest = testing::RuntimeTest;

TEST_P(FanTest, MergeForwardsEverythingAndClosesTheOutput) {
  constexpr int kInputs = 5;
  constexpr int kPerInput = 400;
  std::vector<std::unique_ptr<Channel<int>>> inputs;
  std::vector<Channel<int>*> pointers;
  for (int i = 0; i < kInputs; ++i) {
    inputs.push_back(std::make_unique<Channel<int>>(i));  // capacities 0..4
    pointers.push_back(inputs.back().get());
  }
  Channel<int> output(8);
  std::multiset<int> received;
  RunInFiber([&] {
    JoinHandle merged = Merge<int>(pointers, output);
    std::vector<JoinHandle> producers;
    for (int i = 0; i < kInputs; ++i) {
      producers.push_back(Spawn([&, i] {
        for (int v = 0; v < kPerInput; ++v) ASSERT_TRUE(inputs[i]->Send(i * kPerInput + v).ok());
        ASSERT_TRUE(inputs[i]->Close().ok());
      }));
    }
    while (std::optional<int> value = output.Recv()) received.insert(*value);
    for (auto& producer : producers) ASSERT_TRUE(producer.Join().ok());
    ASSERT_TRUE(merged.Join().ok());
  });
  ASSERT_EQ(received.size(), static_cast<size_t>(kInputs * kPerInput));
  int expected = 0;
  for (int value : received) EXPECT_EQ(value, expected++);
  EXPECT_TRUE(output.closed());
}

TEST_P(FanTest, MergeReportsValuesItCouldNotForward) {
  Channel<int> input(4);
  Channel<int> output(0);
  RunInFiber([&] {
    ASSERT_TRUE(output.Close().ok());  // someone else closed it
    JoinHandle merged = Merge<int>({&input}, output);
    ASSERT_TRUE(input.Send(1).ok());
    ASSERT_TRUE(input.Close().ok());
    absl::Status status = merged.Join();
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
    EXPECT_NE(status.message().find("could not be forwarded"), std::string::npos) << status;
  });
}

TEST_P(FanTest, FanOutProcessesEachValueOnceAcrossWorkers) {
  constexpr int kValues = 3000;
  Channel<int> jobs(16);
  std::vector<std::atomic<int>> done(kValues);
  RunInFiber([&] {
    JoinHandle workers = FanOut(jobs, 6, [&](int job) { done[job].fetch_add(1); });
    for (int i = 0; i < kValues; ++i) ASSERT_TRUE(jobs.Send(int{i}).ok());
    ASSERT_TRUE(jobs.Close().ok());
    ASSERT_TRUE(workers.Join().ok());
  });
  for (int i = 0; i < kValues; ++i) ASSERT_EQ(done[i].load(), 1) << i;
}

TEST_P(FanTest, FanOutReportsAFailingWorker) {
  Channel<int> jobs(1);
  RunInFiber([&] {
    JoinHandle workers = FanOut(jobs, 2, [](int job) {
      if (job == 3) throw std::runtime_error("job 3 failed");
    });
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(jobs.Send(int{i}).ok());
    ASSERT_TRUE(jobs.Close().ok());
    absl::Status status = workers.Join();
    EXPECT_NE(status.message().find("job 3 failed"), std::string::npos) << status;
  });
}

TROUPE_INSTANTIATE_OVER_PROCS(FanTest);

}  // namespace
}  // namespace troupe
