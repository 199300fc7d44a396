// profiling/chrome_trace.h: the trace-event JSON parses (checked by an independent
// reader), names processes, threads and fibers, escapes what the program named, and
// TraceFor records one trace at a time.
#include "troupe/profiling/chrome_trace.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/tests/profiling/json_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::JsonValue;
using profiling_test::ParseJson;

// The events of a trace document whose "ph" is `phase`.
std::vector<const JsonValue*> EventsOf(const JsonValue& document, const std::string& phase) {
  std::vector<const JsonValue*> events;
  const JsonValue* all = document.Find("traceEvents");
  if (all == nullptr) return events;
  for (const JsonValue& event : all->array) {
    const JsonValue* ph = event.Find("ph");
    if (ph != nullptr && ph->string == phase) events.push_back(&event);
  }
  return events;
}

TEST(ChromeTraceTest, NamesProcessesThreadsAndFibersInValidJson) {
  // A name with a quote, a backslash and control characters: the program's own text.
  const LabelSet* labels = LabelSet::Intern({{"fiber", "odd \"name\"\\\t\x01"}});
  ASSERT_NE(labels, nullptr);
  Trace trace;
  trace.slices.push_back({1, 7, labels, 5'000, 7'500});
  trace.slices.push_back({0, 8, nullptr, 2'000, 3'000});
  trace.dropped = 3;
  const std::string json = FormatChromeTrace({{"service \"a\"", trace}});

  absl::StatusOr<JsonValue> document = ParseJson(json);
  ASSERT_TRUE(document.ok()) << document.status() << "\n" << json;
  const std::vector<const JsonValue*> metadata = EventsOf(*document, "M");
  ASSERT_EQ(metadata.size(), 3u) << json;  // the process and its two threads
  EXPECT_EQ(metadata[0]->Find("name")->string, "process_name");
  EXPECT_EQ(metadata[0]->Find("args")->Find("name")->string,
            "service \"a\", 3 slices dropped");
  EXPECT_EQ(metadata[1]->Find("args")->Find("name")->string, "M0");
  EXPECT_EQ(metadata[2]->Find("args")->Find("name")->string, "M1");

  const std::vector<const JsonValue*> slices = EventsOf(*document, "X");
  ASSERT_EQ(slices.size(), 2u) << json;
  EXPECT_EQ(slices[0]->Find("name")->string, TraceSliceName(trace.slices[0]));
  const JsonValue* args = slices[0]->Find("args");
  EXPECT_EQ(args->Find("fiber_id")->kind, JsonValue::Kind::kNumber);
  EXPECT_EQ(args->Find("fiber_id")->number, 7);
  EXPECT_EQ(args->Find("fiber")->string, "odd \"name\"\\\t\x01");
  EXPECT_EQ(slices[0]->Find("tid")->number, 1);
  // Microseconds from the earliest slice (2,000 ns).
  EXPECT_DOUBLE_EQ(slices[0]->Find("ts")->number, 3.0);
  EXPECT_DOUBLE_EQ(slices[0]->Find("dur")->number, 2.5);
  EXPECT_DOUBLE_EQ(slices[1]->Find("ts")->number, 0.0);
  EXPECT_EQ(slices[1]->Find("name")->string, "fiber 8");
}

TEST(ChromeTraceTest, AnEmptyTraceIsAValidDocument) {
  absl::StatusOr<JsonValue> document = ParseJson(FormatChromeTrace({{"idle", Trace{}}}));
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(EventsOf(*document, "M").size(), 1u);
  EXPECT_TRUE(EventsOf(*document, "X").empty());
}

using TraceForTest = testing::RuntimeTest;

TEST_P(TraceForTest, RecordsOneTraceAtATime) {
  RunInFiber([&] {
    ContextWithCancel recording = WithCancel(Context::Background());
    absl::Status first = absl::OkStatus();
    JoinHandle recorder = Spawn([&] {
      first = TraceFor(runtime(), absl::Seconds(60), recording.context).status();
    });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), recorder.id(), "sleep"));

    absl::StatusOr<Trace> second = TraceFor(runtime(), absl::ZeroDuration());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(second.status().message(), "a trace is already being recorded");

    recording.cancel.Cancel();
    ASSERT_TRUE(recorder.Join().ok());
    EXPECT_EQ(first.code(), absl::StatusCode::kCancelled) << first;
    // The first recording ended: the next one may start.
    EXPECT_TRUE(TraceFor(runtime(), absl::ZeroDuration()).ok());
  });
}

TEST_P(TraceForTest, NegativeDurationIsInvalid) {
  RunInFiber([&] {
    absl::StatusOr<Trace> trace = TraceFor(runtime(), absl::Seconds(-1));
    EXPECT_EQ(trace.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(trace.status().message(), "trace duration must be >= 0; got -1s");
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, TraceForTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::profiling
