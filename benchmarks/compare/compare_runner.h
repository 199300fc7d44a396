// The pattern comparison's driver: the command-line flags every comparison binary
// shares (compare.cc lists them), the runs they ask for (repeats, sweeps of procs,
// capacity and offered rate, a long --duration), the peers (Go, Boost.Fiber) run
// beside troupe's designs, and the report (table, verdict, JSON, HTML, trace).
#ifndef TROUPE_BENCHMARKS_COMPARE_RUNNER_H_
#define TROUPE_BENCHMARKS_COMPARE_RUNNER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/status/status.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/benchmarks/compare/erased_workload.h"

namespace troupe::benchmarks {

// One row of troupe's: a design run on one of the subject's workloads.
struct ComparisonCase {
  DesignSpec spec;
  int workload = 0;  // index into Subject::workloads
};

// What a comparison runs.
struct Subject {
  // [0] is also what the references (ceiling, handoff bound) run; further entries are
  // variants of it for some cases (the io preset's blocking waits).
  std::vector<ErasedWorkload> workloads;
  std::vector<ComparisonCase> cases;
  // The workload's own parameters as the peer programs' flags ("-size=256 ..."); empty
  // if the peers cannot run it (a user's workload).
  std::string peer_flags;
  std::string parameters;  // those parameters for the report's header
  std::size_t record_bytes = 0;  // the synthetic records' payload size (0: not known)
  std::vector<std::string> notes;  // printed under the table
  // Defaults of the generic flags when they are not given (0: none).
  int default_parallelism = 0;  // 0: procs
  double default_rate = 0;
  int64_t default_burst = 0;
};

// Called once the flags are parsed.
using SubjectFactory = std::function<absl::StatusOr<Subject>()>;

// troupe's designs spread over processes, each run beside its local twin
// (--nodes; node_comparison.h is the comparison binary's). RunComparison calls
// Begin once the flags are parsed and the subject made, then, if active(), Spread
// after each local troupe row and Report under each table.
class ProcessSpread {
 public:
  virtual ~ProcessSpread() = default;
  // May change the subject's defaults (fewer records) and refuse what it cannot
  // spread (InvalidArgument saying what is allowed). In a process started to hold a
  // part of the designs it serves until the coordinator ends and returns the
  // process's exit status; nullopt in the coordinator.
  virtual absl::StatusOr<std::optional<int>> Begin(Subject* subject) = 0;
  virtual bool active() const = 0;
  // The case's design spread over the processes, on `options` (closed loop); nullopt
  // if it has no spread twin. Plain thread.
  virtual std::optional<DesignResult> Spread(const ComparisonCase& c, const Subject& subject,
                                             const DesignOptions& options) = 0;
  // Text for under the table: what crossing processes cost each design.
  virtual std::string Report(const std::vector<DesignResult>& results) const = 0;
};

// The cases of a workload: DesignsFor(workload), all on workload 0.
Subject SubjectOf(ErasedWorkload workload);

// Parses the flags, runs the comparison, writes the report; returns the exit status
// (0; 1 if a design failed or a checksum differed; 2 for bad flags or workload).
// With `spread`, also each design spread over processes when it is active().
int RunComparison(int argc, char** argv, const SubjectFactory& make_subject,
                  ProcessSpread* spread = nullptr);
// The same for one user's workload (workload.h's CompareMain): its designs follow
// from its shape (SubjectOf); an invalid workload exits 2 with what is wrong.
int RunComparison(int argc, char** argv, ErasedWorkload workload);

// "FROM:TO:STEPS" -> STEPS rates evenly spaced from FROM to TO; InvalidArgument
// saying what is allowed otherwise.
absl::StatusOr<std::vector<double>> ParseRateSweep(const std::string& text);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_RUNNER_H_
