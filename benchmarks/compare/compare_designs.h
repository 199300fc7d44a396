// The concurrency designs of the pattern comparison, and the two plain-thread
// references, each running a workload (erased_workload.h) on troupe and reporting
// what it cost.
//
// Which designs a workload gets follows from its shape (DesignsFor):
//   plain     worker_pool   source -> jobs channel -> workers (every stage) ->
//                           results channel -> sink
//             pipeline      troupe::Pipeline, one stage per workload stage, each
//                           `parallelism` fibers
//             actors        `parallelism` actors per stage, each forwarding
//                           round-robin to the next stage's actors, then a sink actor
//   stateful  actors        `parallelism` actors, each owning the keys k with
//                           k % parallelism == its index: the source sends a record to
//                           its key's owner, which runs every stage and the update
//             worker_pool/sharded  the worker pool; the update under the Mutex of the
//                           key's shard (`shards` of them, each owning its keys)
//             worker_pool/global   the same behind one troupe::Mutex
//             pipeline      troupe::Pipeline for the stages, then the update
//                           partitioned by key: `parallelism` fibers, each owning a
//                           shard, fed by key through channels of their own
//   ordered   pipeline      troupe::Pipeline in ordered mode
//             worker_pool   the worker pool, reordering at the sink within a window
//                           of 2 x capacity + parallelism records (the source waits
//                           for room in it)
//             actors        `parallelism` actors, each running every stage for the
//                           keys it owns (by key, as stateful): a key's records keep
//                           their order, different keys' need not
// A design name with "/block" runs the same design on the workload's variant whose
// waits block the thread (the io preset, compare_presets.h).
#ifndef TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_
#define TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "troupe/benchmarks/compare/erased_workload.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {

struct DesignOptions {
  int64_t records = 1'000'000;
  std::size_t capacity = 64;  // channel / mailbox capacity
  int parallelism = 2;        // fibers (or actors) per stage, workers in the pool
  double rate = 0;            // open loop: records/s; 0: closed loop
  int64_t burst = 1;          // open loop: records due at the same instant
  int shards = 64;            // worker_pool/sharded: Mutex-guarded shards of the state
};

enum class DesignKind {
  kWorkerPool,           // with state: sharded
  kLockedPool,           // with state: one Mutex
  kPipeline,             // ordered mode for an ordered workload
  kPartitionedPipeline,  // stateful
  kActors,               // round-robin stages
  kKeyActors,            // by key: shard owners (stateful), per-key order (ordered)
  kReorderingPool,       // ordered
};

struct DesignSpec {
  std::string name;  // as rows and --designs name it
  DesignKind kind;
  std::string description;
};

// The designs for `workload`'s shape, in the order they run.
std::vector<DesignSpec> DesignsFor(const ErasedWorkload& workload);

struct RssPoint {
  double seconds;
  double mib;
};

struct DesignResult {
  std::string design;
  std::string runtime;  // "troupe", a peer (kGoRuntime, kBoostFiberRuntime), or "threads"
  int64_t records = 0;
  double seconds = 0;
  double throughput_rps = 0;
  double offered_rps = 0;  // open loop: the rate offered; 0: closed loop
  double p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;  // 0 for the ceiling
  // At kLatencyQuantiles, in µs; empty for the ceiling (and for a peer that did not
  // report them).
  std::vector<double> latency_quantiles_us;
  int64_t peak_rss_kb = 0;  // the kernel's high-water mark (VmHWM) after the run
  // Sampled during the run (rss_sampler.h): the RSS when it started, its peak, and its
  // growth per minute after the first quarter (NaN when the run was too short).
  int64_t rss_start_kb = 0, rss_peak_kb = 0;
  double rss_growth_kb_per_min = std::nan("");
  double rss_window_s = 0;
  std::vector<RssPoint> rss_series;  // for the report's chart (at most ~100 points)
  double allocs_per_record = 0;
  uint64_t checksum = 0;
  // troupe only: scheduler counters over the run.
  uint64_t switches = 0, steals = 0, parks = 0;
  // The slower of the core-to-core transfer probes just before and just after this
  // row (core_transfer.h), in ns; negative if not measured.
  double core_transfer_ns = -1;
  // troupe only, with --profile: where the design's CPU and block profiles were
  // written, and their flame graphs (<svg> elements) for the HTML report.
  std::string cpu_profile_path;
  std::string cpu_flame_graph_svg;
  std::string block_profile_path;
  std::string block_flame_graph_svg;
  std::string error;  // non-empty if the design failed

  // The memory the run added: the sampled peak over the start, or without samples
  // (an older peer program) the high-water mark.
  int64_t memory_kb() const {
    return rss_peak_kb > 0 ? rss_peak_kb - rss_start_kb : peak_rss_kb;
  }
};

// The peer runtimes whose programs run the same designs (compare.cc), as rows name
// them.
inline constexpr const char* kGoRuntime = "go";
inline constexpr const char* kBoostFiberRuntime = "boost.fiber";

// The row of `design` on `runtime` in `results` that has no error, or nullptr.
const DesignResult* FindResult(const std::vector<DesignResult>& results,
                               const std::string& design, const std::string& runtime);

// Runs one design to completion on `runtime` and fills in a result; latencies are
// measured from emission (or, open loop, from the due time) to the sink.
DesignResult RunDesign(const DesignSpec& spec, Runtime& runtime, const ErasedWorkload& workload,
                       const DesignOptions& options);

// The ceiling: the records split evenly over `threads` plain threads, every stage run
// in place, no queues and no clock reads (keyed state behind one std::mutex per
// shard of 64 keys... see reference_designs.cc; ordered workloads fold in id order at
// the end). Its checksum is the reference every design must reproduce.
DesignResult RunCeiling(int threads, const ErasedWorkload& workload, const DesignOptions& options);

// Whether the handoff bound applies: a plain workload whose stages only compute.
bool HandoffApplies(const ErasedWorkload& workload);
// The same records through the least coordination a design with one source and one
// sink can have: plain threads that spin on lock-free single-producer rings of
// `capacity` records, one pair per extra thread; the source's thread hands each
// record to the next worker with room, processes it itself when none has any, and is
// the sink. No parking, fairness or closing, so not a design to use, but the bound
// for any design that moves records between cores (reported as design "handoff").
DesignResult RunHandoffBound(int threads, const ErasedWorkload& workload,
                             const DesignOptions& options);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_
