// Micro-benchmarks of troupe's scheduler hot paths. Every benchmark reports items/s
// (fibers, leaves, switches, round trips, lock acquisitions, queue operations) so
// that figures compare across benchmarks and with the Go peers
// (benchmarks/micro/compare_with_peers.sh).
//
//   bazel run -c opt //benchmarks/micro:scheduler_bench -- --benchmark_repetitions=5
//
// Benchmarks that need a runtime use one per processor count, created on first use
// and kept for the whole run, so stacks are pooled as in a long-running service. The
// "default" runtime has TROUPE_PROCS (or the CPU count) processors.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "troupe/benchmarks/micro/skynet.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/local_run_queue.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::benchmarks {
namespace {

constexpr int kDefaultProcs = 0;

Runtime& RuntimeWithProcs(int procs) {
  static auto* runtimes = new std::map<int, std::unique_ptr<Runtime>>();
  auto& runtime = (*runtimes)[procs];
  if (runtime == nullptr) {
    auto created = Runtime::Create({.procs = procs});
    if (!created.ok()) {
      std::fprintf(stderr, "scheduler_bench: %s\n", created.status().ToString().c_str());
      std::exit(2);
    }
    runtime = *std::move(created);
  }
  return *runtime;
}

void RunOrDie(Runtime& runtime, absl::AnyInvocable<void() &&> body) {
  absl::Status status = runtime.Run(std::move(body));
  if (!status.ok()) {
    std::fprintf(stderr, "scheduler_bench: %s\n", status.ToString().c_str());
    std::exit(1);
  }
}

void JoinOrDie(JoinHandle& handle) {
  if (!handle.Join().ok()) std::abort();
}

// Spawn N empty fibers from one fiber, then join them all.
void BM_SpawnJoin(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  Runtime& runtime = RuntimeWithProcs(kDefaultProcs);
  std::vector<JoinHandle> handles;
  handles.reserve(count);
  for (auto _ : state) {
    RunOrDie(runtime, [&] {
      for (int i = 0; i < count; ++i) handles.push_back(Spawn([] {}));
      for (JoinHandle& handle : handles) JoinOrDie(handle);
      handles.clear();
    });
  }
  state.SetItemsProcessed(state.iterations() * count);
  state.counters["procs"] = runtime.procs();
}
BENCHMARK(BM_SpawnJoin)->Arg(10'000)->UseRealTime()->Unit(benchmark::kMillisecond);

// Spawn N empty fibers from a plain thread (Runtime::Spawn, as the Savina Fork-Join
// benchmarks and a service's non-fiber threads do), then join them all from it.
void BM_SpawnJoinFromThread(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  Runtime& runtime = RuntimeWithProcs(kDefaultProcs);
  std::vector<JoinHandle> handles;
  handles.reserve(count);
  for (auto _ : state) {
    for (int i = 0; i < count; ++i) handles.push_back(runtime.Spawn([] {}));
    for (JoinHandle& handle : handles) JoinOrDie(handle);
    handles.clear();
  }
  state.SetItemsProcessed(state.iterations() * count);
  state.counters["procs"] = runtime.procs();
}
BENCHMARK(BM_SpawnJoinFromThread)->Arg(10'000)->UseRealTime()->Unit(benchmark::kMillisecond);

// 1,000,000 leaves, fan-out 10; items are leaves.
void BM_Skynet(benchmark::State& state) {
  Runtime& runtime = RuntimeWithProcs(kDefaultProcs);
  for (auto _ : state) {
    int64_t sum = 0;
    RunOrDie(runtime, [&] { sum = Skynet(0, kSkynetLeaves); });
    if (sum != kSkynetExpectedSum) {
      state.SkipWithError("wrong skynet sum");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kSkynetLeaves);
  state.counters["procs"] = runtime.procs();
}
BENCHMARK(BM_Skynet)->UseRealTime()->Unit(benchmark::kMillisecond);

// Two fibers on one P yield to each other; items are switches.
void BM_YieldSwitch(benchmark::State& state) {
  constexpr int kYields = 200'000;
  Runtime& runtime = RuntimeWithProcs(1);
  for (auto _ : state) {
    RunOrDie(runtime, [] {
      auto yielder = [] {
        for (int i = 0; i < kYields; ++i) this_fiber::Yield();
      };
      JoinHandle a = Spawn(yielder);
      JoinHandle b = Spawn(yielder);
      JoinOrDie(a);
      JoinOrDie(b);
    });
  }
  state.SetItemsProcessed(state.iterations() * 2 * kYields);
}
BENCHMARK(BM_YieldSwitch)->UseRealTime()->Unit(benchmark::kMillisecond);

// Four fibers per P take one troupe::Mutex in turn around a counter increment;
// items are lock acquisitions.
void BM_MutexContention(benchmark::State& state) {
  constexpr int kLocksPerFiber = 20'000;
  Runtime& runtime = RuntimeWithProcs(kDefaultProcs);
  const int fibers = 4 * runtime.procs();
  for (auto _ : state) {
    Mutex mutex;
    int64_t counter = 0;
    RunOrDie(runtime, [&] {
      std::vector<JoinHandle> handles;
      for (int f = 0; f < fibers; ++f) {
        handles.push_back(Spawn([&] {
          for (int i = 0; i < kLocksPerFiber; ++i) {
            MutexLock lock(mutex);
            ++counter;
          }
        }));
      }
      for (JoinHandle& handle : handles) JoinOrDie(handle);
    });
    if (counter != int64_t{fibers} * kLocksPerFiber) {
      state.SkipWithError("lost increments");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * fibers * kLocksPerFiber);
  state.counters["procs"] = runtime.procs();
}
BENCHMARK(BM_MutexContention)->UseRealTime()->Unit(benchmark::kMillisecond);

// Two fibers wake each other through two semaphores: each round trip is two
// wake-ups, each a park, a wake, and a switch. Arg: processors.
void BM_WakeLatency(benchmark::State& state) {
  constexpr int kRoundTrips = 100'000;
  Runtime& runtime = RuntimeWithProcs(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    RunOrDie(runtime, [] {
      Semaphore ping(0);
      Semaphore pong(0);
      JoinHandle responder = Spawn([&] {
        for (int i = 0; i < kRoundTrips; ++i) {
          ping.Acquire();
          pong.Release();
        }
      });
      for (int i = 0; i < kRoundTrips; ++i) {
        ping.Release();
        pong.Acquire();
      }
      JoinOrDie(responder);
    });
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
}
BENCHMARK(BM_WakeLatency)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The local run queue alone: the owner pushes and pops; items are push+pop pairs.
void BM_RunQueuePushPop(benchmark::State& state) {
  using scheduler_internal::Fiber;
  using scheduler_internal::LocalRunQueue;
  auto queue = std::make_unique<LocalRunQueue>();
  std::vector<Fiber> fibers(64);
  for (auto _ : state) {
    for (Fiber& fiber : fibers) benchmark::DoNotOptimize(queue->TryPush(&fiber));
    for (std::size_t i = 0; i < fibers.size(); ++i) benchmark::DoNotOptimize(queue->TryPop());
  }
  state.SetItemsProcessed(state.iterations() * fibers.size());
}
BENCHMARK(BM_RunQueuePushPop);

// Stealing half of a full victim queue into an empty thief queue and draining it;
// items are fibers stolen.
void BM_RunQueueStealHalf(benchmark::State& state) {
  using scheduler_internal::Fiber;
  using scheduler_internal::LocalRunQueue;
  auto victim = std::make_unique<LocalRunQueue>();
  auto thief = std::make_unique<LocalRunQueue>();
  std::vector<Fiber> fibers(LocalRunQueue::kCapacity);
  uint64_t stolen = 0;
  for (auto _ : state) {
    state.PauseTiming();
    while (victim->TryPop() != nullptr) {
    }
    for (Fiber& fiber : fibers) victim->TryPush(&fiber);
    state.ResumeTiming();
    if (victim->StealHalfInto(*thief, /*include_run_next=*/false) != nullptr) ++stolen;
    while (thief->TryPop() != nullptr) ++stolen;
  }
  state.SetItemsProcessed(static_cast<int64_t>(stolen));
}
BENCHMARK(BM_RunQueueStealHalf);

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
