// Future<T>: the result of a task submitted to a WorkerPool, to wait on later.
//
// Get parks the calling fiber (blocks a plain thread) until the result is there, or
// until the context is done. A task that failed (an error status, or an exception)
// yields that status.
#ifndef TROUPE_PIPELINE_FUTURE_H_
#define TROUPE_PIPELINE_FUTURE_H_

#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"

namespace troupe {

// Stands for "no value" in Future<void>.
using Nothing = std::monostate;

template <typename T>
class Future {
 public:
  using Value = std::conditional_t<std::is_void_v<T>, Nothing, T>;
  using Slot = Channel<absl::StatusOr<Value>>;

  explicit Future(Slot slot) : slot_(std::move(slot)) {}

  // The task's result (once: the value is moved out), or the context's error.
  absl::StatusOr<Value> Get(const Context& context = Context()) {
    if (slot_.is_nil()) return absl::FailedPreconditionError("Future::Get called twice");
    absl::StatusOr<absl::StatusOr<Value>> result = slot_.Recv(context);
    if (!result.ok()) return result.status();  // the context ended first: try again later
    slot_ = Slot();
    return *std::move(result);
  }

 private:
  Slot slot_;  // nil once taken
};

}  // namespace troupe

#endif  // TROUPE_PIPELINE_FUTURE_H_
