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

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "troupe/actors/actor_options.h"
#include "troupe/actors/internal/actor_cell.h"
#include "troupe/scheduler/context.h"

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
  // Before the first message (and again after each restart, on the new instance).
  virtual void OnStart() {}
  // After the last message; `reason` is OK for a normal stop.
  virtual void OnStop(const absl::Status& reason) { (void)reason; }
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

 private:
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
  // FailedPrecondition if the actor has stopped (the message is counted as a dead
  // letter); for a full bounded mailbox, as its MailboxOverflow policy says
  // (ResourceExhausted, or the context's error while parked). A message that was not
  // sent is not moved from.
  template <typename Message>
  absl::Status Tell(Message&& message) const {
    return Tell(std::forward<Message>(message), Context::Background());
  }
  // As Tell; `context` travels with the message (the actor sees it as
  // request_context()) and bounds a parked send on a full mailbox.
  template <typename Message>
  absl::Status Tell(Message&& message, const Context& context) const {
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

// Links two actors, as in Erlang: when either ends, the other's OnLinkedExit runs
// (in its own fiber); by default that fails it too if the first one failed.
template <typename A, typename B>
void Link(const ActorRef<A>& a, const ActorRef<B>& b) {
  a.Monitor([b](const ActorExit& exit) { b.cell()->DeliverLinkedExit(exit); });
  b.Monitor([a](const ActorExit& exit) { a.cell()->DeliverLinkedExit(exit); });
}

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_H_
