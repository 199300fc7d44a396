// Supervision: restart strategies, the restart-intensity limit and escalation.
#include "troupe/actors/supervisor.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using testing::Add;
using testing::Counter;
using testing::CounterMessage;
using testing::Fail;
using testing::TotalOf;

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override { harness_.Start(2); }
  void TearDown() override { harness_.Finish(); }
  template <typename F>
  void RunInFiber(F&& body) {
    harness_.RunInFiber(std::forward<F>(body));
  }

  testing::ActorHarness harness_;
  
};

// The total an actor has now, or -1 if it cannot answer.
int64_t Total(const ActorRef<CounterMessage>& counter) {
  absl::StatusOr<int64_t> total = TotalOf(counter);
  return total.ok() ? *total : -1;
}

TEST_F(SupervisorTest, OneForOneRestartsOnlyTheFailedChildWithItsMailbox) {
  Supervisor supervisor(harness_.system(), {.strategy = RestartStrategy::kOneForOne});
  auto a = supervisor.StartChild<Counter>({.name = "a"}, 100);
  auto b = supervisor.StartChild<Counter>({.name = "b"}, 100);
  RunInFiber([&] {
    ASSERT_TRUE(a.Tell(Add{5}).ok());
    ASSERT_TRUE(b.Tell(Add{5}).ok());
    ASSERT_TRUE(a.Tell(Fail{"bad input"}).ok());
    ASSERT_TRUE(a.Tell(Add{1}).ok());  // handled by the fresh instance
    EXPECT_EQ(Total(a), 101);  // restarted from its constructor arguments
    EXPECT_EQ(Total(b), 105);  // untouched
  });
  EXPECT_TRUE(a.alive());
  EXPECT_EQ(supervisor.restarts(), 1u);
}

TEST_F(SupervisorTest, OneForAllRestartsEveryChild) {
  Supervisor supervisor(harness_.system(), {.strategy = RestartStrategy::kOneForAll});
  auto a = supervisor.StartChild<Counter>({.name = "a"});
  auto b = supervisor.StartChild<Counter>({.name = "b"});
  RunInFiber([&] {
    ASSERT_TRUE(b.Tell(Add{7}).ok());
    EXPECT_EQ(Total(b), 7);
    ASSERT_TRUE(a.Tell(Fail{"a failed"}).ok());
    EXPECT_EQ(Total(a), 0);
    EXPECT_EQ(Total(b), 0);  // restarted with a
  });
}

TEST_F(SupervisorTest, RestForOneRestartsTheFailedChildAndLaterOnes) {
  Supervisor supervisor(harness_.system(), {.strategy = RestartStrategy::kRestForOne});
  auto first = supervisor.StartChild<Counter>({.name = "first"});
  auto middle = supervisor.StartChild<Counter>({.name = "middle"});
  auto last = supervisor.StartChild<Counter>({.name = "last"});
  RunInFiber([&] {
    for (auto* child : {&first, &middle, &last}) ASSERT_TRUE(child->Tell(Add{3}).ok());
    for (auto* child : {&first, &middle, &last}) EXPECT_EQ(Total(*child), 3);
    ASSERT_TRUE(middle.Tell(Fail{"middle failed"}).ok());
    EXPECT_EQ(Total(middle), 0);
    EXPECT_EQ(Total(last), 0);
    EXPECT_EQ(Total(first), 3);  // started before the failed one: kept
  });
}

TEST_F(SupervisorTest, TooManyRestartsMakeTheSupervisorGiveUp) {
  Supervisor supervisor(harness_.system(), {.strategy = RestartStrategy::kOneForOne,
                                   .max_restarts = 2,
                                   .within = absl::Hours(1),
                                   .name = "fragile"});
  Semaphore escalated(0);
  absl::Status escalation;
  supervisor.OnEscalation([&](const absl::Status& why) {
    escalation = why;
    escalated.Release();
  });
  auto worker = supervisor.StartChild<Counter>({.name = "worker"});
  auto sibling = supervisor.StartChild<Counter>({.name = "sibling"});
  RunInFiber([&] {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(worker.Tell(Fail{"again"}).ok());
    escalated.Acquire();
    ASSERT_TRUE(worker.AwaitStop().ok());
    ASSERT_TRUE(sibling.AwaitStop().ok());  // the supervisor killed its other children
  });
  EXPECT_TRUE(supervisor.gave_up());
  EXPECT_EQ(supervisor.restarts(), 2u);
  EXPECT_EQ(escalation.code(), absl::StatusCode::kAborted);
  EXPECT_NE(escalation.message().find("fragile gave up after 2 restarts"), std::string::npos)
      << escalation;
  EXPECT_FALSE(worker.alive());
}

TEST_F(SupervisorTest, EscalationGoesToTheParentSupervisor) {
  Supervisor root(harness_.system(), {.strategy = RestartStrategy::kOneForOne, .max_restarts = 5,
                             .within = absl::Hours(1), .name = "root"});
  Supervisor child_supervisor(root, {.strategy = RestartStrategy::kOneForOne,
                                     .max_restarts = 1, .within = absl::Hours(1),
                                     .name = "child"});
  auto worker = child_supervisor.StartChild<Counter>({.name = "worker"});
  RunInFiber([&] {
    ASSERT_TRUE(worker.Tell(Fail{"one"}).ok());  // restart 1 of 1
    ASSERT_TRUE(worker.Tell(Fail{"two"}).ok());  // too many: root restarts the child supervisor
    ASSERT_TRUE(worker.Tell(Add{4}).ok());
    EXPECT_EQ(Total(worker), 4);
  });
  EXPECT_FALSE(child_supervisor.gave_up());
  EXPECT_EQ(root.restarts(), 1u);
  EXPECT_TRUE(worker.alive());
}

// Fails in OnStart the first `failures` times it is built.
using StartMessage = std::variant<Add>;
class FlakyStart : public Actor<StartMessage> {
 public:
  explicit FlakyStart(std::shared_ptr<std::atomic<int>> failures) : failures_(std::move(failures)) {}
  void OnStart() override {
    if (failures_->fetch_sub(1) > 0) throw std::runtime_error("cannot start yet");
  }
  void Receive(StartMessage&) override {}

 private:
  std::shared_ptr<std::atomic<int>> failures_;
};

TEST_F(SupervisorTest, AFailingStartIsRestartedToo) {
  Supervisor supervisor(harness_.system(), {.max_restarts = 5, .within = absl::Hours(1)});
  auto failures = std::make_shared<std::atomic<int>>(2);
  auto actor = supervisor.StartChild<FlakyStart>({}, failures);
  RunInFiber([&] {
    ASSERT_TRUE(actor.Tell(Add{1}).ok());
    ASSERT_TRUE(testing::WaitUntil([&] { return actor.processed() != 0; },
                                   "the restarted actor has handled the message"));
  });
  EXPECT_TRUE(actor.alive());
  EXPECT_EQ(supervisor.restarts(), 2u);
}

TEST_F(SupervisorTest, UnsupervisedFailureEndsTheActorNotTheProcess) {
  auto counter = harness_.system().Spawn<Counter>({.name = "alone"});
  RunInFiber([&] {
    ASSERT_TRUE(counter.Tell(Fail{"unsupervised"}).ok());
    ASSERT_TRUE(counter.AwaitStop().ok());
  });
  EXPECT_FALSE(counter.alive());
}

}  // namespace
}  // namespace troupe
