// RequestParser: turns the bytes of one connection into HTTP requests, strictly and
// within limits.
//
// nodejs/http-parser (Debian's libhttp-parser-dev) does the framing: request
// boundaries, Content-Length and chunked bodies, pipelining, keep-alive. Debian
// builds it non-strict, so every head and every chunked body's framing is also
// checked against RFC 9112's grammar (request_head.h) before a request is handed
// out, and the head's meaning is taken from that strict parse. To see the raw head
// bytes, the parser is paused when a head ends and when a message ends: the bytes
// between two pauses, minus body data, are exactly the framing of one part.
//
// Fed incrementally: any split of the byte stream gives the same requests, and
// several pipelined requests in one read come out one after the other. The head
// limit counts every byte of the head (empty lines, whitespace, line ends); body
// bytes are reserved from a server-wide MemoryBudget as they are announced
// (Content-Length) or arrive (chunked), and a request carries its reservation.
#ifndef TROUPE_SERVICES_REQUEST_PARSER_H_
#define TROUPE_SERVICES_REQUEST_PARSER_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "troupe/services/http_message.h"
#include "troupe/services/memory_budget.h"
#include "troupe/services/request_head.h"

namespace troupe::services {

struct ParserLimits {
  std::size_t max_header_bytes = 8 * 1024;  // every byte of the head; over: 431
  std::size_t max_body_bytes = 1024 * 1024;  // over: 413
};

class RequestParser {
 public:
  enum class Error {
    kNone,
    kMalformed,                  // 400
    kHeadersTooLarge,            // 431
    kBodyTooLarge,               // 413
    kOverBudget,                 // 503: the server's body budget is spent
    kUnsupportedTransferCoding,  // 501
    kUnsupportedVersion,         // 505
  };
  // Where the next bytes go: between requests, inside a head, inside a body.
  enum class Phase { kIdle, kHead, kBody };

  // `budget` (may be null: no budget) must outlive the parser and its requests.
  explicit RequestParser(ParserLimits limits, MemoryBudget* budget = nullptr);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Feeds bytes (an empty feed changes nothing). Completed requests are queued for
  // Next(). After an error the connection must answer with ErrorStatus() and close.
  // After a request that switches protocols (CONNECT, Upgrade) the rest of the
  // stream is not HTTP: it is ignored, and that request says keep_alive = false.
  Error Feed(absl::string_view bytes);
  bool HasRequest() const { return !ready_.empty(); }
  HttpRequest Next();

  Error error() const { return error_; }
  // Why the last error was raised, for logs and tests.
  const std::string& error_reason() const { return error_reason_; }
  Phase phase() const;
  // Requests whose first byte has been fed (a new head starts a new one).
  uint64_t requests_begun() const { return requests_begun_; }
  static int ErrorStatus(Error error);

 private:
  static int OnHeadersComplete(http_parser* parser);
  static int OnBody(http_parser* parser, const char* at, std::size_t length);
  static int OnMessageComplete(http_parser* parser);
  // The bytes http-parser consumed in one call, minus the body data reported to
  // OnBody, go to the head or to the chunked framing check.
  bool TakeFraming(const char* begin, const char* end);
  bool FinishHead();
  bool FinishMessage();
  bool Fail(Error error, std::string reason);

  const ParserLimits limits_;
  MemoryBudget* const budget_;
  http_parser parser_;
  http_parser_settings settings_;
  enum class Pause { kNone, kHeadersComplete, kMessageComplete };
  Pause paused_at_ = Pause::kNone;
  // Body data reported during the current http_parser_execute call.
  std::vector<std::pair<const char*, const char*>> body_ranges_;
  std::string head_;        // the raw head so far (Phase::kHead)
  bool in_body_ = false;    // the head was accepted; the body is arriving
  bool chunked_ = false;    // ... with chunked framing, checked by chunk_framing_
  ChunkFramingCheck chunk_framing_;
  std::size_t skip_framing_ = 0;  // bytes already counted with the head
  std::size_t body_framing_bytes_ = 0;
  bool switched_protocols_ = false;
  uint64_t requests_begun_ = 0;
  HttpRequest current_;
  std::deque<HttpRequest> ready_;
  Error error_ = Error::kNone;
  std::string error_reason_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_REQUEST_PARSER_H_
