// The built-in workloads of the pattern comparison (--workload=NAME): the synthetic
// workload of compare_workload.h with parameters that tell the designs apart, each
// expressed through the public API (workload.h) a user's own workload uses.
//
//   cpu       uniform CPU work per record (the default): the cost of coordination
//   io        the validate stage also waits 200 µs per record, both as a
//             fiber-parking wait (this_fiber::SleepFor: timer-driven, as a netpoll
//             wait is) and, in the "/block" designs, as a thread-blocking call
//             (nanosleep through troupe::Blocking); many fibers per stage, so pool
//             size, stage parallelism and the blocking hand-off matter
//   skewed    a heavy tail: 1% of the records cost 100x the rest; head-of-line
//             blocking and unfair (round-robin) routing show
//   bursty    open loop, bursts of 2,000 records every 4 ms (500,000 records/s on
//             average): queueing, backpressure and p99 under bursts
//   stateful  records keyed (1,024 keys, 20% of the records on the hottest 1%); each
//             key's running state (32 lanes) updated per record: actors owning
//             shards, a pool sharing the state behind troupe::Mutex (sharded and
//             not), a pipeline partitioned by key
//   ordered   each key's records (64 keys) must leave in input order: the
//             pipeline's ordered mode, reordering after a pool, actors per key
//
// Every parameter has a flag (--size, --parse_rounds, --heavy_percent, --io_wait_us,
// --io_mode, --keys, --hot_key_percent, --state_words, and the generic ones of
// compare_runner.cc); each preset only changes their defaults.
#ifndef TROUPE_BENCHMARKS_COMPARE_PRESETS_H_
#define TROUPE_BENCHMARKS_COMPARE_PRESETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "troupe/benchmarks/compare/compare_runner.h"
#include "troupe/benchmarks/compare/compare_workload.h"

namespace troupe::benchmarks {

// The presets' names, in the order above.
std::vector<std::string> PresetNames();

// How a preset's waits are made (io): parking the fiber, blocking the thread, or
// both (two sets of designs in one comparison).
enum class IoMode { kPark, kBlock, kBoth };

// The synthetic workload with `params`, its validate stage waiting as `blocking`
// says if params.io_wait_ns > 0, through the public API (workload.h).
ErasedWorkload SyntheticWorkload(const std::string& name, const std::string& description,
                                 const WorkloadParams& params, bool blocking);

// The subject of preset `name` with the preset flags applied; InvalidArgument saying
// what is allowed for an unknown preset or a flag out of range.
absl::StatusOr<Subject> PresetSubject(const std::string& name);
// The subject of --workload and the preset flags (the comparison binary's factory).
absl::StatusOr<Subject> PresetSubjectFromFlags();

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_PRESETS_H_
