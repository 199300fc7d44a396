#include "troupe/metrics/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "troupe/metrics/internal/shard.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe::metrics {

namespace {

using metrics_internal::kShards;

uint64_t Bits(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double FromBits(uint64_t bits) {
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

std::vector<double> Histogram::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};
}

std::vector<double> Histogram::ShortLatencyBuckets() {
  return {1e-6,   2.5e-6, 5e-6,   1e-5,   2.5e-5, 5e-5, 1e-4,
          2.5e-4, 5e-4,   1e-3,   2.5e-3, 5e-3,   1e-2, 0.1};
}

absl::StatusOr<std::vector<double>> Histogram::ExponentialBuckets(double start, double factor,
                                                                  int count) {
  if (!(start > 0) || !(factor > 1) || count < 1 || count > kMaxBuckets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exponential buckets need start > 0, factor > 1 and count in [1, ", kMaxBuckets,
        "]; got start ", start, ", factor ", factor, ", count ", count));
  }
  std::vector<double> bounds;
  for (double bound = start; static_cast<int>(bounds.size()) < count; bound *= factor) {
    bounds.push_back(bound);
  }
  if (absl::Status ok = CheckBounds(bounds); !ok.ok()) return ok;  // overflowed to inf
  return bounds;
}

absl::Status Histogram::CheckBounds(const std::vector<double>& bounds) {
  if (bounds.empty() || static_cast<int>(bounds.size()) > kMaxBuckets) {
    return absl::InvalidArgumentError(absl::StrCat("a histogram needs 1 to ", kMaxBuckets,
                                                   " bucket bounds; got ", bounds.size()));
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "histogram bucket bounds must be finite and strictly increasing (+Inf is implied); "
          "bound ", i, " is ", bounds[i]));
    }
  }
  return absl::OkStatus();
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      // The buckets, +Inf and the sum.
      lines_per_shard_((bounds_.size() + 2 + kCellsPerLine - 1) / kCellsPerLine),
      lines_(new Line[lines_per_shard_ * kShards]) {
  if (absl::Status ok = CheckBounds(bounds_); !ok.ok()) {
    scheduler_internal::Fatal("Histogram::Histogram", "%s", std::string(ok.message()).c_str());
  }
  for (std::size_t line = 0; line < lines_per_shard_ * kShards; ++line) {
    for (std::atomic<uint64_t>& cell : lines_[line].cells) {
      cell.store(0, std::memory_order_relaxed);  // before publication by the registry
    }
  }
}

void Histogram::Observe(double value) {
  const std::size_t shard = metrics_internal::ThisThreadShard();
  // First bound >= value (Prometheus' "le"); NaN compares false everywhere: +Inf.
  const std::size_t bucket =
      std::isnan(value)
          ? bounds_.size()
          : std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  Cell(shard, bucket).fetch_add(1, std::memory_order_relaxed);  // relaxed: a statistic
  if (std::isnan(value)) return;
  std::atomic<uint64_t>& sum = Cell(shard, SumIndex());
  uint64_t current = sum.load(std::memory_order_relaxed);
  // relaxed: a statistic; the loop only makes the double's addition atomic. The shard
  // is this thread's, so the loop rarely retries.
  while (!sum.compare_exchange_weak(current, Bits(FromBits(current) + value),
                                    std::memory_order_relaxed)) {
  }
}

HistogramValue Histogram::Snapshot() const {
  HistogramValue snapshot;
  snapshot.bounds = bounds_;
  std::vector<uint64_t> counts(bounds_.size() + 1, 0);
  for (std::size_t shard = 0; shard < kShards; ++shard) {
    for (std::size_t i = 0; i < counts.size(); ++i) {
      counts[i] += Cell(shard, i).load(std::memory_order_relaxed);  // relaxed: a statistic
    }
    snapshot.sum += FromBits(Cell(shard, SumIndex()).load(std::memory_order_relaxed));
  }
  uint64_t cumulative = 0;
  for (uint64_t count : counts) {
    cumulative += count;
    snapshot.cumulative_counts.push_back(cumulative);
  }
  snapshot.count = cumulative;
  return snapshot;
}

}  // namespace troupe::metrics
