// The block profile: where fibers (and plain threads) wait on troupe's primitives,
// and for how long — channels and select, mutexes, condition variables, semaphores,
// wait groups, joins, contexts, bounded mailboxes (senders waiting for room) and
// asks (their reply's channel receive) — each event at the stack where it waited,
// labelled with its wait reason and the fiber's labels (labels.h). Go's
// runtime.SetBlockProfileRate and pprof.Lookup("block"), for fibers.
//
//   troupe::profiling::SetBlockProfileRate(10'000).IgnoreError();  // 10 µs
//   ... run the workload ...
//   troupe::profiling::Profile blocking = troupe::profiling::BlockProfile();
//   go tool pprof -top -sample_index=delay block.pb.gz
//
// Sampling, as Go: with rate R ns, a wait of d ns is recorded with probability
// min(1, d/R), and a recorded wait shorter than R counts as R/d waits of R ns in
// total, so that the profile's totals estimate the true ones without bias. R = 1
// records every wait. Sample types {"contentions", "count"} and {"delay",
// "nanoseconds"}, as Go's block profile.
//
// Not counted (as in Go): sleeps, socket waits (the netpoller's), and an idle
// actor waiting for mail without a stack — waiting for time or for the network is
// not contention.
//
// Costs. Off (the default): one relaxed atomic load and a store per wait. On: two
// clock reads per wait, and for each recorded wait a walk of the fiber's stack by
// frame pointers and a hash-table update under a lock (BENCHMARKS.md measures it on
// the pattern comparison). The counts accumulate for the life of the process, as
// Go's do; ProfileBlockingFor and BlockProfileInterval give an interval's.
#ifndef TROUPE_PROFILING_BLOCK_PROFILE_H_
#define TROUPE_PROFILING_BLOCK_PROFILE_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/context.h"

namespace troupe::profiling {

// A rate that records most waits that matter at a measured cost (BENCHMARKS.md).
inline constexpr int64_t kSuggestedBlockProfileRateNs = 10'000;

// Any thread. Sets the sampling rate in nanoseconds of waiting (0 turns the block
// profile off; what it recorded stays). InvalidArgument if `rate_ns` is negative.
[[nodiscard]] absl::Status SetBlockProfileRate(int64_t rate_ns);
int64_t BlockProfileRate();

// Any thread; never parks. What the block profile recorded since the process
// started (while a rate was set).
Profile BlockProfile();

// Fiber context or plain thread: what it records over `duration` (parks the calling
// fiber meanwhile). FailedPrecondition if the block profile is off (the interval's
// profile would be empty); `context`'s error if it is done first.
[[nodiscard]] absl::StatusOr<Profile> ProfileBlockingFor(
    absl::Duration duration, const Context& context = Context::Background());

// What the block profile records from this object's construction on: the part of a
// run between two points of the caller's (one design of the pattern comparison),
// as `go tool pprof -base` would show it, without parking anyone meanwhile.
//
//   troupe::profiling::BlockProfileInterval interval;
//   RunTheWorkload();
//   troupe::profiling::Profile workload = interval.Collect();
class BlockProfileInterval {
 public:
  BlockProfileInterval();  // any thread; never parks
  ~BlockProfileInterval();
  BlockProfileInterval(BlockProfileInterval&&) noexcept;
  BlockProfileInterval& operator=(BlockProfileInterval&&) noexcept;

  // Any thread; never parks. What was recorded between construction and now
  // (stacks whose waits did not grow left out), with its time and duration.
  Profile Collect() const;

 private:
  struct Start;  // the counts and the time at construction
  std::unique_ptr<const Start> start_;
};

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_BLOCK_PROFILE_H_
