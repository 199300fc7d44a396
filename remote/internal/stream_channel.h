// StreamChannel: the untyped core of RemoteChannel<T> (remote_channel.h), a bounded
// channel between processes kept in a JetStream stream.
//
// The stream "<system>_channel_<name>" takes the subject "<system>.channel.<name>",
// keeps at most `capacity` messages and refuses more (discard-new), and forgets a
// message once a receiver acknowledges it (work-queue retention). Receivers share one
// durable pull consumer, so each message goes to one receiver.
//
//   Send     publishes and waits for the stream's acknowledgement; a full stream
//            refuses the message, and the sender parks (backing off 1 ms doubling to
//            16 ms) and tries again until it is stored or its context ends. Each
//            message carries an id (node id + a sequence of the process), so a
//            publish retried after a lost acknowledgement is stored once (the
//            stream's duplicate window); no two publishes share one.
//   Recv     fetches one message (in slices of at most kFetchSlice, so a context's
//            end is seen), acknowledges it, returns its bytes. When a fetch finds
//            nothing, it asks the stream whether it is closed and empty.
//   Close    moves the stream to the subject "<system>.channel.<name>.closed": from
//            then on a Send finds no stream (FailedPrecondition "closed"), and
//            receivers drain what is stored, then get OutOfRange.
//
// Every blocking client call runs through troupe::Blocking, so a parked call holds
// an OS thread but no processor. Delivery: a message acknowledged when it is
// received; one whose receiver dies between the fetch and the acknowledgement is
// delivered again after the consumer's ack wait (30 s).
#ifndef TROUPE_REMOTE_INTERNAL_STREAM_CHANNEL_H_
#define TROUPE_REMOTE_INTERNAL_STREAM_CHANNEL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "troupe/remote/internal/node_core.h"
#include "troupe/remote/remote_options.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/mutex.h"

struct __natsSubscription;
struct __jsCtx;

namespace troupe::remote_internal {

class StreamChannel {
 public:
  // Creates the channel's stream, or opens it if it exists with the same capacity
  // (FailedPrecondition if with another). InvalidArgument for a name that is not
  // letters, digits, '-' and '_', or a capacity below 1.
  static absl::StatusOr<std::unique_ptr<StreamChannel>> Open(std::shared_ptr<NodeCore> core,
                                                             const std::string& name,
                                                             const RemoteChannelOptions& options,
                                                             const Context& context);
  ~StreamChannel();
  StreamChannel(const StreamChannel&) = delete;
  StreamChannel& operator=(const StreamChannel&) = delete;

  absl::Status Send(absl::string_view bytes, const Context& context);
  absl::StatusOr<std::string> Recv(const Context& context);
  absl::Status Close(const Context& context);
  RemoteChannelStats stats() const;

 private:
  StreamChannel(std::shared_ptr<NodeCore> core, const std::string& name, int64_t capacity);
  // True when the stream has been closed and holds nothing.
  absl::StatusOr<bool> ClosedAndEmpty();

  const std::shared_ptr<NodeCore> core_;
  const std::string stream_;          // "<system>_channel_<name>"
  const std::string subject_;         // "<system>.channel.<name>"
  const std::string closed_subject_;  // subject_ + ".closed"
  const int64_t capacity_;
  // One fetch at a time on the consumer's subscription.
  Mutex receive_mutex_;
  __natsSubscription* pull_ = nullptr;  // made by Open; destroyed by the destructor
  __jsCtx* js_ = nullptr;  // the node's JetStream context, set by Open (invariant 2)

  struct Counters {
    std::atomic<uint64_t> sent{0}, received{0}, full_waits{0}, resent_after_timeout{0};
  } counters_;  // relaxed: statistics
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_STREAM_CHANNEL_H_
