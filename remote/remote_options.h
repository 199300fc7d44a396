// Options for a RemoteNode and its worker pools, and the counters they report.
#ifndef TROUPE_REMOTE_REMOTE_OPTIONS_H_
#define TROUPE_REMOTE_REMOTE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace troupe {

// How a node proves who it is to nats-server: at most one of the four ways, the
// one the server's authorization asks for; all empty (the default) for a server
// without authorization. RemoteNode::Connect says InvalidArgument for two ways at
// once, a password without a user, half an NKey, or a file it cannot read; a
// server that refuses the credentials makes Connect fail Unauthenticated. Secrets
// (token, password, what the files hold) appear in no log line, error message or
// debug page.
struct RemoteAuth {
  // nats-server --auth <token>, or authorization { token: ... }.
  std::string token;
  // nats-server --user/--pass, or authorization { users: [{user, password}] }.
  std::string user;
  std::string password;
  // An NKey user (authorization { users: [{nkey: U...}] }): its public key, 56
  // characters starting with 'U', and a file holding its seed ("SU..."), with which
  // the client signs the server's challenge; the seed never leaves the process.
  std::string nkey_public_key;
  std::string nkey_seed_file;
  // Decentralized authentication (an operator's JWTs): a credentials file holding
  // a user JWT and its NKey seed, as `nsc` writes it.
  std::string credentials_file;
};

// TLS to nats-server. On when `enabled` or the url says tls://; a server started
// with --tls also makes the client use it (and then the CA below must trust its
// certificate). Connect fails FailedPrecondition, its message naming TLS, when the
// handshake fails: the server's certificate is not trusted or not for
// `expected_hostname`, the server offers no TLS, or it requires a client
// certificate that is missing or untrusted.
struct RemoteTls {
  bool enabled = false;
  // PEM file of the CAs trusted to sign the server's certificate; empty: the
  // system's trust store.
  std::string ca_file;
  // For a server that verifies its clients (--tlsverify): this node's certificate
  // chain and its private key (PEM), both or neither.
  std::string cert_file;
  std::string key_file;
  // The name the server's certificate must hold; empty: the url's host.
  std::string expected_hostname;
};

struct RemoteNodeOptions {
  // The NATS server (or a comma-separated list of a cluster's servers).
  std::string url = "nats://127.0.0.1:4222";
  // The subject namespace: every subject this node uses starts with "<system>.",
  // so actor systems sharing a NATS server do not see each other's actors. Letters,
  // digits, '-' and '_'.
  std::string system = "troupe";
  // For reports and the NATS connection's name; default "node-<id>".
  std::string node_name = "";
  absl::Duration connect_timeout = absl::Seconds(2);
  // After a lost connection the client retries every reconnect_wait, at most
  // max_reconnects times (-1: forever); meanwhile what is published is buffered.
  absl::Duration reconnect_wait = absl::Milliseconds(100);
  int max_reconnects = -1;
  // Every node publishes a heartbeat each heartbeat_interval; a node that monitors
  // or asks a remote actor declares that actor's node dead when it has heard no
  // heartbeat from it for failure_detection (its watchers are told, its asks fail
  // with Unavailable). Detection takes between failure_detection and
  // failure_detection + heartbeat_interval. Allowed: heartbeat_interval in
  // [1 ms, 1 min], failure_detection >= 2 * heartbeat_interval.
  absl::Duration heartbeat_interval = absl::Milliseconds(200);
  absl::Duration failure_detection = absl::Seconds(1);
  // Delivery is at most once. Each subscription (a published actor, this node's
  // replies) has a buffer in the NATS client between the socket and the actor's
  // mailbox; an actor whose bounded mailbox is full holds its buffer, and beyond
  // either limit the client drops what arrives — counted in
  // RemoteStats::dropped_by_full_buffer and logged, never silently. Raise them for
  // bursts an actor takes longer to absorb; at least 1 each.
  int pending_messages_limit = 65536;
  int pending_bytes_limit = 64 << 20;
  // true: every Tell, Ask and reply is written to the socket when it is made (the
  // C client's "send ASAP"): a remote Ask's round trip took a quarter to a half of
  // what it takes when the client's flusher thread sends (BENCHMARKS.md). false:
  // the flusher batches what a fast sender publishes — more Tells per second from
  // one sender, about a millisecond more per round trip.
  bool send_immediately = true;
  // Who this node is to the server, and TLS (above). The namespace (`system`) keeps
  // cooperating systems apart; to keep a system out of another's subjects, give
  // each its own NATS user allowed only "<system>.>" (and "$JS.API.>" for
  // JetStream): Connect then fails PermissionDenied for a system whose subjects the
  // user may not subscribe to (README, "Security").
  RemoteAuth auth{};
  RemoteTls tls{};
};

// How a remote Tell reaches a published actor.
enum class Delivery {
  // Published to the actor's node through core NATS: fast, and lost if the node,
  // the connection or the actor's buffer fails on the way (counted where seen).
  kAtMostOnce,
  // Stored in a JetStream stream of the actor's before the Tell returns, handed to
  // the actor by whichever node publishes it, and forgotten only once its handler
  // has answered: survives the actor's node dying or restarting (README, "Across
  // machines", for the exact guarantee and its duplicate window).
  kAtLeastOnce,
};

// How RemoteNode::Publish makes an actor reachable.
struct PublishOptions {
  Delivery delivery = Delivery::kAtMostOnce;
  // The rest is for kAtLeastOnce only. They are fixed by the first node to publish
  // the name at least once (the stream and its consumer outlive nodes); a later
  // publisher with another capacity fails, other differences are ignored.
  //
  // Messages stored and not yet handled; an at-least-once Tell beyond it fails
  // ResourceExhausted. Allowed: [1, 2^31).
  int64_t capacity = 65536;
  // Stored messages handed to the actor's mailbox and not yet handled, at most.
  // Allowed: [1, 65536].
  int max_unacked = 256;
  // A message handed over and not handled within ack_wait (the node died, the
  // handler dropped it) is handed over again. Allowed: [100 ms, 12 h].
  absl::Duration ack_wait = absl::Seconds(30);
  // Handled messages this node remembers, so that one handed over again (its
  // acknowledgement was lost or came too late) is not handled twice. Allowed:
  // [1, 16777216].
  int dedup_window = 65536;
  // On the server's disk (survives a server restart) or in its memory.
  bool in_memory = false;
};

// What RemoteNode::Lookup returns a reference for.
struct LookupOptions {
  // kAtLeastOnce: the reference's Tells are stored (the actor must be published
  // with Delivery::kAtLeastOnce; Lookup fails FailedPrecondition otherwise).
  Delivery delivery = Delivery::kAtMostOnce;
  // An at-least-once Tell whose context has no earlier deadline gives up waiting
  // for the stream's acknowledgement after this long (DeadlineExceeded: the message
  // may have been stored). Allowed: (0, 1 h].
  absl::Duration store_timeout = absl::Seconds(10);
};

// What a RemoteNode has done, as counters since it connected.
struct RemoteStats {
  uint64_t tells_sent = 0;
  uint64_t asks_sent = 0;
  uint64_t answers_received = 0;   // replies and error replies to this node's asks
  uint64_t delivered = 0;          // remote messages handed to a published actor
  // Rejected and counted, never delivered: a frame that is not troupe's or a
  // payload its codec cannot decode.
  uint64_t rejected = 0;
  // Remote work dropped because its asker's deadline had passed: on arrival, or
  // while it waited for room in a bounded mailbox.
  uint64_t expired_dropped = 0;
  // Replies not sent because the asker's deadline had passed when they were made.
  uint64_t late_replies_dropped = 0;
  // Remote messages a published actor did not take (it had stopped, its mailbox
  // refused): also the actor system's dead letters.
  uint64_t undeliverable = 0;
  uint64_t orphan_replies = 0;     // replies to asks no longer waiting
  // Asks of this node's given up before their deadline (the context cancelled),
  // told to the actor's node; and asks to this node's actors whose asker cancelled
  // them while held: the handler's request_context() was cancelled and no answer
  // sent.
  uint64_t cancels_sent = 0;
  uint64_t asks_cancelled = 0;
  // The connection: drops, reconnects, and what was in flight meanwhile.
  uint64_t disconnects = 0;
  // Counted once the server has confirmed this node's subscriptions again, so
  // replies and messages to it are routed from then on.
  uint64_t reconnects = 0;
  uint64_t asks_pending_at_disconnect = 0;  // summed over disconnects
  uint64_t published_while_disconnected = 0;
  uint64_t publish_failures = 0;
  // Publishes and subscriptions the server refused (a user's permissions do not
  // allow the subject); each is also logged with the server's text.
  uint64_t permission_violations = 0;
  // Messages the NATS client discarded on arrival because a subscription's buffer
  // was full (see RemoteNodeOptions::pending_messages_limit), and how many times a
  // buffer filled up.
  uint64_t dropped_by_full_buffer = 0;
  uint64_t full_buffer_episodes = 0;
  uint64_t nodes_declared_dead = 0;
  // Asks failed Unavailable because their node was declared dead (pool
  // submissions included, once a worker took them).
  uint64_t asks_failed_by_node_death = 0;
  // Pool submissions from this node that a worker said it took while they waited
  // for its answer: from then on the death of the worker's node fails them
  // (remote_pool.h). (A notice that comes after the answer is not counted.)
  uint64_t submissions_taken = 0;
  // At-least-once Tells sent from this node: stored (the stream acknowledged them),
  // failed (Unavailable, DeadlineExceeded, ResourceExhausted...), and of those
  // failures, refused by a full stream (ResourceExhausted).
  uint64_t stored_tells = 0;
  uint64_t stored_tell_failures = 0;
  uint64_t stored_tells_refused_full = 0;
  // Publishes sent again after no acknowledgement came (stored once: message ids).
  uint64_t stored_tells_resent = 0;
  // At-least-once actors published by this node: stored messages their handlers
  // answered (acknowledged, so forgotten by the stream); ones handed over again
  // and not passed to the handler a second time (handled already, or still in the
  // mailbox); ones the handler did not answer or the actor refused (left to be
  // handed over again after ack_wait).
  uint64_t stored_handled = 0;
  uint64_t stored_duplicates_dropped = 0;
  uint64_t stored_not_handled = 0;
};

// A RemoteChannel's stream (remote_channel.h).
struct RemoteChannelOptions {
  // Messages the channel holds before a Send parks; at least 1. Fixed when the
  // channel's stream is created: opening an existing channel with another capacity
  // fails.
  int64_t capacity = 1024;
  // On the server's disk (survives a server restart) or in its memory.
  bool in_memory = false;
};

struct RemoteChannelStats {
  uint64_t sent = 0;      // stored in the stream by this handle's Sends
  uint64_t received = 0;  // taken by this handle's Recvs
  // Times a Send found the channel full and parked before trying again.
  uint64_t full_waits = 0;
  // Publishes sent again after no acknowledgement came (stored once: message ids).
  uint64_t resent_after_timeout = 0;
};

// A pool worker (RemoteNode::ServeWork, remote_pool.h).
struct RemoteWorkerOptions {
  // The most requests this worker holds at once — accepted and not yet answered
  // (queued in its actor's mailbox or being handled). One more is turned away at
  // once with a "busy" answer, and its submitter retries, so NATS's random pick
  // lands elsewhere. Allowed: [1, 1048576]. Give the actor a mailbox of at least
  // this capacity (or an unbounded one), so that handing it work never waits.
  int max_outstanding = 16;
};

struct RemoteWorkerStats {
  uint64_t accepted = 0;         // requests taken (told to the actor)
  uint64_t answered = 0;         // of those, answered (or dropped: asker gone)
  uint64_t busy_rejections = 0;  // requests turned away at the bound
  int64_t outstanding = 0;       // accepted - answered, now
  int64_t peak_outstanding = 0;  // the most outstanding at once (never above the bound)
};

// The submitting side of a worker pool (RemoteNode::Pool, remote_pool.h).
struct RemotePoolOptions {
  // The most submissions through this pool handle (and its copies, from any fiber)
  // waiting for a result at once; more park until one finishes. Allowed:
  // [1, 1048576].
  int max_in_flight = 256;
  // After a "busy" answer the submission is sent again after a pause drawn from
  // [backoff / 2, backoff], backoff starting at initial_backoff and doubling up to
  // max_backoff. Allowed: 0 < initial_backoff <= max_backoff <= 10 s.
  absl::Duration initial_backoff = absl::Microseconds(500);
  absl::Duration max_backoff = absl::Milliseconds(50);
};

struct RemotePoolStats {
  uint64_t submitted = 0;     // Submit calls that got past the in-flight bound
  uint64_t completed = 0;     // of those, ended with a result
  uint64_t failed = 0;        // of those, ended with an error status
  uint64_t busy_answers = 0;  // "busy" answers from workers
  uint64_t retries = 0;       // submissions sent again after a busy answer
  int64_t in_flight = 0;      // submitted and not yet ended, now
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_REMOTE_OPTIONS_H_
