#include "troupe/services/kv_store.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "troupe/scheduler/internal/fatal.h"

namespace troupe::services {

bool KvQuota::TryGrow(std::size_t bytes) {
  std::size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ - std::min(used, limit_)) return false;
    // relaxed: a counter (see the header).
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void KvShard::Receive(KvMessage& message) {
  std::visit(Overloaded{[&](KvGet& get) {
                          auto it = entries_.find(get.key);
                          get.reply.Send(it == entries_.end()
                                             ? std::optional<std::string>()
                                             : std::optional<std::string>(it->second));
                        },
                        [&](KvPut& put) {
                          auto it = entries_.find(put.key);
                          const std::size_t cost = KvQuota::Cost(put.key, put.value);
                          const std::size_t old_cost =
                              it == entries_.end() ? 0 : KvQuota::Cost(it->first, it->second);
                          if (cost > old_cost && !quota_->TryGrow(cost - old_cost)) {
                            put.reply.Send(KvPutResult::kNoRoom);
                            return;
                          }
                          if (cost < old_cost) quota_->Shrink(old_cost - cost);
                          if (it != entries_.end()) {
                            it->second = std::move(put.value);
                            put.reply.Send(KvPutResult::kReplaced);
                            return;
                          }
                          entries_.emplace(std::move(put.key), std::move(put.value));
                          put.reply.Send(KvPutResult::kCreated);
                        },
                        [&](KvDelete& del) {
                          auto it = entries_.find(del.key);
                          if (it == entries_.end()) {
                            del.reply.Send(false);
                            return;
                          }
                          quota_->Shrink(KvQuota::Cost(it->first, it->second));
                          entries_.erase(it);
                          del.reply.Send(true);
                        }},
             message);
}

KvStore::KvStore(ActorSystem& system, int shards, std::size_t max_bytes) : quota_(max_bytes) {
  for (int i = 0; i < std::max(shards, 1); ++i) {
    const std::string name = absl::StrCat("kv-", i);
    shards_.push_back(system.Spawn<KvShard>({.name = name}, &quota_));
    // Registered, so that the system's metrics show each shard's mailbox.
    if (absl::Status registered = system.Register(name, shards_.back()); !registered.ok()) {
      scheduler_internal::Fatal("KvStore::KvStore", "%s",
                                std::string(registered.message()).c_str());
    }
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

absl::StatusOr<KvPutResult> KvStore::Put(const std::string& key, std::string value,
                                         const Context& context) {
  return Ask<KvPutResult>(
      ShardFor(key),
      [&key, &value](Reply<KvPutResult> reply) {
        return KvPut{key, std::move(value), std::move(reply)};
      },
      context);
}

absl::StatusOr<bool> KvStore::Delete(const std::string& key, const Context& context) {
  return Ask<bool>(ShardFor(key),
                   [&key](Reply<bool> reply) { return KvDelete{key, std::move(reply)}; }, context);
}

}  // namespace troupe::services
