// PendingAsks: the asks a node has sent and not yet had answered, by ask id.
//
// An asking fiber adds its one-slot channel and parks on it; the reply inbox's
// handler, on the NATS client's delivery thread, takes the entry out and
// TrySends the answer (which wakes the fiber through the scheduler; it never
// blocks the delivery thread: the slot has room for exactly that one answer). An
// ask whose context ended first removes its own entry, and a reply that finds no
// entry is counted as orphaned. An ask to a pool has no target node until a
// worker says it took it (SetTargetNode); node death fails it from then on.
#ifndef TROUPE_REMOTE_INTERNAL_PENDING_ASKS_H_
#define TROUPE_REMOTE_INTERNAL_PENDING_ASKS_H_

#include <cstdint>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "troupe/scheduler/channel.h"

namespace troupe::remote_internal {

// A reply frame's payload (the codec's bytes), or why there is none.
using AskAnswer = absl::StatusOr<std::string>;
using AskSlot = Channel<AskAnswer>;

class PendingAsks {
 public:
  // Any thread. Records `slot` (capacity 1) for an ask to `target` (what is asked,
  // for messages: `actor "counter"`) hosted by node `target_node` (0: unknown);
  // returns the ask's id.
  uint64_t Add(AskSlot slot, std::string target, uint64_t target_node);
  // Any thread. Forgets the ask (its asker gave up); nothing if already answered.
  void Remove(uint64_t id);
  // Any thread. Answers the ask and forgets it; false if no such ask is pending.
  // `answer` is built from the target's description (for messages).
  template <typename MakeAnswer>
  bool Answer(uint64_t id, MakeAnswer make_answer) {
    Entry entry;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return false;
      entry = std::move(it->second);
      pending_.erase(it);
    }
    (void)entry.slot.TrySend(make_answer(entry.target));  // room for this one answer
    return true;
  }
  // Any thread. The ask is now hosted by node `target_node` (a pool worker's node
  // took it: FailNode fails it from now on); false if no such ask is pending.
  bool SetTargetNode(uint64_t id, uint64_t target_node);
  // Any thread. Fails every ask to node `target_node` with `status`; returns how many.
  int FailNode(uint64_t target_node, const absl::Status& status);
  std::size_t size() const;

 private:
  struct Entry {
    AskSlot slot;
    std::string target;
    uint64_t target_node = 0;
  };
  mutable std::mutex mutex_;
  uint64_t next_id_ = 1;                               // guarded by mutex_
  absl::flat_hash_map<uint64_t, Entry> pending_;       // guarded by mutex_
};

}  // namespace troupe::remote_internal

#endif  // TROUPE_REMOTE_INTERNAL_PENDING_ASKS_H_
