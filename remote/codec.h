// Codecs: how a message type crosses the wire to an actor in another process.
//
// A type T travels to a remote actor only if troupe::Codec<T> is defined. Every
// protobuf message has one (protobuf_codec.h, the default); for any other type,
// specialise Codec with three static functions:
//
//   template <>
//   struct troupe::Codec<Point> {
//     static std::string TypeName() { return "example.Point"; }  // checked by Lookup
//     static void Encode(const Point& point, std::string* out);  // appends to *out
//     static bool Decode(absl::string_view bytes, Point* point);  // false: malformed
//   };
//
// RemoteRef<T> and RemoteNode::Publish<T> refuse to compile for a T without one.
// Encode runs on the sending fiber; Decode on the receiving node's NATS delivery
// thread (a request) or on the asking fiber (a reply). Decode must not trust its
// input: the bytes come from the network.
#ifndef TROUPE_REMOTE_CODEC_H_
#define TROUPE_REMOTE_CODEC_H_

#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace troupe {

// Undefined for T unless specialised: `kNoCodec` marks the primary template.
template <typename T, typename Enable = void>
struct Codec {
  static constexpr bool kNoCodec = true;
};

namespace remote_internal {
template <typename T, typename = void>
struct CodecDefined : std::true_type {};
template <typename T>
struct CodecDefined<T, std::void_t<decltype(Codec<T>::kNoCodec)>> : std::false_type {};
}  // namespace remote_internal

// The answer type of a remote actor that takes tells only (needs no codec).
struct NoReply {};

// True when T can be sent to a remote actor.
template <typename T>
inline constexpr bool kHasCodec = remote_internal::CodecDefined<T>::value;

namespace remote_internal {
// What came back from the wire as a T: `bytes`' error as it is, the T they decode
// as, or DataLoss saying that `what` ("the remote actor's answer") does not decode.
template <typename T>
absl::StatusOr<T> DecodeReceived(const absl::StatusOr<std::string>& bytes,
                                 absl::string_view what) {
  if (!bytes.ok()) return bytes.status();
  T value;
  if (!Codec<T>::Decode(*bytes, &value)) {
    return absl::DataLossError(absl::StrCat(what, " does not decode as ", Codec<T>::TypeName()));
  }
  return value;
}
}  // namespace remote_internal

}  // namespace troupe

#endif  // TROUPE_REMOTE_CODEC_H_
