// CAF twin of benchmarks/savina/thread_ring.cc.
#include <vector>

#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"

namespace troupe::savina {
namespace {

using NextAtom = caf::atom_constant<caf::atom("next")>;
using TokenAtom = caf::atom_constant<caf::atom("token")>;
using LeaveAtom = caf::atom_constant<caf::atom("leave")>;

struct RingState {
  caf::actor next;  // the ring's handles form a cycle until each quits
  int64_t tokens = 0;
};

caf::behavior RingActor(caf::stateful_actor<RingState>* self, int64_t ring_size,
                        CafTally* tally) {
  return {
      [=](NextAtom, const caf::actor& next) { self->state.next = next; },
      [=](TokenAtom, int64_t hops_left) {
        ++self->state.tokens;
        if (hops_left > 0) {
          self->send(self->state.next, TokenAtom::value, hops_left - 1);
        } else {
          self->send(self->state.next, LeaveAtom::value, ring_size - 1);
        }
      },
      [=](LeaveAtom, int64_t hops_left) {
        if (hops_left > 0) self->send(self->state.next, LeaveAtom::value, hops_left - 1);
        tally->Add(self->state.tokens);
        self->state.next = caf::actor();
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const ThreadRingParams& params) {
  CafTally tally;
  std::vector<caf::actor> ring;
  ring.reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    ring.push_back(env.system.spawn(RingActor, params.actors, &tally));
  }
  for (int64_t i = 0; i < params.actors; ++i) {
    caf::anon_send(ring[i], NextAtom::value, ring[(i + 1) % params.actors]);
  }
  caf::anon_send(ring[0], TokenAtom::value, params.hops);
  return ExpectTotal(tally.Await(env.system, env.bound), params.hops + 1, "tokens received");
}

}  // namespace troupe::savina
