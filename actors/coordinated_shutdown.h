// CoordinatedShutdown: a service's orderly stop in phases, within one grace period
// (Akka's CoordinatedShutdown, Erlang's application stop, Go's Server.Shutdown).
//
//   troupe::CoordinatedShutdown shutdown(system);
//   shutdown.AddTask(troupe::ShutdownPhase::kStopAccepting, "listener",
//                    [&](const troupe::Context&) { return listener.Close(); });
//   shutdown.AddTask(troupe::ShutdownPhase::kFlush, "audit log",
//                    [&](const troupe::Context& ctx) { return audit.Flush(ctx); });
//   ...
//   absl::Status status = shutdown.Run(absl::Seconds(10));  // e.g. after SIGTERM
//
// The phases run in order: stop accepting new work, drain what was accepted, stop the
// actors (ActorSystem::Shutdown: newest first, each finishing its mailbox), flush what
// they left (logs, files, connections). A phase's tasks run at once, each in its own
// fiber, and the next phase starts when all of them have returned. Every task gets a
// context that ends with the grace period; a task that is still running then is
// left to finish (Run does not wait for it) and named in Run's status. Destroying the
// CoordinatedShutdown waits for such late tasks, so what they use may be destroyed
// after it.
#ifndef TROUPE_ACTORS_COORDINATED_SHUTDOWN_H_
#define TROUPE_ACTORS_COORDINATED_SHUTDOWN_H_

#include <array>
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/join_handle.h"

namespace troupe {

enum class ShutdownPhase {
  kStopAccepting,  // close listeners, refuse new requests
  kDrain,          // let accepted requests finish
  kStopActors,     // the tasks, then ActorSystem::Shutdown
  kFlush,          // write out what is buffered
};

class CoordinatedShutdown {
 public:
  using Task = std::function<absl::Status(const Context& within_grace)>;

  explicit CoordinatedShutdown(ActorSystem& system) : system_(system) {}
  ~CoordinatedShutdown();  // waits for tasks that outran the grace period
  CoordinatedShutdown(const CoordinatedShutdown&) = delete;
  CoordinatedShutdown& operator=(const CoordinatedShutdown&) = delete;

  // Before Run. `name` appears in Run's status if the task fails or overruns.
  void AddTask(ShutdownPhase phase, std::string name, Task task);

  // Runs the phases (once: a later call is FailedPrecondition). OK if every
  // task returned OK and every actor stopped in time; otherwise an error whose code
  // is the first failure's and whose message names every failed or late task and
  // the actors that had to be killed. Any thread, or a fiber that is not an actor of
  // the system.
  absl::Status Run(absl::Duration grace);

 private:
  struct NamedTask {
    std::string name;
    Task task;
  };
  static constexpr int kPhases = 4;

  ActorSystem& system_;
  std::array<std::vector<NamedTask>, kPhases> tasks_;
  std::atomic<bool> ran_{false};
  std::vector<JoinHandle> task_fibers_;  // joined by the destructor
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_COORDINATED_SHUTDOWN_H_
