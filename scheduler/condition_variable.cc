// ConditionVariable: the waiter queues itself under the condition variable's own lock
// before releasing the mutex, so a notifier that changes the condition under the
// mutex afterwards always finds it queued: no wake-up is lost between the unlock and
// the park.
#include "troupe/scheduler/condition_variable.h"

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe {

using scheduler_internal::kDeadlinePassed;
using scheduler_internal::WakeReason;

void ConditionVariable::Wait(Mutex& mutex) {
  const bool notified = WaitUntil(mutex, absl::InfiniteFuture());
  (void)notified;  // always true without a deadline
}

bool ConditionVariable::WaitUntil(Mutex& mutex, absl::Time deadline) {
  const int64_t deadline_ns = scheduler_internal::ToMonotonicDeadline(deadline);
  if (deadline_ns == kDeadlinePassed) return false;
  waiters_lock_.Lock();
  const WakeReason result =
      waiters_.Wait(waiters_lock_, "condition variable", deadline_ns, nullptr, [&mutex] {
        mutex.Unlock();  // after queuing: a notifier from now on finds us
      });
  mutex.Lock();
  return result == WakeReason::kSignaled;
}

absl::Status ConditionVariable::Wait(Mutex& mutex, const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  waiters_lock_.Lock();
  const WakeReason reason =
      waiters_.Wait(waiters_lock_, "condition variable", scheduler_internal::kNoDeadline,
                    context.state().get(), [&mutex] { mutex.Unlock(); });
  mutex.Lock();
  return scheduler_internal::WaitOutcome(context.state().get(), reason);
}

void ConditionVariable::NotifyOne() { waiters_.WakeOne(waiters_lock_); }

void ConditionVariable::NotifyAll() { waiters_.WakeAll(waiters_lock_); }

}  // namespace troupe
