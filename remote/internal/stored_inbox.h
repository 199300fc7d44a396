// StoredInbox: the receiving side of an actor published at least once
// (Delivery::kAtLeastOnce): it takes the messages stored in the actor's stream,
// hands each to a handler (which Tells the actor), and acknowledges a message —
// so the stream forgets it — only once the handler says the actor has handled it.
//
// The stream "<system>_actor_<name>" takes the subject "<system>.stored.<name>"
// (jetstream.h: work-queue retention, at most `capacity` messages, discard-new);
// its durable pull consumer "handler" is shared by whichever node publishes the
// name, so a node that dies leaves its unacknowledged messages to the next one.
//
//   glossary   seq: the stream's sequence number of a message — one per stored
//              message (the publisher's message id keeps a publish sent twice
//              from being stored twice), so it identifies the message here.
//              in flight: handed to the handler, not yet finished.
//              handled window: the last `dedup_window` seqs finished as handled.
//
// Invariants (all under mutex_):
//  1. A seq is in flight at most once: a delivery of a seq already in flight (the
//     server's ack_wait passed while it sat in the mailbox) is not handed over
//     again; it tells the server "in progress" (restarting its ack_wait) and its
//     newer copy replaces the held one, whose acknowledgement subject is older.
//  2. A seq in the handled window is never handed over again: a delivery of it
//     (its acknowledgement was lost) is acknowledged again and dropped.
//  3. At most max_unacked seqs are in flight; the fetch thread waits for room
//     before it fetches (so a slow actor slows fetching, not memory).
//  4. After Stop, nothing touches the core or the connection: Finish of a message
//     released by Stop does nothing (the server hands it over again later).
//
// Order: one fetch thread hands messages over in the stream's order, which is the
// order their Tells were stored (a sender's Tell returns once stored, so a sender's
// messages are stored in the order sent). Exception: a message handed over again
// (after ack_wait, or to the next node after a death) comes after later ones.
//
// Duplicates still possible (honestly): the handled window lives in this node's
// memory. A handler that finished while its node died before the acknowledgement
// reached the server — or after Stop gave up waiting for it — is handed over
// again to the next node, which does not know it was handled. And a message whose
// acknowledgement was lost is handled again if more than dedup_window others were
// handled here before it came back.
#ifndef TROUPE_REMOTE_INTERNAL_STORED_INBOX_H_
#define TROUPE_REMOTE_INTERNAL_STORED_INBOX_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"

struct __natsSubscription;
struct __natsMsg;

namespace troupe::remote_internal {

class NodeCore;
class StoredInbox;

// Says once how a message handed to the handler ended: handled (acknowledged) or
// not (left to be handed over again after ack_wait). Any thread; copyable.
class StoredDone {
 public:
  StoredDone(std::shared_ptr<StoredInbox> inbox, uint64_t seq)
      : inbox_(std::move(inbox)), seq_(seq) {}
  void operator()(bool handled) const;

 private:
  std::shared_ptr<StoredInbox> inbox_;
  uint64_t seq_;
};

class StoredInbox : public std::enable_shared_from_this<StoredInbox> {
 public:
  // On the fetch thread, one message at a time, in order: `frame` is the stored
  // frame (wire.h), `stop` ends when Stop begins (a Tell waiting for mailbox room
  // gives up then; `frame` is valid during the call). The handler must call
  // `done` exactly once, now or later.
  using Handler =
      std::function<void(absl::string_view frame, const Context& stop, StoredDone done)>;

  // Creates (or opens) the actor's stream and consumer and starts the fetch thread.
  // `core` outlives the inbox's use of it (invariant 4: Stop before Close ends).
  static absl::StatusOr<std::shared_ptr<StoredInbox>> Open(NodeCore* core,
                                                           const std::string& actor,
                                                           const PublishOptions& options,
                                                           Handler handler);
  ~StoredInbox();
  StoredInbox(const StoredInbox&) = delete;
  StoredInbox& operator=(const StoredInbox&) = delete;

  // Stops fetching; with kDrain waits (at most about a second) for the messages in
  // flight to finish; then releases the rest unacknowledged, and the subscription.
  // The node calls it before its connection closes (kDrain: its actor may still
  // finish what it holds) and when the actor stops (kRelease: it will not).
  // Idempotent; any fiber or thread (a fiber's processor is handed on while it
  // waits).
  enum class Ending { kDrain, kRelease };
  void Stop(Ending ending);

 private:
  friend class StoredDone;
  StoredInbox(NodeCore* core, const PublishOptions& options, Handler handler);
  void FetchLoop();
  void Deliver(__natsMsg* message);
  void Finish(uint64_t seq, bool handled);
  void RememberHandledLocked(uint64_t seq);

  NodeCore* const core_;
  const int max_unacked_;
  const std::size_t dedup_window_;
  const Handler handler_;
  const ContextWithCancel stop_;
  __natsSubscription* pull_ = nullptr;  // made by Open; destroyed by Stop
  std::thread fetcher_;

  std::mutex mutex_;
  std::condition_variable changed_;  // room, stopping, in flight drained
  bool stopping_ = false;            // guarded by mutex_
  bool stopped_ = false;             // guarded by mutex_ (invariant 4)
  absl::flat_hash_map<uint64_t, __natsMsg*> in_flight_;  // guarded by mutex_
  absl::flat_hash_set<uint64_t> handled_;                // guarded by mutex_
  std::deque<uint64_t> handled_order_;                   // oldest first; guarded by mutex_
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_STORED_INBOX_H_
