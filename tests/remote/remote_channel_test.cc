// RemoteChannel between two nodes (two NATS connections in this process) on a
// JetStream nats-server of the test's own: order, a full channel parking its sender
// until a receiver makes room, close and drain, deadlines, the capacity fixed at
// creation, invalid names, and messages kept across a server restart.
#include "troupe/remote/remote_channel.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/remote/test_node.h"
#include "troupe/tests/remote/test_messages.pb.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using remote_test::Command;
using testing::WaitUntil;

Command Numbered(int64_t n) {
  Command command;
  command.set_add(n);
  return command;
}

class RemoteChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.EnableJetStream();
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
    harness_.Start(2);
    sender_node_ = Connect("sender");
    receiver_node_ = Connect("receiver");
    ASSERT_NE(sender_node_, nullptr);
    ASSERT_NE(receiver_node_, nullptr);
  }
  void TearDown() override {
    sender_node_.reset();
    receiver_node_.reset();
    harness_.Finish();
    server_.Stop();
  }

  std::unique_ptr<RemoteNode> Connect(const std::string& name) {
    return remote_testing::ConnectTestNode(server_.url(), "chan", name);
  }

  template <typename F>
  void RunInFiber(F&& body) {
    harness_.RunInFiber(std::forward<F>(body));
  }

  testing::NatsServer server_;
  testing::ActorHarness harness_;
  std::unique_ptr<RemoteNode> sender_node_;
  std::unique_ptr<RemoteNode> receiver_node_;
};

TEST_F(RemoteChannelTest, ValuesCrossNodesInOrder) {
  RunInFiber([&] {
    absl::StatusOr<RemoteChannel<Command>> out = sender_node_->OpenChannel<Command>("ordered");
    absl::StatusOr<RemoteChannel<Command>> in = receiver_node_->OpenChannel<Command>("ordered");
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_TRUE(in.ok()) << in.status();
    for (int64_t i = 1; i <= 50; ++i) ASSERT_TRUE(out->Send(Numbered(i)).ok());
    for (int64_t i = 1; i <= 50; ++i) {
      absl::StatusOr<Command> got = in->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->add(), i);
    }
    EXPECT_EQ(out->stats().sent, 50u);
    EXPECT_EQ(in->stats().received, 50u);
  });
}

TEST_F(RemoteChannelTest, FullChannelParksItsSenderUntilAReceiverMakesRoom) {
  RunInFiber([&] {
    absl::StatusOr<RemoteChannel<Command>> out =
        sender_node_->OpenChannel<Command>("narrow", {.capacity = 3});
    ASSERT_TRUE(out.ok()) << out.status();
    std::atomic<int> sent{0};
    JoinHandle sender = harness_.runtime().Spawn([&] {
      for (int64_t i = 1; i <= 8; ++i) {
        ASSERT_TRUE(out->Send(Numbered(i), WithTimeout(Context(), absl::Seconds(30)).context).ok());
        sent.fetch_add(1, std::memory_order_relaxed);  // polled by the test
      }
    });
    // Three fit; the fourth is refused and its sender waits for room.
    ASSERT_TRUE(WaitUntil([&] { return out->stats().full_waits > 0; }, "the sender waits"));
    EXPECT_EQ(sent.load(), 3);
    absl::StatusOr<RemoteChannel<Command>> in =
        receiver_node_->OpenChannel<Command>("narrow", {.capacity = 3});
    ASSERT_TRUE(in.ok()) << in.status();
    for (int64_t i = 1; i <= 8; ++i) {
      absl::StatusOr<Command> got = in->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->add(), i);
    }
    ASSERT_TRUE(sender.Join().ok());
    EXPECT_EQ(sent.load(), 8);
  });
}

TEST_F(RemoteChannelTest, CloseFailsSendsAndLetsReceiversDrainThenSaysClosed) {
  RunInFiber([&] {
    absl::StatusOr<RemoteChannel<Command>> out = sender_node_->OpenChannel<Command>("closing");
    absl::StatusOr<RemoteChannel<Command>> in = receiver_node_->OpenChannel<Command>("closing");
    ASSERT_TRUE(out.ok() && in.ok());
    for (int64_t i = 1; i <= 3; ++i) ASSERT_TRUE(out->Send(Numbered(i)).ok());
    ASSERT_TRUE(out->Close().ok());
    ASSERT_TRUE(in->Close().ok()) << "closing twice is fine";
    EXPECT_EQ(out->Send(Numbered(4)).code(), absl::StatusCode::kFailedPrecondition);
    for (int64_t i = 1; i <= 3; ++i) {
      absl::StatusOr<Command> got = in->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->add(), i);
    }
    absl::StatusOr<Command> after = in->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
    EXPECT_EQ(after.status().code(), absl::StatusCode::kOutOfRange) << after.status();
  });
}

TEST_F(RemoteChannelTest, APlainThreadSendsAndReceivesOnOneHandle) {
  absl::StatusOr<RemoteChannel<Command>> channel = sender_node_->OpenChannel<Command>("plain");
  ASSERT_TRUE(channel.ok()) << channel.status();
  for (int64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(channel->Send(Numbered(i)).ok());
    absl::StatusOr<Command> got = channel->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->add(), i);
  }
}

// Each handle's sends are stored, though the stream remembers message ids: a new
// handle's ids are not an old one's.
TEST_F(RemoteChannelTest, HandlesOpenedOneAfterAnotherEachSendAndReceive) {
  for (int64_t round = 1; round <= 3; ++round) {
    absl::StatusOr<RemoteChannel<Command>> channel = sender_node_->OpenChannel<Command>("again");
    ASSERT_TRUE(channel.ok()) << channel.status();
    for (int64_t i = 1; i <= 3; ++i) {
      ASSERT_TRUE(channel->Send(Numbered(i)).ok());
      absl::StatusOr<Command> got = channel->Recv(WithTimeout(Context(), absl::Seconds(5)).context);
      ASSERT_TRUE(got.ok()) << "round " << round << ": " << got.status();
      EXPECT_EQ(got->add(), i);
    }
  }
}

TEST_F(RemoteChannelTest, ContextsEndWaitsOnAFullOrEmptyChannel) {
  RunInFiber([&] {
    absl::StatusOr<RemoteChannel<Command>> channel =
        sender_node_->OpenChannel<Command>("waits", {.capacity = 1});
    ASSERT_TRUE(channel.ok());
    EXPECT_EQ(channel->Recv(WithTimeout(Context(), absl::Milliseconds(300)).context).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    ASSERT_TRUE(channel->Send(Numbered(1)).ok());
    EXPECT_EQ(channel->Send(Numbered(2), WithTimeout(Context(), absl::Milliseconds(300)).context)
                  .code(),
              absl::StatusCode::kDeadlineExceeded);
  });
}

TEST_F(RemoteChannelTest, CapacityIsFixedAtCreationAndNamesAreChecked) {
  RunInFiber([&] {
    ASSERT_TRUE(sender_node_->OpenChannel<Command>("fixed", {.capacity = 5}).ok());
    absl::StatusOr<RemoteChannel<Command>> other =
        receiver_node_->OpenChannel<Command>("fixed", {.capacity = 6});
    EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(other.status().message(), "channel \"fixed\" exists with capacity 5; asked for 6");
    EXPECT_EQ(sender_node_->OpenChannel<Command>("a.b").status().message(),
              "channel name must be letters, digits, '-' or '_'; got \"a.b\"");
    EXPECT_EQ(sender_node_->OpenChannel<Command>("zero", {.capacity = 0}).status().message(),
              "capacity must be at least 1; got 0");
  });
}

TEST_F(RemoteChannelTest, StoredValuesSurviveAServerRestart) {
  RunInFiber([&] {
    {
      absl::StatusOr<RemoteChannel<Command>> out = sender_node_->OpenChannel<Command>("durable");
      ASSERT_TRUE(out.ok());
      for (int64_t i = 1; i <= 5; ++i) ASSERT_TRUE(out->Send(Numbered(i)).ok());
    }
    absl::Status restarted = server_.Restart();
    ASSERT_TRUE(restarted.ok()) << restarted;
    ASSERT_TRUE(WaitUntil([&] { return receiver_node_->stats().reconnects == 1; },
                          "the receiver reconnected"));
    absl::StatusOr<RemoteChannel<Command>> in = receiver_node_->OpenChannel<Command>("durable");
    ASSERT_TRUE(in.ok()) << in.status();
    for (int64_t i = 1; i <= 5; ++i) {
      absl::StatusOr<Command> got = in->Recv(WithTimeout(Context(), absl::Seconds(20)).context);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->add(), i);
    }
  });
}

}  // namespace
}  // namespace troupe
