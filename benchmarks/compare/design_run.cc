// The source, sink and measurements shared by the designs (design_run.h).
//
// The source numbers records 0, 1, 2, ... and asks the workload to fill each; open
// loop, record id is due at floor(id / burst) x burst / rate seconds after the start,
// the source never emits early (it parks while more than 50 µs ahead, then yields
// until due) and latency counts from the due time, so a design that falls behind
// shows it in its latency rather than in a quietly slower source (no coordinated
// omission).
//
// The sink folds each record's result into the checksum: a sum (arrival order does
// not matter), or for an ordered workload the chain of the record's key, which any
// reordering within a key changes; it also counts the records that arrive behind a
// later one of their key, so a reordering is reported as such, not only as a wrong
// checksum. A keyed state's digests join the checksum at the end.
#include "troupe/benchmarks/compare/design_run.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::benchmarks::design_internal {

using scheduler_internal::MonotonicNanos;

void ResetPeakRss() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
}

int64_t PeakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

void RecordLatencies(const LatencySummary& summary, DesignResult* result) {
  result->p50_us = summary.p50_us;
  result->p95_us = summary.p95_us;
  result->p99_us = summary.p99_us;
  result->max_us = summary.max_us;
  result->latency_quantiles_us = summary.quantiles_us;
}

void RecordRss(const std::vector<RssSample>& samples, DesignResult* result) {
  const RssSummary summary = SummarizeRss(samples);
  result->rss_start_kb = summary.start_kb;
  result->rss_peak_kb = summary.peak_kb;
  result->rss_growth_kb_per_min = summary.growth_kb_per_min;
  result->rss_window_s = summary.window_s;
  result->rss_series.clear();
  for (const RssSample& s : ThinRss(samples)) {
    result->rss_series.push_back({s.seconds, static_cast<double>(s.kb) / 1024});
  }
}

Shards MakeShards(const ErasedWorkload& workload, int owners) {
  Shards shards;
  for (int owner = 0; owner < owners; ++owner) {
    shards.push_back(workload.make_state(workload.keys, owner, owners));
  }
  return shards;
}

int64_t DueNs(int64_t id, const DesignOptions& options) {
  const int64_t first_of_burst = id / options.burst * options.burst;
  return static_cast<int64_t>(static_cast<double>(first_of_burst) * 1e9 / options.rate);
}

Run::Run(const ErasedWorkload& workload, const DesignOptions& options)
    : workload_(workload),
      options_(options),
      pool_([w = &workload] { return std::make_unique<Item>(w); }),
      latencies_(options.records) {
  if (workload.ordered) {
    const int64_t keys = std::max<int64_t>(1, workload.keys);
    for (int64_t k = 0; k < keys; ++k) chains_.push_back(ChainStart(static_cast<uint64_t>(k)));
    last_id_.assign(static_cast<std::size_t>(keys), -1);
  }
}

void Run::Start() { start_ns_ = MonotonicNanos(); }

ItemPtr Run::Next() {
  if (next_id_ == options_.records) return nullptr;
  const int64_t id = next_id_++;
  ItemPtr item = pool_.Get();
  item->id = id;
  workload_.fill(id, item->record);
  item->key = workload_.key ? workload_.key(item->record) : 0;
  if (options_.rate > 0) {
    const int64_t due = start_ns_ + DueNs(id, options_);
    if (const int64_t ahead = due - MonotonicNanos(); ahead > 50'000) {
      this_fiber::SleepFor(absl::Nanoseconds(ahead - 50'000));
    }
    while (MonotonicNanos() < due) this_fiber::Yield();
    item->emitted_ns = due;
  } else {
    item->emitted_ns = MonotonicNanos();
  }
  return item;
}

void Run::Sink(ItemPtr item) {
  const int64_t now = MonotonicNanos();
  latencies_.Add(now - item->emitted_ns);
  if (++received_ == options_.records) end_ns_ = now;
  const uint64_t result = workload_.result(item->record);
  if (workload_.ordered) {
    const uint64_t key = item->key;
    if (item->id < last_id_[key]) ++out_of_order_;
    last_id_[key] = std::max(last_id_[key], item->id);
    chains_[key] = Chain(chains_[key], result);
  } else {
    checksum_ += result;
  }
  pool_.Put(std::move(item));
}

DesignResult Run::Finish(const std::string& design) {
  const int64_t end = end_ns_ != 0 ? end_ns_ : MonotonicNanos();  // the last record's arrival
  DesignResult result;
  result.design = design;
  result.runtime = "troupe";
  result.records = received_;
  result.offered_rps = options_.rate;
  result.seconds = static_cast<double>(end - start_ns_) / 1e9;
  result.throughput_rps = static_cast<double>(received_) / result.seconds;
  uint64_t checksum = checksum_;
  for (uint64_t chain : chains_) checksum += chain;
  for (const auto& shard : shards_) checksum += shard->Digest();
  result.checksum = checksum;
  if (received_ != options_.records) {
    result.error = absl::StrCat("sink received ", received_, " records, expected ",
                                options_.records);
    return result;
  }
  if (out_of_order_ > 0) {
    result.error = absl::StrCat(out_of_order_, " records reached the sink behind a later "
                                "record of their key");
  }
  RecordLatencies(latencies_.Summarize(), &result);
  return result;
}

void CheckOk(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "compare: %s\n", status.ToString().c_str());
    std::abort();
  }
}

DesignResult Measure(Runtime& runtime, const ErasedWorkload& workload,
                     const DesignOptions& options, const std::string& design,
                     const std::function<void(Run&)>& body) {
  Run run(workload, options);
  malloc_trim(0);  // what earlier designs freed leaves the RSS this one starts from
  ResetPeakRss();
  RssSampler rss;
  rss.Start();
  const RuntimeStats before = runtime.Stats();
  const uint64_t allocations_before = AllocationCount();
  absl::Status status = runtime.Run([&] {
    run.Start();
    body(run);
  });
  const RuntimeStats after = runtime.Stats();
  const uint64_t allocations = AllocationCount() - allocations_before;
  const std::vector<RssSample> samples = rss.Stop();
  DesignResult result = run.Finish(design);
  result.allocs_per_record =
      static_cast<double>(allocations) / static_cast<double>(options.records);
  result.peak_rss_kb = PeakRssKb();
  RecordRss(samples, &result);
  result.rss_peak_kb = std::max(result.rss_peak_kb, result.peak_rss_kb);
  result.switches = after.switches - before.switches;
  result.steals = after.fibers_stolen - before.fibers_stolen;
  result.parks = after.machine_parks - before.machine_parks;
  if (!status.ok() && result.error.empty()) result.error = status.ToString();
  return result;
}

}  // namespace troupe::benchmarks::design_internal
