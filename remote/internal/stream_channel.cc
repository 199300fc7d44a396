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

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/scheduler/blocking.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::remote_internal {

namespace {

constexpr char kConsumer[] = "receivers";
// The longest a fetch waits before Recv checks its context and the stream's state.
constexpr absl::Duration kFetchSlice = absl::Milliseconds(250);
// The longest a publish waits for the stream's acknowledgement before it is sent
// again (with the same id).
constexpr absl::Duration kPublishWait = absl::Seconds(5);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(1);
constexpr absl::Duration kMaxBackoff = absl::Milliseconds(16);

absl::Status JetStreamError(absl::string_view what, natsStatus status, jsErrCode code) {
  return absl::UnavailableError(absl::StrCat(what, ": ", natsStatus_GetText(status),
                                             code != 0 ? absl::StrCat(" (JetStream error ",
                                                                      static_cast<int>(code), ")")
                                                       : std::string()));
}

// What is left of `context` (at most `cap`), in whole milliseconds, at least 1.
int64_t SliceMillis(const Context& context, absl::Duration cap) {
  absl::Duration slice = cap;
  if (std::optional<absl::Time> deadline = context.deadline()) {
    slice = std::min(slice, *deadline - absl::Now());
  }
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(slice));
}

absl::Status ValidateChannel(const std::string& name, const RemoteChannelOptions& options) {
  bool valid = !name.empty();
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') valid = false;
  }
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "channel name must be letters, digits, '-' or '_'; got \"", name, "\""));
  }
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
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {self.subject_.c_str()};
    config.Name = self.stream_.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Retention = js_WorkQueuePolicy;
    config.MaxMsgs = self.capacity_;
    config.Discard = js_DiscardNew;
    config.Storage = options.in_memory ? js_MemoryStorage : js_FileStorage;
    jsErrCode code = static_cast<jsErrCode>(0);
    jsStreamInfo* info = nullptr;
    natsStatus status = js_AddStream(&info, self.js_, &config, nullptr, &code);
    if (status != NATS_OK && code == JSStreamNameExistErr) {  // exists with another config
      status = js_GetStreamInfo(&info, self.js_, self.stream_.c_str(), nullptr, &code);
      if (status == NATS_OK && info->Config->MaxMsgs != self.capacity_) {
        const int64_t existing = info->Config->MaxMsgs;
        jsStreamInfo_Destroy(info);
        return absl::FailedPreconditionError(absl::StrCat(
            "channel \"", name, "\" exists with capacity ", existing, "; asked for ",
            self.capacity_));
      }
    }
    if (status != NATS_OK) return JetStreamError(absl::StrCat("creating channel ", name), status, code);
    jsStreamInfo_Destroy(info);

    jsConsumerConfig consumer;
    jsConsumerConfig_Init(&consumer);
    consumer.Durable = kConsumer;
    consumer.AckPolicy = js_AckExplicit;
    jsConsumerInfo* consumer_info = nullptr;
    status = js_AddConsumer(&consumer_info, self.js_, self.stream_.c_str(), &consumer, nullptr, &code);
    if (status != NATS_OK && code != JSConsumerNameExistErr) {
      return JetStreamError(absl::StrCat("the receivers of channel ", name), status, code);
    }
    if (consumer_info != nullptr) jsConsumerInfo_Destroy(consumer_info);

    jsSubOptions bind;
    jsSubOptions_Init(&bind);
    bind.Stream = self.stream_.c_str();
    bind.Consumer = kConsumer;
    status = js_PullSubscribe(&self.pull_, self.js_, self.subject_.c_str(), kConsumer, nullptr, &bind,
                              &code);
    if (status != NATS_OK) {
      self.pull_ = nullptr;
      return JetStreamError(absl::StrCat("receiving from channel ", name), status, code);
    }
    self.core_->open_channels.fetch_add(1, std::memory_order_relaxed);  // see ~StreamChannel
    return std::move(channel);
  });
}

StreamChannel::~StreamChannel() {
  if (pull_ == nullptr) return;  // Open failed: never counted
  (void)natsSubscription_Unsubscribe(pull_);
  natsSubscription_Destroy(pull_);
  // release; pairs with NodeCore::Close's acquire (invariant 2).
  core_->open_channels.fetch_sub(1, std::memory_order_release);
}

absl::Status StreamChannel::Send(absl::string_view bytes, const Context& context) {
  // Unique among all the publishes of this process's node (the stream keeps ids for
  // its duplicate window, two minutes, whichever handle sent them).
  static std::atomic<uint64_t> next_message{1};
  const std::string id = absl::StrFormat(
      "%016x-%d", core_->id(), next_message.fetch_add(1, std::memory_order_relaxed));
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    if (absl::Status done = context.Err(); !done.ok()) return done;
    jsPubOptions publish;
    jsPubOptions_Init(&publish);
    publish.MsgId = id.c_str();
    publish.MaxWait = SliceMillis(context, kPublishWait);
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = Blocking([&] {
      return js_Publish(nullptr, js_, subject_.c_str(), bytes.data(),
                        static_cast<int>(bytes.size()), &publish, &code);
    });
    if (status == NATS_OK) {
      counters_.sent.fetch_add(1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    if (status == NATS_NO_RESPONDERS) {  // no stream takes the subject any more
      return absl::FailedPreconditionError("the channel is closed");
    }
    if (status == NATS_TIMEOUT) {  // stored or not: the same id is stored once
      counters_.resent_after_timeout.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (code != JSStreamStoreFailedErr) return JetStreamError("Send", status, code);
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
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = js_GetStreamInfo(&info, js_, stream_.c_str(), nullptr, &code);
    if (status != NATS_OK) return JetStreamError("the channel's state", status, code);
    const bool closed = info->Config->SubjectsLen == 1 &&
                        closed_subject_ == info->Config->Subjects[0] && info->State.Msgs == 0;
    jsStreamInfo_Destroy(info);
    return closed;
  });
}

absl::Status StreamChannel::Close(const Context& context) {
  if (absl::Status done = context.Err(); !done.ok()) return done;
  return Blocking([&]() -> absl::Status {
    jsStreamInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_GetStreamInfo(&info, js_, stream_.c_str(), nullptr, &code);
    if (status != NATS_OK) return JetStreamError("Close", status, code);
    // The stream's config with the closed subject; info's own subject array is put
    // back before info is freed (it frees what it allocated).
    const char* subjects[] = {closed_subject_.c_str()};
    jsStreamConfig* config = info->Config;
    const char** own_subjects = config->Subjects;
    const int own_count = config->SubjectsLen;
    config->Subjects = subjects;
    config->SubjectsLen = 1;
    jsStreamInfo* updated = nullptr;
    status = js_UpdateStream(&updated, js_, config, nullptr, &code);
    config->Subjects = own_subjects;
    config->SubjectsLen = own_count;
    if (updated != nullptr) jsStreamInfo_Destroy(updated);
    jsStreamInfo_Destroy(info);
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
