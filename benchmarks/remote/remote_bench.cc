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
//
// The rows (ping-pong and fan-in, with latency percentiles, beside the C
// client and CAF) are remote_main.cc's: `bazel run -c opt //benchmarks:remote`.
// Both set up through remote_fixture.h and raw_client.h.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "benchmark/benchmark.h"
#include "troupe/benchmarks/remote/raw_client.h"
#include "troupe/benchmarks/remote/remote_fixture.h"
#include "troupe/remote/internal/wire.h"

namespace troupe::remote_bench {
namespace {

struct Shared {
  RemoteFixture fixture;
  // The C client's pair of connections, with its default flusher and in "send
  // ASAP" mode.
  RawPair raw{fixture.url(), "raw.bench", /*send_asap=*/false};
  RawPair raw_asap{fixture.url(), "raw.asap", /*send_asap=*/true};
  RemoteWorker worker;  // "server" serving the pool "server-pool" too
};
Shared* shared = nullptr;

void BM_RemoteAsk(benchmark::State& state) {
  const RemoteRef<Work, Done> server = shared->fixture.Lookup("server");
  int64_t id = 0;
  for (auto _ : state) {
    absl::StatusOr<Done> done = server.Ask(MakeWork(++id), absl::Seconds(10));
    if (!done.ok() || done->id() != id) Die("ask", done.status().ToString());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PoolSubmit(benchmark::State& state) {
  absl::StatusOr<RemotePool<Work, Done>> pool =
      shared->fixture.client().Pool<Work, Done>("server-pool");
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
  RemoteFixture& fixture = shared->fixture;
  const RemoteRef<Work, Done> server = fixture.Lookup("server");
  const int64_t counted_before = fixture.counted();
  const int64_t dropped_before = fixture.host_dropped();
  const Work work = MakeWork(1);
  for (auto _ : state) {
    if (!server.Tell(work).ok()) Die("tell", "not sent");
  }
  const int64_t sent = static_cast<int64_t>(state.iterations());
  WaitAccounted(
      [&] {
        return fixture.counted() - counted_before + fixture.host_dropped() - dropped_before;
      },
      sent);
  const int64_t dropped = fixture.host_dropped() - dropped_before;
  state.SetItemsProcessed(sent - dropped);
  state.counters["dropped"] = benchmark::Counter(static_cast<double>(dropped) / sent);
}

void BM_RemoteTellAtLeastOnce(benchmark::State& state) {
  RemoteFixture& fixture = shared->fixture;
  const RemoteRef<Work, Done> server = fixture.Lookup("stored-server", Delivery::kAtLeastOnce);
  const int64_t counted_before = fixture.stored_counted();
  const uint64_t duplicates_before = fixture.host().stats().stored_duplicates_dropped;
  const Work work = MakeWork(1);
  for (auto _ : state) {
    if (TellStatus stored = server.Tell(work); !stored.ok()) Die("tell", stored.ToString());
  }
  const int64_t sent = static_cast<int64_t>(state.iterations());
  WaitAccounted([&] { return fixture.stored_counted() - counted_before; }, sent);
  if (fixture.stored_counted() - counted_before != sent) {
    Die("tell", "a stored message was handled twice");
  }
  state.SetItemsProcessed(sent);
  state.counters["duplicates_dropped"] = benchmark::Counter(
      static_cast<double>(fixture.host().stats().stored_duplicates_dropped - duplicates_before));
}

void BM_RemoteChannelSendRecv(benchmark::State& state) {
  absl::StatusOr<RemoteChannel<Work>> channel =
      shared->fixture.client().OpenChannel<Work>("bench");
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
void RawRequestReply(benchmark::State& state, RawPair& pair) {
  const std::string bytes = MakeWork(1).SerializeAsString();
  for (auto _ : state) {
    if (!pair.Request(bytes)) Die("raw request", "no reply");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawRequestReply(benchmark::State& state) { RawRequestReply(state, shared->raw); }
void BM_RawRequestReplyAsap(benchmark::State& state) { RawRequestReply(state, shared->raw_asap); }

void BM_RawPublish(benchmark::State& state) {
  RawPair& pair = shared->raw;
  const std::string bytes = MakeWork(1).SerializeAsString();
  const int64_t accounted_before = pair.counted() + pair.dropped();
  for (auto _ : state) {
    if (!pair.Publish(bytes)) Die("raw publish", "failed");
  }
  const int64_t sent = static_cast<int64_t>(state.iterations());
  WaitAccounted([&] { return pair.counted() + pair.dropped() - accounted_before; }, sent);
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
  absl::StatusOr<RemoteWorker> worker = shared->fixture.host().ServeWork<Work, Done>(
      "server-pool", shared->fixture.server_actor(), &MakeRequest, {.max_outstanding = 64});
  if (!worker.ok()) Die("serve work", worker.status().ToString());
  shared->worker = *std::move(worker);
}

void TearDown() {
  if (absl::Status left = shared->worker.Leave(); !left.ok()) Die("leave", left.ToString());
  delete shared;  // closes the C client's pairs; stops the nodes, the runtime and the server
}

}  // namespace
}  // namespace troupe::remote_bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  troupe::remote_bench::SetUp();
  benchmark::RunSpecifiedBenchmarks();
  troupe::remote_bench::TearDown();
  return 0;
}
