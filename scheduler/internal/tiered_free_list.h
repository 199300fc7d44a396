// TieredFreeList: free objects kept in two tiers, for the pools on the spawn path
// (FiberPool, StackPool). Each P has a Cache that only the thread holding the P
// touches, so the common Take and Put take no lock; a shared list under a mutex
// serves threads that hold no P, absorbs half of a cache that grows past kMaxCached,
// and refills half a cache at once when it runs dry, so that the lock is taken once
// per kMaxCached / 2 objects at most.
#ifndef TROUPE_SCHEDULER_INTERNAL_TIERED_FREE_LIST_H_
#define TROUPE_SCHEDULER_INTERNAL_TIERED_FREE_LIST_H_

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace troupe::scheduler_internal {

template <typename T, std::size_t kMaxCached>
class TieredFreeList {
 public:
  // A P's private tier. Used only by the thread that holds the P.
  class Cache {
   private:
    friend class TieredFreeList;
    std::vector<T> free_;
  };

  // A free object from `cache` (may be null: a thread without a P), else from the
  // shared list; false if both are empty.
  bool Take(Cache* cache, T* out) {
    if (cache != nullptr && !cache->free_.empty()) {
      *out = std::move(cache->free_.back());
      cache->free_.pop_back();
      return true;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (shared_.empty()) return false;
    *out = std::move(shared_.back());
    shared_.pop_back();
    if (cache != nullptr) {  // refill half a cache so the next ones take no lock
      const std::size_t take = std::min(shared_.size(), kMaxCached / 2);
      std::move(shared_.end() - take, shared_.end(), std::back_inserter(cache->free_));
      shared_.resize(shared_.size() - take);
    }
    return true;
  }

  void Put(Cache* cache, T object) {
    if (cache == nullptr) {
      std::lock_guard<std::mutex> lock(mutex_);
      shared_.push_back(std::move(object));
      return;
    }
    cache->free_.push_back(std::move(object));
    if (cache->free_.size() <= kMaxCached) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t keep = kMaxCached / 2;
    std::move(cache->free_.begin() + keep, cache->free_.end(), std::back_inserter(shared_));
    cache->free_.resize(keep);
  }

  // Moves everything in `cache` to the shared list (when its P goes away).
  void Drain(Cache& cache) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::move(cache.free_.begin(), cache.free_.end(), std::back_inserter(shared_));
    cache.free_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<T> shared_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_TIERED_FREE_LIST_H_
