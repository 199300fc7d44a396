// Gzip: the compression pprof files use (Go's net/http/pprof serves them gzipped;
// `go tool pprof` reads gzipped and plain profile.proto alike). zlib underneath.
#ifndef TROUPE_PROFILING_INTERNAL_GZIP_H_
#define TROUPE_PROFILING_INTERNAL_GZIP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe::profiling_internal {

// `data` as one gzip member (RFC 1952). Internal if zlib fails (out of memory).
absl::StatusOr<std::string> Gzip(absl::string_view data);
// The inverse, for readers of profiles (tests). InvalidArgument for corrupt input.
absl::StatusOr<std::string> Gunzip(absl::string_view gzipped);

}  // namespace troupe::profiling_internal

#endif  // TROUPE_PROFILING_INTERNAL_GZIP_H_
