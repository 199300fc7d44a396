// ChannelState<T>: what the handles of one channel share — the channel's core (lock,
// queues of parked fibers, ring-buffer bookkeeping) and its buffer, in one
// allocation, with a count of the handles. Channel<T> (channel.h) is a handle to it.
//
// Lifetime: the state lives while a handle does. A fiber parked on the channel is
// inside a call on one of the handles, which outlives the call (as any C++ object
// must outlive calls on it), so the state outlives every parked fiber too. The count
// changes only when a handle is copied or destroyed: Send and Recv never touch it.
//
// Memory ordering: AddHandle is relaxed (a new handle is made from one the caller
// holds, which keeps the state alive); DropHandle is acq_rel, so the last one sees
// every other handle's accesses before it destroys the state.
#ifndef TROUPE_SCHEDULER_INTERNAL_CHANNEL_STATE_H_
#define TROUPE_SCHEDULER_INTERNAL_CHANNEL_STATE_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "troupe/scheduler/internal/channel_core.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe::scheduler_internal {

template <typename T>
class ChannelState {
 public:
  // A state with one handle.
  // A buffer of more than kMaxBufferBytes is a bug (Go panics "makechan: size out
  // of range"); the check also keeps capacity * sizeof(T) from wrapping around.
  static constexpr std::size_t kMaxBufferBytes = std::size_t{1} << 40;
  static constexpr std::size_t kMaxCapacity = kMaxBufferBytes / sizeof(T);

  static ChannelState* Create(std::size_t capacity) {
    if (capacity > kMaxCapacity) {
      Fatal("Channel", "capacity %zu out of range: at most %zu values of %zu bytes", capacity,
            kMaxCapacity, sizeof(T));
    }
    void* block = ::operator new(BufferOffset() + capacity * sizeof(T), std::align_val_t{kAlign});
    T* buffer = capacity == 0
                    ? nullptr
                    : reinterpret_cast<T*>(static_cast<char*>(block) + BufferOffset());
    return new (block) ChannelState(capacity, buffer);
  }

  void AddHandle() { handles_.fetch_add(1, std::memory_order_relaxed); }
  void DropHandle() {
    if (handles_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    this->~ChannelState();
    ::operator delete(static_cast<void*>(this), std::align_val_t{kAlign});
  }

  ChannelCore& core() { return core_; }

  // Keeps `attachment` (a timer that sends on this channel) alive as long as the
  // channel, and destroys it before the core.
  void Attach(std::shared_ptr<void> attachment) { attachment_ = std::move(attachment); }

 private:
  static constexpr std::size_t kAlign = std::max(alignof(ChannelCore), alignof(T));
  static constexpr std::size_t BufferOffset() {
    return (sizeof(ChannelState) + alignof(T) - 1) / alignof(T) * alignof(T);
  }

  ChannelState(std::size_t capacity, T* buffer) : core_(capacity, sizeof(T), &kOps, buffer) {}
  ~ChannelState() = default;

  static void MoveConstruct(void* to, void* from) {
    new (to) T(std::move(*static_cast<T*>(from)));
  }
  static void Destroy(void* element) { static_cast<T*>(element)->~T(); }
  static constexpr ElementOps kOps{&MoveConstruct, &Destroy};

  std::atomic<int32_t> handles_{1};
  ChannelCore core_;
  std::shared_ptr<void> attachment_;  // after core_: destroyed before it
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_CHANNEL_STATE_H_
