// --nodes=N (node_comparison.h): the coordinator's start of the nodes, each
// spread row, the crossing-cost report, and a node process's life.
//
// Order of the start, so that nothing waits on what is not there yet:
//   1. the coordinator starts the server, then the node processes;
//   2. each node process connects, serves the pool, publishes its stage actors,
//      then finds the next stage's actors (retrying while a name is not yet
//      published: every process publishes before it looks up, so this ends), starts
//      its pipeline fibers and publishes "ready-<i>";
//   3. the coordinator finds every "ready-<i>" (bounded, and failing at once if a
//      node process exited) before the first spread row starts its clock.
#include "troupe/benchmarks/compare/node_comparison.h"

#include <cstdio>
#include <utility>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/blocking.h"

ABSL_FLAG(int, nodes, 1,
          "spread troupe's worker_pool, pipeline and actors over this many local processes "
          "through a nats-server of the comparison's own, each beside its local run, and "
          "report what crossing processes costs (1: local only; cpu or skewed workload)");
ABSL_FLAG(std::string, node_role, "",
          "set by --nodes for the processes it starts (\"node\"); not for use by hand");
ABSL_FLAG(int, node_index, 0, "set by --nodes: this node process's index, in [1, nodes)");
ABSL_FLAG(std::string, nats_url, "", "set by --nodes: the coordinator's nats-server");

ABSL_DECLARE_FLAG(int, procs);
ABSL_DECLARE_FLAG(int, parallelism);
ABSL_DECLARE_FLAG(int64_t, capacity);

namespace troupe::benchmarks {
namespace {

using spread_internal::RecordFrame;

constexpr absl::Duration kReadyBound = absl::Seconds(60);

std::string ReadyName(int index) { return absl::StrCat("ready-", index); }

// Published by a node process once its parts are up; takes nothing it acts on.
class ReadyActor : public Actor<RecordFrame> {
 public:
  void Receive(RecordFrame&) override {}
};

DesignResult ErrorRow(const std::string& design, int nodes, const absl::Status& status) {
  DesignResult row;
  row.design = design;
  row.runtime = NodeComparison::RuntimeName(nodes);
  row.error = status.ToString();
  return row;
}

absl::StatusOr<int> ResolvedProcs() {
  absl::StatusOr<RuntimeOptions> resolved =
      ResolveRuntimeOptions({.procs = absl::GetFlag(FLAGS_procs)});
  if (!resolved.ok()) return resolved.status();
  return resolved->procs;
}

}  // namespace

NodeComparison::NodeComparison(int argc, char** argv) : arguments_(argv + 1, argv + argc) {}

NodeComparison::~NodeComparison() {
  node_.reset();       // leave first, so no one waits on this node
  processes_.Stop();   // then the node processes
  server_.Stop();      // then their server
}

std::string NodeComparison::RuntimeName(int nodes) { return absl::StrCat("troupe x", nodes); }

absl::StatusOr<std::optional<int>> NodeComparison::Begin(Subject* subject) {
  nodes_ = absl::GetFlag(FLAGS_nodes);
  if (nodes_ < 1 || nodes_ > kMaxNodes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--nodes must be in [1, ", kMaxNodes, "]; got ", nodes_));
  }
  if (const std::string role = absl::GetFlag(FLAGS_node_role); !role.empty()) {
    if (role != "node") {
      return absl::InvalidArgumentError(absl::StrCat(
          "--node_role is set by --nodes for the processes it starts: \"node\" or empty; got \"",
          role, "\""));
    }
    return std::optional<int>(ServeAsNode(*subject));
  }
  if (nodes_ == 1) return std::optional<int>();
  const ErasedWorkload& workload = subject->workloads[0];
  if (subject->workloads.size() != 1 || !workload.encode || !workload.decode ||
      workload.waits() || workload.has_state() || workload.ordered) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--nodes > 1 spreads the plain designs (worker_pool, pipeline, actors) of a workload "
        "without waits, keyed state or order whose records can cross processes: cpu or skewed; "
        "got --workload=", workload.name));
  }
  subject->workloads[0].records = kSpreadRecords;  // --records still overrides it
  subject->notes.push_back(absl::StrFormat(
      "%s rows: the design spread over %d processes through one nats-server (node 0 the "
      "source and sink, the stages' members in the other %d); memory and allocations are "
      "node 0's only.",
      RuntimeName(nodes_), nodes_, nodes_ - 1));
  return std::optional<int>();
}

absl::Status NodeComparison::StartNodes(const DesignOptions& options) {
  layout_ = {nodes_, options.parallelism, 0, static_cast<int>(options.capacity)};
  server_.EnableJetStream();
  if (absl::Status started = server_.Start(); !started.ok()) return started;
  for (int i = 1; i < nodes_; ++i) {
    std::vector<std::string> arguments = arguments_;
    arguments.insert(arguments.end(),
                     {"--node_role=node", absl::StrCat("--node_index=", i),
                      absl::StrCat("--nats_url=", server_.url()),
                      absl::StrCat("--parallelism=", options.parallelism),
                      absl::StrCat("--capacity=", options.capacity)});
    if (absl::Status started = processes_.Start(arguments); !started.ok()) return started;
  }
  absl::StatusOr<std::unique_ptr<RemoteNode>> node =
      RemoteNode::Connect({.url = server_.url(), .node_name = "compare-0"});
  if (!node.ok()) return node.status();
  node_ = *std::move(node);
  const absl::Time give_up = absl::Now() + kReadyBound;
  for (int i = 1; i < nodes_; ++i) {
    absl::StatusOr<RemoteRef<RecordFrame>> ready = spread_internal::FindWithin(
        [&]() -> absl::StatusOr<RemoteRef<RecordFrame>> {
          if (absl::Status alive = processes_.CheckAlive(); !alive.ok()) return alive;
          return node_->Lookup<RecordFrame>(ReadyName(i));
        },
        give_up - absl::Now());
    if (!ready.ok()) {
      if (absl::Status alive = processes_.CheckAlive(); !alive.ok()) return alive;
      return absl::DeadlineExceededError(absl::StrCat(
          "node process ", i, " was not ready within ", absl::FormatDuration(kReadyBound),
          ": ", ready.status().ToString()));
    }
  }
  std::fprintf(stderr, "compare: %d node processes ready on %s\n", nodes_ - 1,
               server_.url().c_str());
  return absl::OkStatus();
}

std::optional<DesignResult> NodeComparison::Spread(const ComparisonCase& c, const Subject& subject,
                                                   const DesignOptions& options) {
  const DesignKind kind = c.spec.kind;
  if (kind != DesignKind::kWorkerPool && kind != DesignKind::kPipeline &&
      kind != DesignKind::kActors) {
    return std::nullopt;
  }
  const ErasedWorkload& workload = subject.workloads[c.workload];
  if (!started_) {
    started_ = true;
    start_status_ = StartNodes(options);
  }
  layout_.stages = static_cast<int>(workload.stages.size());
  if (!start_status_.ok()) return ErrorRow(c.spec.name, nodes_, start_status_);
  if (absl::Status alive = processes_.CheckAlive(); !alive.ok()) {
    return ErrorRow(c.spec.name, nodes_, alive);
  }
  absl::StatusOr<int> procs = ResolvedProcs();
  if (!procs.ok()) return ErrorRow(c.spec.name, nodes_, procs.status());
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = *procs});
  if (!runtime.ok()) return ErrorRow(c.spec.name, nodes_, runtime.status());
  DesignResult row;
  switch (kind) {
    case DesignKind::kWorkerPool:
      row = spread_internal::RunSpreadPool(**runtime, *node_, workload, options, c.spec.name);
      break;
    case DesignKind::kPipeline:
      row = spread_internal::RunSpreadPipeline(**runtime, *node_, workload, options, layout_,
                                               c.spec.name, pipeline_runs_++);
      break;
    default:
      row = spread_internal::RunSpreadActors(**runtime, *node_, workload, options, layout_,
                                             c.spec.name, actor_runs_++);
      break;
  }
  row.runtime = RuntimeName(nodes_);
  return row;
}

std::string NodeComparison::Report(const std::vector<DesignResult>& results) const {
  const std::string spread = RuntimeName(nodes_);
  std::string out = absl::StrFormat(
      "\nCrossing processes: each design over %d processes (%s) against its local run of the "
      "same records\n%-12s %12s %12s %9s %16s\n",
      nodes_, spread, "design", "local rec/s", "spread rec/s", "spread/local", "us/record added");
  for (const DesignResult& r : results) {
    if (r.runtime != spread || !r.error.empty()) continue;
    const DesignResult* local = FindResult(results, r.design, "troupe");
    if (local == nullptr || local->throughput_rps <= 0 || r.throughput_rps <= 0) continue;
    absl::StrAppendFormat(&out, "%-12s %12.0f %12.0f %11.3fx %16.1f\n", r.design,
                          local->throughput_rps, r.throughput_rps,
                          r.throughput_rps / local->throughput_rps,
                          1e6 / r.throughput_rps - 1e6 / local->throughput_rps);
  }
  return out;
}

int NodeComparison::ServeAsNode(const Subject& subject) {
  const int index = absl::GetFlag(FLAGS_node_index);
  const std::string url = absl::GetFlag(FLAGS_nats_url);
  auto fail = [index](const absl::Status& status) {
    std::fprintf(stderr, "compare node %d: %s\n", index, status.ToString().c_str());
    return 2;
  };
  if (index < 1 || index >= nodes_ || url.empty()) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "a node process needs --node_index in [1, ", nodes_, ") and --nats_url; got ", index,
        " and \"", url, "\"")));
  }
  const ErasedWorkload& workload = subject.workloads[0];
  const spread_internal::Layout layout{nodes_, absl::GetFlag(FLAGS_parallelism),
                                       static_cast<int>(workload.stages.size()),
                                       static_cast<int>(absl::GetFlag(FLAGS_capacity))};
  if (layout.parallelism < 1 || layout.capacity < 1) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat("a node process needs --parallelism and --capacity >= 1; got ",
                     layout.parallelism, " and ", layout.capacity)));
  }
  absl::StatusOr<int> procs = ResolvedProcs();
  if (!procs.ok()) return fail(procs.status());
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = *procs});
  if (!runtime.ok()) return fail(runtime.status());
  absl::StatusOr<std::unique_ptr<RemoteNode>> node =
      RemoteNode::Connect({.url = url, .node_name = absl::StrCat("compare-", index)});
  if (!node.ok()) return fail(node.status());
  absl::Status served;
  absl::Status ran = (*runtime)->Run([&] {
    ActorSystem system(**runtime);
    absl::StatusOr<std::unique_ptr<spread_internal::NodeParts>> parts =
        spread_internal::NodeParts::Start(**node, system, workload, layout, index);
    if (!parts.ok()) {
      served = parts.status();
      return;
    }
    ActorRef<RecordFrame> ready = system.Spawn<ReadyActor>(ActorOptions{});
    served = (*node)->Publish<RecordFrame>(ReadyName(index), ready);
    if (served.ok()) Blocking(WaitForCoordinatorExit);
    parts->reset();
    ready.Stop();
    design_internal::CheckOk(ready.AwaitStop());
  });
  if (!served.ok()) return fail(served);
  if (!ran.ok()) return fail(ran);
  return 0;
}

}  // namespace troupe::benchmarks
