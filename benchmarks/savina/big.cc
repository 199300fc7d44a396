// Savina's Big: `actors` actors that all know each other (a neighbours message) and
// a sink. Each actor, started by a pong from nobody, sends a ping to a neighbour
// picked by Savina's pseudo-random generator (seeded with its index), waits for that
// neighbour's pong, and sends the next, `pings` times; it answers every ping it gets
// with a pong. After its last pong it tells the sink; when all have, the sink tells
// every actor to exit and stops. Checked: every pong came from the neighbour pinged,
// every actor sent `pings` pings, and `actors` x `pings` pings were answered.
#include <memory>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

struct Neighbors;
struct Ping {
  int64_t sender;  // index of the pinging actor
};
struct Pong {
  int64_t sender;  // index of the actor that answers; -1 for the start
};
struct Exit {};
using BigMessage = std::variant<Neighbors, Ping, Pong, Exit>;
struct Neighbors {
  std::shared_ptr<const std::vector<ActorRef<BigMessage>>> actors;
};

struct Done {};
using SinkMessage = std::variant<Neighbors, Done>;

class BigActor : public Actor<BigMessage> {
 public:
  BigActor(int64_t index, int64_t pings, ActorRef<SinkMessage> sink, Tally* tally)
      : index_(index), pings_(pings), random_(index), sink_(std::move(sink)), tally_(tally) {}

  void Receive(BigMessage& message) override {
    std::visit(Overloaded{[&](Neighbors& neighbors) { neighbors_ = std::move(neighbors.actors); },
                          [&](Ping& ping) {
                            tally_->Check((*neighbors_)[ping.sender].Tell(Pong{index_}));
                            ++pings_answered_;
                          },
                          [&](Pong& pong) {
                            if (pong.sender != expected_ponger_) ++unexpected_pongs_;
                            if (pings_sent_ == pings_) {
                              tally_->Check(sink_.Tell(Done{}));
                            } else {
                              SendPing();
                            }
                          },
                          [&](Exit&) { StopSelf(); }},
               message);
  }
  void OnStop(const absl::Status&) override {
    if (unexpected_pongs_ != 0 || pings_sent_ != pings_) {
      tally_->Fail(absl::InternalError(
          absl::StrCat("actor ", index_, " sent ", pings_sent_, " pings (want ", pings_, ") and got ",
                       unexpected_pongs_, " pongs from the wrong actor")));
    }
    tally_->Add(pings_answered_);
    tally_->ActorStopped();
  }

 private:
  void SendPing() {
    expected_ponger_ = random_.Next(static_cast<int64_t>(neighbors_->size()));
    tally_->Check((*neighbors_)[expected_ponger_].Tell(Ping{index_}));
    ++pings_sent_;
  }

  const int64_t index_;
  const int64_t pings_;
  PseudoRandom random_;
  ActorRef<SinkMessage> sink_;
  Tally* const tally_;
  // Every actor's reference, this one's included: a cycle until each stops.
  std::shared_ptr<const std::vector<ActorRef<BigMessage>>> neighbors_;
  int64_t expected_ponger_ = -1;
  int64_t pings_sent_ = 0;
  int64_t pings_answered_ = 0;
  int64_t unexpected_pongs_ = 0;
};

class SinkActor : public Actor<SinkMessage> {
 public:
  SinkActor(int64_t actors, Tally* tally) : actors_(actors), tally_(tally) {}

  void Receive(SinkMessage& message) override {
    std::visit(Overloaded{[&](Neighbors& neighbors) { all_actors_ = std::move(neighbors.actors); },
                          [&](Done&) {
                            if (++done_ < actors_) return;
                            for (const ActorRef<BigMessage>& actor : *all_actors_) {
                              tally_->Check(actor.Tell(Exit{}));
                            }
                            StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override { tally_->ActorStopped(); }

 private:
  const int64_t actors_;
  Tally* const tally_;
  std::shared_ptr<const std::vector<ActorRef<BigMessage>>> all_actors_;
  int64_t done_ = 0;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const BigParams& params) {
  auto tally = std::make_unique<Tally>(params.actors + 1);
  ActorRef<SinkMessage> sink = env.system.Spawn<SinkActor>({}, params.actors, tally.get());
  auto actors = std::make_shared<std::vector<ActorRef<BigMessage>>>();
  actors->reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    actors->push_back(env.system.Spawn<BigActor>({}, i, params.pings, sink, tally.get()));
  }
  std::shared_ptr<const std::vector<ActorRef<BigMessage>>> neighbors = std::move(actors);
  tally->Check(sink.Tell(Neighbors{neighbors}));
  for (const ActorRef<BigMessage>& actor : *neighbors) tally->Check(actor.Tell(Neighbors{neighbors}));
  for (const ActorRef<BigMessage>& actor : *neighbors) tally->Check(actor.Tell(Pong{-1}));
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), Items(params),
                     "pings answered");
}

}  // namespace troupe::savina
