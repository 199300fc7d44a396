// tracing/trace_recording.h: RecordTrace records the scheduling trace and the spans
// that end meanwhile, one recording at a time, and leaves another span recording
// alone.
#include "troupe/tracing/trace_recording.h"

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {
namespace {

using RecordTraceTest = testing::RuntimeTest;

void RunSpan(const char* name) {
  const Context request = WithTraceContext(Context(), TraceContext::NewRoot());
  ScopedSpan span(request, name);
}

// A recorder fiber records for 3 s; once it is parked in its sleep, a named worker
// runs a span, which must be in the recording with the worker's slices. (The worker
// runs at once; the 3 s are room for a loaded sanitizer run, and the assertion
// after the worker's Join says so if the room was not enough.)
TEST_P(RecordTraceTest, RecordsTheSlicesAndSpansOfWhatRunsMeanwhile) {
  RunInFiber([&] {
    absl::StatusOr<TraceProcess> recorded = absl::UnknownError("not recorded");
    JoinHandle recorder =
        Spawn([&] { recorded = RecordTrace(runtime(), "service", absl::Seconds(3)); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), recorder.id(), "sleep"));
    JoinHandle worker = Spawn({.name = "recorded-worker"}, [] { RunSpan("work"); });
    const uint64_t worker_id = worker.id();
    ASSERT_TRUE(worker.Join().ok());
    ASSERT_EQ(SpansEndedSoFar(), 1u) << "the recording ended before the worker's span did";
    ASSERT_TRUE(recorder.Join().ok());

    ASSERT_TRUE(recorded.ok()) << recorded.status();
    EXPECT_EQ(recorded->name, "service");
    ASSERT_EQ(recorded->spans.spans.size(), 1u);
    EXPECT_EQ(recorded->spans.spans[0].name, "work");
    EXPECT_EQ(recorded->spans.spans[0].fiber, worker_id);
    bool worker_ran = false;
    for (const TraceSlice& slice : recorded->trace.slices) worker_ran |= slice.fiber == worker_id;
    EXPECT_TRUE(worker_ran) << "no slice of the worker";
  });
}

TEST_P(RecordTraceTest, LeavesAnotherSpanRecordingAlone) {
  ASSERT_TRUE(StartSpanRecording().ok());
  RunInFiber([&] {
    RunSpan("before");
    absl::StatusOr<TraceProcess> recorded =
        RecordTrace(runtime(), "service", absl::ZeroDuration());
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    EXPECT_EQ(recorded->name, "service, spans not recorded: another span recording is on");
    EXPECT_TRUE(recorded->spans.spans.empty());
    RunSpan("after");
  });
  const SpanLog other = StopSpanRecording();
  ASSERT_EQ(other.spans.size(), 2u);
  EXPECT_EQ(other.spans[0].name, "before");
  EXPECT_EQ(other.spans[1].name, "after");
}

TEST_P(RecordTraceTest, RecordsOneTraceAtATime) {
  RunInFiber([&] {
    ContextWithCancel recording = WithCancel(Context::Background());
    absl::Status first = absl::OkStatus();
    JoinHandle recorder = Spawn([&] {
      first = RecordTrace(runtime(), "first", absl::Seconds(60), recording.context).status();
    });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), recorder.id(), "sleep"));

    absl::StatusOr<TraceProcess> second = RecordTrace(runtime(), "second", absl::ZeroDuration());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(second.status().message(), "a trace is already being recorded");

    recording.cancel.Cancel();
    ASSERT_TRUE(recorder.Join().ok());
    EXPECT_EQ(first.code(), absl::StatusCode::kCancelled) << first;
    // The first recording ended, its span recording too: the next one may start.
    absl::StatusOr<TraceProcess> third = RecordTrace(runtime(), "third", absl::ZeroDuration());
    ASSERT_TRUE(third.ok()) << third.status();
    EXPECT_EQ(third->name, "third");
  });
}

TEST_P(RecordTraceTest, NegativeDurationIsInvalid) {
  RunInFiber([&] {
    absl::StatusOr<TraceProcess> recorded = RecordTrace(runtime(), "service", absl::Seconds(-1));
    EXPECT_EQ(recorded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(recorded.status().message(), "trace duration must be >= 0; got -1s");
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, RecordTraceTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::tracing
