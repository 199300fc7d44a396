// The verdict of the pattern comparison, on constructed results: the winner of each
// criterion and by how much, when a lead is within the noise (one run: a fixed share;
// several: overlapping ranges; memory: a floor), when growth is not judged, and the
// standings against the peers and the handoff bound.
#include "troupe/benchmarks/compare/compare_verdict.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"

namespace troupe::benchmarks {
namespace {

DesignResult Row(const std::string& design, const std::string& runtime, double throughput,
                 double p99_us = 100, double memory_mib = 1) {
  DesignResult row;
  row.design = design;
  row.runtime = runtime;
  row.throughput_rps = throughput;
  row.p99_us = p99_us;
  row.rss_start_kb = 10 * 1024;
  row.rss_peak_kb = row.rss_start_kb + static_cast<int64_t>(memory_mib * 1024);
  return row;
}

const Verdict& Of(const Verdicts& verdicts, Criterion criterion) {
  for (const Verdict& v : verdicts.criteria) {
    if (v.criterion == criterion) return v;
  }
  static const Verdict none{};
  ADD_FAILURE() << "no verdict for " << CriterionName(criterion);
  return none;
}

TEST(CompareVerdictTest, OneRunsClearLeadIsAWin) {
  const Verdicts verdicts = Judge({{Row("worker_pool", "troupe", 1000, 300, 4),
                                    Row("pipeline", "troupe", 800, 100, 2),
                                    Row("actors", "troupe", 600, 500, 8)}});
  EXPECT_EQ(verdicts.runs, 1);
  const Verdict& throughput = Of(verdicts, Criterion::kThroughput);
  ASSERT_EQ(throughput.standings.size(), 3u);
  EXPECT_EQ(throughput.standings[0].design, "worker_pool");
  EXPECT_EQ(throughput.standings[1].design, "pipeline");
  EXPECT_DOUBLE_EQ(throughput.factor, 1.25);
  EXPECT_FALSE(throughput.within_noise);
  const Verdict& p99 = Of(verdicts, Criterion::kP99);
  EXPECT_EQ(p99.standings[0].design, "pipeline");  // lower is better
  EXPECT_DOUBLE_EQ(p99.factor, 3.0);
  EXPECT_FALSE(p99.within_noise);
  const Verdict& memory = Of(verdicts, Criterion::kMemory);
  EXPECT_EQ(memory.standings[0].design, "pipeline");
  EXPECT_DOUBLE_EQ(memory.standings[0].median, 2.0);
  EXPECT_DOUBLE_EQ(memory.factor, 2.0);
  EXPECT_FALSE(memory.within_noise);
}

TEST(CompareVerdictTest, OneRunsSmallLeadIsWithinNoise) {
  const Verdicts verdicts = Judge({{Row("worker_pool", "troupe", 1000, 100, 1.0),
                                    Row("pipeline", "troupe", 970, 120, 1.5)}});
  const Verdict& throughput = Of(verdicts, Criterion::kThroughput);
  EXPECT_EQ(throughput.standings[0].design, "worker_pool");
  EXPECT_TRUE(throughput.within_noise);  // 3% < 5%
  EXPECT_TRUE(Of(verdicts, Criterion::kP99).within_noise);     // 1.2x < 1.25x
  EXPECT_TRUE(Of(verdicts, Criterion::kMemory).within_noise);  // 0.5 MiB < the 1 MiB floor
}

TEST(CompareVerdictTest, RepeatedRunsJudgeByOverlappingRanges) {
  // Medians 10% apart, but the ranges overlap: within noise.
  std::vector<std::vector<DesignResult>> overlapping = {
      {Row("worker_pool", "troupe", 1100), Row("pipeline", "troupe", 1000)},
      {Row("worker_pool", "troupe", 950), Row("pipeline", "troupe", 990)},
      {Row("worker_pool", "troupe", 1120), Row("pipeline", "troupe", 1010)},
  };
  Verdicts verdicts = Judge(overlapping);
  EXPECT_EQ(verdicts.runs, 3);
  const Verdict& throughput = Of(verdicts, Criterion::kThroughput);
  EXPECT_EQ(throughput.standings[0].design, "worker_pool");
  EXPECT_DOUBLE_EQ(throughput.standings[0].median, 1100);
  EXPECT_DOUBLE_EQ(throughput.standings[0].low, 950);
  EXPECT_DOUBLE_EQ(throughput.standings[0].high, 1120);
  EXPECT_DOUBLE_EQ(throughput.factor, 1.1);
  EXPECT_TRUE(throughput.within_noise);
  // Only 3% apart, but every run of one beats every run of the other: a win.
  std::vector<std::vector<DesignResult>> separate = {
      {Row("worker_pool", "troupe", 1030), Row("pipeline", "troupe", 1000)},
      {Row("worker_pool", "troupe", 1032), Row("pipeline", "troupe", 1001)},
      {Row("worker_pool", "troupe", 1031), Row("pipeline", "troupe", 999)},
  };
  const Verdicts separate_verdicts = Judge(separate);
  EXPECT_FALSE(Of(separate_verdicts, Criterion::kThroughput).within_noise);
}

TEST(CompareVerdictTest, GrowthIsJudgedOnlyOverLongRuns) {
  DesignResult a = Row("worker_pool", "troupe", 1000);
  DesignResult b = Row("pipeline", "troupe", 1000);
  a.rss_growth_kb_per_min = 10 * 1024;
  b.rss_growth_kb_per_min = 0.1 * 1024;
  a.rss_window_s = b.rss_window_s = 2;
  const Verdicts short_verdicts = Judge({{a, b}});
  const Verdict& short_runs = Of(short_verdicts, Criterion::kMemoryGrowth);
  EXPECT_NE(short_runs.not_judged.find("--duration"), std::string::npos) << short_runs.not_judged;
  a.rss_window_s = b.rss_window_s = 45;
  const Verdicts long_runs = Judge({{a, b}});
  const Verdict& growth = Of(long_runs, Criterion::kMemoryGrowth);
  EXPECT_TRUE(growth.not_judged.empty()) << growth.not_judged;
  EXPECT_EQ(growth.standings[0].design, "pipeline");
  EXPECT_FALSE(growth.within_noise);
}

TEST(CompareVerdictTest, OnlyTroupesErrorFreeRowsCompete) {
  DesignResult failed = Row("actors", "troupe", 5000);
  failed.error = "checksum differs";
  const Verdicts verdicts = Judge({{Row("ceiling", "threads", 9000),
                                    Row("worker_pool", kGoRuntime, 4000),
                                    Row("worker_pool", "troupe", 1000), failed}});
  const Verdict& throughput = Of(verdicts, Criterion::kThroughput);
  ASSERT_EQ(throughput.standings.size(), 1u);
  EXPECT_EQ(throughput.standings[0].design, "worker_pool");
  EXPECT_EQ(throughput.not_judged, "fewer than two designs to compare");
}

TEST(CompareVerdictTest, PeersAndTheHandoffBoundAreStood) {
  const std::vector<std::vector<DesignResult>> runs = {
      {Row("handoff", "threads", 1000), Row("worker_pool", "troupe", 960, 100),
       Row("worker_pool", kGoRuntime, 800, 200), Row("pipeline", "troupe", 900),
       Row("pipeline", kGoRuntime, 880)},
  };
  const Verdicts verdicts = Judge(runs);
  ASSERT_EQ(verdicts.peers.size(), 2u);
  EXPECT_EQ(verdicts.peers[0].design, "worker_pool");
  EXPECT_DOUBLE_EQ(verdicts.peers[0].throughput_ratio.median, 1.2);
  EXPECT_DOUBLE_EQ(verdicts.peers[0].p99_ratio.median, 2.0);  // Go's p99 over troupe's
  EXPECT_FALSE(verdicts.peers[0].within_noise);
  EXPECT_TRUE(verdicts.peers[1].within_noise);  // 900 / 880: 2%
  ASSERT_EQ(verdicts.handoff_share.size(), 2u);
  EXPECT_DOUBLE_EQ(verdicts.handoff_share[0].median, 0.96);
  EXPECT_DOUBLE_EQ(verdicts.handoff_share[1].median, 0.90);
  const std::string text = FormatVerdicts(verdicts, "cpu");
  EXPECT_NE(text.find("Verdict for workload cpu (1 run;"), std::string::npos) << text;
  EXPECT_NE(text.find("throughput    worker_pool wins: 960 records/s, 1.07x ahead of pipeline"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("against go: throughput troupe/go, p99 go/troupe: worker_pool 1.20x ahead "
                      "(p99 2.00x); pipeline 1.02x within noise"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("against the handoff bound (target 95%): worker_pool 96.0%, pipeline "
                      "90.0% (below)"),
            std::string::npos)
      << text;
  const std::string json = VerdictsJson(verdicts);
  EXPECT_NE(json.find("{\"criterion\": \"throughput\", \"winner\": \"worker_pool\", \"factor\": "
                      "1.0667, \"within_noise\": false"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"handoff_target\": 0.95"), std::string::npos) << json;
}

}  // namespace
}  // namespace troupe::benchmarks
