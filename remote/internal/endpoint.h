// The handler of a published actor's subject: on the NATS client's delivery
// thread, it checks the frame, drops work whose asker's deadline has passed,
// decodes the message and Tells the actor, with a Reply that publishes the answer
// for an ask. Nothing it rejects is silent: each case is counted (NodeCounters)
// and an ask gets an error reply.
#ifndef TROUPE_REMOTE_INTERNAL_ENDPOINT_H_
#define TROUPE_REMOTE_INTERNAL_ENDPOINT_H_

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/scheduler/context.h"

namespace troupe::remote_internal {

// "<W's type name>\n<R's>" (R's empty for NoReply): what Lookup checks.
template <typename W, typename R>
std::string TypeNames() {
  if constexpr (std::is_same_v<R, NoReply>) {
    return Codec<W>::TypeName() + "\n";
  } else {
    return Codec<W>::TypeName() + "\n" + Codec<R>::TypeName();
  }
}

// The frame of an answer: the reply's bytes, or the error.
template <typename R>
std::string AnswerFrame(const absl::StatusOr<R>& answer, uint64_t sender) {
  std::string frame;
  AppendHeader(Header{answer.ok() ? Kind::kReply : Kind::kError, std::nullopt, sender}, &frame);
  if (answer.ok()) {
    Codec<R>::Encode(*answer, &frame);
  } else {
    AppendStatus(answer.status(), &frame);
  }
  return frame;
}

template <typename W, typename R, typename M, typename MakeMessage>
Transport::Handler EndpointHandler(NodeCore* core, ActorRef<M> actor, MakeMessage make_message) {
  return [core, actor = std::move(actor), make_message = std::move(make_message),
          types = TypeNames<W, R>()](const Inbound& inbound) {
    NodeCounters& counters = core->counters();
    Header header;
    absl::string_view payload;
    if (!ParseFrame(inbound.data, &header, &payload)) {
      counters.Count(counters.rejected);
      core->SendError(inbound.reply, std::nullopt,
                      absl::InvalidArgumentError("not a troupe frame (or another version)"));
      return;
    }
    if (header.kind == Kind::kProbe) {
      if (actor.alive()) {
        core->AnswerProbe(inbound.reply, payload, types);
      } else {  // stopped; its subscription is draining
        core->SendError(inbound.reply, std::nullopt, absl::NotFoundError("the actor has stopped"));
      }
      return;
    }
    if (header.kind != Kind::kTell && header.kind != Kind::kAsk) {
      counters.Count(counters.rejected);
      return;
    }
    // The asker has given up: drop the work undecoded; no answer (nobody waits).
    if (header.deadline && absl::Now() >= *header.deadline) {
      counters.Count(counters.expired_dropped);
      return;
    }
    W message;
    if (!Codec<W>::Decode(payload, &message)) {
      counters.Count(counters.rejected);
      core->SendError(inbound.reply, header.deadline,
                      absl::InvalidArgumentError(absl::StrCat(
                          "the payload does not decode as ", Codec<W>::TypeName())));
      return;
    }
    Context context;
    if (header.deadline) context = WithDeadline(Context(), *header.deadline).context;
    absl::Status told;
    if constexpr (std::is_same_v<R, NoReply>) {
      if (header.kind == Kind::kAsk) {
        counters.Count(counters.rejected);
        core->SendError(inbound.reply, header.deadline,
                        absl::UnimplementedError("this actor takes tells only"));
        return;
      }
      told = actor.Tell(make_message(std::move(message)), context);
    } else {
      typename Reply<R>::Callback answer = [](absl::StatusOr<R>) {};  // a tell: no answer
      if (header.kind == Kind::kAsk && !inbound.reply.empty()) {
        answer = [core = core->shared_from_this(), subject = std::string(inbound.reply),
                  deadline = header.deadline](absl::StatusOr<R> result) {
          core->SendReply(subject, deadline, AnswerFrame(result, core->id()));
        };
      }
      told = actor.Tell(make_message(std::move(message), Reply<R>(std::move(answer))), context);
    }
    // A message Tell did not take is not moved from: its Reply, destroyed here,
    // answers the asker Aborted (unless its deadline passed: then nothing).
    if (told.ok()) {
      counters.Count(counters.delivered);
    } else if (told.code() == absl::StatusCode::kDeadlineExceeded) {
      counters.Count(counters.expired_dropped);
    } else {
      counters.Count(counters.undeliverable);
    }
  };
}

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_ENDPOINT_H_
