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

// Go's 10,000; fewer under the sanitizers. TSan's bookkeeping grows with the number
// of live fibers, so the chain's cost grows with its square there (2,000 took about
// 2 minutes on one processor).
#if defined(__SANITIZE_THREAD__)
constexpr int kChain = 500;
#else
constexpr int kChain = testing::kManyFibers;
#endif

void PassLeft(SendChannel<int> left, RecvChannel<int> right) {
  std::optional<int> value = right.Recv();
  if (value.has_value()) {
    EXPECT_TRUE(left.Send(*value).ok());
  }
}

using GoroutinesTest = GoProgramTest;

TEST_P(GoroutinesTest, ValueTravelsTheWholeChain) {
  RunProgram([] {
    const Channel<int> leftmost(0);
    Channel<int> left = leftmost;
    Channel<int> right = leftmost;
    for (int i = 0; i < kChain; ++i) {
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
