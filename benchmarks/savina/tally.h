// Tally: what the actors of one repetition of a troupe Savina benchmark report to
// the thread that runs it — that each of them stopped (Savina's "exit"), counts to
// check once all have, and the first failure any of them met.
//
// Memory ordering: everything an actor wrote before its ActorStopped (its Add, its
// Fail) is visible to Await when it returns; the WaitGroup orders them.
#ifndef TROUPE_BENCHMARKS_SAVINA_TALLY_H_
#define TROUPE_BENCHMARKS_SAVINA_TALLY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/wait_group.h"

namespace troupe::savina {

class Tally {
 public:
  // `actors`: how many ActorStopped calls end the repetition.
  explicit Tally(int64_t actors) : running_(actors) {}
  Tally(const Tally&) = delete;
  Tally& operator=(const Tally&) = delete;

  // Any fiber. Adds `n` to the total that Await returns.
  void Add(int64_t n) {
    total_.fetch_add(n, std::memory_order_relaxed);  // relaxed: read after Await (see top)
  }
  // Any fiber. Records `failure` if it is the first.
  void Fail(absl::Status failure);
  // Records a Tell's error: in these flows every message must be accepted.
  void Check(absl::Status told) {
    if (!told.ok()) Fail(std::move(told));
  }
  // Any fiber, once per actor, as it stops.
  void ActorStopped() { running_.Done(); }

  // Plain thread. Waits until every actor has stopped, at most `bound`; returns the
  // first failure, else the total of Add. DeadlineExceeded (with the first failure,
  // if any) if some actor had not stopped by then: a lost message, or a stuck actor.
  // The actors may then still use the tally, so it is kept (for the rest of the
  // process) instead of destroyed.
  static absl::StatusOr<int64_t> Await(std::unique_ptr<Tally> tally, absl::Duration bound);

 private:
  WaitGroup running_;
  std::atomic<int64_t> total_{0};
  std::mutex mutex_;
  absl::Status first_failure_;  // guarded by mutex_
};

}  // namespace troupe::savina

#endif  // TROUPE_BENCHMARKS_SAVINA_TALLY_H_
