#include "troupe/scheduler/internal/local_run_queue.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {
namespace {

constexpr uint32_t kCapacity = LocalRunQueue::kCapacity;

// The queue only stores and hands back pointers; these records are never run.
class LocalRunQueueTest : public ::testing::Test {
 protected:
  LocalRunQueueTest() : fibers_(3 * kCapacity) {}

  Fiber* F(std::size_t i) { return &fibers_[i]; }

  // Pops everything (run-next first) from `queue`, in order.
  static std::vector<Fiber*> Drain(LocalRunQueue& queue) {
    std::vector<Fiber*> out;
    while (Fiber* fiber = queue.TryPop()) out.push_back(fiber);
    return out;
  }

  std::vector<Fiber> fibers_;
};

TEST_F(LocalRunQueueTest, EmptyQueuePopsNothing) {
  LocalRunQueue queue;
  EXPECT_TRUE(queue.EmptyApprox());
  EXPECT_EQ(queue.SizeApprox(), 0u);
  EXPECT_EQ(queue.TryPop(), nullptr);
}

TEST_F(LocalRunQueueTest, PushPopIsFifo) {
  LocalRunQueue queue;
  for (std::size_t i = 0; i < 10; ++i) ASSERT_TRUE(queue.TryPush(F(i)));
  EXPECT_EQ(queue.SizeApprox(), 10u);
  EXPECT_FALSE(queue.EmptyApprox());
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(queue.TryPop(), F(i)) << "pop #" << i;
  EXPECT_EQ(queue.TryPop(), nullptr);
  EXPECT_TRUE(queue.EmptyApprox());
}

TEST_F(LocalRunQueueTest, RunNextIsPoppedBeforeQueuedFibers) {
  LocalRunQueue queue;
  ASSERT_TRUE(queue.TryPush(F(0)));
  ASSERT_TRUE(queue.TryPush(F(1)));
  EXPECT_EQ(queue.SwapRunNext(F(2)), nullptr);
  EXPECT_EQ(queue.SizeApprox(), 3u);
  EXPECT_EQ(queue.TryPop(), F(2));
  EXPECT_EQ(queue.TryPop(), F(0));
  EXPECT_EQ(queue.TryPop(), F(1));
  EXPECT_EQ(queue.TryPop(), nullptr);
}

TEST_F(LocalRunQueueTest, SwapRunNextReturnsEvictedFiber) {
  LocalRunQueue queue;
  EXPECT_EQ(queue.SwapRunNext(F(0)), nullptr);
  EXPECT_EQ(queue.SwapRunNext(F(1)), F(0));
  EXPECT_EQ(queue.SwapRunNext(F(2)), F(1));
  EXPECT_FALSE(queue.EmptyApprox());
  EXPECT_EQ(queue.TryPop(), F(2));
  EXPECT_EQ(queue.TryPop(), nullptr);
  EXPECT_TRUE(queue.EmptyApprox());
}

TEST_F(LocalRunQueueTest, RunNextOnlyQueueIsNotEmpty) {
  LocalRunQueue queue;
  EXPECT_EQ(queue.SwapRunNext(F(0)), nullptr);
  EXPECT_FALSE(queue.EmptyApprox());
  EXPECT_EQ(queue.SizeApprox(), 1u);
}

TEST_F(LocalRunQueueTest, TryPushFailsWhenFull) {
  LocalRunQueue queue;
  for (uint32_t i = 0; i < kCapacity; ++i) ASSERT_TRUE(queue.TryPush(F(i))) << "push #" << i;
  EXPECT_EQ(queue.SizeApprox(), kCapacity);
  EXPECT_FALSE(queue.TryPush(F(kCapacity)));
  // The run-next slot is separate from the ring.
  EXPECT_EQ(queue.SwapRunNext(F(kCapacity)), nullptr);
  EXPECT_EQ(queue.SizeApprox(), kCapacity + 1);
  // Popping one makes room for exactly one.
  EXPECT_EQ(queue.TryPop(), F(kCapacity));  // run-next
  EXPECT_FALSE(queue.TryPush(F(kCapacity + 1)));
  EXPECT_EQ(queue.TryPop(), F(0));
  EXPECT_TRUE(queue.TryPush(F(kCapacity + 1)));
  EXPECT_FALSE(queue.TryPush(F(kCapacity + 2)));
}

TEST_F(LocalRunQueueTest, TakeHalfForOverflowTakesOldestHalfWhenFull) {
  LocalRunQueue queue;
  for (uint32_t i = 0; i < kCapacity; ++i) ASSERT_TRUE(queue.TryPush(F(i)));
  ASSERT_FALSE(queue.TryPush(F(kCapacity)));
  Fiber* batch[kCapacity / 2] = {};
  ASSERT_EQ(queue.TakeHalfForOverflow(batch), kCapacity / 2);
  for (uint32_t i = 0; i < kCapacity / 2; ++i) EXPECT_EQ(batch[i], F(i)) << "batch[" << i << "]";
  EXPECT_EQ(queue.SizeApprox(), kCapacity / 2);
  // There is room again; the newer half stays, in order, ahead of new pushes.
  ASSERT_TRUE(queue.TryPush(F(kCapacity)));
  const std::vector<Fiber*> rest = Drain(queue);
  ASSERT_EQ(rest.size(), kCapacity / 2 + 1);
  for (uint32_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i], F(kCapacity / 2 + i));
}

TEST_F(LocalRunQueueTest, TakeHalfForOverflowTakesNothingUnlessFull) {
  LocalRunQueue queue;
  Fiber* batch[kCapacity / 2] = {};
  EXPECT_EQ(queue.TakeHalfForOverflow(batch), 0u);
  for (uint32_t i = 0; i + 1 < kCapacity; ++i) ASSERT_TRUE(queue.TryPush(F(i)));
  EXPECT_EQ(queue.TakeHalfForOverflow(batch), 0u);
  EXPECT_EQ(queue.SizeApprox(), kCapacity - 1);
  EXPECT_EQ(queue.TryPop(), F(0));
}

TEST_F(LocalRunQueueTest, StealHalfIntoMovesHalfRoundedUp) {
  for (uint32_t queued : {1u, 2u, 5u, 8u, kCapacity - 1, kCapacity}) {
    SCOPED_TRACE(testing::Message() << "queued = " << queued);
    LocalRunQueue victim;
    LocalRunQueue thief;
    for (uint32_t i = 0; i < queued; ++i) ASSERT_TRUE(victim.TryPush(F(i)));
    const uint32_t expected = queued - queued / 2;

    Fiber* stolen = victim.StealHalfInto(thief, /*include_run_next=*/false);
    ASSERT_NE(stolen, nullptr);
    std::vector<Fiber*> taken = Drain(thief);
    EXPECT_EQ(taken.size(), expected - 1) << "the thief keeps all but the one it runs";
    taken.push_back(stolen);

    // The thief takes the oldest fibers; the victim keeps the newest, in order.
    std::set<Fiber*> taken_set(taken.begin(), taken.end());
    EXPECT_EQ(taken_set.size(), expected);
    for (uint32_t i = 0; i < expected; ++i) EXPECT_EQ(taken_set.count(F(i)), 1u) << i;
    const std::vector<Fiber*> left = Drain(victim);
    ASSERT_EQ(left.size(), queued - expected);
    for (uint32_t i = 0; i < left.size(); ++i) EXPECT_EQ(left[i], F(expected + i));
  }
}

TEST_F(LocalRunQueueTest, StealHalfIntoKeepsStolenFibersInOrder) {
  LocalRunQueue victim;
  LocalRunQueue thief;
  for (uint32_t i = 0; i < 10; ++i) ASSERT_TRUE(victim.TryPush(F(i)));
  Fiber* stolen = victim.StealHalfInto(thief, /*include_run_next=*/false);
  EXPECT_EQ(stolen, F(4));  // the newest of the stolen half runs now
  const std::vector<Fiber*> queued = Drain(thief);
  EXPECT_EQ(queued, (std::vector<Fiber*>{F(0), F(1), F(2), F(3)}));
}

TEST_F(LocalRunQueueTest, StealFromEmptyQueueTakesNothing) {
  LocalRunQueue victim;
  LocalRunQueue thief;
  EXPECT_EQ(victim.StealHalfInto(thief, /*include_run_next=*/false), nullptr);
  EXPECT_EQ(victim.StealHalfInto(thief, /*include_run_next=*/true), nullptr);
  EXPECT_TRUE(thief.EmptyApprox());
}

TEST_F(LocalRunQueueTest, StealTakesRunNextOnlyWhenAskedAndQueueEmpty) {
  LocalRunQueue victim;
  LocalRunQueue thief;
  ASSERT_EQ(victim.SwapRunNext(F(0)), nullptr);

  EXPECT_EQ(victim.StealHalfInto(thief, /*include_run_next=*/false), nullptr);
  EXPECT_FALSE(victim.EmptyApprox()) << "run-next must stay without include_run_next";

  // With a queued fiber, the queue is stolen from and run-next stays.
  ASSERT_TRUE(victim.TryPush(F(1)));
  EXPECT_EQ(victim.StealHalfInto(thief, /*include_run_next=*/true), F(1));
  EXPECT_TRUE(thief.EmptyApprox());

  // Queue empty now: run-next goes with include_run_next.
  EXPECT_EQ(victim.StealHalfInto(thief, /*include_run_next=*/true), F(0));
  EXPECT_TRUE(thief.EmptyApprox());
  EXPECT_TRUE(victim.EmptyApprox());
  EXPECT_EQ(victim.TryPop(), nullptr);
}

// The ring index and the free-running counters wrap many times; order and capacity
// must not change. (The 32-bit counters themselves are private; 2^32 is a multiple
// of kCapacity, so the ring index is continuous across their wrap.)
TEST_F(LocalRunQueueTest, ManyMoreOperationsThanCapacityKeepFifoAndCapacity) {
  LocalRunQueue queue;
  const std::size_t n = fibers_.size();
  std::size_t next_push = 0;
  std::size_t next_pop = 0;
  uint32_t size = 0;
  for (int round = 0; round < 2'000; ++round) {
    // Vary the fill level so the queue is sometimes full, sometimes empty.
    const uint32_t pushes = static_cast<uint32_t>((round * 37) % (kCapacity + 1));
    for (uint32_t i = 0; i < pushes; ++i) {
      const bool pushed = queue.TryPush(F(next_push % n));
      ASSERT_EQ(pushed, size < kCapacity) << "round " << round << " size " << size;
      if (!pushed) break;
      ++next_push;
      ++size;
    }
    ASSERT_EQ(queue.SizeApprox(), size);
    const uint32_t pops = static_cast<uint32_t>((round * 53) % (kCapacity + 1));
    for (uint32_t i = 0; i < pops; ++i) {
      Fiber* fiber = queue.TryPop();
      if (size == 0) {
        ASSERT_EQ(fiber, nullptr);
        break;
      }
      ASSERT_EQ(fiber, F(next_pop % n)) << "round " << round;
      ++next_pop;
      --size;
    }
  }
  EXPECT_GT(next_push, std::size_t{100} * kCapacity);
  while (Fiber* fiber = queue.TryPop()) ASSERT_EQ(fiber, F(next_pop++ % n));
  EXPECT_EQ(next_pop, next_push);
}

TEST_F(LocalRunQueueTest, OverflowAndStealAfterManyWraps) {
  LocalRunQueue queue;
  LocalRunQueue thief;
  Fiber* batch[kCapacity / 2];
  for (int round = 0; round < 1'000; ++round) {
    for (uint32_t i = 0; i < kCapacity; ++i) ASSERT_TRUE(queue.TryPush(F(i)));
    ASSERT_FALSE(queue.TryPush(F(kCapacity)));
    ASSERT_EQ(queue.TakeHalfForOverflow(batch), kCapacity / 2);
    ASSERT_EQ(batch[0], F(0));
    ASSERT_EQ(batch[kCapacity / 2 - 1], F(kCapacity / 2 - 1));
    ASSERT_EQ(queue.StealHalfInto(thief, false), F(kCapacity / 2 + kCapacity / 4 - 1));
    ASSERT_EQ(thief.SizeApprox(), kCapacity / 4 - 1);
    ASSERT_EQ(thief.TryPop(), F(kCapacity / 2));
    while (thief.TryPop() != nullptr) {
    }
    ASSERT_EQ(queue.TryPop(), F(kCapacity / 2 + kCapacity / 4));
    while (queue.TryPop() != nullptr) {
    }
  }
}

// One owner pushes (handling overflow), pops and swaps run-next; thieves steal into
// their own queues and drain them. Every fiber must be taken exactly once.
TEST(LocalRunQueueStressTest, EveryFiberIsTakenExactlyOnce) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t kFibers = 40'000;
#else
  constexpr std::size_t kFibers = 200'000;
#endif
  constexpr int kThieves = 3;
  std::vector<Fiber> fibers(kFibers);
  std::vector<std::atomic<int>> taken(kFibers);
  for (auto& count : taken) count.store(0, std::memory_order_relaxed);
  std::atomic<std::size_t> taken_total{0};
  auto take = [&](Fiber* fiber) {
    ASSERT_NE(fiber, nullptr);
    const std::size_t index = static_cast<std::size_t>(fiber - fibers.data());
    ASSERT_LT(index, kFibers);
    taken[index].fetch_add(1, std::memory_order_relaxed);
    taken_total.fetch_add(1, std::memory_order_relaxed);  // read after the joins
  };

  LocalRunQueue victim;
  std::atomic<std::size_t> steals{0};
  std::atomic<std::size_t> overflows{0};

  // Set by the owner once it has pushed everything and found the queue empty; with
  // the owner done, an empty queue stays empty, so the loops end by count even if a
  // fiber were lost (the checks below then fail instead of the test hanging).
  std::atomic<bool> owner_done{false};

  std::vector<std::thread> thieves;
  for (int t = 0; t < kThieves; ++t) {
    thieves.emplace_back([&, t] {
      LocalRunQueue own;
      uint64_t round = 0;
      while (true) {
        const bool done = owner_done.load(std::memory_order_acquire);
        const bool include_run_next = (++round + t) % 2 == 0 || done;
        if (Fiber* fiber = victim.StealHalfInto(own, include_run_next)) {
          steals.fetch_add(1, std::memory_order_relaxed);
          take(fiber);
          while (Fiber* queued = own.TryPop()) take(queued);
        } else if (done) {
          break;
        } else {
          std::this_thread::yield();
        }
      }
      EXPECT_TRUE(own.EmptyApprox());
    });
  }

  std::thread owner([&] {
    Fiber* batch[kCapacity / 2];
    auto push = [&](Fiber* fiber) {
      while (!victim.TryPush(fiber)) {
        const uint32_t count = victim.TakeHalfForOverflow(batch);
        if (count > 0) overflows.fetch_add(1, std::memory_order_relaxed);
        for (uint32_t i = 0; i < count; ++i) take(batch[i]);
        // count == 0: a thief made room; retry the push.
      }
    };
    for (std::size_t i = 0; i < kFibers; ++i) {
      if (i % 7 == 0) {
        if (Fiber* evicted = victim.SwapRunNext(&fibers[i])) push(evicted);
      } else {
        push(&fibers[i]);
      }
      if (i % 3 == 0) {
        if (Fiber* fiber = victim.TryPop()) take(fiber);
      }
    }
    while (Fiber* fiber = victim.TryPop()) take(fiber);
    owner_done.store(true, std::memory_order_release);  // pairs with the thieves' acquire
  });

  owner.join();
  for (auto& thief : thieves) thief.join();

  EXPECT_EQ(taken_total.load(), kFibers);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < kFibers; ++i) {
    const int count = taken[i].load(std::memory_order_relaxed);
    if (count != 1 && ++wrong <= 10) ADD_FAILURE() << "fiber #" << i << " taken " << count << " times";
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_TRUE(victim.EmptyApprox());
  // Not assertions on the interleaving; printed to see what the run exercised.
  std::printf("steals: %zu, overflows: %zu\n", steals.load(), overflows.load());
}

}  // namespace
}  // namespace troupe::scheduler_internal
