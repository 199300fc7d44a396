// ContentionTable: the counts behind the block and mutex profiles. For each distinct
// (stack, wait reason, labels) it holds how many events there were and how long
// they delayed fibers in total, both already scaled for sampling, as Go's
// runtime keeps its block and mutex buckets.
//
// Filled by fibers and threads as sampled events happen, read by whoever takes a
// profile. Events are sampled, so the table is touched rarely; a std::mutex guards
// it, held only for a hash-map update or a copy, never across a wait (which is what
// lets the wait protocol's hooks call Add: they must not wait on troupe
// primitives). Bounded: past kMaxEntries distinct keys, events with a new key are
// dropped and counted.
#ifndef TROUPE_PROFILING_INTERNAL_CONTENTION_TABLE_H_
#define TROUPE_PROFILING_INTERNAL_CONTENTION_TABLE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/profiling/profile.h"
#include "troupe/scheduler/context.h"

namespace troupe::profiling_internal {

struct ContentionKey {
  std::vector<uint64_t> stack;   // innermost first
  const char* reason = nullptr;  // static text (a wait reason), or null
  const void* labels = nullptr;  // an interned profiling::LabelSet, or null

  bool operator==(const ContentionKey& other) const {
    return stack == other.stack && reason == other.reason && labels == other.labels;
  }
  template <typename H>
  friend H AbslHashValue(H state, const ContentionKey& key) {
    return H::combine(std::move(state), key.stack, key.reason, key.labels);
  }
};

struct ContentionTotals {
  double count = 0;     // events, scaled
  double delay_ns = 0;  // their delay, scaled
};

using ContentionCounts = absl::flat_hash_map<ContentionKey, ContentionTotals>;

class ContentionTable {
 public:
  static constexpr std::size_t kMaxEntries = 16'384;

  // Any fiber or thread; blocks the thread for a hash-map update at most.
  void Add(ContentionKey key, double count, double delay_ns);
  // Any fiber or thread. A copy of the counts so far.
  ContentionCounts Counts() const;
  // Events dropped because the table was full.
  uint64_t Dropped() const;

 private:
  mutable std::mutex mutex_;
  ContentionCounts counts_;  // guarded by mutex_
  uint64_t dropped_ = 0;     // guarded by mutex_
};

// The key of an event seen by the calling fiber or thread, with the callers of the
// function whose frame address is `frame` (wait_profiling.h's hooks get one) as its
// stack. Not for signal handlers.
ContentionKey CaptureKey(const void* frame, const char* reason, const void* labels);

// Any thread: a uniform draw from [0, bound) (bound > 0), from a per-thread
// generator; for sampling decisions, not for anything that needs good randomness.
uint64_t RandomBelow(uint64_t bound);

// The profile of `counts`, less `before` (null: nothing) for a profile over an
// interval; keys whose count did not grow are left out. Sample types
// {"contentions", "count"} and {"delay", "nanoseconds"}, as Go's block and mutex
// profiles; labels "wait_reason" (when the key has one) and the key's LabelSet.
// The comments are `description` and, if `table` dropped events, how many.
profiling::Profile ContentionProfile(const ContentionTable& table,
                                     const ContentionCounts& counts,
                                     const ContentionCounts* before, std::string description);

// What `table` recorded since `start`, when its counts were `before`: the
// profile of an interval, its time and duration set.
profiling::Profile ContentionProfileSince(const ContentionTable& table,
                                          const ContentionCounts& before, absl::Time start,
                                          std::string description);

// Fiber context or plain thread: the profile of what `table` records over
// `duration` (parks the calling fiber meanwhile); `context`'s error if it is done
// first.
absl::StatusOr<profiling::Profile> ContentionProfileFor(const ContentionTable& table,
                                                        absl::Duration duration,
                                                        const Context& context,
                                                        std::string description);

}  // namespace troupe::profiling_internal

#endif  // TROUPE_PROFILING_INTERNAL_CONTENTION_TABLE_H_
