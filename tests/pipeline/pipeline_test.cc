#include "troupe/pipeline/pipeline.h"

#include <atomic>
#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe {
namespace {

using PipelineTest = testing::RuntimeTest;

// A source of 0, 1, ..., count - 1.
auto CountTo(int count) {
  return [next = 0, count](const Context&) mutable -> std::optional<int> {
    if (next == count) return std::nullopt;
    return next++;
  };
}

TEST_P(PipelineTest, StagesTransformEverythingInArrivalOrder) {
  std::vector<int> seen;
  RunInFiber([&] {
    absl::Status status =
        Pipeline<int>::From(CountTo(1000))
            .Then("square", [](int x) { return int64_t{x} * x; }, {.parallelism = 3})
            .Then("describe", [](int64_t x) -> absl::StatusOr<std::string> {
              return std::to_string(x);
            })
            .Sink("collect", [&](std::string s) { seen.push_back(std::stoi(s)); })
            .Run();
    ASSERT_TRUE(status.ok()) << status;
  });
  ASSERT_EQ(seen.size(), 1000u);
  std::vector<int> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(sorted[i], i * i);
}

TEST_P(PipelineTest, OrderedModeKeepsSourceOrderThroughParallelStages) {
  std::vector<int> seen;
  RunInFiber([&] {
    absl::Status status =
        Pipeline<int>::From(CountTo(2000), {.ordered = true})
            .Then("jitter", [](int x) {
                    if (x % 7 == 0) this_fiber::Yield();  // finish out of order
                    return x;
                  },
                  {.parallelism = 4, .capacity = 8})
            .Then("again", [](int x) {
                    if (x % 5 == 0) this_fiber::Yield();
                    return x;
                  },
                  {.parallelism = 3, .capacity = 4})
            .Sink("collect", [&](int x) { seen.push_back(x); })
            .Run();
    ASSERT_TRUE(status.ok()) << status;
  });
  ASSERT_EQ(seen.size(), 2000u);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(seen[i], i);
}

TEST_P(PipelineTest, AFailingStageCancelsEverythingAndReportsItsError) {
  // Once record 500 fails, the source is pulled no further than the items the
  // pipeline can hold in flight: the capacities in front of the two stages plus one
  // item per fiber (source, two validators, sink).
  constexpr int kValidateCapacity = 8;
  constexpr int kSinkCapacity = 64;
  constexpr int kInFlight = kValidateCapacity + kSinkCapacity + 4;
  std::atomic<int> emitted{0};
  std::atomic<int> sunk{0};
  std::atomic<bool> sank_the_bad_record{false};
  RunInFiber([&] {
    absl::Status status =
        Pipeline<int>::From([&, next = CountTo(1'000'000)](const Context& context) mutable {
          std::optional<int> record = next(context);
          if (record.has_value()) emitted.fetch_add(1);
          return record;
        })
            .Then("validate", [](int x) -> absl::StatusOr<int> {
                    if (x == 500) return absl::InvalidArgumentError("record 500 is malformed");
                    return x;
                  },
                  {.parallelism = 2, .capacity = kValidateCapacity})
            .Sink("count", [&](int x) {
                    if (x == 500) sank_the_bad_record.store(true);
                    sunk.fetch_add(1);
                  },
                  {.capacity = kSinkCapacity})
            .Run();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "stage validate: record 500 is malformed");
  });
  EXPECT_GE(emitted.load(), 501);
  EXPECT_LE(emitted.load(), 501 + kInFlight) << "the source was not stopped";
  EXPECT_FALSE(sank_the_bad_record.load());
  EXPECT_LE(sunk.load(), emitted.load() - 1);
}

TEST_P(PipelineTest, AThrowingStageIsAnError) {
  RunInFiber([&] {
    absl::Status status = Pipeline<int>::From(CountTo(10))
                              .Then("explode", [](int x) -> int {
                                if (x == 3) throw std::runtime_error("kaboom");
                                return x;
                              })
                              .Sink("drop", [](int) {})
                              .Run();
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
    EXPECT_NE(status.message().find("kaboom"), std::string::npos) << status;
    EXPECT_NE(status.message().find("explode"), std::string::npos) << status;
  });
}

TEST_P(PipelineTest, ASinkErrorStopsTheSource) {
  RunInFiber([&] {
    absl::Status status =
        Pipeline<int>::From([](const Context&) -> std::optional<int> { return 1; })  // endless
            .Then("id", [](int x) { return x; })
            .Sink("fail", [](int) { return absl::UnavailableError("disk full"); })
            .Run();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  });
}

TEST_P(PipelineTest, CancellingFromOutsideStopsEveryStage) {
  RunInFiber([&] {
    auto [context, cancel] = WithCancel(Context());
    Semaphore started(0);
    JoinHandle canceller = Spawn([&, cancel = cancel] {
      started.Acquire();
      cancel.Cancel(absl::CancelledError("operator pressed stop"));
    });
    bool signalled = false;
    absl::Status status =
        Pipeline<int>::From([&](const Context&) -> std::optional<int> {
          if (!signalled) {
            signalled = true;
            started.Release();
          }
          return 1;  // endless
        })
            .Then("slow", [](int x) {
                    this_fiber::Yield();
                    return x;
                  },
                  {.parallelism = 2})
            .Sink("drop", [](int) {})
            .Run(context);
    EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(status.message(), "operator pressed stop");
    ASSERT_TRUE(canceller.Join().ok());
  });
}

// Runs a fast source into two stages and a slow sink with the given capacities, and
// returns the most items ever taken from the source but not yet through the sink.
int WorstItemsInFlight(std::size_t capacity_a, std::size_t capacity_b,
                       std::size_t capacity_sink, int parallelism) {
  std::atomic<int> emitted{0};
  std::atomic<int> sunk{0};
  std::atomic<int> worst{0};
  absl::Status status =
      Pipeline<int>::From([&](const Context&) -> std::optional<int> {
        if (emitted.load() == 5000) return std::nullopt;
        const int in_flight = emitted.fetch_add(1) + 1 - sunk.load();
        int seen = worst.load();
        while (in_flight > seen && !worst.compare_exchange_weak(seen, in_flight)) {
        }
        return 1;
      })
          .Then("a", [](int x) { return x; }, {.parallelism = parallelism, .capacity = capacity_a})
          .Then("b", [](int x) { return x; }, {.parallelism = parallelism, .capacity = capacity_b})
          .Sink("slow",
                [&](int) {
                  this_fiber::Yield();
                  this_fiber::Yield();
                  sunk.fetch_add(1);
                },
                {.capacity = capacity_sink})
          .Run();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(sunk.load(), 5000);
  return worst.load();
}

TEST_P(PipelineTest, ASlowSinkBoundsTheItemsInFlight) {
  // Items taken from the source but not yet through the sink never exceed what the
  // stages may hold (capacity + parallelism x batch each; pipeline_run.h), plus the
  // one the source is emitting.
  using pipeline_internal::BatchSize;
  constexpr int kParallelism = 2;
  struct Capacities {
    std::size_t a, b, sink;
  };
  for (const Capacities& c : {Capacities{4, 3, 2}, Capacities{64, 40, 16}}) {
    SCOPED_TRACE(::testing::Message() << "capacities " << c.a << "/" << c.b << "/" << c.sink);
    int worst = 0;
    RunInFiber([&] { worst = WorstItemsInFlight(c.a, c.b, c.sink, kParallelism); });
    const std::size_t bound = c.a + kParallelism * BatchSize(c.a, kParallelism) + c.b +
                              kParallelism * BatchSize(c.b, kParallelism) + c.sink +
                              BatchSize(c.sink, 1) + 1;
    EXPECT_LE(static_cast<std::size_t>(worst), bound);
  }
}

TEST_P(PipelineTest, ASourceErrorFailsThePipeline) {
  RunInFiber([&] {
    absl::Status status =
        Pipeline<int>::From([n = 0](const Context&) mutable -> absl::StatusOr<std::optional<int>> {
          if (n == 10) return absl::DataLossError("input truncated");
          return std::optional<int>(n++);
        })
            .Sink("drop", [](int) {})
            .Run();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(status.message(), "stage source: input truncated");
  });
}

// A record that carries its request's Context (and so its trace).
struct TracedRecord {
  Context context;
  int value;
};

TEST_P(PipelineTest, RecordsCarryingATracedContextAreHandledInEachStagesSpan) {
  ASSERT_TRUE(tracing::StartSpanRecording().ok());
  std::vector<TraceContext> roots;
  for (int i = 0; i < 3; ++i) roots.push_back(TraceContext::NewRoot());
  std::vector<TraceContext> seen_by_double;  // the stage's function runs one at a time
  RunInFiber([&] {
    int next = 0;
    absl::Status status =
        Pipeline<TracedRecord>::From([&](const Context&) -> std::optional<TracedRecord> {
          if (next == 3) return std::nullopt;
          const int i = next++;
          return TracedRecord{WithTraceContext(Context(), roots[i]), i};
        })
            .Then("double", [&](TracedRecord record) {
              seen_by_double.push_back(*TraceContextOf(record.context));
              return TracedRecord{record.context, record.value * 2};
            })
            .Sink("store", [](TracedRecord record) -> absl::Status {
              return record.value == 4 ? absl::DataLossError("disk full") : absl::OkStatus();
            })
            .Run();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);  // record 2 failed the sink
  });
  const tracing::SpanLog log = tracing::StopSpanRecording();
  ASSERT_EQ(seen_by_double.size(), 3u);
  ASSERT_EQ(log.spans.size(), 6u);  // every record through both stages
  for (int i = 0; i < 3; ++i) {
    // The function saw its record under the stage's span, in the record's trace.
    EXPECT_EQ(seen_by_double[i].trace_id, roots[i].trace_id);
    const tracing::SpanRecord* doubled = nullptr;
    const tracing::SpanRecord* stored = nullptr;
    for (const tracing::SpanRecord& span : log.spans) {
      if (span.trace.trace_id != roots[i].trace_id) continue;
      (span.name == "double" ? doubled : stored) = &span;
    }
    ASSERT_NE(doubled, nullptr) << i;
    ASSERT_NE(stored, nullptr) << i;
    EXPECT_EQ(doubled->trace, seen_by_double[i]);
    EXPECT_EQ(doubled->parent_span_id, roots[i].span_id);
    EXPECT_EQ(stored->name, "store");
    EXPECT_EQ(stored->parent_span_id, doubled->trace.span_id);
    ASSERT_NE(stored->labels, nullptr);
    EXPECT_EQ(*stored->labels->Find("stage"), "store");
    EXPECT_EQ(stored->status.code(),
              i == 2 ? absl::StatusCode::kDataLoss : absl::StatusCode::kOk);
  }
}

TROUPE_INSTANTIATE_OVER_PROCS(PipelineTest);

}  // namespace
}  // namespace troupe
