// CAF twin of benchmarks/savina/chameneos.cc. A meeting request carries its
// sender's handle, as Savina's MeetMsg does: the mall forwards it unchanged to the
// waiting creature, which answers the handle in it.
#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

using MeetAtom = caf::atom_constant<caf::atom("meet")>;
using ChangeAtom = caf::atom_constant<caf::atom("change")>;
using LeaveAtom = caf::atom_constant<caf::atom("leave")>;
using CountAtom = caf::atom_constant<caf::atom("count")>;

struct MallState {
  int64_t meetings_left = 0;
  caf::actor waiting;
  int64_t faded = 0;
  int64_t sum_meetings = 0;
};

caf::behavior Mall(caf::stateful_actor<MallState>* self, int64_t meetings, int64_t creatures,
                   CafTally* tally) {
  self->state.meetings_left = meetings;
  return {
      [=](MeetAtom, int32_t color, const caf::actor& sender) {
        MallState& state = self->state;
        if (state.meetings_left == 0) {
          self->send(sender, LeaveAtom::value);
        } else if (!state.waiting) {
          state.waiting = sender;
        } else {
          --state.meetings_left;
          self->send(state.waiting, MeetAtom::value, color, sender);
          state.waiting = caf::actor();
        }
      },
      [=](CountAtom, int64_t meetings_of_one) {
        MallState& state = self->state;
        ++state.faded;
        state.sum_meetings += meetings_of_one;
        if (state.faded == creatures) {
          tally->Add(state.sum_meetings);
          self->quit();
        }
      },
  };
}

struct CreatureState {
  Color color = Color::kRed;
  int64_t meetings = 0;
};

caf::behavior Creature(caf::stateful_actor<CreatureState>* self, caf::actor mall, Color color) {
  self->state.color = color;
  auto ask_for_meeting = [=] {
    self->send(mall, MeetAtom::value, static_cast<int32_t>(self->state.color),
               caf::actor_cast<caf::actor>(self));
  };
  ask_for_meeting();
  return {
      [=](MeetAtom, int32_t other_color, const caf::actor& other) {
        CreatureState& state = self->state;
        state.color = Complement(state.color, static_cast<Color>(other_color));
        ++state.meetings;
        self->send(other, ChangeAtom::value, static_cast<int32_t>(state.color));
        ask_for_meeting();
      },
      [=](ChangeAtom, int32_t new_color) {
        self->state.color = static_cast<Color>(new_color);
        ++self->state.meetings;
        ask_for_meeting();
      },
      [=](LeaveAtom) {
        self->state.color = Color::kFaded;
        self->send(mall, CountAtom::value, self->state.meetings);
        self->quit();
      },
  };
}

}  // namespace

absl::Status RunBenchmark(const CafEnv& env, const ChameneosParams& params) {
  CafTally tally;
  caf::actor mall = env.system.spawn(Mall, params.meetings, params.creatures, &tally);
  constexpr Color kColors[] = {Color::kRed, Color::kYellow, Color::kBlue};
  for (int64_t i = 0; i < params.creatures; ++i) env.system.spawn(Creature, mall, kColors[i % 3]);
  return ExpectTotal(tally.Await(env.system, env.bound), 2 * params.meetings,
                     "meetings counted by the creatures");
}

}  // namespace troupe::savina
