// Benchmarks of routers (actors/router.h). compare_with_peers.sh runs the throughput
// benchmarks beside their Go peers (benchmarks/peers/go/router: per-worker buffered
// channels, the same three policies) and CAF's actor_pool (round robin only; CAF
// 0.17 has no smallest-mailbox or consistent-hash pool).
//
//   bazel run -c opt //benchmarks/micro:router_bench -- --benchmark_repetitions=3
//
// - BM_RouterRoundRobin / BM_RouterSmallestMailbox / BM_RouterConsistentHash: 4
//   producer fibers each send 100,000 jobs through a router of 4 workers (bounded
//   mailboxes of 1,024 that park the sender when full, as Go's buffered channels
//   do); then a Flush to every worker, which reports how many jobs it handled. Items
//   = jobs. The workers are spawned once, outside the timed region.
// - BM_RouterTell/<routing>: the cost of one Router::Tell from a plain thread, per
//   policy (Routing's value: 0 round robin, 1 random, 2 smallest mailbox, 3
//   consistent hash), beside BM_WorkerTell, the same Tells straight to the workers'
//   ActorRefs in turn: the difference is the routing. The workers are held (parked
//   in a Hold message) while a batch of 1,024 Tells is timed, so that the figure is
//   the sender's cost and not the workers' pace; releasing and draining them is not
//   timed.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <variant>
#include <vector>

#include "benchmark/benchmark.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/router.h"
#include "troupe/benchmarks/micro/shared_actor_system.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"

namespace troupe::benchmarks {
namespace {

constexpr int kWorkers = 4;
constexpr int kProducers = 4;
constexpr int64_t kJobsPerProducer = 100'000;
constexpr int64_t kJobs = kProducers * kJobsPerProducer;

// Counts the workers' reports; the last one releases `done`. Lives as long as the
// binary, so that no Release runs on a destroyed semaphore.
struct FlushCountdown {
  void Reset() {
    // relaxed: published to the workers by the Flush Tells that follow.
    workers_left.store(kWorkers, std::memory_order_relaxed);
    jobs.store(0, std::memory_order_relaxed);
  }
  void Report(int64_t handled) {
    // relaxed: ordered before the release below by program order.
    jobs.fetch_add(handled, std::memory_order_relaxed);
    // acq_rel: the last report sees every other report's job count.
    if (workers_left.fetch_sub(1, std::memory_order_acq_rel) == 1) done.Release();
  }
  std::atomic<int> workers_left{0};
  std::atomic<int64_t> jobs{0};
  Semaphore done{0};
};

struct Job {
  uint64_t key;
};
struct Flush {
  FlushCountdown* countdown;
};
// Parks the worker until `release` is released.
struct Hold {
  Semaphore* release;
};
using WorkerMessage = std::variant<Job, Flush, Hold>;

// Sums its jobs' keys (the work), on Flush reports how many jobs it handled since the
// last one, and on Hold parks until released.
class Worker : public Actor<WorkerMessage> {
 public:
  void Receive(WorkerMessage& message) override {
    if (auto* job = std::get_if<Job>(&message)) {
      sum_ += job->key;
      ++handled_;
      return;
    }
    if (auto* hold = std::get_if<Hold>(&message)) {
      hold->release->Acquire();
      return;
    }
    benchmark::DoNotOptimize(sum_);
    std::get<Flush>(message).countdown->Report(handled_);
    handled_ = 0;
  }

 private:
  uint64_t sum_ = 0;
  int64_t handled_ = 0;
};

// One router per policy, started on first use and never stopped.
const Router<WorkerMessage>& RouterFor(Routing routing) {
  static auto* routers = new std::map<Routing, Router<WorkerMessage>>();
  auto it = routers->find(routing);
  if (it != routers->end()) return it->second;
  RouterOptions<WorkerMessage> options;
  options.name = "bench-pool";
  options.workers = kWorkers;
  options.routing = routing;
  options.worker_options.mailbox_capacity = 1024;
  if (routing == Routing::kConsistentHash) {
    options.hash_key = [](const WorkerMessage& message) {
      const Job* job = std::get_if<Job>(&message);
      return job == nullptr ? uint64_t{0} : job->key;
    };
  }
  absl::StatusOr<Router<WorkerMessage>> router =
      Router<WorkerMessage>::Start<Worker>(SharedSystem(), std::move(options));
  if (!router.ok()) {
    std::fprintf(stderr, "router_bench: %s\n", router.status().ToString().c_str());
    std::exit(1);
  }
  return routers->emplace(routing, *std::move(router)).first->second;
}

// Flushes every worker of `router` and waits for their reports; returns the jobs they
// handled since the last flush.
int64_t FlushWorkers(const Router<WorkerMessage>& router) {
  static FlushCountdown* countdown = new FlushCountdown();
  countdown->Reset();
  if (!router.Broadcast(Flush{countdown}).ok()) std::abort();
  countdown->done.Acquire();
  return countdown->jobs.load(std::memory_order_relaxed);  // after done: see Report
}

void RunProducers(benchmark::State& state, Routing routing) {
  static const Router<WorkerMessage>* router;  // for the producers' lambdas
  router = &RouterFor(routing);
  for (auto _ : state) {
    absl::Status run = SharedRuntime().Run([] {
      std::vector<JoinHandle> producers;
      for (int p = 0; p < kProducers; ++p) {
        producers.push_back(Spawn([p] {
          const uint64_t first = static_cast<uint64_t>(p) * kJobsPerProducer;
          for (int64_t i = 0; i < kJobsPerProducer; ++i) {
            if (!router->Tell(Job{first + i}).ok()) std::abort();
          }
        }));
      }
      for (JoinHandle& producer : producers) (void)producer.Join();
    });
    if (!run.ok()) std::abort();
    // Every producer's Tells returned: their jobs are queued before the Flushes.
    const int64_t handled = FlushWorkers(*router);
    if (handled != kJobs) {
      std::fprintf(stderr, "router_bench: workers handled %lld jobs, want %lld\n",
                   static_cast<long long>(handled), static_cast<long long>(kJobs));
      std::exit(1);
    }
  }
  state.SetItemsProcessed(state.iterations() * kJobs);
  state.counters["procs"] = SharedRuntime().procs();
}

void BM_RouterRoundRobin(benchmark::State& state) { RunProducers(state, Routing::kRoundRobin); }
BENCHMARK(BM_RouterRoundRobin)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RouterSmallestMailbox(benchmark::State& state) {
  RunProducers(state, Routing::kSmallestMailbox);
}
BENCHMARK(BM_RouterSmallestMailbox)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_RouterConsistentHash(benchmark::State& state) {
  RunProducers(state, Routing::kConsistentHash);
}
BENCHMARK(BM_RouterConsistentHash)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- One Tell, from the benchmark's thread. ----
constexpr int kTellBatch = 1024;  // a quarter of the workers' mailboxes, if evenly spread

// Times `tell(key)` kTellBatch times per iteration while `router`'s workers are held.
template <typename Tell>
void RunHeldTells(benchmark::State& state, const Router<WorkerMessage>& router, Tell tell) {
  static Semaphore* release = new Semaphore(0);
  uint64_t key = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!router.Broadcast(Hold{release}).ok()) std::abort();
    state.ResumeTiming();
    for (int i = 0; i < kTellBatch; ++i) {
      if (!tell(key++).ok()) std::abort();
    }
    state.PauseTiming();
    release->Release(kWorkers);
    FlushWorkers(router);  // drained before the next batch
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kTellBatch);
}

void BM_RouterTell(benchmark::State& state) {
  const Router<WorkerMessage>& router = RouterFor(static_cast<Routing>(state.range(0)));
  RunHeldTells(state, router, [&router](uint64_t key) { return router.Tell(Job{key}); });
}
BENCHMARK(BM_RouterTell)
    ->Arg(static_cast<int>(Routing::kRoundRobin))
    ->Arg(static_cast<int>(Routing::kRandom))
    ->Arg(static_cast<int>(Routing::kSmallestMailbox))
    ->Arg(static_cast<int>(Routing::kConsistentHash))
    ->UseRealTime();

// The baseline of BM_RouterTell: the same Tells to the round-robin router's workers,
// picked in turn by the caller.
void BM_WorkerTell(benchmark::State& state) {
  const Router<WorkerMessage>& router = RouterFor(Routing::kRoundRobin);
  const std::vector<ActorRef<WorkerMessage>> workers = router.workers();
  RunHeldTells(state, router,
               [&workers](uint64_t key) { return workers[key % workers.size()].Tell(Job{key}); });
}
BENCHMARK(BM_WorkerTell)->UseRealTime();

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
