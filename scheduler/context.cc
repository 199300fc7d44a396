// Context: see context.h for the contract; the shared state behind it is
// ContextState (internal/context_state.h).
#include "troupe/scheduler/context.h"

#include <algorithm>

#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe {

using scheduler_internal::ContextState;

struct ContextFactory {
  static Context Make(std::shared_ptr<ContextState> state) { return Context(std::move(state)); }
  static ContextWithCancel MakeCancelable(const Context& parent, absl::Time deadline) {
    auto state = std::make_shared<ContextState>(parent.state(), deadline, nullptr, nullptr);
    return ContextWithCancel{Context(state), CancelHandle(state)};
  }
};

namespace scheduler_internal {

Context MakeValueContext(const Context& parent, const void* key,
                         std::shared_ptr<const void> value) {
  return ContextFactory::Make(std::make_shared<ContextState>(
      parent.state(), absl::InfiniteFuture(), key, std::move(value)));
}

}  // namespace scheduler_internal

Context WithTraceContext(const Context& parent, const TraceContext& trace) {
  if (!trace.valid()) {
    scheduler_internal::Fatal("WithTraceContext",
                              "the trace context has an all-zero trace or span id");
  }
  return ContextFactory::Make(std::make_shared<ContextState>(
      parent.state(), absl::InfiniteFuture(), nullptr, nullptr, &trace));
}

const TraceContext* TraceContextOf(const Context& context) {
  return context.state() == nullptr ? nullptr : context.state()->trace();
}

absl::Status Context::Err() const {
  return state_ == nullptr ? absl::OkStatus() : state_->Err();
}

std::optional<absl::Time> Context::deadline() const {
  if (state_ == nullptr || state_->deadline() == absl::InfiniteFuture()) return std::nullopt;
  return state_->deadline();
}

const void* Context::FindValue(const void* key) const {
  return state_ == nullptr ? nullptr : state_->FindValue(key);
}

absl::Status Context::Wait() const {
  if (state_ == nullptr) {
    return absl::FailedPreconditionError(
        "Context::Wait on a context that can never be done (Background)");
  }
  scheduler_internal::WaitForContext(state_.get(), "context");
  return state_->Err();
}

void CancelHandle::Cancel(absl::Status cause) const {
  if (cause.ok()) cause = absl::CancelledError("context cancelled");
  state_->Cancel(std::move(cause));
}

ContextWithCancel WithCancel(const Context& parent) {
  return ContextFactory::MakeCancelable(parent, absl::InfiniteFuture());
}

ContextWithCancel WithDeadline(const Context& parent, absl::Time deadline) {
  return ContextFactory::MakeCancelable(parent, deadline);
}

ContextWithCancel WithTimeout(const Context& parent, absl::Duration timeout) {
  return ContextFactory::MakeCancelable(parent, absl::Now() + timeout);
}

}  // namespace troupe
