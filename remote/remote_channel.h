// RemoteChannel<T>: a bounded channel between processes — Go's buffered channel,
// across machines — kept in a JetStream stream on the NATS server, so a slow
// receiving process slows its senders instead of losing messages.
//
//   // In any process (the first Open creates the channel; capacity is fixed then):
//   absl::StatusOr<troupe::RemoteChannel<Job>> jobs =
//       node->OpenChannel<Job>("jobs", {.capacity = 1024});
//   absl::Status sent = jobs->Send(job, ctx);    // parks while the channel is full
//   absl::StatusOr<Job> job = jobs->Recv(ctx);   // parks while it is empty
//   jobs->Close();   // Sends fail; Recvs drain what is stored, then OutOfRange
//
// As a local Channel: every message goes to one receiver, in the order the stream
// stored it; Send parks while the channel holds `capacity` messages (it retries as
// receivers make room: 1 ms doubling to 16 ms, so a freed slot is seen within that);
// a context ending gives its status. Unlike a local Channel: a Send is stored on the
// server before it returns (the server's disk by default: a server restart loses
// nothing), so it costs a round trip; a message a receiver took is acknowledged at
// once, and one whose receiver died before acknowledging is delivered again after
// 30 s; Close is seen by the next Send or Recv in any process. T needs a codec
// (codec.h; protobuf messages have one).
//
// Any fiber or thread may use a RemoteChannel (handles are cheap to copy; copies
// share one receiving subscription, used by one Recv at a time). Destroy every handle
// before the RemoteNode it was opened from: the node stops the process otherwise.
// Requires a server with JetStream enabled (`nats-server -js`).
#ifndef TROUPE_REMOTE_REMOTE_CHANNEL_H_
#define TROUPE_REMOTE_REMOTE_CHANNEL_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/remote/codec.h"
#include "troupe/remote/internal/stream_channel.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"

namespace troupe {

template <typename T>
class RemoteChannel {
  static_assert(kHasCodec<T>,
                "RemoteChannel<T>: T has no codec, so it cannot cross the wire. Use a protobuf "
                "message, or specialise troupe::Codec<T> (troupe/remote/codec.h).");

 public:
  // Stored in the channel, or the context's status (while full), FailedPrecondition
  // once the channel is closed, Unavailable when the server cannot be reached.
  absl::Status Send(const T& value, const Context& context = Context()) {
    std::string bytes;
    Codec<T>::Encode(value, &bytes);
    return core_->Send(bytes, context);
  }
  // The next value, or the context's status (while empty), OutOfRange once the
  // channel is closed and drained, DataLoss for bytes that do not decode as T
  // (the message is consumed).
  absl::StatusOr<T> Recv(const Context& context = Context()) {
    return remote_internal::DecodeReceived<T>(core_->Recv(context), "a message in the channel");
  }
  // Idempotent; any process may close.
  absl::Status Close(const Context& context = Context()) { return core_->Close(context); }
  // This handle's (and its copies') counts.
  RemoteChannelStats stats() const { return core_->stats(); }

 private:
  friend class RemoteNode;
  explicit RemoteChannel(std::shared_ptr<remote_internal::StreamChannel> core)
      : core_(std::move(core)) {}

  std::shared_ptr<remote_internal::StreamChannel> core_;
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_REMOTE_CHANNEL_H_
