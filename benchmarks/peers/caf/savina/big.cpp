// CAF twin of benchmarks/savina/big.cc. The neighbours message carries every
// actor's handle, as Savina's does.
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

using NeighborsAtom = caf::atom_constant<caf::atom("neighbors")>;
using PingAtom = caf::atom_constant<caf::atom("ping")>;
using PongAtom = caf::atom_constant<caf::atom("pong")>;
using DoneAtom = caf::atom_constant<caf::atom("done")>;
using LeaveAtom = caf::atom_constant<caf::atom("leave")>;

struct BigState {
  std::vector<caf::actor> neighbors;  // every actor's handle: a cycle until each quits
  PseudoRandom random{0};
  int64_t expected_ponger = -1;
  int64_t pings_sent = 0;
  int64_t pings_answered = 0;
  int64_t unexpected_pongs = 0;
};

caf::behavior BigActor(caf::stateful_actor<BigState>* self, int64_t index, int64_t pings,
                       caf::actor sink, CafTally* tally) {
  self->state.random = PseudoRandom(index);
  return {
      [=](NeighborsAtom, const std::vector<caf::actor>& neighbors) {
        self->state.neighbors = neighbors;
      },
      [=](PingAtom, int64_t sender) {
        self->send(self->state.neighbors[sender], PongAtom::value, index);
        ++self->state.pings_answered;
      },
      [=](PongAtom, int64_t sender) {
        BigState& state = self->state;
        if (sender != state.expected_ponger) ++state.unexpected_pongs;
        if (state.pings_sent == pings) {
          self->send(sink, DoneAtom::value);
          return;
        }
        state.expected_ponger =
            state.random.Next(static_cast<int64_t>(state.neighbors.size()));
        self->send(state.neighbors[state.expected_ponger], PingAtom::value, index);
        ++state.pings_sent;
      },
      [=](LeaveAtom) {
        BigState& state = self->state;
        if (state.unexpected_pongs != 0 || state.pings_sent != pings) {
          tally->Fail(absl::StrCat("actor ", index, " sent ", state.pings_sent, " pings (want ",
                                   pings, ") and got ", state.unexpected_pongs,
                                   " pongs from the wrong actor"));
        }
        tally->Add(state.pings_answered);
        state.neighbors.clear();
        self->quit();
      },
  };
}

struct SinkState {
  std::vector<caf::actor> actors;
  int64_t done = 0;
};

caf::behavior Sink(caf::stateful_actor<SinkState>* self, int64_t actors) {
  return {
      [=](NeighborsAtom, const std::vector<caf::actor>& all) { self->state.actors = all; },
      [=](DoneAtom) {
        if (++self->state.done < actors) return;
        for (const caf::actor& actor : self->state.actors) self->send(actor, LeaveAtom::value);
        self->state.actors.clear();
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const BigParams& params) {
  CafTally tally;
  caf::actor sink = env.system.spawn(Sink, params.actors);
  std::vector<caf::actor> actors;
  actors.reserve(params.actors);
  for (int64_t i = 0; i < params.actors; ++i) {
    actors.push_back(env.system.spawn(BigActor, i, params.pings, sink, &tally));
  }
  caf::anon_send(sink, NeighborsAtom::value, actors);
  for (const caf::actor& actor : actors) caf::anon_send(actor, NeighborsAtom::value, actors);
  for (const caf::actor& actor : actors) caf::anon_send(actor, PongAtom::value, int64_t{-1});
  return ExpectTotal(tally.Await(env.system, env.bound), Items(params), "pings answered");
}

}  // namespace troupe::savina
