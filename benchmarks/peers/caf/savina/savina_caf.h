// The CAF 0.17 twins of troupe's Savina benchmarks (benchmarks/savina/savina.h):
// the same seven flows, counts and checks, written as CAF event-based actors
// (Debian's libcaf-dev). An actor "exits" with quit(); a repetition ends when
// every actor has (actor_system::await_all_actors_done, Savina's awaitTermination).
// Where a Savina message carries its sender, the CAF message carries the sender's
// handle, as Savina's do, except where CAF's own current_sender() is the same
// thing (a reply to the actor that sent the message being handled).
#ifndef TROUPE_BENCHMARKS_PEERS_CAF_SAVINA_SAVINA_CAF_H_
#define TROUPE_BENCHMARKS_PEERS_CAF_SAVINA_SAVINA_CAF_H_

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/benchmarks/savina/params.h"

namespace troupe::savina {

// What the actors of one repetition report: counts to check once all have exited,
// and the first failure any of them met. Any actor's thread.
class CafTally {
 public:
  void Add(int64_t n) {
    // relaxed: read after await_all_actors_done, whose registry count orders it.
    total_.fetch_add(n, std::memory_order_relaxed);
  }
  void Fail(const std::string& failure) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (first_failure_.empty()) first_failure_ = failure;
  }

  // Blocks until every actor of `system` has exited; then the first failure, or
  // the total of Add. If that takes longer than `bound` (a lost message), prints
  // so and exits the process with status 1: there is no way to stop CAF's wait.
  absl::StatusOr<int64_t> Await(caf::actor_system& system, absl::Duration bound);

 private:
  std::atomic<int64_t> total_{0};
  std::mutex mutex_;
  std::string first_failure_;  // guarded by mutex_
};

struct CafEnv {
  caf::actor_system& system;
  absl::Duration bound;
};

// One repetition each, from a plain thread; OK only for a correct result.
absl::Status RunBenchmark(const CafEnv& env, const PingPongParams& params);
absl::Status RunBenchmark(const CafEnv& env, const CountingParams& params);
absl::Status RunBenchmark(const CafEnv& env, const ForkJoinCreateParams& params);
absl::Status RunBenchmark(const CafEnv& env, const ForkJoinThroughputParams& params);
absl::Status RunBenchmark(const CafEnv& env, const ThreadRingParams& params);
absl::Status RunBenchmark(const CafEnv& env, const ChameneosParams& params);
absl::Status RunBenchmark(const CafEnv& env, const BigParams& params);

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_PEERS_CAF_SAVINA_SAVINA_CAF_H_
