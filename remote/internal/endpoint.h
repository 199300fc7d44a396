// The handlers of a published actor: EndpointHandler takes its subject's messages
// on the NATS client's delivery thread — it checks the frame, answers Lookup's
// probes, takes links and cancellations (node_links.cc, inbound_asks.h), drops work
// whose asker's deadline has passed, decodes the message and Tells the actor, with a
// Reply that publishes the answer for an ask (the steps are inbound_request.h's).
// StoredEndpointHandler takes an at-least-once actor's stored tells
// (stored_inbox.h), with a Reply whose answer says "handled".
//
// make_message: `make_message(W, Reply<R>)`, or for R = NoReply either
// `make_message(W)` or `make_message(W, Reply<NoReply>)` (at least once needs the
// Reply: its answer is the only sign that the handler is done).
#ifndef TROUPE_REMOTE_INTERNAL_ENDPOINT_H_
#define TROUPE_REMOTE_INTERNAL_ENDPOINT_H_

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/inbound_request.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/stored_inbox.h"
#include "troupe/remote/internal/wire.h"

namespace troupe::remote_internal {

// The actor's message for `message`, answering through `answer` if make_message
// takes a Reply (for R = NoReply, when it takes only W, there is nobody to answer).
template <typename W, typename R, typename MakeMessage, typename Answer>
auto MakeTold(MakeMessage& make_message, W message, Answer answer) {
  if constexpr (std::is_invocable_v<MakeMessage&, W, Reply<R>>) {
    return make_message(std::move(message),
                        Reply<R>(typename Reply<R>::Callback(std::move(answer))));
  } else {
    static_assert(std::is_same_v<R, NoReply>, "make_message must take (W, Reply<R>)");
    return make_message(std::move(message));
  }
}

template <typename W, typename R, typename M, typename MakeMessage>
Transport::Handler EndpointHandler(NodeCore* core, ActorRef<M> actor, MakeMessage make_message) {
  return [core, actor = std::move(actor), make_message = std::move(make_message),
          types = TypeNames<W, R>()](const Inbound& inbound) {
    NodeCounters& counters = core->counters();
    Header header;
    absl::string_view payload;
    if (!ParseRequest(*core, inbound, &header, &payload)) return;
    if (header.kind == Kind::kProbe) {
      if (actor.alive()) {
        core->AnswerProbe(inbound.reply, payload, types);
      } else {  // stopped; its subscription is draining
        core->SendError(inbound.reply, std::nullopt, absl::NotFoundError("the actor has stopped"));
      }
      return;
    }
    if (header.kind == Kind::kLink || header.kind == Kind::kLinkedExit) {
      core->OnLinkFrame(header, payload, [actor](const ActorExit& exit) {
        actor.cell()->DeliverLinkedExit(exit);
      });
      return;
    }
    if (header.kind == Kind::kCancel) {  // the asker gave up on an ask held here
      if (core->inbound_asks().Cancel(inbound.reply)) counters.Count(counters.asks_cancelled);
      return;
    }
    if (header.kind != Kind::kTell && header.kind != Kind::kAsk) {
      counters.Count(counters.rejected);
      return;
    }
    if (AskerGaveUp(*core, header)) return;
    W message;
    if (!DecodeRequest(*core, inbound, header, payload, &message)) return;
    absl::Status told;
    if constexpr (std::is_same_v<R, NoReply>) {
      if (header.kind == Kind::kAsk) {
        counters.Count(counters.rejected);
        core->SendError(inbound.reply, header.deadline,
                        absl::UnimplementedError("this actor takes tells only"));
        return;
      }
      told = actor.Tell(MakeTold<W, R>(make_message, std::move(message), [](auto) {}),
                        RequestContext(header));
    } else if (header.kind == Kind::kAsk && !inbound.reply.empty()) {
      // Held until answered, so that the asker's cancellation reaches the handler;
      // a cancelled ask's answer is not sent.
      const Context context = core->inbound_asks().Begin(inbound.reply, header.deadline);
      auto not_cancelled = [core, reply = std::string(inbound.reply)] {
        return !core->inbound_asks().End(reply);
      };
      auto answer = AnswerTo<R>(*core, inbound.reply, header.deadline, not_cancelled, [] {});
      told = actor.Tell(make_message(std::move(message), Reply<R>(std::move(answer))), context);
    } else {  // a tell: nobody waits for an answer
      told = actor.Tell(make_message(std::move(message), Reply<R>([](absl::StatusOr<R>) {})),
                        RequestContext(header));
    }
    CountTold(*core, told);
  };
}

// For an at-least-once actor (make_message takes a Reply): the stored tell is done
// — handled — when the actor answers its Reply, with any status but Aborted;
// Aborted, which is also what a Reply dropped unanswered sends (the actor stopped,
// its handler failed or let it go), leaves the message to be handed over again.
// A stored frame that is not a troupe tell, does not decode, or whose sender's
// deadline has passed is counted (rejected, expired_dropped) and done: handing it
// over again would not help.
template <typename W, typename R, typename M, typename MakeMessage>
StoredInbox::Handler StoredEndpointHandler(NodeCore* core, ActorRef<M> actor,
                                           MakeMessage make_message) {
  return [core, actor = std::move(actor), make_message = std::move(make_message)](
             absl::string_view frame, const Context& stop, StoredDone done) mutable {
    Inbound inbound;  // no reply subject: nobody waits for an answer
    inbound.data = frame;
    Header header;
    absl::string_view payload;
    if (!ParseRequest(*core, inbound, &header, &payload)) return done(true);
    if (header.kind != Kind::kTell) {
      core->counters().Count(core->counters().rejected);
      return done(true);
    }
    if (AskerGaveUp(*core, header)) return done(true);
    W message;
    if (!DecodeRequest(*core, inbound, header, payload, &message)) return done(true);
    const Context context = header.deadline ? WithDeadline(stop, *header.deadline).context : stop;
    auto answer = [done](absl::StatusOr<R> result) {
      done(result.status().code() != absl::StatusCode::kAborted);
    };
    // A message Tell refused is destroyed unanswered: its Reply says "not handled".
    CountTold(*core, actor.Tell(MakeTold<W, R>(make_message, std::move(message), std::move(answer)),
                                context));
  };
}

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_ENDPOINT_H_
