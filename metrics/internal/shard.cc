#include "troupe/metrics/internal/shard.h"

#include <atomic>

namespace troupe::metrics_internal {

std::size_t ThisThreadShard() {
  // relaxed: only the counter's uniqueness matters, it orders nothing.
  static std::atomic<std::size_t> next_thread{0};
  thread_local const std::size_t shard =
      next_thread.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

}  // namespace troupe::metrics_internal
