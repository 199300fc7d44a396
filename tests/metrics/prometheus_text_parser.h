// An independent reader of Prometheus' text format 0.0.4 for tests: it parses a
// /metrics page and rejects what a Prometheus server would (bad names, label syntax,
// escapes, values, TYPE lines after samples or twice, a family's samples split up),
// and checks histograms: per label set, bucket bounds increase, cumulative counts
// never decrease, the last bucket is +Inf, and it equals _count.
#ifndef TROUPE_TESTS_METRICS_PROMETHEUS_TEXT_PARSER_H_
#define TROUPE_TESTS_METRICS_PROMETHEUS_TEXT_PARSER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe::metrics_test {

struct ParsedSample {
  std::string name;                           // with _bucket/_sum/_count for histograms
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct ParsedFamily {
  std::string name;
  std::string help;  // unescaped
  std::string type;  // counter, gauge, histogram, summary or untyped
  std::vector<ParsedSample> samples;
};

// The families of `text` in order; an error naming the line that is wrong.
absl::StatusOr<std::vector<ParsedFamily>> ParsePrometheusText(absl::string_view text);

// The value of the one sample named `name` whose labels are exactly `labels`;
// NotFound otherwise.
absl::StatusOr<double> SampleValue(const std::vector<ParsedFamily>& families,
                                   absl::string_view name,
                                   const std::map<std::string, std::string>& labels = {});

}  // namespace troupe::metrics_test

#endif  // TROUPE_TESTS_METRICS_PROMETHEUS_TEXT_PARSER_H_
