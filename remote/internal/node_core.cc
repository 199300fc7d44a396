// NodeCore: subjects, asks, published actors, remote monitors and heartbeats of
// one RemoteNode (see node_core.h; the wire format is wire.h).
//
// Subjects, all under the system's namespace "<system>.":
//   actor.<name>            a published actor: tells, asks and Lookup's probes
//   exit.<name>             its exit, announced when it stops (kExit)
//   reply.<node id>.<ask>   the answers to one node's asks (one wildcard subscription)
//   work.<pool>             a worker pool's submissions, to the queue group of the
//                           same name (remote_pool.h; each goes to one worker)
//   heartbeat.<node id>     each node's heartbeat (kTell), and its goodbye (kExit)
//   stored.<name>           an at-least-once actor's tells, kept in its stream
//                           "<system>_actor_<name>" (stored_inbox.h)
//
// Ask protocol, as ordered steps:
//   1. The asker adds its one-slot channel to PendingAsks under a new ask id, then
//      publishes the request with reply subject reply.<node>.<ask id>; then parks
//      on the channel with its context.
//   2. The publishing node's delivery thread drops the request if its deadline
//      has passed, else Tells the actor a message holding a Reply whose callback
//      publishes the answer (unless the deadline has passed by then).
//   3. The asker's reply handler takes the entry out of PendingAsks and TrySends
//      the answer: the entry is taken once, so the slot (capacity 1) has room.
//   4. An asker whose context ends first removes its entry; a later answer finds
//      none and is counted as an orphan. Nobody subscribed to the actor's subject:
//      the server itself answers "no responders" at once, and the ask fails
//      Unavailable without waiting for its deadline.
//
// Failure detection: a node counts the silence of every node it asks or monitors
// (TrackNode). The heartbeat thread publishes this node's heartbeat and declares
// dead each tracked node silent for failure_detection: its pending asks fail
// Unavailable, its monitors fire. A node that speaks again is alive again.
// A submission to a worker pool has no node when it is sent (the server picks the
// worker); the worker that takes it says so once it has handed it to its actor
// (kTaken, to the ask's reply subject), and from then on the submission is an ask
// to that worker's node (OnTaken). A notice that comes after the answer finds no
// pending ask and is ignored. A submission routed to a worker that dies before
// it takes it (or just before the notice) gets no kTaken: it ends at its deadline.
// Rejected: NATS's own connect/disconnect advisories, which need the system
// account, and would say nothing about a node that is connected but hung.
#include "troupe/remote/internal/node_core.h"

#include <nats/nats.h>

#include <random>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/remote/internal/jetstream.h"
#include "troupe/remote/internal/security.h"
#include "troupe/scheduler/blocking.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe::remote_internal {

namespace {
constexpr char kWorkerBusyPayload[] = "troupe.remote/worker-busy";
}  // namespace

absl::Status WorkerBusy() {
  absl::Status busy = absl::ResourceExhaustedError(
      "the pool worker is at its bound of outstanding work (max_outstanding)");
  busy.SetPayload(kWorkerBusyPayload, absl::Cord());
  return busy;
}

bool IsWorkerBusy(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         status.GetPayload(kWorkerBusyPayload).has_value();
}

std::string& ScratchFrame() {
  thread_local std::string frame;
  frame.clear();
  return frame;
}

namespace {

absl::Status ValidateOptions(const RemoteNodeOptions& options) {
  if (options.system.empty()) {
    return absl::InvalidArgumentError("system must be letters, digits, '-' or '_'; got \"\"");
  }
  for (char c : options.system) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return absl::InvalidArgumentError(absl::StrCat(
          "system must be letters, digits, '-' or '_'; got \"", options.system, "\""));
    }
  }
  if (options.heartbeat_interval < absl::Milliseconds(1) ||
      options.heartbeat_interval > absl::Minutes(1)) {
    return absl::InvalidArgumentError(absl::StrCat("heartbeat_interval must be in [1ms, 1m]; got ",
                                                   absl::FormatDuration(options.heartbeat_interval)));
  }
  if (options.failure_detection < 2 * options.heartbeat_interval) {
    return absl::InvalidArgumentError(absl::StrCat(
        "failure_detection must be at least twice heartbeat_interval (",
        absl::FormatDuration(options.heartbeat_interval), "); got ",
        absl::FormatDuration(options.failure_detection)));
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("connect_timeout must be positive; got ",
                                                   absl::FormatDuration(options.connect_timeout)));
  }
  if (options.reconnect_wait < absl::ZeroDuration() || options.max_reconnects < -1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reconnect_wait must be >= 0 and max_reconnects >= -1; got ",
        absl::FormatDuration(options.reconnect_wait), " and ", options.max_reconnects));
  }
  if (options.pending_messages_limit < 1 || options.pending_bytes_limit < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pending_messages_limit and pending_bytes_limit must be at least 1; got ",
        options.pending_messages_limit, " and ", options.pending_bytes_limit));
  }
  return ValidateSecurity(options.url, options.auth, options.tls);
}

uint64_t NewNodeId() {
  std::random_device device;
  std::mt19937_64 generator((static_cast<uint64_t>(device()) << 32) ^ device() ^
                            static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  uint64_t id = 0;
  while (id == 0) id = generator();
  return id;
}

std::string HeaderOnlyFrame(Kind kind, uint64_t sender) {
  std::string frame;
  AppendHeader(Header{kind, std::nullopt, sender}, &frame);
  return frame;
}

}  // namespace

NodeCore::NodeCore(RemoteNodeOptions options)
    : options_(std::move(options)),
      id_(NewNodeId()),
      name_(options_.node_name.empty() ? absl::StrFormat("node-%016x", id_) : options_.node_name),
      prefix_(options_.system + "."),
      reply_prefix_(absl::StrFormat("%sreply.%016x.", prefix_, id_)) {}

absl::StatusOr<std::shared_ptr<NodeCore>> NodeCore::Connect(RemoteNodeOptions options) {
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  std::shared_ptr<NodeCore> core(new NodeCore(std::move(options)));
  NodeCore* raw = core.get();  // the transport closes before the core goes
  absl::StatusOr<std::unique_ptr<Transport>> transport = Transport::Connect(
      TransportOptions{core->options_.url, core->name_, core->options_.connect_timeout,
                       core->options_.reconnect_wait, core->options_.max_reconnects,
                       core->options_.pending_messages_limit, core->options_.pending_bytes_limit,
                       core->options_.send_immediately, core->options_.auth, core->options_.tls},
      [raw] {
        raw->counters_.asks_pending_at_disconnect.fetch_add(raw->pending_.size(),
                                                            std::memory_order_relaxed);
      });
  if (!transport.ok()) return transport.status();
  core->transport_ = *std::move(transport);
  absl::StatusOr<Transport::SubscriptionId> replies = core->transport_->Subscribe(
      core->reply_prefix_ + "*", [raw](const Inbound& inbound) { raw->OnReply(inbound); });
  if (!replies.ok()) return replies.status();
  absl::StatusOr<Transport::SubscriptionId> heartbeats = core->transport_->Subscribe(
      core->prefix_ + "heartbeat.*", [raw](const Inbound& inbound) { raw->OnHeartbeat(inbound); });
  if (!heartbeats.ok()) return heartbeats.status();
  core->heartbeat_thread_ = std::thread([raw] { raw->HeartbeatLoop(); });
  return core;
}

NodeCore::~NodeCore() { Close(); }

void NodeCore::Close() {
  // acquire; pairs with the release in ~StreamChannel (its use of the connection
  // is over before it counts itself out).
  if (const int open = open_channels.load(std::memory_order_acquire); open > 0) {
    scheduler_internal::Fatal("RemoteNode::~RemoteNode",
                              "%d RemoteChannel(s) opened from this node are still alive; "
                              "destroy them before the node",
                              open);
  }
  // Inboxes first: they acknowledge through the connection (stored_inbox.h,
  // invariant 4).
  absl::flat_hash_map<std::string, std::shared_ptr<StoredInbox>> inboxes;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inboxes.swap(stored_inboxes_);
  }
  for (auto& [actor, inbox] : inboxes) inbox->Stop(StoredInbox::Ending::kDrain);
  {
    std::lock_guard<std::mutex> lock(heartbeat_mutex_);
    stopping_ = true;
  }
  heartbeat_cv_.notify_all();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (transport_ != nullptr) transport_->Close();
}

std::string NodeCore::ActorSubject(absl::string_view actor) const {
  return absl::StrCat(prefix_, "actor.", actor);
}

std::string NodeCore::StoredStream(absl::string_view actor) const {
  return absl::StrCat(options_.system, "_actor_", actor);
}

std::string NodeCore::StoredSubject(absl::string_view actor) const {
  return absl::StrCat(prefix_, "stored.", actor);
}

std::string NodeCore::WorkSubject(absl::string_view pool) const {
  return absl::StrCat(prefix_, "work.", pool);
}

RemoteStats NodeCore::Stats() const {
  RemoteStats stats;
  auto get = [](const std::atomic<uint64_t>& counter) {
    return counter.load(std::memory_order_relaxed);  // statistics
  };
  stats.tells_sent = get(counters_.tells_sent);
  stats.asks_sent = get(counters_.asks_sent);
  stats.answers_received = get(counters_.answers_received);
  stats.delivered = get(counters_.delivered);
  stats.rejected = get(counters_.rejected);
  stats.expired_dropped = get(counters_.expired_dropped);
  stats.late_replies_dropped = get(counters_.late_replies_dropped);
  stats.undeliverable = get(counters_.undeliverable);
  stats.orphan_replies = get(counters_.orphan_replies);
  stats.asks_pending_at_disconnect = get(counters_.asks_pending_at_disconnect);
  stats.nodes_declared_dead = get(counters_.nodes_declared_dead);
  stats.asks_failed_by_node_death = get(counters_.asks_failed_by_node_death);
  stats.submissions_taken = get(counters_.submissions_taken);
  stats.stored_tells = get(counters_.stored_tells);
  stats.stored_tell_failures = get(counters_.stored_tell_failures);
  stats.stored_tells_refused_full = get(counters_.stored_tells_refused_full);
  stats.stored_tells_resent = get(counters_.stored_tells_resent);
  stats.stored_handled = get(counters_.stored_handled);
  stats.stored_duplicates_dropped = get(counters_.stored_duplicates_dropped);
  stats.stored_not_handled = get(counters_.stored_not_handled);
  stats.cancels_sent = get(counters_.cancels_sent);
  stats.asks_cancelled = get(counters_.asks_cancelled);
  const TransportCounters& connection = transport_->counters();
  stats.disconnects = get(connection.disconnects);
  stats.reconnects = get(connection.reconnects);
  stats.published_while_disconnected = get(connection.published_while_disconnected);
  stats.publish_failures = get(connection.publish_failures);
  stats.permission_violations = get(connection.permission_violations);
  stats.dropped_by_full_buffer = transport_->DroppedMessages();
  stats.full_buffer_episodes = get(connection.slow_consumer_episodes);
  return stats;
}

absl::Status NodeCore::SendTell(const std::string& subject, absl::string_view frame) {
  absl::Status sent = transport_->Publish(subject, frame);
  if (sent.ok()) counters_.Count(counters_.tells_sent);
  return sent;
}

absl::Status NodeCore::SendStoredTell(const std::string& actor, absl::string_view frame,
                                      const Context& context, absl::Duration store_timeout) {
  absl::Status stored = [&]() -> absl::Status {
    absl::StatusOr<jsCtx*> js = transport_->JetStream();
    if (!js.ok()) return js.status();
    auto [bounded, cancel] = WithTimeout(context, store_timeout);
    const std::string id = NewMessageId(id_);
    absl::Status published = Blocking([&] {
      return PublishStored(*js, StoredSubject(actor), frame, id, bounded,
                           counters_.stored_tells_resent);
    });
    cancel.Cancel();
    if (published.code() == absl::StatusCode::kNotFound) {
      return absl::UnavailableError(absl::StrCat(
          "no stream keeps the messages of actor \"", actor,
          "\" (it was never published with Delivery::kAtLeastOnce, or its stream was deleted)"));
    }
    if (published.code() == absl::StatusCode::kDeadlineExceeded) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no acknowledgement from the stream of actor \"", actor,
          "\" in time (the message may have been stored)"));
    }
    return published;
  }();
  if (stored.ok()) {
    counters_.Count(counters_.stored_tells);
  } else {
    counters_.Count(counters_.stored_tell_failures);
    if (stored.code() == absl::StatusCode::kResourceExhausted) {
      counters_.Count(counters_.stored_tells_refused_full);
    }
  }
  return stored;
}

absl::Status NodeCore::CheckStored(const std::string& actor) {
  absl::StatusOr<jsCtx*> js = transport_->JetStream();
  if (!js.ok()) return js.status();
  const std::string stream = StoredStream(actor);
  return Blocking([&]() -> absl::Status {
    absl::StatusOr<StreamInfo> info =
        GetStreamInfo(*js, stream, absl::StrCat("the stream of actor \"", actor, "\""));
    if (info.status().code() == absl::StatusCode::kNotFound) {
      return absl::FailedPreconditionError(absl::StrCat(
          "actor \"", actor, "\" is published at most once; publish it with "
          "PublishOptions{.delivery = Delivery::kAtLeastOnce} to look it up at least once"));
    }
    return info.status();
  });
}

AskAnswer NodeCore::SendAsk(const std::string& subject, absl::string_view target, uint64_t host,
                            absl::string_view frame, const Context& context,
                            CancelTravels cancel_travels) {
  if (absl::Status done = context.Err(); !done.ok()) return done;
  if (host != 0) {
    if (IsDead(host)) {
      return absl::UnavailableError(absl::StrFormat(
          "%s: its node %016x is declared dead (no heartbeat)", target, host));
    }
    TrackNode(host);
  }
  AskSlot slot(1);
  const uint64_t ask = pending_.Add(slot, std::string(target), host);
  const std::string reply = absl::StrCat(reply_prefix_, ask);
  if (absl::Status sent = transport_->Publish(subject, frame, &reply); !sent.ok()) {
    pending_.Remove(ask);
    return sent;
  }
  counters_.Count(counters_.asks_sent);
  absl::StatusOr<AskAnswer> answer = slot.Recv(context);
  if (!answer.ok()) {
    pending_.Remove(ask);
    const std::optional<absl::Time> deadline = context.deadline();
    if (cancel_travels == CancelTravels::kYes && (!deadline || absl::Now() < *deadline)) {
      SendCancel(subject, reply);  // (a deadline needs no message: the remote side has it)
    }
    return answer.status();
  }
  return *std::move(answer);
}

void NodeCore::OnReply(const Inbound& inbound) {
  uint64_t ask = 0;
  if (!absl::SimpleAtoi(inbound.subject.substr(reply_prefix_.size()), &ask)) {
    counters_.Count(counters_.rejected);
    return;
  }
  AskAnswer answer;
  if (!inbound.no_responders) {  // (else the answer is made below, with the target)
    Header header;
    absl::string_view payload;
    if (!ParseFrame(inbound.data, &header, &payload) ||
        (header.kind != Kind::kReply && header.kind != Kind::kError &&
         header.kind != Kind::kBusy && header.kind != Kind::kTaken)) {
      counters_.Count(counters_.rejected);
      return;
    }
    if (header.kind == Kind::kTaken) {
      OnTaken(ask, header.sender);
      return;
    }
    if (header.kind == Kind::kReply) {
      answer = std::string(payload);
    } else if (header.kind == Kind::kBusy) {
      answer = WorkerBusy();
    } else {
      absl::Status status = ParseStatus(payload);
      answer = status.ok() ? absl::DataLossError("remote error reply holds OK") : status;
    }
  }
  counters_.Count(counters_.answers_received);
  const bool waiting = pending_.Answer(ask, [&](const std::string& target) -> AskAnswer {
    if (!inbound.no_responders) return std::move(answer);
    return absl::UnavailableError(absl::StrCat("nothing serves ", target,
                                               " now (NATS: no responders)"));
  });
  if (!waiting) counters_.Count(counters_.orphan_replies);
}

void NodeCore::SendCancel(const std::string& subject, const std::string& ask_reply_subject) {
  std::string frame;
  AppendHeader(Header{Kind::kCancel, std::nullopt, id_}, &frame);
  if (transport_->Publish(subject, frame, &ask_reply_subject).ok()) {
    counters_.Count(counters_.cancels_sent);
  }
}

void NodeCore::OnTaken(uint64_t ask, uint64_t worker_node) {
  // Its answer came first, or its asker gave up: nothing to watch.
  if (!pending_.SetTargetNode(ask, worker_node)) return;
  counters_.Count(counters_.submissions_taken);
  TrackNode(worker_node);
  // Declared dead already (before SetTargetNode, so its FailNode missed this ask):
  // fail it here. DeclareDead marks the node dead before FailNode scans, so either
  // that scan finds the target set above or this check finds the mark.
  if (!IsDead(worker_node)) return;
  const bool failed = pending_.Answer(ask, [&](const std::string& target) -> AskAnswer {
    return absl::UnavailableError(absl::StrFormat(
        "%s: the node %016x of the worker that took it is declared dead", target, worker_node));
  });
  if (failed) counters_.Count(counters_.asks_failed_by_node_death);
}

void NodeCore::SendTaken(absl::string_view reply_subject, std::optional<absl::Time> deadline) {
  if (deadline && absl::Now() >= *deadline) return;  // the submitter gave up: nobody to tell
  (void)transport_->Publish(std::string(reply_subject), HeaderOnlyFrame(Kind::kTaken, id_));
}

void NodeCore::SendReply(const std::string& reply_subject, std::optional<absl::Time> deadline,
                         absl::string_view frame) {
  if (deadline && absl::Now() >= *deadline) {
    counters_.Count(counters_.late_replies_dropped);
    return;
  }
  (void)transport_->Publish(reply_subject, frame);  // a failure is counted there
}

void NodeCore::SendError(absl::string_view reply_subject, std::optional<absl::Time> deadline,
                         const absl::Status& status) {
  if (reply_subject.empty()) return;
  std::string frame;
  AppendHeader(Header{Kind::kError, std::nullopt, id_}, &frame);
  AppendStatus(status, &frame);
  SendReply(std::string(reply_subject), deadline, frame);
}

void NodeCore::SendBusy(absl::string_view reply_subject, std::optional<absl::Time> deadline) {
  if (reply_subject.empty()) return;
  SendReply(std::string(reply_subject), deadline, HeaderOnlyFrame(Kind::kBusy, id_));
}

absl::StatusOr<Transport::SubscriptionId> NodeCore::AddWorker(const std::string& pool,
                                                              Transport::Handler handler,
                                                              std::function<void()> on_complete) {
  const std::string subject = WorkSubject(pool);
  return transport_->QueueSubscribe(subject, subject, std::move(handler), std::move(on_complete));
}

void NodeCore::RemoveWorker(Transport::SubscriptionId subscription) {
  transport_->Unsubscribe(subscription, Transport::Ending::kDrain);
}

absl::Status NodeCore::AddEndpoint(const std::string& actor, Transport::Handler handler,
                                   const Context& context) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (endpoints_.contains(actor)) {
      return absl::AlreadyExistsError(
          absl::StrCat("this node already publishes an actor as \"", actor, "\""));
    }
  }
  // Another node's? Its endpoint answers an untyped probe.
  absl::StatusOr<uint64_t> other = Probe(actor, "", context);
  if (other.ok()) {
    return absl::AlreadyExistsError(absl::StrFormat(
        "node %016x already publishes an actor as \"%s\"", *other, actor));
  }
  if (other.status().code() != absl::StatusCode::kNotFound) return other.status();
  absl::StatusOr<Transport::SubscriptionId> subscription =
      transport_->Subscribe(ActorSubject(actor), std::move(handler));
  if (!subscription.ok()) return subscription.status();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!endpoints_.emplace(actor, *subscription).second) {
    transport_->Unsubscribe(*subscription);
    return absl::AlreadyExistsError(
        absl::StrCat("this node already publishes an actor as \"", actor, "\""));
  }
  return absl::OkStatus();
}

absl::Status NodeCore::AddStoredEndpoint(const std::string& actor, Transport::Handler handler,
                                         StoredInbox::Handler stored,
                                         const PublishOptions& options, const Context& context) {
  if (absl::Status added = AddEndpoint(actor, std::move(handler), context); !added.ok()) {
    return added;
  }
  absl::StatusOr<std::shared_ptr<StoredInbox>> inbox =
      StoredInbox::Open(this, actor, options, std::move(stored));
  std::optional<Transport::SubscriptionId> subscription;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (inbox.ok()) {
      stored_inboxes_.emplace(actor, *std::move(inbox));
      return absl::OkStatus();
    }
    // Not published after all: its endpoint goes (no exit to announce).
    if (auto it = endpoints_.find(actor); it != endpoints_.end()) {
      subscription = it->second;
      endpoints_.erase(it);
    }
  }
  if (subscription) transport_->Unsubscribe(*subscription);
  return inbox.status();
}

void NodeCore::EndpointStopped(const std::string& actor, const ActorExit& exit) {
  std::optional<Transport::SubscriptionId> subscription;
  std::shared_ptr<StoredInbox> inbox;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto stored = stored_inboxes_.find(actor); stored != stored_inboxes_.end()) {
      inbox = std::move(stored->second);
      stored_inboxes_.erase(stored);
    }
    auto it = endpoints_.find(actor);
    if (it != endpoints_.end()) {
      subscription = it->second;
      endpoints_.erase(it);
    }
  }
  // What it held unfinished is handed over again later, to the next publisher.
  if (inbox != nullptr) inbox->Stop(StoredInbox::Ending::kRelease);
  if (!subscription) return;
  // Drained: a request already routed here reaches the handler, whose Tell to the
  // stopped actor fails, which answers the asker Aborted rather than never.
  transport_->Unsubscribe(*subscription, Transport::Ending::kDrain);
  std::string frame;
  AppendHeader(Header{Kind::kExit, std::nullopt, id_}, &frame);
  AppendStatus(exit.reason, &frame);
  (void)transport_->Publish(absl::StrCat(prefix_, "exit.", actor), frame);  // counted there
}

void NodeCore::AnswerProbe(absl::string_view reply_subject, absl::string_view asked_types,
                           const std::string& types) {
  if (reply_subject.empty()) return;
  if (!asked_types.empty() && asked_types != types) {
    SendError(reply_subject, std::nullopt,
              absl::InvalidArgumentError(absl::StrCat("the actor takes (message, reply) types \"",
                                                      types, "\"; asked for \"", asked_types,
                                                      "\"")));
    return;
  }
  std::string frame;
  AppendHeader(Header{Kind::kReply, std::nullopt, id_}, &frame);
  AppendUint64(id_, &frame);
  SendReply(std::string(reply_subject), std::nullopt, frame);
}

absl::StatusOr<uint64_t> NodeCore::Probe(const std::string& actor, const std::string& types,
                                         const Context& context) {
  std::string frame;
  AppendHeader(Header{Kind::kProbe, std::nullopt, id_}, &frame);
  frame += types;
  // Bounded even under a context without deadline: a probe lost in a reconnect
  // must not hang its caller.
  auto [bounded, cancel] = WithTimeout(context, options_.failure_detection);
  AskAnswer answer = SendAsk(ActorSubject(actor), absl::StrCat("actor \"", actor, "\""),
                             /*host=*/0, frame, bounded);
  cancel.Cancel();
  if (!answer.ok()) {
    if (answer.status().code() == absl::StatusCode::kUnavailable) {
      return absl::NotFoundError(
          absl::StrCat("no actor is published as \"", actor, "\" in system \"",
                       options_.system, "\""));
    }
    return answer.status();
  }
  std::optional<uint64_t> host = ParseUint64(*answer);
  if (!host) return absl::DataLossError("malformed answer to a probe");
  return *host;
}

void NodeCore::Monitor(const std::string& actor, uint64_t host,
                       std::function<void(const ActorExit&)> on_exit) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_monitor_++;
    monitors_.emplace(id, RemoteMonitor{actor, host, std::move(on_exit), 0});
  }
  TrackNode(host);
  absl::StatusOr<Transport::SubscriptionId> subscription = transport_->Subscribe(
      absl::StrCat(prefix_, "exit.", actor), [this, id](const Inbound& inbound) {
        Header header;
        absl::string_view payload;
        if (!ParseFrame(inbound.data, &header, &payload) || header.kind != Kind::kExit) {
          counters_.Count(counters_.rejected);
          return;
        }
        FireMonitor(id, ParseStatus(payload));
      });
  if (!subscription.ok()) {
    FireMonitor(id, subscription.status());
    return;
  }
  bool fired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = monitors_.find(id);
    fired = it == monitors_.end();
    if (!fired) it->second.subscription = *subscription;
  }
  if (fired) {
    transport_->Unsubscribe(*subscription);
    return;
  }
  if (IsDead(host)) {
    FireMonitor(id, absl::UnavailableError(
                        absl::StrFormat("node %016x is declared dead (no heartbeat)", host)));
    return;
  }
  // Subscribed first, then probed: an actor that stops after the probe is seen
  // through its exit; one that stopped before is not found.
  absl::StatusOr<uint64_t> found = Probe(actor, "", Context());
  if (!found.ok() && found.status().code() == absl::StatusCode::kNotFound) {
    FireMonitor(id, found.status());
  }
}

void NodeCore::FireMonitor(uint64_t monitor_id, const absl::Status& reason) {
  RemoteMonitor monitor;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = monitors_.find(monitor_id);
    if (it == monitors_.end()) return;  // fired already
    monitor = std::move(it->second);
    monitors_.erase(it);
  }
  if (monitor.subscription != 0) transport_->Unsubscribe(monitor.subscription);
  monitor.on_exit(ActorExit{0, monitor.actor, reason});
}

void NodeCore::TrackNode(uint64_t node) {
  // This node does not hear its own heartbeats (OnHeartbeat skips them): watching
  // itself would declare itself dead.
  if (node == id_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  last_heard_.try_emplace(node, absl::Now());
}

bool NodeCore::IsDead(uint64_t node) {
  std::lock_guard<std::mutex> lock(mutex_);
  return dead_.contains(node);
}

void NodeCore::OnHeartbeat(const Inbound& inbound) {
  Header header;
  absl::string_view payload;
  if (!ParseFrame(inbound.data, &header, &payload)) {
    counters_.Count(counters_.rejected);
    return;
  }
  if (header.sender == id_) return;
  if (header.kind == Kind::kExit) {
    DeclareDead(header.sender, absl::UnavailableError(
                                   absl::StrFormat("node %016x left", header.sender)));
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = last_heard_.find(header.sender);
  if (it == last_heard_.end()) return;  // not watched
  it->second = absl::Now();
  dead_.erase(header.sender);  // it speaks again
}

void NodeCore::HeartbeatLoop() {
  const std::string subject = absl::StrFormat("%sheartbeat.%016x", prefix_, id_);
  const std::string beat = HeaderOnlyFrame(Kind::kTell, id_);
  const auto interval = absl::ToChronoMilliseconds(options_.heartbeat_interval);
  std::unique_lock<std::mutex> lock(heartbeat_mutex_);
  while (!stopping_) {
    lock.unlock();
    (void)transport_->Publish(subject, beat);  // a failure is counted there
    std::vector<uint64_t> silent;
    {
      std::lock_guard<std::mutex> nodes(mutex_);
      const absl::Time now = absl::Now();
      for (const auto& [node, heard] : last_heard_) {
        if (!dead_.contains(node) && now - heard > options_.failure_detection) {
          silent.push_back(node);
        }
      }
    }
    for (uint64_t node : silent) {
      DeclareDead(node, absl::UnavailableError(absl::StrFormat(
                            "node %016x: no heartbeat for %s", node,
                            absl::FormatDuration(options_.failure_detection))));
    }
    lock.lock();
    heartbeat_cv_.wait_for(lock, interval, [&] { return stopping_; });
  }
  lock.unlock();
  (void)transport_->Publish(subject, HeaderOnlyFrame(Kind::kExit, id_));  // goodbye
}

void NodeCore::DeclareDead(uint64_t node, const absl::Status& reason) {
  std::vector<uint64_t> monitors;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!last_heard_.contains(node) || !dead_.insert(node).second) return;
    for (const auto& [id, monitor] : monitors_) {
      if (monitor.host == node) monitors.push_back(id);
    }
  }
  counters_.Count(counters_.nodes_declared_dead);
  const int failed = pending_.FailNode(node, reason);
  counters_.asks_failed_by_node_death.fetch_add(failed, std::memory_order_relaxed);
  for (uint64_t id : monitors) FireMonitor(id, reason);
}

}  // namespace troupe::remote_internal
