// The mutex profile: contention on troupe::Mutex, charged to the stack of the fiber
// (or thread) that held the mutex and made the others wait — the caller of its
// Unlock — rather than to the waiters' stacks (the block profile has those). Go's
// runtime.SetMutexProfileFraction and pprof.Lookup("mutex"), for fibers.
//
//   troupe::profiling::SetMutexProfileFraction(10).IgnoreError();
//   go tool pprof -top -sample_index=delay mutex.pb.gz
//
// What is charged: when an Unlock wakes a waiter, the time that waiter had been
// parked in its current wait, at the unlocker's stack, labelled with the
// unlocker's labels (labels.h). With fraction F, one such event in F (at random)
// is recorded, counted as F events of F times its delay.
//
// Costs. Off (the default): nothing on an uncontended Lock or Unlock; a Lock that
// parks pays the wait protocol's one relaxed load, an Unlock that wakes a waiter
// one plain load. On: two clock reads per wait of any primitive (the wait protocol
// times every wait while a block or mutex profile is on) and, per recorded event, a
// stack walk and a hash-table update under a lock (BENCHMARKS.md measures it).
// Counts accumulate for the life of the process; ProfileMutexFor gives an
// interval's.
#ifndef TROUPE_PROFILING_MUTEX_PROFILE_H_
#define TROUPE_PROFILING_MUTEX_PROFILE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/context.h"

namespace troupe::profiling {

inline constexpr int kSuggestedMutexProfileFraction = 10;

// Any thread. Records one contention event in `fraction` (1: all; 0 turns the
// mutex profile off; what it recorded stays). InvalidArgument if negative.
[[nodiscard]] absl::Status SetMutexProfileFraction(int fraction);
int MutexProfileFraction();

// Any thread; never parks. What the mutex profile recorded since the process
// started (while a fraction was set).
Profile MutexProfile();

// Fiber context or plain thread: what it records over `duration` (parks the calling
// fiber meanwhile). FailedPrecondition if the mutex profile is off; `context`'s
// error if it is done first.
[[nodiscard]] absl::StatusOr<Profile> ProfileMutexFor(
    absl::Duration duration, const Context& context = Context::Background());

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_MUTEX_PROFILE_H_
