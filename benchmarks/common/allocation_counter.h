// Counts heap allocations in the whole process: linking this library replaces the
// global operator new with one that counts. For benchmarks that report allocations
// per message or per record.
#ifndef TROUPE_BENCHMARKS_ALLOCATION_COUNTER_H_
#define TROUPE_BENCHMARKS_ALLOCATION_COUNTER_H_

#include <cstdint>

namespace troupe::benchmarks {

// Allocations made through operator new so far (relaxed: a statistic).
uint64_t AllocationCount();

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_ALLOCATION_COUNTER_H_
