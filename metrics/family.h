// Family: one metric split by labels ("requests by status code"), a bounded set of
// series each a Counter, Gauge or Histogram, made on first use of its label values.
//
//   absl::StatusOr<troupe::metrics::Family<troupe::metrics::Counter>*> requests =
//       registry.AddCounterFamily("app_requests_total", "Requests.", {"code"});
//   absl::StatusOr<troupe::metrics::Counter*> ok = (*requests)->WithLabels({"200"});
//   (*ok)->Add();   // keep the pointer: it is stable for the registry's life
//
// Cardinality is bounded: a family holds at most FamilyOptions::max_series series,
// and WithLabels for a new label set beyond that fails (ResourceExhausted naming the
// family and the limit) instead of growing without end; label sets already made keep
// working. WithLabels takes a lock and a hash lookup: look series up once and keep
// the pointer on hot paths.
#ifndef TROUPE_METRICS_FAMILY_H_
#define TROUPE_METRICS_FAMILY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "troupe/metrics/counter.h"
#include "troupe/metrics/gauge.h"
#include "troupe/metrics/histogram.h"
#include "troupe/metrics/snapshot.h"

namespace troupe::metrics {

struct FamilyOptions {
  // On every series of the family (an instance name, a shard): fixed, not counted
  // against max_series.
  Labels const_labels = {};
  // Series the family may hold; WithLabels beyond that is ResourceExhausted.
  int max_series = 256;
};

namespace metrics_internal_family {
// Reads one series into a sample.
inline void Read(const Counter& counter, Sample& sample) {
  sample.value = static_cast<double>(counter.Value());
}
inline void Read(const Gauge& gauge, Sample& sample) { sample.value = gauge.Value(); }
inline void Read(const Histogram& histogram, Sample& sample) {
  sample.histogram = histogram.Snapshot();
}
}  // namespace metrics_internal_family

// What a registry holds: any family, collected at scrape time.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual MetricFamily Collect() const = 0;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  // Use Registry::Add*Family, which checks the names and options.
  Family(std::string name, std::string help, MetricType type,
         std::vector<std::string> label_names, FamilyOptions options,
         std::function<std::unique_ptr<Metric>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)),
        options_(std::move(options)),
        make_(std::move(make)) {}

  // The series for `values` (one per label name, in order), made on first use. Any
  // thread; takes the family's lock. InvalidArgument for the wrong number of values;
  // ResourceExhausted for a new series past max_series.
  absl::StatusOr<Metric*> WithLabels(const std::vector<std::string>& values) {
    if (values.size() != label_names_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name_, " takes ", label_names_.size(), " label values (",
          absl::StrJoin(label_names_, ", "), "); got ", values.size()));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto found = index_.find(values); found != index_.end()) {
      return series_[found->second].metric.get();
    }
    if (series_.size() >= static_cast<std::size_t>(options_.max_series)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          name_, " already has its limit of ", options_.max_series,
          " series (FamilyOptions::max_series); refused label values {",
          absl::StrJoin(values, ", "), "}: label by a bounded set such as a type or a "
          "registered name, not by an id"));
    }
    index_.emplace(values, series_.size());
    series_.push_back(Series{values, make_()});
    return series_.back().metric.get();
  }

  MetricFamily Collect() const override {
    MetricFamily family{name_, help_, type_, {}};
    std::lock_guard<std::mutex> lock(mutex_);
    family.samples.reserve(series_.size());
    for (const Series& series : series_) {
      Sample sample;
      sample.labels = options_.const_labels;
      for (std::size_t i = 0; i < label_names_.size(); ++i) {
        sample.labels.push_back(Label{label_names_[i], series.values[i]});
      }
      metrics_internal_family::Read(*series.metric, sample);
      family.samples.push_back(std::move(sample));
    }
    return family;
  }

 private:
  struct Series {
    std::vector<std::string> values;
    std::unique_ptr<Metric> metric;
  };

  const std::string name_;
  const std::string help_;
  const MetricType type_;
  const std::vector<std::string> label_names_;
  const FamilyOptions options_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable std::mutex mutex_;  // guards index_ and series_ (not the metrics' values)
  absl::flat_hash_map<std::vector<std::string>, std::size_t> index_;
  std::vector<Series> series_;  // in order of first use: the exposition's order
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_FAMILY_H_
