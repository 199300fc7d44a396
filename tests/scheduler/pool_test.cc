#include "troupe/scheduler/pool.h"

#include <atomic>
#include <memory>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using PoolTest = testing::RuntimeTest;

TEST_P(PoolTest, ReusesWhatWasPutOnTheSameProcessor) {
  std::atomic<int> made{0};
  Pool<int> pool([&] {
    made.fetch_add(1);
    return std::make_unique<int>(0);
  });
  RunInFiber([&] {
    std::unique_ptr<int> first = pool.Get();
    int* address = first.get();
    *first = 7;
    pool.Put(std::move(first));
    std::unique_ptr<int> again = pool.Get();  // no switch in between: same processor
    EXPECT_EQ(again.get(), address);
    EXPECT_EQ(*again, 7);  // Put does not reset
    pool.Put(std::move(again));
  });
  EXPECT_EQ(made.load(), 1);
}

TEST_P(PoolTest, MakesNewObjectsWhenEmptyAndBoundsWhatItKeeps) {
  std::atomic<int> made{0};
  Pool<int> pool(
      [&] {
        made.fetch_add(1);
        return std::make_unique<int>(0);
      },
      /*capacity_per_shard=*/1);
  RunInFiber([&] {
    std::vector<std::unique_ptr<int>> taken;
    for (int i = 0; i < 100; ++i) taken.push_back(pool.Get());
    EXPECT_EQ(made.load(), 100);
    // Keeps 1 in the shard and 16 x 1 in the overflow list; destroys the other 83.
    for (auto& item : taken) pool.Put(std::move(item));
    std::set<int*> distinct;
    std::vector<std::unique_ptr<int>> again;
    for (int i = 0; i < 100; ++i) {
      again.push_back(pool.Get());
      distinct.insert(again.back().get());
    }
    EXPECT_EQ(made.load(), 100 + 83);
    EXPECT_EQ(distinct.size(), 100u);
  });
}

TEST_P(PoolTest, ObjectsPutOnOneProcessorServeAnother) {
  // A producer gets on its processor and a consumer puts on another: the overflow
  // list carries objects back, so making stops once the pool is warm.
  std::atomic<int> made{0};
  Pool<int> pool([&] {
    made.fetch_add(1);
    return std::make_unique<int>(0);
  });
  RunInFiber([&] {
    for (int round = 0; round < 50; ++round) {
      std::vector<std::unique_ptr<int>> batch;
      for (int i = 0; i < 32; ++i) batch.push_back(pool.Get());
      JoinHandle consumer = Spawn([&] {
        for (auto& item : batch) pool.Put(std::move(item));
      });
      ASSERT_TRUE(consumer.Join().ok());
    }
  });
  EXPECT_LE(made.load(), 64 * 4);
}

TEST_P(PoolTest, ManyFibersShareAPoolSafely) {
  Pool<std::vector<int>> pool([] { return std::make_unique<std::vector<int>>(); });
  std::atomic<int64_t> total{0};
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int f = 0; f < 100; ++f) {
      handles.push_back(Spawn([&, f] {
        for (int i = 0; i < 100; ++i) {
          std::unique_ptr<std::vector<int>> buffer = pool.Get();
          buffer->assign(10, f);
          int64_t sum = 0;
          for (int v : *buffer) sum += v;
          total.fetch_add(sum, std::memory_order_relaxed);
          pool.Put(std::move(buffer));
        }
      }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(total.load(), int64_t{10} * 100 * (99 * 100 / 2));
}

TEST_P(PoolTest, PlainThreadsCanUseIt) {
  Pool<int> pool([] { return std::make_unique<int>(1); });
  std::unique_ptr<int> item = pool.Get();
  EXPECT_EQ(*item, 1);
  pool.Put(std::move(item));
  pool.Put(nullptr);  // ignored
}

TROUPE_INSTANTIATE_OVER_PROCS(PoolTest);

}  // namespace
}  // namespace troupe
