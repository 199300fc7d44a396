// Wait profiling: how the block and mutex profiles (//profiling) observe waits
// without the scheduler knowing about profiles.
//
// Every wait of a fiber or a plain thread goes through BeginWait and CommitWait
// (wait_protocol.h), so that is where waits are timed, once for every primitive:
//   1. BeginWait reads `wait_profiling_on` (one relaxed load) and, if a profile is
//      on, stamps the waiter's Fiber::wait_started_ns with the full clock and sets
//      Fiber::wait_profiled (else the stamp is the coarse clock's, for dumps).
//   2. CommitWait, when the wait ends and the wait was profiled, calls the
//      wait-ended hook with the wait's reason, its start and end, and its own frame,
//      so the hook can walk the waiter's stack from CommitWait's caller outwards.
//   3. A contended Mutex::Unlock learns from WaitQueue::WakeOne when the waiter it
//      woke began a profiled wait and, if it did, calls the contended-unlock hook
//      with its own frame: the delay is charged to the unlocker (Go's mutex
//      profile), whose stack the hook walks.
// The hooks decide whether to sample and record (they must not wait on troupe
// primitives themselves). When both profiles are off, a park costs one relaxed
// load and a plain store more, a wake nothing, a contended unlock one plain load
// (the coarse clock read of step 1 is the dumps', paid with or without profiles).
#ifndef TROUPE_SCHEDULER_INTERNAL_WAIT_PROFILING_H_
#define TROUPE_SCHEDULER_INTERNAL_WAIT_PROFILING_H_

#include <cstdint>

namespace troupe::scheduler_internal {

struct Fiber;

// Called on the waiter (fiber or plain thread) when its wait ends. `frame` is the
// frame address of CommitWait: its return address is in the function that waited.
using WaitEndedHook = void (*)(Fiber* self, const char* reason, int64_t started_ns,
                               int64_t ended_ns, const void* frame);
// Called on the unlocking fiber or thread by a Mutex::Unlock that woke a waiter who
// had waited since `waiter_started_ns`. `frame` is Unlock's frame address.
using ContendedUnlockHook = void (*)(int64_t waiter_started_ns, int64_t now_ns,
                                     const void* frame);

// Any thread. Installs a hook, or removes it (null). While either is installed,
// waits are timed (step 1 above).
void SetWaitEndedHook(WaitEndedHook hook);
void SetContendedUnlockHook(ContendedUnlockHook hook);

// For BeginWait: whether a hook is installed.
bool WaitProfilingOn();
// For CommitWait (`self`'s wait was profiled): calls the wait-ended hook.
void ReportWaitEnded(Fiber* self, const char* reason, const void* frame);
// For Mutex::Unlock (`waiter_started_ns` is not 0): calls the contended-unlock hook.
void ReportContendedUnlock(int64_t waiter_started_ns, const void* frame);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAIT_PROFILING_H_
