// ActorGroups<M>: named groups of actors, joined and left at will, with broadcast —
// Erlang's pg, Akka's receptionist.
//
//   troupe::ActorGroups<ChatEvent> rooms;
//   rooms.Join("lobby", session);           // a session actor enters the lobby
//   rooms.Broadcast("lobby", Said{"hi"});   // every member gets a copy
//   rooms.Leave("lobby", session);
//
// A member leaves every group by itself when it stops (the groups monitor it), so a
// broadcast never reaches a stopped actor's mailbox as a dead letter for long. An
// actor may be in many groups, and once per group (joining twice is one membership).
// Groups are typed by message: one ActorGroups<M> holds actors taking M. It must
// outlive nothing: monitors of members that are still running after it is destroyed
// find it gone and do nothing.
#ifndef TROUPE_ACTORS_ACTOR_GROUPS_H_
#define TROUPE_ACTORS_ACTOR_GROUPS_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "troupe/actors/actor.h"

namespace troupe {

template <typename M>
class ActorGroups {
 public:
  ActorGroups() : state_(std::make_shared<State>()) {}
  ActorGroups(const ActorGroups&) = delete;
  ActorGroups& operator=(const ActorGroups&) = delete;

  // Any fiber or thread. Adds `member` to `group` (no-op if it is in already).
  // FailedPrecondition if the actor has stopped.
  absl::Status Join(absl::string_view group, const ActorRef<M>& member) {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      std::vector<Member>& members = state_->groups[group];
      for (const Member& existing : members) {
        if (existing.ref.id() == member.id()) return absl::OkStatus();
      }
      members.push_back(Member{member, 0});
    }
    // Outside the lock: an actor that has stopped runs the monitor at once.
    std::weak_ptr<State> weak = state_;
    const uint64_t monitor = member.cell()->AddMonitor(
        [weak, group = std::string(group), id = member.id()](const ActorExit&) {
          if (std::shared_ptr<State> state = weak.lock()) state->Remove(group, id);
        });
    if (monitor == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("actor ", member.id(), " has stopped; it cannot join ", group));
    }
    std::lock_guard<std::mutex> lock(state_->mutex);
    for (Member& existing : state_->groups[group]) {
      if (existing.ref.id() == member.id()) existing.monitor = monitor;
    }
    return absl::OkStatus();
  }

  // Any fiber or thread. True if `member` was in `group`.
  bool Leave(absl::string_view group, const ActorRef<M>& member) {
    uint64_t monitor = 0;
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      auto found = state_->groups.find(group);
      if (found == state_->groups.end()) return false;
      std::vector<Member>& members = found->second;
      auto it = std::find_if(members.begin(), members.end(),
                             [&](const Member& m) { return m.ref.id() == member.id(); });
      if (it == members.end()) return false;
      monitor = it->monitor;
      members.erase(it);
      if (members.empty()) state_->groups.erase(found);
    }
    if (monitor != 0) member.cell()->RemoveMonitor(monitor);
    return true;
  }

  // Any fiber or thread. The members of `group` now.
  std::vector<ActorRef<M>> Members(absl::string_view group) const {
    std::vector<ActorRef<M>> refs;
    std::lock_guard<std::mutex> lock(state_->mutex);
    auto found = state_->groups.find(group);
    if (found == state_->groups.end()) return refs;
    for (const Member& member : found->second) refs.push_back(member.ref);
    return refs;
  }

  // Any fiber or thread. A copy of `message` to every member of `group` (as it is
  // when the broadcast starts); how many accepted it. A member that refused it (it
  // stopped meanwhile, or its bounded mailbox is full) counts a dead letter.
  int Broadcast(absl::string_view group, const M& message,
                const Context& context = Context()) const {
    int delivered = 0;
    for (const ActorRef<M>& member : Members(group)) {
      if (member.Tell(M(message), context).ok()) ++delivered;
    }
    return delivered;
  }

 private:
  struct Member {
    ActorRef<M> ref;
    uint64_t monitor;  // the handle of the monitor that removes it when it stops
  };
  struct State {
    void Remove(const std::string& group, uint64_t id) {
      std::lock_guard<std::mutex> lock(mutex);
      auto found = groups.find(group);
      if (found == groups.end()) return;
      std::vector<Member>& members = found->second;
      members.erase(std::remove_if(members.begin(), members.end(),
                                   [id](const Member& m) { return m.ref.id() == id; }),
                    members.end());
      if (members.empty()) groups.erase(found);
    }
    std::mutex mutex;
    absl::flat_hash_map<std::string, std::vector<Member>> groups;  // guarded by mutex
  };

  std::shared_ptr<State> state_;
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_ACTOR_GROUPS_H_
