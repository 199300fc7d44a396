#include "troupe/remote/node.h"

#include "absl/strings/ascii.h"
#include "troupe/remote/internal/jetstream.h"

namespace troupe {

absl::StatusOr<std::unique_ptr<RemoteNode>> RemoteNode::Connect(RemoteNodeOptions options) {
  absl::StatusOr<std::shared_ptr<remote_internal::NodeCore>> core =
      remote_internal::NodeCore::Connect(std::move(options));
  if (!core.ok()) return core.status();
  return std::unique_ptr<RemoteNode>(new RemoteNode(*std::move(core)));
}

RemoteNode::~RemoteNode() { core_->Close(); }

absl::Status RemoteNode::ValidateName(const std::string& name) {
  bool valid = !name.empty() && name.front() != '.' && name.back() != '.' &&
               name.find("..") == std::string::npos;
  for (char c : name) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '*' || c == '>' ||
        !absl::ascii_isprint(static_cast<unsigned char>(c))) {
      valid = false;
    }
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "actor name must be printable, without whitespace, '*', '>' or an empty '.'-separated "
      "token; got \"", name, "\""));
}

absl::Status RemoteNode::ValidateWorkerOptions(const RemoteWorkerOptions& options) {
  constexpr int kMaxOutstanding = 1 << 20;
  if (options.max_outstanding >= 1 && options.max_outstanding <= kMaxOutstanding) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("max_outstanding must be in [1, ",
                                                 kMaxOutstanding, "]; got ",
                                                 options.max_outstanding));
}

absl::Status RemoteNode::ValidatePublishOptions(const std::string& name,
                                               const PublishOptions& options) {
  if (absl::Status valid = remote_internal::ValidateStreamToken(
          "the name of an actor published at least once", name);
      !valid.ok()) {
    return valid;
  }
  constexpr int64_t kMaxCapacity = (int64_t{1} << 31) - 1;
  if (options.capacity < 1 || options.capacity > kMaxCapacity) {
    return absl::InvalidArgumentError(absl::StrCat("capacity must be in [1, ", kMaxCapacity,
                                                   "]; got ", options.capacity));
  }
  constexpr int kMaxUnacked = 65536;
  if (options.max_unacked < 1 || options.max_unacked > kMaxUnacked) {
    return absl::InvalidArgumentError(absl::StrCat("max_unacked must be in [1, ", kMaxUnacked,
                                                   "]; got ", options.max_unacked));
  }
  if (options.ack_wait < absl::Milliseconds(100) || options.ack_wait > absl::Hours(12)) {
    return absl::InvalidArgumentError(absl::StrCat("ack_wait must be in [100ms, 12h]; got ",
                                                   absl::FormatDuration(options.ack_wait)));
  }
  constexpr int kMaxDedupWindow = 1 << 24;
  if (options.dedup_window < 1 || options.dedup_window > kMaxDedupWindow) {
    return absl::InvalidArgumentError(absl::StrCat("dedup_window must be in [1, ",
                                                   kMaxDedupWindow, "]; got ",
                                                   options.dedup_window));
  }
  return absl::OkStatus();
}

absl::Status RemoteNode::ValidateLookupOptions(const LookupOptions& options) {
  if (options.store_timeout > absl::ZeroDuration() && options.store_timeout <= absl::Hours(1)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("store_timeout must be in (0, 1h]; got ",
                                                 absl::FormatDuration(options.store_timeout)));
}

}  // namespace troupe
