// Go's test/chan/goroutines.go: a chain of 10,000 goroutines, each passing on
// what it receives from its right neighbour to its left one; one value sent into
// the rightmost end reaches the leftmost.
#include <optional>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {
namespace {

void PassLeft(SendChannel<int> left, RecvChannel<int> right) {
  std::optional<int> value = right.Recv();
  if (value.has_value()) {
    EXPECT_TRUE(left.Send(*value).ok());
  }
}

using GoroutinesTest = GoProgramTest;

TEST_P(GoroutinesTest, ValueTravelsTheWholeChain) {
  RunProgram([] {
    const int n = testing::kManyFibers;  // Go's 10,000 (fewer under the sanitizers)
    const Channel<int> leftmost(0);
    Channel<int> left = leftmost;
    Channel<int> right = leftmost;
    for (int i = 0; i < n; ++i) {
      right = Channel<int>(0);
      Go([left, right] { PassLeft(left, right); });
      left = right;
    }
    Go([right] { EXPECT_TRUE(right.Send(1).ok()); });
    EXPECT_EQ(leftmost.Recv(), 1);
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(GoroutinesTest);

}  // namespace
}  // namespace troupe::go_chan
