#include "troupe/scheduler/runtime.h"

#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using testing::kManyFibers;
using testing::RuntimeTest;

TEST_P(RuntimeTest, RunsMainFiberInAFiber) {
  bool in_fiber = false;
  uint64_t id = 0;
  RunInFiber([&] {
    in_fiber = this_fiber::InFiber();
    id = this_fiber::Id();
  });
  EXPECT_TRUE(in_fiber);
  EXPECT_NE(id, 0u);
  EXPECT_FALSE(this_fiber::InFiber());
  EXPECT_EQ(this_fiber::Id(), 0u);
}

TEST_P(RuntimeTest, SpawnsAndJoinsManyFibers) {
  std::atomic<int> count{0};
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < kManyFibers; ++i) {
      handles.push_back(Spawn([&] { count.fetch_add(1, std::memory_order_relaxed); }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(count.load(), kManyFibers);
}

TEST_P(RuntimeTest, PlainThreadSpawnsAndJoins) {
  std::atomic<bool> ran{false};
  JoinHandle handle = runtime().Spawn([&] { ran = this_fiber::InFiber(); });
  EXPECT_TRUE(handle.joinable());
  ASSERT_TRUE(handle.Join().ok());
  EXPECT_TRUE(ran.load());
  EXPECT_FALSE(handle.joinable());
}

TEST_P(RuntimeTest, NestedSpawnsFormATree) {
  // Every fiber spawns two children down to depth 10 (2047 fibers in all), or 8 under
  // ThreadSanitizer (511), which creates each fiber's state from fresh pages.
#if defined(__SANITIZE_THREAD__)
  constexpr int kDepth = 8;
#else
  constexpr int kDepth = 10;
#endif
  std::atomic<int> visited{0};
  struct Tree {
    static void Grow(int depth, std::atomic<int>& visited) {
      visited.fetch_add(1, std::memory_order_relaxed);
      if (depth == 0) return;
      JoinHandle left = Spawn([depth, &visited] { Grow(depth - 1, visited); });
      JoinHandle right = Spawn([depth, &visited] { Grow(depth - 1, visited); });
      ASSERT_TRUE(left.Join().ok());
      ASSERT_TRUE(right.Join().ok());
    }
  };
  RunInFiber([&] { Tree::Grow(kDepth, visited); });
  EXPECT_EQ(visited.load(), (1 << (kDepth + 1)) - 1);
}

TEST_P(RuntimeTest, JoinReportsEscapedException) {
  RunInFiber([&] {
    JoinHandle handle = Spawn([] { throw std::runtime_error("boom"); });
    const uint64_t id = handle.id();
    absl::Status status = handle.Join();
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
    EXPECT_NE(status.message().find("boom"), std::string::npos) << status;
    EXPECT_NE(status.message().find(std::to_string(id)), std::string::npos) << status;
  });
}

TEST_P(RuntimeTest, JoinTwiceIsAnError) {
  RunInFiber([&] {
    JoinHandle handle = Spawn([] {});
    ASSERT_TRUE(handle.Join().ok());
    EXPECT_EQ(handle.Join().code(), absl::StatusCode::kFailedPrecondition);
    JoinHandle empty;
    EXPECT_EQ(empty.Join().code(), absl::StatusCode::kFailedPrecondition);
  });
}

TEST_P(RuntimeTest, DetachedFiberStillRuns) {
  std::atomic<bool> ran{false};
  JoinHandle waiter;
  RunInFiber([&] {
    { JoinHandle dropped = Spawn([&] { ran.store(true); }); }
    // Wait for it through a second fiber that polls (bounded) until it has run.
    waiter = Spawn([&] {
      ASSERT_TRUE(testing::WaitUntil([&] { return ran.load(); }, "the detached fiber has run"));
    });
  });
  ASSERT_TRUE(waiter.Join().ok());
  EXPECT_TRUE(ran.load());
}

TEST_P(RuntimeTest, FiberIdsAreUnique) {
  std::vector<uint64_t> ids(testing::kManyFibers);
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < testing::kManyFibers; ++i) {
      handles.push_back(Spawn([&ids, i] { ids[i] = this_fiber::Id(); }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), ids.size());
}

TEST_P(RuntimeTest, YieldLetsOtherFibersRun) {
  // Two fibers each take 1000 turns, yielding between turns. Whatever the number of
  // Ps, both finish, and with one P they strictly alternate.
  std::vector<int> order;
  std::atomic<int> turns{0};
  RunInFiber([&] {
    auto body = [&](int who) {
      for (int i = 0; i < 1000; ++i) {
        if (GetParam() == 1) order.push_back(who);
        turns.fetch_add(1, std::memory_order_relaxed);
        this_fiber::Yield();
      }
    };
    JoinHandle a = Spawn([&] { body(0); });
    JoinHandle b = Spawn([&] { body(1); });
    ASSERT_TRUE(a.Join().ok());
    ASSERT_TRUE(b.Join().ok());
  });
  EXPECT_EQ(turns.load(), 2000);
  if (GetParam() == 1) {
    int switches = 0;
    for (size_t i = 1; i < order.size(); ++i) switches += order[i] != order[i - 1];
    EXPECT_GE(switches, 1990) << "fibers did not alternate on one P";
  }
}

TEST_P(RuntimeTest, SleepLastsAtLeastItsDuration) {
  RunInFiber([&] {
    const absl::Time start = absl::Now();
    this_fiber::SleepFor(absl::Milliseconds(5));
    EXPECT_GE(absl::Now() - start, absl::Milliseconds(5));
  });
}

TEST_P(RuntimeTest, ManySleepersAllWakeAfterTheirDeadlines) {
  // Fifty sleepers with distinct deadlines. Each must wake, and none before its
  // deadline. (The order in which timers fire is tested in timer_heap_test; here
  // several may come due together on a slow machine, and then any order is right.)
  constexpr int kSleepers = 50;
  std::atomic<int> woke{0};
  std::atomic<int> early{0};
  RunInFiber([&] {
    const absl::Time base = absl::Now();
    std::vector<JoinHandle> handles;
    for (int i = kSleepers - 1; i >= 0; --i) {
      handles.push_back(Spawn([&, i] {
        const absl::Time deadline = base + absl::Milliseconds(2 * i + 1);
        this_fiber::SleepUntil(deadline);
        if (absl::Now() < deadline) early.fetch_add(1);
        woke.fetch_add(1);
      }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  EXPECT_EQ(woke.load(), kSleepers);
  EXPECT_EQ(early.load(), 0);
}

TEST_P(RuntimeTest, PlainThreadsSleepToo) {
  const absl::Time start = absl::Now();
  this_fiber::SleepFor(absl::Milliseconds(2));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(2));
}

TEST_P(RuntimeTest, WorkIsStolenByIdleProcessors) {
  if (GetParam() == 1) GTEST_SKIP() << "stealing needs two processors";
  // One fiber spawns many CPU-bound fibers onto its own P; the other Ps can only get
  // them by stealing (or from the global queue on overflow).
  std::atomic<uint64_t> sink{0};
  RunInFiber([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < 200; ++i) {
      handles.push_back(Spawn([&] {
        uint64_t x = 0;
        for (int k = 0; k < 200'000; ++k) x = x * 6364136223846793005ull + k;
        sink.fetch_add(x, std::memory_order_relaxed);
      }));
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  });
  const RuntimeStats stats = runtime().Stats();
  EXPECT_GT(stats.fibers_stolen + stats.global_queue_takes, 0u) << stats.ToString();
  EXPECT_GE(stats.machines, 2u) << stats.ToString();
}

TEST_P(RuntimeTest, StacksAreReused) {
  // 20 rounds of 100 fibers (8 under TSan, each fiber's TSan state being costly): far
  // more fibers than the stacks the bound allows.
#if defined(__SANITIZE_THREAD__)
  constexpr int kRounds = 8;
#else
  constexpr int kRounds = 20;
#endif
  RunInFiber([&] {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<JoinHandle> handles;
      for (int i = 0; i < 100; ++i) handles.push_back(Spawn([] {}));
      for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
    }
  });
  // Never more than ~101 fibers alive at once.
  EXPECT_LE(runtime().Stats().stacks_mapped, 400u) << runtime().Stats().ToString();
}

TROUPE_INSTANTIATE_OVER_PROCS(RuntimeTest);

// Fiber ids are the process's (this_fiber::Id), taken in batches by processors and by
// plain threads alike; a plain thread's leftover batch from one runtime serves the
// next. Two processors: the batches under test are the plain threads'.
TEST(FiberIdTest, IdsAreUniqueAcrossPlainThreadsFibersAndSuccessiveRuntimes) {
  constexpr int kPerSpawner = 150;  // more than one batch each
  std::vector<uint64_t> ids;
  for (int round = 0; round < 2; ++round) {
    auto created = Runtime::Create({.procs = 2});
    ASSERT_TRUE(created.ok()) << created.status();
    Runtime& runtime = **created;
    auto spawn_from_here = [&runtime](std::vector<uint64_t>& out) {
      for (int i = 0; i < kPerSpawner; ++i) {
        JoinHandle handle = runtime.Spawn([] {});
        out.push_back(handle.id());
        ASSERT_TRUE(handle.Join().ok());
      }
    };
    spawn_from_here(ids);
    std::vector<uint64_t> other_thread_ids;
    std::thread other([&] { spawn_from_here(other_thread_ids); });
    other.join();
    ids.insert(ids.end(), other_thread_ids.begin(), other_thread_ids.end());
    ASSERT_TRUE(runtime
                    .Run([&] {
                      for (int i = 0; i < kPerSpawner; ++i) {
                        JoinHandle handle = Spawn([] {});
                        ids.push_back(handle.id());
                        ASSERT_TRUE(handle.Join().ok());
                      }
                    })
                    .ok());
  }
  ASSERT_EQ(ids.size(), 6u * kPerSpawner);
  EXPECT_EQ(std::set<uint64_t>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(RuntimeOptionsTest, RejectsInvalidProcs) {
  for (int procs : {-1, 1025}) {
    auto runtime = Runtime::Create({.procs = procs});
    ASSERT_FALSE(runtime.ok());
    EXPECT_EQ(runtime.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(runtime.status().message().find("procs must be in [1, 1024]"),
              std::string::npos)
        << runtime.status();
  }
}

TEST(RuntimeOptionsTest, RejectsInvalidStackSize) {
  for (std::size_t size : {std::size_t{4096}, std::size_t{65536 + 100}}) {
    auto runtime = Runtime::Create({.procs = 1, .stack_size = size});
    ASSERT_FALSE(runtime.ok());
    EXPECT_NE(runtime.status().message().find("stack_size must be"), std::string::npos)
        << runtime.status();
  }
}

TEST(RuntimeOptionsTest, ReadsTroupeProcsFromEnvironment) {
  setenv("TROUPE_PROCS", "3", 1);
  auto options = ResolveRuntimeOptions({});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->procs, 3);
  setenv("TROUPE_PROCS", "zero", 1);
  options = ResolveRuntimeOptions({});
  EXPECT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("TROUPE_PROCS"), std::string::npos);
  unsetenv("TROUPE_PROCS");
  options = ResolveRuntimeOptions({});
  ASSERT_TRUE(options.ok());
  EXPECT_GE(options->procs, 1);
}

TEST(RuntimeOptionsTest, RunFromAFiberIsAnError) {
  auto runtime = Runtime::Create({.procs = 1});
  ASSERT_TRUE(runtime.ok());
  absl::Status inner;
  ASSERT_TRUE((*runtime)->Run([&] { inner = (*runtime)->Run([] {}); }).ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace troupe

namespace troupe {
namespace {

// Recurses until the stack runs out; the addition after the call keeps the compiler
// from turning it into a loop.
__attribute__((noinline)) int RecurseDeeply(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth > (1 << 30)) return frame[0];
  return RecurseDeeply(depth + 1) + frame[0];
}

TEST(StackOverflowDeathTest, GuardPageStopsTheProcessNamingTheFiber) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = Runtime::Create({.procs = 1});
        absl::Status status = (*runtime)->Run([] { RecurseDeeply(0); });
        (void)status;
      },
      "stack overflow in fiber [0-9]+");
}

}  // namespace
}  // namespace troupe

namespace troupe {
namespace {

TEST(TraceTest, RecordsWhichFiberRanOnWhichThread) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  (*runtime)->StartTrace();
  std::vector<uint64_t> ids;
  ASSERT_TRUE((*runtime)->Run([&] {
    std::vector<JoinHandle> handles;
    for (int i = 0; i < 20; ++i) {
      handles.push_back(Spawn([] {
        for (int k = 0; k < 3; ++k) this_fiber::Yield();
      }));
      ids.push_back(handles.back().id());
    }
    for (auto& handle : handles) ASSERT_TRUE(handle.Join().ok());
  }).ok());
  const Trace trace = (*runtime)->StopTrace();
  EXPECT_EQ(trace.dropped, 0u);
  std::set<uint64_t> traced;
  for (const TraceSlice& slice : trace.slices) {
    EXPECT_LE(slice.start_ns, slice.end_ns);
    EXPECT_GE(slice.thread, 0);
    traced.insert(slice.fiber);
  }
  for (uint64_t id : ids) EXPECT_EQ(traced.count(id), 1u) << "fiber " << id << " not traced";
  // Off again: nothing more is recorded.
  ASSERT_TRUE((*runtime)->Run([] {}).ok());
  EXPECT_TRUE((*runtime)->StopTrace().slices.empty());
}

TEST(TraceTest, SlicesNameTheirFibers) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  (*runtime)->StartTrace();
  uint64_t named_id = 0;
  uint64_t unnamed_id = 0;
  ASSERT_TRUE((*runtime)->Run([&] {
    // Each runs once, so each leaves at least one slice.
    JoinHandle named = Spawn({.name = "flusher"}, [] {});
    JoinHandle unnamed = Spawn([] {});
    named_id = named.id();
    unnamed_id = unnamed.id();
    ASSERT_TRUE(named.Join().ok());
    ASSERT_TRUE(unnamed.Join().ok());
  }).ok());
  const Trace trace = (*runtime)->StopTrace();
  int named_slices = 0;
  int unnamed_slices = 0;
  for (const TraceSlice& slice : trace.slices) {
    if (slice.fiber == named_id) {
      ++named_slices;
      EXPECT_EQ(TraceSliceName(slice), absl::StrCat("fiber ", named_id, " \"flusher\""));
    } else if (slice.fiber == unnamed_id) {
      ++unnamed_slices;
      EXPECT_EQ(TraceSliceName(slice), absl::StrCat("fiber ", unnamed_id));
    }
  }
  EXPECT_GE(named_slices, 1);
  EXPECT_GE(unnamed_slices, 1);
}

}  // namespace
}  // namespace troupe
