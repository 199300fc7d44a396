// ChannelCore: everything about a channel that does not depend on its element type —
// the lock, the ring buffer's bookkeeping, the queues of parked senders and
// receivers, and closing. Channel<T> (channel.h) supplies the element operations and
// the buffer memory; Select (select.h) drives several cores at once.
#ifndef TROUPE_SCHEDULER_INTERNAL_CHANNEL_CORE_H_
#define TROUPE_SCHEDULER_INTERNAL_CHANNEL_CORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/context_state.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe::scheduler_internal {

// How to move and destroy elements, which the core sees only as void*.
struct ElementOps {
  void (*move_construct)(void* to, void* from);  // `to` is raw storage
  void (*destroy)(void* element);
};

enum class ChannelResult : uint8_t {
  kDone,        // sent, or received
  kWouldBlock,  // nothing happened (and a blocking call's wait ended early)
  kClosed,      // send on a closed channel, or receive from a closed, drained one
};

// Written into a waiter's WaitNode::outcome by the party that completes its operation.
inline constexpr int kOutcomeDone = 1;
inline constexpr int kOutcomeClosed = 2;

class ChannelCore {
 public:
  ChannelCore(std::size_t capacity, std::size_t element_size, const ElementOps* ops,
              void* buffer);
  ~ChannelCore();  // destroys what is still buffered
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  // Never park. TrySend moves from *value only on kDone; TryRecv move-constructs into
  // the raw storage *out only on kDone.
  ChannelResult TrySend(void* value);
  ChannelResult TryRecv(void* out);

  // Park while the operation cannot proceed, until `deadline_ns` (0: none) or until
  // `context` (may be null) is done. kWouldBlock then, with the reason in *why.
  ChannelResult Send(void* value, int64_t deadline_ns, ContextState* context,
                     WakeReason* why);
  ChannelResult Recv(void* out, int64_t deadline_ns, ContextState* context,
                     WakeReason* why);

  // False if the channel was closed already.
  bool Close();

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const { return count_approx_.load(std::memory_order_relaxed); }
  bool closed() const { return closed_approx_.load(std::memory_order_acquire); }

  // ---- For Select, which locks one core at a time. ----
  SpinLock& lock() ABSL_LOCK_RETURNED(lock_) { return lock_; }
  // Lock held. Perform the operation if it can proceed now; a waiter this completed
  // is returned in *wake and is owed FinishWake after the lock is released.
  ChannelResult AttemptSendLocked(void* value, Fiber** wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  ChannelResult AttemptRecvLocked(void* out, Fiber** wake)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  // Lock held. Whether the operation could proceed now, ignoring `self`'s own
  // queued cases.
  bool SendReadyLocked(const Fiber* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  bool RecvReadyLocked(const Fiber* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);
  WaitQueue& senders() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) { return senders_; }
  WaitQueue& receivers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) { return receivers_; }

 private:
  // `index` < 2 x capacity (head_ + an offset of at most count_). A compare instead
  // of `%`: a 64-bit division by a runtime capacity costs more than the rest of an
  // uncontended Send.
  void* Slot(std::size_t index) const {
    if (index >= capacity_) index -= capacity_;
    return static_cast<char*>(buffer_) + index * element_size_;
  }
  void SetCount(std::size_t count) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_);

  const std::size_t capacity_;
  const std::size_t element_size_;
  const ElementOps* const ops_;
  void* const buffer_;

  SpinLock lock_;
  std::size_t head_ ABSL_GUARDED_BY(lock_) = 0;   // oldest buffered element, < capacity_
  std::size_t count_ ABSL_GUARDED_BY(lock_) = 0;  // buffered elements
  bool closed_ ABSL_GUARDED_BY(lock_) = false;
  WaitQueue senders_ ABSL_GUARDED_BY(lock_);
  WaitQueue receivers_ ABSL_GUARDED_BY(lock_);
  // Mirrors for lock-free observers (size(), closed()); written under lock_.
  std::atomic<std::size_t> count_approx_{0};
  std::atomic<bool> closed_approx_{false};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_CHANNEL_CORE_H_
