// The handler of a pool worker's queue subscription (RemoteNode::ServeWork): on the
// NATS client's delivery thread, it checks the frame, drops work whose asker's
// deadline has passed, turns the request away "busy" when the worker is at its
// bound (WorkerState), and otherwise decodes it, tells the submitter it took it
// (kTaken: the submitter then watches this node's heartbeats), and Tells the actor
// with a Reply that frees the work's place in the bound, publishes the answer, and
// then marks the work answered.
#ifndef TROUPE_REMOTE_INTERNAL_WORK_HANDLER_H_
#define TROUPE_REMOTE_INTERNAL_WORK_HANDLER_H_

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/internal/inbound_request.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/remote/internal/worker_state.h"

namespace troupe::remote_internal {

template <typename W, typename R, typename M, typename MakeMessage>
Transport::Handler WorkHandler(NodeCore* core, std::shared_ptr<WorkerState> state,
                               ActorRef<M> actor, MakeMessage make_message) {
  return [core, state = std::move(state), actor = std::move(actor),
          make_message = std::move(make_message)](const Inbound& inbound) {
    Header header;
    absl::string_view payload;
    if (!ParseRequest(*core, inbound, &header, &payload)) return;
    if (header.kind != Kind::kAsk || inbound.reply.empty()) {
      core->counters().Count(core->counters().rejected);
      core->SendError(inbound.reply, header.deadline,
                      absl::InvalidArgumentError("a pool worker takes submissions (asks) only"));
      return;
    }
    if (AskerGaveUp(*core, header)) return;
    if (!state->TryAccept()) {  // at the bound: the submitter tries again, elsewhere
      core->SendBusy(inbound.reply, header.deadline);
      return;
    }
    W message;
    if (!DecodeRequest(*core, inbound, header, payload, &message)) {
      state->Release();   // answered InvalidArgument
      state->Answered();
      return;
    }
    // The work leaves the bound before its answer goes out: a submitter that has
    // the answer may send more at once and must find the room it freed. Leave waits
    // for Answered, after the answer is published.
    Reply<R> reply(AnswerTo<R>(*core, inbound.reply, header.deadline,
                               [state] {
                                 state->Release();
                                 return true;
                               },
                               [state] { state->Answered(); }));
    // A message Tell does not take is destroyed here with its Reply, which answers
    // Aborted (and marks the work answered).
    CountTold(*core, actor.Tell(make_message(std::move(message), std::move(reply)),
                                RequestContext(header)));
    // Said after the Tell, off the answer's path: the submitter watches this node
    // from then on. An actor fast enough to answer first makes the notice late,
    // and the submitter ignores it (the ask is no longer pending).
    core->SendTaken(inbound.reply, header.deadline);
  };
}

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_WORK_HANDLER_H_
