// The strict half of request parsing: RFC 9112's grammar for a request head and for
// the framing of a chunked body, applied to the raw bytes that http-parser consumed.
//
// Debian builds http-parser non-strict, and non-strict http-parser accepts what RFC
// 9112 says a server MUST reject: a space before the colon ("Transfer-Encoding :"),
// spaces inside field names, anything in place of the CRLF after chunk data, a CR
// not followed by LF, any HTTP/x.y version, obs-fold, several spaces between the
// parts of the request line, tabs and bytes over 0x7F in the target. A front end
// that reads such a request differently from us is how requests are smuggled. So
// RequestParser keeps http-parser for framing (Content-Length, chunked, pipelining)
// and checks every head, and every chunked body's framing, against the grammar here
// before a request is handed out; the head's meaning (method, target, fields) comes
// from this parse, not from http-parser's callbacks.
//
// Accepted beyond the letter of the grammar, as RFC 9112 allows: a bare LF as a line
// end (section 2.2), empty lines before the request line (2.2). Refused though the
// RFC allows it: userinfo in an absolute-form target (RFC 9110 4.2.4 advises so).
#ifndef TROUPE_SERVICES_REQUEST_HEAD_H_
#define TROUPE_SERVICES_REQUEST_HEAD_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace troupe::services {

struct RequestHead {
  std::string method;
  std::string target;
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1
  // Field lines in order, the value without surrounding whitespace.
  std::vector<std::pair<std::string, std::string>> fields;
};

enum class HeadVerdict {
  kOk,
  kMalformed,                  // 400
  kUnsupportedVersion,         // 505: well-formed, but not HTTP/1.0 or HTTP/1.1
  kUnsupportedTransferCoding,  // 501: a Transfer-Encoding other than "chunked"
};

struct HeadCheck {
  HeadVerdict verdict = HeadVerdict::kOk;
  std::string reason;  // why, for anything but kOk
  RequestHead head;    // filled when kOk
};

// Parses `raw`: optional empty lines, the request line, field lines, and the empty
// line that ends the head, nothing more. Checks the grammar, then the rules of RFC
// 9112 on top: HTTP/1.1 needs exactly one Host (HTTP/1.0 at most one) with a valid
// value; at most one Content-Length (digits only) and one Transfer-Encoding, never
// both, and no Transfer-Encoding in HTTP/1.0.
HeadCheck ParseRequestHead(absl::string_view raw);

// The framing of a chunked body with the chunk data taken out, fed as it arrives:
// each chunk-size line (hex size, optional extensions, CRLF or LF), exactly CRLF
// where a chunk's data ended, the last chunk ("0"), trailer field lines, and the
// empty line. Any deviation is final.
class ChunkFramingCheck {
 public:
  // False once the bytes so far cannot be chunked framing.
  bool Feed(absl::string_view framing);
  // Whether the framing ended exactly with the empty line after the trailers.
  bool Complete() const { return state_ == State::kDone; }
  const std::string& reason() const { return reason_; }

 private:
  enum class State {
    kSizeStart, kSize, kExtension, kSizeLf, kDataCr, kDataLf,
    kTrailerStart, kTrailerName, kTrailerValue, kTrailerLf, kFinalLf, kDone, kFailed,
  };
  bool Fail(absl::string_view why);

  State state_ = State::kSizeStart;
  uint64_t size_ = 0;
  std::string reason_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_REQUEST_HEAD_H_
