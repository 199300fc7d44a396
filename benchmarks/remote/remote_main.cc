// The remote benchmarks of issue 17: troupe's remote actors over NATS beside the
// NATS C client they are built on and CAF 0.17's remote actors, measured in one
// run. `bazel run -c opt //benchmarks:remote -- --json=-` (remote.sh adds the CAF
// peer) starts a nats-server of its own on loopback and prints a JSON array of rows
//
//   {"benchmark": "pingpong", "runtime": "troupe", "ops_per_s": 3012.5,
//    "p50_us": 301.2, "p99_us": 812.0}
//
// for the benchmarks pingpong (troupe, nats.c, caf), fanin (troupe, nats.c,
// nats.c+protobuf, caf), pingpong_at_least_once and fanin_at_least_once (troupe) —
// remote_runs.h says what each measures and remote_rows.h what each field is — then
// the readable table and the same-run ratios against the targets (on stderr
// when the JSON goes to stdout).
//
// Flags:
//   --json=-|FILE        the JSON rows to stdout or to FILE (default: none)
//   --repeat=N           runs (each every benchmark and runtime, the C client and
//                        troupe alternating which goes first); each figure of a row
//                        is the median over the runs, each ratio the median of the
//                        runs' own ratios (default 3)
//   --caf_binary=PATH    the CAF peer (benchmarks/peers/caf:remote_peers), run once
//                        per run; without it there are no caf rows
//   --round_trips, --messages (per sender), --senders, --stored_round_trips,
//   --stored_messages (per sender): the sizes; --quick makes them tiny (for tests)
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/benchmarks/common/command_output.h"
#include "troupe/benchmarks/remote/remote_fixture.h"
#include "troupe/benchmarks/remote/remote_rows.h"
#include "troupe/benchmarks/remote/remote_runs.h"

ABSL_FLAG(std::string, json, "", "the JSON rows: \"-\" for stdout, or a file");
ABSL_FLAG(int, repeat, 3, "runs; each figure is the median over them");
ABSL_FLAG(std::string, caf_binary, "", "the CAF peer (//benchmarks/peers/caf:remote_peers)");
ABSL_FLAG(bool, quick, false, "tiny sizes, for tests: the figures mean nothing");
ABSL_FLAG(int64_t, round_trips, 5000, "ping-pong round trips per runtime and run");
ABSL_FLAG(int64_t, messages, 50000, "fan-in messages per sender");
ABSL_FLAG(int, senders, 4, "fan-in sender threads");
ABSL_FLAG(int64_t, stored_round_trips, 500, "at-least-once ping-pong round trips");
ABSL_FLAG(int64_t, stored_messages, 250, "at-least-once fan-in messages per sender");

namespace troupe::remote_bench {
namespace {

struct Sizes {
  int repeat;
  int64_t round_trips;
  int64_t messages;
  int senders;
  int64_t stored_round_trips;
  int64_t stored_messages;
};

absl::StatusOr<Sizes> SizesFromFlags() {
  Sizes sizes{absl::GetFlag(FLAGS_repeat),
              absl::GetFlag(FLAGS_round_trips),
              absl::GetFlag(FLAGS_messages),
              absl::GetFlag(FLAGS_senders),
              absl::GetFlag(FLAGS_stored_round_trips),
              absl::GetFlag(FLAGS_stored_messages)};
  if (absl::GetFlag(FLAGS_quick)) {
    sizes = {sizes.repeat, 100, 1000, 2, 10, 10};
  }
  if (sizes.repeat < 1 || sizes.repeat > 100) {
    return absl::InvalidArgumentError(absl::StrCat("repeat must be in [1, 100]; got ", sizes.repeat));
  }
  if (sizes.senders < 1 || sizes.senders > 64) {
    return absl::InvalidArgumentError(absl::StrCat("senders must be in [1, 64]; got ", sizes.senders));
  }
  const int64_t kMaxCount = int64_t{1} << 30;
  for (const auto& [name, value] :
       {std::pair<const char*, int64_t>{"round_trips", sizes.round_trips},
        {"messages", sizes.messages},
        {"stored_round_trips", sizes.stored_round_trips},
        {"stored_messages", sizes.stored_messages}}) {
    if (value < 1 || value > kMaxCount) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be in [1, 2^30]; got ", value));
    }
  }
  return sizes;
}

RemoteRun RunCafPeer(const std::string& binary, const Sizes& sizes) {
  const std::string command =
      absl::StrFormat("'%s' --round_trips=%d --messages=%d --senders=%d", binary,
                      sizes.round_trips, sizes.messages, sizes.senders);
  absl::StatusOr<std::string> output = benchmarks::CommandOutput(command);
  if (!output.ok()) Die("the CAF peer", output.status().ToString());
  absl::StatusOr<RemoteRun> rows = ParsePeerRows(*output, "caf");
  if (!rows.ok()) Die("the CAF peer", rows.status().ToString());
  return *std::move(rows);
}

// One run of every benchmark and runtime. `raw_first`: the C client's rows of a
// benchmark run before troupe's (alternated over runs, so drift in the machine's
// load does not always favour the same one).
RemoteRun RunOnce(RemoteRuns& runs, const Sizes& sizes, bool raw_first,
                  const std::string& caf_binary) {
  RemoteRun run;
  // `raw` returns the C client's rows, `troupe` troupe's row.
  auto pair = [&](auto raw, auto troupe) {
    std::optional<RemoteRow> troupe_row;
    if (!raw_first) troupe_row = troupe();
    for (RemoteRow& row : raw()) run.push_back(std::move(row));
    run.push_back(troupe_row.has_value() ? *std::move(troupe_row) : troupe());
  };
  pair([&] { return RemoteRun{runs.RawPingPong(sizes.round_trips)}; },
       [&] { return runs.TroupePingPong(sizes.round_trips); });
  pair(
      [&] {
        return RemoteRun{runs.RawFanIn(sizes.senders, sizes.messages),
                         runs.RawFanInWithCodec(sizes.senders, sizes.messages)};
      },
      [&] { return runs.TroupeFanIn(sizes.senders, sizes.messages); });
  run.push_back(runs.TroupePingPongAtLeastOnce(sizes.stored_round_trips));
  run.push_back(runs.TroupeFanInAtLeastOnce(sizes.senders, sizes.stored_messages));
  if (!caf_binary.empty()) {
    for (RemoteRow& row : RunCafPeer(caf_binary, sizes)) run.push_back(std::move(row));
  }
  return run;
}

int Main() {
  absl::StatusOr<Sizes> sizes = SizesFromFlags();
  if (!sizes.ok()) {
    std::fprintf(stderr, "remote: %s\n", std::string(sizes.status().message()).c_str());
    return 2;
  }
  const std::string json_path = absl::GetFlag(FLAGS_json);
  const std::string caf_binary = absl::GetFlag(FLAGS_caf_binary);
  // With the JSON on stdout, everything else goes to stderr.
  FILE* text = json_path == "-" ? stderr : stdout;

  std::vector<RemoteRun> all_runs;
  {
    RemoteFixture fixture;
    RemoteRuns runs(fixture);
    for (int r = 0; r < sizes->repeat; ++r) {
      all_runs.push_back(RunOnce(runs, *sizes, /*raw_first=*/r % 2 == 0, caf_binary));
      std::fprintf(stderr, "remote: run %d of %d done\n", r + 1, sizes->repeat);
    }
  }
  const RemoteRun medians = MedianRows(all_runs);
  if (json_path == "-") {
    std::fputs(RowsJson(medians).c_str(), stdout);
    std::fflush(stdout);
  } else if (!json_path.empty()) {
    std::ofstream file(json_path);
    file << RowsJson(medians);
    if (!file.good()) Die("--json", "cannot write " + json_path);
  }
  std::fprintf(text, "Medians of %d runs%s:\n%s\n%s", sizes->repeat,
               caf_binary.empty() ? " (no --caf_binary: no CAF rows)" : "",
               RowsTable(medians).c_str(), RatioSummary(all_runs).c_str());
  return 0;
}

}  // namespace
}  // namespace troupe::remote_bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return troupe::remote_bench::Main();
}
