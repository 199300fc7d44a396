// The JetStream pieces shared by what remote/ keeps in streams — RemoteChannel's
// stream (stream_channel.h) and an at-least-once actor's (stored_inbox.h): making a
// stream and its durable pull consumer, and publishing a message until the stream
// has stored it, once.
//
// Every call here may block its thread for round trips to the server: callers run
// them through troupe::Blocking (a fiber's processor is handed on meanwhile).
#ifndef TROUPE_REMOTE_INTERNAL_JETSTREAM_H_
#define TROUPE_REMOTE_INTERNAL_JETSTREAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"

struct __natsSubscription;
struct __jsCtx;
struct jsStreamInfo;

namespace troupe::remote_internal {

// The client's error (and JetStream's error code, when not 0) as Unavailable.
absl::Status JetStreamError(absl::string_view what, int nats_status, int code);

// What is left of `context` (at most `cap`), in whole milliseconds, at least 1.
int64_t SliceMillis(const Context& context, absl::Duration cap);

// A message id no other publish of any process shares: the node's id and a
// sequence of this process. The stream stores a publish sent again with the same
// id once (within its duplicate window, two minutes).
std::string NewMessageId(uint64_t node_id);

// Names letters, digits, '-' and '_' only (stream and consumer names cannot hold
// '.', '*', '>' or whitespace): InvalidArgument saying so, naming `what`.
absl::Status ValidateStreamToken(absl::string_view what, const std::string& name);

struct StreamSpec {
  std::string stream;   // the stream's name
  std::string subject;  // the one subject it takes
  int64_t capacity = 0;  // messages held at most; one more is refused (discard-new)
  bool in_memory = false;
  std::string what;     // names the stream in messages: `channel "jobs"`
};
// Creates the stream (work-queue retention: a message is forgotten once
// acknowledged), or opens it if it exists with the same capacity:
// FailedPrecondition if with another, Unavailable for the server's errors.
absl::Status OpenStream(__jsCtx* js, const StreamSpec& spec);

// A stream's configuration and state as the server reported them; freed with it.
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* info) const;
};
using StreamInfo = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;
// The info of stream `stream`: NotFound if the server has no such stream, else
// Unavailable for the server's errors, naming `what`.
absl::StatusOr<StreamInfo> GetStreamInfo(__jsCtx* js, const std::string& stream,
                                         absl::string_view what);

struct ConsumerSpec {
  std::string durable;  // the consumer's name
  // A delivered message not acknowledged within ack_wait is delivered again; zero:
  // the server's default (30 s). At most max_unacked delivered messages wait for
  // an acknowledgement at once; zero: the server's default.
  absl::Duration ack_wait = absl::ZeroDuration();
  int64_t max_unacked = 0;
};
// Adds the durable consumer (explicit acknowledgements) to `spec`'s stream unless
// it exists — then the existing one's settings stay — and binds a pull
// subscription to it in *pull (the caller destroys it). Unavailable on errors.
absl::Status BindPullConsumer(__jsCtx* js, const StreamSpec& spec, const ConsumerSpec& consumer,
                              __natsSubscription** pull);

// Publishes `bytes` to `subject` with the message id `id` and waits for the
// stream's acknowledgement, sending it again (same id, so stored once) each time
// none comes within five seconds, until `context` ends. OK: stored.
// ResourceExhausted: the stream is full (nothing stored). NotFound: no stream takes
// the subject. The context's status, or Unavailable for the server's errors.
// `resent` counts the publishes sent again (relaxed: statistics). Blocks.
absl::Status PublishStored(__jsCtx* js, const std::string& subject, absl::string_view bytes,
                           const std::string& id, const Context& context,
                           std::atomic<uint64_t>& resent);

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_JETSTREAM_H_
