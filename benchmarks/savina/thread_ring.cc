// Savina's Thread Ring: `actors` actors in a ring, each told its successor. A token
// starts at the first actor with `hops` hops left; each actor passes it on with one
// hop fewer until it arrives with none, then that actor sends an exit around the
// ring: each actor passes the exit on (until it has reached every actor) and stops.
// Checked: the token was received hops + 1 times and every actor stopped.
#include <variant>
#include <vector>

#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"

namespace troupe::savina {
namespace {

struct SetNext;
struct Token {
  int64_t hops_left;
};
struct Exit {
  int64_t hops_left;  // actors the exit still has to reach after the receiver
};
using RingMessage = std::variant<SetNext, Token, Exit>;
struct SetNext {
  ActorRef<RingMessage> next;
};

class RingActor : public Actor<RingMessage> {
 public:
  RingActor(int64_t ring_size, Tally* tally) : ring_size_(ring_size), tally_(tally) {}

  void Receive(RingMessage& message) override {
    std::visit(Overloaded{[&](SetNext& set) { next_ = std::move(set.next); },
                          [&](Token& token) {
                            ++tokens_;
                            if (token.hops_left > 0) {
                              tally_->Check(next_.Tell(Token{token.hops_left - 1}));
                            } else {
                              tally_->Check(next_.Tell(Exit{ring_size_ - 1}));
                            }
                          },
                          [&](Exit& exit) {
                            if (exit.hops_left > 0) {
                              tally_->Check(next_.Tell(Exit{exit.hops_left - 1}));
                            }
                            StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override {
    tally_->Add(tokens_);
    tally_->ActorStopped();
  }

 private:
  const int64_t ring_size_;
  Tally* const tally_;
  ActorRef<RingMessage> next_;  // the ring's references form a cycle until each stops
  int64_t tokens_ = 0;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const ThreadRingParams& params) {
  auto tally = std::make_unique<Tally>(params.actors);
  std::vector<ActorRef<RingMessage>> ring;
  ring.reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    ring.push_back(env.system.Spawn<RingActor>({}, params.actors, tally.get()));
  }
  for (int64_t i = 0; i < params.actors; ++i) {
    tally->Check(ring[i].Tell(SetNext{ring[(i + 1) % params.actors]}));
  }
  tally->Check(ring[0].Tell(Token{params.hops}));
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), params.hops + 1,
                     "tokens received");
}

}  // namespace troupe::savina
