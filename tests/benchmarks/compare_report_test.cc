// The pattern comparison's report: the table's columns (shares of the ceiling and of
// the handoff bound, the peers' ratios, memory, transfer times), the JSON (every
// field, the verdict and the summary), the HTML charts, and the reading of a peer's
// result line.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/benchmarks/compare/core_transfer.h"

namespace troupe::benchmarks {
namespace {

DesignResult Row(const std::string& design, const std::string& runtime, double throughput) {
  DesignResult row;
  row.design = design;
  row.runtime = runtime;
  row.throughput_rps = throughput;
  return row;
}

ReportHeader SmallHeader() {
  ReportHeader header;
  header.records = 10;
  header.size = 8;
  header.procs = 2;
  header.parallelism = 2;
  header.capacity = 4;
  return header;
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
  EXPECT_TRUE(result.rss_series.empty());
  EXPECT_EQ(result.memory_kb(), 1024);  // no samples: the high-water mark
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
  EXPECT_EQ(result.latency_quantiles_us, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8.5, 9}));
  EXPECT_FALSE(ParseResultJson(line + "1, 2, 3]}", &result));                    // incomplete
  EXPECT_FALSE(ParseResultJson(line + "1, 2, x, 4, 5, 6, 7, 8, 9]}", &result));  // not a number
}

TEST(CompareReportTest, APeersMemorySamplesAndRateAreRead) {
  const std::string line =
      "{\"design\": \"pipeline\", \"runtime\": \"go\", \"records\": 10, \"seconds\": 0.5, "
      "\"throughput_rps\": 20.0, \"p50_us\": 3, \"p95_us\": 6, \"p99_us\": 7, \"max_us\": 10, "
      "\"peak_rss_kb\": 9000, \"rss_start_kb\": 5120, \"rss_peak_kb\": 8192, "
      "\"rss_growth_kb_per_min\": %s, \"rss_window_s\": 45.00, \"allocs_per_record\": 0, "
      "\"checksum\": \"0x01\", \"rate\": 300000, \"rss_seconds\": [0.000, 0.020], "
      "\"rss_mib\": [%s]}";
  auto with = [&](const std::string& growth, const std::string& mib) {
    std::string text = line;
    text.replace(text.find("%s"), 2, growth);
    text.replace(text.find("%s"), 2, mib);
    return text;
  };
  DesignResult result;
  ASSERT_TRUE(ParseResultJson(with("2048.0", "5.00, 8.00"), &result));
  EXPECT_EQ(result.rss_start_kb, 5120);
  EXPECT_EQ(result.rss_peak_kb, 8192);
  EXPECT_EQ(result.memory_kb(), 3072);
  EXPECT_DOUBLE_EQ(result.rss_growth_kb_per_min, 2048);
  EXPECT_DOUBLE_EQ(result.rss_window_s, 45);
  EXPECT_DOUBLE_EQ(result.offered_rps, 300000);
  ASSERT_EQ(result.rss_series.size(), 2u);
  EXPECT_DOUBLE_EQ(result.rss_series[1].seconds, 0.02);
  EXPECT_DOUBLE_EQ(result.rss_series[1].mib, 8);
  ASSERT_TRUE(ParseResultJson(with("null", "5.00, 8.00"), &result));
  EXPECT_TRUE(std::isnan(result.rss_growth_kb_per_min));
  EXPECT_FALSE(ParseResultJson(with("null", "5.00"), &result));  // series of unequal lengths
}

TEST(CompareReportTest, TheHtmlDrawsOneDistributionLinePerRowWithQuantiles) {
  DesignResult ceiling = Row("ceiling", "threads", 100);
  DesignResult troupe_row = Row("actors", "troupe", 90);
  troupe_row.max_us = 5000;
  troupe_row.latency_quantiles_us = {1, 2, 3, 4, 5, 6, 70, 800, 900};
  DesignResult go_row = troupe_row;
  go_row.runtime = kGoRuntime;
  const std::string html = FormatHtmlSection(SmallHeader(), {ceiling, troupe_row, go_row});
  EXPECT_NE(html.find("Latency distribution"), std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = html.find("<polyline"); at != std::string::npos;
       at = html.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u) << html;  // troupe and Go; the ceiling has no latencies
  EXPECT_NE(html.find("p99.99"), std::string::npos);
  EXPECT_NE(html.find(">10 ms<"), std::string::npos) << html;  // the axis reaches max
  const std::string json = FormatJson(SmallHeader(), {troupe_row});
  EXPECT_NE(json.find("\"latency_quantiles_us\": "
                      "[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 70.0, 800.0, 900.0]"),
            std::string::npos)
      << json;
}

TEST(CompareReportTest, TheHtmlDrawsMemoryOverTimeAndTheVerdict) {
  DesignResult row = Row("pipeline", "troupe", 90);
  row.rss_series = {{0, 5}, {0.5, 6}, {1.0, 6.5}};
  const std::string html = FormatHtmlSection(SmallHeader(), {row}, "Verdict: pipeline <wins>");
  EXPECT_NE(html.find("Memory over time"), std::string::npos) << html;
  EXPECT_NE(html.find("Verdict: pipeline &lt;wins&gt;"), std::string::npos) << html;
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
  ReportHeader header = SmallHeader();
  header.transfer_from_cpu = 0;
  header.transfer_to_cpu = 1;
  DesignResult ceiling = Row("ceiling", "threads", 100);
  ceiling.core_transfer_ns = 31.0;
  DesignResult unmeasured = ceiling;
  unmeasured.design = "handoff";
  unmeasured.core_transfer_ns = -1;
  const std::string table = FormatTable(header, {ceiling, unmeasured});
  EXPECT_NE(table.find("from CPU 0 to CPU 1"), std::string::npos) << table;
  EXPECT_NE(table.find(" 31 0x"), std::string::npos) << table;
  EXPECT_NE(table.find(" - 0x"), std::string::npos) << table;
  EXPECT_EQ(table.find("WARNING"), std::string::npos) << table;
  DesignResult far = Row("worker_pool", "troupe", 100);
  far.core_transfer_ns = 165.0;
  const std::string mixed = FormatTable(header, {ceiling, far});
  EXPECT_NE(mixed.find("WARNING: the core-to-core transfer time moved from 31 to 165 ns"),
            std::string::npos)
      << mixed;
  const std::string json = FormatJson(header, {ceiling, unmeasured});
  EXPECT_NE(json.find("\"core_transfer_ns\": 31.0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"core_transfer_ns\": null,"), std::string::npos) << json;
}

TEST(CompareReportTest, TheTableGivesSharesOfTheReferencesAndThePeersRatios) {
  const std::vector<DesignResult> rows = {
      Row("ceiling", "threads", 100), Row("handoff", "threads", 80),
      Row("worker_pool", "troupe", 76), Row("worker_pool", kGoRuntime, 38),
      Row("worker_pool", kBoostFiberRuntime, 19)};
  const std::string table = FormatTable(SmallHeader(), rows);
  // 76% of the ceiling, 95% of the handoff bound, 2x Go, 4x Boost.Fiber.
  EXPECT_NE(table.find("worker_pool  troupe                76       76%       95%    2.00x    4.00x"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("handoff      threads               80       80%         -        -        -"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("worker_pool  boost.fiber           19       19%       24%        -        -"),
            std::string::npos)
      << table;
}

TEST(CompareReportTest, LongDesignNamesWidenTheirColumn) {
  DesignResult row = Row("worker_pool/sharded", "troupe", 50);
  row.rss_start_kb = 4096;
  row.rss_peak_kb = 6144;
  row.rss_growth_kb_per_min = 1536;
  const std::string table = FormatTable(SmallHeader(), {Row("ceiling", "threads", 100), row});
  EXPECT_NE(table.find("\nceiling             threads"), std::string::npos) << table;
  EXPECT_NE(table.find("\nworker_pool/sharded troupe"), std::string::npos) << table;
  // +MiB 2.0 and MiB/min 1.5.
  EXPECT_NE(table.find("      2.0      1.5 "), std::string::npos) << table;
}

TEST(CompareReportTest, TheJsonCarriesTheWorkloadTheDesignsTheVerdictAndTheSummary) {
  ReportHeader header = SmallHeader();
  header.workload = "stateful";
  header.description = "keyed \"records\"";
  header.burst = 100;
  header.rate = 1000;
  header.designs = {{"actors", DesignKind::kKeyActors, "owners of keys"}};
  DesignResult row = Row("actors", "troupe", 90);
  row.offered_rps = 1000;
  row.rss_series = {{0, 5}, {0.5, 6}};
  const std::string json = FormatJson(header, {row}, "{\"runs\": 1}", "{\"rate_sweep\": []}");
  for (const char* field :
       {"\"workload\": \"stateful\"", "\"description\": \"keyed \\\"records\\\"\"",
        "\"burst\": 100", "\"designs\": [{\"name\": \"actors\", \"description\": \"owners of keys\"}]",
        "\"offered_rps\": 1000.0", "\"rss_series\": [[0.000, 5.00], [0.500, 6.00]]",
        "\"rss_growth_kb_per_min\": null", "\"verdicts\": {\"runs\": 1}",
        "\"summary\": {\"rate_sweep\": []}"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field << " in " << json;
  }
}

}  // namespace
}  // namespace troupe::benchmarks
