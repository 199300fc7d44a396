// The HTTP service and W3C trace context, end to end over loopback: a request's
// traceparent is continued by the server's span, answered in the response, and
// carried into the KV store's asks.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/services/http_server.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tests/services/http_test_client.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::services {
namespace {

using testing::HttpServerTest;
using testing::Response;

// The response's traceparent field, or "" without one.
std::string TraceparentOf(const Response& response) {
  const std::string field = "\r\ntraceparent: ";
  const std::size_t at = response.headers.find(field);
  if (at == std::string::npos) return "";
  const std::size_t start = at + field.size();
  return response.headers.substr(start, response.headers.find("\r\n", start) - start);
}

class HttpTracingTest : public HttpServerTest {
 protected:
  void TearDown() override {
    tracing::StopSpanRecording();
    HttpServerTest::TearDown();
  }
};

TEST_F(HttpTracingTest, TheClientsTraceSurvivesARoundTripIntoTheStoresActors) {
  Start({.kv_shards = 1});
  ASSERT_TRUE(tracing::StartSpanRecording().ok());
  const TraceContext client = TraceContext::NewRoot();
  Response put;
  RunInFiber([&] {
    put = Exchange(absl::StrCat("PUT /kv/apple HTTP/1.1\r\nHost: x\r\ntraceparent: ",
                                FormatTraceparent(client), "\r\nContent-Length: 3\r\n\r\nred"));
  });
  EXPECT_EQ(put.status, 204);
  absl::StatusOr<TraceContext> answered = ParseTraceparent(TraceparentOf(put));
  ASSERT_TRUE(answered.ok()) << answered.status() << "\n" << put.headers;
  EXPECT_EQ(answered->TraceIdHex(), client.TraceIdHex());
  EXPECT_NE(answered->span_id, client.span_id);  // the server's own span
  EXPECT_TRUE(answered->sampled());

  // The server's span, its ask to the shard, and the shard's handling (which ends
  // just after its reply: waited for).
  troupe::testing::WaitUntil([] { return tracing::SpansEndedSoFar() >= 3; }, "3 spans ended");
  const tracing::SpanLog log = tracing::StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 3u);
  std::map<std::string, const tracing::SpanRecord*> by_name;
  for (const tracing::SpanRecord& span : log.spans) {
    EXPECT_EQ(span.trace.TraceIdHex(), client.TraceIdHex()) << span.name;
    by_name[span.name] = &span;
  }
  ASSERT_EQ(by_name.count("PUT /kv/{key}"), 1u);
  ASSERT_EQ(by_name.count("ask kv-0"), 1u);
  ASSERT_EQ(by_name.count("receive"), 1u);
  const tracing::SpanRecord& server = *by_name["PUT /kv/{key}"];
  EXPECT_EQ(server.parent_span_id, client.span_id);
  EXPECT_EQ(server.trace.span_id, answered->span_id);
  EXPECT_TRUE(server.status.ok()) << server.status;
  EXPECT_EQ(by_name["ask kv-0"]->parent_span_id, server.trace.span_id);
  EXPECT_EQ(by_name["ask kv-0"]->fiber, server.fiber);  // the connection's fiber asks
  const tracing::SpanRecord& receive = *by_name["receive"];
  EXPECT_EQ(receive.parent_span_id, by_name["ask kv-0"]->trace.span_id);
  ASSERT_NE(receive.labels, nullptr);
  ASSERT_NE(receive.labels->Find("actor"), nullptr);
  EXPECT_EQ(*receive.labels->Find("actor"), "kv-0");
}

TEST_F(HttpTracingTest, WithoutARecordingATracedRequestIsStillAnsweredInItsTrace) {
  Start();
  const TraceContext client = TraceContext::NewRoot(/*sampled=*/false);
  RunInFiber([&] {
    Response hello = Exchange(absl::StrCat("GET /hello HTTP/1.1\r\nHost: x\r\ntraceparent: ",
                                           FormatTraceparent(client), "\r\n\r\n"));
    EXPECT_EQ(hello.status, 200);
    absl::StatusOr<TraceContext> answered = ParseTraceparent(TraceparentOf(hello));
    ASSERT_TRUE(answered.ok()) << answered.status();
    EXPECT_EQ(answered->trace_id, client.trace_id);
    EXPECT_FALSE(answered->sampled());  // the client's decision stands
    // No traceparent, no recording: untraced, and the response says nothing.
    EXPECT_EQ(TraceparentOf(Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")), "");
  });
  EXPECT_EQ(Metric("troupe_http_bad_traceparent_total"), 0);
}

TEST_F(HttpTracingTest, AMalformedOrRepeatedTraceparentStartsANewTraceAndIsCounted) {
  Start();
  const std::string valid = FormatTraceparent(TraceContext::NewRoot());
  RunInFiber([&] {
    for (const std::string& fields :
         {std::string("traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\r\n"),
          absl::StrCat("traceparent: ", valid, "\r\ntraceparent: ", valid, "\r\n")}) {
      Response hello = Exchange(absl::StrCat("GET /hello HTTP/1.1\r\nHost: x\r\n", fields, "\r\n"));
      EXPECT_EQ(hello.status, 200);
      absl::StatusOr<TraceContext> answered = ParseTraceparent(TraceparentOf(hello));
      ASSERT_TRUE(answered.ok()) << answered.status() << "\n" << hello.headers;
      EXPECT_NE(FormatTraceparent(*answered).substr(3, 32), valid.substr(3, 32));
      EXPECT_NE(answered->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    }
  });
  EXPECT_EQ(Metric("troupe_http_bad_traceparent_total"), 2);
}

TEST_F(HttpTracingTest, WhileRecordingAnUntracedRequestGetsANewTrace) {
  Start();
  ASSERT_TRUE(tracing::StartSpanRecording().ok());
  RunInFiber([&] {
    Response hello = Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    absl::StatusOr<TraceContext> answered = ParseTraceparent(TraceparentOf(hello));
    ASSERT_TRUE(answered.ok()) << answered.status() << "\n" << hello.headers;
  });
  const tracing::SpanLog log = tracing::StopSpanRecording();
  ASSERT_EQ(log.spans.size(), 1u);
  EXPECT_EQ(log.spans[0].name, "GET /hello");
  EXPECT_FALSE(log.spans[0].has_parent());
  EXPECT_EQ(Metric("troupe_http_bad_traceparent_total"), 0);
}

}  // namespace
}  // namespace troupe::services
