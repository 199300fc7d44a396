// Latency against offered load: the open-loop rows of a rate sweep become one curve
// per design and runtime, by offered rate, with saturated points marked.
#include "troupe/benchmarks/compare/load_curves.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_runner.h"

namespace troupe::benchmarks {
namespace {

DesignResult OpenLoopRow(const std::string& design, const std::string& runtime, double offered,
                         double achieved, double p99) {
  DesignResult row;
  row.design = design;
  row.runtime = runtime;
  row.offered_rps = offered;
  row.throughput_rps = achieved;
  row.p50_us = p99 / 10;
  row.p99_us = p99;
  return row;
}

TEST(LoadCurvesTest, OneCurvePerDesignAndRuntimeSortedByOfferedRate) {
  const std::vector<std::vector<DesignResult>> runs = {
      {OpenLoopRow("ceiling", "threads", 200'000, 900'000, 0),
       OpenLoopRow("pipeline", "troupe", 200'000, 200'000, 50),
       OpenLoopRow("pipeline", "go", 200'000, 199'000, 80)},
      {OpenLoopRow("pipeline", "troupe", 100'000, 100'000, 40),
       OpenLoopRow("pipeline", "go", 100'000, 100'000, 60)},
      {OpenLoopRow("pipeline", "troupe", 400'000, 300'000, 9'000)},
  };
  const std::vector<LoadCurve> curves = LoadCurves(runs);
  ASSERT_EQ(curves.size(), 2u);  // the ceiling is no curve
  EXPECT_EQ(curves[0].runtime, "troupe");
  ASSERT_EQ(curves[0].points.size(), 3u);
  EXPECT_DOUBLE_EQ(curves[0].points[0].offered_rps, 100'000);
  EXPECT_DOUBLE_EQ(curves[0].points[2].achieved_rps, 300'000);
  const std::string text = FormatLoadCurves(curves);
  EXPECT_NE(text.find("400k: 300k 900/9000*"), std::string::npos) << text;  // saturated
  EXPECT_NE(text.find("200k: 199k 8/80\n"), std::string::npos) << text;      // not saturated
  const std::string html = FormatLoadCurvesHtml(curves);
  EXPECT_NE(html.find("p99 against achieved throughput"), std::string::npos);
  const std::string json = LoadCurvesJson(curves);
  EXPECT_NE(json.find("{\"offered_rps\": 400000.0, \"achieved_rps\": 300000.0, \"p50_us\": "
                      "900.0, \"p99_us\": 9000.0}"),
            std::string::npos)
      << json;
}

TEST(LoadCurvesTest, RateSweepsAreParsedOrRefusedWithWhatIsAllowed) {
  absl::StatusOr<std::vector<double>> rates = ParseRateSweep("100000:400000:4");
  ASSERT_TRUE(rates.ok()) << rates.status();
  EXPECT_EQ(*rates, (std::vector<double>{100'000, 200'000, 300'000, 400'000}));
  for (const char* bad : {"100000:400000", "400000:100000:3", "0:10:3", "1:10:1", "a:b:c"}) {
    absl::StatusOr<std::vector<double>> refused = ParseRateSweep(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("FROM:TO:STEPS"), absl::string_view::npos)
        << refused.status();
  }
}

}  // namespace
}  // namespace troupe::benchmarks
