#include "troupe/actors/internal/cell_memory.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/page_memory.h"

namespace troupe::actors_internal {

namespace {

constexpr std::size_t kFirstSlabBytes = 64 * 1024;
constexpr std::size_t kMaxSlabBytes = std::size_t{2} << 20;

// One size class's shared part.
class Depot {
 public:
  // Moves up to CellMemory::kRefill free blocks of `block_bytes` into `local`; false
  // if the kernel refused memory for a new slab.
  bool Refill(std::size_t block_bytes, std::vector<void*>& local) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t from_free = std::min(free_.size(), CellMemory::kRefill);
    local.insert(local.end(), free_.end() - from_free, free_.end());
    free_.resize(free_.size() - from_free);
    for (std::size_t i = from_free; i < CellMemory::kRefill; ++i) {
      if (uncarved_ < block_bytes && !NewSlabLocked(block_bytes)) return !local.empty();
      local.push_back(next_);
      next_ += block_bytes;
      uncarved_ -= block_bytes;
    }
    return true;
  }

  // Takes back what `local` holds beyond `keep` blocks.
  void TakeBack(std::vector<void*>& local, std::size_t keep) {
    if (local.size() <= keep) return;
    std::lock_guard<std::mutex> lock(mutex_);
    free_.insert(free_.end(), local.begin() + keep, local.end());
    local.resize(keep);
  }

 private:
  bool NewSlabLocked(std::size_t block_bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    const std::size_t bytes =
        std::max(next_slab_bytes_, (block_bytes + scheduler_internal::PageSize() - 1) /
                                       scheduler_internal::PageSize() *
                                       scheduler_internal::PageSize());
    void* slab = scheduler_internal::MapPopulated(bytes);
    if (slab == nullptr) return false;
    // The rest of the previous slab (less than a block) is left unused.
    next_ = static_cast<char*>(slab);
    uncarved_ = bytes;
    next_slab_bytes_ = std::min(kMaxSlabBytes, next_slab_bytes_ * 2);
    return true;
  }

  std::mutex mutex_;
  std::vector<void*> free_ ABSL_GUARDED_BY(mutex_);
  char* next_ ABSL_GUARDED_BY(mutex_) = nullptr;  // uncarved part of the newest slab
  std::size_t uncarved_ ABSL_GUARDED_BY(mutex_) = 0;
  std::size_t next_slab_bytes_ ABSL_GUARDED_BY(mutex_) = kFirstSlabBytes;
};

std::array<Depot, CellMemory::kClasses>& Depots() {
  static auto* depots = new std::array<Depot, CellMemory::kClasses>();  // never destroyed
  return *depots;
}

struct LocalBlocks {
  std::array<std::vector<void*>, CellMemory::kClasses> free;
  ~LocalBlocks() {  // a thread that exits gives its blocks back
    for (std::size_t c = 0; c < CellMemory::kClasses; ++c) Depots()[c].TakeBack(free[c], 0);
  }
};

// Out of line: a fiber may resume on another thread, and the compiler must not reuse
// a thread-local's address computed before a switch (Allocate and Free never switch,
// but their callers may).
ABSL_ATTRIBUTE_NOINLINE LocalBlocks& Local() {
  thread_local LocalBlocks local;
  return local;
}

std::size_t ClassOf(std::size_t bytes) {
  return (bytes + CellMemory::kGranule - 1) / CellMemory::kGranule - 1;
}

}  // namespace

void* CellMemory::Allocate(std::size_t bytes) {
  if (bytes > kMaxBytes) return ::operator new(bytes);
  const std::size_t c = ClassOf(bytes);
  std::vector<void*>& local = Local().free[c];
  if (local.empty() && !Depots()[c].Refill((c + 1) * kGranule, local)) {
    throw std::bad_alloc();
  }
  void* block = local.back();
  local.pop_back();
  return block;
}

void CellMemory::Free(void* block, std::size_t bytes) noexcept {
  if (bytes > kMaxBytes) {
    ::operator delete(block);
    return;
  }
  const std::size_t c = ClassOf(bytes);
  std::vector<void*>& local = Local().free[c];
  local.push_back(block);
  if (local.size() > kMaxLocal) Depots()[c].TakeBack(local, kMaxLocal / 2);
}

}  // namespace troupe::actors_internal
