// Routers and groups: each routing spreads or pins messages as it says, resizing and
// failures keep the pool whole, groups broadcast to their members and forget the
// stopped ones. Each runs over 1, 2 and 4 processors.
#include "troupe/actors/router.h"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "troupe/actors/actor_groups.h"
#include "troupe/scheduler/semaphore.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe::testing {
namespace {

struct Job {
  uint64_t key;
};
struct HoldOn {
  std::shared_ptr<Semaphore> gate;
};
using JobMessage = std::variant<Job, HoldOn, Fail>;

// Which worker (by name) handled which keys.
class Seen {
 public:
  void Add(const std::string& worker, uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    keys_[worker].push_back(key);
    ++total_;
  }
  int total() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return total_;
  }
  std::map<std::string, std::vector<uint64_t>> keys() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<uint64_t>> keys_;
  int total_ = 0;
};

class Worker : public Actor<JobMessage> {
 public:
  explicit Worker(std::shared_ptr<Seen> seen) : seen_(std::move(seen)) {}
  void Receive(JobMessage& message) override {
    std::visit(Overloaded{[&](Job& job) { seen_->Add(self().name(), job.key); },
                          [&](HoldOn& hold) { hold.gate->Acquire(); },
                          [&](Fail& fail) { throw std::runtime_error(fail.why); }},
               message);
  }

 private:
  std::shared_ptr<Seen> seen_;
};

class RouterTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  ActorSystem& system() { return harness_.system(); }

  Router<JobMessage> StartPool(Routing routing, int workers, std::shared_ptr<Seen> seen) {
    RouterOptions<JobMessage> options;
    options.name = "pool";
    options.workers = workers;
    options.routing = routing;
    options.hash_key = [](const JobMessage& m) { return std::get<Job>(m).key; };
    absl::StatusOr<Router<JobMessage>> router =
        Router<JobMessage>::Start<Worker>(system(), options, std::move(seen));
    EXPECT_TRUE(router.ok()) << router.status();
    return *std::move(router);
  }

  ActorHarness harness_;
};

TEST_P(RouterTest, RoundRobinGivesEachWorkerItsTurn) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kRoundRobin, 4, seen);
  for (uint64_t i = 0; i < 400; ++i) ASSERT_TRUE(pool.Tell(Job{i}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 400; }, "every job handled"));
  for (const auto& [worker, keys] : seen->keys()) EXPECT_EQ(keys.size(), 100u) << worker;
  EXPECT_EQ(seen->keys().size(), 4u);
}

TEST_P(RouterTest, RandomDeliversEveryMessage) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kRandom, 3, seen);
  for (uint64_t i = 0; i < 300; ++i) ASSERT_TRUE(pool.Tell(Job{i}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 300; }, "every job handled"));
}

TEST_P(RouterTest, SmallestMailboxAvoidsBusyWorkers) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kSmallestMailbox, 3, seen);
  auto gate = std::make_shared<Semaphore>(0);
  std::vector<ActorRef<JobMessage>> workers = pool.workers();
  // Workers 0 and 1 hold a message and have five more queued behind it.
  for (int busy : {0, 1}) {
    ASSERT_TRUE(workers[busy].Tell(HoldOn{gate}).ok());
    for (uint64_t i = 0; i < 5; ++i) ASSERT_TRUE(workers[busy].Tell(Job{1000 + i}).ok());
  }
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(pool.Tell(Job{i}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 4; }, "the routed jobs handled"));
  EXPECT_EQ(seen->keys()["pool-2"], (std::vector<uint64_t>{0, 1, 2, 3}));
  gate->Release(2);
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 14; }, "the queued jobs handled"));
}

TEST_P(RouterTest, ConsistentHashPinsKeysAndAResizeMovesFew) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kConsistentHash, 4, seen);
  constexpr uint64_t kKeys = 1000;
  for (int round = 0; round < 2; ++round) {
    for (uint64_t key = 0; key < kKeys; ++key) ASSERT_TRUE(pool.Tell(Job{key}).ok());
  }
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 2 * kKeys; }, "every job handled"));
  std::map<uint64_t, std::set<std::string>> owners;
  for (const auto& [worker, keys] : seen->keys()) {
    for (uint64_t key : keys) owners[key].insert(worker);
  }
  for (const auto& [key, workers] : owners) EXPECT_EQ(workers.size(), 1u) << "key " << key;

  ASSERT_TRUE(pool.Resize(5).ok());
  for (uint64_t key = 0; key < kKeys; ++key) ASSERT_TRUE(pool.Tell(Job{key}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 3 * kKeys; }, "every job handled"));
  std::map<uint64_t, std::set<std::string>> after;
  for (const auto& [worker, keys] : seen->keys()) {
    for (uint64_t key : keys) after[key].insert(worker);
  }
  int moved = 0;
  for (const auto& [key, workers] : after) moved += workers.size() > 1 ? 1 : 0;
  // One worker in five is new: about a fifth of the keys move to it, the rest stay.
  EXPECT_GT(moved, 0);
  EXPECT_LT(moved, static_cast<int>(kKeys) / 2) << moved << " of " << kKeys << " keys moved";
}

TEST_P(RouterTest, BroadcastReachesEveryWorker) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kBroadcast, 3, seen);
  ASSERT_TRUE(pool.Tell(Job{7}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 3; }, "three copies handled"));
  for (const auto& [worker, keys] : seen->keys()) {
    EXPECT_EQ(keys, (std::vector<uint64_t>{7})) << worker;
  }
}

TEST_P(RouterTest, ResizeStopsTheNewestAndStartsNewWorkers) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kRoundRobin, 4, seen);
  std::vector<ActorRef<JobMessage>> before = pool.workers();
  ASSERT_TRUE(pool.Resize(2).ok());
  EXPECT_EQ(pool.size(), 2);
  ASSERT_TRUE(before[2].AwaitStop().ok());
  ASSERT_TRUE(before[3].AwaitStop().ok());
  EXPECT_TRUE(before[0].alive());
  ASSERT_TRUE(pool.Resize(3).ok());
  EXPECT_EQ(pool.workers()[2].name(), "pool-2");
  EXPECT_TRUE(pool.workers()[2].alive());
  for (uint64_t i = 0; i < 30; ++i) ASSERT_TRUE(pool.Tell(Job{i}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 30; }, "every job handled"));
  EXPECT_EQ(pool.Resize(0).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(RouterTest, AFailedWorkerIsRestartedInPlace) {
  auto seen = std::make_shared<Seen>();
  Router<JobMessage> pool = StartPool(Routing::kRoundRobin, 2, seen);
  ASSERT_TRUE(pool.workers()[0].Tell(Fail{"worker failure"}).ok());
  ASSERT_TRUE(WaitUntil([&] { return pool.restarts() == 1; }, "the restart"));
  for (uint64_t i = 0; i < 10; ++i) ASSERT_TRUE(pool.Tell(Job{i}).ok());
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 10; }, "every job handled"));
  EXPECT_EQ(seen->keys()["pool-0"].size(), 5u);
}

TEST_P(RouterTest, InvalidOptionsSayWhatIsAllowed) {
  RouterOptions<JobMessage> none;
  none.workers = 0;
  absl::StatusOr<Router<JobMessage>> empty =
      Router<JobMessage>::Start<Worker>(system(), none, std::make_shared<Seen>());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("workers must be in [1, 100000]; got 0"),
            std::string::npos)
      << empty.status();
  RouterOptions<JobMessage> keyless;
  keyless.routing = Routing::kConsistentHash;
  EXPECT_EQ(Router<JobMessage>::Start<Worker>(system(), keyless, std::make_shared<Seen>())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(RouterTest, GroupsBroadcastToMembersAndForgetStoppedOnes) {
  auto seen = std::make_shared<Seen>();
  ActorGroups<JobMessage> groups;
  ActorRef<JobMessage> a = system().Spawn<Worker>({.name = "a"}, seen);
  ActorRef<JobMessage> b = system().Spawn<Worker>({.name = "b"}, seen);
  ActorRef<JobMessage> c = system().Spawn<Worker>({.name = "c"}, seen);
  ASSERT_TRUE(groups.Join("lobby", a).ok());
  ASSERT_TRUE(groups.Join("lobby", b).ok());
  ASSERT_TRUE(groups.Join("lobby", b).ok());  // once per group
  ASSERT_TRUE(groups.Join("kitchen", c).ok());
  EXPECT_EQ(groups.Broadcast("lobby", Job{1}), 2);
  ASSERT_TRUE(WaitUntil([&] { return seen->total() == 2; }, "two copies handled"));
  EXPECT_EQ(seen->keys().count("c"), 0u);

  EXPECT_TRUE(groups.Leave("lobby", a));
  EXPECT_FALSE(groups.Leave("lobby", a));
  b.Stop();
  ASSERT_TRUE(b.AwaitStop().ok());
  ASSERT_TRUE(WaitUntil([&] { return groups.Members("lobby").empty(); }, "b left the lobby"));
  EXPECT_EQ(groups.Broadcast("lobby", Job{2}), 0);
  EXPECT_EQ(groups.Members("kitchen").size(), 1u);
  EXPECT_EQ(groups.Join("lobby", b).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(groups.Members("lobby").empty());
}

INSTANTIATE_TEST_SUITE_P(Procs, RouterTest, ::testing::Values(1, 2, 4), testing::ProcsName);

}  // namespace
}  // namespace troupe::testing
