// LatencyRecorder: the latencies of one run, for its quantiles. Every latency is kept
// up to kMaxSamples (so an ordinary run's quantiles are exact), and beyond that a
// uniform sample of kMaxSamples of them (reservoir sampling, Vitter's algorithm R),
// so that a long --duration run needs no more memory at its end than at its start.
// The maximum is always exact. The Go and Boost.Fiber programs do the same.
//
// One writer at a time (the sink); not thread-safe. No troupe dependency: the
// Boost.Fiber program uses it too.
#ifndef TROUPE_BENCHMARKS_COMPARE_LATENCY_RECORDER_H_
#define TROUPE_BENCHMARKS_COMPARE_LATENCY_RECORDER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "troupe/benchmarks/compare/compare_workload.h"

namespace troupe::benchmarks {

// A run's latencies, in µs: p50/p95/p99/max, and the kLatencyQuantiles.
struct LatencySummary {
  double p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;
  std::vector<double> quantiles_us;
};

class LatencyRecorder {
 public:
  static constexpr std::size_t kMaxSamples = std::size_t{1} << 21;

  // Allocates and touches the room for `expected` latencies (at most kMaxSamples)
  // now, so that the pages are not first touched during the measured run.
  explicit LatencyRecorder(int64_t expected)
      : samples_(static_cast<std::size_t>(
            std::clamp<int64_t>(expected, 1, static_cast<int64_t>(kMaxSamples)))) {}

  void Add(int64_t ns) {
    max_ = std::max(max_, ns);
    const uint64_t seen = seen_++;
    if (seen < samples_.size()) {
      samples_[seen] = ns;
      return;
    }
    // Keep this one with probability size / (seen + 1), in place of a random one.
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    const uint64_t slot = random_ % (seen + 1);
    if (slot < samples_.size()) samples_[slot] = ns;
  }

  int64_t count() const { return static_cast<int64_t>(seen_); }

  // Each quantile is element floor(q x (n - 1)) of the sorted samples. Sorts the
  // samples; all zero if there are none.
  LatencySummary Summarize() {
    LatencySummary result;
    const std::size_t n = std::min<std::size_t>(seen_, samples_.size());
    if (n == 0) return result;
    std::sort(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(n));
    auto quantile_us = [&](double q) {
      const auto k = std::min(n - 1, static_cast<std::size_t>(q * static_cast<double>(n - 1)));
      return static_cast<double>(samples_[k]) / 1000.0;
    };
    result.p50_us = quantile_us(0.50);
    result.p95_us = quantile_us(0.95);
    result.p99_us = quantile_us(0.99);
    result.max_us = static_cast<double>(max_) / 1000.0;
    for (double q : kLatencyQuantiles) result.quantiles_us.push_back(quantile_us(q));
    return result;
  }

 private:
  std::vector<int64_t> samples_;
  uint64_t seen_ = 0;
  int64_t max_ = 0;
  uint64_t random_ = 0x9e3779b97f4a7c15ull;  // xorshift64 state; never zero
};

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_LATENCY_RECORDER_H_
