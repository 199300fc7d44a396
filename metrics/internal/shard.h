// Shards for hot-path metric updates: each thread adds into one of kShards
// cache-line-sized cells, chosen once per thread, so threads on different cores do
// not bounce one line between them; a scrape sums the cells.
//
// A thread's shard is fixed for its life (fibers that migrate simply add into
// whichever thread runs them). Several threads may share a shard (more threads than
// kShards): the cells are atomics, so sharing costs contention, never correctness.
#ifndef TROUPE_METRICS_INTERNAL_SHARD_H_
#define TROUPE_METRICS_INTERNAL_SHARD_H_

#include <cstddef>

namespace troupe::metrics_internal {

// Enough for the cores troupe runs on; each costs a cache line per counter.
inline constexpr std::size_t kShards = 8;
inline constexpr std::size_t kCacheLine = 64;

// This thread's shard, in [0, kShards). Any thread.
std::size_t ThisThreadShard();

}  // namespace troupe::metrics_internal

#endif  // TROUPE_METRICS_INTERNAL_SHARD_H_
