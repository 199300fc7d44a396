// tracing/trace_events.h: the trace-event JSON parses (checked by an independent
// reader), names processes, threads and fibers, escapes what the program named, and
// puts spans on their fiber's track, inside the slices of the fiber that ran them,
// linked to their parents.
#include "troupe/tracing/trace_events.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tests/profiling/json_reader.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {
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

TEST(TraceEventsTest, NamesProcessesThreadsAndFibersInValidJson) {
  // A name with a quote, a backslash and control characters: the program's own text.
  const LabelSet* labels = LabelSet::Intern({{"fiber", "odd \"name\"\\\t\x01"}});
  ASSERT_NE(labels, nullptr);
  Trace first;
  first.slices.push_back({1, 7, labels, 5'000, 7'500});
  first.slices.push_back({0, 8, nullptr, 2'000, 3'000});
  first.dropped = 3;
  Trace second;
  second.slices.push_back({0, 9, nullptr, 4'000, 4'500});
  const std::string json =
      TraceEventJson({{"service \"a\"", first, {}}, {"service b", second, {}}});

  absl::StatusOr<JsonValue> document = ParseJson(json);
  ASSERT_TRUE(document.ok()) << document.status() << "\n" << json;
  const std::vector<const JsonValue*> metadata = EventsOf(*document, "M");
  ASSERT_EQ(metadata.size(), 5u) << json;  // per process: its name and its threads
  EXPECT_EQ(metadata[0]->Find("name")->string, "process_name");
  EXPECT_EQ(metadata[0]->Find("args")->Find("name")->string,
            "service \"a\", 3 slices dropped");
  EXPECT_EQ(metadata[1]->Find("args")->Find("name")->string, "M0");
  EXPECT_EQ(metadata[2]->Find("args")->Find("name")->string, "M1");
  EXPECT_EQ(metadata[3]->Find("args")->Find("name")->string, "service b");
  EXPECT_EQ(metadata[3]->Find("pid")->number, 1);

  const std::vector<const JsonValue*> slices = EventsOf(*document, "X");
  ASSERT_EQ(slices.size(), 3u) << json;
  EXPECT_EQ(slices[0]->Find("name")->string, TraceSliceName(first.slices[0]));
  const JsonValue* args = slices[0]->Find("args");
  EXPECT_EQ(args->Find("fiber_id")->kind, JsonValue::Kind::kNumber);
  EXPECT_EQ(args->Find("fiber_id")->number, 7);
  EXPECT_EQ(args->Find("fiber")->string, "odd \"name\"\\\t\x01");
  EXPECT_EQ(slices[0]->Find("tid")->number, 1);
  // Microseconds from the earliest slice of all processes (2,000 ns).
  EXPECT_DOUBLE_EQ(slices[0]->Find("ts")->number, 3.0);
  EXPECT_DOUBLE_EQ(slices[0]->Find("dur")->number, 2.5);
  EXPECT_DOUBLE_EQ(slices[1]->Find("ts")->number, 0.0);
  EXPECT_EQ(slices[1]->Find("name")->string, "fiber 8");
  EXPECT_DOUBLE_EQ(slices[2]->Find("ts")->number, 2.0);
  EXPECT_EQ(slices[2]->Find("pid")->number, 1);
}

TEST(TraceEventsTest, AnEmptyTraceIsAValidDocument) {
  absl::StatusOr<JsonValue> document = ParseJson(TraceEventJson(Trace{}, SpanLog{}, "idle"));
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(EventsOf(*document, "M").size(), 1u);
  EXPECT_TRUE(EventsOf(*document, "X").empty());
}

// How often `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(TraceEventsTest, SpansShareTheFileWithTheSlicesOfTheFiberThatRanThem) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  ASSERT_TRUE(StartSpanRecording().ok());
  (*runtime)->StartTrace();
  const TraceContext root = TraceContext::NewRoot();
  uint64_t fiber = 0;
  ASSERT_TRUE((*runtime)
                  ->Run([&] {
                    // A spawned fiber: the scheduling trace has its slices.
                    JoinHandle handler = Spawn({.name = "handler"}, [&] {
                      fiber = this_fiber::Id();
                      const Context request = WithTraceContext(Context(), root);
                      ScopedSpan outer(request, "request");
                      ScopedSpan inner(outer.context(), "lookup");
                    });
                    ASSERT_TRUE(handler.Join().ok());
                  })
                  .ok());
  const Trace trace = (*runtime)->StopTrace();
  const SpanLog spans = StopSpanRecording();
  ASSERT_EQ(spans.spans.size(), 2u);

  // Neither span parks, so each lies inside one slice of its fiber: the picture
  // lines a span up with the fiber's running.
  for (const SpanRecord& span : spans.spans) {
    EXPECT_EQ(span.fiber, fiber);
    bool inside = false;
    for (const TraceSlice& slice : trace.slices) {
      inside |= slice.fiber == fiber && slice.start_ns <= span.start_ns &&
                span.end_ns <= slice.end_ns;
    }
    EXPECT_TRUE(inside) << span.name << " lies in no slice of fiber " << fiber;
  }

  const std::string json = TraceEventJson(trace, spans, "test service");
  int64_t origin = spans.spans.front().start_ns;
  for (const SpanRecord& span : spans.spans) origin = std::min(origin, span.start_ns);
  for (const TraceSlice& slice : trace.slices) origin = std::min(origin, slice.start_ns);
  const int64_t track = kFiberTrackBase + static_cast<int64_t>(fiber);
  EXPECT_EQ(json.rfind("{\"traceEvents\": [\n", 0), 0u);
  EXPECT_NE(json.find("\"args\": {\"name\": \"test service\"}"), std::string::npos);
  // The fiber's slices on its thread's track, and its span track named like them.
  EXPECT_NE(json.find(absl::StrCat("{\"name\": \"fiber ", fiber, " \\\"handler\\\"\", \"ph\": \"X\"")),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(absl::StrFormat("\"tid\": %d, \"args\": {\"name\": \"fiber %d \\\"handler\\\"\"}",
                                      track, fiber)),
            std::string::npos)
      << json;
  for (const SpanRecord& span : spans.spans) {
    const std::string event = absl::StrFormat(
        "{\"name\": \"%s\", \"cat\": \"span\", \"ph\": \"X\", \"pid\": 0, \"tid\": %d, "
        "\"ts\": %.3f, \"dur\": %.3f, \"args\": {\"trace_id\": \"%s\", \"span_id\": \"%s\", "
        "\"parent_span_id\": \"%s\", \"fiber_id\": %d, \"status\": \"OK\", \"fiber\": \"handler\"}}",
        span.name, track, (span.start_ns - origin) / 1000.0, (span.end_ns - span.start_ns) / 1000.0,
        root.TraceIdHex(), span.trace.SpanIdHex(), span.ParentSpanIdHex(), fiber);
    EXPECT_NE(json.find(event), std::string::npos) << event << "\nnot in\n" << json;
  }
  // One arrow, request -> lookup (the request's parent, the root, was not recorded).
  EXPECT_EQ(Occurrences(json, "\"ph\": \"s\""), 1);
  EXPECT_EQ(Occurrences(json, "\"ph\": \"f\""), 1);
  EXPECT_EQ(Occurrences(json, "{"), Occurrences(json, "}"));
}

TEST(TraceEventsTest, DroppedSpansAndSlicesAreNamedInTheProcess) {
  Trace trace;
  trace.dropped = 4;
  SpanLog spans;
  spans.dropped = 7;
  const std::string json = TraceEventJson(trace, spans);
  EXPECT_NE(json.find("\"troupe, 4 slices dropped, 7 spans dropped\""), std::string::npos) << json;
}

}  // namespace
}  // namespace troupe::tracing
