// RemoteNode: this process's presence in a troupe system spread over NATS — it
// publishes local actors under names and finds remote ones, which any node can
// then Tell and Ask through a typed RemoteRef (remote_ref.h); and it serves and
// submits to worker pools spread over processes (remote_pool.h).
//
//   // Process A: publish a counter that takes Increment and answers Total.
//   auto node = troupe::RemoteNode::Connect({.url = "nats://10.0.0.5:4222"});
//   absl::Status published = (*node)->Publish<Increment, Total>(
//       "counter", counter,
//       [](Increment m, troupe::Reply<Total> r) { return Add{std::move(m), std::move(r)}; });
//
//   // Process B:
//   auto counter = (*node)->Lookup<Increment, Total>("counter", ctx);
//   absl::StatusOr<Total> total = counter->Ask(increment, ctx);
//
// Tells are at most once unless the actor is published and looked up with
// Delivery::kAtLeastOnce (remote_options.h): then they are stored in a JetStream
// stream of the actor's and handled once each, across its node's death
// (internal/stored_inbox.h has the protocol and the duplicate window).
//
// Messages and replies are protobuf messages by default (codec.h for other types).
// A published actor's exit is announced to the nodes that Monitor, Watch or Link it, as
// a local actor's is; a node that stops sending heartbeats is declared dead after
// RemoteNodeOptions::failure_detection, which fails the asks waiting for its actors
// and tells their monitors. Names are unique across the system's nodes.
//
// Threads: the NATS client's (one reader per node, one delivery thread per
// published actor, monitor and the reply inbox) and one heartbeat thread per node.
// A published actor's messages arrive on its delivery thread, which Tells the actor
// directly: a bounded mailbox with MailboxOverflow::kBlockSender therefore holds
// that thread while the mailbox is full (backpressure on that actor's subject only;
// the client's pending limits then apply).
#ifndef TROUPE_REMOTE_NODE_H_
#define TROUPE_REMOTE_NODE_H_

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/endpoint.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/internal/pool_core.h"
#include "troupe/remote/internal/work_handler.h"
#include "troupe/remote/internal/worker_state.h"
#include "troupe/remote/remote_channel.h"
#include "troupe/remote/remote_options.h"
#include "troupe/remote/remote_pool.h"
#include "troupe/remote/remote_ref.h"
#include "troupe/scheduler/context.h"

namespace troupe {

class RemoteNode {
 public:
  // Any thread. Connects to options.url: InvalidArgument for invalid options
  // (saying what is allowed), Unavailable when no server answers,
  // Unauthenticated when the server refuses options.auth, FailedPrecondition
  // (saying TLS) when the TLS handshake fails, PermissionDenied when the user may
  // not subscribe to the system's subjects.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RemoteNode>> Connect(
      RemoteNodeOptions options);
  // Says goodbye (the nodes watching this one's actors are told at once), stops
  // the heartbeat, unsubscribes and closes the connection. Published actors keep
  // running locally. Any thread.
  ~RemoteNode();
  RemoteNode(const RemoteNode&) = delete;
  RemoteNode& operator=(const RemoteNode&) = delete;

  // Any fiber or thread; parks (blocks) for a round trip to check the name. Makes
  // `actor` reachable as `name` for tells of W (M must be constructible from W).
  // AlreadyExists if any node publishes `name`; InvalidArgument for a name with
  // whitespace, '*', '>' or an empty token. The name is released when the actor stops.
  template <typename W, typename M>
  [[nodiscard]] absl::Status Publish(const std::string& name, const ActorRef<M>& actor,
                                     const Context& context = Context()) {
    return Publish<W, NoReply>(name, actor, [](W message) { return message; }, context);
  }
  // As Publish, for asks too: `make_message(W, Reply<R>)` builds the actor's
  // message (for R = NoReply, `make_message(W)`). A remote Tell's Reply answers
  // nobody.
  template <typename W, typename R, typename M, typename MakeMessage>
  [[nodiscard]] absl::Status Publish(const std::string& name, const ActorRef<M>& actor,
                                     MakeMessage make_message, const Context& context = Context()) {
    return Publish<W, R>(name, actor, std::move(make_message), PublishOptions(), context);
  }
  // As Publish, with `options`. Delivery::kAtLeastOnce also keeps the Tells of
  // refs looked up at least once in a JetStream stream of the actor's (parks for
  // round trips to create or open it; the server needs JetStream) and hands them
  // to the actor as `make_message(W, Reply<R>)` — for R = NoReply too: answering
  // the Reply (with any status but Aborted) says the message is handled, and only
  // then does the stream forget it; a Reply dropped unanswered (the actor stopped,
  // its handler failed) or answered Aborted leaves it to be handed over again
  // after options.ack_wait. InvalidArgument for options out of range, a name that
  // is not letters, digits, '-' and '_', or a make_message without the Reply
  // (saying what is allowed); FailedPrecondition if the stream exists with another
  // capacity; Unavailable without JetStream.
  template <typename W, typename R, typename M, typename MakeMessage>
  [[nodiscard]] absl::Status Publish(const std::string& name, const ActorRef<M>& actor,
                                     MakeMessage make_message, const PublishOptions& options,
                                     const Context& context = Context()) {
    static_assert(kHasCodec<W>,
                  "RemoteNode::Publish<W, R>: the message type W has no codec, so it cannot "
                  "cross the wire. Use a protobuf message, or specialise troupe::Codec<W> "
                  "(troupe/remote/codec.h).");
    static_assert(std::is_same_v<R, NoReply> || kHasCodec<R>,
                  "RemoteNode::Publish<W, R>: the reply type R has no codec. Use a protobuf "
                  "message, or specialise troupe::Codec<R> (troupe/remote/codec.h).");
    if (absl::Status valid = ValidateName(name); !valid.ok()) return valid;
    absl::Status added;
    if (options.delivery == Delivery::kAtMostOnce) {
      added = core_->AddEndpoint(
          name,
          remote_internal::EndpointHandler<W, R>(core_.get(), actor, make_message),
          context);
    } else if constexpr (std::is_invocable_v<MakeMessage&, W, Reply<R>>) {
      if (absl::Status valid = ValidatePublishOptions(name, options); !valid.ok()) return valid;
      added = core_->AddStoredEndpoint(
          name, remote_internal::EndpointHandler<W, R>(core_.get(), actor, make_message),
          remote_internal::StoredEndpointHandler<W, R>(core_.get(), actor, make_message),
          options, context);
    } else {
      return absl::InvalidArgumentError(
          "Delivery::kAtLeastOnce needs make_message(W, Reply<R>) (Reply<NoReply> for a "
          "tell-only actor): the actor's answer to the Reply says it has handled the message");
    }
    if (!added.ok()) return added;
    actor.Monitor([core = core_, name](const ActorExit& exit) { core->EndpointStopped(name, exit); });
    return absl::OkStatus();
  }

  // Any fiber or thread; parks (blocks) for a round trip. The actor published as
  // `name` on any node: NotFound if none is, InvalidArgument if it takes other
  // types than W and R, or `context`'s error; DeadlineExceeded if no answer came
  // within RemoteNodeOptions::failure_detection.
  template <typename W, typename R = NoReply>
  [[nodiscard]] absl::StatusOr<RemoteRef<W, R>> Lookup(const std::string& name,
                                                       const Context& context = Context()) {
    return Lookup<W, R>(name, LookupOptions(), context);
  }
  // As Lookup, with `options`. Delivery::kAtLeastOnce: the ref's Tells are stored
  // before they return (remote_ref.h); FailedPrecondition if the actor is published
  // at most once; InvalidArgument for a store_timeout out of range.
  template <typename W, typename R = NoReply>
  [[nodiscard]] absl::StatusOr<RemoteRef<W, R>> Lookup(const std::string& name,
                                                       const LookupOptions& options,
                                                       const Context& context = Context()) {
    if (absl::Status valid = ValidateName(name); !valid.ok()) return valid;
    if (absl::Status valid = ValidateLookupOptions(options); !valid.ok()) return valid;
    absl::StatusOr<uint64_t> host =
        core_->Probe(name, remote_internal::TypeNames<W, R>(), context);
    if (!host.ok()) return host.status();
    if (options.delivery == Delivery::kAtLeastOnce) {
      if (absl::Status stored = core_->CheckStored(name); !stored.ok()) return stored;
    }
    return RemoteRef<W, R>(core_, name, *host, options);
  }

  // Any fiber or thread; parks (blocks) for a round trip. `on_exit` runs once, on
  // a NATS client's or the heartbeat thread, when the remote actor stops (with its
  // exit reason; actor_id is 0), when its node is declared dead or leaves
  // (Unavailable), or at once when nothing publishes it now (NotFound). Keep it
  // short: Tell an actor, or signal.
  template <typename W, typename R>
  void Monitor(const RemoteRef<W, R>& actor, std::function<void(const ActorExit&)> on_exit) {
    core_->Monitor(actor.name(), actor.host(), std::move(on_exit));
  }
  // As Monitor, delivering Terminated to `watcher`'s mailbox (as Actor::Watch does
  // for a local actor). M must be constructible from Terminated.
  template <typename W, typename R, typename M>
  void Watch(const RemoteRef<W, R>& actor, const ActorRef<M>& watcher) {
    static_assert(std::is_constructible_v<M, Terminated>,
                  "to Watch, the watcher's message type must be constructible from Terminated");
    Monitor(actor, [watcher](const ActorExit& exit) {
      watcher.cell()->DeliverToSelf(M(Terminated{exit.actor_id, exit.name, exit.reason}));
    });
  }

  // Links `local` and the remote actor as Link (actors/actor.h) links two local
  // actors: when either ends, the other's OnLinkedExit runs with its exit — by
  // default failing it too if the first one failed. The remote actor's node
  // declared dead, or leaving, ends `local`'s side with Unavailable; this node
  // declared dead by the remote actor's node, or leaving, ends the remote actor's
  // side the same way (heartbeats, RemoteNodeOptions). Any fiber or thread; parks
  // (blocks) for the monitor's round trip. An actor that traps exits overrides
  // OnLinkedExit.
  template <typename M, typename W, typename R>
  void Link(const ActorRef<M>& local, const RemoteRef<W, R>& remote) {
    Monitor(remote, [local](const ActorExit& exit) { local.cell()->DeliverLinkedExit(exit); });
    const uint64_t link = core_->SendLink(remote.name(), local.name());
    local.Monitor([core = core_, actor = remote.name(), link](const ActorExit& exit) {
      core->SendLinkedExit(actor, link, exit.reason);
    });
  }

  // Any fiber or thread; parks for round trips to the server. Creates the channel
  // `name` (letters, digits, '-', '_') or opens it if it exists with the same
  // capacity (remote_channel.h): InvalidArgument, FailedPrecondition for another
  // capacity, Unavailable without a JetStream server.
  template <typename T>
  [[nodiscard]] absl::StatusOr<RemoteChannel<T>> OpenChannel(
      const std::string& name, RemoteChannelOptions options = {},
      const Context& context = Context()) {
    absl::StatusOr<std::unique_ptr<remote_internal::StreamChannel>> core =
        remote_internal::StreamChannel::Open(core_, name, options, context);
    if (!core.ok()) return core.status();
    return RemoteChannel<T>(std::shared_ptr<remote_internal::StreamChannel>(*std::move(core)));
  }

  // ---- Worker pools (remote_pool.h). ----

  // Any fiber or thread; blocks for a round trip to the server. Makes `actor` a
  // worker of the pool `pool`: each submission NATS routes here is told to it as
  // `make_message(W, Reply<R>)` — unless the worker already holds
  // options.max_outstanding unanswered requests, when it is answered "busy" at
  // once (and the submitter retries, usually elsewhere). Work routed here is
  // answered through the Reply: the actor must Send it (a Reply dropped unanswered
  // answers Aborted). The worker leaves when the returned RemoteWorker is left or
  // destroyed, or when the actor stops. InvalidArgument for a bad pool name or
  // options (saying what is allowed); the connection's error otherwise.
  template <typename W, typename R, typename M, typename MakeMessage>
  [[nodiscard]] absl::StatusOr<RemoteWorker> ServeWork(const std::string& pool,
                                                       const ActorRef<M>& actor,
                                                       MakeMessage make_message,
                                                       RemoteWorkerOptions options = {}) {
    static_assert(kHasCodec<W> && kHasCodec<R>,
                  "RemoteNode::ServeWork<W, R>: the work type W and the result type R need "
                  "codecs to cross the wire. Use protobuf messages, or specialise "
                  "troupe::Codec (troupe/remote/codec.h).");
    if (absl::Status valid = ValidateName(pool); !valid.ok()) return valid;
    if (absl::Status valid = ValidateWorkerOptions(options); !valid.ok()) return valid;
    auto state = std::make_shared<remote_internal::WorkerState>(options.max_outstanding);
    absl::StatusOr<remote_internal::Transport::SubscriptionId> subscription = core_->AddWorker(
        pool,
        remote_internal::WorkHandler<W, R>(core_.get(), state, actor, std::move(make_message)),
        [state] { state->SubscriptionEnded(); });
    if (!subscription.ok()) return subscription.status();
    actor.Monitor([core = core_, id = *subscription](const ActorExit&) { core->RemoveWorker(id); });
    return RemoteWorker(core_, std::move(state), *subscription);
  }

  // Any fiber or thread; never parks. A handle for submitting work of type W to the
  // pool `pool`, whose workers answer R (the pool need not have workers yet).
  // InvalidArgument for a bad pool name or options (saying what is allowed).
  template <typename W, typename R>
  [[nodiscard]] absl::StatusOr<RemotePool<W, R>> Pool(const std::string& pool,
                                                      RemotePoolOptions options = {}) {
    if (absl::Status valid = ValidateName(pool); !valid.ok()) return valid;
    if (absl::Status valid = remote_internal::PoolCore::Validate(options); !valid.ok()) {
      return valid;
    }
    return RemotePool<W, R>(std::make_shared<remote_internal::PoolCore>(core_, pool, options));
  }

  // This node's id (unique in the system, random) and name.
  uint64_t id() const { return core_->id(); }
  const std::string& name() const { return core_->name(); }
  RemoteStats stats() const { return core_->Stats(); }

 private:
  explicit RemoteNode(std::shared_ptr<remote_internal::NodeCore> core) : core_(std::move(core)) {}
  static absl::Status ValidateName(const std::string& name);
  static absl::Status ValidateWorkerOptions(const RemoteWorkerOptions& options);
  static absl::Status ValidatePublishOptions(const std::string& name,
                                             const PublishOptions& options);
  static absl::Status ValidateLookupOptions(const LookupOptions& options);

  std::shared_ptr<remote_internal::NodeCore> core_;
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_NODE_H_
