// The frame every remote message travels in: a fixed 18-byte header, then the
// payload (the codec's bytes, or a status for an error reply).
//
//   byte 0      version (kWireVersion)
//   byte 1      kind (Kind)
//   bytes 2-9   the asker's deadline, Unix nanoseconds, little-endian; 0: none
//   bytes 10-17 the sending node's id, little-endian
//
// A hand-written header rather than NATS message headers: those are text the server
// and client parse per message, and the deadline must be read before the payload is
// decoded (expired work is dropped undecoded). Clocks: the deadline is wall-clock
// time, so nodes on different machines need synchronised clocks (NTP); skew shortens
// or lengthens the remote side's view of the deadline by that much.
#ifndef TROUPE_REMOTE_INTERNAL_WIRE_H_
#define TROUPE_REMOTE_INTERNAL_WIRE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace troupe::remote_internal {

inline constexpr uint8_t kWireVersion = 1;
inline constexpr std::size_t kHeaderSize = 18;

enum class Kind : uint8_t {
  kTell = 1,   // to an actor; no answer
  kAsk = 2,    // to an actor; the answer goes to the message's reply subject
  kProbe = 3,  // Lookup's question: payload "<message type>\n<reply type>"
  kReply = 4,  // an answer: the codec's bytes of the reply
  kError = 5,  // an answer: a status (AppendStatus)
  kExit = 6,   // a published actor stopped: its exit reason (AppendStatus)
  kBusy = 7,   // an answer: the pool worker is at its bound of outstanding work; the
               // request was not taken (no payload), so the asker may send it elsewhere
  kTaken = 8,  // not an answer: the pool worker took the request (no payload); the
               // asker watches the sender's node until the answer comes.
  kCancel = 9,  // to an actor: the asker gave up on the ask whose reply subject this
                // message carries as its own (no payload; inbound_asks.h)
  kLink = 10,        // to an actor: an actor of the sending node links to it; payload:
                     // the link's id (8 bytes), then the linking actor's name
  kLinkedExit = 11,  // to an actor: the linking actor of link <id> ended; payload: the
                     // link's id (8 bytes), then its exit reason (AppendStatus)
};

struct Header {
  Kind kind = Kind::kTell;
  std::optional<absl::Time> deadline;
  uint64_t sender = 0;
};

// Appends the header to *out.
void AppendHeader(const Header& header, std::string* out);
// Splits `frame` into header and payload; false if it is shorter than a header, of
// another version, or of an unknown kind.
bool ParseFrame(absl::string_view frame, Header* header, absl::string_view* payload);

// A status as a payload: one byte of code, then the message.
void AppendStatus(const absl::Status& status, std::string* out);
// The status a payload holds (OK for a normal exit); DataLoss if malformed. An
// error reply that holds OK is malformed too: the caller checks.
absl::Status ParseStatus(absl::string_view payload);

void AppendUint64(uint64_t value, std::string* out);
// The little-endian integer at the start of `bytes`, or nullopt if too short.
std::optional<uint64_t> ParseUint64(absl::string_view bytes);

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_WIRE_H_
