// Profile: a profile as pprof sees it (github.com/google/pprof/proto/profile.proto),
// and its encoding — profile.proto, gzipped — readable by `go tool pprof`, flame
// graph tools and speedscope.
//
// The profilers in this package (cpu_profiler.h, fiber_profile.h) produce a Profile
// of raw code addresses; EncodePprof names them (function names from the symbol
// tables, the mappings with their build IDs) when it writes the file.
#ifndef TROUPE_PROFILING_PROFILE_H_
#define TROUPE_PROFILING_PROFILE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::profiling {

// What one value of a sample counts: {"cpu", "nanoseconds"}, {"fibers", "count"}.
struct ValueType {
  std::string type;
  std::string unit;
};

struct ProfileSample {
  // Code addresses, the innermost frame first. Each is an address inside the
  // instruction it names (for a caller: its call instruction, not the return
  // address after it), so that symbolizing it names the right function.
  std::vector<uint64_t> stack;
  // When `stack` is empty: the name of a pseudo-frame shown instead ("[running]").
  std::string pseudo_frame;
  std::vector<int64_t> values;  // one per Profile::sample_types
  std::vector<std::pair<std::string, std::string>> labels;  // pprof string labels
};

struct Profile {
  std::vector<ValueType> sample_types;
  std::vector<ProfileSample> samples;
  ValueType period_type;
  int64_t period = 0;          // in period_type's unit
  int64_t time_nanos = 0;      // wall-clock time the profile started (Unix epoch)
  int64_t duration_nanos = 0;
  std::vector<std::string> comments;  // shown by `go tool pprof -comments`
};

// profile.proto bytes of `profile`, gzipped (what Go's /debug/pprof/ endpoints
// serve). Symbolizes the addresses of this process: call it in the process the
// profile was taken in. Internal only if compression fails (out of memory).
[[nodiscard]] absl::StatusOr<std::string> EncodePprof(const Profile& profile);

// The same profile.proto bytes, uncompressed.
std::string EncodeProfileProto(const Profile& profile);

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_PROFILE_H_
