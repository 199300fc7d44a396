// ThreadParker: blocks an OS thread until another thread unparks it (a futex word).
// Used for idle machines (M) and for plain threads that wait on troupe primitives.
//
// Semantics are those of a binary semaphore: Unpark stores a permit, Park consumes it
// or sleeps until there is one. An Unpark before the Park is therefore never lost.
//
// Memory ordering: Unpark's store of the permit is a release and Park's consumption an
// acquire, so everything written before Unpark is visible after Park returns true.
//
// Under ThreadSanitizer the thread sleeps in a condition variable instead of a raw
// futex system call. TSan runs an asynchronous signal's handler at once only in a
// blocking call it intercepts; in one it does not know (a raw futex) the handler
// waits until the thread next enters TSan's runtime — for a parked thread, possibly
// never. The kernel gives a process-directed signal such as SIGTERM to the main
// thread first, which is usually parked in Runtime::Run, so with the futex a
// NotifyContext never heard of it (examples/remote_counter's host ignored SIGTERM
// under TSan only).
#ifndef TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_
#define TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_

#include <atomic>
#include <cstdint>

#if defined(__SANITIZE_THREAD__)
#include <condition_variable>
#include <mutex>
#endif

namespace troupe::scheduler_internal {

class ThreadParker {
 public:
  // Blocks until a permit is available or `deadline_ns` (CLOCK_MONOTONIC; 0 = none)
  // passes. Returns true if a permit was consumed. Only the owning thread calls it.
  bool Park(int64_t deadline_ns = 0);
  // Any thread.
  void Unpark();

 private:
#if defined(__SANITIZE_THREAD__)
  std::mutex mutex_;
  std::condition_variable permit_given_;
  bool permit_ = false;  // guarded by mutex_
#else
  std::atomic<uint32_t> permit_{0};
#endif
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_
