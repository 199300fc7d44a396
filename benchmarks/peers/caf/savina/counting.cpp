// CAF twin of benchmarks/savina/counting.cc. The retrieve message's sender is CAF's
// current_sender(), which the counter answers.
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"

namespace troupe::savina {
namespace {

using ProduceAtom = caf::atom_constant<caf::atom("produce")>;
using IncrementAtom = caf::atom_constant<caf::atom("increment")>;
using RetrieveAtom = caf::atom_constant<caf::atom("retrieve")>;
using ResultAtom = caf::atom_constant<caf::atom("result")>;

struct CounterState {
  int64_t count = 0;
};

caf::behavior Counter(caf::stateful_actor<CounterState>* self) {
  return {
      [=](IncrementAtom) { ++self->state.count; },
      [=](RetrieveAtom) {
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), ResultAtom::value,
                   self->state.count);
        self->quit();
      },
  };
}

caf::behavior Producer(caf::event_based_actor* self, int64_t messages, caf::actor counter,
                       CafTally* tally) {
  return {
      [=](ProduceAtom) {
        for (int64_t i = 0; i < messages; ++i) self->send(counter, IncrementAtom::value);
        self->send(counter, RetrieveAtom::value);
      },
      [=](ResultAtom, int64_t count) {
        tally->Add(count);
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const CountingParams& params) {
  CafTally tally;
  caf::actor counter = env.system.spawn(Counter);
  caf::actor producer = env.system.spawn(Producer, params.messages, counter, &tally);
  caf::anon_send(producer, ProduceAtom::value);
  return ExpectTotal(tally.Await(env.system, env.bound), params.messages,
                     "the counter's count");
}

}  // namespace troupe::savina
