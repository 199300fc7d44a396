// CAF twin of benchmarks/savina/fork_join_throughput.cc.
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

using WorkAtom = caf::atom_constant<caf::atom("work")>;

struct ThroughputState {
  int64_t handled = 0;
};

caf::behavior ThroughputActor(caf::stateful_actor<ThroughputState>* self, int64_t messages,
                              CafTally* tally) {
  return {
      [=](WorkAtom) {
        if (!ComputeSine()) tally->Fail("sin^2 was not positive");
        if (++self->state.handled == messages) {
          tally->Add(self->state.handled);
          self->quit();
        }
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const ForkJoinThroughputParams& params) {
  CafTally tally;
  std::vector<caf::actor> actors;
  actors.reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    actors.push_back(env.system.spawn(ThroughputActor, params.messages, &tally));
  }
  for (int64_t m = 0; m < params.messages; ++m) {
    for (const caf::actor& actor : actors) caf::anon_send(actor, WorkAtom::value);
  }
  return ExpectTotal(tally.Await(env.system, env.bound), Items(params), "messages handled");
}

}  // namespace troupe::savina
