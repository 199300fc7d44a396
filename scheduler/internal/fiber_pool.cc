#include "scheduler/internal/fiber_pool.h"

#include <algorithm>
#include <new>

namespace troupe::scheduler_internal {

FiberPool::~FiberPool() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Fiber* slab : slabs_) {
    for (std::size_t i = 0; i < kSlabRecords; ++i) slab[i].~Fiber();
    ::operator delete(slab, std::align_val_t{alignof(Fiber)});
  }
}

Fiber* FiberPool::Allocate(FiberCache* cache) {
  if (cache != nullptr && !cache->free_.empty()) {
    Fiber* fiber = cache->free_.back();
    cache->free_.pop_back();
    return fiber;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!shared_free_.empty()) {
    Fiber* fiber = shared_free_.back();
    shared_free_.pop_back();
    if (cache != nullptr) {  // refill half a cache so the next ones take no lock
      std::size_t take = std::min(shared_free_.size(), FiberCache::kMaxCached / 2);
      cache->free_.insert(cache->free_.end(), shared_free_.end() - take, shared_free_.end());
      shared_free_.resize(shared_free_.size() - take);
    }
    return fiber;
  }
  auto* slab = static_cast<Fiber*>(
      ::operator new(kSlabRecords * sizeof(Fiber), std::align_val_t{alignof(Fiber)}));
  for (std::size_t i = 0; i < kSlabRecords; ++i) new (&slab[i]) Fiber();
  slabs_.push_back(slab);
  std::vector<Fiber*>& rest = cache != nullptr ? cache->free_ : shared_free_;
  for (std::size_t i = kSlabRecords - 1; i >= 1; --i) rest.push_back(&slab[i]);
  return &slab[0];
}

void FiberPool::Release(FiberCache* cache, Fiber* fiber) {
  if (cache == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    shared_free_.push_back(fiber);
    return;
  }
  cache->free_.push_back(fiber);
  if (cache->free_.size() <= FiberCache::kMaxCached) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t keep = FiberCache::kMaxCached / 2;
  shared_free_.insert(shared_free_.end(), cache->free_.begin() + keep, cache->free_.end());
  cache->free_.resize(keep);
}

void FiberPool::Drain(FiberCache& cache) {
  std::lock_guard<std::mutex> lock(mutex_);
  shared_free_.insert(shared_free_.end(), cache.free_.begin(), cache.free_.end());
  cache.free_.clear();
}

}  // namespace troupe::scheduler_internal
