// Counter: a monotonically increasing count (Prometheus "counter"), cheap to add to
// from any thread or fiber under contention.
//
//   absl::StatusOr<troupe::metrics::Counter*> sent =
//       registry.AddCounter("app_messages_sent_total", "Messages sent.");
//   (*sent)->Add();
//
// Each thread adds into its own shard (internal/shard.h); Value() sums the shards.
//
// Memory ordering: every update and read is relaxed. A counter is a statistic: it
// orders nothing, and a scrape may miss adds that are in flight on other threads
// (they show in the next one). The shards' sum never decreases between two reads on
// one thread, since each shard only grows and is read with coherent loads.
#ifndef TROUPE_METRICS_COUNTER_H_
#define TROUPE_METRICS_COUNTER_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "troupe/metrics/internal/shard.h"

namespace troupe::metrics {

class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Any thread; never blocks.
  void Add(uint64_t n = 1) {
    // relaxed: a statistic (see the top of this file).
    shards_[metrics_internal::ThisThreadShard()].value.fetch_add(n, std::memory_order_relaxed);
  }
  // Any thread: the sum of the shards (adds in flight may be missing).
  uint64_t Value() const {
    uint64_t sum = 0;
    for (const Shard& shard : shards_) {
      sum += shard.value.load(std::memory_order_relaxed);  // relaxed: a statistic
    }
    return sum;
  }

 private:
  struct alignas(metrics_internal::kCacheLine) Shard {
    std::atomic<uint64_t> value{0};
  };
  std::array<Shard, metrics_internal::kShards> shards_;
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_COUNTER_H_
