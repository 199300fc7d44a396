// The actor toolkit: timers an actor sends itself, watches delivered as Terminated
// messages, asking without waiting (AskThen), restart hooks, children spawned and
// supervised by an actor, the sender of the current message, and actors made by a
// factory. Each runs over 1, 2 and 4 processors.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/coordinated_shutdown.h"
#include "troupe/actors/reply.h"
#include "troupe/actors/supervisor.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::testing {
namespace {

// What the actors below saw, for the test to read: any thread.
class Log {
 public:
  void Add(std::string entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
  }
  bool Contains(const std::string& entry) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& e : entries_) {
      if (e == entry) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> entries_;
};

class ActorToolkitTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  ActorSystem& system() { return harness_.system(); }

  ActorHarness harness_;
};

// ---- Timers ----

struct Tick {
  int generation;  // the instance that started the timer
};
struct StopTicking {};
struct Probe {};
using TickerMessage = std::variant<Tick, StopTicking, Probe, Fail>;

// Starts a fixed-rate timer in OnStart (so again after every restart). Counts ticks,
// and ticks of a timer an earlier instance started (there must be none).
struct TickerCounts {
  std::atomic<int> generations{0};
  std::atomic<int> ticks{0};
  std::atomic<int> ticks_of_old_generations{0};
  std::atomic<int> ticks_after_cancel{0};
  std::atomic<bool> probed{false};
};

class Ticking : public Actor<TickerMessage> {
 public:
  explicit Ticking(std::shared_ptr<TickerCounts> counts) : counts_(std::move(counts)) {}
  void OnStart() override {
    generation_ = ++counts_->generations;
    StartTimerAtFixedRate("tick", Tick{generation_}, absl::Microseconds(200));
  }
  void Receive(TickerMessage& message) override {
    std::visit(Overloaded{[&](Tick& tick) {
                            ++counts_->ticks;
                            if (tick.generation != generation_) ++counts_->ticks_of_old_generations;
                            if (cancelled_) ++counts_->ticks_after_cancel;
                          },
                          [&](StopTicking&) {
                            EXPECT_TRUE(CancelTimer("tick"));
                            EXPECT_FALSE(IsTimerActive("tick"));
                            cancelled_ = true;
                            // Long after any tick of the cancelled timer was due.
                            StartSingleTimer("probe", Probe{}, absl::Milliseconds(5));
                          },
                          [&](Probe&) { counts_->probed = true; },
                          [&](Fail& m) { throw std::runtime_error(m.why); }},
               message);
  }

 private:
  std::shared_ptr<TickerCounts> counts_;
  int generation_ = 0;
  bool cancelled_ = false;
};

TEST_P(ActorToolkitTest, PeriodicTimerTicksUntilCancelledAndNeverAfter) {
  auto counts = std::make_shared<TickerCounts>();
  ActorRef<TickerMessage> ticking = system().Spawn<Ticking>({}, counts);
  ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= 5; }, "five ticks"));
  ASSERT_TRUE(ticking.Tell(StopTicking{}).ok());
  ASSERT_TRUE(WaitUntil([&] { return counts->probed.load(); }, "the probe timer fired"));
  EXPECT_EQ(counts->ticks_after_cancel, 0);
}

TEST_P(ActorToolkitTest, RestartCancelsTheOldInstancesTimers) {
  auto counts = std::make_shared<TickerCounts>();
  Supervisor supervisor(system(), {.max_restarts = 10});
  ActorRef<TickerMessage> ticking = supervisor.StartChild<Ticking>({}, counts);
  for (int restart = 0; restart < 3; ++restart) {
    const int ticks = counts->ticks;
    ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= ticks + 3; }, "three more ticks"));
    ASSERT_TRUE(ticking.Tell(Fail{"restart me"}).ok());
  }
  const int ticks = counts->ticks;
  ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= ticks + 20; }, "twenty more ticks"));
  EXPECT_EQ(counts->generations, 4);
  EXPECT_EQ(counts->ticks_of_old_generations, 0);
}

// Replacing a timer: the same key with a new message.
struct Replace {};
using ReplacingMessage = std::variant<Tick, Replace>;
class Replacing : public Actor<ReplacingMessage> {
 public:
  explicit Replacing(std::shared_ptr<TickerCounts> counts) : counts_(std::move(counts)) {}
  void OnStart() override {
    StartTimerAtFixedRate("key", Tick{1}, absl::Microseconds(100));
  }
  void Receive(ReplacingMessage& message) override {
    std::visit(Overloaded{[&](Tick& tick) {
                            ++counts_->ticks;
                            if (replaced_ && tick.generation == 1) ++counts_->ticks_of_old_generations;
                          },
                          [&](Replace&) {
                            StartTimerWithFixedDelay("key", Tick{2}, absl::Microseconds(100));
                            replaced_ = true;
                          }},
               message);
  }

 private:
  std::shared_ptr<TickerCounts> counts_;
  bool replaced_ = false;
};

TEST_P(ActorToolkitTest, ATimerWithAKeyInUseReplacesTheOldOne) {
  auto counts = std::make_shared<TickerCounts>();
  ActorRef<ReplacingMessage> actor = system().Spawn<Replacing>({}, counts);
  ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= 3; }, "three ticks"));
  ASSERT_TRUE(actor.Tell(Replace{}).ok());
  const int ticks = counts->ticks;
  ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= ticks + 20; }, "twenty more ticks"));
  EXPECT_EQ(counts->ticks_of_old_generations, 0);
}

// A fixed-rate timer whose actor is slow: the first tick's handler parks on a gate
// while the timer comes due again. That tick is skipped and counted, nothing more is
// queued, and the stalled timer leaves the heaps (before, it was re-armed every period
// while its tick was unhandled) until the handler returns; then the ticks resume.
class SlowTicking : public Actor<TickerMessage> {
 public:
  SlowTicking(std::shared_ptr<TickerCounts> counts, std::shared_ptr<Semaphore> gate)
      : counts_(std::move(counts)), gate_(std::move(gate)) {}
  void OnStart() override {
    StartTimerAtFixedRate("tick", Tick{1}, absl::Microseconds(100));
  }
  void Receive(TickerMessage& message) override {
    if (std::holds_alternative<Tick>(message) && ++counts_->ticks == 1) gate_->Acquire();
  }

 private:
  std::shared_ptr<TickerCounts> counts_;
  std::shared_ptr<Semaphore> gate_;
};

TEST_P(ActorToolkitTest, AFixedRateTimerDueWhileItsTickIsUnhandledSkipsItAndLeavesTheHeap) {
  auto counts = std::make_shared<TickerCounts>();
  auto gate = std::make_shared<Semaphore>(0);
  system().Spawn<SlowTicking>({}, counts, gate);
  // The handler is parked on the gate and the timer is in no heap (this thread's
  // sleeps between polls are over whenever it reads the statistics).
  ASSERT_TRUE(WaitUntil(
      [&] { return counts->ticks == 1 && harness_.runtime().Stats().timers_armed == 0; },
      "the timer left the heaps while its first tick was being handled"));
  EXPECT_GE(system().timer_ticks_skipped(), 1u);
  EXPECT_EQ(counts->ticks, 1);
  gate->Release();
  ASSERT_TRUE(WaitUntil([&] { return counts->ticks >= 3; }, "the ticks resumed"));
}

// ---- Watches ----

struct WatchIt {
  ActorRef<CounterMessage> target;
};
struct Note {
  std::string text;
};
using WatcherMessage = std::variant<WatchIt, Note, Terminated>;

class Watcher : public Actor<WatcherMessage> {
 public:
  explicit Watcher(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void Receive(WatcherMessage& message) override {
    std::visit(Overloaded{[&](WatchIt& m) { Watch(m.target); },
                          [&](Note& m) { log_->Add(m.text); },
                          [&](Terminated& m) {
                            log_->Add("terminated " + std::to_string(m.actor_id) + " " +
                                      (m.reason.ok() ? "ok" : std::string(m.reason.message())));
                          }},
               message);
  }

 private:
  std::shared_ptr<Log> log_;
};

TEST_P(ActorToolkitTest, WatchDeliversTerminatedInOrderWithOtherMessages) {
  auto log = std::make_shared<Log>();
  ActorRef<WatcherMessage> watcher = system().Spawn<Watcher>({}, log);
  ActorRef<CounterMessage> stopped = system().Spawn<Counter>({});
  ActorRef<CounterMessage> failed = system().Spawn<Counter>({});
  ASSERT_TRUE(watcher.Tell(WatchIt{stopped}).ok());
  ASSERT_TRUE(watcher.Tell(WatchIt{failed}).ok());
  ASSERT_TRUE(watcher.Tell(Note{"before"}).ok());
  // The watches are in place once "before" is handled.
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("before"); }, "the watcher saw 'before'"));
  stopped.Stop();
  ASSERT_TRUE(stopped.AwaitStop().ok());
  ASSERT_TRUE(failed.Tell(Fail{"boom"}).ok());
  ASSERT_TRUE(failed.AwaitStop().ok());
  ASSERT_TRUE(watcher.Tell(Note{"after"}).ok());
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("after"); }, "the watcher saw 'after'"));
  const std::vector<std::string> expected = {
      "before", "terminated " + std::to_string(stopped.id()) + " ok",
      "terminated " + std::to_string(failed.id()) + " actor failed: boom", "after"};
  EXPECT_EQ(log->entries(), expected);
}

TEST_P(ActorToolkitTest, WatchingAStoppedActorDeliversTerminatedAtOnce) {
  auto log = std::make_shared<Log>();
  ActorRef<WatcherMessage> watcher = system().Spawn<Watcher>({}, log);
  ActorRef<CounterMessage> gone = system().Spawn<Counter>({});
  gone.Stop();
  ASSERT_TRUE(gone.AwaitStop().ok());
  ASSERT_TRUE(watcher.Tell(WatchIt{gone}).ok());
  const std::string expected = "terminated " + std::to_string(gone.id()) + " ok";
  ASSERT_TRUE(WaitUntil([&] { return log->Contains(expected); }, "Terminated arrived"));
}

// ---- AskThen ----

struct Hold {};
struct Ask1 {
  Reply<int64_t> reply;
};
using SlowMessage = std::variant<Hold, Ask1>;

// Answers Ask1 with 42 after its semaphore is released; or drops it unanswered.
class Slow : public Actor<SlowMessage> {
 public:
  Slow(std::shared_ptr<Semaphore> gate, bool answer) : gate_(std::move(gate)), answer_(answer) {}
  void Receive(SlowMessage& message) override {
    if (auto* ask = std::get_if<Ask1>(&message)) {
      gate_->Acquire();
      if (answer_) ask->reply.Send(42);
    }
  }

 private:
  std::shared_ptr<Semaphore> gate_;
  bool answer_;
};

struct AskIt {
  ActorRef<SlowMessage> target;
  absl::Duration timeout;
};
struct Answer {
  absl::StatusOr<int64_t> value;
};
using AskerMessage = std::variant<AskIt, Answer, Note>;

class Asker : public Actor<AskerMessage> {
 public:
  explicit Asker(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void Receive(AskerMessage& message) override {
    std::visit(Overloaded{[&](AskIt& m) {
                            AskThen<int64_t>(
                                m.target, [](Reply<int64_t> reply) { return Ask1{std::move(reply)}; },
                                m.timeout,
                                [](absl::StatusOr<int64_t> value) { return Answer{std::move(value)}; });
                          },
                          [&](Answer& m) {
                            log_->Add(m.value.ok() ? "answer " + std::to_string(*m.value)
                                                   : "error " + std::string(absl::StatusCodeToString(
                                                                    m.value.status().code())));
                          },
                          [&](Note& m) { log_->Add(m.text); }},
               message);
  }

 private:
  std::shared_ptr<Log> log_;
};

TEST_P(ActorToolkitTest, AskThenDeliversTheAnswerLaterWhileTheAskerGoesOn) {
  auto log = std::make_shared<Log>();
  auto gate = std::make_shared<Semaphore>(0);
  ActorRef<SlowMessage> slow = system().Spawn<Slow>({}, gate, true);
  ActorRef<AskerMessage> asker = system().Spawn<Asker>({}, log);
  ASSERT_TRUE(asker.Tell(AskIt{slow, absl::Seconds(60)}).ok());
  ASSERT_TRUE(asker.Tell(Note{"meanwhile"}).ok());
  // The asker handled its next message while the slow actor still holds the request.
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("meanwhile"); }, "the asker went on"));
  gate->Release();
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("answer 42"); }, "the answer arrived"));
  EXPECT_EQ(log->entries(), (std::vector<std::string>{"meanwhile", "answer 42"}));
}

TEST_P(ActorToolkitTest, AskThenReportsTimeoutDeadTargetAndDroppedRequest) {
  auto log = std::make_shared<Log>();
  auto gate = std::make_shared<Semaphore>(0);
  ActorRef<SlowMessage> holding = system().Spawn<Slow>({}, gate, true);
  ActorRef<SlowMessage> dropping = system().Spawn<Slow>({}, gate, false);
  ActorRef<SlowMessage> dead = system().Spawn<Slow>({}, gate, true);
  dead.Stop();
  ASSERT_TRUE(dead.AwaitStop().ok());
  ActorRef<AskerMessage> asker = system().Spawn<Asker>({}, log);

  ASSERT_TRUE(asker.Tell(AskIt{holding, absl::Milliseconds(1)}).ok());
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("error DEADLINE_EXCEEDED"); }, "the timeout"));
  ASSERT_TRUE(asker.Tell(AskIt{dead, absl::Seconds(60)}).ok());
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("error FAILED_PRECONDITION"); }, "dead target"));
  gate->Release();  // the holding actor answers its timed-out ask: ignored
  ASSERT_TRUE(asker.Tell(AskIt{dropping, absl::Seconds(60)}).ok());
  gate->Release();
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("error ABORTED"); }, "dropped request"));
  EXPECT_EQ(log->entries(), (std::vector<std::string>{"error DEADLINE_EXCEEDED",
                                                      "error FAILED_PRECONDITION",
                                                      "error ABORTED"}));
}

// ---- Restart hooks, children, factories ----

struct Hooks {
  Log log;
  std::atomic<int> made{0};
};

// Not copyable, not movable; built by a factory that owns a move-only dependency.
class Hooked : public Actor<CounterMessage> {
 public:
  Hooked(std::shared_ptr<Hooks> hooks, int serial) : hooks_(std::move(hooks)), serial_(serial) {}
  Hooked(const Hooked&) = delete;
  Hooked& operator=(const Hooked&) = delete;
  Hooked(Hooked&&) = delete;

  void OnStart() override { hooks_->log.Add("start " + std::to_string(serial_)); }
  void PreRestart(const absl::Status& failure) override {
    hooks_->log.Add("pre-restart " + std::to_string(serial_) + " " +
                    std::string(failure.message()));
  }
  void PostRestart(const absl::Status& failure) override {
    hooks_->log.Add("post-restart " + std::to_string(serial_));
  }
  void OnStop(const absl::Status& reason) override {
    hooks_->log.Add("stop " + std::to_string(serial_));
  }
  void Receive(CounterMessage& message) override {
    if (auto* fail = std::get_if<Fail>(&message)) throw std::runtime_error(fail->why);
    if (auto* get = std::get_if<GetTotal>(&message)) get->reply.Send(serial_);
  }

 private:
  std::shared_ptr<Hooks> hooks_;
  int serial_;
};

TEST_P(ActorToolkitTest, FactoryMakesEachInstanceAndRestartRunsItsHooks) {
  auto hooks = std::make_shared<Hooks>();
  auto dependency = std::make_unique<int>(7);  // move-only, owned by the factory
  Supervisor supervisor(system(), {});
  ActorRef<CounterMessage> actor =
      supervisor.StartChildFrom({}, [hooks, dependency = std::move(dependency)] {
        return Hooked(hooks, *dependency * 100 + ++hooks->made);
      });
  ASSERT_TRUE(actor.Tell(Fail{"first"}).ok());
  absl::StatusOr<int64_t> serial = TotalOf(actor);
  ASSERT_TRUE(serial.ok()) << serial.status();
  EXPECT_EQ(*serial, 702);  // the second instance the factory made
  actor.Stop();
  ASSERT_TRUE(actor.AwaitStop().ok());
  EXPECT_EQ(hooks->log.entries(),
            (std::vector<std::string>{"start 701", "pre-restart 701 actor failed: first",
                                      "post-restart 702", "stop 702"}));
}

struct SpawnKid {};
struct FailKid {};
using ParentMessage = std::variant<SpawnKid, FailKid>;

// Spawns one supervised child, made by a factory, and fails it on request.
class Parent : public Actor<ParentMessage> {
 public:
  explicit Parent(std::shared_ptr<Hooks> hooks) : hooks_(std::move(hooks)) {}
  void Receive(ParentMessage& message) override {
    std::visit(Overloaded{[&](SpawnKid&) {
                            child_ = SpawnChildFrom({}, [hooks = hooks_] {
                              return Hooked(hooks, ++hooks->made);
                            });
                          },
                          [&](FailKid&) { EXPECT_TRUE(child_.Tell(Fail{"kid"}).ok()); }},
               message);
  }
  void OnStop(const absl::Status&) override { hooks_->log.Add("parent stop"); }

 private:
  std::shared_ptr<Hooks> hooks_;
  ActorRef<CounterMessage> child_;
};

TEST_P(ActorToolkitTest, ChildrenAreRestartedByTheirParentAndStoppedBeforeIt) {
  auto hooks = std::make_shared<Hooks>();
  ActorRef<ParentMessage> parent = system().Spawn<Parent>({}, hooks);
  ASSERT_TRUE(parent.Tell(SpawnKid{}).ok());
  ASSERT_TRUE(parent.Tell(FailKid{}).ok());
  ASSERT_TRUE(WaitUntil([&] { return hooks->log.Contains("post-restart 2"); }, "the restart"));
  parent.Stop();
  ASSERT_TRUE(parent.AwaitStop().ok());
  EXPECT_EQ(hooks->log.entries(),
            (std::vector<std::string>{"start 1", "pre-restart 1 actor failed: kid",
                                      "post-restart 2", "stop 2", "parent stop"}));
}

// ---- The sender of the current message ----

struct Ping {};
struct Pong {};
using PongerMessage = std::variant<Ping>;
using PingerMessage = std::variant<Pong, Note, Ping>;

class Ponger : public Actor<PongerMessage> {
 public:
  explicit Ponger(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void Receive(PongerMessage&) override {
    if (std::optional<ActorRef<PingerMessage>> from = sender<PingerMessage>()) {
      EXPECT_TRUE(from->Tell(Pong{}).ok());
    } else {
      log_->Add("ping without a sender");
    }
  }

 private:
  std::shared_ptr<Log> log_;
};

class Pinger : public Actor<PingerMessage> {
 public:
  Pinger(std::shared_ptr<Log> log, ActorRef<PongerMessage> target)
      : log_(std::move(log)), target_(std::move(target)) {}
  void Receive(PingerMessage& message) override {
    std::visit(Overloaded{[&](Ping&) { EXPECT_TRUE(target_.Tell(Ping{}).ok()); },
                          [&](Pong&) { log_->Add("pong"); },
                          [&](Note& m) { log_->Add(m.text); }},
               message);
  }

 private:
  std::shared_ptr<Log> log_;
  ActorRef<PongerMessage> target_;
};

TEST_P(ActorToolkitTest, ReplyGoesToTheSenderOfTheCurrentMessage) {
  auto log = std::make_shared<Log>();
  ActorRef<PongerMessage> ponger = system().Spawn<Ponger>({}, log);
  ActorRef<PingerMessage> pinger = system().Spawn<Pinger>({}, log, ponger);
  ASSERT_TRUE(pinger.Tell(Ping{}).ok());  // the pinger pings the ponger, which answers it
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("pong"); }, "the pong"));
  ASSERT_TRUE(ponger.Tell(Ping{}).ok());  // from a plain thread: no sender
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("ping without a sender"); }, "no sender"));
}


// ---- Shutdown ----

struct Work {
  int n;
};
using StageMessage = std::variant<Work, Hold>;

// Logs each Work it handles and its stop; Hold parks it on the gate (if any).
class Stage : public Actor<StageMessage> {
 public:
  Stage(std::shared_ptr<Log> log, std::string name, std::shared_ptr<Semaphore> gate)
      : log_(std::move(log)), name_(std::move(name)), gate_(std::move(gate)) {}
  void Receive(StageMessage& message) override {
    if (auto* work = std::get_if<Work>(&message)) {
      log_->Add(name_ + " work " + std::to_string(work->n));
    } else {
      gate_->Acquire();
    }
  }
  void OnStop(const absl::Status& reason) override {
    log_->Add(name_ + " stop " + (reason.ok() ? "ok" : std::string(absl::StatusCodeToString(reason.code()))));
  }

 private:
  std::shared_ptr<Log> log_;
  std::string name_;
  std::shared_ptr<Semaphore> gate_;
};

TEST_P(ActorToolkitTest, ShutdownStopsNewestFirstAfterEachDrainsItsMailbox) {
  auto log = std::make_shared<Log>();
  auto gate = std::make_shared<Semaphore>(0);
  ActorRef<StageMessage> back = system().Spawn<Stage>({}, log, "back", gate);
  ActorRef<StageMessage> front = system().Spawn<Stage>({}, log, "front", gate);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(back.Tell(Work{i}).ok());
    ASSERT_TRUE(front.Tell(Work{i}).ok());
  }
  ASSERT_TRUE(system().Shutdown(absl::Seconds(60)).ok());
  EXPECT_FALSE(back.alive());
  EXPECT_FALSE(front.alive());
  const std::vector<std::string> entries = log->entries();
  auto at = [&](const std::string& entry) {
    return std::find(entries.begin(), entries.end(), entry) - entries.begin();
  };
  for (const char* stage : {"back", "front"}) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_LT(at(std::string(stage) + " work " + std::to_string(i)),
                at(std::string(stage) + " stop ok"))
          << stage << " " << i << " drained before its stop";
    }
  }
  EXPECT_LT(at("front stop ok"), at("back stop ok")) << "newest first";
  EXPECT_EQ(system().live_actors(), 0u);
}

TEST_P(ActorToolkitTest, ShutdownKillsWhatMissesTheGracePeriodAndNamesIt) {
  auto log = std::make_shared<Log>();
  auto gate = std::make_shared<Semaphore>(0);
  ActorRef<StageMessage> stuck = system().Spawn<Stage>({.name = "stuck"}, log, "stuck", gate);
  ASSERT_TRUE(stuck.Tell(Hold{}).ok());
  ASSERT_TRUE(stuck.Tell(Work{1}).ok());
  ASSERT_TRUE(WaitUntilParkedCount(harness_.runtime(), 1, "semaphore"));
  // The kill lets the current message finish: release it once the shutdown has given
  // up. Nothing leaves the stuck actor's mailbox meanwhile, so its depth counts what
  // came in: Hold, Work, the shutdown's stop request, then the kill's nudge.
  std::thread releaser([&] {
    WaitUntil([&] { return stuck.mailbox_depth() == 4; }, "the kill was requested");
    gate->Release();
  });
  absl::Status status = system().Shutdown(absl::Milliseconds(20));
  releaser.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("stuck"), absl::string_view::npos) << status;
  EXPECT_FALSE(log->Contains("stuck work 1")) << "the rest became dead letters";
  EXPECT_TRUE(log->Contains("stuck stop DEADLINE_EXCEEDED"));
}

TEST_P(ActorToolkitTest, CoordinatedShutdownRunsThePhasesInOrder) {
  auto log = std::make_shared<Log>();
  ActorRef<StageMessage> stage = system().Spawn<Stage>({}, log, "stage", nullptr);
  ASSERT_TRUE(stage.Tell(Work{1}).ok());
  ASSERT_TRUE(WaitUntil([&] { return log->Contains("stage work 1"); }, "the work was done"));
  CoordinatedShutdown shutdown(system());
  shutdown.AddTask(ShutdownPhase::kFlush, "flush", [&](const Context&) {
    log->Add("flush");
    return absl::OkStatus();
  });
  shutdown.AddTask(ShutdownPhase::kStopAccepting, "listener", [&](const Context&) {
    log->Add("stop accepting");
    return absl::OkStatus();
  });
  shutdown.AddTask(ShutdownPhase::kDrain, "requests", [&](const Context&) {
    log->Add("drain");
    return absl::OkStatus();
  });
  ASSERT_TRUE(shutdown.Run(absl::Seconds(60)).ok());
  EXPECT_EQ(log->entries(), (std::vector<std::string>{"stage work 1", "stop accepting", "drain",
                                                      "stage stop ok", "flush"}));
  EXPECT_EQ(shutdown.Run(absl::Seconds(1)).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(ActorToolkitTest, CoordinatedShutdownNamesAFailedTask) {
  CoordinatedShutdown shutdown(system());
  shutdown.AddTask(ShutdownPhase::kDrain, "broken", [](const Context&) {
    return absl::InternalError("disk gone");
  });
  absl::Status status = shutdown.Run(absl::Seconds(60));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_NE(status.message().find("drain/broken: disk gone"), absl::string_view::npos) << status;
}

TEST_P(ActorToolkitTest, CoordinatedShutdownNamesATaskStillRunningAfterTheGracePeriod) {
  auto release = std::make_shared<Semaphore>(0);
  CoordinatedShutdown shutdown(system());
  shutdown.AddTask(ShutdownPhase::kFlush, "slow", [release](const Context&) {
    release->Acquire();  // past the grace period: the test releases it afterwards
    return absl::OkStatus();
  });
  absl::Status status = shutdown.Run(absl::Milliseconds(20));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("flush/slow: still running"), absl::string_view::npos) << status;
  release->Release();
}

INSTANTIATE_TEST_SUITE_P(Procs, ActorToolkitTest, ::testing::Values(1, 2, 4),
                         testing::ProcsName);

}  // namespace
}  // namespace troupe::testing
