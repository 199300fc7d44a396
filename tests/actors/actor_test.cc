// Actors: delivery, ordering, request/reply, lifecycle, monitors, links, bounded
// mailboxes, dead letters, the registry, become and stash.
#include "troupe/actors/actor.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using testing::Add;
using testing::Counter;
using testing::CounterMessage;
using testing::Fail;
using testing::GetTotal;
using testing::TotalOf;

class ActorTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  template <typename F>
  void RunInFiber(F&& body) {
    harness_.RunInFiber(std::forward<F>(body));
  }
  ActorSystem& system() { return harness_.system(); }
  Runtime& runtime() { return harness_.runtime(); }

 private:
  testing::ActorHarness harness_;
};

// Records, per sender, that sequence numbers arrive in order.
struct Sequenced {
  int sender;
  int sequence;
};
struct Report {
  Reply<std::string> reply;
};
using OrderMessage = std::variant<Sequenced, Report>;

class OrderChecker : public Actor<OrderMessage> {
 public:
  explicit OrderChecker(int senders) : next_(senders, 0) {}
  void Receive(OrderMessage& message) override {
    std::visit(Overloaded{[&](Sequenced& m) {
                            if (m.sequence != next_[m.sender]) {
                              errors_ += "sender " + std::to_string(m.sender) + " expected " +
                                         std::to_string(next_[m.sender]) + " got " +
                                         std::to_string(m.sequence) + "; ";
                            }
                            next_[m.sender] = m.sequence + 1;
                            ++received_;
                          },
                          [&](Report& m) {
                            m.reply.Send(errors_ + "received=" + std::to_string(received_));
                          }},
               message);
  }

 private:
  std::vector<int> next_;
  std::string errors_;
  int64_t received_ = 0;
};

TEST_P(ActorTest, TellDeliversAndAskReplies) {
  ActorRef<CounterMessage> counter = system().Spawn<Counter>({.name = "counter"}, 10);
  RunInFiber([&] {
    for (int i = 1; i <= 100; ++i) ASSERT_TRUE(counter.Tell(Add{i}).ok());
    absl::StatusOr<int64_t> total = TotalOf(counter);
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(*total, 10 + 5050);
    counter.Stop();  // the count is final once the actor has stopped
    ASSERT_TRUE(counter.AwaitStop().ok());
  });
  EXPECT_EQ(counter.processed(), 101u);
}

TEST_P(ActorTest, EachSendersMessagesArriveInOrderExactlyOnce) {
  constexpr int kSenders = 100;
#if defined(__SANITIZE_THREAD__)
  constexpr int kPerSender = 200;  // ThreadSanitizer: 100,000 Tells took 38 s per run here
#else
  constexpr int kPerSender = 1000;
#endif
  ActorRef<OrderMessage> checker = system().Spawn<OrderChecker>({}, kSenders);
  RunInFiber([&] {
    std::vector<JoinHandle> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.push_back(Spawn([&, s] {
        for (int i = 0; i < kPerSender; ++i) {
          ASSERT_TRUE(checker.Tell(Sequenced{s, i}).ok());
          if (i % 100 == 0) this_fiber::Yield();  // migrate between processors
        }
      }));
    }
    for (auto& sender : senders) ASSERT_TRUE(sender.Join().ok());
    absl::StatusOr<std::string> report =
        Ask<std::string>(checker, [](Reply<std::string> r) { return Report{std::move(r)}; });
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(*report, "received=" + std::to_string(kSenders * kPerSender));
  });
}

// An actor that answers only after being told to, so Asks can time out.
struct Hold {
  Reply<int> reply;
};
struct ReleaseAll {};
struct AskDeadline {
  Reply<bool> reply;
};
using HolderMessage = std::variant<Hold, ReleaseAll, AskDeadline>;
class Holder : public Actor<HolderMessage> {
 public:
  void Receive(HolderMessage& message) override {
    std::visit(Overloaded{[&](Hold& m) { held_.push_back(std::move(m.reply)); },
                          [&](ReleaseAll&) {
                            for (auto& reply : held_) reply.Send(1);
                            held_.clear();
                          },
                          [&](AskDeadline& m) {
                            // The asker's deadline travels with the request.
                            m.reply.Send(request_context().deadline().has_value());
                          }},
               message);
  }

 private:
  std::vector<Reply<int>> held_;
};

TEST_P(ActorTest, AskTimesOutWithDeadlineExceeded) {
  ActorRef<HolderMessage> holder = system().Spawn<Holder>({});
  RunInFiber([&] {
    absl::StatusOr<int> answer = Ask<int>(
        holder, [](Reply<int> r) { return Hold{std::move(r)}; }, absl::Milliseconds(2));
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded);
    ASSERT_TRUE(holder.Tell(ReleaseAll{}).ok());
  });
}

TEST_P(ActorTest, TheAskersContextReachesTheActor) {
  ActorRef<HolderMessage> holder = system().Spawn<Holder>({});
  RunInFiber([&] {
    auto [context, cancel] = WithTimeout(Context(), absl::Seconds(60));
    absl::StatusOr<bool> saw_deadline =
        Ask<bool>(holder, [](Reply<bool> r) { return AskDeadline{std::move(r)}; }, context);
    ASSERT_TRUE(saw_deadline.ok());
    EXPECT_TRUE(*saw_deadline);
    saw_deadline = Ask<bool>(holder, [](Reply<bool> r) { return AskDeadline{std::move(r)}; });
    ASSERT_TRUE(saw_deadline.ok());
    EXPECT_FALSE(*saw_deadline);
  });
}

TEST_P(ActorTest, AskingAStoppedActorFailsAtOnce) {
  ActorRef<CounterMessage> counter = system().Spawn<Counter>({.name = "gone"});
  counter.Stop();
  ASSERT_TRUE(counter.AwaitStop().ok());
  RunInFiber([&] {
    absl::StatusOr<int64_t> total = TotalOf(counter);
    EXPECT_EQ(total.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(total.status().message().find("gone"), std::string::npos) << total.status();
  });
  EXPECT_GE(system().dead_letters(), 1u);
}

TEST_P(ActorTest, ARequestDroppedWithoutReplyFailsTheAsk) {
  ActorRef<HolderMessage> holder = system().Spawn<Holder>({});
  RunInFiber([&] {
    JoinHandle asker = Spawn([&] {
      absl::StatusOr<int> answer = Ask<int>(holder, [](Reply<int> r) { return Hold{std::move(r)}; });
      EXPECT_EQ(answer.status().code(), absl::StatusCode::kAborted);
    });
    ASSERT_TRUE(testing::WaitUntil([&] { return holder.processed() != 0; },
                                   "the holder has taken the request"));
    holder.Kill();  // the held Reply is destroyed with the actor
    ASSERT_TRUE(asker.Join().ok());
  });
}


TEST_P(ActorTest, MonitorsLearnHowAnActorEnded) {
  ActorRef<CounterMessage> normal = system().Spawn<Counter>({});
  ActorRef<CounterMessage> failing = system().Spawn<Counter>({});
  Semaphore told(0);
  absl::Status normal_reason = absl::UnknownError("not told");
  absl::Status failing_reason;
  normal.Monitor([&](const ActorExit& exit) {
    normal_reason = exit.reason;
    told.Release();
  });
  failing.Monitor([&](const ActorExit& exit) {
    failing_reason = exit.reason;
    told.Release();
  });
  RunInFiber([&] {
    normal.Stop();
    ASSERT_TRUE(failing.Tell(Fail{"boom"}).ok());
    told.Acquire();
    told.Acquire();
  });
  EXPECT_TRUE(normal_reason.ok());
  EXPECT_EQ(failing_reason.code(), absl::StatusCode::kInternal);
  EXPECT_NE(failing_reason.message().find("boom"), std::string::npos);
  // Monitoring an actor that has already stopped reports at once.
  bool late = false;
  normal.Monitor([&](const ActorExit&) { late = true; });
  EXPECT_TRUE(late);
}

// Traps linked exits instead of failing with them.
struct Ping {};
using TrapMessage = std::variant<Ping>;
class Trapper : public Actor<TrapMessage> {
 public:
  explicit Trapper(std::shared_ptr<std::atomic<int>> trapped) : trapped_(std::move(trapped)) {}
  void Receive(TrapMessage&) override {}
  void OnLinkedExit(const ActorExit& exit) override {
    if (!exit.reason.ok()) trapped_->fetch_add(1);
  }

 private:
  std::shared_ptr<std::atomic<int>> trapped_;
};

TEST_P(ActorTest, LinkedActorsFailTogetherUnlessTrapped) {
  ActorRef<CounterMessage> a = system().Spawn<Counter>({});
  ActorRef<CounterMessage> b = system().Spawn<Counter>({});
  auto trapped = std::make_shared<std::atomic<int>>(0);
  ActorRef<TrapMessage> trapper = system().Spawn<Trapper>({}, trapped);
  Link(a, b);
  Link(a, trapper);
  RunInFiber([&] {
    ASSERT_TRUE(a.Tell(Fail{"a failed"}).ok());
    ASSERT_TRUE(a.AwaitStop().ok());
    ASSERT_TRUE(b.AwaitStop().ok());  // b failed with it
    ASSERT_TRUE(testing::WaitUntil([&] { return trapped->load() != 0; },
                                   "the trapper has seen the linked exit"));
  });
  EXPECT_FALSE(b.alive());
  EXPECT_TRUE(trapper.alive());
  EXPECT_EQ(trapped->load(), 1);
}

// Blocks in Receive until released, so its mailbox fills.
struct Block {
  Semaphore* gate;
};
using GateMessage = std::variant<Block, Add>;
class Gated : public Actor<GateMessage> {
 public:
  void Receive(GateMessage& message) override {
    if (auto* block = std::get_if<Block>(&message)) block->gate->Acquire();
  }
};

TEST_P(ActorTest, GracefulStopHandlesWhatIsQueuedKillDropsIt) {
  constexpr int kQueued = 100;
  std::atomic<int> dead{0};
  system().OnDeadLetter([&](const DeadLetter&) { dead.fetch_add(1); });
  // Each actor is held inside Receive (by a Block) while kQueued messages queue
  // behind it; then one is stopped and the other killed.
  Semaphore graceful_gate(0);
  Semaphore killed_gate(0);
  ActorRef<GateMessage> graceful = system().Spawn<Gated>({});
  ActorRef<GateMessage> killed = system().Spawn<Gated>({});
  RunInFiber([&] {
    for (auto [actor, gate] : {std::make_pair(&graceful, &graceful_gate),
                               std::make_pair(&killed, &killed_gate)}) {
      ASSERT_TRUE(actor->Tell(Block{gate}).ok());
      for (int i = 0; i < kQueued; ++i) ASSERT_TRUE(actor->Tell(Add{1}).ok());
    }
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 2, "semaphore"));  // both inside
    graceful.Stop();
    killed.Kill();
    graceful_gate.Release();
    killed_gate.Release();
    ASSERT_TRUE(graceful.AwaitStop().ok());
    ASSERT_TRUE(killed.AwaitStop().ok());
  });
  EXPECT_EQ(graceful.processed(), 1u + kQueued);  // Stop: everything queued is handled
  EXPECT_EQ(killed.processed(), 1u);              // Kill: only the Receive in progress
  EXPECT_EQ(dead.load(), kQueued);                // ... the rest are dead letters
  // After the stop, tells are dead letters, counted and reported.
  EXPECT_EQ(graceful.Tell(Add{1}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(dead.load(), kQueued + 1);
  EXPECT_EQ(system().dead_letters(), static_cast<uint64_t>(kQueued) + 1);
}

TEST_P(ActorTest, KilledActorsLeftoversAreDeadLetters) {
  // Killed while inside Receive with kSent messages queued: none of those is
  // handled (a Stop would handle them all); each is a dead letter.
  constexpr int kSent = 1000;
  Semaphore gate(0);
  ActorRef<GateMessage> victim = system().Spawn<Gated>({});
  RunInFiber([&] {
    ASSERT_TRUE(victim.Tell(Block{&gate}).ok());
    for (int i = 0; i < kSent; ++i) ASSERT_TRUE(victim.Tell(Add{1}).ok());
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "semaphore"));  // inside Receive
    victim.Kill();
    gate.Release();
    ASSERT_TRUE(victim.AwaitStop().ok());
  });
  EXPECT_EQ(victim.processed(), 1u);
  EXPECT_EQ(system().dead_letters(), static_cast<uint64_t>(kSent));
}

// Stops itself after handling `limit` messages.
class StopsAfter : public Actor<int> {
 public:
  explicit StopsAfter(int limit) : limit_(limit) {}
  void Receive(int&) override {
    if (++handled_ == limit_) StopSelf();
  }

 private:
  const int limit_;
  int handled_ = 0;
};

// Threads tell actors that stop themselves part-way: every message is handled or
// counted as a dead letter — whether it was queued before the stop (drained by it),
// raced it (drained by the stop or by the Tell that finds the actor stopped) or came
// after it (refused) — none is lost between the stop's drain and the Tell's.
TEST_P(ActorTest, TellsRacingAnActorsStopAreEachHandledOrADeadLetter) {
  constexpr int kActors = 100;
  constexpr int kSenders = 2;
  constexpr int kPerSender = 100;
  constexpr int kStopAfter = 50;
  for (int round = 0; round < kActors; ++round) {
    const uint64_t dead_before = system().dead_letters();
    ActorRef<int> actor = system().Spawn<StopsAfter>({}, kStopAfter);
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([&actor] {
        for (int i = 0; i < kPerSender; ++i) actor.Tell(i);  // a refused one is a dead letter
      });
    }
    for (std::thread& sender : senders) sender.join();
    ASSERT_TRUE(actor.AwaitStop().ok());
    EXPECT_EQ(actor.processed(), static_cast<uint64_t>(kStopAfter));
    ASSERT_EQ(actor.processed() + (system().dead_letters() - dead_before),
              static_cast<uint64_t>(kSenders * kPerSender))
        << "round " << round << ": messages neither handled nor dead letters";
  }
}

TEST_P(ActorTest, BoundedMailboxPoliciesWhenFull) {
  Semaphore gate(0);
  ActorRef<GateMessage> rejecting = system().Spawn<Gated>(
      {.name = "rejecting", .mailbox_capacity = 2, .overflow = MailboxOverflow::kReject});
  ActorRef<GateMessage> dropping = system().Spawn<Gated>(
      {.name = "dropping", .mailbox_capacity = 2, .overflow = MailboxOverflow::kDrop});
  RunInFiber([&] {
    for (auto* actor : {&rejecting, &dropping}) {
      ASSERT_TRUE(actor->Tell(Block{&gate}).ok());
    }
    // Each actor is now inside Receive, parked on the gate; two more fit, the third
    // does not.
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 2, "semaphore"));
    for (auto* actor : {&rejecting, &dropping}) {
      ASSERT_EQ(actor->mailbox_depth(), 0u);  // the Block was taken out
      EXPECT_TRUE(actor->Tell(Add{1}).ok());
      EXPECT_TRUE(actor->Tell(Add{2}).ok());
    }
    // Either way the message is counted as a dead letter.
    uint64_t dead_before = system().dead_letters();
    absl::Status rejected = rejecting.Tell(Add{3});
    EXPECT_EQ(rejected.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(rejected.message().find("not sent"), std::string::npos) << rejected;
    EXPECT_EQ(system().dead_letters(), dead_before + 1);
    dead_before = system().dead_letters();
    absl::Status dropped = dropping.Tell(Add{3});
    EXPECT_EQ(dropped.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(dropped.message().find("dropped"), std::string::npos) << dropped;
    EXPECT_EQ(system().dead_letters(), dead_before + 1);
    gate.Release(2);
  });
}

TEST_P(ActorTest, BlockingMailboxParksTheSender) {
  Semaphore gate(0);
  ActorRef<GateMessage> actor =
      system().Spawn<Gated>({.mailbox_capacity = 4, .overflow = MailboxOverflow::kBlockSender});
  std::atomic<int> sent{0};
  RunInFiber([&] {
    ASSERT_TRUE(actor.Tell(Block{&gate}).ok());
    // The actor is inside Receive (its mailbox empty) before the sender starts.
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "semaphore"));
    JoinHandle sender = Spawn([&] {
      for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(actor.Tell(Add{1}).ok());
        sent.fetch_add(1);
      }
    });
    // The sender gets capacity messages in while the actor is blocked, then parks.
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), sender.id(), "mailbox full"));
    EXPECT_EQ(actor.mailbox_depth(), 4u);
    EXPECT_EQ(sent.load(), 4);
    gate.Release();
    ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_EQ(sent.load(), 20);
}

// An unbounded mailbox parks senders only briefly (its soft bound): a sender can
// queue far more than the soft limit while the actor is blocked, even when the
// actor waits for that very sender.
TEST_P(ActorTest, UnboundedTellNeverWaitsForABlockedActor) {
  constexpr int kMessages = 3 * actors_internal::MailboxRoom::kSoftLimit;
  Semaphore gate(0);
  ActorRef<GateMessage> actor = system().Spawn<Gated>({.name = "blocked"});
  RunInFiber([&] {
    ASSERT_TRUE(actor.Tell(Block{&gate}).ok());
    for (int i = 0; i < kMessages; ++i) ASSERT_TRUE(actor.Tell(Add{1}).ok());
    EXPECT_GE(actor.mailbox_depth(), kMessages);  // the actor is still blocked
    gate.Release();  // what it was waiting for, from the sender
  });
  actor.Stop();
  ASSERT_TRUE(actor.AwaitStop().ok());
  EXPECT_EQ(actor.processed(), kMessages + 1u);
}

// Tells itself far more than the soft limit from inside Receive; its own fiber never
// parks on its own mailbox.
struct Flood {
  int messages;
  Semaphore* done;
};
struct Tick {};
using FloodMessage = std::variant<Flood, Tick>;
class SelfFlooder : public Actor<FloodMessage> {
 public:
  void Receive(FloodMessage& message) override {
    if (auto* flood = std::get_if<Flood>(&message)) {
      expected_ = flood->messages;
      done_ = flood->done;
      for (int i = 0; i < flood->messages; ++i) {
        if (!self().Tell(Tick{}).ok()) throw std::runtime_error("self-tell failed");
      }
    } else if (++ticks_ == expected_) {
      done_->Release();
    }
  }

 private:
  int expected_ = 0;
  int ticks_ = 0;
  Semaphore* done_ = nullptr;
};

TEST_P(ActorTest, AnActorTellingItselfPastTheSoftLimitNeverParks) {
  constexpr int kMessages = 3 * actors_internal::MailboxRoom::kSoftLimit;
  Semaphore done(0);
  ActorRef<FloodMessage> actor = system().Spawn<SelfFlooder>({});
  RunInFiber([&] {
    ASSERT_TRUE(actor.Tell(Flood{kMessages, &done}).ok());
    done.Acquire();
  });
  EXPECT_EQ(actor.processed(), kMessages + 1u);
}

TEST_P(ActorTest, RegistryFindsActorsByNameAndForgetsStoppedOnes) {
  ActorRef<CounterMessage> counter = system().Spawn<Counter>({.name = "totals"});
  ASSERT_TRUE(system().Register("totals", counter).ok());
  EXPECT_EQ(system().Register("totals", counter).code(), absl::StatusCode::kAlreadyExists);
  absl::StatusOr<ActorRef<CounterMessage>> found = system().Lookup<CounterMessage>("totals");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id(), counter.id());
  EXPECT_EQ(system().Lookup<OrderMessage>("totals").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(system().Lookup<CounterMessage>("nobody").status().code(),
            absl::StatusCode::kNotFound);
  counter.Stop();
  ASSERT_TRUE(counter.AwaitStop().ok());
  EXPECT_EQ(system().Lookup<CounterMessage>("totals").status().code(),
            absl::StatusCode::kNotFound);
}

// Becomes a doubler after "Switch"; stashes Adds until "Open".
struct Switch {};
struct Open {};
using ModalMessage = std::variant<Add, Switch, Open, GetTotal>;
class Modal : public Actor<ModalMessage> {
 public:
  void OnStart() override {
    Become([this](ModalMessage& m) {  // closed: stash Adds until Open
      if (std::holds_alternative<Add>(m)) {
        Stash();
      } else if (std::holds_alternative<Open>(m)) {
        Unbecome();
        UnstashAll();
      } else {
        Receive(m);
      }
    });
  }
  void Receive(ModalMessage& message) override {
    std::visit(Overloaded{[&](Add& m) { total_ += m.amount * factor_; },
                          [&](Switch&) { factor_ = 2; }, [&](Open&) {},
                          [&](GetTotal& m) { m.reply.Send(total_); }},
               message);
  }

 private:
  int64_t total_ = 0;
  int factor_ = 1;
};

TEST_P(ActorTest, BecomeAndStashDeferMessagesUntilReady) {
  ActorRef<ModalMessage> modal = system().Spawn<Modal>({});
  RunInFiber([&] {
    ASSERT_TRUE(modal.Tell(Add{1}).ok());   // stashed
    ASSERT_TRUE(modal.Tell(Switch{}).ok());  // handled while closed
    ASSERT_TRUE(modal.Tell(Add{10}).ok());  // stashed
    ASSERT_TRUE(modal.Tell(Open{}).ok());   // unstash: 2*1 + 2*10
    ASSERT_TRUE(modal.Tell(Add{100}).ok());  // 2*100
    absl::StatusOr<int64_t> total =
        Ask<int64_t>(modal, [](Reply<int64_t> r) { return GetTotal{std::move(r)}; });
    ASSERT_TRUE(total.ok());
    EXPECT_EQ(*total, 222);
  });
}

// Records the counter of a busy actor when it runs.
struct Peek {
  const ActorRef<CounterMessage>* busy;
  std::atomic<uint64_t>* seen;
};
using PeekMessage = std::variant<Peek>;
class Peeker : public Actor<PeekMessage> {
 public:
  void Receive(PeekMessage& message) override {
    Peek& peek = std::get<Peek>(message);
    peek.seen->store(peek.busy->processed());
  }
};

TEST(ActorFairnessTest, ABusyActorYieldsAfterItsBatch) {
  // One processor: a busy actor with 1000 queued messages and batch 10 must let the
  // other actor run long before it has handled them all.
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  ActorSystem system(**runtime);
  ActorRef<CounterMessage> busy = system.Spawn<Counter>({.batch = 10});
  ActorRef<PeekMessage> peeker = system.Spawn<Peeker>({});
  std::atomic<uint64_t> seen{~0ull};
  ASSERT_TRUE((*runtime)->Run([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(busy.Tell(Add{1}).ok());
    ASSERT_TRUE(peeker.Tell(Peek{&busy, &seen}).ok());
    ASSERT_TRUE(TotalOf(busy).ok());
  }).ok());
  EXPECT_LT(seen.load(), 1000u);
}

INSTANTIATE_TEST_SUITE_P(Procs, ActorTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe

namespace troupe {
namespace {

// Asks its peer for a number, passing the request on: with peers A -> B -> A the
// second ask would close a cycle.
struct Relay {
  Reply<int> reply;
};
struct SetPeer {
  ActorRef<std::variant<Relay, SetPeer>> peer;
};
using RelayMessage = std::variant<Relay, SetPeer>;
class Relayer : public Actor<RelayMessage> {
 public:
  void Receive(RelayMessage& message) override {
    if (auto* set = std::get_if<SetPeer>(&message)) {
      peer_ = set->peer;
      return;
    }
    absl::StatusOr<int> answer =
        Ask<int>(peer_, [](Reply<int> r) { return Relay{std::move(r)}; }, request_context());
    std::get<Relay>(message).reply.Send(answer.ok() ? absl::StatusOr<int>(*answer + 1)
                                                    : answer.status());
  }

 private:
  ActorRef<RelayMessage> peer_;
};

TEST(AskCycleTest, ACycleOfAsksFailsAtOnceNamingTheActors) {
  testing::ActorHarness harness;
  harness.Start(2);
  std::string reported;
  harness.system().OnAskCycle([&](const std::string& message) { reported = message; });
  ActorRef<RelayMessage> a = harness.system().Spawn<Relayer>({.name = "a"});
  ActorRef<RelayMessage> b = harness.system().Spawn<Relayer>({.name = "b"});
  harness.RunInFiber([&] {
    ASSERT_TRUE(a.Tell(SetPeer{b}).ok());
    ASSERT_TRUE(b.Tell(SetPeer{a}).ok());
    // a asks b, b asks a: b's ask is refused, b answers a with the error.
    absl::StatusOr<int> answer =
        Ask<int>(a, [](Reply<int> r) { return Relay{std::move(r)}; }, absl::Seconds(60));
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(answer.status().message().find("ask cycle"), std::string::npos) << answer.status();
  });
  EXPECT_NE(reported.find("b (#"), std::string::npos) << reported;
  EXPECT_NE(reported.find("-> a (#"), std::string::npos) << reported;
  EXPECT_EQ(harness.system().ask_cycles(), 1u);
  harness.Finish();
}

}  // namespace
}  // namespace troupe
