// Actors: fibers that own their state and handle typed messages one at a time.
//
//   struct Increment { int by; };
//   struct Get { troupe::Reply<int> reply; };
//   using CounterMessage = std::variant<Increment, Get>;
//
//   class Counter : public troupe::Actor<CounterMessage> {
//    public:
//     void Receive(CounterMessage& message) override {
//       std::visit(troupe::Overloaded{
//           [&](Increment& m) { count_ += m.by; },
//           [&](Get& m) { m.reply.Send(count_); }}, message);
//     }
//    private:
//     int count_ = 0;  // only this actor's fiber ever touches it
//   };
//
//   troupe::ActorRef<CounterMessage> counter = system.Spawn<Counter>({.name = "counter"});
//   counter.Tell(Increment{2});                                   // fire and forget
//   absl::StatusOr<int> n = troupe::Ask<int>(counter,             // request/reply
//       [](troupe::Reply<int> r) { return Get{std::move(r)}; }, ctx);
//
// An ActorRef<M> accepts exactly the messages M can be built from: sending anything
// else does not compile. Messages from one sender arrive in the order sent. An actor
// with an empty mailbox is a parked fiber: no CPU, no thread. Exceptions escaping
// Receive are failures, handled by the actor's supervisor (supervisor.h) or, without
// one, ending the actor with the failure as its exit reason.
#ifndef TROUPE_ACTORS_ACTOR_H_
#define TROUPE_ACTORS_ACTOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell.h"
#include "troupe/actors/internal/actor_timers.h"
#include "troupe/actors/internal/reply_type.h"
#include "troupe/actors/tell_status.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/timer.h"

namespace troupe {

// std::visit helper: Overloaded{[](A&){...}, [](B&){...}}.
template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

template <typename M>
class ActorRef;

template <typename M>
class Actor {
 public:
  using MessageType = M;

  Actor() = default;
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;
  virtual ~Actor() = default;

  // Handles one message, in the actor's fiber. May park (Ask other actors, use
  // channels): the actor handles its next message only after this returns.
  virtual void Receive(M& message) = 0;
  // Before the first message.
  virtual void OnStart() {}
  // After the last message, once the actor's children have stopped; `reason` is OK
  // for a normal stop. Not called on a restart (see PreRestart).
  virtual void OnStop(const absl::Status& reason) { (void)reason; }
  // On the failed instance, before a restart replaces it with a fresh one (its
  // timers are cancelled; watches and children stay with the actor).
  virtual void PreRestart(const absl::Status& failure) { (void)failure; }
  // On the fresh instance after a restart, instead of OnStart; by default OnStart.
  // State that must survive a restart lives outside the instance, by the author's
  // choice: in what the factory or the constructor's arguments share (a
  // std::shared_ptr given at spawn, say), never smuggled through the old instance.
  virtual void PostRestart(const absl::Status& failure) {
    (void)failure;
    OnStart();
  }
  // A linked actor ended (see Link) and this actor traps exits
  // (ActorOptions-independent: override this to trap). The default fails this actor
  // too when the linked one failed, as in Erlang.
  virtual void OnLinkedExit(const ActorExit& exit) {
    if (!exit.reason.ok()) {
      throw std::runtime_error("linked actor " + std::to_string(exit.actor_id) +
                               " failed: " + std::string(exit.reason.message()));
    }
  }

 protected:
  ActorRef<M> self() const;
  // The context of the message being handled: the asker's deadline and cancellation.
  // Pass it on to Asks made while handling the message.
  const Context& request_context() const { return cell_->request_context(); }

  // Handle further messages with `behavior` until Unbecome (a stack).
  void Become(std::function<void(M&)> behavior) { behaviors_.push_back(std::move(behavior)); }
  void Unbecome() {
    if (!behaviors_.empty()) behaviors_.pop_back();
  }
  // Keep the current message for later instead of consuming it.
  void Stash() { cell_->StashCurrent(); }
  // Handle every stashed message again, before anything else in the mailbox.
  void UnstashAll() { cell_->UnstashAll(); }
  std::size_t stashed() const { return cell_->stashed(); }
  // Stop after the current message (what is queued becomes dead letters).
  void StopSelf() { cell_->StopSelf(); }

  // ---- Timers: messages this actor sends itself (actor_timers.h). ----
  // Keyed: starting a timer with a key in use replaces that timer, and a tick of the
  // replaced one is never handled. Every timer is cancelled when the actor stops or
  // restarts. No fiber per timer; no allocation per tick.
  //
  // `message` once, `delay` from now.
  template <typename Message>
  void StartSingleTimer(absl::string_view key, Message message, absl::Duration delay) {
    StartTimer(key, std::move(message), delay, actors_internal::TimerMode::kSingle);
  }
  // `message` every `interval` from now; a tick that comes while the last one is
  // still unhandled is skipped.
  template <typename Message>
  void StartTimerAtFixedRate(absl::string_view key, Message message, absl::Duration interval) {
    StartTimer(key, std::move(message), interval, actors_internal::TimerMode::kFixedRate);
  }
  // `message` `delay` from now, and again `delay` after each tick was handled.
  template <typename Message>
  void StartTimerWithFixedDelay(absl::string_view key, Message message, absl::Duration delay) {
    StartTimer(key, std::move(message), delay, actors_internal::TimerMode::kFixedDelay);
  }
  // True if a timer with `key` was active.
  bool CancelTimer(absl::string_view key) { return cell_->timers().Cancel(key); }
  bool IsTimerActive(absl::string_view key) const { return cell_->has_timer(key); }

  // ---- Watching: Terminated messages. ----
  // When `other` stops (at once if it has), this actor receives Terminated{other's
  // id, name, reason} in its mailbox, in order with its other messages. M must be
  // constructible from Terminated. Watching again replaces the watch; watches end
  // when this actor stops. (ActorRef::Monitor is the callback form.)
  template <typename N>
  void Watch(const ActorRef<N>& other);
  template <typename N>
  void Unwatch(const ActorRef<N>& other) {
    cell_->RemoveWatch(other.cell());
  }

  // ---- Asking without waiting (Akka's context.ask, CAF's request().then). ----
  // Sends `make_request(Reply<T>)` to `target` (an ActorRef, a Router, anything with
  // ActorRef's Tell(message, context)) and returns at once; this actor goes on
  // handling other messages. The answer — or DeadlineExceeded after `timeout`,
  // FailedPrecondition if `target` has stopped, Aborted if it dropped the request —
  // comes back later as a message: `adapt(absl::StatusOr<T>)`, which must return
  // something M is constructible from, run in this actor's fiber.
  template <typename T, typename Target, typename MakeRequest, typename Adapt>
  void AskThen(const Target& target, MakeRequest make_request, absl::Duration timeout,
               Adapt adapt);

  // ---- This actor's context. ----
  ActorSystem& system() const { return cell_->system(); }
  // Starts an actor that this one supervises (restarted one for one, at most 3 times
  // in 5 s; beyond that this actor fails too), stopped before this one's OnStop.
  // Needs actor_system.h.
  template <typename A, typename... Args>
  ActorRef<typename A::MessageType> SpawnChild(ActorOptions options, Args... args);
  // As SpawnChild, with the child made by `factory` (see ActorSystem::SpawnFrom).
  template <typename Factory>
  auto SpawnChildFrom(ActorOptions options, Factory factory);
  // The sender of the message being handled, if it was sent by an actor that takes
  // messages S (a Tell from its own fiber); otherwise nullopt: sent from outside any
  // actor, a timer's tick, a Terminated, or an actor of another message type. For
  // replying when the message carries no Reply.
  template <typename S>
  std::optional<ActorRef<S>> sender() const;

 private:
  template <typename Message>
  void StartTimer(absl::string_view key, Message message, absl::Duration interval,
                  actors_internal::TimerMode mode) {
    static_assert(std::is_constructible_v<M, Message&&>,
                  "this actor does not accept that message type");
    static_assert(std::is_copy_constructible_v<M>, "timer messages are copied per tick");
    cell_->timers().Start(key, M(std::move(message)), interval, mode);
  }

  friend class actors_internal::ActorCell<M>;
  void Dispatch(M& message) {
    if (behaviors_.empty()) {
      Receive(message);
    } else {
      behaviors_.back()(message);
    }
  }

  actors_internal::ActorCell<M>* cell_ = nullptr;
  std::vector<std::function<void(M&)>> behaviors_;
};

template <typename M>
class ActorRef {
 public:
  ActorRef() = default;
  explicit ActorRef(std::shared_ptr<actors_internal::ActorCell<M>> cell)
      : cell_(std::move(cell)) {}

  // Any fiber or thread. Queues `message` (anything M can be built from). Errors:
  // FailedPrecondition if the actor has stopped; for a full bounded mailbox, as its
  // MailboxOverflow policy says (ResourceExhausted, or the context's error while
  // parked). Every message not sent is counted as a dead letter
  // (ActorSystem::dead_letters, OnDeadLetter), so a caller that ignores the result
  // loses nothing unobserved: fire-and-forget is a valid use, and the result is not
  // [[nodiscard]] (see tell_status.h). A message that was not sent is not moved from.
  template <typename Message>
  TellStatus Tell(Message&& message) const {
    return Tell(std::forward<Message>(message), Context::Background());
  }
  // As Tell; `context` travels with the message (the actor sees it as
  // request_context()) and bounds a parked send on a full mailbox.
  template <typename Message>
  TellStatus Tell(Message&& message, const Context& context) const {
    static_assert(std::is_constructible_v<M, Message&&>,
                  "this actor does not accept that message type");
    return cell_->Tell(std::forward<Message>(message), context);
  }

  // Graceful stop: the actor handles what is already queued, then stops.
  void Stop() const { cell_->RequestStop(); }
  // Immediate stop: after the current message; the rest become dead letters.
  void Kill(absl::Status reason = absl::CancelledError("actor killed")) const {
    cell_->RequestKill(reason);
  }
  // `on_exit` runs once the actor has stopped (at once if it already has).
  void Monitor(std::function<void(const ActorExit&)> on_exit) const {
    cell_->AddMonitor(std::move(on_exit));
  }
  // Parks until the actor has stopped (OK), or `context`'s error.
  absl::Status AwaitStop(const Context& context = Context()) const {
    return cell_->AwaitStop(context);
  }

  bool alive() const { return cell_ != nullptr && cell_->alive(); }
  uint64_t id() const { return cell_->id(); }
  const std::string& name() const { return cell_->name(); }
  uint64_t processed() const { return cell_->processed(); }
  int64_t mailbox_depth() const { return cell_->mailbox_depth(); }
  explicit operator bool() const { return cell_ != nullptr; }

  actors_internal::ActorCell<M>* cell() const { return cell_.get(); }

 private:
  std::shared_ptr<actors_internal::ActorCell<M>> cell_;
};

template <typename M>
ActorRef<M> Actor<M>::self() const {
  return ActorRef<M>(cell_->shared_from_this());
}

template <typename M>
template <typename N>
void Actor<M>::Watch(const ActorRef<N>& other) {
  static_assert(std::is_constructible_v<M, Terminated>,
                "to Watch, the actor's message type must be constructible from Terminated");
  actors_internal::ActorCell<M>* cell = cell_;
  cell->AddWatch(other.cell()->shared_from_this(),
                 [self = self()](const ActorExit& exit) {
                   self.cell()->DeliverToSelf(M(Terminated{exit.actor_id, exit.name, exit.reason}));
                 });
}

template <typename M>
template <typename T, typename Target, typename MakeRequest, typename Adapt>
void Actor<M>::AskThen(const Target& target, MakeRequest make_request,
                       absl::Duration timeout, Adapt adapt) {
  using Message = std::invoke_result_t<Adapt&, absl::StatusOr<T>>;
  static_assert(std::is_constructible_v<M, Message>,
                "AskThen's adapter must return a message this actor accepts");
  // One answer wins: the reply, the timeout, or the failure to send. The reply's
  // callback holds the pending ask; the timeout only a weak reference (a strong one
  // would go round through the timer it owns).
  struct Pending {
    Pending(ActorRef<M> self, Adapt adapt) : self(std::move(self)), adapt(std::move(adapt)) {}
    ActorRef<M> self;
    Adapt adapt;
    std::atomic<bool> answered{false};
    std::optional<Timer> timeout;  // set before the request is sent

    static void Answer(const std::shared_ptr<Pending>& pending, absl::StatusOr<T> answer) {
      // acq_rel: one winner, which also sees `timeout` set before the request went.
      if (pending->answered.exchange(true, std::memory_order_acq_rel)) return;
      pending->timeout->Stop();
      pending->self.cell()->DeliverDeferred(
          [pending, answer = std::move(answer)]() mutable {
            return M(pending->adapt(std::move(answer)));
          });
    }
  };
  auto pending = std::make_shared<Pending>(self(), std::move(adapt));
  std::weak_ptr<Pending> weak = pending;
  pending->timeout.emplace(AfterFunc(timeout, [weak] {
    if (std::shared_ptr<Pending> alive = weak.lock()) {
      Pending::Answer(alive, absl::DeadlineExceededError("AskThen: no answer in time"));
    }
  }));
  Reply<T> reply(typename Reply<T>::Callback([pending](absl::StatusOr<T> answer) {
    Pending::Answer(pending, std::move(answer));
  }));
  // A message Tell refused is not moved from: its Reply, destroyed after this answer,
  // then answers nothing.
  auto request = make_request(std::move(reply));
  if (absl::Status sent = target.Tell(std::move(request), request_context()); !sent.ok()) {
    Pending::Answer(pending, sent);
  }
}

template <typename M>
template <typename S>
std::optional<ActorRef<S>> Actor<M>::sender() const {
  auto* sender = dynamic_cast<actors_internal::ActorCell<S>*>(cell_->current_sender());
  if (sender == nullptr) return std::nullopt;
  return ActorRef<S>(sender->shared_from_this());
}

// Links two actors, as in Erlang: when either ends, the other's OnLinkedExit runs
// (in its own fiber); by default that fails it too if the first one failed.
template <typename A, typename B>
void Link(const ActorRef<A>& a, const ActorRef<B>& b) {
  a.Monitor([b](const ActorExit& exit) { b.cell()->DeliverLinkedExit(exit); });
  b.Monitor([a](const ActorExit& exit) { a.cell()->DeliverLinkedExit(exit); });
}

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_H_
