// ConditionVariable: waits for a condition guarded by a troupe::Mutex. Waiting parks
// a fiber (blocks a plain thread). As with every condition variable, wake-ups may be
// spurious: wait in a loop that re-checks the condition.
//
// Memory ordering: as for the Mutex; whatever the notifier wrote under the mutex is
// visible to the waiter once Wait has re-acquired it.
#ifndef TROUPE_SCHEDULER_CONDITION_VARIABLE_H_
#define TROUPE_SCHEDULER_CONDITION_VARIABLE_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"
#include "troupe/scheduler/mutex.h"

namespace troupe {

class ConditionVariable {
 public:
  ConditionVariable() = default;
  ConditionVariable(const ConditionVariable&) = delete;
  ConditionVariable& operator=(const ConditionVariable&) = delete;

  // Precondition: `mutex` is held by the caller. Releases it, parks until notified,
  // and re-acquires it before returning.
  void Wait(Mutex& mutex) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex);
  // As Wait, but gives up at `deadline`. Returns false if it timed out (the mutex is
  // re-acquired either way).
  bool WaitUntil(Mutex& mutex, absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex);
  // As Wait, but returns `context`'s Err() if it is done first (the mutex is
  // re-acquired either way).
  absl::Status Wait(Mutex& mutex, const Context& context) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex);

  // Any fiber or thread, with or without the mutex held.
  void NotifyOne();
  void NotifyAll();

 private:
  scheduler_internal::SpinLock waiters_lock_;
  scheduler_internal::WaitQueue waiters_ ABSL_GUARDED_BY(waiters_lock_);
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_CONDITION_VARIABLE_H_
