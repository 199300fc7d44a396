// The pattern comparison's designs: every design of every workload shape — plain,
// heavy-tailed, waiting by parking or by blocking, bursty, stateful, ordered —
// reproduces the sequential checksum and delivers every record, closed and open loop,
// on 1, 2 and 4 processors; and so do the plain-thread references.
#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_presets.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {
namespace {

struct Shape {
  const char* name;
  WorkloadParams params;
  bool blocking = false;  // the wait blocks the thread
  double rate = 0;        // open loop: records/s (0: closed loop, and also run at 200k/s)
  int64_t burst = 1;
};

// Small versions of the presets' shapes.
std::vector<Shape> Shapes() {
  WorkloadParams small;
  small.count = 1500;
  small.size = 48;
  std::vector<Shape> shapes{{"cpu", small}};
  Shape skewed{"skewed", small};
  skewed.params.heavy_basis_points = 300;
  skewed.params.heavy_factor = 20;
  shapes.push_back(skewed);
  Shape parks{"io", small};
  parks.params.io_wait_ns = 20'000;
  shapes.push_back(parks);
  Shape blocks = parks;
  blocks.blocking = true;
  shapes.push_back(blocks);
  Shape bursty{"bursty", small, false, 300'000, 100};
  shapes.push_back(bursty);
  Shape stateful{"stateful", small};
  stateful.params.keys = 40;
  stateful.params.hot_key_percent = 30;
  stateful.params.state_words = 4;
  shapes.push_back(stateful);
  Shape ordered{"ordered", small};
  ordered.params.keys = 8;
  ordered.params.ordered = true;
  ordered.params.heavy_basis_points = 300;  // slow records tempt a design to reorder
  ordered.params.heavy_factor = 20;
  shapes.push_back(ordered);
  Shape globally_ordered = ordered;
  globally_ordered.params.keys = 0;
  shapes.push_back(globally_ordered);
  return shapes;
}

class CompareTest : public ::testing::TestWithParam<int> {};

void ExpectComplete(const DesignResult& result, const Shape& shape, uint64_t expected,
                    double rate) {
  const std::string what = std::string(shape.name) + " " + result.design + " at rate " +
                           std::to_string(rate);
  EXPECT_TRUE(result.error.empty()) << what << ": " << result.error;
  EXPECT_EQ(result.checksum, expected) << what;
  EXPECT_EQ(result.records, shape.params.count) << what;
  EXPECT_GT(result.throughput_rps, 0) << what;
  if (result.design == "ceiling") return;  // no latencies
  // The distribution is complete, ordered, consistent with p50/p99 and below max.
  ASSERT_EQ(result.latency_quantiles_us.size(), kLatencyQuantileCount) << what;
  EXPECT_TRUE(std::is_sorted(result.latency_quantiles_us.begin(),
                             result.latency_quantiles_us.end()))
      << what;
  EXPECT_EQ(result.latency_quantiles_us[2], result.p50_us) << what;  // q = 0.50
  EXPECT_EQ(result.latency_quantiles_us[6], result.p99_us) << what;  // q = 0.99
  EXPECT_LE(result.latency_quantiles_us.back(), result.max_us) << what;
}

TEST_P(CompareTest, EveryDesignOfEveryShapeReproducesTheChecksum) {
  const int procs = GetParam();
  auto runtime = Runtime::Create({.procs = procs});
  ASSERT_TRUE(runtime.ok());
  for (const Shape& shape : Shapes()) {
    const ErasedWorkload workload =
        SyntheticWorkload(shape.name, "", shape.params, shape.blocking);
    const uint64_t expected = SequentialChecksum(shape.params);
    DesignOptions options;
    options.records = shape.params.count;
    options.capacity = 4;
    options.parallelism = 3;
    options.shards = 5;
    options.burst = shape.burst;
    for (double rate : {shape.rate, shape.rate > 0 ? 0.0 : 200'000.0}) {
      options.rate = rate;
      std::vector<DesignResult> results{RunCeiling(procs, workload, options)};
      if (HandoffApplies(workload)) results.push_back(RunHandoffBound(procs, workload, options));
      for (const DesignSpec& spec : DesignsFor(workload)) {
        results.push_back(RunDesign(spec, **runtime, workload, options));
      }
      for (const DesignResult& result : results) ExpectComplete(result, shape, expected, rate);
    }
  }
}

TEST(CompareDesignsTest, EachShapeGetsItsDesigns) {
  WorkloadParams p;
  auto names = [](const ErasedWorkload& w) {
    std::vector<std::string> names;
    for (const DesignSpec& spec : DesignsFor(w)) names.push_back(spec.name);
    return names;
  };
  EXPECT_EQ(names(SyntheticWorkload("cpu", "", p, false)),
            (std::vector<std::string>{"worker_pool", "pipeline", "actors"}));
  p.keys = 10;
  p.state_words = 2;
  EXPECT_EQ(names(SyntheticWorkload("stateful", "", p, false)),
            (std::vector<std::string>{"actors", "worker_pool/sharded", "worker_pool/global",
                                      "pipeline"}));
  p.state_words = 0;
  p.ordered = true;
  EXPECT_EQ(names(SyntheticWorkload("ordered", "", p, false)),
            (std::vector<std::string>{"pipeline", "worker_pool", "actors"}));
}

TEST(CompareWorkloadTest, MatchesTheGoProgramsKnownChecksum) {
  // The value the Go designs print for 1,000 default records (benchmarks/peers/go/compare).
  WorkloadParams workload;
  workload.count = 1000;
  EXPECT_EQ(SequentialChecksum(workload), 0x7a752341e0adbe2cull);
}

TEST(CompareWorkloadTest, KeysFollowTheHotShare) {
  WorkloadParams p;
  p.keys = 1000;
  p.hot_key_percent = 40;
  int hot = 0;
  for (int64_t id = 0; id < 10'000; ++id) {
    const uint64_t key = KeyOf(id, p);
    ASSERT_LT(key, 1000u);
    if (key < 10) ++hot;  // the hottest 1%: keys 0..9
  }
  // 40% by the hot draw, plus 1% of the other 60% by the uniform one: about 40.6%.
  EXPECT_GT(hot, 3'800);
  EXPECT_LT(hot, 4'300);
}

TEST(CompareWorkloadTest, HeavyRecordsAreTheirShare) {
  WorkloadParams p;
  p.heavy_basis_points = 100;
  p.heavy_factor = 7;
  int heavy = 0;
  for (int64_t id = 0; id < 100'000; ++id) {
    const int cost = CostFactor(id, p);
    ASSERT_TRUE(cost == 1 || cost == 7) << cost;
    heavy += cost == 7;
  }
  EXPECT_GT(heavy, 850);
  EXPECT_LT(heavy, 1'150);
}

TEST(ComparePresetsTest, EveryPresetBuildsAndUnknownOnesAreRefused) {
  for (const std::string& name : PresetNames()) {
    absl::StatusOr<Subject> subject = PresetSubject(name);
    ASSERT_TRUE(subject.ok()) << name << ": " << subject.status();
    EXPECT_FALSE(subject->cases.empty()) << name;
    EXPECT_FALSE(subject->peer_flags.empty()) << name;
    EXPECT_EQ(subject->workloads[0].name, name);
  }
  absl::StatusOr<Subject> io = PresetSubject("io");
  ASSERT_TRUE(io.ok());
  std::vector<std::string> io_designs;
  for (const ComparisonCase& c : io->cases) io_designs.push_back(c.spec.name);
  EXPECT_EQ(io_designs, (std::vector<std::string>{"worker_pool", "pipeline", "actors",
                                                  "worker_pool/block", "pipeline/block",
                                                  "actors/block"}));
  absl::StatusOr<Subject> unknown = PresetSubject("gpu");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("cpu, io, skewed, bursty, stateful, ordered"),
            absl::string_view::npos)
      << unknown.status();
}

INSTANTIATE_TEST_SUITE_P(Procs, CompareTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace troupe::benchmarks
