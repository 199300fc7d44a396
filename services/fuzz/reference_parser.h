// A reference reading of HTTP/1.1 requests for the differential check of the
// request path (request_checks.h): RFC 9112's grammar written as regular expressions
// over a whole buffer, deliberately unlike services/request_head.cc's hand-written
// scanner and http-parser's state machine, and without limits. Slow and
// non-incremental; for fuzzing and tests only.
//
// The policy choices are the server's (the RFC leaves them open): a bare LF ends a
// line; empty lines before a request line are skipped; a request target is
// origin-form, absolute-form (http/https), "*" for OPTIONS, or host:port for
// CONNECT, without a fragment or userinfo; methods are those http-parser knows; only "chunked"
// is a transfer coding; after CONNECT or an Upgrade the stream is not HTTP.
#ifndef TROUPE_SERVICES_FUZZ_REFERENCE_PARSER_H_
#define TROUPE_SERVICES_FUZZ_REFERENCE_PARSER_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace troupe::services::fuzz {

struct ReferenceRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;
};

struct ReferenceOutcome {
  enum class End { kComplete, kIncomplete, kRejected };
  std::vector<ReferenceRequest> requests;
  End end = End::kComplete;
  int status = 0;  // for kRejected: 400, 501 or 505
  std::string reason;
};

namespace reference_internal {

inline const std::regex& RequestLine() {
  static const auto* re = new std::regex(
      "([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\\x21-\\x7e]+) HTTP/([0-9])\\.([0-9])\\r?\\n",
      std::regex::optimize);
  return *re;
}

inline const std::regex& FieldLine() {
  // field-name ":" OWS field-value OWS, the value without controls but HTAB; the
  // surrounding whitespace is trimmed by the caller (a lazy group here backtracks
  // quadratically on long runs of spaces).
  static const auto* re = new std::regex(
      "([!#$%&'*+.^_`|~0-9A-Za-z-]+):([^\\x00-\\x08\\x0a-\\x1f\\x7f]*)\\r?\\n",
      std::regex::optimize);
  return *re;
}

inline const std::regex& ChunkSizeLine() {
  static const auto* re = new std::regex(
      "([0-9A-Fa-f]+)(;[^\\x00-\\x08\\x0a-\\x1f\\x7f]*)?\\r?\\n", std::regex::optimize);
  return *re;
}

inline const std::regex& EmptyLine() {
  static const auto* re = new std::regex("\\r?\\n", std::regex::optimize);
  return *re;
}

// Matches `re` at the start of `text` (which must contain a line end, else the
// match is "incomplete"): the match length, 0 for no match, -1 for incomplete.
inline long MatchLine(const std::regex& re, absl::string_view text, std::cmatch* match) {
  const std::size_t lf = text.find('\n');
  if (lf == absl::string_view::npos) return -1;
  if (!std::regex_match(text.data(), text.data() + lf + 1, *match, re)) return 0;
  return static_cast<long>(lf + 1);
}

inline bool HasToken(absl::string_view list, absl::string_view token) {
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(item), token)) return true;
  }
  return false;
}

inline bool KnownMethod(absl::string_view method) {
  for (int m = 0;; ++m) {
    const char* name = http_method_str(static_cast<http_method>(m));
    if (absl::string_view(name) == "<unknown>") return false;
    if (method == name) return true;
  }
}

inline bool ValidHost(absl::string_view host) {
  static const auto* re = new std::regex(
      "(\\[[0-9A-Fa-f:.]+\\]|([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*)(:[0-9]*)?");
  return std::regex_match(host.begin(), host.end(), *re);
}

inline bool ValidTarget(absl::string_view method, absl::string_view target) {
  static const auto* connect = new std::regex("[A-Za-z0-9.-]+:[0-9]+");
  static const auto* other = new std::regex(
      "/[\\x21-\\x22\\x24-\\x7e]*|https?://[A-Za-z0-9.-]+(:[0-9]+)?([/?][\\x21-\\x22\\x24-\\x7e]*)?");
  if (method == "CONNECT") return std::regex_match(target.begin(), target.end(), *connect);
  if (target == "*") return method == "OPTIONS";
  return std::regex_match(target.begin(), target.end(), *other);
}

}  // namespace reference_internal

inline ReferenceOutcome ReferenceParse(absl::string_view bytes) {
  using namespace reference_internal;  // NOLINT: local helpers
  ReferenceOutcome out;
  auto reject = [&out](int status, std::string reason) {
    out.end = ReferenceOutcome::End::kRejected;
    out.status = status;
    out.reason = std::move(reason);
    return out;
  };
  auto incomplete = [&out] {
    out.end = ReferenceOutcome::End::kIncomplete;
    return out;
  };
  std::cmatch m;
  while (!bytes.empty()) {
    // Empty lines before a request line.
    long n;
    while ((n = MatchLine(EmptyLine(), bytes, &m)) > 0) bytes.remove_prefix(n);
    if (bytes.empty()) return out;
    n = MatchLine(RequestLine(), bytes, &m);
    if (n < 0) return incomplete();
    if (n == 0) return reject(400, "request line");
    ReferenceRequest request;
    request.method = m[1].str();
    request.target = m[2].str();
    const int major = m[3].str()[0] - '0';
    const int minor = m[4].str()[0] - '0';
    bytes.remove_prefix(n);
    if (!KnownMethod(request.method)) return reject(400, "method");
    if (!ValidTarget(request.method, request.target)) return reject(400, "target");
    if (major != 1 || minor > 1) return reject(505, "version");
    while (true) {
      if ((n = MatchLine(EmptyLine(), bytes, &m)) > 0) {
        bytes.remove_prefix(n);
        break;
      }
      n = MatchLine(FieldLine(), bytes, &m);
      if (n < 0) return incomplete();
      if (n == 0) return reject(400, "field line");
      request.headers.emplace_back(
          m[1].str(), std::string(absl::StripTrailingAsciiWhitespace(
                          absl::StripLeadingAsciiWhitespace(m[2].str()))));
      bytes.remove_prefix(n);
    }
    int hosts = 0, lengths = 0, codings = 0;
    std::string length, coding, connection, upgrade;
    bool has_upgrade = false;
    for (const auto& [name, value] : request.headers) {
      const std::string lower = absl::AsciiStrToLower(name);
      if (lower == "host") {
        ++hosts;
        if (!ValidHost(value)) return reject(400, "host");
      } else if (lower == "content-length") {
        ++lengths;
        length = value;
      } else if (lower == "transfer-encoding") {
        ++codings;
        coding = value;
      } else if (lower == "connection") {
        connection += value + ",";
      } else if (lower == "upgrade") {
        has_upgrade = true;
      }
    }
    if (hosts > 1 || (minor == 1 && hosts == 0)) return reject(400, "host count");
    if (lengths > 1 || codings > 1) return reject(400, "repeated framing field");
    if (codings == 1 && (minor == 0 || lengths == 1)) return reject(400, "framing fields");
    if (codings == 1 && !absl::EqualsIgnoreCase(coding, "chunked")) {
      return coding.empty() ? reject(400, "empty coding") : reject(501, "coding");
    }
    if (lengths == 1) {
      uint64_t size = 0;
      if (length.empty() || !std::all_of(length.begin(), length.end(), absl::ascii_isdigit) ||
          !absl::SimpleAtoi(length, &size)) {
        return reject(400, "content-length");
      }
      if (bytes.size() < size) return incomplete();
      request.body = std::string(bytes.substr(0, size));
      bytes.remove_prefix(size);
    } else if (codings == 1) {
      while (true) {
        n = MatchLine(ChunkSizeLine(), bytes, &m);
        if (n < 0) return incomplete();
        if (n == 0) return reject(400, "chunk size line");
        uint64_t size = 0;
        const std::string hex = m[1].str();
        if (hex.size() > 15) return reject(400, "chunk size");
        size = std::stoull(hex, nullptr, 16);
        bytes.remove_prefix(n);
        if (size == 0) break;
        if (bytes.size() < size + 2) {
          if (bytes.size() >= size && !absl::StartsWith("\r\n", bytes.substr(size))) {
            return reject(400, "chunk data end");
          }
          return incomplete();
        }
        if (bytes.substr(size, 2) != "\r\n") return reject(400, "chunk data end");
        request.body.append(bytes.data(), size);
        bytes.remove_prefix(size + 2);
      }
      while (true) {  // trailers
        if ((n = MatchLine(EmptyLine(), bytes, &m)) > 0) {
          bytes.remove_prefix(n);
          break;
        }
        n = MatchLine(FieldLine(), bytes, &m);
        if (n < 0) return incomplete();
        if (n == 0) return reject(400, "trailer");
        bytes.remove_prefix(n);
      }
    }
    const bool switches = request.method == "CONNECT" ||
                          (has_upgrade && HasToken(connection, "upgrade"));
    request.keep_alive = !switches && (minor == 1 ? !HasToken(connection, "close")
                                                  : HasToken(connection, "keep-alive"));
    out.requests.push_back(std::move(request));
    if (switches) return out;  // the rest is another protocol
  }
  return out;
}

}  // namespace troupe::services::fuzz

#endif  // TROUPE_SERVICES_FUZZ_REFERENCE_PARSER_H_
