// TCP on fibers: listen, accept, connect, read and write park the calling fiber (a
// plain thread blocks) instead of blocking an OS thread; readiness comes from the
// scheduler's netpoller (scheduler/internal/net_poller.h). Every call takes an
// optional Context whose deadline or cancellation bounds it; a connection also has
// read and write timeouts and deadlines of its own (cheaper than a context with a
// timer per call). Sockets are polled by a Runtime's threads: a plain thread may use
// them only while a Runtime exists (otherwise a wait fails with FailedPrecondition).
//
//   auto listener = troupe::TcpListener::Listen("127.0.0.1", 0);   // or "::1", "::"
//   troupe::Spawn([&] {
//     auto connection = (*listener)->Accept(ctx);
//     char buffer[4096];
//     while (true) {
//       absl::StatusOr<size_t> n = (*connection)->Read(buffer, sizeof buffer, ctx);
//       if (!n.ok()) break;                           // OutOfRange: peer closed
//       (void)(*connection)->Write(absl::string_view(buffer, *n), ctx);
//     }
//   });
//   auto client = troupe::Dial("localhost:8080", ctx);  // names, IPv4 and IPv6
//
// For line- or length-framed protocols, wrap a connection in a BufferedReader
// (net/buffered_reader.h: ReadLine, ReadUntil, ReadFull, each with a limit).
//
// Errors are statuses: refused (Unavailable), reset (Aborted), closed by the peer
// (OutOfRange, on Read), closed locally (FailedPrecondition), timed out
// (DeadlineExceeded), cancelled (Cancelled), an unknown host (NotFound); anything
// else carries errno's text.
//
// Tuning knobs: ListenOptions::backlog is capped by the kernel's net.core.somaxconn;
// every connection is a file descriptor, so raise `ulimit -n` for many connections;
// ListenOptions::reuse_port (SO_REUSEPORT) lets several listeners share a port.
#ifndef TROUPE_NET_TCP_H_
#define TROUPE_NET_TCP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/mutex.h"

namespace troupe {

namespace scheduler_internal {
struct PollDescriptor;  // the netpoller's record of a socket (internal/net_poller.h)
}  // namespace scheduler_internal

class TcpConnection {
 public:
  ~TcpConnection();  // closes the connection
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Reads at least one byte (at most `size`) and returns how many; OutOfRange once
  // the peer has closed its side and everything was read; DeadlineExceeded if the
  // read timeout passes while it waits for data, or the read deadline has passed.
  // Concurrent Reads of one connection are served one at a time (as Go's net.Conn
  // does); so are concurrent Writes.
  absl::StatusOr<std::size_t> Read(char* buffer, std::size_t size,
                                   const Context& context = Context());
  // Writes all of `data`, parking while the socket's buffer is full. On an error
  // (DeadlineExceeded, Cancelled, ...) an unknown prefix of `data` may have been sent.
  absl::Status Write(absl::string_view data, const Context& context = Context());

  // Timeouts and deadlines apply to every later call, on top of its context, until
  // changed; they do not change a call that is already waiting. Set them from the
  // fiber that reads (writes), or while no Read (Write) runs.
  //
  // A Read gives up with DeadlineExceeded after waiting `timeout` for data (an idle
  // connection times out); absl::InfiniteDuration() (the default) turns it off.
  void SetReadTimeout(absl::Duration timeout);
  // Every Read fails with DeadlineExceeded once `deadline` has passed, even if data
  // is waiting, as Go's SetReadDeadline; absl::InfiniteFuture() (the default) turns
  // it off. Bounds a whole exchange of several reads (a request's head).
  void SetReadDeadline(absl::Time deadline);
  // A Write gives up with DeadlineExceeded when it has not handed all its bytes to
  // the kernel `timeout` after it first had to wait for room (a peer that stopped
  // reading); absl::InfiniteDuration() (the default) turns it off.
  void SetWriteTimeout(absl::Duration timeout);
  // Every Write fails with DeadlineExceeded once `deadline` has passed.
  void SetWriteDeadline(absl::Time deadline);

  // Shuts down the sending side (the peer reads the end of stream after what was
  // written); Reads go on. Idempotent.
  void CloseWrite();
  // Closes; parked readers and writers fail with FailedPrecondition. Idempotent.
  void Close();

  // "address:port" of the other end ("[::1]:8080" for IPv6).
  const std::string& peer() const { return peer_; }

 private:
  friend class TcpListener;
  friend absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(absl::string_view,
                                                             const Context&);
  TcpConnection(scheduler_internal::PollDescriptor* descriptor, std::string peer)
      : descriptor_(descriptor), peer_(std::move(peer)) {}

  scheduler_internal::PollDescriptor* const descriptor_;  // freed (retired) by the destructor
  std::string peer_;
  // MonotonicNanos values; 0: none. Written by the setters, read by Read/Write (the
  // setters' contract above keeps them from racing).
  int64_t read_timeout_ns_ = 0;
  int64_t read_deadline_ns_ = 0;
  int64_t write_timeout_ns_ = 0;
  int64_t write_deadline_ns_ = 0;
  // One Read and one Write at a time: the netpoller keeps one parked waiter per
  // direction of a socket (net_poller.h).
  Mutex read_mutex_;
  Mutex write_mutex_;
  // The last Read returned less than it asked for, so the socket was empty then:
  // the next Read waits for readiness before calling read(2), which would most
  // likely only say EAGAIN (a request/response peer sends after our reply). Safe
  // because the netpoller remembers the peer's close (net_poller.h: hung_up), which
  // no later edge would announce.
  bool drained_ = false;  // guarded by read_mutex_
};

struct ListenOptions {
  int backlog = 1024;       // capped by net.core.somaxconn
  bool reuse_port = false;  // SO_REUSEPORT
};

class TcpListener {
 public:
  // Listens on `host` and `port` (0: any free port, see port()). `host` is an IPv4
  // or IPv6 address ("0.0.0.0" and "::" mean every interface; "::" takes IPv4 too),
  // "localhost" (127.0.0.1), "" (0.0.0.0) or a name, which is resolved and the first
  // address taken.
  static absl::StatusOr<std::unique_ptr<TcpListener>> Listen(const std::string& host,
                                                             uint16_t port,
                                                             ListenOptions options = {});
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Parks until a connection arrives. Any number of fibers may accept at once; they
  // take turns at the socket. Out of file descriptors is ResourceExhausted: the
  // connection stays in the backlog, and a server should back off and retry.
  absl::StatusOr<std::unique_ptr<TcpConnection>> Accept(const Context& context = Context());
  // Stops listening; a parked Accept fails with FailedPrecondition.
  void Close();

  uint16_t port() const { return port_; }

 private:
  TcpListener(scheduler_internal::PollDescriptor* descriptor, uint16_t port)
      : descriptor_(descriptor), port_(port) {}

  scheduler_internal::PollDescriptor* const descriptor_;  // freed (retired) by the destructor
  uint16_t port_;
  Mutex accept_mutex_;  // one accepting fiber at the socket at a time (see TcpConnection)
};

// Connects to `address`, "host:port" or "[ipv6]:port", parking until connected. The
// host may be an IPv4 or IPv6 literal, "localhost", or a name, looked up through
// the blocking-call hand-off (troupe/scheduler/blocking.h); the addresses are tried
// in turn and the last one's error is returned if none answers.
absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(absl::string_view address,
                                                    const Context& context = Context());
// The same with the host and port apart.
absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(const std::string& host, uint16_t port,
                                                    const Context& context = Context());

}  // namespace troupe

#endif  // TROUPE_NET_TCP_H_
