// Channel<T>: a typed, bounded channel between fibers (and threads), as in Go.
//
//   troupe::Channel<std::string> lines(64);        // 64 buffered; 0 = unbuffered
//   // producer
//   if (absl::Status s = lines.Send(std::move(line)); !s.ok()) { /* closed: line kept */ }
//   (void)lines.Close();
//   // consumer
//   for (std::string& line : lines) Use(line);      // until closed and drained
//
// A Channel<T> is a handle, as a Go `chan T` is: copying it is cheap (one atomic
// increment) and the copies name the same channel, which lives until its last handle
// is gone. So channels go into structs, into other channels (Channel<Channel<int>>),
// and into lambdas by value. A default-constructed handle is the nil channel: sending
// or receiving on it blocks forever (or until the context given ends), closing it is
// an error, and a select case on it is never chosen — Go's idiom for switching a case
// off. SendChannel<T> and RecvChannel<T> are the two ends, for APIs that hand out
// only one; a Channel<T> converts to either.
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
// Lifetime: a handle must outlive the calls made on it, as any object must; a fiber
// parked on a channel keeps it alive through the handle it called. Send and Recv cost
// no reference-count operation.
//
// Move-only element types work.
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
#include "troupe/scheduler/internal/channel_state.h"
#include "troupe/scheduler/internal/context_state.h"

namespace troupe {

// Result of the non-blocking TrySend/TryRecv.
enum class ChannelStatus : uint8_t {
  kOk,      // sent / received
  kFull,    // TrySend: would have to wait (nothing was moved)
  kEmpty,   // TryRecv: would have to wait
  kClosed,  // TrySend: channel closed (value untouched); TryRecv: closed and drained
};

template <typename T>
class Channel;

namespace scheduler_internal {
// For Select and the direction views: the core behind a handle, or null (nil).
template <typename T>
ChannelCore* CoreOf(const Channel<T>& channel);
}  // namespace scheduler_internal

template <typename T>
class Channel {
  static_assert(std::is_move_constructible_v<T>, "channel elements must be movable");

 public:
  // The nil channel (see the top of this file).
  Channel() = default;
  // A new channel holding up to `capacity` values (0: unbuffered). A buffer of more
  // than 2^40 bytes (a negative count converted to size_t, say) is a bug: Fatal, as
  // Go's make panics.
  explicit Channel(std::size_t capacity)
      : state_(scheduler_internal::ChannelState<T>::Create(capacity)) {}

  Channel(const Channel& other) : state_(other.state_) {
    if (state_ != nullptr) state_->AddHandle();
  }
  Channel(Channel&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Channel& operator=(Channel other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~Channel() {
    if (state_ != nullptr) state_->DropHandle();
  }

  bool is_nil() const { return state_ == nullptr; }
  // Two handles are equal when they name the same channel (all nil handles are equal).
  friend bool operator==(const Channel& a, const Channel& b) { return a.state_ == b.state_; }
  friend bool operator!=(const Channel& a, const Channel& b) { return a.state_ != b.state_; }

  // Parks while the channel is full. OK, or FailedPrecondition if it is (or becomes,
  // while parked) closed — then `value` was not moved from. On the nil channel it
  // parks for good (until the runtime shuts down: Cancelled).
  [[nodiscard]] absl::Status Send(T&& value) const { return SendWithin(value, nullptr); }
  [[nodiscard]] absl::Status Send(const T& value) const {
    T copy(value);
    return Send(std::move(copy));
  }
  // As Send, but gives up when `context` is done: its Err(), value not moved from.
  [[nodiscard]] absl::Status Send(T&& value, const Context& context) const {
    if (absl::Status error = context.Err(); !error.ok()) return error;
    return SendWithin(value, context.state().get());
  }
  // Never parks. kOk (moved from `value`), kFull or kClosed (`value` untouched). The
  // nil channel is always full.
  [[nodiscard]] ChannelStatus TrySend(T&& value) const {
    if (state_ == nullptr) return ChannelStatus::kFull;
    switch (state_->core().TrySend(&value)) {
      case scheduler_internal::ChannelResult::kDone: return ChannelStatus::kOk;
      case scheduler_internal::ChannelResult::kClosed: return ChannelStatus::kClosed;
      default: return ChannelStatus::kFull;
    }
  }

  // Parks while the channel is empty. The next value, or nullopt once the channel is
  // closed and drained (or, on the nil channel, once the runtime shuts down).
  std::optional<T> Recv() const {
    Storage storage;
    scheduler_internal::WakeReason why;
    if (state_ == nullptr) {
      scheduler_internal::WaitForContext(nullptr, "channel receive (nil channel)");
      return std::nullopt;
    }
    if (state_->core().Recv(storage.address(), 0, nullptr, &why) !=
        scheduler_internal::ChannelResult::kDone) {
      return std::nullopt;
    }
    return storage.Take();
  }
  // As Recv, but gives up when `context` is done (its Err()). OutOfRange once the
  // channel is closed and drained.
  absl::StatusOr<T> Recv(const Context& context) const {
    if (absl::Status error = context.Err(); !error.ok()) return error;
    scheduler_internal::ContextState* const state = context.state().get();
    if (state_ == nullptr) {
      return scheduler_internal::WaitOutcome(
          state, scheduler_internal::WaitForContext(state, "channel receive (nil channel)"));
    }
    Storage storage;
    scheduler_internal::WakeReason why;
    switch (state_->core().Recv(storage.address(), 0, state, &why)) {
      case scheduler_internal::ChannelResult::kDone: return storage.Take();
      case scheduler_internal::ChannelResult::kClosed: return ClosedForReceive();
      default: return scheduler_internal::WaitOutcome(state, why);
    }
  }
  // Never parks. kOk (the value is in *out), kEmpty or kClosed (drained). The nil
  // channel is always empty.
  [[nodiscard]] ChannelStatus TryRecv(std::optional<T>* out) const {
    Storage storage;
    const ChannelStatus status = TryRecvInto(storage);
    if (status == ChannelStatus::kOk) out->emplace(storage.Take());
    return status;
  }
  // As above, for element types that can be assigned to.
  [[nodiscard]] ChannelStatus TryRecv(T* out) const {
    Storage storage;
    const ChannelStatus status = TryRecvInto(storage);
    if (status == ChannelStatus::kOk) *out = storage.Take();
    return status;
  }

  // Wakes every parked sender (they fail) and receiver (they see closed once the
  // buffer is drained). FailedPrecondition if already closed, or nil.
  absl::Status Close() const {
    if (state_ == nullptr) return absl::FailedPreconditionError("close of nil channel");
    if (state_->core().Close()) return absl::OkStatus();
    return absl::FailedPreconditionError("Channel::Close: channel already closed");
  }

  std::size_t capacity() const { return state_ == nullptr ? 0 : state_->core().capacity(); }
  // Buffered values right now (a racy snapshot).
  std::size_t size() const { return state_ == nullptr ? 0 : state_->core().size(); }
  bool closed() const { return state_ != nullptr && state_->core().closed(); }

  // Ranging: `for (T& value : channel)` receives until the channel is closed and
  // drained (parking in between, like Recv). With a context: Range (below).
  class Iterator {
   public:
    Iterator& operator++() {
      value_ = channel_->Recv();
      return *this;
    }
    T& operator*() { return *value_; }
    bool operator!=(const Iterator&) const { return value_.has_value(); }

   private:
    friend class Channel;
    explicit Iterator(const Channel* channel) : channel_(channel) {}
    const Channel* channel_;
    std::optional<T> value_;
  };
  Iterator begin() const {
    Iterator first(this);
    ++first;
    return first;
  }
  Iterator end() const { return Iterator(this); }

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

  // Keeps `attachment` alive as long as the channel (timer.h: a ticker lives as long
  // as its channel). Precondition: not nil.
  void Attach(std::shared_ptr<void> attachment) const { state_->Attach(std::move(attachment)); }

 private:
  friend scheduler_internal::ChannelCore* scheduler_internal::CoreOf<T>(const Channel<T>&);

  absl::Status SendWithin(T& value, scheduler_internal::ContextState* context) const {
    if (state_ == nullptr) {
      return scheduler_internal::WaitOutcome(
          context, scheduler_internal::WaitForContext(context, "channel send (nil channel)"));
    }
    scheduler_internal::WakeReason why;
    switch (state_->core().Send(&value, 0, context, &why)) {
      case scheduler_internal::ChannelResult::kDone: return absl::OkStatus();
      case scheduler_internal::ChannelResult::kClosed: return ClosedForSend();
      default: return scheduler_internal::WaitOutcome(context, why);
    }
  }

  ChannelStatus TryRecvInto(Storage& storage) const {
    if (state_ == nullptr) return ChannelStatus::kEmpty;
    switch (state_->core().TryRecv(storage.address())) {
      case scheduler_internal::ChannelResult::kDone: return ChannelStatus::kOk;
      case scheduler_internal::ChannelResult::kClosed: return ChannelStatus::kClosed;
      default: return ChannelStatus::kEmpty;
    }
  }

  scheduler_internal::ChannelState<T>* state_ = nullptr;
};

// The sending end of a channel: what an API hands out when its caller should only
// send. Converts implicitly from Channel<T>; a default one is nil.
template <typename T>
class SendChannel {
 public:
  SendChannel() = default;
  SendChannel(Channel<T> channel) : channel_(std::move(channel)) {}  // NOLINT: implicit

  [[nodiscard]] absl::Status Send(T&& value) const { return channel_.Send(std::move(value)); }
  [[nodiscard]] absl::Status Send(const T& value) const { return channel_.Send(value); }
  [[nodiscard]] absl::Status Send(T&& value, const Context& context) const {
    return channel_.Send(std::move(value), context);
  }
  [[nodiscard]] ChannelStatus TrySend(T&& value) const {
    return channel_.TrySend(std::move(value));
  }
  // As in Go, the sending end may close.
  absl::Status Close() const { return channel_.Close(); }

  bool is_nil() const { return channel_.is_nil(); }
  std::size_t capacity() const { return channel_.capacity(); }
  std::size_t size() const { return channel_.size(); }
  bool closed() const { return channel_.closed(); }
  friend bool operator==(const SendChannel& a, const SendChannel& b) {
    return a.channel_ == b.channel_;
  }

  // For Select.
  const Channel<T>& channel() const { return channel_; }

 private:
  Channel<T> channel_;
};

// The receiving end of a channel. Converts implicitly from Channel<T>; a default one
// is nil.
template <typename T>
class RecvChannel {
 public:
  RecvChannel() = default;
  RecvChannel(Channel<T> channel) : channel_(std::move(channel)) {}  // NOLINT: implicit

  std::optional<T> Recv() const { return channel_.Recv(); }
  absl::StatusOr<T> Recv(const Context& context) const { return channel_.Recv(context); }
  [[nodiscard]] ChannelStatus TryRecv(std::optional<T>* out) const {
    return channel_.TryRecv(out);
  }
  [[nodiscard]] ChannelStatus TryRecv(T* out) const { return channel_.TryRecv(out); }
  typename Channel<T>::Iterator begin() const { return channel_.begin(); }
  typename Channel<T>::Iterator end() const { return channel_.end(); }

  bool is_nil() const { return channel_.is_nil(); }
  std::size_t capacity() const { return channel_.capacity(); }
  std::size_t size() const { return channel_.size(); }
  bool closed() const { return channel_.closed(); }
  friend bool operator==(const RecvChannel& a, const RecvChannel& b) {
    return a.channel_ == b.channel_;
  }

  // For Select.
  const Channel<T>& channel() const { return channel_; }

 private:
  Channel<T> channel_;
};

// Ranging with a context: receives until the channel is closed and drained or the
// context is done; afterwards status() says which (OK, or the context's error).
//
//   auto values = troupe::Range(channel, ctx);
//   for (int& value : values) Use(value);
//   if (!values.status().ok()) { /* ctx ended first */ }
template <typename T>
class ContextRange {
 public:
  ContextRange(RecvChannel<T> channel, Context context)
      : channel_(std::move(channel)), context_(std::move(context)) {}

  class Iterator {
   public:
    Iterator& operator++() {
      absl::StatusOr<T> next = range_->channel_.Recv(range_->context_);
      if (next.ok()) {
        value_.emplace(*std::move(next));
      } else {
        value_.reset();
        if (!absl::IsOutOfRange(next.status())) range_->status_ = next.status();
      }
      return *this;
    }
    T& operator*() { return *value_; }
    bool operator!=(const Iterator&) const { return value_.has_value(); }

   private:
    friend class ContextRange;
    explicit Iterator(ContextRange* range) : range_(range) {}
    ContextRange* range_;
    std::optional<T> value_;
  };
  Iterator begin() {
    Iterator first(this);
    ++first;
    return first;
  }
  Iterator end() { return Iterator(this); }

  // OK if the loop ended because the channel was closed and drained.
  const absl::Status& status() const { return status_; }

 private:
  RecvChannel<T> channel_;
  Context context_;
  absl::Status status_;
};

template <typename T>
ContextRange<T> Range(const Channel<T>& channel, const Context& context) {
  return ContextRange<T>(channel, context);
}
template <typename T>
ContextRange<T> Range(const RecvChannel<T>& channel, const Context& context) {
  return ContextRange<T>(channel, context);
}

namespace scheduler_internal {
template <typename T>
ChannelCore* CoreOf(const Channel<T>& channel) {
  return channel.state_ == nullptr ? nullptr : &channel.state_->core();
}
}  // namespace scheduler_internal

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_CHANNEL_H_
