// Socket addresses and name resolution for net/tcp.h: "host:port" parsing, IPv4 and
// IPv6 literals, and getaddrinfo for names, run through troupe::Blocking so that a
// slow lookup hands the fiber's processor to another thread instead of stalling the
// fibers queued behind it. Package-private (namespace troupe::net_internal).
#ifndef TROUPE_NET_INTERNAL_RESOLVER_H_
#define TROUPE_NET_INTERNAL_RESOLVER_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe::net_internal {

// An IPv4 or IPv6 address with a port, as the socket calls take it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  // "127.0.0.1:8080", "[::1]:8080".
  std::string ToString() const;
  static SocketAddress From(const sockaddr* address, socklen_t length);
};

// Splits "host:port" or "[ipv6]:port" (InvalidArgument saying what is allowed).
absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(absl::string_view address);

// The addresses `host` stands for, in the order to try them: an IPv4 or IPv6 literal
// is itself; "localhost" is 127.0.0.1 then ::1 (RFC 6761: never looked up); "" is
// 0.0.0.0 (every IPv4 interface, for listening); any other name goes through
// getaddrinfo on the blocking hand-off (NotFound for an unknown name, Unavailable
// when the resolver cannot answer now). Any fiber or thread; parks nothing, but a
// lookup blocks its OS thread (see troupe/scheduler/blocking.h).
absl::StatusOr<std::vector<SocketAddress>> Resolve(const std::string& host, uint16_t port);

}  // namespace troupe::net_internal

#endif  // TROUPE_NET_INTERNAL_RESOLVER_H_
