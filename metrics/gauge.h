// Gauge: a value that goes up and down (Prometheus "gauge"): open connections, bytes
// held. One atomic double: gauges are set far less often than counters are added to,
// and a sharded gauge could not be Set. For values some object already tracks, a
// collector (registry.h) that reads them at scrape time costs nothing at all.
//
// Memory ordering: relaxed throughout, as for counters (counter.h): a gauge is a
// statistic and orders nothing.
#ifndef TROUPE_METRICS_GAUGE_H_
#define TROUPE_METRICS_GAUGE_H_

#include <atomic>

namespace troupe::metrics {

class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  // Any thread; never blocks.
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }  // statistic
  void Add(double delta) {
    double current = value_.load(std::memory_order_relaxed);
    // relaxed: a statistic; the loop only makes the read-modify-write atomic.
    while (!value_.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
    }
  }
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }  // statistic

 private:
  std::atomic<double> value_{0};
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_GAUGE_H_
