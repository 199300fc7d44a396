// The example service:
//
//   bazel run -c opt //services:http_server -- --port=8080
//   curl localhost:8080/hello; curl -X PUT --data v localhost:8080/kv/k; curl localhost:8080/metrics
//
// SIGTERM (or SIGINT) shuts it down gracefully: it stops accepting, lets requests in
// flight finish within --grace, and exits 0.
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/services/http_server.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "IPv4 address to listen on");
ABSL_FLAG(int, port, 8080, "TCP port (0: any free port)");
ABSL_FLAG(int, procs, 0, "processors (0: TROUPE_PROCS or the CPU count)");
ABSL_FLAG(int, kv_shards, 4, "actors holding the key-value store");
ABSL_FLAG(int, max_connections, 10000, "connections served at once; more get 503");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(30), "cut off clients silent this long");
ABSL_FLAG(absl::Duration, grace, absl::Seconds(10), "time for requests in flight at shutdown");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Block the shutdown signals in every thread (the runtime's threads inherit the
  // mask); this thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto runtime = troupe::Runtime::Create({.procs = absl::GetFlag(FLAGS_procs)});
  if (!runtime.ok()) {
    std::fprintf(stderr, "http_server: %s\n", runtime.status().ToString().c_str());
    return 2;
  }
  troupe::services::HttpServerOptions options;
  options.host = absl::GetFlag(FLAGS_host);
  options.port = static_cast<uint16_t>(absl::GetFlag(FLAGS_port));
  options.kv_shards = absl::GetFlag(FLAGS_kv_shards);
  options.max_connections = absl::GetFlag(FLAGS_max_connections);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  auto server = troupe::services::HttpServer::Start(**runtime, options);
  if (!server.ok()) {
    std::fprintf(stderr, "http_server: %s\n", server.status().ToString().c_str());
    return 2;
  }
  std::fprintf(stderr, "http_server: listening on %s:%d\n", options.host.c_str(), (*server)->port());
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "http_server: signal %d, shutting down\n", received);
  const absl::Status drained = (*server)->Shutdown(absl::GetFlag(FLAGS_grace));
  if (!drained.ok()) std::fprintf(stderr, "http_server: %s\n", drained.ToString().c_str());
  server->reset();
  return 0;
}
