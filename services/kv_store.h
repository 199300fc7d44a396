// KvStore: a key-value store held by actors, sharded by key. Each shard is an actor
// that owns its map; requests are asks carrying the caller's context, so a client's
// deadline bounds the wait.
//
// The store has a size limit shared by its shards (KvQuota): an entry costs its key,
// its value and kEntryOverhead bytes (the map's own share, so that a flood of empty
// values is bounded too). A Put that would go over it is refused (kNoRoom) and
// counted by the caller; replacing a value needs room only for the growth.
#ifndef TROUPE_SERVICES_KV_STORE_H_
#define TROUPE_SERVICES_KV_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/scheduler/context.h"

namespace troupe::services {

struct KvGet {
  std::string key;
  Reply<std::optional<std::string>> reply;
};
enum class KvPutResult { kCreated, kReplaced, kNoRoom };
struct KvPut {
  std::string key;
  std::string value;
  Reply<KvPutResult> reply;
};
struct KvDelete {
  std::string key;
  Reply<bool> reply;  // true if the key existed
};
using KvMessage = std::variant<KvGet, KvPut, KvDelete>;

// The size limit of one store, shared by its shards (which run concurrently).
// Memory ordering: a counter, every operation relaxed; the CAS in TryGrow keeps it
// from ever passing the limit, and no other memory is published through it.
class KvQuota {
 public:
  static constexpr std::size_t kEntryOverhead = 64;
  explicit KvQuota(std::size_t limit_bytes) : limit_(limit_bytes) {}
  static std::size_t Cost(const std::string& key, const std::string& value) {
    return key.size() + value.size() + kEntryOverhead;
  }
  bool TryGrow(std::size_t bytes);
  void Shrink(std::size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

class KvShard : public Actor<KvMessage> {
 public:
  explicit KvShard(KvQuota* quota) : quota_(quota) {}
  void Receive(KvMessage& message) override;

 private:
  KvQuota* const quota_;
  absl::flat_hash_map<std::string, std::string> entries_;
};

class KvStore {
 public:
  // Spawns `shards` (>= 1) shard actors named and registered (in `system`'s registry,
  // which must not hold these names yet) "kv-0", "kv-1", ..., holding at most
  // `max_bytes` (entries counted as KvQuota::Cost).
  KvStore(ActorSystem& system, int shards, std::size_t max_bytes);

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key, const Context& context);
  absl::StatusOr<KvPutResult> Put(const std::string& key, std::string value,
                                  const Context& context);
  absl::StatusOr<bool> Delete(const std::string& key, const Context& context);

  const std::vector<ActorRef<KvMessage>>& shards() const { return shards_; }
  const KvQuota& quota() const { return quota_; }

 private:
  const ActorRef<KvMessage>& ShardFor(const std::string& key) const;
  KvQuota quota_;
  std::vector<ActorRef<KvMessage>> shards_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_KV_STORE_H_
