// PipelineStats: what each stage of a pipeline has done, over all the runs it was
// given to (PipelineOptions::stats): items it passed on (the source: produced; a
// stage: results sent on; the sink: items consumed) and the time its fibers spent
// parked sending because the channel after them was full (backpressure: the stage
// downstream is the bottleneck). troupe::metrics exposes them
// (metrics/pipeline_metrics.h).
//
//   auto stats = std::make_shared<troupe::PipelineStats>();
//   ... .Run(ctx) of a pipeline built with PipelineOptions{.stats = stats}
//   for (const troupe::PipelineStats::Stage& stage : stats->Snapshot()) ...
//
// Cost: only with stats set; a relaxed add per batch of items, and two clock reads
// only for a send that finds the channel full (it is about to park anyway).
//
// Memory ordering: the counters are statistics, added and read relaxed.
#ifndef TROUPE_PIPELINE_PIPELINE_STATS_H_
#define TROUPE_PIPELINE_PIPELINE_STATS_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace troupe {

class PipelineStats {
 public:
  struct Stage {
    std::string name;
    uint64_t items = 0;
    uint64_t backpressure_ns = 0;
  };

  // One stage's counters (stable address; for the pipeline's fibers).
  struct StageCounters {
    explicit StageCounters(std::string stage_name) : name(std::move(stage_name)) {}
    const std::string name;
    std::atomic<uint64_t> items{0};
    std::atomic<uint64_t> backpressure_ns{0};
  };

  // Any thread: every stage so far, in the order they were first run.
  std::vector<Stage> Snapshot() const {
    std::vector<Stage> stages;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const StageCounters& counters : stages_) {
      // relaxed: statistics.
      stages.push_back(Stage{counters.name, counters.items.load(std::memory_order_relaxed),
                             counters.backpressure_ns.load(std::memory_order_relaxed)});
    }
    return stages;
  }

  // The counters of stage `name`, made on first use. Any thread (a run's start).
  StageCounters* ForStage(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (StageCounters& counters : stages_) {
      if (counters.name == name) return &counters;
    }
    return &stages_.emplace_back(name);
  }

 private:
  mutable std::mutex mutex_;       // guards the list, not the counters
  std::deque<StageCounters> stages_;  // a deque: addresses stay valid as it grows
};

}  // namespace troupe

#endif  // TROUPE_PIPELINE_PIPELINE_STATS_H_
