// The shared JetStream calls (see jetstream.h).
#include "troupe/remote/internal/jetstream.h"

#include <nats/nats.h>

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace troupe::remote_internal {

namespace {
// The longest a publish waits for the stream's acknowledgement before it is sent
// again (with the same id).
constexpr absl::Duration kPublishWait = absl::Seconds(5);
}  // namespace

absl::Status JetStreamError(absl::string_view what, int nats_status, int code) {
  return absl::UnavailableError(
      absl::StrCat(what, ": ", natsStatus_GetText(static_cast<natsStatus>(nats_status)),
                   code != 0 ? absl::StrCat(" (JetStream error ", code, ")") : std::string()));
}

int64_t SliceMillis(const Context& context, absl::Duration cap) {
  absl::Duration slice = cap;
  if (std::optional<absl::Time> deadline = context.deadline()) {
    slice = std::min(slice, *deadline - absl::Now());
  }
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(slice));
}

std::string NewMessageId(uint64_t node_id) {
  // relaxed: only uniqueness matters, which fetch_add gives in any order.
  static std::atomic<uint64_t> next_message{1};
  return absl::StrFormat("%016x-%d", node_id, next_message.fetch_add(1, std::memory_order_relaxed));
}

absl::Status ValidateStreamToken(absl::string_view what, const std::string& name) {
  bool valid = !name.empty();
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') valid = false;
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be letters, digits, '-' or '_'; got \"", name, "\""));
}

absl::Status OpenStream(jsCtx* js, const StreamSpec& spec) {
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  const char* subjects[] = {spec.subject.c_str()};
  config.Name = spec.stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Retention = js_WorkQueuePolicy;
  config.MaxMsgs = spec.capacity;
  config.Discard = js_DiscardNew;
  config.Storage = spec.in_memory ? js_MemoryStorage : js_FileStorage;
  jsErrCode code = static_cast<jsErrCode>(0);
  jsStreamInfo* added = nullptr;
  const natsStatus status = js_AddStream(&added, js, &config, nullptr, &code);
  StreamInfo created(added);
  if (status == NATS_OK) return absl::OkStatus();
  if (code != JSStreamNameExistErr) {
    return JetStreamError(absl::StrCat("creating ", spec.what), status, code);
  }
  // It exists with another configuration: the same capacity is the same stream.
  absl::StatusOr<StreamInfo> existing = GetStreamInfo(js, spec.stream, spec.what);
  if (!existing.ok()) return existing.status();
  if (const int64_t capacity = (*existing)->Config->MaxMsgs; capacity != spec.capacity) {
    return absl::FailedPreconditionError(absl::StrCat(
        spec.what, " exists with capacity ", capacity, "; asked for ", spec.capacity));
  }
  return absl::OkStatus();
}

void StreamInfoDeleter::operator()(jsStreamInfo* info) const { jsStreamInfo_Destroy(info); }

absl::StatusOr<StreamInfo> GetStreamInfo(jsCtx* js, const std::string& stream,
                                         absl::string_view what) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND) return absl::NotFoundError(absl::StrCat(what, " does not exist"));
  if (status != NATS_OK) return JetStreamError(what, status, code);
  return StreamInfo(info);
}

absl::Status BindPullConsumer(jsCtx* js, const StreamSpec& spec, const ConsumerSpec& consumer,
                              natsSubscription** pull) {
  jsConsumerConfig config;
  jsConsumerConfig_Init(&config);
  config.Durable = consumer.durable.c_str();
  config.AckPolicy = js_AckExplicit;
  config.AckWait = absl::ToInt64Nanoseconds(consumer.ack_wait);
  config.MaxAckPending = consumer.max_unacked;
  jsErrCode code = static_cast<jsErrCode>(0);
  jsConsumerInfo* info = nullptr;
  natsStatus status = js_AddConsumer(&info, js, spec.stream.c_str(), &config, nullptr, &code);
  if (status != NATS_OK && code != JSConsumerNameExistErr) {
    return JetStreamError(absl::StrCat("the consumer of ", spec.what), status, code);
  }
  if (info != nullptr) jsConsumerInfo_Destroy(info);
  jsSubOptions bind;
  jsSubOptions_Init(&bind);
  bind.Stream = spec.stream.c_str();
  bind.Consumer = consumer.durable.c_str();
  status = js_PullSubscribe(pull, js, spec.subject.c_str(), consumer.durable.c_str(), nullptr,
                            &bind, &code);
  if (status != NATS_OK) {
    *pull = nullptr;
    return JetStreamError(absl::StrCat("receiving from ", spec.what), status, code);
  }
  return absl::OkStatus();
}

absl::Status PublishStored(jsCtx* js, const std::string& subject, absl::string_view bytes,
                           const std::string& id, const Context& context,
                           std::atomic<uint64_t>& resent) {
  while (true) {
    if (absl::Status done = context.Err(); !done.ok()) return done;
    jsPubOptions publish;
    jsPubOptions_Init(&publish);
    publish.MsgId = id.c_str();
    publish.MaxWait = SliceMillis(context, kPublishWait);
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus status = js_Publish(nullptr, js, subject.c_str(), bytes.data(),
                                         static_cast<int>(bytes.size()), &publish, &code);
    if (status == NATS_OK) return absl::OkStatus();
    if (status == NATS_NO_RESPONDERS) {
      return absl::NotFoundError(absl::StrCat("no stream takes ", subject));
    }
    if (status == NATS_TIMEOUT) {  // stored or not: the same id is stored once
      resent.fetch_add(1, std::memory_order_relaxed);  // statistics
      continue;
    }
    if (code == JSStreamStoreFailedErr) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the stream of ", subject, " is full (its capacity)"));
    }
    return JetStreamError(absl::StrCat("publishing to ", subject), status, code);
  }
}

}  // namespace troupe::remote_internal
