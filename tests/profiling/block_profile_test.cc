// profiling/block_profile.h: a fiber parked on a known channel (or mutex) shows at
// the stack where it parked, with its wait reason and labels, and with at least the
// time it provably waited; with the rate at 0 nothing is recorded; an interval's
// profile (over a duration, or from a BlockProfileInterval on) leaves out what
// happened before it; bad settings are refused.
//
// The profile accumulates for the whole process, and the tests run once per number
// of Ps: each run names its fibers after its parameter, so that its samples are its
// own.
#include "troupe/profiling/block_profile.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::EncodeAndParse;
using profiling_test::ReadProfile;
using profiling_test::ReadSample;

// The clock of the wait protocol's timestamps (CLOCK_MONOTONIC), in nanoseconds.
int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

__attribute__((noinline)) void ReceiveInBlockedReceiver(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");  // keeps the call above from being a tail call
}

__attribute__((noinline)) void ReceiveWhileProfileOff(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");
}

__attribute__((noinline)) void ReceiveBeforeInterval(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");
}

__attribute__((noinline)) void ReceiveInsideInterval(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");
}

__attribute__((noinline)) void LockInBlockedLocker(Mutex& mutex) {
  mutex.Lock();
  asm volatile("");
}

// The samples whose stack has `function` and whose "fiber" label is `fiber`.
std::vector<const ReadSample*> SamplesOf(const ReadProfile& profile, absl::string_view function,
                                         const std::string& fiber) {
  std::vector<const ReadSample*> found;
  for (const ReadSample& sample : profile.samples) {
    auto label = sample.labels.find("fiber");
    if (sample.HasFunctionContaining(function) && label != sample.labels.end() &&
        label->second == fiber) {
      found.push_back(&sample);
    }
  }
  return found;
}

ReadProfile ReadBlockProfile() {
  absl::StatusOr<ReadProfile> read = EncodeAndParse(BlockProfile());
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? *std::move(read) : ReadProfile{};
}

class BlockProfileTest : public testing::RuntimeTest {
 protected:
  void TearDown() override {
    EXPECT_TRUE(SetBlockProfileRate(0).ok());
    testing::RuntimeTest::TearDown();
  }

  std::string FiberName(absl::string_view role) {
    return absl::StrCat(role, "-procs", GetParam());
  }

  // Parks a fiber named `name` in `wait` (which it leaves when `release` runs), keeps
  // it parked on `reason` for a while, and returns how long it provably waited: from
  // after the dump showed it parked to before it was released.
  template <typename Wait, typename Release>
  int64_t ParkAndRelease(const std::string& name, absl::string_view reason, Wait wait,
                         Release release) {
    JoinHandle waiter = Spawn([&] {
      SetFiberName(name);
      wait();
    });
    int64_t waited = 0;
    if (testing::WaitUntilParked(runtime(), waiter.id(), reason)) {
      const int64_t parked_by = SteadyNanos();
      this_fiber::SleepFor(absl::Milliseconds(20));  // the wait being measured
      waited = SteadyNanos() - parked_by;
    }
    release();
    EXPECT_TRUE(waiter.Join().ok());
    return waited;
  }
};

TEST_P(BlockProfileTest, ParkedReceiverShowsAtItsStackWithAtLeastTheTimeItWaited) {
  ASSERT_TRUE(SetBlockProfileRate(1).ok());  // every wait
  const std::string name = FiberName("blocked-receiver");
  RunInFiber([&] {
    Channel<int> channel(0);
    const int64_t waited = ParkAndRelease(
        name, "channel receive", [&] { ReceiveInBlockedReceiver(channel); },
        [&] { ASSERT_TRUE(channel.Send(7).ok()); });

    const ReadProfile profile = ReadBlockProfile();
    ASSERT_EQ(profile.sample_types.size(), 2u);
    EXPECT_EQ(profile.sample_types[0], std::make_pair(std::string("contentions"), std::string("count")));
    EXPECT_EQ(profile.sample_types[1], std::make_pair(std::string("delay"), std::string("nanoseconds")));
    const std::vector<const ReadSample*> samples =
        SamplesOf(profile, "ReceiveInBlockedReceiver", name);
    ASSERT_EQ(samples.size(), 1u) << "one wait, one stack";
    const ReadSample& sample = *samples[0];
    EXPECT_EQ(sample.values[0], 1) << "rate 1 counts each wait once";
    EXPECT_GE(sample.values[1], waited);
    EXPECT_EQ(sample.labels.at("wait_reason"), "channel receive");
    // Innermost frames: the channel's own receive, then the function that called it.
    EXPECT_NE(sample.functions.front().find("troupe::"), std::string::npos)
        << sample.functions.front();
  });
}

TEST_P(BlockProfileTest, ParkedLockerShowsWithReasonMutex) {
  ASSERT_TRUE(SetBlockProfileRate(1).ok());
  const std::string name = FiberName("blocked-locker");
  RunInFiber([&] {
    Mutex mutex;
    mutex.Lock();
    const int64_t waited = ParkAndRelease(
        name, "mutex",
        [&] {
          LockInBlockedLocker(mutex);
          mutex.Unlock();
        },
        [&] { mutex.Unlock(); });

    const ReadProfile profile = ReadBlockProfile();
    const std::vector<const ReadSample*> samples = SamplesOf(profile, "LockInBlockedLocker", name);
    ASSERT_EQ(samples.size(), 1u);
    EXPECT_EQ(samples[0]->values[0], 1);
    EXPECT_GE(samples[0]->values[1], waited);
    EXPECT_EQ(samples[0]->labels.at("wait_reason"), "mutex");
  });
}

TEST_P(BlockProfileTest, RateZeroRecordsNothing) {
  ASSERT_TRUE(SetBlockProfileRate(0).ok());
  const std::string name = FiberName("unprofiled-receiver");
  RunInFiber([&] {
    Channel<int> channel(0);
    ParkAndRelease(
        name, "channel receive", [&] { ReceiveWhileProfileOff(channel); },
        [&] { ASSERT_TRUE(channel.Send(7).ok()); });
    EXPECT_TRUE(SamplesOf(ReadBlockProfile(), "ReceiveWhileProfileOff", name).empty());
  });
}

TEST_P(BlockProfileTest, IntervalProfileLeavesOutEarlierWaits) {
  ASSERT_TRUE(SetBlockProfileRate(1).ok());
  const std::string name = FiberName("earlier-receiver");
  RunInFiber([&] {
    Channel<int> channel(0);
    ParkAndRelease(
        name, "channel receive", [&] { ReceiveBeforeInterval(channel); },
        [&] { ASSERT_TRUE(channel.Send(7).ok()); });
    ASSERT_EQ(SamplesOf(ReadBlockProfile(), "ReceiveBeforeInterval", name).size(), 1u);

    absl::StatusOr<Profile> interval = ProfileBlockingFor(absl::Milliseconds(10));
    ASSERT_TRUE(interval.ok()) << interval.status();
    absl::StatusOr<ReadProfile> read = EncodeAndParse(*interval);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(SamplesOf(*read, "ReceiveBeforeInterval", name).empty());
    EXPECT_GT(read->duration_nanos, 0);
  });
}

TEST_P(BlockProfileTest, IntervalObjectKeepsOnlyWaitsAfterItsConstruction) {
  ASSERT_TRUE(SetBlockProfileRate(1).ok());
  const std::string before_name = FiberName("before-interval-object");
  const std::string inside_name = FiberName("inside-interval-object");
  RunInFiber([&] {
    Channel<int> channel(0);
    ParkAndRelease(
        before_name, "channel receive", [&] { ReceiveBeforeInterval(channel); },
        [&] { ASSERT_TRUE(channel.Send(7).ok()); });
    const BlockProfileInterval interval;
    const int64_t waited = ParkAndRelease(
        inside_name, "channel receive", [&] { ReceiveInsideInterval(channel); },
        [&] { ASSERT_TRUE(channel.Send(8).ok()); });

    absl::StatusOr<ReadProfile> read = EncodeAndParse(interval.Collect());
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(SamplesOf(*read, "ReceiveBeforeInterval", before_name).empty());
    const std::vector<const ReadSample*> inside =
        SamplesOf(*read, "ReceiveInsideInterval", inside_name);
    ASSERT_EQ(inside.size(), 1u);
    EXPECT_EQ(inside[0]->values[0], 1);
    EXPECT_GE(inside[0]->values[1], waited);
    EXPECT_GT(read->duration_nanos, 0);
  });
}

TEST(BlockProfileSettingsTest, RefusesNegativeRateAndIntervalWhileOff) {
  const absl::Status negative = SetBlockProfileRate(-1);
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(negative.message().find("got -1"), std::string::npos) << negative;
  EXPECT_EQ(BlockProfileRate(), 0);
  EXPECT_EQ(ProfileBlockingFor(absl::Milliseconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Procs, BlockProfileTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::profiling
