// Spans in the scheduling trace's trace-event JSON: on their fiber's track, inside
// the slices of the fiber that ran them, linked to their parents.
#include "troupe/tracing/trace_events.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {
namespace {

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
  const int64_t origin = EarliestNs(trace, spans);
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
