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
#include <typeinfo>
#include <vector>

#include "absl/status/status.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/live_actors.h"
#include "troupe/actors/internal/mailbox_room.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/internal/spin_lock.h"
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

// An actor class, as dumps, traces, logs and profiles name it: its demangled C++
// name, made once per class (ActorTypeOf) and immortal.
class ActorType {
 public:
  explicit ActorType(const char* mangled_name);
  const std::string& name() const { return *name_; }
  // {"actor_type": name()}: the labels of an unnamed actor of this class.
  const LabelSet* labels() const { return labels_; }

 private:
  const std::string* name_;  // immortal: fibers' labels may outlive any static
  const LabelSet* labels_;
};

// The ActorType of class A, demangled on first use (one lock-free check after).
template <typename A>
const ActorType& ActorTypeOf() {
  static const ActorType* const type = new ActorType(typeid(A).name());  // immortal
  return *type;
}

// The actor whose fiber is calling, or null (a plain thread, or a fiber that is no
// actor's). An actor's run loop labels its fiber with SetCurrentActor.
ActorCellBase* CurrentActor();
// Fiber context only: labels the calling fiber as `cell`'s, for CurrentActor, and
// for everything that names fibers (fiber_labels.h: dumps, deadlock reports, traces,
// logs, profiles): "actor" = the actor's name, when it has one, and "actor_type" =
// the name of `type`. Called once per actor, at its first run.
void SetCurrentActor(ActorCellBase* cell, const ActorType& type);
// True on a plain thread (which never waits for an unbounded mailbox).
bool OnPlainThread();
// The actor's fiber, about to return from its body with an empty mailbox (after
// MailboxQueue::BeginSleep): it parks without a stack and runs again when woken.
void ParkAtTop();
// The actor's fiber, at the top of its body: it was woken because its runtime is
// being destroyed (the scheduler's shutdown.cc), so it must stop.
bool WokenForShutdown();

enum class FailureDecision : uint8_t { kRestart, kStop };

class ActorCellBase : public Supervisable {
 public:
  enum class State : uint8_t { kRunning, kStopping, kStopped };

  ActorCellBase(ActorSystem* system, uint64_t id, ActorOptions options);
  ~ActorCellBase() override;

  uint64_t id() const { return id_; }
  const std::string& name() const { return options_.name; }
  // "name (#id)", or "#id" for an actor without a name.
  std::string Describe() const;
  const ActorOptions& options() const { return options_; }
  ActorSystem& system() const { return *system_; }

  // Any thread. Alive until the run loop has ended.
  bool alive() const { return state_.load(std::memory_order_acquire) == State::kRunning; }
  bool stopped() const { return state_.load(std::memory_order_acquire) == State::kStopped; }
  // As stopped(), with a seq_cst load (for the Dekker handshakes that need one).
  bool stopped_seq_cst() const {
    return state_.load(std::memory_order_seq_cst) == State::kStopped;
  }
  // Messages queued and not yet handled (approximate: the actor's fiber gives them
  // back in batches, and exactly whenever it goes to sleep).
  int64_t mailbox_depth() const { return room_.count(); }
  // Messages handled so far. Any thread; racy (a statistic).
  virtual uint64_t processed() const = 0;
  // The actor's fiber, on each restart: counted in ActorSystem::restarts().
  void CountRestart();

  // Any thread. `on_exit` runs once the actor has stopped: in the stopping actor's
  // own fiber, after its OnStop, or at once in the caller if it has stopped already.
  // Returns a handle for RemoveMonitor (0 if it ran at once).
  uint64_t AddMonitor(std::function<void(const ActorExit&)> on_exit);
  // Any thread. The monitor will not run (it may be running right now).
  void RemoveMonitor(uint64_t handle);
  // Parks until the actor has stopped (OK), or until `context` is done.
  absl::Status AwaitStop(const Context& context);

  // Graceful stop: handled after everything already queued.
  virtual void RequestStop() = 0;
  // Stop now: the message being handled finishes, the rest become dead letters.
  void RequestKill(const absl::Status& why) override;
  // Replace the actor's instance with a fresh one before the next message.
  void RequestRestart(const absl::Status& why) override;

  void set_supervisor(SupervisorCore* supervisor) { supervisor_ = supervisor; }

  // For the system's LiveActors only (under its shard's lock).
  LiveActorsNode& live_node() { return live_node_; }
  // For the system's name registry: the cell was registered under a name (seq_cst:
  // see ActorSystem::RegisterCell).
  std::atomic<bool>& registered() { return registered_; }

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
  void set_stopping() { state_.store(State::kStopping, std::memory_order_release); }
  // The end of the run loop, in two steps: MarkStopped (from now on a Tell drains
  // the mailbox itself; see ActorCell), then, after the last drain, AnnounceStopped
  // (supervisor, system, monitors, AwaitStop).
  void MarkStopped(const absl::Status& reason);
  void AnnounceStopped();
  void ReportDeadLetter(const char* reason);
  // The system's count of skipped timer ticks (ActorSystem::timer_ticks_skipped).
  std::atomic<uint64_t>& timer_ticks_skipped_counter();

  // Layout: the cold fields first, on the vtable pointer's line; then the room, whose
  // first line the producers share (mailbox_room.h); then state_, which every Tell
  // reads, among fields nobody writes per message. The actor's fiber writes its
  // per-message counters on the queue's consumer line (ActorCell).
 private:
  ActorSystem* const system_;
  const uint64_t id_;
  SupervisorCore* supervisor_ = nullptr;
  LiveActorsNode live_node_;

 protected:
  MailboxRoom room_;  // the mailbox's count, and its parked senders if bounded

 private:
  std::atomic<State> state_{State::kRunning};  // read by every Tell
  std::atomic<bool> registered_{false};
  const ActorOptions options_;
  std::atomic<bool> kill_{false};
  std::atomic<bool> restart_{false};
  ActorExit ExitLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(request_lock_);

  // Guards the reasons below and monitors_; held for a few instructions, never
  // across user code.
  mutable scheduler_internal::SpinLock request_lock_;
  absl::Status kill_reason_ ABSL_GUARDED_BY(request_lock_);
  absl::Status restart_reason_ ABSL_GUARDED_BY(request_lock_);
  std::vector<std::pair<uint64_t, std::function<void(const ActorExit&)>>> monitors_
      ABSL_GUARDED_BY(request_lock_);
  uint64_t next_monitor_ ABSL_GUARDED_BY(request_lock_) = 1;
  absl::Status exit_reason_ ABSL_GUARDED_BY(request_lock_);
  WaitGroup stopped_{1};
};

}  // namespace actors_internal
}  // namespace troupe

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_CELL_BASE_H_
