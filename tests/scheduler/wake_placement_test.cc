#include "troupe/scheduler/internal/wake_placement.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::scheduler_internal {
namespace {

cpu_set_t AffinityOf(pid_t thread) {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(thread, sizeof(set), &set), 0);
  return set;
}

// A thread that reports its id, then, on request, restores its own placement and
// reports the CPUs it may use afterwards.
class Wakee {
 public:
  explicit Wakee(const WakePlacement& placement)
      : thread_([this, &placement] {
          std::unique_lock<std::mutex> lock(mutex_);
          id_ = WakePlacement::CurrentThreadId();
          changed_.notify_all();
          changed_.wait(lock, [&] { return restore_requested_; });
          placement.Restore();
          after_restore_ = AffinityOf(0);
          restored_ = true;
          changed_.notify_all();
        }) {}
  ~Wakee() { thread_.join(); }

  pid_t id() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return id_ != 0; });
    return id_;
  }
  cpu_set_t RestoreAndReport() {
    std::unique_lock<std::mutex> lock(mutex_);
    restore_requested_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return restored_; });
    return after_restore_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  pid_t id_ = 0;
  bool restore_requested_ = false;
  bool restored_ = false;
  cpu_set_t after_restore_;
  std::thread thread_;
};

TEST(WakePlacementTest, SteersTheWakeeOffTheCallersCpuUntilItRestores) {
  const cpu_set_t allowed = AffinityOf(0);
  const WakePlacement placement;
  Wakee wakee(placement);
  const pid_t wakee_id = wakee.id();
  if (CPU_COUNT(&allowed) < 2) {
    EXPECT_FALSE(placement.SteerAway(wakee_id));
    wakee.RestoreAndReport();
    GTEST_SKIP() << "one CPU: nothing to steer to";
  }
  // Hold the caller on one CPU, so that "the caller's CPU" is known.
  int caller_cpu = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) {
      caller_cpu = cpu;
      break;
    }
  }
  cpu_set_t only_caller_cpu;
  CPU_ZERO(&only_caller_cpu);
  CPU_SET(caller_cpu, &only_caller_cpu);
  ASSERT_EQ(sched_setaffinity(0, sizeof(only_caller_cpu), &only_caller_cpu), 0);

  const bool steered = placement.SteerAway(wakee_id);
  ASSERT_EQ(sched_setaffinity(0, sizeof(allowed), &allowed), 0);
  ASSERT_TRUE(steered);

  cpu_set_t expected = allowed;
  CPU_CLR(caller_cpu, &expected);
  cpu_set_t narrowed = AffinityOf(wakee_id);
  EXPECT_TRUE(CPU_EQUAL(&narrowed, &expected));
  EXPECT_FALSE(CPU_ISSET(caller_cpu, &narrowed));

  cpu_set_t restored = wakee.RestoreAndReport();
  EXPECT_TRUE(CPU_EQUAL(&restored, &allowed));
}

TEST(WakePlacementTest, DisabledLeavesTheWakeeAlone) {
  const cpu_set_t allowed = AffinityOf(0);
  const WakePlacement placement(/*enabled=*/false);
  Wakee wakee(placement);
  const pid_t wakee_id = wakee.id();
  EXPECT_FALSE(placement.SteerAway(wakee_id));
  cpu_set_t after = AffinityOf(wakee_id);
  EXPECT_TRUE(CPU_EQUAL(&after, &allowed));
  wakee.RestoreAndReport();
}

// The runtime's side: a woken M widens its affinity before it runs anything, so no
// fiber ever runs on a narrowed thread, however often Ms park and wake.
TEST(WakePlacementTest, FibersAlwaysRunOnThreadsThatMayUseEveryCpu) {
  const cpu_set_t allowed = AffinityOf(0);
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  std::atomic<int> checks{0};
  std::atomic<int> narrowed{0};
  auto check = [&] {
    cpu_set_t mine = AffinityOf(0);
    checks.fetch_add(1);
    if (!CPU_EQUAL(&mine, &allowed)) narrowed.fetch_add(1);
  };
  // Each round ends with every fiber done, so the Ms park; the next one wakes them.
  for (int round = 0; round < 200; ++round) {
    ASSERT_TRUE((*runtime)
                    ->Run([&] {
                      Channel<int> ping(0);
                      Channel<int> pong(0);
                      std::vector<JoinHandle> fibers;
                      fibers.push_back(Spawn([&] {
                        for (int i = 0; i < 10; ++i) {
                          check();
                          ASSERT_TRUE(ping.Send(i).ok());
                          ASSERT_TRUE(pong.Recv().has_value());
                        }
                      }));
                      fibers.push_back(Spawn([&] {
                        for (int i = 0; i < 10; ++i) {
                          ASSERT_TRUE(ping.Recv().has_value());
                          check();
                          ASSERT_TRUE(pong.Send(i).ok());
                        }
                      }));
                      for (JoinHandle& fiber : fibers) ASSERT_TRUE(fiber.Join().ok());
                    })
                    .ok());
  }
  EXPECT_EQ(checks.load(), 200 * 2 * 10);
  EXPECT_EQ(narrowed.load(), 0);
  // The check means something only if Ms were woken (and so steered) on the way.
  if (CPU_COUNT(&allowed) >= 2) {
    EXPECT_GT((*runtime)->Stats().machine_wakeups, 0u);
  }
}

}  // namespace
}  // namespace troupe::scheduler_internal
