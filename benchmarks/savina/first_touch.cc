#include "troupe/benchmarks/savina/first_touch.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "troupe/benchmarks/savina/scale_harness.h"

namespace troupe::savina {
namespace {

constexpr int kAdvicePopulateWrite = 23;  // MADV_POPULATE_WRITE (Linux 5.14), not in every libc
constexpr std::size_t kHugePage = std::size_t{2} << 20;

using Clock = std::chrono::steady_clock;

std::size_t PageSize() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// `bytes` of fresh private memory aligned to `alignment` (a power of two, at least a
// page); exits on failure. Not unmapped: the probe's process ends after it.
char* MapFresh(std::size_t bytes, std::size_t alignment) {
  void* raw = mmap(nullptr, bytes + alignment, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) {
    std::fprintf(stderr, "scale: mmap of %zu bytes: %s\n", bytes, std::strerror(errno));
    std::exit(1);
  }
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  return reinterpret_cast<char*>((start + alignment - 1) & ~(alignment - 1));
}

// Writes one byte to each page of [first, first + bytes); returns how long it took.
Clock::duration TouchEachPage(char* first, std::size_t bytes) {
  volatile char* const region = first;
  const std::size_t page = PageSize();
  const auto start = Clock::now();
  for (std::size_t offset = 0; offset < bytes; offset += page) region[offset] = 1;
  return Clock::now() - start;
}

// The process's anonymous memory backed by transparent huge pages
// (/proc/self/smaps_rollup); 0 if unknown.
int64_t AnonHugeBytes() {
  std::FILE* rollup = std::fopen("/proc/self/smaps_rollup", "r");
  if (rollup == nullptr) return 0;
  char line[256];
  long long kib = 0;
  while (std::fgets(line, sizeof line, rollup) != nullptr) {
    if (std::sscanf(line, "AnonHugePages: %lld kB", &kib) == 1) break;
  }
  std::fclose(rollup);
  return static_cast<int64_t>(kib) * 1024;
}

void Report(const char* name, int64_t pages, Clock::duration elapsed) {
  ReportScale(name, pages, elapsed, pages * static_cast<int64_t>(PageSize()));
}

}  // namespace

void MeasureFirstTouch(int64_t pages) {
  const std::size_t page = PageSize();
  const std::size_t bytes = static_cast<std::size_t>(pages) * page;

  char* faulted = MapFresh(bytes, page);
  Report("FirstTouch", pages, TouchEachPage(faulted, bytes));
  Report("SecondTouch", pages, TouchEachPage(faulted, bytes));

  char* populated = MapFresh(bytes, page);
  const auto start = Clock::now();
  const int advised = madvise(populated, bytes, kAdvicePopulateWrite);
  const auto populating = Clock::now() - start;
  if (advised == 0) {
    Report("PopulateWrite", pages, populating);
    Report("TouchAfterPopulate", pages, TouchEachPage(populated, bytes));
  } else {
    std::printf("name=PopulateWrite items=%lld status=unsupported reason=\"%s\"\n",
                static_cast<long long>(pages), std::strerror(errno));
  }

  const std::size_t huge_bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  char* huge = MapFresh(huge_bytes, kHugePage);
  madvise(huge, huge_bytes, MADV_HUGEPAGE);  // a hint: where THP is off, 4 KiB faults
  const int64_t huge_before = AnonHugeBytes();
  Report("HugePageTouch", static_cast<int64_t>(huge_bytes / page),
         TouchEachPage(huge, huge_bytes));
  // Whether the kernel did back them with huge pages (else the step timed 4 KiB faults).
  const int64_t huge_pages = (AnonHugeBytes() - huge_before) / static_cast<int64_t>(kHugePage);
  std::printf("name=HugePageBacking items=%lld huge_pages=%lld\n",
              static_cast<long long>(huge_bytes / kHugePage), static_cast<long long>(huge_pages));
}

}  // namespace troupe::savina
