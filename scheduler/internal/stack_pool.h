// StackPool: fiber stacks with a guard page, carved from larger reservations and
// recycled instead of unmapped.
//
// A stack is the lowest page (the guard, inaccessible) and the usable stack above it,
// which grows down towards the guard. Touching the guard raises SIGSEGV; troupe's
// handler (guard_page_handler.h) names the fiber and stops the process.
//
// Stacks come from reservations of about 2 MiB (kReservationBytes; at least one
// stack), each one mmap. Per reservation, one call installs every stack's guard
// page (guard regions on Linux 6.13+, so the reservation stays one kernel mapping;
// mprotect before that, two mappings per stack) and one populates the top page of
// every stack, where a fiber's first frames go: a fresh page faulted in by a touch
// costs 13–30 µs on a VM, populated by the kernel about 1.5 µs (page_memory.h). So a
// new stack costs a fraction of a system call, and in steady state (freed stacks are
// kept and handed out again) none at all.
//
// A fiber holds a stack only while it runs or is parked mid-call (scheduler.cc); an
// idle actor, parked at the top of its loop, holds none.
//
// Failure: when the kernel refuses a reservation (address-space limit, map count,
// memory) Allocate returns ResourceExhausted saying which limit and how to raise it;
// nothing aborts.
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
#include "absl/status/status.h"
#include "troupe/scheduler/internal/owner_counter.h"
#include "troupe/scheduler/internal/page_memory.h"
#include "troupe/scheduler/internal/tiered_free_list.h"

namespace troupe::scheduler_internal {

struct Stack {
  void* mapping = nullptr;        // start of the stack's range (the guard page)
  std::size_t mapping_size = 0;   // guard page + usable stack
  void* low() const;              // lowest usable byte (just above the guard)
  std::size_t usable_size() const;
  bool contains_guard(const void* address) const;
};

inline constexpr std::size_t kMaxCachedStacks = 64;  // per P

// A P's private stash of free stacks, and how many stacks went out through it and
// came back. Used only by the thread that holds the P.
struct StackCache {
  TieredFreeList<Stack, kMaxCachedStacks>::Cache free;
  OwnerCounter allocated;
  OwnerCounter released;
};

class StackPool {
 public:
  static constexpr std::size_t kReservationBytes = std::size_t{2} << 20;

  // `usable_size` must be a multiple of the page size (RuntimeOptions validates it).
  explicit StackPool(std::size_t usable_size);
  ~StackPool();  // unmaps every reservation

  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack from `cache` if it has one, else from the shared list, else carved from
  // a reservation (a new one if needed). ResourceExhausted if the kernel refuses the
  // memory. `cache` may be null (a thread that holds no P): the shared list is used.
  absl::Status Allocate(StackCache* cache, Stack* stack);
  // Gives `stack` back, to `cache`, or to the shared list when `cache` is null.
  void Release(StackCache* cache, Stack stack);
  // Moves everything in `cache` to the shared list (when a P is destroyed).
  void Drain(StackCache& cache) { free_.Drain(cache.free); }

  std::size_t usable_size() const { return usable_size_; }
  // Statistics (relaxed): stacks ever carved, reservations made.
  std::size_t stacks_mapped() const { return stacks_carved_.load(std::memory_order_relaxed); }
  std::size_t reservations() const { return reservations_.load(std::memory_order_relaxed); }
  // Stacks held by fibers now: those that went out through no cache, plus, per cache
  // (the caller knows the caches: the scheduler's Ps), allocated - released. Exact
  // when nothing runs.
  std::ptrdiff_t uncached_in_use() const {
    return uncached_in_use_.load(std::memory_order_relaxed);
  }
  std::size_t stacks_per_reservation() const { return stacks_per_reservation_; }

 private:
  // Under mutex_: carves the next stack, reserving memory first if none is left.
  absl::Status CarveLocked(Stack* stack) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Status ReserveLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const std::size_t usable_size_;
  const std::size_t stack_bytes_;  // guard page + usable
  const std::size_t stacks_per_reservation_;
  TieredFreeList<Stack, kMaxCachedStacks> free_;
  std::mutex mutex_;
  std::vector<void*> reservations_list_ ABSL_GUARDED_BY(mutex_);
  char* next_uncarved_ ABSL_GUARDED_BY(mutex_) = nullptr;  // in the newest reservation
  std::size_t uncarved_ ABSL_GUARDED_BY(mutex_) = 0;       // stacks left in it
  std::atomic<std::size_t> stacks_carved_{0};
  std::atomic<std::size_t> reservations_{0};
  // Allocations minus releases through no cache (relaxed: a statistic). Those through
  // a cache are counted in it, by its owner, without an RMW.
  std::atomic<std::ptrdiff_t> uncached_in_use_{0};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_STACK_POOL_H_
