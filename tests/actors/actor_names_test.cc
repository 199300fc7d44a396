// Actors' names and types in fiber dumps, and in the records they log: a dump of a
// hung service points at the culprit by name.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/log.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/log_capture.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

// Hangs in its handler until `gate` is released: the culprit of a hung service.
struct Enter {};
class StuckRoom : public Actor<Enter> {
 public:
  explicit StuckRoom(Semaphore* gate) : gate_(gate) {}
  void Receive(Enter&) override { gate_->Acquire(); }

 private:
  Semaphore* gate_;
};

// Logs one record per message.
struct Note {
  std::string text;
};
class Notary : public Actor<Note> {
 public:
  void Receive(Note& note) override { TROUPE_LOG(kWarning, "noted", {{"text", note.text}}); }
};

class ActorNamesTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  testing::ActorHarness harness_;
};

const FiberInfo* FindActor(const std::vector<FiberInfo>& dump, const std::string& actor_type) {
  for (const FiberInfo& fiber : dump) {
    if (fiber.actor_type == actor_type) return &fiber;
  }
  return nullptr;
}

TEST_P(ActorNamesTest, DumpOfAHungActorNamesItsFiberActorTypeAndWait) {
  Semaphore gate(0);
  ActorRef<Enter> room =
      harness_.system().Spawn<StuckRoom>({.name = "room-general"}, &gate);
  ActorRef<testing::CounterMessage> idle = harness_.system().Spawn<testing::Counter>({});
  ASSERT_TRUE(room.Tell(Enter{}).ok());
  ASSERT_TRUE(idle.Tell(testing::Add{1}).ok());
  const std::string room_type = "troupe::(anonymous namespace)::StuckRoom";
  const std::string counter_type = "troupe::testing::Counter";
  // Wait for the state: the room parked in its handler, the counter idle.
  auto hung = [&] {
    const std::vector<FiberInfo> dump = harness_.runtime().DumpFibers();
    const FiberInfo* stuck = FindActor(dump, room_type);
    const FiberInfo* waiting = FindActor(dump, counter_type);
    // "waiting", not only the reason: the reason is set as the fiber starts to park
    // ("parking"), a moment before it has (seen under TSan).
    return stuck != nullptr && stuck->wait_reason == "semaphore" && stuck->state == "waiting" &&
           waiting != nullptr && !waiting->wait_reason.empty();
  };
  ASSERT_TRUE(testing::WaitUntil(hung, "the room hangs and the counter idles"))
      << FormatFiberDump(harness_.runtime().DumpFibers());
  const std::vector<FiberInfo> dump = harness_.runtime().DumpFibers();
  const FiberInfo* stuck = FindActor(dump, room_type);
  ASSERT_NE(stuck, nullptr);
  EXPECT_EQ(stuck->actor, "room-general");
  EXPECT_EQ(stuck->state, "waiting");
  const FiberInfo* waiting = FindActor(dump, counter_type);
  ASSERT_NE(waiting, nullptr);
  EXPECT_EQ(waiting->actor, "");  // unnamed: its type alone
  const std::string text = FormatFiberDump(dump);
  EXPECT_NE(text.find(absl::StrCat("fiber ", stuck->id, " actor room-general (", room_type,
                                   ") [waiting: semaphore")),
            std::string::npos)
      << text;
  // An idle actor parks at the top of its body: "parking" or "waiting".
  EXPECT_NE(text.find(absl::StrCat("fiber ", waiting->id, " actor (", counter_type, ") [",
                                   waiting->state, ": ", waiting->wait_reason)),
            std::string::npos)
      << text;
  gate.Release();
}

TEST_P(ActorNamesTest, RecordsLoggedByAnActorCarryItsNameAndType) {
  testing::LogCapture log;
  ActorRef<Note> notary = harness_.system().Spawn<Notary>({.name = "notary"});
  ASSERT_TRUE(notary.Tell(Note{"hello"}).ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return !log.lines().empty(); }, "the notary logged"));
  log.Stop();
  const std::string line = log.lines()[0];
  EXPECT_EQ(line.find("noted text=hello [fiber "), 0u) << line;
  EXPECT_NE(line.find(" actor notary (troupe::(anonymous namespace)::Notary)]"),
            std::string::npos)
      << line;
}

INSTANTIATE_TEST_SUITE_P(Procs, ActorNamesTest, ::testing::Values(1, 2),
                         ::troupe::testing::ProcsName);

}  // namespace
}  // namespace troupe
