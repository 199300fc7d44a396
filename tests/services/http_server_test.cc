// The HTTP service end to end over loopback: endpoints, keep-alive, pipelining, each
// kind of bad input, limits and budgets, metrics. (Timeouts, faults and graceful
// shutdown: http_server_resilience_test.cc.)
#include "troupe/services/http_server.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/services/request_parser.h"
#include "troupe/tests/metrics/prometheus_text_parser.h"
#include "troupe/tests/services/http_test_client.h"

namespace troupe::services {
namespace {

using testing::HttpServerTest;
using testing::ReadResponse;
using testing::Response;

TEST_F(HttpServerTest, HelloAndNotFound) {
  Start();
  RunInFiber([&] {
    Response hello = Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(hello.status, 200);
    EXPECT_EQ(hello.body, "hello, world\n");
    EXPECT_EQ(Exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    EXPECT_EQ(Exchange("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 405);
  });
}

TEST_F(HttpServerTest, KeyValueStoreThroughActors) {
  Start({.kv_shards = 3});
  RunInFiber([&] {
    EXPECT_EQ(Exchange("GET /kv/apple HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
    EXPECT_EQ(Exchange("PUT /kv/apple HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nred").status, 204);
    Response got = Exchange("GET /kv/apple HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, "red");
    EXPECT_EQ(Exchange("DELETE /kv/apple HTTP/1.1\r\nHost: x\r\n\r\n").status, 204);
    EXPECT_EQ(Exchange("DELETE /kv/apple HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  });
}

TEST_F(HttpServerTest, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Start();
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    std::string pending;
    for (int i = 0; i < 3; ++i) {  // keep-alive: one request after another
      ASSERT_TRUE(connection->Write(absl::StrCat("PUT /kv/k", i, " HTTP/1.1\r\nHost: x\r\n"
                                                 "Content-Length: 1\r\n\r\n", i)).ok());
      absl::StatusOr<Response> response = ReadResponse(*connection, pending);
      ASSERT_TRUE(response.ok());
      EXPECT_EQ(response->status, 204);
    }
    // Pipelining: three requests in one write, three answers in order.
    ASSERT_TRUE(connection->Write("GET /kv/k0 HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /kv/k1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /kv/k2 HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<Response> response = ReadResponse(*connection, pending);
      ASSERT_TRUE(response.ok());
      EXPECT_EQ(response->status, 200);
      EXPECT_EQ(response->body, absl::StrCat(i));
    }
  });
}

TEST_F(HttpServerTest, BadInputGetsTheRightStatusAndIsCounted) {
  Start({.limits = {.max_header_bytes = 1024, .max_body_bytes = 64}});
  RunInFiber([&] {
    EXPECT_EQ(Exchange("THIS IS NOT HTTP\r\n\r\n").status, 400);
    EXPECT_EQ(Exchange(absl::StrCat("GET /hello HTTP/1.1\r\nX-Big: ", std::string(2000, 'a'),
                                    "\r\n\r\n")).status,
              431);
    EXPECT_EQ(Exchange("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n").status, 413);
  });
  EXPECT_EQ(Metric("troupe_http_malformed_requests_total"), 1);
  EXPECT_EQ(Metric("troupe_http_oversized_headers_total"), 1);
  EXPECT_EQ(Metric("troupe_http_oversized_bodies_total"), 1);
  EXPECT_EQ(Metric("troupe_http_requests_total{code=\"400\"}"), 1);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitGet503) {
  Start({.max_connections = 1});
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> first = Connect();
    ASSERT_NE(first, nullptr);
    std::string pending;
    ASSERT_TRUE(first->Write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    ASSERT_TRUE(ReadResponse(*first, pending).ok());  // the first is being served
    EXPECT_EQ(Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status, 503);
  });
  EXPECT_EQ(Metric("troupe_http_connections_rejected_total"), 1);
}

TEST_F(HttpServerTest, MetricsPageParsesAndShowsRequestsRuntimeAndActors) {
  Start({.kv_shards = 2});
  RunInFiber([&] {
    EXPECT_EQ(Exchange("PUT /kv/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1").status, 204);
    Response page = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(page.status, 200);
    EXPECT_TRUE(absl::StrContains(page.headers, "text/plain; version=0.0.4")) << page.headers;
    absl::StatusOr<std::vector<metrics_test::ParsedFamily>> families =
        metrics_test::ParsePrometheusText(page.body);
    ASSERT_TRUE(families.ok()) << families.status() << "\n" << page.body;
    auto value = [&](absl::string_view name, std::map<std::string, std::string> labels = {}) {
      absl::StatusOr<double> found = metrics_test::SampleValue(*families, name, labels);
      EXPECT_TRUE(found.ok()) << name << "\n" << page.body;
      return found.ok() ? *found : -1;
    };
    EXPECT_EQ(value("troupe_http_requests_total", {{"code", "204"}}), 1);
    // The PUT, and the GET now being answered is not counted yet.
    EXPECT_EQ(value("troupe_http_request_duration_seconds_count"), 1);
    EXPECT_GE(value("troupe_http_connections_active"), 1);  // this one
    EXPECT_GE(value("troupe_runtime_fibers"), 1);
    EXPECT_GE(value("troupe_runtime_runqueue", {{"processor", "1"}}), 0);
    EXPECT_GE(value("troupe_runtime_netpoll_wakeups_total"), 0);
    EXPECT_GE(value("troupe_actor_mailbox_depth", {{"actor", "kv-0"}}), 0);
    // The PUT was handled by one of the two shards.
    EXPECT_EQ(value("troupe_actor_processed_total", {{"actor", "kv-0"}}) +
                  value("troupe_actor_processed_total", {{"actor", "kv-1"}}),
              1);
    EXPECT_EQ(value("troupe_actor_dead_letters_total"), 0);
    EXPECT_EQ(value("troupe_kv_bytes"), 1 + 1 + 64);
  });
}

TEST_F(HttpServerTest, HeadGetsTheFieldsOfGetWithoutTheBody) {
  Start();
  RunInFiber([&] {
    EXPECT_EQ(Exchange("PUT /kv/h HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").status, 204);
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    // HEAD then GET on one connection: if HEAD's answer carried a body, the GET's
    // answer would be read from the middle of it.
    ASSERT_TRUE(connection->Write("HEAD /kv/h HTTP/1.1\r\nHost: x\r\n\r\n"
                                  "GET /kv/h HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    std::string pending;
    absl::StatusOr<Response> head = ReadResponse(*connection, pending, bounded_.context, true);
    ASSERT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(head->status, 200);
    EXPECT_TRUE(absl::StrContains(head->headers, "Content-Length: 5")) << head->headers;
    absl::StatusOr<Response> get = ReadResponse(*connection, pending, bounded_.context);
    ASSERT_TRUE(get.ok()) << get.status();
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, "hello");
    // A method a resource does not take is 405 with the ones it does.
    Response refused = Exchange("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(refused.status, 405);
    EXPECT_TRUE(absl::StrContains(refused.headers, "Allow: GET, HEAD")) << refused.headers;
  });
}

TEST_F(HttpServerTest, SmugglingShapedRequestsAreRejectedAndCounted) {
  Start();
  RunInFiber([&] {
    // Each of these non-strict http-parser accepted (most with 200); RFC 9112 says
    // they MUST be rejected.
    for (const char* request : {
             "POST /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
             "PUT /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "1\r\naXX0\r\n\r\n",
             "GET /hello HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n",
             "PUT /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             "GET /hello HTTP/1.1\r\n\r\n",
             "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
      EXPECT_EQ(Exchange(request).status, 400) << request;
    }
    EXPECT_EQ(Exchange("GET /hello HTTP/9.9\r\nHost: x\r\n\r\n").status, 505);
    EXPECT_EQ(Exchange("PUT /kv/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n").status,
              501);
    // 70 KB of whitespace used to pass the 8 KiB limit: only names and values
    // counted.
    EXPECT_EQ(Exchange(absl::StrCat("GET /hello HTTP/1.1\r\nHost: x\r\nX-Pad:",
                                    std::string(70'000, ' '), "a\r\n\r\n")).status,
              431);
  });
  EXPECT_EQ(Metric("troupe_http_malformed_requests_total"), 6);
  EXPECT_EQ(Metric("troupe_http_unsupported_versions_total"), 1);
  EXPECT_EQ(Metric("troupe_http_unsupported_transfer_codings_total"), 1);
  EXPECT_EQ(Metric("troupe_http_oversized_headers_total"), 1);
  EXPECT_EQ(Metric("troupe_http_requests_total{code=\"505\"}"), 1);
}

TEST_F(HttpServerTest, BodiesBeyondTheBudgetGet503UntilMemoryReturns) {
  Start({.limits = {.max_header_bytes = 1024, .max_body_bytes = 1000}, .body_budget_bytes = 1000});
  RunInFiber([&] {
    // An upload holds the whole budget while its body arrives.
    std::unique_ptr<TcpConnection> upload = Connect();
    ASSERT_NE(upload, nullptr);
    ASSERT_TRUE(upload->Write("PUT /kv/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n").ok());
    ASSERT_TRUE(WaitForMetric("troupe_http_body_bytes_in_flight", 1000));
    EXPECT_EQ(Exchange("PUT /kv/small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
                  .status,
              503);
    ASSERT_TRUE(upload->Write(std::string(1000, 'b')).ok());
    std::string pending;
    absl::StatusOr<Response> stored = ReadResponse(*upload, pending, bounded_.context);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->status, 204);
    // The body moved into the store: the budget has room again.
    EXPECT_EQ(Exchange("PUT /kv/small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
                  .status,
              204);
  });
  EXPECT_EQ(Metric("troupe_http_body_budget_rejections_total"), 1);
  EXPECT_EQ(Metric("troupe_http_requests_total{code=\"503\"}"), 1);
  EXPECT_EQ(Metric("troupe_http_body_bytes_in_flight"), 0);
}

TEST_F(HttpServerTest, TheStoreRefusesPutsBeyondItsLimitWith507) {
  // Each entry costs its key, its value and 64 bytes: room for one 100-byte value.
  Start({.kv_max_bytes = 200});
  RunInFiber([&] {
    const std::string put_a = absl::StrCat("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
                                           std::string(100, 'a'));
    const std::string put_b = absl::StrCat("PUT /kv/b HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
                                           std::string(100, 'b'));
    EXPECT_EQ(Exchange(put_a).status, 204);
    EXPECT_EQ(Exchange(put_b).status, 507);
    EXPECT_EQ(Exchange(put_a).status, 204);  // replacing needs no more room
    EXPECT_EQ(Exchange("DELETE /kv/a HTTP/1.1\r\nHost: x\r\n\r\n").status, 204);
    EXPECT_EQ(Exchange(put_b).status, 204);  // the delete gave the room back
  });
  EXPECT_EQ(Metric("troupe_http_kv_full_total"), 1);
  EXPECT_EQ(Metric("troupe_kv_bytes"), 1 + 100 + 64);
}

TEST(RequestParserTest, AnySplitOfTheBytesGivesTheSameRequests) {
  const std::string bytes =
      "PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "GET /hello HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n";
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    RequestParser parser(ParserLimits{});
    ASSERT_EQ(parser.Feed(bytes.substr(0, split)), RequestParser::Error::kNone);
    ASSERT_EQ(parser.Feed(bytes.substr(split)), RequestParser::Error::kNone);
    ASSERT_TRUE(parser.HasRequest());
    HttpRequest put = parser.Next();
    EXPECT_EQ(put.method, "PUT");
    EXPECT_EQ(put.path, "/kv/a");
    EXPECT_EQ(put.body, "hello");
    EXPECT_TRUE(put.keep_alive);
    ASSERT_TRUE(parser.HasRequest());
    HttpRequest get = parser.Next();
    EXPECT_EQ(get.path, "/hello");
    EXPECT_FALSE(get.keep_alive);
    EXPECT_FALSE(parser.HasRequest());
  }
}

TEST(RequestParserTest, AnEmptyFeedChangesNothing) {
  RequestParser parser(ParserLimits{});
  ASSERT_EQ(parser.Feed("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Leng"), RequestParser::Error::kNone);
  ASSERT_EQ(parser.Feed(""), RequestParser::Error::kNone);  // not the end of the stream
  ASSERT_EQ(parser.Feed("th: 2\r\n\r\nok"), RequestParser::Error::kNone);
  ASSERT_TRUE(parser.HasRequest());
  EXPECT_EQ(parser.Next().body, "ok");
}

TEST(HttpServerOptionsTest, InvalidOptionsAreRejected) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  EXPECT_EQ(HttpServer::Start(**runtime, {.max_connections = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start(**runtime, {.kv_shards = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start(**runtime, {.header_timeout = absl::Seconds(-1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start(**runtime, {.body_budget_bytes = 10}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace troupe::services
