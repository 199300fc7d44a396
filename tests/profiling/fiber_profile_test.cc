// profiling/fiber_profile.h: a fiber parked on a channel shows at its stack, with its
// state, wait reason and labels; fibers with the same stack and labels are grouped.
#include "troupe/profiling/fiber_profile.h"

#include "gtest/gtest.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::ParseProfile;
using profiling_test::ReadProfile;
using profiling_test::ReadSample;

__attribute__((noinline)) void ReceiveInParkedReceiver(Channel<int>& channel) {
  EXPECT_TRUE(channel.Recv().has_value());
  asm volatile("");  // keeps the call above from being a tail call
}

ReadProfile EncodeAndRead(const Profile& profile) {
  absl::StatusOr<std::string> encoded = EncodePprof(profile);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  absl::StatusOr<ReadProfile> read = ParseProfile(encoded.ok() ? *encoded : "");
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? *std::move(read) : ReadProfile{};
}

using FiberProfileTest = testing::RuntimeTest;

TEST_P(FiberProfileTest, ParkedReceiversShowTheirStackStateWaitReasonAndLabels) {
  constexpr int kReceivers = 3;
  RunInFiber([&] {
    Channel<int> channel(0);
    std::vector<JoinHandle> receivers;
    for (int i = 0; i < kReceivers; ++i) {
      receivers.push_back(Spawn([&channel] {
        SetFiberName("receiver");
        ReceiveInParkedReceiver(channel);
      }));
    }
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kReceivers, "channel receive"));

    const ReadProfile profile = EncodeAndRead(FiberProfile(runtime()));
    ASSERT_EQ(profile.sample_types.size(), 1u);
    EXPECT_EQ(profile.sample_types[0].first, "fibers");
    const ReadSample* parked = nullptr;
    for (const ReadSample& sample : profile.samples) {
      if (sample.HasFunctionContaining("ReceiveInParkedReceiver")) parked = &sample;
    }
    ASSERT_NE(parked, nullptr) << "no sample has the receivers' stack";
    EXPECT_EQ(parked->values[0], kReceivers) << "the receivers share one stack: one sample";
    EXPECT_EQ(parked->labels.at("state"), "waiting");
    EXPECT_EQ(parked->labels.at("wait_reason"), "channel receive");
    EXPECT_EQ(parked->labels.at("fiber"), "receiver");

    // This fiber is running: no stack, a pseudo-frame.
    const int64_t running = profile.Sum(0, [](const ReadSample& sample) {
      return sample.functions == std::vector<std::string>{"[running]"} &&
             sample.labels.at("state") == "running";
    });
    EXPECT_EQ(running, 1);

    for (int i = 0; i < kReceivers; ++i) ASSERT_TRUE(channel.Send(i).ok());
    for (JoinHandle& receiver : receivers) ASSERT_TRUE(receiver.Join().ok());
  });
}

INSTANTIATE_TEST_SUITE_P(Procs, FiberProfileTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::profiling
