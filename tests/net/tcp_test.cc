#include "troupe/net/tcp.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
    const uint64_t reader = this_fiber::Id();
    auto [cancellable, cancel] = WithCancel(Context());
    JoinHandle canceller = Spawn([&, cancel = cancel] {
      testing::WaitUntilParked(runtime(), reader, "socket read");
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
    JoinHandle second_canceller = Spawn([&, cancel = cancel_again] {
      testing::WaitUntilParked(runtime(), reader, "socket read");
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

// The peer writes a reply several reads long and closes at once while the reader is
// parked, so the end of stream arrives with (or in the same edge as) the last bytes.
// Each round must read the whole reply and then OutOfRange. `bound_read` reads with
// whatever bounds the wait (a context, or the connection's read timeout), so a lost
// end of stream fails the test instead of hanging it.
template <typename BoundRead>
void ExpectWriteThenCloseReadToTheEnd(Runtime& runtime, TcpListener& listener,
                                      BoundRead bound_read) {
  constexpr int kRounds = 20;
  constexpr std::size_t kReadSize = 1024;
  const std::string reply(10 * kReadSize + 300, 'r');  // the last read is short
  for (int round = 0; round < kRounds; ++round) {
    auto client = Dial("127.0.0.1", listener.port());
    ASSERT_TRUE(client.ok()) << client.status();
    auto served = listener.Accept();
    ASSERT_TRUE(served.ok()) << served.status();
    const uint64_t reader = this_fiber::Id();
    JoinHandle writer = Spawn([&] {
      testing::WaitUntilParked(runtime, reader, "socket read");
      ASSERT_TRUE((*served)->Write(reply).ok());
      (*served)->Close();
    });
    std::string received;
    absl::Status end;
    char buffer[kReadSize];
    while (true) {
      absl::StatusOr<std::size_t> n = bound_read(**client, buffer, sizeof(buffer));
      if (!n.ok()) {
        end = n.status();
        break;
      }
      received.append(buffer, *n);
    }
    ASSERT_TRUE(writer.Join().ok());
    ASSERT_EQ(end.code(), absl::StatusCode::kOutOfRange) << "round " << round << ": " << end;
    ASSERT_EQ(received.size(), reply.size()) << "round " << round;
  }
}

TEST_P(TcpTest, WriteThenCloseIsReadToTheEndWithoutAContext) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    ExpectWriteThenCloseReadToTheEnd(
        runtime(), **listener, [](TcpConnection& connection, char* buffer, std::size_t size) {
          connection.SetReadTimeout(testing::kWaitBound);  // fail, not hang
          return connection.Read(buffer, size);
        });
  });
}

TEST_P(TcpTest, WriteThenCloseIsReadToTheEndWithAContext) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    const ContextWithCancel bounded = WithTimeout(Context::Background(), testing::kWaitBound);
    ExpectWriteThenCloseReadToTheEnd(
        runtime(), **listener, [&](TcpConnection& connection, char* buffer, std::size_t size) {
          return connection.Read(buffer, size, bounded.context);
        });
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
    for (const char* bad : {"no-port", "host:", "host:65536", "host:8x", "::1:80", "[::1]80"}) {
      EXPECT_EQ(Dial(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    }
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
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), acceptor.id(), "socket read"));
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
    // One acceptor parks on the socket, the others on the listener's accept mutex.
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "socket read"));
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kAcceptors - 1, "mutex"));
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
    // Both readers wait: one on the socket, the other for its turn.
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "socket read"));
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), 1, "mutex"));
    ASSERT_TRUE((*client)->Write("a").ok());
    ASSERT_TRUE((*client)->Write("b").ok());
    for (JoinHandle& reader : readers) ASSERT_TRUE(reader.Join().ok());
    EXPECT_EQ(bytes.load(), 2);
  });
}

// A client connected to `listener` and the server's side of it.
struct ConnectedPair {
  std::unique_ptr<TcpConnection> client;
  std::unique_ptr<TcpConnection> server;
};

ConnectedPair Connect(TcpListener& listener, absl::string_view address) {
  ConnectedPair pair;
  auto client = Dial(address);
  EXPECT_TRUE(client.ok()) << address << ": " << client.status();
  if (!client.ok()) return pair;
  auto server = listener.Accept();
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return pair;
  pair.client = *std::move(client);
  pair.server = *std::move(server);
  return pair;
}

TEST_P(TcpTest, WriteTimeoutCutsOffAPeerThatStopsReading) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    ConnectedPair pair = Connect(**listener, absl::StrCat("127.0.0.1:", (*listener)->port()));
    ASSERT_NE(pair.server, nullptr);
    // The client never reads: far more than the socket buffers hold stays unsent.
    const std::string flood(16 << 20, 'f');
    pair.server->SetWriteTimeout(absl::Milliseconds(20));
    EXPECT_EQ(pair.server->Write(flood).code(), absl::StatusCode::kDeadlineExceeded);
    // A deadline that passed fails every later write at once; clearing it lifts that.
    pair.server->SetWriteTimeout(absl::InfiniteDuration());
    pair.server->SetWriteDeadline(absl::Now() - absl::Seconds(1));
    EXPECT_EQ(pair.server->Write("x").code(), absl::StatusCode::kDeadlineExceeded);
    pair.server->SetWriteDeadline(absl::InfiniteFuture());
    pair.client->Close();  // the peer is gone: now the write fails for that reason
    EXPECT_FALSE(pair.server->Write(flood).ok());
  });
}

TEST_P(TcpTest, ReadDeadlineBoundsSeveralReadsAndWinsOverWaitingData) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    ConnectedPair pair = Connect(**listener, absl::StrCat("127.0.0.1:", (*listener)->port()));
    ASSERT_NE(pair.server, nullptr);
    char buffer[16];
    pair.server->SetReadDeadline(absl::Now() + absl::Milliseconds(20));
    ASSERT_TRUE(pair.client->Write("a").ok());
    absl::StatusOr<std::size_t> first = pair.server->Read(buffer, sizeof(buffer));
    ASSERT_TRUE(first.ok()) << first.status();  // data before the deadline
    EXPECT_EQ(pair.server->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kDeadlineExceeded);  // nothing more came in time
    ASSERT_TRUE(pair.client->Write("b").ok());
    // Past the deadline even waiting data is refused (as Go's SetReadDeadline) ...
    EXPECT_EQ(pair.server->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kDeadlineExceeded);
    // ... until the deadline is lifted.
    pair.server->SetReadDeadline(absl::InfiniteFuture());
    absl::StatusOr<std::string> b = ReadExactly(*pair.server, 1);
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(*b, "b");
  });
}

TEST_P(TcpTest, CloseWriteSendsEndOfStreamAndKeepsReading) {
  auto listener = TcpListener::Listen("127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    ConnectedPair pair = Connect(**listener, absl::StrCat("localhost:", (*listener)->port()));
    ASSERT_NE(pair.server, nullptr);
    ASSERT_TRUE(pair.client->Write("request").ok());
    pair.client->CloseWrite();
    absl::StatusOr<std::string> request = ReadExactly(*pair.server, 7);
    ASSERT_TRUE(request.ok());
    char buffer[8];
    EXPECT_EQ(pair.server->Read(buffer, sizeof(buffer)).status().code(),
              absl::StatusCode::kOutOfRange);
    ASSERT_TRUE(pair.server->Write("reply").ok());  // the other direction still works
    absl::StatusOr<std::string> reply = ReadExactly(*pair.client, 5);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, "reply");
  });
}

// Whether this machine can bind the IPv6 loopback (CI containers may lack it).
bool HaveIPv6Loopback() {
  auto probe = TcpListener::Listen("::1", 0);
  return probe.ok();
}

TEST_P(TcpTest, ListenAndDialOverIPv6) {
  if (!HaveIPv6Loopback()) GTEST_SKIP() << "no IPv6 loopback here";
  auto listener = TcpListener::Listen("::1", 0);
  ASSERT_TRUE(listener.ok()) << listener.status();
  RunInFiber([&] {
    ConnectedPair pair = Connect(**listener, absl::StrCat("[::1]:", (*listener)->port()));
    ASSERT_NE(pair.server, nullptr);
    EXPECT_EQ(pair.client->peer(), absl::StrCat("[::1]:", (*listener)->port()));
    EXPECT_TRUE(absl::StartsWith(pair.server->peer(), "[::1]:")) << pair.server->peer();
    ASSERT_TRUE(pair.client->Write("six").ok());
    absl::StatusOr<std::string> six = ReadExactly(*pair.server, 3);
    ASSERT_TRUE(six.ok());
    EXPECT_EQ(*six, "six");
    // The two-argument Dial takes a bare IPv6 literal.
    auto again = Dial("::1", (*listener)->port());
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE((*listener)->Accept().ok());
  });
}

TEST_P(TcpTest, DialByNameTriesEachAddress) {
  // "localhost" is 127.0.0.1 then ::1: with only an IPv6 listener the first address
  // is refused and the second answers.
  if (!HaveIPv6Loopback()) GTEST_SKIP() << "no IPv6 loopback here";
  auto listener = TcpListener::Listen("::1", 0);
  ASSERT_TRUE(listener.ok());
  RunInFiber([&] {
    ConnectedPair pair = Connect(**listener, absl::StrCat("localhost:", (*listener)->port()));
    ASSERT_NE(pair.client, nullptr);
    EXPECT_TRUE(absl::StartsWith(pair.client->peer(), "[::1]:")) << pair.client->peer();
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
