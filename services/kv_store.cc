#include "troupe/services/kv_store.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace troupe::services {

void KvShard::Receive(KvMessage& message) {
  std::visit(Overloaded{[&](KvGet& get) {
                          auto it = entries_.find(get.key);
                          get.reply.Send(it == entries_.end()
                                             ? std::optional<std::string>()
                                             : std::optional<std::string>(it->second));
                        },
                        [&](KvPut& put) {
                          const bool inserted = entries_.insert_or_assign(
                              std::move(put.key), std::move(put.value)).second;
                          put.reply.Send(inserted);
                        },
                        [&](KvDelete& del) { del.reply.Send(entries_.erase(del.key) > 0); }},
             message);
}

KvStore::KvStore(ActorSystem& system, int shards) {
  for (int i = 0; i < std::max(shards, 1); ++i) {
    shards_.push_back(system.Spawn<KvShard>({.name = absl::StrCat("kv-", i)}));
  }
}

const ActorRef<KvMessage>& KvStore::ShardFor(const std::string& key) const {
  return shards_[absl::Hash<std::string>()(key) % shards_.size()];
}

absl::StatusOr<std::optional<std::string>> KvStore::Get(const std::string& key,
                                                        const Context& context) {
  return Ask<std::optional<std::string>>(
      ShardFor(key),
      [&key](Reply<std::optional<std::string>> reply) { return KvGet{key, std::move(reply)}; },
      context);
}

absl::StatusOr<bool> KvStore::Put(const std::string& key, std::string value,
                                  const Context& context) {
  return Ask<bool>(
      ShardFor(key),
      [&key, &value](Reply<bool> reply) { return KvPut{key, std::move(value), std::move(reply)}; },
      context);
}

absl::StatusOr<bool> KvStore::Delete(const std::string& key, const Context& context) {
  return Ask<bool>(ShardFor(key),
                   [&key](Reply<bool> reply) { return KvDelete{key, std::move(reply)}; }, context);
}

}  // namespace troupe::services
