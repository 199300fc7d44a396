// RemotePool and RemoteWorker (remote_pool.h): workers on separate nodes (NATS
// connections in this process) of a nats-server of the test's own; submissions
// spread over them, a worker at its bound turning work away, a worker leaving
// with work taken and another joining, a worker's node closing with work taken,
// no workers at all, and the caller's own bound on submissions in flight.
#include "troupe/remote/remote_pool.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/job_worker.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/remote/test_node.h"
#include "troupe/tests/remote/test_messages.pb.h"
#include "troupe/tests/scheduler/test_support.h"

namespace troupe {
namespace {

using remote_test::Job;
using remote_test::JobResult;
using remote_testing::JobMessage;
using remote_testing::JobProbe;
using remote_testing::JobWorker;
using remote_testing::MakeJob;
using testing::WaitUntil;

constexpr absl::Duration kGenerous = absl::Seconds(30);  // bounds a broken test only

class RemotePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
    harness_.Start(2);
    client_ = Connect("client");
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    workers_.clear();  // each leaves (its handle goes first), then its node closes
    client_.reset();
    harness_.Finish();
    server_.Stop();
  }

  std::unique_ptr<RemoteNode> Connect(const std::string& name) {
    return remote_testing::ConnectTestNode(server_.url(), "pooltest", name);
  }

  // A worker numbered `number` (its results say so) on a node of its own.
  struct Worker {
    std::unique_ptr<RemoteNode> node;
    std::shared_ptr<JobProbe> probe = std::make_shared<JobProbe>();
    RemoteWorker handle;
  };
  Worker& StartWorker(int64_t number, int max_outstanding, const std::string& pool = "jobs") {
    Worker& worker = workers_[number];
    worker.node = Connect("worker-" + std::to_string(number));
    ActorRef<JobMessage> actor = harness_.system().Spawn<JobWorker>(
        {.name = "worker-" + std::to_string(number)}, number, gate_, worker.probe);
    absl::StatusOr<RemoteWorker> handle = worker.node->ServeWork<Job, JobResult>(
        pool, actor, &remote_testing::MakeJobRequest, {.max_outstanding = max_outstanding});
    EXPECT_TRUE(handle.ok()) << handle.status();
    if (handle.ok()) worker.handle = *std::move(handle);
    return worker;
  }

  RemotePool<Job, JobResult> MakePool(RemotePoolOptions options = {}) {
    absl::StatusOr<RemotePool<Job, JobResult>> pool =
        client_->Pool<Job, JobResult>("jobs", options);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return pool.ok() ? *pool : RemotePool<Job, JobResult>();
  }

  // A fiber that submits `job` and expects a result from worker `expected_worker`.
  JoinHandle SubmitInFiber(const RemotePool<Job, JobResult>& pool, Job job,
                           int64_t expected_worker) {
    return harness_.runtime().Spawn([pool, job, expected_worker] {
      absl::StatusOr<JobResult> result = pool.Submit(job, kGenerous);
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->id(), job.id());
      EXPECT_EQ(result->worker(), expected_worker);
    });
  }

  testing::NatsServer server_;
  testing::ActorHarness harness_;
  std::unique_ptr<RemoteNode> client_;
  std::map<int64_t, Worker> workers_;
  Channel<int> gate_{16};
};

TEST_F(RemotePoolTest, EverySubmissionGetsItsResultAndBothWorkersDoWork) {
  constexpr int kSubmitters = 4;
  constexpr int kPerSubmitter = 25;
  StartWorker(1, /*max_outstanding=*/4);
  StartWorker(2, /*max_outstanding=*/4);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    std::vector<JoinHandle> submitters;
    std::vector<std::map<int64_t, int>> by_worker(kSubmitters);
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.push_back(harness_.runtime().Spawn([&, s] {
        for (int i = 0; i < kPerSubmitter; ++i) {
          const int64_t id = s * 1000 + i;
          absl::StatusOr<JobResult> result = pool.Submit(MakeJob(id), kGenerous);
          ASSERT_TRUE(result.ok()) << result.status();
          EXPECT_EQ(result->id(), id);
          ++by_worker[s][result->worker()];
        }
      }));
    }
    for (JoinHandle& submitter : submitters) ASSERT_TRUE(submitter.Join().ok());
    std::map<int64_t, int> total;
    for (const auto& counts : by_worker) {
      for (const auto& [worker, count] : counts) total[worker] += count;
    }
    EXPECT_EQ(total.size(), 2u) << "only one worker did work";
    EXPECT_EQ(total[1] + total[2], kSubmitters * kPerSubmitter);
    const RemotePoolStats stats = pool.stats();
    EXPECT_EQ(stats.submitted, static_cast<uint64_t>(kSubmitters * kPerSubmitter));
    EXPECT_EQ(stats.completed, stats.submitted);
    EXPECT_EQ(stats.failed, 0u);
    EXPECT_EQ(stats.in_flight, 0);
    for (int64_t number : {1, 2}) {
      // A worker counts an answer after sending it: the result may arrive first.
      const uint64_t expected = static_cast<uint64_t>(total[number]);
      EXPECT_TRUE(WaitUntil([&] { return workers_[number].handle.stats().answered == expected; },
                            "each worker has counted the answers it sent"))
          << "worker " << number << " counted " << workers_[number].handle.stats().answered
          << " answers, sent " << expected;
      EXPECT_LE(workers_[number].handle.stats().peak_outstanding, 4);
    }
  });
}

TEST_F(RemotePoolTest, AWorkerAtItsBoundTurnsWorkAwayAndTheOtherWorkerDoesIt) {
  constexpr int kJobs = 40;
  Worker& narrow = StartWorker(1, /*max_outstanding=*/1);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    // Alone in the pool, worker 1 takes a job that blocks: it is at its bound.
    JoinHandle blocked = SubmitInFiber(pool, MakeJob(0, /*block=*/true), /*expected_worker=*/1);
    ASSERT_TRUE(WaitUntil([&] { return narrow.probe->blocked.load() == 1; },
                          "worker 1 is blocked on its job"));
    StartWorker(2, /*max_outstanding=*/8);
    for (int i = 1; i <= kJobs; ++i) {
      absl::StatusOr<JobResult> result = pool.Submit(MakeJob(i), kGenerous);
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->worker(), 2) << "job " << i << " was done by the blocked worker";
    }
    const RemoteWorkerStats at_bound = narrow.handle.stats();
    EXPECT_EQ(at_bound.accepted, 1u);
    EXPECT_EQ(at_bound.peak_outstanding, 1);
    // NATS picks a member at random: 40 picks all missing worker 1 has odds 2^-40.
    EXPECT_GT(at_bound.busy_rejections, 0u);
    const RemotePoolStats stats = pool.stats();
    EXPECT_EQ(stats.busy_answers, at_bound.busy_rejections);
    EXPECT_EQ(stats.retries, stats.busy_answers);
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(blocked.Join().ok());
    // The worker counts an answer after sending it: the result may arrive first.
    EXPECT_TRUE(WaitUntil([&] { return narrow.handle.stats().answered == 1u; },
                          "the blocked worker has counted its answer"));
  });
}

TEST_F(RemotePoolTest, BusyUntilTheDeadlineIsResourceExhausted) {
  Worker& only = StartWorker(1, /*max_outstanding=*/1);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    JoinHandle blocked = SubmitInFiber(pool, MakeJob(0, /*block=*/true), /*expected_worker=*/1);
    ASSERT_TRUE(WaitUntil([&] { return only.probe->blocked.load() == 1; },
                          "the only worker is blocked on its job"));
    absl::StatusOr<JobResult> refused = pool.Submit(MakeJob(1), absl::Milliseconds(300));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted) << refused.status();
    EXPECT_GE(pool.stats().busy_answers, 1u);
    EXPECT_EQ(pool.stats().failed, 1u);
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    ASSERT_TRUE(blocked.Join().ok());
    EXPECT_EQ(only.handle.stats().accepted, 1u);
  });
}

TEST_F(RemotePoolTest, AWorkersOwnResourceExhaustedIsTheResultNotARetry) {
  StartWorker(1, /*max_outstanding=*/4);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    Job failing = MakeJob(1);
    failing.set_fail(true);
    absl::StatusOr<JobResult> result = pool.Submit(failing, kGenerous);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted) << result.status();
    EXPECT_EQ(result.status().message(), "the job's own error");
    EXPECT_EQ(pool.stats().busy_answers, 0u);
    EXPECT_EQ(pool.stats().retries, 0u);
  });
}

TEST_F(RemotePoolTest, ALeavingWorkerAnswersWhatItTookAndAJoiningWorkerGetsTheRest) {
  constexpr int kTaken = 4;
  Worker& leaving = StartWorker(1, /*max_outstanding=*/kTaken);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    // Worker 1, alone, takes four jobs: the first blocks, three wait in its mailbox.
    std::vector<JoinHandle> taken;
    taken.push_back(SubmitInFiber(pool, MakeJob(0, /*block=*/true), /*expected_worker=*/1));
    ASSERT_TRUE(WaitUntil([&] { return leaving.probe->blocked.load() == 1; },
                          "worker 1 is blocked on its first job"));
    for (int i = 1; i < kTaken; ++i) taken.push_back(SubmitInFiber(pool, MakeJob(i), 1));
    ASSERT_TRUE(WaitUntil([&] { return leaving.handle.stats().accepted == kTaken; },
                          "worker 1 took four jobs"));
    absl::Status left;
    const ContextWithCancel leave_bound = WithTimeout(Context(), kGenerous);
    JoinHandle leaver =
        harness_.runtime().Spawn([&] { left = leaving.handle.Leave(leave_bound.context); });
    // Worker 2 joins; worker 1 is full and leaving, so worker 2 does everything new.
    StartWorker(2, /*max_outstanding=*/4);
    for (int i = kTaken; i < kTaken + 10; ++i) {
      absl::StatusOr<JobResult> result = pool.Submit(MakeJob(i), kGenerous);
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->worker(), 2);
    }
    ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
    for (JoinHandle& job : taken) ASSERT_TRUE(job.Join().ok());
    ASSERT_TRUE(leaver.Join().ok());
    leave_bound.cancel.Cancel();
    EXPECT_TRUE(left.ok()) << left;
    const RemoteWorkerStats gone = leaving.handle.stats();
    EXPECT_EQ(gone.accepted, static_cast<uint64_t>(kTaken));
    EXPECT_EQ(gone.answered, static_cast<uint64_t>(kTaken));
    EXPECT_EQ(gone.outstanding, 0);
    // After the leave, nothing reaches worker 1.
    for (int i = 100; i < 110; ++i) {
      absl::StatusOr<JobResult> result = pool.Submit(MakeJob(i), kGenerous);
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->worker(), 2);
    }
    EXPECT_EQ(leaving.handle.stats().accepted, static_cast<uint64_t>(kTaken));
    const RemotePoolStats stats = pool.stats();
    EXPECT_EQ(stats.completed, static_cast<uint64_t>(kTaken + 20));
    EXPECT_EQ(stats.failed, 0u);
  });
}

TEST_F(RemotePoolTest, SubmissionsHeldByAWorkerWhoseNodeClosesFailUnavailable) {
  constexpr int kHeld = 2;
  Worker& closing = StartWorker(1, /*max_outstanding=*/4);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    // Worker 1 takes both: the first blocks its actor, the second waits in its
    // mailbox. The deadline only bounds a broken test (waiting it out would be
    // DeadlineExceeded): the node's goodbye must fail them.
    std::vector<JoinHandle> held;
    for (int i = 0; i < kHeld; ++i) {
      held.push_back(harness_.runtime().Spawn([pool, i] {
        absl::StatusOr<JobResult> result = pool.Submit(MakeJob(i, /*block=*/true),
                                                       absl::Seconds(60));
        EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
      }));
    }
    ASSERT_TRUE(WaitUntil([&] { return client_->stats().submissions_taken == kHeld; },
                          "worker 1 says it took both jobs"));
    closing.node.reset();  // says goodbye; what its actor holds is never answered
    for (JoinHandle& submission : held) ASSERT_TRUE(submission.Join().ok());
    EXPECT_EQ(client_->stats().asks_failed_by_node_death, static_cast<uint64_t>(kHeld));
    EXPECT_EQ(pool.stats().failed, static_cast<uint64_t>(kHeld));
    for (int i = 0; i < kHeld; ++i) ASSERT_EQ(gate_.TrySend(1), ChannelStatus::kOk);
  });
}

TEST_F(RemotePoolTest, NoWorkersIsUnavailableWithoutWaitingForTheDeadline) {
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool();
    // The deadline only bounds a broken test: waiting it out would be
    // DeadlineExceeded, not Unavailable.
    absl::StatusOr<JobResult> result = pool.Submit(MakeJob(1), absl::Seconds(60));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
    EXPECT_NE(result.status().message().find("worker pool \"jobs\""), absl::string_view::npos)
        << result.status();
    // A worker that joins and leaves again leaves the pool empty again.
    Worker& passing = StartWorker(1, /*max_outstanding=*/1);
    ASSERT_TRUE(pool.Submit(MakeJob(2), kGenerous).ok());
    ASSERT_TRUE(passing.handle.Leave().ok());
    result = pool.Submit(MakeJob(3), absl::Seconds(60));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
  });
}

TEST_F(RemotePoolTest, TheCallersInFlightBoundParksSubmittersBeyondIt) {
  constexpr int kSubmitters = 3;
  Worker& worker = StartWorker(1, /*max_outstanding=*/8);
  harness_.RunInFiber([&] {
    RemotePool<Job, JobResult> pool = MakePool({.max_in_flight = 1});
    std::vector<JoinHandle> submitters;
    for (int s = 0; s < kSubmitters; ++s) {
      submitters.push_back(harness_.runtime().Spawn([&, s] {
        for (int i = 0; i < 5; ++i) {
          absl::StatusOr<JobResult> result = pool.Submit(MakeJob(s * 100 + i), kGenerous);
          EXPECT_TRUE(result.ok()) << result.status();
        }
      }));
    }
    for (JoinHandle& submitter : submitters) ASSERT_TRUE(submitter.Join().ok());
    // One submission at a time reached the worker, though it would take eight.
    EXPECT_EQ(worker.handle.stats().peak_outstanding, 1);
    // The worker counts an answer after sending it: the last result may arrive first.
    EXPECT_TRUE(WaitUntil([&] { return worker.handle.stats().answered == 15u; },
                          "the worker has counted its 15 answers"))
        << "counted " << worker.handle.stats().answered;
    EXPECT_EQ(pool.stats().busy_answers, 0u);
  });
}

TEST_F(RemotePoolTest, InvalidPoolNamesAndOptionsSayWhatIsAllowed) {
  harness_.RunInFiber([&] {
    ActorRef<JobMessage> actor = harness_.system().Spawn<JobWorker>(
        {.name = "unserved"}, int64_t{1}, gate_, std::make_shared<JobProbe>());
    absl::StatusOr<RemoteWorker> zero = client_->ServeWork<Job, JobResult>(
        "jobs", actor, &remote_testing::MakeJobRequest, {.max_outstanding = 0});
    EXPECT_EQ(zero.status().message(), "max_outstanding must be in [1, 1048576]; got 0");
    absl::StatusOr<RemoteWorker> bad_name = client_->ServeWork<Job, JobResult>(
        "a b", actor, &remote_testing::MakeJobRequest);
    EXPECT_EQ(bad_name.status().code(), absl::StatusCode::kInvalidArgument);
    absl::StatusOr<RemotePool<Job, JobResult>> no_room =
        client_->Pool<Job, JobResult>("jobs", {.max_in_flight = 0});
    EXPECT_EQ(no_room.status().message(), "max_in_flight must be in [1, 1048576]; got 0");
    RemotePoolOptions backwards;
    backwards.initial_backoff = absl::Milliseconds(10);
    backwards.max_backoff = absl::Milliseconds(1);
    const absl::Status backoff = client_->Pool<Job, JobResult>("jobs", backwards).status();
    EXPECT_EQ(backoff.code(), absl::StatusCode::kInvalidArgument) << backoff;
  });
}

}  // namespace
}  // namespace troupe
