// Micro-benchmarks of troupe's actors. Items are messages, so items/s compares with
// the CAF and Go peers (benchmarks/micro/compare_with_peers.sh, benchmarks/peers/caf/). Each actor
// benchmark also reports heap allocations per message in steady state
// (`allocs_per_msg`, counted by allocation_counter.h).
//
//   bazel run -c opt //benchmarks/micro:actor_bench -- --benchmark_repetitions=5
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <variant>
#include <vector>

#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/internal/mailbox_queue.h"
#include "troupe/actors/reply.h"
#include "benchmark/benchmark.h"
#include "troupe/benchmarks/common/allocation_counter.h"
#include "troupe/benchmarks/micro/shared_actor_system.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "concurrentqueue/concurrentqueue.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::benchmarks {
namespace {

// ---- Ping-pong: two actors exchange messages until `rounds` round trips. ----
struct Ball {
  int64_t round;
};
struct Serve {
  int64_t rounds;
  Semaphore* done;
};
using PlayerMessage = std::variant<Ball, Serve>;

class Player : public Actor<PlayerMessage> {
 public:
  explicit Player(const ActorRef<PlayerMessage>* partner) : partner_(partner) {}
  void Receive(PlayerMessage& message) override {
    if (auto* serve = std::get_if<Serve>(&message)) {
      rounds_ = serve->rounds;
      done_ = serve->done;
      Hit(0);
      return;
    }
    const int64_t round = std::get<Ball>(message).round;
    if (done_ == nullptr) {  // the returner
      if (!partner_->Tell(Ball{round}).ok()) std::abort();
    } else if (round + 1 == rounds_) {
      done_->Release();
    } else {
      Hit(round + 1);
    }
  }

 private:
  void Hit(int64_t round) {
    if (!partner_->Tell(Ball{round}).ok()) std::abort();
  }
  const ActorRef<PlayerMessage>* partner_;
  int64_t rounds_ = 0;
  Semaphore* done_ = nullptr;
};

void BM_ActorPingPong(benchmark::State& state) {
  constexpr int64_t kRounds = 100'000;
  static ActorRef<PlayerMessage> server, returner;
  static bool started = false;
  if (!started) {
    server = SharedSystem().Spawn<Player>({.name = "server"}, &returner);
    returner = SharedSystem().Spawn<Player>({.name = "returner"}, &server);
    started = true;
  }
  Semaphore done(0);
  uint64_t allocations_before = 0;
  for (auto _ : state) {
    state.PauseTiming();
    allocations_before = AllocationCount();
    state.ResumeTiming();
    if (!server.Tell(Serve{kRounds, &done}).ok()) std::abort();
    done.Acquire();
  }
  state.SetItemsProcessed(state.iterations() * kRounds * 2);  // messages
  state.counters["allocs_per_msg"] =
      static_cast<double>(AllocationCount() - allocations_before) / (kRounds * 2);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_ActorPingPong)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- Fan-in: 100 sender fibers tell one actor. Arg: mailbox capacity (0: unbounded;
// bounded mailboxes park senders when full, as Go's buffered channels do). ----
struct Count {};
struct Expect {
  int64_t messages;
  Semaphore* done;
};
using SinkMessage = std::variant<Count, Expect>;

class Sink : public Actor<SinkMessage> {
 public:
  void Receive(SinkMessage& message) override {
    if (auto* expect = std::get_if<Expect>(&message)) {
      remaining_ += expect->messages;
      done_ = expect->done;
    } else {
      --remaining_;
    }
    if (remaining_ == 0 && done_ != nullptr) done_->Release();
  }

 private:
  int64_t remaining_ = 0;
  Semaphore* done_ = nullptr;
};

void BM_ActorFanIn(benchmark::State& state) {
  constexpr int kSenders = 100;
  constexpr int64_t kPerSender = 10'000;
  static ActorRef<SinkMessage> sinks[2] = {
      SharedSystem().Spawn<Sink>({.name = "sink"}),
      SharedSystem().Spawn<Sink>({.name = "bounded sink", .mailbox_capacity = 1024})};
  static ActorRef<SinkMessage>* sink;
  sink = &sinks[state.range(0) == 0 ? 0 : 1];
  uint64_t allocations_before = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Semaphore done(0);
    allocations_before = AllocationCount();
    state.ResumeTiming();
    // Expect may arrive after some Counts: the count goes negative, then back to 0.
    if (!sink->Tell(Expect{kSenders * kPerSender, &done}).ok()) std::abort();
    absl::Status run = SharedRuntime().Run([] {
      std::vector<JoinHandle> senders;
      for (int s = 0; s < kSenders; ++s) {
        senders.push_back(Spawn([] {
          for (int64_t i = 0; i < kPerSender; ++i) {
            if (!sink->Tell(Count{}).ok()) std::abort();
          }
        }));
      }
      for (JoinHandle& sender : senders) (void)sender.Join();
    });
    if (!run.ok()) std::abort();
    done.Acquire();
  }
  state.SetItemsProcessed(state.iterations() * kSenders * kPerSender);
  state.counters["allocs_per_msg"] =
      static_cast<double>(AllocationCount() - allocations_before) / (kSenders * kPerSender);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_ActorFanIn)->Arg(0)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- Ask: one fiber asks an echo actor, one request at a time; items are asks. ----
struct Echo {
  int64_t value;
  Reply<int64_t> reply;
};

class Echoer : public Actor<Echo> {
 public:
  void Receive(Echo& message) override { message.reply.Send(message.value); }
};

void BM_AskRoundTrip(benchmark::State& state) {
  constexpr int64_t kAsks = 20'000;
  static ActorRef<Echo> echo = SharedSystem().Spawn<Echoer>({.name = "echo"});
  for (auto _ : state) {
    absl::Status run = SharedRuntime().Run([] {
      const ContextWithCancel request = WithCancel(Context());
      for (int64_t i = 0; i < kAsks; ++i) {
        absl::StatusOr<int64_t> answer = Ask<int64_t>(
            echo, [i](Reply<int64_t> reply) { return Echo{i, std::move(reply)}; },
            request.context);
        if (!answer.ok() || *answer != i) std::abort();
      }
      request.cancel.Cancel();
    });
    if (!run.ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kAsks);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_AskRoundTrip)->UseRealTime()->Unit(benchmark::kMillisecond);

// As BM_AskRoundTrip, the asks made under a trace context (tracing/span.h): each ask
// is a span with a context of its own. Arg 0: no span recording (what a traced
// request costs in production); 1: recording on (each ask and each handling
// recorded).
void BM_AskRoundTripTraced(benchmark::State& state) {
  constexpr int64_t kAsks = 20'000;
  static ActorRef<Echo> echo = SharedSystem().Spawn<Echoer>({.name = "echo"});
  const bool recording = state.range(0) == 1;
  for (auto _ : state) {
    if (recording) {
      state.PauseTiming();
      if (!tracing::StartSpanRecording({.capacity = 2 * kAsks}).ok()) std::abort();
      state.ResumeTiming();
    }
    absl::Status run = SharedRuntime().Run([] {
      const ContextWithCancel request = WithCancel(Context());
      const Context traced = WithTraceContext(request.context, TraceContext::NewRoot());
      for (int64_t i = 0; i < kAsks; ++i) {
        absl::StatusOr<int64_t> answer = Ask<int64_t>(
            echo, [i](Reply<int64_t> reply) { return Echo{i, std::move(reply)}; }, traced);
        if (!answer.ok() || *answer != i) std::abort();
      }
      request.cancel.Cancel();
    });
    if (!run.ok()) std::abort();
    if (recording) {
      state.PauseTiming();
      tracing::StopSpanRecording();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations() * kAsks);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_AskRoundTripTraced)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);

// ---- The mailbox queue alone. ----
struct Node : actors_internal::MailboxNode {};

// One thread pushes and pops; items are push+pop pairs.
void BM_MailboxEnqueueDequeue(benchmark::State& state) {
  actors_internal::MailboxQueue queue;
  std::vector<Node> nodes(64);
  for (auto _ : state) {
    for (Node& node : nodes) queue.Push(&node);
    for (std::size_t i = 0; i < nodes.size(); ++i) benchmark::DoNotOptimize(queue.Pop());
  }
  state.SetItemsProcessed(state.iterations() * nodes.size());
}
BENCHMARK(BM_MailboxEnqueueDequeue);

// `range(0)` producer threads push while this thread pops; items are messages.
void BM_MailboxMultiProducer(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  constexpr int kPerProducer = 200'000;
  for (auto _ : state) {
    actors_internal::MailboxQueue queue;
    std::vector<std::unique_ptr<Node[]>> nodes;
    for (int p = 0; p < producers; ++p) nodes.push_back(std::make_unique<Node[]>(kPerProducer));
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&queue, &nodes, p] {
        for (int i = 0; i < kPerProducer; ++i) queue.Push(&nodes[p][i]);
      });
    }
    int64_t popped = 0;
    while (popped < int64_t{producers} * kPerProducer) {
      if (queue.Pop() != nullptr) ++popped;
    }
    for (std::thread& thread : threads) thread.join();
  }
  state.SetItemsProcessed(state.iterations() * producers * kPerProducer);
}
BENCHMARK(BM_MailboxMultiProducer)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The alternative the mailbox was measured against: moodycamel::ConcurrentQueue with
// the same workloads (pointers, implicit producers). It is not used for mailboxes:
// it orders messages per producing thread, not per sender fiber (mailbox_queue.h).
void BM_MoodycamelEnqueueDequeue(benchmark::State& state) {
  moodycamel::ConcurrentQueue<Node*> queue;
  std::vector<Node> nodes(64);
  Node* out = nullptr;
  for (auto _ : state) {
    for (Node& node : nodes) queue.enqueue(&node);
    for (std::size_t i = 0; i < nodes.size(); ++i) benchmark::DoNotOptimize(queue.try_dequeue(out));
  }
  state.SetItemsProcessed(state.iterations() * nodes.size());
}
BENCHMARK(BM_MoodycamelEnqueueDequeue);

void BM_MoodycamelMultiProducer(benchmark::State& state) {
  const int producers = static_cast<int>(state.range(0));
  constexpr int kPerProducer = 200'000;
  for (auto _ : state) {
    moodycamel::ConcurrentQueue<Node*> queue;
    std::vector<std::unique_ptr<Node[]>> nodes;
    for (int p = 0; p < producers; ++p) nodes.push_back(std::make_unique<Node[]>(kPerProducer));
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p) {
      threads.emplace_back([&queue, &nodes, p] {
        for (int i = 0; i < kPerProducer; ++i) queue.enqueue(&nodes[p][i]);
      });
    }
    int64_t popped = 0;
    Node* out = nullptr;
    while (popped < int64_t{producers} * kPerProducer) {
      if (queue.try_dequeue(out)) ++popped;
    }
    for (std::thread& thread : threads) thread.join();
  }
  state.SetItemsProcessed(state.iterations() * producers * kPerProducer);
}
BENCHMARK(BM_MoodycamelMultiProducer)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
