#include "troupe/services/http_message.h"

#include "absl/strings/str_cat.h"

namespace troupe::services {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
  }
}

std::string SerializeResponseHead(const HttpResponse& response, bool keep_alive) {
  return absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
                      "\r\nContent-Type: ", response.content_type,
                      "\r\nContent-Length: ", response.body.size(),
                      response.allow.empty() ? "" : "\r\nAllow: ", response.allow,
                      response.traceparent.empty() ? "" : "\r\ntraceparent: ",
                      response.traceparent,
                      keep_alive ? "\r\nConnection: keep-alive" : "\r\nConnection: close",
                      "\r\n\r\n");
}

std::string SerializeResponse(const HttpResponse& response, bool keep_alive, bool head_only) {
  std::string wire = SerializeResponseHead(response, keep_alive);
  if (!head_only) wire += response.body;
  return wire;
}

}  // namespace troupe::services
