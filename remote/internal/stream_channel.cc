// StreamChannel (see stream_channel.h for the protocol).
//
// Invariants:
//  1. pull_ is made by Open and destroyed by the destructor only; Recv uses it under
//     receive_mutex_, so one fetch runs at a time on it.
//  2. core_->open_channels counts this channel from Open's success to the end of its
//     destructor, after pull_ is destroyed: the node's connection — and js_, its
//     JetStream context, taken once by Open — outlives every use.
#include "troupe/remote/internal/stream_channel.h"

#include <nats/nats.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "troupe/remote/internal/jetstream.h"
#include "troupe/scheduler/blocking.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::remote_internal {

namespace {

constexpr char kConsumer[] = "receivers";
// The longest a fetch waits before Recv checks its context and the stream's state.
constexpr absl::Duration kFetchSlice = absl::Milliseconds(250);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(1);
constexpr absl::Duration kMaxBackoff = absl::Milliseconds(16);

absl::Status ValidateChannel(const std::string& name, const RemoteChannelOptions& options) {
  if (absl::Status valid = ValidateStreamToken("channel name", name); !valid.ok()) return valid;
  if (options.capacity < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("capacity must be at least 1; got ", options.capacity));
  }
  return absl::OkStatus();
}

}  // namespace

StreamChannel::StreamChannel(std::shared_ptr<NodeCore> core, const std::string& name,
                             int64_t capacity)
    : core_(std::move(core)),
      stream_(absl::StrCat(core_->system(), "_channel_", name)),
      subject_(absl::StrCat(core_->system(), ".channel.", name)),
      closed_subject_(subject_ + ".closed"),
      capacity_(capacity) {}

absl::StatusOr<std::unique_ptr<StreamChannel>> StreamChannel::Open(
    std::shared_ptr<NodeCore> core, const std::string& name, const RemoteChannelOptions& options,
    const Context& context) {
  if (absl::Status valid = ValidateChannel(name, options); !valid.ok()) return valid;
  if (absl::Status done = context.Err(); !done.ok()) return done;
  absl::StatusOr<jsCtx*> js = core->transport().JetStream();
  if (!js.ok()) return js.status();
  std::unique_ptr<StreamChannel> channel(new StreamChannel(std::move(core), name, options.capacity));
  StreamChannel& self = *channel;
  self.js_ = *js;
  return Blocking([&]() -> absl::StatusOr<std::unique_ptr<StreamChannel>> {
    const StreamSpec spec{self.stream_, self.subject_, self.capacity_, options.in_memory,
                          absl::StrCat("channel \"", name, "\"")};
    if (absl::Status opened = OpenStream(self.js_, spec); !opened.ok()) return opened;
    absl::Status bound = BindPullConsumer(self.js_, spec, ConsumerSpec{kConsumer}, &self.pull_);
    if (!bound.ok()) return bound;
    self.core_->open_channels.fetch_add(1, std::memory_order_relaxed);  // see ~StreamChannel
    return std::move(channel);
  });
}

StreamChannel::~StreamChannel() {
  if (pull_ == nullptr) return;  // Open failed: never counted
  (void)natsSubscription_Unsubscribe(pull_);
  core_->transport().ReleaseSubscription(pull_);
  // release; pairs with NodeCore::Close's acquire (invariant 2).
  core_->open_channels.fetch_sub(1, std::memory_order_release);
}

absl::Status StreamChannel::Send(absl::string_view bytes, const Context& context) {
  const std::string id = NewMessageId(core_->id());
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    const absl::Status stored = Blocking(
        [&] { return PublishStored(js_, subject_, bytes, id, context, counters_.resent_after_timeout); });
    if (stored.ok()) {
      counters_.sent.fetch_add(1, std::memory_order_relaxed);
      return stored;
    }
    if (stored.code() == absl::StatusCode::kNotFound) {  // no stream takes the subject any more
      return absl::FailedPreconditionError("the channel is closed");
    }
    if (stored.code() != absl::StatusCode::kResourceExhausted) return stored;
    // Full: wait for a receiver to make room.
    counters_.full_waits.fetch_add(1, std::memory_order_relaxed);
    if (absl::Status slept = this_fiber::SleepFor(backoff, context); !slept.ok()) return slept;
    backoff = std::min(2 * backoff, kMaxBackoff);
  }
}

absl::StatusOr<std::string> StreamChannel::Recv(const Context& context) {
  if (absl::Status locked = receive_mutex_.Lock(context); !locked.ok()) return locked;
  std::unique_lock<Mutex> receiving(receive_mutex_, std::adopt_lock);
  while (true) {
    if (absl::Status done = context.Err(); !done.ok()) return done;
    natsMsgList list{};
    jsErrCode code = static_cast<jsErrCode>(0);
    const int64_t slice = SliceMillis(context, kFetchSlice);
    const natsStatus status =
        Blocking([&] { return natsSubscription_Fetch(&list, pull_, 1, slice, &code); });
    if (status == NATS_OK && list.Count > 0) {
      natsMsg* message = list.Msgs[0];
      std::string bytes(natsMsg_GetData(message), static_cast<std::size_t>(natsMsg_GetDataLength(message)));
      (void)natsMsg_Ack(message, nullptr);  // a lost ack: delivered again after the ack wait
      natsMsgList_Destroy(&list);
      counters_.received.fetch_add(1, std::memory_order_relaxed);
      return bytes;
    }
    natsMsgList_Destroy(&list);
    if (status != NATS_OK && status != NATS_TIMEOUT) return JetStreamError("Recv", status, code);
    absl::StatusOr<bool> closed = ClosedAndEmpty();
    if (!closed.ok()) return closed.status();
    if (*closed) return absl::OutOfRangeError("the channel is closed");
  }
}

absl::StatusOr<bool> StreamChannel::ClosedAndEmpty() {
  return Blocking([&]() -> absl::StatusOr<bool> {
    absl::StatusOr<StreamInfo> info = GetStreamInfo(js_, stream_, "the channel's state");
    if (!info.ok()) return info.status();
    const jsStreamConfig& config = *(*info)->Config;
    return config.SubjectsLen == 1 && closed_subject_ == config.Subjects[0] &&
           (*info)->State.Msgs == 0;
  });
}

absl::Status StreamChannel::Close(const Context& context) {
  if (absl::Status done = context.Err(); !done.ok()) return done;
  return Blocking([&]() -> absl::Status {
    absl::StatusOr<StreamInfo> info = GetStreamInfo(js_, stream_, "Close");
    if (!info.ok()) return info.status();
    // The stream's config with the closed subject; info's own subject array is put
    // back before info is freed (it frees what it allocated).
    const char* subjects[] = {closed_subject_.c_str()};
    jsStreamConfig* config = (*info)->Config;
    const char** own_subjects = config->Subjects;
    const int own_count = config->SubjectsLen;
    config->Subjects = subjects;
    config->SubjectsLen = 1;
    jsErrCode code = static_cast<jsErrCode>(0);
    jsStreamInfo* updated = nullptr;
    const natsStatus status = js_UpdateStream(&updated, js_, config, nullptr, &code);
    StreamInfo updated_info(updated);
    config->Subjects = own_subjects;
    config->SubjectsLen = own_count;
    if (status != NATS_OK) return JetStreamError("Close", status, code);
    return absl::OkStatus();
  });
}

RemoteChannelStats StreamChannel::stats() const {
  RemoteChannelStats stats;
  stats.sent = counters_.sent.load(std::memory_order_relaxed);
  stats.received = counters_.received.load(std::memory_order_relaxed);
  stats.full_waits = counters_.full_waits.load(std::memory_order_relaxed);
  stats.resent_after_timeout = counters_.resent_after_timeout.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace troupe::remote_internal
