// MailboxRoom: how many messages an actor's mailbox holds and, for a bounded mailbox,
// the senders parked until there is room. The messages themselves travel in the
// MailboxQueue (mailbox_queue.h); this is the count beside it.
//
// Glossary: a *slot* is one unit of `count_`. A Tell takes a slot before it pushes
// its message; system messages (stop, nudge, linked exit) take one without asking.
// The actor's fiber gives slots back in batches (Release), a batch of `batch()`
// messages at a time and whenever it is about to sleep, so that a message costs the
// receiver no atomic read-modify-write of its own.
//
// Invariants:
//  1. count_ = slots taken - slots released. A bounded mailbox takes a slot for a
//     Tell only while count_ < capacity (TryReserve's CAS); system messages and
//     senders let in after Close may take it past the capacity.
//  2. Every decrease of count_ happens in Release, under lock_. A sender parks only
//     after seeing, under lock_, that count_ >= capacity and the room is open; so a
//     Release that frees room either happened before (the sender sees the room) or
//     comes after and finds the sender queued. No wake-up is lost.
//  3. A parked sender is woken by a Release in one of two ways: *handed* a slot (the
//     Release keeps that slot taken on the sender's behalf: the sender returns with
//     it, and never starves), or told to *retry* the fast path. Release wakes the
//     oldest parked senders first.
//  4. Release always wakes at least one parked sender if any is parked, and every
//     parked sender when `wake_all` (the receiver is about to sleep) or after Close.
//     The receiver releases at least once per batch while it works and before it
//     sleeps, so no sender stays parked while the mailbox drains.
//
// Why not troupe::Semaphore (the previous design): its Release hands each freed
// permit to a different waiter, so with many senders parked on a full mailbox every
// message cost one park and one wake of a sender fiber. Here one Release wakes
// about one sender per batch of free slots; the woken sender then takes further
// slots on the fast path, so a wake-up buys a run of messages. The price: a parked
// sender that is told to retry may lose the race for room to a sender that was not
// parked, and park again (senders are not admitted in strict FIFO order; the one
// handed a slot always gets in).
#ifndef TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_
#define TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "scheduler/context.h"
#include "scheduler/internal/spin_lock.h"
#include "scheduler/internal/wait_queue.h"

namespace troupe::actors_internal {

class MailboxRoom {
 public:
  // `capacity` 0: unbounded (the count is then a statistic and a depth hint).
  explicit MailboxRoom(std::size_t capacity);
  MailboxRoom(const MailboxRoom&) = delete;
  MailboxRoom& operator=(const MailboxRoom&) = delete;

  bool bounded() const { return bounded_; }
  // How many messages the receiver should take before it calls Release.
  int64_t batch() const { return batch_; }
  // Any thread; racy (a statistic, or a hint).
  int64_t count() const { return count_.load(std::memory_order_relaxed); }

  // Any thread. Takes a slot regardless of the capacity (unbounded mailboxes, system
  // messages).
  void Take() {
    // relaxed: the count publishes nothing; the message goes through the queue.
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  // Any thread; bounded mailboxes. Takes a slot if count < capacity. Never parks.
  bool TryReserve() {
    int64_t count = count_.load(std::memory_order_relaxed);
    while (count < capacity_) {
      // relaxed: no data is published through the count, and the parking handshake
      // is ordered by lock_ (invariant 2).
      if (count_.compare_exchange_weak(count, count + 1, std::memory_order_relaxed,
                                       std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  // Fiber or thread; bounded mailboxes. Takes a slot, parking while the mailbox is
  // full. OK with a slot; or `context`'s error (no slot) if it is done first. After
  // Close, returns OK at once with a slot taken past the capacity.
  [[nodiscard]] absl::Status Reserve(const Context& context);

  // Any thread (the actor's fiber, or whoever drains a stopped actor). Gives back
  // `count` >= 0 slots and wakes parked senders (invariants 3 and 4).
  void Release(int64_t count, bool wake_all);

  // Any thread. From now on Reserve never parks; every parked sender is woken. For
  // an actor that stopped: the senders' messages become dead letters.
  void Close();

 private:
  enum Outcome : int { kHanded = 1, kRetry = 2 };

  // The parking half of Reserve: false if the sender should retry the fast path.
  bool ParkUntilRoom(scheduler_internal::ContextState* context, absl::Status* status);

  // The producers' line: the CAS of every bounded Tell.
  alignas(64) std::atomic<int64_t> count_{0};
  alignas(64) const bool bounded_;
  const int64_t capacity_;  // bounded: the capacity; else the largest int64_t
  const int64_t batch_;
  scheduler_internal::SpinLock lock_;
  bool closed_ ABSL_GUARDED_BY(lock_) = false;
  scheduler_internal::WaitQueue parked_ ABSL_GUARDED_BY(lock_);
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_
