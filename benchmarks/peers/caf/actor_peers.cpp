// CAF peers of troupe's actor benchmarks (benchmarks/micro/actor_bench.cc): BM_ActorPingPong
// and BM_ActorFanIn, written with CAF 0.17's event-based actors (Debian's libcaf-dev).
// benchmarks/micro/compare_with_peers.sh builds this file into its temporary directory and runs
// it next to troupe and the Go peers; it is not part of the Bazel build.
//
//   g++ -O2 -std=c++17 -pthread actor_peers.cpp -o actor_peers -lcaf_core
//   ./actor_peers -procs 2 -reps 5
//
// Flags: -procs N (CAF scheduler worker threads, `scheduler.max-threads`; default 2) and
// -reps N (timed repetitions per workload; default 5); `--procs=N` spellings work too.
// Each workload does one untimed warm-up repetition, then prints one line per timed
// repetition in the Go peers' format:
//
//   name=BM_ActorPingPong items=200000 seconds=0.012345 items_per_second=1.62e7
//
// - BM_ActorPingPong: a server and a returner actor play 100,000 round trips; the
//   returner sends every ball back to its sender, the server hits the next one until
//   the last returns. Items = messages (2 per round trip).
// - BM_ActorFanIn: 100 sender actors each send 10,000 messages to one sink actor.
//   Items = messages. CAF 0.17 mailboxes are unbounded (there is no bounded mailbox to
//   park senders), so this is the like-for-like peer of troupe's BM_ActorFanIn/0; the
//   comparison script shows it against /1024 as well.
//
// As in troupe's benchmarks the long-lived actors (server, returner, sink) are spawned
// once, outside the timed region; the fan-in senders are spawned inside it, as troupe's
// sender fibers are. The main thread starts each repetition with a request from a
// scoped_actor and blocks for the response, which the server or sink delivers through a
// response_promise once the work is done; the timing covers exactly that request. The
// result carries the count of messages received, which is checked (exit 1 if wrong).
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "troupe/benchmarks/peers/peer_program.h"

namespace {

using troupe::benchmarks::ParsePeerFlags;
using troupe::benchmarks::PeerFlags;
using troupe::benchmarks::ReportRepetition;

using ServeAtom = caf::atom_constant<caf::atom("serve")>;
using BallAtom = caf::atom_constant<caf::atom("ball")>;
using ExpectAtom = caf::atom_constant<caf::atom("expect")>;
using CountAtom = caf::atom_constant<caf::atom("count")>;

constexpr int64_t kRounds = 100'000;
constexpr int kSenders = 100;
constexpr int64_t kPerSender = 10'000;


[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "actor_peers: %s\n", message.c_str());
  std::exit(1);
}

// ---- Ping-pong ----

struct ServerState {
  caf::actor returner;
  int64_t rounds = 0;
  int64_t received = 0;  // balls received in the current rally
  caf::response_promise done;
};

// Sends every ball straight back to whoever sent it.
caf::behavior Returner(caf::event_based_actor* self) {
  return {
      [self](BallAtom, int64_t round) {
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), BallAtom::value, round);
      },
  };
}

// On (serve, rounds): hits ball 0 and responds with the balls received once ball
// rounds-1 comes back.
caf::behavior Server(caf::stateful_actor<ServerState>* self, caf::actor returner) {
  self->state.returner = std::move(returner);
  return {
      [self](ServeAtom, int64_t rounds) -> caf::response_promise {
        ServerState& state = self->state;
        state.rounds = rounds;
        state.received = 0;
        state.done = self->make_response_promise();
        self->send(state.returner, BallAtom::value, int64_t{0});
        return state.done;
      },
      [self](BallAtom, int64_t round) {
        ServerState& state = self->state;
        ++state.received;
        if (round + 1 == state.rounds) {
          state.done.deliver(state.received);
        } else {
          self->send(state.returner, BallAtom::value, round + 1);
        }
      },
  };
}

void RunPingPong(caf::actor_system& system, const PeerFlags& flags) {
  caf::actor returner = system.spawn(Returner);
  caf::actor server = system.spawn(Server, returner);
  caf::scoped_actor self{system};
  auto rep = [&] {
    int64_t received = -1;
    const auto start = std::chrono::steady_clock::now();
    self->request(server, caf::infinite, ServeAtom::value, kRounds)
        .receive([&](int64_t n) { received = n; },
                 [&](caf::error& error) { Fail("ping-pong: " + system.render(error)); });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (received != kRounds) {
      Fail("ping-pong: server received " + std::to_string(received) + " balls, want " +
           std::to_string(kRounds));
    }
    return elapsed;
  };
  rep();  // untimed warm-up
  std::fprintf(stderr, "actor_peers: ping-pong round_trips=%lld messages=%lld (ok)\n",
               static_cast<long long>(kRounds), static_cast<long long>(2 * kRounds));
  for (int r = 0; r < flags.reps; ++r) ReportRepetition("BM_ActorPingPong", 2 * kRounds, rep());
  self->send_exit(server, caf::exit_reason::user_shutdown);
  self->send_exit(returner, caf::exit_reason::user_shutdown);
}

// ---- Fan-in ----

struct SinkState {
  int64_t remaining = 0;  // may go negative: counts can arrive before the expect
  int64_t counted = 0;
  caf::response_promise done;
  bool waiting = false;
};

// Responds to (expect, n) with the number of counts received once n have arrived.
caf::behavior Sink(caf::stateful_actor<SinkState>* self) {
  auto maybe_deliver = [self] {
    SinkState& state = self->state;
    if (state.waiting && state.remaining == 0) {
      state.done.deliver(state.counted);
      state.waiting = false;
      state.counted = 0;
    }
  };
  return {
      [self, maybe_deliver](ExpectAtom, int64_t messages) -> caf::response_promise {
        SinkState& state = self->state;
        state.remaining += messages;
        state.done = self->make_response_promise();
        state.waiting = true;
        caf::response_promise promise = state.done;
        maybe_deliver();
        return promise;
      },
      [self, maybe_deliver](CountAtom) {
        --self->state.remaining;
        ++self->state.counted;
        maybe_deliver();
      },
  };
}

// Sends `messages` counts to the sink, then terminates (no behavior).
void Sender(caf::event_based_actor* self, const caf::actor& sink, int64_t messages) {
  for (int64_t i = 0; i < messages; ++i) self->send(sink, CountAtom::value);
}

void RunFanIn(caf::actor_system& system, const PeerFlags& flags) {
  constexpr int64_t kMessages = kSenders * kPerSender;
  caf::actor sink = system.spawn(Sink);
  caf::scoped_actor self{system};
  auto rep = [&] {
    int64_t counted = -1;
    const auto start = std::chrono::steady_clock::now();
    auto response = self->request(sink, caf::infinite, ExpectAtom::value, kMessages);
    for (int s = 0; s < kSenders; ++s) system.spawn(Sender, sink, kPerSender);
    std::move(response).receive(
        [&](int64_t n) { counted = n; },
        [&](caf::error& error) { Fail("fan-in: " + system.render(error)); });
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (counted != kMessages) {
      Fail("fan-in: sink counted " + std::to_string(counted) + " messages, want " +
           std::to_string(kMessages));
    }
    return elapsed;
  };
  rep();  // untimed warm-up
  std::fprintf(stderr, "actor_peers: fan-in senders=%d messages=%lld (ok)\n", kSenders,
               static_cast<long long>(kMessages));
  for (int r = 0; r < flags.reps; ++r) ReportRepetition("BM_ActorFanIn", kMessages, rep());
  self->send_exit(sink, caf::exit_reason::user_shutdown);
}


}  // namespace

int main(int argc, char** argv) {
  const PeerFlags flags = ParsePeerFlags("actor_peers", argc, argv);
  caf::actor_system_config config;
  config.set("scheduler.max-threads", static_cast<size_t>(flags.procs));
  caf::actor_system system{config};
  RunPingPong(system, flags);
  RunFanIn(system, flags);
  return 0;
}
