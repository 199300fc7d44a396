// Registry: registration checks, bounded families, collectors and their handles,
// and that what it renders parses as Prometheus text with the values put in.
#include "troupe/metrics/registry.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "troupe/tests/metrics/prometheus_text_parser.h"

namespace troupe::metrics {
namespace {

using metrics_test::ParsedFamily;
using metrics_test::ParsePrometheusText;
using metrics_test::SampleValue;

std::vector<ParsedFamily> Parse(const Registry& registry) {
  const std::string page = registry.RenderText();
  absl::StatusOr<std::vector<ParsedFamily>> families = ParsePrometheusText(page);
  EXPECT_TRUE(families.ok()) << families.status() << "\n" << page;
  return families.ok() ? *families : std::vector<ParsedFamily>{};
}

TEST(RegistryTest, RendersCountersGaugesAndHistogramsThatParse) {
  Registry registry;
  absl::StatusOr<Counter*> jobs = registry.AddCounter("jobs_total", "Jobs done.",
                                                      {{{"instance", "a\"b\\c\nd"}}});
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  absl::StatusOr<Gauge*> depth = registry.AddGauge("queue_depth", "Items queued.\nNow.");
  ASSERT_TRUE(depth.ok()) << depth.status();
  absl::StatusOr<Histogram*> latency =
      registry.AddHistogram("latency_seconds", "Latency.", {0.1, 1, 10});
  ASSERT_TRUE(latency.ok()) << latency.status();

  (*jobs)->Add(3);
  (*jobs)->Add();
  (*depth)->Set(7.5);
  (*depth)->Decrement();
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) (*latency)->Observe(v);

  const std::vector<ParsedFamily> families = Parse(registry);
  EXPECT_EQ(*SampleValue(families, "jobs_total", {{"instance", "a\"b\\c\nd"}}), 4);
  EXPECT_EQ(*SampleValue(families, "queue_depth"), 6.5);
  EXPECT_EQ(*SampleValue(families, "latency_seconds_bucket", {{"le", "0.1"}}), 2);
  EXPECT_EQ(*SampleValue(families, "latency_seconds_bucket", {{"le", "1"}}), 3);
  EXPECT_EQ(*SampleValue(families, "latency_seconds_bucket", {{"le", "10"}}), 4);
  EXPECT_EQ(*SampleValue(families, "latency_seconds_bucket", {{"le", "+Inf"}}), 5);
  EXPECT_EQ(*SampleValue(families, "latency_seconds_count"), 5);
  EXPECT_DOUBLE_EQ(*SampleValue(families, "latency_seconds_sum"), 55.65);
  ASSERT_GE(families.size(), 3u);
  EXPECT_EQ(families[0].type, "counter");
  EXPECT_EQ(families[1].type, "gauge");
  EXPECT_EQ(families[1].help, "Items queued.\nNow.");
  EXPECT_EQ(families[2].type, "histogram");
}

TEST(RegistryTest, RejectsBadNamesLabelsBoundsAndDuplicates) {
  Registry registry;
  EXPECT_EQ(registry.AddCounter("9lives", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounter("a-b", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounterFamily("x_total", "", {"__reserved"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddCounterFamily("y_total", "", {"a", "a"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.AddHistogramFamily("h", "", {"le"}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status unsorted = registry.AddHistogram("h2", "", {1, 1}).status();
  EXPECT_EQ(unsorted.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(unsorted.message(), "strictly increasing")) << unsorted;
  EXPECT_EQ(registry.AddCounterFamily("z_total", "", {"a"}, {.max_series = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(registry.AddGauge("taken", "").ok());
  EXPECT_EQ(registry.AddCounter("taken", "").status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.AddCollector({"taken"}, [](std::vector<MetricFamily>&) {}).status().code(),
            absl::StatusCode::kAlreadyExists);
  Parse(registry);  // what did register still renders validly
}

TEST(RegistryTest, FamilyRefusesSeriesPastItsLimitAndKeepsTheOthers) {
  Registry registry;
  absl::StatusOr<Family<Counter>*> requests =
      registry.AddCounterFamily("requests_total", "Requests.", {"code"}, {.max_series = 2});
  ASSERT_TRUE(requests.ok()) << requests.status();
  absl::StatusOr<Counter*> ok = (*requests)->WithLabels({"200"});
  absl::StatusOr<Counter*> missing = (*requests)->WithLabels({"404"});
  ASSERT_TRUE(ok.ok() && missing.ok());
  absl::StatusOr<Counter*> third = (*requests)->WithLabels({"500"});
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(third.status().message(), "max_series")) << third.status();
  EXPECT_EQ((*requests)->WithLabels({"200", "extra"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<Counter*> again = (*requests)->WithLabels({"200"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *ok);
  (*again)->Add(2);
  const std::vector<ParsedFamily> families = Parse(registry);
  EXPECT_EQ(*SampleValue(families, "requests_total", {{"code", "200"}}), 2);
  EXPECT_EQ(*SampleValue(families, "requests_total", {{"code", "404"}}), 0);
  EXPECT_FALSE(SampleValue(families, "requests_total", {{"code", "500"}}).ok());
}

TEST(RegistryTest, CollectorRunsAtScrapeUntilItsHandleIsDropped) {
  Registry registry;
  int scrapes = 0;
  {
    absl::StatusOr<CollectorHandle> handle =
        registry.AddCollector({"scraped_total", "undeclared_total"},
                              [&scrapes](std::vector<MetricFamily>& out) {
                                ++scrapes;
                                out.push_back({"scraped_total", "Scrapes.", MetricType::kCounter, {}});
                                out.back().Add({}, scrapes);
                                out.push_back({"stray", "Not declared.", MetricType::kGauge, {}});
                              });
    ASSERT_TRUE(handle.ok()) << handle.status();
    const std::vector<ParsedFamily> families = Parse(registry);
    EXPECT_EQ(*SampleValue(families, "scraped_total"), 1);
    EXPECT_FALSE(SampleValue(families, "stray").ok());
    EXPECT_EQ(*SampleValue(families, "troupe_metrics_collector_errors_total"), 1);
  }
  const std::vector<ParsedFamily> families = Parse(registry);
  EXPECT_EQ(scrapes, 1);
  EXPECT_FALSE(SampleValue(families, "scraped_total").ok());
  // The names are free again.
  EXPECT_TRUE(registry.AddCounter("scraped_total", "").ok());
}

TEST(RegistryTest, CountersAndHistogramsSumEveryThreadsUpdates) {
  Registry registry;
  Counter* counter = *registry.AddCounter("adds_total", "");
  Histogram* histogram = *registry.AddHistogram("values", "", {1, 2});
  constexpr int kThreads = 4;
  constexpr int kAdds = 10'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) {
        counter->Add();
        histogram->Observe(i % 3);  // 0, 1, 2: every bucket but +Inf
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter->Value(), uint64_t{kThreads} * kAdds);
  const HistogramValue value = histogram->Snapshot();
  EXPECT_EQ(value.count, uint64_t{kThreads} * kAdds);
  EXPECT_EQ(value.cumulative_counts.back(), value.count);
  EXPECT_EQ(value.cumulative_counts[1], value.count);  // nothing above 2
  Parse(registry);
}

}  // namespace
}  // namespace troupe::metrics
