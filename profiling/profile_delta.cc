#include "troupe/profiling/profile_delta.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace troupe::profiling {

namespace {

// What makes two samples the same bucket: the stack (or pseudo frame) and labels.
struct SampleKey {
  std::vector<uint64_t> stack;
  std::string pseudo_frame;
  std::vector<std::pair<std::string, std::string>> labels;

  bool operator==(const SampleKey& other) const {
    return stack == other.stack && pseudo_frame == other.pseudo_frame && labels == other.labels;
  }
  template <typename H>
  friend H AbslHashValue(H state, const SampleKey& key) {
    return H::combine(std::move(state), key.stack, key.pseudo_frame, key.labels);
  }
};

SampleKey KeyOf(const ProfileSample& sample) {
  return {sample.stack, sample.pseudo_frame, sample.labels};
}

}  // namespace

Profile SubtractProfile(const Profile& profile, const Profile& base) {
  absl::flat_hash_map<SampleKey, const ProfileSample*> base_samples;
  for (const ProfileSample& sample : base.samples) base_samples.emplace(KeyOf(sample), &sample);
  Profile delta;
  delta.sample_types = profile.sample_types;
  delta.period_type = profile.period_type;
  delta.period = profile.period;
  delta.comments = profile.comments;
  delta.time_nanos = base.time_nanos != 0 ? base.time_nanos : profile.time_nanos;
  delta.duration_nanos = base.time_nanos != 0 && profile.time_nanos != 0
                             ? std::max<int64_t>(profile.time_nanos - base.time_nanos, 0)
                             : profile.duration_nanos;
  for (const ProfileSample& sample : profile.samples) {
    ProfileSample grown = sample;
    if (auto it = base_samples.find(KeyOf(sample)); it != base_samples.end()) {
      const std::vector<int64_t>& before = it->second->values;
      for (std::size_t i = 0; i < grown.values.size() && i < before.size(); ++i) {
        grown.values[i] -= before[i];
      }
    }
    const bool any_growth = std::any_of(grown.values.begin(), grown.values.end(),
                                        [](int64_t value) { return value > 0; });
    if (any_growth) delta.samples.push_back(std::move(grown));
  }
  return delta;
}

}  // namespace troupe::profiling
