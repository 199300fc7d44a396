// Histogram: observations counted into fixed buckets (Prometheus "histogram"), with
// their sum and count, for latencies and sizes.
//
//   absl::StatusOr<troupe::metrics::Histogram*> latency = registry.AddHistogram(
//       "app_request_seconds", "Time to handle a request.",
//       troupe::metrics::Histogram::LatencyBuckets());
//   (*latency)->Observe(absl::ToDoubleSeconds(elapsed));
//
// Buckets are upper bounds ("le"): an observation v lands in the first bucket whose
// bound is >= v, or in +Inf. Bounds are fixed when the histogram is made (checked by
// the registry: finite and strictly increasing). As counters do, each thread adds
// into its own shard; Snapshot() sums them. The +Inf bucket and the count are the
// same number by construction (the count is the buckets' total), so an exposition
// never shows them disagreeing. NaN observations land in +Inf and leave the sum alone.
//
// Memory ordering: relaxed throughout (a statistic). A snapshot taken while
// observations are in flight may include an observation's bucket and not yet its
// sum; bucket counts are mutually consistent with `count`.
#ifndef TROUPE_METRICS_HISTOGRAM_H_
#define TROUPE_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/metrics/internal/shard.h"
#include "troupe/metrics/snapshot.h"

namespace troupe::metrics {

class Histogram {
 public:
  // Latencies in seconds, 100 µs to 10 s (1-2.5-5 steps): the default for request
  // and handling times.
  static std::vector<double> LatencyBuckets();
  // Scheduling-scale latencies in seconds, 1 µs to 100 ms.
  static std::vector<double> ShortLatencyBuckets();
  // `count` bounds start, start*factor, ...; InvalidArgument unless start > 0,
  // factor > 1 and count in [1, kMaxBuckets].
  static absl::StatusOr<std::vector<double>> ExponentialBuckets(double start, double factor,
                                                                int count);
  static constexpr int kMaxBuckets = 64;
  // OK if `bounds` can make a histogram: 1..kMaxBuckets finite, strictly increasing values.
  static absl::Status CheckBounds(const std::vector<double>& bounds);

  // `bounds` must pass CheckBounds (the registry checks; a bad one here is Fatal).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Any thread; never blocks.
  void Observe(double value);
  // Any thread.
  HistogramValue Snapshot() const;

 private:
  // Per shard, in whole cache lines of their own: the count of each bucket (bounds +
  // the +Inf bucket), then the sum's bits.
  static constexpr std::size_t kCellsPerLine =
      metrics_internal::kCacheLine / sizeof(std::atomic<uint64_t>);
  struct alignas(metrics_internal::kCacheLine) Line {
    std::atomic<uint64_t> cells[kCellsPerLine];
  };
  // Cell `index` of `shard`.
  std::atomic<uint64_t>& Cell(std::size_t shard, std::size_t index) const {
    return lines_[shard * lines_per_shard_ + index / kCellsPerLine].cells[index % kCellsPerLine];
  }
  std::size_t SumIndex() const { return bounds_.size() + 1; }

  const std::vector<double> bounds_;
  const std::size_t lines_per_shard_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_HISTOGRAM_H_
