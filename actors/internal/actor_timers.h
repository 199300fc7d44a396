// ActorTimers<M>: an actor's keyed timers (Actor::StartSingleTimer and friends) —
// messages it sends itself after a delay or periodically.
//
// Each timer is a callback entry of a processor's timer heap (TimerEntry, fiber.h):
// no fiber waits for it, and a tick costs no allocation (the message is copied into a
// recycled envelope). When it fires, the heap's thread pushes a copy of the message
// into the actor's mailbox as a timer envelope naming the timer; the actor's run loop
// asks Accept before handling it.
//
// Invariants (the actor's fiber owns `timers_`; the heap's lock orders the rest):
//  1. A key names at most one timer: Start with a key in use cancels the old one.
//  2. Every arming has a fresh id. A timer envelope whose id is not a live timer's
//     (cancelled, replaced, or gone with a restart or stop) is dropped by Accept, so
//     no tick of an old timer is ever handled: no double ticks.
//  3. At most one tick of a timer is in the mailbox (`outstanding`): a periodic timer
//     that comes due while its last tick is unhandled skips this one, so a slow actor
//     is not buried in ticks.
//  4. Cancel removes the entry from its heap first (TimerHeap::Remove waits for a
//     callback that is running), then forgets it: a callback never sees a freed timer.
//
// Fixed rate: due every `interval` from the start (missed ticks are skipped, not
// queued). Fixed delay: due `interval` after the previous tick was handled.
#ifndef TROUPE_ACTORS_INTERNAL_ACTOR_TIMERS_H_
#define TROUPE_ACTORS_INTERNAL_ACTOR_TIMERS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/timer_heap.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

enum class TimerMode : uint8_t { kSingle, kFixedRate, kFixedDelay };

template <typename M>
class ActorTimers {
 public:
  // Pushes a tick (a copy of `message`) of timer `id` into the owning actor's
  // mailbox. Runs under a timer heap's lock: must not block.
  using Deliver = void (*)(void* owner, const M& message, uint64_t id);

  ActorTimers(void* owner, Deliver deliver) : owner_(owner), deliver_(deliver) {}
  ~ActorTimers() { CancelAll(); }
  ActorTimers(const ActorTimers&) = delete;
  ActorTimers& operator=(const ActorTimers&) = delete;

  // The actor's fiber.
  void Start(absl::string_view key, M message, absl::Duration interval, TimerMode mode) {
    Cancel(key);
    auto timer = std::make_unique<Timer>();
    timer->owner = this;
    timer->key = std::string(key);
    timer->message = std::move(message);
    timer->mode = mode;
    timer->interval_ns = std::max<int64_t>(mode == TimerMode::kSingle ? 0 : 1,
                                           absl::ToInt64Nanoseconds(interval));
    timer->id = next_id_++;
    timer->fire = &ActorTimers::Fire;
    Arm(*timer);
    timers_.push_back(std::move(timer));
  }

  // The actor's fiber. True if a timer with `key` was active.
  bool Cancel(absl::string_view key) {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if ((*it)->key != key) continue;
      scheduler_internal::TimerHeap::Remove(it->get());  // invariant 4
      timers_.erase(it);
      return true;
    }
    return false;
  }

  bool IsActive(absl::string_view key) const {
    return std::any_of(timers_.begin(), timers_.end(),
                       [key](const std::unique_ptr<Timer>& timer) { return timer->key == key; });
  }

  void CancelAll() {
    for (auto& timer : timers_) scheduler_internal::TimerHeap::Remove(timer.get());
    timers_.clear();
  }

  // The actor's fiber, about to handle a tick of timer `id`: true if the tick is to be
  // handled (invariant 2). Re-arms a fixed-delay timer; a single timer is done.
  bool Accept(uint64_t id) {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      Timer& timer = **it;
      if (timer.id != id) continue;
      // release; pairs with the exchange in Fire: the next tick may go out.
      timer.outstanding.store(false, std::memory_order_release);
      if (timer.mode == TimerMode::kSingle) {
        timers_.erase(it);  // fired, and out of every heap
      } else if (timer.mode == TimerMode::kFixedDelay) {
        Arm(timer);
      }
      return true;
    }
    return false;
  }

 private:
  struct Timer : scheduler_internal::TimerEntry {
    ActorTimers* owner = nullptr;
    std::string key;
    M message;
    TimerMode mode = TimerMode::kSingle;
    int64_t interval_ns = 0;
    uint64_t id = 0;
    std::atomic<bool> outstanding{false};  // a tick is in the mailbox (invariant 3)
  };

  static void Arm(Timer& timer) {
    timer.deadline_ns = scheduler_internal::MonotonicNanos() + timer.interval_ns;
    scheduler_internal::ArmTimer(&timer);
  }

  static void Fire(scheduler_internal::TimerEntry* entry, scheduler_internal::TimerHeap& heap,
                   int64_t now_ns) {
    if (now_ns == scheduler_internal::TimerHeap::kShuttingDown) return;  // owned by the actor
    Timer* timer = static_cast<Timer*>(entry);
    // acq_rel: acquire the handler's release in Accept; one tick in flight at most.
    if (!timer->outstanding.exchange(true, std::memory_order_acq_rel)) {
      timer->owner->deliver_(timer->owner->owner_, timer->message, timer->id);
    }
    if (timer->mode == TimerMode::kFixedRate) {
      entry->deadline_ns += timer->interval_ns;
      if (entry->deadline_ns <= now_ns) entry->deadline_ns = now_ns + timer->interval_ns;
      heap.AddLocked(entry);
    }
  }

  void* const owner_;
  const Deliver deliver_;
  std::vector<std::unique_ptr<Timer>> timers_;  // the actor's fiber only
  uint64_t next_id_ = 1;
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_TIMERS_H_
