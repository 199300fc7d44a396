// CellMemory: where actor cells live. Each actor is one block — the shared_ptr
// control block, the cell (mailbox, lifecycle) and the actor instance inside it — so
// spawning an actor makes no heap allocation in steady state, and a million idle
// actors are a million blocks packed side by side.
//
// Blocks come in size classes of kGranule bytes up to kMaxBytes (larger ones go to
// operator new). Each thread keeps a stack of free blocks per class; a class's depot,
// under its lock, refills a thread's stack kRefill blocks at a time and takes back
// half of one that grows past kMaxLocal, so a block freed on another thread (actors
// stop wherever they run) comes back through the depot. The depot carves new blocks
// from slabs that double in size up to 2 MiB; those are huge pages where the kernel
// offers them, which matters on virtual machines, where the first touch of every
// 4 KiB page costs a hypervisor exit (page_memory.h).
//
// Allocate and Free: any fiber or thread; they never park (a fiber does not change
// threads inside them).
#ifndef TROUPE_ACTORS_INTERNAL_CELL_MEMORY_H_
#define TROUPE_ACTORS_INTERNAL_CELL_MEMORY_H_

#include <cstddef>
#include <new>

namespace troupe::actors_internal {

class CellMemory {
 public:
  static constexpr std::size_t kGranule = 64;
  static constexpr std::size_t kMaxBytes = 4096;
  static constexpr std::size_t kClasses = kMaxBytes / kGranule;
  static constexpr std::size_t kRefill = 64;
  static constexpr std::size_t kMaxLocal = 256;

  // A block of at least `bytes`, aligned to kGranule (or to operator new's alignment
  // beyond kMaxBytes). Throws std::bad_alloc if no memory can be had.
  static void* Allocate(std::size_t bytes);
  // `bytes` as given to Allocate.
  static void Free(void* block, std::size_t bytes) noexcept;
};

// For std::allocate_shared: puts the control block and the object in one CellMemory
// block.
template <typename T>
class CellAllocator {
 public:
  using value_type = T;
  CellAllocator() = default;
  template <typename U>
  CellAllocator(const CellAllocator<U>&) {}  // NOLINT: rebinding is implicit

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= CellMemory::kGranule, "over-aligned actor cell");
    return static_cast<T*>(CellMemory::Allocate(n * sizeof(T)));
  }
  void deallocate(T* block, std::size_t n) noexcept { CellMemory::Free(block, n * sizeof(T)); }

  template <typename U>
  bool operator==(const CellAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const CellAllocator<U>&) const {
    return false;
  }
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_CELL_MEMORY_H_
