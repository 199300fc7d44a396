// NatsServer: a nats-server of the test's own, on a free loopback port.
//
// Start spawns Debian's nats-server (/usr/sbin/nats-server, or NATS_SERVER in the
// environment) and waits — bounded, failing with a message — until it logs that it
// listens on its port. Stop (and the destructor) ends it with SIGTERM, then
// SIGKILL if it has not exited within a bound: no test leaves a server running.
// Restart stops it and starts a new one on the same port (for reconnects).
// nats_cluster.h joins several into a cluster.
#ifndef TROUPE_TESTS_REMOTE_NATS_SERVER_H_
#define TROUPE_TESTS_REMOTE_NATS_SERVER_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace troupe::testing {

// A loopback port free a moment ago, picked at random below the kernel's ephemeral
// range (nats_server.cc says why), or 0 if none: for a server's listeners (its
// clients', a cluster's routes, monitoring), which must be known before it starts.
int FreeLoopbackPort();

class NatsServer {
 public:
  NatsServer() = default;
  ~NatsServer() { Stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // Starts on a free port (the first call) or on the same port (after Stop).
  absl::Status Start(absl::Duration ready_bound = absl::Seconds(30));
  void Stop();
  absl::Status Restart() {
    Stop();
    return Start();
  }
  // Kills the server at once (SIGKILL), as a crash would.
  void Kill();
  // Before Start: run it with JetStream, storing under a directory of the test's
  // own (kept across Restart, so streams on disk survive it).
  void EnableJetStream() { jetstream_ = true; }
  // Before Start: more of nats-server's command-line options (authentication, TLS,
  // a cluster's routes, "-c <config file>"), kept across Restart.
  void AddArguments(std::vector<std::string> arguments) {
    extra_arguments_.insert(extra_arguments_.end(), arguments.begin(), arguments.end());
  }

  // Before Start: serve the server's monitoring endpoints (-m) on a free loopback
  // port, kept across Restart.
  void EnableMonitoring() { monitoring_port_ = FreeLoopbackPort(); }
  // After EnableMonitoring and Start: the body of the monitoring endpoint `path`
  // ("/routez", "/varz"), or why there is none. Blocks for a loopback round trip.
  absl::StatusOr<std::string> Monitor(const std::string& path) const;

  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

 private:
  void End(int signal);
  pid_t pid_ = -1;
  int port_ = 0;
  int monitoring_port_ = 0;  // 0: not enabled
  bool jetstream_ = false;
  std::vector<std::string> extra_arguments_;
};

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_REMOTE_NATS_SERVER_H_
