// Waiting for fibers to reach a state, as tests must instead of sleeping or yielding:
// polls the runtime's fiber dump until the state shows, and fails the test with the
// dump after a generous bound.
#ifndef TROUPE_TESTS_SCHEDULER_FIBER_STATES_H_
#define TROUPE_TESTS_SCHEDULER_FIBER_STATES_H_

#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/fiber_info.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::testing {

inline constexpr absl::Duration kFiberStateBound = absl::Seconds(30);

// How many fibers are parked with `wait_reason` right now.
inline int FibersWaitingOn(Runtime& runtime, const std::string& wait_reason) {
  int count = 0;
  for (const FiberInfo& fiber : runtime.DumpFibers()) {
    if (fiber.state == "waiting" && fiber.wait_reason == wait_reason) ++count;
  }
  return count;
}

// From a fiber or a plain thread: true once at least `count` fibers are parked with
// `wait_reason`; false (and a test failure showing the dump) after kFiberStateBound.
inline bool WaitUntilAFiberWaitsOn(Runtime& runtime, const std::string& wait_reason,
                                   int count = 1) {
  const absl::Time give_up = absl::Now() + kFiberStateBound;
  while (FibersWaitingOn(runtime, wait_reason) < count) {
    if (absl::Now() > give_up) {
      ADD_FAILURE() << "no " << count << " fiber(s) waiting on \"" << wait_reason << "\" after "
                    << kFiberStateBound << ":\n"
                    << FormatFiberDump(runtime.DumpFibers());
      return false;
    }
    if (this_fiber::InFiber()) {
      this_fiber::Yield();  // let the fibers we wait for run; the dump is the test
    } else {
      std::this_thread::yield();
    }
  }
  return true;
}

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_SCHEDULER_FIBER_STATES_H_
