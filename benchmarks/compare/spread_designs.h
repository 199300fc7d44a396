// The three plain designs of the pattern comparison spread over processes that talk
// through one NATS server (--nodes, node_comparison.h). Node 0, the coordinator,
// holds the source and the sink, as the local designs' main fiber does; the members
// of every stage (pool workers, stage fibers, stage actors) live in the node
// processes 1..N-1, spread round-robin (Layout). Every record therefore leaves the
// coordinator and comes back, and a hop between two stages goes through the server
// even when both ends share a process (a remote hop is what is measured):
//
//   worker_pool  each node process serves the RemotePool "pool" with its workers
//                (actors running every stage); the coordinator's submitters
//                (2 x capacity fibers, the in-flight bound) Submit each record and
//                hand the answer to the sink
//   pipeline     one RemoteChannel (JetStream, in memory) before each stage and one
//                after the last: the source sends into the first, each stage's
//                fibers receive, run the stage and send on, the sink receives from
//                the last; the coordinator closes them all once the sink has every
//                record, which ends the stage fibers of that run
//   actors       stage s's actor j is published as "a-<s>-<j>" by its node; each
//                Tells the next stage's actors round-robin, the last stage the run's
//                sink actor ("sink-<run>", published by the coordinator); the
//                source holds a window of capacity x (actors + 1) records in flight,
//                a permit returned by the sink, since a remote Tell never waits
//
// A record crosses as a RecordFrame: the run it belongs to, its id and emission
// time, then the workload's own encoding (ErasedWorkload::encode).
#ifndef TROUPE_BENCHMARKS_COMPARE_SPREAD_DESIGNS_H_
#define TROUPE_BENCHMARKS_COMPARE_SPREAD_DESIGNS_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::benchmarks::spread_internal {

// A record between processes (the header comment). Its bytes are the codec's.
struct RecordFrame {
  std::string bytes;
};

// Who runs what: node 0 is the coordinator, the rest hold the stages' members.
struct Layout {
  int nodes = 2;        // N >= 2
  int parallelism = 1;  // members per stage, as the local designs have
  int stages = 1;
  int capacity = 1;

  // The node of stage `stage`'s member `member` (a stage fiber or actor).
  int Owner(int stage, int member) const { return 1 + (stage + member) % (nodes - 1); }
  // Pool workers in all: parallelism, and at least one per node process.
  int pool_workers() const { return std::max(parallelism, nodes - 1); }
  int PoolWorkerOwner(int worker) const { return 1 + worker % (nodes - 1); }
};

// Appends `item` of run `run` to frame->bytes.
void EncodeFrame(int64_t run, const design_internal::Item& item, const ErasedWorkload& workload,
                 RecordFrame* frame);
// Reads `frame` into *item and *run; DataLoss if it is not a record of `workload`.
absl::Status DecodeFrame(const RecordFrame& frame, const ErasedWorkload& workload, int64_t* run,
                         design_internal::Item* item);

// A node process's part of every design, kept for the life of the process.
class NodeParts {
 public:
  // Fiber context of `system`'s runtime. Serves the pool, publishes this node's stage
  // actors and finds the next stage's, starts the pipeline's stage fibers.
  static absl::StatusOr<std::unique_ptr<NodeParts>> Start(RemoteNode& node, ActorSystem& system,
                                                          const ErasedWorkload& workload,
                                                          const Layout& layout, int index);
  // Fiber context. Stops everything Start started and waits for it.
  ~NodeParts();

 private:
  struct State;
  explicit NodeParts(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// The coordinator's side of each design: one measured run of `workload`, the
// `run`-th of its design (numbered from 0 per design, as the node processes count
// the pipeline's runs). Plain thread (each makes `runtime` run it).
DesignResult RunSpreadPool(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                           const DesignOptions& options, const std::string& name);
DesignResult RunSpreadPipeline(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                               const DesignOptions& options, const Layout& layout,
                               const std::string& name, int64_t run);
DesignResult RunSpreadActors(Runtime& runtime, RemoteNode& node, const ErasedWorkload& workload,
                             const DesignOptions& options, const Layout& layout,
                             const std::string& name, int64_t run);

// Retries `find` (a Lookup) while it answers NotFound — the name is not published
// yet — for at most `bound`; its last answer otherwise. Fiber or plain thread.
template <typename Find>
auto FindWithin(Find find, absl::Duration bound) -> decltype(find()) {
  const absl::Time give_up = absl::Now() + bound;
  while (true) {
    auto found = find();
    if (found.ok() || !absl::IsNotFound(found.status()) || absl::Now() > give_up) return found;
    this_fiber::SleepFor(absl::Milliseconds(10));
  }
}

}  // namespace troupe::benchmarks::spread_internal

namespace troupe {

template <>
struct Codec<benchmarks::spread_internal::RecordFrame> {
  static std::string TypeName() { return "troupe.compare.RecordFrame"; }
  static void Encode(const benchmarks::spread_internal::RecordFrame& frame, std::string* out) {
    out->append(frame.bytes);
  }
  static bool Decode(absl::string_view bytes, benchmarks::spread_internal::RecordFrame* frame) {
    frame->bytes.assign(bytes.data(), bytes.size());
    return true;
  }
};

}  // namespace troupe

#endif  // TROUPE_BENCHMARKS_COMPARE_SPREAD_DESIGNS_H_
