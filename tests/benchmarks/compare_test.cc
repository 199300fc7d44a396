// The pattern comparison's designs compute the same checksum as the plain-thread
// ceiling and as a sequential reference, closed and open loop; the report carries the
// machine's core-to-core transfer time, the peers' ratios and the latency distribution.
#include <sched.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/compare_summary.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/benchmarks/compare/core_transfer.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {
namespace {

class CompareTest : public ::testing::TestWithParam<int> {};

TEST_P(CompareTest, EveryDesignReproducesTheChecksum) {
  auto runtime = Runtime::Create({.procs = GetParam()});
  ASSERT_TRUE(runtime.ok());
  DesignOptions options;
  options.workload.count = 3000;
  options.workload.size = 64;
  options.capacity = 4;
  options.parallelism = 3;
  const uint64_t expected = SequentialChecksum(options.workload);
  for (double rate : {0.0, 200'000.0}) {
    options.rate = rate;
    for (const DesignResult& result :
         {RunCeiling(GetParam(), options), RunHandoffBound(GetParam(), options),
          RunWorkerPool(**runtime, options),
          RunPipeline(**runtime, options), RunActors(**runtime, options)}) {
      EXPECT_TRUE(result.error.empty()) << result.design << ": " << result.error;
      EXPECT_EQ(result.checksum, expected) << result.design << " at rate " << rate;
      EXPECT_EQ(result.records, options.workload.count) << result.design;
      EXPECT_GT(result.throughput_rps, 0) << result.design;
      if (result.design == "ceiling") continue;  // no latencies
      // The distribution is complete, ordered, consistent with p50/p99 and below max.
      ASSERT_EQ(result.latency_quantiles_us.size(), kLatencyQuantileCount) << result.design;
      EXPECT_TRUE(std::is_sorted(result.latency_quantiles_us.begin(),
                                 result.latency_quantiles_us.end()))
          << result.design;
      EXPECT_EQ(result.latency_quantiles_us[2], result.p50_us) << result.design;  // q = 0.50
      EXPECT_EQ(result.latency_quantiles_us[6], result.p99_us) << result.design;  // q = 0.99
      EXPECT_LE(result.latency_quantiles_us.back(), result.max_us) << result.design;
    }
  }
}

TEST(CompareWorkloadTest, MatchesTheGoProgramsKnownChecksum) {
  // The value the Go designs print for 1,000 default records (benchmarks/peers/go/compare).
  WorkloadParams workload;
  workload.count = 1000;
  EXPECT_EQ(SequentialChecksum(workload), 0x7a752341e0adbe2cull);
}

TEST(CompareReportTest, GoResultLinesAreRead) {
  DesignResult result;
  ASSERT_TRUE(ParseResultJson(
      "{\"design\": \"actors\", \"runtime\": \"go\", \"records\": 10, \"seconds\": 0.5, "
      "\"throughput_rps\": 20.0, \"p50_us\": 1.5, \"p95_us\": 2, \"p99_us\": 3, \"max_us\": 4, "
      "\"peak_rss_kb\": 1024, \"allocs_per_record\": 0.25, \"checksum\": \"0x00000000000000ff\"}",
      &result));
  EXPECT_EQ(result.records, 10);
  EXPECT_DOUBLE_EQ(result.p50_us, 1.5);
  EXPECT_EQ(result.peak_rss_kb, 1024);
  EXPECT_EQ(result.checksum, 0xffu);
  EXPECT_TRUE(result.latency_quantiles_us.empty());  // optional, and absent here
  EXPECT_FALSE(ParseResultJson("{\"design\": \"actors\"}", &result));
}

TEST(CompareReportTest, APeersLatencyQuantilesAreReadOnlyWhenComplete) {
  const std::string line =
      "{\"design\": \"actors\", \"runtime\": \"boost.fiber\", \"records\": 10, "
      "\"seconds\": 0.5, \"throughput_rps\": 20.0, \"p50_us\": 3, \"p95_us\": 6, "
      "\"p99_us\": 7, \"max_us\": 10, \"peak_rss_kb\": 1024, \"allocs_per_record\": 0, "
      "\"checksum\": \"0x00000000000000ff\", \"latency_quantiles_us\": [";
  DesignResult result;
  ASSERT_TRUE(ParseResultJson(line + "1, 2, 3, 4, 5, 6, 7, 8.5, 9]}", &result));
  EXPECT_EQ(result.latency_quantiles_us,
            (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8.5, 9}));
  EXPECT_FALSE(ParseResultJson(line + "1, 2, 3]}", &result));          // incomplete
  EXPECT_FALSE(ParseResultJson(line + "1, 2, x, 4, 5, 6, 7, 8, 9]}", &result));  // not a number
}

TEST(CompareReportTest, TheHtmlDrawsOneDistributionLinePerRowWithQuantiles) {
  ReportHeader header{.records = 10, .size = 8, .procs = 2, .parallelism = 2, .capacity = 4,
                      .rate = 0};
  DesignResult ceiling;
  ceiling.design = "ceiling";
  ceiling.runtime = "threads";
  ceiling.throughput_rps = 100;
  DesignResult troupe_row;
  troupe_row.design = "actors";
  troupe_row.runtime = "troupe";
  troupe_row.throughput_rps = 90;
  troupe_row.max_us = 5000;
  troupe_row.latency_quantiles_us = {1, 2, 3, 4, 5, 6, 70, 800, 900};
  DesignResult go_row = troupe_row;
  go_row.runtime = kGoRuntime;
  const std::string html = FormatHtmlSection(header, {ceiling, troupe_row, go_row});
  EXPECT_NE(html.find("Latency distribution"), std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = html.find("<polyline"); at != std::string::npos;
       at = html.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u) << html;  // troupe and Go; the ceiling has no latencies
  EXPECT_NE(html.find("p99.99"), std::string::npos);
  EXPECT_NE(html.find(">10 ms<"), std::string::npos) << html;  // the axis reaches max
  const std::string json = FormatJson(header, {troupe_row});
  EXPECT_NE(json.find("\"latency_quantiles_us\": "
                      "[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 70.0, 800.0, 900.0]"),
            std::string::npos)
      << json;
}

TEST(CoreTransferTest, MeasuresBetweenTwoDistinctAllowedCpusOrSaysItCannot) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  // Few transfers: the test may share the CPUs with others, and must stay short.
  const std::optional<CoreTransfer> transfer = MeasureCoreTransfer(2'000, 3);
  if (CPU_COUNT(&allowed) < 2) {
    EXPECT_FALSE(transfer.has_value());
    return;
  }
  ASSERT_TRUE(transfer.has_value());
  EXPECT_NE(transfer->from_cpu, transfer->to_cpu);
  EXPECT_TRUE(CPU_ISSET(transfer->from_cpu, &allowed));
  EXPECT_TRUE(CPU_ISSET(transfer->to_cpu, &allowed));
  EXPECT_GT(transfer->one_way_ns, 0.0);
}

TEST(CompareReportTest, TheTableAndJsonCarryTheTransferTimes) {
  ReportHeader header{.records = 10, .size = 8, .procs = 2, .parallelism = 2, .capacity = 4,
                      .rate = 0, .transfer_from_cpu = 0, .transfer_to_cpu = 1};
  DesignResult ceiling;
  ceiling.design = "ceiling";
  ceiling.runtime = "threads";
  ceiling.throughput_rps = 100;
  ceiling.core_transfer_ns = 31.0;
  DesignResult unmeasured = ceiling;
  unmeasured.design = "handoff";
  unmeasured.core_transfer_ns = -1;
  const std::string table = FormatTable(header, {ceiling, unmeasured});
  EXPECT_NE(table.find("from CPU 0 to CPU 1"), std::string::npos) << table;
  EXPECT_NE(table.find(" 31 0x"), std::string::npos) << table;
  EXPECT_NE(table.find(" - 0x"), std::string::npos) << table;
  EXPECT_EQ(table.find("WARNING"), std::string::npos) << table;
  DesignResult far = ceiling;
  far.design = "worker_pool";
  far.runtime = "troupe";
  far.core_transfer_ns = 165.0;
  const std::string mixed = FormatTable(header, {ceiling, far});
  EXPECT_NE(mixed.find("WARNING: the core-to-core transfer time moved from 31 to 165 ns"),
            std::string::npos)
      << mixed;
  DesignResult troupe_row = far;
  troupe_row.core_transfer_ns = 31.0;
  troupe_row.throughput_rps = 90;
  DesignResult go_row = troupe_row;
  go_row.runtime = kGoRuntime;
  go_row.throughput_rps = 60;
  DesignResult fiber_row = troupe_row;
  fiber_row.runtime = kBoostFiberRuntime;
  fiber_row.throughput_rps = 30;
  const std::string versus = FormatTable(header, {ceiling, troupe_row, go_row, fiber_row});
  EXPECT_NE(versus.find("worker_pool  troupe                90       90%    1.50x    3.00x"),
            std::string::npos)
      << versus;
  EXPECT_NE(versus.find("worker_pool  boost.fiber           30       30%        -        -"),
            std::string::npos)
      << versus;
  const std::string json = FormatJson(header, {ceiling, unmeasured});
  EXPECT_NE(json.find("\"core_transfer_ns\": 31.0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"core_transfer_ns\": null,"), std::string::npos) << json;
}

DesignResult Row(const std::string& design, const std::string& runtime, double throughput,
                 double transfer_ns) {
  DesignResult row;
  row.design = design;
  row.runtime = runtime;
  row.throughput_rps = throughput;
  row.p50_us = throughput / 1000;  // any distinct value to find in the summary
  row.p99_us = 1000 - throughput;  // the faster row has the lower p99
  row.core_transfer_ns = transfer_ns;
  return row;
}

TEST(CompareSummaryTest, RowsAreSplitByStateAndRatiosPairOnlyRowsInTheSameState) {
  const std::vector<std::vector<DesignResult>> runs = {
      // Near throughout: 80% of the ceiling, 1.25x Go, 2x Boost.Fiber.
      {Row("ceiling", "threads", 1000, 30), Row("worker_pool", "troupe", 800, 30),
       Row("worker_pool", "go", 640, 35), Row("worker_pool", "boost.fiber", 400, 30)},
      // Near again: 90%, 1.5x Go.
      {Row("ceiling", "threads", 1000, 31), Row("worker_pool", "troupe", 900, 40),
       Row("worker_pool", "go", 600, 33)},
      // troupe far (over 2x the fastest probe, 30 ns), Go near: no ratio from this run;
      // Boost.Fiber far too: 1.3x.
      {Row("ceiling", "threads", 1000, 30), Row("worker_pool", "troupe", 650, 165),
       Row("worker_pool", "go", 620, 32), Row("worker_pool", "boost.fiber", 500, 170)},
  };
  const std::string summary = FormatRepeatSummary(runs);
  // Near troupe: two rows, median of 80% and 90%, ratios 1.25 and 1.50.
  EXPECT_NE(summary.find("near  worker_pool  troupe          2        850     85.0 (80.0-90.0)"),
            std::string::npos)
      << summary;
  // p99 (set from the throughput by Row) at most Go's in both near pairs.
  EXPECT_NE(summary.find("1.38 (1.25-1.50) n=2       2/2"), std::string::npos) << summary;
  // Boost.Fiber: one near pair (run 1) and one far pair (run 3).
  EXPECT_NE(summary.find("2/2   2.00 (2.00-2.00) n=1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("-         -   1.30 (1.30-1.30) n=1"), std::string::npos) << summary;
  // Far troupe: one row, and no Go row of the same state to pair with.
  EXPECT_NE(summary.find("far   worker_pool  troupe          1        650     65.0 (65.0-65.0)"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("near  worker_pool  go              3        620"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("(30 ns)"), std::string::npos) << summary;
}

INSTANTIATE_TEST_SUITE_P(Procs, CompareTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace troupe::benchmarks
