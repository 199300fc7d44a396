#include "troupe/services/server_metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace troupe::services {

namespace {

struct EventSeries {
  ServerMetrics::Event event;
  const char* name;
  const char* help;
};

constexpr EventSeries kEventSeries[] = {
    {ServerMetrics::Event::kConnectionAccepted, "troupe_http_connections_total",
     "Connections accepted."},
    {ServerMetrics::Event::kConnectionRejected, "troupe_http_connections_rejected_total",
     "Connections refused over max_connections (503)."},
    {ServerMetrics::Event::kAcceptError, "troupe_http_accept_errors_total",
     "Failed accepts (out of file descriptors, ...), retried after a backoff."},
    {ServerMetrics::Event::kIdleTimeout, "troupe_http_idle_timeouts_total",
     "Connections closed for sending nothing of a next request within idle_timeout."},
    {ServerMetrics::Event::kHeaderTimeout, "troupe_http_header_timeouts_total",
     "Requests whose head was not complete within header_timeout (408)."},
    {ServerMetrics::Event::kBodyTimeout, "troupe_http_body_timeouts_total",
     "Requests whose body was not complete within body_timeout (408)."},
    {ServerMetrics::Event::kWriteTimeout, "troupe_http_write_timeouts_total",
     "Responses the client did not take within write_timeout; connection closed."},
    {ServerMetrics::Event::kMalformed, "troupe_http_malformed_requests_total",
     "Requests rejected with 400."},
    {ServerMetrics::Event::kHeadersTooLarge, "troupe_http_oversized_headers_total",
     "Requests rejected with 431."},
    {ServerMetrics::Event::kBodyTooLarge, "troupe_http_oversized_bodies_total",
     "Requests rejected with 413."},
    {ServerMetrics::Event::kOverBudget, "troupe_http_body_budget_rejections_total",
     "Requests refused with 503 because the budget for bodies in flight was spent."},
    {ServerMetrics::Event::kNotImplemented, "troupe_http_unsupported_transfer_codings_total",
     "Requests rejected with 501 (a transfer coding other than chunked)."},
    {ServerMetrics::Event::kUnsupportedVersion, "troupe_http_unsupported_versions_total",
     "Requests rejected with 505."},
    {ServerMetrics::Event::kKvFull, "troupe_http_kv_full_total",
     "PUTs refused with 507 because the store was at its size limit."},
    {ServerMetrics::Event::kCutOffAtShutdown, "troupe_http_shutdown_cut_off_total",
     "Connections still busy when a shutdown's grace period ended."},
};

}  // namespace

void ServerMetrics::Record(int status, absl::Duration latency) {
  std::size_t slot = kStatuses.size() - 1;  // 0: any other status
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) slot = i;
  }
  // relaxed: statistics (see the header).
  requests_[slot].fetch_add(1, std::memory_order_relaxed);
  const double seconds = absl::ToDoubleSeconds(latency);
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  latency_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(absl::ToInt64Nanoseconds(latency), std::memory_order_relaxed);
}

std::string ServerMetrics::Render(const Runtime& runtime, const KvStore& kv,
                                  const MemoryBudget& bodies) const {
  auto load = [](const auto& counter) { return counter.load(std::memory_order_relaxed); };
  std::string out;
  absl::StrAppend(&out, "# HELP troupe_http_requests_total Requests answered, by status.\n",
                  "# TYPE troupe_http_requests_total counter\n");
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    absl::StrAppend(&out, "troupe_http_requests_total{code=\"",
                    kStatuses[i] == 0 ? std::string("other") : absl::StrCat(kStatuses[i]),
                    "\"} ", load(requests_[i]), "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_http_request_duration_seconds Time to handle a request.\n",
                  "# TYPE troupe_http_request_duration_seconds histogram\n");
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBuckets.size(); ++i) {
    cumulative += load(latency_[i]);
    absl::StrAppend(&out, "troupe_http_request_duration_seconds_bucket{le=\"",
                    i < kBuckets.size() ? absl::StrCat(kBuckets[i]) : std::string("+Inf"),
                    "\"} ", cumulative, "\n");
  }
  absl::StrAppend(&out, "troupe_http_request_duration_seconds_sum ",
                  static_cast<double>(load(latency_sum_ns_)) / 1e9, "\n",
                  "troupe_http_request_duration_seconds_count ", cumulative, "\n");
  auto series = [&out](absl::string_view name, absl::string_view help, absl::string_view type,
                       auto value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name,
                    " ", value, "\n");
  };
  series("troupe_http_connections_active", "Open connections.", "gauge", load(active_));
  for (const EventSeries& event : kEventSeries) {
    series(event.name, event.help, "counter", load(events_[static_cast<int>(event.event)]));
  }
  series("troupe_http_body_bytes_in_flight", "Request body bytes held (the budget's use).",
         "gauge", bodies.used());
  series("troupe_http_body_budget_bytes", "The budget for request bodies in flight.", "gauge",
         bodies.limit());
  series("troupe_kv_bytes", "Bytes held by the key-value store (keys, values, overhead).",
         "gauge", kv.quota().used());
  series("troupe_kv_limit_bytes", "The key-value store's size limit.", "gauge", kv.quota().limit());
  const RuntimeStats stats = runtime.Stats();
  series("troupe_runtime_fibers", "Live fibers.", "gauge", stats.fibers_alive());
  series("troupe_runtime_switches_total", "Fiber switches.", "counter", stats.switches);
  series("troupe_runtime_steals_total", "Fibers moved by work stealing.", "counter",
         stats.fibers_stolen);
  series("troupe_runtime_parks_total", "Times an idle thread went to sleep.", "counter",
         stats.machine_parks);
  series("troupe_runtime_netpoll_wakeups_total", "Fibers made runnable by the netpoller.",
         "counter", stats.netpoll_wakeups);
  absl::StrAppend(&out, "# HELP troupe_runtime_runqueue Runnable fibers queued per processor.\n",
                  "# TYPE troupe_runtime_runqueue gauge\n");
  for (std::size_t p = 0; p < stats.runnable_per_processor.size(); ++p) {
    absl::StrAppend(&out, "troupe_runtime_runqueue{processor=\"", p, "\"} ",
                    stats.runnable_per_processor[p], "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_actor_mailbox_depth Messages waiting per actor.\n",
                  "# TYPE troupe_actor_mailbox_depth gauge\n");
  for (const auto& shard : kv.shards()) {
    absl::StrAppend(&out, "troupe_actor_mailbox_depth{actor=\"", shard.name(), "\"} ",
                    shard.mailbox_depth(), "\n");
  }
  absl::StrAppend(&out, "# HELP troupe_actor_processed_total Messages handled per actor.\n",
                  "# TYPE troupe_actor_processed_total counter\n");
  for (const auto& shard : kv.shards()) {
    absl::StrAppend(&out, "troupe_actor_processed_total{actor=\"", shard.name(), "\"} ",
                    shard.processed(), "\n");
  }
  return out;
}

}  // namespace troupe::services
