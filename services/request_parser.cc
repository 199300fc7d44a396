#include "troupe/services/request_parser.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace troupe::services {

namespace {
RequestParser* Self(http_parser* parser) { return static_cast<RequestParser*>(parser->data); }
}  // namespace

RequestParser::RequestParser(ParserLimits limits, MemoryBudget* budget)
    : limits_(limits), budget_(budget) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_body = &OnBody;
  settings_.on_message_complete = &OnMessageComplete;
}

bool RequestParser::Fail(Error error, std::string reason) {
  if (error_ == Error::kNone) {
    error_ = error;
    error_reason_ = std::move(reason);
  }
  return false;
}

int RequestParser::OnHeadersComplete(http_parser* parser) {
  Self(parser)->paused_at_ = Pause::kHeadersComplete;
  http_parser_pause(parser, 1);  // Feed checks the head before any body byte
  return 0;
}

int RequestParser::OnMessageComplete(http_parser* parser) {
  Self(parser)->paused_at_ = Pause::kMessageComplete;
  http_parser_pause(parser, 1);  // one message per http_parser_execute call
  return 0;
}

int RequestParser::OnBody(http_parser* parser, const char* at, std::size_t length) {
  RequestParser* self = Self(parser);
  self->body_ranges_.emplace_back(at, at + length);
  HttpRequest& request = self->current_;
  if (request.body.size() + length > self->limits_.max_body_bytes) {
    self->Fail(Error::kBodyTooLarge, "body over the limit");
    return 1;
  }
  // A Content-Length body was reserved whole when its head arrived; a chunked one
  // is reserved as its chunks arrive.
  if (self->chunked_ && self->budget_ != nullptr &&
      !request.body_memory.Grow(*self->budget_, length)) {
    self->Fail(Error::kOverBudget, "the server's budget for request bodies is spent");
    return 1;
  }
  request.body.append(at, length);
  return 0;
}

bool RequestParser::TakeFraming(const char* begin, const char* end) {
  const std::size_t skipped = std::min<std::size_t>(skip_framing_, end - begin);
  begin += skipped;
  skip_framing_ -= skipped;
  auto take = [this](const char* from, const char* to) {
    if (from >= to) return true;
    const absl::string_view piece(from, to - from);
    if (!in_body_) {
      if (head_.empty()) ++requests_begun_;
      head_.append(piece.data(), piece.size());
      if (head_.size() > limits_.max_header_bytes) {
        return Fail(Error::kHeadersTooLarge, "head over the limit");
      }
      return true;
    }
    if (!chunked_) return Fail(Error::kMalformed, "bytes outside a Content-Length body");
    body_framing_bytes_ += piece.size();
    if (body_framing_bytes_ > limits_.max_body_bytes) {
      return Fail(Error::kBodyTooLarge, "chunk framing over the body limit");
    }
    if (!chunk_framing_.Feed(piece)) return Fail(Error::kMalformed, chunk_framing_.reason());
    return true;
  };
  for (const auto& [data_begin, data_end] : body_ranges_) {
    if (!take(begin, std::max(begin, data_begin))) return false;
    begin = std::max(begin, data_end);
  }
  return take(begin, end);
}

bool RequestParser::FinishHead() {
  HeadCheck check = ParseRequestHead(head_);
  switch (check.verdict) {
    case HeadVerdict::kOk: break;
    case HeadVerdict::kMalformed: return Fail(Error::kMalformed, check.reason);
    case HeadVerdict::kUnsupportedVersion: return Fail(Error::kUnsupportedVersion, check.reason);
    case HeadVerdict::kUnsupportedTransferCoding:
      return Fail(Error::kUnsupportedTransferCoding, check.reason);
  }
  RequestHead& head = check.head;
  // On a head that passed the strict check both parsers must agree; if they do
  // not, the framing http-parser chose cannot be trusted.
  bool declared_chunked = false;
  std::optional<uint64_t> declared_length;
  for (const auto& [name, value] : head.fields) {
    if (absl::EqualsIgnoreCase(name, "transfer-encoding")) declared_chunked = true;
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      uint64_t length = 0;
      declared_length = absl::SimpleAtoi(value, &length) ? length
                                                         : std::numeric_limits<uint64_t>::max();
    }
  }
  chunked_ = (parser_.flags & F_CHUNKED) != 0;
  if (head.method != http_method_str(static_cast<http_method>(parser_.method)) ||
      chunked_ != declared_chunked) {
    return Fail(Error::kMalformed, "the head's strict and lenient readings differ");
  }
  if (declared_length.has_value() && *declared_length > 0) {
    if (*declared_length > limits_.max_body_bytes) {
      return Fail(Error::kBodyTooLarge, "Content-Length over the body limit");
    }
    if (budget_ != nullptr && !current_.body_memory.Grow(*budget_, *declared_length)) {
      return Fail(Error::kOverBudget, "the server's budget for request bodies is spent");
    }
  }
  current_.method = std::move(head.method);
  current_.path = std::move(head.target);
  current_.version_minor = head.version_minor;
  current_.headers = std::move(head.fields);
  head_.clear();
  in_body_ = true;
  chunk_framing_ = ChunkFramingCheck();
  body_framing_bytes_ = 0;
  return true;
}

bool RequestParser::FinishMessage() {
  if (chunked_ && !chunk_framing_.Complete()) {
    return Fail(Error::kMalformed, "chunked body ended outside its framing");
  }
  switched_protocols_ = parser_.upgrade != 0;
  current_.keep_alive = http_should_keep_alive(&parser_) != 0 && !switched_protocols_;
  ready_.push_back(std::move(current_));
  current_ = HttpRequest{};
  in_body_ = false;
  chunked_ = false;
  return true;
}

RequestParser::Error RequestParser::Feed(absl::string_view bytes) {
  // http_parser_execute takes a zero length as the end of the stream; an empty read
  // here means nothing arrived (found by the fuzzer).
  if (error_ != Error::kNone || bytes.empty() || switched_protocols_) return error_;
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p < end) {
    paused_at_ = Pause::kNone;
    body_ranges_.clear();
    const std::size_t parsed = http_parser_execute(&parser_, &settings_, p, end - p);
    if (error_ != Error::kNone) return error_;  // a callback refused
    const http_errno status = HTTP_PARSER_ERRNO(&parser_);
    if (status != HPE_OK && status != HPE_PAUSED) {
      Fail(status == HPE_HEADER_OVERFLOW ? Error::kHeadersTooLarge : Error::kMalformed,
           http_errno_description(status));
      return error_;
    }
    // Paused at the end of a head, the parser stands on the head's last LF and
    // consumes it only when resumed: count it with the head now, skip it then.
    const bool head_ended = paused_at_ == Pause::kHeadersComplete;
    if (!TakeFraming(p, p + parsed + (head_ended ? 1 : 0))) return error_;
    if (head_ended) skip_framing_ = 1;
    p += parsed;
    if (status == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      if (head_ended && !FinishHead()) return error_;
      if (paused_at_ == Pause::kMessageComplete && !FinishMessage()) return error_;
      if (switched_protocols_) return error_;  // the rest is not HTTP
    } else if (p != end) {
      Fail(Error::kMalformed, "http-parser stopped early");
      return error_;
    }
  }
  return error_;
}

RequestParser::Phase RequestParser::phase() const {
  if (in_body_) return Phase::kBody;
  return head_.empty() ? Phase::kIdle : Phase::kHead;
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
    case Error::kOverBudget: return 503;
    case Error::kUnsupportedTransferCoding: return 501;
    case Error::kUnsupportedVersion: return 505;
    default: return 400;
  }
}

}  // namespace troupe::services
