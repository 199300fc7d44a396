// Go's test/closedchan.go: what every way of sending and receiving does on a closed
// channel, with and without a buffered value left in it. Go runs each check over
// three implementations of one interface (operators, a one-case select, a select
// with an extra never-ready case); the port adds a fourth, the run-time select.
// Go's panics (sending on or closing a closed channel, closing nil) are error
// statuses in troupe.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/dynamic_select.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

// What a non-blocking receive found.
struct TryReceived {
  bool selected = false;        // a case fired (false: the default did)
  std::optional<int> value;     // nullopt: closed and drained
};

// Go's Chan interface.
class ChannelOps {
 public:
  explicit ChannelOps(Channel<int> c) : c_(std::move(c)) {}
  virtual ~ChannelOps() = default;
  virtual std::string Name() const = 0;
  virtual absl::Status Send(int x) = 0;
  // true if sent, false if it would have waited; an error if the channel is closed.
  virtual absl::StatusOr<bool> TrySend(int x) = 0;
  virtual std::optional<int> Recv() = 0;
  virtual TryReceived TryRecv() = 0;
  absl::Status Close() { return c_.Close(); }

 protected:
  Channel<int> c_;
};

// Go's XChan: the channel's own operations.
class Operators final : public ChannelOps {
 public:
  using ChannelOps::ChannelOps;
  std::string Name() const override { return "operators"; }
  absl::Status Send(int x) override { return c_.Send(x); }
  absl::StatusOr<bool> TrySend(int x) override {
    switch (c_.TrySend(std::move(x))) {
      case ChannelStatus::kOk: return true;
      case ChannelStatus::kClosed: return Channel<int>::ClosedForSend();
      default: return false;
    }
  }
  std::optional<int> Recv() override { return c_.Recv(); }
  TryReceived TryRecv() override {
    std::optional<int> value;
    switch (c_.TryRecv(&value)) {
      case ChannelStatus::kOk: return {true, value};
      case ChannelStatus::kClosed: return {true, std::nullopt};
      default: return {false, std::nullopt};
    }
  }
};

// Go's SChan (with_dummy false) and SSChan (true): Select, with an extra case on a
// channel nobody uses.
class StaticSelect final : public ChannelOps {
  // Never fires: nobody sends on the dummy, and a nil dummy is no case at all.
  auto Dummy() {
    return OnRecv(dummy_, [](std::optional<bool>) { ADD_FAILURE() << "the dummy fired"; });
  }

 public:
  StaticSelect(Channel<int> c, bool with_dummy) : ChannelOps(std::move(c)) {
    if (with_dummy) dummy_ = Channel<bool>(0);
  }
  std::string Name() const override { return dummy_.is_nil() ? "select" : "select+dummy"; }
  absl::Status Send(int x) override {
    absl::Status status;
    Select(OnSend(c_, x, [&](absl::Status sent) { status = sent; }), Dummy());
    return status;
  }
  absl::StatusOr<bool> TrySend(int x) override {
    absl::StatusOr<bool> result = false;
    Select(OnDefault([] {}), Dummy(), OnSend(c_, x, [&](absl::Status sent) {
             if (sent.ok()) {
               result = true;
             } else {
               result = sent;
             }
           }));
    return result;
  }
  std::optional<int> Recv() override {
    std::optional<int> result;
    Select(Dummy(), OnRecv(c_, [&](std::optional<int> value) { result = value; }));
    return result;
  }
  TryReceived TryRecv() override {
    TryReceived result;
    Select(Dummy(), OnDefault([] {}), OnRecv(c_, [&](std::optional<int> value) {
             result = {true, value};
           }));
    return result;
  }


 private:
  Channel<bool> dummy_;
};

// The port's own: each operation as a DynamicSelect built at run time.
class RunTimeSelect final : public ChannelOps {
 public:
  using ChannelOps::ChannelOps;
  std::string Name() const override { return "DynamicSelect"; }
  absl::Status Send(int x) override {
    absl::Status status;
    DynamicSelect select;
    AddDummy(select);
    select.AddSend(c_, x, [&](absl::Status sent) { status = sent; });
    select.Run();
    return status;
  }
  absl::StatusOr<bool> TrySend(int x) override {
    absl::StatusOr<bool> result = false;
    DynamicSelect select;
    select.AddSend(c_, x, [&](absl::Status sent) {
      if (sent.ok()) {
        result = true;
      } else {
        result = sent;
      }
    });
    select.AddDefault([] {});
    select.Run();
    return result;
  }
  std::optional<int> Recv() override {
    std::optional<int> result;
    DynamicSelect select;
    AddDummy(select);
    select.AddRecv(c_, [&](std::optional<int> value) { result = value; });
    select.Run();
    return result;
  }
  TryReceived TryRecv() override {
    TryReceived result;
    DynamicSelect select;
    select.AddDefault([] {});
    select.AddRecv(c_, [&](std::optional<int> value) { result = {true, value}; });
    AddDummy(select);
    select.Run();
    return result;
  }

 private:
  void AddDummy(DynamicSelect& select) {
    select.AddRecv(dummy_, [](std::optional<bool>) { ADD_FAILURE() << "the dummy fired"; });
  }
  Channel<bool> dummy_{0};
};

using Maker = std::function<std::unique_ptr<ChannelOps>(Channel<int>)>;
std::vector<Maker> Makers() {
  return {
      [](Channel<int> c) { return std::make_unique<Operators>(c); },
      [](Channel<int> c) { return std::make_unique<StaticSelect>(c, false); },
      [](Channel<int> c) { return std::make_unique<StaticSelect>(c, true); },
      [](Channel<int> c) { return std::make_unique<RunTimeSelect>(c); },
  };
}

// Go's test1: `c` is closed and drained.
void ExpectClosedAndDrained(ChannelOps& c) {
  const std::string name = c.Name();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.Recv(), std::nullopt) << name;
    const TryReceived tried = c.TryRecv();
    EXPECT_TRUE(tried.selected) << name << ": a closed channel is ready";
    EXPECT_EQ(tried.value, std::nullopt) << name;
  }
  EXPECT_TRUE(absl::IsFailedPrecondition(c.TrySend(1).status())) << name;
  EXPECT_EQ(c.Recv(), std::nullopt) << name << ": after a failed send";
  EXPECT_TRUE(absl::IsFailedPrecondition(c.Send(2))) << name;
  EXPECT_EQ(c.Recv(), std::nullopt) << name << ": after a failed send";
}

Channel<int> ClosedUnbuffered() {
  Channel<int> c(0);
  EXPECT_TRUE(c.Close().ok());
  return c;
}

// Go's closedasync: one value buffered, then closed.
Channel<int> ClosedHoldingOne() {
  Channel<int> c(2);
  EXPECT_TRUE(c.Send(1).ok());
  EXPECT_TRUE(c.Close().ok());
  return c;
}

using ClosedChanTest = GoProgramTest;

TEST_P(ClosedChanTest, ClosedChannelReceivesNothingAndRefusesSends) {
  RunProgram([] {
    for (const Maker& make : Makers()) {
      std::unique_ptr<ChannelOps> c = make(ClosedUnbuffered());
      ExpectClosedAndDrained(*c);
    }
  });
}

TEST_P(ClosedChanTest, BufferedValueIsReceivedAfterCloseThenNothing) {
  RunProgram([] {
    for (const Maker& make : Makers()) {
      std::unique_ptr<ChannelOps> blocking = make(ClosedHoldingOne());
      EXPECT_EQ(blocking->Recv(), 1) << blocking->Name();
      ExpectClosedAndDrained(*blocking);

      std::unique_ptr<ChannelOps> non_blocking = make(ClosedHoldingOne());
      const TryReceived tried = non_blocking->TryRecv();
      EXPECT_TRUE(tried.selected) << non_blocking->Name();
      EXPECT_EQ(tried.value, 1) << non_blocking->Name();
      ExpectClosedAndDrained(*non_blocking);
    }
  });
}

TEST_P(ClosedChanTest, ClosingNilOrClosedChannelIsAnError) {
  RunProgram([] {
    EXPECT_TRUE(absl::IsFailedPrecondition(Channel<int>().Close()));
    Channel<int> ch(0);
    ASSERT_TRUE(ch.Close().ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(ch.Close()));
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(ClosedChanTest);

}  // namespace
}  // namespace troupe::go_chan
