// Go's test/chan/nonblock.go: non-blocking sends and receives (a select with a
// default) on unbuffered and one-slot channels of four element types. A non-blocking
// receive from an empty channel takes the default; a non-blocking send meets a
// parked receiver or a free slot, and a non-blocking receive a parked sender or a
// buffered value.
//
// Go retries each operation up to 10,000 times, paced by a 10 us ticker (Tick),
// until the partner goroutine has parked; the port does so too, bounded by time
// rather than by a count. It also waits for that state itself (the fiber dump
// shows the partner parked) and then expects the first attempt to succeed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/timer.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {
namespace {

// How the main fiber waits until its non-blocking operation can succeed.
enum class Pacing {
  kPartnerParked,  // until the fiber dump shows the partner parked; then one try
  kTickerRetries,  // Go's way: retry, waiting for two ticks of a 10 us ticker between
};

class Pacer {
 public:
  Pacer(Pacing pacing, const Runtime& runtime) : pacing_(pacing), runtime_(runtime) {
    if (pacing == Pacing::kTickerRetries) ticks_ = Tick(absl::Microseconds(10));
  }

  // Runs `attempt` (a select with a default; true if its channel case fired) until it
  // succeeds, after `partner` (a fiber id; 0: none) has parked if pacing says so.
  // False if it gave up (after testing::kWaitBound).
  bool Until(uint64_t partner, const std::function<bool()>& attempt) {
    if (pacing_ == Pacing::kPartnerParked) {
      if (partner != 0 && !testing::WaitUntilParked(runtime_, partner)) return false;
      return attempt();
    }
    const absl::Time give_up = absl::Now() + testing::kWaitBound;
    while (!attempt()) {
      if (absl::Now() > give_up) return false;
      (void)ticks_.Recv();
      (void)ticks_.Recv();
    }
    return true;
  }

 private:
  Pacing pacing_;
  const Runtime& runtime_;
  RecvChannel<absl::Time> ticks_;  // nil unless retrying
};

// One round of Go's main loop for one element type: `to_receiver` goes to a
// receiving goroutine by a non-blocking send, `from_sender` comes from a sending one
// by a non-blocking receive.
template <typename T>
void ExchangeWithoutBlocking(Pacer& pacer, int buffer, T to_receiver, T from_sender) {
  Channel<T> c(buffer);
  Channel<bool> strobe(0);

  EXPECT_EQ(Select(OnRecv(c, [](std::optional<T>) { ADD_FAILURE() << "received from nobody"; }),
                   OnDefault([] {})),
            1);

  const uint64_t receiver = Go([c, strobe, to_receiver] {
    EXPECT_EQ(c.Recv(), to_receiver);
    EXPECT_TRUE(strobe.Send(true).ok());
  });
  T value = to_receiver;
  EXPECT_TRUE(pacer.Until(buffer == 0 ? receiver : 0, [&] {
    return Select(OnSend(c, value, [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; }),
                  OnDefault([] {})) == 0;
  })) << "the non-blocking send never met the receiver (buffer " << buffer << ")";
  EXPECT_TRUE(strobe.Recv().has_value());

  const uint64_t sender = Go([c, strobe, from_sender] {
    EXPECT_TRUE(c.Send(from_sender).ok());
    EXPECT_TRUE(strobe.Send(true).ok());
  });
  if (buffer > 0) {
    EXPECT_TRUE(strobe.Recv().has_value());  // the value is buffered
  }
  std::optional<T> got;
  EXPECT_TRUE(pacer.Until(buffer == 0 ? sender : 0, [&] {
    return Select(OnRecv(c, [&](std::optional<T> v) { got = std::move(v); }),
                  OnDefault([] {})) == 0;
  })) << "the non-blocking receive never met the sender (buffer " << buffer << ")";
  EXPECT_EQ(got, from_sender);
  if (buffer == 0) {
    EXPECT_TRUE(strobe.Recv().has_value());
  }
}

void RunGoMainLoop(Pacer& pacer) {
  for (int buffer = 0; buffer < 2; ++buffer) {
    ExchangeWithoutBlocking<int32_t>(pacer, buffer, 123, 234);
    ExchangeWithoutBlocking<int64_t>(pacer, buffer, 123456, 234567);
    ExchangeWithoutBlocking<bool>(pacer, buffer, true, true);
    ExchangeWithoutBlocking<std::string>(pacer, buffer, "hello", "hello again");
  }
}

using NonBlockTest = GoProgramTest;

TEST_P(NonBlockTest, FirstNonBlockingAttemptSucceedsOnceThePartnerIsParked) {
  RunProgram([this] {
    Pacer pacer(Pacing::kPartnerParked, runtime());
    RunGoMainLoop(pacer);
  });
}

TEST_P(NonBlockTest, NonBlockingRetriesPacedByATickerSucceed) {
  RunProgram([this] {
    Pacer pacer(Pacing::kTickerRetries, runtime());
    RunGoMainLoop(pacer);
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(NonBlockTest);

}  // namespace
}  // namespace troupe::go_chan
