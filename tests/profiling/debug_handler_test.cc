// profiling/debug_handler.h: Go's /debug/pprof/ paths answer with an index, profiles
// that parse, and errors that say what is allowed.
#include "troupe/profiling/debug_handler.h"

#include "gtest/gtest.h"
#include "troupe/profiling/cpu_profiler.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::ParseProfile;
using profiling_test::ReadProfile;

using DebugHandlerTest = testing::RuntimeTest;

DebugResponse Get(Runtime& runtime, absl::string_view target) {
  return ServeDebugPprof(runtime, target, Context::Background());
}

TEST_P(DebugHandlerTest, IndexLinksEveryProfile) {
  RunInFiber([&] {
    for (absl::string_view target : {"/debug/pprof", "/debug/pprof/"}) {
      const DebugResponse index = Get(runtime(), target);
      EXPECT_EQ(index.status, 200) << target;
      EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
      for (std::string link : {"href=\"profile?seconds=30\"", "href=\"fiber\"",
                               "href=\"goroutine\""}) {
        EXPECT_NE(index.body.find(link), std::string::npos) << link;
      }
    }
  });
}

TEST_P(DebugHandlerTest, FiberAndGoroutineServeTheFiberProfile) {
  RunInFiber([&] {
    for (absl::string_view target : {"/debug/pprof/fiber", "/debug/pprof/goroutine?x=1"}) {
      const DebugResponse response = Get(runtime(), target);
      ASSERT_EQ(response.status, 200) << target;
      EXPECT_EQ(response.content_type, "application/octet-stream");
      absl::StatusOr<ReadProfile> profile = ParseProfile(response.body);
      ASSERT_TRUE(profile.ok()) << profile.status();
      ASSERT_EQ(profile->sample_types.size(), 1u);
      EXPECT_EQ(profile->sample_types[0].first, "fibers");
      EXPECT_EQ(profile->Sum(0, [](const auto&) { return true; }), 1) << "only this fiber lives";
    }
    const DebugResponse text = Get(runtime(), "/debug/pprof/fiber?debug=1");
    EXPECT_EQ(text.status, 200);
    EXPECT_NE(text.body.find("[running]"), std::string::npos) << text.body;
  });
}

TEST_P(DebugHandlerTest, CpuProfileLastsTheSecondsAskedAndParses) {
  RunInFiber([&] {
    const DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=1&hz=200");
    ASSERT_EQ(response.status, 200) << response.body;
    absl::StatusOr<ReadProfile> profile = ParseProfile(response.body);
    ASSERT_TRUE(profile.ok()) << profile.status();
    EXPECT_EQ(profile->period, 5'000'000);  // 200 Hz
    EXPECT_GE(profile->duration_nanos, 1'000'000'000);
    EXPECT_FALSE(CpuProfileRunning());
  });
}

TEST_P(DebugHandlerTest, BadRequestsSayWhatIsAllowed) {
  RunInFiber([&] {
    DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=0");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "seconds must be an integer in [1, 300]; got \"0\"\n");
    response = Get(runtime(), "/debug/pprof/profile?seconds=1&hz=abc");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(response.body, "hz must be an integer in [1, 1000]; got \"abc\"\n");
    response = Get(runtime(), "/debug/pprof/heap");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, "unknown profile \"heap\"; available: profile, fiber, goroutine\n");
  });
}

TEST_P(DebugHandlerTest, CpuProfileWhileAnotherRunsIsAConflict) {
  ASSERT_TRUE(StartCpuProfile().ok());
  RunInFiber([&] {
    const DebugResponse response = Get(runtime(), "/debug/pprof/profile?seconds=1");
    EXPECT_EQ(response.status, 409);
    EXPECT_EQ(response.body, "could not take a CPU profile: a CPU profile is already running\n");
  });
  EXPECT_TRUE(StopCpuProfile().ok());
}

INSTANTIATE_TEST_SUITE_P(Procs, DebugHandlerTest, ::testing::Values(1, 2), testing::ProcsName);

TEST(DebugHandlerPathTest, ServesOnlyItsPrefix) {
  EXPECT_TRUE(IsDebugPprofPath("/debug/pprof"));
  EXPECT_TRUE(IsDebugPprofPath("/debug/pprof/profile"));
  EXPECT_FALSE(IsDebugPprofPath("/debug/pprofx"));
  EXPECT_FALSE(IsDebugPprofPath("/metrics"));
}

}  // namespace
}  // namespace troupe::profiling
