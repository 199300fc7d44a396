// RemoteNode and RemoteRef across two nodes (two NATS connections in this process)
// on a nats-server of the test's own: tells and asks, per-sender order, lookups,
// deadlines and cancellations carried on the wire, exits reported to watchers,
// monitors and links, a node leaving, rejected payloads (to an actor and to a node's
// replies), systems kept apart by their namespaces, and a server restart.
#include "troupe/remote/node.h"

#include <atomic>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/internal/transport.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/counter_actor.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/remote/test_node.h"
#include "troupe/tests/remote/test_messages.pb.h"
#include "troupe/tests/scheduler/log_capture.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using remote_test::Command;
using remote_test::Total;
using remote_testing::Add;
using remote_testing::Block;
using remote_testing::Counter;
using remote_testing::CounterMessage;
using remote_testing::CounterProbe;
using remote_testing::Ping;
using remote_testing::RemoteCommand;
using testing::WaitUntil;

// A type without a codec cannot be sent; protobuf messages can.
struct PlainStruct {
  int value;
};
static_assert(!kHasCodec<PlainStruct>, "a plain struct has no codec");
static_assert(kHasCodec<Command>, "protobuf messages have the default codec");

using WatcherMessage = std::variant<Terminated>;
class Watcher : public Actor<WatcherMessage> {
 public:
  explicit Watcher(Channel<Terminated> exits) : exits_(std::move(exits)) {}
  void Receive(WatcherMessage& message) override {
    (void)exits_.TrySend(std::get<Terminated>(std::move(message)));
  }

 private:
  Channel<Terminated> exits_;
};

// Traps linked exits: each goes to `exits`, and the actor lives on. Answers every
// command with an empty Total.
class ExitTrap : public Actor<CounterMessage> {
 public:
  explicit ExitTrap(Channel<ActorExit> exits) : exits_(std::move(exits)) {}
  void Receive(CounterMessage& message) override {
    std::get<RemoteCommand>(message).reply.Send(Total());
  }
  void OnLinkedExit(const ActorExit& exit) override { (void)exits_.TrySend(ActorExit(exit)); }

 private:
  Channel<ActorExit> exits_;
};

RemoteCommand MakeRemoteCommand(Command command, Reply<Total> reply) {
  return RemoteCommand{std::move(command), std::move(reply)};
}

class RemoteNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
    harness_.Start(2);
    host_ = Connect("host");
    client_ = Connect("client");
    ASSERT_NE(host_, nullptr);
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    host_.reset();
    client_.reset();
    harness_.Finish();
    server_.Stop();
  }

  std::unique_ptr<RemoteNode> Connect(const std::string& name,
                                      absl::Duration detection = absl::Seconds(5),
                                      int pending_messages_limit = 65536) {
    RemoteNodeOptions options;
    options.failure_detection = detection;
    options.pending_messages_limit = pending_messages_limit;
    return remote_testing::ConnectTestNode(server_.url(), "test", name, options);
  }

  // A counter (mailbox bounded by `capacity`, 0: unbounded) published by host_.
  ActorRef<CounterMessage> PublishCounter(const std::string& name, std::size_t capacity = 0) {
    ActorRef<CounterMessage> counter = harness_.system().Spawn<Counter>(
        {.name = name, .mailbox_capacity = capacity}, gate_, probe_);
    absl::Status published = host_->Publish<Command, Total>(
        name, counter,
        [](Command command, Reply<Total> reply) { return RemoteCommand{std::move(command),
                                                                       std::move(reply)}; });
    EXPECT_TRUE(published.ok()) << published;
    return counter;
  }

  // An ExitTrap (sending the linked exits it gets to `exits`) published by host_.
  ActorRef<CounterMessage> PublishExitTrap(const std::string& name, Channel<ActorExit> exits) {
    ActorRef<CounterMessage> trap = harness_.system().Spawn<ExitTrap>({.name = name}, exits);
    absl::Status published = host_->Publish<Command, Total>(name, trap, &MakeRemoteCommand);
    EXPECT_TRUE(published.ok()) << published;
    return trap;
  }

  RemoteRef<Command, Total> LookupCounter(const std::string& name) {
    absl::StatusOr<RemoteRef<Command, Total>> found = client_->Lookup<Command, Total>(name);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : RemoteRef<Command, Total>();
  }

  template <typename F>
  void RunInFiber(F&& body) {
    harness_.RunInFiber(std::forward<F>(body));
  }

  testing::NatsServer server_;
  testing::ActorHarness harness_;
  std::unique_ptr<RemoteNode> host_;
  std::unique_ptr<RemoteNode> client_;
  Channel<int> gate_{16};
  std::shared_ptr<CounterProbe> probe_ = std::make_shared<CounterProbe>();
};

TEST_F(RemoteNodeTest, AskAfterTellsSeesEveryTell) {
  RunInFiber([&] {
    PublishCounter("counter");
    RemoteRef<Command, Total> counter = LookupCounter("counter");
    for (int i = 1; i <= 100; ++i) EXPECT_TRUE(counter.Tell(Add(i, 1, i - 1)).ok());
    absl::StatusOr<Total> total = counter.Ask(Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->total(), 5050);
    EXPECT_EQ(total->handled(), 100);
    EXPECT_EQ(host_->stats().delivered, 101u);
    EXPECT_EQ(client_->stats().tells_sent, 100u);
  });
}

TEST_F(RemoteNodeTest, TellsFromEachSenderArriveInOrder) {
  constexpr int kSenders = 3;
  constexpr int kPerSender = 300;
  RunInFiber([&] {
    PublishCounter("ordered");
    RemoteRef<Command, Total> counter = LookupCounter("ordered");
    std::vector<JoinHandle> senders;
    for (int sender = 0; sender < kSenders; ++sender) {
      senders.push_back(harness_.runtime().Spawn([counter, sender] {
        for (int i = 0; i < kPerSender; ++i) EXPECT_TRUE(counter.Tell(Add(1, sender, i)).ok());
      }));
    }
    for (JoinHandle& sender : senders) ASSERT_TRUE(sender.Join().ok());
    // Each sender's tells precede this ask on the same connection and subject.
    absl::StatusOr<Total> total = counter.Ask(Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->handled(), kSenders * kPerSender);
    EXPECT_EQ(total->out_of_order(), 0);
  });
}

TEST_F(RemoteNodeTest, LookupSaysNotFoundOrWrongTypes) {
  RunInFiber([&] {
    PublishCounter("typed");
    absl::StatusOr<RemoteRef<Command, Total>> missing = client_->Lookup<Command, Total>("nobody");
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
    absl::StatusOr<RemoteRef<Total, Command>> wrong = client_->Lookup<Total, Command>("typed");
    EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument) << wrong.status();
    absl::StatusOr<RemoteRef<Command, Total>> bad_name = client_->Lookup<Command, Total>("a b");
    EXPECT_EQ(bad_name.status().code(), absl::StatusCode::kInvalidArgument);
  });
}

TEST_F(RemoteNodeTest, PublishingATakenNameIsAlreadyExists) {
  RunInFiber([&] {
    ActorRef<CounterMessage> first = PublishCounter("unique");
    ActorRef<CounterMessage> second =
        harness_.system().Spawn<Counter>({.name = "second"}, gate_, probe_);
    auto make = [](Command command, Reply<Total> reply) {
      return RemoteCommand{std::move(command), std::move(reply)};
    };
    absl::Status again = host_->Publish<Command, Total>("unique", second, make);
    EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
    absl::Status elsewhere = client_->Publish<Command, Total>("unique", second, make);
    EXPECT_EQ(elsewhere.code(), absl::StatusCode::kAlreadyExists) << elsewhere;
  });
}

TEST_F(RemoteNodeTest, AskOfAStoppedActorFailsUnavailableWithoutWaitingForItsDeadline) {
  RunInFiber([&] {
    ActorRef<CounterMessage> counter = PublishCounter("stopping");
    RemoteRef<Command, Total> remote = LookupCounter("stopping");
    counter.Stop();
    ASSERT_TRUE(counter.AwaitStop().ok());
    // The name is released as the actor stops; then the server answers "no
    // responders" at once. (The ask's deadline only bounds a broken test.)
    ASSERT_TRUE(WaitUntil(
        [&] {
          return remote.Ask(Ping(), absl::Seconds(60)).status().code() ==
                 absl::StatusCode::kUnavailable;
        },
        "an ask of the stopped actor fails Unavailable"));
  });
}

TEST_F(RemoteNodeTest, AskWhoseDeadlinePassesInTheRemoteMailboxIsDropped) {
  RunInFiber([&] {
    // Capacity 1: with the actor blocked and one command queued, the next
    // command's Tell waits for room on the host's delivery thread — until the
    // asker's deadline, carried on the wire, has passed.
    ActorRef<CounterMessage> counter = PublishCounter("busy", /*capacity=*/1);
    RemoteRef<Command, Total> remote = LookupCounter("busy");
    ASSERT_TRUE(remote.Tell(Block()).ok());
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    ASSERT_TRUE(remote.Tell(Add(1, 7, 0)).ok());
    ASSERT_TRUE(WaitUntil([&] { return counter.mailbox_depth() == 1; }, "one command queued"));
    absl::StatusOr<Total> expired = remote.Ask(Add(1000, 8, 0), absl::Milliseconds(300));
    EXPECT_EQ(expired.status().code(), absl::StatusCode::kDeadlineExceeded) << expired.status();
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().expired_dropped == 1; },
                          "the host dropped the expired ask"));
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    absl::StatusOr<Total> total = remote.Ask(Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->total(), 1) << "the expired ask's 1000 was added";
    EXPECT_EQ(client_->stats().orphan_replies, 0u);
  });
}

TEST_F(RemoteNodeTest, CancelledAskCancelsTheHandlersContextAndGetsNoAnswer) {
  RunInFiber([&] {
    PublishCounter("cancelled");
    RemoteRef<Command, Total> remote = LookupCounter("cancelled");
    ASSERT_TRUE(remote.Tell(Block()).ok());
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    // No deadline: only the cancellation can tell the host the asker gave up.
    auto [context, cancel] = WithCancel(Context());
    absl::StatusOr<Total> cancelled;
    JoinHandle asker = Spawn([&, context = context] { cancelled = remote.Ask(Ping(), context); });
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().delivered == 2; },
                          "the ask is in the blocked actor's mailbox"));
    cancel.Cancel();
    ASSERT_TRUE(asker.Join().ok());
    EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled) << cancelled.status();
    EXPECT_EQ(client_->stats().cancels_sent, 1u);
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().asks_cancelled == 1; },
                          "the host cancelled the held ask"));
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(WaitUntil([&] { return probe_->handled_cancelled.load() == 1; },
                          "the handler saw its request context cancelled"));
    // Answers leave in the order made and this one is made after the cancelled
    // ask's: had that one been answered, it would have arrived by now, an orphan.
    absl::StatusOr<Total> after = remote.Ask(Ping(), absl::Seconds(30));
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(client_->stats().orphan_replies, 0u);
    EXPECT_EQ(probe_->handled_cancelled.load(), 1) << "only the cancelled ask's context";
  });
}

TEST_F(RemoteNodeTest, AnswerMadeAfterTheAskersDeadlineIsNotSent) {
  RunInFiber([&] {
    PublishCounter("slow");
    RemoteRef<Command, Total> remote = LookupCounter("slow");
    // The actor is blocked before the ask is sent, so the ask (1 s: time enough to
    // arrive on a loaded machine) waits in its mailbox past its deadline.
    ASSERT_TRUE(remote.Tell(Block()).ok());
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    absl::StatusOr<Total> late = remote.Ask(Ping(), absl::Seconds(1));
    EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().late_replies_dropped == 1; },
                          "the host dropped the late answer"));
    EXPECT_EQ(host_->stats().delivered, 2u);
    EXPECT_EQ(client_->stats().orphan_replies, 0u);
  });
}

TEST_F(RemoteNodeTest, WatcherGetsTerminatedWithTheRemoteExitReason) {
  RunInFiber([&] {
    ActorRef<CounterMessage> counter = PublishCounter("watched");
    RemoteRef<Command, Total> remote = LookupCounter("watched");
    Channel<Terminated> exits(4);
    ActorRef<WatcherMessage> watcher = harness_.system().Spawn<Watcher>({.name = "watcher"}, exits);
    client_->Watch(remote, watcher);
    counter.Kill(absl::AbortedError("shot by the test"));
    absl::StatusOr<Terminated> exit = exits.Recv(Context());
    ASSERT_TRUE(exit.ok()) << exit.status();
    EXPECT_EQ(exit->name, "watched");
    EXPECT_EQ(exit->reason.code(), absl::StatusCode::kAborted);
    EXPECT_EQ(exit->reason.message(), "shot by the test");
  });
}

TEST_F(RemoteNodeTest, LinkedActorsOnTwoNodesEachGetTheOthersExit) {
  RunInFiber([&] {
    Channel<ActorExit> remote_exits(4);
    ActorRef<CounterMessage> published = PublishExitTrap("linked-remote", remote_exits);
    RemoteRef<Command, Total> remote = LookupCounter("linked-remote");

    // The local actor fails: the remote one is told, with the reason.
    Channel<ActorExit> local_exits(4);
    ActorRef<CounterMessage> failing =
        harness_.system().Spawn<ExitTrap>({.name = "linked-local"}, local_exits);
    client_->Link(failing, remote);
    failing.Kill(absl::AbortedError("the local side failed"));
    absl::StatusOr<ActorExit> told_remote = remote_exits.Recv(Context());
    ASSERT_TRUE(told_remote.ok()) << told_remote.status();
    EXPECT_EQ(told_remote->name, "linked-local");
    EXPECT_EQ(told_remote->reason.code(), absl::StatusCode::kAborted) << told_remote->reason;
    EXPECT_EQ(told_remote->reason.message(), "the local side failed");

    // The remote actor fails: a local actor linked to it is told.
    ActorRef<CounterMessage> survivor =
        harness_.system().Spawn<ExitTrap>({.name = "survivor"}, local_exits);
    client_->Link(survivor, remote);
    published.Kill(absl::DataLossError("the remote side failed"));
    absl::StatusOr<ActorExit> told_local = local_exits.Recv(Context());
    ASSERT_TRUE(told_local.ok()) << told_local.status();
    EXPECT_EQ(told_local->name, "linked-remote");
    EXPECT_EQ(told_local->reason.code(), absl::StatusCode::kDataLoss) << told_local->reason;
  });
}

TEST_F(RemoteNodeTest, LinkFromANodeThatLeavesEndsTheRemoteSideUnavailable) {
  RunInFiber([&] {
    Channel<ActorExit> remote_exits(4);
    PublishExitTrap("linked-to-leaver", remote_exits);
    std::unique_ptr<RemoteNode> leaver = Connect("leaver");
    ASSERT_NE(leaver, nullptr);
    absl::StatusOr<RemoteRef<Command, Total>> remote =
        leaver->Lookup<Command, Total>("linked-to-leaver");
    ASSERT_TRUE(remote.ok()) << remote.status();
    Channel<ActorExit> local_exits(4);
    ActorRef<CounterMessage> local =
        harness_.system().Spawn<ExitTrap>({.name = "on-the-leaver"}, local_exits);
    leaver->Link(local, *remote);
    // Answered after the link on the same subject: the host holds the link now.
    ASSERT_TRUE(remote->Ask(Ping(), absl::Seconds(30)).ok());
    leaver.reset();  // leaves (a goodbye), its local actor still running
    absl::StatusOr<ActorExit> told = remote_exits.Recv(Context());
    ASSERT_TRUE(told.ok()) << told.status();
    EXPECT_EQ(told->name, "on-the-leaver");
    EXPECT_EQ(told->reason.code(), absl::StatusCode::kUnavailable) << told->reason;
    local.Stop();
    ASSERT_TRUE(local.AwaitStop().ok());
  });
}

TEST_F(RemoteNodeTest, MonitorOfAnActorNoLongerPublishedFiresNotFoundAtOnce) {
  RunInFiber([&] {
    ActorRef<CounterMessage> counter = PublishCounter("gone");
    RemoteRef<Command, Total> remote = LookupCounter("gone");
    counter.Stop();
    ASSERT_TRUE(counter.AwaitStop().ok());
    ASSERT_TRUE(WaitUntil(
        [&] { return !client_->Lookup<Command, Total>("gone").ok(); }, "the name is released"));
    Channel<absl::Status> reasons(1);
    client_->Monitor(remote, [reasons](const ActorExit& exit) { 
      (void)reasons.TrySend(absl::Status(exit.reason));
    });
    absl::StatusOr<absl::Status> reason = reasons.Recv(Context());
    ASSERT_TRUE(reason.ok());
    EXPECT_EQ(reason->code(), absl::StatusCode::kNotFound) << *reason;
  });
}

TEST_F(RemoteNodeTest, NodeThatLeavesFailsPendingAsksAndTellsMonitors) {
  RunInFiber([&] {
    PublishCounter("hosted");
    RemoteRef<Command, Total> remote = LookupCounter("hosted");
    Channel<absl::Status> reasons(1);
    client_->Monitor(remote, [reasons](const ActorExit& exit) { 
      (void)reasons.TrySend(absl::Status(exit.reason));
    });
    // An ask the host will never answer: the actor is blocked.
    JoinHandle asker = harness_.runtime().Spawn([&] {
      absl::StatusOr<Total> answer = remote.Ask(Block(), absl::Seconds(60));
      EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable) << answer.status();
    });
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    host_.reset();  // says goodbye
    absl::StatusOr<absl::Status> reason = reasons.Recv(Context());
    ASSERT_TRUE(reason.ok());
    EXPECT_EQ(reason->code(), absl::StatusCode::kUnavailable) << *reason;
    ASSERT_TRUE(asker.Join().ok());
    EXPECT_EQ(client_->stats().asks_failed_by_node_death, 1u);
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
  });
}

// A raw NATS connection of the test's own, on the test's server.
std::unique_ptr<remote_internal::Transport> ConnectRaw(const std::string& url) {
  remote_internal::TransportOptions options;
  options.url = url;
  options.connection_name = "raw";
  options.connect_timeout = absl::Seconds(2);
  options.reconnect_wait = absl::Milliseconds(100);
  options.max_reconnects = 0;
  auto raw = remote_internal::Transport::Connect(options, nullptr);
  EXPECT_TRUE(raw.ok()) << raw.status();
  return raw.ok() ? *std::move(raw) : nullptr;
}

std::string Frame(remote_internal::Kind kind, absl::string_view payload) {
  std::string frame;
  remote_internal::AppendHeader({kind, std::nullopt, 1}, &frame);
  frame.append(payload.data(), payload.size());
  return frame;
}

TEST_F(RemoteNodeTest, GarbageIsRejectedCountedAndAnsweredAndTheActorGoesOn) {
  RunInFiber([&] {
    PublishCounter("target");
    std::unique_ptr<remote_internal::Transport> raw = ConnectRaw(server_.url());
    ASSERT_NE(raw, nullptr);
    Channel<std::string> answers(8);
    auto inbox = raw->Subscribe("raw.inbox", [answers](const remote_internal::Inbound& in) {
      (void)answers.TrySend(std::string(in.data));
    });
    ASSERT_TRUE(inbox.ok());
    const std::string subject = "test.actor.target";
    const std::string reply = "raw.inbox";
    const std::string command = Add(5).SerializeAsString();
    const std::vector<std::string> hostile = {
        "garbage",                                                  // not a frame at all
        Frame(remote_internal::Kind::kAsk, command).substr(0, 10),  // a header cut short
        Frame(remote_internal::Kind::kAsk, std::string("\xff\xff\xff\xff\x0f", 5)),
        Frame(remote_internal::Kind::kAsk, command.substr(0, command.size() - 1)),  // cut
    };
    for (const std::string& frame : hostile) ASSERT_TRUE(raw->Publish(subject, frame, &reply).ok());
    for (std::size_t i = 0; i < hostile.size(); ++i) {
      absl::StatusOr<std::string> answer = answers.Recv(Context());
      ASSERT_TRUE(answer.ok());
      remote_internal::Header header;
      absl::string_view payload;
      ASSERT_TRUE(remote_internal::ParseFrame(*answer, &header, &payload));
      EXPECT_EQ(header.kind, remote_internal::Kind::kError);
      EXPECT_EQ(remote_internal::ParseStatus(payload).code(), absl::StatusCode::kInvalidArgument);
    }
    EXPECT_EQ(host_->stats().rejected, hostile.size());
    EXPECT_EQ(host_->stats().delivered, 0u);
    // The node and the actor go on: a valid ask after the garbage is answered.
    absl::StatusOr<Total> total = LookupCounter("target").Ask(Add(5), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->total(), 5);
    EXPECT_EQ(host_->stats().delivered, 1u);
    EXPECT_EQ(host_->stats().rejected, hostile.size());
    raw->Close();
  });
}

TEST_F(RemoteNodeTest, GarbageOnAReplySubjectIsRejectedAndTheAskStillAnswered) {
  RunInFiber([&] {
    // The raw connection plays the actor "spy": it sees the client's probe, with
    // the reply subject the client waits on, and answers it with garbage first.
    std::unique_ptr<remote_internal::Transport> raw = ConnectRaw(server_.url());
    ASSERT_NE(raw, nullptr);
    Channel<std::string> probes(1);
    auto spy = raw->Subscribe("test.actor.spy", [probes](const remote_internal::Inbound& in) {
      (void)probes.TrySend(std::string(in.reply));
    });
    ASSERT_TRUE(spy.ok());
    JoinHandle lookup = harness_.runtime().Spawn([&] {
      absl::StatusOr<RemoteRef<Command, Total>> found = client_->Lookup<Command, Total>("spy");
      EXPECT_TRUE(found.ok()) << found.status();
    });
    absl::StatusOr<std::string> reply = probes.Recv(Context());
    ASSERT_TRUE(reply.ok());
    std::string answer;
    remote_internal::AppendUint64(42, &answer);  // the publishing node's id
    const std::vector<std::string> hostile = {
        "garbage",
        Frame(remote_internal::Kind::kReply, answer).substr(0, 7),  // a header cut short
        Frame(remote_internal::Kind::kTell, answer),                // not an answer's kind
    };
    for (const std::string& frame : hostile) ASSERT_TRUE(raw->Publish(*reply, frame).ok());
    // A reply subject of this node's whose last token is not an ask's number.
    const std::string not_an_ask = reply->substr(0, reply->rfind('.') + 1) + "x";
    ASSERT_TRUE(raw->Publish(not_an_ask, Frame(remote_internal::Kind::kReply, answer)).ok());
    ASSERT_TRUE(raw->Publish(*reply, Frame(remote_internal::Kind::kReply, answer)).ok());
    ASSERT_TRUE(lookup.Join().ok());
    EXPECT_EQ(client_->stats().rejected, hostile.size() + 1);
    EXPECT_EQ(client_->stats().answers_received, 1u);
    raw->Close();
  });
}

TEST_F(RemoteNodeTest, SystemsOnOneServerDoNotSeeEachOthersActors) {
  std::unique_ptr<RemoteNode> other =
      remote_testing::ConnectTestNode(server_.url(), "other", "other-system");
  ASSERT_NE(other, nullptr);
  RunInFiber([&] {
    PublishCounter("shared-name");
    absl::StatusOr<RemoteRef<Command, Total>> found = other->Lookup<Command, Total>("shared-name");
    EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
    EXPECT_NE(found.status().message().find("in system \"other\""), absl::string_view::npos)
        << found.status();
    // The name is free in the other system.
    ActorRef<CounterMessage> second =
        harness_.system().Spawn<Counter>({.name = "second"}, gate_, probe_);
    absl::Status published = other->Publish<Command, Total>(
        "shared-name", second,
        [](Command command, Reply<Total> reply) { return RemoteCommand{std::move(command),
                                                                       std::move(reply)}; });
    EXPECT_TRUE(published.ok()) << published;
    EXPECT_EQ(host_->stats().rejected, 0u);
  });
}

TEST_F(RemoteNodeTest, ServerRestartIsCountedAndAsksWorkAfterIt) {
  RunInFiber([&] {
    PublishCounter("durable");
    RemoteRef<Command, Total> remote = LookupCounter("durable");
    ASSERT_TRUE(remote.Tell(Block()).ok());
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    // One ask in flight across the restart: its request is in the host's mailbox.
    JoinHandle asker = harness_.runtime().Spawn([&] {
      absl::StatusOr<Total> answer = remote.Ask(Add(5, 9, 0), absl::Seconds(20));
      EXPECT_TRUE(answer.ok()) << answer.status();
    });
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().delivered == 2; }, "the ask is queued"));
    absl::Status restarted = server_.Restart();
    ASSERT_TRUE(restarted.ok()) << restarted;
    ASSERT_TRUE(WaitUntil(
        [&] { return host_->stats().reconnects == 1 && client_->stats().reconnects == 1; },
        "both nodes reconnected"));
    EXPECT_EQ(client_->stats().disconnects, 1u);
    EXPECT_EQ(client_->stats().asks_pending_at_disconnect, 1u);
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(asker.Join().ok());
    absl::StatusOr<Total> total = remote.Ask(Ping(), absl::Seconds(30));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(total->total(), 5);
  });
}

TEST_F(RemoteNodeTest, WhatAFullBufferDropsIsCountedAndLoggedNeverSilent) {
  // The host's client buffers at most 8 messages per subscription; the actor's
  // mailbox holds 4 and the actor is blocked, so the delivery thread waits on the
  // mailbox and most of a burst of tells finds the buffer full.
  host_ = Connect("narrow-host", absl::Seconds(5), /*pending_messages_limit=*/8);
  ASSERT_NE(host_, nullptr);
  testing::LogCapture log;
  RunInFiber([&] {
    PublishCounter("narrow", /*capacity=*/4);
    RemoteRef<Command, Total> remote = LookupCounter("narrow");
    ASSERT_TRUE(remote.Tell(Block()).ok());
    ASSERT_TRUE(WaitUntil([&] { return probe_->blocked.load() == 1; }, "the actor is blocked"));
    constexpr uint64_t kTells = 200;
    for (uint64_t i = 0; i < kTells; ++i) {
      ASSERT_TRUE(remote.Tell(Add(1, 1, static_cast<int64_t>(i))).ok());
    }
    ASSERT_TRUE(WaitUntil([&] { return host_->stats().dropped_by_full_buffer > 0; },
                          "the host's client drops"));
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    // Every tell is either delivered to the actor or counted as dropped.
    ASSERT_TRUE(WaitUntil(
        [&] {
          const RemoteStats stats = host_->stats();
          return stats.delivered + stats.dropped_by_full_buffer == 1 + kTells;
        },
        "every tell is delivered or counted dropped"));
    const RemoteStats stats = host_->stats();
    EXPECT_EQ(stats.undeliverable, 0u);
    absl::StatusOr<Total> total = remote.Ask(Ping(), absl::Seconds(20));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(static_cast<uint64_t>(total->handled()), kTells - stats.dropped_by_full_buffer);
    // The client reports the episode on its own callback thread, after the fact.
    auto warned = [&] {
      for (const std::string& line : log.lines()) {
        if (line.find("drops what arrives") != std::string::npos &&
            line.find("test.actor.narrow") != std::string::npos) {
          return true;
        }
      }
      return false;
    };
    EXPECT_TRUE(WaitUntil(
        [&] { return host_->stats().full_buffer_episodes >= 1 && warned(); },
        "the full buffer is counted as an episode and logged naming test.actor.narrow"));
  });
}

TEST(RemoteNodeOptionsTest, InvalidOptionsSayWhatIsAllowed) {
  RemoteNodeOptions bad_system;
  bad_system.system = "a.b";
  EXPECT_EQ(RemoteNode::Connect(bad_system).status().message(),
            "system must be letters, digits, '-' or '_'; got \"a.b\"");
  RemoteNodeOptions bad_detection;
  bad_detection.heartbeat_interval = absl::Seconds(1);
  bad_detection.failure_detection = absl::Seconds(1);
  EXPECT_EQ(RemoteNode::Connect(bad_detection).status().code(),
            absl::StatusCode::kInvalidArgument);
  RemoteNodeOptions bad_buffer;
  bad_buffer.pending_messages_limit = 0;
  EXPECT_EQ(RemoteNode::Connect(bad_buffer).status().message(),
            "pending_messages_limit and pending_bytes_limit must be at least 1; got 0 and 67108864");
}

TEST(RemoteNodeOptionsTest, NoServerIsUnavailable) {
  RemoteNodeOptions options;
  options.url = "nats://127.0.0.1:1";
  options.connect_timeout = absl::Milliseconds(500);
  EXPECT_EQ(RemoteNode::Connect(options).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace troupe
