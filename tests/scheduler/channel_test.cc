#include "troupe/scheduler/channel.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using ChannelTest = testing::RuntimeTest;

TEST_P(ChannelTest, UnbufferedChannelDeliversInOrder) {
  Channel<int> channel(0);
  std::vector<int> received;
  RunInFiber([&] {
    JoinHandle consumer = Spawn([&] {
      while (std::optional<int> value = channel.Recv()) received.push_back(*value);
    });
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(channel.Send(int{i}).ok());
    ASSERT_TRUE(channel.Close().ok());
    ASSERT_TRUE(consumer.Join().ok());
  });
  ASSERT_EQ(received.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(received[i], i);
}

TEST_P(ChannelTest, TryOperationsReportFullEmptyAndClosed) {
  Channel<int> channel(2);
  EXPECT_EQ(channel.TrySend(1), ChannelStatus::kOk);
  EXPECT_EQ(channel.TrySend(2), ChannelStatus::kOk);
  int third = 3;
  EXPECT_EQ(channel.TrySend(std::move(third)), ChannelStatus::kFull);
  EXPECT_EQ(third, 3);
  EXPECT_EQ(channel.size(), 2u);
  int out = 0;
  EXPECT_EQ(channel.TryRecv(&out), ChannelStatus::kOk);
  EXPECT_EQ(out, 1);
  ASSERT_TRUE(channel.Close().ok());
  EXPECT_EQ(channel.TrySend(4), ChannelStatus::kClosed);
  EXPECT_EQ(channel.TryRecv(&out), ChannelStatus::kOk);  // drains after close
  EXPECT_EQ(out, 2);
  EXPECT_EQ(channel.TryRecv(&out), ChannelStatus::kClosed);
  Channel<int> unbuffered(0);
  EXPECT_EQ(unbuffered.TrySend(1), ChannelStatus::kFull);  // nobody receiving
  EXPECT_EQ(unbuffered.TryRecv(&out), ChannelStatus::kEmpty);
}

TEST_P(ChannelTest, SendOnClosedChannelFailsAndKeepsTheValue) {
  Channel<std::string> channel(1);
  ASSERT_TRUE(channel.Close().ok());
  std::string value = "keep me";
  absl::Status status = channel.Send(std::move(value));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "send on closed channel");
  EXPECT_EQ(value, "keep me");
  EXPECT_EQ(channel.Close().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(ChannelTest, CloseWakesParkedSendersAndReceivers) {
  Channel<std::string> full(1);
  Channel<int> empty(0);
  RunInFiber([&] {
    ASSERT_TRUE(full.Send(std::string("buffered")).ok());
    std::string parked_value = "parked";
    absl::Status send_status;
    std::optional<int> received = 7;
    JoinHandle sender = Spawn([&] { send_status = full.Send(std::move(parked_value)); });
    JoinHandle receiver = Spawn([&] { received = empty.Recv(); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), sender.id(), "channel send"));
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), receiver.id(), "channel receive"));
    ASSERT_TRUE(full.Close().ok());
    ASSERT_TRUE(empty.Close().ok());
    ASSERT_TRUE(sender.Join().ok());
    ASSERT_TRUE(receiver.Join().ok());
    // Both were parked: Close failed the sender and ended the receiver.
    EXPECT_EQ(send_status.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(parked_value, "parked");
    EXPECT_FALSE(received.has_value());
    // The value sent before Close is still delivered.
    std::optional<std::string> drained = full.Recv();
    ASSERT_TRUE(drained.has_value());
    EXPECT_EQ(*drained, "buffered");
    EXPECT_FALSE(full.Recv().has_value());
  });
}

TEST_P(ChannelTest, MoveOnlyElements) {
  Channel<std::unique_ptr<int>> channel(4);
  RunInFiber([&] {
    JoinHandle producer = Spawn([&] {
      for (int i = 0; i < 100; ++i) ASSERT_TRUE(channel.Send(std::make_unique<int>(i)).ok());
      ASSERT_TRUE(channel.Close().ok());
    });
    int expected = 0;
    while (std::optional<std::unique_ptr<int>> value = channel.Recv()) {
      EXPECT_EQ(**value, expected++);
    }
    EXPECT_EQ(expected, 100);
    ASSERT_TRUE(producer.Join().ok());
  });
}

TEST_P(ChannelTest, BufferedValuesAreDestroyedWithTheChannel) {
  auto tracker = std::make_shared<int>(0);
  {
    Channel<std::shared_ptr<int>> channel(3);
    EXPECT_EQ(channel.TrySend(std::shared_ptr<int>(tracker)), ChannelStatus::kOk);
    EXPECT_EQ(channel.TrySend(std::shared_ptr<int>(tracker)), ChannelStatus::kOk);
    EXPECT_EQ(tracker.use_count(), 3);
  }
  EXPECT_EQ(tracker.use_count(), 1);
}

TEST_P(ChannelTest, BackpressureBoundsValuesInFlight) {
  // A fast producer and a slow consumer: values sent but not yet received never
  // exceed the capacity plus the one the consumer is holding.
  constexpr std::size_t kCapacity = 8;
  constexpr int kItems = 5000;
  Channel<int> channel(kCapacity);
  std::atomic<int> sent{0};
  std::atomic<int> received{0};
  std::atomic<int> worst{0};
  RunInFiber([&] {
    JoinHandle producer = Spawn([&] {
      for (int i = 0; i < kItems; ++i) {
        ASSERT_TRUE(channel.Send(int{i}).ok());
        const int in_flight = sent.fetch_add(1) + 1 - received.load();
        int seen = worst.load();
        while (in_flight > seen && !worst.compare_exchange_weak(seen, in_flight)) {
        }
      }
      ASSERT_TRUE(channel.Close().ok());
    });
    while (std::optional<int> value = channel.Recv()) {
      if (*value % 16 == 0) this_fiber::Yield();  // be slow
      received.fetch_add(1);
    }
    ASSERT_TRUE(producer.Join().ok());
  });
  EXPECT_EQ(received.load(), kItems);
  EXPECT_LE(worst.load(), static_cast<int>(kCapacity) + 1);
}

TEST_P(ChannelTest, ManyProducersAndConsumersDeliverEachValueOnce) {
  constexpr int kProducers = 8;
  constexpr int kConsumers = 8;
  constexpr int kPerProducer = 2000;
  Channel<int> channel(16);
  std::vector<std::atomic<int>> seen(kProducers * kPerProducer);
  RunInFiber([&] {
    std::vector<JoinHandle> producers;
    std::vector<JoinHandle> consumers;
    for (int c = 0; c < kConsumers; ++c) {
      consumers.push_back(Spawn([&] {
        while (std::optional<int> value = channel.Recv()) seen[*value].fetch_add(1);
      }));
    }
    for (int p = 0; p < kProducers; ++p) {
      producers.push_back(Spawn([&, p] {
        for (int i = 0; i < kPerProducer; ++i) {
          ASSERT_TRUE(channel.Send(p * kPerProducer + i).ok());
        }
      }));
    }
    for (auto& producer : producers) ASSERT_TRUE(producer.Join().ok());
    ASSERT_TRUE(channel.Close().ok());
    for (auto& consumer : consumers) ASSERT_TRUE(consumer.Join().ok());
  });
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "value " << i;
}

TEST_P(ChannelTest, ContextVariantsGiveUpAndLoseNothing) {
  Channel<std::string> full(1);
  Channel<int> empty(0);
  RunInFiber([&] {
    ASSERT_TRUE(full.Send(std::string("first")).ok());
    auto [context, cancel] = WithTimeout(Context::Background(), absl::Milliseconds(2));
    std::string second = "second";
    EXPECT_EQ(full.Send(std::move(second), context).code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_EQ(second, "second");
    absl::StatusOr<int> got = empty.Recv(context);
    EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded);
    ASSERT_TRUE(empty.Close().ok());
    EXPECT_EQ(empty.Recv(Context::Background()).status().code(), absl::StatusCode::kOutOfRange);
    absl::StatusOr<std::string> first = full.Recv(Context::Background());
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(*first, "first");
  });
}

TEST_P(ChannelTest, PlainThreadsAndFibersShareChannels) {
  Channel<int> to_fiber(0);
  Channel<int> to_thread(4);
  JoinHandle echo = runtime().Spawn([&] {
    while (std::optional<int> value = to_fiber.Recv()) {
      ASSERT_TRUE(to_thread.Send(*value * 2).ok());
    }
    ASSERT_TRUE(to_thread.Close().ok());
  });
  std::thread thread([&] {
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(to_fiber.Send(int{i}).ok());
    ASSERT_TRUE(to_fiber.Close().ok());
  });
  int64_t sum = 0;
  while (std::optional<int> value = to_thread.Recv()) sum += *value;
  thread.join();
  ASSERT_TRUE(echo.Join().ok());
  EXPECT_EQ(sum, 2 * (499 * 500 / 2));
}

TROUPE_INSTANTIATE_OVER_PROCS(ChannelTest);

}  // namespace
}  // namespace troupe
