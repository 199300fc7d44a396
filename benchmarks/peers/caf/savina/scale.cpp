// The CAF 0.17 twin of troupe's scale benchmark (benchmarks/savina/scale.cc,
// scale_harness.h): --count idle event-based actors, each spawned from the main
// thread and sent one message, which it handles, then idle with an empty mailbox,
// all alive at once: resident bytes per actor and the rate at which they were
// created and ran. Handles are held in a vector filled before the first
// measurement, so they are not counted. --procs sets scheduler.max-threads.
//
//   bazel build -c opt //benchmarks/peers/caf:scale_caf
//   bazel-bin/benchmarks/peers/caf/scale_caf --count=1000000
#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "absl/flags/parse.h"
#include "troupe/benchmarks/savina/scale_harness.h"

namespace troupe::savina {
namespace {

using WakeAtom = caf::atom_constant<caf::atom("wake")>;

// Counts down as actors run; the main thread waits for zero.
class RanLatch {
 public:
  explicit RanLatch(int64_t count) : remaining_(count) {}
  void CountDown() {
    // acq_rel: the last count-down sees every earlier one before it wakes the waiter.
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::lock_guard<std::mutex> lock(mutex_);
    zero_ = true;
    woken_.notify_all();
  }
  // Waits for zero, calling `progress(remaining)` every 20 ms meanwhile.
  template <typename Progress>
  void Wait(Progress&& progress) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!woken_.wait_for(lock, std::chrono::milliseconds(20), [&] { return zero_; })) {
      progress(remaining_.load(std::memory_order_relaxed));  // a progress report only
    }
  }

 private:
  std::atomic<int64_t> remaining_;
  std::mutex mutex_;
  std::condition_variable woken_;
  bool zero_ = false;  // guarded by mutex_
};

caf::behavior IdleActor(caf::event_based_actor*, RanLatch* ran) {
  return {
      [=](WakeAtom) { ran->CountDown(); },
  };
}

int MeasureIdleActors(const ScaleConfig& config, ScaleProgress& progress) {
  caf::actor_system_config caf_config;
  caf_config.set("scheduler.max-threads", static_cast<size_t>(config.procs));
  caf::actor_system system{caf_config};
  std::vector<caf::actor> actors(config.count);  // touched before the baseline
  RanLatch ran(config.count);
  const int64_t resident_before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < config.count; ++i) {
    actors[i] = system.spawn(IdleActor, &ran);
    caf::anon_send(actors[i], WakeAtom::value);
    progress.created.store(i + 1, std::memory_order_relaxed);  // read after our death
  }
  ran.Wait([&](int64_t remaining) {
    progress.ran.store(config.count - remaining, std::memory_order_relaxed);
  });
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ReportScale("IdleActors", config.count, elapsed, ResidentBytes() - resident_before);
  EndChild(0);
}

}  // namespace
}  // namespace troupe::savina

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const troupe::savina::ScaleConfig config =
      troupe::savina::ScaleConfigFromFlagsOrExit("scale_caf");
  return troupe::savina::MeasureInChild("IdleActors", config.count, [&](auto& progress) {
    return troupe::savina::MeasureIdleActors(config, progress);
  });
}
