// Pool<T>: a cache of reusable objects, like Go's sync.Pool, sharded per processor
// so that fibers on different processors do not contend.
//
//   troupe::Pool<std::string> buffers([] { return std::make_unique<std::string>(); });
//   std::unique_ptr<std::string> buffer = buffers.Get();   // reused or new
//   buffer->clear();                                       // the caller resets it
//   buffers.Put(std::move(buffer));
//
// Get and Put never park and may be called from any fiber or thread. An object put
// on one processor is taken back first on the same one (its memory is likely still in
// that core's cache). A shard that fills up moves half of its objects to a shared
// overflow list, and an empty shard refills from there before making new objects, so
// objects made on one processor and returned on another (a producer and a consumer)
// circulate without new allocations. The overflow list holds at most
// 16 x `capacity_per_shard` objects; beyond that, Put destroys the object, so the pool
// never grows without bound.
#ifndef TROUPE_SCHEDULER_POOL_H_
#define TROUPE_SCHEDULER_POOL_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "troupe/scheduler/internal/spin_lock.h"

namespace troupe {

namespace scheduler_internal {
// The calling fiber's processor index, or -1 on a plain thread.
int CurrentProcessorIndex();
}  // namespace scheduler_internal

template <typename T>
class Pool {
 public:
  using Factory = absl::AnyInvocable<std::unique_ptr<T>()>;

  explicit Pool(Factory make, std::size_t capacity_per_shard = 64)
      : make_(std::move(make)), capacity_per_shard_(capacity_per_shard) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A cached object (in whatever state it was Put), or a new one from the factory.
  std::unique_ptr<T> Get() {
    const int processor = scheduler_internal::CurrentProcessorIndex();
    if (processor >= 0 && processor < static_cast<int>(kProcessorShards)) {
      return GetFrom(shards_[processor]);  // only the M holding this P touches it
    }
    Shard& shard = ThreadShard(processor);
    scheduler_internal::SpinLockHolder holder(shard.lock);
    return GetFrom(shard);
  }

  void Put(std::unique_ptr<T> item) {
    if (item == nullptr) return;
    const int processor = scheduler_internal::CurrentProcessorIndex();
    if (processor >= 0 && processor < static_cast<int>(kProcessorShards)) {
      PutInto(shards_[processor], std::move(item));
      return;
    }
    Shard& shard = ThreadShard(processor);
    scheduler_internal::SpinLockHolder holder(shard.lock);
    PutInto(shard, std::move(item));
  }

 private:
  // Shards [0, kProcessorShards) belong to processors of that index: only the thread
  // holding the processor uses one, so it takes no lock (a processor changes threads
  // only through the scheduler's own synchronisation). Plain threads, and
  // processors beyond that range, share the locked shards after them.
  static constexpr std::size_t kProcessorShards = 64;
  static constexpr std::size_t kThreadShards = 64;
  static constexpr std::size_t kOverflowShards = 16;

  struct alignas(64) Shard {
    scheduler_internal::SpinLock lock;  // thread shards only
    std::vector<std::unique_ptr<T>> items;
  };

  std::unique_ptr<T> GetFrom(Shard& shard) {
    if (shard.items.empty()) Refill(shard);
    if (shard.items.empty()) return make_();
    std::unique_ptr<T> item = std::move(shard.items.back());
    shard.items.pop_back();
    return item;
  }
  void PutInto(Shard& shard, std::unique_ptr<T> item) {
    if (shard.items.size() >= capacity_per_shard_) Spill(shard);
    if (shard.items.size() < capacity_per_shard_) shard.items.push_back(std::move(item));
    // else: `item` is destroyed on return
  }

  // The shard is ours (its lock held, for a thread shard); lock order: shard, then
  // overflow.
  void Refill(Shard& shard) {
    scheduler_internal::SpinLockHolder holder(overflow_lock_);
    const std::size_t take = std::min(overflow_.size(), std::max<std::size_t>(capacity_per_shard_ / 2, 1));
    for (std::size_t i = 0; i < take; ++i) {
      shard.items.push_back(std::move(overflow_.back()));
      overflow_.pop_back();
    }
  }
  void Spill(Shard& shard) {
    scheduler_internal::SpinLockHolder holder(overflow_lock_);
    const std::size_t room = kOverflowShards * capacity_per_shard_ - std::min(overflow_.size(), kOverflowShards * capacity_per_shard_);
    const std::size_t move = std::min(room, shard.items.size() / 2 + 1);
    for (std::size_t i = 0; i < move && !shard.items.empty(); ++i) {
      overflow_.push_back(std::move(shard.items.back()));
      shard.items.pop_back();
    }
  }

  Shard& ThreadShard(int processor) {
    const std::size_t index =
        processor >= 0 ? static_cast<std::size_t>(processor)
                       : std::hash<std::thread::id>()(std::this_thread::get_id());
    return shards_[kProcessorShards + index % kThreadShards];
  }

  Factory make_;
  const std::size_t capacity_per_shard_;
  std::array<Shard, kProcessorShards + kThreadShards> shards_;
  scheduler_internal::SpinLock overflow_lock_;
  std::vector<std::unique_ptr<T>> overflow_;  // guarded by overflow_lock_
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_POOL_H_
