// The HTTP service under hostile clients and faults, over loopback: an end of stream
// that comes with the request, accept failing for want of file descriptors,
// slowloris heads and bodies, clients that never read, and graceful shutdown with
// work in flight.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/log.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/services/http_server.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tests/services/http_test_client.h"

namespace troupe::services {
namespace {

using testing::HttpServerTest;
using testing::ReadResponse;
using testing::Response;
using troupe::testing::WaitUntilParked;

constexpr char kHello[] = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(HttpServerTest, AHalfClosedClientIsAnsweredAndClosedAtOnce) {
  // The request and the client's end of stream arrive together, in the edge that
  // wakes the server's parked read; the server must answer and then see the end of
  // stream, not wait for the idle timeout.
  Start({.idle_timeout = absl::Seconds(120)});
  RunInFiber([&] {
    for (int round = 0; round < 20; ++round) {
      std::unique_ptr<TcpConnection> connection = Connect();
      ASSERT_NE(connection, nullptr);
      // The accept loop and this connection's fiber both wait on their sockets.
      ASSERT_TRUE(troupe::testing::WaitUntilParkedCount(*runtime_, 2, "socket read"));
      ASSERT_TRUE(connection->Write(kHello).ok());
      connection->CloseWrite();
      std::string pending;
      absl::StatusOr<Response> response = ReadResponse(*connection, pending, bounded_.context);
      ASSERT_TRUE(response.ok()) << "round " << round << ": " << response.status();
      EXPECT_EQ(response->status, 200);
      char byte;
      EXPECT_EQ(connection->Read(&byte, 1, bounded_.context).status().code(),
                absl::StatusCode::kOutOfRange)
          << "round " << round << ": the server kept the connection open";
    }
  });
  EXPECT_EQ(Metric("troupe_http_idle_timeouts_total"), 0);
}

TEST_F(HttpServerTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  Start({.idle_timeout = absl::Milliseconds(20), .header_timeout = absl::Seconds(60)});
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Write(kHello).ok());
    std::string pending;
    ASSERT_TRUE(ReadResponse(*connection, pending, bounded_.context).ok());
    char byte;  // then silence: the server hangs up
    EXPECT_EQ(connection->Read(&byte, 1, bounded_.context).status().code(),
              absl::StatusCode::kOutOfRange);
  });
  EXPECT_EQ(Metric("troupe_http_idle_timeouts_total"), 1);
}

// The file-descriptor limit of this process lowered to what is open now plus a few,
// and every free descriptor taken; both undone by Release (or the destructor).
class DescriptorExhaustion {
 public:
  DescriptorExhaustion() {
    // The server logs each failed accept. Under UBSan, the first call through a new
    // dynamic type (the log sink's shared_ptr) is checked by probing memory through
    // a pipe, which fails with no descriptor left and reports a false "invalid
    // vptr": take the sink once while descriptors remain, so the check is cached.
    FlushLog();
    getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (lowest_free < 0) return;
    held_.push_back(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free) + 16;
    setrlimit(RLIMIT_NOFILE, &lowered);
    for (int fd; (fd = dup(lowest_free)) >= 0;) held_.push_back(fd);
    exhausted_ = errno == EMFILE;
  }
  ~DescriptorExhaustion() { Release(); }
  bool exhausted() const { return exhausted_; }
  void Release() {
    for (int fd : held_) close(fd);
    held_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> held_;
  bool exhausted_ = false;
};

// A blocking socket of this (plain) thread, its reads bounded by kWaitBound.
int BlockingClientSocket() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval bound{};
  bound.tv_sec = absl::ToInt64Seconds(troupe::testing::kWaitBound);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
  return fd;
}

TEST_F(HttpServerTest, AcceptFailuresAreCountedAndRetriedUntilDescriptorsReturn) {
  Start();
  // The clients' sockets exist before the descriptors run out; connecting needs
  // none, so their connections wait in the backlog while accept fails (EMFILE).
  constexpr int kClients = 3;
  int clients[kClients];
  for (int& fd : clients) {
    fd = BlockingClientSocket();
    ASSERT_GE(fd, 0);
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(server_->port());
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  {
    DescriptorExhaustion exhaustion;
    ASSERT_TRUE(exhaustion.exhausted());
    for (int fd : clients) {
      ASSERT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof(server)), 0)
          << std::strerror(errno);
      ASSERT_EQ(send(fd, kHello, sizeof(kHello) - 1, MSG_NOSIGNAL),
                static_cast<ssize_t>(sizeof(kHello) - 1));
    }
    // The server keeps failing (and backing off) while nothing is free.
    ASSERT_TRUE(WaitForMetric("troupe_http_accept_errors_total", 2));
  }  // descriptors return
  for (int fd : clients) {
    char reply[256] = {};
    const ssize_t n = recv(fd, reply, sizeof(reply) - 1, 0);
    ASSERT_GT(n, 0) << "no answer: the accept loop gave up (" << std::strerror(errno) << ")";
    EXPECT_TRUE(absl::StartsWith(reply, "HTTP/1.1 200 ")) << reply;
    close(fd);
  }
  EXPECT_GE(Metric("troupe_http_connections_total"), kClients);
}

TEST_F(HttpServerTest, AHeadDribbledByteByByteIsCutOffAfterTheHeaderTimeout) {
  // Slowloris: a byte every few milliseconds keeps an idle timeout from ever
  // firing, but the head as a whole must arrive within header_timeout.
  Start({.idle_timeout = absl::Seconds(60), .header_timeout = absl::Milliseconds(100)});
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Write("GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ").ok());
    std::atomic<bool> answered{false};
    Response response;
    JoinHandle reader = Spawn([&] {
      std::string pending;
      absl::StatusOr<Response> read = ReadResponse(*connection, pending, bounded_.context);
      ASSERT_TRUE(read.ok()) << read.status();
      response = *read;
      answered.store(true);
    });
    // At most 2,000 bytes (10 s): the dribbling client's own bound.
    for (int i = 0; i < 2'000 && !answered.load(); ++i) {
      if (!connection->Write("a").ok()) break;  // the server hung up
      this_fiber::SleepFor(absl::Milliseconds(5));  // the client's pace, not a sync
    }
    ASSERT_TRUE(reader.Join().ok());
    EXPECT_EQ(response.status, 408);
    EXPECT_TRUE(absl::StrContains(response.headers, "Connection: close"));
  });
  EXPECT_EQ(Metric("troupe_http_header_timeouts_total"), 1);
  EXPECT_EQ(Metric("troupe_http_requests_total{code=\"408\"}"), 1);
}

TEST_F(HttpServerTest, ABodyThatStopsArrivingGets408AfterTheBodyTimeout) {
  Start({.idle_timeout = absl::Seconds(60), .body_timeout = absl::Milliseconds(50)});
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> connection = Connect();
    ASSERT_NE(connection, nullptr);
    ASSERT_TRUE(connection->Write("PUT /kv/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
                                  "only ten..").ok());
    std::string pending;
    absl::StatusOr<Response> response = ReadResponse(*connection, pending, bounded_.context);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 408);
    // The connection's fiber returns the body's reservation as it ends, after the 408
    // is written (a check at once lost that race under ASan).
    EXPECT_TRUE(troupe::testing::WaitUntil(
        [&] { return Metric("troupe_http_body_bytes_in_flight") == 0; },
        "the reservation of the unfinished body is returned"));
  });
  EXPECT_EQ(Metric("troupe_http_body_timeouts_total"), 1);
}

// PUTs a 1 MiB value at /kv/big; `count` pipelined GETs of it are then far more
// than the socket buffers of a client that does not read can hold.
std::string PipelinedBigGets(int count) {
  std::string requests;
  for (int i = 0; i < count; ++i) absl::StrAppend(&requests, "GET /kv/big HTTP/1.1\r\nHost: x\r\n\r\n");
  return requests;
}

void PutBigValue(HttpServerTest& test, std::unique_ptr<TcpConnection> connection,
                 const Context& bounded) {
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection->Write(absl::StrCat("PUT /kv/big HTTP/1.1\r\nHost: x\r\nContent-Length: ",
                                             1 << 20, "\r\n\r\n", std::string(1 << 20, 'v')))
                  .ok());
  std::string pending;
  absl::StatusOr<Response> stored = ReadResponse(*connection, pending, bounded);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->status, 204);
}

TEST_F(HttpServerTest, AClientThatNeverReadsIsCutOffAfterTheWriteTimeout) {
  Start({.idle_timeout = absl::Seconds(60), .write_timeout = absl::Milliseconds(50)});
  RunInFiber([&] {
    PutBigValue(*this, Connect(), bounded_.context);
    std::unique_ptr<TcpConnection> sink = Connect();
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->Write(PipelinedBigGets(16)).ok());
    ASSERT_TRUE(WaitForMetric("troupe_http_write_timeouts_total", 1));
  });
  EXPECT_EQ(Metric("troupe_http_write_timeouts_total"), 1);
}

// Starts Shutdown(grace) in a fiber and waits until it is waiting for the
// connections (the shutdown has begun: idle connections were told to close).
JoinHandle BeginShutdown(Runtime& runtime, HttpServer& server, absl::Duration grace,
                         absl::Status* result) {
  JoinHandle stopper = Spawn([&server, grace, result] { *result = server.Shutdown(grace); });
  WaitUntilParked(runtime, stopper.id(), "wait group");
  return stopper;
}

TEST_F(HttpServerTest, ShutdownLetsASlowReaderTakeItsWholeResponse) {
  Start();
  RunInFiber([&] {
    PutBigValue(*this, Connect(), bounded_.context);
    std::unique_ptr<TcpConnection> reader = Connect();
    ASSERT_NE(reader, nullptr);
    ASSERT_TRUE(reader->Write(PipelinedBigGets(8)).ok());
    // The server is mid-response, parked on the full socket.
    ASSERT_TRUE(troupe::testing::WaitUntilParkedCount(*runtime_, 1, "socket write"));
    absl::Status shutdown;
    JoinHandle stopper = BeginShutdown(*runtime_, *server_, absl::Seconds(60), &shutdown);
    std::string pending;
    for (int i = 0; i < 8; ++i) {
      absl::StatusOr<Response> response = ReadResponse(*reader, pending, bounded_.context);
      ASSERT_TRUE(response.ok()) << "response " << i << ": " << response.status();
      EXPECT_EQ(response->status, 200);
      EXPECT_EQ(response->body.size(), std::size_t{1} << 20);
      // The last request that had arrived closes the connection.
      EXPECT_EQ(absl::StrContains(response->headers, "Connection: close"), i == 7) << i;
    }
    char byte;
    EXPECT_EQ(reader->Read(&byte, 1, bounded_.context).status().code(),
              absl::StatusCode::kOutOfRange);
    ASSERT_TRUE(stopper.Join().ok());
    EXPECT_TRUE(shutdown.ok()) << shutdown;
  });
}

TEST_F(HttpServerTest, ShutdownLetsAnUploadMidBodyComplete) {
  Start();
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> upload = Connect();
    ASSERT_NE(upload, nullptr);
    ASSERT_TRUE(upload->Write("PUT /kv/u HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n").ok());
    ASSERT_TRUE(upload->Write(std::string(300, 'u')).ok());
    ASSERT_TRUE(WaitForMetric("troupe_http_body_bytes_in_flight", 1000));  // head read
    absl::Status shutdown;
    JoinHandle stopper = BeginShutdown(*runtime_, *server_, absl::Seconds(60), &shutdown);
    ASSERT_TRUE(upload->Write(std::string(700, 'u')).ok());
    std::string pending;
    absl::StatusOr<Response> stored = ReadResponse(*upload, pending, bounded_.context);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->status, 204);
    EXPECT_TRUE(absl::StrContains(stored->headers, "Connection: close"));
    ASSERT_TRUE(stopper.Join().ok());
    EXPECT_TRUE(shutdown.ok()) << shutdown;
  });
  EXPECT_EQ(Metric("troupe_http_requests_total{code=\"204\"}"), 1);
}

TEST_F(HttpServerTest, ShutdownClosesIdleKeepAliveConnectionsAndRefusesNewOnes) {
  Start();
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> idle = Connect();
    ASSERT_NE(idle, nullptr);
    ASSERT_TRUE(idle->Write(kHello).ok());
    std::string pending;
    absl::StatusOr<Response> answered = ReadResponse(*idle, pending, bounded_.context);
    ASSERT_TRUE(answered.ok());
    EXPECT_TRUE(absl::StrContains(answered->headers, "Connection: keep-alive"));
    // A grace period far longer than the test's bound: if the idle connection were
    // left open, Shutdown would not return within it, and the Join would fail.
    absl::Status shutdown;
    JoinHandle stopper = Spawn([&] { shutdown = server_->Shutdown(absl::Seconds(600)); });
    char byte;
    EXPECT_EQ(idle->Read(&byte, 1, bounded_.context).status().code(),
              absl::StatusCode::kOutOfRange);
    ASSERT_TRUE(stopper.Join(bounded_.context).ok());
    EXPECT_TRUE(shutdown.ok()) << shutdown;
    EXPECT_FALSE(Dial(absl::StrCat("127.0.0.1:", server_->port())).ok());
  });
}

TEST_F(HttpServerTest, ShutdownCutsOffWhatTheGracePeriodDidNotFinish) {
  Start();
  RunInFiber([&] {
    std::unique_ptr<TcpConnection> stalled = Connect();
    ASSERT_NE(stalled, nullptr);
    ASSERT_TRUE(stalled->Write("PUT /kv/s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345").ok());
    ASSERT_TRUE(WaitForMetric("troupe_http_body_bytes_in_flight", 10));
    EXPECT_EQ(server_->Shutdown(absl::Milliseconds(20)).code(), absl::StatusCode::kDeadlineExceeded);
    char byte;  // cut off without an answer
    EXPECT_EQ(stalled->Read(&byte, 1, bounded_.context).status().code(),
              absl::StatusCode::kOutOfRange);
  });
  EXPECT_EQ(Metric("troupe_http_shutdown_cut_off_total"), 1);
}

}  // namespace
}  // namespace troupe::services
