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
// cell stopped (seq_cst) and then drains the mailbox into dead letters, waiting out
// a push in transit (MailboxQueue::PopWaitingOutTransit, whose last check of the
// queue is seq_cst); a Tell pushes (a seq_cst exchange) and then checks for stopped
// (seq_cst), and drains too if it is. In the seq_cst order either the drain's last
// check comes after the push's exchange, and the drain takes the message, or before
// it, and the Tell sees the cell stopped.
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
#include <type_traits>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/functional/any_invocable.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell_base.h"
#include "troupe/actors/internal/actor_timers.h"
#include "troupe/actors/internal/supervisor_core.h"
#include "troupe/actors/internal/envelope_cache.h"
#include "troupe/actors/internal/mailbox_queue.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/span_recorder.h"

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
        ReportDeadLetter(NotSentReason());
        return room;
      }
    } else {
      if (room_.deep()) WaitUntilShallow();
      room_.Take();
    }
    Envelope* envelope = NewEnvelope(Envelope::kUser);
    envelope->message.emplace(std::forward<Message>(message));
    envelope->context = context;
    // An actor's own fiber may read its own reference in the live set: it is set
    // before the actor starts and dropped by this fiber as it stops.
    if (ActorCellBase* sender = CurrentActor()) envelope->sender = sender->live_node().self;
    Push(envelope);
    return absl::OkStatus();
  }

  // Any fiber or thread: `message` goes in as a system message (it never waits for
  // room in a bounded mailbox): a watched actor's Terminated, for instance.
  void DeliverToSelf(M message) {
    Envelope* envelope = NewEnvelope(Envelope::kUser);
    envelope->message.emplace(std::move(message));
    PushSystem(envelope);
  }

  // Any fiber or thread: `make` builds a message in the actor's fiber, which then
  // handles it (Actor::AskThen delivers a reply this way).
  void DeliverDeferred(absl::AnyInvocable<M()> make) {
    Envelope* envelope = NewEnvelope(Envelope::kDeferred);
    envelope->deferred = std::move(make);
    PushSystem(envelope);
  }

  // Graceful stop: handled after everything already queued.
  void RequestStop() override { PushSystem(NewEnvelope(Envelope::kStop)); }

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
    if (extras_ == nullptr) return;
    Stash& stash = extras_->stash;
    while (!stash.kept.empty()) {
      stash.unstashed.push_back(std::move(stash.kept.front()));
      stash.kept.pop_front();
    }
  }
  std::size_t stashed() const { return extras_ == nullptr ? 0 : extras_->stash.kept.size(); }
  void StopSelf() { stop_after_current_ = true; }

  ActorTimers<M>& timers() {
    std::unique_ptr<ActorTimers<M>>& timers = extras().timers;
    if (timers == nullptr) {
      timers = std::make_unique<ActorTimers<M>>(this, &DeliverTick, &RecycleNode,
                                                &timer_ticks_skipped_counter());
    }
    return *timers;
  }
  bool has_timer(absl::string_view key) const {
    return extras_ != nullptr && extras_->timers != nullptr && extras_->timers->IsActive(key);
  }

  // Watches: `other` (kept alive meanwhile) runs `monitor` when it stops; forgotten
  // (and the monitor removed) by Unwatch or when this actor stops.
  void AddWatch(std::shared_ptr<ActorCellBase> other,
                std::function<void(const ActorExit&)> monitor) {
    RemoveWatch(other.get());
    const uint64_t handle = other->AddMonitor(std::move(monitor));
    if (handle != 0) extras().watches.push_back(Watching{std::move(other), handle});
  }
  void RemoveWatch(ActorCellBase* other) {
    if (extras_ == nullptr) return;
    std::vector<Watching>& watches = extras_->watches;
    for (auto it = watches.begin(); it != watches.end(); ++it) {
      if (it->cell.get() != other) continue;
      it->cell->RemoveMonitor(it->handle);
      watches.erase(it);
      return;
    }
  }

  // The actor that sent the message being handled, or null (sent from outside any
  // actor, a timer tick, a Terminated...).
  ActorCellBase* current_sender() const { return current_sender_; }

  // The supervisor of the actors this one spawned (Actor::SpawnChild), made on first
  // use. It restarts them one for one; if it gives up, this actor fails too.
  SupervisorCore& children() {
    std::unique_ptr<SupervisorCore>& children = extras().children;
    if (children == nullptr) {
      children = std::make_unique<SupervisorCore>(SupervisorOptions{}, nullptr);
      children->set_escalation_handler([this](const absl::Status& why) {
        RequestKill(absl::Status(why.code(), absl::StrCat("a child of actor ", Describe(),
                                                          " failed too often: ", why.message())));
      });
    }
    return *children;
  }

  // Any thread; racy (a statistic).
  uint64_t processed() const override { return processed_.load(std::memory_order_relaxed); }


 protected:
  void Nudge() override { PushSystem(NewEnvelope(Envelope::kNudge)); }

 private:
  struct Envelope : MailboxNode {
    enum Kind : uint8_t { kUser, kStop, kNudge, kLinkedExit, kTimer, kDeferred };
    Kind kind = kUser;
    std::optional<M> message;  // kUser, kTimer
    Context context;
    std::shared_ptr<ActorCellBase> sender;   // kUser sent by an actor
    uint64_t timer_id = 0;                   // kTimer
    absl::AnyInvocable<M()> deferred;        // kDeferred
    std::optional<ActorExit> linked_exit;    // kLinkedExit
  };
  struct Stashed {
    M message;
    Context context;
    std::shared_ptr<ActorCellBase> sender;
  };
  struct Watching {
    std::shared_ptr<ActorCellBase> cell;
    uint64_t handle;
  };

  // A timer's tick (actor_timers.h): under the heap's lock, never waits.
  // The timer's own envelope (`reused`) if it has one: no allocation per tick.
  static void DeliverTick(void* owner, const M& message, uint64_t id, MailboxNode* reused) {
    Envelope* envelope = reused != nullptr ? static_cast<Envelope*>(reused)
                                           : NewEnvelope(Envelope::kTimer);
    envelope->message.emplace(message);
    envelope->timer_id = id;
    static_cast<ActorCell*>(owner)->PushSystem(envelope);
  }
  // Stashed messages (in Extras: most actors never stash, and an empty std::deque
  // allocates).
  struct Stash {
    std::deque<Stashed> kept;        // Stash()ed, waiting for UnstashAll
    std::deque<Stashed> unstashed;   // handled before the mailbox
  };
  void Keep(Stashed stashed) { extras().stash.kept.push_back(std::move(stashed)); }

  static Envelope* NewEnvelope(typename Envelope::Kind kind) {
    Envelope* envelope = EnvelopeCache<Envelope>::Get();
    envelope->kind = kind;
    return envelope;
  }
  static void RecycleNode(MailboxNode* node) { Recycle(static_cast<Envelope*>(node)); }
  // Clears what the envelope's kind uses (the other fields are empty already, but
  // for timer_id, which only timer envelopes read and every tick sets): a user
  // message's envelope skips the deferred call's manager, an indirect call.
  static void Recycle(Envelope* envelope) {
    envelope->message.reset();
    if (envelope->context.state() != nullptr) envelope->context = Context();
    envelope->sender.reset();
    if (envelope->kind == Envelope::kDeferred) envelope->deferred = nullptr;
    if (envelope->kind == Envelope::kLinkedExit) envelope->linked_exit.reset();
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

  // Why a bounded mailbox's Tell failed, as its dead letter says.
  const char* NotSentReason() const {
    switch (options().overflow) {
      case MailboxOverflow::kBlockSender:
        return "the sender's context ended while the mailbox was full";
      case MailboxOverflow::kReject:
        return "mailbox full (refused: the sender kept the message)";
      case MailboxOverflow::kDrop:
        return "mailbox full (dropped)";
    }
    return "mailbox full";
  }

  // Unbounded mailboxes, before a Tell takes its slot; see the top of this file.
  void WaitUntilShallow() {
    if (OnPlainThread() || CurrentActor() == this) return;  // a thread; the actor itself
    room_.WaitUntilShallow();
  }

  // The envelope's slot in room_ is taken already.
  void Push(Envelope* envelope) {
    queue_.Push(envelope);
    if (stopped_seq_cst()) DrainAsDeadLetters();  // see the delivery guarantee above
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
    while (MailboxNode* node = queue_.PopWaitingOutTransit()) {
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

  // The final stop: children first (as in Akka), then OnStop; timers and watches go.
  void StopInstance(const absl::Status& reason) {
    if (extras_ != nullptr) {
      extras_->children.reset();  // kills the children and waits for them
      if (extras_->timers != nullptr) extras_->timers->CancelAll();
      while (!extras_->watches.empty()) RemoveWatch(extras_->watches.back().cell.get());
    }
    if (actor_ == nullptr) return;
    Guarded([&] { actor_->OnStop(reason); }).IgnoreError();
    DeleteInstance(actor_);
    actor_ = nullptr;
  }

  // A restart: PreRestart on the failed instance, a fresh one, PostRestart on it (by
  // default, OnStart). The instance's timers go with it; watches and children stay.
  absl::Status RestartInstance(const absl::Status& why) {
    if (extras_ != nullptr && extras_->timers != nullptr) extras_->timers->CancelAll();
    CountRestart();
    if (actor_ != nullptr) {
      Guarded([&] { actor_->PreRestart(why); }).IgnoreError();
      DeleteInstance(actor_);
      actor_ = nullptr;
    }
    if (absl::Status built = Guarded([&] { actor_ = NewInstance(); }); !built.ok()) {
      return built;
    }
    actor_->cell_ = this;
    return Guarded([&] { actor_->PostRestart(why); });
  }

 protected:
  // Builds a fresh instance of the actor (the actor's fiber only); may throw.
  virtual Actor<M>* NewInstance() = 0;
  // The actor's class, for its fiber's labels.
  virtual const ActorType& type() const = 0;
  virtual void DeleteInstance(Actor<M>* instance) = 0;

 private:

  // A failure: restart (true) or give up with *reason (false), as the supervisor says.
  bool Recover(absl::Status failure, absl::Status* reason) {
    while (DecideAfterFailure(failure) == FailureDecision::kRestart) {
      failure = RestartInstance(failure);
      if (failure.ok()) return true;
    }
    *reason = failure;
    return false;
  }

  bool NextMessage(std::optional<Stashed>* unstashed, Envelope** envelope) {
    if (extras_ != nullptr && !extras_->stash.unstashed.empty()) {
      unstashed->emplace(std::move(extras_->stash.unstashed.front()));
      extras_->stash.unstashed.pop_front();
      return true;
    }
    MailboxNode* node = queue_.Pop();
    if (node == nullptr) return false;
    *envelope = static_cast<Envelope*>(node);
    Dequeued();
    return true;
  }

  // Tracing (tracing/span.h): while a span recording is on, a message whose context
  // carries a trace is handled in a "receive" span on this actor's fiber (its labels
  // name the actor), which the handler's request_context() then carries. Otherwise
  // the check is one relaxed load.
  absl::Status Handle(M& message, const Context& context, ActorCellBase* sender) {
    if (ABSL_PREDICT_TRUE(!tracing::SpanRecordingActive()) || TraceContextOf(context) == nullptr) {
      return HandleWithin(message, context, sender);
    }
    tracing::ScopedSpan span(context, "receive");
    absl::Status status = HandleWithin(message, span.context(), sender);
    span.SetStatus(status);
    return status;
  }

  absl::Status HandleWithin(M& message, const Context& context, ActorCellBase* sender) {
    current_context_ = &context;
    current_sender_ = sender;
    stash_current_ = false;
    absl::Status status = Guarded([&] { actor_->Dispatch(message); });
    current_context_ = nullptr;
    current_sender_ = nullptr;
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
      SetCurrentActor(this, type());
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
        if (absl::Status failure = RestartInstance(why); !failure.ok()) {
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
        failure = Handle(unstashed->message, unstashed->context, unstashed->sender.get());
        if (stash_current_) Keep(std::move(*unstashed));
      } else if (envelope->kind == Envelope::kUser) {
        failure = Handle(*envelope->message, envelope->context, envelope->sender.get());
        if (stash_current_) {
          Keep(Stashed{std::move(*envelope->message), std::move(envelope->context),
                       std::move(envelope->sender)});
        }
      } else if (envelope->kind == Envelope::kTimer) {
        if (extras_ != nullptr && extras_->timers != nullptr &&
            extras_->timers->Accept(envelope->timer_id)) {
          failure = Handle(*envelope->message, envelope->context, nullptr);
          // The handler may have cancelled or replaced the timer (then it is gone).
          if (extras_->timers != nullptr && extras_->timers->Handled(envelope->timer_id, envelope)) {
            envelope = nullptr;  // the timer's again, for its next tick
          }
        }
      } else if (envelope->kind == Envelope::kDeferred) {
        std::optional<M> made;
        failure = Guarded([&] { made.emplace(envelope->deferred()); });
        if (failure.ok()) failure = Handle(*made, envelope->context, nullptr);
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
    if (extras_ != nullptr) {
      for (std::size_t i = 0; i < extras_->stash.kept.size(); ++i) {
        ReportDeadLetter("actor stopped (stashed message)");
      }
      extras_.reset();
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
  ActorCellBase* current_sender_ = nullptr;  // the actor's fiber only
  // What few actors use, made on first use, so that an idle actor stays small: the
  // actor's fiber only.
  struct Extras {
    Stash stash;
    std::unique_ptr<ActorTimers<M>> timers;
    std::unique_ptr<SupervisorCore> children;
    std::vector<Watching> watches;
  };
  Extras& extras() {
    if (extras_ == nullptr) extras_ = std::make_unique<Extras>();
    return *extras_;
  }
  std::unique_ptr<Extras> extras_;
};

// An actor of type A built from copies of `args` (again at every restart), in the
// cell's own storage: spawning an actor is one block of CellMemory.
template <typename A, typename... Args>
class ActorCellFor final : public ActorCell<typename A::MessageType> {
 public:
  using M = typename A::MessageType;
  static_assert(std::is_base_of_v<Actor<M>, A>, "A must derive from Actor<A::MessageType>");
  static_assert(std::is_constructible_v<A, const Args&...>,
                "A must be constructible from (copies of) the arguments given");

  ActorCellFor(ActorSystem* system, uint64_t id, ActorOptions options, Args... args)
      : ActorCell<M>(system, id, std::move(options)), args_(std::move(args)...) {}

 private:
  Actor<M>* NewInstance() override {
    return std::apply([this](const Args&... args) { return new (&storage_) A(args...); },
                      args_);
  }
  void DeleteInstance(Actor<M>* instance) override { static_cast<A*>(instance)->~A(); }
  const ActorType& type() const override { return ActorTypeOf<A>(); }

  std::tuple<Args...> args_;
  alignas(A) unsigned char storage_[sizeof(A)];
};

// An actor of type A made by `factory` (again at every restart), constructed in the
// cell's own storage: the factory returns an A by value, which C++17 builds in place,
// so A may be neither copyable nor movable, and the factory may own move-only
// dependencies (it is never copied).
template <typename A, typename Factory>
class ActorCellFromFactory final : public ActorCell<typename A::MessageType> {
 public:
  using M = typename A::MessageType;
  static_assert(std::is_base_of_v<Actor<M>, A>,
                "the factory must return an actor (a class derived from Actor<M>) by value");

  ActorCellFromFactory(ActorSystem* system, uint64_t id, ActorOptions options, Factory factory)
      : ActorCell<M>(system, id, std::move(options)), factory_(std::move(factory)) {}

 private:
  Actor<M>* NewInstance() override { return new (&storage_) A(factory_()); }
  void DeleteInstance(Actor<M>* instance) override { static_cast<A*>(instance)->~A(); }
  const ActorType& type() const override { return ActorTypeOf<A>(); }

  Factory factory_;
  alignas(A) unsigned char storage_[sizeof(A)];
};

}  // namespace actors_internal
}  // namespace troupe

#endif  // TROUPE_ACTORS_INTERNAL_ACTOR_CELL_H_
