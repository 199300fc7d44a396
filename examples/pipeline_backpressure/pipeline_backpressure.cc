// pipeline_backpressure: a source, a parallel stage and a slow sink joined by
// bounded channels, and what backpressure means for memory.
//
// The source could produce 2000 records at once, but each stage's input channel
// holds at most 4 of them; when the slow sink falls behind, the channel in front of
// it fills, the stage parks in Send, its own input fills, and finally the source
// parks: the records in flight (produced, not yet stored) stay bounded, however
// many records there are. Each stage holds at most its channel's capacity plus what
// its fibers took out of it: a fiber takes a small batch at once (up to
// capacity / (2 x parallelism) items, at least one), so a stage holds at most
// max(1.5 x capacity, capacity + parallelism) records.
//
//   bazel run //examples/pipeline_backpressure
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/pipeline/pipeline.h"
#include "troupe/pipeline/pipeline_options.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace {

constexpr int64_t kRecords = 2000;
constexpr int64_t kCapacity = 4;  // of each stage's input channel
constexpr int kParallelism = 2;   // fibers running the transform stage

struct Record {
  int64_t id;
  std::string payload;
};

}  // namespace

int main() {
  troupe::RuntimeOptions options;
  options.procs = 2;
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }

  // Counters shared by the source and the sink. Relaxed: they publish nothing else,
  // and the source can only produce again after the sink made room, which orders
  // the sink's earlier increments before the source's read (through the channels'
  // locks), so the source never sees fewer records stored than the bound assumes.
  std::atomic<int64_t> produced{0};
  std::atomic<int64_t> stored{0};
  int64_t most_in_flight = 0;  // the source's own
  int64_t checksum = 0;        // the sink's own

  absl::Status status = (*runtime)->Run([&] {
    // C++17: options are plain structs; set the fields you need.
    troupe::StageOptions transform;
    transform.parallelism = kParallelism;
    transform.capacity = kCapacity;
    troupe::StageOptions sink;
    sink.capacity = kCapacity;

    absl::Status run =
        troupe::Pipeline<Record>::From([&](const troupe::Context&) -> std::optional<Record> {
          const int64_t id = produced.load(std::memory_order_relaxed);
          if (id == kRecords) return std::nullopt;  // the source is done
          const int64_t in_flight = id + 1 - stored.load(std::memory_order_relaxed);
          if (in_flight > most_in_flight) most_in_flight = in_flight;
          produced.store(id + 1, std::memory_order_relaxed);
          return Record{id, "record " + std::to_string(id)};
        })
            // A stage returns the next item (or absl::StatusOr of it: an error
            // cancels the whole pipeline and Run returns it).
            .Then(
                "transform",
                [](Record record) {
                  record.payload += " transformed";
                  return record;
                },
                transform)
            // The sink is slow on purpose: everything upstream waits for it.
            .Sink(
                "store",
                [&](Record record) -> absl::Status {
                  troupe::this_fiber::SleepFor(absl::Microseconds(200));
                  checksum += record.id;
                  stored.fetch_add(1, std::memory_order_relaxed);
                  return absl::OkStatus();
                },
                sink)
            .Run(troupe::Context::Background());  // parks until the sink has seen all
    if (!run.ok()) std::fprintf(stderr, "pipeline: %s\n", run.ToString().c_str());
  });
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }

  // The source's one record, and what each of the two stages may hold (see the top).
  auto stage_bound = [](int64_t capacity, int64_t parallelism) {
    return std::max(capacity * 3 / 2, capacity + parallelism);
  };
  const int64_t bound = 1 + stage_bound(kCapacity, kParallelism) + stage_bound(kCapacity, 1);
  const bool all_stored = stored.load() == kRecords && checksum == kRecords * (kRecords - 1) / 2;
  std::printf("stored %lld of %lld records; at most %lld in flight (bound %lld)\n",
              static_cast<long long>(stored.load()), static_cast<long long>(kRecords),
              static_cast<long long>(most_in_flight), static_cast<long long>(bound));
  const bool bounded = most_in_flight <= bound;
  std::printf("%s\n", all_stored && bounded ? "pipeline_backpressure: as expected"
                                            : "pipeline_backpressure: WRONG");
  return all_stored && bounded ? 0 : 1;
}
