#include "troupe/remote/internal/wire.h"

#include <cstring>

namespace troupe::remote_internal {

void AppendUint64(uint64_t value, std::string* out) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  out->append(bytes, 8);
}

std::optional<uint64_t> ParseUint64(absl::string_view bytes) {
  if (bytes.size() < 8) return std::nullopt;
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  }
  return value;
}

void AppendHeader(const Header& header, std::string* out) {
  out->push_back(static_cast<char>(kWireVersion));
  out->push_back(static_cast<char>(header.kind));
  const int64_t deadline = header.deadline ? absl::ToUnixNanos(*header.deadline) : 0;
  AppendUint64(static_cast<uint64_t>(deadline), out);
  AppendUint64(header.sender, out);
}

bool ParseFrame(absl::string_view frame, Header* header, absl::string_view* payload) {
  if (frame.size() < kHeaderSize || static_cast<uint8_t>(frame[0]) != kWireVersion) return false;
  const uint8_t kind = static_cast<uint8_t>(frame[1]);
  if (kind < static_cast<uint8_t>(Kind::kTell) || kind > static_cast<uint8_t>(Kind::kTaken)) {
    return false;
  }
  header->kind = static_cast<Kind>(kind);
  const int64_t deadline = static_cast<int64_t>(*ParseUint64(frame.substr(2)));
  header->deadline =
      deadline == 0 ? std::nullopt : std::optional<absl::Time>(absl::FromUnixNanos(deadline));
  header->sender = *ParseUint64(frame.substr(10));
  *payload = frame.substr(kHeaderSize);
  return true;
}

void AppendStatus(const absl::Status& status, std::string* out) {
  out->push_back(static_cast<char>(status.code()));
  out->append(status.message().data(), status.message().size());
}

absl::Status ParseStatus(absl::string_view payload) {
  if (payload.empty()) return absl::DataLossError("remote status payload is empty");
  const int code = static_cast<unsigned char>(payload[0]);
  if (code > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::DataLossError("remote status payload has an invalid status code");
  }
  return absl::Status(static_cast<absl::StatusCode>(code), payload.substr(1));
}

}  // namespace troupe::remote_internal
