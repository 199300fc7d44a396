// troupe labels its own fibers for profiles: an actor's samples carry its name, a
// pipeline stage's samples the stage's name (profiling/labels.h).
#include <optional>

#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/pipeline/pipeline.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/tests/profiling/cpu_burner.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::ParseProfile;
using profiling_test::ReadProfile;
using profiling_test::ReadSample;

constexpr absl::Duration kBurn = absl::Milliseconds(400);

ReadProfile StopAndRead() {
  absl::StatusOr<Profile> profile = StopCpuProfile();
  EXPECT_TRUE(profile.ok()) << profile.status();
  if (!profile.ok()) return {};
  absl::StatusOr<std::string> encoded = EncodePprof(*profile);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  absl::StatusOr<ReadProfile> read = ParseProfile(encoded.ok() ? *encoded : "");
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? *std::move(read) : ReadProfile{};
}

// Samples in `function`, and how many of them have label key=value.
std::pair<int64_t, int64_t> SamplesInAndLabelled(const ReadProfile& profile,
                                                 const std::string& function,
                                                 const std::string& key, const std::string& value) {
  const int64_t in = profile.Sum(0, [&](const ReadSample& s) {
    return s.HasFunctionContaining(function);
  });
  const int64_t labelled = profile.Sum(0, [&](const ReadSample& s) {
    return s.HasFunctionContaining(function) && s.labels.count(key) && s.labels.at(key) == value;
  });
  return {in, labelled};
}

struct BurnRequest {
  Reply<int> reply;
};

class Burner : public Actor<BurnRequest> {
 public:
  void Receive(BurnRequest& request) override {
    profiling_test::BurnCpuInActor(kBurn);
    request.reply.Send(1);
  }
};

using CpuLabelsTest = testing::RuntimeTest;

TEST_P(CpuLabelsTest, ActorSamplesCarryTheActorsName) {
  ASSERT_TRUE(StartCpuProfile().ok());
  RunInFiber([&] {
    ActorSystem system(runtime());
    ActorRef<BurnRequest> burner = system.Spawn<Burner>({.name = "burner"});
    absl::StatusOr<int> done = Ask<int>(
        burner, [](Reply<int> reply) { return BurnRequest{std::move(reply)}; },
        Context::Background());
    ASSERT_TRUE(done.ok()) << done.status();
  });
  const auto [in, labelled] =
      SamplesInAndLabelled(StopAndRead(), "BurnCpuInActor", "actor", "burner");
  EXPECT_GE(in, 5);
  EXPECT_EQ(labelled, in) << "actor samples without actor=burner";
}

TEST_P(CpuLabelsTest, StageSamplesCarryTheStagesName) {
  ASSERT_TRUE(StartCpuProfile().ok());
  RunInFiber([&] {
    int produced = 0;
    const absl::Status run =
        Pipeline<int>::From([&](const Context&) -> std::optional<int> {
          if (produced == 4) return std::nullopt;
          return produced++;
        })
            .Then("burn",
                  [](int x) {
                    profiling_test::BurnCpuInStage(kBurn / 4);
                    return x;
                  })
            .Sink("drop", [](int) {})
            .Run(Context::Background());
    ASSERT_TRUE(run.ok()) << run;
  });
  const auto [in, labelled] = SamplesInAndLabelled(StopAndRead(), "BurnCpuInStage", "stage", "burn");
  EXPECT_GE(in, 5);
  EXPECT_EQ(labelled, in) << "stage samples without stage=burn";
}

INSTANTIATE_TEST_SUITE_P(Procs, CpuLabelsTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::profiling
