// ActorTimers<M>: an actor's keyed timers (Actor::StartSingleTimer and friends) —
// messages it sends itself after a delay or periodically.
//
// Each timer is a callback entry of a processor's timer heap (TimerEntry, fiber.h):
// no fiber waits for it. When it fires, the heap's thread pushes a copy of the message
// into the actor's mailbox as a timer envelope naming the timer; the actor's run loop
// asks Accept before handling it and gives the envelope back with Handled after.
//
// Glossary: a tick is *outstanding* from the moment Fire pushes it until Handled (in
// the mailbox, or being handled). A fixed-rate timer that comes due while its tick is
// outstanding is *stalled*: it leaves the heap until Handled re-arms it.
//
// Invariants (the actor's fiber owns `timers_`, `free_` and a timer's fields other
// than `state`/`envelope`; the heap's lock and `state` order the rest):
//  1. A key names at most one timer: Start with a key in use cancels the old one.
//  2. Every arming has a fresh id. A timer envelope whose id is not a live timer's
//     (cancelled, replaced, or gone with a restart or stop) is dropped by Accept, so
//     no tick of an old timer is ever handled: no double ticks.
//  3. At most one tick of a timer is outstanding. A fixed-rate timer due while its
//     tick is outstanding is not queued and not re-armed (a stalled timer costs its
//     heap nothing, however slow the actor); each period that passes without a tick is
//     counted as skipped (ActorSystem::timer_ticks_skipped).
//  4. Cancel removes the entry from its heap first (TimerHeap::Remove waits for a
//     callback that is running), then forgets it: a callback never sees a freed timer.
//     Every re-arming from the actor's fiber (Arm) does the same Remove first, so a
//     heap still finishing with the entry (it names that heap until TimerHeap::Release)
//     is never overtaken by the next arming.
//  5. No allocation per tick: a timer owns its envelope while its tick is not
//     outstanding (`envelope`: the mailbox has it from Fire to Handled), and Fire
//     reuses it; a cancelled timer's record is kept for the next Start (`free_`), and
//     so is the envelope of a tick whose timer went away (`spare_envelope_`).
//
// `state` (atomic; transitions and their owners):
//   kIdle --Fire (heap)--> kOutstanding --Fire, fixed rate (heap)--> kStalled
//   kOutstanding or kStalled --Handled (actor's fiber)--> kIdle (re-armed if stalled
//   or fixed delay)
//
// Fixed rate: due every `interval` from the start; ticks missed (the actor was slow,
// or the processors were late) are skipped and counted, never queued or burst.
// Fixed delay: due `interval` after the previous tick was handled. Single: once.
//
// Rejected: re-arming a stalled fixed-rate timer every period and dropping the tick
// at delivery (what this replaced): with 100,000 timers at 10 ms and slow actors the
// heap churned at timers x rate while the actors starved.
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
#include "troupe/actors/internal/mailbox_queue.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/timer_heap.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

enum class TimerMode : uint8_t { kSingle, kFixedRate, kFixedDelay };

template <typename M>
class ActorTimers {
 public:
  // Pushes a tick (a copy of `message`) of timer `id` into the owning actor's
  // mailbox, in `envelope` (one the timer owns; null: a new one). Runs under a timer
  // heap's lock: must not block.
  using Deliver = void (*)(void* owner, const M& message, uint64_t id,
                           MailboxNode* envelope);
  // Gives back an envelope a timer owned (the timer is going away).
  using Recycle = void (*)(MailboxNode* envelope);

  // `skipped_ticks`: the system's count of skipped ticks (invariant 3); outlives this.
  ActorTimers(void* owner, Deliver deliver, Recycle recycle,
              std::atomic<uint64_t>* skipped_ticks)
      : owner_(owner), deliver_(deliver), recycle_(recycle), skipped_ticks_(skipped_ticks) {
    free_.reserve(kMaxFreeTimers);
  }
  ~ActorTimers() {
    CancelAll();
    for (std::unique_ptr<Timer>& timer : free_) DropEnvelope(*timer);
    if (spare_envelope_ != nullptr) recycle_(spare_envelope_);
  }
  ActorTimers(const ActorTimers&) = delete;
  ActorTimers& operator=(const ActorTimers&) = delete;

  // The actor's fiber.
  void Start(absl::string_view key, M message, absl::Duration interval, TimerMode mode) {
    Cancel(key);
    std::unique_ptr<Timer> timer;
    if (free_.empty()) {
      timer = std::make_unique<Timer>();
      timer->owner = this;
      timer->fire = &ActorTimers::Fire;
    } else {
      timer = std::move(free_.back());
      free_.pop_back();
    }
    timer->key.assign(key.data(), key.size());
    timer->message = std::move(message);
    timer->mode = mode;
    timer->interval_ns = std::max<int64_t>(mode == TimerMode::kSingle ? 0 : 1,
                                           absl::ToInt64Nanoseconds(interval));
    timer->id = next_id_++;
    if (timer->envelope == nullptr) timer->envelope = std::exchange(spare_envelope_, nullptr);
    // relaxed: the timer is in no heap; ArmTimer's lock publishes it to the heap.
    timer->state.store(kIdle, std::memory_order_relaxed);
    Arm(*timer, scheduler_internal::MonotonicNanos() + timer->interval_ns);
    timers_.push_back(std::move(timer));
  }

  // The actor's fiber. True if a timer with `key` was active.
  bool Cancel(absl::string_view key) {
    for (auto it = timers_.begin(); it != timers_.end(); ++it) {
      if ((*it)->key != key) continue;
      Forget(it);
      return true;
    }
    return false;
  }

  bool IsActive(absl::string_view key) const {
    return std::any_of(timers_.begin(), timers_.end(),
                       [key](const std::unique_ptr<Timer>& timer) { return timer->key == key; });
  }

  // The actor's fiber.
  void CancelAll() {
    while (!timers_.empty()) Forget(timers_.end() - 1);
  }

  // The actor's fiber, about to handle a tick of timer `id`: true if the tick is to be
  // handled (invariant 2). A single timer is done (no longer active).
  bool Accept(uint64_t id) {
    auto it = Find(id);
    if (it == timers_.end()) return false;
    if ((*it)->mode == TimerMode::kSingle) Forget(it);
    return true;
  }

  // The actor's fiber, after handling (or dropping) a tick of timer `id` that came in
  // `envelope`: true if the timers took the envelope back for a next tick (invariant
  // 5); false if the caller recycles it. Ends the outstanding tick: re-arms a
  // fixed-delay timer, and a stalled fixed-rate one.
  bool Handled(uint64_t id, MailboxNode* envelope) {
    auto it = Find(id);
    if (it == timers_.end()) {
      // Cancelled or replaced meanwhile: kept for the next timer Start makes (a
      // handler that restarts its timer allocates nothing either).
      if (spare_envelope_ != nullptr) return false;
      spare_envelope_ = envelope;
      return true;
    }
    Timer& timer = **it;
    timer.envelope = envelope;  // null until now: Fire took it
    // acq_rel. release: `envelope` above is visible to the Fire that takes kIdle
    // (its acquire CAS); acquire: pairs with Fire's stalling CAS, so a stall is seen.
    const uint8_t previous = timer.state.exchange(kIdle, std::memory_order_acq_rel);
    const int64_t now_ns = scheduler_internal::MonotonicNanos();
    if (timer.mode == TimerMode::kFixedDelay) {
      Arm(timer, now_ns + timer.interval_ns);
    } else if (previous == kStalled) {
      // Out of every heap once Remove (in Arm) returns; the deadline that stalled it
      // was counted as skipped by Fire. Resume on the rate's next point after now.
      Arm(timer, NextPoint(timer, timer.deadline_ns, now_ns));
    }
    return true;
  }

 private:
  enum : uint8_t { kIdle, kOutstanding, kStalled };

  struct Timer : scheduler_internal::TimerEntry {
    ActorTimers* owner = nullptr;
    std::string key;
    M message;
    TimerMode mode = TimerMode::kSingle;
    int64_t interval_ns = 0;
    uint64_t id = 0;
    std::atomic<uint8_t> state{kIdle};
    // The envelope for the next tick, owned by the timer while `state` is kIdle.
    MailboxNode* envelope = nullptr;
  };

  using TimerList = std::vector<std::unique_ptr<Timer>>;

  typename TimerList::iterator Find(uint64_t id) {
    return std::find_if(timers_.begin(), timers_.end(),
                        [id](const std::unique_ptr<Timer>& timer) { return timer->id == id; });
  }

  // Disarms the timer (invariant 4) and keeps its record (and envelope) for reuse. An
  // outstanding tick stays in the mailbox; Accept drops it, and the run loop recycles
  // its envelope.
  void Forget(typename TimerList::iterator it) {
    scheduler_internal::TimerHeap::Remove(it->get());
    std::unique_ptr<Timer> timer = std::move(*it);
    timers_.erase(it);
    if (free_.size() < kMaxFreeTimers) {
      free_.push_back(std::move(timer));
    } else {
      DropEnvelope(*timer);
    }
  }

  void DropEnvelope(Timer& timer) {
    if (timer.envelope != nullptr) recycle_(std::exchange(timer.envelope, nullptr));
  }

  // The actor's fiber: arms `timer` for `deadline_ns` (invariant 4: Remove first).
  static void Arm(Timer& timer, int64_t deadline_ns) {
    scheduler_internal::TimerHeap::Remove(&timer);
    timer.deadline_ns = deadline_ns;
    scheduler_internal::ArmTimer(&timer);
  }

  // The first point of `timer`'s rate after `now_ns`, the rate's points being
  // `due_ns` + k * interval; counts the points skipped past (after `due_ns`, up to
  // `now_ns`).
  static int64_t NextPoint(Timer& timer, int64_t due_ns, int64_t now_ns) {
    if (now_ns < due_ns + timer.interval_ns) return due_ns + timer.interval_ns;
    const int64_t missed = (now_ns - due_ns) / timer.interval_ns;
    timer.owner->CountSkipped(static_cast<uint64_t>(missed));
    return due_ns + (missed + 1) * timer.interval_ns;
  }

  void CountSkipped(uint64_t ticks) {
    // relaxed: a statistic, read by nobody who acts on it.
    skipped_ticks_->fetch_add(ticks, std::memory_order_relaxed);
  }

  // Under the heap's lock (TimerHeap::TakeExpired).
  static void Fire(scheduler_internal::TimerEntry* entry, scheduler_internal::TimerHeap& heap,
                   int64_t now_ns) {
    if (now_ns == scheduler_internal::TimerHeap::kShuttingDown) return;  // owned by the actor
    Timer* timer = static_cast<Timer*>(entry);
    // acquire; pairs with the release exchange in Handled (the envelope it gave back).
    uint8_t state = timer->state.load(std::memory_order_acquire);
    while (true) {
      if (state == kIdle) {
        // acq_rel: acquire as above; release orders nothing the actor reads, but a
        // failed CAS must still acquire.
        if (!timer->state.compare_exchange_weak(state, kOutstanding, std::memory_order_acq_rel,
                                                std::memory_order_acquire)) {
          continue;
        }
        timer->owner->deliver_(timer->owner->owner_, timer->message, timer->id,
                               std::exchange(timer->envelope, nullptr));
        if (timer->mode == TimerMode::kFixedRate) {
          entry->deadline_ns = NextPoint(*timer, entry->deadline_ns, now_ns);
          heap.AddLocked(entry);
        }
        return;
      }
      // kOutstanding: a fixed-rate timer (the others are armed only while idle).
      // release; pairs with the acquire exchange in Handled, which then re-arms.
      if (timer->state.compare_exchange_weak(state, kStalled, std::memory_order_release,
                                             std::memory_order_acquire)) {
        timer->owner->CountSkipped(1);  // this deadline's tick (invariant 3)
        return;  // not re-armed: Handled does that
      }
      if (state == kStalled) return;  // (a stalled timer is in no heap: not reached)
    }
  }

  // Records kept for reuse beyond this are freed (an actor rarely has more timers).
  static constexpr std::size_t kMaxFreeTimers = 4;

  void* const owner_;
  const Deliver deliver_;
  const Recycle recycle_;
  std::atomic<uint64_t>* const skipped_ticks_;
  TimerList timers_;  // the actor's fiber only
  TimerList free_;    // cancelled records for the next Start; the actor's fiber only
  // An envelope whose timer went away while its tick was outstanding, for the next
  // Start; the actor's fiber only.
  MailboxNode* spare_envelope_ = nullptr;
  uint64_t next_id_ = 1;
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_TIMERS_H_
