// --nodes=N: the pattern comparison's three plain designs spread over N local
// processes that talk through a nats-server of the comparison's own, each run
// beside the local run of the same records, with what crossing processes costs
// each design under the table.
//
//   bazel run -c opt //benchmarks:compare -- --nodes=2
//
// The coordinator (the process started by hand) starts a nats-server with JetStream
// (the pipeline's channels need it) and N-1 node processes — this binary again,
// with --node_role=node, --node_index=i, --nats_url and the coordinator's resolved
// --parallelism and --capacity — waits until each has published "ready-<i>", and
// runs each design's coordinator side (spread_designs.h) after its local row. The
// rows are named "troupe xN"; every one must reproduce the ceiling's checksum like
// any other row (a mismatch is an error, exit status 1). Supported: the cpu
// workload (the plain designs, closed loop); with --nodes > 1 its default is 20,000
// records (--records overrides it). Node processes end with the coordinator
// (node_processes.h); so does the server.
#ifndef TROUPE_BENCHMARKS_COMPARE_NODE_COMPARISON_H_
#define TROUPE_BENCHMARKS_COMPARE_NODE_COMPARISON_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/benchmarks/compare/compare_runner.h"
#include "troupe/benchmarks/compare/node_processes.h"
#include "troupe/benchmarks/compare/spread_designs.h"
#include "troupe/remote/node.h"
#include "troupe/tests/remote/nats_server.h"

namespace troupe::benchmarks {

inline constexpr int kMaxNodes = 8;
inline constexpr int64_t kSpreadRecords = 20'000;

class NodeComparison : public ProcessSpread {
 public:
  // `argc`/`argv`: the coordinator's command line, given again to its node processes.
  NodeComparison(int argc, char** argv);
  ~NodeComparison() override;

  absl::StatusOr<std::optional<int>> Begin(Subject* subject) override;
  bool active() const override { return nodes_ > 1; }
  std::optional<DesignResult> Spread(const ComparisonCase& c, const Subject& subject,
                                     const DesignOptions& options) override;
  std::string Report(const std::vector<DesignResult>& results) const override;

  // The row name of a design spread over `nodes` processes.
  static std::string RuntimeName(int nodes);

 private:
  // The server, the node processes and this process's node; waits for every node
  // process to be ready. Plain thread.
  absl::Status StartNodes(const DesignOptions& options);
  // A node process: its parts of every design until the coordinator ends.
  int ServeAsNode(const Subject& subject);

  std::vector<std::string> arguments_;  // argv[1...]
  int nodes_ = 1;
  // The coordinator's: set by StartNodes (the first Spread).
  bool started_ = false;
  absl::Status start_status_;
  spread_internal::Layout layout_;
  testing::NatsServer server_;
  NodeProcesses processes_;
  std::unique_ptr<RemoteNode> node_;
  int64_t pipeline_runs_ = 0;  // the node processes count them alike
  int64_t actor_runs_ = 0;
};

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_NODE_COMPARISON_H_
