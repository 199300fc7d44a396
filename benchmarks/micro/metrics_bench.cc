// Hot-path costs of troupe::metrics, beside their baselines in the same run:
//   BM_CounterAdd         metrics::Counter::Add (per-thread shards)
//   BM_SharedAtomicAdd    one std::atomic<uint64_t> fetch_add (relaxed) shared by all
//                         threads: what a counter costs without shards (the service's
//                         counters before the library)
//   BM_HistogramObserve   metrics::Histogram::Observe into the 16 latency buckets
//   BM_SharedHistogramObserve  the same buckets as shared atomics (a bucket
//                         fetch_add and a CAS loop on a shared sum), as before
// each at 1, 2 and 4 threads (the machine has 2 cores: 4 threads measure sharing a
// core as well as contention).
//
//   bazel build -c opt //benchmarks/micro:metrics_bench
//   bazel-bin/benchmarks/micro/metrics_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command)
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "benchmark/benchmark.h"
#include "troupe/metrics/counter.h"
#include "troupe/metrics/histogram.h"

namespace {

troupe::metrics::Counter counter;
std::atomic<uint64_t> shared_counter{0};

void BM_CounterAdd(benchmark::State& state) {
  for (auto _ : state) counter.Add();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void BM_SharedAtomicAdd(benchmark::State& state) {
  for (auto _ : state) shared_counter.fetch_add(1, std::memory_order_relaxed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedAtomicAdd)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

troupe::metrics::Histogram histogram(troupe::metrics::Histogram::LatencyBuckets());

// Latency-like values spread over the buckets, the same sequence for every variant.
double ValueFor(uint64_t i) { return static_cast<double>(i % 1000) * 1e-5; }

void BM_HistogramObserve(benchmark::State& state) {
  uint64_t i = static_cast<uint64_t>(state.thread_index());
  for (auto _ : state) histogram.Observe(ValueFor(i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramObserve)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

// The baseline: shared bucket counters and a shared sum.
class SharedHistogram {
 public:
  explicit SharedHistogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
  void Observe(double value) {
    const std::size_t bucket =
        std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);  // statistic
    uint64_t current = sum_.load(std::memory_order_relaxed);
    double sum;
    do {
      std::memcpy(&sum, &current, sizeof sum);
      sum += value;
    } while (!sum_.compare_exchange_weak(current, Bits(sum), std::memory_order_relaxed));
  }

 private:
  static uint64_t Bits(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
  }
  const std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> counts_;
  std::atomic<uint64_t> sum_{0};
};

SharedHistogram shared_histogram(troupe::metrics::Histogram::LatencyBuckets());

void BM_SharedHistogramObserve(benchmark::State& state) {
  uint64_t i = static_cast<uint64_t>(state.thread_index());
  for (auto _ : state) shared_histogram.Observe(ValueFor(i++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SharedHistogramObserve)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
