// Options for spawning an actor, and the record of how one ended.
#ifndef TROUPE_ACTORS_ACTOR_OPTIONS_H_
#define TROUPE_ACTORS_ACTOR_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace troupe {

// What a Tell does when a bounded mailbox is full.
enum class MailboxOverflow : uint8_t {
  kBlockSender,  // park the sender until there is room (backpressure)
  kReject,       // return ResourceExhausted; the message stays with the sender
  kDrop,         // drop the message, count it, and report it as a dead letter
};

struct ActorOptions {
  // For the registry, dumps and dead-letter reports; need not be unique.
  std::string name = "";
  // 0: unbounded. Otherwise at most this many messages wait in the mailbox.
  std::size_t mailbox_capacity = 0;
  MailboxOverflow overflow = MailboxOverflow::kBlockSender;
  // Messages handled per turn before the actor yields its processor, so one busy
  // actor cannot starve the others on the same processor. Allowed: >= 1.
  int batch = 64;
};

// How an actor ended: OK for a normal stop, else why it failed or was killed.
struct ActorExit {
  uint64_t actor_id = 0;
  std::string name = "";
  absl::Status reason;
};

// What a watching actor receives when an actor it watches stops (Actor::Watch): in
// its mailbox, in order with its other messages. Its message type must be
// constructible from Terminated (e.g. a std::variant with Terminated among its
// alternatives).
struct Terminated {
  uint64_t actor_id = 0;
  std::string name = "";
  absl::Status reason;  // OK for a normal stop
};

// A message that could not be delivered.
struct DeadLetter {
  uint64_t actor_id = 0;
  std::string actor_name;
  std::string reason;  // "actor stopped", "mailbox full", ...
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_OPTIONS_H_
