// NatsCluster: a cluster of nats-servers of the test's own on loopback (three by
// default), each a NatsServer (nats_server.h) with a route to every other.
//
// Start starts them all and waits — bounded, failing with a message — until every
// server's monitoring endpoint (/routez) counts a route to each of the others, so
// a subscription made on one server is routed to the rest from then on. (The
// interest itself still travels asynchronously: a test that subscribes on one
// server and publishes on another waits for the first message to cross.) Kill
// ends one server at once (SIGKILL) to test failover; the others keep running;
// server(i).Start() brings it back on its ports (and its JetStream store).
#ifndef TROUPE_TESTS_REMOTE_NATS_CLUSTER_H_
#define TROUPE_TESTS_REMOTE_NATS_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "troupe/tests/remote/nats_server.h"

namespace troupe::testing {

class NatsCluster {
 public:
  // `servers` in [2, 9].
  explicit NatsCluster(int servers = 3);

  // Before Start: every server with JetStream (each its own store). Start then
  // also waits until the servers have elected a JetStream meta leader, so streams
  // can be made. A stream has one replica unless made with more: it lives on one
  // server, and is unavailable while that server is down.
  void EnableJetStream();
  absl::Status Start(absl::Duration ready_bound = absl::Seconds(60));
  // Kills server `index` (SIGKILL), as a crash would.
  void Kill(int index) { servers_.at(index)->Kill(); }

  int size() const { return static_cast<int>(servers_.size()); }
  NatsServer& server(int index) { return *servers_.at(index); }
  // Every server's URL, comma-separated (RemoteNodeOptions::url); the client
  // connects to one of them, picked at random, and fails over to the others.
  std::string Urls() const;
  // As Urls, without server `index`.
  std::string UrlsExcept(int index) const;
  // The running server that the client connection named `connection_name`
  // (RemoteNodeOptions::node_name) is connected to now, by its /connz; -1 if none.
  int ServerOf(const std::string& connection_name) const;
  // The integer `field` of server `index`'s monitoring endpoint `path` (e.g.
  // "/jsz", "streams"), or -1 if it cannot be read.
  int MonitoredCount(int index, const std::string& path, const std::string& field) const;

 private:
  // Whether every server counts `size() - 1` routes (and, with JetStream, knows
  // its meta leader); `why` says what is missing when not.
  bool Ready(std::string* why) const;

  std::vector<std::unique_ptr<NatsServer>> servers_;
  bool jetstream_ = false;
};

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_REMOTE_NATS_CLUSTER_H_
