// MailboxRoom: the count of a mailbox, and senders parked while a bounded one is full.
#include "troupe/actors/internal/mailbox_room.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using actors_internal::MailboxRoom;

using MailboxRoomTest = testing::RuntimeTest;

TEST(MailboxRoomCountTest, TryReserveStopsAtTheCapacity) {
  MailboxRoom room(2);
  EXPECT_TRUE(room.bounded());
  EXPECT_TRUE(room.TryReserve());
  EXPECT_TRUE(room.TryReserve());
  EXPECT_FALSE(room.TryReserve());
  room.Take();  // a system message gets in regardless
  EXPECT_EQ(room.count(), 3);
  room.Release(2);
  EXPECT_TRUE(room.TryReserve());
  EXPECT_FALSE(room.TryReserve());
}

TEST(MailboxRoomCountTest, UnboundedOnlyCounts) {
  MailboxRoom room(0);
  EXPECT_FALSE(room.bounded());
  for (int i = 0; i < 1000; ++i) room.Take();
  EXPECT_EQ(room.count(), 1000);
  room.Release(1000);
  EXPECT_EQ(room.count(), 0);
}

// Nothing is released while the sender waits: the wait ends on its timeout, and the
// limit rises until the next Release, so the following senders do not wait again.
TEST_P(MailboxRoomTest, ASoftBoundWaitOnAStalledReceiverRaisesTheLimit) {
  constexpr int64_t kLimit = MailboxRoom::kSoftLimit;
  MailboxRoom room(0);
  for (int64_t i = 0; i < kLimit - 1; ++i) room.Take();
  EXPECT_FALSE(room.deep());
  room.Take();
  EXPECT_TRUE(room.deep());
  RunInFiber([&] { room.WaitUntilShallow(); });  // returns after kStallTimeoutNs
  EXPECT_FALSE(room.deep());
  for (int64_t i = 0; i < kLimit; ++i) room.Take();
  EXPECT_TRUE(room.deep());  // raised by kSoftLimit, once
  room.Release(1);           // the receiver moves: back to kSoftLimit
  EXPECT_TRUE(room.deep());
  room.Release(2 * kLimit - 1);
  EXPECT_EQ(room.count(), 0);
  EXPECT_FALSE(room.deep());
}

TEST_P(MailboxRoomTest, ASoftBoundWaitEndsWhenTheReceiverMakesRoom) {
  constexpr int64_t kLimit = MailboxRoom::kSoftLimit;
  MailboxRoom room(0);
  for (int64_t i = 0; i < kLimit; ++i) room.Take();
  RunInFiber([&] {
    std::atomic<bool> returned{false};
    JoinHandle sender = Spawn([&] {
      room.WaitUntilShallow();
      returned.store(true);
    });
    // A stall (kStallTimeoutNs, 1 ms) may end the wait before the room is made, on a
    // loaded machine: then there is nothing left to wait for.
    ASSERT_TRUE(testing::WaitUntil(
        [&] { return returned.load() || testing::IsParked(runtime(), sender.id(), "mailbox deep"); },
        "the sender parks on the deep mailbox (or stalls out)"));
    room.Release(room.batch());
    ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_FALSE(room.deep());
}

TEST_P(MailboxRoomTest, AParkedSenderIsHandedTheFreedSlot) {
  MailboxRoom room(1);
  RunInFiber([&] {
    ASSERT_TRUE(room.TryReserve());
    JoinHandle sender = Spawn([&] { EXPECT_TRUE(room.Reserve(Context::Background()).ok()); });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), sender.id(), "mailbox full"));
    room.Release(1);
    ASSERT_TRUE(sender.Join().ok());  // its Reserve succeeded: it got the slot
  });
  EXPECT_EQ(room.count(), 1);  // the slot passed to the sender, not freed and retaken twice
}

TEST_P(MailboxRoomTest, CancellingTheContextEndsAParkedSendWithoutASlot) {
  MailboxRoom room(1);
  RunInFiber([&] {
    ASSERT_TRUE(room.TryReserve());
    ContextWithCancel child = WithCancel(Context::Background());
    JoinHandle sender = Spawn([&] {
      EXPECT_EQ(room.Reserve(child.context).code(), absl::StatusCode::kCancelled);
    });
    ASSERT_TRUE(testing::WaitUntilParked(runtime(), sender.id(), "mailbox full"));
    child.cancel.Cancel();
    ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_EQ(room.count(), 1);
  room.Release(1);
  EXPECT_EQ(room.count(), 0);
}

TEST_P(MailboxRoomTest, CloseLetsEveryParkedSenderThrough) {
  constexpr int kSenders = 10;
  MailboxRoom room(1);
  RunInFiber([&] {
    ASSERT_TRUE(room.TryReserve());
    std::vector<JoinHandle> senders;
    for (int i = 0; i < kSenders; ++i) {
      senders.push_back(Spawn([&] { EXPECT_TRUE(room.Reserve(Context::Background()).ok()); }));
    }
    ASSERT_TRUE(testing::WaitUntilParkedCount(runtime(), kSenders, "mailbox full"));
    room.Close();
    for (JoinHandle& sender : senders) ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_EQ(room.count(), 1 + kSenders);  // past the capacity: the actor has stopped
}

// Many senders against a small capacity and a receiver that gives room back in
// batches: every reservation completes (no lost wake-up) and the count never passes
// the capacity.
TEST_P(MailboxRoomTest, ManySendersSmallCapacityNoLostWakeUp) {
  constexpr int kSenders = 8;
  constexpr int64_t kPerSender = 2000;
  constexpr int64_t kCapacity = 16;
  MailboxRoom room(kCapacity);
  std::atomic<int64_t> reserved{0};
  std::atomic<bool> overfull{false};
  RunInFiber([&] {
    std::vector<JoinHandle> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.push_back(Spawn([&] {
        for (int64_t i = 0; i < kPerSender; ++i) {
          ASSERT_TRUE(room.Reserve(Context::Background()).ok());
          if (room.count() > kCapacity) overfull.store(true);
          reserved.fetch_add(1);
        }
      }));
    }
    // The receiver: gives back what was reserved, a batch at a time, and all of it
    // when it has caught up, as an actor does before it sleeps.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    int64_t released = 0;
    while (released < kSenders * kPerSender && absl::Now() < give_up) {
      const int64_t waiting = reserved.load() - released;
      if (waiting == 0) {
        this_fiber::Yield();
        continue;
      }
      const int64_t take = std::min(waiting, room.batch());
      room.Release(take);
      released += take;
    }
    EXPECT_EQ(released, kSenders * kPerSender) << "senders stuck; count " << room.count();
    if (released < kSenders * kPerSender) room.Close();  // let them finish
    for (JoinHandle& sender : senders) ASSERT_TRUE(sender.Join().ok());
  });
  EXPECT_FALSE(overfull.load());
  EXPECT_EQ(room.count(), 0);
}

TROUPE_INSTANTIATE_OVER_PROCS(MailboxRoomTest);

}  // namespace
}  // namespace troupe
