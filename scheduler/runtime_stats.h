// RuntimeStats: a snapshot of the scheduler's counters (Runtime::Stats()).
// Counters only grow; read them twice and subtract to measure an interval.
#ifndef TROUPE_SCHEDULER_RUNTIME_STATS_H_
#define TROUPE_SCHEDULER_RUNTIME_STATS_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace troupe {

struct RuntimeStats {
  uint64_t fibers_spawned = 0;
  uint64_t fibers_finished = 0;
  uint64_t switches = 0;          // fibers resumed by a P
  uint64_t fibers_stolen = 0;     // fibers moved between Ps by work stealing
  uint64_t steal_attempts = 0;
  uint64_t machine_parks = 0;     // times an idle OS thread went to sleep
  uint64_t machine_wakeups = 0;   // times a sleeping OS thread was woken for work
  uint64_t timers_fired = 0;
  uint64_t global_queue_takes = 0;
  uint64_t machines = 0;          // OS threads started so far
  uint64_t timers_armed = 0;      // in the Ps' heaps: fibers' waits and callback timers
  uint64_t stacks_mapped = 0;     // fiber stacks ever carved (the rest were reused)
  uint64_t stacks_in_use = 0;     // held by fibers now (running, or parked mid-call)
  uint64_t stack_reservations = 0;  // mmaps the stacks were carved from
  // Fibers that could not get a stack: new ones finished without running (their Join
  // says ResourceExhausted), woken idle actors waited for one.
  uint64_t stack_failures = 0;
  uint64_t blocking_calls = 0;    // troupe::Blocking calls
  uint64_t processor_handoffs = 0;  // Ps retaken from threads stuck in blocking calls
  uint64_t long_running_fibers = 0;  // fibers seen running too long without yielding
  uint64_t deadlocks_reported = 0;
  uint64_t deadlock_checks = 0;   // times the monitor looked for a deadlock
  uint64_t netpoll_wakeups = 0;   // fibers made runnable by this runtime's netpoller polls
  uint32_t processors_idle = 0;     // Ps with no M, waiting for work (a gauge)
  uint32_t machines_spinning = 0;   // Ms looking for work before they sleep (a gauge)
  // Scheduling latency (runnable -> running) of a sample of wake-ups and spawns (1 in
  // 64 per waking thread; internal/schedule_latency.h): the count in each bucket
  // (upper bounds below, in ns; the last bucket is above them all) and the sum.
  static constexpr std::array<uint64_t, 14> kScheduleLatencyBoundsNs = {
      1'000,   2'500,   5'000,     10'000,    25'000,    50'000,     100'000,
      250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 100'000'000};
  std::array<uint64_t, kScheduleLatencyBoundsNs.size() + 1> schedule_latency_counts{};
  uint64_t schedule_latency_sum_ns = 0;
  std::vector<uint32_t> runnable_per_processor;  // approximate
  uint32_t runnable_global = 0;

  uint64_t fibers_alive() const { return fibers_spawned - fibers_finished; }
  // One line, in the manner of GODEBUG=schedtrace.
  std::string ToString() const;
};

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_RUNTIME_STATS_H_
