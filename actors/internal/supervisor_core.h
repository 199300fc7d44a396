// SupervisorCore: the restart logic of a Supervisor (supervisor.h).
//
// Decisions are made synchronously, in the failing child's own fiber, under a short
// mutex: count the restart against the intensity window, pick the siblings the
// strategy restarts (they get a restart request, served before their next message),
// and tell the failing child to restart. When the intensity is exceeded the
// supervisor asks its own parent what to do about itself: restart (all its children
// restart, the window is cleared) or stop (all its children are killed and it gives
// up, reporting to its escalation handler when it has no parent).
#ifndef TROUPE_ACTORS_INTERNAL_SUPERVISOR_CORE_H_
#define TROUPE_ACTORS_INTERNAL_SUPERVISOR_CORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/actors/internal/actor_cell_base.h"
#include "troupe/actors/supervisor_options.h"

namespace troupe::actors_internal {

class SupervisorCore : public Supervisable {
 public:
  SupervisorCore(SupervisorOptions options, SupervisorCore* parent);
  ~SupervisorCore() override;  // kills the children and waits for them

  // `cell` and `keep_alive` (which owns the cell) are null for a child supervisor.
  void AddChild(Supervisable* child, ActorCellBase* cell,
                std::shared_ptr<void> keep_alive = nullptr);
  FailureDecision ChildFailed(Supervisable* child, const absl::Status& failure);
  void ChildStopped(Supervisable* child);

  // As a child of a parent supervisor.
  void RequestRestart(const absl::Status& why) override;
  void RequestKill(const absl::Status& why) override;

  void set_escalation_handler(std::function<void(const absl::Status&)> handler);
  uint64_t restarts() const;
  bool gave_up() const;
  absl::Status failure() const;

 private:
  struct Child {
    Supervisable* target;
    ActorCellBase* cell;
    std::shared_ptr<void> keep_alive;  // a cell may outlive every ActorRef to it
  };
  std::vector<Supervisable*> SiblingsToRestart(Supervisable* failed) const;
  std::vector<Supervisable*> AllExcept(Supervisable* excluded) const;

  const SupervisorOptions options_;
  SupervisorCore* const parent_;
  mutable std::mutex mutex_;  // never held across a park or a call into a child
  std::vector<Child> children_;
  std::deque<absl::Time> recent_restarts_;
  uint64_t restarts_ = 0;
  bool gave_up_ = false;
  absl::Status failure_;
  std::function<void(const absl::Status&)> escalation_handler_;
};

}  // namespace troupe::actors_internal

#endif  // TROUPE_ACTORS_INTERNAL_SUPERVISOR_CORE_H_
