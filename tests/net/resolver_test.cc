// net/internal/resolver.h: "host:port" parsing, literals, and lookups through the
// blocking hand-off giving what libc gives.
#include "troupe/net/internal/resolver.h"

#include <netdb.h>
#include <unistd.h>

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::net_internal {
namespace {

TEST(SplitHostPortTest, NamesLiteralsAndBracketedIPv6) {
  auto plain = SplitHostPort("example.org:80");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->first, "example.org");
  EXPECT_EQ(plain->second, 80);
  auto v6 = SplitHostPort("[::1]:65535");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 65535);
  auto empty_host = SplitHostPort(":8080");
  ASSERT_TRUE(empty_host.ok());
  EXPECT_EQ(empty_host->first, "");
  for (const char* bad : {"", "host", "host:", "host:-1", "host:65536", "host:+80", "::1:80",
                          "[::1]", "[::1]:", "[::1:80"}) {
    EXPECT_EQ(SplitHostPort(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ResolveTest, LiteralsAndLocalhostNeedNoLookup) {
  auto v4 = Resolve("10.1.2.3", 7);
  ASSERT_TRUE(v4.ok());
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ((*v4)[0].ToString(), "10.1.2.3:7");
  auto v6 = Resolve("fe80::1", 8);
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ((*v6)[0].ToString(), "[fe80::1]:8");
  auto local = Resolve("localhost", 9);
  ASSERT_TRUE(local.ok());
  ASSERT_EQ(local->size(), 2u);
  EXPECT_EQ((*local)[0].ToString(), "127.0.0.1:9");
  EXPECT_EQ((*local)[1].ToString(), "[::1]:9");
}

TEST(ResolveTest, ANameGivesWhatLibcGivesFromAFiber) {
  char name[256] = {};
  ASSERT_EQ(gethostname(name, sizeof(name) - 1), 0);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  if (getaddrinfo(name, nullptr, &hints, &found) != 0) {
    GTEST_SKIP() << "libc cannot resolve this machine's name \"" << name << "\"";
  }
  std::set<std::string> expected;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    SocketAddress address = SocketAddress::From(entry->ai_addr, entry->ai_addrlen);
    if (address.family() == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&address.storage)->sin_port = htons(80);
    } else {
      reinterpret_cast<sockaddr_in6*>(&address.storage)->sin6_port = htons(80);
    }
    expected.insert(address.ToString());
  }
  freeaddrinfo(found);
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  std::set<std::string> resolved;
  ASSERT_TRUE((*runtime)->Run([&] {
    auto addresses = Resolve(name, 80);
    ASSERT_TRUE(addresses.ok()) << addresses.status();
    for (const SocketAddress& address : *addresses) resolved.insert(address.ToString());
  }).ok());
  EXPECT_EQ(resolved, expected);
}

}  // namespace
}  // namespace troupe::net_internal
