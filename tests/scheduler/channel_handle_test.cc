// Channel<T> as a value (a handle, as a Go chan is): copies name one channel, the
// nil channel, the direction views, ranging, and send cases over temporaries.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using ChannelHandleTest = testing::RuntimeTest;

TEST_P(ChannelHandleTest, CopiesNameTheSameChannel) {
  Channel<int> original(4);
  Channel<int> copy = original;
  EXPECT_TRUE(copy == original);
  EXPECT_FALSE(Channel<int>(4) == original);
  ASSERT_TRUE(copy.Send(7).ok());
  EXPECT_EQ(original.size(), 1u);
  EXPECT_EQ(original.Recv(), std::optional<int>(7));
  ASSERT_TRUE(original.Close().ok());
  EXPECT_TRUE(copy.closed());
}

TEST_P(ChannelHandleTest, ChannelsTravelThroughChannelsAndLambdasByValue) {
  // Go's `chan chan int`: each request carries the channel its reply goes to.
  Channel<Channel<int>> requests(0);
  std::vector<int> replies;
  RunInFiber([&] {
    JoinHandle server = Spawn([requests] {  // captured by value
      int next = 100;
      for (Channel<int>& reply_to : requests) ASSERT_TRUE(reply_to.Send(next++).ok());
    });
    for (int i = 0; i < 3; ++i) {
      Channel<int> reply(1);
      ASSERT_TRUE(requests.Send(reply).ok());
      replies.push_back(*reply.Recv());
    }
    ASSERT_TRUE(requests.Close().ok());
    ASSERT_TRUE(server.Join().ok());
  });
  EXPECT_EQ(replies, (std::vector<int>{100, 101, 102}));
}

// Counts live instances, to see when buffered values are destroyed.
struct Counted {
  explicit Counted(std::atomic<int>* live) : live(live) { live->fetch_add(1); }
  Counted(Counted&& other) noexcept : live(other.live) { live->fetch_add(1); }
  ~Counted() { live->fetch_sub(1); }
  std::atomic<int>* live;
};

TEST_P(ChannelHandleTest, BufferedValuesLiveUntilTheLastHandleIsGone) {
  std::atomic<int> live{0};
  std::optional<Channel<Counted>> first(std::in_place, 4);
  ASSERT_TRUE(first->Send(Counted(&live)).ok());
  ASSERT_TRUE(first->Send(Counted(&live)).ok());
  Channel<Counted> second = *first;
  first.reset();
  EXPECT_EQ(live.load(), 2) << "another handle still names the channel";
  { Channel<Counted> gone = std::move(second); }
  EXPECT_EQ(live.load(), 0);
}

TEST_P(ChannelHandleTest, NilChannelBlocksUntilTheContextEndsAndNeverFiresInSelect) {
  Channel<int> nil;
  EXPECT_TRUE(nil.is_nil());
  EXPECT_EQ(nil.TrySend(1), ChannelStatus::kFull);
  int out = 0;
  EXPECT_EQ(nil.TryRecv(&out), ChannelStatus::kEmpty);
  EXPECT_TRUE(absl::IsFailedPrecondition(nil.Close()));
  EXPECT_EQ(nil.capacity(), 0u);
  RunInFiber([&] {
    auto [context, cancel] = WithCancel(Context());
    JoinHandle receiver = Spawn([&, context = context] {
      absl::StatusOr<int> received = nil.Recv(context);
      EXPECT_TRUE(absl::IsCancelled(received.status())) << received.status();
      EXPECT_TRUE(absl::IsCancelled(nil.Send(1, context)));
    });
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "channel receive (nil channel)"));
    cancel.Cancel();
    ASSERT_TRUE(receiver.Join().ok());

    // A nil case is switched off: the ready one always wins, with no default needed.
    Channel<int> ready(1);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(ready.Send(i).ok());
      const int fired = Select(OnRecv(nil, [](std::optional<int>) { ADD_FAILURE(); }),
                               OnSend(nil, 5, [](absl::Status) { ADD_FAILURE(); }),
                               OnRecv(ready, [](std::optional<int>) {}));
      EXPECT_EQ(fired, 2);
    }
  });
}

TEST_P(ChannelHandleTest, DirectionViewsShareTheChannel) {
  Channel<std::string> channel(2);
  SendChannel<std::string> in = channel;
  RecvChannel<std::string> out = channel;
  ASSERT_TRUE(in.Send("hello").ok());
  EXPECT_EQ(out.Recv(), std::optional<std::string>("hello"));
  ASSERT_TRUE(in.Close().ok());
  EXPECT_TRUE(out.closed());
  EXPECT_EQ(out.Recv(), std::nullopt);
  EXPECT_TRUE(SendChannel<int>().is_nil());
}

TEST_P(ChannelHandleTest, RangeForReceivesUntilClosedAndDrained) {
  Channel<int> channel(8);
  std::vector<int> received;
  RunInFiber([&] {
    JoinHandle producer = Spawn([channel] {
      for (int i = 0; i < 100; ++i) ASSERT_TRUE(channel.Send(i).ok());
      ASSERT_TRUE(channel.Close().ok());
    });
    for (int& value : channel) received.push_back(value);
    ASSERT_TRUE(producer.Join().ok());
  });
  ASSERT_EQ(received.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(received[i], i);
}

TEST_P(ChannelHandleTest, RangeWithAContextSaysWhyItEnded) {
  RunInFiber([&] {
    Channel<int> closed(2);
    ASSERT_TRUE(closed.Send(1).ok());
    ASSERT_TRUE(closed.Close().ok());
    auto drained = Range(closed, Context());
    int count = 0;
    for (int& value : drained) count += value;
    EXPECT_EQ(count, 1);
    EXPECT_TRUE(drained.status().ok()) << drained.status();

    Channel<int> open(2);
    ASSERT_TRUE(open.Send(5).ok());
    auto [context, cancel] = WithCancel(Context());
    auto until_cancelled = Range(RecvChannel<int>(open), context);
    for (int& value : until_cancelled) {
      EXPECT_EQ(value, 5);
      cancel.Cancel();
    }
    EXPECT_TRUE(absl::IsCancelled(until_cancelled.status())) << until_cancelled.status();
  });
}

std::string Compute(int n) { return "value " + std::to_string(n); }

TEST_P(ChannelHandleTest, SendCaseTakesATemporaryAndOwnsIt) {
  RunInFiber([&] {
    Channel<std::string> out(1);
    const int fired = Select(OnSend(out, Compute(1), [](absl::Status sent) {
      EXPECT_TRUE(sent.ok());
    }));
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(out.Recv(), std::optional<std::string>("value 1"));

    // A named value is still sent in place, and kept when another case wins.
    std::string kept = "kept";
    Channel<std::string> full(0);
    Channel<int> ready(1);
    ASSERT_TRUE(ready.Send(1).ok());
    Select(OnSend(full, kept, [](absl::Status) { ADD_FAILURE(); }),
           OnRecv(ready, [](std::optional<int>) {}));
    EXPECT_EQ(kept, "kept");
  });
}

TEST_P(ChannelHandleTest, SelectOnAContextAloneParksUntilItIsDone) {
  // Go's `select {}` with a way out (troupe::Select() alone parks for good).
  RunInFiber([&] {
    auto [context, cancel] = WithCancel(Context());
    JoinHandle waiter = Spawn([context = context] {
      absl::Status why;
      Select(OnDone(context, [&](absl::Status status) { why = status; }));
      EXPECT_TRUE(absl::IsCancelled(why));
    });
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "select"));
    cancel.Cancel();
    ASSERT_TRUE(waiter.Join().ok());
  });
}

TROUPE_INSTANTIATE_OVER_PROCS(ChannelHandleTest);

}  // namespace
}  // namespace troupe
