#include "troupe/net/tcp.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using TcpTest = testing::RuntimeTest;

// Reads exactly `size` bytes.
absl::StatusOr<std::string> ReadExactly(TcpConnection& connection, std::size_t size,
                                        const Context& context = Context()) {
  std::string data(size, '\0');
  std::size_t have = 0;
  while (have < size) {
    absl::StatusOr<std::size_t> n = connection.Read(&data[have], size - have, context);
    if (!n.ok()) return n.status();
    have += *n;
  }
  return data;
}

// Echoes every connection until the listener closes.
JoinHandle StartEchoServer(TcpListener& listener) {
  return Spawn([&listener] {
    std::vector<JoinHandle> handlers;
    while (true) {
      absl::StatusOr<std::unique_ptr<TcpConnection>> accepted = listener.Accept();
      if (!accepted.ok()) break;
      handlers.push_back(Spawn([connection = std::shared_ptr<TcpConnection>(std::move(*accepted))] {
        char buffer[4096];
        while (true) {
          absl::StatusOr<std::size_t> n = connection->Read(buffer, sizeof(buffer));
          if (!n.ok()) return;
          if (!connection->Write(absl::string_view(buffer, *n)).ok()) return;
        }
      }));
    }
    for (JoinHandle& handler : handlers) (void)handler.Join();
  });
}

// Accepts one connection on `runtime`, reads "ping", answers "pong", then calls
// `after`.
template <typename After>
JoinHandle ServePingPongOnce(Runtime& runtime, TcpListener& listener, After after) {
  return runtime.Spawn([&listener, after] {
    auto connection = listener.Accept();
    ASSERT_TRUE(connection.ok());
    absl::StatusOr<std::string> ping = ReadExactly(**connection, 4);
    ASSERT_TRUE(ping.ok());
    ASSERT_EQ(*ping, "ping");
    ASSERT_TRUE((*connection)->Write("pong").ok());
    after();
  });
}

TEST_P(TcpTest, EchoAcrossManyConcurrentFibers) {
  constexpr int kClients = 50;
  constexpr int kMessages = 20;
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok()) << listener.status();
  std::atomic<int> echoed{0};
  RunInFiber([&] {
    JoinHandle server = StartEchoServer(**listener);
    std::vector<JoinHandle> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.push_back(Spawn([&, c] {
        auto connection = Dial("127.0.0.1", (*listener)->port());
        ASSERT_TRUE(connection.ok()) << connection.status();
        for (int m = 0; m < kMessages; ++m) {
          const std::string message = "client " + std::to_string(c) + " message " +
                                      std::to_string(m) + std::string(1000, 'x');
          ASSERT_TRUE((*connection)->Write(message).ok());
          absl::StatusOr<std::string> reply = ReadExactly(**connection, message.size());
          ASSERT_TRUE(reply.ok()) << reply.status();
          ASSERT_EQ(*reply, message);
          echoed.fetch_add(1);
        }
      }));
    }
    for (JoinHandle& client : clients) ASSERT_TRUE(client.Join().ok());
    (*listener)->Close();  // the server's Accept fails, and it winds down
    ASSERT_TRUE(server.Join().ok());
  });
  EXPECT_EQ(echoed.load(), kClients * kMessages);
  // Readiness was collected by the runtime's own threads (no poller thread exists).
  EXPECT_GT(runtime().Stats().netpoll_wakeups, 0u);
}

TEST_P(TcpTest, ReadDeadlineAndCancellation) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    Semaphore done(0);
    JoinHandle silent_server = Spawn([&] {
      auto connection = (*listener)->Accept();
      ASSERT_TRUE(connection.ok());
      done.Acquire();  // holds the connection open without writing
    });
    auto connection = Dial("localhost", (*listener)->port());
    ASSERT_TRUE(connection.ok());
    char buffer[16];
    auto [deadline, cancel_deadline] = WithTimeout(Context(), absl::Milliseconds(5));
    EXPECT_EQ((*connection)->Read(buffer, sizeof(buffer), deadline).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    auto [cancellable, cancel] = WithCancel(Context());
    JoinHandle canceller = Spawn([cancel = cancel] {
      this_fiber::Yield();
      cancel.Cancel(absl::CancelledError("shutting down"));
    });
    absl::StatusOr<std::size_t> read = (*connection)->Read(buffer, sizeof(buffer), cancellable);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kCancelled);
    ASSERT_TRUE(canceller.Join().ok());
    // The connection's own read timeout, without a context deadline; it applies to
    // every later read, and InfiniteDuration turns it off again.
    (*connection)->SetReadTimeout(absl::Milliseconds(5));
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ((*connection)->Read(buffer, sizeof(buffer)).status().code(),
                absl::StatusCode::kDeadlineExceeded);
    }
    (*connection)->SetReadTimeout(absl::InfiniteDuration());
    auto [cancellable_again, cancel_again] = WithCancel(Context());
    JoinHandle second_canceller = Spawn([cancel = cancel_again] {
      this_fiber::Yield();
      cancel.Cancel(absl::CancelledError("shutting down"));
    });
    EXPECT_EQ((*connection)->Read(buffer, sizeof(buffer), cancellable_again).status().code(),
              absl::StatusCode::kCancelled);
    ASSERT_TRUE(second_canceller.Join().ok());
    done.Release();
    ASSERT_TRUE(silent_server.Join().ok());
  });
}

TEST_P(TcpTest, PeerCloseIsEndOfStream) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    JoinHandle server = Spawn([&] {
      auto connection = (*listener)->Accept();
      ASSERT_TRUE(connection.ok());
      ASSERT_TRUE((*connection)->Write("bye").ok());
      (*connection)->Close();
    });
    auto connection = Dial("127.0.0.1", (*listener)->port());
    ASSERT_TRUE(connection.ok());
    absl::StatusOr<std::string> bye = ReadExactly(**connection, 3);
    ASSERT_TRUE(bye.ok());
    EXPECT_EQ(*bye, "bye");
    char buffer[8];
    EXPECT_EQ((*connection)->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kOutOfRange);
    ASSERT_TRUE(server.Join().ok());
  });
}

TEST_P(TcpTest, ConnectionRefusedAndBadInputAreStatuses) {
  uint16_t closed_port = 0;
  {
    auto listener = TcpListener::Listen("127.0.0.1", 0);
    ASSERT_TRUE(listener.ok());
    closed_port = (*listener)->port();
  }  // closed: nobody listens there now
  RunInFiber([&] {
    EXPECT_EQ(Dial("127.0.0.1", closed_port).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(Dial("not-an-address", 80).status().code(), absl::StatusCode::kInvalidArgument);
  });
  EXPECT_EQ(TcpListener::Listen("127.0.0.1", 0, {.backlog = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(TcpTest, ClosingTheListenerWakesAParkedAccept) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    absl::Status accepted;
    JoinHandle acceptor = Spawn([&] { accepted = (*listener)->Accept().status(); });
    this_fiber::Yield();
    (*listener)->Close();
    ASSERT_TRUE(acceptor.Join().ok());
    EXPECT_EQ(accepted.code(), absl::StatusCode::kFailedPrecondition);
  });
}

TEST_P(TcpTest, ManyFibersAcceptOnOneListener) {
  // Every acceptor is parked on the listener before any client dials: each of them
  // must get a connection. (A socket direction keeps one parked waiter; Accept makes
  // the acceptors take turns.)
  constexpr int kAcceptors = 16;
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    // The bound only turns a lost acceptor into a failure instead of a hang.
    const ContextWithCancel timeout = WithTimeout(Context::Background(), absl::Seconds(60));
    const Context& bounded = timeout.context;
    std::atomic<int> served{0};
    std::vector<JoinHandle> acceptors;
    for (int i = 0; i < kAcceptors; ++i) {
      acceptors.push_back(Spawn([&] {
        auto connection = (*listener)->Accept(bounded);
        ASSERT_TRUE(connection.ok()) << connection.status();
        absl::StatusOr<std::string> ping = ReadExactly(**connection, 4, bounded);
        ASSERT_TRUE(ping.ok()) << ping.status();
        ASSERT_TRUE((*connection)->Write("pong").ok());
        served.fetch_add(1);
      }));
    }
    for (int i = 0; i < 100; ++i) this_fiber::Yield();
    std::vector<JoinHandle> clients;
    for (int i = 0; i < kAcceptors; ++i) {
      clients.push_back(Spawn([&] {
        auto connection = Dial("127.0.0.1", (*listener)->port());
        ASSERT_TRUE(connection.ok());
        ASSERT_TRUE((*connection)->Write("ping").ok());
        absl::StatusOr<std::string> pong = ReadExactly(**connection, 4, bounded);
        ASSERT_TRUE(pong.ok()) << pong.status();
        EXPECT_EQ(*pong, "pong");
      }));
    }
    for (JoinHandle& client : clients) ASSERT_TRUE(client.Join().ok());
    for (JoinHandle& acceptor : acceptors) ASSERT_TRUE(acceptor.Join().ok());
    EXPECT_EQ(served.load(), kAcceptors);
  });
}

TEST_P(TcpTest, ConcurrentReadsOfOneConnectionTakeTurns) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    const ContextWithCancel timeout = WithTimeout(Context::Background(), absl::Seconds(60));
    const Context& bounded = timeout.context;
    auto client = Dial("127.0.0.1", (*listener)->port());
    ASSERT_TRUE(client.ok());
    auto server = (*listener)->Accept(bounded);
    ASSERT_TRUE(server.ok());
    std::atomic<int> bytes{0};
    std::vector<JoinHandle> readers;
    for (int i = 0; i < 2; ++i) {
      readers.push_back(Spawn([&] {
        char byte;
        absl::StatusOr<std::size_t> n = (*server)->Read(&byte, 1, bounded);
        ASSERT_TRUE(n.ok()) << n.status();
        bytes.fetch_add(static_cast<int>(*n));
      }));
    }
    for (int i = 0; i < 100; ++i) this_fiber::Yield();  // both readers wait
    ASSERT_TRUE((*client)->Write("a").ok());
    ASSERT_TRUE((*client)->Write("b").ok());
    for (JoinHandle& reader : readers) ASSERT_TRUE(reader.Join().ok());
    EXPECT_EQ(bytes.load(), 2);
  });
}

TEST_P(TcpTest, PlainThreadClientTalksToAFiberServer) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  JoinHandle server = ServePingPongOnce(runtime(), **listener, [] {});
  auto connection = Dial("127.0.0.1", (*listener)->port());  // a plain thread blocks
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)->Write("ping").ok());
  absl::StatusOr<std::string> pong = ReadExactly(**connection, 4);
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(*pong, "pong");
  ASSERT_TRUE(server.Join().ok());
}

TEST_P(TcpTest, SocketsMakeProgressWhileEveryProcessorIsBusy) {
  // Every P runs a fiber that only yields, so no P ever runs dry to poll and none is
  // idle to block in epoll: the monitor's poll must find the ready socket.
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  std::atomic<bool> served{false};
  std::vector<JoinHandle> spinners;
  for (int i = 0; i < GetParam(); ++i) {
    spinners.push_back(runtime().Spawn([&] {
      while (!served.load()) this_fiber::Yield();
    }));
  }
  JoinHandle server = ServePingPongOnce(runtime(), **listener, [&] { served.store(true); });
  auto connection = Dial("127.0.0.1", (*listener)->port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)->Write("ping").ok());
  absl::StatusOr<std::string> pong = ReadExactly(**connection, 4);
  ASSERT_TRUE(pong.ok()) << pong.status();
  EXPECT_EQ(*pong, "pong");
  ASSERT_TRUE(server.Join().ok());
  for (JoinHandle& spinner : spinners) ASSERT_TRUE(spinner.Join().ok());
}

TROUPE_INSTANTIATE_OVER_PROCS(TcpTest);

TEST(NetPollerTest, APlainThreadWithoutARuntimeGetsAStatusInsteadOfHanging) {
  // Sockets are polled by a Runtime's threads; with none in the process, nobody
  // would ever wake this thread.
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  absl::StatusOr<std::unique_ptr<TcpConnection>> accepted = (*listener)->Accept();
  EXPECT_EQ(accepted.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(accepted.status().message().find("no troupe Runtime"), absl::string_view::npos)
      << accepted.status();
}

TEST(NetPollerTest, ARuntimeShutsDownWhileItsIdleThreadWaitsInEpoll) {
  // With a socket registered, an idle M sleeps in epoll rather than on its futex;
  // destroying the runtime must wake it (the test hangs otherwise).
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  for (int round = 0; round < 20; ++round) {
    auto runtime = Runtime::Create({.procs = 1 + round % 2});
    ASSERT_TRUE(runtime.ok());
    ASSERT_TRUE((*runtime)->Spawn([] {}).Join().ok());
    runtime->reset();
  }
}

}  // namespace
}  // namespace troupe
