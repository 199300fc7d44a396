// The CAF 0.17 peer of troupe's remote benchmarks (benchmarks/remote/remote_main.cc):
// remote actors through CAF's middleman (libcaf_io, BASP over TCP) on loopback.
// Two actor systems in this one process, as troupe's two nodes share its process:
// the server system publishes its actors on loopback ports
// (`middleman().publish(actor, 0, "127.0.0.1")`), the client system reaches them
// through `middleman().remote_actor("127.0.0.1", port)`, so every message crosses a
// TCP connection and both systems' BASP brokers (CAF's shortcut for an actor of the
// same system is not taken).
//
//   pingpong  one scoped_actor of the client system requests an echo actor of the
//             server system and blocks for its answer, --round_trips times; each
//             round trip is timed on its own (LatencyRecorder, as troupe's rows)
//   fanin     --senders threads, each with its own scoped_actor, send --messages
//             int64 messages each to a counting actor of the server system; the
//             clock stops when the counter has seen them all (CAF's mailboxes and
//             BASP's buffers are unbounded: nothing is dropped)
//
// It prints one line per benchmark, which remote_main.cc reads:
//
//   benchmark=pingpong ops_per_s=12345.6 p50_us=70.1 p99_us=160.2
//   benchmark=fanin ops_per_s=345678.9
//
// Flags (--name=value): --round_trips (default 20000), --messages per sender
// (default 50000), --senders (default 4), --procs (each system's
// `scheduler.max-threads`, default 2). Exits 1 with a message on any failure.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "troupe/benchmarks/compare/latency_recorder.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  int64_t round_trips = 20000;
  int64_t messages = 50000;  // per sender
  int64_t senders = 4;
  int64_t procs = 2;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "remote_peers: %s\n", message.c_str());
  std::exit(1);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  struct Known {
    const char* name;
    int64_t* value;
  } known[] = {{"round_trips", &flags.round_trips},
               {"messages", &flags.messages},
               {"senders", &flags.senders},
               {"procs", &flags.procs}};
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* eq = std::strchr(arg, '=');
    bool matched = false;
    for (const Known& k : known) {
      const std::size_t length = std::strlen(k.name);
      if (eq != nullptr && std::strncmp(arg, "--", 2) == 0 &&
          static_cast<std::size_t>(eq - arg - 2) == length &&
          std::strncmp(arg + 2, k.name, length) == 0) {
        char* end = nullptr;
        *k.value = std::strtoll(eq + 1, &end, 10);
        if (*end != '\0' || *k.value < 1 || *k.value > (int64_t{1} << 30)) {
          Fail(std::string(k.name) + " must be in [1, 2^30]; got \"" + (eq + 1) + "\"");
        }
        matched = true;
      }
    }
    if (!matched) {
      Fail(std::string("unknown flag \"") + arg +
           "\"; allowed: --round_trips=N --messages=N --senders=N --procs=N");
    }
  }
  return flags;
}

caf::actor_system_config& Configure(caf::actor_system_config& config, const Flags& flags) {
  config.load<caf::io::middleman>();
  config.set("scheduler.max-threads", static_cast<size_t>(flags.procs));
  return config;
}

// Publishes `actor` on a free loopback port of `system`; returns the port.
uint16_t PublishOnLoopback(caf::actor_system& system, const caf::actor& actor) {
  caf::expected<uint16_t> port = system.middleman().publish(actor, 0, "127.0.0.1");
  if (!port) Fail("publish: " + system.render(port.error()));
  return *port;
}

caf::actor RemoteActor(caf::actor_system& system, uint16_t port) {
  caf::expected<caf::actor> remote = system.middleman().remote_actor("127.0.0.1", port);
  if (!remote) Fail("remote_actor: " + system.render(remote.error()));
  return *remote;
}

double Seconds(Clock::duration elapsed) { return std::chrono::duration<double>(elapsed).count(); }

void PingPong(caf::actor_system& client, const caf::actor& echo, int64_t round_trips) {
  caf::scoped_actor self{client};
  troupe::benchmarks::LatencyRecorder latencies(round_trips);
  const Clock::time_point start = Clock::now();
  for (int64_t i = 1; i <= round_trips; ++i) {
    const Clock::time_point sent = Clock::now();
    self->request(echo, std::chrono::seconds(10), i)
        .receive(
            [&](int64_t answer) {
              if (answer != i) Fail("pingpong: a wrong answer");
            },
            [&](caf::error& error) { Fail("pingpong: " + client.render(error)); });
    latencies.Add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent).count());
  }
  const double seconds = Seconds(Clock::now() - start);
  const troupe::benchmarks::LatencySummary summary = latencies.Summarize();
  std::printf("benchmark=pingpong ops_per_s=%.1f p50_us=%.2f p99_us=%.2f\n",
              static_cast<double>(round_trips) / seconds, summary.p50_us, summary.p99_us);
  std::fflush(stdout);
}

void FanIn(caf::actor_system& client, const caf::actor& counter,
           const std::atomic<int64_t>& counted, const Flags& flags) {
  const int64_t before = counted.load(std::memory_order_relaxed);  // a counter
  const int64_t total = flags.senders * flags.messages;
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> senders;
  for (int64_t s = 0; s < flags.senders; ++s) {
    senders.emplace_back([&client, &counter, &flags] {
      caf::scoped_actor self{client};
      for (int64_t i = 0; i < flags.messages; ++i) self->send(counter, i);
    });
  }
  for (std::thread& sender : senders) sender.join();
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(120);
  while (counted.load(std::memory_order_relaxed) - before < total) {
    if (Clock::now() > give_up) Fail("fanin: the counter did not see every message");
    std::this_thread::yield();
  }
  const double seconds = Seconds(Clock::now() - start);
  std::printf("benchmark=fanin ops_per_s=%.1f\n", static_cast<double>(total) / seconds);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  // Written by the counting actor (relaxed: a count only; the main thread polls it
  // and reads nothing else the actor wrote).
  std::atomic<int64_t> counted{0};
  caf::actor_system_config server_config;
  caf::actor_system_config client_config;
  caf::actor_system server_system{Configure(server_config, flags)};
  caf::actor echo = server_system.spawn([]() -> caf::behavior {
    return {[](int64_t x) { return x; }};
  });
  caf::actor counter = server_system.spawn([&counted]() -> caf::behavior {
    return {[&counted](int64_t) { counted.fetch_add(1, std::memory_order_relaxed); }};
  });
  const uint16_t echo_port = PublishOnLoopback(server_system, echo);
  const uint16_t counter_port = PublishOnLoopback(server_system, counter);
  {
    caf::actor_system client_system{Configure(client_config, flags)};
    caf::actor remote_echo = RemoteActor(client_system, echo_port);
    caf::actor remote_counter = RemoteActor(client_system, counter_port);
    PingPong(client_system, remote_echo, flags.round_trips);
    FanIn(client_system, remote_counter, counted, flags);
    // The proxies go before their system does.
    remote_echo = nullptr;
    remote_counter = nullptr;
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(counter, caf::exit_reason::user_shutdown);
  return 0;
}
