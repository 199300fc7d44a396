// Your own workload in the pattern comparison: web-server log lines, parsed, enriched
// by a lookup that waits (as a call to a cache or a database would), and counted per
// user — which design suits it, on troupe?
//
//   bazel run -c opt //examples/compare_workload -- --records=200000
//   bazel run -c opt //examples/compare_workload -- --rate_sweep=20000:120000:6 --html=report.html
//
// The comparison runs it as actors owning users, a worker pool with the per-user
// totals behind sharded or one troupe::Mutex, and a pipeline partitioned by user
// (the designs of a stateful workload, workload.h), and prints the same table,
// curves and verdict as `bazel run -c opt //benchmarks:compare`.
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "troupe/benchmarks/compare/workload.h"
#include "troupe/scheduler/this_fiber.h"

namespace {

constexpr int64_t kUsers = 500;
constexpr const char* kPaths[] = {"/", "/cart", "/search", "/item", "/checkout", "/login"};

// One log line, and what the stages make of it.
struct LogLine {
  std::string text;
  uint64_t user = 0;
  int status = 0;
  int64_t bytes = 0;
  std::string path;
  uint64_t region = 0;
  uint64_t digest = 0;
};

// A user's running totals: additions only, so the order of a user's lines does not
// matter (the rule for keyed state, workload.h).
struct UserTotals {
  uint64_t requests = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

// The line for record `id`, as a server would have written it, tagged with its user
// as a keyed message queue delivers it. The key is read as soon as the source has
// filled the record, before any stage runs: it must come from the source.
void WriteLine(int64_t id, LogLine& line) {
  const uint64_t r = Mix(static_cast<uint64_t>(id) + 1);
  const int status = r % 50 == 0 ? 500 : (r % 7 == 0 ? 404 : 200);
  line.user = r % kUsers;
  line.text = absl::StrCat("user=", line.user, " path=", kPaths[(r >> 16) % 6],
                           " status=", status, " bytes=", (r >> 24) % 20000);
}

// Splits the line into its fields.
void Parse(LogLine& line) {
  for (absl::string_view field : absl::StrSplit(line.text, ' ')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(field, '=');
    if (kv.first == "user") {
      (void)absl::SimpleAtoi(kv.second, &line.user);
    } else if (kv.first == "path") {
      line.path = std::string(kv.second);
    } else if (kv.first == "status") {
      (void)absl::SimpleAtoi(kv.second, &line.status);
    } else if (kv.first == "bytes") {
      (void)absl::SimpleAtoi(kv.second, &line.bytes);
    }
  }
}

// The user's region, from a service that answers in about 50 µs: the fiber parks
// while it waits (this_fiber::SleepFor stands in for the network round trip).
void Enrich(LogLine& line) {
  troupe::this_fiber::SleepFor(absl::Microseconds(50));
  line.region = Mix(line.user) % 16;
  line.digest = Mix(line.user ^ (line.region << 20) ^ (static_cast<uint64_t>(line.status) << 32) ^
                    (static_cast<uint64_t>(line.bytes) << 40) ^ line.path.size());
}

}  // namespace

int main(int argc, char** argv) {
  troupe::benchmarks::Workload<LogLine, UserTotals> work;
  work.name = "log_sessions";
  work.description =
      "web log lines: parse the fields, enrich each with a lookup that waits ~50 us, count "
      "requests, bytes and errors per user (500 users)";
  work.records = 100'000;
  work.source = WriteLine;
  work.stages = {
      {"parse", Parse},
      {"enrich", Enrich, troupe::benchmarks::StageKind::kParks},
  };
  work.result = [](const LogLine& line) { return line.digest; };
  work.keys = kUsers;
  work.key = [](const LogLine& line) { return line.user; };
  troupe::benchmarks::KeyedState<LogLine, UserTotals> totals;
  totals.update = [](const LogLine& line, UserTotals& t) {
    ++t.requests;
    t.bytes += static_cast<uint64_t>(line.bytes);
    t.errors += line.status >= 500 ? 1 : 0;
  };
  totals.digest = [](uint64_t user, const UserTotals& t) {
    return Mix(user + 1) ^ (t.requests * 1'000'003 + t.bytes * 31 + t.errors);
  };
  work.state = std::move(totals);
  return troupe::benchmarks::CompareMain(argc, argv, std::move(work));
}
