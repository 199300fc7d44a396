// Request/reply between actors: Reply<T> travels inside a request message, and Ask
// sends the request and waits for the answer.
//
//   struct Get { troupe::Reply<int> reply; };
//   absl::StatusOr<int> n = troupe::Ask<int>(counter,
//       [](troupe::Reply<int> reply) { return Get{std::move(reply)}; }, ctx);
//
// Errors from Ask: the context's error when it is done first (DeadlineExceeded for a
// deadline), FailedPrecondition at once when the actor has stopped or when the ask
// would close a cycle of actors waiting for each other (see
// ActorSystem::OnAskCycle), Aborted when the
// actor dropped the request without replying (it stopped, failed, or let the Reply go
// out of scope), or whatever status the actor replied with.
#ifndef TROUPE_ACTORS_REPLY_H_
#define TROUPE_ACTORS_REPLY_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"

namespace troupe {

template <typename T>
class Reply {
 public:
  using Slot = Channel<absl::StatusOr<T>>;

  explicit Reply(Slot slot) : slot_(std::move(slot)) {}
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&& other) noexcept {
    Abandon();
    slot_ = std::move(other.slot_);
    return *this;
  }
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;
  // A request dropped without an answer fails the Ask at once, rather than leaving
  // the asker waiting for its deadline.
  ~Reply() { Abandon(); }

  // Answers the request (once; later calls do nothing). Never parks.
  void Send(absl::StatusOr<T> answer) {
    if (slot_.is_nil()) return;
    (void)slot_.TrySend(std::move(answer));  // capacity 1, one answer: cannot be full
    slot_ = Slot();
  }

  bool answered() const { return slot_.is_nil(); }

 private:
  void Abandon() {
    if (!slot_.is_nil()) {
      Send(absl::AbortedError("the actor dropped the request without replying"));
    }
  }

  Slot slot_;  // nil once answered
};

// Sends `make_request(Reply<T>)` to `actor` with `context` attached, and parks until
// the reply comes or `context` is done.
template <typename T, typename M, typename MakeRequest>
absl::StatusOr<T> Ask(const ActorRef<M>& actor, MakeRequest&& make_request,
                      const Context& context = Context()) {
  // An actor asking another: record who waits for whom, refusing a cycle.
  const actors_internal::ActorCellBase* caller = actors_internal::CurrentActor();
  ActorSystem& system = actor.cell()->system();
  if (caller != nullptr) {
    if (absl::Status cycle = system.BeginAsk(*caller, *actor.cell()); !cycle.ok()) return cycle;
  }
  struct EndAsk {
    ActorSystem& system;
    const actors_internal::ActorCellBase* caller;
    ~EndAsk() {
      if (caller != nullptr) system.EndAsk(*caller);
    }
  } end_ask{system, caller};
  typename Reply<T>::Slot slot(1);
  if (absl::Status sent = actor.Tell(make_request(Reply<T>(slot)), context); !sent.ok()) {
    return sent;
  }
  absl::StatusOr<absl::StatusOr<T>> answer = slot.Recv(context);
  if (!answer.ok()) return answer.status();
  return *std::move(answer);
}

// As Ask, with a timeout instead of a context.
template <typename T, typename M, typename MakeRequest>
absl::StatusOr<T> Ask(const ActorRef<M>& actor, MakeRequest&& make_request,
                      absl::Duration timeout) {
  auto [context, cancel] = WithTimeout(Context(), timeout);
  absl::StatusOr<T> answer = Ask<T>(actor, std::forward<MakeRequest>(make_request), context);
  cancel.Cancel();
  return answer;
}

}  // namespace troupe

#endif  // TROUPE_ACTORS_REPLY_H_
