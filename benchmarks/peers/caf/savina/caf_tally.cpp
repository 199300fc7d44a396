#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "troupe/benchmarks/peers/caf/savina/savina_caf.h"

namespace troupe::savina {

absl::StatusOr<int64_t> CafTally::Await(caf::actor_system& system, absl::Duration bound) {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (!finished.wait_for(lock, absl::ToChronoMilliseconds(bound), [&] { return done; })) {
      std::fprintf(stderr, "savina_caf: the repetition had not finished after %s\n",
                   absl::FormatDuration(bound).c_str());
      std::_Exit(1);
    }
  });
  system.await_all_actors_done();
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
  }
  finished.notify_one();
  watchdog.join();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!first_failure_.empty()) return absl::InternalError(first_failure_);
  return total_.load(std::memory_order_relaxed);
}

}  // namespace troupe::savina
