#include "troupe/scheduler/select.h"

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using SelectTest = testing::RuntimeTest;

TEST_P(SelectTest, ChoosesTheReadyCase) {
  Channel<int> idle(0);
  Channel<int> ready(1);
  ASSERT_EQ(ready.TrySend(42), ChannelStatus::kOk);
  int got = 0;
  RunInFiber([&] {
    const int fired = Select(OnRecv(idle, [&](std::optional<int>) { got = -1; }),
                             OnRecv(ready, [&](std::optional<int> v) { got = *v; }));
    EXPECT_EQ(fired, 1);
  });
  EXPECT_EQ(got, 42);
}

TEST_P(SelectTest, DefaultFiresWhenNothingIsReady) {
  Channel<int> idle(0);
  bool defaulted = false;
  const int fired = Select(OnRecv(idle, [](std::optional<int>) {}),
                           OnDefault([&] { defaulted = true; }));
  EXPECT_EQ(fired, 1);
  EXPECT_TRUE(defaulted);
}

TEST_P(SelectTest, TimeoutFiresWhenNothingArrives) {
  Channel<int> idle(0);
  RunInFiber([&] {
    bool timed_out = false;
    const int fired = Select(OnRecv(idle, [](std::optional<int>) {}),
                             OnTimeout(absl::Milliseconds(2), [&] { timed_out = true; }));
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(timed_out);
    // An expired timeout does not beat a ready case.
    Channel<int> ready(1);
    ASSERT_EQ(ready.TrySend(1), ChannelStatus::kOk);
    EXPECT_EQ(Select(OnTimeout(-absl::Seconds(1), [] {}), OnRecv(ready, [](std::optional<int>) {})),
              1);
  });
}

TEST_P(SelectTest, WakesWhenAValueArrivesLater) {
  Channel<std::string> a(0);
  Channel<std::string> b(0);
  std::string got;
  RunInFiber([&] {
    const uint64_t selector = this_fiber::Id();
    JoinHandle sender = Spawn([&] {
      ASSERT_TRUE(testing::WaitUntilParked(runtime(), selector, "select"));
      ASSERT_TRUE(b.Send(std::string("hello")).ok());
    });
    const int fired = Select(OnRecv(a, [&](std::optional<std::string>) { got = "wrong"; }),
                             OnRecv(b, [&](std::optional<std::string> v) { got = *v; }));
    EXPECT_EQ(fired, 1);
    ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_EQ(got, "hello");
}

TEST_P(SelectTest, SendCaseSendsOnlyIfChosen) {
  Channel<std::string> out(0);
  Channel<int> stop(1);
  RunInFiber([&] {
    ASSERT_EQ(stop.TrySend(1), ChannelStatus::kOk);
    std::string value = "unsent";
    // Nobody receives on `out`, so `stop` must win and `value` stays.
    const int fired = Select(OnSend(out, value, [](absl::Status) {}),
                             OnRecv(stop, [](std::optional<int>) {}));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(value, "unsent");
    JoinHandle receiver = Spawn([&] {
      std::optional<std::string> got = out.Recv();
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(*got, "unsent");
    });
    absl::Status sent = absl::UnknownError("not fired");
    EXPECT_EQ(Select(OnSend(out, value, [&](absl::Status s) { sent = s; })), 0);
    EXPECT_TRUE(sent.ok());
    ASSERT_TRUE(receiver.Join().ok());
  });
}

TEST_P(SelectTest, ClosedChannelsFireTheirCases) {
  Channel<int> closed_for_recv(0);
  Channel<int> closed_for_send(0);
  ASSERT_TRUE(closed_for_recv.Close().ok());
  ASSERT_TRUE(closed_for_send.Close().ok());
  bool saw_closed = false;
  EXPECT_EQ(Select(OnRecv(closed_for_recv, [&](std::optional<int> v) { saw_closed = !v; })), 0);
  EXPECT_TRUE(saw_closed);
  int value = 5;
  absl::Status status;
  EXPECT_EQ(Select(OnSend(closed_for_send, value, [&](absl::Status s) { status = s; })), 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(value, 5);
}

TEST_P(SelectTest, ContextCaseFiresOnCancel) {
  Channel<int> idle(0);
  auto [context, cancel] = WithCancel(Context::Background());
  RunInFiber([&, context = context, cancel = cancel] {
    const uint64_t selector = this_fiber::Id();
    JoinHandle canceller = Spawn([&, cancel = cancel] {
      ASSERT_TRUE(testing::WaitUntilParked(runtime(), selector, "select"));
      cancel.Cancel();
    });
    absl::Status why;
    const int fired = Select(OnRecv(idle, [](std::optional<int>) {}),
                             OnDone(context, [&](absl::Status s) { why = s; }));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(why.code(), absl::StatusCode::kCancelled);
    ASSERT_TRUE(canceller.Join().ok());
  });
}

TEST_P(SelectTest, ContextCaseFiresAtTheDeadline) {
  // Nothing cancels the context: its deadline passing alone must fire its case. The
  // timeout case only bounds the test; it is never meant to fire.
  Channel<int> idle(0);
  RunInFiber([&] {
    ContextWithCancel deadline = WithTimeout(Context::Background(), absl::Milliseconds(20));
    absl::Status why;
    const int fired = Select(OnRecv(idle, [](std::optional<int>) {}),
                             OnDone(deadline.context, [&](absl::Status s) { why = s; }),
                             OnTimeout(absl::Seconds(20), [] {}));
    EXPECT_EQ(fired, 1) << "the context's deadline passed without its case firing";
    EXPECT_EQ(why.code(), absl::StatusCode::kDeadlineExceeded);
    deadline.cancel.Cancel();
  });
}

TEST_P(SelectTest, ReadyCasesAreChosenFairly) {
  // Both channels always have a value: over 4000 selects each should win about half
  // the time. The bounds are 10 standard deviations wide.
  constexpr int kRounds = 4000;
  Channel<int> a(1);
  Channel<int> b(1);
  int wins[2] = {0, 0};
  RunInFiber([&] {
    for (int i = 0; i < kRounds; ++i) {
      if (a.size() == 0) {
        ASSERT_EQ(a.TrySend(0), ChannelStatus::kOk);
      }
      if (b.size() == 0) {
        ASSERT_EQ(b.TrySend(1), ChannelStatus::kOk);
      }
      Select(OnRecv(a, [&](std::optional<int>) { ++wins[0]; }),
             OnRecv(b, [&](std::optional<int>) { ++wins[1]; }));
    }
  });
  EXPECT_EQ(wins[0] + wins[1], kRounds);
  EXPECT_GT(wins[0], kRounds / 2 - 320);
  EXPECT_GT(wins[1], kRounds / 2 - 320);
}

TEST_P(SelectTest, SendAndReceiveOnTheSameChannelDoNotMatchEachOther) {
  Channel<int> channel(0);
  RunInFiber([&] {
    int value = 1;
    bool timed_out = false;
    const int fired = Select(OnSend(channel, value, [](absl::Status) {}),
                             OnRecv(channel, [](std::optional<int>) {}),
                             OnTimeout(absl::Milliseconds(2), [&] { timed_out = true; }));
    EXPECT_EQ(fired, 2);
    EXPECT_TRUE(timed_out);
  });
}

TEST_P(SelectTest, ManySelectingReceiversGetEachValueOnce) {
  constexpr int kChannels = 4;
  constexpr int kValues = 4000;
  std::vector<std::unique_ptr<Channel<int>>> channels;
  for (int i = 0; i < kChannels; ++i) channels.push_back(std::make_unique<Channel<int>>(2));
  std::vector<std::atomic<int>> seen(kValues);
  RunInFiber([&] {
    std::vector<JoinHandle> receivers;
    for (int r = 0; r < 6; ++r) {
      receivers.push_back(Spawn([&] {
        // Runs until every channel has been seen closed and drained.
        bool closed[kChannels] = {};
        auto all_closed = [&] {
          for (bool c : closed) {
            if (!c) return false;
          }
          return true;
        };
        while (!all_closed()) {
          auto take = [&](int channel) {
            return [&, channel](std::optional<int> v) {
              if (v) {
                seen[*v].fetch_add(1);
              } else {
                closed[channel] = true;
              }
            };
          };
          Select(OnRecv(*channels[0], take(0)), OnRecv(*channels[1], take(1)),
                 OnRecv(*channels[2], take(2)), OnRecv(*channels[3], take(3)));
        }
      }));
    }
    std::vector<JoinHandle> senders;
    for (int s = 0; s < kChannels; ++s) {
      senders.push_back(Spawn([&, s] {
        for (int v = s; v < kValues; v += kChannels) {
          ASSERT_TRUE(channels[s]->Send(int{v}).ok());
        }
      }));
    }
    for (auto& sender : senders) ASSERT_TRUE(sender.Join().ok());
    for (auto& channel : channels) ASSERT_TRUE(channel->Close().ok());
    for (auto& receiver : receivers) ASSERT_TRUE(receiver.Join().ok());
  });
  for (int v = 0; v < kValues; ++v) ASSERT_EQ(seen[v].load(), 1) << "value " << v;
}

TEST_P(SelectTest, JoinCaseFiresWhenTheFiberFinishes) {
  Channel<int> idle(0);
  Semaphore release(0);
  RunInFiber([&] {
    JoinHandle worker = Spawn([&] {
      release.Acquire();
      throw std::runtime_error("worker failed");
    });
    // Not finished yet: the default wins and the handle stays joinable.
    EXPECT_EQ(Select(OnJoin(worker, [](absl::Status) {}), OnDefault([] {})), 1);
    EXPECT_TRUE(worker.joinable());
    JoinHandle releaser = Spawn([&] { release.Release(); });
    absl::Status joined;
    const int fired = Select(OnRecv(idle, [](std::optional<int>) {}),
                             OnJoin(worker, [&](absl::Status s) { joined = s; }));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(joined.code(), absl::StatusCode::kInternal);
    EXPECT_FALSE(worker.joinable());
    ASSERT_TRUE(releaser.Join().ok());
  });
}

TEST_P(SelectTest, JoinCaseLosingToATimeoutLeavesTheFiberJoinable) {
  Semaphore release(0);
  RunInFiber([&] {
    JoinHandle worker = Spawn([&] { release.Acquire(); });
    bool timed_out = false;
    EXPECT_EQ(Select(OnJoin(worker, [](absl::Status) {}),
                     OnTimeout(absl::Milliseconds(2), [&] { timed_out = true; })),
              1);
    EXPECT_TRUE(timed_out);
    release.Release();
    EXPECT_TRUE(worker.Join().ok());  // its joiner slot was given back
  });
}

TROUPE_INSTANTIATE_OVER_PROCS(SelectTest);

}  // namespace
}  // namespace troupe
