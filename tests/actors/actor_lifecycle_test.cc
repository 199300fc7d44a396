// The lifecycle of an actor's fiber: an idle actor parks at the top of its loop
// without a stack and runs again on a pooled stack when a message comes; a handler
// that parks mid-message keeps its stack; supervision restarts work across stackless
// parks. Each runs over 1, 2 and 4 processors, driven from a plain thread (which
// holds no stack), so Stats().stacks_in_use counts actor fibers only.
#include <atomic>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/actors/supervisor.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::testing {
namespace {

// How many fibers are parked at the top of an actor loop (idle, no stack).
int IdleActorFibers(Runtime& runtime) {
  return testing::CountParked(runtime, "mailbox (idle, no stack)");
}

class ActorLifecycleTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  Runtime& runtime() { return harness_.runtime(); }
  ActorSystem& system() { return harness_.system(); }

  ActorHarness harness_;
};

TEST_P(ActorLifecycleTest, IdleActorsHoldNoStackAndKeepTheirState) {
  constexpr int kActors = 200;
  std::vector<ActorRef<CounterMessage>> counters;
  for (int i = 0; i < kActors; ++i) counters.push_back(system().Spawn<Counter>({}, i));
  for (auto& counter : counters) ASSERT_TRUE(counter.Tell(Add{1}).ok());
  ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kActors, "mailbox (idle, no stack)"));
  EXPECT_EQ(runtime().Stats().stacks_in_use, 0u) << runtime().Stats().ToString();

  // Woken by a message, each runs again (on a pooled stack) with its state intact.
  for (auto& counter : counters) ASSERT_TRUE(counter.Tell(Add{10}).ok());
  for (int i = 0; i < kActors; ++i) {
    absl::StatusOr<int64_t> total = TotalOf(counters[i]);
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_EQ(*total, i + 11) << "actor " << i;
  }
  ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kActors, "mailbox (idle, no stack)"));
  EXPECT_EQ(runtime().Stats().stacks_in_use, 0u) << runtime().Stats().ToString();
}

// Parks mid-message on a semaphore until the test releases it.
struct Block {};
struct Count {
  Reply<int> reply;
};
using BlockerMessage = std::variant<Block, Count>;

class Blocker : public Actor<BlockerMessage> {
 public:
  Blocker(Semaphore* gate, std::atomic<int>* blocked) : gate_(gate), blocked_(blocked) {}
  void Receive(BlockerMessage& message) override {
    std::visit(Overloaded{[&](Block&) {
                            blocked_->fetch_add(1);
                            (void)gate_->Acquire();
                            ++handled_;
                          },
                          [&](Count& m) { m.reply.Send(handled_); }},
               message);
  }

 private:
  Semaphore* gate_;
  std::atomic<int>* blocked_;
  int handled_ = 0;
};

TEST_P(ActorLifecycleTest, HandlerParkedMidMessageKeepsItsStack) {
  Semaphore gate(0);
  std::atomic<int> blocked{0};
  ActorRef<BlockerMessage> blocker = system().Spawn<Blocker>({}, &gate, &blocked);
  ASSERT_TRUE(blocker.Tell(Block{}).ok());
  ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "semaphore"));
  ASSERT_EQ(blocked.load(), 1);
  EXPECT_EQ(runtime().Stats().stacks_in_use, 1u) << runtime().Stats().ToString();
  EXPECT_EQ(IdleActorFibers(runtime()), 0);

  gate.Release(1);
  absl::StatusOr<int> handled =
      Ask<int>(blocker, [](Reply<int> reply) { return Count{std::move(reply)}; });
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(*handled, 1);
  ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "mailbox (idle, no stack)"));
  EXPECT_EQ(runtime().Stats().stacks_in_use, 0u) << runtime().Stats().ToString();
}

// Counts its starts; fails on Fail (test_actors.h's Counter does too).
class CountingStarts : public Counter {
 public:
  explicit CountingStarts(std::atomic<int>* starts) : starts_(starts) {}
  void OnStart() override { starts_->fetch_add(1); }

 private:
  std::atomic<int>* starts_;
};

TEST_P(ActorLifecycleTest, SupervisorRestartsAnActorThatFailsAfterSleepingWithoutAStack) {
  std::atomic<int> starts{0};
  Supervisor supervisor(system(), SupervisorOptions{});
  ActorRef<CounterMessage> child = supervisor.StartChild<CountingStarts>({}, &starts);
  ASSERT_TRUE(child.Tell(Add{5}).ok());
  ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "mailbox (idle, no stack)"));
  ASSERT_EQ(runtime().Stats().stacks_in_use, 0u);

  ASSERT_TRUE(child.Tell(Fail{"boom"}).ok());  // wakes it on a pooled stack; it throws
  ASSERT_TRUE(child.Tell(Add{2}).ok());        // handled by the fresh instance
  absl::StatusOr<int64_t> total = TotalOf(child);
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 2) << "the restarted instance starts from scratch";
  EXPECT_EQ(starts.load(), 2);
  EXPECT_TRUE(child.alive());
}

INSTANTIATE_TEST_SUITE_P(Procs, ActorLifecycleTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe::testing
