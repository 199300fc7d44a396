#include "troupe/profiling/internal/contention_table.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "troupe/profiling/internal/stack_walk.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::profiling_internal {

void ContentionTable::Add(ContentionKey key, double count, double delay_ns) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    if (counts_.size() >= kMaxEntries) {
      ++dropped_;
      return;
    }
    it = counts_.emplace(std::move(key), ContentionTotals{}).first;
  }
  it->second.count += count;
  it->second.delay_ns += delay_ns;
}

ContentionCounts ContentionTable::Counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

uint64_t ContentionTable::Dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

ContentionKey CaptureKey(const void* frame, const char* reason, const void* labels) {
  constexpr int kMaxDepth = 64;
  uint64_t stack[kMaxDepth];
  const int depth = WalkCallersOfFrame(frame, CurrentStackRange(), stack, kMaxDepth);
  return ContentionKey{std::vector<uint64_t>(stack, stack + depth), reason, labels};
}

uint64_t RandomBelow(uint64_t bound) {
  // xorshift64*, seeded per thread from its state's address and the clock.
  thread_local uint64_t state =
      (reinterpret_cast<uint64_t>(&state) ^ static_cast<uint64_t>(absl::GetCurrentTimeNanos())) | 1;
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return (state * 0x2545F4914F6CDD1DULL) % bound;
}

profiling::Profile ContentionProfile(const ContentionTable& table,
                                     const ContentionCounts& counts,
                                     const ContentionCounts* before, std::string description) {
  profiling::Profile profile;
  profile.sample_types = {{"contentions", "count"}, {"delay", "nanoseconds"}};
  profile.period_type = {"contentions", "count"};
  profile.period = 1;
  profile.time_nanos = absl::ToUnixNanos(absl::Now());
  profile.comments.push_back(std::move(description));
  if (const uint64_t dropped = table.Dropped(); dropped > 0) {
    profile.comments.push_back(
        absl::StrCat("troupe: ", dropped, " events dropped (the profile's table is full)"));
  }
  for (const auto& [key, totals] : counts) {
    ContentionTotals grown = totals;
    if (before != nullptr) {
      if (auto it = before->find(key); it != before->end()) {
        grown.count -= it->second.count;
        grown.delay_ns -= it->second.delay_ns;
      }
    }
    const int64_t count = std::llround(grown.count);
    if (count <= 0) continue;
    profiling::ProfileSample sample;
    sample.stack = key.stack;
    sample.values = {count, std::llround(grown.delay_ns)};
    if (key.reason != nullptr) sample.labels.emplace_back("wait_reason", key.reason);
    if (key.labels != nullptr) {
      const auto& labels = static_cast<const profiling::LabelSet*>(key.labels)->labels();
      sample.labels.insert(sample.labels.end(), labels.begin(), labels.end());
    }
    profile.samples.push_back(std::move(sample));
  }
  return profile;
}

profiling::Profile ContentionProfileSince(const ContentionTable& table,
                                          const ContentionCounts& before, absl::Time start,
                                          std::string description) {
  profiling::Profile profile = ContentionProfile(table, table.Counts(), &before, std::move(description));
  profile.time_nanos = absl::ToUnixNanos(start);
  profile.duration_nanos = absl::ToInt64Nanoseconds(absl::Now() - start);
  return profile;
}

absl::StatusOr<profiling::Profile> ContentionProfileFor(const ContentionTable& table,
                                                        absl::Duration duration,
                                                        const Context& context,
                                                        std::string description) {
  const ContentionCounts before = table.Counts();
  const absl::Time start = absl::Now();
  if (absl::Status slept = this_fiber::SleepFor(duration, context); !slept.ok()) return slept;
  return ContentionProfileSince(table, before, start, std::move(description));
}

}  // namespace troupe::profiling_internal
