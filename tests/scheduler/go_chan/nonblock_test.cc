// Go's test/chan/nonblock.go: non-blocking sends and receives (a select with a
// default) on unbuffered and one-slot channels of four element types. A non-blocking
// receive from an empty channel takes the default; a non-blocking send meets a
// parked receiver or a free slot, and a non-blocking receive a parked sender or a
// buffered value.
//
// Go retries each operation up to 10,000 times, paced by a 10 us ticker, until the
// partner goroutine has parked. The port waits for that state itself (the fiber
// dump shows the partner parked) and then expects the first attempt to succeed.
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {
namespace {

// One round of Go's main loop for one element type: `to_receiver` goes to a
// receiving goroutine by a non-blocking send, `from_sender` comes from a sending one
// by a non-blocking receive.
template <typename T>
void ExchangeWithoutBlocking(const Runtime& runtime, int buffer, T to_receiver, T from_sender) {
  Channel<T> c(buffer);
  Channel<bool> strobe(0);
  const auto no_default = [] { ADD_FAILURE() << "the non-blocking operation found no partner"; };

  EXPECT_EQ(Select(OnRecv(c, [](std::optional<T>) { ADD_FAILURE() << "received from nobody"; }),
                   OnDefault([] {})),
            1);

  const uint64_t receiver = Go([c, strobe, to_receiver] {
    EXPECT_EQ(c.Recv(), to_receiver);
    EXPECT_TRUE(strobe.Send(true).ok());
  });
  if (buffer == 0) {
    ASSERT_TRUE(testing::WaitUntilParked(runtime, receiver));
  }
  T value = to_receiver;
  EXPECT_EQ(Select(OnSend(c, value, [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; }),
                   OnDefault(no_default)),
            0);
  EXPECT_TRUE(strobe.Recv().has_value());

  const uint64_t sender = Go([c, strobe, from_sender] {
    EXPECT_TRUE(c.Send(from_sender).ok());
    EXPECT_TRUE(strobe.Send(true).ok());
  });
  if (buffer > 0) {
    EXPECT_TRUE(strobe.Recv().has_value());  // the value is buffered
  } else {
    ASSERT_TRUE(testing::WaitUntilParked(runtime, sender));
  }
  std::optional<T> got;
  EXPECT_EQ(Select(OnRecv(c, [&](std::optional<T> v) { got = std::move(v); }),
                   OnDefault(no_default)),
            0);
  EXPECT_EQ(got, from_sender);
  if (buffer == 0) {
    EXPECT_TRUE(strobe.Recv().has_value());
  }
}

using NonBlockTest = GoProgramTest;

TEST_P(NonBlockTest, NonBlockingOperationsSucceedOnceThePartnerIsReady) {
  RunProgram([this] {
    for (int buffer = 0; buffer < 2; ++buffer) {
      ExchangeWithoutBlocking<int32_t>(runtime(), buffer, 123, 234);
      ExchangeWithoutBlocking<int64_t>(runtime(), buffer, 123456, 234567);
      ExchangeWithoutBlocking<bool>(runtime(), buffer, true, true);
      ExchangeWithoutBlocking<std::string>(runtime(), buffer, "hello", "hello again");
    }
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(NonBlockTest);

}  // namespace
}  // namespace troupe::go_chan
