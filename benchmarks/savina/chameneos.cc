// Savina's Chameneos: `creatures` chameneos, coloured red, yellow and blue in turn,
// and a mall. Each creature, as it starts and after each meeting, asks the mall for
// a meeting, giving its colour and reference. The mall keeps the first asker waiting
// and forwards the second one's request to it; that creature takes the complement
// of the two colours, sends it to the other (which takes it too) and both ask the
// mall again. After `meetings` meetings the mall answers every request with an exit:
// the creature fades, reports its count of meetings to the mall, and stops; the mall
// stops after the last report. Checked: the counts sum to 2 x `meetings` and every
// creature reported.
#include <variant>

#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/benchmarks/savina/tally.h"
#include "troupe/benchmarks/savina/workload.h"

namespace troupe::savina {
namespace {

struct Meet;
struct Change {
  Color color;
};
struct ExitRequest {};
using CreatureMessage = std::variant<Meet, Change, ExitRequest>;

// A creature's request to the mall, which the mall forwards to the waiting one.
struct Meet {
  Color color;
  ActorRef<CreatureMessage> sender;
};
struct MeetingCount {
  int64_t meetings;
};
using MallMessage = std::variant<Meet, MeetingCount>;

class MallActor : public Actor<MallMessage> {
 public:
  MallActor(int64_t meetings, int64_t creatures, Tally* tally)
      : meetings_left_(meetings), creatures_(creatures), tally_(tally) {}

  void Receive(MallMessage& message) override {
    std::visit(Overloaded{[&](Meet& meet) { Arrive(meet); },
                          [&](MeetingCount& count) {
                            ++faded_;
                            sum_meetings_ += count.meetings;
                            if (faded_ == creatures_) StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override {
    if (faded_ != creatures_) {
      tally_->Fail(absl::InternalError(
          absl::StrCat(faded_, " creatures reported their meetings, want ", creatures_)));
    }
    tally_->Add(sum_meetings_);
    tally_->ActorStopped();
  }

 private:
  void Arrive(Meet& meet) {
    if (meetings_left_ == 0) {
      tally_->Check(meet.sender.Tell(ExitRequest{}));
    } else if (!waiting_) {
      waiting_ = std::move(meet.sender);
    } else {
      --meetings_left_;
      tally_->Check(waiting_.Tell(std::move(meet)));
      waiting_ = ActorRef<CreatureMessage>();
    }
  }

  int64_t meetings_left_;
  const int64_t creatures_;
  Tally* const tally_;
  ActorRef<CreatureMessage> waiting_;
  int64_t faded_ = 0;
  int64_t sum_meetings_ = 0;
};

class CreatureActor : public Actor<CreatureMessage> {
 public:
  CreatureActor(ActorRef<MallMessage> mall, Color color, Tally* tally)
      : mall_(std::move(mall)), color_(color), tally_(tally) {}

  // The reference to itself that every request carries (a cycle from the cell to
  // this instance and back, broken when the instance is destroyed as it stops).
  void OnStart() override {
    self_ = self();
    AskForMeeting();
  }

  void Receive(CreatureMessage& message) override {
    std::visit(Overloaded{[&](Meet& other) {
                            color_ = Complement(color_, other.color);
                            ++meetings_;
                            tally_->Check(other.sender.Tell(Change{color_}));
                            AskForMeeting();
                          },
                          [&](Change& change) {
                            color_ = change.color;
                            ++meetings_;
                            AskForMeeting();
                          },
                          [&](ExitRequest&) {
                            color_ = Color::kFaded;
                            tally_->Check(mall_.Tell(MeetingCount{meetings_}));
                            StopSelf();
                          }},
               message);
  }
  void OnStop(const absl::Status&) override { tally_->ActorStopped(); }

 private:
  void AskForMeeting() { tally_->Check(mall_.Tell(Meet{color_, self_})); }

  ActorRef<MallMessage> mall_;
  ActorRef<CreatureMessage> self_;
  Color color_;
  Tally* const tally_;
  int64_t meetings_ = 0;
};

}  // namespace

absl::Status RunBenchmark(const TroupeEnv& env, const ChameneosParams& params) {
  auto tally = std::make_unique<Tally>(params.creatures + 1);
  ActorRef<MallMessage> mall =
      env.system.Spawn<MallActor>({}, params.meetings, params.creatures, tally.get());
  constexpr Color kColors[] = {Color::kRed, Color::kYellow, Color::kBlue};
  for (int64_t i = 0; i < params.creatures; ++i) {
    env.system.Spawn<CreatureActor>({}, mall, kColors[i % 3], tally.get());
  }
  return ExpectTotal(Tally::Await(std::move(tally), env.bound), 2 * params.meetings,
                     "meetings counted by the creatures");
}

}  // namespace troupe::savina
