// FiberInfo: one line of a fiber dump (Runtime::DumpFibers, the SIGQUIT dump and the
// deadlock report), in the manner of Go's goroutine dump.
#ifndef TROUPE_SCHEDULER_FIBER_INFO_H_
#define TROUPE_SCHEDULER_FIBER_INFO_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace troupe {

struct FiberInfo {
  uint64_t id = 0;
  std::string state;        // "runnable", "running", "waiting", ...
  std::string wait_reason;  // what a waiting fiber waits on ("mutex", "join", ...)
};

// "fiber 12 [waiting: semaphore]", one per line.
std::string FormatFiberDump(const std::vector<FiberInfo>& fibers);

// Given to RuntimeOptions::on_deadlock when every fiber is asleep.
struct DeadlockReport {
  std::vector<FiberInfo> fibers;  // the parked fibers
  std::string ToString() const;   // "all fibers are asleep - deadlock!" + the dump
};

using DeadlockHandler = std::function<void(const DeadlockReport&)>;

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_FIBER_INFO_H_
