// DynamicSelect: fan-in over a set of channels built at run time, switching cases off
// as their channels close; fair choice; send cases; default and timeout; many cases.
#include "troupe/scheduler/dynamic_select.h"

#include <map>
#include <optional>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using DynamicSelectTest = testing::RuntimeTest;

TEST_P(DynamicSelectTest, FansInFromManyChannelsUntilAllAreClosed) {
  constexpr int kProducers = 100;  // more than a static Select takes
  constexpr int kPerProducer = 20;
  std::vector<Channel<int>> inputs;
  for (int i = 0; i < kProducers; ++i) inputs.emplace_back(2);
  std::map<int, int> received;  // producer -> values, each in order
  RunInFiber([&] {
    std::vector<JoinHandle> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.push_back(Spawn([channel = inputs[p], p] {
        for (int i = 0; i < kPerProducer; ++i) ASSERT_TRUE(channel.Send(p * 1000 + i).ok());
        ASSERT_TRUE(channel.Close().ok());
      }));
    }
    DynamicSelect select;
    int open = kProducers;
    for (int p = 0; p < kProducers; ++p) {
      const int index = select.AddRecv(inputs[p], [&, p](std::optional<int> value) {
        if (!value.has_value()) {
          select.Disable(p);  // closed and drained: switch the case off
          --open;
          return;
        }
        EXPECT_EQ(*value / 1000, p);
        EXPECT_EQ(*value % 1000, received[p]++) << "in order per producer";
      });
      EXPECT_EQ(index, p);
    }
    while (open > 0) ASSERT_GE(select.Run(), 0);
    for (JoinHandle& producer : producers) ASSERT_TRUE(producer.Join().ok());
  });
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kProducers));
  for (const auto& [producer, count] : received) EXPECT_EQ(count, kPerProducer) << producer;
}

TEST_P(DynamicSelectTest, ChoosesAmongReadyCasesSoNoneStarves) {
  constexpr int kCases = 16;
  constexpr int kRuns = 1600;
  std::vector<Channel<int>> always_ready;
  for (int i = 0; i < kCases; ++i) always_ready.emplace_back(kRuns);
  for (const Channel<int>& channel : always_ready) {
    for (int i = 0; i < kRuns; ++i) ASSERT_EQ(channel.TrySend(int{i}), ChannelStatus::kOk);
  }
  std::vector<int> wins(kCases, 0);
  DynamicSelect select;
  for (const Channel<int>& channel : always_ready) {
    select.AddRecv(channel, [](std::optional<int>) {});
  }
  for (int run = 0; run < kRuns; ++run) ++wins[select.Run()];
  // Uniform choice gives each case 100 wins on average; a case that starved (the
  // first ready one always winning, say) would have none. Far from the mean both ways
  // has a probability below 1e-9.
  for (int i = 0; i < kCases; ++i) {
    EXPECT_GT(wins[i], 40) << "case " << i;
    EXPECT_LT(wins[i], 180) << "case " << i;
  }
}

TEST_P(DynamicSelectTest, SendCaseSendsItsValueThenWaitsForANewOne) {
  Channel<int> out(4);
  DynamicSelect select;
  int sent = 0;
  const int send = select.AddSend(out, 41, [&](absl::Status status) {
    EXPECT_TRUE(status.ok()) << status;
    ++sent;
  });
  const int fallback = select.AddDefault([] {});
  EXPECT_EQ(select.Run(), send);
  EXPECT_FALSE(select.enabled(send)) << "the value is gone until a new one is set";
  EXPECT_EQ(select.Run(), fallback);
  select.SetSendValue(send, 42);
  EXPECT_EQ(select.Run(), send);
  EXPECT_EQ(sent, 2);
  EXPECT_EQ(out.Recv(), std::optional<int>(41));
  EXPECT_EQ(out.Recv(), std::optional<int>(42));

  ASSERT_TRUE(out.Close().ok());
  absl::Status closed;
  DynamicSelect on_closed;
  on_closed.AddSend(out, 44, [&](absl::Status status) { closed = status; });
  EXPECT_EQ(on_closed.Run(), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(closed)) << closed;
}

TEST_P(DynamicSelectTest, TimeoutFiresWhenNothingElseDoesAndNeverEarly) {
  RunInFiber([&] {
    Channel<int> silent(0);
    Channel<int> nil;
    DynamicSelect select;
    select.AddRecv(silent, [](std::optional<int>) { ADD_FAILURE(); });
    select.AddRecv(nil, [](std::optional<int>) { ADD_FAILURE(); });
    bool timed_out = false;
    const int timeout = select.AddTimeout(absl::Milliseconds(20), [&] { timed_out = true; });
    const absl::Time start = absl::Now();
    EXPECT_EQ(select.Run(), timeout);
    EXPECT_TRUE(timed_out);
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
  });
}

TEST_P(DynamicSelectTest, DoneCaseFiresWhenTheContextIsCancelled) {
  RunInFiber([&] {
    auto [context, cancel] = WithCancel(Context());
    Channel<int> silent(0);
    DynamicSelect select;
    select.AddRecv(silent, [](std::optional<int>) { ADD_FAILURE(); });
    absl::Status why;
    const int done = select.AddDone(context, [&](absl::Status status) { why = status; });
    JoinHandle canceller = Spawn([&, cancel = cancel] {
      ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "select"));
      cancel.Cancel();
    });
    EXPECT_EQ(select.Run(), done);
    EXPECT_TRUE(absl::IsCancelled(why)) << why;
    ASSERT_TRUE(canceller.Join().ok());
  });
}

TEST_P(DynamicSelectTest, DoneCaseFiresWhenTheContextDeadlinePasses) {
  RunInFiber([&] {
    auto [context, cancel] = WithTimeout(Context(), absl::Milliseconds(5));
    Channel<int> silent(0);
    DynamicSelect select;
    select.AddRecv(silent, [](std::optional<int>) { ADD_FAILURE(); });
    absl::Status why;
    const int done = select.AddDone(context, [&](absl::Status status) { why = status; });
    EXPECT_EQ(select.Run(), done);
    EXPECT_TRUE(absl::IsDeadlineExceeded(why)) << why;
  });
}

TROUPE_INSTANTIATE_OVER_PROCS(DynamicSelectTest);

}  // namespace
}  // namespace troupe
