// The rows of the remote benchmarks (remote_main.cc) and what is made of them: the
// JSON array the issue asks for, a readable table, and the summary of same-run
// ratios against the targets.
//
// A row, as JSON:
//   {"benchmark": "pingpong", "runtime": "troupe", "ops_per_s": 3012.5,
//    "p50_us": 301.2, "p99_us": 812.0}
// benchmark: "pingpong", "fanin", "pingpong_at_least_once", "fanin_at_least_once";
// runtime: "troupe", "nats.c", "nats.c+protobuf" (fanin only), "caf". p50_us and
// p99_us are per round trip for the ping-pong rows, and null for the fan-in rows (a
// rate: no message is timed alone).
#ifndef TROUPE_BENCHMARKS_REMOTE_REMOTE_ROWS_H_
#define TROUPE_BENCHMARKS_REMOTE_REMOTE_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe::remote_bench {

struct RemoteRow {
  std::string benchmark;
  std::string runtime;
  double ops_per_s = 0;
  std::optional<double> p50_us;
  std::optional<double> p99_us;
  // Messages the receiver's client dropped at its full buffer (fan-in at most
  // once; not counted in ops_per_s). In the table, not in the JSON.
  int64_t dropped = 0;
};

// The rows of one run (one repetition, every runtime).
using RemoteRun = std::vector<RemoteRow>;

// The row of `benchmark` and `runtime` in `run`, or null.
const RemoteRow* FindRow(const RemoteRun& run, absl::string_view benchmark,
                         absl::string_view runtime);

// One row per benchmark and runtime, in the order first seen: each figure the
// median of that row's figures over `runs` (a latency is null if it is in any run).
RemoteRun MedianRows(const std::vector<RemoteRun>& runs);

// `rows` as a JSON array, one row per line.
std::string RowsJson(const RemoteRun& rows);

// `rows` as an aligned table.
std::string RowsTable(const RemoteRun& rows);

// The ratios the issue sets targets for, each taken within a run and then the median
// over `runs` (with its range): troupe's ping-pong latency against the C client's
// request/reply (target: at most 1.5x), troupe's fan-in rate against the C client's
// publish rate (target: at least 80%), and troupe against CAF (target: faster).
// A ratio whose rows are missing from every run is left out.
std::string RatioSummary(const std::vector<RemoteRun>& runs);

// Parses a peer program's output, one row per line:
//   benchmark=pingpong ops_per_s=2700.9 p50_us=271.63 p99_us=3323.47
//   benchmark=fanin ops_per_s=38444.0
// giving each row `runtime`. InvalidArgument, quoting the line, for anything else.
absl::StatusOr<RemoteRun> ParsePeerRows(absl::string_view output, absl::string_view runtime);

}  // namespace troupe::remote_bench

#endif  // TROUPE_BENCHMARKS_REMOTE_REMOTE_ROWS_H_
