// TrackedSet: the named things a collector reports (channels, pipelines), bounded in
// number, added and removed by name from any thread while scrapes read them.
#ifndef TROUPE_METRICS_INTERNAL_TRACKED_SET_H_
#define TROUPE_METRICS_INTERNAL_TRACKED_SET_H_

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace troupe::metrics_internal {

template <typename Entry>
class TrackedSet {
 public:
  // `kind` names what is tracked in error messages ("channel").
  TrackedSet(const char* kind, std::size_t limit) : kind_(kind), limit_(limit) {}

  // AlreadyExists if `name` is tracked; ResourceExhausted past the limit.
  absl::Status Add(std::string name, Entry entry) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [tracked, unused] : entries_) {
      if (tracked == name) {
        return absl::AlreadyExistsError(absl::StrCat(kind_, " ", name, " is already tracked"));
      }
    }
    if (entries_.size() >= limit_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("at most ", limit_, " ", kind_, "s can be tracked; refused ", name));
    }
    entries_.emplace_back(std::move(name), std::move(entry));
    return absl::OkStatus();
  }
  // NotFound if `name` is not tracked.
  absl::Status Remove(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == name) {
        entries_.erase(it);
        return absl::OkStatus();
      }
    }
    return absl::NotFoundError(absl::StrCat(kind_, " ", name, " is not tracked"));
  }
  // Calls visit(name, entry) for each, in the order added, under the set's lock.
  template <typename Visit>
  void ForEach(Visit visit) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, entry] : entries_) visit(name, entry);
  }

 private:
  const char* const kind_;
  const std::size_t limit_;
  mutable std::mutex mutex_;  // guards entries_; taken inside the registry's lock
  std::vector<std::pair<std::string, Entry>> entries_;
};

}  // namespace troupe::metrics_internal

#endif  // TROUPE_METRICS_INTERNAL_TRACKED_SET_H_
