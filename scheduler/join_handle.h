// JoinHandle: the result of spawning a fiber; lets the spawner wait for it to finish.
//
// Move-only. Destroying a handle without joining detaches the fiber, which runs on.
#ifndef TROUPE_SCHEDULER_JOIN_HANDLE_H_
#define TROUPE_SCHEDULER_JOIN_HANDLE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "troupe/scheduler/context.h"

namespace troupe {

namespace scheduler_internal {
class ContextState;
struct Fiber;
}  // namespace scheduler_internal


class JoinHandle {
 public:
  JoinHandle() = default;
  JoinHandle(JoinHandle&& other) noexcept : fiber_(other.fiber_), id_(other.id_) {
    other.fiber_ = nullptr;
  }
  JoinHandle& operator=(JoinHandle&& other) noexcept;
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle();

  // Waits until the fiber has finished. Parks the calling fiber; blocks a plain
  // thread. Returns OK, or InternalError naming the fiber and the exception that
  // escaped its body; FailedPrecondition if the handle is empty (default-constructed,
  // moved from, or already joined) or a fiber tries to join itself.
  [[nodiscard]] absl::Status Join();
  // As Join, but returns `context`'s Err() if it is done first; the fiber runs on and
  // the handle stays joinable.
  [[nodiscard]] absl::Status Join(const Context& context);

  bool joinable() const { return fiber_ != nullptr; }
  // The fiber's id (as this_fiber::Id() reports inside it); stays valid after Join.
  uint64_t id() const { return id_; }

  // For the runtime's spawn functions only: adopts the reference CreateFiber gave.
  explicit JoinHandle(scheduler_internal::Fiber* fiber);
  // For Select's join case only.
  scheduler_internal::Fiber* fiber() const { return fiber_; }

 private:
  absl::Status JoinWithin(scheduler_internal::ContextState* context);

  scheduler_internal::Fiber* fiber_ = nullptr;
  uint64_t id_ = 0;
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_JOIN_HANDLE_H_
