#include "troupe/remote/node.h"

#include "absl/strings/ascii.h"

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

}  // namespace troupe
