// Go's test/chan/doubleselect.go: a sender selects among four unbuffered channels,
// each drained by a multiplexer into one channel; every value must arrive exactly
// once (a select that sent must not also have its value taken by another case).
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {
namespace {

// Go runs 100,000 values; the sanitizers slow each switch tenfold.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kValues = 10'000;
#else
constexpr int kValues = 100'000;
#endif

void Sender(int n, SendChannel<int> c1, SendChannel<int> c2, SendChannel<int> c3,
            SendChannel<int> c4) {
  for (int i = 0; i < n; ++i) {
    auto sent = [](absl::Status status) { EXPECT_TRUE(status.ok()) << status; };
    Select(OnSend(c1, i, sent), OnSend(c2, i, sent), OnSend(c3, i, sent),
           OnSend(c4, i, sent));
  }
  for (const SendChannel<int>& c : {c1, c2, c3, c4}) EXPECT_TRUE(c.Close().ok());
}

void Mux(SendChannel<int> out, RecvChannel<int> in, SendChannel<bool> done) {
  for (int v : in) EXPECT_TRUE(out.Send(v).ok());
  EXPECT_TRUE(done.Send(true).ok());
}

using DoubleSelectTest = GoProgramTest;

TEST_P(DoubleSelectTest, EveryValueSentBySelectArrivesExactlyOnce) {
  std::vector<int> seen(kValues, 0);
  RunProgram([&] {
    Channel<int> c1(0), c2(0), c3(0), c4(0);
    Channel<bool> done(0);
    Channel<int> cmux(0);
    Go([c1, c2, c3, c4] { Sender(kValues, c1, c2, c3, c4); });
    for (const Channel<int>& c : {c1, c2, c3, c4}) Go([cmux, c, done] { Mux(cmux, c, done); });
    Go([done, cmux] {
      for (int i = 0; i < 4; ++i) EXPECT_TRUE(done.Recv().has_value());
      EXPECT_TRUE(cmux.Close().ok());
    });
    for (int v : cmux) {
      ASSERT_GE(v, 0);
      ASSERT_LT(v, kValues);
      ++seen[v];
    }
  });
  for (int v = 0; v < kValues; ++v) ASSERT_EQ(seen[v], 1) << "value " << v;
}

TROUPE_GO_PROGRAM_OVER_PROCS(DoubleSelectTest);

}  // namespace
}  // namespace troupe::go_chan
