// Micro-benchmarks of the netpoller's hot path: TCP round trips over loopback, each
// of which parks a fiber on a socket and wakes it through the scheduler's polling.
// Items are round trips, so items/s compares with the Go peer
// (benchmarks/peers/go/tcppingpong, via benchmarks/micro/compare_with_peers.sh).
// BM_TcpPingPongShortReads reads into 4 KiB buffers, so every read is short and the
// next one waits for readiness before read(2) (the path a request/response server
// takes; see TcpConnection::drained_).
//
//   bazel run -c opt //benchmarks/micro:net_bench -- --benchmark_repetitions=5
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "troupe/net/tcp.h"
#include "troupe/benchmarks/micro/shared_runtime.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::benchmarks {
namespace {

void Check(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "net_bench: %s\n", status.ToString().c_str());
    std::abort();
  }
}

constexpr std::size_t kMessageBytes = 64;

// What a read asks for: exactly the message, or a buffer much larger than it, as a
// server reading requests does (every read is then short, and the next one waits for
// readiness first: TcpConnection's drained_ path).
constexpr std::size_t kLargeReadBytes = 4096;

// Reads exactly kMessageBytes into `buffer` (of `capacity` >= kMessageBytes bytes),
// asking for `capacity - have` bytes each time.
void ReadMessage(TcpConnection& connection, char* buffer, std::size_t capacity) {
  std::size_t have = 0;
  while (have < kMessageBytes) {
    absl::StatusOr<std::size_t> n = connection.Read(buffer + have, capacity - have);
    Check(n.status());
    have += *n;
  }
}

// `pairs` client fibers each make round trips with their own echo fiber over their
// own loopback connection: write 64 bytes, read the 64 echoed back, each read asking
// for `read_bytes`. Items are round trips summed over the pairs.
void TcpPingPong(benchmark::State& state, std::size_t read_bytes) {
  const int pairs = static_cast<int>(state.range(0));
  constexpr int kRoundTripsTotal = 40'000;
  const int round_trips = kRoundTripsTotal / pairs;
  for (auto _ : state) {
    Check(SharedRuntime().Run([&] {
      auto listener = TcpListener::Listen("127.0.0.1", 0);
      Check(listener.status());
      std::vector<JoinHandle> fibers;
      for (int p = 0; p < pairs; ++p) {
        fibers.push_back(Spawn([&] {  // the echo side
          auto connection = (*listener)->Accept();
          Check(connection.status());
          char buffer[kLargeReadBytes];
          for (int i = 0; i < round_trips; ++i) {
            ReadMessage(**connection, buffer, read_bytes);
            Check((*connection)->Write(absl::string_view(buffer, kMessageBytes)));
          }
        }));
        fibers.push_back(Spawn([&] {  // the client
          auto connection = Dial("127.0.0.1", (*listener)->port());
          Check(connection.status());
          char message[kMessageBytes];
          std::memset(message, 'x', sizeof(message));
          char reply[kLargeReadBytes];
          for (int i = 0; i < round_trips; ++i) {
            Check((*connection)->Write(absl::string_view(message, kMessageBytes)));
            ReadMessage(**connection, reply, read_bytes);
          }
        }));
      }
      for (JoinHandle& fiber : fibers) Check(fiber.Join());
    }));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(round_trips) * pairs);
}
void BM_TcpPingPong(benchmark::State& state) { TcpPingPong(state, kMessageBytes); }
BENCHMARK(BM_TcpPingPong)->Arg(1)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_TcpPingPongShortReads(benchmark::State& state) { TcpPingPong(state, kLargeReadBytes); }
BENCHMARK(BM_TcpPingPongShortReads)->Arg(1)->Arg(16)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace troupe::benchmarks

BENCHMARK_MAIN();
