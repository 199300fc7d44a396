#include "troupe/services/http_server.h"

#include <array>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace troupe::services {

namespace {

// Statuses the server produces, for the per-status request counters.
constexpr std::array<int, 11> kStatuses = {200, 204, 400, 404, 405, 408, 413, 431, 500, 503, 504};
// Latency histogram bucket bounds, in seconds (Prometheus "le").
constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

}  // namespace

struct HttpServer::Counters {
  std::array<std::atomic<uint64_t>, kStatuses.size()> requests{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latency{};  // last: +Inf
  std::atomic<uint64_t> latency_sum_ns{0};
  std::atomic<int64_t> connections_active{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> connections_rejected{0};
  std::atomic<uint64_t> idle_timeouts{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> headers_too_large{0};
  std::atomic<uint64_t> body_too_large{0};
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Runtime& runtime,
                                                               HttpServerOptions options) {
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_connections must be >= 1; got ", options.max_connections));
  }
  if (options.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("idle_timeout must be positive");
  }
  if (options.kv_shards < 1 || options.kv_shards > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("kv_shards must be in [1, 1024]; got ", options.kv_shards));
  }
  absl::StatusOr<std::unique_ptr<TcpListener>> listener =
      TcpListener::Listen(options.host, options.port);
  if (!listener.ok()) return listener.status();
  std::unique_ptr<HttpServer> server(
      new HttpServer(runtime, std::move(options), *std::move(listener)));
  server->connections_.Add(1);  // the accept loop
  runtime.Spawn([raw = server.get()] { raw->AcceptLoop(); });
  return server;
}

HttpServer::HttpServer(Runtime& runtime, HttpServerOptions options,
                       std::unique_ptr<TcpListener> listener)
    : runtime_(runtime),
      options_(std::move(options)),
      listener_(std::move(listener)),
      actors_(runtime),
      kv_(actors_, options_.kv_shards),
      serving_(WithCancel(Context())),
      counters_(std::make_unique<Counters>()) {}

HttpServer::~HttpServer() { Shutdown(absl::ZeroDuration()).IgnoreError(); }

void HttpServer::AcceptLoop() {
  while (true) {
    absl::StatusOr<std::unique_ptr<TcpConnection>> connection = listener_->Accept();
    if (!connection.ok()) break;  // closed at shutdown
    if (counters_->connections_active.load() >= options_.max_connections) {
      counters_->connections_rejected.fetch_add(1);
      HttpResponse busy{503, "text/plain; charset=utf-8", "too many connections\n"};
      Record(503, absl::ZeroDuration());  // before the client can see the answer
      (*connection)->Write(SerializeResponse(busy, /*keep_alive=*/false), serving_.context).IgnoreError();
      continue;  // destroyed: closed
    }
    counters_->connections_active.fetch_add(1);
    counters_->connections_total.fetch_add(1);
    connections_.Add(1);
    runtime_.Spawn([this, owned = *std::move(connection)]() mutable { Serve(std::move(owned)); });
  }
  connections_.Done();
}

void HttpServer::Serve(std::unique_ptr<TcpConnection> connection) {
  RequestParser parser(options_.limits);
  char buffer[16 * 1024];
  bool open = true;
  // A client that sends nothing for idle_timeout is cut off (idle or slow clients);
  // shutdown cancels a waiting read at once through serving_.context.
  connection->SetReadTimeout(options_.idle_timeout);
  while (open && !draining_.load(std::memory_order_acquire)) {
    absl::StatusOr<std::size_t> n = connection->Read(buffer, sizeof(buffer), serving_.context);
    if (!n.ok()) {
      if (n.status().code() == absl::StatusCode::kDeadlineExceeded) {
        counters_->idle_timeouts.fetch_add(1);
      }
      break;
    }
    if (RequestParser::Error error = parser.Feed(absl::string_view(buffer, *n));
        error != RequestParser::Error::kNone) {
      switch (error) {
        case RequestParser::Error::kHeadersTooLarge: counters_->headers_too_large.fetch_add(1); break;
        case RequestParser::Error::kBodyTooLarge: counters_->body_too_large.fetch_add(1); break;
        default: counters_->malformed.fetch_add(1); break;
      }
      const int status = RequestParser::ErrorStatus(error);
      HttpResponse rejected{status, "text/plain; charset=utf-8",
                            absl::StrCat(ReasonPhrase(status), "\n")};
      Record(status, absl::ZeroDuration());  // before the client can see the answer
      connection->Write(SerializeResponse(rejected, /*keep_alive=*/false), serving_.context)
          .IgnoreError();
      break;
    }
    while (open && parser.HasRequest()) {  // pipelined requests, in order
      const HttpRequest request = parser.Next();
      const absl::Time start = absl::Now();
      const HttpResponse response = Handle(request, serving_.context);
      // Counted before the client can see the answer, so /metrics never lags what a
      // client has already received.
      Record(response.status, absl::Now() - start);
      const bool keep_alive = request.keep_alive && !draining_.load(std::memory_order_acquire);
      open = connection->Write(SerializeResponse(response, keep_alive), serving_.context).ok() &&
             keep_alive;
    }
  }
  connection->Close();
  counters_->connections_active.fetch_sub(1);
  connections_.Done();
}

HttpResponse HttpServer::Handle(const HttpRequest& request, const Context& context) {
  absl::string_view path = request.path;
  if (const std::size_t query = path.find('?'); query != absl::string_view::npos) {
    path = path.substr(0, query);
  }
  if (path == "/hello") {
    if (request.method != "GET") return {405, "text/plain; charset=utf-8", "use GET\n"};
    return {200, "text/plain; charset=utf-8", "hello, world\n"};
  }
  if (path == "/metrics") {
    if (request.method != "GET") return {405, "text/plain; charset=utf-8", "use GET\n"};
    return {200, "text/plain; version=0.0.4", Metrics()};
  }
  if (absl::StartsWith(path, "/kv/") && path.size() > 4) {
    return HandleKv(request, std::string(path.substr(4)), context);
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

HttpResponse HttpServer::HandleKv(const HttpRequest& request, const std::string& key,
                                  const Context& context) {
  auto failed = [](const absl::Status& status) {
    return HttpResponse{status.code() == absl::StatusCode::kDeadlineExceeded ? 504 : 500,
                        "text/plain; charset=utf-8", absl::StrCat(status.message(), "\n")};
  };
  if (request.method == "GET") {
    absl::StatusOr<std::optional<std::string>> value = kv_.Get(key, context);
    if (!value.ok()) return failed(value.status());
    if (!value->has_value()) return {404, "text/plain; charset=utf-8", "no such key\n"};
    return {200, "application/octet-stream", **value};
  }
  if (request.method == "PUT") {
    absl::StatusOr<bool> put = kv_.Put(key, request.body, context);
    if (!put.ok()) return failed(put.status());
    return {204, "text/plain; charset=utf-8", ""};
  }
  if (request.method == "DELETE") {
    absl::StatusOr<bool> removed = kv_.Delete(key, context);
    if (!removed.ok()) return failed(removed.status());
    if (!*removed) return {404, "text/plain; charset=utf-8", "no such key\n"};
    return {204, "text/plain; charset=utf-8", ""};
  }
  return {405, "text/plain; charset=utf-8", "use GET, PUT or DELETE\n"};
}

void HttpServer::Record(int status, absl::Duration latency) {
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) counters_->requests[i].fetch_add(1, std::memory_order_relaxed);
  }
  const double seconds = absl::ToDoubleSeconds(latency);
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  counters_->latency[bucket].fetch_add(1, std::memory_order_relaxed);
  counters_->latency_sum_ns.fetch_add(absl::ToInt64Nanoseconds(latency), std::memory_order_relaxed);
}

std::string HttpServer::Metrics() const {
  const Counters& c = *counters_;
  std::string out;
  absl::StrAppend(&out, "# HELP troupe_http_requests_total Requests answered, by status.\n",
                  "# TYPE troupe_http_requests_total counter\n");
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    absl::StrAppend(&out, "troupe_http_requests_total{code=\"", kStatuses[i], "\"} ",
                    c.requests[i].load(), "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_http_request_duration_seconds Time to handle a request.\n",
                  "# TYPE troupe_http_request_duration_seconds histogram\n");
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBuckets.size(); ++i) {
    cumulative += c.latency[i].load();
    absl::StrAppend(&out, "troupe_http_request_duration_seconds_bucket{le=\"",
                    i < kBuckets.size() ? absl::StrCat(kBuckets[i]) : std::string("+Inf"),
                    "\"} ", cumulative, "\n");
  }
  absl::StrAppend(&out, "troupe_http_request_duration_seconds_sum ",
                  static_cast<double>(c.latency_sum_ns.load()) / 1e9, "\n",
                  "troupe_http_request_duration_seconds_count ", cumulative, "\n");
  auto gauge = [&out](absl::string_view name, absl::string_view help, absl::string_view type,
                      auto value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name,
                    " ", value, "\n");
  };
  gauge("troupe_http_connections_active", "Open connections.", "gauge", c.connections_active.load());
  gauge("troupe_http_connections_total", "Connections accepted.", "counter", c.connections_total.load());
  gauge("troupe_http_connections_rejected_total", "Connections refused over max_connections.",
        "counter", c.connections_rejected.load());
  gauge("troupe_http_idle_timeouts_total", "Connections cut off for sending nothing complete in time.",
        "counter", c.idle_timeouts.load());
  gauge("troupe_http_malformed_requests_total", "Requests rejected with 400.", "counter", c.malformed.load());
  gauge("troupe_http_oversized_headers_total", "Requests rejected with 431.", "counter",
        c.headers_too_large.load());
  gauge("troupe_http_oversized_bodies_total", "Requests rejected with 413.", "counter",
        c.body_too_large.load());
  const RuntimeStats stats = runtime_.Stats();
  gauge("troupe_runtime_fibers", "Live fibers.", "gauge", stats.fibers_alive());
  gauge("troupe_runtime_switches_total", "Fiber switches.", "counter", stats.switches);
  gauge("troupe_runtime_steals_total", "Fibers moved by work stealing.", "counter", stats.fibers_stolen);
  gauge("troupe_runtime_parks_total", "Times an idle thread went to sleep.", "counter", stats.machine_parks);
  gauge("troupe_runtime_netpoll_wakeups_total", "Fibers made runnable by the netpoller.", "counter",
        stats.netpoll_wakeups);
  absl::StrAppend(&out, "# HELP troupe_runtime_runqueue Runnable fibers queued per processor.\n",
                  "# TYPE troupe_runtime_runqueue gauge\n");
  for (std::size_t p = 0; p < stats.runnable_per_processor.size(); ++p) {
    absl::StrAppend(&out, "troupe_runtime_runqueue{processor=\"", p, "\"} ",
                    stats.runnable_per_processor[p], "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_actor_mailbox_depth Messages waiting per actor.\n",
                  "# TYPE troupe_actor_mailbox_depth gauge\n");
  for (const auto& shard : kv_.shards()) {
    absl::StrAppend(&out, "troupe_actor_mailbox_depth{actor=\"", shard.name(), "\"} ",
                    shard.mailbox_depth(), "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_actor_processed_total Messages handled per actor.\n",
                  "# TYPE troupe_actor_processed_total counter\n");
  for (const auto& shard : kv_.shards()) {
    absl::StrAppend(&out, "troupe_actor_processed_total{actor=\"", shard.name(), "\"} ",
                    shard.processed(), "\n");
  }
  return out;
}

absl::Status HttpServer::Shutdown(absl::Duration grace) {
  if (shut_down_.exchange(true)) return absl::OkStatus();
  draining_.store(true, std::memory_order_release);
  listener_->Close();  // the accept loop ends
  // Connections waiting for a request stop now; those handling one finish it.
  serving_.cancel.Cancel(absl::CancelledError("server shutting down"));
  auto [deadline, cancel] = WithTimeout(Context(), grace);
  absl::Status drained = connections_.Wait(deadline);
  if (!drained.ok()) {
    // Cut off what is left: the cancelled reads end them; wait for the fibers.
    connections_.Wait();
    return absl::DeadlineExceededError("shutdown: connections were still busy after the grace period");
  }
  return absl::OkStatus();
}

}  // namespace troupe::services
