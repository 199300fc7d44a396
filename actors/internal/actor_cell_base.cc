#include "troupe/actors/internal/actor_cell_base.h"

#include <utility>

#include "troupe/actors/actor_system.h"
#include "troupe/actors/internal/supervisor_core.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

uint64_t CurrentActorId() {
  const scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  return self != nullptr ? self->owner_tag : 0;
}

void SetCurrentActorId(uint64_t id) {
  scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  if (self == nullptr) scheduler_internal::Fatal("SetCurrentActorId", "not on a fiber");
  self->owner_tag = id;
}

bool OnPlainThread() { return scheduler_internal::CurrentFiber() == nullptr; }

void ParkAtTop() { scheduler_internal::ParkAtTopOnReturn(scheduler_internal::CurrentFiber()); }

ActorCellBase::ActorCellBase(ActorSystem* system, uint64_t id, ActorOptions options)
    : room_(options.mailbox_capacity), system_(system), id_(id), options_(std::move(options)) {
  exit_.actor_id = id_;
  exit_.name = options_.name;
}

ActorCellBase::~ActorCellBase() = default;

void ActorCellBase::AddMonitor(std::function<void(const ActorExit&)> on_exit) {
  ActorExit exit;
  {
    std::lock_guard<std::mutex> lock(request_mutex_);
    if (!stopped()) {
      monitors_.push_back(std::move(on_exit));
      return;
    }
    exit = exit_;
  }
  on_exit(exit);
}

absl::Status ActorCellBase::AwaitStop(const Context& context) { return stopped_.Wait(context); }

void ActorCellBase::RequestKill(const absl::Status& why) {
  {
    std::lock_guard<std::mutex> lock(request_mutex_);
    if (kill_.load(std::memory_order_relaxed)) return;
    kill_reason_ = why.ok() ? absl::CancelledError("actor killed") : why;
  }
  kill_.store(true, std::memory_order_release);  // pairs with kill_requested()
  Nudge();
}

absl::Status ActorCellBase::kill_reason() const {
  std::lock_guard<std::mutex> lock(request_mutex_);
  return kill_reason_;
}

void ActorCellBase::RequestRestart(const absl::Status& why) {
  {
    std::lock_guard<std::mutex> lock(request_mutex_);
    restart_reason_ = why;
  }
  restart_.store(true, std::memory_order_release);
  Nudge();
}

bool ActorCellBase::TakeRestartRequest(absl::Status* why) {
  // relaxed: the run loop asks before every message; a request is rare, and the
  // exchange below acquires it.
  if (!restart_.load(std::memory_order_relaxed)) return false;
  if (!restart_.exchange(false, std::memory_order_acq_rel)) return false;
  std::lock_guard<std::mutex> lock(request_mutex_);
  *why = restart_reason_;
  return true;
}

FailureDecision ActorCellBase::DecideAfterFailure(const absl::Status& failure) {
  if (supervisor_ == nullptr) return FailureDecision::kStop;
  return supervisor_->ChildFailed(this, failure);
}

void ActorCellBase::MarkStopped(const absl::Status& reason) {
  std::lock_guard<std::mutex> lock(request_mutex_);
  exit_.reason = reason;
  state_.store(State::kStopped, std::memory_order_seq_cst);  // see ActorCell::Push
}

void ActorCellBase::AnnounceStopped() {
  std::vector<std::function<void(const ActorExit&)>> monitors;
  ActorExit exit;
  {
    std::lock_guard<std::mutex> lock(request_mutex_);
    exit = exit_;
    monitors.swap(monitors_);
  }
  if (supervisor_ != nullptr) supervisor_->ChildStopped(this);
  system_->CellStopped(id_);
  for (auto& monitor : monitors) monitor(exit);
  stopped_.Done();
}

void ActorCellBase::ReportDeadLetter(const char* reason) {
  system_->RecordDeadLetter(DeadLetter{id_, options_.name, reason});
}

}  // namespace troupe::actors_internal
