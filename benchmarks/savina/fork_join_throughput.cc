// Savina's Fork-Join (throughput): `actors` actors; a fiber sends `messages` rounds
// of one message to each actor in turn. Each actor computes one sine per message and
// stops after its `messages`-th. Checked: every actor handled exactly `messages`
// messages, every sine was positive.
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

struct Work {};

class ThroughputActor : public Actor<Work> {
 public:
  ThroughputActor(int64_t messages, Tally* tally) : messages_(messages), tally_(tally) {}

  void Receive(Work&) override {
    if (!ComputeSine()) tally_->Fail(absl::InternalError("sin^2 was not positive"));
    if (++handled_ == messages_) StopSelf();
  }
  void OnStop(const absl::Status&) override {
    if (handled_ != messages_) {
      tally_->Fail(absl::InternalError(
          absl::StrCat("an actor handled ", handled_, " messages, want ", messages_)));
    }
    tally_->Add(handled_);
    tally_->ActorStopped();
  }

 private:
  const int64_t messages_;
  Tally* const tally_;
  int64_t handled_ = 0;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const ForkJoinThroughputParams& params) {
  auto tally = std::make_unique<Tally>(params.actors);
  std::vector<ActorRef<Work>> actors;
  actors.reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    actors.push_back(env.system.Spawn<ThroughputActor>({}, params.messages, tally.get()));
  }
  // From a fiber, as Go's twin sends from its main goroutine: a sender that outruns
  // the actors parks at an unbounded mailbox's soft bound (1,024, the Go twin's
  // channel capacity) where a plain thread would queue without limit.
  absl::Status sent = env.system.runtime().Run([&] {
    for (int64_t m = 0; m < params.messages; ++m) {
      for (const ActorRef<Work>& actor : actors) tally->Check(actor.Tell(Work{}));
    }
  });
  if (!sent.ok()) {
    // The actors may still use the tally: kept for the rest of the process, as
    // Tally::Await keeps it.
    (void)tally.release();
    return sent;
  }
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), Items(params),
                     "messages handled");
}

}  // namespace troupe::savina
