// Channel<T>: a typed, bounded channel between fibers (and threads), as in Go.
//
//   troupe::Channel<std::string> lines(64);        // 64 buffered; 0 = unbuffered
//   // producer
//   if (absl::Status s = lines.Send(std::move(line)); !s.ok()) { /* closed: line kept */ }
//   lines.Close();
//   // consumer
//   while (std::optional<std::string> line = lines.Recv()) Use(*line);
//
// Backpressure: Send parks the calling fiber (blocks a plain thread) while the buffer
// is full, so memory is bounded by the capacity however fast the producer runs. Recv
// parks while it is empty. An unbuffered channel hands each value straight from the
// sender to a receiver (a rendezvous).
//
// Close: receivers drain what is buffered, then see "closed"; sending on a closed
// channel, or closing twice, is an error status, not a crash. A value that was sent
// successfully is received exactly once; a send that fails leaves the caller's value
// untouched (the overloads taking T&& move from it only on success).
//
// Memory ordering: everything the sender did before Send is visible to the receiver
// after the matching Recv.
//
// Move-only element types work. Channels are neither copyable nor movable (fibers may
// be parked on them); share them by reference or pointer.
#ifndef TROUPE_SCHEDULER_CHANNEL_H_
#define TROUPE_SCHEDULER_CHANNEL_H_

#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/channel_core.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/deadline.h"

namespace troupe {

// Result of the non-blocking TrySend/TryRecv.
enum class ChannelStatus : uint8_t {
  kOk,      // sent / received
  kFull,    // TrySend: would have to wait (nothing was moved)
  kEmpty,   // TryRecv: would have to wait
  kClosed,  // TrySend: channel closed (value untouched); TryRecv: closed and drained
};

template <typename T>
class Channel {
  static_assert(std::is_move_constructible_v<T>, "channel elements must be movable");

 public:
  explicit Channel(std::size_t capacity = 0)
      : buffer_(capacity == 0 ? nullptr
                              : static_cast<T*>(::operator new(capacity * sizeof(T),
                                                               std::align_val_t{alignof(T)}))),
        core_(capacity, sizeof(T), &kOps, buffer_.get()) {}

  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Parks while the channel is full. OK, or FailedPrecondition if it is (or becomes,
  // while parked) closed — then `value` was not moved from.
  [[nodiscard]] absl::Status Send(T&& value) { return SendWithin(value, 0, nullptr); }
  [[nodiscard]] absl::Status Send(const T& value) {
    T copy(value);
    return Send(std::move(copy));
  }
  // As Send, but gives up when `context` is done: its Err(), value not moved from.
  [[nodiscard]] absl::Status Send(T&& value, const Context& context) {
    if (absl::Status error = context.Err(); !error.ok()) return error;
    return SendWithin(value, 0, context.state().get());
  }
  // Never parks. kOk (moved from `value`), kFull or kClosed (`value` untouched).
  [[nodiscard]] ChannelStatus TrySend(T&& value) {
    switch (core_.TrySend(&value)) {
      case scheduler_internal::ChannelResult::kDone: return ChannelStatus::kOk;
      case scheduler_internal::ChannelResult::kClosed: return ChannelStatus::kClosed;
      default: return ChannelStatus::kFull;
    }
  }

  // Parks while the channel is empty. The next value, or nullopt once the channel is
  // closed and drained.
  std::optional<T> Recv() {
    Storage storage;
    scheduler_internal::WakeReason why;
    if (core_.Recv(storage.address(), 0, nullptr, &why) !=
        scheduler_internal::ChannelResult::kDone) {
      return std::nullopt;
    }
    return storage.Take();
  }
  // As Recv, but gives up when `context` is done (its Err()). OutOfRange once the
  // channel is closed and drained.
  absl::StatusOr<T> Recv(const Context& context) {
    if (absl::Status error = context.Err(); !error.ok()) return error;
    Storage storage;
    scheduler_internal::WakeReason why;
    switch (core_.Recv(storage.address(), 0, context.state().get(), &why)) {
      case scheduler_internal::ChannelResult::kDone: return storage.Take();
      case scheduler_internal::ChannelResult::kClosed: return ClosedForReceive();
      default: return scheduler_internal::WaitOutcome(context.state().get(), why);
    }
  }
  // Never parks. kOk (the value is in *out), kEmpty or kClosed (drained).
  [[nodiscard]] ChannelStatus TryRecv(std::optional<T>* out) {
    Storage storage;
    switch (core_.TryRecv(storage.address())) {
      case scheduler_internal::ChannelResult::kDone:
        out->emplace(storage.Take());
        return ChannelStatus::kOk;
      case scheduler_internal::ChannelResult::kClosed: return ChannelStatus::kClosed;
      default: return ChannelStatus::kEmpty;
    }
  }
  // As above, for element types that can be assigned to.
  [[nodiscard]] ChannelStatus TryRecv(T* out) {
    Storage storage;
    switch (core_.TryRecv(storage.address())) {
      case scheduler_internal::ChannelResult::kDone:
        *out = storage.Take();
        return ChannelStatus::kOk;
      case scheduler_internal::ChannelResult::kClosed: return ChannelStatus::kClosed;
      default: return ChannelStatus::kEmpty;
    }
  }

  // Wakes every parked sender (they fail) and receiver (they see closed once the
  // buffer is drained). FailedPrecondition if already closed.
  absl::Status Close() {
    if (core_.Close()) return absl::OkStatus();
    return absl::FailedPreconditionError("Channel::Close: channel already closed");
  }

  std::size_t capacity() const { return core_.capacity(); }
  // Buffered values right now (a racy snapshot).
  std::size_t size() const { return core_.size(); }
  bool closed() const { return core_.closed(); }

  // For Select.
  scheduler_internal::ChannelCore& core() { return core_; }

  // Raw storage for one T that a channel operation may construct into.
  class Storage {
   public:
    Storage() = default;
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    void* address() { return bytes_; }
    // Precondition: a value was constructed in address(). Moves it out.
    T Take() {
      T* value = std::launder(reinterpret_cast<T*>(bytes_));
      T taken(std::move(*value));
      value->~T();
      return taken;
    }

   private:
    alignas(T) unsigned char bytes_[sizeof(T)];
  };

  static absl::Status ClosedForSend() {
    return absl::FailedPreconditionError("send on closed channel");
  }
  static absl::Status ClosedForReceive() {
    return absl::OutOfRangeError("receive from closed channel");
  }

 private:
  absl::Status SendWithin(T& value, int64_t deadline_ns,
                          scheduler_internal::ContextState* context) {
    scheduler_internal::WakeReason why;
    switch (core_.Send(&value, deadline_ns, context, &why)) {
      case scheduler_internal::ChannelResult::kDone: return absl::OkStatus();
      case scheduler_internal::ChannelResult::kClosed: return ClosedForSend();
      default: return scheduler_internal::WaitOutcome(context, why);
    }
  }

  static void MoveConstruct(void* to, void* from) {
    new (to) T(std::move(*static_cast<T*>(from)));
  }
  static void Destroy(void* element) { static_cast<T*>(element)->~T(); }
  static constexpr scheduler_internal::ElementOps kOps{&MoveConstruct, &Destroy};

  struct FreeBuffer {
    void operator()(T* buffer) const { ::operator delete(buffer, std::align_val_t{alignof(T)}); }
  };
  // Declared before core_, so destroyed after it: the core destroys the buffered
  // elements, then the memory goes.
  const std::unique_ptr<T, FreeBuffer> buffer_;
  scheduler_internal::ChannelCore core_;
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_CHANNEL_H_
