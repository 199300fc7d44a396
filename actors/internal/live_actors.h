// LiveActors: the actor system's set of running actors, which keeps each one alive
// (holds a reference to its cell) from spawn until it has stopped.
//
// Spawning and stopping an actor each touch it once, from any thread, so it must not
// be one lock for the whole system: the cells are spread over kShards intrusive lists
// by id, each under its own small lock, and a cell is its own list node (no
// allocation per actor). Count and Snapshot walk every shard; they are for shutdown,
// statistics and tests.
#ifndef TROUPE_ACTORS_INTERNAL_LIVE_ACTORS_H_
#define TROUPE_ACTORS_INTERNAL_LIVE_ACTORS_H_

#include <array>
#include <cstddef>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "troupe/scheduler/internal/spin_lock.h"

namespace troupe::actors_internal {

class ActorCellBase;

// What a cell carries to be in the set. Written only under its shard's lock.
struct LiveActorsNode {
  ActorCellBase* previous = nullptr;
  ActorCellBase* next = nullptr;
  std::shared_ptr<ActorCellBase> self;  // the set's reference to the cell
};

class LiveActors {
 public:
  static constexpr std::size_t kShards = 64;

  LiveActors() = default;
  LiveActors(const LiveActors&) = delete;
  LiveActors& operator=(const LiveActors&) = delete;

  // Any thread. Adds `cell` (not yet in the set).
  void Add(std::shared_ptr<ActorCellBase> cell);
  // Any thread. Removes `cell` and returns the set's reference to it, for the caller
  // to drop outside any lock (it may be the last one); null if it was not in the set.
  std::shared_ptr<ActorCellBase> Remove(ActorCellBase* cell);
  // Any thread. How many cells are in the set (a racy sum over the shards).
  std::size_t Count() const;
  // Any thread. References to every cell in the set now.
  std::vector<std::shared_ptr<ActorCellBase>> Snapshot() const;

 private:
  struct alignas(64) Shard {
    mutable scheduler_internal::SpinLock lock;
    ActorCellBase* head ABSL_GUARDED_BY(lock) = nullptr;
    std::size_t count ABSL_GUARDED_BY(lock) = 0;
  };
  Shard& ShardOf(const ActorCellBase* cell);

  std::array<Shard, kShards> shards_;
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_LIVE_ACTORS_H_
