// troupe's Savina benchmarks (benchmarks/savina/savina.h) with tiny parameters: each
// one's flow completes and its result passes Savina's check, with 1, 2 and 4
// processors, twice on the same system (as the benchmark program repeats them), and
// no message becomes a dead letter. This keeps the programs correct as the runtime
// changes; their speed is measured by benchmarks/savina/run_savina.sh. Under
// ThreadSanitizer the message counts (not the numbers of actors) are a tenth: there a
// message to an idle actor cost about 2 ms of CPU (PingPong's 500 pings, twice: 3,000
// messages, 7 s of CPU).
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/benchmarks/savina/params.h"
#include "troupe/benchmarks/savina/savina.h"
#include "troupe/tests/actors/test_actors.h"

namespace troupe::savina {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int64_t kMessagesDivisor = 10;
#else
constexpr int64_t kMessagesDivisor = 1;
#endif

// `messages` in the plain build, a tenth under ThreadSanitizer (see the top).
constexpr int64_t Messages(int64_t messages) {
  return messages / kMessagesDivisor > 0 ? messages / kMessagesDivisor : 1;
}

class SavinaTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }

  // Runs two repetitions of the benchmark with `params`; both must validate.
  template <typename Params>
  void ExpectValidates(const Params& params) {
    ASSERT_TRUE(Validate(params).ok()) << Validate(params);
    const TroupeEnv env{harness_.system(), absl::Seconds(60)};
    for (int repetition = 0; repetition < 2; ++repetition) {
      const absl::Status status = RunBenchmark(env, params);
      EXPECT_TRUE(status.ok()) << Params::kName << ", repetition " << repetition << ": "
                               << status;
    }
    EXPECT_EQ(harness_.system().dead_letters(), 0u);
  }

 private:
  testing::ActorHarness harness_;
};

TEST_P(SavinaTest, PingPongAnswersEveryPing) { ExpectValidates(PingPongParams{.pings = Messages(500)}); }

TEST_P(SavinaTest, CountingCountsEveryIncrement) {
  ExpectValidates(CountingParams{.messages = Messages(5'000)});
}

TEST_P(SavinaTest, ForkJoinCreateRunsEveryActorOnce) {
  ExpectValidates(ForkJoinCreateParams{.actors = 300});
}

TEST_P(SavinaTest, ForkJoinThroughputDeliversEveryMessage) {
  ExpectValidates(ForkJoinThroughputParams{.actors = 7, .messages = Messages(200)});
}

TEST_P(SavinaTest, ThreadRingPassesTheTokenAndStopsTheRing) {
  ExpectValidates(ThreadRingParams{.actors = 13, .hops = Messages(1'000)});
}

TEST_P(SavinaTest, ThreadRingOfOneActorPassesToItself) {
  ExpectValidates(ThreadRingParams{.actors = 1, .hops = Messages(50)});
}

TEST_P(SavinaTest, ChameneosCountsTwoMeetingsPerMeeting) {
  ExpectValidates(ChameneosParams{.creatures = 10, .meetings = Messages(1'000)});
}

TEST_P(SavinaTest, ChameneosWithTwoCreaturesMeetsEveryTime) {
  ExpectValidates(ChameneosParams{.creatures = 2, .meetings = Messages(100)});
}

TEST_P(SavinaTest, BigAnswersEveryPingFromTheNeighbourPinged) {
  ExpectValidates(BigParams{.actors = 12, .pings = Messages(100)});
}

TEST_P(SavinaTest, BigOfOneActorPingsItself) {
  ExpectValidates(BigParams{.actors = 1, .pings = Messages(50)});
}

INSTANTIATE_TEST_SUITE_P(Procs, SavinaTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe::savina
