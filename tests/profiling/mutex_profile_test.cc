// profiling/mutex_profile.h: contention on a Mutex is charged to the holder's stack
// (the caller of the Unlock that woke the waiter), with at least the time the waiter
// provably waited, and not to the waiter's; with the fraction at 0 nothing is
// recorded; bad settings are refused.
//
// The profile accumulates for the whole process, and the tests run once per number
// of Ps: each run names its holder after its parameter, so that its samples are its
// own.
#include "troupe/profiling/mutex_profile.h"

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/profiling/labels.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/profiling/profile_reader.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::profiling {
namespace {

using profiling_test::EncodeAndParse;
using profiling_test::ReadProfile;
using profiling_test::ReadSample;

int64_t SteadyNanos() {  // the wait protocol's clock (CLOCK_MONOTONIC)
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

__attribute__((noinline)) void LockInWaiter(Mutex& mutex) {
  mutex.Lock();
  asm volatile("");  // keeps the call above from being a tail call
}

__attribute__((noinline)) void UnlockInHolder(Mutex& mutex) {
  mutex.Unlock();
  asm volatile("");
}

__attribute__((noinline)) void UnlockWhileProfileOff(Mutex& mutex) {
  mutex.Unlock();
  asm volatile("");
}

ReadProfile ReadMutexProfile() {
  absl::StatusOr<ReadProfile> read = EncodeAndParse(MutexProfile());
  EXPECT_TRUE(read.ok()) << read.status();
  return read.ok() ? *std::move(read) : ReadProfile{};
}

class MutexProfileTest : public testing::RuntimeTest {
 protected:
  void TearDown() override {
    EXPECT_TRUE(SetMutexProfileFraction(0).ok());
    testing::RuntimeTest::TearDown();
  }

  // This fiber, named `holder`, holds a mutex that a fiber running LockInWaiter
  // waits for, keeps it a while, and releases it through `unlock`. Returns how long
  // the waiter provably waited: from after the dump showed it parked to before the
  // release.
  int64_t ContendAndRelease(const std::string& holder, void (*unlock)(Mutex&)) {
    SetFiberName(holder);
    Mutex mutex;
    mutex.Lock();
    JoinHandle waiter = Spawn([&] {
      LockInWaiter(mutex);
      mutex.Unlock();
    });
    int64_t waited = 0;
    if (testing::WaitUntilParked(runtime(), waiter.id(), "mutex")) {
      const int64_t parked_by = SteadyNanos();
      this_fiber::SleepFor(absl::Milliseconds(20));  // the contention being measured
      waited = SteadyNanos() - parked_by;
    }
    unlock(mutex);
    EXPECT_TRUE(waiter.Join().ok());
    return waited;
  }
};

TEST_P(MutexProfileTest, ContentionIsChargedToTheHoldersStack) {
  ASSERT_TRUE(SetMutexProfileFraction(1).ok());  // every contention
  const std::string holder = absl::StrCat("holder-procs", GetParam());
  RunInFiber([&] {
    const int64_t waited = ContendAndRelease(holder, &UnlockInHolder);

    const ReadProfile profile = ReadMutexProfile();
    ASSERT_EQ(profile.sample_types.size(), 2u);
    EXPECT_EQ(profile.sample_types[0].first, "contentions");
    EXPECT_EQ(profile.sample_types[1].first, "delay");
    const ReadSample* charged = nullptr;
    for (const ReadSample& sample : profile.samples) {
      EXPECT_FALSE(sample.HasFunctionContaining("LockInWaiter"))
          << "contention charged to the waiter's stack";
      auto fiber = sample.labels.find("fiber");
      if (sample.HasFunctionContaining("UnlockInHolder") && fiber != sample.labels.end() &&
          fiber->second == holder) {
        EXPECT_EQ(charged, nullptr) << "one contention, one stack";
        charged = &sample;
      }
    }
    ASSERT_NE(charged, nullptr) << "no sample at the holder's stack";
    EXPECT_EQ(charged->values[0], 1) << "fraction 1 counts each contention once";
    EXPECT_GE(charged->values[1], waited);
  });
}

TEST_P(MutexProfileTest, FractionZeroRecordsNothing) {
  ASSERT_TRUE(SetMutexProfileFraction(0).ok());
  const std::string holder = absl::StrCat("unprofiled-holder-procs", GetParam());
  RunInFiber([&] {
    ContendAndRelease(holder, &UnlockWhileProfileOff);
    for (const ReadSample& sample : ReadMutexProfile().samples) {
      EXPECT_FALSE(sample.HasFunctionContaining("UnlockWhileProfileOff"));
    }
  });
}

TEST(MutexProfileSettingsTest, RefusesNegativeFractionAndIntervalWhileOff) {
  const absl::Status negative = SetMutexProfileFraction(-3);
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(negative.message().find("got -3"), std::string::npos) << negative;
  EXPECT_EQ(MutexProfileFraction(), 0);
  EXPECT_EQ(ProfileMutexFor(absl::Milliseconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

INSTANTIATE_TEST_SUITE_P(Procs, MutexProfileTest, ::testing::Values(1, 2), testing::ProcsName);

}  // namespace
}  // namespace troupe::profiling
