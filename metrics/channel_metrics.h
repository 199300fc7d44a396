// Occupancy of the channels a program chooses to watch: troupe's channels have no
// names, so a channel shows in the metrics only once it is tracked here under one
// (names bound the series). Read at scrape time; nothing is paid between scrapes.
//
//   absl::StatusOr<std::unique_ptr<troupe::metrics::ChannelMetrics>> channels =
//       troupe::metrics::ChannelMetrics::Create(registry);
//   absl::Status tracked = (*channels)->Track("work", work_channel);
//
// Series: troupe_channel_occupancy{channel="work"} (values buffered) and
// troupe_channel_capacity{channel="work"}. A tracked channel handle is kept (its
// buffer stays alive) until Untrack or the ChannelMetrics is destroyed. Any thread.
#ifndef TROUPE_METRICS_CHANNEL_METRICS_H_
#define TROUPE_METRICS_CHANNEL_METRICS_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/metrics/internal/tracked_set.h"
#include "troupe/metrics/registry.h"
#include "troupe/scheduler/channel.h"

namespace troupe::metrics {

class ChannelMetrics {
 public:
  static constexpr std::size_t kMaxChannels = 256;

  // Registers the two families in `registry` (AlreadyExists if taken), which must
  // outlive the result.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ChannelMetrics>> Create(Registry& registry) {
    auto metrics = std::unique_ptr<ChannelMetrics>(new ChannelMetrics());
    ChannelMetrics* raw = metrics.get();
    absl::StatusOr<CollectorHandle> handle = registry.AddCollector(
        {"troupe_channel_occupancy", "troupe_channel_capacity"},
        [raw](std::vector<MetricFamily>& out) { raw->Collect(out); });
    if (!handle.ok()) return handle.status();
    metrics->handle_ = *std::move(handle);
    return metrics;
  }

  // Watches `channel` under `name`: AlreadyExists if the name is tracked,
  // ResourceExhausted past kMaxChannels.
  template <typename T>
  [[nodiscard]] absl::Status Track(std::string name, const Channel<T>& channel) {
    return tracked_.Add(std::move(name),
                        Tracked{[channel] { return channel.size(); }, channel.capacity()});
  }
  // Stops watching `name` (and releases its handle); NotFound if not tracked.
  absl::Status Untrack(const std::string& name) { return tracked_.Remove(name); }

 private:
  struct Tracked {
    std::function<std::size_t()> size;
    std::size_t capacity;
  };

  ChannelMetrics() = default;

  void Collect(std::vector<MetricFamily>& out) const {
    MetricFamily occupancy{"troupe_channel_occupancy", "Values buffered in a tracked channel.",
                           MetricType::kGauge, {}};
    MetricFamily capacity{"troupe_channel_capacity", "Buffer capacity of a tracked channel.",
                          MetricType::kGauge, {}};
    tracked_.ForEach([&](const std::string& name, const Tracked& tracked) {
      occupancy.Add({{"channel", name}}, static_cast<double>(tracked.size()));
      capacity.Add({{"channel", name}}, static_cast<double>(tracked.capacity));
    });
    out.push_back(std::move(occupancy));
    out.push_back(std::move(capacity));
  }

  metrics_internal::TrackedSet<Tracked> tracked_{"channel", kMaxChannels};
  CollectorHandle handle_;  // last: removed first, before tracked_ goes
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_CHANNEL_METRICS_H_
