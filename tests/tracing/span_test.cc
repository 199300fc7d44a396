// ScopedSpan and the span recorder: which spans exist, what they record, and the
// recorder's bounds.
#include "troupe/tracing/span.h"

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {
namespace {

// Each test leaves no recording on, whatever it asserted.
class SpanTest : public ::testing::Test {
 protected:
  void TearDown() override { StopSpanRecording(); }
};

TEST_F(SpanTest, AnUntracedContextMakesNoSpan) {
  ASSERT_TRUE(StartSpanRecording().ok());
  const ContextWithCancel parent = WithCancel(Context());
  {
    ScopedSpan span(parent.context, "work");
    EXPECT_EQ(span.trace(), nullptr);
    EXPECT_FALSE(span.recording());
    EXPECT_EQ(span.context().state(), parent.context.state());  // the parent itself
  }
  EXPECT_TRUE(StopSpanRecording().spans.empty());
}

TEST_F(SpanTest, ATracedSpanIsAChildAndIsRecordedWithItsParentAndStatus) {
  ASSERT_TRUE(StartSpanRecording().ok());
  const TraceContext root = TraceContext::NewRoot();
  const Context parent = WithTraceContext(Context(), root);
  TraceContext span_trace;
  {
    ScopedSpan span(parent, "lookup", "users");
    ASSERT_NE(span.trace(), nullptr);
    span_trace = *span.trace();
    EXPECT_TRUE(span.recording());
    EXPECT_EQ(TraceContextOf(span.context()), span.trace());
    EXPECT_EQ(span_trace.trace_id, root.trace_id);
    EXPECT_NE(span_trace.span_id, root.span_id);
    span.SetStatus(absl::NotFoundError("no such user"));
  }
  const SpanLog log = StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 1u);
  const SpanRecord& record = log.spans[0];
  EXPECT_EQ(record.name, "lookup users");
  EXPECT_EQ(record.trace, span_trace);
  EXPECT_EQ(record.parent_span_id, root.span_id);
  EXPECT_EQ(record.ParentSpanIdHex(), root.SpanIdHex());
  EXPECT_EQ(record.fiber, 0u);  // a plain thread
  EXPECT_EQ(record.status, absl::NotFoundError("no such user"));
  EXPECT_LE(record.start_ns, record.end_ns);
  EXPECT_NE(log.unix_minus_monotonic_ns, 0);
}

TEST_F(SpanTest, ARemoteParentIsContinuedAndNoParentStartsARootSpan) {
  ASSERT_TRUE(StartSpanRecording().ok());
  const TraceContext remote = TraceContext::NewRoot();
  {
    ScopedSpan continued(Context(), &remote, "GET", "/kv/{key}");
    ASSERT_NE(continued.trace(), nullptr);
    EXPECT_EQ(continued.trace()->trace_id, remote.trace_id);
    ScopedSpan root(Context(), nullptr, "GET");
    ASSERT_NE(root.trace(), nullptr);
    EXPECT_NE(root.trace()->trace_id, remote.trace_id);
    EXPECT_TRUE(root.trace()->sampled());
  }
  const SpanLog log = StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 2u);
  EXPECT_EQ(log.spans[0].name, "GET");  // the inner one ends first
  EXPECT_FALSE(log.spans[0].has_parent());
  EXPECT_EQ(log.spans[1].name, "GET /kv/{key}");
  EXPECT_EQ(log.spans[1].parent_span_id, remote.span_id);
}

TEST_F(SpanTest, SpansArePropagatedButNotRecordedWithoutARecordingOrForUnsampledTraces) {
  const Context sampled = WithTraceContext(Context(), TraceContext::NewRoot(/*sampled=*/true));
  {
    ScopedSpan span(sampled, "before the recording");
    EXPECT_NE(span.trace(), nullptr);
    EXPECT_FALSE(span.recording());
  }
  ASSERT_TRUE(StartSpanRecording().ok());
  const Context unsampled = WithTraceContext(Context(), TraceContext::NewRoot(/*sampled=*/false));
  {
    ScopedSpan span(unsampled, "unsampled");
    ASSERT_NE(span.trace(), nullptr);
    EXPECT_FALSE(span.trace()->sampled());
    EXPECT_FALSE(span.recording());
  }
  EXPECT_EQ(SpansEndedSoFar(), 0u);
  EXPECT_TRUE(StopSpanRecording().spans.empty());
}

TEST_F(SpanTest, SpansPastTheCapacityAreDroppedAndCounted) {
  ASSERT_TRUE(StartSpanRecording({.capacity = 2}).ok());
  const Context traced = WithTraceContext(Context(), TraceContext::NewRoot());
  for (int i = 0; i < 5; ++i) ScopedSpan span(traced, "step");
  EXPECT_EQ(SpansEndedSoFar(), 5u);
  const SpanLog log = StopSpanRecording();
  EXPECT_EQ(log.spans.size(), 2u);
  EXPECT_EQ(log.dropped, 3u);
}

TEST_F(SpanTest, RecordingOptionsAndOverlapAreChecked) {
  const absl::Status zero = StartSpanRecording({.capacity = 0});
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.message(), "span recording capacity must be in [1, 10000000]; got 0");
  ASSERT_TRUE(StartSpanRecording().ok());
  EXPECT_EQ(StartSpanRecording().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SpanTest, ASpanInAFiberRecordsTheFiberAndItsLabels) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  ASSERT_TRUE(StartSpanRecording().ok());
  uint64_t fiber = 0;
  ASSERT_TRUE((*runtime)
                  ->Run([&] {
                    fiber = this_fiber::Id();
                    SetFiberName("worker");
                    const Context traced = WithTraceContext(Context(), TraceContext::NewRoot());
                    ScopedSpan span(traced, "work");
                  })
                  .ok());
  const SpanLog log = StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 1u);
  EXPECT_EQ(log.spans[0].fiber, fiber);
  ASSERT_NE(log.spans[0].labels, nullptr);
  ASSERT_NE(log.spans[0].labels->Find("fiber"), nullptr);
  EXPECT_EQ(*log.spans[0].labels->Find("fiber"), "worker");
}

}  // namespace
}  // namespace troupe::tracing
