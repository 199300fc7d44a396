#include "troupe/benchmarks/compare/rss_sampler.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace troupe::benchmarks {

int64_t CurrentRssKb() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  long long size_pages = 0, resident_pages = 0;
  const int read = std::fscanf(statm, "%lld %lld", &size_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return 0;
  return resident_pages * (sysconf(_SC_PAGESIZE) / 1024);
}

RssSampler::~RssSampler() {
  if (thread_.joinable()) Stop();
}

void RssSampler::Sample() {
  samples_.push_back(
      {std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(),
       CurrentRssKb()});
  if (samples_.size() < kMaxSamples) return;
  // Thin to every other sample and sample half as often from now on.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < samples_.size(); i += 2) samples_[kept++] = samples_[i];
  samples_.resize(kept);
  interval_ns_ *= 2;
}

void RssSampler::Start(int64_t interval_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  samples_.reserve(kMaxSamples);  // no allocation while the run is measured
  start_ = std::chrono::steady_clock::now();
  interval_ns_ = interval_ns;
  Sample();
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_requested_.wait_for(lock, std::chrono::nanoseconds(interval_ns_),
                                     [this] { return stopping_; })) {
      Sample();
    }
  });
}

std::vector<RssSample> RssSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_one();
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  Sample();
  return samples_;
}

RssSummary SummarizeRss(const std::vector<RssSample>& samples) {
  RssSummary summary;
  summary.growth_kb_per_min = std::nan("");
  if (samples.empty()) return summary;
  summary.start_kb = samples.front().kb;
  for (const RssSample& s : samples) summary.peak_kb = std::max(summary.peak_kb, s.kb);
  const double from = samples.back().seconds / 4;
  double n = 0, sum_t = 0, sum_kb = 0, sum_tt = 0, sum_tkb = 0;
  for (const RssSample& s : samples) {
    if (s.seconds < from) continue;
    n += 1;
    sum_t += s.seconds;
    sum_kb += static_cast<double>(s.kb);
    sum_tt += s.seconds * s.seconds;
    sum_tkb += s.seconds * static_cast<double>(s.kb);
  }
  const double spread = n * sum_tt - sum_t * sum_t;
  if (n >= 4 && spread > 0) {
    summary.growth_kb_per_min = 60 * (n * sum_tkb - sum_t * sum_kb) / spread;
    summary.window_s = samples.back().seconds - from;
  }
  return summary;
}

std::vector<RssSample> ThinRss(const std::vector<RssSample>& samples) {
  std::vector<RssSample> thin;
  const std::size_t step = samples.size() / 100 + 1;
  for (std::size_t i = 0; i < samples.size(); i += step) thin.push_back(samples[i]);
  if (!samples.empty() && (samples.size() - 1) % step != 0) thin.push_back(samples.back());
  return thin;
}

}  // namespace troupe::benchmarks
