// PageMemory: the few ways troupe asks the kernel for memory, chosen for what first
// touches cost on virtual machines.
//
// On the VMs troupe is measured on, a page fault on a fresh page costs 13–30 µs,
// while asking the kernel to populate the same page (MADV_POPULATE_WRITE) costs about
// 1.5 µs, and one 2 MiB transparent huge page about 0.65 µs per 4 KiB (BENCHMARKS.md,
// "First touch"). So the pools that grow with the number of fibers and actors (fiber
// records, actor cells, the tops of fiber stacks) are populated by the kernel in
// batches instead of faulting one page at a time.
//
// Guard pages: Linux 6.13 added guard regions (MADV_GUARD_INSTALL), which make pages
// inaccessible without splitting the mapping. With them a reservation of many fiber
// stacks is one kernel mapping whatever the number of stacks; with mprotect (older
// kernels) every guard page costs two (vm.max_map_count).
//
// Every function is safe to call from any thread and reports failure instead of
// aborting.
#ifndef TROUPE_SCHEDULER_INTERNAL_PAGE_MEMORY_H_
#define TROUPE_SCHEDULER_INTERNAL_PAGE_MEMORY_H_

#include <cstddef>

namespace troupe::scheduler_internal {

std::size_t PageSize();

// Reserves `bytes` (a multiple of the page size) of private, zeroed, not yet
// populated memory; null if the kernel refuses (errno says why).
void* ReservePages(std::size_t bytes);
// Reserves and populates `bytes`; large regions are backed by transparent huge pages
// where the kernel offers them. Null if refused.
void* MapPopulated(std::size_t bytes);
void UnmapPages(void* address, std::size_t bytes);

// Populates (writable) the `count` page-aligned ranges [starts[i], starts[i] + bytes),
// in one system call where the kernel allows (process_madvise), else one per range.
// Best effort: a range left unpopulated is faulted in on first touch as usual.
void PopulateRanges(void* const* starts, std::size_t count, std::size_t bytes);

// Makes the `count` pages at starts[i] inaccessible (a touch raises SIGSEGV): guard
// regions where the kernel has them, else mprotect. False if the kernel refused
// (errno says why; with mprotect, usually vm.max_map_count).
bool InstallGuardPages(void* const* starts, std::size_t count);
// True if InstallGuardPages does not split mappings (guard regions are available).
bool GuardPagesShareMappings();

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_PAGE_MEMORY_H_
