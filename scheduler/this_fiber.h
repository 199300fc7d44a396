// this_fiber: operations on the calling fiber. Each also works on a plain thread,
// where it acts on the thread (Yield yields the thread, sleeps block it).
#ifndef TROUPE_SCHEDULER_THIS_FIBER_H_
#define TROUPE_SCHEDULER_THIS_FIBER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"

namespace troupe::this_fiber {

// Lets every other runnable fiber on this processor run once before the caller
// continues. Returns at once when nothing else is runnable.
void Yield();

// Parks the calling fiber (blocks a plain thread) for at least `duration` / until
// `deadline`. A non-positive duration or a past deadline returns at once, and so does
// a sleep while the runtime is being destroyed.
void SleepFor(absl::Duration duration);
void SleepUntil(absl::Time deadline);
// As above, but returns early with `context`'s Err() if it is done first
// (Cancelled if the runtime is being destroyed); OK after a full sleep.
absl::Status SleepFor(absl::Duration duration, const Context& context);
absl::Status SleepUntil(absl::Time deadline, const Context& context);

// The calling fiber's id, unique within the process; 0 on a plain thread.
uint64_t Id();
bool InFiber();

}  // namespace troupe::this_fiber

#endif  // TROUPE_SCHEDULER_THIS_FIBER_H_
