// Blocking: run a call that may block its OS thread (a blocking system call, a
// library that waits on a socket or a lock of its own) without stalling the fibers
// queued behind it — Go's entersyscall/exitsyscall.
//
//   ssize_t n = troupe::Blocking([&] { return ::read(fd, buffer, size); });
//
// While the call runs, the fiber's processor is left behind; if the call lasts more
// than about 20 us, the runtime's monitor hands the processor to another OS thread,
// which goes on running other fibers. When the call returns, the fiber continues on
// whatever processor is free (or waits in the global queue for one).
//
// Keep troupe waits (Mutex, channels, ...) out of `call`: it runs outside the
// scheduler. From a plain thread, Blocking just calls `call`.
#ifndef TROUPE_SCHEDULER_BLOCKING_H_
#define TROUPE_SCHEDULER_BLOCKING_H_

#include <type_traits>
#include <utility>

namespace troupe {

namespace scheduler_internal {
// Fiber context only (both are no-ops on a plain thread). Return whether the caller
// was a fiber, to be passed to EndBlockingCall.
bool BeginBlockingCall();
void EndBlockingCall(bool was_fiber);
}  // namespace scheduler_internal

template <typename Call>
decltype(auto) Blocking(Call&& call) {
  struct Scope {
    bool was_fiber = scheduler_internal::BeginBlockingCall();
    ~Scope() { scheduler_internal::EndBlockingCall(was_fiber); }
  } scope;
  return std::forward<Call>(call)();
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_BLOCKING_H_
