// Transport: the NATS connection of a RemoteNode (see transport.h).
//
// Glossary: the client = libnats (the NATS C client); a delivery thread = the
// client's thread that calls one subscription's handler; a completion = the
// client's call of OnComplete after a subscription's last handler call returned.
//
// Invariants:
//  1. A SubscriptionState is freed only by its completion, so a handler call never
//     sees freed state. live_states_ counts the states not yet freed. A queue
//     subscription's on_complete runs in that completion, before the state is
//     freed: after the handler's last call, once.
//  2. connection_ is non-null until Close; Publish and Subscribe use it only under
//     a shared hold of lifecycle_, Close nulls it under an exclusive hold, after
//     every subscription completed (invariant 1), so no handler runs while or after
//     the connection is destroyed.
//  3. subscriptions_ holds the client's subscriptions this Transport still has to
//     unsubscribe; Unsubscribe removes one before unsubscribing it, so each is
//     unsubscribed and released once.
//  4. The client reports a connection's events (disconnected, reconnected, closed)
//     on a thread of its own, after the fact, in order; closed comes last. Close
//     waits for it, so no connection callback runs on a freed Transport.
//
// Rejected: the client's global delivery pool (natsOptions_UseGlobalMessageDelivery)
// saves a thread per subscription, but one actor's full mailbox (a Tell that blocks
// its delivery thread) would then stall every subscription in the process, replies
// included. Rejected too: a queue of ours between the delivery thread and the
// actor: ActorRef::Tell is already safe from any thread and wakes the actor's fiber
// through the scheduler's global run queue, so a hop would only add latency. Tried
// and dropped: holding a burst in the delivery callback while the client reports
// more pending, then handing it over together (fewer wakes of an idle actor) — the
// fan-in rate did not move beyond noise (6 alternating runs, 2026-12-07).
#include "troupe/remote/internal/transport.h"

#include <nats/nats.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "troupe/remote/internal/security.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/log.h"

namespace troupe::remote_internal {

struct Transport::SubscriptionState {
  Transport* transport;  // outlives the state: Close waits for its completion
  Handler handler;
  std::function<void()> on_complete;  // may be empty
  natsSubscription* subscription = nullptr;  // released by the completion
  int64_t drops_counted = 0;  // of the client's count; guarded by subscriptions_mutex_
};

// A slow consumer: the client's buffer for one subscription was full and it began
// to drop what arrives. Reported once per episode (from the client's thread), so
// the count of messages comes from the subscription's own tally, here and in
// DroppedMessages. A permissions violation: the server refused a publish or a
// subscription (the user's permissions do not allow the subject; its text names
// it). Other asynchronous errors are the connection's, which the
// disconnected/closed callbacks already report.
struct Transport::ErrorHandler {
  static void OnError(natsConnection* connection, natsSubscription* subscription,
                      natsStatus status, void* closure) {
    auto* transport = static_cast<Transport*>(closure);
    if (status == NATS_NOT_PERMITTED) {
      // relaxed: statistics.
      transport->counters_.permission_violations.fetch_add(1, std::memory_order_relaxed);
      const char* text = nullptr;
      (void)natsConnection_GetLastError(connection, &text);
      TROUPE_LOG(kWarning,
                 "remote: nats-server refused a publish or subscription (counted in "
                 "RemoteStats::permission_violations)",
                 {{"server", text != nullptr ? text : ""}});
      return;
    }
    if (status != NATS_SLOW_CONSUMER || subscription == nullptr) return;
    transport->counters_.slow_consumer_episodes.fetch_add(1, std::memory_order_relaxed);
    std::string subject;
    {
      std::lock_guard<std::mutex> lock(transport->subscriptions_mutex_);
      for (auto& [id, state] : transport->subscriptions_) {
        if (state->subscription != subscription) continue;
        transport->CountDropsLocked(*state);
        subject = natsSubscription_GetSubject(subscription);
        break;
      }
    }
    TROUPE_LOG(kWarning,
               "remote: a subscription's buffer is full; the NATS client drops what arrives "
               "until its actor catches up (counted in RemoteStats::dropped_by_full_buffer)",
               {{"subject", subject}});
  }
};

namespace {

absl::Status ClientError(absl::string_view what, natsStatus status) {
  return absl::UnavailableError(absl::StrCat(what, ": ", natsStatus_GetText(status)));
}

int64_t Millis(absl::Duration duration) { return absl::ToInt64Milliseconds(duration); }

// A drain hands the handler what the server routed before it heard the UNSUB; it
// is closed regardless after this long.
constexpr int64_t kDrainTimeoutMs = 5000;

// How long a reconnect waits for the server to confirm the resent subscriptions.
constexpr int64_t kReconnectFlushTimeoutMs = 5000;

// How long ReleaseSubscription's flush may take; on timeout the subscription waits
// for a later one (or Close).
constexpr int64_t kReleaseFlushTimeoutMs = 1000;

// Attempts at a connect that signs the server's nonce (an NKey or a credentials
// file) before a refusal is final. libnats 3.4.1 (Debian 12's) base64-encodes the
// signature as if it were a C string: one whose first byte is zero (1 in 256)
// leaves the CONNECT without a signature, and the server refuses it ("Signature
// missing" in its log; fixed upstream by nats-io/nats.c#705). Each connection
// brings a new nonce and so an independent signature: after 4 attempts 1 connect
// in 2^32 is refused for that, while wrong credentials are refused every time and
// fail as before, after three more connects. Not covered: a list of servers whose
// last one is unreachable (the client then reports no server, not the refusal),
// and the client's own reconnects — 1 attempt in 256 is refused and retried after
// reconnect_wait, and the client stops reconnecting when a server refuses twice
// without a successful connect to it in between (about 1 reconnect in 65,536 with
// one server), which closes the connection like any lost server (README, "Across
// machines"). remote_security_test.cc hands a node a nonce whose signature begins
// with zero.
constexpr int kSignedConnectAttempts = 4;

}  // namespace

absl::StatusOr<std::unique_ptr<Transport>> Transport::Connect(
    const TransportOptions& options, std::function<void()> on_disconnect) {
  std::unique_ptr<Transport> transport(new Transport());
  transport->on_disconnect_ = std::move(on_disconnect);
  transport->pending_messages_limit_ = options.pending_messages_limit;
  transport->pending_bytes_limit_ = options.pending_bytes_limit;
  natsOptions* nats_options = nullptr;
  natsStatus status = natsOptions_Create(&nats_options);
  // The client takes one URL, or a list of servers to fail over to: a cluster's
  // comma-separated list goes in as that list.
  std::vector<std::string> urls;
  for (absl::string_view url : absl::StrSplit(options.url, ',', absl::SkipWhitespace())) {
    urls.emplace_back(absl::StripAsciiWhitespace(url));
  }
  std::vector<const char*> servers;
  for (const std::string& url : urls) servers.push_back(url.c_str());
  if (status == NATS_OK) {
    status = natsOptions_SetServers(nats_options, servers.data(), static_cast<int>(servers.size()));
  }
  if (status == NATS_OK) status = natsOptions_SetName(nats_options, options.connection_name.c_str());
  if (status == NATS_OK) status = natsOptions_SetTimeout(nats_options, Millis(options.connect_timeout));
  if (status == NATS_OK) status = natsOptions_SetMaxReconnect(nats_options, options.max_reconnects);
  if (status == NATS_OK) {
    status = natsOptions_SetReconnectWait(nats_options, Millis(options.reconnect_wait));
  }
  if (status == NATS_OK) {
    status = natsOptions_SetDisconnectedCB(nats_options, &Transport::OnDisconnected,
                                           transport.get());
  }
  if (status == NATS_OK) {
    status = natsOptions_SetReconnectedCB(nats_options, &Transport::OnReconnected,
                                          transport.get());
  }
  if (status == NATS_OK) {
    status = natsOptions_SetClosedCB(nats_options, &Transport::OnClosed, transport.get());
  }
  if (status == NATS_OK) {
    status = natsOptions_SetErrorHandler(nats_options, &ErrorHandler::OnError, transport.get());
  }
  if (status == NATS_OK) {
    status = natsOptions_SetSendAsap(nats_options, options.send_immediately);
  }
  if (status != NATS_OK) {
    natsOptions_Destroy(nats_options);
    return ClientError("cannot set up the NATS client's options", status);
  }
  if (absl::Status secured = ApplySecurity(options.auth, options.tls, nats_options);
      !secured.ok()) {
    natsOptions_Destroy(nats_options);
    return secured;
  }

  // A signed connect the server refused is tried again with the fresh nonce of a
  // new connection (kSignedConnectAttempts, above); a refusal of anything else is
  // final.
  const bool signs_nonce = SignsServerNonce(options.auth);
  for (int attempt = 1;; ++attempt) {
    status = natsConnection_Connect(&transport->connection_, nats_options);
    if (status == NATS_OK || !signs_nonce || attempt == kSignedConnectAttempts) break;
    natsStatus reason = NATS_OK;
    (void)nats_GetLastError(&reason);
    if (reason != NATS_CONNECTION_AUTH_FAILED) break;
    TROUPE_LOG(kInfo,
               "remote: nats-server refused a signed connect; trying again with a new nonce, "
               "in case the client dropped its signature (libnats 3.4.1 does for 1 in 256)",
               {{"attempt", attempt}});
  }
  natsOptions_Destroy(nats_options);
  if (status != NATS_OK) {
    transport->connection_ = nullptr;
    // This thread's last error is the connect's most specific one: after trying
    // every server the client answers NATS_NO_SERVER, and the last error says
    // why the last server failed (NATS_CONNECTION_AUTH_FAILED, NATS_SSL_ERROR...).
    natsStatus reason = NATS_OK;
    const char* text = nats_GetLastError(&reason);
    return ConnectError(options.url, options.auth, options.tls,
                        reason != NATS_OK ? reason : status, text != nullptr ? text : "");
  }
  return transport;
}

Transport::~Transport() { Close(); }

void Transport::OnMessage(natsConnection*, natsSubscription*, natsMsg* message, void* closure) {
  auto* state = static_cast<SubscriptionState*>(closure);
  const char* reply = natsMsg_GetReply(message);
  Inbound inbound;
  inbound.subject = natsMsg_GetSubject(message);
  inbound.reply = reply == nullptr ? absl::string_view() : absl::string_view(reply);
  inbound.data = absl::string_view(natsMsg_GetData(message),
                                   static_cast<std::size_t>(natsMsg_GetDataLength(message)));
  inbound.no_responders = natsMsg_IsNoResponders(message);
  state->handler(inbound);
  natsMsg_Destroy(message);
}

void Transport::OnComplete(void* closure) {
  auto* state = static_cast<SubscriptionState*>(closure);
  Transport* transport = state->transport;
  if (state->on_complete) state->on_complete();
  transport->ReleaseSubscription(state->subscription);
  delete state;
  std::lock_guard<std::mutex> lock(transport->completion_mutex_);
  --transport->live_states_;
  transport->completion_cv_.notify_all();
}

void Transport::OnDisconnected(natsConnection*, void* closure) {
  auto* transport = static_cast<Transport*>(closure);
  // acquire; pairs with the release in Close.
  if (transport->closing_.load(std::memory_order_acquire)) return;
  transport->counters_.disconnects.fetch_add(1, std::memory_order_relaxed);  // statistics
  if (transport->on_disconnect_) transport->on_disconnect_();
}

void Transport::OnClosed(natsConnection*, void* closure) {
  auto* transport = static_cast<Transport*>(closure);
  std::lock_guard<std::mutex> lock(transport->completion_mutex_);
  transport->closed_ = true;
  transport->completion_cv_.notify_all();
}

void Transport::OnReconnected(natsConnection* connection, void* closure) {
  auto* transport = static_cast<Transport*>(closure);
  // The client resent its subscriptions before posting this callback, but the
  // server registers them only when it reads them: until then a reply published on
  // another connection finds no interest and is lost. The flush's PING/PONG round
  // trip says the server has read them, so a reconnect is counted (and observable)
  // only once this node can be reached again. The connection outlives this call:
  // Close destroys it after the closed callback, which comes after this one
  // (invariant 4); a flush that fails (dropped again, closed) is not a reconnect.
  if (natsConnection_FlushTimeout(connection, kReconnectFlushTimeoutMs) != NATS_OK) return;
  transport->counters_.reconnects.fetch_add(1, std::memory_order_relaxed);  // statistics
}

absl::StatusOr<Transport::SubscriptionId> Transport::Subscribe(const std::string& subject,
                                                               Handler handler) {
  return SubscribeState(subject, nullptr, new SubscriptionState{this, std::move(handler), nullptr});
}

absl::StatusOr<Transport::SubscriptionId> Transport::QueueSubscribe(
    const std::string& subject, const std::string& queue, Handler handler,
    std::function<void()> on_complete) {
  return SubscribeState(subject, &queue,
                        new SubscriptionState{this, std::move(handler), std::move(on_complete)});
}

absl::StatusOr<Transport::SubscriptionId> Transport::SubscribeState(const std::string& subject,
                                                                    const std::string* queue,
                                                                    SubscriptionState* state) {
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) {
    delete state;  // never registered: no completion will come
    return absl::FailedPreconditionError("the NATS connection is closed");
  }
  natsSubscription* subscription = nullptr;
  natsStatus status =
      queue == nullptr
          ? natsConnection_Subscribe(&subscription, connection_, subject.c_str(),
                                     &Transport::OnMessage, state)
          : natsConnection_QueueSubscribe(&subscription, connection_, subject.c_str(),
                                          queue->c_str(), &Transport::OnMessage, state);
  if (status != NATS_OK) {
    delete state;  // never registered: no completion will come
    return ClientError(absl::StrCat("cannot subscribe to ", subject), status);
  }
  state->subscription = subscription;
  status = natsSubscription_SetPendingLimits(subscription, pending_messages_limit_,
                                             pending_bytes_limit_);
  if (status != NATS_OK) {
    scheduler_internal::Fatal("Transport::Subscribe", "natsSubscription_SetPendingLimits: %s",
                              natsStatus_GetText(status));
  }
  {
    std::lock_guard<std::mutex> lock(completion_mutex_);
    ++live_states_;
  }
  status = natsSubscription_SetOnCompleteCB(subscription, &Transport::OnComplete, state);
  if (status != NATS_OK) {
    scheduler_internal::Fatal("Transport::Subscribe", "natsSubscription_SetOnCompleteCB: %s",
                              natsStatus_GetText(status));
  }
  SubscriptionId id;
  {
    std::lock_guard<std::mutex> lock(subscriptions_mutex_);
    id = next_subscription_++;
    subscriptions_.emplace(id, state);
  }
  // The server registers the interest when it reads the SUB; the flush's PING/PONG
  // round trip says it has. A SUB the server refuses is answered by an error
  // before that PONG, which the client has read (and kept as the connection's last
  // error, naming the subject) by the time the flush returns.
  status = natsConnection_FlushTimeout(connection_, 5000);
  if (status != NATS_OK) {
    hold.unlock();
    Unsubscribe(id);
    return ClientError(absl::StrCat("subscribing to ", subject, ": flush"), status);
  }
  // (The last error stays until another replaces it: the subject in its text says
  // it is this subscription's.)
  const char* last_error = nullptr;
  if (natsConnection_GetLastError(connection_, &last_error) == NATS_NOT_PERMITTED &&
      last_error != nullptr &&
      absl::StrContains(last_error, absl::StrCat("Subscription to \"", subject, "\""))) {
    const std::string text = last_error;  // the connection's buffer: copied under the hold
    hold.unlock();
    Unsubscribe(id);
    return absl::PermissionDeniedError(absl::StrCat(
        "nats-server refused the subscription to ", subject,
        ": the user's permissions do not allow it (", text, ")"));
  }
  return id;
}

void Transport::Unsubscribe(SubscriptionId id, Ending ending) {
  natsSubscription* subscription = nullptr;
  {
    std::lock_guard<std::mutex> lock(subscriptions_mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return;
    // Counted now: once it leaves the map its state may be freed at any time.
    CountDropsLocked(*it->second);
    subscription = it->second->subscription;
    subscriptions_.erase(it);
  }
  // Either call closes the subscription (its completion follows and releases it)
  // even when the connection is down; an error then only says the server was not
  // told. A drain that cannot start falls back to closing at once.
  if (ending == Ending::kDrain &&
      natsSubscription_DrainTimeout(subscription, kDrainTimeoutMs) == NATS_OK) {
    return;
  }
  (void)natsSubscription_Unsubscribe(subscription);
}

absl::Status Transport::Publish(const std::string& subject, absl::string_view frame,
                                const std::string* reply) {
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) {
    counters_.publish_failures.fetch_add(1, std::memory_order_relaxed);  // statistics
    return absl::FailedPreconditionError("the NATS connection is closed");
  }
  if (natsConnection_IsReconnecting(connection_)) {
    counters_.published_while_disconnected.fetch_add(1, std::memory_order_relaxed);
  }
  const natsStatus status =
      reply == nullptr
          ? natsConnection_Publish(connection_, subject.c_str(), frame.data(),
                                   static_cast<int>(frame.size()))
          : natsConnection_PublishRequest(connection_, subject.c_str(), reply->c_str(),
                                          frame.data(), static_cast<int>(frame.size()));
  if (status != NATS_OK) {
    counters_.publish_failures.fetch_add(1, std::memory_order_relaxed);  // statistics
    return ClientError(absl::StrCat("cannot publish to ", subject), status);
  }
  return absl::OkStatus();
}

void Transport::Close() {
  std::vector<SubscriptionId> ids;
  {
    std::lock_guard<std::mutex> lock(subscriptions_mutex_);
    for (const auto& [id, state] : subscriptions_) ids.push_back(id);
  }
  for (SubscriptionId id : ids) Unsubscribe(id);
  {
    std::unique_lock<std::mutex> lock(completion_mutex_);
    if (!completion_cv_.wait_for(lock, std::chrono::seconds(30),
                                 [&] { return live_states_ == 0; })) {
      scheduler_internal::Fatal("Transport::Close",
                                "%d subscription handlers still running after 30 s",
                                live_states_);
    }
  }
  std::unique_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) return;
  closing_.store(true, std::memory_order_release);  // pairs with OnDisconnected's acquire
  natsConnection_Close(connection_);
  {
    // The client's connection callbacks run later, on its own thread; the closed
    // callback is the last of them (invariant 4).
    std::unique_lock<std::mutex> lock(completion_mutex_);
    if (!completion_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return closed_; })) {
      scheduler_internal::Fatal("Transport::Close", "no closed callback 30 s after closing");
    }
  }
  {
    // natsConnection_Close has joined the reader thread: nothing can still be
    // looking these up (ReleaseSubscription).
    std::vector<natsSubscription*> retired;
    {
      std::lock_guard<std::mutex> lock(retired_mutex_);
      retired.swap(retired_);
    }
    DestroySubscriptions(retired);
  }
  {
    std::lock_guard<std::mutex> lock(jetstream_mutex_);
    if (jetstream_ != nullptr) jsCtx_Destroy(jetstream_);
    jetstream_ = nullptr;
  }
  natsConnection_Destroy(connection_);
  connection_ = nullptr;
}

void Transport::ReleaseSubscription(natsSubscription* subscription) {
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) {  // closed: the reader thread has ended
    natsSubscription_Destroy(subscription);
    return;
  }
  std::vector<natsSubscription*> releasing;
  {
    std::lock_guard<std::mutex> lock(retired_mutex_);
    retired_.push_back(subscription);
    if (natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) return;
    releasing.swap(retired_);
  }
  // Every subscription in `releasing` left the client's table before this PING was
  // sent, so once its PONG has been read the reader is past any message it had
  // looked one of them up for.
  if (natsConnection_FlushTimeout(connection_, kReleaseFlushTimeoutMs) == NATS_OK) {
    DestroySubscriptions(releasing);
    return;
  }
  std::lock_guard<std::mutex> lock(retired_mutex_);
  retired_.insert(retired_.end(), releasing.begin(), releasing.end());
}

void Transport::DestroySubscriptions(const std::vector<natsSubscription*>& subscriptions) {
  for (natsSubscription* subscription : subscriptions) natsSubscription_Destroy(subscription);
}

absl::StatusOr<jsCtx*> Transport::JetStream() {
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) return absl::FailedPreconditionError("the NATS connection is closed");
  std::lock_guard<std::mutex> lock(jetstream_mutex_);
  if (jetstream_ == nullptr) {
    const natsStatus status = natsConnection_JetStream(&jetstream_, connection_, nullptr);
    if (status != NATS_OK) {
      jetstream_ = nullptr;
      return ClientError("JetStream", status);
    }
  }
  return jetstream_;
}

void Transport::CountDropsLocked(SubscriptionState& state) {
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(state.subscription, &dropped) != NATS_OK) return;
  if (dropped > state.drops_counted) {
    dropped_ += static_cast<uint64_t>(dropped - state.drops_counted);
    state.drops_counted = dropped;
  }
}

uint64_t Transport::DroppedMessages() {
  std::lock_guard<std::mutex> lock(subscriptions_mutex_);
  for (auto& [id, state] : subscriptions_) CountDropsLocked(*state);
  return dropped_;
}

bool Transport::connected() const {
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  return connection_ != nullptr && natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

Transport::Traffic Transport::traffic() const {
  Traffic traffic;
  std::shared_lock<std::shared_mutex> hold(lifecycle_);
  if (connection_ == nullptr) return traffic;
  natsStatistics* statistics = nullptr;
  if (natsStatistics_Create(&statistics) != NATS_OK) return traffic;
  if (natsConnection_GetStats(connection_, statistics) == NATS_OK) {
    uint64_t reconnects = 0;
    natsStatistics_GetCounts(statistics, &traffic.in_messages, &traffic.in_bytes,
                             &traffic.out_messages, &traffic.out_bytes, &reconnects);
  }
  natsStatistics_Destroy(statistics);
  return traffic;
}

}  // namespace troupe::remote_internal
