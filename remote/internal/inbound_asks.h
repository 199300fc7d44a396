// InboundAsks: the asks this node's published actors hold — taken off the wire and
// not yet answered — by their reply subject, each with the request context its
// handler sees (Actor::request_context()). This is how an asker's cancellation
// crosses the wire: an asker whose context ends before its deadline (cancelled)
// sends a kCancel frame carrying the ask's reply subject, and Cancel cancels that
// context — the handler sees Cancelled, as it would for a local asker, Asks it
// makes with that context end, and its answer is not sent (nobody waits for it).
// A deadline needs no message: it travels in the ask's header.
//
// Order: the cancel is published on the actor's subject after the ask, from the
// same connection, and NATS keeps one publisher's order on a subject, so it never
// arrives before its ask; it is handled on the same delivery thread, so a cancel
// sent while that thread waits for room in the actor's bounded mailbox is handled
// after that wait (which the ask's deadline bounds). A cancel that arrives after
// the answer finds nothing and does nothing.
//
// Thread-safe: Begin and Cancel run on delivery threads, End on whichever thread
// answers. A std::mutex guards the map, held for a lookup only; a context is
// cancelled outside it.
#ifndef TROUPE_REMOTE_INTERNAL_INBOUND_ASKS_H_
#define TROUPE_REMOTE_INTERNAL_INBOUND_ASKS_H_

#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"

namespace troupe::remote_internal {

class InboundAsks {
 public:
  // The ask answered at `reply_subject` is held: returns the context its handler
  // runs under (the asker's deadline, if any, and cancellable by Cancel).
  Context Begin(absl::string_view reply_subject, std::optional<absl::Time> deadline);
  // The ask is answered (or dropped): forgets it. True if its asker cancelled it
  // meanwhile — then its answer is not to be sent.
  bool End(absl::string_view reply_subject);
  // The asker gave up: cancels the held ask's context. False if no such ask is
  // held (answered already, or never taken).
  bool Cancel(absl::string_view reply_subject);

 private:
  struct Held {
    CancelHandle cancel;
    bool cancelled = false;
  };
  std::mutex mutex_;
  absl::flat_hash_map<std::string, Held> held_;  // guarded by mutex_
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_INBOUND_ASKS_H_
