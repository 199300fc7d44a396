// Go's test/chancap.go: a channel's length and capacity, and an out-of-range
// capacity stops the program (Go panics "makechan: size out of range"; troupe
// reports a bug through Fatal).
#include <cstddef>
#include <cstdint>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

using ChanCapTest = GoProgramTest;

TEST_P(ChanCapTest, LengthAndCapacityFollowSendsAndMake) {
  RunProgram([] {
    Channel<int> c(10);
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.capacity(), 10u);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Send(i).ok());
    EXPECT_EQ(c.size(), 3u);
    EXPECT_EQ(c.capacity(), 10u);
    c = Channel<int>(0);
    EXPECT_EQ(c.size(), 0u);
    EXPECT_EQ(c.capacity(), 0u);
    c = Channel<int>();
    EXPECT_EQ(c.size(), 0u) << "nil";
    EXPECT_EQ(c.capacity(), 0u) << "nil";
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(ChanCapTest);

TEST(ChanCapDeathTest, CapacityOutOfRangeIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int n = -1;
  EXPECT_DEATH(Channel<int64_t>(static_cast<std::size_t>(n)), "capacity .* out of range");
  EXPECT_DEATH(Channel<int64_t>(std::size_t{1} << 59), "capacity .* out of range");
  EXPECT_DEATH(Channel<int64_t>((std::size_t{1} << 63) - 1), "capacity .* out of range");
}

}  // namespace
}  // namespace troupe::go_chan
