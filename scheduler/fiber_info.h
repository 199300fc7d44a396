// FiberInfo: one line of a fiber dump (Runtime::DumpFibers, the SIGQUIT dump and the
// deadlock report), in the manner of Go's goroutine dump, with each fiber's name,
// actor and stage (fiber_labels.h) so that a dump points at the culprit by name.
#ifndef TROUPE_SCHEDULER_FIBER_INFO_H_
#define TROUPE_SCHEDULER_FIBER_INFO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace troupe {

struct FiberInfo {
  uint64_t id = 0;
  std::string state;        // "runnable", "running", "waiting", ...
  std::string wait_reason;  // what a waiting fiber waits on ("mutex", "join", ...)
  // How long a waiting fiber has waited (to a few milliseconds: a coarse clock);
  // zero for a fiber that is not waiting.
  absl::Duration waiting_for = absl::ZeroDuration();
  // Its labels (fiber_labels.h) as in LabelSet::description(): the name it was
  // spawned with, the actor it runs (name and type), its pipeline stage; empty for
  // an unnamed fiber.
  std::string description;
  std::string name;        // the "fiber" label, or empty
  std::string actor;       // the "actor" label (the actor's name), or empty
  std::string actor_type;  // the "actor_type" label, or empty
};

// One line per fiber:
//   fiber 12 "acceptor" [waiting: channel receive, 2.5s]
//   fiber 40 actor room-general (chat::RoomActor) [waiting: mailbox, 1m3s]
//   fiber 41 [running]
std::string FormatFiberDump(const std::vector<FiberInfo>& fibers);

// Given to RuntimeOptions::on_deadlock when every fiber is asleep.
struct DeadlockReport {
  std::vector<FiberInfo> fibers;  // the parked fibers
  std::string ToString() const;   // "all fibers are asleep - deadlock!" + the dump
};

using DeadlockHandler = std::function<void(const DeadlockReport&)>;

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_FIBER_INFO_H_
