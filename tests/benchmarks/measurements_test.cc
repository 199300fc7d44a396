// The comparison's measurements: the latency recorder's quantiles and maximum, and
// the RSS sampler's series and summary (start, peak, growth per minute).
#include <cmath>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/latency_recorder.h"
#include "troupe/benchmarks/compare/rss_sampler.h"

namespace troupe::benchmarks {
namespace {

TEST(LatencyRecorderTest, QuantilesAreRankedAsEveryProgramRanksThem) {
  LatencyRecorder recorder(1000);
  for (int64_t us = 1000; us >= 1; --us) recorder.Add(us * 1000);  // 1..1000 µs, reversed
  EXPECT_EQ(recorder.count(), 1000);
  const LatencySummary s = recorder.Summarize();
  EXPECT_DOUBLE_EQ(s.p50_us, 500);   // element floor(0.5 x 999) = 499: 500 µs
  EXPECT_DOUBLE_EQ(s.p99_us, 990);   // element 989
  EXPECT_DOUBLE_EQ(s.max_us, 1000);
  ASSERT_EQ(s.quantiles_us.size(), kLatencyQuantileCount);
  EXPECT_DOUBLE_EQ(s.quantiles_us[0], 100);  // q = 0.10: element 99
}

TEST(LatencyRecorderTest, BeyondItsRoomItKeepsASampleAndTheExactMaximum) {
  LatencyRecorder recorder(10);  // room for 10 latencies
  for (int i = 0; i < 10'000; ++i) recorder.Add(i % 2 == 0 ? 1000 : 3000);
  recorder.Add(99'000);
  EXPECT_EQ(recorder.count(), 10'001);
  const LatencySummary s = recorder.Summarize();
  EXPECT_DOUBLE_EQ(s.max_us, 99);
  EXPECT_TRUE(s.p50_us == 1 || s.p50_us == 3) << s.p50_us;  // drawn from what was added
}

TEST(RssSamplerTest, SummaryFitsTheGrowthAfterTheFirstQuarter) {
  // 10 MiB for the first quarter (warm-up), then growing 60 KiB per second.
  std::vector<RssSample> samples;
  for (int i = 0; i <= 100; ++i) {
    const double t = i * 0.4;  // 0..40 s
    const int64_t kb = t < 10 ? 10'240 : 12'000 + static_cast<int64_t>(60 * (t - 10));
    samples.push_back({t, kb});
  }
  const RssSummary summary = SummarizeRss(samples);
  EXPECT_EQ(summary.start_kb, 10'240);
  EXPECT_EQ(summary.peak_kb, 12'000 + 60 * 30);
  EXPECT_NEAR(summary.growth_kb_per_min, 3600, 1);  // 60 KiB/s
  EXPECT_DOUBLE_EQ(summary.window_s, 30);
  EXPECT_TRUE(std::isnan(SummarizeRss({{0, 5}, {1, 6}}).growth_kb_per_min));  // too few
  EXPECT_LE(ThinRss(samples).size(), 102u);
  EXPECT_EQ(ThinRss(samples).back().seconds, 40);
}

TEST(RssSamplerTest, SamplesTheProcessWhileItRuns) {
  RssSampler sampler;
  sampler.Start(1'000'000);  // every ms
  const std::vector<RssSample> samples = sampler.Stop();
  ASSERT_GE(samples.size(), 2u);  // the first and the last, at least
  EXPECT_GT(samples.front().kb, 0);
  EXPECT_GE(samples.back().seconds, samples.front().seconds);
  EXPECT_GT(CurrentRssKb(), 0);
}

}  // namespace
}  // namespace troupe::benchmarks
