// FiberPool: where Fiber records come from. Records are built in slabs, recycled
// through a TieredFreeList (a per-P cache without a lock, a shared list), destroyed only
// with the pool, so a pointer to a finished fiber stays valid for the runtime's life
// (fiber.h relies on it).
//
// Records are small and contiguous, unlike stacks: a fiber that has been spawned but
// has not run yet owns only its record, and gets a stack when it first runs
// (scheduler.cc), so a queue of ten thousand pending fibers is a few hundred KiB of
// records rather than ten thousand touched stack pages.
#ifndef TROUPE_SCHEDULER_INTERNAL_FIBER_POOL_H_
#define TROUPE_SCHEDULER_INTERNAL_FIBER_POOL_H_

#include <cstddef>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/tiered_free_list.h"

namespace troupe::scheduler_internal {

inline constexpr std::size_t kMaxCachedFibers = 256;  // per P

// A P's private stash of free records. Used only by the thread that holds the P.
using FiberCache = TieredFreeList<Fiber*, kMaxCachedFibers>::Cache;

class FiberPool {
 public:
  static constexpr std::size_t kSlabRecords = 64;

  FiberPool() = default;
  ~FiberPool();  // destroys every record ever built
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // `cache` may be null (a thread that holds no P): the shared list is used.
  Fiber* Allocate(FiberCache* cache);
  void Release(FiberCache* cache, Fiber* fiber) { free_.Put(cache, fiber); }
  void Drain(FiberCache& cache) { free_.Drain(cache); }

  // Calls `visit(fiber)` for every record ever built, free or not, under the pool's
  // lock (records are only read racily, through their atomics).
  template <typename Visit>
  void ForEachRecord(Visit&& visit) {
    std::lock_guard<std::mutex> lock(slabs_mutex_);
    for (Fiber* slab : slabs_) {
      for (std::size_t i = 0; i < kSlabRecords; ++i) visit(&slab[i]);
    }
  }

 private:
  TieredFreeList<Fiber*, kMaxCachedFibers> free_;
  std::mutex slabs_mutex_;
  std::vector<Fiber*> slabs_ ABSL_GUARDED_BY(slabs_mutex_);
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FIBER_POOL_H_
