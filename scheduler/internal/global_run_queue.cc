#include "troupe/scheduler/internal/global_run_queue.h"

#include <algorithm>

namespace troupe::scheduler_internal {

GlobalRunQueue::GlobalRunQueue() : ring_(1024, nullptr) {}

void GlobalRunQueue::Grow() {
  const std::size_t capacity = ring_.size();
  const uint32_t size = size_.load(std::memory_order_relaxed);
  std::vector<Fiber*> bigger(capacity * 2, nullptr);
  for (uint32_t i = 0; i < size; ++i) bigger[i] = ring_[(head_ + i) & (capacity - 1)];
  ring_.swap(bigger);
  head_ = 0;
}

void GlobalRunQueue::Push(Fiber* const* fibers, uint32_t count) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint32_t size = size_.load(std::memory_order_relaxed);
  while (size + count > ring_.size()) Grow();
  const std::size_t mask = ring_.size() - 1;
  for (uint32_t i = 0; i < count; ++i) ring_[(head_ + size + i) & mask] = fibers[i];
  size_.store(size + count, std::memory_order_relaxed);  // under the lock; see header
}

Fiber* GlobalRunQueue::TakeBatch(uint32_t max_batch, LocalRunQueue& into) {
  std::lock_guard<std::mutex> lock(mutex_);
  const uint32_t size = size_.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  const uint32_t count = std::min(size, std::max<uint32_t>(max_batch, 1));
  const std::size_t mask = ring_.size() - 1;
  Fiber* first = ring_[head_ & mask];
  uint32_t taken = 1;
  while (taken < count && into.TryPush(ring_[(head_ + taken) & mask])) ++taken;
  head_ += taken;
  size_.store(size - taken, std::memory_order_relaxed);
  return first;
}

}  // namespace troupe::scheduler_internal
