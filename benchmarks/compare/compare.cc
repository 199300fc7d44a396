// The pattern comparison: one workload, three concurrency designs — worker pool,
// pipeline, actors — on troupe, the same designs in Go and in Boost.Fiber, a
// ceiling (plain threads, no queues) and a handoff bound (plain threads handing
// records over lock-free rings), side by side. It answers "which design should my
// service use for this workload, and what does each cost?".
//
//   bazel run -c opt //benchmarks:compare                      # the default workload, cpu
//   bazel run -c opt //benchmarks:compare -- --workload=io     # or skewed, bursty, stateful, ordered
//   bazel run -c opt //benchmarks:compare -- --rate=200000     # open loop
//   bazel run -c opt //benchmarks:compare -- --rate_sweep=100000:900000:5  # latency vs load
//   bazel run -c opt //benchmarks:compare -- --repeat=5        # medians, and a verdict over them
//   bazel run -c opt //benchmarks:compare -- --json=results.json --html=report.html
//   bazel run -c opt //benchmarks:compare -- --nodes=2        # also across 2 processes
//
// The workloads are compare_presets.h's; the flags are compare_runner.cc's (records,
// procs, parallelism, capacity, rates, bursts, sweeps, duration, repeat, outputs) and
// compare_presets.cc's (the workload's parameters). For each design: throughput,
// latency from emission to the sink (p50/p95/p99/max), memory (peak RSS, the RSS the
// run added, its growth per minute), heap allocations per record, scheduler
// counters, and the checksum, which every design must reproduce (a mismatch is an
// error, exit status 1); then the verdict: which design wins on throughput, p99 and
// memory, by how much, and whether that is within the noise. Your own workload gets
// the same through workload.h.
// With --nodes=N, each troupe design also runs spread over N processes
// (node_comparison.h).
#include "troupe/benchmarks/compare/compare_presets.h"
#include "troupe/benchmarks/compare/compare_runner.h"
#include "troupe/benchmarks/compare/node_comparison.h"

int main(int argc, char** argv) {
  troupe::benchmarks::NodeComparison nodes(argc, argv);
  return troupe::benchmarks::RunComparison(argc, argv, troupe::benchmarks::PresetSubjectFromFlags,
                                           &nodes);
}
