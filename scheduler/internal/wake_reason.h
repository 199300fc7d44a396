// WakeReason: why a wait ended (fiber.h keeps it in the record; the wait protocol
// returns it).
#ifndef TROUPE_SCHEDULER_INTERNAL_WAKE_REASON_H_
#define TROUPE_SCHEDULER_INTERNAL_WAKE_REASON_H_

#include <cstdint>

namespace troupe::scheduler_internal {

enum class WakeReason : uint8_t {
  kNone,
  kSignaled,   // the event it waited for happened
  kTimedOut,   // its deadline passed first
  kCancelled,  // the context it waited with was cancelled
  kShutdown,   // the runtime is shutting down and unwinding its fibers
};

}  // namespace troupe::scheduler_internal

#endif  // TROUPE_SCHEDULER_INTERNAL_WAKE_REASON_H_
