#include "troupe/actors/internal/live_actors.h"

#include <utility>

#include "troupe/actors/internal/actor_cell_base.h"

namespace troupe::actors_internal {

using scheduler_internal::SpinLockHolder;

LiveActors::Shard& LiveActors::ShardOf(const ActorCellBase* cell) {
  return shards_[cell->id() % kShards];
}

void LiveActors::Add(std::shared_ptr<ActorCellBase> cell) {
  ActorCellBase* raw = cell.get();
  Shard& shard = ShardOf(raw);
  SpinLockHolder holder(shard.lock);
  LiveActorsNode& node = raw->live_node();
  node.self = std::move(cell);
  node.previous = nullptr;
  node.next = shard.head;
  if (shard.head != nullptr) shard.head->live_node().previous = raw;
  shard.head = raw;
  ++shard.count;
}

std::shared_ptr<ActorCellBase> LiveActors::Remove(ActorCellBase* cell) {
  Shard& shard = ShardOf(cell);
  SpinLockHolder holder(shard.lock);
  LiveActorsNode& node = cell->live_node();
  if (node.self == nullptr) return nullptr;
  if (node.previous != nullptr) {
    node.previous->live_node().next = node.next;
  } else {
    shard.head = node.next;
  }
  if (node.next != nullptr) node.next->live_node().previous = node.previous;
  node.previous = nullptr;
  node.next = nullptr;
  --shard.count;
  return std::move(node.self);
}

std::size_t LiveActors::Count() const {
  std::size_t count = 0;
  for (const Shard& shard : shards_) {
    SpinLockHolder holder(shard.lock);
    count += shard.count;
  }
  return count;
}

std::vector<std::shared_ptr<ActorCellBase>> LiveActors::Snapshot() const {
  std::vector<std::shared_ptr<ActorCellBase>> cells;
  for (const Shard& shard : shards_) {
    SpinLockHolder holder(shard.lock);
    for (ActorCellBase* cell = shard.head; cell != nullptr; cell = cell->live_node().next) {
      cells.push_back(cell->live_node().self);
    }
  }
  return cells;
}

}  // namespace troupe::actors_internal
