// Supervisor: starts actors and restarts them when they fail, as in OTP.
//
//   troupe::Supervisor supervisor(system, {.strategy = troupe::RestartStrategy::kOneForAll,
//                                          .max_restarts = 3, .within = absl::Seconds(5)});
//   auto worker = supervisor.StartChild<Worker>({.name = "worker"}, config);
//
// A child fails when an exception escapes its Receive or OnStart. The supervisor
// replaces its instance with a fresh one built from the same arguments — the mailbox,
// and so the ActorRef, survive; the message that failed is not retried — and, per its
// strategy, restarts the siblings too. More than `max_restarts` restarts within
// `within` and it gives up: it escalates to its parent supervisor (a Supervisor built
// with a parent), which restarts or stops it as its own strategy says; a supervisor
// without a parent kills its children and calls its escalation handler. Failures never
// take the process down.
//
// Destroying a supervisor kills its children and waits for them.
#ifndef TROUPE_ACTORS_SUPERVISOR_H_
#define TROUPE_ACTORS_SUPERVISOR_H_

#include <functional>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/internal/supervisor_core.h"
#include "troupe/actors/supervisor_options.h"

namespace troupe {

class Supervisor {
 public:
  Supervisor(ActorSystem& system, SupervisorOptions options)
      : system_(system),
        core_(std::make_unique<actors_internal::SupervisorCore>(std::move(options), nullptr)) {}
  // A supervisor whose escalations go to `parent`.
  Supervisor(Supervisor& parent, SupervisorOptions options)
      : system_(parent.system_),
        core_(std::make_unique<actors_internal::SupervisorCore>(std::move(options),
                                                                parent.core_.get())) {}
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  template <typename A, typename... Args>
  ActorRef<typename A::MessageType> StartChild(ActorOptions options, Args... args) {
    return system_.StartedUnder(
        *core_, system_.MakeCell<actors_internal::ActorCellFor<A, Args...>>(
                    std::move(options), std::move(args)...));
  }
  // As StartChild, with the actor made by `factory` (see ActorSystem::SpawnFrom).
  template <typename Factory>
  auto StartChildFrom(ActorOptions options, Factory factory) {
    using A = std::invoke_result_t<Factory&>;
    return system_.StartedUnder(
        *core_, system_.MakeCell<actors_internal::ActorCellFromFactory<A, Factory>>(
                    std::move(options), std::move(factory)));
  }

  // Called when this supervisor (having no parent) gives up.
  void OnEscalation(std::function<void(const absl::Status&)> handler) {
    core_->set_escalation_handler(std::move(handler));
  }
  uint64_t restarts() const { return core_->restarts(); }
  bool gave_up() const { return core_->gave_up(); }
  absl::Status failure() const { return core_->failure(); }

 private:
  ActorSystem& system_;
  std::unique_ptr<actors_internal::SupervisorCore> core_;
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_SUPERVISOR_H_
