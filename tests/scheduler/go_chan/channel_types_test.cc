// Go's test/chan/zerosize.go (channels of empty element types), perm.go (a channel's
// direction is checked at compile time) and sendstmt.go (sending on a channel
// received from a channel of channels, in a select).
#include <array>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/select.h"
#include "troupe/tests/scheduler/go_chan/go_program.h"

namespace troupe::go_chan {
namespace {

// ---- perm.go: what each end of a channel allows, as compile-time checks ----

template <typename C, typename = void>
struct CanSend : std::false_type {};
template <typename C>
struct CanSend<C, std::void_t<decltype(std::declval<const C&>().Send(1))>> : std::true_type {};
template <typename C, typename = void>
struct CanRecv : std::false_type {};
template <typename C>
struct CanRecv<C, std::void_t<decltype(std::declval<const C&>().Recv())>> : std::true_type {};
template <typename C, typename = void>
struct CanClose : std::false_type {};
template <typename C>
struct CanClose<C, std::void_t<decltype(std::declval<const C&>().Close())>> : std::true_type {};
template <typename C, typename = void>
struct CanRange : std::false_type {};
template <typename C>
struct CanRange<C, std::void_t<decltype(std::declval<const C&>().begin())>> : std::true_type {};
struct OnValue {
  void operator()(std::optional<int>) const {}
};
struct OnSent {
  void operator()(absl::Status) const {}
};
template <typename C, typename = void>
struct CanSelectRecv : std::false_type {};
template <typename C>
struct CanSelectRecv<C, std::void_t<decltype(OnRecv(std::declval<const C&>(), OnValue()))>>
    : std::true_type {};
template <typename C, typename = void>
struct CanSelectSend : std::false_type {};
template <typename C>
struct CanSelectSend<C, std::void_t<decltype(OnSend(std::declval<const C&>(), 1, OnSent()))>>
    : std::true_type {};

static_assert(CanSend<Channel<int>>::value && CanRecv<Channel<int>>::value);
static_assert(CanSend<SendChannel<int>>::value && !CanRecv<SendChannel<int>>::value,
              "a send-only channel cannot receive");
static_assert(!CanSend<RecvChannel<int>>::value && CanRecv<RecvChannel<int>>::value,
              "a receive-only channel cannot send");
static_assert(CanClose<SendChannel<int>>::value && !CanClose<RecvChannel<int>>::value,
              "only the sending end closes");
static_assert(!CanRange<SendChannel<int>>::value && CanRange<RecvChannel<int>>::value,
              "only the receiving end ranges");
static_assert(CanSelectRecv<RecvChannel<int>>::value && !CanSelectRecv<SendChannel<int>>::value);
static_assert(CanSelectSend<SendChannel<int>>::value && !CanSelectSend<RecvChannel<int>>::value);
// A channel converts to either end; an end converts back to nothing else.
static_assert(std::is_convertible_v<Channel<int>, SendChannel<int>> &&
              std::is_convertible_v<Channel<int>, RecvChannel<int>>);
static_assert(!std::is_convertible_v<SendChannel<int>, Channel<int>> &&
              !std::is_convertible_v<SendChannel<int>, RecvChannel<int>>);
static_assert(!std::is_convertible_v<RecvChannel<int>, Channel<int>> &&
              !std::is_convertible_v<RecvChannel<int>, SendChannel<int>>);

using ChannelTypesTest = GoProgramTest;

// ---- zerosize.go ----

struct Empty {};

template <typename T>
void ExpectCarries(T value) {
  Channel<T> buffered(1);
  ASSERT_TRUE(buffered.Send(value).ok());
  EXPECT_TRUE(buffered.Recv().has_value());
  Channel<T> unbuffered(0);
  Go([unbuffered, value] { EXPECT_TRUE(unbuffered.Send(value).ok()); });
  EXPECT_TRUE(unbuffered.Recv().has_value());
}

TEST_P(ChannelTypesTest, EmptyElementTypesTravelBufferedAndUnbuffered) {
  RunProgram([] {
    ExpectCarries(Empty{});
    ExpectCarries(std::array<char, 0>{});
  });
}

// ---- sendstmt.go ----

TEST_P(ChannelTypesTest, SelectSendsOnAChannelReceivedFromAChannelOfChannels) {
  RunProgram([] {
    Channel<Channel<int>> cc(1);
    Channel<int> c(1);
    ASSERT_TRUE(cc.Send(c).ok());
    // Go's `case <-cc <- 2`: the channel expression is evaluated before the select.
    const int fired = Select(OnSend(*cc.Recv(), 2, [](absl::Status s) { EXPECT_TRUE(s.ok()); }),
                             OnDefault([] { ADD_FAILURE() << "the send would have blocked"; }));
    EXPECT_EQ(fired, 0);
    EXPECT_EQ(c.Recv(), 2);

    Channel<bool> b(1);
    ASSERT_TRUE(b.Send(false || true).ok());
    EXPECT_EQ(b.Recv(), true);
  });
}

TROUPE_GO_PROGRAM_OVER_PROCS(ChannelTypesTest);

}  // namespace
}  // namespace troupe::go_chan
