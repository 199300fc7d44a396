// MailboxRoom: how many messages an actor's mailbox holds, and the senders parked
// until it holds fewer: on a full bounded mailbox (backpressure, as the user asked),
// and on a very deep unbounded one (a soft bound, below). The messages themselves
// travel in the MailboxQueue (mailbox_queue.h); this is the count beside it.
//
// Glossary: a *slot* is one unit of `count_`. A Tell takes a slot before it pushes
// its message; system messages (stop, nudge, linked exit) take one without asking.
// The actor's fiber gives slots back in batches (Release), a batch of `batch()`
// messages at a time and whenever it is about to sleep, so that a message costs the
// receiver no atomic read-modify-write of its own. `limit_` is the capacity of a
// bounded mailbox, or kSoftLimit for an unbounded one.
//
// The soft bound: when many senders outrun one actor, an unbounded mailbox grows
// without end, past what the envelope pool keeps, and every further message costs an
// allocation (and a cache miss when it is finally handled). So a sender fiber that
// finds an unbounded mailbox kSoftLimit deep parks until the actor has made room, as
// on a bounded one, but never for long: after kStallTimeoutNs it goes on regardless.
// If the actor gave nothing back in that time (it may be blocked, even waiting for
// this very sender, or its thread may have lost its core), the limit rises by
// kSoftLimit until the actor's next Release, so a stall costs the senders one
// timeout per kSoftLimit messages queued meanwhile. A Tell to an unbounded mailbox
// therefore still never fails and never waits on the actor indefinitely; only a
// backlog built while the actor is stalled can outgrow the envelope pool.
//
// Invariants:
//  1. count_ = slots taken - slots released. A bounded mailbox takes a slot for a
//     Tell only while count_ < capacity (TryReserve's CAS); system messages and
//     senders let in after Close may take it past the capacity.
//  2. Every sender that parks first counts itself in parked_hint_ (seq_cst RMW) and
//     then reads count_ (seq_cst), under lock_. Release decreases count_ (seq_cst
//     RMW) and then reads parked_hint_ (seq_cst); it skips lock_ only if that is 0.
//     In the single total order of seq_cst operations one of the two comes first, so
//     either the sender sees the room or Release sees the sender. When Release does
//     take lock_ it finds every parked sender queued (they queue under lock_). No
//     wake-up is lost.
//  3. A parked sender is woken by a Release in one of two ways: *handed* a slot (the
//     Release keeps that slot taken on the sender's behalf: the sender returns with
//     it, and never starves), or told to *retry* the fast path. Release wakes the
//     oldest parked senders first.
//  4. A Release wakes at least one parked sender if any is parked (one per batch of
//     free room, at least two), and Close wakes every one. A sender parks only on a full mailbox,
//     whose slots the receiver will give back: it releases at least once per batch
//     while it works and everything before it sleeps. A woken sender either is
//     handed a slot or finds room or a full mailbox again, so its message (or the
//     one that beat it) brings another Release: no sender stays parked while the
//     mailbox drains. (A Release of nothing wakes nobody: no room appeared.)
//
// Why not troupe::Semaphore (the previous design for bounded mailboxes): its Release
// hands each freed permit to a different waiter, so with many senders parked on a
// full mailbox every message cost one park and one wake of a sender fiber. Here one
// Release wakes about one sender per batch of free slots; the woken sender then
// takes further slots on the fast path, so a wake-up buys a run of messages. The
// price: a parked sender that is told to retry may lose the race for room to a
// sender that was not parked, and park again (senders are not admitted in strict
// FIFO order; the one handed a slot always gets in).
//
// Why the soft bound parks instead of yielding (measured, BENCHMARKS.md): senders
// that yield stay runnable, so the actor shares its processor with all of them and
// waits behind every one at each turn; parked senders leave it the processor.
#ifndef TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_
#define TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/wait_queue.h"

namespace troupe::actors_internal {

class MailboxRoom {
 public:
  // Depth at which an unbounded mailbox parks its sender fibers (see above): well
  // within what the envelope cache keeps (envelope_cache.h).
  static constexpr int64_t kSoftLimit = 1024;
  // How long a sender parks on an unbounded mailbox whose actor gives nothing back.
  static constexpr int64_t kStallTimeoutNs = 1'000'000;

  // `capacity` 0: unbounded.
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
    // relaxed: the count publishes nothing (the message goes through the queue), and
    // only parking senders need to order their read of it (invariant 2).
    count_.fetch_add(1, std::memory_order_relaxed);
  }
  // Any thread; bounded mailboxes. Takes a slot if count < capacity. Never parks.
  bool TryReserve() {
    int64_t count = count_.load(std::memory_order_relaxed);
    while (count < limit_) {
      // relaxed: no data is published through the count; the parking handshake has
      // its own seq_cst read (invariant 2).
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

  // Unbounded mailboxes, before Take: true if the caller should call
  // WaitUntilShallow. Any thread; racy (a hint).
  bool deep() const {
    // relaxed: a hint; WaitUntilShallow decides with a seq_cst read of the count.
    return count() >= soft_limit_.load(std::memory_order_relaxed);
  }
  // Fiber context; unbounded mailboxes. Parks the fiber while the mailbox is at
  // least kSoftLimit deep, until a Release wakes it or the actor seems stalled (see
  // above). Never fails.
  void WaitUntilShallow();

  // Any thread (the actor's fiber, or whoever drains a stopped actor). Gives back
  // `count` >= 1 slots and wakes parked senders (invariants 3 and 4).
  void Release(int64_t count);

  // Any thread. From now on nobody parks; every parked sender is woken. For an actor
  // that stopped: the senders' messages become dead letters.
  void Close();

 private:
  enum Outcome : int { kHanded = 1, kRetry = 2 };

  // Lock held on entry, released on return: queues the caller (counted in
  // parked_hint_ already) and parks until a Release or Close wakes it, `context` (may
  // be null) is done, or `deadline_ns` (0: none) passes. The outcome (kHanded,
  // kRetry), or 0 if the wait ended otherwise, with the reason in *reason.
  int Park(scheduler_internal::ContextState* context, int64_t deadline_ns,
           scheduler_internal::WakeReason* reason) ABSL_UNLOCK_FUNCTION(lock_);
  // The parking half of Reserve: false if the sender should retry the fast path.
  bool ParkUntilRoom(scheduler_internal::ContextState* context, absl::Status* status);
  // Release's slow path (parked senders may be queued): gives back `count` slots
  // and wakes one sender per batch of room, or every sender if `wake_all` (Close).
  void WakeParked(int64_t count, bool wake_all);

  // The producers' line: the CAS or increment of every Tell.
  alignas(64) std::atomic<int64_t> count_{0};
  // Senders between counting themselves in and leaving Park (invariant 2). A
  // positive value sends Release to lock_.
  std::atomic<int32_t> parked_hint_{0};
  // Unbounded only: Releases so far (to tell a stalled actor from a busy one), and
  // the depth at which senders park: kSoftLimit, or higher after a stall.
  std::atomic<uint64_t> releases_{0};
  std::atomic<int64_t> soft_limit_{kSoftLimit};

  alignas(64) const bool bounded_;
  const int64_t limit_;  // the capacity, or kSoftLimit
  const int64_t batch_;
  scheduler_internal::SpinLock lock_;
  bool closed_ ABSL_GUARDED_BY(lock_) = false;
  scheduler_internal::WaitQueue parked_ ABSL_GUARDED_BY(lock_);
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_MAILBOX_ROOM_H_
