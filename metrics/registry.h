// Registry: the metrics a program exposes, and their exposition in Prometheus' text
// format (text_format.h) for a /metrics page.
//
//   troupe::metrics::Registry& registry = troupe::metrics::Registry::Default();
//   absl::StatusOr<troupe::metrics::Counter*> jobs =
//       registry.AddCounter("app_jobs_total", "Jobs done.");
//   ...
//   std::string page = registry.RenderText();   // what /metrics answers
//
// Two kinds of content:
//   - instruments (Counter, Gauge, Histogram, or a Family of them split by labels),
//     owned by the registry and updated by the program; the pointers returned stay
//     valid for the registry's life;
//   - collectors: callbacks run at scrape time that report what some object already
//     tracks (the runtime's counters, an actor's mailbox): nothing is paid between
//     scrapes. A collector declares its metric names when added; it lives until its
//     CollectorHandle is destroyed.
// A name is registered once (AlreadyExists otherwise); names and labels are checked
// when registered (InvalidArgument saying what is allowed), so the exposition is
// always valid.
//
// Registry::Default() is the process's; a service or a test may make its own. Any
// thread may call any method. Collectors run under the registry's lock: a collector
// must not call into its own registry.
#ifndef TROUPE_METRICS_REGISTRY_H_
#define TROUPE_METRICS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/metrics/counter.h"
#include "troupe/metrics/family.h"
#include "troupe/metrics/gauge.h"
#include "troupe/metrics/histogram.h"
#include "troupe/metrics/snapshot.h"

namespace troupe::metrics {

struct MetricOptions {
  Labels const_labels = {};  // on the metric's one series
};

// Fills `out` with the families it declared (any subset of them, each at most once).
using Collector = std::function<void(std::vector<MetricFamily>& out)>;

class Registry;

// Keeps a collector registered; destroying it (or Reset) removes the collector, after
// which the callback is not running and will not run again. Move-only.
class [[nodiscard]] CollectorHandle {
 public:
  CollectorHandle() = default;
  CollectorHandle(CollectorHandle&& other) noexcept;
  CollectorHandle& operator=(CollectorHandle&& other) noexcept;
  ~CollectorHandle() { Reset(); }
  void Reset();

 private:
  friend class Registry;
  CollectorHandle(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The process's registry (never destroyed).
  static Registry& Default();

  [[nodiscard]] absl::StatusOr<Counter*> AddCounter(std::string name, std::string help,
                                                    MetricOptions options = {});
  [[nodiscard]] absl::StatusOr<Gauge*> AddGauge(std::string name, std::string help,
                                                MetricOptions options = {});
  [[nodiscard]] absl::StatusOr<Histogram*> AddHistogram(std::string name, std::string help,
                                                        std::vector<double> bounds,
                                                        MetricOptions options = {});

  [[nodiscard]] absl::StatusOr<Family<Counter>*> AddCounterFamily(
      std::string name, std::string help, std::vector<std::string> label_names,
      FamilyOptions options = {});
  [[nodiscard]] absl::StatusOr<Family<Gauge>*> AddGaugeFamily(
      std::string name, std::string help, std::vector<std::string> label_names,
      FamilyOptions options = {});
  [[nodiscard]] absl::StatusOr<Family<Histogram>*> AddHistogramFamily(
      std::string name, std::string help, std::vector<std::string> label_names,
      std::vector<double> bounds, FamilyOptions options = {});

  // `collector` reports the families named in `names` (each checked and reserved as
  // an instrument's name is). A family it reports under another name, or twice, is
  // left out of the scrape and counted in troupe_metrics_collector_errors_total.
  [[nodiscard]] absl::StatusOr<CollectorHandle> AddCollector(std::vector<std::string> names,
                                                             Collector collector);

  // Every family, instruments first in registration order, then the collectors'.
  std::vector<MetricFamily> Collect() const;
  // Collect(), in the text format (text_format.h).
  std::string RenderText() const;

 private:
  friend class CollectorHandle;
  struct CollectorEntry {
    uint64_t id;
    std::vector<std::string> names;
    Collector collect;
  };

  // Checks `name`, the label names and max_series, and reserves the name.
  absl::Status Reserve(const std::string& name, const std::vector<std::string>& label_names,
                       const Labels& const_labels, bool histogram, int max_series);
  template <typename Metric>
  absl::StatusOr<Family<Metric>*> AddFamily(std::string name, std::string help,
                                            MetricType type, std::vector<std::string> labels,
                                            FamilyOptions options, std::vector<double> bounds);
  void RemoveCollector(uint64_t id);

  mutable std::mutex mutex_;  // guards everything below (not the metrics' values)
  std::vector<std::string> names_;  // every name taken, families' and collectors'
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<CollectorEntry> collectors_;
  uint64_t next_collector_id_ = 1;
  mutable Counter collector_errors_;  // reported families a collector had not declared
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_REGISTRY_H_
