// RequestParser: turns the bytes of one connection into HTTP requests, with limits.
//
// Built on nodejs/http-parser (Debian's libhttp-parser-dev), fed incrementally: any
// split of the byte stream gives the same requests, and several pipelined requests
// in one read come out one after the other.
#ifndef TROUPE_SERVICES_REQUEST_PARSER_H_
#define TROUPE_SERVICES_REQUEST_PARSER_H_

#include <http_parser.h>

#include <cstddef>
#include <deque>
#include <string>

#include "absl/strings/string_view.h"
#include "troupe/services/http_message.h"

namespace troupe::services {

struct ParserLimits {
  std::size_t max_header_bytes = 8 * 1024;  // request line + headers; over: 431
  std::size_t max_body_bytes = 1024 * 1024;  // over: 413
};

class RequestParser {
 public:
  enum class Error { kNone, kMalformed, kHeadersTooLarge, kBodyTooLarge };

  explicit RequestParser(ParserLimits limits);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Feeds bytes (an empty feed changes nothing). Completed requests are queued for
  // Next(). After an error the connection must answer with ErrorStatus() and close.
  Error Feed(absl::string_view bytes);
  bool HasRequest() const { return !ready_.empty(); }
  HttpRequest Next();

  Error error() const { return error_; }
  static int ErrorStatus(Error error);  // 400, 431 or 413

 private:
  static int OnMessageBegin(http_parser* parser);
  static int OnUrl(http_parser* parser, const char* at, std::size_t length);
  static int OnHeaderField(http_parser* parser, const char* at, std::size_t length);
  static int OnHeaderValue(http_parser* parser, const char* at, std::size_t length);
  static int OnHeadersComplete(http_parser* parser);
  static int OnBody(http_parser* parser, const char* at, std::size_t length);
  static int OnMessageComplete(http_parser* parser);
  bool CountHeaderBytes(std::size_t length);

  const ParserLimits limits_;
  http_parser parser_;
  http_parser_settings settings_;
  HttpRequest current_;
  bool in_value_ = false;
  std::size_t header_bytes_ = 0;
  std::deque<HttpRequest> ready_;
  Error error_ = Error::kNone;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_REQUEST_PARSER_H_
