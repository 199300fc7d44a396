#include "troupe/actors/actor_system.h"

#include <algorithm>
#include <string>
#include <vector>

#include "troupe/scheduler/log.h"

namespace troupe {

ActorSystem::ActorSystem(Runtime& runtime) : runtime_(runtime) {}

ActorSystem::~ActorSystem() {
  std::vector<std::shared_ptr<actors_internal::ActorCellBase>> cells = live_.Snapshot();
  for (auto& cell : cells) cell->RequestKill(absl::CancelledError("actor system shut down"));
  for (auto& cell : cells) cell->AwaitStop(Context()).IgnoreError();
}

absl::Status ActorSystem::Shutdown(absl::Duration grace) {
  using Cell = std::shared_ptr<actors_internal::ActorCellBase>;
  auto [within_grace, cancel] = WithTimeout(Context(), grace);
  // Passes until nothing is alive: actors may spawn others while stopping.
  bool in_time = true;
  for (std::vector<Cell> cells = live_.Snapshot(); in_time && !cells.empty();
       cells = live_.Snapshot()) {
    std::sort(cells.begin(), cells.end(),
              [](const Cell& a, const Cell& b) { return a->id() > b->id(); });
    for (const Cell& cell : cells) {
      cell->RequestStop();
      if (!cell->AwaitStop(within_grace).ok()) {
        in_time = false;
        break;
      }
    }
  }
  cancel.Cancel();
  if (in_time) return absl::OkStatus();

  std::vector<Cell> late = live_.Snapshot();
  std::sort(late.begin(), late.end(),
            [](const Cell& a, const Cell& b) { return a->id() > b->id(); });
  std::string names;
  constexpr std::size_t kNamed = 10;
  for (std::size_t i = 0; i < late.size() && i < kNamed; ++i) {
    absl::StrAppend(&names, i == 0 ? "" : ", ", late[i]->Describe());
  }
  if (late.size() > kNamed) absl::StrAppend(&names, " and ", late.size() - kNamed, " more");
  for (const Cell& cell : late) {
    cell->RequestKill(absl::DeadlineExceededError("missed the actor system's shutdown grace period"));
  }
  for (const Cell& cell : late) cell->AwaitStop(Context()).IgnoreError();
  return absl::DeadlineExceededError(absl::StrCat(
      "actor system shutdown: ", late.size(), " actor(s) still running after the grace period of ",
      absl::FormatDuration(grace), " were killed: ", names));
}

void ActorSystem::OnDeadLetter(std::function<void(const DeadLetter&)> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  dead_letter_handler_ = std::move(handler);
}

void ActorSystem::RecordDeadLetter(const DeadLetter& letter) {
  dead_letters_.fetch_add(1, std::memory_order_relaxed);  // statistic
  std::function<void(const DeadLetter&)> handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    handler = dead_letter_handler_;
  }
  if (handler) handler(letter);
}

void ActorSystem::Track(std::shared_ptr<actors_internal::ActorCellBase> cell) {
  live_.Add(std::move(cell));
}

void ActorSystem::CellStopped(actors_internal::ActorCellBase* cell) {
  // Released after any lock is dropped: it may be the last reference.
  std::shared_ptr<actors_internal::ActorCellBase> released = live_.Remove(cell);
  std::shared_ptr<void> registered;
  // seq_cst; pairs with RegisterCell: the cell is marked stopped (seq_cst, in
  // MarkStopped) before this load, and RegisterCell marks the cell registered before
  // it checks for stopped, so one of the two sees the other.
  if (!cell->registered().load(std::memory_order_seq_cst)) return;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = registry_.begin(); it != registry_.end(); ++it) {
    if (it->second.actor_id == cell->id()) {
      registered = std::move(it->second.cell);
      registry_.erase(it);
      break;
    }
  }
}

std::vector<ActorSystem::RegisteredActorStats> ActorSystem::RegisteredActors() const {
  std::vector<RegisteredActorStats> actors;
  std::lock_guard<std::mutex> lock(mutex_);
  actors.reserve(registry_.size());
  for (const auto& [name, registration] : registry_) {
    actors.push_back(RegisteredActorStats{name, registration.base->mailbox_depth(),
                                          registration.base->processed()});
  }
  std::sort(actors.begin(), actors.end(),
            [](const RegisteredActorStats& a, const RegisteredActorStats& b) {
              return a.name < b.name;
            });
  return actors;
}

void ActorSystem::OnAskCycle(std::function<void(const std::string&)> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  ask_cycle_handler_ = std::move(handler);
}

absl::Status ActorSystem::BeginAsk(const actors_internal::ActorCellBase& caller,
                                   const actors_internal::ActorCellBase& callee) {
  std::string cycle;
  std::function<void(const std::string&)> handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Follow who-waits-for-whom from the callee; reaching the caller closes a cycle.
    // Every actor on the path is asking (its cell is alive: its fiber is in Ask).
    std::vector<const actors_internal::ActorCellBase*> path{&caller, &callee};
    for (uint64_t at = callee.id(); at != caller.id();) {
      auto next = waiting_for_.find(at);
      if (next == waiting_for_.end() || path.size() > waiting_for_.size() + 2) {
        waiting_for_[caller.id()] = AskEdge{callee.id(), &callee};
        return absl::OkStatus();
      }
      at = next->second.callee_id;
      path.push_back(next->second.callee);
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
      absl::StrAppend(&cycle, i == 0 ? "" : " -> ", path[i]->Describe());
    }
    handler = ask_cycle_handler_;
  }
  ask_cycles_.fetch_add(1, std::memory_order_relaxed);  // statistic
  const std::string message =
      absl::StrCat("ask cycle (deadlock): ", cycle, "; the last ask was not sent");
  if (handler) {
    handler(message);
  } else {
    TROUPE_LOG(kError, message);
  }
  return absl::FailedPreconditionError(message);
}

void ActorSystem::EndAsk(const actors_internal::ActorCellBase& caller) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_for_.erase(caller.id());
}

std::size_t ActorSystem::live_actors() const { return live_.Count(); }

absl::Status ActorSystem::RegisterCell(const std::string& name,
                                       actors_internal::ActorCellBase* base, std::type_index type,
                                       std::shared_ptr<void> cell) {
  const uint64_t id = base->id();
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = registry_.emplace(name, Registration{id, type, std::move(cell), base});
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("the name \"", name, "\" is taken by actor #",
                                                 it->second.actor_id));
  }
  // seq_cst, both: the registration is announced before the check for a stop (see
  // CellStopped). A stop that comes after the check finds the flag and takes the
  // name back.
  base->registered().store(true, std::memory_order_seq_cst);
  if (base->stopped_seq_cst()) {
    registry_.erase(it);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot register \"", name, "\": actor #", id, " has stopped"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<void>> ActorSystem::LookupCell(absl::string_view name,
                                                              std::type_index type) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = registry_.find(name);
  if (it == registry_.end()) {
    return absl::NotFoundError(absl::StrCat("no actor is registered as \"", name, "\""));
  }
  if (it->second.type != type) {
    return absl::InvalidArgumentError(absl::StrCat(
        "actor \"", name, "\" takes a different message type than the one asked for"));
  }
  return it->second.cell;
}

}  // namespace troupe
