#include "troupe/profiling/internal/gzip.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace troupe::profiling_internal {

namespace {
constexpr int kGzipWindowBits = 15 + 16;  // zlib: +16 selects the gzip wrapper
constexpr std::size_t kChunk = 64 * 1024;
}  // namespace

absl::StatusOr<std::string> Gzip(absl::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&stream, data.size()));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return absl::InternalError(absl::StrCat("gzip: deflate: ", result));
  return out;
}

absl::StatusOr<std::string> Gunzip(absl::string_view gzipped) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return absl::InternalError("gunzip: inflateInit2 failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
  stream.avail_in = static_cast<uInt>(gzipped.size());
  std::string out;
  int result = Z_OK;
  while (result == Z_OK) {
    const std::size_t used = out.size();
    out.resize(used + kChunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    stream.avail_out = static_cast<uInt>(kChunk);
    result = inflate(&stream, Z_NO_FLUSH);
    out.resize(used + kChunk - stream.avail_out);
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END) {
    return absl::InvalidArgumentError(absl::StrCat("gunzip: not a complete gzip stream (zlib ",
                                                   result, ")"));
  }
  return out;
}

}  // namespace troupe::profiling_internal
