#include "troupe/net/internal/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "troupe/scheduler/blocking.h"

namespace troupe::net_internal {

namespace {

SocketAddress IPv4(const in_addr& ip, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr = ip;
  return SocketAddress::From(reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

SocketAddress IPv6(const in6_addr& ip, uint16_t port) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(port);
  address.sin6_addr = ip;
  return SocketAddress::From(reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

// Numeric IPv4 or IPv6, without a lookup.
bool ParseLiteral(const std::string& host, uint16_t port, SocketAddress* out) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    *out = IPv4(v4, port);
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    *out = IPv6(v6, port);
    return true;
  }
  return false;
}

}  // namespace

SocketAddress SocketAddress::From(const sockaddr* address, socklen_t length) {
  SocketAddress result;
  result.length = std::min<socklen_t>(length, sizeof(result.storage));
  std::memcpy(&result.storage, address, result.length);
  return result;
}

std::string SocketAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    return absl::StrCat("[", text, "]:", ntohs(v6->sin6_port));
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
  return absl::StrCat(text, ":", ntohs(v4->sin_port));
}

absl::StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(absl::string_view address) {
  auto invalid = [address] {
    return absl::InvalidArgumentError(absl::StrCat(
        "address must be \"host:port\" or \"[ipv6]:port\" with a port in [0, 65535]; got \"",
        address, "\""));
  };
  absl::string_view host;
  absl::string_view port;
  if (!address.empty() && address.front() == '[') {
    const std::size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return invalid();
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    const std::size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return invalid();
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) return invalid();  // IPv6 needs brackets
  }
  uint32_t number = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &number) || number > 65535 ||
      port.find_first_not_of("0123456789") != absl::string_view::npos) {
    return invalid();
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(number));
}

absl::StatusOr<std::vector<SocketAddress>> Resolve(const std::string& host, uint16_t port) {
  SocketAddress literal;
  if (ParseLiteral(host, port, &literal)) return std::vector<SocketAddress>{literal};
  if (host.empty()) return std::vector<SocketAddress>{IPv4(in_addr{htonl(INADDR_ANY)}, port)};
  if (host == "localhost") {
    return std::vector<SocketAddress>{IPv4(in_addr{htonl(INADDR_LOOPBACK)}, port),
                                      IPv6(in6addr_loopback, port)};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int error = Blocking([&] { return getaddrinfo(host.c_str(), nullptr, &hints, &found); });
  const std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(found, &freeaddrinfo);
  switch (error) {
    case 0: break;
    case EAI_NONAME:
    case EAI_NODATA:
      return absl::NotFoundError(absl::StrCat("lookup \"", host, "\": no such host"));
    case EAI_AGAIN:
      return absl::UnavailableError(
          absl::StrCat("lookup \"", host, "\": the name server did not answer; try again"));
    default:
      return absl::InternalError(absl::StrCat("lookup \"", host, "\": ", gai_strerror(error)));
  }
  std::vector<SocketAddress> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      addresses.push_back(IPv4(reinterpret_cast<const sockaddr_in*>(entry->ai_addr)->sin_addr, port));
    } else if (entry->ai_family == AF_INET6) {
      addresses.push_back(
          IPv6(reinterpret_cast<const sockaddr_in6*>(entry->ai_addr)->sin6_addr, port));
    }
  }
  if (addresses.empty()) {
    return absl::NotFoundError(absl::StrCat("lookup \"", host, "\": no IPv4 or IPv6 address"));
  }
  return addresses;
}

}  // namespace troupe::net_internal
