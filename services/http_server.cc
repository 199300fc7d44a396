// The HTTP service's connection loop, accept loop and graceful shutdown.
//
// A connection is a fiber that alternates between three phases, as its parser
// reports them (RequestParser::phase):
//   idle   waiting for the first byte of a next request: the read is bounded by
//          idle_timeout and by `between_requests_`, which shutdown cancels first;
//   head   a request's head is arriving: all of it must come within header_timeout
//          of the read that brought its first byte (a read deadline, so a client
//          dribbling a byte at a time cannot restart it), else 408;
//   body   likewise within body_timeout of the head, else 408.
// Complete requests are answered in order; a response is written under
// write_timeout, which counts from the first time the socket's buffer is full.
// Everything a request in progress does runs under `serving_`, which shutdown
// cancels only when its grace period is over.
//
// Shutdown (Go's Server.Shutdown), in order:
//   1. draining_ = true, then the listener is closed: the accept loop ends.
//   2. between_requests_ is cancelled: idle keep-alive connections wake and close.
//      A connection checks draining_ before each idle read, and a read checks its
//      context before parking, so one that was about to go idle closes too
//      (draining_ is stored before the cancel).
//   3. A new connection waits for its first request under first_request_, cancelled
//      only after kFirstRequestGrace (or the grace period, if shorter), as Go gives
//      a new connection 5 s: a client accepted just before the shutdown has usually
//      sent its request already and is still answered.
//   4. The last response a draining connection writes says "Connection: close".
//   5. Wait for the connections up to the grace period; then cancel serving_ (reads,
//      KV asks and writes in progress fail with Cancelled) and wait for the rest.
//
// Tracing (W3C trace context). A request with a `traceparent` header is served in a
// span ("GET /kv/{key}") that is a child of the client's span; one whose header is
// malformed or repeated in a span of a new trace (counted:
// troupe_http_bad_traceparent_total); one without, in a new trace while a span
// recording is on (tracing/span_recorder.h), else untraced at no cost. The span's
// context is the request's: the KV store's asks continue the trace. A traced
// response carries the server span's `traceparent`.
#include "troupe/services/http_server.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "troupe/metrics/text_format.h"
#include "troupe/profiling/debug_handler.h"
#include "troupe/scheduler/log.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/scheduler/trace_context.h"
#include "troupe/tracing/span.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::services {

namespace {

// A response body at least this large is written apart from its head, instead of
// being copied into one buffer with it.
constexpr std::size_t kSeparateBodyBytes = 16 * 1024;

// Go's Server.Serve: after a failed accept, sleep 5 ms, doubling up to 1 s.
constexpr absl::Duration kFirstAcceptBackoff = absl::Milliseconds(5);
constexpr absl::Duration kMaxAcceptBackoff = absl::Seconds(1);

// At shutdown, how long a new connection may still send its first request.
constexpr absl::Duration kFirstRequestGrace = absl::Seconds(5);

absl::Duration OrIdle(absl::Duration timeout, absl::Duration idle) {
  return timeout == absl::ZeroDuration() ? idle : timeout;
}

HttpServerOptions Resolved(HttpServerOptions options) {
  options.header_timeout = OrIdle(options.header_timeout, options.idle_timeout);
  options.body_timeout = OrIdle(options.body_timeout, options.idle_timeout);
  options.write_timeout = OrIdle(options.write_timeout, options.idle_timeout);
  return options;
}

ServerMetrics::Event EventFor(RequestParser::Error error) {
  switch (error) {
    case RequestParser::Error::kHeadersTooLarge: return ServerMetrics::Event::kHeadersTooLarge;
    case RequestParser::Error::kBodyTooLarge: return ServerMetrics::Event::kBodyTooLarge;
    case RequestParser::Error::kOverBudget: return ServerMetrics::Event::kOverBudget;
    case RequestParser::Error::kUnsupportedTransferCoding:
      return ServerMetrics::Event::kNotImplemented;
    case RequestParser::Error::kUnsupportedVersion: return ServerMetrics::Event::kUnsupportedVersion;
    default: return ServerMetrics::Event::kMalformed;
  }
}

HttpResponse MethodNotAllowed(const char* allow) {
  return {405, "text/plain; charset=utf-8", absl::StrCat("use ", allow, "\n"), allow};
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Runtime& runtime,
                                                               HttpServerOptions options) {
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_connections must be >= 1; got ", options.max_connections));
  }
  if (options.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("idle_timeout must be positive; got ", absl::FormatDuration(options.idle_timeout)));
  }
  for (const auto& [name, timeout] : {std::make_pair("header_timeout", options.header_timeout),
                                      std::make_pair("body_timeout", options.body_timeout),
                                      std::make_pair("write_timeout", options.write_timeout)}) {
    if (timeout < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " must be positive (or zero: the idle timeout); got ", absl::FormatDuration(timeout)));
    }
  }
  if (options.kv_shards < 1 || options.kv_shards > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("kv_shards must be in [1, 1024]; got ", options.kv_shards));
  }
  if (options.body_budget_bytes < options.limits.max_body_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "body_budget_bytes must be at least max_body_bytes (", options.limits.max_body_bytes,
        "), or no body of the largest allowed size could ever be accepted; got ",
        options.body_budget_bytes));
  }
  absl::StatusOr<std::unique_ptr<TcpListener>> listener =
      TcpListener::Listen(options.host, options.port);
  if (!listener.ok()) return listener.status();
  std::unique_ptr<HttpServer> server(
      new HttpServer(runtime, Resolved(std::move(options)), *std::move(listener)));
  server->connections_.Add(1);  // the accept loop
  // Named, so that the fiber dump (/debug/troupe/fibers, SIGQUIT) and traces show it.
  runtime.Spawn({.name = "http-accept"}, [raw = server.get()] { raw->AcceptLoop(); });
  return server;
}

HttpServer::HttpServer(Runtime& runtime, HttpServerOptions options,
                       std::unique_ptr<TcpListener> listener)
    : runtime_(runtime),
      options_(std::move(options)),
      listener_(std::move(listener)),
      actors_(runtime),
      kv_(actors_, options_.kv_shards, options_.kv_max_bytes),
      body_budget_(options_.body_budget_bytes),
      between_requests_(WithCancel(Context())),
      first_request_(WithCancel(Context())),
      serving_(WithCancel(Context())),
      metrics_(runtime_, actors_, kv_, body_budget_) {}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()).IgnoreError(); }

void HttpServer::AcceptLoop() {
  absl::Duration backoff = absl::ZeroDuration();
  while (true) {
    absl::StatusOr<std::unique_ptr<TcpConnection>> connection = listener_->Accept();
    if (!connection.ok()) {
      if (draining_.load(std::memory_order_acquire)) break;  // closed at shutdown
      // Anything else (out of file descriptors, ...) passes: the connection waits
      // in the backlog. Count, log, back off, go on.
      metrics_.Count(ServerMetrics::Event::kAcceptError);
      backoff = backoff == absl::ZeroDuration() ? kFirstAcceptBackoff
                                                : std::min(2 * backoff, kMaxAcceptBackoff);
      TROUPE_LOG(kWarning, "http_server: accept failed; retrying",
                 {{"error", connection.status().ToString()},
                  {"backoff", absl::FormatDuration(backoff)}});
      if (!this_fiber::SleepFor(backoff, between_requests_.context).ok()) break;  // shutdown
      continue;
    }
    backoff = absl::ZeroDuration();
    if (metrics_.active_connections() >= options_.max_connections) {
      metrics_.Count(ServerMetrics::Event::kConnectionRejected);
      (*connection)->SetWriteTimeout(options_.write_timeout);
      Refuse(**connection, 503);
      continue;  // destroyed: closed
    }
    metrics_.ConnectionOpened();
    metrics_.Count(ServerMetrics::Event::kConnectionAccepted);
    connections_.Add(1);
    runtime_.Spawn([this, owned = *std::move(connection)]() mutable { Serve(std::move(owned)); });
  }
  connections_.Done();
}

void HttpServer::Refuse(TcpConnection& connection, int status) {
  metrics_.Record(status, absl::ZeroDuration());  // before the client can see it
  const HttpResponse refusal{status, "text/plain; charset=utf-8",
                             absl::StrCat(ReasonPhrase(status), "\n")};
  connection.Write(SerializeResponse(refusal, /*keep_alive=*/false), serving_.context)
      .IgnoreError();
}

void HttpServer::Serve(std::unique_ptr<TcpConnection> connection) {
  RequestParser parser(options_.limits, &body_budget_);
  char buffer[16 * 1024];
  connection->SetWriteTimeout(options_.write_timeout);
  // The phase whose deadline the connection's read deadline holds.
  uint64_t timed_request = 0;
  RequestParser::Phase timed_phase = RequestParser::Phase::kIdle;
  bool first_request = true;
  bool open = true;
  while (open) {
    while (open && parser.HasRequest()) {  // pipelined requests, in order
      HttpRequest request = parser.Next();
      open = Respond(*connection, request, parser);
      first_request = false;
    }
    if (!open) break;
    const RequestParser::Phase phase = parser.phase();
    const Context* context = &serving_.context;
    if (phase == RequestParser::Phase::kIdle) {
      if (first_request) {
        context = &first_request_.context;
      } else {
        if (draining_.load(std::memory_order_acquire)) break;  // idle at shutdown: close
        context = &between_requests_.context;
      }
      connection->SetReadDeadline(absl::InfiniteFuture());
      connection->SetReadTimeout(options_.idle_timeout);
      timed_phase = phase;
    } else if (phase != timed_phase || parser.requests_begun() != timed_request) {
      timed_phase = phase;
      timed_request = parser.requests_begun();
      connection->SetReadTimeout(absl::InfiniteDuration());
      connection->SetReadDeadline(absl::Now() + (phase == RequestParser::Phase::kHead
                                                     ? options_.header_timeout
                                                     : options_.body_timeout));
    }
    absl::StatusOr<std::size_t> n = connection->Read(buffer, sizeof(buffer), *context);
    if (!n.ok()) {
      if (n.status().code() == absl::StatusCode::kDeadlineExceeded) {
        if (phase == RequestParser::Phase::kIdle) {
          metrics_.Count(ServerMetrics::Event::kIdleTimeout);
        } else {
          metrics_.Count(phase == RequestParser::Phase::kHead ? ServerMetrics::Event::kHeaderTimeout
                                                             : ServerMetrics::Event::kBodyTimeout);
          Refuse(*connection, 408);
        }
      }
      break;
    }
    if (const RequestParser::Error error = parser.Feed(absl::string_view(buffer, *n));
        error != RequestParser::Error::kNone) {
      // Requests that completed before the bad bytes are answered first, in order.
      while (open && parser.HasRequest()) {
        HttpRequest request = parser.Next();
        open = Respond(*connection, request, parser);
      }
      if (open) {
        metrics_.Count(EventFor(error));
        Refuse(*connection, RequestParser::ErrorStatus(error));
      }
      break;
    }
  }
  connection->Close();
  metrics_.ConnectionClosed();
  connections_.Done();
}

bool HttpServer::Respond(TcpConnection& connection, HttpRequest& request,
                         const RequestParser& parser) {
  const absl::Time start = absl::Now();
  const HttpResponse response = HandleTraced(request);
  request.body_memory.Reset();  // the body moved into the store, or is no longer needed
  // Counted before the client can see the answer, so /metrics never lags what a
  // client has already received.
  metrics_.Record(response.status, absl::Now() - start);
  // Draining: the last request that has arrived closes the connection.
  const bool last_at_shutdown = draining_.load(std::memory_order_acquire) && !parser.HasRequest() &&
                                parser.phase() == RequestParser::Phase::kIdle;
  const bool keep_alive = request.keep_alive && !last_at_shutdown;
  const absl::Status written =
      WriteResponse(connection, response, keep_alive, request.method == "HEAD");
  if (written.code() == absl::StatusCode::kDeadlineExceeded) {
    metrics_.Count(ServerMetrics::Event::kWriteTimeout);
  }
  return written.ok() && keep_alive;
}

namespace {

// A span's name for the request's path: its route, not the path itself (a key is
// not a name).
absl::string_view RouteOf(absl::string_view path) {
  path = path.substr(0, path.find('?'));
  if (absl::StartsWith(path, "/kv/")) return "/kv/{key}";
  if (path == "/hello" || path == "/metrics") return path;
  if (absl::StartsWith(path, "/debug/")) return "/debug/...";
  return "(other)";
}

}  // namespace

HttpResponse HttpServer::HandleTraced(HttpRequest& request) {
  const std::string* traceparent = nullptr;
  int fields = 0;
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "traceparent")) {
      traceparent = &value;
      ++fields;
    }
  }
  if (fields == 0 && !tracing::SpanRecordingActive()) return Handle(request, serving_.context);
  std::optional<TraceContext> remote_parent;
  if (fields == 1) {
    if (absl::StatusOr<TraceContext> parsed = ParseTraceparent(*traceparent); parsed.ok()) {
      remote_parent = *parsed;
    }
  }
  if (fields > 0 && !remote_parent.has_value()) metrics_.Count(ServerMetrics::Event::kBadTraceparent);
  tracing::ScopedSpan span(serving_.context,
                           remote_parent.has_value() ? &*remote_parent : nullptr, request.method,
                           RouteOf(request.path));
  HttpResponse response = Handle(request, span.context());
  response.traceparent = FormatTraceparent(*span.trace());
  if (response.status >= 500) {
    span.SetStatus(absl::UnknownError(absl::StrCat("HTTP ", response.status)));
  }
  return response;
}

absl::Status HttpServer::WriteResponse(TcpConnection& connection, const HttpResponse& response,
                                       bool keep_alive, bool head_only) {
  if (head_only || response.body.size() < kSeparateBodyBytes) {
    return connection.Write(SerializeResponse(response, keep_alive, head_only), serving_.context);
  }
  if (absl::Status head = connection.Write(SerializeResponseHead(response, keep_alive),
                                           serving_.context);
      !head.ok()) {
    return head;
  }
  return connection.Write(response.body, serving_.context);
}

HttpResponse HttpServer::Handle(HttpRequest& request, const Context& context) {
  absl::string_view path = request.path;
  if (const std::size_t query = path.find('?'); query != absl::string_view::npos) {
    path = path.substr(0, query);
  }
  const bool read_only = request.method == "GET" || request.method == "HEAD";
  if (path == "/hello") {
    if (!read_only) return MethodNotAllowed("GET, HEAD");
    return {200, "text/plain; charset=utf-8", "hello, world\n"};
  }
  if (path == "/metrics") {
    if (!read_only) return MethodNotAllowed("GET, HEAD");
    return {200, metrics::kTextContentType, Metrics()};
  }
  if (absl::StartsWith(path, "/kv/") && path.size() > 4) {
    return HandleKv(request, std::string(path.substr(4)), context);
  }
  if (profiling::IsDebugPath(path)) {
    if (!read_only) return MethodNotAllowed("GET, HEAD");
    profiling::DebugResponse debug = profiling::ServeDebug(runtime_, request.path, context);
    return {debug.status, std::move(debug.content_type), std::move(debug.body)};
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

HttpResponse HttpServer::HandleKv(HttpRequest& request, const std::string& key,
                                  const Context& context) {
  auto failed = [](const absl::Status& status) {
    return HttpResponse{status.code() == absl::StatusCode::kDeadlineExceeded ? 504 : 500,
                        "text/plain; charset=utf-8", absl::StrCat(status.message(), "\n")};
  };
  if (request.method == "GET" || request.method == "HEAD") {
    absl::StatusOr<std::optional<std::string>> value = kv_.Get(key, context);
    if (!value.ok()) return failed(value.status());
    if (!value->has_value()) return {404, "text/plain; charset=utf-8", "no such key\n"};
    return {200, "application/octet-stream", **std::move(value)};
  }
  if (request.method == "PUT") {
    absl::StatusOr<KvPutResult> put = kv_.Put(key, std::move(request.body), context);
    if (!put.ok()) return failed(put.status());
    if (*put == KvPutResult::kNoRoom) {
      metrics_.Count(ServerMetrics::Event::kKvFull);
      return {507, "text/plain; charset=utf-8", "the store is full\n"};
    }
    return {204, "text/plain; charset=utf-8", ""};
  }
  if (request.method == "DELETE") {
    absl::StatusOr<bool> removed = kv_.Delete(key, context);
    if (!removed.ok()) return failed(removed.status());
    if (!*removed) return {404, "text/plain; charset=utf-8", "no such key\n"};
    return {204, "text/plain; charset=utf-8", ""};
  }
  return MethodNotAllowed("GET, HEAD, PUT, DELETE");
}

std::string HttpServer::Metrics() const { return metrics_.Render(); }

absl::Status HttpServer::Shutdown(absl::Duration grace) {
  // acq_rel: one caller wins; a later one returns at once (nothing else is
  // published through the flag; the winner's work is waited for by nobody).
  if (shut_down_.exchange(true, std::memory_order_acq_rel)) return absl::OkStatus();
  // release; pairs with the acquire loads in Serve and AcceptLoop (step 2 of the
  // design comment: stored before the cancel below).
  draining_.store(true, std::memory_order_release);
  listener_->Close();
  between_requests_.cancel.Cancel(absl::CancelledError("server shutting down"));
  const absl::Time end = absl::Now() + grace;
  auto drained_by = [this](absl::Time deadline) {
    const ContextWithCancel bounded = WithDeadline(Context(), deadline);
    return connections_.Wait(bounded.context).ok();
  };
  bool drained = drained_by(std::min(end, absl::Now() + kFirstRequestGrace));
  first_request_.cancel.Cancel(absl::CancelledError("server shutting down"));
  if (!drained) drained = drained_by(end);
  if (drained) {
    serving_.cancel.Cancel(absl::CancelledError("server shut down"));
    return absl::OkStatus();
  }
  const int64_t busy = metrics_.active_connections();
  for (int64_t i = 0; i < busy; ++i) metrics_.Count(ServerMetrics::Event::kCutOffAtShutdown);
  serving_.cancel.Cancel(absl::CancelledError("server shutting down: grace period over"));
  connections_.Wait();
  return absl::DeadlineExceededError(absl::StrCat(
      "shutdown: ", busy, " connections were still busy after the grace period; cut off"));
}

}  // namespace troupe::services
