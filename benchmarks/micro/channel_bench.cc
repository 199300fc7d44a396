// Micro-benchmarks of troupe's channels and select. Items are round trips or
// messages, so items/s compares with the Go peers (benchmarks/micro/compare_with_peers.sh).
//
//   bazel run -c opt //benchmarks/micro:channel_bench -- --benchmark_repetitions=5
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "benchmark/benchmark.h"
#include "troupe/scheduler/channel.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"

namespace troupe::benchmarks {
namespace {

void RunOrDie(absl::AnyInvocable<void() &&> body) {
  absl::Status status = SharedRuntime().Run(std::move(body));
  if (!status.ok()) {
    std::fprintf(stderr, "channel_bench: %s\n", status.ToString().c_str());
    std::exit(1);
  }
}

void Check(const absl::Status& status) {
  if (!status.ok()) std::abort();
}

// Two fibers bounce an integer over two unbuffered channels; items are round trips.
void BM_ChanPingPong(benchmark::State& state) {
  constexpr int kRoundTrips = 100'000;
  for (auto _ : state) {
    RunOrDie([] {
      Channel<int> ping(0);
      Channel<int> pong(0);
      JoinHandle responder = Spawn([&] {
        while (std::optional<int> value = ping.Recv()) Check(pong.Send(*value + 1));
      });
      int value = 0;
      for (int i = 0; i < kRoundTrips; ++i) {
        Check(ping.Send(int{value}));
        value = *pong.Recv();
      }
      Check(ping.Close());
      Check(responder.Join());
      if (value != kRoundTrips) std::abort();
    });
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_ChanPingPong)->UseRealTime()->Unit(benchmark::kMillisecond);

// A producer streams integers to a consumer over a channel of capacity 64; items are
// messages.
void BM_ChanStream(benchmark::State& state) {
  constexpr int kMessages = 1'000'000;
  for (auto _ : state) {
    RunOrDie([] {
      Channel<int> channel(64);
      JoinHandle producer = Spawn([&] {
        for (int i = 0; i < kMessages; ++i) Check(channel.Send(int{i}));
        Check(channel.Close());
      });
      int64_t sum = 0;
      while (std::optional<int> value = channel.Recv()) sum += *value;
      Check(producer.Join());
      if (sum != int64_t{kMessages} * (kMessages - 1) / 2) std::abort();
    });
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_ChanStream)->UseRealTime()->Unit(benchmark::kMillisecond);

// Four producers each feed their own channel (capacity 16); one consumer selects over
// the four; items are messages received.
void BM_Select4(benchmark::State& state) {
  constexpr int kMessages = 400'000;
  for (auto _ : state) {
    RunOrDie([] {
      Channel<int> channels[4] = {Channel<int>(16), Channel<int>(16), Channel<int>(16),
                                  Channel<int>(16)};
      JoinHandle producers[4];
      for (int p = 0; p < 4; ++p) {
        producers[p] = Spawn([&, p] {
          for (int i = 0; i < kMessages / 4; ++i) Check(channels[p].Send(int{i}));
        });
      }
      int64_t sum = 0;
      auto take = [&](std::optional<int> value) { sum += *value; };
      for (int i = 0; i < kMessages; ++i) {
        Select(OnRecv(channels[0], take), OnRecv(channels[1], take),
               OnRecv(channels[2], take), OnRecv(channels[3], take));
      }
      for (JoinHandle& producer : producers) Check(producer.Join());
      if (sum != 4 * (int64_t{kMessages / 4} * (kMessages / 4 - 1) / 2)) std::abort();
    });
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_Select4)->UseRealTime()->Unit(benchmark::kMillisecond);

// The channel alone, without parking: TrySend then TryRecv on a buffered channel;
// items are send+receive pairs.
void BM_ChanTrySendTryRecv(benchmark::State& state) {
  Channel<int> channel(64);
  int out = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(channel.TrySend(1));
    benchmark::DoNotOptimize(channel.TryRecv(&out));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ChanTrySendTryRecv);

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
