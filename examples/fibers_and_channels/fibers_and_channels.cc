// fibers_and_channels: a runtime, fibers, a bounded channel and a WaitGroup.
//
// Four producer fibers send the squares of 1..1000 (each its own share) into one
// channel that holds at most 16 numbers; one consumer fiber adds them up. A producer
// that gets ahead parks in Send until the consumer has made room: memory stays
// bounded however fast the producers are (backpressure). When every producer is done
// the WaitGroup reaches zero, the main fiber closes the channel, and the consumer's
// Recv returns nullopt once it has drained what was buffered.
//
//   bazel run //examples/fibers_and_channels
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/wait_group.h"

namespace {
constexpr int kProducers = 4;
constexpr int64_t kLast = 1000;
}  // namespace

int main() {
  // C++17 has no designated initializers: build the options, then set fields.
  troupe::RuntimeOptions options;
  options.procs = 2;  // OS threads running fibers (default: TROUPE_PROCS or the CPUs)
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create(options);
  if (!runtime.ok()) {  // e.g. "procs must be in [1, 1024]; got 0"
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }

  int64_t sum = 0;  // written by the consumer fiber, read after joining it

  // Run blocks this thread until the main fiber returns.
  absl::Status status = (*runtime)->Run([&] {
    troupe::Channel<int64_t> squares(16);  // capacity 16; 0 would be unbuffered
    troupe::WaitGroup producers;

    for (int p = 0; p < kProducers; ++p) {
      producers.Add(1);
      // Spawn starts a fiber; dropping its JoinHandle lets it run on detached.
      troupe::Spawn([&squares, &producers, p] {
        for (int64_t i = p + 1; i <= kLast; i += kProducers) {
          // Parks this fiber (not the thread) while the channel is full. Send fails
          // only on a closed channel, which cannot happen before Done below.
          if (!squares.Send(i * i).ok()) break;
        }
        producers.Done();
      });
    }

    troupe::JoinHandle consumer = troupe::Spawn([&squares, &sum] {
      while (std::optional<int64_t> square = squares.Recv()) sum += *square;
    });

    producers.Wait();          // parks until every producer has called Done
    (void)squares.Close();     // the consumer drains the rest, then sees the end
    (void)consumer.Join();     // parks until the consumer returns
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }

  const int64_t expected = kLast * (kLast + 1) * (2 * kLast + 1) / 6;
  std::printf("sum of the squares of 1..%lld = %lld\n", static_cast<long long>(kLast),
              static_cast<long long>(sum));
  return sum == expected ? 0 : 1;
}
