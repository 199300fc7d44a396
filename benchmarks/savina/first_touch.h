// The first-touch probe of the scale benchmark (scale --kind=first_touch): what
// fresh memory costs on this machine, which bounds how fast anything that needs
// fresh memory (a million actors, fibers or goroutines) can be created, whatever the
// runtime.
//
// On a VM whose hypervisor uses shadow paging, the first access to a page traps to
// the hypervisor even when the guest's page table already maps it: asking the guest
// kernel to populate the pages (MADV_POPULATE_WRITE) or to back them with a 2 MiB
// transparent huge page moves the guest's part of the cost, not the hypervisor's.
// The probe separates the two.
//
// Result lines (scale_harness.h's format; items are 4 KiB pages, each line timing
// one step over the same number of pages):
//   FirstTouch          write one byte to each fresh page (a guest page fault each)
//   SecondTouch         write them again (the control: no fault at all)
//   PopulateWrite       madvise(MADV_POPULATE_WRITE) over fresh pages
//   TouchAfterPopulate  then write one byte to each of those pages
//   HugePageTouch       write one byte to each 4 KiB of fresh 2 MiB-aligned memory
//                       advised MADV_HUGEPAGE (one fault per 2 MiB where THP is on)
//   HugePageBacking     items: the 2 MiB pages of that step; huge_pages: how many of
//                       them the kernel backed with a huge page (AnonHugePages)
// A step the kernel refuses (no MADV_POPULATE_WRITE before Linux 5.14) prints a line
// with status=unsupported instead.
#ifndef TROUPE_BENCHMARKS_SAVINA_FIRST_TOUCH_H_
#define TROUPE_BENCHMARKS_SAVINA_FIRST_TOUCH_H_

#include <cstdint>

namespace troupe::savina {

// Plain thread. Runs every step over `pages` pages (rounded up to whole 2 MiB for
// HugePageTouch) and prints its line. Exits with status 1 if memory cannot be mapped.
void MeasureFirstTouch(int64_t pages);

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_FIRST_TOUCH_H_
