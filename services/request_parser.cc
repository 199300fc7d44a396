#include "troupe/services/request_parser.h"

#include <climits>
#include <utility>

namespace troupe::services {

namespace {
RequestParser* Self(http_parser* parser) { return static_cast<RequestParser*>(parser->data); }
}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &OnMessageBegin;
  settings_.on_url = &OnUrl;
  settings_.on_header_field = &OnHeaderField;
  settings_.on_header_value = &OnHeaderValue;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_body = &OnBody;
  settings_.on_message_complete = &OnMessageComplete;
}

bool RequestParser::CountHeaderBytes(std::size_t length) {
  header_bytes_ += length;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  error_ = Error::kHeadersTooLarge;
  return false;
}

int RequestParser::OnMessageBegin(http_parser* parser) {
  RequestParser* self = Self(parser);
  self->current_ = HttpRequest{};
  self->in_value_ = false;
  self->header_bytes_ = 0;
  return 0;
}

int RequestParser::OnUrl(http_parser* parser, const char* at, std::size_t length) {
  RequestParser* self = Self(parser);
  if (!self->CountHeaderBytes(length)) return 1;
  self->current_.path.append(at, length);
  return 0;
}

int RequestParser::OnHeaderField(http_parser* parser, const char* at, std::size_t length) {
  RequestParser* self = Self(parser);
  if (!self->CountHeaderBytes(length)) return 1;
  if (self->current_.headers.empty() || self->in_value_) {
    self->current_.headers.emplace_back();
    self->in_value_ = false;
  }
  self->current_.headers.back().first.append(at, length);
  return 0;
}

int RequestParser::OnHeaderValue(http_parser* parser, const char* at, std::size_t length) {
  RequestParser* self = Self(parser);
  if (!self->CountHeaderBytes(length)) return 1;
  self->in_value_ = true;
  self->current_.headers.back().second.append(at, length);
  return 0;
}

int RequestParser::OnHeadersComplete(http_parser* parser) {
  RequestParser* self = Self(parser);
  self->current_.method = http_method_str(static_cast<http_method>(parser->method));
  if (parser->content_length != ULLONG_MAX && parser->content_length > self->limits_.max_body_bytes) {
    self->error_ = Error::kBodyTooLarge;
    return -1;  // http-parser: stop
  }
  return 0;
}

int RequestParser::OnBody(http_parser* parser, const char* at, std::size_t length) {
  RequestParser* self = Self(parser);
  if (self->current_.body.size() + length > self->limits_.max_body_bytes) {
    self->error_ = Error::kBodyTooLarge;
    return 1;
  }
  self->current_.body.append(at, length);
  return 0;
}

int RequestParser::OnMessageComplete(http_parser* parser) {
  RequestParser* self = Self(parser);
  self->current_.keep_alive = http_should_keep_alive(parser) != 0;
  self->ready_.push_back(std::move(self->current_));
  self->current_ = HttpRequest{};
  return 0;
}

RequestParser::Error RequestParser::Feed(absl::string_view bytes) {
  // http_parser_execute takes a zero length as the end of the stream; an empty read
  // here means nothing arrived (found by the fuzzer).
  if (error_ != Error::kNone || bytes.empty()) return error_;
  // Headers that never end are caught while they arrive, even without callbacks.
  const std::size_t parsed = http_parser_execute(&parser_, &settings_, bytes.data(), bytes.size());
  if (error_ == Error::kNone &&
      (parsed != bytes.size() || HTTP_PARSER_ERRNO(&parser_) != HPE_OK)) {
    error_ = HTTP_PARSER_ERRNO(&parser_) == HPE_HEADER_OVERFLOW ? Error::kHeadersTooLarge
                                                               : Error::kMalformed;
  }
  return error_;
}

HttpRequest RequestParser::Next() {
  HttpRequest request = std::move(ready_.front());
  ready_.pop_front();
  return request;
}

int RequestParser::ErrorStatus(Error error) {
  switch (error) {
    case Error::kHeadersTooLarge: return 431;
    case Error::kBodyTooLarge: return 413;
    default: return 400;
  }
}

}  // namespace troupe::services
