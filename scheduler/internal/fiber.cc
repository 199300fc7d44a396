#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {

const char* FiberStateName(FiberState state) {
  switch (state) {
    case FiberState::kRunnable: return "runnable";
    case FiberState::kRunning: return "running";
    case FiberState::kParking: return "parking";
    case FiberState::kParked: return "waiting";
    case FiberState::kWakeRequested: return "waking";
    case FiberState::kDead: return "dead";
  }
  return "unknown";
}

}  // namespace troupe::scheduler_internal
