// Two processes: this test's, and a host process it spawns (this same binary, run
// with TROUPE_REMOTE_HOST_URL set) that publishes a counter. They exchange typed
// messages through a nats-server of the test's own; then the host is killed with
// SIGKILL — no goodbye — and the test's node must declare it dead by its silence:
// the monitor is told, the ask waiting for it fails Unavailable, a new ask fails at
// once.
//
// And a worker pool across two processes: a worker process (TROUPE_REMOTE_WORKER_URL
// set) serves the pool beside a worker in the test's process; submissions reach
// both, then only the other process's once the local worker leaves, and none once
// that process is killed (Unavailable).
//
// And three processes at once: the test's node has a job done in the worker
// process and tells its result to the counter in the host process, round after
// round, each answer checked.
//
// And a worker process killed with SIGKILL while it holds submissions (its actor
// blocked on the first, the others queued): each fails Unavailable once the
// submitter declares the worker's node dead, long before its deadline.
//
// And at-least-once delivery across a kill -9: a stored host process
// (TROUPE_REMOTE_STORED_HOST_URL set) publishes a counter at least once, handles
// the first stored tells and blocks on the next; it is killed with stored
// messages not yet handled, and a node of the test's that publishes the same name
// handles each of those exactly once.
#include <nats/nats.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "troupe/actors/actor_system.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/join_handle.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/actors/test_actors.h"
#include "troupe/tests/remote/counter_actor.h"
#include "troupe/tests/remote/job_worker.h"
#include "troupe/tests/remote/nats_server.h"
#include "troupe/tests/scheduler/test_support.h"

extern char** environ;

namespace troupe {
namespace {

using remote_test::Command;
using remote_test::Job;
using remote_test::JobResult;
using remote_test::Total;

constexpr char kHostUrlVariable[] = "TROUPE_REMOTE_HOST_URL";
constexpr char kWorkerUrlVariable[] = "TROUPE_REMOTE_WORKER_URL";
constexpr char kStoredHostUrlVariable[] = "TROUPE_REMOTE_STORED_HOST_URL";

RemoteNodeOptions Options(const std::string& url, const std::string& name) {
  RemoteNodeOptions options;
  options.url = url;
  options.system = "process";
  options.node_name = name;
  options.heartbeat_interval = absl::Milliseconds(100);
  // Generous for a loaded machine (sanitizers, CI): a false death fails the test.
  options.failure_detection = absl::Seconds(5);
  return options;
}

// The host process: publishes a counter, then serves until it is killed.
int RunHost(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 1});
  if (!runtime.ok()) return 2;
  ActorSystem system(**runtime);
  absl::StatusOr<std::unique_ptr<RemoteNode>> node = RemoteNode::Connect(Options(url, "host"));
  if (!node.ok()) {
    std::fprintf(stderr, "host: %s\n", node.status().ToString().c_str());
    return 2;
  }
  Channel<int> gate(1);  // never opened: a `block` command blocks for good
  ActorRef<remote_testing::CounterMessage> counter = system.Spawn<remote_testing::Counter>(
      {.name = "counter"}, gate, std::make_shared<remote_testing::CounterProbe>());
  absl::Status published = (*node)->Publish<Command, Total>(
      "counter", counter, [](Command command, Reply<Total> reply) {
        return remote_testing::RemoteCommand{std::move(command), std::move(reply)};
      });
  if (!published.ok()) {
    std::fprintf(stderr, "host: %s\n", published.ToString().c_str());
    return 2;
  }
  for (;;) pause();  // the actors run on the runtime's threads
}

remote_testing::RemoteCommand MakeCommand(Command command, Reply<Total> reply) {
  return remote_testing::RemoteCommand{std::move(command), std::move(reply)};
}

// At least once, handed over again 1 s after a node dies holding it.
PublishOptions StoredLedger() {
  return {.delivery = Delivery::kAtLeastOnce, .ack_wait = absl::Seconds(1)};
}

// The stored host process: publishes a counter at least once as "ledger" (it
// blocks for good on a `block` command), then serves until it is killed.
int RunStoredHost(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 1});
  if (!runtime.ok()) return 2;
  ActorSystem system(**runtime);
  absl::StatusOr<std::unique_ptr<RemoteNode>> node =
      RemoteNode::Connect(Options(url, "stored-host"));
  if (!node.ok()) {
    std::fprintf(stderr, "stored host: %s\n", node.status().ToString().c_str());
    return 2;
  }
  Channel<int> gate(1);  // never opened
  ActorRef<remote_testing::CounterMessage> counter = system.Spawn<remote_testing::Counter>(
      {.name = "ledger"}, gate, std::make_shared<remote_testing::CounterProbe>());
  absl::Status published =
      (*node)->Publish<Command, Total>("ledger", counter, &MakeCommand, StoredLedger());
  if (!published.ok()) {
    std::fprintf(stderr, "stored host: %s\n", published.ToString().c_str());
    return 2;
  }
  for (;;) pause();  // the actors run on the runtime's threads
}

// The messages held in the JetStream stream `stream` (acknowledged ones are gone:
// work-queue retention), asked with the C client directly; -1 on errors.
int64_t StoredMessages(const std::string& url, const std::string& stream) {
  natsConnection* connection = nullptr;
  if (natsConnection_ConnectTo(&connection, url.c_str()) != NATS_OK) return -1;
  int64_t messages = -1;
  jsCtx* js = nullptr;
  if (natsConnection_JetStream(&js, connection, nullptr) == NATS_OK) {
    jsStreamInfo* info = nullptr;
    if (js_GetStreamInfo(&info, js, stream.c_str(), nullptr, nullptr) == NATS_OK) {
      messages = static_cast<int64_t>(info->State.Msgs);
      jsStreamInfo_Destroy(info);
    }
    jsCtx_Destroy(js);
  }
  natsConnection_Destroy(connection);
  return messages;
}

// The worker process: serves the pool "jobs" as worker 2, then until it is killed.
int RunWorker(const std::string& url) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 1});
  if (!runtime.ok()) return 2;
  ActorSystem system(**runtime);
  absl::StatusOr<std::unique_ptr<RemoteNode>> node =
      RemoteNode::Connect(Options(url, "worker-process"));
  if (!node.ok()) {
    std::fprintf(stderr, "worker: %s\n", node.status().ToString().c_str());
    return 2;
  }
  ActorRef<remote_testing::JobMessage> actor = system.Spawn<remote_testing::JobWorker>(
      {.name = "worker-2"}, int64_t{2}, Channel<int>(1),
      std::make_shared<remote_testing::JobProbe>());
  absl::StatusOr<RemoteWorker> worker = (*node)->ServeWork<Job, JobResult>(
      "jobs", actor, &remote_testing::MakeJobRequest, {.max_outstanding = 4});
  if (!worker.ok()) {
    std::fprintf(stderr, "worker: %s\n", worker.status().ToString().c_str());
    return 2;
  }
  for (;;) pause();  // the actors run on the runtime's threads
}

// Looks up the host process's counter into *counter, again until the process has
// published it (bounded: false, the test failed, if it never does).
bool LookUpHostCounter(RemoteNode& node, absl::StatusOr<RemoteRef<Command, Total>>* counter) {
  return testing::WaitUntil(
      [&] {
        *counter = node.Lookup<Command, Total>("counter");
        return counter->ok();
      },
      "the host process publishes its counter");
}

// A child process (this same binary, with `variable` set to `url`); killed with
// SIGKILL if the test ends before it does.
struct ChildProcess {
  pid_t pid = -1;
  ~ChildProcess() { Kill(); }
  bool Spawn(const char* variable, const std::string& url) {
    const std::string assignment = std::string(variable) + "=" + url;
    std::vector<char*> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) environment.push_back(*entry);
    environment.push_back(const_cast<char*>(assignment.c_str()));
    environment.push_back(nullptr);
    char self[] = "/proc/self/exe";
    char* argv[] = {self, nullptr};
    return posix_spawn(&pid, self, nullptr, nullptr, argv, environment.data()) == 0;
  }
  void Kill() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    pid = -1;
  }
};

TEST(RemoteProcessTest, TwoProcessesExchangeMessagesAndAKilledHostIsDeclaredDead) {
  testing::NatsServer server;
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  ChildProcess host;
  ASSERT_TRUE(host.Spawn(kHostUrlVariable, server.url()));
  testing::ActorHarness harness;
  harness.Start(2);
  {
    absl::StatusOr<std::unique_ptr<RemoteNode>> node =
        RemoteNode::Connect(Options(server.url(), "client"));
    ASSERT_TRUE(node.ok()) << node.status();
    harness.RunInFiber([&] {
      absl::StatusOr<RemoteRef<Command, Total>> counter;
      ASSERT_TRUE(LookUpHostCounter(**node, &counter));
      for (int i = 1; i <= 100; ++i) EXPECT_TRUE(counter->Tell(remote_testing::Add(i, 1, i - 1)).ok());
      absl::StatusOr<Total> total = counter->Ask(remote_testing::Ping(), absl::Seconds(30));
      ASSERT_TRUE(total.ok()) << total.status();
      EXPECT_EQ(total->total(), 5050);
      EXPECT_EQ(total->out_of_order(), 0);

      Channel<absl::Status> reasons(1);
      (*node)->Monitor(*counter, [reasons](const ActorExit& exit) {
        (void)reasons.TrySend(absl::Status(exit.reason));
      });
      // An ask the host never answers (its counter blocks for good); its 60 s
      // deadline only bounds a broken test: it must fail when the host is dead.
      RemoteRef<Command, Total> remote = *counter;
      const uint64_t asks_before = (*node)->stats().asks_sent;  // the Lookup's probe counts too
      JoinHandle asker = harness.runtime().Spawn([remote] {
        absl::StatusOr<Total> answer = remote.Ask(remote_testing::Block(), absl::Seconds(60));
        EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable) << answer.status();
      });
      ASSERT_TRUE(testing::WaitUntil([&] { return (*node)->stats().asks_sent > asks_before; },
                                     "the blocking ask is sent"));
      // A probe answered through the counter's subscription, sent after the blocking
      // ask: the host has received that ask, so it is pending there when the host
      // dies (killed earlier, the ask could meet "no responders" instead).
      const absl::StatusOr<RemoteRef<Command, Total>> probed =
          (*node)->Lookup<Command, Total>("counter");
      ASSERT_TRUE(probed.ok()) << probed.status();
      host.Kill();
      absl::StatusOr<absl::Status> reason = reasons.Recv(Context());
      ASSERT_TRUE(reason.ok());
      EXPECT_EQ(reason->code(), absl::StatusCode::kUnavailable) << *reason;
      ASSERT_TRUE(asker.Join().ok());
      absl::StatusOr<Total> after = counter->Ask(remote_testing::Ping(), absl::Seconds(60));
      EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable) << after.status();
      EXPECT_EQ((*node)->stats().nodes_declared_dead, 1u);
      EXPECT_EQ((*node)->stats().asks_failed_by_node_death, 1u);
    });
  }
  harness.Finish();
}

TEST(RemoteProcessTest, APoolSpreadsWorkOverTwoProcessesAndLosesItsWorkersCleanly) {
  constexpr int kJobs = 40;
  testing::NatsServer server;
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  ChildProcess worker_process;
  ASSERT_TRUE(worker_process.Spawn(kWorkerUrlVariable, server.url()));
  testing::ActorHarness harness;
  harness.Start(2);
  {
    absl::StatusOr<std::unique_ptr<RemoteNode>> client =
        RemoteNode::Connect(Options(server.url(), "client"));
    ASSERT_TRUE(client.ok()) << client.status();
    absl::StatusOr<std::unique_ptr<RemoteNode>> local_node =
        RemoteNode::Connect(Options(server.url(), "local-worker"));
    ASSERT_TRUE(local_node.ok()) << local_node.status();
    harness.RunInFiber([&] {
      ActorRef<remote_testing::JobMessage> actor = harness.system().Spawn<remote_testing::JobWorker>(
          {.name = "worker-1"}, int64_t{1}, Channel<int>(1),
          std::make_shared<remote_testing::JobProbe>());
      absl::StatusOr<RemoteWorker> local = (*local_node)->ServeWork<Job, JobResult>(
          "jobs", actor, &remote_testing::MakeJobRequest, {.max_outstanding = 4});
      ASSERT_TRUE(local.ok()) << local.status();
      absl::StatusOr<RemotePool<Job, JobResult>> pool = (*client)->Pool<Job, JobResult>("jobs");
      ASSERT_TRUE(pool.ok()) << pool.status();
      int64_t next_id = 0;
      int warm_up_local = 0;  // jobs the local worker did before the process's first
      ASSERT_TRUE(testing::WaitUntil(
          [&] {
            absl::StatusOr<JobResult> result =
                pool->Submit(remote_testing::MakeJob(++next_id), absl::Seconds(30));
            EXPECT_TRUE(result.ok()) << result.status();
            if (result.ok() && result->worker() == 1) ++warm_up_local;
            return result.ok() && result->worker() == 2;
          },
          "the worker process does a job"));
      std::map<int64_t, int> by_worker;
      for (int i = 0; i < kJobs; ++i) {
        const int64_t id = ++next_id;
        absl::StatusOr<JobResult> result =
            pool->Submit(remote_testing::MakeJob(id), absl::Seconds(30));
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_EQ(result->id(), id);
        ++by_worker[result->worker()];
      }
      EXPECT_EQ(by_worker.size(), 2u) << "one process did every job";
      EXPECT_EQ(by_worker[1] + by_worker[2], kJobs);
      // A worker counts an answer after sending it: the last result may arrive first.
      const uint64_t local_answers = static_cast<uint64_t>(by_worker[1] + warm_up_local);
      EXPECT_TRUE(testing::WaitUntil([&] { return local->stats().answered == local_answers; },
                            "the local worker has counted its answers"))
          << "counted " << local->stats().answered << ", sent " << local_answers;
      const ContextWithCancel leave_bound = WithTimeout(Context(), absl::Seconds(30));
      ASSERT_TRUE(local->Leave(leave_bound.context).ok());
      leave_bound.cancel.Cancel();
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<JobResult> result =
            pool->Submit(remote_testing::MakeJob(++next_id), absl::Seconds(30));
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_EQ(result->worker(), 2) << "the local worker left";
      }
      worker_process.Kill();
      // The server drops the dead process's subscription when its socket closes;
      // from then on a submission fails Unavailable at once.
      ASSERT_TRUE(testing::WaitUntil(
          [&] {
            return pool->Submit(remote_testing::MakeJob(++next_id), absl::Seconds(5))
                       .status()
                       .code() == absl::StatusCode::kUnavailable;
          },
          "a submission fails Unavailable once no worker is left"));
      EXPECT_EQ(pool->stats().in_flight, 0);
    });
  }
  harness.Finish();
}

TEST(RemoteProcessTest, ThreeProcessesExchangeTypedMessagesThroughOneServer) {
  constexpr int kRounds = 20;
  testing::NatsServer server;
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  ChildProcess host;  // publishes the counter
  ASSERT_TRUE(host.Spawn(kHostUrlVariable, server.url()));
  ChildProcess worker_process;  // serves the pool "jobs" as worker 2
  ASSERT_TRUE(worker_process.Spawn(kWorkerUrlVariable, server.url()));
  testing::ActorHarness harness;
  harness.Start(2);
  {
    absl::StatusOr<std::unique_ptr<RemoteNode>> node =
        RemoteNode::Connect(Options(server.url(), "client"));
    ASSERT_TRUE(node.ok()) << node.status();
    harness.RunInFiber([&] {
      absl::StatusOr<RemoteRef<Command, Total>> counter;
      ASSERT_TRUE(LookUpHostCounter(**node, &counter));
      absl::StatusOr<RemotePool<Job, JobResult>> pool = (*node)->Pool<Job, JobResult>("jobs");
      ASSERT_TRUE(pool.ok()) << pool.status();
      ASSERT_TRUE(testing::WaitUntil(
          [&] { return pool->Submit(remote_testing::MakeJob(0), absl::Seconds(30)).ok(); },
          "the worker process serves the pool"));
      // Each round: a job done in one process, its id told to the counter in the
      // other, and an ask there that must see every id told so far, in order.
      int64_t expected_total = 0;
      for (int round = 1; round <= kRounds; ++round) {
        absl::StatusOr<JobResult> job =
            pool->Submit(remote_testing::MakeJob(round), absl::Seconds(30));
        ASSERT_TRUE(job.ok()) << job.status();
        EXPECT_EQ(job->worker(), 2) << "done by the worker process";
        ASSERT_EQ(job->id(), round);
        ASSERT_TRUE(counter->Tell(remote_testing::Add(job->id(), 1, round - 1)).ok());
        expected_total += round;
        absl::StatusOr<Total> total = counter->Ask(remote_testing::Ping(), absl::Seconds(30));
        ASSERT_TRUE(total.ok()) << total.status();
        EXPECT_EQ(total->total(), expected_total);
        EXPECT_EQ(total->out_of_order(), 0);
      }
    });
  }
  harness.Finish();
}

TEST(RemoteProcessTest, SubmissionsHeldByAKilledWorkerProcessFailUnavailable) {
  constexpr int kHeld = 3;  // within the worker's max_outstanding (4)
  testing::NatsServer server;
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  ChildProcess worker_process;
  ASSERT_TRUE(worker_process.Spawn(kWorkerUrlVariable, server.url()));
  testing::ActorHarness harness;
  harness.Start(2);
  {
    absl::StatusOr<std::unique_ptr<RemoteNode>> client =
        RemoteNode::Connect(Options(server.url(), "client"));
    ASSERT_TRUE(client.ok()) << client.status();
    harness.RunInFiber([&] {
      absl::StatusOr<RemotePool<Job, JobResult>> pool = (*client)->Pool<Job, JobResult>("jobs");
      ASSERT_TRUE(pool.ok()) << pool.status();
      int64_t next_id = 0;
      ASSERT_TRUE(testing::WaitUntil(
          [&] { return pool->Submit(remote_testing::MakeJob(++next_id), absl::Seconds(30)).ok(); },
          "the worker process does a job"));
      // (Submissions before the worker process joined failed Unavailable: no worker.
      // The "taken" of the one answered counted, or came after its answer and not.)
      const uint64_t failed_before = pool->stats().failed;
      const uint64_t taken_before = (*client)->stats().submissions_taken;
      // Held by the worker process: the first blocks its actor for good, the others
      // wait in its mailbox. Their 40 s deadline only bounds a broken test (the
      // test's own timeout is 300 s): they must fail when the worker's node is
      // declared dead (5 s of silence).
      std::vector<JoinHandle> submitters;
      for (int i = 0; i < kHeld; ++i) {
        const int64_t id = ++next_id;
        submitters.push_back(harness.runtime().Spawn([&pool, id] {
          absl::StatusOr<JobResult> result =
              pool->Submit(remote_testing::MakeJob(id, /*block=*/true), absl::Seconds(40));
          EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
        }));
      }
      ASSERT_TRUE(testing::WaitUntil(
          [&] { return (*client)->stats().submissions_taken == taken_before + kHeld; },
          "the worker process takes the blocking jobs"));
      const absl::Time killed = absl::Now();
      worker_process.Kill();
      for (JoinHandle& submitter : submitters) ASSERT_TRUE(submitter.Join().ok());
      // A figure for the report, not an assertion (detection: 5 s + up to 100 ms).
      std::printf("the held submissions failed %s after the kill\n",
                  absl::FormatDuration(absl::Now() - killed).c_str());
      EXPECT_EQ((*client)->stats().nodes_declared_dead, 1u);
      EXPECT_EQ((*client)->stats().asks_failed_by_node_death, static_cast<uint64_t>(kHeld));
      EXPECT_EQ(pool->stats().failed - failed_before, static_cast<uint64_t>(kHeld));
      EXPECT_EQ(pool->stats().in_flight, 0);
    });
  }
  harness.Finish();
}

TEST(RemoteProcessTest, StoredTellsOfAKilledHostAreHandledOnceByTheNextPublisher) {
  constexpr int kMessages = 20;
  constexpr int kBlockAt = 11;  // the host handles 1..10 and blocks on 11
  testing::NatsServer server;
  server.EnableJetStream();
  absl::Status started = server.Start();
  ASSERT_TRUE(started.ok()) << started;
  ChildProcess host;
  ASSERT_TRUE(host.Spawn(kStoredHostUrlVariable, server.url()));
  testing::ActorHarness harness;
  harness.Start(2);
  {
    absl::StatusOr<std::unique_ptr<RemoteNode>> client =
        RemoteNode::Connect(Options(server.url(), "client"));
    ASSERT_TRUE(client.ok()) << client.status();
    absl::StatusOr<std::unique_ptr<RemoteNode>> successor =
        RemoteNode::Connect(Options(server.url(), "successor"));
    ASSERT_TRUE(successor.ok()) << successor.status();
    harness.RunInFiber([&] {
      absl::StatusOr<RemoteRef<Command, Total>> ledger;
      ASSERT_TRUE(testing::WaitUntil(
          [&] {
            ledger = (*client)->Lookup<Command, Total>("ledger",
                                                       {.delivery = Delivery::kAtLeastOnce});
            return ledger.ok();
          },
          "the stored host publishes its ledger"));
      for (int i = 1; i <= kMessages; ++i) {
        Command command = remote_testing::Add(i, 1, i - 1);
        command.set_block(i == kBlockAt);
        TellStatus stored = ledger->Tell(command);
        ASSERT_TRUE(stored.ok()) << stored;
      }
      // The stream forgets a message once the host's handler has answered it: 1..10.
      const int64_t unhandled = kMessages - kBlockAt + 1;
      ASSERT_TRUE(testing::WaitUntil(
          [&] { return StoredMessages(server.url(), "process_actor_ledger") == unhandled; },
          "the host has handled the messages before the block"));
      host.Kill();

      Channel<int> gate(1);  // lets the successor's counter through the block
      ASSERT_EQ(gate.TrySend(1), ChannelStatus::kOk);
      ActorRef<remote_testing::CounterMessage> counter =
          harness.system().Spawn<remote_testing::Counter>(
              {.name = "ledger"}, gate, std::make_shared<remote_testing::CounterProbe>());
      // Until the server has noticed the dead host, the name still looks taken.
      absl::Status published;
      ASSERT_TRUE(testing::WaitUntil(
          [&] {
            published =
                (*successor)->Publish<Command, Total>("ledger", counter, &MakeCommand, StoredLedger());
            return published.ok();
          },
          "the successor publishes the ledger"));
      ASSERT_TRUE(testing::WaitUntil(
          [&] { return StoredMessages(server.url(), "process_actor_ledger") == 0; },
          "the successor has handled every stored message"));
      EXPECT_EQ((*successor)->stats().stored_handled, static_cast<uint64_t>(unhandled));
      absl::StatusOr<RemoteRef<Command, Total>> direct =
          (*client)->Lookup<Command, Total>("ledger");
      ASSERT_TRUE(direct.ok()) << direct.status();
      absl::StatusOr<Total> total = direct->Ask(remote_testing::Ping(), absl::Seconds(30));
      ASSERT_TRUE(total.ok()) << total.status();
      EXPECT_EQ(total->handled(), unhandled) << "each of 11..20 once, none of 1..10";
      EXPECT_EQ(total->total(), (kBlockAt + kMessages) * unhandled / 2);
    });
  }
  harness.Finish();
}

}  // namespace
}  // namespace troupe

int main(int argc, char** argv) {
  if (const char* url = std::getenv(troupe::kHostUrlVariable)) return troupe::RunHost(url);
  if (const char* url = std::getenv(troupe::kWorkerUrlVariable)) return troupe::RunWorker(url);
  if (const char* url = std::getenv(troupe::kStoredHostUrlVariable)) {
    return troupe::RunStoredHost(url);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
