// A worker pool across processes: run any number of `--role=worker` processes and
// one `--role=submit`; the submitter's texts are spread over the workers by NATS
// and each count comes back to it. A worker stops taking work after --serve_for
// (Leave: it answers what it took first); the submitter reports who counted what.
// `--role=demo` (the default, what CI runs) does it all in one process, with a
// nats-server of its own on a free loopback port.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/examples/remote_pool/word_count.pb.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tests/remote/nats_server.h"

ABSL_FLAG(std::string, url, "nats://127.0.0.1:4222", "the NATS server");
ABSL_FLAG(std::string, role, "demo",
          "worker (serve the pool), submit (send it texts), or demo (a nats-server of its "
          "own, two workers and a submitter in this process)");
ABSL_FLAG(int, texts, 100, "texts the submitter sends");
ABSL_FLAG(absl::Duration, serve_for, absl::Seconds(60), "how long a worker serves");

using troupe::remote_pool_example::Text;
using troupe::remote_pool_example::WordCount;

absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> Connect(const std::string& url,
                                                           const std::string& name) {
  troupe::RemoteNodeOptions options;
  options.url = url;
  options.node_name = name;
  absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> node = troupe::RemoteNode::Connect(options);
  if (!node.ok()) std::fprintf(stderr, "%s\n", node.status().ToString().c_str());
  return node;
}

// The worker's actor: counts the words of each text it is given.
struct Count {
  Text text;
  troupe::Reply<WordCount> reply;
};
using CounterMessage = std::variant<Count>;

class WordCounter : public troupe::Actor<CounterMessage> {
 public:
  explicit WordCounter(std::string node) : node_(std::move(node)) {}
  void Receive(CounterMessage& message) override {
    Count& count = std::get<Count>(message);
    WordCount result;
    result.set_id(count.text.id());
    result.set_words(static_cast<int64_t>(
        std::vector<absl::string_view>(absl::StrSplit(count.text.body(), ' ', absl::SkipEmpty()))
            .size()));
    result.set_worker(node_);
    count.reply.Send(std::move(result));
  }

 private:
  std::string node_;
};

absl::StatusOr<troupe::RemoteWorker> StartWorker(troupe::RemoteNode& node,
                                                 troupe::ActorSystem& system) {
  auto counter = system.Spawn<WordCounter>({.name = "counter-" + node.name()}, node.name());
  return node.ServeWork<Text, WordCount>(
      "word-count", counter,
      [](Text text, troupe::Reply<WordCount> reply) {
        return Count{std::move(text), std::move(reply)};
      },
      {.max_outstanding = 8});
}

// Leaves the pool (answering what it took first) and says what the worker did.
bool Leave(troupe::RemoteWorker& worker, const std::string& name) {
  absl::Status left = worker.Leave();
  const troupe::RemoteWorkerStats stats = worker.stats();
  std::printf("%s left: %llu counted, %llu turned away busy (%s)\n", name.c_str(),
              static_cast<unsigned long long>(stats.answered),
              static_cast<unsigned long long>(stats.busy_rejections), left.ToString().c_str());
  return left.ok();
}

int Serve(troupe::RemoteNode& node, troupe::ActorSystem& system) {
  absl::StatusOr<troupe::RemoteWorker> worker = StartWorker(node, system);
  if (!worker.ok()) {
    std::fprintf(stderr, "serve: %s\n", worker.status().ToString().c_str());
    return 1;
  }
  std::printf("%s serves the pool \"word-count\"\n", node.name().c_str());
  troupe::this_fiber::SleepFor(absl::GetFlag(FLAGS_serve_for));
  return Leave(*worker, node.name()) ? 0 : 1;
}

// Submits --texts texts; the number of workers that counted some, or -1.
int Submit(troupe::RemoteNode& node) {
  absl::StatusOr<troupe::RemotePool<Text, WordCount>> pool =
      node.Pool<Text, WordCount>("word-count");
  if (!pool.ok()) return -1;
  std::map<std::string, int> by_worker;
  for (int i = 0; i < absl::GetFlag(FLAGS_texts); ++i) {
    Text text;
    text.set_id(i);
    text.set_body("the quick brown fox jumps over the lazy dog");
    absl::StatusOr<WordCount> count = pool->Submit(text, absl::Seconds(5));
    if (!count.ok()) {  // Unavailable at once when no worker serves the pool
      std::fprintf(stderr, "text %d: %s\n", i, count.status().ToString().c_str());
      return -1;
    }
    if (count->words() != 9) return -1;
    ++by_worker[count->worker()];
  }
  for (const auto& [worker, texts] : by_worker) {
    std::printf("%s counted %d texts\n", worker.c_str(), texts);
  }
  return static_cast<int>(by_worker.size());
}

// The demo: a nats-server of its own, two workers (two nodes) in this process.
int Demo(troupe::ActorSystem& system) {
  troupe::testing::NatsServer server;
  if (absl::Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "nats-server: %s\n", started.ToString().c_str());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> nodes[3];
  const char* names[3] = {"worker-a", "worker-b", "submitter"};
  for (int i = 0; i < 3; ++i) {
    nodes[i] = Connect(server.url(), names[i]);
    if (!nodes[i].ok()) return 1;
  }
  troupe::RemoteWorker workers[2];
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<troupe::RemoteWorker> worker = StartWorker(**nodes[i], system);
    if (!worker.ok()) return 1;
    workers[i] = *std::move(worker);
  }
  const int counted_by = Submit(**nodes[2]);
  const bool left = Leave(workers[0], names[0]) && Leave(workers[1], names[1]);
  if (counted_by != 2 || !left) return 1;
  std::printf("every text counted, by both workers\n");
  return 0;
}

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create({.procs = 2});
  if (!runtime.ok()) return 1;
  troupe::ActorSystem system(**runtime);
  const std::string role = absl::GetFlag(FLAGS_role);
  int exit_code = 0;
  absl::Status ran = (*runtime)->Run([&] {
    if (role == "demo") {
      exit_code = Demo(system);
      return;
    }
    absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> node =
        Connect(absl::GetFlag(FLAGS_url), "");
    if (!node.ok()) {
      exit_code = 1;
    } else if (role == "worker") {
      exit_code = Serve(**node, system);
    } else {
      exit_code = Submit(**node) > 0 ? 0 : 1;
    }
  });
  return ran.ok() ? exit_code : 1;
}
