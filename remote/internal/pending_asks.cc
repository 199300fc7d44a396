#include "troupe/remote/internal/pending_asks.h"

#include <utility>
#include <vector>

namespace troupe::remote_internal {

uint64_t PendingAsks::Add(AskSlot slot, std::string target, uint64_t target_node) {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = next_id_++;
  pending_.emplace(id, Entry{std::move(slot), std::move(target), target_node});
  return id;
}

void PendingAsks::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.erase(id);
}

bool PendingAsks::SetTargetNode(uint64_t id, uint64_t target_node) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  it->second.target_node = target_node;
  return true;
}

int PendingAsks::FailNode(uint64_t target_node, const absl::Status& status) {
  std::vector<AskSlot> failed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.target_node == target_node) {
        failed.push_back(std::move(it->second.slot));
        pending_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  // Each asker gets a status of its own: copies of one would share its reference-
  // counted representation across the askers' threads, whose count Debian's
  // prebuilt abseil changes where TSan cannot see it (a false race).
  for (AskSlot& slot : failed) {
    (void)slot.TrySend(AskAnswer(absl::Status(status.code(), status.message())));  // room for one
  }
  return static_cast<int>(failed.size());
}

std::size_t PendingAsks::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_.size();
}

}  // namespace troupe::remote_internal
