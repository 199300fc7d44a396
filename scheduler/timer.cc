// Timers with channels: design notes.
//
// A ChannelTimer is a callback entry of a P's timer heap (timer_heap.h), so no fiber
// waits for it. It is owned by its channel (ChannelState::Attach): the Timer or
// Ticker handle holds the channel, and so does whoever received C(), so the timer
// lives exactly as long as something can still observe it, and is destroyed — and
// disarmed — with the last of them. It refers back to the channel only through the
// core, which outlives it (the channel destroys its attachment first).
//
// Firing runs under the heap's lock: a one-shot timer or a ticker TrySends the time
// (a ticker's channel holds one value; a tick that finds it full is dropped, as Go
// drops ticks for slow receivers) and a ticker re-arms itself; an AfterFunc timer
// spawns a fiber that runs the function.
//
// Stop and Reset (any thread) take the timer's own lock, so they are serialized with
// each other, then remove the entry from its heap; once TimerHeap::Remove returns the
// callback is not running and will not run, so they may then discard an unreceived
// value (Go 1.23: nothing sent before Stop/Reset is received after it) and re-arm.
//
// An AfterFunc timer has no observer to keep it alive, so while armed it holds a
// handle to its own channel (`keep_alive_`). Firing moves that handle into the
// spawned fiber, which drops it when the function returns; Stop drops it; a runtime
// that goes away disarms the timer and drops it too. Lock order: a timer's lock, then
// a heap's (never the other way round: callbacks do not take timers' locks).
#include "troupe/scheduler/timer.h"

#include <utility>

#include "absl/time/clock.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/scheduler.h"
#include "troupe/scheduler/internal/spin_lock.h"
#include "troupe/scheduler/internal/timer_heap.h"

namespace troupe {

namespace scheduler_internal {

// Private base: the heap sees the TimerEntry; Fire casts back.
class ChannelTimer : private TimerEntry {
 public:
  ChannelTimer(Scheduler* scheduler, ChannelCore* core, absl::AnyInvocable<void()> function)
      : scheduler_(scheduler), core_(core), function_(std::move(function)) {
    fire = &ChannelTimer::Fire;
  }
  ~ChannelTimer() { TimerHeap::Remove(this); }

  ChannelTimer(const ChannelTimer&) = delete;
  ChannelTimer& operator=(const ChannelTimer&) = delete;

  // Arms the timer `delay` from now, then every `period_ns` (0: once); `self` is the
  // channel owning it (kept alive while an AfterFunc timer is armed). True if it was
  // still armed.
  bool Reset(absl::Duration delay, int64_t period_ns, const Channel<absl::Time>& self) {
    SpinLockHolder holder(lock_);
    const bool was_armed = TimerHeap::Remove(this);
    Discard();
    period_ns_ = period_ns;  // disarmed: Fire cannot be reading it
    deadline_ns = MonotonicNanos() + std::max<int64_t>(0, absl::ToInt64Nanoseconds(delay));
    if (function_) keep_alive_ = self;
    scheduler_->ArmTimer(this);
    return was_armed;
  }

  // True if the timer was still armed.
  bool Stop() {
    Channel<absl::Time> released;  // dropped after the lock
    SpinLockHolder holder(lock_);
    const bool was_armed = TimerHeap::Remove(this);
    Discard();
    released = std::move(keep_alive_);
    return was_armed;
  }

  // False for an AfterFunc timer (it sends nothing).
  bool sends() const { return core_ != nullptr; }

 private:
  // The caller holds lock_ and the timer is disarmed.
  void Discard() {
    if (core_ == nullptr) return;
    Channel<absl::Time>::Storage unreceived;
    if (core_->TryRecv(unreceived.address()) == ChannelResult::kDone) unreceived.Take();
  }

  static void Fire(TimerEntry* entry, TimerHeap& heap, int64_t now_ns) {
    ChannelTimer* self = static_cast<ChannelTimer*>(entry);
    if (now_ns == TimerHeap::kShuttingDown) {
      // Dropping the handle may destroy this timer (and its channel): last thing.
      Channel<absl::Time> released = std::move(self->keep_alive_);
      return;
    }
    if (self->function_) {
      // The fiber holds the channel, and so this timer, until the function returns.
      SpawnOn(*self->scheduler_, [keep = std::move(self->keep_alive_), self] {
        (void)keep;
        self->function_();
      });
      return;
    }
    absl::Time fired = absl::Now();
    (void)self->core_->TrySend(&fired);  // a full ticker channel drops the tick
    if (self->period_ns_ > 0) {
      entry->deadline_ns += self->period_ns_;
      if (entry->deadline_ns <= now_ns) entry->deadline_ns = now_ns + self->period_ns_;
      heap.AddLocked(entry);
    }
  }

  Scheduler* const scheduler_;
  ChannelCore* const core_;  // null for AfterFunc; outlives this timer (see top)
  int64_t period_ns_ = 0;    // 0: one-shot; written only while disarmed
  absl::AnyInvocable<void()> function_;  // AfterFunc only
  SpinLock lock_;  // serializes Reset and Stop
  Channel<absl::Time> keep_alive_;  // AfterFunc, while armed
};

namespace {

Scheduler& SchedulerOfCallingFiber(const char* caller) {
  return CurrentSchedulerOrDie(caller);
}

// A timer owned by `channel`.
ChannelTimer* MakeTimer(Scheduler& scheduler, Channel<absl::Time>& channel,
                        absl::AnyInvocable<void()> function) {
  ChannelCore* core = function ? nullptr : CoreOf(channel);
  auto timer = std::make_shared<ChannelTimer>(&scheduler, core, std::move(function));
  ChannelTimer* raw = timer.get();
  channel.Attach(std::move(timer));
  return raw;
}

int64_t PositivePeriodOrDie(absl::Duration period) {
  const int64_t period_ns = absl::ToInt64Nanoseconds(period);
  if (period_ns <= 0) {
    Fatal("Ticker", "non-positive period %s", absl::FormatDuration(period).c_str());
  }
  return period_ns;
}

}  // namespace
}  // namespace scheduler_internal

using scheduler_internal::MakeTimer;
using scheduler_internal::PositivePeriodOrDie;

Timer::Timer(absl::Duration delay)
    : Timer(scheduler_internal::SchedulerOfCallingFiber("troupe::Timer"), delay, nullptr) {}

Timer::Timer(Runtime& runtime, absl::Duration delay)
    : Timer(scheduler_internal_SchedulerOf(runtime), delay, nullptr) {}

Timer::Timer(scheduler_internal::Scheduler& scheduler, absl::Duration delay,
             absl::AnyInvocable<void()> function)
    : channel_(1) {
  timer_ = MakeTimer(scheduler, channel_, std::move(function));
  timer_->Reset(delay, /*period_ns=*/0, channel_);
}

RecvChannel<absl::Time> Timer::C() const {
  return timer_->sends() ? RecvChannel<absl::Time>(channel_) : RecvChannel<absl::Time>();
}

bool Timer::Stop() { return timer_->Stop(); }

bool Timer::Reset(absl::Duration delay) { return timer_->Reset(delay, /*period_ns=*/0, channel_); }

Ticker::Ticker(absl::Duration period)
    : Ticker(scheduler_internal::SchedulerOfCallingFiber("troupe::Ticker"), period) {}

Ticker::Ticker(Runtime& runtime, absl::Duration period)
    : Ticker(scheduler_internal_SchedulerOf(runtime), period) {}

Ticker::Ticker(scheduler_internal::Scheduler& scheduler, absl::Duration period) : channel_(1) {
  timer_ = MakeTimer(scheduler, channel_, nullptr);
  timer_->Reset(period, PositivePeriodOrDie(period), channel_);
}

RecvChannel<absl::Time> Ticker::C() const { return channel_; }

void Ticker::Stop() { timer_->Stop(); }

void Ticker::Reset(absl::Duration period) {
  timer_->Reset(period, PositivePeriodOrDie(period), channel_);
}

RecvChannel<absl::Time> After(absl::Duration delay) { return Timer(delay).C(); }

RecvChannel<absl::Time> Tick(absl::Duration period) { return Ticker(period).C(); }

Timer AfterFunc(absl::Duration delay, absl::AnyInvocable<void()> function) {
  return Timer(scheduler_internal::SchedulerOfCallingFiber("troupe::AfterFunc"), delay,
               std::move(function));
}

Timer AfterFunc(Runtime& runtime, absl::Duration delay, absl::AnyInvocable<void()> function) {
  return Timer(scheduler_internal_SchedulerOf(runtime), delay, std::move(function));
}

}  // namespace troupe
