// Actors under load: 100 senders x 10,000 messages to one actor by default
// (TROUPE_STRESS_SCALE=10 runs the full 100 x 100,000; fewer under the sanitizers),
// every message arriving exactly once and each sender's in order; the same through
// a bounded mailbox, held full until every sender has parked on it.
#include <atomic>
#include <string>
#include <variant>
#include <vector>

#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tests/stress/stress_flags.h"

namespace troupe {
namespace {

struct Numbered {
  int sender;
  int64_t sequence;
};
struct Verdict {
  Reply<std::string> reply;
};
struct Hold {  // keeps the actor inside Receive until the gate opens
  Semaphore* gate;
};
using TallyMessage = std::variant<Numbered, Verdict, Hold>;

// Checks per-sender order and counts; answers with "" when everything arrived.
class Tally : public Actor<TallyMessage> {
 public:
  Tally(int senders, int64_t per_sender) : next_(senders, 0), per_sender_(per_sender) {}
  void Receive(TallyMessage& message) override {
    if (auto* numbered = std::get_if<Numbered>(&message)) {
      int64_t& expected = next_[numbered->sender];
      if (numbered->sequence != expected && errors_.size() < 200) {
        errors_ += "sender " + std::to_string(numbered->sender) + ": expected " +
                   std::to_string(expected) + ", got " + std::to_string(numbered->sequence) + "; ";
      }
      expected = numbered->sequence + 1;
      return;
    }
    if (auto* hold = std::get_if<Hold>(&message)) {
      hold->gate->Acquire();
      return;
    }
    std::string verdict = errors_;
    for (std::size_t s = 0; s < next_.size(); ++s) {
      if (next_[s] != per_sender_) {
        verdict += "sender " + std::to_string(s) + " delivered " + std::to_string(next_[s]) + "; ";
      }
    }
    std::get<Verdict>(message).reply.Send(verdict);
  }

 private:
  std::vector<int64_t> next_;
  int64_t per_sender_;
  std::string errors_;
};

class ActorStressTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }

  // With a bounded mailbox (capacity > 0) the actor is held inside Receive until
  // the mailbox is full and every sender has parked on it.
  void Flood(std::size_t mailbox_capacity) {
    constexpr int kSenders = 100;
    const int64_t per_sender = stress::Scaled(10'000, 100);
    const bool hold = mailbox_capacity > 0;
    ActorRef<TallyMessage> tally = harness_.system().Spawn<Tally>(
        {.name = "tally", .mailbox_capacity = mailbox_capacity}, kSenders, per_sender);
    Semaphore gate(0);
    harness_.RunInFiber([&] {
      if (hold) {
        ASSERT_TRUE(tally.Tell(Hold{&gate}).ok());
      }
      std::vector<JoinHandle> senders;
      for (int s = 0; s < kSenders; ++s) {
        senders.push_back(Spawn([&, s] {
          for (int64_t i = 0; i < per_sender; ++i) {
            ASSERT_TRUE(tally.Tell(Numbered{s, i}).ok());
            if (i % 1000 == 0) this_fiber::Yield();  // move between processors
          }
        }));
      }
      if (hold) {
        ASSERT_TRUE(testing::WaitUntilParkedCount(harness_.runtime(), kSenders, "mailbox full"));
        EXPECT_EQ(tally.mailbox_depth(), mailbox_capacity);
        gate.Release();
      }
      for (JoinHandle& sender : senders) ASSERT_TRUE(sender.Join().ok());
      absl::StatusOr<std::string> verdict =
          Ask<std::string>(tally, [](Reply<std::string> r) { return Verdict{std::move(r)}; },
                           absl::Seconds(120));
      ASSERT_TRUE(verdict.ok()) << verdict.status();
      EXPECT_EQ(*verdict, "");
      tally.Stop();  // the count is final once the actor has stopped
      ASSERT_TRUE(tally.AwaitStop().ok());
    });
    EXPECT_EQ(tally.processed(), static_cast<uint64_t>(kSenders * per_sender + 1 + (hold ? 1 : 0)));
    EXPECT_EQ(harness_.system().dead_letters(), 0u);
  }

  testing::ActorHarness harness_;
};

TEST_P(ActorStressTest, HundredSendersEveryMessageOnceInOrder) { Flood(0); }

TEST_P(ActorStressTest, BoundedMailboxParksSendersAndLosesNothing) { Flood(256); }

INSTANTIATE_TEST_SUITE_P(Procs, ActorStressTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe
