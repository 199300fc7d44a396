// ThreadParker: blocks an OS thread until another thread unparks it (a futex word).
// Used for idle machines (M) and for plain threads that wait on troupe primitives.
//
// Semantics are those of a binary semaphore: Unpark stores a permit, Park consumes it
// or sleeps until there is one. An Unpark before the Park is therefore never lost.
//
// Memory ordering: Unpark's store of the permit is a release and Park's consumption an
// acquire, so everything written before Unpark is visible after Park returns true.
#ifndef TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_
#define TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_

#include <atomic>
#include <cstdint>

namespace troupe::scheduler_internal {

class ThreadParker {
 public:
  // Blocks until a permit is available or `deadline_ns` (CLOCK_MONOTONIC; 0 = none)
  // passes. Returns true if a permit was consumed. Only the owning thread calls it.
  bool Park(int64_t deadline_ns = 0);
  // Any thread.
  void Unpark();

 private:
  std::atomic<uint32_t> permit_{0};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_THREAD_PARKER_H_
