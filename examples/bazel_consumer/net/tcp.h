// The consumer's own net/tcp.h: the line protocol its echo service speaks. Its name
// is the same as troupe's "troupe/net/tcp.h" on purpose: troupe's headers live under
// troupe/, so "net/tcp.h" here always means this file.
#ifndef BAZEL_CONSUMER_NET_TCP_H_
#define BAZEL_CONSUMER_NET_TCP_H_

#include <string>
#include <vector>

namespace consumer_net {

// Each line ends with '\n' on the wire.
std::string EncodeLines(const std::vector<std::string>& lines);

// Splits what arrived on '\n'; an unfinished last line stays in `pending`.
std::vector<std::string> DecodeLines(const std::string& received, std::string& pending);

}  // namespace consumer_net

#endif  // BAZEL_CONSUMER_NET_TCP_H_
