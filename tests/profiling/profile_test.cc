// profiling/profile.h: EncodePprof writes profile.proto that an independent reader
// (profile_reader.h) decodes back to the same samples, names and labels.
#include "troupe/profiling/profile.h"

#include "gtest/gtest.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/profiling/internal/gzip.h"

namespace troupe::profiling {
namespace {

using profiling_test::ParseProfile;
using profiling_test::ReadProfile;

__attribute__((noinline)) int ProfiledLeafFunction(int x) {
  asm volatile("" : "+r"(x));
  return x + 1;
}

__attribute__((noinline)) int ProfiledCallerFunction(int x) {
  asm volatile("" : "+r"(x));
  return ProfiledLeafFunction(x) * 2;
}

uint64_t InsideOf(int (*function)(int)) { return reinterpret_cast<uint64_t>(function) + 1; }

Profile TwoSampleProfile() {
  Profile profile;
  profile.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  profile.period_type = {"cpu", "nanoseconds"};
  profile.period = 10'000'000;
  profile.duration_nanos = 2'000'000'000;
  profile.comments = {"a comment"};
  ProfileSample deep;
  deep.stack = {InsideOf(&ProfiledLeafFunction), InsideOf(&ProfiledCallerFunction)};
  deep.values = {3, 30'000'000};
  deep.labels = {{"actor", "parser"}, {"stage", "decode"}};
  ProfileSample pseudo;
  pseudo.pseudo_frame = "[running]";
  pseudo.values = {1, 10'000'000};
  profile.samples = {deep, pseudo};
  return profile;
}

TEST(ProfileTest, EncodedProfileDecodesToTheSameSamplesNamesAndLabels) {
  absl::StatusOr<std::string> encoded = EncodePprof(TwoSampleProfile());
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  absl::StatusOr<ReadProfile> read = ParseProfile(*encoded);
  ASSERT_TRUE(read.ok()) << read.status();

  ASSERT_EQ(read->sample_types.size(), 2u);
  EXPECT_EQ(read->sample_types[0], std::make_pair(std::string("samples"), std::string("count")));
  EXPECT_EQ(read->sample_types[1], std::make_pair(std::string("cpu"), std::string("nanoseconds")));
  EXPECT_EQ(read->period_type.first, "cpu");
  EXPECT_EQ(read->period, 10'000'000);
  EXPECT_EQ(read->duration_nanos, 2'000'000'000);
  EXPECT_EQ(read->comments, std::vector<std::string>{"a comment"});

  ASSERT_EQ(read->samples.size(), 2u);
  const auto& deep = read->samples[0];
  ASSERT_EQ(deep.functions.size(), 2u);
  EXPECT_NE(deep.functions[0].find("ProfiledLeafFunction"), std::string::npos) << deep.functions[0];
  EXPECT_NE(deep.functions[1].find("ProfiledCallerFunction"), std::string::npos)
      << deep.functions[1];
  EXPECT_EQ(deep.values, (std::vector<int64_t>{3, 30'000'000}));
  EXPECT_EQ(deep.labels.at("actor"), "parser");
  EXPECT_EQ(deep.labels.at("stage"), "decode");

  const auto& pseudo = read->samples[1];
  EXPECT_EQ(pseudo.functions, std::vector<std::string>{"[running]"});
  EXPECT_TRUE(pseudo.labels.empty());
}

TEST(ProfileTest, MappingsNameTheTestBinary) {
  absl::StatusOr<ReadProfile> read = ParseProfile(EncodeProfileProto(TwoSampleProfile()));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_FALSE(read->mapping_files.empty());
  EXPECT_NE(read->mapping_files[0].find("profile_test"), std::string::npos)
      << read->mapping_files[0];
}

TEST(ProfileTest, GzipRoundTripsAndRejectsTruncatedInput) {
  const std::string data(100'000, 'x');
  absl::StatusOr<std::string> zipped = profiling_internal::Gzip(data);
  ASSERT_TRUE(zipped.ok()) << zipped.status();
  EXPECT_LT(zipped->size(), data.size());
  absl::StatusOr<std::string> unzipped = profiling_internal::Gunzip(*zipped);
  ASSERT_TRUE(unzipped.ok()) << unzipped.status();
  EXPECT_EQ(*unzipped, data);
  EXPECT_EQ(profiling_internal::Gunzip(zipped->substr(0, zipped->size() / 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace troupe::profiling
