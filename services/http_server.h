// HttpServer: an HTTP/1.1 service whose connections are fibers on the netpoller and
// whose state lives in actors.
//
// Endpoints: GET|HEAD /hello; GET|HEAD|PUT|DELETE /kv/<key> (a KvStore sharded over
// actors); GET|HEAD /metrics (Prometheus text: server_metrics.h); GET|HEAD
// /debug/pprof/... (Go's profiling endpoints) and /debug/troupe/... (the scheduling
// trace as trace-event JSON, the fiber dump): troupe/profiling/debug_handler.h; a CPU
// profile or a trace holds its connection for the seconds asked.
//
// Request tracing: a request's `traceparent` header (W3C trace context) is continued
// in a server span, whose own traceparent the response carries; the KV store's asks
// continue the trace (http_server.cc has the rules).
//
// Keep-alive and pipelining are supported. Hostile clients are bounded, answered
// and counted in /metrics, never able to crash the server or hold it:
//   - malformed requests get 400 (strict RFC 9112: request_head.h), an unsupported
//     version 505, a transfer coding other than chunked 501, a head over
//     limits.max_header_bytes (every byte counted) 431, a body over
//     limits.max_body_bytes 413;
//   - a connection that sends nothing of a next request for idle_timeout is closed;
//     a head must be complete within header_timeout of its first byte, a body within
//     body_timeout of its head (else 408 and close), and a response must be taken by
//     the client within write_timeout of the first time the socket is full (else the
//     connection is closed);
//   - request bodies in flight share body_budget_bytes (beyond it: 503), the KV store
//     holds at most kv_max_bytes (beyond it: 507), connections beyond
//     max_connections get 503;
//   - a failed accept (out of file descriptors) is counted, logged and retried after
//     a backoff of 5 ms doubling to 1 s, as Go's Server.Serve does.
//
// Shutdown is Go's Server.Shutdown: stop accepting, close idle keep-alive
// connections, let every request that has begun to arrive complete and its response
// be written within the grace period, then cut off what is left.
#ifndef TROUPE_SERVICES_HTTP_SERVER_H_
#define TROUPE_SERVICES_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
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
#include "troupe/services/memory_budget.h"
#include "troupe/services/request_parser.h"
#include "troupe/services/server_metrics.h"

namespace troupe::services {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // IPv4 or IPv6 address, "localhost" or a name
  uint16_t port = 8080;            // 0: any free port (see HttpServer::port())
  int max_connections = 10'000;
  absl::Duration idle_timeout = absl::Seconds(30);
  // Each of these, when zero (the default), is idle_timeout.
  absl::Duration header_timeout = absl::ZeroDuration();
  absl::Duration body_timeout = absl::ZeroDuration();
  absl::Duration write_timeout = absl::ZeroDuration();
  ParserLimits limits{};
  int kv_shards = 4;
  std::size_t body_budget_bytes = std::size_t{64} << 20;  // request bodies in flight
  std::size_t kv_max_bytes = std::size_t{256} << 20;      // the KV store's size limit
};

class HttpServer {
 public:
  // Validates `options` (InvalidArgument saying what is allowed), listens, and starts
  // accepting on `runtime`.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Runtime& runtime,
                                                           HttpServerOptions options);
  ~HttpServer();  // Shutdown with no grace if it was not called

  uint16_t port() const { return listener_->port(); }

  // Any thread or fiber; blocks (parks) until done. Stops accepting, closes idle
  // connections, and waits up to `grace` for every request that has begun to arrive
  // to be answered; then cuts off the connections left (their reads, KV asks and
  // writes fail with Cancelled) and waits for them to close. DeadlineExceeded if
  // some had to be cut off. Later calls return OK at once.
  absl::Status Shutdown(absl::Duration grace);

  // The /metrics page.
  std::string Metrics() const;

  // Handles one request (what a connection does for each); a PUT's body moves into
  // the store. Exposed for tests.
  HttpResponse Handle(HttpRequest& request, const Context& context);

 private:
  HttpServer(Runtime& runtime, HttpServerOptions options, std::unique_ptr<TcpListener> listener);
  void AcceptLoop();
  void Serve(std::unique_ptr<TcpConnection> connection);
  // Answers `request`; whether the connection stays open for another.
  bool Respond(TcpConnection& connection, HttpRequest& request, const RequestParser& parser);
  // Handle, in the request's span when it is traced (http_server.cc).
  HttpResponse HandleTraced(HttpRequest& request);
  // Writes a refusal (status, "Connection: close"), counted first.
  void Refuse(TcpConnection& connection, int status);
  absl::Status WriteResponse(TcpConnection& connection, const HttpResponse& response,
                             bool keep_alive, bool head_only);
  HttpResponse HandleKv(HttpRequest& request, const std::string& key, const Context& context);

  Runtime& runtime_;
  const HttpServerOptions options_;  // timeouts resolved (none is zero)
  std::unique_ptr<TcpListener> listener_;
  ActorSystem actors_;
  KvStore kv_;
  MemoryBudget body_budget_;
  // Shutdown cancels these in turn (http_server.cc). `between_requests_` first: it
  // bounds what waits for a next request (an idle keep-alive connection's read, the
  // accept loop's backoff). `first_request_` a little later: a new connection's
  // wait for its first request. `serving_` when the grace period ends: everything a
  // request in progress does (reading its head and body, KV asks, writing).
  ContextWithCancel between_requests_;
  ContextWithCancel first_request_;
  ContextWithCancel serving_;
  WaitGroup connections_;  // one per open connection, plus the accept loop
  std::atomic<bool> draining_{false};
  std::atomic<bool> shut_down_{false};
  ServerMetrics metrics_;  // last: its collectors read the members above
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_HTTP_SERVER_H_
