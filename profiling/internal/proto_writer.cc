#include "troupe/profiling/internal/proto_writer.h"

namespace troupe::profiling_internal {

namespace {
constexpr int kWireVarint = 0;
constexpr int kWireLengthDelimited = 2;
}  // namespace

void ProtoWriter::RawVarint(uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void ProtoWriter::Tag(int field, int wire_type) {
  RawVarint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type));
}

void ProtoWriter::Varint(int field, uint64_t value) {
  Tag(field, kWireVarint);
  RawVarint(value);
}

void ProtoWriter::Bytes(int field, absl::string_view bytes) {
  Tag(field, kWireLengthDelimited);
  RawVarint(bytes.size());
  bytes_.append(bytes.data(), bytes.size());
}

void ProtoWriter::PackedVarints(int field, const std::vector<uint64_t>& values) {
  if (values.empty()) return;
  ProtoWriter packed;
  for (uint64_t value : values) packed.RawVarint(value);
  Bytes(field, packed.bytes_);
}

}  // namespace troupe::profiling_internal
