// The measuring side of the scale benchmark (scale.cc for troupe,
// benchmarks/peers/caf/savina/scale.cpp for CAF; the Go twin is
// benchmarks/peers/go/savina/scale): how many bytes each of `count` idle actors or
// parked fibers holds, as the growth of the process's resident set divided by the
// count, and how fast they are created and each run once.
//
// The measurement runs in a child process, so that a runtime that aborts at a
// resource limit (troupe did, at about 524k fibers with vm.max_map_count=1048576,
// until a fiber without a stack finished with ResourceExhausted; Go still stops the
// process when it cannot grow its heap) is reported by the parent with how far it
// got, instead of ending the program with a crash.
//
// Result line (the format of the other peer programs, plus the memory):
//   name=IdleActors items=1000000 seconds=1.69 items_per_second=5.917e5 bytes_per_item=1217
// or, when the child died (exit status 3):
//   name=IdleActors items=1000000 status=died created=1000000 ran=524100 reason="signal 6 (Aborted)"
// or, when it stopped because no more ran (exit status 3; see ReportStalled):
//   name=ParkedFibers items=1000000 status=stalled created=1000000 ran=523338 reason="..."
#ifndef TROUPE_BENCHMARKS_SAVINA_SCALE_HARNESS_H_
#define TROUPE_BENCHMARKS_SAVINA_SCALE_HARNESS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"

namespace troupe::savina {

struct ScaleConfig {
  int64_t count = 1'000'000;  // --count: actors or fibers alive at once
  int procs = 2;              // --procs: worker threads
};

// After absl::ParseCommandLine: --count and --procs; on a bad value prints what is
// allowed and exits with status 2.
ScaleConfig ScaleConfigFromFlagsOrExit(const char* program);

// The process's resident set, in bytes (/proc/self/statm).
int64_t ResidentBytes();

// How far a measurement got, shared with the parent, which reports it if the child
// dies. The measurement updates it as it goes (relaxed stores: the parent reads
// after the child's death), `ran` at least every few thousand creations and while
// it waits for the last ones to run.
struct ScaleProgress {
  std::atomic<int64_t> created{0};  // spawned
  std::atomic<int64_t> ran{0};      // ran once
};

// The exit status of a measurement that reported that it could not finish.
inline constexpr int kUnfinished = 3;

// Plain thread, before any other thread was started. Runs `measure` in a child
// process; `measure` creates `count` actors or fibers, each run once, keeps them
// alive, prints its result line with ReportScale and ends the child with
// EndChild(0) (or EndChild(ReportStalled(...)), or prints an error and ends it with
// status 1). Returns the child's status, or, if the child died, prints a
// `status=died` line naming `name`, how far it got and the cause, and returns
// kUnfinished.
int MeasureInChild(const char* name, int64_t count,
                   absl::FunctionRef<int(ScaleProgress& progress)> measure);

// In MeasureInChild's child: flushes the result and ends the process with `status`
// at once, with every actor and fiber still alive and the runtime still running.
// Tearing a million of them down is not what is measured, takes long (a runtime
// unwinds every parked fiber) and would use what they wait on after it is gone.
[[noreturn]] void EndChild(int status);

// Prints the `status=stalled` line of a measurement that stopped because no more
// actors or fibers ran, with `reason`; returns kUnfinished.
int ReportStalled(const char* name, int64_t count, const ScaleProgress& progress,
                  const std::string& reason);

// Prints the result line of a measurement that created `count` in `elapsed` and
// grew the resident set by `resident_growth` bytes.
void ReportScale(const char* name, int64_t count, std::chrono::steady_clock::duration elapsed,
                 int64_t resident_growth);

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_SCALE_HARNESS_H_
