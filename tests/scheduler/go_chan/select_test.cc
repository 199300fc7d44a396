// Go's select programs from test/chan: select.go (switching send cases off with nil
// channels), select3.go (which operations block and which fail), select4.go (a
// ready case wins over an empty one), select6.go (a fiber that left a select is no
// longer waiting on its other channels), select7.go (a select waiting on a channel
// meets plain sends and receives) and select8.go (select with a default).
//
// select2.go (a select loop's memory stays bounded) and select5.go (a generator of
// select programs) are not ported: the first is a measurement, the second emits
// programs rather than testing one.
//
// Where Go's select3 sleeps 10 ms to decide that an operation "blocks", the port
// waits until the fiber dump shows the fiber parked, and such fibers are left
// parked, as Go leaves its goroutines, to be unwound with the runtime. Where it
// decides that an operation does not block, the port waits for the operation's
// fiber with a generous After() timer as the bound.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/timer.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::go_chan {
namespace {

using SelectProgramTest = GoProgramTest;

// ---- select.go ----

// Sends on each of `a` and `b` once, without waiting, evaluating every send
// expression on each round as Go does; a channel that has received is switched off
// by making it nil. Returns how many sends were made.
int SendToEachOnce(Channel<unsigned> a, Channel<unsigned> b, int* evaluations) {
  unsigned shift = 0;
  auto value = [&] {
    ++*evaluations;
    return 1u << shift;
  };
  int sent = 0;
  for (bool more = true; more; ++shift) {
    Select(OnSend(a, value(),
                  [&](absl::Status) {
                    ++sent;
                    a = Channel<unsigned>();
                  }),
           OnSend(b, value(),
                  [&](absl::Status) {
                    ++sent;
                    b = Channel<unsigned>();
                  }),
           OnDefault([&] { more = false; }));
  }
  return sent;
}

TEST_P(SelectProgramTest, NilChannelsSwitchSendCasesOffAndEverySendValueIsEvaluated) {
  RunProgram([] {
    Channel<unsigned> a(1);
    Channel<unsigned> b(1);
    int evaluations = 0;
    EXPECT_EQ(SendToEachOnce(a, b, &evaluations), 2);
    const unsigned av = *a.Recv();
    const unsigned bv = *b.Recv();
    EXPECT_EQ(av | bv, 3u) << "one channel got 1 << 0, the other 1 << 1";
    EXPECT_EQ(SendToEachOnce(a, Channel<unsigned>(), &evaluations), 1);
    EXPECT_EQ(evaluations, 10) << "3 rounds of 2 sends, then 2 rounds of 2";
  });
}

// ---- select3.go ----

// Runs `operation` in a goroutine and expects it to park (and stay parked, until the
// runtime unwinds it).
void ExpectBlocks(const Runtime& runtime, std::function<void()> operation) {
  const uint64_t id = Go([operation = std::move(operation)] { operation(); });
  EXPECT_TRUE(testing::WaitUntilParked(runtime, id)) << "the operation did not block";
}

// Runs `operation` in a goroutine and expects it to finish without blocking.
void ExpectDoesNotBlock(std::function<void()> operation) {
  Channel<int> finished(1);
  Go([operation = std::move(operation), finished] {
    operation();
    (void)finished.Send(1);
  });
  const int fired = Select(OnRecv(finished, [](std::optional<int>) {}),
                           OnRecv(After(testing::kWaitBound), [](std::optional<absl::Time>) {
                             ADD_FAILURE() << "the operation blocked";
                           }));
  EXPECT_EQ(fired, 0);
}

TEST_P(SelectProgramTest, NilUnbufferedAndClosedChannelsBlockOrFailAsInGo) {
  RunProgram([this] {
    const Runtime& rt = runtime();
    Channel<int> nil;
    Channel<int> closed(0);
    ASSERT_TRUE(closed.Close().ok());

    // The nil channel: sends and receives block; select cases on it never fire.
    ExpectBlocks(rt, [nil] { (void)nil.Send(7); });
    ExpectBlocks(rt, [nil] { (void)nil.Recv(); });
    int fired = Select(OnSend(nil, 7, [](absl::Status) {}), OnDefault([] {}));
    EXPECT_EQ(fired, 1);
    fired = Select(OnRecv(nil, [](std::optional<int>) {}), OnDefault([] {}));
    EXPECT_EQ(fired, 1);

    // A buffered send with room does not block.
    ExpectDoesNotBlock([] { EXPECT_TRUE(Channel<int>(1).Send(7).ok()); });

    // A closed channel: receives return at once (Go's zero value and !ok; here
    // nullopt), sends fail (Go panics).
    ExpectDoesNotBlock([closed] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(closed.Recv(), std::nullopt);
        std::optional<int> value;
        EXPECT_EQ(closed.TryRecv(&value), ChannelStatus::kClosed);
      }
    });
    EXPECT_TRUE(absl::IsFailedPrecondition(closed.Send(7)));

    // Unbuffered with no partner, `select {}`, and selects with only nil cases block.
    ExpectBlocks(rt, [] { (void)Channel<int>(0).Recv(); });
    ExpectBlocks(rt, [] { Select(); });
    ExpectBlocks(rt, [nil] { Select(OnRecv(nil, [](std::optional<int>) { ADD_FAILURE(); })); });
    ExpectBlocks(rt, [nil] { Select(OnSend(nil, 7, [](absl::Status) { ADD_FAILURE(); })); });
    ExpectBlocks(rt, [nil] {
      Select(OnRecv(nil, [](std::optional<int>) { ADD_FAILURE(); }),
             OnSend(nil, 7, [](absl::Status) { ADD_FAILURE(); }));
    });
    ExpectBlocks(rt, [] {
      Channel<int> unbuffered(0);
      Select(OnRecv(unbuffered, [](std::optional<int>) { ADD_FAILURE(); }));
    });

    // Selects that can proceed at once do not block.
    ExpectDoesNotBlock([] { EXPECT_EQ(Select(OnDefault([] {})), 0); });
    ExpectDoesNotBlock([nil] {
      EXPECT_EQ(Select(OnRecv(nil, [](std::optional<int>) {}), OnDefault([] {})), 1);
    });
    ExpectDoesNotBlock([nil] {
      EXPECT_EQ(Select(OnSend(nil, 7, [](absl::Status) {}), OnDefault([] {})), 1);
    });
    ExpectDoesNotBlock([] {
      Channel<int> ch(1);
      EXPECT_EQ(Select(OnSend(ch, 7, [](absl::Status s) { EXPECT_TRUE(s.ok()); }),
                       OnDefault([] { ADD_FAILURE(); })),
                0);
    });
    ExpectDoesNotBlock([] {
      Channel<int> ch(1);
      EXPECT_TRUE(ch.Send(7).ok());
      EXPECT_EQ(Select(OnRecv(ch, [](std::optional<int> v) { EXPECT_EQ(v, 7); }),
                       OnDefault([] { ADD_FAILURE(); })),
                0);
    });
    ExpectDoesNotBlock([closed] {
      Select(OnRecv(closed, [](std::optional<int> v) { EXPECT_EQ(v, std::nullopt); }));
    });
    // A send case on a closed channel fires with an error (Go panics).
    fired = Select(OnSend(closed, 7, [](absl::Status s) { EXPECT_TRUE(absl::IsFailedPrecondition(s)); }));
    EXPECT_EQ(fired, 0);

    // A select cannot meet itself on an unbuffered channel.
    ExpectBlocks(rt, [] {
      Channel<int> c(0);
      Select(OnSend(c, 1, [](absl::Status) { ADD_FAILURE(); }),
             OnRecv(c, [](std::optional<int>) { ADD_FAILURE(); }));
    });
  });
}

// ---- select4.go ----

TEST_P(SelectProgramTest, ReadyCaseFiresAndTheOtherIsNotTouched) {
  RunProgram([] {
    Channel<int> ready(1);
    Channel<int> empty(0);
    ASSERT_TRUE(ready.Send(42).ok());
    int x = 0;
    const int fired = Select(OnRecv(empty, [](std::optional<int>) { ADD_FAILURE(); }),
                             OnRecv(ready, [&](std::optional<int> v) { x = v.value_or(-1); }));
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(x, 42);
  });
}

// ---- select6.go ----

TEST_P(SelectProgramTest, FiberThatLeftASelectNoLongerWaitsOnItsOtherCases) {
  RunProgram([] {
    Channel<bool> c1(0), c2(0), c3(0);
    Go([c1] { (void)c1.Recv(); });
    Go([c1, c2, c3] {
      Select(OnRecv(c1, [](std::optional<bool>) { ADD_FAILURE() << "the select took c1"; }),
             OnRecv(c2, [&](std::optional<bool>) { EXPECT_TRUE(c3.Send(true).ok()); }));
      (void)c1.Recv();
    });
    Go([c2] { (void)c2.Send(true); });
    ASSERT_TRUE(c3.Recv().has_value());
    // Both sends are received by plain receives: neither by the finished select.
    ASSERT_TRUE(c1.Send(true).ok());
    ASSERT_TRUE(c1.Send(true).ok());
  });
}

// ---- select7.go ----

using Receiver = void (*)(Channel<int>);
using Sender = void (*)(Receiver);

void RecvPlain(Channel<int> c) { EXPECT_EQ(c.Recv(), 1); }
void RecvInSelect(Channel<int> c) {
  Select(OnRecv(c, [](std::optional<int> v) { EXPECT_EQ(v, 1); }));
}
void RecvInSelectWithAnother(Channel<int> c) {
  Channel<int> other(0);
  Select(OnRecv(c, [](std::optional<int> v) { EXPECT_EQ(v, 1); }),
         OnRecv(other, [](std::optional<int>) { ADD_FAILURE(); }));
}

void SendPlain(Receiver recv) {
  Channel<int> c(0);
  Go([c, recv] { recv(c); });
  EXPECT_TRUE(c.Send(1).ok());
}
void SendInSelect(Receiver recv) {
  Channel<int> c(0);
  Go([c, recv] { recv(c); });
  EXPECT_EQ(Select(OnSend(c, 1, [](absl::Status s) { EXPECT_TRUE(s.ok()); })), 0);
}
void SendInSelectWithAnother(Receiver recv) {
  Channel<int> c(0);
  Go([c, recv] { recv(c); });
  Channel<int> other(0);
  EXPECT_EQ(Select(OnSend(c, 1, [](absl::Status s) { EXPECT_TRUE(s.ok()); }),
                   OnSend(other, 1, [](absl::Status) { ADD_FAILURE(); })),
            0);
}

TEST_P(SelectProgramTest, EveryFormOfSendMeetsEveryFormOfReceive) {
  RunProgram([] {
    for (Receiver recv : {RecvPlain, RecvInSelect, RecvInSelectWithAnother}) {
      for (Sender send : {SendPlain, SendInSelect, SendInSelectWithAnother}) send(recv);
    }
  });
}

// ---- select8.go ----

TEST_P(SelectProgramTest, SelectsWithADefaultLeaveAtOnceOrTakeAReadyCase) {
  RunProgram([] {
    Channel<int> ch(0);
    Go([ch] {
      while (ch.Send(5).ok()) {
      }
    });
    int got = 0;
    EXPECT_EQ(Select(OnRecv(ch, [&](std::optional<int> v) { got = v.value_or(-1); })), 0);
    EXPECT_EQ(got, 5);
    EXPECT_EQ(Select(OnDefault([] {})), 0);
    // Either case may fire here (the sender may not be parked yet); the send case
    // never can, since the only receiver is this select.
    int fired = Select(OnRecv(ch, [](std::optional<int> v) { EXPECT_EQ(v, 5); }),
                       OnDefault([] {}));
    EXPECT_GE(fired, 0);
    int ten = 10;
    fired = Select(OnRecv(ch, [](std::optional<int> v) { EXPECT_EQ(v, 5); }),
                   OnSend(ch, ten, [](absl::Status) { ADD_FAILURE() << "a send was received"; }),
                   OnDefault([] {}));
    EXPECT_NE(fired, 1);
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(SelectProgramTest);

}  // namespace
}  // namespace troupe::go_chan
