// Go's test/chan/fifo.go: a buffered channel delivers in the order sent, and so do
// unbuffered sends to a chain of goroutines that each take their turn from the
// previous one.
#include <optional>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

constexpr int kN = 10;

using FifoTest = GoProgramTest;

TEST_P(FifoTest, BufferedChannelDeliversInSendOrder) {
  RunProgram([] {
    Channel<int> ch(kN);
    for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.Send(i).ok());
    for (int i = 0; i < kN; ++i) EXPECT_EQ(ch.Recv(), i);
  });
}

// Waits for its turn on `in`, receives one value from `ch`, then passes the turn on.
void Chain(RecvChannel<int> ch, int expected, RecvChannel<int> in, SendChannel<int> out) {
  if (!in.Recv().has_value()) return;
  EXPECT_EQ(ch.Recv(), expected);
  EXPECT_TRUE(out.Send(1).ok());
}

TEST_P(FifoTest, UnbufferedSendsReachTheReceiversInTurnOrder) {
  RunProgram([] {
    Channel<int> ch(0);
    Channel<int> in(0);
    const Channel<int> start = in;
    for (int i = 0; i < kN; ++i) {
      Channel<int> out(0);
      Go([ch, i, in, out] { Chain(ch, i, in, out); });
      in = out;
    }
    ASSERT_TRUE(start.Send(0).ok());
    for (int i = 0; i < kN; ++i) ASSERT_TRUE(ch.Send(i).ok());
    EXPECT_TRUE(in.Recv().has_value());
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(FifoTest);

}  // namespace
}  // namespace troupe::go_chan
