// MetricFamily: what a registry collects at scrape time, one family per metric name
// (its samples, one per label set), before it is written out in the text format
// (text_format.h). Instruments (Counter, Gauge, Histogram and their labelled
// Families) produce these, and so do collectors: callbacks that read some state at
// scrape time (the runtime's counters, a mailbox's depth) and cost nothing between
// scrapes.
#ifndef TROUPE_METRICS_SNAPSHOT_H_
#define TROUPE_METRICS_SNAPSHOT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace troupe::metrics {

struct Label {
  std::string name;
  std::string value;
};
using Labels = std::vector<Label>;

enum class MetricType { kCounter, kGauge, kHistogram };

// A histogram's state: bucket upper bounds (increasing, +Inf implied after the last),
// the cumulative count of observations <= each bound (one more entry than bounds: the
// last is the +Inf bucket, which equals `count`), and the sum of observations.
struct HistogramValue {
  std::vector<double> bounds;
  std::vector<uint64_t> cumulative_counts;
  double sum = 0;
  uint64_t count = 0;
};

struct Sample {
  Labels labels;
  double value = 0;           // counters and gauges
  HistogramValue histogram;   // histograms
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;

  // Appends a sample (counters and gauges).
  MetricFamily& Add(Labels labels, double value) {
    samples.push_back(Sample{std::move(labels), value, {}});
    return *this;
  }
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_SNAPSHOT_H_
