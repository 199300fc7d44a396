// The summary of repeated comparisons: rows split by the machine's state, medians and
// ranges, and peer ratios paired only within a state.
#include "troupe/benchmarks/compare/compare_summary.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"

namespace troupe::benchmarks {
namespace {

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

TEST(CompareSummaryTest, LongDesignNamesKeepTheColumnsAligned) {
  const std::vector<std::vector<DesignResult>> runs = {
      {Row("ceiling", "threads", 1000, 30), Row("worker_pool/sharded", "troupe", 800, 30)},
      {Row("ceiling", "threads", 1000, 30), Row("worker_pool/sharded", "troupe", 700, 30)}};
  const std::string summary = FormatRepeatSummary(runs);
  EXPECT_NE(summary.find("near  ceiling             threads"), std::string::npos) << summary;
  EXPECT_NE(summary.find("near  worker_pool/sharded troupe          2        750"),
            std::string::npos)
      << summary;
}

}  // namespace
}  // namespace troupe::benchmarks
