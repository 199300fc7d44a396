#include "troupe/scheduler/internal/fiber_pool.h"

#include <new>

namespace troupe::scheduler_internal {

FiberPool::~FiberPool() {
  std::lock_guard<std::mutex> lock(slabs_mutex_);
  for (Fiber* slab : slabs_) {
    for (std::size_t i = 0; i < kSlabRecords; ++i) slab[i].~Fiber();
    ::operator delete(slab, std::align_val_t{alignof(Fiber)});
  }
}

Fiber* FiberPool::Allocate(FiberCache* cache) {
  Fiber* fiber;
  if (free_.Take(cache, &fiber)) return fiber;
  auto* slab = static_cast<Fiber*>(
      ::operator new(kSlabRecords * sizeof(Fiber), std::align_val_t{alignof(Fiber)}));
  for (std::size_t i = 0; i < kSlabRecords; ++i) new (&slab[i]) Fiber();
  {
    std::lock_guard<std::mutex> lock(slabs_mutex_);
    slabs_.push_back(slab);
  }
  for (std::size_t i = kSlabRecords - 1; i >= 1; --i) free_.Put(cache, &slab[i]);
  return &slab[0];
}

}  // namespace troupe::scheduler_internal
