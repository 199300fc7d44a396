// W3C traceparent parsing and formatting, and trace contexts carried by Context.
#include "troupe/scheduler/trace_context.h"

#include <string>

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"

namespace troupe {
namespace {

constexpr char kExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecificationsExample) {
  absl::StatusOr<TraceContext> trace = ParseTraceparent(kExample);
  ASSERT_TRUE(trace.ok()) << trace.status();
  EXPECT_EQ(trace->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace->SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_EQ(trace->flags, 0x01);
  EXPECT_TRUE(trace->sampled());
  EXPECT_TRUE(trace->valid());
  EXPECT_EQ(FormatTraceparent(*trace), kExample);
}

TEST(TraceparentTest, FormatThenParseRoundTrips) {
  for (const bool sampled : {true, false}) {
    const TraceContext trace = TraceContext::NewRoot(sampled);
    const std::string header = FormatTraceparent(trace);
    EXPECT_EQ(header.size(), 55u);
    absl::StatusOr<TraceContext> parsed = ParseTraceparent(header);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, trace);
    EXPECT_EQ(parsed->sampled(), sampled);
  }
}

TEST(TraceparentTest, RejectsWhatVersion00Forbids) {
  const struct {
    const char* header;
    const char* why;  // in the status message
  } cases[] = {
      {"", "has 0 characters"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", "has 56 characters"},
      {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "not version 00"},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "not version 00"},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace-id that is not"},
      {"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", "trace-id that is not"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", "parent-id that is not"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x", "flags that are not"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01", "misplaced dashes"},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "all-zero trace-id"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "all-zero parent-id"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<TraceContext> parsed = ParseTraceparent(c.header);
    ASSERT_FALSE(parsed.ok()) << c.header;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.header;
    EXPECT_NE(parsed.status().message().find(c.why), absl::string_view::npos)
        << c.header << ": " << parsed.status();
  }
}

TEST(TraceContextTest, NewRootAndNewChildMakeFreshNonZeroIds) {
  const TraceContext root = TraceContext::NewRoot();
  EXPECT_TRUE(root.valid());
  EXPECT_TRUE(root.sampled());
  EXPECT_NE(root.TraceIdHex(), TraceContext::NewRoot().TraceIdHex());
  const TraceContext child = root.NewChild();
  EXPECT_TRUE(child.valid());
  EXPECT_EQ(child.trace_id, root.trace_id);
  EXPECT_EQ(child.flags, root.flags);
  EXPECT_NE(child.span_id, root.span_id);
  EXPECT_FALSE(TraceContext().valid());
}

TEST(ContextTraceTest, BackgroundAndPlainContextsCarryNoTrace) {
  EXPECT_EQ(TraceContextOf(Context::Background()), nullptr);
  const ContextWithCancel plain = WithCancel(Context());
  EXPECT_EQ(TraceContextOf(plain.context), nullptr);
}

TEST(ContextTraceTest, DescendantsCarryTheTraceAndTheNearestOneWins) {
  const TraceContext first = TraceContext::NewRoot();
  const Context traced = WithTraceContext(Context(), first);
  ASSERT_NE(TraceContextOf(traced), nullptr);
  EXPECT_EQ(*TraceContextOf(traced), first);
  const ContextWithCancel child = WithTimeout(traced, absl::Hours(1));
  ASSERT_NE(TraceContextOf(child.context), nullptr);
  EXPECT_EQ(*TraceContextOf(child.context), first);
  const TraceContext second = first.NewChild();
  const Context grandchild = WithTraceContext(child.context, second);
  EXPECT_EQ(*TraceContextOf(grandchild), second);
  EXPECT_EQ(*TraceContextOf(child.context), first);  // the parent is unchanged
  child.cancel.Cancel();
}

TEST(ContextTraceTest, ATracedContextKeepsItsParentsCancellationAndDeadline) {
  const ContextWithCancel parent = WithTimeout(Context(), absl::Hours(1));
  const Context traced = WithTraceContext(parent.context, TraceContext::NewRoot());
  EXPECT_EQ(traced.deadline(), parent.context.deadline());
  EXPECT_TRUE(traced.Err().ok());
  parent.cancel.Cancel(absl::CancelledError("request abandoned"));
  EXPECT_EQ(traced.Err(), absl::CancelledError("request abandoned"));
}

}  // namespace
}  // namespace troupe
