#include "troupe/services/request_head.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace troupe::services {

namespace {

// RFC 9110 5.6.2: tchar.
bool IsTokenChar(unsigned char c) {
  if (absl::ascii_isalnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// field-vchar, SP or HTAB (RFC 9110 5.5): no controls but HTAB, obs-text allowed.
bool IsFieldValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

// RFC 9110 7.2: Host = uri-host [ ":" port ]; uri-host is an IP-literal in brackets
// or a reg-name / IPv4 of unreserved, sub-delims and pct-encoded octets.
bool IsValidHost(absl::string_view host) {
  absl::string_view port;
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    if (close == absl::string_view::npos || close < 2) return false;
    for (unsigned char c : host.substr(1, close - 1)) {
      if (!absl::ascii_isxdigit(c) && c != ':' && c != '.') return false;
    }
    const absl::string_view rest = host.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
  } else {
    const std::size_t colon = host.find(':');
    const absl::string_view name = host.substr(0, colon);
    for (std::size_t i = 0; i < name.size(); ++i) {
      const unsigned char c = name[i];
      if (absl::ascii_isalnum(c) || absl::StrContains("-._~!$&'()*+,;=", c)) continue;
      if (c == '%' && i + 2 < name.size() && absl::ascii_isxdigit(name[i + 1]) &&
          absl::ascii_isxdigit(name[i + 2])) {
        i += 2;
        continue;
      }
      return false;
    }
    if (colon == absl::string_view::npos) return true;
    port = host.substr(colon + 1);
  }
  for (unsigned char c : port) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

bool IsHostChar(unsigned char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-'; }

// host ":" port, both non-empty; `rest` gets what follows the port.
bool TakeAuthority(absl::string_view text, absl::string_view* rest, bool port_required) {
  std::size_t i = 0;
  while (i < text.size() && IsHostChar(text[i])) ++i;
  if (i == 0) return false;
  if (i < text.size() && text[i] == ':') {
    const std::size_t digits = ++i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
    if (i == digits) return false;
  } else if (port_required) {
    return false;
  }
  *rest = text.substr(i);
  return true;
}

// RFC 9112 3.2: origin-form ("/path?query"), absolute-form ("http://host/path"),
// authority-form ("host:port", CONNECT only) or asterisk-form ("*", OPTIONS only).
// Every byte is visible ASCII and there is no fragment ('#'). Userinfo ("user@") in
// an absolute-form target is refused, as RFC 9110 4.2.4 advises.
bool IsValidTarget(absl::string_view method, absl::string_view target) {
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  if (method == "CONNECT") {
    absl::string_view rest;
    return TakeAuthority(target, &rest, /*port_required=*/true) && rest.empty();
  }
  if (target == "*") return method == "OPTIONS";
  if (absl::StartsWith(target, "/")) return true;
  for (absl::string_view scheme : {"http://", "https://"}) {
    if (absl::StartsWith(target, scheme)) {
      absl::string_view rest;
      return TakeAuthority(target.substr(scheme.size()), &rest, /*port_required=*/false) &&
             (rest.empty() || rest.front() == '/' || rest.front() == '?');
    }
  }
  return false;
}

HeadCheck Reject(HeadVerdict verdict, std::string reason) {
  HeadCheck check;
  check.verdict = verdict;
  check.reason = std::move(reason);
  return check;
}

}  // namespace

HeadCheck ParseRequestHead(absl::string_view raw) {
  // Lines end with LF, optionally preceded by one CR; a CR anywhere else is bare.
  std::vector<absl::string_view> lines;
  while (!raw.empty()) {
    const std::size_t lf = raw.find('\n');
    if (lf == absl::string_view::npos) return Reject(HeadVerdict::kMalformed, "head without its end");
    absl::string_view line = raw.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != absl::string_view::npos) {
      return Reject(HeadVerdict::kMalformed, "bare CR in the head");
    }
    lines.push_back(line);
    raw.remove_prefix(lf + 1);
  }
  std::size_t i = 0;
  while (i < lines.size() && lines[i].empty()) ++i;  // empty lines before the request
  if (i == lines.size()) return Reject(HeadVerdict::kMalformed, "no request line");
  if (!lines.back().empty() || lines.size() - i < 2) {
    return Reject(HeadVerdict::kMalformed, "head does not end with an empty line");
  }

  HeadCheck check;
  RequestHead& head = check.head;
  // request-line = method SP request-target SP HTTP-version
  const absl::string_view request_line = lines[i++];
  const std::size_t first = request_line.find(' ');
  const std::size_t second = first == absl::string_view::npos ? first : request_line.find(' ', first + 1);
  if (second == absl::string_view::npos) return Reject(HeadVerdict::kMalformed, "request line needs three parts");
  const absl::string_view method = request_line.substr(0, first);
  const absl::string_view target = request_line.substr(first + 1, second - first - 1);
  const absl::string_view version = request_line.substr(second + 1);
  if (!IsToken(method)) return Reject(HeadVerdict::kMalformed, "method is not a token");
  if (!IsValidTarget(method, target)) {
    return Reject(HeadVerdict::kMalformed,
                  "request target is not origin-, absolute-, authority- or asterisk-form");
  }
  if (version.size() != 8 || !absl::StartsWith(version, "HTTP/") ||
      !absl::ascii_isdigit(version[5]) || version[6] != '.' || !absl::ascii_isdigit(version[7])) {
    return Reject(HeadVerdict::kMalformed, "version is not HTTP/<digit>.<digit>");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return Reject(HeadVerdict::kUnsupportedVersion, absl::StrCat(version, " is not supported"));
  }
  head.method = std::string(method);
  head.target = std::string(target);
  head.version_minor = version[7] - '0';

  // field-line = field-name ":" OWS field-value OWS
  int hosts = 0, lengths = 0, codings = 0;
  absl::string_view host, length, coding;
  for (; i + 1 < lines.size(); ++i) {
    const absl::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') {
      return Reject(HeadVerdict::kMalformed, "obs-fold (a field line continued on the next)");
    }
    const std::size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return Reject(HeadVerdict::kMalformed, "field line without a colon");
    const absl::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return Reject(HeadVerdict::kMalformed, "field name is not a token");
    absl::string_view value = line.substr(colon + 1);
    for (unsigned char c : value) {
      if (!IsFieldValueChar(c)) return Reject(HeadVerdict::kMalformed, "control byte in a field value");
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (absl::EqualsIgnoreCase(name, "host")) {
      ++hosts;
      host = value;
    } else if (absl::EqualsIgnoreCase(name, "content-length")) {
      ++lengths;
      length = value;
    } else if (absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      ++codings;
      coding = value;
    }
    head.fields.emplace_back(std::string(name), std::string(value));
  }

  if (hosts > 1) return Reject(HeadVerdict::kMalformed, "more than one Host");
  if (hosts == 0 && head.version_minor == 1) return Reject(HeadVerdict::kMalformed, "HTTP/1.1 without Host");
  if (hosts == 1 && !IsValidHost(host)) return Reject(HeadVerdict::kMalformed, "invalid Host");
  if (lengths > 1) return Reject(HeadVerdict::kMalformed, "more than one Content-Length");
  if (lengths == 1 && (length.empty() || length.find_first_not_of("0123456789") != absl::string_view::npos)) {
    return Reject(HeadVerdict::kMalformed, "Content-Length is not a number");
  }
  if (codings > 1) return Reject(HeadVerdict::kMalformed, "more than one Transfer-Encoding");
  if (codings == 1) {
    if (head.version_minor == 0) return Reject(HeadVerdict::kMalformed, "Transfer-Encoding in HTTP/1.0");
    if (lengths == 1) return Reject(HeadVerdict::kMalformed, "both Transfer-Encoding and Content-Length");
    if (!absl::EqualsIgnoreCase(coding, "chunked")) {
      if (coding.empty()) return Reject(HeadVerdict::kMalformed, "empty Transfer-Encoding");
      return Reject(HeadVerdict::kUnsupportedTransferCoding,
                    absl::StrCat("transfer coding \"", coding, "\" is not implemented"));
    }
  }
  return check;
}

bool ChunkFramingCheck::Fail(absl::string_view why) {
  state_ = State::kFailed;
  reason_ = std::string(why);
  return false;
}

bool ChunkFramingCheck::Feed(absl::string_view framing) {
  for (unsigned char c : framing) {
    switch (state_) {
      case State::kSizeStart:
        if (!absl::ascii_isxdigit(c)) return Fail("chunk size is not hex");
        size_ = 0;
        state_ = State::kSize;
        [[fallthrough]];
      case State::kSize:
        if (absl::ascii_isxdigit(c)) {
          if (size_ >> 60 != 0) return Fail("chunk size overflows");
          size_ = size_ * 16 + (absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10);
        } else if (c == ';') {
          state_ = State::kExtension;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          state_ = size_ == 0 ? State::kTrailerStart : State::kDataCr;
        } else {
          return Fail("junk after the chunk size");
        }
        break;
      case State::kExtension:
        if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          state_ = size_ == 0 ? State::kTrailerStart : State::kDataCr;
        } else if (!IsFieldValueChar(c)) {
          return Fail("control byte in a chunk extension");
        }
        break;
      case State::kSizeLf:
        if (c != '\n') return Fail("CR without LF after the chunk size");
        state_ = size_ == 0 ? State::kTrailerStart : State::kDataCr;
        break;
      case State::kDataCr:
        if (c != '\r') return Fail("chunk data not followed by CRLF");
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (c != '\n') return Fail("chunk data not followed by CRLF");
        state_ = State::kSizeStart;
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kFinalLf;
        } else if (c == '\n') {
          state_ = State::kDone;
        } else if (IsTokenChar(c)) {
          state_ = State::kTrailerName;
        } else {
          return Fail("trailer field name is not a token");
        }
        break;
      case State::kTrailerName:
        if (c == ':') {
          state_ = State::kTrailerValue;
        } else if (!IsTokenChar(c)) {
          return Fail("trailer field name is not a token");
        }
        break;
      case State::kTrailerValue:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          state_ = State::kTrailerStart;
        } else if (!IsFieldValueChar(c)) {
          return Fail("control byte in a trailer value");
        }
        break;
      case State::kTrailerLf:
        if (c != '\n') return Fail("bare CR in a trailer");
        state_ = State::kTrailerStart;
        break;
      case State::kFinalLf:
        if (c != '\n') return Fail("bare CR at the end of the trailers");
        state_ = State::kDone;
        break;
      case State::kDone:
        return Fail("bytes after the end of the chunked body");
      case State::kFailed:
        return false;
    }
  }
  return true;
}

}  // namespace troupe::services
