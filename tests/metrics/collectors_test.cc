// troupe's own metrics: the scheduler's, an actor system's and tracked channels',
// read by collectors at scrape time; the page parses and shows the workload's figures.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/actor_system.h"
#include "troupe/metrics/actor_metrics.h"
#include "troupe/metrics/channel_metrics.h"
#include "troupe/metrics/pipeline_metrics.h"
#include "troupe/metrics/registry.h"
#include "troupe/metrics/runtime_metrics.h"
#include "troupe/pipeline/pipeline.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/metrics/prometheus_text_parser.h"

namespace troupe::metrics {
namespace {

using metrics_test::ParsedFamily;
using metrics_test::SampleValue;

std::vector<ParsedFamily> Parse(const Registry& registry) {
  const std::string page = registry.RenderText();
  absl::StatusOr<std::vector<ParsedFamily>> families = metrics_test::ParsePrometheusText(page);
  EXPECT_TRUE(families.ok()) << families.status() << "\n" << page;
  return families.ok() ? *families : std::vector<ParsedFamily>{};
}

class CollectorsTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { harness_.Start(GetParam()); }
  void TearDown() override { harness_.Finish(); }
  testing::ActorHarness harness_;
};

TEST_P(CollectorsTest, RuntimeMetricsShowTheSchedulersFigures) {
  Registry registry;
  absl::StatusOr<CollectorHandle> handle = RegisterRuntimeMetrics(registry, harness_.runtime());
  ASSERT_TRUE(handle.ok()) << handle.status();
  harness_.RunInFiber([&] {
    const std::vector<ParsedFamily> families = Parse(registry);
    EXPECT_GE(*SampleValue(families, "troupe_runtime_fibers"), 1);  // this one
    EXPECT_GE(*SampleValue(families, "troupe_runtime_switches_total"), 1);
    EXPECT_LT(*SampleValue(families, "troupe_runtime_processors_idle"), GetParam());
    EXPECT_TRUE(SampleValue(families, "troupe_runtime_schedule_latency_seconds_count").ok());
    for (int p = 0; p < GetParam(); ++p) {
      EXPECT_TRUE(
          SampleValue(families, "troupe_runtime_runqueue", {{"processor", std::to_string(p)}})
              .ok());
    }
  });
  EXPECT_EQ(RegisterRuntimeMetrics(registry, harness_.runtime()).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(CollectorsTest, ScheduleLatencyCountsASampleOfWakeups) {
  Registry registry;
  absl::StatusOr<CollectorHandle> handle = RegisterRuntimeMetrics(registry, harness_.runtime());
  ASSERT_TRUE(handle.ok()) << handle.status();
  // Ping-pong over two unbuffered channels: every receive parks and is woken, so
  // 2 x kRounds wake-ups, of which at least one in 64 per waking thread is stamped.
  constexpr int kRounds = 2'000;
  harness_.RunInFiber([&] {
    Channel<int> ping(0);
    Channel<int> pong(0);
    JoinHandle echo = Spawn([&] {
      for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(pong.Send(*ping.Recv()).ok());
    });
    for (int i = 0; i < kRounds; ++i) {
      ASSERT_TRUE(ping.Send(i).ok());
      ASSERT_EQ(pong.Recv(), i);
    }
    ASSERT_TRUE(echo.Join().ok());
  });
  const std::vector<ParsedFamily> families = Parse(registry);
  const double sampled = *SampleValue(families, "troupe_runtime_schedule_latency_seconds_count");
  // A thread that wakes N fibers stamps at least (N - 63) / 64 of them. The wakers are
  // the runtime's threads (the Ps' Ms, and a few more if Ps change hands): allow
  // 2 x procs + 1 of them.
  const int wakers = 2 * GetParam() + 1;
  EXPECT_GE(sampled, (2.0 * kRounds - 63.0 * wakers) / 64);
  EXPECT_LE(sampled, 2.0 * kRounds / 64 + wakers + 2);  // plus the spawns
}

TEST_P(CollectorsTest, ActorMetricsShowRegisteredActorsAndDeadLetters) {
  Registry registry;
  absl::StatusOr<CollectorHandle> handle = RegisterActorMetrics(registry, harness_.system());
  ASSERT_TRUE(handle.ok()) << handle.status();
  harness_.RunInFiber([&] {
    ActorRef<testing::CounterMessage> named = harness_.system().Spawn<testing::Counter>({});
    ActorRef<testing::CounterMessage> anonymous = harness_.system().Spawn<testing::Counter>({});
    ASSERT_TRUE(harness_.system().Register("adder", named).ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(named.Tell(testing::Add{1}).ok());
    // The Ask is handled after the five Adds: six messages processed once it returns.
    absl::StatusOr<int64_t> total = Ask<int64_t>(
        named, [](Reply<int64_t> reply) { return testing::GetTotal{std::move(reply)}; });
    ASSERT_TRUE(total.ok()) << total.status();
    anonymous.Stop();
    ASSERT_TRUE(anonymous.AwaitStop().ok());
    EXPECT_FALSE(anonymous.Tell(testing::Add{1}).ok());  // a dead letter

    const std::vector<ParsedFamily> families = Parse(registry);
    EXPECT_EQ(*SampleValue(families, "troupe_actor_processed_total", {{"actor", "adder"}}), 6);
    EXPECT_TRUE(SampleValue(families, "troupe_actor_mailbox_depth", {{"actor", "adder"}}).ok());
    EXPECT_EQ(*SampleValue(families, "troupe_actors_registered"), 1);
    EXPECT_EQ(*SampleValue(families, "troupe_actors_live"), 1);
    EXPECT_EQ(*SampleValue(families, "troupe_actor_dead_letters_total"), 1);
    EXPECT_EQ(*SampleValue(families, "troupe_actor_restarts_total"), 0);
    named.Stop();
    ASSERT_TRUE(named.AwaitStop().ok());
  });
}

TEST_P(CollectorsTest, ChannelMetricsShowTrackedChannelsOnly) {
  Registry registry;
  absl::StatusOr<std::unique_ptr<ChannelMetrics>> channels = ChannelMetrics::Create(registry);
  ASSERT_TRUE(channels.ok()) << channels.status();
  Channel<int> work(8);
  Channel<int> untracked(4);
  ASSERT_TRUE((*channels)->Track("work", work).ok());
  EXPECT_EQ((*channels)->Track("work", untracked).code(), absl::StatusCode::kAlreadyExists);
  harness_.RunInFiber([&] {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(work.Send(i).ok());
    ASSERT_TRUE(untracked.Send(1).ok());
  });
  std::vector<ParsedFamily> families = Parse(registry);
  EXPECT_EQ(*SampleValue(families, "troupe_channel_occupancy", {{"channel", "work"}}), 3);
  EXPECT_EQ(*SampleValue(families, "troupe_channel_capacity", {{"channel", "work"}}), 8);
  ASSERT_TRUE((*channels)->Untrack("work").ok());
  families = Parse(registry);
  EXPECT_FALSE(SampleValue(families, "troupe_channel_occupancy", {{"channel", "work"}}).ok());
  EXPECT_EQ((*channels)->Untrack("work").code(), absl::StatusCode::kNotFound);
}

TEST_P(CollectorsTest, PipelineMetricsCountEachStagesItems) {
  Registry registry;
  absl::StatusOr<std::unique_ptr<PipelineMetrics>> pipelines = PipelineMetrics::Create(registry);
  ASSERT_TRUE(pipelines.ok()) << pipelines.status();
  auto stats = std::make_shared<PipelineStats>();
  ASSERT_TRUE((*pipelines)->Track("numbers", stats).ok());
  EXPECT_EQ((*pipelines)->Track("numbers", stats).code(), absl::StatusCode::kAlreadyExists);
  constexpr int kItems = 300;
  for (bool ordered : {false, true}) {
    harness_.RunInFiber([&] {
      int next = 0;
      int64_t sum = 0;
      absl::Status status =
          Pipeline<int>::From([&](const Context&) -> std::optional<int> {
            if (next == kItems) return std::nullopt;
            return next++;
          }, {.ordered = ordered, .stats = stats})
              .Then("double", [](int x) { return 2 * x; }, {.parallelism = 2, .capacity = 4})
              .Sink("add", [&](int x) { sum += x; }, {.parallelism = 1, .capacity = 1})
              .Run();
      ASSERT_TRUE(status.ok()) << status;
      EXPECT_EQ(sum, int64_t{kItems} * (kItems - 1));
    });
  }
  const std::vector<ParsedFamily> families = Parse(registry);
  // Two runs (unordered, then ordered) into the same stats.
  for (const char* stage : {"source", "double", "add"}) {
    EXPECT_EQ(*SampleValue(families, "troupe_pipeline_stage_items_total",
                           {{"pipeline", "numbers"}, {"stage", stage}}),
              2 * kItems)
        << stage;
    EXPECT_GE(*SampleValue(families, "troupe_pipeline_stage_backpressure_seconds_total",
                           {{"pipeline", "numbers"}, {"stage", stage}}),
              0)
        << stage;
  }
}

INSTANTIATE_TEST_SUITE_P(Procs, CollectorsTest, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace troupe::metrics
