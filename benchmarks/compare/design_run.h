// What every design of the pattern comparison shares (compare_designs.h): the records
// in flight, the source (closed loop, or open loop with bursts), the sink (the
// checksum fold, the order check, latencies), the keyed state's shards, and the
// measurements wrapped around a run. Only the coordination in between differs from
// one design to the next.
#ifndef TROUPE_BENCHMARKS_COMPARE_DESIGN_RUN_H_
#define TROUPE_BENCHMARKS_COMPARE_DESIGN_RUN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/erased_workload.h"
#include "troupe/benchmarks/compare/latency_recorder.h"
#include "troupe/benchmarks/compare/rss_sampler.h"
#include "troupe/scheduler/blocking.h"
#include "troupe/scheduler/pool.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks::design_internal {

// One record in flight: the workload's record and what the comparison tracks of it.
struct Item {
  Item(const ErasedWorkload* w) : workload(w), record(w->make_record()) {}
  ~Item() { workload->free_record(record); }
  Item(const Item&) = delete;
  Item& operator=(const Item&) = delete;

  const ErasedWorkload* workload;
  void* record;
  int64_t id = 0;
  uint64_t key = 0;
  int64_t emitted_ns = 0;  // when it was (or, open loop, should have been) emitted
};
using ItemPtr = std::unique_ptr<Item>;

// Runs one stage on `item` as its kind says: a blocking stage through troupe::Blocking.
inline void RunStage(const ErasedStage& stage, Item& item) {
  if (stage.kind == StageKind::kBlocks) {
    Blocking([&] { stage.run(item.record); });
  } else {
    stage.run(item.record);
  }
}
inline void RunStages(const ErasedWorkload& workload, Item& item) {
  for (const ErasedStage& stage : workload.stages) RunStage(stage, item);
}

// The shards of a keyed state, shard i owning the keys k with k % size() == i.
using Shards = std::vector<std::unique_ptr<ErasedStateShard>>;
Shards MakeShards(const ErasedWorkload& workload, int owners);

// When record `id` is due, in ns after the start: open loop only (rate > 0).
int64_t DueNs(int64_t id, const DesignOptions& options);

// Everything one run shares: the record pool, the source's clock, the sink's totals.
class Run {
 public:
  Run(const ErasedWorkload& workload, const DesignOptions& options);

  // The source: the next record, or nullptr when all have been emitted. Fiber
  // context (open loop parks until the record is due).
  ItemPtr Next();
  // The sink (one fiber at a time).
  void Sink(ItemPtr item);
  // Gives an item back without sinking it (a design's own bookkeeping).
  void Recycle(ItemPtr item) { pool_.Put(std::move(item)); }
  // An item to decode a record into: a design spread over processes recycles what
  // its source sent away and sinks what comes back (spread_designs.h). Any fiber.
  ItemPtr Blank() { return pool_.Get(); }

  void Start();
  // The shards whose digests the checksum adds; a stateful design makes them before
  // Start and updates them while it runs.
  Shards& shards() { return shards_; }

  DesignResult Finish(const std::string& design);

  const ErasedWorkload& workload() const { return workload_; }
  const DesignOptions& options() const { return options_; }

 private:
  const ErasedWorkload& workload_;
  const DesignOptions options_;
  Pool<Item> pool_;
  LatencyRecorder latencies_;
  Shards shards_;
  std::vector<uint64_t> chains_;   // ordered: each key's chain
  std::vector<int64_t> last_id_;   // ordered: each key's last id seen
  int64_t out_of_order_ = 0;
  int64_t next_id_ = 0;
  int64_t start_ns_ = 0;
  int64_t received_ = 0;
  int64_t end_ns_ = 0;
  uint64_t checksum_ = 0;
};

// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0).
void ResetPeakRss();
// The peak RSS since the last reset (or the process's start), in KiB.
int64_t PeakRssKb();

// Fills the latency fields of `result` from `summary`.
void RecordLatencies(const LatencySummary& summary, DesignResult* result);
// Fills the rss_* fields of `result` from `samples`.
void RecordRss(const std::vector<RssSample>& samples, DesignResult* result);

// Crashes with the status if it is an error: the designs' channels and actors only
// fail on a bug.
void CheckOk(const absl::Status& status);

// Runs `body(run)` on `runtime` in a fresh Run, with the measurements every design
// reports: RSS sampled throughout, the peak, allocations, scheduler counters.
DesignResult Measure(Runtime& runtime, const ErasedWorkload& workload,
                     const DesignOptions& options, const std::string& design,
                     const std::function<void(Run&)>& body);

// The designs (compare_designs.h), by file. `name` is the row's design name.
// compare_designs.cc: `shards` > 0 puts a stateful workload's update behind that many
// Mutex-guarded shards (1: one Mutex).
DesignResult RunWorkerPool(Runtime& runtime, const ErasedWorkload& workload,
                           const DesignOptions& options, const std::string& name, int shards);
DesignResult RunPipeline(Runtime& runtime, const ErasedWorkload& workload,
                         const DesignOptions& options, const std::string& name);
DesignResult RunStagedActors(Runtime& runtime, const ErasedWorkload& workload,
                             const DesignOptions& options, const std::string& name);
// keyed_designs.cc
DesignResult RunKeyActors(Runtime& runtime, const ErasedWorkload& workload,
                          const DesignOptions& options, const std::string& name);
DesignResult RunPartitionedPipeline(Runtime& runtime, const ErasedWorkload& workload,
                                    const DesignOptions& options, const std::string& name);
// reordering_pool.cc
DesignResult RunReorderingPool(Runtime& runtime, const ErasedWorkload& workload,
                               const DesignOptions& options, const std::string& name);

}  // namespace troupe::benchmarks::design_internal

#endif  // TROUPE_BENCHMARKS_COMPARE_DESIGN_RUN_H_
