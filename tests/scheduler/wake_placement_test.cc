#include "scheduler/internal/wake_placement.h"

#include <sched.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"

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

}  // namespace
}  // namespace troupe::scheduler_internal
