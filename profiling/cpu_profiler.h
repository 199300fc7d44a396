// The CPU profiler: where the process spends CPU time, sampled, as a pprof profile
// whose samples carry the running fiber's stack and its labels (labels.h: the fiber's
// name, the actor, the pipeline stage). Go's runtime/pprof StartCPUProfile, for
// fibers.
//
//   ASSIGN_OR_RETURN(troupe::profiling::Profile profile,
//                    troupe::profiling::ProfileCpuFor(absl::Seconds(5)));
//   ASSIGN_OR_RETURN(std::string pprof, troupe::profiling::EncodePprof(profile));
//
// How: each thread has a timer on its own CPU-time clock that delivers SIGPROF to it
// after each period of its CPU time (so busy threads are sampled, idle ones not, and
// samples add up to the CPU time spent: the profile's comments say how much that was).
// The handler records the interrupted pc, the frame-pointer chain of the fiber's
// stack and the fiber's labels into a preallocated ring of slots, without locks or
// allocation; a collector thread drains the ring into counts every 50 ms. A full ring
// drops the sample and counts it (the profile's comments say how many).
//
// Costs: while stopped, nothing. While running, one signal per sampling period of
// CPU time per thread (default 100 Hz: BENCHMARKS.md measures the overhead on the
// pattern comparison), the collector's wake-ups (each lists /proc/self/task for new
// threads), and ~2 MiB for the ring.
//
// Caveats. One profile at a time per process (as in Go). A thread started during a
// profile is covered from the collector's next pass (within 50 ms). Stacks outside a fiber (the scheduler's own loop,
// plain threads) have their innermost frame only. Installs a SIGPROF handler for
// the rest of the process's life on first use; SIGPROF interrupts system calls
// (troupe's retry on EINTR; so must the program's own).
#ifndef TROUPE_PROFILING_CPU_PROFILER_H_
#define TROUPE_PROFILING_CPU_PROFILER_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/context.h"

namespace troupe::profiling {

struct CpuProfileOptions {
  static constexpr int kDefaultHz = 100;
  static constexpr int kMaxHz = 1000;
  // Samples per second of CPU time. Allowed: [1, kMaxHz].
  int hz = kDefaultHz;
};

// Any thread. Starts sampling. InvalidArgument for a bad rate; FailedPrecondition if
// a CPU profile is already running; Internal if the timer cannot be set.
[[nodiscard]] absl::Status StartCpuProfile(CpuProfileOptions options = {});

// Any thread. Stops sampling and returns the profile: sample types
// {"samples", "count"} and {"cpu", "nanoseconds"}, each sample's stack and labels.
// FailedPrecondition if no CPU profile is running. Blocks the calling thread until
// in-flight signal handlers have finished (microseconds) and the collector has
// stopped.
[[nodiscard]] absl::StatusOr<Profile> StopCpuProfile();

bool CpuProfileRunning();

// Fiber context or plain thread: starts a profile, sleeps for `duration` (parks the
// calling fiber), and returns the profile. If `context` is done first, stops early
// and returns its error (the profile is discarded). FailedPrecondition as Start.
[[nodiscard]] absl::StatusOr<Profile> ProfileCpuFor(absl::Duration duration,
                                                    CpuProfileOptions options = {},
                                                    const Context& context = Context::Background());

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_CPU_PROFILER_H_
