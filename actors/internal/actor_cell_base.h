// ActorCellBase: the part of a running actor that does not depend on its message
// type — identity, lifecycle state, statistics, monitors, the kill/restart requests
// and the link to its supervisor. ActorCell<M> (actor_cell.h) adds the typed mailbox
// and the run loop.
//
// Lifecycle (state_, written only by the actor's own fiber):
//   kRunning -> kStopping (run loop ended: OnStop runs) -> kStopped (monitors told,
//   mailbox drained to dead letters).
// Requests from other fibers are flags the run loop checks between messages:
// `kill_` (stop now, drop what is queued) and `restart_` (a supervisor asked for a
// fresh instance); each is followed by a nudge message so a sleeping actor wakes.
#ifndef TROUPE_ACTORS_INTERNAL_ACTOR_CELL_BASE_H_
#define TROUPE_ACTORS_INTERNAL_ACTOR_CELL_BASE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/mailbox_room.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/wait_group.h"

namespace troupe {

class ActorSystem;

namespace actors_internal {

// Something a supervisor can restart or kill: an actor, or a child supervisor.
class Supervisable {
 public:
  virtual ~Supervisable() = default;
  virtual void RequestRestart(const absl::Status& why) = 0;
  virtual void RequestKill(const absl::Status& why) = 0;
};

class SupervisorCore;

// The id of the actor whose fiber is calling, or 0 (a plain thread, or a fiber that
// is no actor's). An actor's run loop labels its fiber with SetCurrentActorId.
uint64_t CurrentActorId();
// Fiber context only: labels the calling fiber as actor `id`'s.
void SetCurrentActorId(uint64_t id);
// True on a plain thread (which never waits for an unbounded mailbox).
bool OnPlainThread();
// The actor's fiber, about to return from its body with an empty mailbox (after
// MailboxQueue::BeginSleep): it parks without a stack and runs again when woken.
void ParkAtTop();

enum class FailureDecision : uint8_t { kRestart, kStop };

class ActorCellBase : public Supervisable {
 public:
  enum class State : uint8_t { kRunning, kStopping, kStopped };

  ActorCellBase(ActorSystem* system, uint64_t id, ActorOptions options);
  ~ActorCellBase() override;

  uint64_t id() const { return id_; }
  const std::string& name() const { return options_.name; }
  const ActorOptions& options() const { return options_; }
  ActorSystem& system() const { return *system_; }

  // Any thread. Alive until the run loop has ended.
  bool alive() const { return state_.load(std::memory_order_acquire) == State::kRunning; }
  bool stopped() const { return state_.load(std::memory_order_acquire) == State::kStopped; }
  uint64_t processed() const { return processed_.load(std::memory_order_relaxed); }
  // Messages queued and not yet handled (approximate: the actor's fiber gives them
  // back in batches, and exactly whenever it goes to sleep).
  int64_t mailbox_depth() const { return room_.count(); }

  // Any thread. `on_exit` runs once the actor has stopped (at once if it has).
  void AddMonitor(std::function<void(const ActorExit&)> on_exit);
  // Parks until the actor has stopped (OK), or until `context` is done.
  absl::Status AwaitStop(const Context& context);

  // Stop now: the message being handled finishes, the rest become dead letters.
  void RequestKill(const absl::Status& why) override;
  // Replace the actor's instance with a fresh one before the next message.
  void RequestRestart(const absl::Status& why) override;

  void set_supervisor(SupervisorCore* supervisor) { supervisor_ = supervisor; }

 protected:
  // Wakes the run loop (it checks the kill/restart flags first).
  virtual void Nudge() = 0;

  // For the run loop.
  bool kill_requested() const { return kill_.load(std::memory_order_acquire); }
  absl::Status kill_reason() const;
  // True (once per request) if a restart was requested; `why` gets the reason.
  bool TakeRestartRequest(absl::Status* why);
  // Asks the supervisor (if any) what to do about `failure`.
  FailureDecision DecideAfterFailure(const absl::Status& failure);
  void CountProcessed() { processed_.store(processed_.load(std::memory_order_relaxed) + 1,
                                           std::memory_order_relaxed); }
  void set_stopping() { state_.store(State::kStopping, std::memory_order_release); }
  // The end of the run loop, in two steps: MarkStopped (from now on a Tell drains
  // the mailbox itself; see ActorCell), then, after the last drain, AnnounceStopped
  // (supervisor, system, monitors, AwaitStop).
  void MarkStopped(const absl::Status& reason);
  void AnnounceStopped();
  void ReportDeadLetter(const char* reason);

  MailboxRoom room_;  // the mailbox's count, and its parked senders if bounded

 private:
  ActorSystem* const system_;
  const uint64_t id_;
  const ActorOptions options_;
  SupervisorCore* supervisor_ = nullptr;

  std::atomic<State> state_{State::kRunning};  // read by every Tell
  // Written by the actor's fiber for every message: on a line of its own, or every
  // Tell's read of state_ would miss the cache.
  alignas(64) std::atomic<uint64_t> processed_{0};
  std::atomic<bool> kill_{false};
  std::atomic<bool> restart_{false};
  mutable std::mutex request_mutex_;  // guards the reasons below and monitors_
  absl::Status kill_reason_;
  absl::Status restart_reason_;
  std::vector<std::function<void(const ActorExit&)>> monitors_;
  ActorExit exit_;
  WaitGroup stopped_{1};
};

}  // namespace actors_internal
}  // namespace troupe

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_CELL_BASE_H_
