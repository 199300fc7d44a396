#include "scheduler/join_handle.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "scheduler/internal/fiber.h"
#include "scheduler/internal/scheduler.h"

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

absl::Status JoinHandle::Join() {
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
    const uint64_t token = BeginWait(self, "join");
    fiber_->joiner_token = token;
    Fiber* expected = nullptr;
    // acq_rel: release publishes joiner_token to the exiting fiber; acquire (also on
    // failure) makes the finished fiber's `failure` visible.
    if (!fiber_->joiner.compare_exchange_strong(expected, self, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
      Wake(self, token, WakeReason::kSignaled);  // finished meanwhile: end our own wait
    }
    CommitWait(self, token, /*deadline_ns=*/0);
  }
  std::string failure = fiber_->failure;
  Scheduler::ReleaseFiber(fiber_);
  fiber_ = nullptr;
  if (failure.empty()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat("fiber ", id_, " failed: ", failure));
}

}  // namespace troupe
