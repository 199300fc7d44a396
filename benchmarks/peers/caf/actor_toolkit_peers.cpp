// CAF 0.17 peers of troupe's actor toolkit benchmarks, run by
// benchmarks/micro/compare_with_peers.sh:
//
//   bazel build -c opt //benchmarks/peers/caf:actor_toolkit_peers
//   bazel-bin/benchmarks/peers/caf/actor_toolkit_peers -procs 2 -reps 3
//
// - BM_ActorTimersFixedDelay (benchmarks/micro/actor_timer_bench.cc): 100,000
//   event-based actors, spawned once, each handle 3 ticks per repetition: on begin
//   it sends itself a tick with delayed_send(1 s), and again after each tick it
//   handles, until the 3rd. CAF 0.17 has no periodic timer, so this is the peer of
//   troupe's fixed-delay timer only. Items = ticks; each line carries
//   cpu_ns_per_item, the process's CPU time per tick.
// - BM_RouterRoundRobin (benchmarks/micro/router_bench.cc): 4 producer actors,
//   spawned inside the timed region, each send 100,000 jobs to an actor_pool of 4
//   workers with the round_robin policy (the pool routes in the sender's context);
//   then every worker receives a flush and reports the jobs it handled, whose total is
//   checked (exit 1 if wrong). CAF's mailboxes are unbounded (troupe's and Go's hold
//   1,024 jobs and park the sender). Items = jobs.
//
// Each workload does one untimed warm-up repetition. The main thread waits on a
// countdown the actors decrement (a std::condition_variable; the last one wakes it).
#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "troupe/benchmarks/common/process_cpu.h"
#include "troupe/benchmarks/peers/peer_program.h"

namespace {

using troupe::benchmarks::ParsePeerFlags;
using troupe::benchmarks::PeerFlags;
using troupe::benchmarks::ProcessCpuNanos;
using troupe::benchmarks::ReportRepetition;
using troupe::benchmarks::ReportRepetitionWithCpu;

using BeginAtom = caf::atom_constant<caf::atom("begin")>;
using TickAtom = caf::atom_constant<caf::atom("tick")>;
using FlushAtom = caf::atom_constant<caf::atom("flush")>;

constexpr int kActors = 100'000;
constexpr int kTicksPerActor = 3;
constexpr auto kPeriod = std::chrono::seconds(1);
constexpr int kWorkers = 4;
constexpr int kProducers = 4;
constexpr int64_t kJobsPerProducer = 100'000;
constexpr int64_t kJobs = kProducers * kJobsPerProducer;

// The main thread waits until `Arrive` was called `count` times since `Reset`.
class Countdown {
 public:
  void Reset(int64_t count) {
    std::lock_guard<std::mutex> lock(mutex_);
    left_ = count;
  }
  void Arrive() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--left_ == 0) zero_.notify_one();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    zero_.wait(lock, [this] { return left_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable zero_;
  int64_t left_ = 0;
};

// ---- Timers ----

struct TickingState {
  int remaining = 0;
};

caf::behavior Ticking(caf::stateful_actor<TickingState>* self, Countdown* finished) {
  return {
      [self](BeginAtom) {
        self->state.remaining = kTicksPerActor;
        self->delayed_send(self, kPeriod, TickAtom::value);
      },
      [self, finished](TickAtom) {
        if (--self->state.remaining == 0) {
          finished->Arrive();
        } else {
          self->delayed_send(self, kPeriod, TickAtom::value);
        }
      },
  };
}

void RunTimers(caf::actor_system& system, const PeerFlags& flags) {
  Countdown finished;
  std::vector<caf::actor> actors;
  actors.reserve(kActors);
  for (int i = 0; i < kActors; ++i) actors.push_back(system.spawn(Ticking, &finished));
  auto rep = [&] {
    finished.Reset(kActors);
    const auto start = std::chrono::steady_clock::now();
    for (const caf::actor& actor : actors) caf::anon_send(actor, BeginAtom::value);
    finished.Wait();
    return std::chrono::steady_clock::now() - start;
  };
  rep();  // untimed warm-up
  std::fprintf(stderr, "actor_toolkit_peers: timers actors=%d ticks=%d (ok)\n", kActors,
               kTicksPerActor);
  constexpr int64_t kTicks = int64_t{kActors} * kTicksPerActor;
  for (int r = 0; r < flags.reps; ++r) {
    const double cpu_before = ProcessCpuNanos();
    const auto elapsed = rep();
    ReportRepetitionWithCpu("BM_ActorTimersFixedDelay", kTicks, elapsed,
                            ProcessCpuNanos() - cpu_before);
  }
  for (const caf::actor& actor : actors) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

// ---- Round-robin pool ----

struct WorkerState {
  uint64_t sum = 0;
  int64_t handled = 0;
};

caf::behavior Worker(caf::stateful_actor<WorkerState>* self, std::atomic<int64_t>* reported,
                     Countdown* flushed) {
  return {
      [self](uint64_t key) {
        self->state.sum += key;
        ++self->state.handled;
      },
      [self, reported, flushed](FlushAtom) {
        // relaxed: read by the main thread after the countdown's mutex.
        reported->fetch_add(self->state.handled, std::memory_order_relaxed);
        self->state.handled = 0;
        flushed->Arrive();
      },
  };
}

void Producer(caf::event_based_actor* self, const caf::actor& pool, uint64_t first,
              Countdown* produced) {
  for (int64_t i = 0; i < kJobsPerProducer; ++i) self->send(pool, first + i);
  produced->Arrive();
}

void RunPool(caf::actor_system& system, const PeerFlags& flags) {
  std::atomic<int64_t> reported{0};
  Countdown produced, flushed;
  std::vector<caf::actor> workers;
  caf::scoped_execution_unit context{&system};
  caf::actor pool = caf::actor_pool::make(
      &context, kWorkers,
      [&] {
        workers.push_back(system.spawn(Worker, &reported, &flushed));
        return workers.back();
      },
      caf::actor_pool::round_robin());
  auto rep = [&] {
    produced.Reset(kProducers);
    flushed.Reset(kWorkers);
    reported.store(0, std::memory_order_relaxed);
    const auto start = std::chrono::steady_clock::now();
    for (int p = 0; p < kProducers; ++p) {
      system.spawn(Producer, pool, static_cast<uint64_t>(p) * kJobsPerProducer, &produced);
    }
    produced.Wait();  // every job is in a worker's mailbox: the pool routes in send
    for (const caf::actor& worker : workers) caf::anon_send(worker, FlushAtom::value);
    flushed.Wait();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (const int64_t handled = reported.load(std::memory_order_relaxed); handled != kJobs) {
      std::fprintf(stderr, "actor_toolkit_peers: workers handled %lld jobs, want %lld\n",
                   static_cast<long long>(handled), static_cast<long long>(kJobs));
      std::exit(1);
    }
    return elapsed;
  };
  rep();  // untimed warm-up
  std::fprintf(stderr, "actor_toolkit_peers: pool jobs=%lld (ok)\n", static_cast<long long>(kJobs));
  for (int r = 0; r < flags.reps; ++r) ReportRepetition("BM_RouterRoundRobin", kJobs, rep());
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

}  // namespace

int main(int argc, char** argv) {
  const PeerFlags flags = ParsePeerFlags("actor_toolkit_peers", argc, argv);
  caf::actor_system_config config;
  config.set("scheduler.max-threads", static_cast<size_t>(flags.procs));
  caf::actor_system system{config};
  RunTimers(system, flags);
  RunPool(system, flags);
  return 0;
}
