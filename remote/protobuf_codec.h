// The default codec: every protobuf message (a class derived from
// google::protobuf::MessageLite, made by protoc from a .proto file) travels in
// protobuf's own wire format. See codec.h for the interface.
#ifndef TROUPE_REMOTE_PROTOBUF_CODEC_H_
#define TROUPE_REMOTE_PROTOBUF_CODEC_H_

#include <string>
#include <type_traits>

#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "troupe/remote/codec.h"

namespace troupe {

template <typename T>
struct Codec<T, std::enable_if_t<std::is_base_of_v<google::protobuf::MessageLite, T>>> {
  static std::string TypeName() { return T::default_instance().GetTypeName(); }
  static void Encode(const T& message, std::string* out) { message.AppendToString(out); }
  static bool Decode(absl::string_view bytes, T* message) {
    return message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
};

}  // namespace troupe

#endif  // TROUPE_REMOTE_PROTOBUF_CODEC_H_
