// TimerHeap: a P's timers, a 4-ary min-heap ordered by deadline: the wait timers
// embedded in waiting fibers, and callback timers (channel timers, actor timers)
// embedded in their owners.
//
// Layout: the heap is an array of {deadline, entry} pairs, so sifting compares
// deadlines stored inline and touches an entry only to write its `index` when it
// moves: one cache line holds a node's four children, where a binary heap of entry
// pointers read each child's deadline through its pointer (a miss per level, 17
// levels at 100,000 timers). Four children halve the depth; Go's runtime uses the
// same shape for its timers.
//
// Any thread may add or remove (a fiber removes its own timer after it wakes, possibly
// on another P); the owning P, or an idle P helping out, takes the expired ones. All
// under one small mutex per heap; `earliest_ns_` lets schedulers skip the lock when
// nothing is due (0 = empty).
//
// Expiry: TakeExpired returns the due wait timers, for the caller to wake outside the
// lock; due callback timers are fired inside it, in deadline order, so that whoever
// removes a callback timer (TimerHeap::Remove takes the same lock) knows it is not
// being fired at that moment: after Remove returns, `fire` is not running and will
// not run. A callback must therefore be short and must not block or take this heap's
// lock; it may re-arm its entry with AddLocked. One TakeExpired takes at most
// kMaxExpiredPerTake timers, so a thread with thousands due at once goes back to its
// run queue in between (the rest stay due: earliest_ns() still says so).
#ifndef TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_
#define TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

class TimerHeap {
 public:
  struct Expired {
    Fiber* fiber;
    uint64_t token;
  };

  // Arms `entry` (its deadline and token or callback set already).
  void Add(TimerEntry* entry);
  // As Add, from a callback this heap is firing (its lock is held).
  void AddLocked(TimerEntry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Disarms `entry` if it is still armed in some heap; true if it was. Safe to call
  // whether or not the timer fired. For a callback timer: once this returns, its
  // callback is not running.
  static bool Remove(TimerEntry* entry);

  // Wait timers (a fiber's own entry).
  void Add(Fiber* fiber) { Add(&fiber->timer); }
  static void Remove(Fiber* fiber) { Remove(&fiber->timer); }

  // The `now_ns` a callback gets from DisarmCallbacks: the runtime is going away;
  // release what the timer holds, do not re-arm.
  static constexpr int64_t kShuttingDown = -1;

  // The most timers one TakeExpired takes.
  static constexpr int kMaxExpiredPerTake = 128;

  // Removes the timers due at `now_ns`, earliest first, at most kMaxExpiredPerTake:
  // wait timers into `out` (the caller wakes them outside the lock, with their
  // tokens), callback timers fired here. Returns how many callbacks it fired.
  int TakeExpired(int64_t now_ns, std::vector<Expired>& out);

  // Disarms every callback timer, calling each with kShuttingDown (the runtime is going
  // away; wait timers belong to fibers, which the runtime unwinds).
  void DisarmCallbacks();

  // Earliest deadline, or 0 if empty. Racy by design (acquire load): callers re-check
  // under the lock in TakeExpired.
  int64_t earliest_ns() const { return earliest_ns_.load(std::memory_order_acquire); }
  std::size_t size() const;

 private:
  // A heap slot: the entry's deadline as it was armed, beside the entry.
  struct Node {
    int64_t deadline_ns;
    TimerEntry* entry;
  };
  static constexpr std::size_t kArity = 4;

  // Takes the entry at `index` out of the array; it still names this heap.
  void Unlink(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Marks an unlinked entry as not armed, handing it back to its owner.
  void Release(TimerEntry* entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SiftUp(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void SiftDown(std::size_t index) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Place(std::size_t index, Node node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void PublishEarliest() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable std::mutex mutex_;
  std::vector<Node> heap_ ABSL_GUARDED_BY(mutex_);
  std::atomic<int64_t> earliest_ns_{0};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_TIMER_HEAP_H_
