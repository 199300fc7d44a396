#include "scheduler/internal/stack_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>

namespace troupe::scheduler_internal {

std::size_t PageSize() {
  static const std::size_t page_size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page_size;
}

void* Stack::low() const { return static_cast<char*>(mapping) + PageSize(); }

std::size_t Stack::usable_size() const { return mapping_size - PageSize(); }

bool Stack::contains_guard(const void* address) const {
  auto* a = static_cast<const char*>(address);
  auto* guard = static_cast<const char*>(mapping);
  return a >= guard && a < guard + PageSize();
}

StackPool::StackPool(std::size_t usable_size) : usable_size_(usable_size) {}

StackPool::~StackPool() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Stack& stack : all_) munmap(stack.mapping, stack.mapping_size);
}

Stack StackPool::MapNew() {
  const std::size_t size = usable_size_ + PageSize();
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED || mprotect(mapping, PageSize(), PROT_NONE) != 0) {
    const int error = errno;
    std::fprintf(stderr,
                 "troupe: StackPool::MapNew: cannot map fiber stack #%zu (%s). Each "
                 "fiber stack needs two memory mappings; raise vm.max_map_count "
                 "(sysctl) or keep fewer fibers alive at once.\n",
                 stacks_mapped() + 1, std::strerror(error));
    std::abort();
  }
  stacks_mapped_.fetch_add(1, std::memory_order_relaxed);  // statistic only
  Stack stack{mapping, size};
  std::lock_guard<std::mutex> lock(mutex_);
  all_.push_back(stack);
  return stack;
}

Stack StackPool::Allocate(StackCache* cache) {
  if (cache != nullptr && !cache->free_.empty()) {
    Stack stack = cache->free_.back();
    cache->free_.pop_back();
    return stack;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cache == nullptr) {
      if (!shared_free_.empty()) {
        Stack stack = shared_free_.back();
        shared_free_.pop_back();
        return stack;
      }
    } else {
      // Refill half a cache at once so the next allocations stay lock-free.
      std::size_t take = std::min(shared_free_.size(), StackCache::kMaxCached / 2);
      for (std::size_t i = 0; i < take; ++i) {
        cache->free_.push_back(shared_free_.back());
        shared_free_.pop_back();
      }
    }
  }
  if (cache != nullptr && !cache->free_.empty()) return Allocate(cache);
  return MapNew();
}

void StackPool::Release(StackCache* cache, Stack stack) {
  if (cache == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    shared_free_.push_back(stack);
    return;
  }
  cache->free_.push_back(stack);
  if (cache->free_.size() <= StackCache::kMaxCached) return;
  std::lock_guard<std::mutex> lock(mutex_);
  while (cache->free_.size() > StackCache::kMaxCached / 2) {
    shared_free_.push_back(cache->free_.back());
    cache->free_.pop_back();
  }
}

void StackPool::Drain(StackCache& cache) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Stack& stack : cache.free_) shared_free_.push_back(stack);
  cache.free_.clear();
}

}  // namespace troupe::scheduler_internal
