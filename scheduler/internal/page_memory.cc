#include "troupe/scheduler/internal/page_memory.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace troupe::scheduler_internal {

namespace {

// Not yet in every libc's headers.
constexpr int kAdvicePopulateWrite = 23;  // MADV_POPULATE_WRITE, Linux 5.14
constexpr int kAdviceGuardInstall = 102;  // MADV_GUARD_INSTALL, Linux 6.13
constexpr std::size_t kHugePage = std::size_t{2} << 20;

// What the running kernel supports, learnt on first use: 0 unknown, 1 yes, 2 no.
// relaxed: each is a hint that any thread may compute again; a stale value only
// costs one failed system call.
std::atomic<int> populate_supported{0};
std::atomic<int> batched_advice_supported{0};
std::atomic<int> guard_regions_supported{0};

int SelfPidfd() {
  static const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  return pidfd;
}

// One madvise over several ranges of this process (process_madvise accepts any advice
// for the caller itself since Linux 6.13). False if unsupported.
bool AdviseBatch(void* const* starts, std::size_t count, std::size_t bytes, int advice) {
  if (batched_advice_supported.load(std::memory_order_relaxed) == 2) return false;
  const int pidfd = SelfPidfd();
  if (pidfd < 0) {
    batched_advice_supported.store(2, std::memory_order_relaxed);
    return false;
  }
  constexpr std::size_t kBatch = 512;  // within IOV_MAX
  iovec ranges[kBatch];
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kBatch, count - done);
    for (std::size_t i = 0; i < n; ++i) ranges[i] = iovec{starts[done + i], bytes};
    if (syscall(SYS_process_madvise, pidfd, ranges, n, advice, 0) < 0) {
      if (errno == EINVAL || errno == ENOSYS || errno == EPERM) {
        batched_advice_supported.store(2, std::memory_order_relaxed);
      }
      return false;
    }
    done += n;
  }
  batched_advice_supported.store(1, std::memory_order_relaxed);
  return true;
}

}  // namespace

std::size_t PageSize() {
  static const std::size_t page_size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page_size;
}

void* ReservePages(std::size_t bytes) {
  void* address = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return address == MAP_FAILED ? nullptr : address;
}

void* MapPopulated(std::size_t bytes) {
  void* address = nullptr;
  if (bytes >= kHugePage && bytes % kHugePage == 0) {
    // Over-reserve to align to a huge page, then trim both ends.
    char* raw = static_cast<char*>(ReservePages(bytes + kHugePage));
    if (raw == nullptr) return nullptr;
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    char* aligned = reinterpret_cast<char*>((start + kHugePage - 1) & ~(kHugePage - 1));
    if (aligned > raw) munmap(raw, aligned - raw);
    const std::size_t tail = (raw + bytes + kHugePage) - (aligned + bytes);
    if (tail > 0) munmap(aligned + bytes, tail);
    madvise(aligned, bytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
    address = aligned;
  } else {
    address = ReservePages(bytes);
    if (address == nullptr) return nullptr;
  }
  void* const start = address;
  PopulateRanges(&start, 1, bytes);
  return address;
}

void UnmapPages(void* address, std::size_t bytes) { munmap(address, bytes); }

void PopulateRanges(void* const* starts, std::size_t count, std::size_t bytes) {
  if (count == 0 || populate_supported.load(std::memory_order_relaxed) == 2) return;
  if (count > 1 && AdviseBatch(starts, count, bytes, kAdvicePopulateWrite)) {
    populate_supported.store(1, std::memory_order_relaxed);
    return;
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (madvise(starts[i], bytes, kAdvicePopulateWrite) != 0) {
      if (errno == EINVAL) populate_supported.store(2, std::memory_order_relaxed);
      return;  // best effort: the pages fault in on first touch instead
    }
  }
  populate_supported.store(1, std::memory_order_relaxed);
}

bool InstallGuardPages(void* const* starts, std::size_t count) {
  const std::size_t page = PageSize();
  if (guard_regions_supported.load(std::memory_order_relaxed) != 2) {
    bool installed = count > 1 && AdviseBatch(starts, count, page, kAdviceGuardInstall);
    if (!installed) {
      installed = true;
      for (std::size_t i = 0; i < count; ++i) {
        if (madvise(starts[i], page, kAdviceGuardInstall) != 0) {
          installed = false;
          break;
        }
      }
    }
    if (installed) {
      guard_regions_supported.store(1, std::memory_order_relaxed);
      return true;
    }
    if (errno != EINVAL) return false;  // supported, but refused
    guard_regions_supported.store(2, std::memory_order_relaxed);
  }
  // Before Linux 6.13: each guard page becomes a mapping of its own (and splits the
  // one around it). mprotect of a page already PROT_NONE is harmless, so a range the
  // first attempt above covered partially is simply done again.
  for (std::size_t i = 0; i < count; ++i) {
    if (mprotect(starts[i], page, PROT_NONE) != 0) return false;
  }
  return true;
}

bool GuardPagesShareMappings() {
  return guard_regions_supported.load(std::memory_order_relaxed) == 1;
}

}  // namespace troupe::scheduler_internal
