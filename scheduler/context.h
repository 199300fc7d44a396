// Context: Go-style cancellation, deadlines and request-scoped values.
//
//   auto [ctx, cancel] = troupe::WithTimeout(troupe::Context::Background(),
//                                            absl::Milliseconds(50));
//   absl::StatusOr<int> v = channel.Recv(ctx);   // DeadlineExceeded after 50 ms
//   cancel.Cancel();                              // cancels ctx and every descendant
//
// A Context is a cheap, copyable, immutable handle (a shared pointer); derive new ones
// with WithCancel, WithDeadline, WithTimeout, WithValue and WithTraceContext (a W3C
// trace context, trace_context.h, which every context derived from it carries too). Cancelling a context
// cancels all its descendants with the same cause. A child's deadline is never later
// than its parent's.
//
// Every blocking operation in troupe has a variant taking a Context; it returns
// promptly with Err() once the context is cancelled or its deadline passes, and the
// operation it was attempting is reported as not done (a send did not send).
//
// Deadlines need no timer thread: a wait on a context uses the context's deadline as
// its own timeout, and Err() compares the clock with the deadline when asked.
//
// Memory ordering: whatever the canceller wrote before Cancel is visible to a fiber
// that observes the cancellation (through Err, Wait or a woken wait).
#ifndef TROUPE_SCHEDULER_CONTEXT_H_
#define TROUPE_SCHEDULER_CONTEXT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/scheduler/trace_context.h"

namespace troupe {

namespace scheduler_internal {
class ContextState;
}

struct ContextFactory;

// A typed key for Context values. Keys compare by identity: define each once, as a
// global or static constant.
template <typename T>
class ContextKey {
 public:
  explicit constexpr ContextKey(const char* name) : name_(name) {}
  ContextKey(const ContextKey&) = delete;
  ContextKey& operator=(const ContextKey&) = delete;
  const char* name() const { return name_; }

 private:
  const char* name_;
};

class Context {
 public:
  // The root: never cancelled, no deadline, no values.
  static Context Background() { return Context(); }
  Context() = default;

  // OK while the context is live; once done, CancelledError carrying the cause given
  // to Cancel, or DeadlineExceededError. Never changes back to OK.
  absl::Status Err() const;
  bool done() const { return !Err().ok(); }

  // The effective deadline (the earliest of this context's and its ancestors').
  std::optional<absl::Time> deadline() const;

  // The value stored under `key` by the nearest WithValue, or nullptr.
  template <typename T>
  const T* Value(const ContextKey<T>& key) const {
    return static_cast<const T*>(FindValue(&key));
  }

  // Parks the calling fiber (blocks a plain thread) until the context is done;
  // returns Err(). A Background context never returns: don't.
  absl::Status Wait() const;

  // For troupe's own primitives.
  const std::shared_ptr<scheduler_internal::ContextState>& state() const { return state_; }

 private:
  friend struct ContextFactory;

  explicit Context(std::shared_ptr<scheduler_internal::ContextState> state)
      : state_(std::move(state)) {}
  const void* FindValue(const void* key) const;

  std::shared_ptr<scheduler_internal::ContextState> state_;  // null: Background
};

// Cancels the context it was created with (and its descendants). Copyable; any
// thread or fiber may call it, any number of times (only the first cause sticks).
class CancelHandle {
 public:
  void Cancel(absl::Status cause = absl::CancelledError("context cancelled")) const;

 private:
  friend struct ContextFactory;
  explicit CancelHandle(std::shared_ptr<scheduler_internal::ContextState> state)
      : state_(std::move(state)) {}
  std::shared_ptr<scheduler_internal::ContextState> state_;
};

struct ContextWithCancel {
  Context context;
  CancelHandle cancel;
};

ContextWithCancel WithCancel(const Context& parent);
ContextWithCancel WithDeadline(const Context& parent, absl::Time deadline);
ContextWithCancel WithTimeout(const Context& parent, absl::Duration timeout);

namespace scheduler_internal {
Context MakeValueContext(const Context& parent, const void* key,
                         std::shared_ptr<const void> value);
}  // namespace scheduler_internal

// Any thread. A child of `parent` (cancelled with it, same deadline) carrying `trace`
// instead of the parent's trace context. Allocates one context state. `trace` must be
// valid() (InvalidArgument otherwise is a bug of the caller: it is checked, fatally).
Context WithTraceContext(const Context& parent, const TraceContext& trace);

// Any thread. The trace context `context` carries, or null (no trace: the common
// case, one pointer test). Valid as long as `context` or a copy of it lives.
const TraceContext* TraceContextOf(const Context& context);

template <typename T>
Context WithValue(const Context& parent, const ContextKey<T>& key, T value) {
  return scheduler_internal::MakeValueContext(parent, &key,
                                              std::make_shared<const T>(std::move(value)));
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_CONTEXT_H_
