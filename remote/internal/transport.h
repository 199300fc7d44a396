// Transport: one NATS connection (the C client, libnats) and the subscriptions
// made on it, for one RemoteNode.
//
// Threads: the C client runs its own threads — a reader/flusher per connection and,
// by default, one delivery thread per subscription, which calls that
// subscription's handler for one message at a time, in arrival order. Handlers
// run there, outside troupe's scheduler: they hand work to troupe through calls
// that any thread may make (ActorRef::Tell, Channel::TrySend), so no message takes
// an extra hop through a queue of ours. Publish may be called from any fiber or
// thread; it copies the frame into the client's buffer and does not wait for the
// server: with send_immediately it writes the buffer to the socket itself, else
// the client's flusher thread sends it a little later, batched with others.
//
// Lifetime: a subscription's handler state is freed by the client's completion
// callback, which runs after the last call of the handler has returned, so a
// handler never runs on freed state; Close waits (bounded) for every completion
// before it closes the connection. The client's subscription itself is released
// through ReleaseSubscription, which waits for the client's reader thread to pass
// (see there).
#ifndef TROUPE_REMOTE_INTERNAL_TRANSPORT_H_
#define TROUPE_REMOTE_INTERNAL_TRANSPORT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/remote/remote_options.h"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;
struct __jsCtx;

namespace troupe::remote_internal {

// What a subscription's handler sees of a message (valid during the call only).
struct Inbound {
  absl::string_view subject;
  absl::string_view reply;  // empty: no reply expected
  absl::string_view data;
  bool no_responders = false;  // the server's answer to a request nobody subscribed to
};

struct TransportOptions {
  std::string url;  // a server's, or a comma-separated list of a cluster's
  std::string connection_name;
  absl::Duration connect_timeout;
  absl::Duration reconnect_wait;
  int max_reconnects;  // -1: forever
  // Each subscription's buffer in the client (messages received, not yet handled):
  // beyond either limit the client drops what arrives (counted, see DroppedMessages).
  // (Defaults: the client's own.)
  int pending_messages_limit = 65536;
  int pending_bytes_limit = 64 << 20;
  // Publish writes to the socket itself instead of leaving it to the flusher.
  bool send_immediately = true;
  // Validated already (security.h).
  RemoteAuth auth;
  RemoteTls tls;
};

// Counters of the connection's life; any thread reads them (relaxed: statistics).
struct TransportCounters {
  std::atomic<uint64_t> disconnects{0};
  std::atomic<uint64_t> reconnects{0};
  // Published while the connection was down: held in the client's reconnect buffer
  // and sent on reconnect (or failed at Publish when that buffer was full).
  std::atomic<uint64_t> published_while_disconnected{0};
  std::atomic<uint64_t> publish_failures{0};
  // Publishes and subscriptions the server refused: the user's permissions do not
  // allow the subject (one count per refusal the client reports).
  std::atomic<uint64_t> permission_violations{0};
  // Times the client reported a subscription's buffer full (it then drops what
  // arrives until the handler catches up): one report per episode, not per message.
  std::atomic<uint64_t> slow_consumer_episodes{0};
};

class Transport {
 public:
  using Handler = std::function<void(const Inbound&)>;
  using SubscriptionId = uint64_t;

  // Connects, or the client's error as a status (security.h's ConnectError):
  // Unauthenticated when the server refuses the credentials, FailedPrecondition for
  // a failed TLS handshake, Unavailable when no server is reachable.
  // `on_disconnect` runs on the client's thread each time the connection drops.
  static absl::StatusOr<std::unique_ptr<Transport>> Connect(const TransportOptions& options,
                                                            std::function<void()> on_disconnect);
  ~Transport();  // Close()
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Any thread. `handler` runs on the subscription's delivery thread. The
  // subscription is registered with the server when this returns (flushed), so a
  // message published after it, from any connection, reaches the handler.
  // PermissionDenied if the server refused it (the user may not subscribe to
  // `subject`).
  absl::StatusOr<SubscriptionId> Subscribe(const std::string& subject, Handler handler);
  // As Subscribe, as one member of the queue group `queue`: the server hands each
  // message on `subject` to one member of the group, picked at random (NATS queue
  // groups; plain subscribers still get every message). `on_complete`, if set, runs
  // on a client's thread once, after the handler's last call has returned — when
  // the subscription is unsubscribed, drained or closed with the connection.
  absl::StatusOr<SubscriptionId> QueueSubscribe(const std::string& subject,
                                                const std::string& queue, Handler handler,
                                                std::function<void()> on_complete);
  // Any thread, including the subscription's own handler. kNow drops what has
  // arrived and not been handled; kDrain first hands the handler everything the
  // server routed to the subscription before it stopped (so a request to an actor
  // that stops is answered, not lost). Calls of the handler may still be running
  // when this returns (never after Close returns).
  enum class Ending { kNow, kDrain };
  void Unsubscribe(SubscriptionId id, Ending ending = Ending::kNow);

  // Any fiber or thread; never parks. With send_immediately it writes to the
  // socket, so a socket the server does not drain (a stalled server) holds the
  // calling thread until the client's write deadline. Unavailable once closed or
  // when the client cannot take the message (its reconnect buffer is full): counted.
  absl::Status Publish(const std::string& subject, absl::string_view frame,
                       const std::string* reply = nullptr);

  // Unsubscribes everything, waits until no handler runs, closes the connection.
  // Any thread but a handler's. Idempotent.
  void Close();

  // Releases a subscription the client no longer delivers to: unsubscribed (or
  // drained and completed). Any thread but the client's reader. Never blocks longer
  // than one flush (kReleaseFlushTimeoutMs).
  //
  // Why not natsSubscription_Destroy at once: the C client 3.4's reader thread
  // finds a message's subscription in the connection's table and then locks it
  // without holding a reference (fixed upstream in 3.6, nats.c pull request 638).
  // A subscription removed from the table and freed in that window is locked after
  // it was freed — seen under ThreadSanitizer as "use of an invalid mutex" when a
  // pull subscription's last fetch answer arrived as it was unsubscribed. So the
  // last reference is released only once the reader has provably moved on: a
  // flush's PONG, which the reader handles after any message it was in the middle
  // of. While the connection is down the subscription waits for the next flush
  // that succeeds, or for Close, which releases the rest after the reader thread
  // has ended.
  void ReleaseSubscription(__natsSubscription* subscription);

  // Messages the client discarded because a subscription's buffer was full (its
  // handler — an actor's delivery — did not keep up), summed over every
  // subscription this Transport has had. Never decreases. Any thread.
  uint64_t DroppedMessages();

  // The connection's JetStream context, made on first use; valid until Close.
  // FailedPrecondition once closed. Any thread.
  absl::StatusOr<__jsCtx*> JetStream();

  bool connected() const;
  const TransportCounters& counters() const { return counters_; }
  // Messages and bytes in and out, as the client counts them.
  struct Traffic {
    uint64_t in_messages = 0, in_bytes = 0, out_messages = 0, out_bytes = 0;
  };
  Traffic traffic() const;

 private:
  struct SubscriptionState;
  Transport() = default;
  // Subscribe and QueueSubscribe: `queue` null for a plain subscription.
  absl::StatusOr<SubscriptionId> SubscribeState(const std::string& subject,
                                                const std::string* queue,
                                                SubscriptionState* state);
  static void OnMessage(__natsConnection*, __natsSubscription*, __natsMsg* message,
                        void* closure);
  static void OnComplete(void* closure);
  static void OnDisconnected(__natsConnection*, void* closure);
  static void OnReconnected(__natsConnection*, void* closure);
  static void OnClosed(__natsConnection*, void* closure);
  // The client's error handler (transport.cc: its signature needs nats.h's types).
  struct ErrorHandler;
  friend struct ErrorHandler;
  // Destroys `subscriptions` (the client's last references to them).
  static void DestroySubscriptions(const std::vector<__natsSubscription*>& subscriptions);
  // Adds to dropped_ what `state`'s subscription dropped since last counted.
  // Under subscriptions_mutex_, with `state` in subscriptions_ (so not yet freed).
  void CountDropsLocked(SubscriptionState& state);

  __natsConnection* connection_ = nullptr;  // null once closed (under lifecycle_)
  std::mutex jetstream_mutex_;
  __jsCtx* jetstream_ = nullptr;  // guarded by jetstream_mutex_; destroyed by Close
  // Shared by Publish and Subscribe; Close takes it exclusively to null connection_.
  mutable std::shared_mutex lifecycle_;
  std::mutex subscriptions_mutex_;
  absl::flat_hash_map<SubscriptionId, SubscriptionState*> subscriptions_;
  uint64_t dropped_ = 0;  // guarded by subscriptions_mutex_
  SubscriptionId next_subscription_ = 1;
  // SubscriptionStates not yet freed by OnComplete; Close waits for 0.
  std::mutex completion_mutex_;
  std::condition_variable completion_cv_;
  int live_states_ = 0;  // guarded by completion_mutex_
  bool closed_ = false;  // the closed callback has run; guarded by completion_mutex_
  // Subscriptions given to ReleaseSubscription that wait for a flush (or Close).
  std::mutex retired_mutex_;
  std::vector<__natsSubscription*> retired_;  // guarded by retired_mutex_
  std::function<void()> on_disconnect_;
  int pending_messages_limit_ = 0;  // set by Connect
  int pending_bytes_limit_ = 0;
  // Set by Close before it closes the connection: the client reports that close as
  // a disconnect, which is not one to count or act on. release; pairs with the
  // acquire in OnDisconnected.
  std::atomic<bool> closing_{false};
  TransportCounters counters_;
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_TRANSPORT_H_
