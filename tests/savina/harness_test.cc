// The Savina programs' shared harness (benchmarks/savina/: params.h, flags.h,
// repetitions.h, workload.h, tally.h): parameter checks that name the flag and what
// it allows, the flags-to-configuration step, Savina's generator and colours (which
// the Go and CAF twins must reproduce), the timing loop's exit status, and the tally
// that the troupe benchmarks wait on.
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "troupe/benchmarks/savina/flags.h"
#include "troupe/benchmarks/savina/params.h"
#include "troupe/benchmarks/savina/repetitions.h"
#include "troupe/benchmarks/savina/tally.h"
#include "troupe/benchmarks/savina/workload.h"

ABSL_DECLARE_FLAG(std::string, benchmark);
ABSL_DECLARE_FLAG(int, procs);
ABSL_DECLARE_FLAG(int64_t, big_actors);
ABSL_DECLARE_FLAG(int64_t, big_pings);

namespace troupe::savina {
namespace {

TEST(ParamsTest, DefaultsAreValid) {
  EXPECT_TRUE(Validate(PingPongParams{}).ok());
  EXPECT_TRUE(Validate(CountingParams{}).ok());
  EXPECT_TRUE(Validate(ForkJoinCreateParams{}).ok());
  EXPECT_TRUE(Validate(ForkJoinThroughputParams{}).ok());
  EXPECT_TRUE(Validate(ThreadRingParams{}).ok());
  EXPECT_TRUE(Validate(ChameneosParams{}).ok());
  EXPECT_TRUE(Validate(BigParams{}).ok());
}

TEST(ParamsTest, RejectionNamesTheFlagTheRangeAndTheValue) {
  const absl::Status lone = Validate(ChameneosParams{.creatures = 1, .meetings = 10});
  EXPECT_EQ(lone.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(lone.message(), "--chameneos_creatures must be in [2, 1000000]; got 1");
  const absl::Status no_pings = Validate(BigParams{.actors = 3, .pings = 0});
  EXPECT_EQ(no_pings.message(), "--big_pings must be in [1, 1000000000]; got 0");
}

TEST(ParamsTest, ItemsCountWhatEachBenchmarkProcesses) {
  EXPECT_EQ(Items(ForkJoinThroughputParams{.actors = 6, .messages = 7}), 42);
  EXPECT_EQ(Items(BigParams{.actors = 5, .pings = 9}), 45);
  EXPECT_EQ(Items(ThreadRingParams{.actors = 5, .hops = 11}), 11);
}

TEST(FlagsTest, SelectsTheNamedBenchmarkWithItsFlags) {
  absl::SetFlag(&FLAGS_benchmark, "big");
  absl::SetFlag(&FLAGS_big_actors, 7);
  absl::SetFlag(&FLAGS_big_pings, 11);
  absl::SetFlag(&FLAGS_procs, 3);
  absl::StatusOr<SavinaConfig> config = ConfigFromFlags();
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_TRUE(std::holds_alternative<BigParams>(config->params));
  EXPECT_EQ(std::get<BigParams>(config->params).actors, 7);
  EXPECT_EQ(std::get<BigParams>(config->params).pings, 11);
  EXPECT_EQ(config->procs, 3);
  absl::SetFlag(&FLAGS_procs, 2);
}

TEST(FlagsTest, RejectsAnUnknownBenchmarkListingTheKnownOnes) {
  absl::SetFlag(&FLAGS_benchmark, "savanna");
  absl::StatusOr<SavinaConfig> config = ConfigFromFlags();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(config.status().message(), "pingpong, counting, fjcreate"))
      << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(), "\"savanna\"")) << config.status();
}

TEST(FlagsTest, RejectsOutOfRangeProcs) {
  absl::SetFlag(&FLAGS_benchmark, "pingpong");
  absl::SetFlag(&FLAGS_procs, 0);
  EXPECT_EQ(ConfigFromFlags().status().message(), "--procs must be in [1, 1024]; got 0");
  absl::SetFlag(&FLAGS_procs, 2);
}

TEST(WorkloadTest, PseudoRandomFollowsSavinasSequence) {
  // value = (value * 1309 + 13849) & 65535, from the seed.
  PseudoRandom random(0);
  EXPECT_EQ(random.Next(), 13849);
  EXPECT_EQ(random.Next(), (13849 * 1309 + 13849) & 65535);
  PseudoRandom seeded(5);
  EXPECT_EQ(seeded.Next(7), ((5 * 1309 + 13849) & 65535) % 7);
}

TEST(WorkloadTest, ComplementFollowsSavinasTable) {
  EXPECT_EQ(Complement(Color::kRed, Color::kYellow), Color::kBlue);
  EXPECT_EQ(Complement(Color::kRed, Color::kBlue), Color::kYellow);
  EXPECT_EQ(Complement(Color::kYellow, Color::kBlue), Color::kRed);
  EXPECT_EQ(Complement(Color::kBlue, Color::kRed), Color::kYellow);
  EXPECT_EQ(Complement(Color::kYellow, Color::kYellow), Color::kYellow);
  EXPECT_EQ(Complement(Color::kFaded, Color::kRed), Color::kFaded);
  EXPECT_EQ(Complement(Color::kBlue, Color::kFaded), Color::kFaded);
}

TEST(WorkloadTest, SineIsPositive) { EXPECT_TRUE(ComputeSine()); }

TEST(RepetitionsTest, ReturnsOneWhenARepetitionFailsItsCheck) {
  int runs = 0;
  EXPECT_EQ(RunRepetitions("test", "Fails", 10, 3,
                           [&] {
                             ++runs;
                             return runs == 2 ? absl::InternalError("wrong") : absl::OkStatus();
                           }),
            1);
  EXPECT_EQ(runs, 2);  // the warm-up, then the first timed one failed: no more
}

TEST(RepetitionsTest, RunsAWarmUpAndEveryTimedRepetition) {
  int runs = 0;
  EXPECT_EQ(RunRepetitions("test", "Passes", 10, 3, [&] {
              ++runs;
              return absl::OkStatus();
            }),
            0);
  EXPECT_EQ(runs, 4);
}

TEST(RepetitionsTest, ExpectTotalSaysWhatWasCountedAndWanted) {
  EXPECT_TRUE(ExpectTotal(5, 5, "pongs").ok());
  EXPECT_EQ(ExpectTotal(4, 5, "pongs").message(), "pongs: 4, want 5");
  EXPECT_EQ(ExpectTotal(absl::AbortedError("lost"), 5, "pongs").code(), absl::StatusCode::kAborted);
}

TEST(TallyTest, AwaitReturnsTheTotalOnceEveryActorStopped) {
  auto tally = std::make_unique<Tally>(2);
  tally->Add(3);
  tally->ActorStopped();
  tally->Add(4);
  tally->ActorStopped();
  absl::StatusOr<int64_t> total = Tally::Await(std::move(tally), absl::Seconds(60));
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_EQ(*total, 7);
}

TEST(TallyTest, AwaitReturnsTheFirstFailure) {
  auto tally = std::make_unique<Tally>(1);
  tally->Check(absl::FailedPreconditionError("first"));
  tally->Fail(absl::InternalError("second"));
  tally->ActorStopped();
  const absl::StatusOr<int64_t> total = Tally::Await(std::move(tally), absl::Seconds(60));
  EXPECT_EQ(total.status(), absl::FailedPreconditionError("first"));
}

TEST(TallyTest, AwaitGivesUpOnAnActorThatNeverStops) {
  auto tally = std::make_unique<Tally>(2);
  tally->Fail(absl::InternalError("lost a message"));
  tally->ActorStopped();  // the second never does
  const absl::StatusOr<int64_t> total = Tally::Await(std::move(tally), absl::Milliseconds(1));
  EXPECT_EQ(total.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(absl::StrContains(total.status().message(), "1 actors had not stopped"))
      << total.status();
  EXPECT_TRUE(absl::StrContains(total.status().message(), "lost a message")) << total.status();
}

}  // namespace
}  // namespace troupe::savina
