// Savina's Counting: a producer actor sends `messages` increments to a counter actor
// as fast as it can, then a retrieve message carrying its own reference; the
// counter answers with its count and stops; the producer checks the count and
// stops. Checked: the count equals `messages`.
#include <variant>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"

namespace troupe::savina {
namespace {

struct Produce {};
struct Result {
  int64_t count;
};
using ProducerMessage = std::variant<Produce, Result>;

struct Increment {};
struct Retrieve {
  ActorRef<ProducerMessage> sender;
};
using CounterMessage = std::variant<Increment, Retrieve>;

class CounterActor : public Actor<CounterMessage> {
 public:
  explicit CounterActor(Tally* tally) : tally_(tally) {}

  void Receive(CounterMessage& message) override {
    std::visit(Overloaded{[&](Increment&) { ++count_; },
                          [&](Retrieve& retrieve) {
                            tally_->Check(retrieve.sender.Tell(Result{count_}));
                            StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override { tally_->ActorStopped(); }

 private:
  Tally* const tally_;
  int64_t count_ = 0;
};

class ProducerActor : public Actor<ProducerMessage> {
 public:
  ProducerActor(int64_t messages, ActorRef<CounterMessage> counter, Tally* tally)
      : messages_(messages), counter_(std::move(counter)), tally_(tally) {}

  void Receive(ProducerMessage& message) override {
    std::visit(Overloaded{[&](Produce&) {
                            for (int64_t i = 0; i < messages_; ++i) {
                              tally_->Check(counter_.Tell(Increment{}));
                            }
                            tally_->Check(counter_.Tell(Retrieve{self()}));
                          },
                          [&](Result& result) {
                            tally_->Add(result.count);
                            StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override { tally_->ActorStopped(); }

 private:
  const int64_t messages_;
  ActorRef<CounterMessage> counter_;
  Tally* const tally_;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const CountingParams& params) {
  auto tally = std::make_unique<Tally>(2);
  ActorRef<CounterMessage> counter = env.system.Spawn<CounterActor>({}, tally.get());
  ActorRef<ProducerMessage> producer =
      env.system.Spawn<ProducerActor>({}, params.messages, counter, tally.get());
  tally->Check(producer.Tell(Produce{}));
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), params.messages,
                     "the counter's count");
}

}  // namespace troupe::savina
