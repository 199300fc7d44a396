// Actor timers allocate nothing per tick once running (actors/internal/actor_timers.h,
// invariant 5): a timer owns its envelope and reuses it, the heaps take their expired
// timers into a reused list, and a restarted timer reuses its record. Counted with a
// replacement global operator new (not under the sanitizers, which replace it
// themselves), over the whole process while the test thread waits on a future.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <new>
#include <variant>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/tests/actors/test_actors.h"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TROUPE_COUNTS_ALLOCATIONS 0
#else
#define TROUPE_COUNTS_ALLOCATIONS 1
#endif

namespace {
// relaxed: a count read after the counted work is known finished (a future's wait).
std::atomic<uint64_t> allocations{0};
}  // namespace

#if TROUPE_COUNTS_ALLOCATIONS
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace troupe::testing {
namespace {

// Both counts of allocations, taken by the actor's fiber at two ticks.
struct AllocationsSeen {
  uint64_t at_warm = 0;
  uint64_t at_end = 0;
  std::promise<void> done;
};

struct Tick {};
struct Restart {};
using TickMessage = std::variant<Tick, Restart>;

// Handles ticks of a fixed-rate (or fixed-delay) timer, re-starting the timer every
// kRestartEvery ticks as a service restarting a per-room timer does; reads the count
// after kWarmTicks ticks and again kCountedTicks later.
class Ticker : public Actor<TickMessage> {
 public:
  static constexpr int kWarmTicks = 50;
  static constexpr int kCountedTicks = 1'000;
  static constexpr int kRestartEvery = 2;

  Ticker(AllocationsSeen* seen, bool fixed_rate) : seen_(seen), fixed_rate_(fixed_rate) {}
  void OnStart() override { StartTicking(); }
  void Receive(TickMessage&) override {
    ++ticks_;
    if (ticks_ == kWarmTicks) seen_->at_warm = allocations.load(std::memory_order_relaxed);
    if (ticks_ % kRestartEvery == 0) StartTicking();
    if (ticks_ == kWarmTicks + kCountedTicks) {
      seen_->at_end = allocations.load(std::memory_order_relaxed);
      CancelTimer("tick");
      seen_->done.set_value();
    }
  }

 private:
  void StartTicking() {
    if (fixed_rate_) {
      StartTimerAtFixedRate("tick", Tick{}, absl::Microseconds(50));
    } else {
      StartTimerWithFixedDelay("tick", Tick{}, absl::Microseconds(50));
    }
  }

  AllocationsSeen* seen_;
  const bool fixed_rate_;
  int ticks_ = 0;
};

class ActorTimerAllocationTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!TROUPE_COUNTS_ALLOCATIONS) GTEST_SKIP() << "the sanitizers own operator new";
    harness_.Start(GetParam());
  }
  void TearDown() override { harness_.Finish(); }

  // Runs a Ticker and returns the allocations made during its counted ticks.
  uint64_t AllocationsDuringCountedTicks(bool fixed_rate) {
    AllocationsSeen seen;
    std::future<void> done = seen.done.get_future();
    ActorRef<TickMessage> ticker = harness_.system().Spawn<Ticker>({}, &seen, fixed_rate);
    EXPECT_EQ(done.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "the ticker did not handle its ticks";
    ticker.Stop();
    EXPECT_TRUE(ticker.AwaitStop().ok());
    return seen.at_end - seen.at_warm;
  }

  // A first ticker warms the runtime, whose first uses allocate once: threads started
  // for idle processors, each heap's and free list's first growth, the monitor's
  // counters, the envelope caches. The second one's ticks are the steady state.
  uint64_t AllocationsDuringSteadyTicks(bool fixed_rate) {
    AllocationsDuringCountedTicks(fixed_rate);
    return AllocationsDuringCountedTicks(fixed_rate);
  }

  ActorHarness harness_;
};

// Before timers owned their envelope and reused their records, each restart
// allocated a record (500 in the window) and a burst of ticks envelopes. The bound
// leaves room for the runtime's own first uses that may still land in the window on
// a loaded machine (a thread started for an idle processor, a heap's first growth):
// a few, not one per tick.
constexpr uint64_t kAllowedForRuntimeWarmUp = Ticker::kCountedTicks / 50;

TEST_P(ActorTimerAllocationTest, FixedRateTicksAndRestartsAllocateNothingPerTick) {
  EXPECT_LE(AllocationsDuringSteadyTicks(/*fixed_rate=*/true), kAllowedForRuntimeWarmUp);
}

TEST_P(ActorTimerAllocationTest, FixedDelayTicksAndRestartsAllocateNothingPerTick) {
  EXPECT_LE(AllocationsDuringSteadyTicks(/*fixed_rate=*/false), kAllowedForRuntimeWarmUp);
}

INSTANTIATE_TEST_SUITE_P(Procs, ActorTimerAllocationTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace troupe::testing
