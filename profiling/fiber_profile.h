// The fiber profile (Go's goroutine profile): every live fiber of a runtime, grouped
// by stack and labels, as a pprof profile with sample type {"fibers", "count"}.
//
// Each fiber's entry carries the labels "state" (waiting, runnable, running, ...),
// "wait_reason" for a parked fiber ("channel receive", "mutex", ...: what the fiber
// dump shows) and the fiber's own labels (labels.h). Parked fibers have their stack,
// read from the registers saved when they switched away (innermost: the switch and
// the scheduler's park, then the wait, then the caller). Fibers that are not parked
// show a pseudo-frame instead ("[running]", "[runnable]"): C++ cannot stop them to
// read their stacks, as Go stops the world. So does a parked fiber without a stack
// (an idle actor parked at the top of its loop: "[parked at top]") and one that woke
// while its stack was read ("[woke while sampled]").
//
// Taken without stopping the world: a snapshot like Runtime::DumpFibers.
#ifndef TROUPE_PROFILING_FIBER_PROFILE_H_
#define TROUPE_PROFILING_FIBER_PROFILE_H_

#include "troupe/profiling/profile.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::profiling {

// Any thread; never blocks (reads each fiber's record without locks).
Profile FiberProfile(Runtime& runtime);

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_FIBER_PROFILE_H_
