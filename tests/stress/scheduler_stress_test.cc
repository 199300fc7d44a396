// Stress tests for the scheduler and the fiber-aware primitives: many fibers, many
// wake-ups, contention, stealing, and fibers mixed with plain threads. Every test is
// bounded by a count (scaled by TROUPE_STRESS_SCALE, shrunk under the sanitizers) and
// by a deadline that a watchdog enforces; every check is on a result, never on speed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/condition_variable.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/tests/scheduler/test_support.h"
#include "troupe/tests/stress/stress_flags.h"

namespace troupe {
namespace {

using stress::kDeadline;
using stress::kMaxAliveFibers;
using stress::Scaled;
using stress::StressScale;

// Fails the running test, and stops the process, if the test is still running when
// kDeadline has passed: a hung runtime cannot be unwound, so aborting is the only
// way not to hang. Polls once a second (it synchronises nothing; it only watches)
// and reports how far the test got and when it last made progress.
class Watchdog {
 public:
  Watchdog(const Runtime& runtime, const std::atomic<int64_t>& progress, int64_t goal)
      : runtime_(runtime),
        progress_(progress),
        goal_(goal),
        test_name_(CurrentTestName()),
        thread_([this] { Watch(); }) {}

  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    stopped_changed_.notify_one();
    thread_.join();
  }

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  static std::string CurrentTestName() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return info == nullptr ? "?" : std::string(info->test_suite_name()) + "." + info->name();
  }

  void Watch() {
    const absl::Time start = absl::Now();
    int64_t last_seen = -1;
    absl::Time last_change = start;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopped_; })) {
      const absl::Time now = absl::Now();
      // relaxed: a progress report; nothing is read through it.
      const int64_t seen = progress_.load(std::memory_order_relaxed);
      if (seen != last_seen) {
        last_seen = seen;
        last_change = now;
      }
      if (now - start < kDeadline) continue;
      ADD_FAILURE() << test_name_ << " still running after " << kDeadline << ": progress " << seen
                    << " of " << goal_ << ", last changed " << (now - last_change) << " ago; "
                    << runtime_.Stats().ToString();
      std::fprintf(stderr, "%s: deadline passed; aborting instead of hanging\n",
                   test_name_.c_str());
      std::fflush(nullptr);
      std::abort();
    }
  }

  const Runtime& runtime_;
  const std::atomic<int64_t>& progress_;
  const int64_t goal_;
  const std::string test_name_;
  std::mutex mutex_;
  std::condition_variable stopped_changed_;
  bool stopped_ = false;  // guarded by mutex_
  std::thread thread_;    // last: starts after every other member is built
};

// A runtime per test with GetParam() processors (test_support.h); TearDown checks
// that every fiber finished.
class SchedulerStressTest : public testing::RuntimeTest {
 protected:
  int procs() const { return GetParam(); }
};

// Joins every handle, even after a failure, so no fiber outlives the state it uses.
void JoinAll(std::vector<JoinHandle>& handles) {
  for (JoinHandle& handle : handles) {
    const absl::Status status = handle.Join();
    EXPECT_TRUE(status.ok()) << status;
  }
  handles.clear();
}

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// CPU-bound work the optimiser cannot remove: a chain of dependent multiplies.
uint64_t Spin(uint64_t seed, int64_t iterations) {
  uint64_t x = seed;
  for (int64_t k = 0; k < iterations; ++k) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

TEST_P(SchedulerStressTest, MillionFibersSpawnJoinAndSum) {
  // 1,000,000 fibers, spawned in waves of at most kMaxAliveFibers by one fiber, so
  // its P's run queue overflows into the global queue again and again. Each fiber
  // writes its result with a plain store; Join must make it visible. 100,000 under
  // ASan; 1,000 under TSan, which maps and clears a fresh state for every fiber
  // (several milliseconds each on a small, busy VM).
  constexpr int64_t kBaseTotal =
      stress::kUnderThreadSanitizer ? 1'000 : (stress::kUnderSanitizer ? 100'000 : 1'000'000);
  const int64_t total = kBaseTotal * StressScale();
  const int64_t wave = kMaxAliveFibers;
  std::atomic<int64_t> finished{0};
  uint64_t sum = 0;
  {
    Watchdog watchdog(runtime(), finished, total);
    RunInFiber([&] {
      std::vector<uint64_t> results(wave);
      std::vector<JoinHandle> handles;
      handles.reserve(wave);
      for (int64_t first = 0; first < total; first += wave) {
        const int64_t count = std::min(wave, total - first);
        for (int64_t k = 0; k < count; ++k) {
          handles.push_back(Spawn([&results, &finished, k, i = first + k] {
            results[k] = Mix(i);
            finished.fetch_add(1, std::memory_order_relaxed);  // progress only
          }));
        }
        JoinAll(handles);
        for (int64_t k = 0; k < count; ++k) sum += results[k];
      }
    });
  }
  uint64_t expected = 0;
  for (int64_t i = 0; i < total; ++i) expected += Mix(i);
  EXPECT_EQ(finished.load(), total);
  EXPECT_EQ(sum, expected);
  const RuntimeStats stats = runtime().Stats();
  EXPECT_EQ(stats.fibers_spawned, static_cast<uint64_t>(total) + 1) << stats.ToString();
  // At most wave + 1 fibers are alive at once: stacks must be reused, not re-mapped.
  EXPECT_LE(stats.stacks_mapped, static_cast<uint64_t>(2 * wave)) << stats.ToString();
}

TEST_P(SchedulerStressTest, PingPongOverSemaphoresKeepsEveryVolley) {
  // Pairs of fibers pass a ball (a plain counter) back and forth through two
  // semaphores; many pairs at once, so they spread over the Ps and are stolen
  // between them mid-rally. Each Release must publish the ball to the Acquire.
  constexpr int kPairs = 64;
  const int64_t rounds = Scaled(5'000, 100);
  struct Pair {
    Semaphore ping{0};
    Semaphore pong{0};
    int64_t ball = 0;  // touched only by whichever side holds the ball
  };
  auto pairs = std::make_unique<Pair[]>(kPairs);
  std::atomic<int64_t> volleys{0};
  {
    Watchdog watchdog(runtime(), volleys, kPairs * rounds);
    RunInFiber([&] {
      std::vector<JoinHandle> handles;
      for (int i = 0; i < kPairs; ++i) {
        Pair& pair = pairs[i];
        handles.push_back(Spawn([&pair, &volleys, rounds] {
          for (int64_t r = 0; r < rounds; ++r) {
            pair.ping.Acquire();
            ++pair.ball;
            volleys.fetch_add(1, std::memory_order_relaxed);  // progress only
            pair.pong.Release();
          }
        }));
      }
      for (int i = 0; i < kPairs; ++i) {
        Pair& pair = pairs[i];
        handles.push_back(Spawn([&pair, rounds] {
          for (int64_t r = 0; r < rounds; ++r) {
            ++pair.ball;
            pair.ping.Release();
            pair.pong.Acquire();
          }
        }));
      }
      JoinAll(handles);
    });
  }
  for (int i = 0; i < kPairs; ++i) {
    EXPECT_EQ(pairs[i].ball, 2 * rounds) << "pair " << i;
    EXPECT_EQ(pairs[i].ping.available(), 0) << "pair " << i;
    EXPECT_EQ(pairs[i].pong.available(), 0) << "pair " << i;
  }
  EXPECT_EQ(volleys.load(), kPairs * rounds);
}

TEST_P(SchedulerStressTest, PingPongOverConditionVariableKeepsEveryVolley) {
  // As above, through a Mutex and a ConditionVariable: the notifier keeps running
  // after NotifyOne, so the woken fiber is often taken by another P.
  constexpr int kPairs = 64;
  const int64_t rounds = Scaled(5'000, 100);
  struct Pair {
    Mutex mutex;
    ConditionVariable turn_changed;
    int64_t ball ABSL_GUARDED_BY(mutex) = 0;  // even: side 0 to play; odd: side 1
  };
  auto pairs = std::make_unique<Pair[]>(kPairs);
  std::atomic<int64_t> volleys{0};
  {
    Watchdog watchdog(runtime(), volleys, 2 * kPairs * rounds);
    RunInFiber([&] {
      std::vector<JoinHandle> handles;
      for (int side = 0; side < 2; ++side) {
        for (int i = 0; i < kPairs; ++i) {
          Pair& pair = pairs[i];
          handles.push_back(Spawn([&pair, &volleys, rounds, side] {
            for (int64_t r = 0; r < rounds; ++r) {
              MutexLock lock(pair.mutex);
              while (pair.ball % 2 != side) pair.turn_changed.Wait(pair.mutex);
              ++pair.ball;
              volleys.fetch_add(1, std::memory_order_relaxed);  // progress only
              pair.turn_changed.NotifyOne();  // only the other side can be waiting
            }
          }));
        }
      }
      JoinAll(handles);
    });
  }
  for (int i = 0; i < kPairs; ++i) {
    MutexLock lock(pairs[i].mutex);
    EXPECT_EQ(pairs[i].ball, 2 * rounds) << "pair " << i;
  }
  EXPECT_EQ(volleys.load(), 2 * kPairs * rounds);
}

TEST_P(SchedulerStressTest, ContendedMutexKeepsCountExact) {
  // 200 fibers increment one counter under one Mutex, as a read, sometimes a Yield,
  // and a write, so a lost update or two holders at once would show. Some lock with
  // a TryLock-and-Yield loop instead of Lock.
  constexpr int kFibers = 200;
  const int64_t iterations = Scaled(2'000, 20);
  Mutex mutex;
  int64_t counter = 0;  // guarded by mutex
  std::atomic<bool> occupied{false};
  std::atomic<int64_t> overlaps{0};
  std::atomic<int64_t> progress{0};
  {
    Watchdog watchdog(runtime(), progress, kFibers * iterations);
    RunInFiber([&] {
      std::vector<JoinHandle> handles;
      for (int f = 0; f < kFibers; ++f) {
        handles.push_back(Spawn([&, f] {
          for (int64_t k = 0; k < iterations; ++k) {
            if ((f + k) % 5 == 0) {
              while (!mutex.TryLock()) this_fiber::Yield();
            } else {
              mutex.Lock();
            }
            // relaxed: the mutex orders everything; this only detects two holders.
            if (occupied.exchange(true, std::memory_order_relaxed)) {
              overlaps.fetch_add(1, std::memory_order_relaxed);
            }
            const int64_t seen = counter;
            if ((f + k) % 7 == 0) this_fiber::Yield();
            counter = seen + 1;
            occupied.store(false, std::memory_order_relaxed);
            mutex.Unlock();
            progress.fetch_add(1, std::memory_order_relaxed);  // progress only
          }
        }));
      }
      JoinAll(handles);
    });
  }
  MutexLock lock(mutex);
  EXPECT_EQ(counter, kFibers * iterations);
  EXPECT_EQ(overlaps.load(), 0);
}

TEST_P(SchedulerStressTest, IdleProcessorsStealWork) {
  if (procs() == 1) GTEST_SKIP() << "stealing needs two processors";
  // One fiber spawns fewer CPU-bound fibers than its P's 256-slot run queue holds,
  // so none overflows to the global queue: the other Ps can get them only by
  // stealing. Each runs a few milliseconds, long enough for idle Ps to come looking.
  constexpr int kFibers = 128;
  constexpr int64_t kSpinIterations = 2'000'000;  // ~3 ms; not instrumented by sanitizers
  const int rounds = StressScale();
  std::atomic<uint64_t> sink{0};
  std::atomic<int64_t> finished{0};
  const RuntimeStats before = runtime().Stats();
  {
    Watchdog watchdog(runtime(), finished, int64_t{kFibers} * rounds);
    RunInFiber([&] {
      std::vector<JoinHandle> handles;
      for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < kFibers; ++i) {
          handles.push_back(Spawn([&, i] {
            sink.fetch_add(Spin(i, kSpinIterations), std::memory_order_relaxed);
            finished.fetch_add(1, std::memory_order_relaxed);  // progress only
          }));
        }
        JoinAll(handles);
      }
    });
  }
  const RuntimeStats after = runtime().Stats();
  uint64_t expected_sink = 0;
  for (int round = 0; round < rounds; ++round) {
    for (int i = 0; i < kFibers; ++i) expected_sink += Spin(i, kSpinIterations);
  }
  EXPECT_EQ(sink.load(), expected_sink);
  EXPECT_EQ(finished.load(), int64_t{kFibers} * rounds);
  EXPECT_GT(after.fibers_stolen - before.fibers_stolen, 0u)
      << "global queue takes: " << (after.global_queue_takes - before.global_queue_takes) << "; "
      << after.ToString();
  EXPECT_GE(after.machines, 2u) << after.ToString();
}

TEST_P(SchedulerStressTest, FibersAndThreadsShareWaitGroupAndSemaphores) {
  // Plain threads and fibers produce and consume through one Semaphore, take turns
  // through another (one permit, guarding a plain counter), and all report to one
  // WaitGroup that a thread and a fiber both wait on. Half the producers and half the
  // consumers of each kind; every worker handles the same number of items.
  constexpr int kThreadsPerRole = 2;
  constexpr int kFibersPerRole = 50;
  constexpr int kWorkers = 2 * (kThreadsPerRole + kFibersPerRole);
  const int64_t items = Scaled(1'000, 20);
  Semaphore queue(0);
  Semaphore turn(1);
  WaitGroup done(kWorkers);
  int64_t turns_taken = 0;  // guarded by `turn`
  std::atomic<int64_t> produced{0};
  std::atomic<int64_t> consumed{0};
  std::atomic<int64_t> progress{0};
  std::atomic<bool> fiber_saw_zero{false};

  auto work = [&](bool producer) {
    for (int64_t i = 0; i < items; ++i) {
      turn.Acquire();
      ++turns_taken;
      turn.Release();
      if (producer) {
        queue.Release();
        produced.fetch_add(1, std::memory_order_relaxed);
      } else {
        queue.Acquire();
        consumed.fetch_add(1, std::memory_order_relaxed);
      }
      progress.fetch_add(1, std::memory_order_relaxed);  // progress only
    }
    done.Done();
  };

  {
    Watchdog watchdog(runtime(), progress, kWorkers * items);
    std::vector<std::thread> threads;
    for (int i = 0; i < 2 * kThreadsPerRole; ++i) {
      threads.emplace_back([&work, i] { work(/*producer=*/i % 2 == 0); });
    }
    // Half the fibers come from this thread (through the global queue), half from a
    // fiber (onto its P), which then waits on the WaitGroup as well.
    std::vector<JoinHandle> handles;
    for (int i = 0; i < kFibersPerRole; ++i) {
      handles.push_back(runtime().Spawn([&work, i] { work(/*producer=*/i % 2 == 0); }));
    }
    handles.push_back(runtime().Spawn([&] {
      std::vector<JoinHandle> children;
      for (int i = 0; i < kFibersPerRole; ++i) {
        children.push_back(Spawn([&work, i] { work(/*producer=*/i % 2 == 1); }));
      }
      done.Wait();
      fiber_saw_zero.store(done.count() == 0, std::memory_order_relaxed);
      JoinAll(children);
    }));
    done.Wait();
    EXPECT_EQ(done.count(), 0);
    for (std::thread& thread : threads) thread.join();
    JoinAll(handles);
  }
  const int64_t per_role = (kThreadsPerRole + kFibersPerRole) * items;
  EXPECT_TRUE(fiber_saw_zero.load());
  EXPECT_EQ(produced.load(), per_role);
  EXPECT_EQ(consumed.load(), per_role);
  EXPECT_EQ(queue.available(), 0);
  EXPECT_EQ(turn.available(), 1);
  turn.Acquire();  // orders the last holder's write before this read
  EXPECT_EQ(turns_taken, kWorkers * items);
  turn.Release();
}

INSTANTIATE_TEST_SUITE_P(Procs, SchedulerStressTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe
