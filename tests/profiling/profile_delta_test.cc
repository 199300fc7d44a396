// profiling/profile_delta.h: a later snapshot of a cumulative profile less an
// earlier one keeps what grew, bucket by bucket (stack, pseudo frame and labels).
#include "troupe/profiling/profile_delta.h"

#include "gtest/gtest.h"

namespace troupe::profiling {
namespace {

ProfileSample Sample(std::vector<uint64_t> stack, std::vector<int64_t> values,
                     std::vector<std::pair<std::string, std::string>> labels = {}) {
  ProfileSample sample;
  sample.stack = std::move(stack);
  sample.values = std::move(values);
  sample.labels = std::move(labels);
  return sample;
}

Profile Contention(std::vector<ProfileSample> samples, int64_t time_nanos) {
  Profile profile;
  profile.sample_types = {{"contentions", "count"}, {"delay", "nanoseconds"}};
  profile.period_type = {"contentions", "count"};
  profile.period = 1;
  profile.time_nanos = time_nanos;
  profile.comments = {"rate 1"};
  profile.samples = std::move(samples);
  return profile;
}

TEST(SubtractProfileTest, KeepsWhatGrewPerStackAndLabels) {
  const Profile before = Contention(
      {Sample({1, 2}, {3, 300}), Sample({1, 2}, {5, 500}, {{"wait_reason", "mutex"}}),
       Sample({9}, {1, 10})},
      1'000);
  const Profile after = Contention(
      {Sample({1, 2}, {4, 450}),                                   // grew
       Sample({1, 2}, {5, 500}, {{"wait_reason", "mutex"}}),       // did not
       Sample({7}, {2, 20}, {{"wait_reason", "channel receive"}}),  // new
       Sample({9}, {1, 10})},                                      // did not
      5'000);
  const Profile delta = SubtractProfile(after, before);
  ASSERT_EQ(delta.samples.size(), 2u);
  EXPECT_EQ(delta.samples[0].stack, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(delta.samples[0].values, (std::vector<int64_t>{1, 150}));
  EXPECT_TRUE(delta.samples[0].labels.empty());
  EXPECT_EQ(delta.samples[1].stack, (std::vector<uint64_t>{7}));
  EXPECT_EQ(delta.samples[1].values, (std::vector<int64_t>{2, 20}));
  EXPECT_EQ(delta.sample_types.size(), 2u);
  EXPECT_EQ(delta.period, 1);
  EXPECT_EQ(delta.comments, after.comments);
  EXPECT_EQ(delta.time_nanos, 1'000);
  EXPECT_EQ(delta.duration_nanos, 4'000);
}

TEST(SubtractProfileTest, PseudoFramesAreBucketsOfTheirOwn) {
  ProfileSample running;
  running.pseudo_frame = "[running]";
  running.values = {2};
  ProfileSample idle = running;
  idle.pseudo_frame = "[idle]";
  Profile before;
  before.sample_types = {{"samples", "count"}};
  before.samples = {running};
  Profile after = before;
  after.samples[0].values = {5};
  after.samples.push_back(idle);
  const Profile delta = SubtractProfile(after, before);
  ASSERT_EQ(delta.samples.size(), 2u);
  EXPECT_EQ(delta.samples[0].pseudo_frame, "[running]");
  EXPECT_EQ(delta.samples[0].values, (std::vector<int64_t>{3}));
  EXPECT_EQ(delta.samples[1].pseudo_frame, "[idle]");
  EXPECT_EQ(delta.samples[1].values, (std::vector<int64_t>{2}));
}

}  // namespace
}  // namespace troupe::profiling
