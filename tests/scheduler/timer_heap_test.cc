#include "troupe/scheduler/internal/timer_heap.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/internal/fiber.h"

namespace troupe::scheduler_internal {
namespace {

// Arms `fiber`'s timer in `heap` the way the runtime does: deadline and token first.
void Arm(TimerHeap& heap, Fiber& fiber, int64_t deadline_ns, uint64_t token) {
  fiber.timer.deadline_ns = deadline_ns;
  fiber.timer.token = token;
  heap.Add(&fiber);
}

bool IsArmedIn(const Fiber& fiber, const TimerHeap& heap) {
  return fiber.timer.heap.load(std::memory_order_relaxed) == &heap;
}

TEST(TimerHeapTest, EmptyHeapHasNoEarliestAndNothingExpires) {
  TimerHeap heap;
  EXPECT_EQ(heap.earliest_ns(), 0);
  EXPECT_EQ(heap.size(), 0u);
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(1'000'000, expired);
  EXPECT_TRUE(expired.empty());
  EXPECT_EQ(heap.earliest_ns(), 0);
}

TEST(TimerHeapTest, TakeExpiredReturnsDueTimersInDeadlineOrderWithTokens) {
  TimerHeap heap;
  const std::vector<int64_t> deadlines = {50, 10, 40, 20, 60, 30, 35};
  std::vector<Fiber> fibers(deadlines.size());
  for (std::size_t i = 0; i < deadlines.size(); ++i) {
    Arm(heap, fibers[i], deadlines[i], /*token=*/1000 + 2 * i + 1);
  }
  ASSERT_EQ(heap.size(), deadlines.size());
  EXPECT_EQ(heap.earliest_ns(), 10);

  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(35, expired);  // a deadline equal to now is due
  ASSERT_EQ(expired.size(), 4u);
  const std::vector<std::size_t> order = {1, 3, 5, 6};  // deadlines 10, 20, 30, 35
  for (std::size_t k = 0; k < order.size(); ++k) {
    EXPECT_EQ(expired[k].fiber, &fibers[order[k]]) << "k = " << k;
    EXPECT_EQ(expired[k].token, 1000 + 2 * order[k] + 1) << "k = " << k;
    EXPECT_FALSE(IsArmedIn(fibers[order[k]], heap));
    EXPECT_EQ(fibers[order[k]].timer.index, -1);
  }
  EXPECT_EQ(heap.size(), 3u);
  EXPECT_EQ(heap.earliest_ns(), 40);
  for (std::size_t i : {0, 2, 4}) EXPECT_TRUE(IsArmedIn(fibers[i], heap)) << i;

  // Appends to `out`; nothing more is due yet.
  heap.TakeExpired(39, expired);
  EXPECT_EQ(expired.size(), 4u);

  heap.TakeExpired(1'000, expired);
  ASSERT_EQ(expired.size(), 7u);
  EXPECT_EQ(expired[4].fiber, &fibers[2]);
  EXPECT_EQ(expired[5].fiber, &fibers[0]);
  EXPECT_EQ(expired[6].fiber, &fibers[4]);
  EXPECT_EQ(expired[6].token, 1000u + 2 * 4 + 1);
  EXPECT_EQ(heap.size(), 0u);
  EXPECT_EQ(heap.earliest_ns(), 0);
}

TEST(TimerHeapTest, EqualDeadlinesAllFire) {
  TimerHeap heap;
  std::vector<Fiber> fibers(5);
  for (std::size_t i = 0; i < fibers.size(); ++i) Arm(heap, fibers[i], 100, i);
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(99, expired);
  EXPECT_TRUE(expired.empty());
  heap.TakeExpired(100, expired);
  ASSERT_EQ(expired.size(), fibers.size());
  std::set<Fiber*> fired;
  for (const auto& timer : expired) {
    fired.insert(timer.fiber);
    EXPECT_EQ(timer.token, static_cast<uint64_t>(timer.fiber - fibers.data()));
  }
  EXPECT_EQ(fired.size(), fibers.size());
}

TEST(TimerHeapTest, EarliestTracksMinimum) {
  TimerHeap heap;
  std::vector<Fiber> fibers(4);
  Arm(heap, fibers[0], 50, 1);
  EXPECT_EQ(heap.earliest_ns(), 50);
  Arm(heap, fibers[1], 70, 1);
  EXPECT_EQ(heap.earliest_ns(), 50);
  Arm(heap, fibers[2], 20, 1);
  EXPECT_EQ(heap.earliest_ns(), 20);
  Arm(heap, fibers[3], 30, 1);
  EXPECT_EQ(heap.earliest_ns(), 20);

  TimerHeap::Remove(&fibers[2]);  // the earliest
  EXPECT_EQ(heap.earliest_ns(), 30);
  TimerHeap::Remove(&fibers[1]);  // not the earliest
  EXPECT_EQ(heap.earliest_ns(), 30);

  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(30, expired);
  EXPECT_EQ(heap.earliest_ns(), 50);
  TimerHeap::Remove(&fibers[0]);
  EXPECT_EQ(heap.earliest_ns(), 0);
  EXPECT_EQ(heap.size(), 0u);
}

TEST(TimerHeapTest, RemoveDisarmsArmedTimer) {
  TimerHeap heap;
  std::vector<Fiber> fibers(3);
  Arm(heap, fibers[0], 10, 1);
  Arm(heap, fibers[1], 20, 3);
  Arm(heap, fibers[2], 30, 5);
  TimerHeap::Remove(&fibers[1]);
  EXPECT_FALSE(IsArmedIn(fibers[1], heap));
  EXPECT_EQ(fibers[1].timer.index, -1);
  EXPECT_EQ(heap.size(), 2u);

  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(100, expired);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].fiber, &fibers[0]);
  EXPECT_EQ(expired[1].fiber, &fibers[2]);
}

TEST(TimerHeapTest, RemoveAfterFiredIsNoOp) {
  TimerHeap heap;
  std::vector<Fiber> fibers(3);
  Arm(heap, fibers[0], 10, 1);
  Arm(heap, fibers[1], 20, 3);
  Arm(heap, fibers[2], 30, 5);
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(15, expired);
  ASSERT_EQ(expired.size(), 1u);
  ASSERT_EQ(expired[0].fiber, &fibers[0]);

  TimerHeap::Remove(&fibers[0]);  // fired already
  TimerHeap::Remove(&fibers[0]);  // and again
  EXPECT_EQ(heap.size(), 2u);
  EXPECT_EQ(heap.earliest_ns(), 20);
  EXPECT_TRUE(IsArmedIn(fibers[1], heap));
  EXPECT_TRUE(IsArmedIn(fibers[2], heap));

  Fiber never_armed;
  TimerHeap::Remove(&never_armed);
  EXPECT_EQ(heap.size(), 2u);

  expired.clear();
  heap.TakeExpired(100, expired);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].fiber, &fibers[1]);
  EXPECT_EQ(expired[1].fiber, &fibers[2]);
}

TEST(TimerHeapTest, FiredTimerCanBeArmedAgain) {
  TimerHeap heap;
  Fiber fiber;
  Arm(heap, fiber, 10, 1);
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(10, expired);
  ASSERT_EQ(expired.size(), 1u);
  Arm(heap, fiber, 20, 3);
  EXPECT_EQ(heap.earliest_ns(), 20);
  heap.TakeExpired(20, expired);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[1].fiber, &fiber);
  EXPECT_EQ(expired[1].token, 3u);
}

TEST(TimerHeapTest, RemoveFindsTheHeapHoldingTheTimer) {
  TimerHeap a;
  TimerHeap b;
  std::vector<Fiber> fibers(2);
  Arm(a, fibers[0], 10, 1);
  Arm(b, fibers[1], 5, 1);
  TimerHeap::Remove(&fibers[1]);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(a.earliest_ns(), 10);
  EXPECT_EQ(b.earliest_ns(), 0);
}

// One TakeExpired takes at most kMaxExpiredPerTake timers (so a thread with thousands
// due goes back to its run queue in between), earliest first; the rest stay due.
TEST(TimerHeapTest, TakeExpiredTakesAtMostItsCapEarliestFirstAndLeavesTheRestDue) {
  TimerHeap heap;
  const std::size_t cap = TimerHeap::kMaxExpiredPerTake;
  std::vector<Fiber> fibers(2 * cap + 10);
  for (std::size_t i = 0; i < fibers.size(); ++i) {
    Arm(heap, fibers[i], /*deadline_ns=*/static_cast<int64_t>(fibers.size() - i), i);
  }
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(1'000'000, expired);
  ASSERT_EQ(expired.size(), cap);
  for (std::size_t k = 0; k < cap; ++k) {
    EXPECT_EQ(expired[k].fiber, &fibers[fibers.size() - 1 - k]) << "k = " << k;
  }
  EXPECT_EQ(heap.size(), fibers.size() - cap);
  EXPECT_EQ(heap.earliest_ns(), static_cast<int64_t>(cap + 1));
  heap.TakeExpired(1'000'000, expired);
  heap.TakeExpired(1'000'000, expired);
  EXPECT_EQ(expired.size(), fibers.size());
  EXPECT_EQ(heap.earliest_ns(), 0);
}

// Random adds, removes and expiries against a multiset of (deadline, fiber index).
TEST(TimerHeapTest, RandomOperationsMatchReferenceModel) {
  constexpr int kOperations = 5'000;
  constexpr std::size_t kFibers = 200;
  constexpr int64_t kMaxDeadline = 500;  // small: many equal deadlines
  std::mt19937 random(20240611);
  TimerHeap heap;
  std::vector<Fiber> fibers(kFibers);
  std::vector<uint64_t> tokens(kFibers, 1);
  std::multiset<std::pair<int64_t, std::size_t>> model;
  std::vector<std::size_t> armed;  // fiber indices in the model
  std::vector<std::size_t> idle;   // fiber indices not armed
  for (std::size_t i = 0; i < kFibers; ++i) idle.push_back(i);
  int64_t now = 0;

  auto take_random = [&](std::vector<std::size_t>& from) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random);
    const std::size_t index = from[at];
    from[at] = from.back();
    from.pop_back();
    return index;
  };

  for (int op = 0; op < kOperations; ++op) {
    const int kind = std::uniform_int_distribution<int>(0, 9)(random);
    if (kind < 5 && !idle.empty()) {
      const std::size_t i = take_random(idle);
      const int64_t deadline =
          now + 1 + std::uniform_int_distribution<int64_t>(0, kMaxDeadline)(random);
      tokens[i] += 2;
      Arm(heap, fibers[i], deadline, tokens[i]);
      model.emplace(deadline, i);
      armed.push_back(i);
    } else if (kind < 8 && !armed.empty()) {
      const std::size_t i = take_random(armed);
      TimerHeap::Remove(&fibers[i]);
      ASSERT_EQ(model.erase({fibers[i].timer.deadline_ns, i}), 1u);
      ASSERT_FALSE(IsArmedIn(fibers[i], heap)) << "op " << op;
      idle.push_back(i);
      if (kind == 7) {
        TimerHeap::Remove(&fibers[i]);  // a second Remove changes nothing
      }
    } else {
      now += std::uniform_int_distribution<int64_t>(0, kMaxDeadline / 4)(random);
      std::vector<TimerHeap::Expired> expired;
      heap.TakeExpired(now, expired);
      int64_t previous = 0;
      for (const TimerHeap::Expired& timer : expired) {
        const std::size_t i = static_cast<std::size_t>(timer.fiber - fibers.data());
        ASSERT_LT(i, kFibers);
        const int64_t deadline = fibers[i].timer.deadline_ns;
        EXPECT_LE(deadline, now);
        EXPECT_GE(deadline, previous) << "op " << op << ": out of deadline order";
        previous = deadline;
        EXPECT_EQ(timer.token, tokens[i]);
        ASSERT_EQ(model.erase({deadline, i}), 1u) << "op " << op << ": fired twice or unarmed";
        armed.erase(std::find(armed.begin(), armed.end(), i));
        idle.push_back(i);
        // The fiber later removes its own timer; that must not disturb the heap.
        TimerHeap::Remove(timer.fiber);
      }
      ASSERT_TRUE(model.empty() || model.begin()->first > now) << "op " << op << ": due timer left";
    }
    ASSERT_EQ(heap.size(), model.size()) << "op " << op;
    ASSERT_EQ(heap.earliest_ns(), model.empty() ? 0 : model.begin()->first) << "op " << op;
    for (std::size_t i : armed) ASSERT_TRUE(IsArmedIn(fibers[i], heap)) << "op " << op;
  }

  // Drain: everything left fires in deadline order.
  std::vector<TimerHeap::Expired> expired;
  heap.TakeExpired(now + 2 * kMaxDeadline, expired);
  ASSERT_EQ(expired.size(), model.size());
  auto expected = model.begin();
  for (const TimerHeap::Expired& timer : expired) {
    EXPECT_EQ(timer.fiber->timer.deadline_ns, expected->first);
    ++expected;
  }
  EXPECT_EQ(heap.earliest_ns(), 0);
}

}  // namespace
}  // namespace troupe::scheduler_internal
