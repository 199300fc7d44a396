// Small actors shared by the actor tests.
#ifndef TROUPE_TESTS_ACTORS_TEST_ACTORS_H_
#define TROUPE_TESTS_ACTORS_TEST_ACTORS_H_

#include <stdexcept>
#include <string>
#include <variant>

#include <memory>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::testing {

struct Add {
  int amount;
};
struct GetTotal {
  Reply<int64_t> reply;
};
struct Fail {
  std::string why;
};
using CounterMessage = std::variant<Add, GetTotal, Fail>;

// Sums what it is told; replies with the sum; throws on Fail.
class Counter : public Actor<CounterMessage> {
 public:
  explicit Counter(int64_t start = 0) : total_(start) {}
  void Receive(CounterMessage& message) override {
    std::visit(Overloaded{[&](Add& m) { total_ += m.amount; },
                          [&](GetTotal& m) { m.reply.Send(total_); },
                          [&](Fail& m) { throw std::runtime_error(m.why); }},
               message);
  }

 private:
  int64_t total_;
};

// A runtime and an actor system for one test. Finish() shuts the system down (killing
// what is left) and checks that every fiber ended.
class ActorHarness {
 public:
  void Start(int procs) {
    auto runtime = Runtime::Create({.procs = procs});
    ASSERT_TRUE(runtime.ok()) << runtime.status();
    runtime_ = *std::move(runtime);
    system_ = std::make_unique<ActorSystem>(*runtime_);
  }
  void Finish() {
    if (runtime_ == nullptr) return;
    system_.reset();
    // Actor fibers end a moment after they report stopped; wait for that.
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (runtime_->Stats().fibers_alive() != 0 && absl::Now() < give_up) {
      std::this_thread::yield();
    }
    EXPECT_EQ(runtime_->Stats().fibers_alive(), 0u) << runtime_->Stats().ToString();
  }
  template <typename F>
  void RunInFiber(F&& body) {
    absl::Status status = runtime_->Run(std::forward<F>(body));
    ASSERT_TRUE(status.ok()) << status;
  }
  Runtime& runtime() { return *runtime_; }
  ActorSystem& system() { return *system_; }

 private:
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<ActorSystem> system_;
};

inline absl::StatusOr<int64_t> TotalOf(const ActorRef<CounterMessage>& counter,
                                       const Context& context = Context()) {
  return Ask<int64_t>(counter, [](Reply<int64_t> reply) { return GetTotal{std::move(reply)}; },
                      context);
}

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_ACTORS_TEST_ACTORS_H_
