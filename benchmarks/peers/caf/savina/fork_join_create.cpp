// CAF twin of benchmarks/savina/fork_join_create.cc.
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

using WorkAtom = caf::atom_constant<caf::atom("work")>;

caf::behavior ForkJoinActor(caf::event_based_actor* self, CafTally* tally) {
  return {
      [=](WorkAtom) {
        if (!ComputeSine()) tally->Fail("sin^2 was not positive");
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const ForkJoinCreateParams& params) {
  CafTally tally;
  for (int64_t i = 0; i < params.actors; ++i) {
    caf::anon_send(env.system.spawn(ForkJoinActor, &tally), WorkAtom::value);
  }
  // Each actor quits on its one message: all have quit, all have handled it.
  return tally.Await(env.system, env.bound).status();
}

}  // namespace troupe::savina
