// Two processes, one actor system: a counter actor published by one process (the
// host) and told and asked by another (the client), through a NATS server.
//
//   nats-server -p 4222 &
//   bazel run //examples/remote_counter -- --role=host --url=nats://127.0.0.1:4222 &
//   bazel run //examples/remote_counter -- --role=client --url=nats://127.0.0.1:4222
//
// The host serves until SIGINT or SIGTERM, then unpublishes and exits 0. The client
// finds the counter (waiting up to --find_for for the host to publish it), Tells it
// --adds additions, Asks for the total with a deadline, and exits 0 if the total is
// what it sent. Tells from one sender arrive in order, and the Ask after them is
// answered after they are counted. (A host that cannot keep up drops what overflows
// its buffer — at-most-once delivery — and counts it: the host prints the count
// when it stops, and the client's total would come up short.)
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <variant>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "examples/remote_counter/counter.pb.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/signal.h"
#include "troupe/scheduler/this_fiber.h"

ABSL_FLAG(std::string, role, "client", "host (publishes the counter) or client");
ABSL_FLAG(std::string, url, "nats://127.0.0.1:4222", "the NATS server");
ABSL_FLAG(int, adds, 10000, "client: how many Add messages to Tell");
ABSL_FLAG(absl::Duration, find_for, absl::Seconds(10),
          "client: how long to wait for the host to publish the counter");

namespace {

using remote_counter::Add;
using remote_counter::Total;

// What the counter's mailbox holds: an Add with the Reply that answers it (an ask's
// reply goes back over NATS; a tell's goes nowhere).
struct CounterMessage {
  Add add;
  troupe::Reply<Total> reply;
};

class Counter : public troupe::Actor<std::variant<CounterMessage>> {
 public:
  void Receive(std::variant<CounterMessage>& message) override {
    CounterMessage& counted = std::get<CounterMessage>(message);
    if (counted.add.amount() != 0) {
      total_ += counted.add.amount();
      ++adds_;
    }
    Total total;
    total.set_total(total_);
    total.set_adds(adds_);
    counted.reply.Send(std::move(total));
  }

 private:
  int64_t total_ = 0;
  int64_t adds_ = 0;
};

troupe::RemoteNodeOptions Options(const std::string& name) {
  troupe::RemoteNodeOptions options;
  options.url = absl::GetFlag(FLAGS_url);
  options.system = "remote_counter";
  options.node_name = name;
  return options;
}

int RunHost() {
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create({});
  if (!runtime.ok()) return 2;
  troupe::ActorSystem system(**runtime);
  absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> node =
      troupe::RemoteNode::Connect(Options("host"));
  if (!node.ok()) {
    std::fprintf(stderr, "remote_counter host: %s\n", node.status().ToString().c_str());
    return 2;
  }
  int exit_code = 0;
  absl::Status ran = (*runtime)->Run([&] {
    troupe::SignalContext signals = troupe::NotifyContext(troupe::Context(), {SIGINT, SIGTERM});
    troupe::ActorRef<std::variant<CounterMessage>> counter =
        system.Spawn<Counter>({.name = "counter"});
    absl::Status published = (*node)->Publish<Add, Total>(
        "counter", counter, [](Add add, troupe::Reply<Total> reply) {
          return CounterMessage{std::move(add), std::move(reply)};
        });
    if (!published.ok()) {
      std::fprintf(stderr, "remote_counter host: %s\n", published.ToString().c_str());
      exit_code = 2;
      return;
    }
    std::printf("remote_counter host: serving \"counter\"\n");
    std::fflush(stdout);
    (void)signals.context.Wait();  // until SIGINT or SIGTERM
    const troupe::RemoteStats stats = (*node)->stats();
    std::printf("remote_counter host: stopping after %llu messages (%llu dropped)\n",
                static_cast<unsigned long long>(stats.delivered),
                static_cast<unsigned long long>(stats.dropped_by_full_buffer));
    std::fflush(stdout);
    (void)system.Shutdown(absl::Seconds(5));
  });
  if (!ran.ok()) return 2;
  node->reset();  // says goodbye, closes the connection
  std::printf("remote_counter host: stopped\n");
  return exit_code;
}

int RunClient() {
  absl::StatusOr<std::unique_ptr<troupe::Runtime>> runtime = troupe::Runtime::Create({});
  if (!runtime.ok()) return 2;
  absl::StatusOr<std::unique_ptr<troupe::RemoteNode>> node =
      troupe::RemoteNode::Connect(Options("client"));
  if (!node.ok()) {
    std::fprintf(stderr, "remote_counter client: %s\n", node.status().ToString().c_str());
    return 2;
  }
  int exit_code = 1;
  absl::Status ran = (*runtime)->Run([&] {
    // The host may not have published yet: look again until --find_for has passed.
    const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_find_for);
    absl::StatusOr<troupe::RemoteRef<Add, Total>> counter = (*node)->Lookup<Add, Total>("counter");
    while (!counter.ok() && absl::IsNotFound(counter.status()) && absl::Now() < give_up) {
      (void)troupe::this_fiber::SleepFor(absl::Milliseconds(50));
      counter = (*node)->Lookup<Add, Total>("counter");
    }
    if (!counter.ok()) {
      std::fprintf(stderr, "remote_counter client: %s\n", counter.status().ToString().c_str());
      return;
    }
    const int adds = absl::GetFlag(FLAGS_adds);
    int64_t sent = 0;
    for (int i = 1; i <= adds; ++i) {
      Add add;
      add.set_amount(i);
      if (absl::Status told = counter->Tell(add); !told.ok()) {
        std::fprintf(stderr, "remote_counter client: %s\n", told.ToString().c_str());
        return;
      }
      sent += i;
    }
    // Asked after the Tells, from the same sender: answered after they are counted.
    absl::StatusOr<Total> total = counter->Ask(Add(), absl::Seconds(10));
    if (!total.ok()) {
      std::fprintf(stderr, "remote_counter client: %s\n", total.status().ToString().c_str());
      return;
    }
    std::printf("remote_counter client: sent %d adds summing to %lld; the counter has %lld "
                "adds summing to %lld\n",
                adds, static_cast<long long>(sent), static_cast<long long>(total->adds()),
                static_cast<long long>(total->total()));
    if (total->total() == sent && total->adds() == adds) {
      std::printf("remote_counter: as expected\n");
      exit_code = 0;
    }
  });
  if (!ran.ok()) return 2;
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string role = absl::GetFlag(FLAGS_role);
  if (role == "host") return RunHost();
  if (role == "client") return RunClient();
  std::fprintf(stderr, "remote_counter: --role must be host or client; got \"%s\"\n",
               role.c_str());
  return 2;
}
