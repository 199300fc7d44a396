// Savina's Fork-Join (actor creation): the calling thread creates `actors` actors
// one after another and sends each one message; each actor computes one sine on its
// message and stops. Checked: every actor handled exactly one message and its sine
// was positive (Savina's check that the computation ran).
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

struct Work {};

class ForkJoinActor : public Actor<Work> {
 public:
  explicit ForkJoinActor(Tally* tally) : tally_(tally) {}

  void Receive(Work&) override {
    if (!ComputeSine()) tally_->Fail(absl::InternalError("sin^2 was not positive"));
    ++handled_;
    StopSelf();
  }
  void OnStop(const absl::Status&) override {
    if (handled_ != 1) {
      tally_->Fail(absl::InternalError(
          absl::StrCat("a fork-join actor handled ", handled_, " messages, want 1")));
    }
    tally_->ActorStopped();
  }

 private:
  Tally* const tally_;
  int64_t handled_ = 0;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const ForkJoinCreateParams& params) {
  auto tally = std::make_unique<Tally>(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    tally->Check(env.system.Spawn<ForkJoinActor>({}, tally.get()).Tell(Work{}));
  }
  return Tally::Await(std::move(tally), env.bound).status();
}

}  // namespace troupe::savina
