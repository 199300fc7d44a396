// HTTP/1.1 requests and responses as the service sees them.
#ifndef TROUPE_SERVICES_HTTP_MESSAGE_H_
#define TROUPE_SERVICES_HTTP_MESSAGE_H_

#include <string>
#include <utility>
#include <vector>

namespace troupe::services {

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // the request target, e.g. "/kv/apple"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool keep_alive = true;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length and Connection.
std::string SerializeResponse(const HttpResponse& response, bool keep_alive);
const char* ReasonPhrase(int status);

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_HTTP_MESSAGE_H_
