// KvStore: a key-value store held by actors, sharded by key. Each shard is an actor
// that owns its map; requests are asks carrying the caller's context, so a client's
// deadline bounds the wait.
#ifndef TROUPE_SERVICES_KV_STORE_H_
#define TROUPE_SERVICES_KV_STORE_H_

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
struct KvPut {
  std::string key;
  std::string value;
  Reply<bool> reply;  // true if the key was new
};
struct KvDelete {
  std::string key;
  Reply<bool> reply;  // true if the key existed
};
using KvMessage = std::variant<KvGet, KvPut, KvDelete>;

class KvShard : public Actor<KvMessage> {
 public:
  void Receive(KvMessage& message) override;

 private:
  absl::flat_hash_map<std::string, std::string> entries_;
};

class KvStore {
 public:
  // Spawns `shards` (>= 1) shard actors named "kv-0", "kv-1", ...
  KvStore(ActorSystem& system, int shards);

  absl::StatusOr<std::optional<std::string>> Get(const std::string& key, const Context& context);
  absl::StatusOr<bool> Put(const std::string& key, std::string value, const Context& context);
  absl::StatusOr<bool> Delete(const std::string& key, const Context& context);

  const std::vector<ActorRef<KvMessage>>& shards() const { return shards_; }

 private:
  const ActorRef<KvMessage>& ShardFor(const std::string& key) const;
  std::vector<ActorRef<KvMessage>> shards_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_KV_STORE_H_
