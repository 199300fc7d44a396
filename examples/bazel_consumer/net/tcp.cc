#include "net/tcp.h"

namespace consumer_net {

std::string EncodeLines(const std::vector<std::string>& lines) {
  std::string wire;
  for (const std::string& line : lines) wire += line + "\n";
  return wire;
}

std::vector<std::string> DecodeLines(const std::string& received, std::string& pending) {
  std::vector<std::string> lines;
  for (char c : received) {
    if (c == '\n') {
      lines.push_back(pending);
      pending.clear();
    } else {
      pending += c;
    }
  }
  return lines;
}

}  // namespace consumer_net
