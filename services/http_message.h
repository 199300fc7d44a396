// HTTP/1.1 requests and responses as the service sees them.
#ifndef TROUPE_SERVICES_HTTP_MESSAGE_H_
#define TROUPE_SERVICES_HTTP_MESSAGE_H_

#include <string>
#include <utility>
#include <vector>

#include "troupe/services/memory_budget.h"

namespace troupe::services {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // the request target, e.g. "/kv/apple"
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1
  // Field lines in order, values without surrounding whitespace.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;
  // The body's bytes held from the server's budget for bodies in flight; returned
  // when the request is destroyed (or the reservation reset once the body moved on).
  BudgetReservation body_memory;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow = "";  // the Allow field of a 405 (RFC 9110 15.5.6); empty: none
  std::string traceparent = "";  // the server span's W3C traceparent field; empty: none
};

// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length, Connection (and
// Allow and traceparent when set), up to and including the empty line.
std::string SerializeResponseHead(const HttpResponse& response, bool keep_alive);
// The head and the body (only the head for a response to HEAD: `head_only`).
std::string SerializeResponse(const HttpResponse& response, bool keep_alive,
                              bool head_only = false);
const char* ReasonPhrase(int status);

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_HTTP_MESSAGE_H_
