// The three concurrency designs of the pattern comparison, and the ceiling, each
// running the workload of compare_workload.h on troupe and reporting what it cost.
#ifndef TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_
#define TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {

struct DesignOptions {
  WorkloadParams workload;
  std::size_t capacity = 64;  // channel / mailbox capacity
  int parallelism = 2;        // fibers (or actors) per stage, workers in the pool
  double rate = 0;            // records/s; 0: closed loop
};

struct DesignResult {
  std::string design;
  std::string runtime;  // "troupe", a peer (kGoRuntime, kBoostFiberRuntime), or "threads"
  int64_t records = 0;
  double seconds = 0;
  double throughput_rps = 0;
  double p50_us = 0, p95_us = 0, p99_us = 0, max_us = 0;  // 0 for the ceiling
  // At kLatencyQuantiles, in µs; empty for the ceiling (and for a peer that did not
  // report them).
  std::vector<double> latency_quantiles_us;
  int64_t peak_rss_kb = 0;
  double allocs_per_record = 0;
  uint64_t checksum = 0;
  // troupe only: scheduler counters over the run.
  uint64_t switches = 0, steals = 0, parks = 0;
  // The slower of the core-to-core transfer probes just before and just after this
  // row (core_transfer.h), in ns; negative if not measured.
  double core_transfer_ns = -1;
  std::string error;  // non-empty if the design failed
};

// The peer runtimes whose programs run the same designs (compare.cc), as rows name
// them.
inline constexpr const char* kGoRuntime = "go";
inline constexpr const char* kBoostFiberRuntime = "boost.fiber";

// The row of `design` on `runtime` in `results` that has no error, or nullptr.
const DesignResult* FindResult(const std::vector<DesignResult>& results,
                               const std::string& design, const std::string& runtime);

// Each runs one design to completion on `runtime` (the ceiling uses plain threads,
// one per processor) and fills in a result; latencies are measured from emission (or,
// open loop, from the due time) to the sink.
DesignResult RunWorkerPool(Runtime& runtime, const DesignOptions& options);
DesignResult RunPipeline(Runtime& runtime, const DesignOptions& options);
DesignResult RunActors(Runtime& runtime, const DesignOptions& options);
DesignResult RunCeiling(int threads, const DesignOptions& options);
// The same records through the least coordination a design with one source and one
// sink can have: plain threads that spin on lock-free single-producer rings of
// `capacity` records, one pair per extra thread; the source's thread hands each
// record to the next worker with room, processes it itself when none has any, and is
// the sink. No parking, fairness or closing, so not a design to use, but the bound
// for any design that moves records between cores (reported as design "handoff").
DesignResult RunHandoffBound(int threads, const DesignOptions& options);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_DESIGNS_H_
