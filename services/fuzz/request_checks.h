// Invariants of the HTTP request path, shared by the libFuzzer target
// (services/fuzz/request_fuzzer.cc) and the seed-corpus test
// (tests/services/request_corpus_test.cc), so they are written once.
//
// CheckRequestBytes(bytes) feeds `bytes` to a RequestParser with small limits
// (kFuzzLimits) three ways: in one chunk, in two chunks split at a position taken
// from the first byte, and (for short inputs) one byte at a time. It checks:
//   - every split gives the same error and the same requests (incremental parsing);
//   - differential, against an independent reading of RFC 9112
//     (reference_parser.h): every request the server accepts, the reference accepts
//     too, with the same method, target, fields, body and keep-alive (so leniency,
//     the root of request smuggling, fails the check); and a request the server
//     rejects as malformed (400), of an unsupported version (505) or transfer
//     coding (501), the reference does not accept (so does over-strictness);
//   - round trip: each accepted request, written out again canonically (its fields
//     as they are, its body as Content-Length or one chunk), parses back to the
//     same request;
//   - an error maps to 400, 413, 431, 501 or 505, and its error response is well
//     formed;
//   - every parsed request has a method and a non-empty path, its fields fit the
//     header limit, its body fits the body limit;
//   - for the routes that need no actors (see PureRoute) the response is the one
//     HttpServer::Handle gives, and every serialized response is well formed: it
//     parses back (http-parser, response mode) to the same status, Content-Length
//     and body, with nothing left over.
// A violation is returned as a message in CheckResult::failure (empty: all held).
#ifndef TROUPE_SERVICES_FUZZ_REQUEST_CHECKS_H_
#define TROUPE_SERVICES_FUZZ_REQUEST_CHECKS_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "troupe/services/fuzz/reference_parser.h"
#include "troupe/services/http_message.h"
#include "troupe/services/request_parser.h"

namespace troupe::services::fuzz {

// Small limits so that the fuzzer reaches 431 and 413 with short inputs.
inline constexpr ParserLimits kFuzzLimits{/*max_header_bytes=*/1024, /*max_body_bytes=*/4096};

// Inputs up to this size are also fed one byte at a time.
inline constexpr std::size_t kByteByByteMax = 512;

struct ParseOutcome {
  RequestParser::Error error = RequestParser::Error::kNone;
  std::vector<HttpRequest> requests;  // completed before the error (if any)
};

struct CheckResult {
  ParseOutcome outcome;  // from the one-chunk feed
  int error_status = 0;  // ErrorStatus(outcome.error), or 0 without an error
  std::string failure;   // empty: every invariant held
};

// Feeds `chunks` one after another, as reads of a connection would, empty ones
// included (the fuzzer's first finding was that an empty chunk ended the stream).
inline ParseOutcome ParseChunks(const std::vector<absl::string_view>& chunks) {
  RequestParser parser(kFuzzLimits);
  ParseOutcome outcome;
  for (absl::string_view chunk : chunks) {
    outcome.error = parser.Feed(chunk);
    while (parser.HasRequest()) outcome.requests.push_back(parser.Next());
    if (outcome.error != RequestParser::Error::kNone) break;
  }
  return outcome;
}

// The responses HttpServer::Handle gives without actors: /hello and unknown paths.
// nullopt for /metrics and /kv/<key>, which need a running server.
inline std::optional<HttpResponse> PureRoute(const HttpRequest& request) {
  absl::string_view path = request.path;
  if (const std::size_t query = path.find('?'); query != absl::string_view::npos) {
    path = path.substr(0, query);
  }
  if (path == "/hello") {
    if (request.method != "GET" && request.method != "HEAD") {
      return HttpResponse{405, "text/plain; charset=utf-8", "use GET, HEAD\n", "GET, HEAD"};
    }
    return HttpResponse{200, "text/plain; charset=utf-8", "hello, world\n", ""};
  }
  if (path == "/metrics") return std::nullopt;
  if (absl::StartsWith(path, "/kv/") && path.size() > 4) return std::nullopt;
  return HttpResponse{404, "text/plain; charset=utf-8", "not found\n", ""};
}

// The error response HttpServer::Serve writes before closing.
inline HttpResponse ErrorResponse(int status) {
  return HttpResponse{status, "text/plain; charset=utf-8",
                      absl::StrCat(ReasonPhrase(status), "\n"), ""};
}

namespace internal {

inline bool SameRequest(const HttpRequest& a, const HttpRequest& b) {
  return a.method == b.method && a.path == b.path && a.version_minor == b.version_minor &&
         a.headers == b.headers && a.body == b.body && a.keep_alive == b.keep_alive;
}

inline bool SameAsReference(const HttpRequest& a, const ReferenceRequest& b) {
  return a.method == b.method && a.path == b.target && a.headers == b.headers &&
         a.body == b.body && a.keep_alive == b.keep_alive;
}

// `request` written out again: its request line and fields as they are, its body
// framed as its fields say (one chunk when chunked).
inline std::string Reserialize(const HttpRequest& request) {
  bool chunked = false;
  std::string wire = absl::StrCat(request.method, " ", request.path, " HTTP/1.",
                                  request.version_minor, "\r\n");
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "transfer-encoding")) chunked = true;
    absl::StrAppend(&wire, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&wire, "\r\n");
  if (!chunked) return absl::StrCat(wire, request.body);
  if (!request.body.empty()) {
    absl::StrAppend(&wire, absl::Hex(request.body.size()), "\r\n", request.body, "\r\n");
  }
  return absl::StrCat(wire, "0\r\n\r\n");
}

inline std::string Describe(const ParseOutcome& o) {
  std::string out = absl::StrCat("error=", static_cast<int>(o.error), " requests=[");
  for (const HttpRequest& r : o.requests) {
    absl::StrAppend(&out, r.method, " ", r.path, " (", r.headers.size(), " headers, ",
                    r.body.size(), " body bytes, keep_alive=", r.keep_alive, "); ");
  }
  return absl::StrCat(out, "]");
}

struct ResponseSeen {
  int messages = 0;
  std::string body;
};

inline int OnResponseBody(http_parser* p, const char* at, std::size_t length) {
  static_cast<ResponseSeen*>(p->data)->body.append(at, length);
  return 0;
}

inline int OnResponseComplete(http_parser* p) {
  ++static_cast<ResponseSeen*>(p->data)->messages;
  return 0;
}

// "" if `wire` is one well-formed HTTP/1.1 response carrying `response`.
inline std::string CheckSerialized(const HttpResponse& response, bool keep_alive) {
  const std::string wire = SerializeResponse(response, keep_alive);
  const std::string status_line =
      absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status), "\r\n");
  if (!absl::StartsWith(wire, status_line)) return absl::StrCat("bad status line in: ", wire);
  if (absl::string_view(ReasonPhrase(response.status)) == "Unknown") {
    return absl::StrCat("no reason phrase for status ", response.status);
  }
  const std::size_t end = wire.find("\r\n\r\n");
  if (end == std::string::npos) return "serialized response has no end of headers";
  const absl::string_view head(wire.data(), end + 2);
  if (!absl::StrContains(head, absl::StrCat("\r\nContent-Length: ", response.body.size(), "\r\n"))) {
    return absl::StrCat("wrong Content-Length in: ", head);
  }
  if (!absl::StrContains(head, keep_alive ? "\r\nConnection: keep-alive\r\n"
                                          : "\r\nConnection: close\r\n")) {
    return absl::StrCat("wrong Connection header in: ", head);
  }
  if (wire.size() - (end + 4) != response.body.size()) return "body length differs";

  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  ResponseSeen seen;
  parser.data = &seen;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_body = &OnResponseBody;
  settings.on_message_complete = &OnResponseComplete;
  const std::size_t parsed = http_parser_execute(&parser, &settings, wire.data(), wire.size());
  if (parsed != wire.size() || HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
    return absl::StrCat("serialized response does not parse: ",
                        http_errno_name(HTTP_PARSER_ERRNO(&parser)), " in: ", wire);
  }
  if (seen.messages != 1) return absl::StrCat("serialized response parses to ", seen.messages, " messages");
  if (static_cast<int>(parser.status_code) != response.status) return "status differs after parsing";
  if (seen.body != response.body) return "body differs after parsing";
  if ((http_should_keep_alive(&parser) != 0) != keep_alive) return "keep-alive differs after parsing";
  return "";
}

inline std::string CheckRequest(const HttpRequest& request) {
  if (request.method.empty()) return "request without a method";
  if (request.path.empty()) return "request with an empty path";
  std::size_t header_bytes = request.method.size() + request.path.size();
  for (const auto& [name, value] : request.headers) {
    if (name.empty()) return "header with an empty name";
    header_bytes += name.size() + value.size();
  }
  if (header_bytes > kFuzzLimits.max_header_bytes) {
    return absl::StrCat("request over the header limit: ", header_bytes, " bytes");
  }
  if (request.body.size() > kFuzzLimits.max_body_bytes) {
    return absl::StrCat("body over the limit: ", request.body.size(), " bytes");
  }
  if (std::optional<HttpResponse> response = PureRoute(request)) {
    for (bool keep_alive : {true, false}) {
      if (std::string f = CheckSerialized(*response, keep_alive); !f.empty()) return f;
    }
  }
  return "";
}

}  // namespace internal

inline CheckResult CheckRequestBytes(absl::string_view bytes) {
  CheckResult result;
  result.outcome = ParseChunks({bytes});
  const ParseOutcome& whole = result.outcome;

  // Differential: the server accepts nothing the reference rejects or reads
  // differently, and rejects as malformed nothing the reference accepts.
  const ReferenceOutcome reference = ReferenceParse(bytes);
  for (std::size_t i = 0; i < whole.requests.size(); ++i) {
    if (i >= reference.requests.size()) {
      result.failure = absl::StrCat("the server accepted request ", i,
                                    " which the reference rejects (", reference.reason, "): ",
                                    internal::Describe(whole));
      return result;
    }
    if (!internal::SameAsReference(whole.requests[i], reference.requests[i])) {
      result.failure = absl::StrCat("request ", i, " reads differently in the reference: ",
                                    internal::Describe(whole));
      return result;
    }
  }
  const int server_status =
      whole.error == RequestParser::Error::kNone ? 0 : RequestParser::ErrorStatus(whole.error);
  // (A reference still waiting for the end of the line cannot tell yet.)
  if ((server_status == 400 || server_status == 501 || server_status == 505) &&
      reference.requests.size() > whole.requests.size()) {
    result.failure = absl::StrCat("the server rejected request ", whole.requests.size(), " with ",
                                  server_status, " which the reference accepts");
    return result;
  }

  // Round trip: each accepted request, written out again, means the same.
  for (const HttpRequest& request : whole.requests) {
    const ParseOutcome again = ParseChunks({internal::Reserialize(request)});
    if (again.error != RequestParser::Error::kNone || again.requests.size() != 1 ||
        !internal::SameRequest(again.requests[0], request)) {
      result.failure = absl::StrCat("request does not survive being written out again: ",
                                    internal::Describe(again), " from ",
                                    internal::Reserialize(request));
      return result;
    }
  }

  // Incremental parsing: other splits give the same outcome.
  std::vector<std::vector<absl::string_view>> splits;
  const std::size_t at = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]) % (bytes.size() + 1);
  splits.push_back({bytes.substr(0, at), bytes.substr(at)});
  if (bytes.size() <= kByteByByteMax) {
    std::vector<absl::string_view> single;
    for (std::size_t i = 0; i < bytes.size(); ++i) single.push_back(bytes.substr(i, 1));
    splits.push_back(std::move(single));
  }
  for (const auto& chunks : splits) {
    const ParseOutcome split = ParseChunks(chunks);
    bool same = split.error == whole.error && split.requests.size() == whole.requests.size();
    for (std::size_t i = 0; same && i < whole.requests.size(); ++i) {
      same = internal::SameRequest(split.requests[i], whole.requests[i]);
    }
    if (!same) {
      result.failure = absl::StrCat("split into ", chunks.size(), " chunks (first at ", at,
                                    ") gives ", internal::Describe(split), ", one chunk gives ",
                                    internal::Describe(whole));
      return result;
    }
  }

  if (whole.error != RequestParser::Error::kNone) {
    result.error_status = RequestParser::ErrorStatus(whole.error);
    if (result.error_status != 400 && result.error_status != 413 && result.error_status != 431 &&
        result.error_status != 501 && result.error_status != 505) {
      result.failure = absl::StrCat("error status ", result.error_status);
      return result;
    }
    if (std::string f = internal::CheckSerialized(ErrorResponse(result.error_status), false);
        !f.empty()) {
      result.failure = f;
      return result;
    }
  }
  for (const HttpRequest& request : whole.requests) {
    if (std::string f = internal::CheckRequest(request); !f.empty()) {
      result.failure = f;
      return result;
    }
  }
  return result;
}

}  // namespace troupe::services::fuzz

#endif  // TROUPE_SERVICES_FUZZ_REQUEST_CHECKS_H_
