// ProtoWriter: the protocol buffers wire format, just what profile.proto needs —
// varints, length-delimited fields (strings, nested messages) and packed repeated
// integers. troupe writes pprof's profile.proto by hand instead of generating code
// with protoc: the schema is small and frozen (field numbers published in
// github.com/google/pprof/proto/profile.proto), and Bazel 4 offline has no protobuf
// rules, so generated code would need a build step every consumer must provide.
//
// Usage: fields are appended in order to one buffer; a nested message is written
// into its own ProtoWriter and appended with Message().
#ifndef TROUPE_PROFILING_INTERNAL_PROTO_WRITER_H_
#define TROUPE_PROFILING_INTERNAL_PROTO_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace troupe::profiling_internal {

class ProtoWriter {
 public:
  // An int64/uint64 field (wire type 0). Zero is written too (proto3 would omit it;
  // readers accept both), except through the *IfNonZero variant.
  void Varint(int field, uint64_t value);
  void VarintIfNonZero(int field, uint64_t value) {
    if (value != 0) Varint(field, value);
  }
  // A string or bytes field (wire type 2).
  void Bytes(int field, absl::string_view bytes);
  // A nested message field: `message`'s bytes, length-delimited.
  void Message(int field, const ProtoWriter& message) { Bytes(field, message.bytes_); }
  // A packed repeated integer field; nothing when `values` is empty.
  void PackedVarints(int field, const std::vector<uint64_t>& values);

  const std::string& bytes() const { return bytes_; }

 private:
  void Tag(int field, int wire_type);
  void RawVarint(uint64_t value);

  std::string bytes_;
};

}  // namespace troupe::profiling_internal

#endif  // TROUPE_PROFILING_INTERNAL_PROTO_WRITER_H_
