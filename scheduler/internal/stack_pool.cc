#include "troupe/scheduler/internal/stack_pool.h"
#include "troupe/scheduler/internal/fatal.h"

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
    Fatal("StackPool::MapNew",
          "cannot map fiber stack #%zu (%s). Each fiber stack needs two memory "
          "mappings; raise vm.max_map_count (sysctl) or keep fewer fibers alive at once",
          stacks_mapped() + 1, std::strerror(error));
  }
  stacks_mapped_.fetch_add(1, std::memory_order_relaxed);  // statistic only
  Stack stack{mapping, size};
  std::lock_guard<std::mutex> lock(mutex_);
  all_.push_back(stack);
  return stack;
}

Stack StackPool::Allocate(StackCache* cache) {
  Stack stack;
  if (free_.Take(cache, &stack)) return stack;
  return MapNew();
}

}  // namespace troupe::scheduler_internal
