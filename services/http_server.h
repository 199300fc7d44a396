// HttpServer: an HTTP/1.1 service whose connections are fibers on the netpoller and
// whose state lives in actors.
//
// Endpoints: GET /hello; GET/PUT/DELETE /kv/<key> (a KvStore sharded over actors);
// GET /metrics (Prometheus text: requests by status, latency histogram, connections,
// failures, the runtime's counters, each KV actor's mailbox depth and processed
// count).
//
// Keep-alive and pipelining are supported. Bad input never crashes the server:
// malformed requests get 400, oversized headers 431, oversized bodies 413, a client
// that sends nothing for `idle_timeout` is disconnected, connections
// beyond `max_connections` get 503; each is counted in /metrics.
//
// Shutdown: stop accepting, let requests in flight finish within a grace period,
// close idle connections.
#ifndef TROUPE_SERVICES_HTTP_SERVER_H_
#define TROUPE_SERVICES_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/net/tcp.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/wait_group.h"
#include "troupe/services/http_message.h"
#include "troupe/services/kv_store.h"
#include "troupe/services/request_parser.h"

namespace troupe::services {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see HttpServer::port())
  int max_connections = 10'000;
  absl::Duration idle_timeout = absl::Seconds(30);
  ParserLimits limits{};
  int kv_shards = 4;
};

class HttpServer {
 public:
  // Validates `options` (InvalidArgument saying what is allowed), listens, and starts
  // accepting on `runtime`.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Runtime& runtime,
                                                           HttpServerOptions options);
  ~HttpServer();  // Shutdown with no grace if it was not called

  uint16_t port() const { return listener_->port(); }

  // Any thread. Stops accepting and waits up to `grace` for the connections to
  // finish their requests in flight; then closes the rest. DeadlineExceeded if some
  // had to be cut off.
  absl::Status Shutdown(absl::Duration grace);

  // The /metrics page.
  std::string Metrics() const;

  // Handles one request (what a connection does for each). Exposed for tests.
  HttpResponse Handle(const HttpRequest& request, const Context& context);

 private:
  HttpServer(Runtime& runtime, HttpServerOptions options, std::unique_ptr<TcpListener> listener);
  void AcceptLoop();
  void Serve(std::unique_ptr<TcpConnection> connection);
  HttpResponse HandleKv(const HttpRequest& request, const std::string& key,
                        const Context& context);
  void Record(int status, absl::Duration latency);

  Runtime& runtime_;
  const HttpServerOptions options_;
  std::unique_ptr<TcpListener> listener_;
  ActorSystem actors_;
  KvStore kv_;
  ContextWithCancel serving_;  // cancelled at shutdown: wakes idle connections
  WaitGroup connections_;      // one per open connection, plus the accept loop
  std::atomic<bool> draining_{false};
  std::atomic<bool> shut_down_{false};

  struct Counters;
  std::unique_ptr<Counters> counters_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_HTTP_SERVER_H_
