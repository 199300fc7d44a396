// NodeCore: the untyped part of a RemoteNode — its connection, subjects, pending
// asks, published actors, remote monitors and heartbeats. RemoteNode's templates
// (node.h) encode and decode; everything here moves frames (wire.h).
//
// Shared ownership: RemoteNode owns the core, and so do the Reply callbacks of
// remote asks being handled and the monitors on published actors, which may
// outlive the node; after Close they find the connection closed and do nothing.
// Subscription handlers hold a plain pointer: Close waits until none runs.
#ifndef TROUPE_REMOTE_INTERNAL_NODE_CORE_H_
#define TROUPE_REMOTE_INTERNAL_NODE_CORE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_options.h"
#include "troupe/remote/internal/inbound_asks.h"
#include "troupe/remote/internal/pending_asks.h"
#include "troupe/remote/internal/stored_inbox.h"
#include "troupe/remote/internal/transport.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"

namespace troupe::remote_internal {

// Counters behind RemoteStats (relaxed, all: statistics, read without ordering).
struct NodeCounters {
  std::atomic<uint64_t> tells_sent{0}, asks_sent{0}, answers_received{0}, delivered{0},
      rejected{0}, expired_dropped{0}, late_replies_dropped{0}, undeliverable{0},
      orphan_replies{0}, asks_pending_at_disconnect{0}, nodes_declared_dead{0},
      asks_failed_by_node_death{0}, stored_tells{0}, stored_tell_failures{0},
      stored_tells_refused_full{0}, stored_tells_resent{0}, stored_handled{0},
      stored_duplicates_dropped{0}, stored_not_handled{0}, submissions_taken{0}, cancels_sent{0},
      asks_cancelled{0};
  void Count(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
};

// What SendAsk returns when a pool worker answered kBusy: ResourceExhausted,
// marked by a payload so that it differs from a ResourceExhausted a worker's actor
// answered (which is the submission's result, not a reason to retry).
absl::Status WorkerBusy();
bool IsWorkerBusy(const absl::Status& status);

// The frame a fiber is building (encoding needs no allocation once it has grown).
// Valid until the fiber next parks.
std::string& ScratchFrame();

class NodeCore : public std::enable_shared_from_this<NodeCore> {
 public:
  // Validates `options` (InvalidArgument saying what is allowed) and connects.
  static absl::StatusOr<std::shared_ptr<NodeCore>> Connect(RemoteNodeOptions options);
  ~NodeCore();

  uint64_t id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& system() const { return options_.system; }
  Transport& transport() { return *transport_; }
  // RemoteChannels opened from this node and not yet destroyed (they use its
  // connection): Close stops the process rather than close it under them.
  std::atomic<int> open_channels{0};
  NodeCounters& counters() { return counters_; }
  RemoteStats Stats() const;
  // The asks this node's published actors hold, for the askers' cancellations.
  InboundAsks& inbound_asks() { return inbound_asks_; }

  std::string ActorSubject(absl::string_view actor) const;
  // An at-least-once actor's stream "<system>_actor_<actor>" and its subject
  // "<system>.stored.<actor>" (stored_inbox.h).
  std::string StoredStream(absl::string_view actor) const;
  std::string StoredSubject(absl::string_view actor) const;
  // The subject (and queue group) of the worker pool `pool`: "<system>.work.<pool>".
  std::string WorkSubject(absl::string_view pool) const;

  // ---- Sending: any fiber or thread. ----
  absl::Status SendTell(const std::string& subject, absl::string_view frame);
  // Stores a tell frame in `actor`'s stream (parks until the stream acknowledges
  // it, `context` ends or `store_timeout` passes): OK once stored;
  // ResourceExhausted when the stream is full; Unavailable when no stream keeps
  // the actor's messages or the server fails; DeadlineExceeded. Counted.
  absl::Status SendStoredTell(const std::string& actor, absl::string_view frame,
                              const Context& context, absl::Duration store_timeout);
  // OK if `actor` has a stream of stored messages (it is published at least once,
  // or was); FailedPrecondition if not. Parks for a round trip.
  absl::Status CheckStored(const std::string& actor);
  // Sends an ask frame and parks until the answer's payload, or an error: the
  // context's, Unavailable when nothing subscribes to `subject` or `host` (when
  // not 0) is declared dead, WorkerBusy() when a pool worker turned it away, or
  // the status the remote side answered. `target` names what is asked in messages
  // (`actor "counter"`). With CancelTravels::kYes (an actor's ask: one node takes
  // its subject), a context that ends before its deadline — cancelled — is told to
  // the remote side (kCancel, inbound_asks.h).
  enum class CancelTravels : bool { kNo, kYes };
  AskAnswer SendAsk(const std::string& subject, absl::string_view target, uint64_t host,
                    absl::string_view frame, const Context& context,
                    CancelTravels cancel_travels = CancelTravels::kNo);
  // Tells the actor at `subject` that the ask answered at `ask_reply_subject` was
  // given up (kCancel; counted in cancels_sent once handed to the client).
  void SendCancel(const std::string& subject, const std::string& ask_reply_subject);
  // Publishes a reply frame unless the asker's `deadline` has passed (counted).
  void SendReply(const std::string& reply_subject, std::optional<absl::Time> deadline,
                 absl::string_view frame);
  // An error reply (kError with `status`), if `reply_subject` is not empty.
  void SendError(absl::string_view reply_subject, std::optional<absl::Time> deadline,
                 const absl::Status& status);
  // A pool worker's "busy" answer (kBusy), if `reply_subject` is not empty.
  void SendBusy(absl::string_view reply_subject, std::optional<absl::Time> deadline);
  // A pool worker's notice that it took the request (kTaken): the submitter
  // watches this node from then on.
  void SendTaken(absl::string_view reply_subject, std::optional<absl::Time> deadline);

  // ---- Serving a worker pool. ----
  // Joins the queue group of `pool` with `handler`; `on_complete` runs once after
  // the handler's last call (Transport::QueueSubscribe).
  absl::StatusOr<Transport::SubscriptionId> AddWorker(const std::string& pool,
                                                      Transport::Handler handler,
                                                      std::function<void()> on_complete);
  // Leaves the queue group; what the server routed here before is still handled
  // (drained). Idempotent.
  void RemoveWorker(Transport::SubscriptionId subscription);

  // ---- Publishing actors. ----
  // Subscribes `handler` to the actor's subject. AlreadyExists if this node or
  // another one already publishes `actor`.
  absl::Status AddEndpoint(const std::string& actor, Transport::Handler handler,
                           const Context& context);
  // As AddEndpoint, then takes the messages stored for `actor` with `stored`
  // (PublishOptions: kAtLeastOnce; stored_inbox.h).
  absl::Status AddStoredEndpoint(const std::string& actor, Transport::Handler handler,
                                 StoredInbox::Handler stored, const PublishOptions& options,
                                 const Context& context);
  // The published actor stopped: unsubscribe it (and stop taking its stored
  // messages) and announce its exit.
  void EndpointStopped(const std::string& actor, const ActorExit& exit);
  // Answers Lookup's probe for `actor`, whose type names are `types`.
  void AnswerProbe(absl::string_view reply_subject, absl::string_view asked_types,
                   const std::string& types);

  // ---- Finding and watching remote actors. ----
  // The id of the node that publishes `actor` if its types are `types`: NotFound,
  // or InvalidArgument for other types. Waits at most failure_detection.
  absl::StatusOr<uint64_t> Probe(const std::string& actor, const std::string& types,
                                 const Context& context);
  // `on_exit` runs once when `actor` (hosted by `host`) stops, its node is declared
  // dead, or at once (NotFound) if nothing publishes it now. On a NATS client's or
  // the heartbeat thread.
  void Monitor(const std::string& actor, uint64_t host,
               std::function<void(const ActorExit&)> on_exit);

  // ---- Links across nodes (RemoteNode::Link; node_links.cc). ----
  // The linking side: tells the published `actor` that this node's actor `linker`
  // links to it (kLink); returns the link's id, for SendLinkedExit.
  uint64_t SendLink(const std::string& actor, absl::string_view linker);
  // The linking actor of `link` ended with `reason` (kLinkedExit).
  void SendLinkedExit(const std::string& actor, uint64_t link, const absl::Status& reason);
  // The published actor's side, for a kLink or kLinkedExit frame on its subject:
  // `deliver` runs once with the linking actor's exit — its reason, or
  // Unavailable when its node is declared dead or leaves first. A malformed frame
  // is rejected (counted).
  void OnLinkFrame(const Header& header, absl::string_view payload,
                   std::function<void(const ActorExit&)> deliver);

  // Stops heartbeats, unsubscribes, closes the connection. Any thread.
  void Close();

 private:
  struct RemoteMonitor {
    std::string actor;
    uint64_t host = 0;
    std::function<void(const ActorExit&)> on_exit;
    Transport::SubscriptionId subscription = 0;
  };
  explicit NodeCore(RemoteNodeOptions options);
  void OnReply(const Inbound& inbound);
  void OnHeartbeat(const Inbound& inbound);
  // A worker on `worker_node` took the pool submission `ask`.
  void OnTaken(uint64_t ask, uint64_t worker_node);
  void HeartbeatLoop();
  void DeclareDead(uint64_t node, const absl::Status& reason);
  void FireMonitor(uint64_t monitor_id, const absl::Status& reason);
  // Starts counting `node`'s silence now if it is not being watched yet.
  void TrackNode(uint64_t node);
  bool IsDead(uint64_t node);

  const RemoteNodeOptions options_;
  const uint64_t id_;
  const std::string name_;
  const std::string prefix_;        // "<system>."
  const std::string reply_prefix_;  // "<system>.reply.<id>."
  std::unique_ptr<Transport> transport_;
  PendingAsks pending_;
  NodeCounters counters_;
  InboundAsks inbound_asks_;

  std::mutex mutex_;
  // Published actors: name -> their endpoint's subscription.
  absl::flat_hash_map<std::string, Transport::SubscriptionId> endpoints_;  // guarded by mutex_
  // At-least-once actors' inboxes, by name; guarded by mutex_.
  absl::flat_hash_map<std::string, std::shared_ptr<StoredInbox>> stored_inboxes_;
  absl::flat_hash_map<uint64_t, RemoteMonitor> monitors_;                  // guarded by mutex_
  uint64_t next_monitor_ = 1;                                              // guarded by mutex_
  // Links into this node's published actors: (linking node, link id) -> the
  // monitor (host: the linking node, no subscription) that delivers the exit.
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint64_t> inbound_links_;  // guarded by mutex_
  std::atomic<uint64_t> next_link_{1};  // relaxed: only uniqueness matters
  absl::flat_hash_map<uint64_t, absl::Time> last_heard_;  // watched nodes; guarded by mutex_
  absl::flat_hash_set<uint64_t> dead_;                    // guarded by mutex_

  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_cv_;
  bool stopping_ = false;  // guarded by heartbeat_mutex_
  std::thread heartbeat_thread_;
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_NODE_CORE_H_
