// The handler of a published actor's subject: on the NATS client's delivery
// thread, it checks the frame, answers Lookup's probes, drops work whose asker's
// deadline has passed, decodes the message and Tells the actor, with a Reply that
// publishes the answer for an ask (the steps are inbound_request.h's).
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
#include "troupe/remote/internal/wire.h"

namespace troupe::remote_internal {

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
    if (header.kind != Kind::kTell && header.kind != Kind::kAsk) {
      counters.Count(counters.rejected);
      return;
    }
    if (AskerGaveUp(*core, header)) return;
    W message;
    if (!DecodeRequest(*core, inbound, header, payload, &message)) return;
    const Context context = RequestContext(header);
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
        answer = AnswerTo<R>(*core, inbound.reply, header.deadline, [] {}, [] {});
      }
      told = actor.Tell(make_message(std::move(message), Reply<R>(std::move(answer))), context);
    }
    CountTold(*core, told);
  };
}

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_ENDPOINT_H_
