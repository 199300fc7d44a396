// Micro-benchmarks of remote actors (//remote) on a loopback nats-server this
// binary starts itself, beside the NATS C client's own request/reply and publish
// (the floor troupe adds to), measured in the same process and run:
//
//   BM_RawRequestReply   the C client: natsConnection_Request to a subscriber that
//                        answers with natsConnection_Publish (two connections)
//   BM_RawRequestReplyAsap  the same with both connections in "send ASAP" mode, as
//                        troupe's are by default (RemoteNodeOptions::send_immediately)
//   BM_RemoteAsk         troupe: RemoteRef::Ask of an actor published by another
//                        node (two connections), protobuf request and answer
//   BM_PoolSubmit        troupe: RemotePool::Submit to a pool whose one worker is
//                        that same actor on that node (a queue group), one at a time
//   BM_RawPublish        the C client: publish to a subscriber that counts
//   BM_RemoteTell        troupe: RemoteRef::Tell to a counting actor
//   BM_RemoteTellAtLeastOnce  troupe: the same Tell through a ref looked up with
//                        Delivery::kAtLeastOnce, to the same kind of actor published
//                        at least once: each Tell waits until the actor's stream
//                        (on disk) has stored it; the receiving node fetches it,
//                        the actor handles it, the node acknowledges it. One
//                        sender, one Tell at a time: latency-bound
//   BM_RemoteChannelSendRecv  troupe: a RemoteChannel Send then Recv (a JetStream
//                        publish with its acknowledgement, a fetch, an ack)
//   BM_Encode/BM_Decode  one message's frame: header plus protobuf payload
//
// Ask and request/reply are called from a plain thread (the benchmark's), so both
// wait the same way. Tell and publish measure the rate at which the receiver takes
// messages: each iteration batch ends when the receiver has counted everything
// sent (for troupe, counted or dropped: a receiver slower than the sender overflows
// its client's buffer, which the node counts; the `dropped` counter reports the
// share, and items/s counts only the delivered).
//
//   bazel run -c opt //benchmarks/remote:remote_bench -- --benchmark_repetitions=5
//   (BM_PoolSubmit against BM_RemoteAsk: --benchmark_filter='RemoteAsk|PoolSubmit')
#include <nats/nats.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <variant>

#include "benchmark/benchmark.h"
#include "troupe/actors/actor.h"
#include "troupe/actors/actor_system.h"
#include "troupe/actors/reply.h"
#include "troupe/benchmarks/remote/bench_messages.pb.h"
#include "troupe/remote/internal/wire.h"
#include "troupe/remote/node.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tests/remote/nats_server.h"

namespace troupe::benchmarks {
namespace {

using remote_bench::Done;
using remote_bench::Work;

struct RawPair;
struct Shared {
  RawPair* raw = nullptr;       // the C client's pair of connections
  RawPair* raw_asap = nullptr;  // the same in "send ASAP" mode
  testing::NatsServer server;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<ActorSystem> system;
  std::unique_ptr<RemoteNode> host;
  std::unique_ptr<RemoteNode> client;
  RemoteWorker worker;  // the server actor, serving the pool "server-pool" too
  std::atomic<int64_t> counted{0};  // by the counting actor; polled by BM_RemoteTell
  // By the actor published at least once; polled by BM_RemoteTellAtLeastOnce.
  std::atomic<int64_t> stored_counted{0};
};
Shared* shared = nullptr;

[[noreturn]] void Die(const char* what, const std::string& why) {
  std::fprintf(stderr, "remote_bench: %s: %s\n", what, why.c_str());
  std::exit(1);
}

struct Request {
  Work work;
  Reply<Done> reply;
};
using ServerMessage = std::variant<Request>;

// Answers each Work with its id; counts every message.
class Server : public Actor<ServerMessage> {
 public:
  explicit Server(std::atomic<int64_t>* counted) : counted_(counted) {}
  void Receive(ServerMessage& message) override {
    Request& request = std::get<Request>(message);
    const int64_t count = counted_->fetch_add(1, std::memory_order_relaxed) + 1;  // a counter
    Done done;
    done.set_id(request.work.id());
    done.set_count(count);
    request.reply.Send(std::move(done));
  }

 private:
  std::atomic<int64_t>* counted_;
};

Work MakeWork(int64_t id) {
  Work work;
  work.set_id(id);
  work.set_value(id * 7);
  work.set_tag("bench");
  return work;
}

// Until `accounted()` reaches `target`; bounded so a lost message fails loudly.
template <typename Accounted>
void WaitAccounted(Accounted accounted, int64_t target) {
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  while (accounted() < target) {
    if (absl::Now() > give_up) Die("wait", "the receiver did not account for every message");
    std::this_thread::yield();
  }
}

int64_t HostDropped() { return static_cast<int64_t>(shared->host->stats().dropped_by_full_buffer); }

void BM_RemoteAsk(benchmark::State& state) {
  absl::StatusOr<RemoteRef<Work, Done>> server = shared->client->Lookup<Work, Done>("server");
  if (!server.ok()) Die("lookup", server.status().ToString());
  int64_t id = 0;
  for (auto _ : state) {
    absl::StatusOr<Done> done = server->Ask(MakeWork(++id), absl::Seconds(10));
    if (!done.ok() || done->id() != id) Die("ask", done.status().ToString());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PoolSubmit(benchmark::State& state) {
  absl::StatusOr<RemotePool<Work, Done>> pool = shared->client->Pool<Work, Done>("server-pool");
  if (!pool.ok()) Die("pool", pool.status().ToString());
  int64_t id = 0;
  for (auto _ : state) {
    absl::StatusOr<Done> done = pool->Submit(MakeWork(++id), absl::Seconds(10));
    if (!done.ok() || done->id() != id) Die("submit", done.status().ToString());
  }
  if (pool->stats().busy_answers != 0) Die("submit", "a busy answer: the measure is not one trip");
  state.SetItemsProcessed(state.iterations());
}

void BM_RemoteTell(benchmark::State& state) {
  absl::StatusOr<RemoteRef<Work, Done>> server = shared->client->Lookup<Work, Done>("server");
  if (!server.ok()) Die("lookup", server.status().ToString());
  const int64_t counted_before = shared->counted.load(std::memory_order_relaxed);
  const int64_t dropped_before = HostDropped();
  const Work work = MakeWork(1);
  for (auto _ : state) {
    if (!server->Tell(work).ok()) Die("tell", "not sent");
  }
  const int64_t sent = static_cast<int64_t>(state.iterations());
  WaitAccounted(
      [&] {
        return shared->counted.load(std::memory_order_relaxed) - counted_before +
               HostDropped() - dropped_before;
      },
      sent);
  const int64_t dropped = HostDropped() - dropped_before;
  state.SetItemsProcessed(sent - dropped);
  state.counters["dropped"] = benchmark::Counter(static_cast<double>(dropped) / sent);
}

void BM_RemoteTellAtLeastOnce(benchmark::State& state) {
  absl::StatusOr<RemoteRef<Work, Done>> server = shared->client->Lookup<Work, Done>(
      "stored-server", {.delivery = Delivery::kAtLeastOnce});
  if (!server.ok()) Die("lookup", server.status().ToString());
  const int64_t counted_before = shared->stored_counted.load(std::memory_order_relaxed);
  const uint64_t duplicates_before = shared->host->stats().stored_duplicates_dropped;
  const Work work = MakeWork(1);
  for (auto _ : state) {
    if (TellStatus stored = server->Tell(work); !stored.ok()) Die("tell", stored.ToString());
  }
  const int64_t sent = static_cast<int64_t>(state.iterations());
  WaitAccounted(
      [&] { return shared->stored_counted.load(std::memory_order_relaxed) - counted_before; },
      sent);
  if (shared->stored_counted.load(std::memory_order_relaxed) - counted_before != sent) {
    Die("tell", "a stored message was handled twice");
  }
  state.SetItemsProcessed(sent);
  state.counters["duplicates_dropped"] = benchmark::Counter(
      static_cast<double>(shared->host->stats().stored_duplicates_dropped - duplicates_before));
}

void BM_RemoteChannelSendRecv(benchmark::State& state) {
  absl::StatusOr<RemoteChannel<Work>> channel = shared->client->OpenChannel<Work>("bench");
  if (!channel.ok()) Die("channel", channel.status().ToString());
  const Work work = MakeWork(1);
  for (auto _ : state) {
    if (absl::Status sent = channel->Send(work); !sent.ok()) Die("send", sent.ToString());
    absl::StatusOr<Work> received = channel->Recv();
    if (!received.ok()) Die("recv", received.status().ToString());
  }
  state.SetItemsProcessed(state.iterations());
}

// ---- The C client alone. ----
struct RawPair {
  natsConnection* requester = nullptr;
  natsConnection* responder = nullptr;
  natsSubscription* subscription = nullptr;
  std::atomic<int64_t> counted{0};
  std::string subject;  // each pair its own
};

void OnRawRequest(natsConnection* connection, natsSubscription*, natsMsg* message, void* closure) {
  auto* pair = static_cast<RawPair*>(closure);
  pair->counted.fetch_add(1, std::memory_order_relaxed);  // a counter
  if (natsMsg_GetReply(message) != nullptr) {
    Done done;
    done.set_id(1);
    std::string bytes = done.SerializeAsString();
    natsConnection_Publish(connection, natsMsg_GetReply(message), bytes.data(),
                           static_cast<int>(bytes.size()));
  }
  natsMsg_Destroy(message);
}

natsConnection* ConnectRaw(bool send_asap) {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  const std::string url = shared->server.url();
  if (natsOptions_Create(&options) != NATS_OK ||
      natsOptions_SetURL(options, url.c_str()) != NATS_OK ||
      natsOptions_SetSendAsap(options, send_asap) != NATS_OK ||
      natsConnection_Connect(&connection, options) != NATS_OK) {
    Die("raw", "cannot connect");
  }
  natsOptions_Destroy(options);
  return connection;
}

RawPair* OpenRawPair(bool send_asap) {
  auto* pair = new RawPair();
  pair->subject = send_asap ? "raw.asap" : "raw.bench";
  pair->requester = ConnectRaw(send_asap);
  pair->responder = ConnectRaw(send_asap);
  if (natsConnection_Subscribe(&pair->subscription, pair->responder, pair->subject.c_str(), &OnRawRequest,
                               pair) != NATS_OK ||
      natsConnection_Flush(pair->responder) != NATS_OK) {
    Die("raw", "cannot connect or subscribe");
  }
  return pair;
}

// The pair itself is left to the process's exit: the subscription's delivery
// thread may hold it for a moment after the connections close.
void CloseRawPair(RawPair* pair) {
  natsSubscription_Unsubscribe(pair->subscription);
  natsSubscription_Destroy(pair->subscription);
  natsConnection_Destroy(pair->requester);
  natsConnection_Destroy(pair->responder);
}

void RawRequestReply(benchmark::State& state, RawPair* pair) {
  const std::string bytes = MakeWork(1).SerializeAsString();
  for (auto _ : state) {
    natsMsg* reply = nullptr;
    if (natsConnection_Request(&reply, pair->requester, pair->subject.c_str(), bytes.data(),
                               static_cast<int>(bytes.size()), 10000) != NATS_OK) {
      Die("raw request", "no reply");
    }
    natsMsg_Destroy(reply);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawRequestReply(benchmark::State& state) { RawRequestReply(state, shared->raw); }
void BM_RawRequestReplyAsap(benchmark::State& state) { RawRequestReply(state, shared->raw_asap); }

void BM_RawPublish(benchmark::State& state) {
  RawPair* pair = shared->raw;
  const std::string bytes = MakeWork(1).SerializeAsString();
  int64_t sent = pair->counted.load(std::memory_order_relaxed);
  for (auto _ : state) {
    if (natsConnection_Publish(pair->requester, pair->subject.c_str(), bytes.data(),
                               static_cast<int>(bytes.size())) != NATS_OK) {
      Die("raw publish", "failed");
    }
    ++sent;
  }
  WaitAccounted([&] { return pair->counted.load(std::memory_order_relaxed); }, sent);
  state.SetItemsProcessed(state.iterations());
}

// ---- Codec: the frame of one Work (header + protobuf). ----
void BM_Encode(benchmark::State& state) {
  const Work work = MakeWork(42);
  for (auto _ : state) {
    std::string& frame = remote_internal::ScratchFrame();
    remote_internal::AppendHeader({remote_internal::Kind::kTell, std::nullopt, 1}, &frame);
    Codec<Work>::Encode(work, &frame);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Decode(benchmark::State& state) {
  std::string frame;
  remote_internal::AppendHeader({remote_internal::Kind::kTell, std::nullopt, 1}, &frame);
  Codec<Work>::Encode(MakeWork(42), &frame);
  for (auto _ : state) {
    remote_internal::Header header;
    absl::string_view payload;
    Work work;
    if (!remote_internal::ParseFrame(frame, &header, &payload) ||
        !Codec<Work>::Decode(payload, &work)) {
      Die("decode", "failed");
    }
    benchmark::DoNotOptimize(work.id());
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_RawRequestReply)->UseRealTime();
BENCHMARK(BM_RawRequestReplyAsap)->UseRealTime();
BENCHMARK(BM_RemoteAsk)->UseRealTime();
BENCHMARK(BM_PoolSubmit)->UseRealTime();
BENCHMARK(BM_RawPublish)->UseRealTime();
BENCHMARK(BM_RemoteTell)->UseRealTime();
BENCHMARK(BM_RemoteTellAtLeastOnce)->UseRealTime();
BENCHMARK(BM_RemoteChannelSendRecv)->UseRealTime();
BENCHMARK(BM_Encode);
BENCHMARK(BM_Decode);

void SetUp() {
  shared = new Shared();
  shared->server.EnableJetStream();  // for BM_RemoteChannelSendRecv and at-least-once
  if (absl::Status started = shared->server.Start(); !started.ok()) {
    Die("nats-server", started.ToString());
  }
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create({.procs = 2});
  if (!runtime.ok()) Die("runtime", runtime.status().ToString());
  shared->runtime = *std::move(runtime);
  shared->system = std::make_unique<ActorSystem>(*shared->runtime);
  RemoteNodeOptions options;
  options.url = shared->server.url();
  options.system = "bench";
  absl::StatusOr<std::unique_ptr<RemoteNode>> host = RemoteNode::Connect(options);
  absl::StatusOr<std::unique_ptr<RemoteNode>> client = RemoteNode::Connect(options);
  if (!host.ok() || !client.ok()) Die("connect", "a node could not connect");
  shared->host = *std::move(host);
  shared->client = *std::move(client);
  ActorRef<ServerMessage> server =
      shared->system->Spawn<Server>({.name = "server"}, &shared->counted);
  absl::Status published = shared->host->Publish<Work, Done>(
      "server", server,
      [](Work work, Reply<Done> reply) { return Request{std::move(work), std::move(reply)}; });
  if (!published.ok()) Die("publish", published.ToString());
  ActorRef<ServerMessage> stored_server =
      shared->system->Spawn<Server>({.name = "stored-server"}, &shared->stored_counted);
  published = shared->host->Publish<Work, Done>(
      "stored-server", stored_server,
      [](Work work, Reply<Done> reply) { return Request{std::move(work), std::move(reply)}; },
      {.delivery = Delivery::kAtLeastOnce});
  if (!published.ok()) Die("publish at least once", published.ToString());
  absl::StatusOr<RemoteWorker> worker = shared->host->ServeWork<Work, Done>(
      "server-pool", server,
      [](Work work, Reply<Done> reply) { return Request{std::move(work), std::move(reply)}; },
      {.max_outstanding = 64});
  if (!worker.ok()) Die("serve work", worker.status().ToString());
  shared->worker = *std::move(worker);
  shared->raw = OpenRawPair(/*send_asap=*/false);
  shared->raw_asap = OpenRawPair(/*send_asap=*/true);
}

void TearDown() {
  CloseRawPair(shared->raw);
  CloseRawPair(shared->raw_asap);
  if (absl::Status left = shared->worker.Leave(); !left.ok()) Die("leave", left.ToString());
  shared->client.reset();
  shared->host.reset();
  shared->system.reset();
  shared->runtime.reset();
  shared->server.Stop();
}

}  // namespace
}  // namespace troupe::benchmarks

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  troupe::benchmarks::SetUp();
  benchmark::RunSpecifiedBenchmarks();
  troupe::benchmarks::TearDown();
  return 0;
}
