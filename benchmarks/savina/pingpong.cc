// Savina's PingPong: a ping actor and a pong actor. The ping actor sends a ping
// carrying its own reference; the pong actor answers each with a pong; on each pong
// the ping actor sends itself a note to send the next ping, until `pings` pings have
// been answered, then tells the pong actor to stop and stops. Checked: the pong
// actor answered, and the ping actor received, exactly `pings` pongs.
#include <variant>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"

namespace troupe::savina {
namespace {

struct Start {};
struct SendNextPing {};  // the ping actor's note to itself
struct Pong {};
using PingMessage = std::variant<Start, SendNextPing, Pong>;

struct Ping {
  ActorRef<PingMessage> sender;
};
struct Stop {};
using PongMessage = std::variant<Ping, Stop>;

class PongActor : public Actor<PongMessage> {
 public:
  explicit PongActor(Tally* tally) : tally_(tally) {}

  void Receive(PongMessage& message) override {
    std::visit(Overloaded{[&](Ping& ping) {
                            tally_->Check(ping.sender.Tell(Pong{}));
                            ++pongs_sent_;
                          },
                          [&](Stop&) { StopSelf(); }},
               message);
  }
  void OnStop(const absl::Status&) override {
    tally_->Add(pongs_sent_);
    tally_->ActorStopped();
  }

 private:
  Tally* const tally_;
  int64_t pongs_sent_ = 0;
};

class PingActor : public Actor<PingMessage> {
 public:
  PingActor(int64_t pings, ActorRef<PongMessage> pong, Tally* tally)
      : pings_(pings), pings_left_(pings), pong_(std::move(pong)), tally_(tally) {}

  // The reference to itself that every ping carries (a cycle from the cell to this
  // instance and back, broken when the instance is destroyed as the actor stops).
  void OnStart() override { self_ = self(); }

  void Receive(PingMessage& message) override {
    std::visit(Overloaded{[&](Start&) { SendPing(); }, [&](SendNextPing&) { SendPing(); },
                          [&](Pong&) {
                            ++pongs_received_;
                            if (pings_left_ > 0) {
                              tally_->Check(self_.Tell(SendNextPing{}));
                            } else {
                              tally_->Check(pong_.Tell(Stop{}));
                              StopSelf();
                            }
                          }},
               message);
  }
  void OnStop(const absl::Status&) override {
    if (pongs_received_ != pings_) {
      tally_->Fail(absl::InternalError(
          absl::StrCat("ping actor received ", pongs_received_, " pongs, want ", pings_)));
    }
    tally_->ActorStopped();
  }

 private:
  void SendPing() {
    tally_->Check(pong_.Tell(Ping{self_}));
    --pings_left_;
  }

  const int64_t pings_;
  int64_t pings_left_;
  int64_t pongs_received_ = 0;
  ActorRef<PongMessage> pong_;
  ActorRef<PingMessage> self_;
  Tally* const tally_;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const PingPongParams& params) {
  auto tally = std::make_unique<Tally>(2);
  ActorRef<PongMessage> pong = env.system.Spawn<PongActor>({}, tally.get());
  ActorRef<PingMessage> ping = env.system.Spawn<PingActor>({}, params.pings, pong, tally.get());
  tally->Check(ping.Tell(Start{}));
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), params.pings,
                     "pongs sent by the pong actor");
}

}  // namespace troupe::savina
