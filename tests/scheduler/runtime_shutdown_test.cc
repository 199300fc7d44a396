// Destroying a Runtime unwinds the fibers still alive: each blocking call fails with
// Cancelled, the fibers return through their callers, and everything they own is
// destroyed (under ASan the leak checker confirms nothing is left).
#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/condition_variable.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/mutex.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/select.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

// Owned by a fiber: counts the ones not yet destroyed.
struct Owned {
  explicit Owned(std::atomic<int>* live) : live(live) { live->fetch_add(1); }
  ~Owned() { live->fetch_sub(1); }
  std::atomic<int>* live;
};

class RuntimeShutdownTest : public ::testing::TestWithParam<int> {
 protected:
  std::unique_ptr<Runtime> NewRuntime() {
    RuntimeOptions options;
    options.procs = GetParam();
    auto runtime = Runtime::Create(options);
    EXPECT_TRUE(runtime.ok()) << runtime.status();
    return *std::move(runtime);
  }
};

TEST_P(RuntimeShutdownTest, ParkedFibersAreUnwoundAndTheirWaitsFailWithCancelled) {
  std::unique_ptr<Runtime> runtime = NewRuntime();
  std::atomic<int> live{0};
  std::atomic<int> cancelled{0};
  auto count_if_cancelled = [&](const absl::Status& status) {
    if (absl::IsCancelled(status)) cancelled.fetch_add(1);
  };
  Channel<int> silent(0);
  Channel<int> nil;
  Mutex mutex;
  Semaphore never(0);
  std::vector<JoinHandle> fibers;
  // Each owns an Owned on its stack and waits for something that never comes.
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    std::optional<int> value = silent.Recv();
    if (!value.has_value()) cancelled.fetch_add(1);  // a receive ends as if closed
  }));
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    count_if_cancelled(nil.Send(1, Context()));
  }));
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    count_if_cancelled(never.Acquire(Context()));
  }));
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    count_if_cancelled(this_fiber::SleepFor(absl::Hours(1), Context()));
  }));
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    if (Select() == -1) cancelled.fetch_add(1);  // Go's `select {}`
  }));
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    std::lock_guard<Mutex> held(mutex);
    count_if_cancelled(never.Acquire(Context()));
  }));
  std::atomic<int> lock_ended{0};
  fibers.push_back(runtime->Spawn([&] {
    Owned owned(&live);
    ASSERT_TRUE(testing::WaitUntilParkedCount(*runtime, 2, "semaphore"));
    // Ends either way: Cancelled, or locked once the holder above unwinds.
    const absl::Status locked = mutex.Lock(Context());
    if (locked.ok()) mutex.Unlock();
    if (locked.ok() || absl::IsCancelled(locked)) lock_ended.fetch_add(1);
  }));
  ASSERT_TRUE(testing::WaitUntilParkedCount(*runtime, 1, "mutex"));
  ASSERT_TRUE(testing::WaitUntilParkedCount(*runtime, 1, "channel receive"));
  ASSERT_EQ(live.load(), 7);
  fibers.clear();  // detached: the runtime unwinds them on its own
  runtime.reset();
  EXPECT_EQ(live.load(), 0) << "every fiber's stack was unwound";
  EXPECT_EQ(cancelled.load(), 6) << "every other wait failed with Cancelled";
  EXPECT_EQ(lock_ended.load(), 1);
}

struct Ping {};
using PingMessage = std::variant<Ping>;

class Recorder : public Actor<PingMessage> {
 public:
  explicit Recorder(std::atomic<int>* stopped_cancelled) : stopped_(stopped_cancelled) {}
  void Receive(PingMessage&) override {}
  void OnStop(const absl::Status& reason) override {
    if (absl::IsCancelled(reason)) stopped_->fetch_add(1);
  }

 private:
  std::atomic<int>* stopped_;
};

TEST_P(RuntimeShutdownTest, IdleActorsStopWhenTheirRuntimeIsDestroyedFirst) {
  std::unique_ptr<Runtime> runtime = NewRuntime();
  auto system = std::make_unique<ActorSystem>(*runtime);
  std::atomic<int> stopped{0};
  std::vector<ActorRef<PingMessage>> actors;
  for (int i = 0; i < 10; ++i) {
    actors.push_back(system->Spawn<Recorder>({}, &stopped));
    ASSERT_TRUE(actors.back().Tell(Ping{}).ok());
  }
  ASSERT_TRUE(testing::WaitUntilParkedCount(*runtime, 10, "mailbox (idle, no stack)"));
  runtime.reset();
  EXPECT_EQ(stopped.load(), 10);
  for (const auto& actor : actors) EXPECT_FALSE(actor.alive());
  EXPECT_EQ(system->live_actors(), 0u);
  system.reset();  // nothing left for it to stop
}

INSTANTIATE_TEST_SUITE_P(Procs, RuntimeShutdownTest, ::testing::Values(1, 2, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "procs" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace troupe
