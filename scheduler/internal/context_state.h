// ContextState: the shared state behind a troupe::Context.
//
// Invariants:
//  1. `cancelled_` goes from false to true once, under `lock_`, together with `err_`;
//     after that `err_` never changes.
//  2. A context is in its parent's `children_` from creation until it is cancelled or
//     destroyed, whichever comes first; a parent's cancellation cancels every child
//     it holds then (lock order: parent before child).
//  3. Waiters (WaitNodes of fibers waiting for this context, possibly alongside
//     other things) are queued under `lock_`; cancellation claims and wakes each one
//     with WakeReason::kCancelled.
//  4. `trace_` is fixed at construction: the one given (WithTraceContext), else the
//     parent's. Copying it down makes TraceContextOf one load, with no walk up the
//     chain, and costs the contexts that carry no trace nothing but 25 bytes.
#ifndef TROUPE_SCHEDULER_INTERNAL_CONTEXT_STATE_H_
#define TROUPE_SCHEDULER_INTERNAL_CONTEXT_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"
#include "troupe/scheduler/trace_context.h"

namespace troupe::scheduler_internal {

class ContextState {
 public:
  // `deadline` is this context's own; the effective one is min(own, parent's).
  // `trace` (may be null: the parent's) is the trace context this one carries.
  ContextState(std::shared_ptr<ContextState> parent, absl::Time deadline,
               const void* value_key, std::shared_ptr<const void> value,
               const TraceContext* trace = nullptr);
  ~ContextState();
  ContextState(const ContextState&) = delete;
  ContextState& operator=(const ContextState&) = delete;

  absl::Status Err();
  void Cancel(absl::Status cause);

  // Effective deadline in MonotonicNanos, or 0 for none.
  int64_t deadline_ns() const { return deadline_ns_; }
  absl::Time deadline() const { return deadline_; }
  const void* FindValue(const void* key) const;
  // The trace context carried (invariant 4), or null.
  const TraceContext* trace() const { return traced_ ? &trace_ : nullptr; }

  // Queues `node` to be woken on cancellation. False (and not queued) if the context
  // is done already. RemoveWaiter is a no-op for a node that is not queued.
  bool AddWaiter(WaitNode* node);
  void RemoveWaiter(WaitNode* node);

 private:
  void AttachToParent();
  void DetachChild(ContextState* child);

  const std::shared_ptr<ContextState> parent_;
  const absl::Time deadline_;  // effective
  const int64_t deadline_ns_;  // effective, monotonic; 0 = none
  const void* const value_key_;
  const std::shared_ptr<const void> value_;

  // What a context-aware wait touches (with deadline_ns_ above) comes before the
  // trace context, so that the 26 bytes of trace_ and traced_ do not push it across
  // another cache line.
  std::atomic<bool> cancelled_{false};  // set under lock_; read without it first
  SpinLock lock_;
  absl::Status err_ ABSL_GUARDED_BY(lock_);
  WaitQueue waiters_ ABSL_GUARDED_BY(lock_);
  std::vector<ContextState*> children_ ABSL_GUARDED_BY(lock_);
  bool attached_ = false;  // in parent_->children_; guarded by parent_->lock_

  const TraceContext trace_;  // invalid (all zeros): none
  const bool traced_;         // trace_.valid()
};

// Parks until `context` is done (may be null: never done, so until the runtime shuts
// down), with `reason` in dumps; returns why the wait ended. What waiting on a nil
// channel is.
WakeReason WaitForContext(ContextState* context, const char* reason);

// The status a context-aware operation returns after its wait ended for `reason`:
// OK if it was signalled, else the context's error, else DeadlineExceeded (its own
// deadline).
absl::Status WaitOutcome(ContextState* context, WakeReason reason);

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_CONTEXT_STATE_H_
