// FiberPool: where Fiber records come from. Records are built in slabs, recycled
// through a TieredFreeList (a per-P cache without a lock, a shared list), destroyed only
// with the pool, so a pointer to a finished fiber stays valid for the runtime's life
// (fiber.h relies on it).
//
// Slabs double in size, from kFirstSlabRecords up to about 2 MiB, and their memory is
// populated by the kernel in one call (page_memory.h): a million fibers cost a few
// hundred system calls instead of a hundred thousand page faults.
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
  static constexpr std::size_t kFirstSlabRecords = 64;
  static constexpr std::size_t kMaxSlabBytes = std::size_t{2} << 20;

  FiberPool() = default;
  ~FiberPool();  // destroys every record ever built
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // `cache` may be null (a thread that holds no P): the shared list is used. Null if
  // the kernel refuses memory for a new slab.
  Fiber* Allocate(FiberCache* cache);
  void Release(FiberCache* cache, Fiber* fiber) { free_.Put(cache, fiber); }
  void Drain(FiberCache& cache) { free_.Drain(cache); }

  // Calls `visit(fiber)` for every record ever built, free or not, under the pool's
  // lock (records are only read racily, through their atomics).
  template <typename Visit>
  void ForEachRecord(Visit&& visit) {
    std::lock_guard<std::mutex> lock(slabs_mutex_);
    for (const Slab& slab : slabs_) {
      for (std::size_t i = 0; i < slab.records; ++i) visit(&slab.first[i]);
    }
  }

 private:
  struct Slab {
    Fiber* first;
    std::size_t records;
    std::size_t bytes;  // of the mapping
  };

  TieredFreeList<Fiber*, kMaxCachedFibers> free_;
  std::mutex slabs_mutex_;
  std::vector<Slab> slabs_ ABSL_GUARDED_BY(slabs_mutex_);
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_FIBER_POOL_H_
