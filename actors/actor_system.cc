#include "troupe/actors/actor_system.h"

#include <cstdio>
#include <vector>

namespace troupe {

ActorSystem::ActorSystem(Runtime& runtime) : runtime_(runtime) {}

ActorSystem::~ActorSystem() {
  std::vector<std::shared_ptr<actors_internal::ActorCellBase>> cells;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, live] : live_) cells.push_back(live.cell);
  }
  for (auto& cell : cells) cell->RequestKill(absl::CancelledError("actor system shut down"));
  for (auto& cell : cells) cell->AwaitStop(Context()).IgnoreError();
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
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = cell->id();
  live_.emplace(id, LiveCell{std::move(cell)});
}

void ActorSystem::CellStopped(uint64_t id) {
  std::shared_ptr<actors_internal::ActorCellBase> released;  // destroyed after unlocking
  std::shared_ptr<void> registered;
  std::lock_guard<std::mutex> lock(mutex_);
  auto live = live_.find(id);
  if (live != live_.end()) {
    released = std::move(live->second.cell);
    live_.erase(live);
  }
  for (auto it = registry_.begin(); it != registry_.end(); ++it) {
    if (it->second.actor_id == id) {
      registered = std::move(it->second.cell);
      registry_.erase(it);
      break;
    }
  }
}

void ActorSystem::OnAskCycle(std::function<void(const std::string&)> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  ask_cycle_handler_ = std::move(handler);
}

absl::Status ActorSystem::BeginAsk(uint64_t caller, uint64_t callee) {
  std::string cycle;
  std::function<void(const std::string&)> handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto name_of = [&](uint64_t id) {
      auto live = live_.find(id);
      const std::string name = live == live_.end() ? "" : live->second.cell->name();
      return name.empty() ? absl::StrCat("#", id) : absl::StrCat(name, " (#", id, ")");
    };
    // Follow who-waits-for-whom from the callee; reaching the caller closes a cycle.
    std::vector<uint64_t> path{caller, callee};
    for (uint64_t at = callee; at != caller;) {
      auto next = waiting_for_.find(at);
      if (next == waiting_for_.end() || path.size() > live_.size() + 1) {
        waiting_for_[caller] = callee;
        return absl::OkStatus();
      }
      at = next->second;
      path.push_back(at);
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
      absl::StrAppend(&cycle, i == 0 ? "" : " -> ", name_of(path[i]));
    }
    handler = ask_cycle_handler_;
  }
  ask_cycles_.fetch_add(1, std::memory_order_relaxed);  // statistic
  const std::string message =
      absl::StrCat("ask cycle (deadlock): ", cycle, "; the last ask was not sent");
  if (handler) {
    handler(message);
  } else {
    std::fprintf(stderr, "troupe: %s\n", message.c_str());
  }
  return absl::FailedPreconditionError(message);
}

void ActorSystem::EndAsk(uint64_t caller) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_for_.erase(caller);
}

std::size_t ActorSystem::live_actors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_.size();
}

absl::Status ActorSystem::RegisterCell(const std::string& name, uint64_t id, std::type_index type,
                                       std::shared_ptr<void> cell) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!live_.contains(id)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot register \"", name, "\": actor #", id, " has stopped"));
  }
  auto [it, inserted] = registry_.emplace(name, Registration{id, type, std::move(cell)});
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("the name \"", name, "\" is taken by actor #",
                                                 it->second.actor_id));
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
