// Request/reply between actors: Reply<T> travels inside a request message, and Ask
// sends the request and waits for the answer. (From inside an actor, Actor::AskThen
// asks without waiting: the answer comes back as a message.)
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

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/internal/reply_type.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/tracing/span.h"

namespace troupe {

namespace actors_internal {

// Ask without the span (below).
template <typename T, typename M, typename MakeRequest>
absl::StatusOr<T> AskWithin(const ActorRef<M>& actor, MakeRequest& make_request,
                            const Context& context) {
  // An actor asking another: record who waits for whom, refusing a cycle.
  const ActorCellBase* caller = CurrentActor();
  ActorSystem& system = actor.cell()->system();
  if (caller != nullptr) {
    if (absl::Status cycle = system.BeginAsk(*caller, *actor.cell()); !cycle.ok()) return cycle;
  }
  struct EndAsk {
    ActorSystem& system;
    const ActorCellBase* caller;
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

}  // namespace actors_internal

// Sends `make_request(Reply<T>)` to `actor` with `context` attached, and parks until
// the reply comes or `context` is done.
//
// Tracing: when `context` carries a trace context (scheduler/trace_context.h), the
// ask is a span, "ask <actor name>" (tracing/span.h), and the request travels with
// that span's context: the actor's handler sees it as request_context(), and its own
// Asks with it continue the trace. An untraced ask pays one pointer test.
template <typename T, typename M, typename MakeRequest>
absl::StatusOr<T> Ask(const ActorRef<M>& actor, MakeRequest&& make_request,
                      const Context& context = Context()) {
  if (ABSL_PREDICT_TRUE(TraceContextOf(context) == nullptr)) {
    return actors_internal::AskWithin<T>(actor, make_request, context);
  }
  tracing::ScopedSpan span(context, "ask", actor.name());
  absl::StatusOr<T> answer = actors_internal::AskWithin<T>(actor, make_request, span.context());
  span.SetStatus(answer.status());
  return answer;
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
