// The pattern comparison: one workload (compare_workload.h), three concurrency
// designs — worker pool, pipeline, actors — on troupe, the same three in Go and in
// Boost.Fiber, a ceiling (plain threads, no queues) and a handoff bound (plain
// threads handing records over lock-free rings), side by side. It answers "which
// design should my service use, and what does each cost?".
//
//   bazel run -c opt //benchmarks:compare                      # the default workload
//   bazel run -c opt //benchmarks:compare -- --rate=200000     # open loop
//   bazel run -c opt //benchmarks:compare -- --json=results.json --html=report.html
//
// For each design: throughput, latency from emission to the sink (p50/p95/p99/max),
// peak RSS, heap allocations per record, scheduler counters, and the checksum, which
// every design must reproduce (a mismatch is an error, exit status 1). Each row also
// carries the machine's core-to-core transfer time around it (core_transfer.h).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/compare_summary.h"
#include "troupe/benchmarks/compare/core_transfer.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/trace.h"

ABSL_FLAG(int64_t, records, 1'000'000, "records per design");
ABSL_FLAG(int64_t, size, 256, "payload bytes per record");
ABSL_FLAG(int, parse_rounds, 2, "FNV-1a rounds of the parse step");
ABSL_FLAG(int, validate_rounds, 1, "FNV-1a rounds of the validate step");
ABSL_FLAG(int, transform_rounds, 3, "FNV-1a rounds of the transform step");
ABSL_FLAG(int64_t, capacity, 64, "channel and mailbox capacity");
ABSL_FLAG(int, procs, 0, "processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, parallelism, 0, "fibers/actors per stage and pool workers (0: procs)");
ABSL_FLAG(double, rate, 0, "open loop: records per second (0: closed loop)");
ABSL_FLAG(std::string, designs, "worker_pool,pipeline,actors", "troupe designs to run");
ABSL_FLAG(std::string, go_binary, "", "the Go comparison program (empty: no Go rows)");
ABSL_FLAG(std::string, boost_fiber_binary, "",
          "the Boost.Fiber comparison program (empty: no Boost.Fiber rows)");
ABSL_FLAG(std::string, json, "", "also write the results as JSON to this file (- = stdout)");
ABSL_FLAG(std::string, html, "", "also write a self-contained HTML report with charts");
ABSL_FLAG(std::string, trace, "",
          "write a Chrome trace (chrome://tracing, Perfetto) of fiber run slices per thread "
          "for the troupe designs to this file; use with a short run (--records=20000)");
ABSL_FLAG(int, repeat, 1,
          "run the whole comparison this many times and end with the medians, split by "
          "the machine's state (compare_summary.h)");
ABSL_FLAG(int, cpu_profile_hz, 0,
          "CPU-profile each troupe design while it runs, at this rate (0: off); the "
          "profile is discarded: this measures the profiler's overhead "
          "(profiler_overhead.sh)");
ABSL_FLAG(std::string, sweep_procs, "", "comma-separated processor counts to sweep over");
ABSL_FLAG(std::string, sweep_capacity, "", "comma-separated capacities to sweep over");

namespace troupe::benchmarks {

namespace {

// Validates the flags; the message says what was wrong and what is allowed.
absl::StatusOr<DesignOptions> OptionsFromFlags(int procs) {
  DesignOptions options;
  options.workload.count = absl::GetFlag(FLAGS_records);
  options.workload.size = static_cast<std::size_t>(absl::GetFlag(FLAGS_size));
  options.workload.parse_rounds = absl::GetFlag(FLAGS_parse_rounds);
  options.workload.validate_rounds = absl::GetFlag(FLAGS_validate_rounds);
  options.workload.transform_rounds = absl::GetFlag(FLAGS_transform_rounds);
  options.capacity = static_cast<std::size_t>(absl::GetFlag(FLAGS_capacity));
  options.parallelism = absl::GetFlag(FLAGS_parallelism) == 0 ? procs : absl::GetFlag(FLAGS_parallelism);
  options.rate = absl::GetFlag(FLAGS_rate);
  if (absl::GetFlag(FLAGS_records) < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--records must be >= 1; got ", absl::GetFlag(FLAGS_records)));
  }
  if (absl::GetFlag(FLAGS_size) < 1 || absl::GetFlag(FLAGS_size) > (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat("--size must be in [1, 1048576]; got ", absl::GetFlag(FLAGS_size)));
  }
  for (auto [name, rounds] : {std::pair{"parse_rounds", options.workload.parse_rounds},
                              std::pair{"validate_rounds", options.workload.validate_rounds},
                              std::pair{"transform_rounds", options.workload.transform_rounds}}) {
    if (rounds < 0 || rounds > 1000) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " must be in [0, 1000]; got ", rounds));
    }
  }
  if (absl::GetFlag(FLAGS_capacity) < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--capacity must be >= 1; got ", absl::GetFlag(FLAGS_capacity)));
  }
  if (options.parallelism < 1 || options.parallelism > 4096) {
    return absl::InvalidArgumentError(absl::StrCat("--parallelism must be in [1, 4096] (or 0 for procs); got ", options.parallelism));
  }
  if (options.rate < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--rate must be >= 0 (0: closed loop); got ", options.rate));
  }
  return options;
}

// Runs one design of a peer runtime (the Go program, or the Boost.Fiber one; both
// take the same flags) as a subprocess and reads its one-line JSON result.
DesignResult RunPeer(const std::string& binary, const std::string& runtime,
                     const std::string& design, int procs, const DesignOptions& options) {
  const std::string command = absl::StrFormat(
      "'%s' -design=%s -records=%d -size=%d -parse_rounds=%d -validate_rounds=%d "
      "-transform_rounds=%d -capacity=%d -procs=%d -parallelism=%d -rate=%d",
      binary, design, options.workload.count, options.workload.size,
      options.workload.parse_rounds, options.workload.validate_rounds,
      options.workload.transform_rounds, options.capacity, procs, options.parallelism,
      static_cast<int64_t>(options.rate));
  DesignResult result;
  result.design = design;
  result.runtime = runtime;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    result.error = "cannot start " + binary;
    return result;
  }
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  if (status != 0) {
    result.error = absl::StrCat("the ", runtime, " program failed (status ", status, ")");
    return result;
  }
  if (!ParseResultJson(output, &result)) {
    result.error = absl::StrCat("unreadable ", runtime, " output: ", output);
  }
  return result;
}

}  // namespace
}  // namespace troupe::benchmarks

namespace troupe::benchmarks {
namespace {

absl::StatusOr<std::vector<int64_t>> ParseList(const std::string& flag, const std::string& text,
                                               int64_t minimum) {
  std::vector<int64_t> values;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(item, &value) || value < minimum) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, " must list integers >= ",
                                                     minimum, "; got \"", text, "\""));
    }
    values.push_back(value);
  }
  return values;
}

// One comparison: the ceiling, the handoff bound, the troupe designs and the peers'
// designs, on `procs`.
absl::StatusOr<std::vector<DesignResult>> CompareOnce(int procs_flag, int64_t capacity,
                                                      const std::vector<std::string>& designs,
                                                      std::vector<std::pair<std::string, Trace>>* traces,
                                                      ReportHeader* header) {
  auto runtime = Runtime::Create({.procs = procs_flag});
  if (!runtime.ok()) return runtime.status();
  const int procs = (*runtime)->procs();
  absl::StatusOr<DesignOptions> options = OptionsFromFlags(procs);
  if (!options.ok()) return options.status();
  if (capacity > 0) options->capacity = static_cast<std::size_t>(capacity);
  *header = ReportHeader{options->workload.count, options->workload.size, procs,
                         options->parallelism, options->capacity, options->rate};
  std::fprintf(stderr,
               "compare: %" PRId64 " records of %zu bytes, rounds %d/%d/%d, capacity %zu, "
               "procs %d, parallelism %d, %s\n",
               options->workload.count, options->workload.size, options->workload.parse_rounds,
               options->workload.validate_rounds, options->workload.transform_rounds,
               options->capacity, procs, options->parallelism,
               options->rate > 0 ? absl::StrCat("open loop at ", options->rate, " records/s").c_str()
                                 : "closed loop");
  std::vector<DesignResult> results;
  // Each row carries the slower of the transfer probes just before and just after it:
  // a row measured while the machine's cores were far apart reads as such.
  std::optional<CoreTransfer> probe = MeasureCoreTransfer();
  if (probe) {
    header->transfer_from_cpu = probe->from_cpu;
    header->transfer_to_cpu = probe->to_cpu;
  }
  auto finish_row = [&](DesignResult row, std::vector<DesignResult>* into) {
    const std::optional<CoreTransfer> after = MeasureCoreTransfer();
    if (probe && after) row.core_transfer_ns = std::max(probe->one_way_ns, after->one_way_ns);
    probe = after;
    std::fprintf(stderr, "  %-12s %-11s %10.0f records/s%s\n", row.design.c_str(),
                 row.runtime.c_str(), row.throughput_rps,
                 row.error.empty() ? "" : ("  ERROR: " + row.error).c_str());
    into->push_back(std::move(row));
  };
  finish_row(RunCeiling(procs, *options), &results);
  finish_row(RunHandoffBound(procs, *options), &results);
  // Each peer's design runs right after troupe's version of it, so that they see the
  // machine in the same state as far as possible.
  const std::string go_binary = absl::GetFlag(FLAGS_go_binary);
  const std::string boost_fiber_binary = absl::GetFlag(FLAGS_boost_fiber_binary);
  std::vector<DesignResult> go_results, boost_fiber_results;
  const int cpu_profile_hz = absl::GetFlag(FLAGS_cpu_profile_hz);
  for (const std::string& design : designs) {
    if (traces != nullptr) (*runtime)->StartTrace();
    if (cpu_profile_hz > 0) {
      if (absl::Status started = profiling::StartCpuProfile({cpu_profile_hz}); !started.ok()) {
        return started;
      }
    }
    DesignResult row;
    if (design == "worker_pool") row = RunWorkerPool(**runtime, *options);
    if (design == "pipeline") row = RunPipeline(**runtime, *options);
    if (design == "actors") row = RunActors(**runtime, *options);
    if (cpu_profile_hz > 0) {
      absl::StatusOr<profiling::Profile> profile = profiling::StopCpuProfile();
      if (!profile.ok()) return profile.status();
      int64_t samples = 0;
      for (const profiling::ProfileSample& sample : profile->samples) samples += sample.values[0];
      std::fprintf(stderr, "  (CPU profile of %s at %d Hz: %" PRId64 " samples)\n",
                   design.c_str(), cpu_profile_hz, samples);
    }
    finish_row(std::move(row), &results);
    if (traces != nullptr) traces->emplace_back(design, (*runtime)->StopTrace());
    if (!go_binary.empty()) {
      finish_row(RunPeer(go_binary, kGoRuntime, design, procs, *options), &go_results);
    }
    if (!boost_fiber_binary.empty()) {
      finish_row(RunPeer(boost_fiber_binary, kBoostFiberRuntime, design, procs, *options),
                 &boost_fiber_results);
    }
  }
  results.insert(results.end(), go_results.begin(), go_results.end());
  results.insert(results.end(), boost_fiber_results.begin(), boost_fiber_results.end());
  // Every design must reproduce the ceiling's checksum.
  const uint64_t reference = results.front().checksum;
  for (DesignResult& r : results) {
    if (r.error.empty() && r.checksum != reference) {
      r.error = absl::StrFormat("checksum 0x%016x differs from 0x%016x", r.checksum, reference);
    }
  }
  return results;
}

}  // namespace
}  // namespace troupe::benchmarks

int main(int argc, char** argv) {
  using namespace troupe::benchmarks;
  absl::ParseCommandLine(argc, argv);
  std::vector<std::string> designs = absl::StrSplit(absl::GetFlag(FLAGS_designs), ',', absl::SkipEmpty());
  for (const std::string& design : designs) {
    if (design != "worker_pool" && design != "pipeline" && design != "actors") {
      std::fprintf(stderr, "compare: --designs: unknown design \"%s\"; allowed: worker_pool, pipeline, actors\n",
                   design.c_str());
      return 2;
    }
  }
  auto sweep_procs = ParseList("sweep_procs", absl::GetFlag(FLAGS_sweep_procs), 1);
  auto sweep_capacity = ParseList("sweep_capacity", absl::GetFlag(FLAGS_sweep_capacity), 1);
  for (const auto* list : {&sweep_procs, &sweep_capacity}) {
    if (!list->ok()) {
      std::fprintf(stderr, "compare: %s\n", std::string(list->status().message()).c_str());
      return 2;
    }
  }
  const int repeat = absl::GetFlag(FLAGS_repeat);
  if (repeat < 1 || (repeat > 1 && (!sweep_procs->empty() || !sweep_capacity->empty()))) {
    std::fprintf(stderr,
                 "compare: --repeat must be at least 1, and above 1 only without "
                 "--sweep_procs and --sweep_capacity; got %d\n",
                 repeat);
    return 2;
  }
  std::vector<int64_t> procs_values = sweep_procs->empty() ? std::vector<int64_t>{absl::GetFlag(FLAGS_procs)} : *sweep_procs;
  std::vector<int64_t> capacity_values = sweep_capacity->empty() ? std::vector<int64_t>{0} : *sweep_capacity;
  const bool sweeping = procs_values.size() * capacity_values.size() > 1;
  const std::string trace_path = absl::GetFlag(FLAGS_trace);
  std::vector<std::pair<std::string, troupe::Trace>> traces;

  // Every comparison to run: each sweep point, `repeat` times.
  std::vector<std::pair<int64_t, int64_t>> points;  // (procs, capacity)
  for (int64_t procs : procs_values) {
    for (int64_t capacity : capacity_values) {
      for (int run = 0; run < repeat; ++run) points.emplace_back(procs, capacity);
    }
  }
  const int steps = static_cast<int>(points.size());
  bool failed = false;
  std::string json = steps > 1 ? "[\n" : "";
  std::string html_body;
  std::vector<std::vector<DesignResult>> runs;
  for (int step = 1; step <= steps; ++step) {
    const auto [procs, capacity] = points[step - 1];
    if (sweeping) {
      std::fprintf(stderr, "sweep %d/%d: procs=%" PRId64 " capacity=%" PRId64 "\n", step, steps,
                   procs, capacity);
    } else if (repeat > 1) {
      std::fprintf(stderr, "run %d/%d\n", step, steps);
    }
    ReportHeader header{};
    auto results = CompareOnce(static_cast<int>(procs), capacity, designs,
                               trace_path.empty() ? nullptr : &traces, &header);
    if (!results.ok()) {
      std::fprintf(stderr, "compare: %s\n", std::string(results.status().message()).c_str());
      return 2;
    }
    for (const DesignResult& r : *results) failed |= !r.error.empty();
    std::fputs(FormatTable(header, *results).c_str(), stdout);
    json += FormatJson(header, *results);
    if (steps > 1) json += step < steps ? ",\n" : "]\n";
    html_body += FormatHtmlSection(header, *results);
    runs.push_back(*std::move(results));
  }
  if (repeat > 1) {
    const std::string summary = FormatRepeatSummary(runs);
    std::fputs(summary.c_str(), stdout);
    html_body += "<h2>Summary</h2><pre>" + summary + "</pre>\n";
  }
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    if (path == "-") {
      std::fputs(json.c_str(), stdout);
    } else {
      std::ofstream(path) << json;
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_html); !path.empty()) {
    std::ofstream(path) << FormatHtmlDocument(html_body);
    std::fprintf(stderr, "compare: wrote %s\n", path.c_str());
  }
  if (!trace_path.empty()) {
    std::ofstream(trace_path) << FormatChromeTrace(traces);
    std::fprintf(stderr, "compare: wrote %s (open it in chrome://tracing or ui.perfetto.dev)\n",
                 trace_path.c_str());
  }
  return failed ? 1 : 0;
}
