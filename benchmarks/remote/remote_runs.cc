#include "troupe/benchmarks/remote/remote_runs.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "troupe/benchmarks/compare/latency_recorder.h"

namespace troupe::remote_bench {

// Counts what an actor handled and wakes a thread waiting for a count: the end of
// an at-least-once round trip. Add from any fiber or thread; WaitFor blocks a
// thread. The mutex orders each count with its wait.
class Arrivals {
 public:
  void Add() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++count_;
    }
    arrived_.notify_one();
  }
  // Until the count reaches `target`; exits with a message after 60 s.
  void WaitFor(int64_t target) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!arrived_.wait_for(lock, std::chrono::seconds(60), [&] { return count_ >= target; })) {
      Die("at-least-once ping-pong", "an answer did not come back within 60 s");
    }
  }
  int64_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  int64_t count_ = 0;
};

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// "stored-pong": counts each message in `arrivals` and answers its Reply, so that
// its stream forgets it.
class Pong : public Actor<ServerMessage> {
 public:
  explicit Pong(Arrivals* arrivals) : arrivals_(arrivals) {}
  void Receive(ServerMessage& message) override {
    Request& request = std::get<Request>(message);
    arrivals_->Add();
    request.reply.Send(Done());
  }

 private:
  Arrivals* arrivals_;
};

// "stored-ping": Tells each message on to `pong` at least once (parking its fiber
// until stored), then answers its Reply.
class Relay : public Actor<ServerMessage> {
 public:
  explicit Relay(RemoteRef<Work, Done> pong) : pong_(std::move(pong)) {}
  void Receive(ServerMessage& message) override {
    Request& request = std::get<Request>(message);
    if (TellStatus stored = pong_.Tell(request.work); !stored.ok()) {
      Die("at-least-once ping-pong", "the relay's Tell: " + stored.ToString());
    }
    request.reply.Send(Done());
  }

 private:
  RemoteRef<Work, Done> pong_;
};

void Publish(RemoteNode& node, const std::string& name, const ActorRef<ServerMessage>& actor) {
  if (absl::Status published = node.Publish<Work, Done>(name, actor, &MakeRequest,
                                                        {.delivery = Delivery::kAtLeastOnce});
      !published.ok()) {
    Die("publish " + name, published.ToString());
  }
}

// Runs `round_trip(id)` round_trips times (after a tenth of that, at most 200,
// untimed), timing each.
template <typename RoundTrip>
RemoteRow TimeRoundTrips(const char* benchmark, const char* runtime, int64_t round_trips,
                         RoundTrip round_trip) {
  const int64_t warm_up = std::min<int64_t>(200, round_trips / 10);
  int64_t id = 0;
  for (int64_t i = 0; i < warm_up; ++i) round_trip(++id);
  benchmarks::LatencyRecorder latencies(round_trips);
  const Clock::time_point start = Clock::now();
  for (int64_t i = 0; i < round_trips; ++i) {
    const Clock::time_point sent = Clock::now();
    round_trip(++id);
    latencies.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count());
  }
  const double seconds = SecondsSince(start);
  const benchmarks::LatencySummary summary = latencies.Summarize();
  return RemoteRow{benchmark, runtime, static_cast<double>(round_trips) / seconds,
                   summary.p50_us, summary.p99_us};
}

// `senders` threads each call `send(index)` `per_sender` times; then waits until
// `delivered() + dropped()` has grown by all of them. The rate counts the delivered.
template <typename Send, typename Delivered, typename Dropped>
RemoteRow TimeFanIn(const char* benchmark, const char* runtime, int senders, int64_t per_sender,
                    Send send, Delivered delivered, Dropped dropped) {
  const int64_t delivered_before = delivered();
  const int64_t dropped_before = dropped();
  const int64_t total = senders * per_sender;
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&send, per_sender] {
      for (int64_t i = 0; i < per_sender; ++i) send(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  WaitAccounted([&] { return delivered() - delivered_before + dropped() - dropped_before; },
                total);
  const double seconds = SecondsSince(start);
  const int64_t lost = dropped() - dropped_before;
  return RemoteRow{benchmark, runtime, static_cast<double>(total - lost) / seconds, std::nullopt,
                   std::nullopt, lost};
}

}  // namespace

RemoteRuns::RemoteRuns(RemoteFixture& fixture)
    : fixture_(fixture),
      batching_node_(fixture.ConnectNode(/*send_immediately=*/false)),
      raw_asap_(fixture.url(), "raw.pingpong", /*send_asap=*/true),
      raw_batched_(fixture.url(), "raw.fanin", /*send_asap=*/false),
      raw_coded_(fixture.url(), "raw.fanin.coded", /*send_asap=*/false, /*decode=*/true),
      pongs_(std::make_unique<Arrivals>()) {
  Publish(fixture.client(), "stored-pong",
          fixture.system().Spawn<Pong>({.name = "stored-pong"}, pongs_.get()));
  RemoteRef<Work, Done> pong =
      fixture.Lookup("stored-pong", Delivery::kAtLeastOnce, &fixture.host());
  Publish(fixture.host(), "stored-ping",
          fixture.system().Spawn<Relay>({.name = "stored-ping"}, std::move(pong)));
}

RemoteRuns::~RemoteRuns() = default;

RemoteRow RemoteRuns::TroupePingPong(int64_t round_trips) {
  const RemoteRef<Work, Done> server = fixture_.Lookup("server");
  return TimeRoundTrips("pingpong", "troupe", round_trips, [&](int64_t id) {
    absl::StatusOr<Done> done = server.Ask(MakeWork(id), absl::Seconds(10));
    if (!done.ok() || done->id() != id) Die("ask", done.status().ToString());
  });
}

RemoteRow RemoteRuns::RawPingPong(int64_t round_trips) {
  const std::string payload = MakeWork(1).SerializeAsString();
  return TimeRoundTrips("pingpong", "nats.c", round_trips, [&](int64_t) {
    if (!raw_asap_.Request(payload)) Die("request", "no reply within 10 s");
  });
}

RemoteRow RemoteRuns::TroupeFanIn(int senders, int64_t messages_per_sender) {
  const RemoteRef<Work, Done> server =
      fixture_.Lookup("server", Delivery::kAtMostOnce, batching_node_.get());
  const Work work = MakeWork(1);
  return TimeFanIn(
      "fanin", "troupe", senders, messages_per_sender,
      [&](int64_t) {
        if (TellStatus sent = server.Tell(work); !sent.ok()) Die("tell", sent.ToString());
      },
      [&] { return fixture_.counted(); }, [&] { return fixture_.host_dropped(); });
}

RemoteRow RemoteRuns::RawFanIn(int senders, int64_t messages_per_sender) {
  const std::string payload = MakeWork(1).SerializeAsString();
  return TimeFanIn(
      "fanin", "nats.c", senders, messages_per_sender,
      [&](int64_t) {
        if (!raw_batched_.Publish(payload)) Die("publish", "refused by the client");
      },
      [&] { return raw_batched_.counted(); }, [&] { return raw_batched_.dropped(); });
}

RemoteRow RemoteRuns::RawFanInWithCodec(int senders, int64_t messages_per_sender) {
  const Work work = MakeWork(1);
  return TimeFanIn(
      "fanin", "nats.c+protobuf", senders, messages_per_sender,
      [&](int64_t) {
        if (!raw_coded_.PublishWork(work)) Die("publish", "refused by the client");
      },
      [&] { return raw_coded_.counted(); }, [&] { return raw_coded_.dropped(); });
}

RemoteRow RemoteRuns::TroupePingPongAtLeastOnce(int64_t round_trips) {
  const RemoteRef<Work, Done> ping = fixture_.Lookup("stored-ping", Delivery::kAtLeastOnce);
  const int64_t pongs_before = pongs_->count();
  return TimeRoundTrips("pingpong_at_least_once", "troupe", round_trips, [&](int64_t id) {
    if (TellStatus stored = ping.Tell(MakeWork(id)); !stored.ok()) {
      Die("at-least-once ping-pong", stored.ToString());
    }
    pongs_->WaitFor(pongs_before + id);
  });
}

RemoteRow RemoteRuns::TroupeFanInAtLeastOnce(int senders, int64_t messages_per_sender) {
  const RemoteRef<Work, Done> server = fixture_.Lookup("stored-server", Delivery::kAtLeastOnce);
  const Work work = MakeWork(1);
  return TimeFanIn(
      "fanin_at_least_once", "troupe", senders, messages_per_sender,
      [&](int64_t) {
        if (TellStatus stored = server.Tell(work); !stored.ok()) Die("tell", stored.ToString());
      },
      [&] { return fixture_.stored_counted(); }, [] { return int64_t{0}; });
}

}  // namespace troupe::remote_bench
