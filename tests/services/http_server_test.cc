// The HTTP service end to end over loopback: endpoints, keep-alive, pipelining, each
// kind of bad input, limits, metrics and graceful shutdown.
#include "troupe/services/http_server.h"

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

namespace troupe::services {
namespace {

struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

// Reads one response (status line, headers, Content-Length body) from `connection`,
// keeping any bytes after it in `pending`.
absl::StatusOr<Response> ReadResponse(TcpConnection& connection, std::string& pending) {
  char buffer[4096];
  while (true) {
    const std::size_t header_end = pending.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      Response response;
      response.headers = pending.substr(0, header_end);
      if (!absl::SimpleAtoi(response.headers.substr(9, 3), &response.status)) {
        return absl::DataLossError("bad status line: " + response.headers);
      }
      std::size_t length = 0;
      const std::size_t at = response.headers.find("Content-Length: ");
      if (at != std::string::npos) {
        length = std::stoul(response.headers.substr(at + 16));
      }
      if (pending.size() >= header_end + 4 + length) {
        response.body = pending.substr(header_end + 4, length);
        pending.erase(0, header_end + 4 + length);
        return response;
      }
    }
    absl::StatusOr<std::size_t> n = connection.Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    pending.append(buffer, *n);
  }
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    auto runtime = Runtime::Create({.procs = 2});
    ASSERT_TRUE(runtime.ok());
    runtime_ = *std::move(runtime);
    options.port = 0;
    auto server = HttpServer::Start(*runtime_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(60)).ok());
    }
    server_.reset();
  }
  template <typename F>
  void RunInFiber(F&& body) {
    ASSERT_TRUE(runtime_->Run(std::forward<F>(body)).ok());
  }
  std::unique_ptr<TcpConnection> Connect() {
    auto connection = Dial("127.0.0.1", server_->port());
    EXPECT_TRUE(connection.ok()) << connection.status();
    return connection.ok() ? *std::move(connection) : nullptr;
  }
  // One request on a fresh connection.
  Response Exchange(const std::string& request) {
    std::unique_ptr<TcpConnection> connection = Connect();
    if (connection == nullptr) return {};
    EXPECT_TRUE(connection->Write(request).ok());
    std::string pending;
    absl::StatusOr<Response> response = ReadResponse(*connection, pending);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : Response{};
  }

  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
};

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
  const std::string metrics = server_->Metrics();
  EXPECT_TRUE(absl::StrContains(metrics, "troupe_http_malformed_requests_total 1")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "troupe_http_oversized_headers_total 1")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "troupe_http_oversized_bodies_total 1")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "troupe_http_requests_total{code=\"400\"} 1")) << metrics;
}

TEST_F(HttpServerTest, SlowClientIsCutOffAfterTheIdleTimeout) {
  Start({.idle_timeout = absl::Milliseconds(20)});
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Write("GET /hel").ok());  // and never the rest
    char buffer[64];
    EXPECT_EQ(connection->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kOutOfRange);  // the server hung up
  });
  EXPECT_TRUE(absl::StrContains(server_->Metrics(), "troupe_http_idle_timeouts_total 1"));
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
  EXPECT_TRUE(absl::StrContains(server_->Metrics(), "troupe_http_connections_rejected_total 1"));
}

TEST_F(HttpServerTest, MetricsExposeRuntimeAndActors) {
  Start({.kv_shards = 2});
  RunInFiber([&] {
    EXPECT_EQ(Exchange("PUT /kv/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n1").status, 204);
    Response metrics = Exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(metrics.status, 200);
    for (const char* series :
         {"troupe_http_requests_total{code=\"204\"} 1", "troupe_http_request_duration_seconds_bucket",
          "troupe_runtime_fibers", "troupe_runtime_runqueue{processor=\"1\"}",
          "troupe_runtime_netpoll_wakeups_total",
          "troupe_actor_mailbox_depth{actor=\"kv-0\"}", "troupe_actor_processed_total{actor=\"kv-1\"}"}) {
      EXPECT_TRUE(absl::StrContains(metrics.body, series)) << series << "\n" << metrics.body;
    }
  });
}

TEST_F(HttpServerTest, GracefulShutdownFinishesRequestsInFlight) {
  Start();
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> idle = Connect();
    std::unique_ptr<TcpConnection> busy = Connect();
    ASSERT_NE(idle, nullptr);
    ASSERT_NE(busy, nullptr);
    std::string pending;
    ASSERT_TRUE(busy->Write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").ok());
    ASSERT_TRUE(ReadResponse(*busy, pending).ok());
    // Shut down from another fiber; the idle connection is closed, new ones refused.
    JoinHandle stopper = Spawn([&] { EXPECT_TRUE(server_->Shutdown(absl::Seconds(60)).ok()); });
    char buffer[64];
    EXPECT_EQ(idle->Read(buffer, sizeof(buffer)).status().code(), absl::StatusCode::kOutOfRange);
    ASSERT_TRUE(stopper.Join().ok());
    EXPECT_FALSE(Dial("127.0.0.1", server_->port()).ok());
  });
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
  ASSERT_EQ(parser.Feed("PUT /kv/a HTTP/1.1\r\nContent-Leng"), RequestParser::Error::kNone);
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
}

}  // namespace
}  // namespace troupe::services
