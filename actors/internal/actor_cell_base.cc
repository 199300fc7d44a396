#include "troupe/actors/internal/actor_cell_base.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"

#include "troupe/actors/actor_system.h"
#include "troupe/actors/internal/supervisor_core.h"
#include "troupe/scheduler/internal/fatal.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe::actors_internal {

ActorCellBase* CurrentActor() {
  const scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  return self != nullptr ? reinterpret_cast<ActorCellBase*>(self->owner_tag) : nullptr;
}

namespace {

std::string Demangled(const char* mangled_name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status), &std::free);
  return status == 0 ? std::string(demangled.get()) : std::string(mangled_name);
}

}  // namespace

ActorType::ActorType(const char* mangled_name)
    : name_(new std::string(Demangled(mangled_name))),
      labels_(LabelSet::Intern({{"actor_type", *name_}})) {}

void SetCurrentActor(ActorCellBase* cell, const ActorType& type) {
  scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber();
  if (self == nullptr) scheduler_internal::Fatal("SetCurrentActor", "not on a fiber");
  self->owner_tag = reinterpret_cast<uintptr_t>(cell);
  // Once per actor (its first run; the fiber keeps its labels across parks at the
  // top). An unnamed actor takes its class's labels, interned once per class; a
  // named one interns its own set (a lock and a lookup at its first run).
  // A set refused by a full intern table (more than LabelSet::kMaxLabelSets distinct
  // names) falls back to the class's: the actor is still named by its type.
  const LabelSet* labels = type.labels();
  if (!cell->name().empty()) {
    if (const LabelSet* named =
            LabelSet::Intern({{"actor", cell->name()}, {"actor_type", type.name()}})) {
      labels = named;
    }
  }
  // release; pairs with the acquire of dumps and traces on other threads (as
  // SetFiberLabels, without looking up the current fiber again).
  self->profile_labels.store(labels, std::memory_order_release);
}

std::string ActorCellBase::Describe() const {
  return name().empty() ? absl::StrCat("#", id()) : absl::StrCat(name(), " (#", id(), ")");
}

bool OnPlainThread() { return scheduler_internal::CurrentFiber() == nullptr; }

void ParkAtTop() { scheduler_internal::ParkAtTopOnReturn(scheduler_internal::CurrentFiber()); }

bool WokenForShutdown() {
  return scheduler_internal::CurrentFiber()->wake_reason == scheduler_internal::WakeReason::kShutdown;
}

ActorCellBase::ActorCellBase(ActorSystem* system, uint64_t id, ActorOptions options)
    : system_(system), id_(id), room_(options.mailbox_capacity), options_(std::move(options)) {
}

ActorCellBase::~ActorCellBase() = default;

ActorExit ActorCellBase::ExitLocked() const {
  ActorExit exit;
  exit.actor_id = id_;
  exit.name = options_.name;
  exit.reason = exit_reason_;
  return exit;
}

uint64_t ActorCellBase::AddMonitor(std::function<void(const ActorExit&)> on_exit) {
  ActorExit exit;
  {
    scheduler_internal::SpinLockHolder lock(request_lock_);
    if (!stopped()) {
      const uint64_t handle = next_monitor_++;
      monitors_.emplace_back(handle, std::move(on_exit));
      return handle;
    }
    exit = ExitLocked();
  }
  on_exit(exit);
  return 0;
}

void ActorCellBase::RemoveMonitor(uint64_t handle) {
  std::function<void(const ActorExit&)> removed;  // destroyed after the lock
  scheduler_internal::SpinLockHolder lock(request_lock_);
  for (auto it = monitors_.begin(); it != monitors_.end(); ++it) {
    if (it->first == handle) {
      removed = std::move(it->second);
      monitors_.erase(it);
      return;
    }
  }
}

absl::Status ActorCellBase::AwaitStop(const Context& context) { return stopped_.Wait(context); }

void ActorCellBase::RequestKill(const absl::Status& why) {
  {
    scheduler_internal::SpinLockHolder lock(request_lock_);
    if (kill_.load(std::memory_order_relaxed)) return;
    kill_reason_ = why.ok() ? absl::CancelledError("actor killed") : why;
  }
  kill_.store(true, std::memory_order_release);  // pairs with kill_requested()
  Nudge();
}

absl::Status ActorCellBase::kill_reason() const {
  scheduler_internal::SpinLockHolder lock(request_lock_);
  return kill_reason_;
}

void ActorCellBase::CountRestart() { system_->RecordRestart(); }

void ActorCellBase::RequestRestart(const absl::Status& why) {
  {
    scheduler_internal::SpinLockHolder lock(request_lock_);
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
  scheduler_internal::SpinLockHolder lock(request_lock_);
  *why = restart_reason_;
  return true;
}

FailureDecision ActorCellBase::DecideAfterFailure(const absl::Status& failure) {
  if (supervisor_ == nullptr) return FailureDecision::kStop;
  return supervisor_->ChildFailed(this, failure);
}

void ActorCellBase::MarkStopped(const absl::Status& reason) {
  scheduler_internal::SpinLockHolder lock(request_lock_);
  exit_reason_ = reason;
  state_.store(State::kStopped, std::memory_order_seq_cst);  // see ActorCell::Push
}

void ActorCellBase::AnnounceStopped() {
  std::vector<std::pair<uint64_t, std::function<void(const ActorExit&)>>> monitors;
  ActorExit exit;
  {
    scheduler_internal::SpinLockHolder lock(request_lock_);
    exit = ExitLocked();
    monitors.swap(monitors_);
  }
  if (supervisor_ != nullptr) supervisor_->ChildStopped(this);
  system_->CellStopped(this);
  for (auto& [handle, monitor] : monitors) monitor(exit);
  stopped_.Done();
}

void ActorCellBase::ReportDeadLetter(const char* reason) {
  system_->RecordDeadLetter(DeadLetter{id_, options_.name, reason});
}

std::atomic<uint64_t>& ActorCellBase::timer_ticks_skipped_counter() {
  return system_->timer_ticks_skipped_counter();
}

}  // namespace troupe::actors_internal
