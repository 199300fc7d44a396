#include "troupe/scheduler/join_handle.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_queue.h"
#include "troupe/scheduler/internal/scheduler.h"

namespace troupe {

using scheduler_internal::BeginWait;
using scheduler_internal::CommitWait;
using scheduler_internal::CurrentWaiter;
using scheduler_internal::Fiber;
using scheduler_internal::Scheduler;
using scheduler_internal::Wake;
using scheduler_internal::WakeReason;

JoinHandle::JoinHandle(Fiber* fiber) : fiber_(fiber), id_(fiber->id.load(std::memory_order_relaxed)) {}

JoinHandle& JoinHandle::operator=(JoinHandle&& other) noexcept {
  if (this != &other) {
    if (fiber_ != nullptr) Scheduler::ReleaseFiber(fiber_);
    fiber_ = other.fiber_;
    id_ = other.id_;
    other.fiber_ = nullptr;
  }
  return *this;
}

JoinHandle::~JoinHandle() {
  if (fiber_ != nullptr) Scheduler::ReleaseFiber(fiber_);
}

absl::Status JoinHandle::Join() { return JoinWithin(nullptr); }

absl::Status JoinHandle::Join(const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  return JoinWithin(context.state().get());
}

absl::Status JoinHandle::JoinWithin(scheduler_internal::ContextState* context) {
  if (fiber_ == nullptr) {
    return absl::FailedPreconditionError("JoinHandle::Join: the handle is empty");
  }
  Fiber* self = CurrentWaiter();
  if (self == fiber_) {
    return absl::FailedPreconditionError(
        absl::StrCat("JoinHandle::Join: fiber ", id_, " cannot join itself"));
  }
  // acquire: pairs with the exiting fiber's exchange; makes `failure` visible.
  if (fiber_->joiner.load(std::memory_order_acquire) != scheduler_internal::kJoinDone) {
    scheduler_internal::WaitNode context_node;
    context_node.fiber = self;
    context_node.token = BeginWait(self, "join");
    fiber_->joiner_token = context_node.token;
    Fiber* expected = nullptr;
    // acq_rel: release publishes joiner_token to the exiting fiber; acquire (also on
    // failure) makes the finished fiber's `failure` visible.
    if (!fiber_->joiner.compare_exchange_strong(expected, self, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      Wake(self, context_node.token, WakeReason::kSignaled);  // finished meanwhile
    }
    const int64_t deadline_ns =
        scheduler_internal::JoinContextWait(context, &context_node, /*deadline_ns=*/0);
    const WakeReason reason = CommitWait(self, context_node.token, deadline_ns);
    scheduler_internal::LeaveContextWait(context, &context_node);
    if (reason != WakeReason::kSignaled) {
      // Withdraw as joiner. If the fiber finished meanwhile, its wake found our wait
      // over and did nothing: the join simply succeeded.
      expected = self;
      if (fiber_->joiner.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel,
                                                 std::memory_order_acquire)) {
        return scheduler_internal::WaitOutcome(context, reason);
      }
    }
  }
  absl::Status failure = fiber_->failure;
  Scheduler::ReleaseFiber(fiber_);
  fiber_ = nullptr;
  if (failure.ok()) return failure;
  return absl::Status(failure.code(), absl::StrCat("fiber ", id_, " failed: ", failure.message()));
}

}  // namespace troupe
