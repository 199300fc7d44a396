#include "troupe/benchmarks/savina/params.h"

#include "absl/strings/str_cat.h"

namespace troupe::savina {
namespace {

// Counts past this would take hours, or overflow an item count of actors x messages.
constexpr int64_t kMaxCount = 1'000'000'000;

absl::Status InRange(const char* flag, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be in [", min, ", ", max, "]; got ", value));
}

// The first error of `checks`, or OK.
absl::Status FirstError(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& check : checks) {
    if (!check.ok()) return check;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Validate(const PingPongParams& p) {
  return InRange("pingpong_pings", p.pings, 1, kMaxCount);
}

absl::Status Validate(const CountingParams& p) {
  return InRange("counting_messages", p.messages, 1, kMaxCount);
}

absl::Status Validate(const ForkJoinCreateParams& p) {
  return InRange("fjcreate_actors", p.actors, 1, kMaxCount);
}

absl::Status Validate(const ForkJoinThroughputParams& p) {
  return FirstError({InRange("fjthrput_actors", p.actors, 1, 1'000'000),
                     InRange("fjthrput_messages", p.messages, 1, kMaxCount)});
}

absl::Status Validate(const ThreadRingParams& p) {
  return FirstError({InRange("threadring_actors", p.actors, 1, 1'000'000),
                     InRange("threadring_hops", p.hops, 1, kMaxCount)});
}

absl::Status Validate(const ChameneosParams& p) {
  // Two creatures at least: a lone one would wait at the mall for ever.
  return FirstError({InRange("chameneos_creatures", p.creatures, 2, 1'000'000),
                     InRange("chameneos_meetings", p.meetings, 1, kMaxCount)});
}

absl::Status Validate(const BigParams& p) {
  // Savina's generator picks neighbours among 65,536 values.
  return FirstError({InRange("big_actors", p.actors, 1, 65'536),
                     InRange("big_pings", p.pings, 1, kMaxCount)});
}

}  // namespace troupe::savina
