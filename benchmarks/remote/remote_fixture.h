// RemoteFixture: what the remote benchmarks measure against — a nats-server of
// their own on loopback (with JetStream), a troupe runtime and actor system, two
// nodes (`host` publishes, `client` looks up and sends), and on the host the
// actors they send to:
//
//   "server"         answers each Work with a Done carrying its id; counts
//   "stored-server"  the same kind of actor, published at least once (its Tells
//                    are stored in a JetStream stream on disk); counts
//
// Both remote_bench.cc (Google Benchmark) and remote_main.cc (the JSON rows) set
// up through it. The constructor and the accessors exit the process with a message
// on any failure: a benchmark has no caller to hand a Status to.
#ifndef TROUPE_BENCHMARKS_REMOTE_REMOTE_FIXTURE_H_
#define TROUPE_BENCHMARKS_REMOTE_REMOTE_FIXTURE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "absl/time/time.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/benchmarks/remote/bench_messages.pb.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/remote/nats_server.h"

namespace troupe::remote_bench {

// Prints "remote benchmarks: <what>: <why>" and exits 1.
[[noreturn]] void Die(const std::string& what, const std::string& why);

// A Work with this id (and a small payload).
Work MakeWork(int64_t id);

// The message of the fixture's actors: a Work and the Reply that answers it.
struct Request {
  Work work;
  Reply<Done> reply;
};
using ServerMessage = std::variant<Request>;
// How a published actor's node builds a ServerMessage.
inline ServerMessage MakeRequest(Work work, Reply<Done> reply) {
  return Request{std::move(work), std::move(reply)};
}

// Answers each Work with a Done carrying its id and the count so far; counts every
// message in `*counted` (relaxed: a count only, polled by the measuring thread).
class Server : public Actor<ServerMessage> {
 public:
  explicit Server(std::atomic<int64_t>* counted) : counted_(counted) {}
  void Receive(ServerMessage& message) override;

 private:
  std::atomic<int64_t>* counted_;
};

// Until `accounted()` reaches `target`, yielding the thread; exits with a message
// after 60 s, so that a lost message fails loudly instead of hanging the run.
template <typename Accounted>
void WaitAccounted(Accounted accounted, int64_t target) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (accounted() < target) {
    if (absl::Now() > give_up) Die("wait", "the receiver did not account for every message");
    std::this_thread::yield();
  }
}

class RemoteFixture {
 public:
  // Starts the server, the runtime (2 procs) and both nodes; spawns and publishes
  // the actors.
  RemoteFixture();
  // Stops the nodes, the runtime and the server, in that order.
  ~RemoteFixture();
  RemoteFixture(const RemoteFixture&) = delete;
  RemoteFixture& operator=(const RemoteFixture&) = delete;

  // Another node on the same server, with `send_immediately` as given (false: the
  // C client's flusher batches what it publishes).
  std::unique_ptr<RemoteNode> ConnectNode(bool send_immediately);

  // `name`, looked up from `node` (the client's by default) with `delivery`.
  RemoteRef<Work, Done> Lookup(const std::string& name, Delivery delivery = Delivery::kAtMostOnce,
                               RemoteNode* node = nullptr);

  testing::NatsServer& server() { return server_; }
  std::string url() const { return server_.url(); }
  ActorSystem& system() { return *system_; }
  RemoteNode& host() { return *host_; }
  RemoteNode& client() { return *client_; }
  // The "server" actor itself, for benchmarks that serve it in other ways.
  const ActorRef<ServerMessage>& server_actor() const { return server_actor_; }

  // Messages "server" and "stored-server" have handled.
  int64_t counted() const { return counted_.load(std::memory_order_relaxed); }  // a counter
  int64_t stored_counted() const {
    return stored_counted_.load(std::memory_order_relaxed);  // a counter
  }
  // Messages the host's client dropped at a full buffer (RemoteStats).
  int64_t host_dropped() const;

 private:
  testing::NatsServer server_;
  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<ActorSystem> system_;
  std::unique_ptr<RemoteNode> host_;
  std::unique_ptr<RemoteNode> client_;
  ActorRef<ServerMessage> server_actor_;
  std::atomic<int64_t> counted_{0};
  std::atomic<int64_t> stored_counted_{0};
};

}  // namespace troupe::remote_bench

#endif  // TROUPE_BENCHMARKS_REMOTE_REMOTE_FIXTURE_H_
