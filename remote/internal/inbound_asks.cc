// The held asks of a node's published actors (see inbound_asks.h).
#include "troupe/remote/internal/inbound_asks.h"

#include <optional>
#include <utility>

#include "absl/status/status.h"

namespace troupe::remote_internal {

Context InboundAsks::Begin(absl::string_view reply_subject, std::optional<absl::Time> deadline) {
  ContextWithCancel made =
      deadline ? WithDeadline(Context(), *deadline) : WithCancel(Context());
  std::lock_guard<std::mutex> lock(mutex_);
  held_.insert_or_assign(std::string(reply_subject), Held{std::move(made.cancel)});
  return std::move(made.context);
}

bool InboundAsks::End(absl::string_view reply_subject) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto held = held_.find(reply_subject);
  if (held == held_.end()) return false;
  const bool cancelled = held->second.cancelled;
  held_.erase(held);
  return cancelled;
}

bool InboundAsks::Cancel(absl::string_view reply_subject) {
  std::optional<CancelHandle> cancel;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto held = held_.find(reply_subject);
    if (held == held_.end() || held->second.cancelled) return false;
    held->second.cancelled = true;
    cancel = held->second.cancel;  // copied: cancelled outside the lock
  }
  cancel->Cancel(absl::CancelledError("the remote asker cancelled the ask"));
  return true;
}

}  // namespace troupe::remote_internal
