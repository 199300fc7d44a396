// Micro-benchmarks of troupe's channels and select. Items are round trips or
// messages, so items/s compares with the Go peers (benchmarks/micro/compare_with_peers.sh).
//
//   bazel run -c opt //benchmarks/micro:channel_bench -- --benchmark_repetitions=5
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "benchmark/benchmark.h"
#include "troupe/scheduler/channel.h"
#include "troupe/benchmarks/common/process_cpu.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/dynamic_select.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/timer.h"

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

// As BM_ChanPingPong, every Send and Recv given a cancellable Context (what a request
// handler passes): the cost of context-aware channel operations.
void BM_ChanPingPongWithContext(benchmark::State& state) {
  constexpr int kRoundTrips = 100'000;
  for (auto _ : state) {
    RunOrDie([] {
      const ContextWithCancel request = WithCancel(Context());
      const Context& context = request.context;
      Channel<int> ping(0);
      Channel<int> pong(0);
      JoinHandle responder = Spawn([&] {
        while (true) {
          absl::StatusOr<int> value = ping.Recv(context);
          if (!value.ok()) break;
          Check(pong.Send(*value + 1, context));
        }
      });
      int value = 0;
      for (int i = 0; i < kRoundTrips; ++i) {
        Check(ping.Send(int{value}, context));
        value = *pong.Recv(context);
      }
      request.cancel.Cancel();
      Check(responder.Join());
      if (value != kRoundTrips) std::abort();
    });
  }
  state.SetItemsProcessed(state.iterations() * kRoundTrips);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_ChanPingPongWithContext)->UseRealTime()->Unit(benchmark::kMillisecond);

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

// Sixteen producers each feed their own channel (capacity 16); one consumer runs a
// DynamicSelect over the sixteen (the set built at run time, as Go's reflect.Select
// takes a slice); items are messages received. Peer: Go's reflect.Select.
void BM_DynamicSelect16(benchmark::State& state) {
  constexpr int kChannels = 16;
  constexpr int kMessages = 320'000;
  for (auto _ : state) {
    RunOrDie([] {
      std::vector<Channel<int>> channels;
      for (int p = 0; p < kChannels; ++p) channels.emplace_back(16);
      std::vector<JoinHandle> producers;
      for (int p = 0; p < kChannels; ++p) {
        producers.push_back(Spawn([channel = channels[p]] {
          for (int i = 0; i < kMessages / kChannels; ++i) Check(channel.Send(int{i}));
        }));
      }
      int64_t sum = 0;
      DynamicSelect select;
      for (const Channel<int>& channel : channels) {
        select.AddRecv(channel, [&](std::optional<int> value) { sum += *value; });
      }
      for (int i = 0; i < kMessages; ++i) select.Run();
      for (JoinHandle& producer : producers) Check(producer.Join());
      constexpr int64_t kPer = kMessages / kChannels;
      if (sum != kChannels * (kPer * (kPer - 1) / 2)) std::abort();
    });
  }
  state.SetItemsProcessed(state.iterations() * kMessages);
  state.counters["procs"] = SharedRuntime().procs();
}
BENCHMARK(BM_DynamicSelect16)->UseRealTime()->Unit(benchmark::kMillisecond);

// Arming and stopping a timer that never fires (`time.NewTimer(time.Hour).Stop()`);
// items are timers.
void BM_TimerStartStop(benchmark::State& state) {
  constexpr int kTimers = 100'000;
  for (auto _ : state) {
    RunOrDie([] {
      for (int i = 0; i < kTimers; ++i) {
        Timer timer(absl::Hours(1));
        if (!timer.Stop()) std::abort();
      }
    });
  }
  state.SetItemsProcessed(state.iterations() * kTimers);
}
BENCHMARK(BM_TimerStartStop)->UseRealTime()->Unit(benchmark::kMillisecond);

// 1,000 fibers each receive 20 ticks of its own 1 ms Ticker; the wall time is bound
// by the period, so the measure is the CPU the runtime spends per tick (counter
// cpu_ns_per_tick, from getrusage); items are ticks. Peer: Go's time.Ticker.
void BM_Tickers1000(benchmark::State& state) {
  constexpr int kTickers = 1000;
  constexpr int kTicks = 20;
  double cpu_ns = 0;
  for (auto _ : state) {
    const double cpu_before = ProcessCpuNanos();
    RunOrDie([] {
      std::vector<JoinHandle> receivers;
      for (int t = 0; t < kTickers; ++t) {
        receivers.push_back(Spawn([] {
          Ticker ticker(absl::Milliseconds(1));
          for (int i = 0; i < kTicks; ++i) {
            if (!ticker.C().Recv().has_value()) std::abort();
          }
        }));
      }
      for (JoinHandle& receiver : receivers) Check(receiver.Join());
    });
    cpu_ns += ProcessCpuNanos() - cpu_before;
  }
  state.SetItemsProcessed(state.iterations() * kTickers * kTicks);
  state.counters["cpu_ns_per_tick"] =
      cpu_ns / (static_cast<double>(state.iterations()) * kTickers * kTicks);
}
BENCHMARK(BM_Tickers1000)->UseRealTime()->Unit(benchmark::kMillisecond);

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
