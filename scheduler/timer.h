// Timers with channels, as Go's time package has them (with Go 1.23's semantics).
//
//   troupe::Ticker ticker(absl::Milliseconds(100));
//   while (running) {
//     troupe::Select(troupe::OnRecv(ticker.C(), [&](std::optional<absl::Time>) { Poll(); }),
//                    troupe::OnRecv(quit, [&](std::optional<int>) { running = false; }));
//   }
//
//   troupe::Select(troupe::OnRecv(replies, ...),
//                  troupe::OnRecv(troupe::After(absl::Seconds(1)), ...));  // a timeout
//
//   troupe::Timer cleanup = troupe::AfterFunc(absl::Minutes(1), [] { Sweep(); });
//
// A Timer sends the time once when it fires, a Ticker every period; a slow receiver
// misses ticks rather than queueing them. After Stop or Reset returns, no value sent
// before can be received any more. A timer or ticker is released once nothing refers
// to it — the handle, copies of it, or its channel — stopped or not (no leak from an
// unstopped timer). AfterFunc's function runs in a fiber of its own; its timer lives
// until it fires or is stopped, whether or not the handle is kept.
//
// No fiber waits for a timer: each is an entry in a processor's timer heap, fired by
// the scheduler (no fiber and no allocation per tick).
//
// Timers belong to a runtime: made in a fiber, to the fiber's; from a plain thread,
// pass the Runtime. Using a timer after its runtime is destroyed is an error; the
// runtime disarms every timer when it goes.
#ifndef TROUPE_SCHEDULER_TIMER_H_
#define TROUPE_SCHEDULER_TIMER_H_

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {

namespace scheduler_internal {
class ChannelTimer;
}  // namespace scheduler_internal

// A one-shot timer (Go's time.Timer). Copies are handles to the same timer.
class Timer {
 public:
  // Fiber context: on the calling fiber's runtime.
  explicit Timer(absl::Duration delay);
  Timer(Runtime& runtime, absl::Duration delay);

  // Receives the time at which the timer fired. Nil for an AfterFunc timer.
  RecvChannel<absl::Time> C() const;
  // Stops the timer: true if that prevented it from firing, false if it had fired or
  // been stopped already. Any time it sent and nobody received is discarded.
  bool Stop();
  // Fires again after `delay` (for AfterFunc: runs the function again). True if the
  // timer was still pending; as with Stop, an unreceived time is discarded.
  bool Reset(absl::Duration delay);

 private:
  friend Timer AfterFunc(absl::Duration, absl::AnyInvocable<void()>);
  friend Timer AfterFunc(Runtime&, absl::Duration, absl::AnyInvocable<void()>);
  Timer(scheduler_internal::Scheduler& scheduler, absl::Duration delay,
        absl::AnyInvocable<void()> function);

  Channel<absl::Time> channel_;  // owns the timer (ChannelState::Attach)
  scheduler_internal::ChannelTimer* timer_;
};

// A repeating timer (Go's time.Ticker). Copies are handles to the same ticker.
class Ticker {
 public:
  // `period` must be positive (Fatal otherwise, as Go panics).
  explicit Ticker(absl::Duration period);
  Ticker(Runtime& runtime, absl::Duration period);

  // Receives the time of each tick; holds at most one.
  RecvChannel<absl::Time> C() const;
  // No more ticks; an unreceived tick is discarded.
  void Stop();
  // Ticks every `period` from now on; an unreceived tick is discarded.
  void Reset(absl::Duration period);

 private:
  Ticker(scheduler_internal::Scheduler& scheduler, absl::Duration period);

  Channel<absl::Time> channel_;  // owns the ticker
  scheduler_internal::ChannelTimer* timer_;
};

// Fiber context. A channel that receives the time once, after `delay`
// (`<-time.After(d)`); the timer goes with the channel.
RecvChannel<absl::Time> After(absl::Duration delay);
// Fiber context. A channel that receives a tick every `period`, for as long as the
// channel is referred to (`time.Tick`).
RecvChannel<absl::Time> Tick(absl::Duration period);
// Runs `function` in a new fiber after `delay`, unless the returned timer is stopped
// first. Fiber context, or with the runtime to use.
Timer AfterFunc(absl::Duration delay, absl::AnyInvocable<void()> function);
Timer AfterFunc(Runtime& runtime, absl::Duration delay, absl::AnyInvocable<void()> function);

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_TIMER_H_
