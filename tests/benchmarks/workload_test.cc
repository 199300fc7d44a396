// The public workload API (workload.h): a user's own record type and stages, keyed
// state and ordering, run by every design of its shape with the checksum of the
// plain-thread reference; the state's digest does not depend on how the keys are
// sharded; and a malformed workload is refused with what is wrong.
#include "troupe/benchmarks/compare/workload.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::benchmarks {
namespace {

struct Order {
  int64_t id = 0;
  uint64_t customer = 0;
  uint64_t amount = 0;
  uint64_t digest = 0;
};

struct Totals {
  uint64_t orders = 0;
  uint64_t amount = 0;
};

constexpr int64_t kCustomers = 23;

Workload<Order, Totals> Orders(bool stateful, bool ordered) {
  Workload<Order, Totals> w;
  w.name = "orders";
  w.records = 2'000;
  w.source = [](int64_t id, Order& o) {
    o.id = id;
    o.customer = static_cast<uint64_t>(id * 7919) % kCustomers;
    o.amount = static_cast<uint64_t>(id % 97) + 1;
    o.digest = 0;
  };
  w.stages = {
      {"price", [](Order& o) { o.digest = o.amount * 31 + o.customer; }},
      {"lookup",
       [](Order& o) {
         if (o.id % 100 == 0) this_fiber::SleepFor(absl::Microseconds(20));
         o.digest = o.digest * 1099511628211ull + static_cast<uint64_t>(o.id);
       },
       StageKind::kParks},
  };
  w.result = [](const Order& o) { return o.digest; };
  if (stateful || ordered) {
    w.keys = kCustomers;
    w.key = [](const Order& o) { return o.customer; };
  }
  if (stateful) {
    KeyedState<Order, Totals> state;
    state.update = [](const Order& o, Totals& t) {
      ++t.orders;
      t.amount += o.amount;
    };
    state.digest = [](uint64_t key, const Totals& t) {
      return (key + 1) * 1'000'003 + t.orders * 7 + t.amount;
    };
    w.state = std::move(state);
  }
  w.ordered = ordered;
  return w;
}

class WorkloadTest : public ::testing::TestWithParam<int> {};

TEST_P(WorkloadTest, EveryDesignOfAUsersWorkloadMatchesTheReference) {
  auto runtime = Runtime::Create({.procs = GetParam()});
  ASSERT_TRUE(runtime.ok());
  for (auto [stateful, ordered] : {std::pair{false, false}, {true, false}, {false, true}}) {
    const ErasedWorkload w = Erase(Orders(stateful, ordered));
    ASSERT_TRUE(ValidateWorkload(w).ok()) << ValidateWorkload(w);
    DesignOptions options;
    options.records = w.records;
    options.capacity = 4;
    options.parallelism = 3;
    options.shards = 4;
    const DesignResult reference = RunCeiling(GetParam(), w, options);
    ASSERT_TRUE(reference.error.empty()) << reference.error;
    for (const DesignSpec& spec : DesignsFor(w)) {
      const DesignResult result = RunDesign(spec, **runtime, w, options);
      EXPECT_TRUE(result.error.empty()) << spec.name << ": " << result.error;
      EXPECT_EQ(result.checksum, reference.checksum)
          << spec.name << " stateful=" << stateful << " ordered=" << ordered;
      EXPECT_EQ(result.records, w.records) << spec.name;
    }
  }
}

TEST(WorkloadApiTest, TheStatesDigestDoesNotDependOnTheSharding) {
  const ErasedWorkload w = Erase(Orders(/*stateful=*/true, /*ordered=*/false));
  void* record = w.make_record();
  auto whole = w.make_state(kCustomers, 0, 1);
  std::vector<std::unique_ptr<ErasedStateShard>> shards;
  for (int owner = 0; owner < 5; ++owner) shards.push_back(w.make_state(kCustomers, owner, 5));
  for (int64_t id = 0; id < 500; ++id) {
    w.fill(id, record);
    for (const ErasedStage& stage : w.stages) stage.run(record);
    const uint64_t key = w.key(record);
    whole->Update(record, key);
    shards[key % 5]->Update(record, key);
  }
  uint64_t sharded = 0;
  for (const auto& shard : shards) sharded += shard->Digest();
  EXPECT_EQ(sharded, whole->Digest());
  w.free_record(record);
}

TEST(WorkloadApiTest, AMalformedWorkloadIsRefusedWithWhatIsWrong) {
  auto refused = [](Workload<Order, Totals> w, const std::string& expected) {
    const absl::Status status = ValidateWorkload(Erase(std::move(w)));
    EXPECT_FALSE(status.ok()) << expected;
    EXPECT_NE(status.message().find(expected), absl::string_view::npos) << status;
  };
  Workload<Order, Totals> no_stages = Orders(false, false);
  no_stages.stages.clear();
  refused(no_stages, "at least one stage");
  Workload<Order, Totals> no_source = Orders(false, false);
  no_source.source = nullptr;
  refused(no_source, "source must be set");
  Workload<Order, Totals> unkeyed_state = Orders(true, false);
  unkeyed_state.keys = 0;
  unkeyed_state.key = nullptr;
  refused(unkeyed_state, "state needs keys > 0");
  Workload<Order, Totals> both = Orders(true, true);
  refused(both, "either stateful or ordered");
  Workload<Order, Totals> keyless = Orders(false, true);
  keyless.key = nullptr;
  refused(keyless, "keys > 0 needs a key function");
  Workload<Order, Totals> none = Orders(false, false);
  none.records = 0;
  refused(none, "records must be >= 1; got 0");
}

INSTANTIATE_TEST_SUITE_P(Procs, WorkloadTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace troupe::benchmarks
