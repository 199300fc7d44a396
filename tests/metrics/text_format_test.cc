// The text format's details: value formatting and escaping, against the parser.
#include "troupe/metrics/text_format.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/tests/metrics/prometheus_text_parser.h"

namespace troupe::metrics {
namespace {

TEST(TextFormatTest, ValuesPrintExactlyOrShortest) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(123456789012), "123456789012");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(NAN), "NaN");
}

TEST(TextFormatTest, EscapesHelpAndLabelValues) {
  MetricFamily family{"odd", "back\\slash\nnewline \"quoted\"", MetricType::kGauge, {}};
  family.Add({{"path", "C:\\dir\n\"x\""}}, 1);
  const std::string text = RenderText({family});
  EXPECT_EQ(text,
            "# HELP odd back\\\\slash\\nnewline \"quoted\"\n"
            "# TYPE odd gauge\n"
            "odd{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n");
  absl::StatusOr<std::vector<metrics_test::ParsedFamily>> parsed =
      metrics_test::ParsePrometheusText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*metrics_test::SampleValue(*parsed, "odd", {{"path", "C:\\dir\n\"x\""}}), 1);
}

TEST(TextFormatTest, ParserRejectsWhatPrometheusWould) {
  for (const char* bad : {
           "9x 1\n",                                   // name
           "x{a=\"1\" 1\n",                            // unterminated labels
           "x{a=\"\\q\"} 1\n",                         // escape
           "x one\n",                                  // value
           "# TYPE x gauge\nx 1\n# TYPE x gauge\n",    // TYPE after samples
           "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 0\nh_count 1\n",
           "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0\nh_count 3\n",
           "x 1",                                      // no final newline
       }) {
    EXPECT_FALSE(metrics_test::ParsePrometheusText(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace troupe::metrics
