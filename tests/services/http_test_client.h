// Shared by the HTTP service's tests: a fixture that starts the server on its own
// runtime, and a client that reads responses off a TcpConnection.
#ifndef TROUPE_TESTS_SERVICES_HTTP_TEST_CLIENT_H_
#define TROUPE_TESTS_SERVICES_HTTP_TEST_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/services/http_server.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::services::testing {

struct Response {
  int status = 0;
  std::string headers;
  std::string body;
};

// Reads one response (status line, headers, Content-Length body; no body for a
// response to HEAD) from `connection`, keeping any bytes after it in `pending`.
inline absl::StatusOr<Response> ReadResponse(TcpConnection& connection, std::string& pending,
                                             const Context& context = Context(),
                                             bool head_only = false) {
  char buffer[8 * 1024];
  while (true) {
    const std::size_t header_end = pending.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      Response response;
      response.headers = pending.substr(0, header_end);
      if (response.headers.size() < 12 ||
          !absl::SimpleAtoi(response.headers.substr(9, 3), &response.status)) {
        return absl::DataLossError("bad status line: " + response.headers);
      }
      std::size_t length = 0;
      const std::size_t at = response.headers.find("Content-Length: ");
      if (at != std::string::npos) length = std::stoul(response.headers.substr(at + 16));
      if (head_only) length = 0;
      if (pending.size() >= header_end + 4 + length) {
        response.body = pending.substr(header_end + 4, length);
        pending.erase(0, header_end + 4 + length);
        return response;
      }
    }
    absl::StatusOr<std::size_t> n = connection.Read(buffer, sizeof(buffer), context);
    if (!n.ok()) return n.status();
    pending.append(buffer, *n);
  }
}

// The value of the series `name` (a line "name value") on a /metrics page; -1 if
// absent.
inline double MetricValue(const std::string& page, absl::string_view name) {
  const std::string prefix = absl::StrCat("\n", name, " ");
  const std::size_t at = page.find(prefix);
  if (at == std::string::npos) return -1;
  const std::size_t start = at + prefix.size();
  double value = -1;
  (void)absl::SimpleAtod(page.substr(start, page.find('\n', start) - start), &value);
  return value;
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
    auto connection = Dial(absl::StrCat("127.0.0.1:", server_->port()));
    EXPECT_TRUE(connection.ok()) << connection.status();
    return connection.ok() ? *std::move(connection) : nullptr;
  }
  // One request on a fresh connection.
  Response Exchange(const std::string& request, bool head_only = false) {
    std::unique_ptr<TcpConnection> connection = Connect();
    if (connection == nullptr) return {};
    EXPECT_TRUE(connection->Write(request).ok());
    std::string pending;
    absl::StatusOr<Response> response = ReadResponse(*connection, pending, bounded_.context, head_only);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : Response{};
  }
  double Metric(absl::string_view name) { return MetricValue("\n" + server_->Metrics(), name); }
  // Waits (bounded, failing the test) until the series `name` reaches `at_least`.
  bool WaitForMetric(absl::string_view name, double at_least) {
    return troupe::testing::WaitUntil([&] { return Metric(name) >= at_least; },
                                      absl::StrCat(name, " >= ", at_least));
  }

  // Bounds every read a test makes, so that a server that never answers fails the
  // test instead of hanging it.
  const ContextWithCancel bounded_ = WithTimeout(Context::Background(), troupe::testing::kWaitBound);
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace troupe::services::testing

#endif  // TROUPE_TESTS_SERVICES_HTTP_TEST_CLIENT_H_
