#include "troupe/net/tcp.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "troupe/net/internal/resolver.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/net_poller.h"

namespace troupe {

namespace {

using net_internal::SocketAddress;
using scheduler_internal::Direction;
using scheduler_internal::MonotonicNanos;
using scheduler_internal::NetPoller;
using scheduler_internal::PollDescriptor;

absl::Status ErrnoStatus(int error, absl::string_view what) {
  switch (error) {
    case ECONNREFUSED: return absl::UnavailableError(absl::StrCat(what, ": connection refused"));
    case ECONNRESET: return absl::AbortedError(absl::StrCat(what, ": connection reset by peer"));
    case EPIPE: return absl::AbortedError(absl::StrCat(what, ": connection closed by peer"));
    case ETIMEDOUT: return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
    case EADDRINUSE: return absl::AlreadyExistsError(absl::StrCat(what, ": address in use"));
    case EMFILE:
    case ENFILE:
      return absl::ResourceExhaustedError(
          absl::StrCat(what, ": too many open files (raise ulimit -n)"));
    default: return absl::InternalError(absl::StrCat(what, ": ", std::strerror(error)));
  }
}

// 0 (none) for an infinite timeout, else at least 1 ns.
int64_t TimeoutNanos(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return 0;
  return std::max<int64_t>(1, absl::ToInt64Nanoseconds(timeout));
}

// `deadline` on the MonotonicNanos clock; 0 (none) for absl::InfiniteFuture().
int64_t MonotonicDeadline(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return 0;
  return std::max<int64_t>(1, MonotonicNanos() + absl::ToInt64Nanoseconds(deadline - absl::Now()));
}

// The deadline of a call's wait: the earlier of the connection's deadline and its
// timeout counted from now (the first wait); 0 when neither is set.
int64_t WaitDeadline(int64_t deadline_ns, int64_t timeout_ns) {
  if (timeout_ns == 0) return deadline_ns;
  const int64_t timeout_deadline = MonotonicNanos() + timeout_ns;
  return deadline_ns == 0 ? timeout_deadline : std::min(deadline_ns, timeout_deadline);
}

bool DeadlinePassed(int64_t deadline_ns) {
  return deadline_ns != 0 && MonotonicNanos() >= deadline_ns;
}

absl::StatusOr<PollDescriptor*> RegisterOrClose(int fd) {
  absl::StatusOr<PollDescriptor*> descriptor = NetPoller::Get().Register(fd);
  if (!descriptor.ok()) close(fd);
  return descriptor;
}

}  // namespace

TcpConnection::~TcpConnection() { NetPoller::Get().Retire(descriptor_); }

void TcpConnection::Close() { NetPoller::Get().Release(descriptor_); }

namespace {
bool Closed(const PollDescriptor* descriptor) {
  return descriptor->fd.load(std::memory_order_acquire) < 0;
}
}  // namespace

void TcpConnection::CloseWrite() {
  const int fd = descriptor_->fd.load(std::memory_order_acquire);
  if (fd >= 0) shutdown(fd, SHUT_WR);
}

void TcpConnection::SetReadTimeout(absl::Duration timeout) { read_timeout_ns_ = TimeoutNanos(timeout); }

void TcpConnection::SetReadDeadline(absl::Time deadline) {
  read_deadline_ns_ = MonotonicDeadline(deadline);
}

void TcpConnection::SetWriteTimeout(absl::Duration timeout) {
  write_timeout_ns_ = TimeoutNanos(timeout);
}

void TcpConnection::SetWriteDeadline(absl::Time deadline) {
  write_deadline_ns_ = MonotonicDeadline(deadline);
}

absl::StatusOr<std::size_t> TcpConnection::Read(char* buffer, std::size_t size,
                                                const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  if (absl::Status locked = read_mutex_.Lock(context); !locked.ok()) return locked;
  std::unique_lock<Mutex> reading(read_mutex_, std::adopt_lock);
  if (DeadlinePassed(read_deadline_ns_)) {
    return absl::DeadlineExceededError("Read: the connection's read deadline passed");
  }
  // The read timeout counts from the first wait, and only if there is one.
  bool waited = false;
  int64_t deadline_ns = 0;
  auto wait_for_data = [&]() -> absl::Status {
    if (!waited) {
      waited = true;
      deadline_ns = WaitDeadline(read_deadline_ns_, read_timeout_ns_);
    }
    return NetPoller::Get().Wait(descriptor_, Direction::kRead, deadline_ns,
                                 context.state().get());
  };
  if (drained_) {
    drained_ = false;
    if (absl::Status ready = wait_for_data(); !ready.ok()) return ready;
  }
  while (true) {
    const int fd = descriptor_->fd.load(std::memory_order_acquire);
    if (fd < 0) return absl::FailedPreconditionError("Read: connection closed");
    const ssize_t n = read(fd, buffer, size);
    if (n > 0) {
      drained_ = static_cast<std::size_t>(n) < size;
      return static_cast<std::size_t>(n);
    }
    if (n == 0) return absl::OutOfRangeError("Read: connection closed by peer");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      if (Closed(descriptor_)) return absl::FailedPreconditionError("Read: connection closed");
      return ErrnoStatus(errno, "Read");
    }
    if (absl::Status ready = wait_for_data(); !ready.ok()) return ready;
  }
}

absl::Status TcpConnection::Write(absl::string_view data, const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  if (absl::Status locked = write_mutex_.Lock(context); !locked.ok()) return locked;
  std::unique_lock<Mutex> writing(write_mutex_, std::adopt_lock);
  if (DeadlinePassed(write_deadline_ns_)) {
    return absl::DeadlineExceededError("Write: the connection's write deadline passed");
  }
  bool waited = false;
  int64_t deadline_ns = 0;
  while (!data.empty()) {
    const int fd = descriptor_->fd.load(std::memory_order_acquire);
    if (fd < 0) return absl::FailedPreconditionError("Write: connection closed");
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      if (Closed(descriptor_)) return absl::FailedPreconditionError("Write: connection closed");
      return ErrnoStatus(errno, "Write");
    }
    if (!waited) {  // the write timeout counts from the first wait for room
      waited = true;
      deadline_ns = WaitDeadline(write_deadline_ns_, write_timeout_ns_);
    }
    if (absl::Status ready =
            NetPoller::Get().Wait(descriptor_, Direction::kWrite, deadline_ns, context.state().get());
        !ready.ok()) {
      return ready;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<TcpListener>> TcpListener::Listen(const std::string& host,
                                                                 uint16_t port,
                                                                 ListenOptions options) {
  if (options.backlog < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("backlog must be >= 1 (the kernel caps it at net.core.somaxconn); got ",
                     options.backlog));
  }
  absl::StatusOr<std::vector<SocketAddress>> addresses = net_internal::Resolve(host, port);
  if (!addresses.ok()) return addresses.status();
  const SocketAddress& address = addresses->front();
  const int fd = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (bind(fd, address.get(), address.length) != 0 || listen(fd, options.backlog) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(error, absl::StrCat("listen on ", address.ToString()));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const uint16_t bound_port =
      bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                  : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  absl::StatusOr<PollDescriptor*> descriptor = RegisterOrClose(fd);
  if (!descriptor.ok()) return descriptor.status();
  return std::unique_ptr<TcpListener>(new TcpListener(*descriptor, bound_port));
}

TcpListener::~TcpListener() { NetPoller::Get().Retire(descriptor_); }

void TcpListener::Close() { NetPoller::Get().Release(descriptor_); }

absl::StatusOr<std::unique_ptr<TcpConnection>> TcpListener::Accept(const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  if (absl::Status locked = accept_mutex_.Lock(context); !locked.ok()) return locked;
  std::unique_lock<Mutex> accepting(accept_mutex_, std::adopt_lock);
  while (true) {
    const int listening = descriptor_->fd.load(std::memory_order_acquire);
    if (listening < 0) return absl::FailedPreconditionError("Accept: listener closed");
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    const int fd = accept4(listening, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      absl::StatusOr<PollDescriptor*> descriptor = RegisterOrClose(fd);
      if (!descriptor.ok()) return descriptor.status();
      return std::unique_ptr<TcpConnection>(new TcpConnection(
          *descriptor,
          SocketAddress::From(reinterpret_cast<const sockaddr*>(&peer), length).ToString()));
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      if (Closed(descriptor_)) return absl::FailedPreconditionError("Accept: listener closed");
      return ErrnoStatus(errno, "Accept");
    }
    if (absl::Status ready =
            NetPoller::Get().Wait(descriptor_, Direction::kRead, 0, context.state().get());
        !ready.ok()) {
      return ready;
    }
  }
}

namespace {

// One connection attempt. The socket is registered with the netpoller only once
// connect(2) has started: Linux reports a TCP socket that is neither connecting nor
// connected as hung up (EPOLLHUP), which the netpoller would remember for good.
absl::StatusOr<std::unique_ptr<TcpConnection>> DialOne(const SocketAddress& address,
                                                       const Context& context,
                                                       TcpConnection* (*make)(PollDescriptor*,
                                                                              std::string)) {
  const int fd = socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const std::string what = absl::StrCat("connect to ", address.ToString());
  int started;
  do {
    started = connect(fd, address.get(), address.length);
  } while (started != 0 && errno == EINTR);
  if (started != 0 && errno != EINPROGRESS) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(error, what);
  }
  absl::StatusOr<PollDescriptor*> registered = RegisterOrClose(fd);
  if (!registered.ok()) return registered.status();
  auto connection = std::unique_ptr<TcpConnection>(make(*registered, address.ToString()));
  if (started == 0) return connection;
  if (absl::Status ready =
          NetPoller::Get().Wait(*registered, Direction::kWrite, 0, context.state().get());
      !ready.ok()) {
    return ready;
  }
  int error = 0;
  socklen_t length = sizeof(error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) return ErrnoStatus(error, what);
  return connection;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(absl::string_view address,
                                                    const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  absl::StatusOr<std::pair<std::string, uint16_t>> host_port = net_internal::SplitHostPort(address);
  if (!host_port.ok()) return host_port.status();
  absl::StatusOr<std::vector<SocketAddress>> addresses =
      net_internal::Resolve(host_port->first, host_port->second);
  if (!addresses.ok()) return addresses.status();
  auto make = [](PollDescriptor* descriptor, std::string peer) {
    return new TcpConnection(descriptor, std::move(peer));
  };
  absl::Status last;
  for (const SocketAddress& candidate : *addresses) {
    absl::StatusOr<std::unique_ptr<TcpConnection>> connection = DialOne(candidate, context, make);
    if (connection.ok()) return connection;
    last = connection.status();
    if (absl::Status error = context.Err(); !error.ok()) return error;
  }
  return last;
}

absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(const std::string& host, uint16_t port,
                                                    const Context& context) {
  const bool ipv6_literal = host.find(':') != std::string::npos;
  return Dial(ipv6_literal ? absl::StrCat("[", host, "]:", port) : absl::StrCat(host, ":", port),
              context);
}

}  // namespace troupe
