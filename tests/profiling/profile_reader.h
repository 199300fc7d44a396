// A reader of pprof files for tests: decodes profile.proto (gzipped or not) with a
// protobuf wire-format parser of its own, independent of the encoder under test, and
// resolves each sample's locations to function names.
#ifndef TROUPE_TESTS_PROFILING_PROFILE_READER_H_
#define TROUPE_TESTS_PROFILING_PROFILE_READER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "troupe/profiling/profile.h"

namespace troupe::profiling_test {

struct ReadSample {
  std::vector<std::string> functions;  // innermost first
  std::vector<int64_t> values;
  std::map<std::string, std::string> labels;
  bool HasFunctionContaining(absl::string_view part) const;
};

struct ReadProfile {
  std::vector<std::string> string_table;
  std::vector<std::pair<std::string, std::string>> sample_types;  // (type, unit)
  std::pair<std::string, std::string> period_type;
  int64_t period = 0;
  int64_t duration_nanos = 0;
  std::vector<std::string> comments;
  std::vector<std::string> mapping_files;
  std::vector<ReadSample> samples;

  // Sum of value `index` over the samples for which `match` holds.
  template <typename Match>
  int64_t Sum(int index, Match match) const {
    int64_t total = 0;
    for (const ReadSample& sample : samples) {
      if (match(sample)) total += sample.values.at(index);
    }
    return total;
  }
};

// InvalidArgument naming what is malformed (a truncated field, an id that no
// location or function has, a string index out of range).
absl::StatusOr<ReadProfile> ParseProfile(absl::string_view bytes);

// `profile` encoded by EncodePprof (the code under test) and read back by
// ParseProfile: the encoder's error or the reader's.
absl::StatusOr<ReadProfile> EncodeAndParse(const profiling::Profile& profile);

}  // namespace troupe::profiling_test

#endif  // TROUPE_TESTS_PROFILING_PROFILE_READER_H_
