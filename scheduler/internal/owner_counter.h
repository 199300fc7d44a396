// OwnerCounter: a counter written by one thread and read by any. The writer adds
// without a read-modify-write instruction (no lock prefix, no contended line).
// relaxed: statistics impose no ordering; readers see a recent value.
#ifndef TROUPE_SCHEDULER_INTERNAL_OWNER_COUNTER_H_
#define TROUPE_SCHEDULER_INTERNAL_OWNER_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace troupe::scheduler_internal {

class OwnerCounter {
 public:
  // The owning thread only.
  void Add(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  // Any thread.
  uint64_t Read() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_OWNER_COUNTER_H_
