// Benchmarks of actor timers (Actor::StartTimerAtFixedRate and friends,
// actors/internal/actor_timers.h). compare_with_peers.sh runs the two throughput
// benchmarks beside their Go and CAF peers (benchmarks/peers/go/actortimers,
// benchmarks/peers/caf/actor_toolkit_peers.cpp).
//
//   bazel run -c opt //benchmarks/micro:actor_timer_bench -- --benchmark_repetitions=3
//
// - BM_ActorTimersFixedRate / BM_ActorTimersFixedDelay: 100,000 actors, spawned once,
//   each start a periodic 1 s timer (fixed rate, or fixed delay: the next tick is
//   due 1 s after the last was handled) and handle 3 of its ticks, then cancel it:
//   100,000 ticks a second asked for. A runtime that keeps up takes about 3 s per
//   round (items/s near 100,000, or under for fixed delay, whose ticks drift by the
//   handling delay); one that does not, longer. The figure that tells them apart is
//   the CPU per tick. TROUPE_TIMER_PERIOD_MS=10 in the environment asks for 10 ms
//   (10 million ticks a second: past saturation on a 2-core VM; ticks the actors
//   cannot keep up with are skipped, see BENCHMARKS.md). Items = ticks handled;
//   cpu_ns_per_item = the process's CPU time per tick (all threads, idle spinning
//   included); allocs_per_item = heap allocations per tick, the round's timer starts
//   included; skipped_per_item = fixed-rate ticks skipped per tick handled.
// - BM_ActorTimerStartCancel: one actor starts a single timer (1 s) and cancels it,
//   in a loop in its own fiber. Items = start+cancel pairs.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/common/process_cpu.h"
#include "troupe/benchmarks/micro/shared_actor_system.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks {
namespace {

constexpr int kActors = 100'000;
constexpr int kTicksPerActor = 3;
// 1 s, or TROUPE_TIMER_PERIOD_MS milliseconds.
absl::Duration Period() {
  static const absl::Duration period = [] {
    const char* ms = std::getenv("TROUPE_TIMER_PERIOD_MS");
    return ms != nullptr && std::atoi(ms) > 0 ? absl::Milliseconds(std::atoi(ms))
                                              : absl::Seconds(1);
  }();
  return period;
}
constexpr char kTimerKey[] = "tick";

// Counts actors that finished their ticks; the last one releases `done`. Lives as long
// as the benchmark binary, so that no Release runs on a destroyed semaphore.
struct Countdown {
  void Reset(int64_t count) {
    // relaxed: published to the actors by the Tells that follow (the mailbox's push).
    left.store(count, std::memory_order_relaxed);
  }
  void Arrive() {
    // acq_rel: the last arrival sees every other actor's work before releasing done.
    if (left.fetch_sub(1, std::memory_order_acq_rel) == 1) done.Release();
  }
  std::atomic<int64_t> left{0};
  Semaphore done{0};
};

struct Begin {
  bool fixed_rate;
  Countdown* countdown;
};
struct Tick {};
using TickingMessage = std::variant<Begin, Tick>;

// On Begin, starts its periodic timer; after kTicksPerActor ticks cancels it and
// arrives at the countdown.
class TickingActor : public Actor<TickingMessage> {
 public:
  void Receive(TickingMessage& message) override {
    if (auto* begin = std::get_if<Begin>(&message)) {
      remaining_ = kTicksPerActor;
      countdown_ = begin->countdown;
      if (begin->fixed_rate) {
        StartTimerAtFixedRate(kTimerKey, Tick{}, Period());
      } else {
        StartTimerWithFixedDelay(kTimerKey, Tick{}, Period());
      }
      return;
    }
    if (remaining_ == 0) std::abort();  // a tick after the cancel: the timers are broken
    if (--remaining_ == 0) {
      CancelTimer(kTimerKey);
      countdown_->Arrive();
    }
  }

 private:
  int remaining_ = 0;
  Countdown* countdown_ = nullptr;
};

Countdown& SharedCountdown() {
  static Countdown* countdown = new Countdown();
  return *countdown;
}

// One round: every actor handles kTicksPerActor ticks.
void TickRound(const std::vector<ActorRef<TickingMessage>>& actors, bool fixed_rate) {
  Countdown& countdown = SharedCountdown();
  countdown.Reset(kActors);
  for (const ActorRef<TickingMessage>& actor : actors) {
    if (!actor.Tell(Begin{fixed_rate, &countdown}).ok()) std::abort();
  }
  countdown.done.Acquire();
}

// The 100,000 actors, spawned on first use and warmed by one untimed round (their
// fibers' stacks touched, the envelope caches filled).
const std::vector<ActorRef<TickingMessage>>& TickingActors() {
  static const std::vector<ActorRef<TickingMessage>>* actors = [] {
    auto* spawned = new std::vector<ActorRef<TickingMessage>>();
    spawned->reserve(kActors);
    for (int i = 0; i < kActors; ++i) {
      spawned->push_back(SharedSystem().Spawn<TickingActor>({.name = "ticking"}));
    }
    TickRound(*spawned, /*fixed_rate=*/true);
    return spawned;
  }();
  return *actors;
}

void RunTickRounds(benchmark::State& state, bool fixed_rate) {
  const std::vector<ActorRef<TickingMessage>>& actors = TickingActors();
  double cpu_ns = 0;
  const uint64_t allocations_before = AllocationCount();
  const uint64_t skipped_before = SharedSystem().timer_ticks_skipped();
  for (auto _ : state) {
    const double cpu_before = ProcessCpuNanos();
    TickRound(actors, fixed_rate);
    cpu_ns += ProcessCpuNanos() - cpu_before;
  }
  const double ticks = static_cast<double>(state.iterations()) * kActors * kTicksPerActor;
  state.SetItemsProcessed(static_cast<int64_t>(ticks));
  state.counters["cpu_ns_per_item"] = cpu_ns / ticks;
  state.counters["allocs_per_item"] =
      static_cast<double>(AllocationCount() - allocations_before) / ticks;
  state.counters["skipped_per_item"] =
      static_cast<double>(SharedSystem().timer_ticks_skipped() - skipped_before) / ticks;
  state.counters["procs"] = SharedRuntime().procs();
}

void BM_ActorTimersFixedRate(benchmark::State& state) { RunTickRounds(state, true); }
BENCHMARK(BM_ActorTimersFixedRate)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_ActorTimersFixedDelay(benchmark::State& state) { RunTickRounds(state, false); }
BENCHMARK(BM_ActorTimersFixedDelay)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- Start and cancel one timer, in the actor's fiber. ----
struct StartCancel {
  int64_t pairs;
  Semaphore* done;
};
using StarterMessage = std::variant<StartCancel, Tick>;

class StartCancelActor : public Actor<StarterMessage> {
 public:
  void Receive(StarterMessage& message) override {
    auto* run = std::get_if<StartCancel>(&message);
    if (run == nullptr) std::abort();  // a tick: every timer was cancelled a second early
    for (int64_t i = 0; i < run->pairs; ++i) {
      StartSingleTimer(kTimerKey, Tick{}, absl::Seconds(1));
      if (!CancelTimer(kTimerKey)) std::abort();
    }
    run->done->Release();
  }
};

void BM_ActorTimerStartCancel(benchmark::State& state) {
  constexpr int64_t kPairs = 10'000;
  static ActorRef<StarterMessage> actor =
      SharedSystem().Spawn<StartCancelActor>({.name = "start-cancel"});
  static Semaphore* done = new Semaphore(0);
  const uint64_t allocations_before = AllocationCount();
  for (auto _ : state) {
    if (!actor.Tell(StartCancel{kPairs, done}).ok()) std::abort();
    done->Acquire();
  }
  const double pairs = static_cast<double>(state.iterations()) * kPairs;
  state.SetItemsProcessed(static_cast<int64_t>(pairs));
  state.counters["allocs_per_item"] =
      static_cast<double>(AllocationCount() - allocations_before) / pairs;
}
BENCHMARK(BM_ActorTimerStartCancel)->UseRealTime();

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
