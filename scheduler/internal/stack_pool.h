// StackPool: fiber stacks with a guard page, recycled instead of unmapped.
//
// A stack is one private anonymous mapping: the lowest page is PROT_NONE (the guard),
// the rest is the usable stack, which grows down towards the guard. Touching the guard
// raises SIGSEGV; troupe's handler (guard_page_handler.h) names the fiber and stops the
// process. Mapping and unmapping are system calls and the first touch of every fresh
// page is a page fault (expensive on VMs), so freed stacks are kept and handed out
// again: in steady state a spawn costs no system call and no page fault.
//
// A fiber holds a stack only from its first run to its exit (scheduler.cc).
//
// Ownership: Allocate/Release may be called from any thread. Each caller passes its
// own StackCache (one per P) so the common case takes no lock (tiered_free_list.h).
#ifndef TROUPE_SCHEDULER_INTERNAL_STACK_POOL_H_
#define TROUPE_SCHEDULER_INTERNAL_STACK_POOL_H_

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/tiered_free_list.h"

namespace troupe::scheduler_internal {

struct Stack {
  void* mapping = nullptr;        // start of the mapping (the guard page)
  std::size_t mapping_size = 0;   // guard page + usable stack
  void* low() const;              // lowest usable byte (just above the guard)
  std::size_t usable_size() const;
  bool contains_guard(const void* address) const;
};

class StackPool;

inline constexpr std::size_t kMaxCachedStacks = 64;  // per P

// A P's private stash of free stacks. Used only by the thread that holds the P.
using StackCache = TieredFreeList<Stack, kMaxCachedStacks>::Cache;

class StackPool {
 public:
  // `usable_size` must be a multiple of the page size (RuntimeOptions validates it).
  explicit StackPool(std::size_t usable_size);
  ~StackPool();  // unmaps every stack it ever mapped

  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // Returns a stack, from `cache` if it has one, else from the shared list, else newly
  // mapped. Crashes with a message when the kernel refuses the mapping (the message
  // names vm.max_map_count, the usual cause: every guard page is its own mapping).
  // `cache` may be null (a thread that holds no P): the shared list is used.
  Stack Allocate(StackCache* cache);
  // Gives `stack` back, to `cache`, or to the shared list when `cache` is null (a
  // thread that holds no P).
  void Release(StackCache* cache, Stack stack) { free_.Put(cache, stack); }
  // Moves everything in `cache` to the shared list (when a P is destroyed).
  void Drain(StackCache& cache) { free_.Drain(cache); }

  std::size_t usable_size() const { return usable_size_; }
  std::size_t stacks_mapped() const {
    return stacks_mapped_.load(std::memory_order_relaxed);  // statistic only
  }

 private:
  Stack MapNew();

  const std::size_t usable_size_;
  TieredFreeList<Stack, kMaxCachedStacks> free_;
  std::mutex mutex_;
  std::vector<Stack> all_ ABSL_GUARDED_BY(mutex_);  // every mapping, for the destructor
  std::atomic<std::size_t> stacks_mapped_{0};
};

std::size_t PageSize();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_STACK_POOL_H_
