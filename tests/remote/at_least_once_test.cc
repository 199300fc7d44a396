// At-least-once Tells (PublishOptions / LookupOptions with Delivery::kAtLeastOnce)
// between two nodes (two NATS connections in this process) on a JetStream
// nats-server of the test's own: stored tells handled once each and in order, a
// message handed over again while still in the mailbox not handled twice, a full
// stream answering ResourceExhausted (counted), and invalid options. The kill -9 of
// the receiving process is remote_process_test's.
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "troupe/actors/actor_system.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/counter_actor.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/remote/test_node.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using remote_test::Command;
using remote_test::Total;
using remote_testing::CounterMessage;
using remote_testing::RemoteCommand;
using testing::WaitUntil;

constexpr LookupOptions kStoredLookup{Delivery::kAtLeastOnce};

RemoteCommand MakeCommand(Command command, Reply<Total> reply) {
  return RemoteCommand{std::move(command), std::move(reply)};
}

class AtLeastOnceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.EnableJetStream();
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
    harness_.Start(2);
    host_ = Connect("host");
    client_ = Connect("client");
    ASSERT_NE(host_, nullptr);
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    client_.reset();
    host_.reset();
    harness_.Finish();
    server_.Stop();
  }

  std::unique_ptr<RemoteNode> Connect(const std::string& name) {
    return remote_testing::ConnectTestNode(server_.url(), "alo", name);
  }

  // A counter published at least once as `name`; `gate` releases its blocks.
  ActorRef<CounterMessage> PublishCounter(const std::string& name, Channel<int> gate,
                                          const PublishOptions& options) {
    ActorRef<CounterMessage> counter = harness_.system().Spawn<remote_testing::Counter>(
        {.name = name}, std::move(gate), std::make_shared<remote_testing::CounterProbe>());
    absl::Status published =
        host_->Publish<Command, Total>(name, counter, &MakeCommand, options);
    EXPECT_TRUE(published.ok()) << published;
    return counter;
  }

  testing::NatsServer server_;
  testing::ActorHarness harness_;
  std::unique_ptr<RemoteNode> host_;
  std::unique_ptr<RemoteNode> client_;
};

TEST_F(AtLeastOnceTest, StoredTellsAreHandledOnceEachInTheOrderSent) {
  constexpr int kMessages = 50;
  harness_.RunInFiber([&] {
    PublishCounter("ledger", Channel<int>(1), {.delivery = Delivery::kAtLeastOnce});
    absl::StatusOr<RemoteRef<Command, Total>> ledger =
        client_->Lookup<Command, Total>("ledger", kStoredLookup);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    EXPECT_EQ(ledger->delivery(), Delivery::kAtLeastOnce);
    for (int i = 1; i <= kMessages; ++i) {
      TellStatus stored = ledger->Tell(remote_testing::Add(i, 1, i - 1));
      ASSERT_TRUE(stored.ok()) << stored;
    }
    EXPECT_EQ(client_->stats().stored_tells, static_cast<uint64_t>(kMessages));
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().stored_handled == kMessages; },
                          "the host has handled every stored message"));
    absl::StatusOr<Total> total = ledger->Ask(remote_testing::Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->handled(), kMessages);
    EXPECT_EQ(total->total(), kMessages * (kMessages + 1) / 2);
    EXPECT_EQ(total->out_of_order(), 0);
    const RemoteStats host = host_->stats();
    EXPECT_EQ(host.stored_handled, static_cast<uint64_t>(kMessages));
    EXPECT_EQ(host.stored_not_handled, 0u);
    EXPECT_EQ(client_->stats().stored_tell_failures, 0u);
  });
}

TEST_F(AtLeastOnceTest, AMessageHandedOverAgainWhileInTheMailboxIsNotHandledTwice) {
  harness_.RunInFiber([&] {
    Channel<int> gate(1);
    // ack_wait at its minimum: the server hands the blocked message (and the one
    // queued behind it) over again while the counter still holds them.
    PublishCounter("slow", gate,
                   {.delivery = Delivery::kAtLeastOnce, .ack_wait = absl::Milliseconds(100)});
    absl::StatusOr<RemoteRef<Command, Total>> slow =
        client_->Lookup<Command, Total>("slow", kStoredLookup);
    ASSERT_TRUE(slow.ok()) << slow.status();
    Command block = remote_testing::Add(1, 1, 0);
    block.set_block(true);
    ASSERT_TRUE(slow->Tell(block).ok());
    ASSERT_TRUE(slow->Tell(remote_testing::Add(2, 1, 1)).ok());
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().stored_duplicates_dropped >= 2; },
                          "the server hands the held messages over again"));
    ASSERT_EQ(gate.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().stored_handled == 2; },
                          "the host has handled both messages"));
    absl::StatusOr<Total> total = slow->Ask(remote_testing::Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->handled(), 2);
    EXPECT_EQ(total->total(), 3);
    EXPECT_EQ(total->out_of_order(), 0);
  });
}

TEST_F(AtLeastOnceTest, AFullStreamAnswersResourceExhaustedAndCountsIt) {
  harness_.RunInFiber([&] {
    Channel<int> gate(1);
    // One message in the mailbox at a time, three in the stream: the counter blocks
    // on the first, so the stream holds it and two more.
    PublishCounter("small", gate,
                   {.delivery = Delivery::kAtLeastOnce, .capacity = 3, .max_unacked = 1});
    absl::StatusOr<RemoteRef<Command, Total>> small =
        client_->Lookup<Command, Total>("small", kStoredLookup);
    ASSERT_TRUE(small.ok()) << small.status();
    Command block = remote_testing::Add(1, 1, 1);
    block.set_block(true);
    ASSERT_TRUE(small->Tell(block).ok());
    ASSERT_TRUE(small->Tell(remote_testing::Add(2, 1, 2)).ok());
    ASSERT_TRUE(small->Tell(remote_testing::Add(3, 1, 3)).ok());
    TellStatus refused = small->Tell(remote_testing::Add(4, 1, 4));
    EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
    RemoteStats client = client_->stats();
    EXPECT_EQ(client.stored_tells, 3u);
    EXPECT_EQ(client.stored_tell_failures, 1u);
    EXPECT_EQ(client.stored_tells_refused_full, 1u);
    ASSERT_EQ(gate.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().stored_handled == 3; },
                          "the host has handled the stored messages"));
    EXPECT_TRUE(small->Tell(remote_testing::Add(4, 1, 4)).ok()) << "room again";
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().stored_handled == 4; },
                          "the host has handled the fourth"));
    absl::StatusOr<Total> total = small->Ask(remote_testing::Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->total(), 10);
  });
}

TEST_F(AtLeastOnceTest, InvalidOptionsAreInvalidArgumentSayingWhatIsAllowed) {
  harness_.RunInFiber([&] {
    ActorRef<CounterMessage> counter = harness_.system().Spawn<remote_testing::Counter>(
        {.name = "counter"}, Channel<int>(1), std::make_shared<remote_testing::CounterProbe>());
    struct Case {
      std::string name;
      PublishOptions options;
      std::string says;
    };
    const Case cases[] = {
        {"a.b", {.delivery = Delivery::kAtLeastOnce}, "letters, digits, '-' or '_'"},
        {"c", {.delivery = Delivery::kAtLeastOnce, .capacity = 0}, "capacity must be in [1, "},
        {"c", {.delivery = Delivery::kAtLeastOnce, .max_unacked = 0}, "max_unacked must be in"},
        {"c",
         {.delivery = Delivery::kAtLeastOnce, .ack_wait = absl::Milliseconds(1)},
         "ack_wait must be in [100ms, 12h]"},
        {"c", {.delivery = Delivery::kAtLeastOnce, .dedup_window = 0}, "dedup_window must be in"},
    };
    for (const Case& c : cases) {
      absl::Status published = host_->Publish<Command, Total>(c.name, counter, &MakeCommand, c.options);
      EXPECT_EQ(published.code(), absl::StatusCode::kInvalidArgument) << published;
      EXPECT_NE(published.message().find(c.says), std::string::npos) << published;
    }
    // A tell-only actor published at least once needs the Reply that says "handled".
    auto tell_only = [](Command command) {
      return RemoteCommand{std::move(command),
                           Reply<Total>(Reply<Total>::Callback([](absl::StatusOr<Total>) {}))};
    };
    absl::Status without_reply = host_->Publish<Command, NoReply>(
        "tells", counter, tell_only, {.delivery = Delivery::kAtLeastOnce});
    EXPECT_EQ(without_reply.code(), absl::StatusCode::kInvalidArgument) << without_reply;
    EXPECT_NE(without_reply.message().find("make_message(W, Reply<R>)"), std::string::npos);

    const absl::Status plain_published =
        host_->Publish<Command, Total>("plain", counter, &MakeCommand);
    ASSERT_TRUE(plain_published.ok()) << plain_published;
    absl::StatusOr<RemoteRef<Command, Total>> plain =
        client_->Lookup<Command, Total>("plain", kStoredLookup);
    EXPECT_EQ(plain.status().code(), absl::StatusCode::kFailedPrecondition) << plain.status();
    absl::StatusOr<RemoteRef<Command, Total>> no_timeout = client_->Lookup<Command, Total>(
        "plain", {.delivery = Delivery::kAtLeastOnce, .store_timeout = absl::ZeroDuration()});
    EXPECT_EQ(no_timeout.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(no_timeout.status().message().find("store_timeout must be in (0, 1h]"),
              std::string::npos)
        << no_timeout.status();
  });
}

}  // namespace
}  // namespace troupe
