// ContextState: see context_state.h for the invariants.
#include "troupe/scheduler/internal/context_state.h"

#include <algorithm>

#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::scheduler_internal {

namespace {

int64_t ToDeadlineNs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return 0;
  const int64_t ns = ToMonotonicDeadline(deadline);
  return ns == kDeadlinePassed ? MonotonicNanos() : ns;
}

}  // namespace

ContextState::ContextState(std::shared_ptr<ContextState> parent, absl::Time deadline,
                           const void* value_key, std::shared_ptr<const void> value,
                           const TraceContext* trace)
    : parent_(std::move(parent)),
      deadline_(parent_ != nullptr ? std::min(deadline, parent_->deadline_) : deadline),
      deadline_ns_(deadline_ == absl::InfiniteFuture()
                       ? 0
                       : (parent_ != nullptr && parent_->deadline_ == deadline_
                              ? parent_->deadline_ns_
                              : ToDeadlineNs(deadline_))),
      value_key_(value_key),
      value_(std::move(value)),
      trace_(trace != nullptr ? *trace
                              : (parent_ != nullptr ? parent_->trace_ : TraceContext())),
      traced_(trace_.valid()) {
  AttachToParent();
}

ContextState::~ContextState() {
  if (parent_ != nullptr) parent_->DetachChild(this);
}

void ContextState::AttachToParent() {
  if (parent_ == nullptr) return;
  absl::Status parent_error;
  {
    SpinLockHolder holder(parent_->lock_);
    if (parent_->cancelled_.load(std::memory_order_relaxed)) {
      parent_error = parent_->err_;
    } else {
      parent_->children_.push_back(this);
      attached_ = true;
    }
  }
  if (!parent_error.ok()) Cancel(parent_error);
}

void ContextState::DetachChild(ContextState* child) {
  SpinLockHolder holder(lock_);
  if (!child->attached_) return;
  child->attached_ = false;
  children_.erase(std::find(children_.begin(), children_.end(), child));
}

absl::Status ContextState::Err() {
  // acquire; pairs with the release store in Cancel.
  if (!cancelled_.load(std::memory_order_acquire)) {
    if (deadline_ns_ == 0 || MonotonicNanos() < deadline_ns_) return absl::OkStatus();
    Cancel(absl::DeadlineExceededError("context deadline exceeded"));
  }
  SpinLockHolder holder(lock_);
  return err_;
}

void ContextState::Cancel(absl::Status cause) {
  std::vector<Fiber*> to_wake;
  {
    SpinLockHolder holder(lock_);
    if (cancelled_.load(std::memory_order_relaxed)) return;
    err_ = cause;
    cancelled_.store(true, std::memory_order_release);  // pairs with Err's acquire
    while (WaitNode* node = waiters_.PopClaimed()) {
      node->outcome = 1;  // fired (a select looks for it)
      to_wake.push_back(node->fiber);
    }
    // Children are cancelled under our lock (lock order parent -> child), so none can
    // finish destroying itself meanwhile: its destructor needs our lock to detach.
    for (ContextState* child : children_) {
      child->attached_ = false;
      child->Cancel(cause);
    }
    children_.clear();
  }
  for (Fiber* fiber : to_wake) FinishWake(fiber, WakeReason::kCancelled);
}

const void* ContextState::FindValue(const void* key) const {
  for (const ContextState* state = this; state != nullptr; state = state->parent_.get()) {
    if (state->value_key_ == key) return state->value_.get();
  }
  return nullptr;
}

bool ContextState::AddWaiter(WaitNode* node) {
  SpinLockHolder holder(lock_);
  if (cancelled_.load(std::memory_order_relaxed)) return false;
  waiters_.PushBack(node);
  return true;
}

void ContextState::RemoveWaiter(WaitNode* node) {
  SpinLockHolder holder(lock_);
  waiters_.Remove(node);
}

int64_t JoinContextWait(ContextState* context, WaitNode* context_node, int64_t deadline_ns) {
  if (context == nullptr) return deadline_ns;
  if (!context->AddWaiter(context_node)) {
    // Done already: end the wait ourselves, unless something else ended it first.
    if (ClaimWait(context_node->fiber, context_node->token)) {
      FinishWake(context_node->fiber, WakeReason::kCancelled);
    }
  }
  const int64_t context_deadline = context->deadline_ns();
  if (context_deadline == 0) return deadline_ns;
  if (deadline_ns == 0) return context_deadline;
  return std::min(deadline_ns, context_deadline);
}

void LeaveContextWait(ContextState* context, WaitNode* context_node) {
  if (context != nullptr) context->RemoveWaiter(context_node);
}

WakeReason WaitForContext(ContextState* context, const char* reason) {
  WaitNode node;
  node.fiber = CurrentWaiter();
  node.token = BeginWait(node.fiber, reason);
  const int64_t deadline_ns = JoinContextWait(context, &node, /*deadline_ns=*/0);
  const WakeReason woken = CommitWait(node.fiber, node.token, deadline_ns);
  LeaveContextWait(context, &node);
  return woken;
}

absl::Status WaitOutcome(ContextState* context, WakeReason reason) {
  if (reason == WakeReason::kSignaled) return absl::OkStatus();
  if (reason == WakeReason::kShutdown) {
    return absl::CancelledError("the runtime is shutting down");
  }
  if (context != nullptr) {
    absl::Status error = context->Err();
    if (!error.ok()) return error;
  }
  return absl::DeadlineExceededError("deadline exceeded");
}

}  // namespace troupe::scheduler_internal
