// RemoteRef<W, R>: a typed reference to an actor published by a RemoteNode,
// possibly in another process or on another machine.
//
//   absl::StatusOr<troupe::RemoteRef<Increment, Total>> counter =
//       node->Lookup<Increment, Total>("counter", ctx);
//   counter->Tell(increment);                                    // at most once
//   absl::StatusOr<Total> total = counter->Ask(increment, ctx);  // deadline on the wire
//
//   // At least once (the actor is published with Delivery::kAtLeastOnce):
//   auto ledger = node->Lookup<Entry>("ledger", {.delivery = troupe::Delivery::kAtLeastOnce});
//   absl::Status stored = ledger->Tell(entry, ctx);   // OK: stored in the actor's stream
//
// W is the message type sent, R the answer's (NoReply: Tell only). Both need a
// codec (codec.h; every protobuf message has one): a RemoteRef of a type without
// one does not compile. Messages from one sender (one fiber or thread, through one
// node) arrive in the order sent. Delivery is at most once: a message in flight
// when a connection drops may be lost (RemoteStats counts what was pending) —
// unless the ref was looked up with Delivery::kAtLeastOnce, whose Tells are
// stored before they return (see Tell). Asks are at most once either way.
//
// Copyable and cheap; valid while its RemoteNode is (Tell and Ask need the node's
// connection).
#ifndef TROUPE_REMOTE_REMOTE_REF_H_
#define TROUPE_REMOTE_REMOTE_REF_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "troupe/actors/tell_status.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/remote/protobuf_codec.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"

namespace troupe {

template <typename W, typename R = NoReply>
class RemoteRef {
  static_assert(kHasCodec<W>,
                "RemoteRef<W, R>: the message type W has no codec, so it cannot cross the "
                "wire. Use a protobuf message, or specialise troupe::Codec<W> "
                "(troupe/remote/codec.h).");
  static_assert(std::is_same_v<R, NoReply> || kHasCodec<R>,
                "RemoteRef<W, R>: the reply type R has no codec, so it cannot cross the "
                "wire. Use a protobuf message, or specialise troupe::Codec<R> "
                "(troupe/remote/codec.h).");

 public:
  RemoteRef() = default;

  // At most once (the default): any fiber or thread; never parks. Sends `message`;
  // `context`'s deadline travels with it (the remote node drops it unhandled once
  // that has passed). Errors: the connection's (Unavailable, FailedPrecondition
  // once the node closed), counted in RemoteStats::publish_failures. An OK status
  // means the message was handed to the NATS client, not that the actor got it.
  //
  // At least once (LookupOptions): parks the fiber (blocks a thread) until the
  // actor's stream has stored the message — a round trip to the server — and OK
  // means exactly that: stored, to be handled by whichever node publishes the
  // actor, now or after a restart. Errors, counted in RemoteStats
  // (stored_tell_failures): ResourceExhausted when the stream is full (nothing
  // stored; stored_tells_refused_full), DeadlineExceeded when no acknowledgement
  // came before `context`'s deadline or the ref's store_timeout (it may have been
  // stored), Unavailable when the server fails or no stream keeps the actor's
  // messages. The deadline also travels: a message still stored when it passes is
  // dropped unhandled.
  TellStatus Tell(const W& message, const Context& context = Context()) const {
    std::string& frame = remote_internal::ScratchFrame();
    remote_internal::AppendHeader(
        remote_internal::Header{remote_internal::Kind::kTell, context.deadline(), core_->id()},
        &frame);
    Codec<W>::Encode(message, &frame);
    if (delivery_ == Delivery::kAtLeastOnce) {
      return core_->SendStoredTell(name_, frame, context, store_timeout_);
    }
    return core_->SendTell(subject_, frame);
  }

  // Fiber context (parks the fiber) or a plain thread (blocks it). Sends `request`
  // and waits for the actor's answer. `context`'s deadline and cancellation travel:
  // the handler's request_context() has the deadline, and is cancelled when
  // `context` is cancelled before it (as for a local asker). Errors: the context's
  // (DeadlineExceeded; the remote node then drops the request if it has not
  // handled it, and never sends a late answer; Cancelled: no answer is sent),
  // Unavailable at once when nothing is published under the name or when the
  // actor's node is declared dead (heartbeats, RemoteNodeOptions), Aborted if the
  // actor dropped the request (it stopped), DataLoss for an answer that does
  // not decode, or the status the actor answered with.
  absl::StatusOr<R> Ask(const W& request, const Context& context = Context()) const {
    static_assert(!std::is_same_v<R, NoReply>,
                  "RemoteRef<W, NoReply>::Ask: this actor takes tells only; look it up as "
                  "RemoteRef<W, R> with its reply type R");
    std::string& frame = remote_internal::ScratchFrame();
    remote_internal::AppendHeader(
        remote_internal::Header{remote_internal::Kind::kAsk, context.deadline(), core_->id()},
        &frame);
    Codec<W>::Encode(request, &frame);
    return remote_internal::DecodeReceived<R>(
        core_->SendAsk(subject_, target_, host_, frame, context,
                       remote_internal::NodeCore::CancelTravels::kYes),
        "the remote actor's answer");
  }
  // As Ask, with a timeout instead of a context.
  absl::StatusOr<R> Ask(const W& request, absl::Duration timeout) const {
    auto [context, cancel] = WithTimeout(Context(), timeout);
    absl::StatusOr<R> answer = Ask(request, context);
    cancel.Cancel();
    return answer;
  }

  // The name it was published under.
  const std::string& name() const { return name_; }
  // The id of the node that publishes it (as of Lookup).
  uint64_t host() const { return host_; }
  Delivery delivery() const { return delivery_; }
  explicit operator bool() const { return core_ != nullptr; }

  // For RemoteNode.
  RemoteRef(std::shared_ptr<remote_internal::NodeCore> core, std::string name, uint64_t host,
            const LookupOptions& options)
      : core_(std::move(core)),
        name_(std::move(name)),
        subject_(core_->ActorSubject(name_)),
        target_(absl::StrCat("actor \"", name_, "\"")),
        host_(host),
        delivery_(options.delivery),
        store_timeout_(options.store_timeout) {}

 private:
  std::shared_ptr<remote_internal::NodeCore> core_;
  std::string name_;
  std::string subject_;
  std::string target_;  // `actor "<name>"`, for messages
  uint64_t host_ = 0;
  Delivery delivery_ = Delivery::kAtMostOnce;
  absl::Duration store_timeout_;
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_REMOTE_REF_H_
