// RssSampler: the process's resident set size, sampled by a thread of its own while a
// design runs, for the report's memory figures: the peak, and the growth per minute
// (the guide's memory-growth column), which only a long run (--duration) measures
// well. The Go and Boost.Fiber programs sample the same way.
//
// Samples are taken every `interval`; when kMaxSamples are held, every other one is
// dropped and the interval doubles, so a run of any length keeps a bounded series.
// No troupe dependency: the Boost.Fiber program uses it too.
#ifndef TROUPE_BENCHMARKS_COMPARE_RSS_SAMPLER_H_
#define TROUPE_BENCHMARKS_COMPARE_RSS_SAMPLER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace troupe::benchmarks {

struct RssSample {
  double seconds;  // since Start
  int64_t kb;
};

// The RSS now, from /proc/self/statm; 0 if it cannot be read.
int64_t CurrentRssKb();

class RssSampler {
 public:
  static constexpr std::size_t kMaxSamples = 2048;
  static constexpr int64_t kDefaultIntervalNs = 20'000'000;

  RssSampler() = default;
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Takes the first sample now and starts the sampling thread. Once only.
  void Start(int64_t interval_ns = kDefaultIntervalNs);
  // Takes a last sample, stops the thread and returns the series.
  std::vector<RssSample> Stop();

 private:
  void Sample();  // with mutex_ held

  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;                // guarded by mutex_
  std::vector<RssSample> samples_;       // guarded by mutex_
  int64_t interval_ns_ = 0;              // guarded by mutex_
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
};

// The figures of a series: start, peak, and the growth per minute as the slope of a
// least-squares line through the samples after the first quarter of the run (the
// warm-up: pools and queues filling); NaN with fewer than 4 such samples.
struct RssSummary {
  int64_t start_kb = 0;
  int64_t peak_kb = 0;
  double growth_kb_per_min = 0;
  double window_s = 0;  // the span the growth was fitted over
};
RssSummary SummarizeRss(const std::vector<RssSample>& samples);

// `samples` thinned to about 100 (every k-th and the last), for a chart.
std::vector<RssSample> ThinRss(const std::vector<RssSample>& samples);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_RSS_SAMPLER_H_
