// The pattern comparison's driver (compare_runner.h).
//
// One comparison, on one setting of procs, capacity and offered rate: the ceiling and
// (where it applies) the handoff bound on plain threads, then each case — troupe's
// design on a fresh Runtime (so that no design inherits another's fiber stacks or
// heap), followed at once by the same design in Go and in Boost.Fiber, so that the
// three see the machine in the same state as far as possible. Every row must
// reproduce the ceiling's checksum.
//
// Around it: --repeat runs the comparison several times (medians and the verdict
// over the runs at the end); --sweep_procs, --sweep_capacity and --rate_sweep run it
// once per setting (a verdict per setting; the rate sweep also draws latency against
// achieved throughput); --duration turns each run into an open-loop run of that many
// seconds, for the memory growth.
#include "troupe/benchmarks/compare/compare_runner.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "troupe/benchmarks/common/command_output.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/compare_summary.h"
#include "troupe/benchmarks/compare/compare_verdict.h"
#include "troupe/benchmarks/compare/core_transfer.h"
#include "troupe/benchmarks/compare/load_curves.h"
#include "troupe/profiling/block_profile.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/profiling/flame_graph.h"
#include "troupe/profiling/mutex_profile.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tracing/trace_events.h"

ABSL_FLAG(int64_t, records, 0, "records per design (0: the workload's default)");
ABSL_FLAG(int64_t, capacity, 64, "channel and mailbox capacity");
ABSL_FLAG(int, procs, 0, "processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, parallelism, 0,
          "fibers/actors per stage and pool workers (0: the workload's default, else procs)");
ABSL_FLAG(double, rate, 0, "open loop: records per second (0: closed loop)");
ABSL_FLAG(int64_t, burst_size, 0,
          "open loop: records due at the same instant (0: the workload's default, else 1)");
ABSL_FLAG(int64_t, burst_period_us, 0,
          "open loop: microseconds between bursts; sets the rate to burst_size / period");
ABSL_FLAG(std::string, rate_sweep, "",
          "FROM:TO:STEPS: run open loop at STEPS rates from FROM to TO records/s and draw "
          "p50/p99 against the achieved throughput");
ABSL_FLAG(double, duration, 0,
          "open loop: run each design this many seconds (records = rate x duration), for "
          "the memory growth per minute");
ABSL_FLAG(int, shards, 64, "stateful workloads: the Mutex-guarded shards of worker_pool/sharded");
ABSL_FLAG(std::string, designs, "",
          "troupe designs to run, comma-separated (empty: all of the workload's)");
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
          "the machine's state (compare_summary.h), and the verdict over the runs");
ABSL_FLAG(std::string, profile, "",
          "CPU- and block-profile each troupe design while it runs (100 Hz and 10 us unless "
          "--cpu_profile_hz / --block_profile_rate say otherwise) and write the profiles "
          "(pprof, gzipped: go tool pprof reads them) to this directory as "
          "<workload>-<step>-<design>.cpu.pb.gz and .block.pb.gz; the HTML report shows "
          "each design's CPU and block flame graphs");
ABSL_FLAG(int, cpu_profile_hz, 0,
          "the CPU profiler's rate for --profile (0: 100 Hz); without --profile, profile at "
          "this rate and discard the profile, which measures the profiler's overhead "
          "(profiler_overhead.sh)");
ABSL_FLAG(int64_t, block_profile_rate, 0,
          "the block profile's rate in nanoseconds for --profile (0: 10 us); without "
          "--profile, block-profile each troupe design at this rate and discard the profile, "
          "which measures its overhead (profiler_overhead.sh)");
ABSL_FLAG(int, mutex_profile_fraction, 0,
          "mutex-profile each troupe design while it runs, at this fraction (0: off); "
          "measures the mutex profile's overhead (profiler_overhead.sh)");
ABSL_FLAG(std::string, sweep_procs, "", "comma-separated processor counts to sweep over");
ABSL_FLAG(std::string, sweep_capacity, "", "comma-separated capacities to sweep over");
ABSL_FLAG(bool, probe_cores, true,
          "measure the core-to-core transfer time around each row (core_transfer.h); off on "
          "a machine too busy to measure anything, where each probe takes its full budget");

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

// The settings of one comparison.
struct Point {
  int64_t procs;     // the --procs value (0: default)
  int64_t capacity;  // 0: --capacity
  double rate;       // < 0: from the flags and the subject
};

// Validates the generic flags for `point`; the message says what was wrong and what
// is allowed.
absl::StatusOr<DesignOptions> OptionsFor(const Subject& subject, int procs, const Point& point) {
  DesignOptions options;
  const int64_t records = absl::GetFlag(FLAGS_records);
  if (records < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--records must be >= 0 (0: the workload's "
                                                   "default); got ", records));
  }
  options.records = records > 0 ? records : subject.workloads[0].records;
  const int64_t capacity = point.capacity > 0 ? point.capacity : absl::GetFlag(FLAGS_capacity);
  if (capacity < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--capacity must be >= 1; got ", capacity));
  }
  options.capacity = static_cast<std::size_t>(capacity);
  const int parallelism = absl::GetFlag(FLAGS_parallelism);
  options.parallelism = parallelism > 0                    ? parallelism
                        : subject.default_parallelism > 0 ? subject.default_parallelism
                                                          : procs;
  if (parallelism < 0 || options.parallelism > 4096) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--parallelism must be in [1, 4096] (or 0 for the default); got ", parallelism));
  }
  const int64_t burst = absl::GetFlag(FLAGS_burst_size);
  if (burst < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--burst_size must be >= 0; got ", burst));
  }
  options.burst = burst > 0 ? burst : std::max<int64_t>(1, subject.default_burst);
  const int64_t period_us = absl::GetFlag(FLAGS_burst_period_us);
  const double rate_flag = absl::GetFlag(FLAGS_rate);
  if (rate_flag < 0 || period_us < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--rate and --burst_period_us must be >= 0; got ", rate_flag, " and ", period_us));
  }
  if (period_us > 0 && rate_flag > 0) {
    return absl::InvalidArgumentError(
        "give either --rate or --burst_period_us (which sets the rate), not both");
  }
  if (point.rate >= 0) {
    options.rate = point.rate;
  } else if (period_us > 0) {
    options.rate = static_cast<double>(options.burst) * 1e6 / static_cast<double>(period_us);
  } else {
    options.rate = rate_flag > 0 ? rate_flag : subject.default_rate;
  }
  const double duration = absl::GetFlag(FLAGS_duration);
  if (duration < 0 || (duration > 0 && options.rate <= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--duration runs open loop at a fixed rate: it needs --rate, --burst_period_us, "
        "--rate_sweep or a bursty workload, and must be > 0; got ", duration));
  }
  if (duration > 0) {
    options.records = std::max<int64_t>(1, std::llround(options.rate * duration));
  }
  options.shards = absl::GetFlag(FLAGS_shards);
  if (options.shards < 1 || options.shards > 65536) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shards must be in [1, 65536]; got ", options.shards));
  }
  return options;
}

// Runs one design of a peer runtime (the Go program, or the Boost.Fiber one; both
// take the same flags) as a subprocess and reads its one-line JSON result.
DesignResult RunPeer(const std::string& binary, const std::string& runtime,
                     const std::string& design, int procs, const DesignOptions& options,
                     const std::string& workload_flags) {
  const std::string command = absl::StrFormat(
      "'%s' -design=%s -records=%d -capacity=%d -procs=%d -parallelism=%d -rate=%d "
      "-burst=%d -shards=%d %s",
      binary, design, options.records, options.capacity, procs, options.parallelism,
      static_cast<int64_t>(std::llround(options.rate)), options.burst, options.shards,
      workload_flags);
  DesignResult result;
  result.design = design;
  result.runtime = runtime;
  absl::StatusOr<std::string> output = CommandOutput(command);
  if (!output.ok()) {
    result.error = absl::StrCat("the ", runtime, " program failed: ", output.status().message());
    return result;
  }
  if (!ParseResultJson(*output, &result)) {
    result.error = absl::StrCat("unreadable ", runtime, " output: ", *output);
  }
  return result;
}

// One comparison: the references, troupe's cases and the peers' twins of them.
// The profilers around each troupe design: --profile keeps a CPU and a block
// profile per design (at their default rates unless the flags set others);
// --cpu_profile_hz, --block_profile_rate and --mutex_profile_fraction alone turn a
// profiler on without keeping anything, which measures its cost
// (profiler_overhead.sh). Zero: off.
struct ProfilerRates {
  int cpu_hz = 0;
  int64_t block_rate_ns = 0;
  int mutex_fraction = 0;
};

ProfilerRates RatesFor(bool keeping_profiles) {
  ProfilerRates rates;
  rates.cpu_hz = absl::GetFlag(FLAGS_cpu_profile_hz);
  if (rates.cpu_hz <= 0 && keeping_profiles) rates.cpu_hz = profiling::CpuProfileOptions::kDefaultHz;
  rates.block_rate_ns = absl::GetFlag(FLAGS_block_profile_rate);
  if (rates.block_rate_ns <= 0 && keeping_profiles) {
    rates.block_rate_ns = profiling::kSuggestedBlockProfileRateNs;
  }
  rates.mutex_fraction = absl::GetFlag(FLAGS_mutex_profile_fraction);
  return rates;
}

// What one design's run recorded: its CPU profile (no samples if the CPU profiler
// was off) and its block profile (what the block profile gained during the run).
struct DesignProfiles {
  profiling::Profile cpu;
  profiling::Profile block;
};

// The profilers running around one design. Start sets the rates (remembering the
// block and mutex settings it replaced), Stop restores them and returns the
// profiles; stderr says how much each recorded.
class DesignProfilers {
 public:
  explicit DesignProfilers(ProfilerRates rates) : rates_(rates) {}

  absl::Status Start() {
    previous_block_rate_ns_ = profiling::BlockProfileRate();
    previous_mutex_fraction_ = profiling::MutexProfileFraction();
    if (absl::Status set = profiling::SetBlockProfileRate(rates_.block_rate_ns); !set.ok()) {
      return set;
    }
    if (absl::Status set = profiling::SetMutexProfileFraction(rates_.mutex_fraction); !set.ok()) {
      return set;
    }
    block_interval_.emplace();
    if (rates_.cpu_hz > 0) return profiling::StartCpuProfile({rates_.cpu_hz});
    return absl::OkStatus();
  }

  absl::StatusOr<DesignProfiles> Stop(const std::string& design) {
    DesignProfiles profiles;
    if (rates_.cpu_hz > 0) {
      absl::StatusOr<profiling::Profile> cpu = profiling::StopCpuProfile();
      if (!cpu.ok()) return cpu.status();
      profiles.cpu = *std::move(cpu);
      std::fprintf(stderr, "  (CPU profile of %s at %d Hz: %" PRId64 " samples)\n",
                   design.c_str(), rates_.cpu_hz, TotalOf(profiles.cpu, 0));
    }
    if (rates_.block_rate_ns > 0) {
      profiles.block = block_interval_->Collect();
      std::fprintf(stderr,
                   "  (block profile of %s at %" PRId64 " ns: %" PRId64 " waits, %.3f s, scaled)\n",
                   design.c_str(), rates_.block_rate_ns, TotalOf(profiles.block, 0),
                   static_cast<double>(TotalOf(profiles.block, 1)) / 1e9);
    }
    if (rates_.mutex_fraction > 0) {
      std::fprintf(stderr, "  (mutex profile at 1/%d, after %s: %" PRId64
                   " contentions so far, scaled)\n", rates_.mutex_fraction, design.c_str(),
                   TotalOf(profiling::MutexProfile(), 0));
    }
    if (absl::Status set = profiling::SetBlockProfileRate(previous_block_rate_ns_); !set.ok()) {
      return set;
    }
    if (absl::Status set = profiling::SetMutexProfileFraction(previous_mutex_fraction_);
        !set.ok()) {
      return set;
    }
    return profiles;
  }

 private:
  static int64_t TotalOf(const profiling::Profile& profile, std::size_t value_index) {
    int64_t total = 0;
    for (const profiling::ProfileSample& sample : profile.samples) {
      total += sample.values[value_index];
    }
    return total;
  }

  const ProfilerRates rates_;
  int64_t previous_block_rate_ns_ = 0;
  int previous_mutex_fraction_ = 0;
  std::optional<profiling::BlockProfileInterval> block_interval_;
};

// Writes `profile` to `path` (pprof, gzipped) and returns its flame graph, weighted
// by the sample value at `value_index` counted in `unit`.
absl::StatusOr<std::string> KeepProfile(const profiling::Profile& profile, const std::string& path,
                                        const std::string& title, std::size_t value_index,
                                        const std::string& unit) {
  absl::StatusOr<std::string> encoded = profiling::EncodePprof(profile);
  if (!encoded.ok()) return encoded.status();
  std::ofstream file(path, std::ios::binary);
  file << *encoded;
  if (!file.flush()) {
    return absl::UnavailableError(absl::StrCat("--profile: cannot write ", path));
  }
  profiling::FlameGraphOptions options;
  options.title = title;
  options.unit = unit;
  options.width = 940;
  return profiling::RenderFlameGraphSvg(profiling::FoldStacks(profile, value_index), options);
}

// Writes the design's profiles to <prefix><design>.cpu.pb.gz and .block.pb.gz and
// draws their flame graphs into its row.
absl::Status KeepDesignProfiles(const DesignProfiles& profiles, const std::string& prefix,
                                const std::string& workload, DesignResult* row) {
  const std::string base = absl::StrCat(prefix, absl::StrReplaceAll(row->design, {{"/", "_"}}));
  row->cpu_profile_path = base + ".cpu.pb.gz";
  absl::StatusOr<std::string> cpu_svg =
      KeepProfile(profiles.cpu, row->cpu_profile_path,
                  absl::StrFormat("%s, %s workload, CPU", row->design, workload), 0, "samples");
  if (!cpu_svg.ok()) return cpu_svg.status();
  row->cpu_flame_graph_svg = *std::move(cpu_svg);
  row->block_profile_path = base + ".block.pb.gz";
  absl::StatusOr<std::string> block_svg = KeepProfile(
      profiles.block, row->block_profile_path,
      absl::StrFormat("%s, %s workload, waiting (block profile, by delay)", row->design, workload),
      1, "ns waited");
  if (!block_svg.ok()) return block_svg.status();
  row->block_flame_graph_svg = *std::move(block_svg);
  return absl::OkStatus();
}

// One comparison of every case at `point`. With `profile_prefix`, each troupe design's
// CPU and block profiles are written to <profile_prefix><design>.cpu.pb.gz and
// .block.pb.gz and drawn in its row.
absl::StatusOr<std::vector<DesignResult>> CompareOnce(
    const Subject& subject, const std::vector<ComparisonCase>& cases, const Point& point,
    std::vector<tracing::TraceProcess>* traces, const std::string& profile_prefix,
    ProcessSpread* spread, ReportHeader* header) {
  absl::StatusOr<RuntimeOptions> resolved =
      ResolveRuntimeOptions({.procs = static_cast<int>(point.procs)});
  if (!resolved.ok()) return resolved.status();
  const int procs = resolved->procs;
  absl::StatusOr<DesignOptions> options = OptionsFor(subject, procs, point);
  if (!options.ok()) return options.status();
  const ErasedWorkload& reference = subject.workloads[0];
  *header = ReportHeader{};
  header->records = options->records;
  header->size = subject.record_bytes;
  header->procs = procs;
  header->parallelism = options->parallelism;
  header->capacity = options->capacity;
  header->rate = options->rate;
  header->workload = reference.name;
  header->description = reference.description;
  header->parameters = subject.parameters;
  header->burst = options->burst;
  for (const ComparisonCase& c : cases) header->designs.push_back(c.spec);
  header->notes = subject.notes;
  std::fprintf(stderr, "compare: %s\n", DescribeRun(*header).c_str());
  std::vector<DesignResult> results;
  // Each row carries the slower of the transfer probes just before and just after it:
  // a row measured while the machine's cores were far apart reads as such.
  const bool probing = absl::GetFlag(FLAGS_probe_cores);
  std::optional<CoreTransfer> probe = probing ? MeasureCoreTransfer() : std::nullopt;
  if (probe) {
    header->transfer_from_cpu = probe->from_cpu;
    header->transfer_to_cpu = probe->to_cpu;
  }
  auto finish_row = [&](DesignResult row, std::vector<DesignResult>* into) {
    const std::optional<CoreTransfer> after = probing ? MeasureCoreTransfer() : std::nullopt;
    if (probe && after) row.core_transfer_ns = std::max(probe->one_way_ns, after->one_way_ns);
    probe = after;
    std::fprintf(stderr, "  %-20s %-11s %10.0f records/s%s\n", row.design.c_str(),
                 row.runtime.c_str(), row.throughput_rps,
                 row.error.empty() ? "" : ("  ERROR: " + row.error).c_str());
    into->push_back(std::move(row));
  };
  finish_row(RunCeiling(procs, reference, *options), &results);
  if (HandoffApplies(reference)) finish_row(RunHandoffBound(procs, reference, *options), &results);
  const bool peers = !subject.peer_flags.empty();
  const std::string go_binary = peers ? absl::GetFlag(FLAGS_go_binary) : "";
  const std::string boost_fiber_binary = peers ? absl::GetFlag(FLAGS_boost_fiber_binary) : "";
  std::vector<DesignResult> spread_results, go_results, boost_fiber_results;
  for (const ComparisonCase& c : cases) {
    // A fresh runtime per design: no design inherits another's stacks or caches.
    absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = procs});
    if (!runtime.ok()) return runtime.status();
    if (traces != nullptr) (*runtime)->StartTrace();
    DesignProfilers profilers(RatesFor(!profile_prefix.empty()));
    if (absl::Status started = profilers.Start(); !started.ok()) return started;
    DesignResult row = RunDesign(c.spec, **runtime, subject.workloads[c.workload], *options);
    absl::StatusOr<DesignProfiles> profiles = profilers.Stop(c.spec.name);
    if (!profiles.ok()) return profiles.status();
    if (!profile_prefix.empty()) {
      if (absl::Status kept = KeepDesignProfiles(*profiles, profile_prefix, header->workload, &row);
          !kept.ok()) {
        return kept;
      }
    }
    finish_row(std::move(row), &results);
    if (spread != nullptr && spread->active()) {
      if (std::optional<DesignResult> twin = spread->Spread(c, subject, *options)) {
        finish_row(*std::move(twin), &spread_results);
      }
    }
    if (traces != nullptr) {
      traces->push_back({absl::StrCat(c.spec.name, " (troupe)"), (*runtime)->StopTrace(), {}});
    }
    if (!go_binary.empty()) {
      finish_row(RunPeer(go_binary, kGoRuntime, c.spec.name, procs, *options, subject.peer_flags),
                 &go_results);
    }
    // Boost.Fiber cannot hand a blocked thread's fibers to another thread: a blocking
    // call stalls its whole scheduler thread, so it has no blocking-wait variant.
    if (!boost_fiber_binary.empty() && !absl::EndsWith(c.spec.name, "/block")) {
      finish_row(RunPeer(boost_fiber_binary, kBoostFiberRuntime, c.spec.name, procs, *options,
                         subject.peer_flags),
                 &boost_fiber_results);
    }
  }
  results.insert(results.end(), spread_results.begin(), spread_results.end());
  results.insert(results.end(), go_results.begin(), go_results.end());
  results.insert(results.end(), boost_fiber_results.begin(), boost_fiber_results.end());
  // Every design must reproduce the ceiling's checksum.
  const uint64_t expected = results.front().checksum;
  for (DesignResult& r : results) {
    if (r.error.empty() && r.checksum != expected) {
      r.error = absl::StrFormat("checksum 0x%016x differs from 0x%016x", r.checksum, expected);
    }
  }
  return results;
}

// Every comparison to run, and the flags that shape them.
struct Plan {
  std::vector<Point> points;
  int repeat = 1;
  bool rate_sweep = false;
};

absl::StatusOr<Plan> PlanFromFlags() {
  Plan plan;
  absl::StatusOr<std::vector<int64_t>> procs =
      ParseList("sweep_procs", absl::GetFlag(FLAGS_sweep_procs), 1);
  if (!procs.ok()) return procs.status();
  absl::StatusOr<std::vector<int64_t>> capacity =
      ParseList("sweep_capacity", absl::GetFlag(FLAGS_sweep_capacity), 1);
  if (!capacity.ok()) return capacity.status();
  std::vector<double> rates{-1};
  if (const std::string sweep = absl::GetFlag(FLAGS_rate_sweep); !sweep.empty()) {
    absl::StatusOr<std::vector<double>> swept = ParseRateSweep(sweep);
    if (!swept.ok()) return swept.status();
    if (absl::GetFlag(FLAGS_rate) > 0 || absl::GetFlag(FLAGS_burst_period_us) > 0) {
      return absl::InvalidArgumentError(
          "--rate_sweep sets the rate: give no --rate or --burst_period_us with it");
    }
    rates = *swept;
    plan.rate_sweep = true;
  }
  plan.repeat = absl::GetFlag(FLAGS_repeat);
  const bool sweeping = !procs->empty() || !capacity->empty() || plan.rate_sweep;
  if (plan.repeat < 1 || (plan.repeat > 1 && sweeping)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--repeat must be at least 1, and above 1 only without --sweep_procs, "
        "--sweep_capacity and --rate_sweep; got ", plan.repeat));
  }
  if (procs->empty()) procs->push_back(absl::GetFlag(FLAGS_procs));
  if (capacity->empty()) capacity->push_back(0);
  for (int64_t p : *procs) {
    for (int64_t c : *capacity) {
      for (double rate : rates) {
        for (int run = 0; run < plan.repeat; ++run) plan.points.push_back({p, c, rate});
      }
    }
  }
  return plan;
}

// The subject's cases that --designs selects.
absl::StatusOr<std::vector<ComparisonCase>> SelectCases(const Subject& subject) {
  const std::string wanted = absl::GetFlag(FLAGS_designs);
  if (wanted.empty()) return subject.cases;
  std::vector<std::string> names;
  for (const ComparisonCase& c : subject.cases) names.push_back(c.spec.name);
  std::vector<ComparisonCase> cases;
  for (absl::string_view name : absl::StrSplit(wanted, ',', absl::SkipEmpty())) {
    auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("--designs: unknown design \"", name,
                                                     "\" for this workload; allowed: ",
                                                     absl::StrJoin(names, ", ")));
    }
    cases.push_back(subject.cases[static_cast<std::size_t>(found - names.begin())]);
  }
  return cases;
}

void WriteFile(const std::string& path, const std::string& contents, const char* what) {
  std::ofstream(path) << contents;
  std::fprintf(stderr, "compare: wrote %s%s\n", path.c_str(), what);
}

}  // namespace

absl::StatusOr<std::vector<double>> ParseRateSweep(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, ':');
  double from = 0, to = 0;
  int steps = 0;
  if (parts.size() != 3 || !absl::SimpleAtod(parts[0], &from) ||
      !absl::SimpleAtod(parts[1], &to) || !absl::SimpleAtoi(parts[2], &steps) || from <= 0 ||
      to <= from || steps < 2 || steps > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--rate_sweep must be FROM:TO:STEPS with 0 < FROM < TO records/s and STEPS in "
        "[2, 100]; got \"", text, "\""));
  }
  std::vector<double> rates;
  for (int i = 0; i < steps; ++i) rates.push_back(from + (to - from) * i / (steps - 1));
  return rates;
}

Subject SubjectOf(ErasedWorkload workload) {
  Subject subject;
  for (DesignSpec& spec : DesignsFor(workload)) subject.cases.push_back({std::move(spec), 0});
  subject.workloads.push_back(std::move(workload));
  return subject;
}

int RunComparison(int argc, char** argv, ErasedWorkload workload) {
  return RunComparison(argc, argv, [&workload]() -> absl::StatusOr<Subject> {
    if (absl::Status valid = ValidateWorkload(workload); !valid.ok()) return valid;
    return SubjectOf(std::move(workload));
  });
}

int RunComparison(int argc, char** argv, const SubjectFactory& make_subject,
                  ProcessSpread* spread) {
  absl::ParseCommandLine(argc, argv);
  auto fail = [](const absl::Status& status) {
    std::fprintf(stderr, "compare: %s\n", std::string(status.message()).c_str());
    return 2;
  };
  absl::StatusOr<Subject> subject = make_subject();
  if (!subject.ok()) return fail(subject.status());
  if (spread != nullptr) {
    absl::StatusOr<std::optional<int>> begun = spread->Begin(&*subject);
    if (!begun.ok()) return fail(begun.status());
    if (begun->has_value()) return **begun;  // a process holding part of the designs
  }
  if (subject->peer_flags.empty() &&
      (!absl::GetFlag(FLAGS_go_binary).empty() || !absl::GetFlag(FLAGS_boost_fiber_binary).empty())) {
    std::fprintf(stderr, "compare: the Go and Boost.Fiber programs run only the built-in "
                         "workloads; comparing troupe's designs alone\n");
  }
  absl::StatusOr<std::vector<ComparisonCase>> cases = SelectCases(*subject);
  if (!cases.ok()) return fail(cases.status());
  absl::StatusOr<Plan> plan = PlanFromFlags();
  if (!plan.ok()) return fail(plan.status());
  if (spread != nullptr && spread->active()) {
    absl::StatusOr<DesignOptions> options = OptionsFor(*subject, 1, plan->points[0]);
    if (!options.ok()) return fail(options.status());
    if (static_cast<int>(plan->points.size()) > plan->repeat || options->rate > 0) {
      return fail(absl::InvalidArgumentError(
          "--nodes > 1 runs closed loop at one setting: give no --rate, --burst_period_us, "
          "--duration, --rate_sweep, --sweep_procs or --sweep_capacity with it"));
    }
  }
  const std::string trace_path = absl::GetFlag(FLAGS_trace);
  const std::string profile_dir = absl::GetFlag(FLAGS_profile);
  if (!profile_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(profile_dir, error);
    if (error) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          "--profile must name a directory that can be created; ", profile_dir, ": ",
          error.message())));
    }
  }
  std::vector<tracing::TraceProcess> traces;
  const int steps = static_cast<int>(plan->points.size());
  const bool sweeping = steps > plan->repeat;
  bool failed = false;
  std::string html_body;
  std::vector<std::vector<DesignResult>> runs;
  std::vector<ReportHeader> headers;
  std::vector<std::string> run_verdicts_json;  // each run's own verdict (single runs only)
  for (int step = 1; step <= steps; ++step) {
    const Point& point = plan->points[step - 1];
    if (sweeping) {
      std::fprintf(stderr, "sweep %d/%d: procs=%" PRId64 " capacity=%" PRId64 "%s\n", step, steps,
                   point.procs, point.capacity,
                   point.rate >= 0 ? absl::StrFormat(" rate=%.0f", point.rate).c_str() : "");
    } else if (plan->repeat > 1) {
      std::fprintf(stderr, "run %d/%d\n", step, steps);
    }
    ReportHeader header;
    const std::string profile_prefix =
        profile_dir.empty() ? ""
                            : absl::StrFormat("%s/%s-%d-", profile_dir, subject->workloads[0].name, step);
    absl::StatusOr<std::vector<DesignResult>> results = CompareOnce(
        *subject, *cases, point, trace_path.empty() ? nullptr : &traces, profile_prefix, spread,
        &header);
    if (!results.ok()) return fail(results.status());
    for (const DesignResult& r : *results) failed |= !r.error.empty();
    std::string verdict_text;
    run_verdicts_json.emplace_back();
    if (plan->repeat == 1) {
      const Verdicts verdicts = Judge({*results});
      verdict_text = FormatVerdicts(verdicts, header.workload);
      run_verdicts_json.back() = VerdictsJson(verdicts);
    }
    if (spread != nullptr && spread->active()) verdict_text = spread->Report(*results) + verdict_text;
    std::fputs((FormatTable(header, *results) + verdict_text).c_str(), stdout);
    html_body += FormatHtmlSection(header, *results, verdict_text);
    runs.push_back(*std::move(results));
    headers.push_back(std::move(header));
  }
  // What spans the runs: the medians and verdict of repeats, the rate sweep's curves.
  std::vector<std::string> summary_json;
  std::string summary_html;
  if (plan->repeat > 1) {
    const Verdicts verdicts = Judge(runs);
    const std::string text =
        FormatRepeatSummary(runs) + FormatVerdicts(verdicts, headers[0].workload);
    std::fputs(text.c_str(), stdout);
    summary_html += "<h2>Summary and verdict</h2><pre>" + EscapeHtml(text) + "</pre>\n";
    summary_json.push_back(absl::StrCat("\"verdicts\": ", VerdictsJson(verdicts)));
  }
  if (plan->rate_sweep) {
    const std::vector<LoadCurve> curves = LoadCurves(runs);
    std::fputs(FormatLoadCurves(curves).c_str(), stdout);
    summary_html += FormatLoadCurvesHtml(curves);
    summary_json.push_back(absl::StrCat("\"rate_sweep\": ", LoadCurvesJson(curves)));
  }
  if (const std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    // One object per run; the last also carries what spans the runs, as "summary".
    std::vector<std::string> objects;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const bool last = i + 1 == runs.size();
      objects.push_back(FormatJson(
          headers[i], runs[i], run_verdicts_json[i],
          last && !summary_json.empty() ? "{" + absl::StrJoin(summary_json, ", ") + "}" : ""));
    }
    const std::string json =
        steps > 1 ? "[\n" + absl::StrJoin(objects, ",\n") + "]\n" : objects.front();
    if (path == "-") {
      std::fputs(json.c_str(), stdout);
    } else {
      WriteFile(path, json, "");
    }
  }
  if (const std::string path = absl::GetFlag(FLAGS_html); !path.empty()) {
    WriteFile(path, FormatHtmlDocument(summary_html + html_body), "");
  }
  if (!trace_path.empty()) {
    WriteFile(trace_path, tracing::TraceEventJson(traces),
              " (open it in chrome://tracing or ui.perfetto.dev)");
  }
  return failed ? 1 : 0;
}

}  // namespace troupe::benchmarks
