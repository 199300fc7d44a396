#include "troupe/scheduler/internal/stack_pool.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace troupe::scheduler_internal {

namespace {

std::string ReadProcFile(const char* path) {
  std::FILE* file = std::fopen(path, "r");
  if (file == nullptr) return "unknown";
  char text[64] = {};
  const bool read = std::fgets(text, sizeof text, file) != nullptr;
  std::fclose(file);
  if (!read) return "unknown";
  std::string value(text);
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

std::string AddressSpaceLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return absl::StrCat(limit.rlim_cur / 1024, " KiB");
}

}  // namespace

void* Stack::low() const { return static_cast<char*>(mapping) + PageSize(); }

std::size_t Stack::usable_size() const { return mapping_size - PageSize(); }

bool Stack::contains_guard(const void* address) const {
  auto* a = static_cast<const char*>(address);
  auto* guard = static_cast<const char*>(mapping);
  return a >= guard && a < guard + PageSize();
}

StackPool::StackPool(std::size_t usable_size)
    : usable_size_(usable_size),
      stack_bytes_(usable_size + PageSize()),
      stacks_per_reservation_(std::max<std::size_t>(1, kReservationBytes / stack_bytes_)) {}

StackPool::~StackPool() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (void* reservation : reservations_list_) {
    UnmapPages(reservation, stacks_per_reservation_ * stack_bytes_);
  }
}

absl::Status StackPool::Allocate(StackCache* cache, Stack* stack) {
  if (!free_.Take(cache != nullptr ? &cache->free : nullptr, stack)) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (absl::Status carved = CarveLocked(stack); !carved.ok()) return carved;
  }
  if (cache != nullptr) {
    cache->allocated.Add();
  } else {
    uncached_in_use_.fetch_add(1, std::memory_order_relaxed);  // statistic
  }
  return absl::OkStatus();
}

void StackPool::Release(StackCache* cache, Stack stack) {
  if (cache != nullptr) {
    cache->released.Add();
    free_.Put(&cache->free, stack);
  } else {
    uncached_in_use_.fetch_sub(1, std::memory_order_relaxed);  // statistic
    free_.Put(nullptr, stack);
  }
}

absl::Status StackPool::CarveLocked(Stack* stack) {
  if (uncarved_ == 0) {
    if (absl::Status reserved = ReserveLocked(); !reserved.ok()) return reserved;
  }
  *stack = Stack{next_uncarved_, stack_bytes_};
  next_uncarved_ += stack_bytes_;
  --uncarved_;
  stacks_carved_.fetch_add(1, std::memory_order_relaxed);  // statistic
  return absl::OkStatus();
}

absl::Status StackPool::ReserveLocked() {
  const std::size_t count = stacks_per_reservation_;
  char* reservation = static_cast<char*>(ReservePages(count * stack_bytes_));
  std::vector<void*> guards(count);
  std::vector<void*> tops(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (reservation == nullptr) break;
    guards[i] = reservation + i * stack_bytes_;
    tops[i] = reservation + (i + 1) * stack_bytes_ - PageSize();
  }
  if (reservation == nullptr || !InstallGuardPages(guards.data(), count)) {
    const int error = errno;
    if (reservation != nullptr) UnmapPages(reservation, count * stack_bytes_);
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot map fiber stacks (", std::strerror(error), ") after ", stacks_mapped(),
        " stacks of ", usable_size_ / 1024, " KiB: the address-space limit (ulimit -v) is ",
        AddressSpaceLimit(), " and vm.max_map_count is ",
        ReadProcFile("/proc/sys/vm/max_map_count"),
        GuardPagesShareMappings() ? "" : " (this kernel gives each guard page a mapping "
                                          "of its own: two mappings per stack)",
        "; raise them, lower RuntimeOptions::stack_size, or keep fewer fibers parked at "
        "once"));
  }
  PopulateRanges(tops.data(), count, PageSize());
  reservations_list_.push_back(reservation);
  reservations_.fetch_add(1, std::memory_order_relaxed);  // statistic
  next_uncarved_ = reservation;
  uncarved_ = count;
  return absl::OkStatus();
}

}  // namespace troupe::scheduler_internal
