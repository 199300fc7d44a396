#include "troupe/metrics/registry.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "troupe/metrics/internal/names.h"
#include "troupe/metrics/text_format.h"

namespace troupe::metrics {

namespace {
constexpr char kCollectorErrors[] = "troupe_metrics_collector_errors_total";
}  // namespace

CollectorHandle::CollectorHandle(CollectorHandle&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

CollectorHandle& CollectorHandle::operator=(CollectorHandle&& other) noexcept {
  if (this != &other) {
    Reset();
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void CollectorHandle::Reset() {
  if (registry_ != nullptr) std::exchange(registry_, nullptr)->RemoveCollector(id_);
}

Registry::Registry() { names_.push_back(kCollectorErrors); }
Registry::~Registry() = default;

Registry& Registry::Default() {
  static Registry* const registry = new Registry();  // never destroyed: used at exit
  return *registry;
}

absl::Status Registry::Reserve(const std::string& name,
                               const std::vector<std::string>& label_names,
                               const Labels& const_labels, bool histogram, int max_series) {
  if (absl::Status ok = metrics_internal::CheckMetricName(name); !ok.ok()) return ok;
  std::vector<std::string> all_labels = label_names;
  for (const Label& label : const_labels) all_labels.push_back(label.name);
  if (absl::Status ok = metrics_internal::CheckLabelNames(name, all_labels, histogram);
      !ok.ok()) {
    return ok;
  }
  if (max_series < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_series of ", name, " must be at least 1; got ", max_series));
  }
  // Caller holds mutex_.
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    return absl::AlreadyExistsError(absl::StrCat("metric ", name, " is already registered"));
  }
  names_.push_back(name);
  return absl::OkStatus();
}

template <typename Metric>
absl::StatusOr<Family<Metric>*> Registry::AddFamily(std::string name, std::string help,
                                                    MetricType type,
                                                    std::vector<std::string> labels,
                                                    FamilyOptions options,
                                                    std::vector<double> bounds) {
  const bool histogram = type == MetricType::kHistogram;
  if (histogram) {
    if (absl::Status ok = Histogram::CheckBounds(bounds); !ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", ok.message()));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (absl::Status ok = Reserve(name, labels, options.const_labels, histogram,
                                options.max_series);
      !ok.ok()) {
    return ok;
  }
  std::function<std::unique_ptr<Metric>()> make;
  if constexpr (std::is_same_v<Metric, Histogram>) {
    make = [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); };
  } else {
    make = [] { return std::make_unique<Metric>(); };
  }
  auto family = std::make_unique<Family<Metric>>(std::move(name), std::move(help), type,
                                                 std::move(labels), std::move(options),
                                                 std::move(make));
  Family<Metric>* raw = family.get();
  families_.push_back(std::move(family));
  return raw;
}

namespace {
// A single series: a family without label names, made at once.
template <typename Metric>
absl::StatusOr<Metric*> Single(absl::StatusOr<Family<Metric>*> family) {
  if (!family.ok()) return family.status();
  return (*family)->WithLabels({});
}
}  // namespace

absl::StatusOr<Counter*> Registry::AddCounter(std::string name, std::string help,
                                              MetricOptions options) {
  return Single(AddFamily<Counter>(std::move(name), std::move(help), MetricType::kCounter, {},
                                   {std::move(options.const_labels), 1}, {}));
}

absl::StatusOr<Gauge*> Registry::AddGauge(std::string name, std::string help,
                                          MetricOptions options) {
  return Single(AddFamily<Gauge>(std::move(name), std::move(help), MetricType::kGauge, {},
                                 {std::move(options.const_labels), 1}, {}));
}

absl::StatusOr<Histogram*> Registry::AddHistogram(std::string name, std::string help,
                                                  std::vector<double> bounds,
                                                  MetricOptions options) {
  return Single(AddFamily<Histogram>(std::move(name), std::move(help), MetricType::kHistogram,
                                     {}, {std::move(options.const_labels), 1},
                                     std::move(bounds)));
}

absl::StatusOr<Family<Counter>*> Registry::AddCounterFamily(std::string name, std::string help,
                                                            std::vector<std::string> label_names,
                                                            FamilyOptions options) {
  return AddFamily<Counter>(std::move(name), std::move(help), MetricType::kCounter,
                            std::move(label_names), std::move(options), {});
}

absl::StatusOr<Family<Gauge>*> Registry::AddGaugeFamily(std::string name, std::string help,
                                                        std::vector<std::string> label_names,
                                                        FamilyOptions options) {
  return AddFamily<Gauge>(std::move(name), std::move(help), MetricType::kGauge,
                          std::move(label_names), std::move(options), {});
}

absl::StatusOr<Family<Histogram>*> Registry::AddHistogramFamily(
    std::string name, std::string help, std::vector<std::string> label_names,
    std::vector<double> bounds, FamilyOptions options) {
  return AddFamily<Histogram>(std::move(name), std::move(help), MetricType::kHistogram,
                              std::move(label_names), std::move(options), std::move(bounds));
}

absl::StatusOr<CollectorHandle> Registry::AddCollector(std::vector<std::string> names,
                                                       Collector collector) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < names.size(); ++i) {
    // Label names are the collector's to get right: the exposition escapes values.
    if (absl::Status ok = Reserve(names[i], {}, {}, false, 1); !ok.ok()) {
      names_.resize(names_.size() - i);  // release the names reserved above
      return ok;
    }
  }
  const uint64_t id = next_collector_id_++;
  collectors_.push_back(CollectorEntry{id, std::move(names), std::move(collector)});
  return CollectorHandle(this, id);
}

void Registry::RemoveCollector(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto entry = std::find_if(collectors_.begin(), collectors_.end(),
                            [id](const CollectorEntry& e) { return e.id == id; });
  if (entry == collectors_.end()) return;
  for (const std::string& name : entry->names) {
    names_.erase(std::find(names_.begin(), names_.end(), name));
  }
  collectors_.erase(entry);
}

std::vector<MetricFamily> Registry::Collect() const {
  std::vector<MetricFamily> out;
  std::lock_guard<std::mutex> lock(mutex_);
  out.reserve(families_.size() + 1);
  for (const auto& family : families_) out.push_back(family->Collect());
  std::vector<MetricFamily> reported;
  for (const CollectorEntry& entry : collectors_) {
    reported.clear();
    entry.collect(reported);
    absl::flat_hash_set<std::string> seen;
    for (MetricFamily& family : reported) {
      const bool declared =
          std::find(entry.names.begin(), entry.names.end(), family.name) != entry.names.end();
      if (!declared || !seen.insert(family.name).second) {
        collector_errors_.Add();  // not silently: counted on this very page
        continue;
      }
      out.push_back(std::move(family));
    }
  }
  MetricFamily errors{kCollectorErrors,
                      "Families a collector reported without declaring them (left out).",
                      MetricType::kCounter,
                      {}};
  errors.Add({}, static_cast<double>(collector_errors_.Value()));
  out.push_back(std::move(errors));
  return out;
}

std::string Registry::RenderText() const { return metrics::RenderText(Collect()); }

}  // namespace troupe::metrics
