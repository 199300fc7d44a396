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
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/net_poller.h"

namespace troupe {

namespace {

using scheduler_internal::Direction;
using scheduler_internal::PollDescriptor;
using scheduler_internal::NetPoller;

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

absl::StatusOr<sockaddr_in> Resolve(const std::string& host, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  const std::string ip = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("host must be an IPv4 address or \"localhost\"; got \"", host, "\""));
  }
  return address;
}

std::string Describe(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address.sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", ntohs(address.sin_port));
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

void TcpConnection::SetReadTimeout(absl::Duration timeout) {
  read_timeout_ns_ = timeout == absl::InfiniteDuration()
                         ? 0
                         : std::max<int64_t>(1, absl::ToInt64Nanoseconds(timeout));
}

absl::StatusOr<std::size_t> TcpConnection::Read(char* buffer, std::size_t size,
                                                const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  if (absl::Status locked = read_mutex_.Lock(context); !locked.ok()) return locked;
  std::unique_lock<Mutex> reading(read_mutex_, std::adopt_lock);
  // The read timeout counts from the first wait, and only if there is one.
  int64_t deadline_ns = 0;
  auto wait_for_data = [&]() -> absl::Status {
    if (read_timeout_ns_ != 0 && deadline_ns == 0) {
      deadline_ns = scheduler_internal::MonotonicNanos() + read_timeout_ns_;
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
  while (!data.empty()) {
    const int fd = descriptor_->fd.load(std::memory_order_acquire);
    if (fd < 0) return absl::FailedPreconditionError("Write: connection closed");
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return ErrnoStatus(errno, "Write");
    if (absl::Status ready =
            NetPoller::Get().Wait(descriptor_, Direction::kWrite, 0, context.state().get());
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
  absl::StatusOr<sockaddr_in> address = Resolve(host, port);
  if (!address.ok()) return address.status();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) != 0 ||
      listen(fd, options.backlog) != 0) {
    const int error = errno;
    close(fd);
    return ErrnoStatus(error, absl::StrCat("listen on ", host, ":", port));
  }
  sockaddr_in bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  absl::StatusOr<PollDescriptor*> descriptor = RegisterOrClose(fd);
  if (!descriptor.ok()) return descriptor.status();
  return std::unique_ptr<TcpListener>(new TcpListener(*descriptor, ntohs(bound.sin_port)));
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
    sockaddr_in peer{};
    socklen_t length = sizeof(peer);
    const int fd = accept4(listening, reinterpret_cast<sockaddr*>(&peer), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      absl::StatusOr<PollDescriptor*> descriptor = RegisterOrClose(fd);
      if (!descriptor.ok()) return descriptor.status();
      return std::unique_ptr<TcpConnection>(new TcpConnection(*descriptor, Describe(peer)));
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

absl::StatusOr<std::unique_ptr<TcpConnection>> Dial(const std::string& host, uint16_t port,
                                                    const Context& context) {
  if (absl::Status error = context.Err(); !error.ok()) return error;
  absl::StatusOr<sockaddr_in> address = Resolve(host, port);
  if (!address.ok()) return address.status();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus(errno, "socket");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  absl::StatusOr<PollDescriptor*> registered = RegisterOrClose(fd);
  if (!registered.ok()) return registered.status();
  auto connection =
      std::unique_ptr<TcpConnection>(new TcpConnection(*registered, Describe(*address)));
  const std::string what = absl::StrCat("connect to ", host, ":", port);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address)) == 0) {
    return connection;
  }
  if (errno != EINPROGRESS) return ErrnoStatus(errno, what);
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

}  // namespace troupe
