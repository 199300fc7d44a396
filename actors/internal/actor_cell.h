// ActorCell<M>: a running actor — its typed mailbox, its instance, and the run loop
// in its own fiber. Users see it through ActorRef<M> (actor.h).
//
// Messages travel in recycled Envelopes (envelope_cache.h), so a Tell allocates
// nothing once the cache is warm. Besides user messages the mailbox carries the actor's own
// system messages: stop (graceful: everything queued before it is handled first), a
// nudge (wakes the loop to look at a kill or restart request), and a linked actor's
// exit.
//
// The mailbox is the MailboxQueue of envelopes (mailbox_queue.h) plus the MailboxRoom
// that counts them and parks senders on a full bounded mailbox (mailbox_room.h): a
// Tell takes a slot in the room before it pushes; the run loop gives slots back in
// batches.
// An unbounded mailbox has a soft bound (mailbox_room.h): a sender fiber that finds it
// very deep parks briefly until the actor catches up. The actor's own fiber and plain
// threads are exempt: the actor would wait for itself, and a thread never waits on
// an unbounded mailbox.
//
// Delivery guarantee: a message accepted by Tell is either handled by the actor or
// reported as a dead letter — never lost. The last step of the run loop marks the
// cell stopped (seq_cst) and then drains the mailbox into dead letters; a Tell pushes
// (seq_cst) and then checks for stopped, and drains too if it is. One of the two
// always sees the other's message.
#ifndef TROUPE_ACTORS_INTERNAL_ACTOR_CELL_H_
#define TROUPE_ACTORS_INTERNAL_ACTOR_CELL_H_

#include <algorithm>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell_base.h"
#include "troupe/actors/internal/envelope_cache.h"
#include "troupe/actors/internal/mailbox_queue.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe {

template <typename M>
class Actor;

namespace actors_internal {

// The cell of an actor taking messages M. Its instance is built and destroyed by the
// derived ActorCellFor<A, Args...>, in the cell's own memory.
template <typename M>
class ActorCell : public ActorCellBase, public std::enable_shared_from_this<ActorCell<M>> {
 public:
  ActorCell(ActorSystem* system, uint64_t id, ActorOptions options)
      : ActorCellBase(system, id, std::move(options)) {}

  ~ActorCell() override {
    while (MailboxNode* node = queue_.Pop()) Recycle(static_cast<Envelope*>(node));
  }

  // Starts the actor's fiber, which holds a reference to the cell until it ends. The
  // fiber waits for a stack rather than fail for want of one (scheduler.cc); without
  // memory for even its record, the actor stops at once with ResourceExhausted.
  void Start(Runtime& runtime) {
    const scheduler_internal::NewFiber created = scheduler_internal::CreateFiberOn(
        scheduler_internal_SchedulerOf(runtime), /*waits_for_stack=*/true);
    JoinHandle detached(created.fiber);  // the actor's fiber is never joined
    if (created.body == nullptr) {
      FailToStart(absl::ResourceExhaustedError(absl::StrCat(
          "actor ", Describe(), " could not start: no memory for its fiber")));
      return;
    }
    created.body->Emplace([self = this->shared_from_this()] { self->Run(); });
    scheduler_internal::StartFiber(created.fiber);
  }

  // Any fiber or thread. See ActorRef::Tell.
  template <typename Message>
  absl::Status Tell(Message&& message, const Context& context) {
    if (!alive()) {
      ReportDeadLetter("actor stopped");
      return absl::FailedPreconditionError(
          absl::StrCat("actor ", Describe(), " has stopped; the message is a dead letter"));
    }
    if (room_.bounded()) {
      if (absl::Status room = ReserveRoom(context); !room.ok()) {
        if (options().overflow == MailboxOverflow::kDrop) {
          ReportDeadLetter("mailbox full");
        }
        return room;
      }
    } else {
      if (room_.deep()) WaitUntilShallow();
      room_.Take();
    }
    Envelope* envelope = NewEnvelope(Envelope::kUser);
    envelope->message.emplace(std::forward<Message>(message));
    envelope->context = context;
    Push(envelope);
    return absl::OkStatus();
  }

  // Graceful stop: handled after everything already queued.
  void RequestStop() { PushSystem(NewEnvelope(Envelope::kStop)); }

  // A linked actor ended; handled in order, in this actor's fiber.
  void DeliverLinkedExit(const ActorExit& exit) {
    Envelope* envelope = NewEnvelope(Envelope::kLinkedExit);
    envelope->linked_exit = exit;
    PushSystem(envelope);
  }

  // ---- For Actor<M>, from the actor's own fiber. ----
  const Context& request_context() const {
    static const Context* const background = new Context();
    return current_context_ != nullptr ? *current_context_ : *background;
  }
  void StashCurrent() { stash_current_ = true; }
  void UnstashAll() {
    if (stash_ == nullptr) return;
    while (!stash_->kept.empty()) {
      stash_->unstashed.push_back(std::move(stash_->kept.front()));
      stash_->kept.pop_front();
    }
  }
  std::size_t stashed() const { return stash_ == nullptr ? 0 : stash_->kept.size(); }
  void StopSelf() { stop_after_current_ = true; }

  // Any thread; racy (a statistic).
  uint64_t processed() const { return processed_.load(std::memory_order_relaxed); }


 protected:
  void Nudge() override { PushSystem(NewEnvelope(Envelope::kNudge)); }

 private:
  struct Envelope : MailboxNode {
    enum Kind : uint8_t { kUser, kStop, kNudge, kLinkedExit };
    Kind kind = kUser;
    std::optional<M> message;
    Context context;
    std::optional<ActorExit> linked_exit;
  };
  struct Stashed {
    M message;
    Context context;
  };
  // Built on the first Stash: most actors never stash, and an empty std::deque
  // allocates.
  struct Stash {
    std::deque<Stashed> kept;        // Stash()ed, waiting for UnstashAll
    std::deque<Stashed> unstashed;   // handled before the mailbox
  };
  void Keep(Stashed stashed) {
    if (stash_ == nullptr) stash_ = std::make_unique<Stash>();
    stash_->kept.push_back(std::move(stashed));
  }

  static Envelope* NewEnvelope(typename Envelope::Kind kind) {
    Envelope* envelope = EnvelopeCache<Envelope>::Get();
    envelope->kind = kind;
    return envelope;
  }
  static void Recycle(Envelope* envelope) {
    envelope->message.reset();
    if (envelope->context.state() != nullptr) envelope->context = Context();
    envelope->linked_exit.reset();
    EnvelopeCache<Envelope>::Put(envelope);
  }

  absl::Status ReserveRoom(const Context& context) {
    switch (options().overflow) {
      case MailboxOverflow::kBlockSender:
        return room_.Reserve(context);
      case MailboxOverflow::kReject:
        if (room_.TryReserve()) return absl::OkStatus();
        return absl::ResourceExhaustedError(absl::StrCat(
            "mailbox of actor ", Describe(), " is full (capacity ",
            options().mailbox_capacity, "); the message was not sent"));
      case MailboxOverflow::kDrop:
        if (room_.TryReserve()) return absl::OkStatus();
        return absl::ResourceExhaustedError(absl::StrCat(
            "mailbox of actor ", Describe(), " is full (capacity ",
            options().mailbox_capacity, "); the message was dropped as a dead letter"));
    }
    return absl::OkStatus();
  }

  // Unbounded mailboxes, before a Tell takes its slot; see the top of this file.
  void WaitUntilShallow() {
    if (OnPlainThread() || CurrentActor() == this) return;  // a thread; the actor itself
    room_.WaitUntilShallow();
  }

  // The envelope's slot in room_ is taken already.
  void Push(Envelope* envelope) {
    queue_.Push(envelope);
    if (stopped()) DrainAsDeadLetters();  // see the delivery guarantee above
  }
  // System messages take a slot regardless of the capacity: they never wait.
  void PushSystem(Envelope* envelope) {
    room_.Take();
    Push(envelope);
  }

  // Counts one envelope out of the mailbox (the actor's fiber only). Slots go back
  // to room_ in batches (room_.batch(): a quarter of the capacity), not one
  // message at a time: the run loop then pays no atomic per message, and a parked
  // sender woken for a batch of room can queue several messages per wake-up. The
  // batch is flushed whenever the actor goes to sleep, so a sender is never left
  // waiting on an empty mailbox.
  void Dequeued() {
    if (++unreleased_ >= room_.batch()) ReleaseSlots();
  }
  void ReleaseSlots() {
    if (unreleased_ == 0) return;  // no new room: nobody to wake (mailbox_room.h)
    room_.Release(unreleased_);
    unreleased_ = 0;
  }

  void DrainAsDeadLetters() {
    // Makes us the single consumer. A spin lock that yields the thread: draining is
    // rare (a stopped actor) and never parks.
    scheduler_internal::SpinLockHolder lock(drain_lock_);
    int64_t drained = 0;
    while (MailboxNode* node = queue_.Pop()) {
      Envelope* envelope = static_cast<Envelope*>(node);
      ++drained;
      if (envelope->kind == Envelope::kUser) ReportDeadLetter("actor stopped");
      Recycle(envelope);
    }
    if (drained > 0) room_.Release(drained);  // room is closed by now
  }

  // The actor never ran: it stops with `reason` (no OnStart or OnStop ran), and what
  // was sent meanwhile becomes dead letters.
  void FailToStart(const absl::Status& reason) {
    set_stopping();
    MarkStopped(reason);
    room_.Close();
    DrainAsDeadLetters();
    AnnounceStopped();
  }

  // Runs `step` on the instance, turning an escaping exception into a status.
  template <typename Step>
  static absl::Status Guarded(Step&& step) {
    try {
      step();
      return absl::OkStatus();
    } catch (const std::exception& error) {
      return absl::InternalError(absl::StrCat("actor failed: ", error.what()));
    } catch (...) {
      return absl::InternalError("actor failed: an exception not derived from std::exception");
    }
  }

  absl::Status StartInstance() {
    if (absl::Status built = Guarded([&] { actor_ = NewInstance(); }); !built.ok()) {
      return built;
    }
    actor_->cell_ = this;
    return Guarded([&] { actor_->OnStart(); });
  }

  void StopInstance(const absl::Status& reason) {
    if (actor_ == nullptr) return;
    Guarded([&] { actor_->OnStop(reason); }).IgnoreError();
    DeleteInstance(actor_);
    actor_ = nullptr;
  }

 protected:
  // Builds a fresh instance of the actor (the actor's fiber only); may throw.
  virtual Actor<M>* NewInstance() = 0;
  virtual void DeleteInstance(Actor<M>* instance) = 0;

 private:

  // A failure: restart (true) or give up with *reason (false), as the supervisor says.
  bool Recover(absl::Status failure, absl::Status* reason) {
    while (DecideAfterFailure(failure) == FailureDecision::kRestart) {
      StopInstance(failure);
      failure = StartInstance();
      if (failure.ok()) return true;
    }
    *reason = failure;
    return false;
  }

  bool NextMessage(std::optional<Stashed>* unstashed, Envelope** envelope) {
    if (stash_ != nullptr && !stash_->unstashed.empty()) {
      unstashed->emplace(std::move(stash_->unstashed.front()));
      stash_->unstashed.pop_front();
      return true;
    }
    MailboxNode* node = queue_.Pop();
    if (node == nullptr) return false;
    *envelope = static_cast<Envelope*>(node);
    Dequeued();
    return true;
  }

  absl::Status Handle(M& message, const Context& context) {
    current_context_ = &context;
    stash_current_ = false;
    absl::Status status = Guarded([&] { actor_->Dispatch(message); });
    current_context_ = nullptr;
    // relaxed, and no RMW: only this fiber writes it; readers want a statistic.
    processed_.store(processed_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return status;
  }

  // The actor's fiber body. It runs from the top when the actor starts and again at
  // every wake-up after the actor slept: an actor with an empty mailbox returns from
  // here and parks without a stack (ParkAtTop), so an idle actor holds no stack. A
  // handler that parks (Ask, a channel, a mutex) keeps the stack while it does.
  void Run() {
    absl::Status reason;
    bool running = true;
    if (started_ && WokenForShutdown()) {
      reason = absl::CancelledError("the runtime is shutting down");
      running = false;
    }
    if (!started_) {
      started_ = true;
      // Label this fiber as this actor's (ask-cycle detection, actor_system.h).
      SetCurrentActor(this);
      if (absl::Status failure = StartInstance(); !failure.ok()) {
        running = Recover(failure, &reason);
      }
    }
    int handled_this_turn = 0;
    while (running) {
      if (kill_requested()) {
        reason = kill_reason();
        break;
      }
      if (absl::Status why; TakeRestartRequest(&why)) {
        StopInstance(why);
        if (absl::Status failure = StartInstance(); !failure.ok()) {
          running = Recover(failure, &reason);
        }
        continue;
      }
      std::optional<Stashed> unstashed;
      Envelope* envelope = nullptr;
      if (!NextMessage(&unstashed, &envelope)) {
        ReleaseSlots();  // invariant 4 of mailbox_room.h
        if (queue_.BeginSleep()) {
          ParkAtTop();
          return;  // the next message runs this again, from the top
        }
        handled_this_turn = 0;
        continue;
      }
      absl::Status failure;
      if (unstashed.has_value()) {
        failure = Handle(unstashed->message, unstashed->context);
        if (stash_current_) Keep(std::move(*unstashed));
      } else if (envelope->kind == Envelope::kUser) {
        failure = Handle(*envelope->message, envelope->context);
        if (stash_current_) {
          Keep(Stashed{std::move(*envelope->message), std::move(envelope->context)});
        }
      } else if (envelope->kind == Envelope::kLinkedExit) {
        failure = Guarded([&] { actor_->OnLinkedExit(*envelope->linked_exit); });
      } else if (envelope->kind == Envelope::kStop) {
        Recycle(envelope);
        break;
      }
      if (envelope != nullptr) Recycle(envelope);
      if (!failure.ok()) {
        running = Recover(failure, &reason);
        continue;
      }
      if (stop_after_current_) break;
      if (++handled_this_turn >= options().batch) {
        handled_this_turn = 0;
        this_fiber::Yield();  // fairness: let the other fibers on this P run
      }
    }
    set_stopping();
    StopInstance(reason);
    if (stash_ != nullptr) {
      for (std::size_t i = 0; i < stash_->kept.size(); ++i) {
        ReportDeadLetter("actor stopped (stashed message)");
      }
      stash_.reset();
    }
    MarkStopped(reason);
    // Senders parked on a full mailbox: let them all through; their messages find
    // the actor stopped and become dead letters.
    ReleaseSlots();
    room_.Close();
    DrainAsDeadLetters();
    AnnounceStopped();
  }

  friend class Actor<M>;

  MailboxQueue queue_;
  // The actor's fiber's own fields, written per message: after queue_, off the lines
  // producers read.
  std::atomic<uint64_t> processed_{0};
  Actor<M>* actor_ = nullptr;  // the actor's fiber only
  int64_t unreleased_ = 0;  // slots taken out of queue_, not yet back in room_; the actor's fiber only
  scheduler_internal::SpinLock drain_lock_;
  const Context* current_context_ = nullptr;  // the actor's fiber only
  bool stash_current_ = false;
  bool stop_after_current_ = false;
  bool started_ = false;  // the actor's fiber only
  std::unique_ptr<Stash> stash_;  // the actor's fiber only
};

// An actor of type A built from copies of `args` (again at every restart), in the
// cell's own storage: spawning an actor is one block of CellMemory.
template <typename A, typename... Args>
class ActorCellFor final : public ActorCell<typename A::MessageType> {
 public:
  using M = typename A::MessageType;

  ActorCellFor(ActorSystem* system, uint64_t id, ActorOptions options, Args... args)
      : ActorCell<M>(system, id, std::move(options)), args_(std::move(args)...) {}

 private:
  Actor<M>* NewInstance() override {
    return std::apply([this](const Args&... args) { return new (&storage_) A(args...); },
                      args_);
  }
  void DeleteInstance(Actor<M>* instance) override { static_cast<A*>(instance)->~A(); }

  std::tuple<Args...> args_;
  alignas(A) unsigned char storage_[sizeof(A)];
};

}  // namespace actors_internal
}  // namespace troupe

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_CELL_H_
