#include "troupe/actors/internal/supervisor_core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace troupe::actors_internal {

SupervisorCore::SupervisorCore(SupervisorOptions options, SupervisorCore* parent)
    : options_(std::move(options)), parent_(parent) {
  if (parent_ != nullptr) parent_->AddChild(this, nullptr);
}

SupervisorCore::~SupervisorCore() {
  std::vector<Child> children;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    children = children_;
  }
  const absl::Status why = absl::CancelledError("supervisor destroyed");
  for (const Child& child : children) child.target->RequestKill(why);
  for (const Child& child : children) {
    if (child.cell != nullptr) child.cell->AwaitStop(Context()).IgnoreError();
  }
  if (parent_ != nullptr) parent_->ChildStopped(this);
}

void SupervisorCore::AddChild(Supervisable* child, ActorCellBase* cell,
                              std::shared_ptr<void> keep_alive) {
  std::lock_guard<std::mutex> lock(mutex_);
  children_.push_back(Child{child, cell, std::move(keep_alive)});
}

void SupervisorCore::ChildStopped(Supervisable* child) {
  std::shared_ptr<void> released;  // dropped after unlocking
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->target == child) {
      released = std::move(it->keep_alive);
      children_.erase(it);
      return;
    }
  }
}

std::vector<Supervisable*> SupervisorCore::AllExcept(Supervisable* excluded) const {
  std::vector<Supervisable*> others;
  for (const Child& child : children_) {
    if (child.target != excluded) others.push_back(child.target);
  }
  return others;
}

std::vector<Supervisable*> SupervisorCore::SiblingsToRestart(Supervisable* failed) const {
  switch (options_.strategy) {
    case RestartStrategy::kOneForOne:
      return {};
    case RestartStrategy::kOneForAll:
      return AllExcept(failed);
    case RestartStrategy::kRestForOne: {
      std::vector<Supervisable*> later;
      bool after = false;
      for (const Child& child : children_) {
        if (after) later.push_back(child.target);
        if (child.target == failed) after = true;
      }
      return later;
    }
  }
  return {};
}

FailureDecision SupervisorCore::ChildFailed(Supervisable* child, const absl::Status& failure) {
  std::vector<Supervisable*> siblings;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (gave_up_) return FailureDecision::kStop;
    const absl::Time now = absl::Now();
    while (!recent_restarts_.empty() && recent_restarts_.front() < now - options_.within) {
      recent_restarts_.pop_front();
    }
    if (static_cast<int>(recent_restarts_.size()) < options_.max_restarts) {
      recent_restarts_.push_back(now);
      ++restarts_;
      siblings = SiblingsToRestart(child);
    } else {
      siblings.clear();
      gave_up_ = true;  // provisional: undone below if the parent restarts us
    }
  }
  if (!gave_up()) {
    const absl::Status why =
        absl::AbortedError(absl::StrCat("restarted with a failed sibling: ", failure.message()));
    for (Supervisable* sibling : siblings) sibling->RequestRestart(why);
    return FailureDecision::kRestart;
  }

  const absl::Status escalated = absl::AbortedError(absl::StrCat(
      "supervisor ", options_.name, " gave up after ", options_.max_restarts,
      " restarts within ", absl::FormatDuration(options_.within), "; last failure: ",
      failure.message()));
  if (parent_ != nullptr && parent_->ChildFailed(this, escalated) == FailureDecision::kRestart) {
    std::vector<Supervisable*> others;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      gave_up_ = false;
      recent_restarts_.clear();
      others = AllExcept(child);
    }
    for (Supervisable* other : others) other->RequestRestart(escalated);
    return FailureDecision::kRestart;
  }
  std::vector<Supervisable*> others;
  std::function<void(const absl::Status&)> handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = escalated;
    others = AllExcept(child);
    handler = escalation_handler_;
  }
  for (Supervisable* other : others) other->RequestKill(escalated);
  if (parent_ == nullptr && handler) handler(escalated);
  return FailureDecision::kStop;
}

void SupervisorCore::RequestRestart(const absl::Status& why) {
  std::vector<Supervisable*> children;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    recent_restarts_.clear();
    children = AllExcept(nullptr);
  }
  for (Supervisable* child : children) child->RequestRestart(why);
}

void SupervisorCore::RequestKill(const absl::Status& why) {
  std::vector<Supervisable*> children;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gave_up_ = true;
    failure_ = why;
    children = AllExcept(nullptr);
  }
  for (Supervisable* child : children) child->RequestKill(why);
}

void SupervisorCore::set_escalation_handler(std::function<void(const absl::Status&)> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  escalation_handler_ = std::move(handler);
}

uint64_t SupervisorCore::restarts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return restarts_;
}

bool SupervisorCore::gave_up() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return gave_up_;
}

absl::Status SupervisorCore::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

}  // namespace troupe::actors_internal
