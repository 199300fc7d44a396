#include "troupe/scheduler/internal/fiber_pool.h"

#include <algorithm>
#include <new>

#include "troupe/scheduler/internal/page_memory.h"

namespace troupe::scheduler_internal {

FiberPool::~FiberPool() {
  std::lock_guard<std::mutex> lock(slabs_mutex_);
  for (const Slab& slab : slabs_) {
    for (std::size_t i = 0; i < slab.records; ++i) slab.first[i].~Fiber();
    UnmapPages(slab.first, slab.bytes);
  }
}

Fiber* FiberPool::Allocate(FiberCache* cache) {
  Fiber* fiber;
  if (free_.Take(cache, &fiber)) return fiber;
  std::size_t records;
  {
    std::lock_guard<std::mutex> lock(slabs_mutex_);
    const std::size_t max_records = kMaxSlabBytes / sizeof(Fiber);
    records = slabs_.empty() ? kFirstSlabRecords
                             : std::min(max_records, slabs_.back().records * 2);
  }
  const std::size_t page = PageSize();
  std::size_t bytes = (records * sizeof(Fiber) + page - 1) / page * page;
  if (records * sizeof(Fiber) > kMaxSlabBytes / 2) bytes = kMaxSlabBytes;  // huge-page sized
  records = bytes / sizeof(Fiber);
  auto* slab = static_cast<Fiber*>(MapPopulated(bytes));  // page-aligned: alignof(Fiber) holds
  if (slab == nullptr) return nullptr;
  for (std::size_t i = 0; i < records; ++i) new (&slab[i]) Fiber();
  {
    std::lock_guard<std::mutex> lock(slabs_mutex_);
    slabs_.push_back(Slab{slab, records, bytes});
  }
  for (std::size_t i = records - 1; i >= 1; --i) free_.Put(cache, &slab[i]);
  return &slab[0];
}

}  // namespace troupe::scheduler_internal
