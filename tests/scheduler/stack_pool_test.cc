#include "troupe/scheduler/internal/stack_pool.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace troupe::scheduler_internal {
namespace {

constexpr std::size_t kMaxCached = kMaxCachedStacks;

Stack Take(StackPool& pool, StackCache* cache) {
  Stack stack;
  const absl::Status status = pool.Allocate(cache, &stack);
  EXPECT_TRUE(status.ok()) << status;
  return stack;
}

class StackPoolTest : public ::testing::Test {
 protected:
  StackPoolTest() : pool_(4 * PageSize()) {}

  StackPool pool_;
  StackCache cache_a_;
  StackCache cache_b_;
};

TEST_F(StackPoolTest, NewStackIsCountedAndSized) {
  EXPECT_EQ(pool_.stacks_mapped(), 0u);
  Stack stack = Take(pool_, &cache_a_);
  ASSERT_NE(stack.mapping, nullptr);
  EXPECT_EQ(stack.mapping_size, pool_.usable_size() + PageSize());
  EXPECT_EQ(stack.usable_size(), pool_.usable_size());
  EXPECT_EQ(stack.low(), static_cast<char*>(stack.mapping) + PageSize());
  EXPECT_EQ(pool_.stacks_mapped(), 1u);
  pool_.Release(&cache_a_, stack);
}

TEST_F(StackPoolTest, ReleasedStackIsReusedFromSameCache) {
  Stack first = Take(pool_, &cache_a_);
  void* const mapping = first.mapping;
  pool_.Release(&cache_a_, first);
  Stack again = Take(pool_, &cache_a_);
  EXPECT_EQ(again.mapping, mapping);
  EXPECT_EQ(again.mapping_size, first.mapping_size);
  EXPECT_EQ(pool_.stacks_mapped(), 1u);
  pool_.Release(&cache_a_, again);
}

TEST_F(StackPoolTest, MapsOnlyWhenNoFreeStackIsLeft) {
  std::vector<Stack> stacks;
  for (int i = 0; i < 3; ++i) stacks.push_back(Take(pool_, &cache_a_));
  EXPECT_EQ(pool_.stacks_mapped(), 3u);
  std::set<void*> released;
  for (const Stack& stack : stacks) {
    released.insert(stack.mapping);
    pool_.Release(&cache_a_, stack);
  }
  stacks.clear();
  for (int i = 0; i < 3; ++i) {
    stacks.push_back(Take(pool_, &cache_a_));
    EXPECT_EQ(released.count(stacks.back().mapping), 1u) << i;
  }
  EXPECT_EQ(pool_.stacks_mapped(), 3u);
  stacks.push_back(Take(pool_, &cache_a_));  // cache and shared list are empty
  EXPECT_EQ(released.count(stacks.back().mapping), 0u);
  EXPECT_EQ(pool_.stacks_mapped(), 4u);
  for (const Stack& stack : stacks) pool_.Release(&cache_a_, stack);
}

TEST_F(StackPoolTest, NullCacheUsesSharedList) {
  Stack stack = Take(pool_, nullptr);
  void* const mapping = stack.mapping;
  pool_.Release(nullptr, stack);
  // The shared list feeds both cache-less callers and caches.
  Stack again = Take(pool_, nullptr);
  EXPECT_EQ(again.mapping, mapping);
  pool_.Release(nullptr, again);
  Stack via_cache = Take(pool_, &cache_b_);
  EXPECT_EQ(via_cache.mapping, mapping);
  EXPECT_EQ(pool_.stacks_mapped(), 1u);
  pool_.Release(&cache_b_, via_cache);
}

TEST_F(StackPoolTest, OverfullCacheSpillsToSharedListForAnotherCache) {
  std::vector<Stack> stacks;
  for (std::size_t i = 0; i < kMaxCached + 1; ++i) stacks.push_back(Take(pool_, &cache_a_));
  ASSERT_EQ(pool_.stacks_mapped(), kMaxCached + 1);
  std::set<void*> from_a;
  for (const Stack& stack : stacks) {
    from_a.insert(stack.mapping);
    pool_.Release(&cache_a_, stack);  // the last release overfills cache_a_
  }
  ASSERT_EQ(from_a.size(), kMaxCached + 1);

  // cache_a_ kept kMaxCached / 2 and spilled the rest; cache_b_ gets every spilled
  // stack before anything new is mapped.
  const std::size_t spilled = kMaxCached + 1 - kMaxCached / 2;
  std::vector<Stack> taken;
  std::set<void*> seen;
  for (std::size_t i = 0; i < spilled; ++i) {
    taken.push_back(Take(pool_, &cache_b_));
    EXPECT_EQ(from_a.count(taken.back().mapping), 1u) << i;
    EXPECT_TRUE(seen.insert(taken.back().mapping).second) << i << ": handed out twice";
  }
  EXPECT_EQ(pool_.stacks_mapped(), kMaxCached + 1);
  taken.push_back(Take(pool_, &cache_b_));  // the shared list is empty now
  EXPECT_EQ(from_a.count(taken.back().mapping), 0u);
  EXPECT_EQ(pool_.stacks_mapped(), kMaxCached + 2);

  // What cache_a_ kept is still there, and disjoint from what cache_b_ got.
  for (std::size_t i = 0; i < kMaxCached / 2; ++i) {
    Stack stack = Take(pool_, &cache_a_);
    EXPECT_EQ(from_a.count(stack.mapping), 1u) << i;
    EXPECT_TRUE(seen.insert(stack.mapping).second) << i << ": handed out twice";
    taken.push_back(stack);
  }
  EXPECT_EQ(pool_.stacks_mapped(), kMaxCached + 2);
  for (const Stack& stack : taken) pool_.Release(nullptr, stack);
}

TEST_F(StackPoolTest, DrainMovesCacheToSharedList) {
  Stack stack = Take(pool_, &cache_a_);
  pool_.Release(&cache_a_, stack);
  pool_.Drain(cache_a_);
  Stack again = Take(pool_, &cache_b_);
  EXPECT_EQ(again.mapping, stack.mapping);
  EXPECT_EQ(pool_.stacks_mapped(), 1u);
  pool_.Release(&cache_b_, again);
}

// msync fails with ENOMEM on an address range that is not (entirely) mapped.
bool IsMapped(const Stack& stack) {
  return msync(stack.mapping, stack.mapping_size, MS_ASYNC) == 0;
}

TEST(StackPoolLifetimeTest, DestructorUnmapsEveryStack) {
  Stack in_use;
  Stack cached;
  Stack shared;
  {
    StackPool pool(4 * PageSize());
    StackCache cache;
    in_use = Take(pool, &cache);
    cached = Take(pool, &cache);
    shared = Take(pool, nullptr);
    pool.Release(&cache, cached);
    pool.Release(nullptr, shared);
    ASSERT_TRUE(IsMapped(in_use));
    ASSERT_TRUE(IsMapped(cached));
    ASSERT_TRUE(IsMapped(shared));
  }
  EXPECT_FALSE(IsMapped(in_use));
  EXPECT_FALSE(IsMapped(cached));
  EXPECT_FALSE(IsMapped(shared));
}

TEST_F(StackPoolTest, UsableAreaIsWritableEndToEnd) {
  Stack stack = Take(pool_, &cache_a_);
  char* const low = static_cast<char*>(stack.low());
  const std::size_t size = stack.usable_size();
  for (std::size_t i = 0; i < size; i += PageSize()) {
    EXPECT_EQ(low[i], 0) << "a new mapping is zero-filled";
  }
  std::memset(low, 0xA5, size);
  EXPECT_EQ(static_cast<unsigned char>(low[0]), 0xA5);
  EXPECT_EQ(static_cast<unsigned char>(low[size - 1]), 0xA5);
  EXPECT_TRUE(stack.contains_guard(stack.mapping));
  EXPECT_TRUE(stack.contains_guard(low - 1));
  EXPECT_FALSE(stack.contains_guard(low));
  EXPECT_FALSE(stack.contains_guard(low + size - 1));
  pool_.Release(&cache_a_, stack);
}

TEST(StackPoolDeathTest, WritingGuardPageKillsProcess) {
  StackPool pool(4 * PageSize());
  Stack stack = Take(pool, nullptr);
  volatile char* const guard = static_cast<volatile char*>(stack.mapping);
  EXPECT_DEATH(guard[0] = 1, "");
  // The top of the guard, just below the usable area (a stack overflow's first touch).
  volatile char* const below_low = static_cast<volatile char*>(stack.low()) - 1;
  EXPECT_DEATH(*below_low = 1, "");
  pool.Release(nullptr, stack);
}

TEST_F(StackPoolTest, StacksAreCarvedSideBySideFromOneReservation) {
  const std::size_t count = pool_.stacks_per_reservation();
  ASSERT_GT(count, 1u) << "a reservation holds several small stacks";
  std::vector<Stack> stacks;
  for (std::size_t i = 0; i < count; ++i) stacks.push_back(Take(pool_, &cache_a_));
  EXPECT_EQ(pool_.reservations(), 1u);
  for (std::size_t i = 1; i < count; ++i) {
    EXPECT_EQ(static_cast<char*>(stacks[i].mapping),
              static_cast<char*>(stacks[i - 1].mapping) + stacks[i - 1].mapping_size)
        << i;
  }
  stacks.push_back(Take(pool_, &cache_a_));
  EXPECT_EQ(pool_.reservations(), 2u);
  EXPECT_EQ(pool_.stacks_mapped(), count + 1);
  for (const Stack& stack : stacks) pool_.Release(&cache_a_, stack);
}

// The kernel mappings that hold part of `stacks`. Only those: a sanitizer's runtime
// maps shadow memory of its own while the test runs.
int CountMappingsHolding(const std::vector<Stack>& stacks) {
  std::ifstream maps("/proc/self/maps");
  int holding = 0;
  for (std::string line; std::getline(maps, line);) {
    std::uintptr_t low = 0, high = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR, &low, &high) != 2) continue;
    for (const Stack& stack : stacks) {
      const auto begin = reinterpret_cast<std::uintptr_t>(stack.mapping);
      if (begin < high && low < begin + stack.mapping_size) {
        ++holding;
        break;
      }
    }
  }
  return holding;
}

TEST(StackPoolMappingTest, GuardPagesDoNotSplitTheReservationWhereTheKernelAllows) {
  StackPool pool(4 * PageSize());
  Stack first = Take(pool, nullptr);  // learns what the kernel supports
  if (!GuardPagesShareMappings()) {
    GTEST_SKIP() << "no guard regions (Linux < 6.13): each guard page is a mapping";
  }
  std::vector<Stack> stacks;
  for (std::size_t i = 0; i < 4 * pool.stacks_per_reservation(); ++i) {
    stacks.push_back(Take(pool, nullptr));
  }
  // The rest of the first reservation and four more: at most one mapping each
  // (neighbours may even merge), where mprotect would have made two per stack.
  EXPECT_LE(CountMappingsHolding(stacks), 5);
  pool.Release(nullptr, first);
  for (const Stack& stack : stacks) pool.Release(nullptr, stack);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// The sanitizers reserve terabytes of shadow memory, so an address-space limit means
// nothing under them; the plain configuration covers this.
TEST(StackPoolExitTest, ExhaustedAddressSpaceIsResourceExhaustedNotACrash) {
  EXPECT_EXIT(
      {
        StackPool pool(64 * 1024);
        rlimit limit{};
        getrlimit(RLIMIT_AS, &limit);
        // Room for a few reservations beyond what the process has mapped now.
        std::ifstream status("/proc/self/status");
        std::size_t vm_kib = 0;
        for (std::string line; std::getline(status, line);) {
          if (line.rfind("VmSize:", 0) == 0) vm_kib = std::stoul(line.substr(7));
        }
        limit.rlim_cur = (vm_kib + 8 * 1024) * 1024;
        if (setrlimit(RLIMIT_AS, &limit) != 0) _exit(3);
        StackCache cache;
        absl::Status status_of_last;
        std::size_t stacks = 0;
        for (; stacks < 100000; ++stacks) {
          Stack stack;
          status_of_last = pool.Allocate(&cache, &stack);
          if (!status_of_last.ok()) break;
        }
        const bool named = status_of_last.message().find("ulimit -v") != std::string::npos;
        std::fprintf(stderr, "after %zu stacks: %s\n", stacks, status_of_last.ToString().c_str());
        _exit(absl::IsResourceExhausted(status_of_last) && named && stacks > 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "RESOURCE_EXHAUSTED: cannot map fiber stacks");
}
#endif

}  // namespace
}  // namespace troupe::scheduler_internal
