// RemoteRuns: the measured runs behind the rows of remote_main.cc, each returning
// one RemoteRow (remote_rows.h). On the fixture's loopback nats-server:
//
//   pingpong, troupe    RemoteRef::Ask from a plain thread to the fixture's "server",
//                       one at a time; every round trip timed on its own
//   pingpong, nats.c    the C client's request/reply, send-ASAP mode on both sides
//                       (troupe's nodes default to it: RemoteNodeOptions::send_immediately)
//   fanin, troupe       `senders` threads Tell "server" through one node whose C client
//                       batches (send_immediately = false), `messages` each; the
//                       clock stops when the receiver has counted or dropped them all
//                       (ops_per_s counts the delivered only)
//   fanin, nats.c       the same with the C client's publish on one connection (its
//                       default mode: batched by its flusher) to a counting subscriber
//   fanin, nats.c+protobuf
//                       the same, each message serialised from a Work by its sender
//                       and parsed by the subscriber: the codec's share of troupe's
//                       work, without its framing, actors or thread hand-offs
//   pingpong_at_least_once, troupe
//                       asks are at most once, so this round trip is two stored Tells:
//                       the asking thread Tells "stored-ping" at least once (it
//                       returns once the stream has stored it), whose actor Tells
//                       "stored-pong" on the client node at least once and answers
//                       its Reply (so its stream forgets it); the round trip ends
//                       when "stored-pong" has handled it. Each is timed
//   fanin_at_least_once, troupe
//                       `senders` threads Tell "stored-server" at least once,
//                       `messages` each (each Tell waits until stored); the clock
//                       stops when the actor has handled them all
//
// Every ping-pong runs a tenth of its round trips (at most 200) untimed first. Calls
// from one thread at a time; each exits the process with a message on any failure.
#ifndef TROUPE_BENCHMARKS_REMOTE_REMOTE_RUNS_H_
#define TROUPE_BENCHMARKS_REMOTE_REMOTE_RUNS_H_

#include <cstdint>
#include <memory>

#include "troupe/benchmarks/remote/raw_client.h"
#include "troupe/benchmarks/remote/remote_fixture.h"
#include "troupe/benchmarks/remote/remote_rows.h"
#include "troupe/remote/node.h"

namespace troupe::remote_bench {

class Arrivals;

class RemoteRuns {
 public:
  // Publishes the at-least-once ping-pong's two actors and opens the C client's
  // connections and the batching node on `fixture`'s server.
  explicit RemoteRuns(RemoteFixture& fixture);
  ~RemoteRuns();  // for Arrivals, complete only in remote_runs.cc
  RemoteRuns(const RemoteRuns&) = delete;
  RemoteRuns& operator=(const RemoteRuns&) = delete;

  RemoteRow TroupePingPong(int64_t round_trips);
  RemoteRow RawPingPong(int64_t round_trips);
  RemoteRow TroupeFanIn(int senders, int64_t messages_per_sender);
  RemoteRow RawFanIn(int senders, int64_t messages_per_sender);
  RemoteRow RawFanInWithCodec(int senders, int64_t messages_per_sender);
  RemoteRow TroupePingPongAtLeastOnce(int64_t round_trips);
  RemoteRow TroupeFanInAtLeastOnce(int senders, int64_t messages_per_sender);

 private:
  RemoteFixture& fixture_;
  std::unique_ptr<RemoteNode> batching_node_;  // send_immediately = false
  RawPair raw_asap_;
  RawPair raw_batched_;
  RawPair raw_coded_;  // batched; the subscriber decodes
  // What "stored-pong" has handled. Every message it gets is waited for before a
  // run returns, so none reaches it after this is gone.
  std::unique_ptr<Arrivals> pongs_;
};

}  // namespace troupe::remote_bench

#endif  // TROUPE_BENCHMARKS_REMOTE_REMOTE_RUNS_H_
