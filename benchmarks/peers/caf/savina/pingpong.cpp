// CAF twin of benchmarks/savina/pingpong.cc. The ping carries its sender as CAF's
// current_sender(), which the pong actor answers.
#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"

namespace troupe::savina {
namespace {

using StartAtom = caf::atom_constant<caf::atom("start")>;
using NextAtom = caf::atom_constant<caf::atom("next")>;
using PingAtom = caf::atom_constant<caf::atom("ping")>;
using PongAtom = caf::atom_constant<caf::atom("pong")>;
using StopAtom = caf::atom_constant<caf::atom("stop")>;

struct PongState {
  int64_t pongs_sent = 0;
};

caf::behavior Pong(caf::stateful_actor<PongState>* self, CafTally* tally) {
  return {
      [=](PingAtom) {
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), PongAtom::value);
        ++self->state.pongs_sent;
      },
      [=](StopAtom) {
        tally->Add(self->state.pongs_sent);
        self->quit();
      },
  };
}

struct PingState {
  int64_t pings_left = 0;
  int64_t pongs_received = 0;
};

caf::behavior Ping(caf::stateful_actor<PingState>* self, int64_t pings, caf::actor pong,
                   CafTally* tally) {
  self->state.pings_left = pings;
  auto send_ping = [=] {
    self->send(pong, PingAtom::value);
    --self->state.pings_left;
  };
  return {
      [=](StartAtom) { send_ping(); },
      [=](NextAtom) { send_ping(); },
      [=](PongAtom) {
        PingState& state = self->state;
        ++state.pongs_received;
        if (state.pings_left > 0) {
          self->send(self, NextAtom::value);
          return;
        }
        if (state.pongs_received != pings) {
          tally->Fail(absl::StrCat("ping actor received ", state.pongs_received,
                                   " pongs, want ", pings));
        }
        self->send(pong, StopAtom::value);
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const PingPongParams& params) {
  CafTally tally;
  caf::actor pong = env.system.spawn(Pong, &tally);
  caf::actor ping = env.system.spawn(Ping, params.pings, pong, &tally);
  caf::anon_send(ping, StartAtom::value);
  return ExpectTotal(tally.Await(env.system, env.bound), params.pings,
                     "pongs sent by the pong actor");
}

}  // namespace troupe::savina
