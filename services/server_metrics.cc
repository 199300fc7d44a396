#include "troupe/services/server_metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "troupe/metrics/actor_metrics.h"
#include "troupe/metrics/runtime_metrics.h"
#include "troupe/scheduler/internal/fatal.h"

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
    {ServerMetrics::Event::kBadTraceparent, "troupe_http_bad_traceparent_total",
     "Requests whose traceparent header was malformed (or repeated): served in a new trace."},
};

// Latency bucket bounds in seconds: the service's since before the metrics library,
// kept so that dashboards hold.
const std::vector<double> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

// The names here are constants and the registry is fresh: a failure is a bug.
template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    scheduler_internal::Fatal("ServerMetrics::ServerMetrics", "%s",
                              std::string(value.status().message()).c_str());
  }
  return *std::move(value);
}

metrics::MetricFamily GaugeOf(const char* name, const char* help, double value) {
  metrics::MetricFamily family{name, help, metrics::MetricType::kGauge, {}};
  family.Add({}, value);
  return family;
}

}  // namespace

ServerMetrics::ServerMetrics(const Runtime& runtime, const ActorSystem& actors, const KvStore& kv,
                             const MemoryBudget& bodies) {
  metrics::Family<metrics::Counter>* requests = OrDie(registry_.AddCounterFamily(
      "troupe_http_requests_total", "Requests answered, by status.", {"code"}));
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    requests_[i] = OrDie(requests->WithLabels(
        {kStatuses[i] == 0 ? std::string("other") : absl::StrCat(kStatuses[i])}));
  }
  latency_ = OrDie(registry_.AddHistogram("troupe_http_request_duration_seconds",
                                          "Time to handle a request.", kLatencyBuckets));
  for (const EventSeries& event : kEventSeries) {
    events_[static_cast<int>(event.event)] = OrDie(registry_.AddCounter(event.name, event.help));
  }
  gauges_ = OrDie(registry_.AddCollector(
      {"troupe_http_connections_active", "troupe_http_body_bytes_in_flight",
       "troupe_http_body_budget_bytes", "troupe_kv_bytes", "troupe_kv_limit_bytes"},
      [this, &kv, &bodies](std::vector<metrics::MetricFamily>& out) {
        out.push_back(GaugeOf("troupe_http_connections_active", "Open connections.",
                              static_cast<double>(active_connections())));
        out.push_back(GaugeOf("troupe_http_body_bytes_in_flight",
                              "Request body bytes held (the budget's use).",
                              static_cast<double>(bodies.used())));
        out.push_back(GaugeOf("troupe_http_body_budget_bytes",
                              "The budget for request bodies in flight.",
                              static_cast<double>(bodies.limit())));
        out.push_back(GaugeOf("troupe_kv_bytes",
                              "Bytes held by the key-value store (keys, values, overhead).",
                              static_cast<double>(kv.quota().used())));
        out.push_back(GaugeOf("troupe_kv_limit_bytes", "The key-value store's size limit.",
                              static_cast<double>(kv.quota().limit())));
      }));
  runtime_metrics_ = OrDie(metrics::RegisterRuntimeMetrics(registry_, runtime));
  actor_metrics_ = OrDie(metrics::RegisterActorMetrics(registry_, actors));
}

void ServerMetrics::Record(int status, absl::Duration latency) {
  std::size_t slot = kStatuses.size() - 1;  // 0: any other status
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) slot = i;
  }
  requests_[slot]->Add();
  latency_->Observe(absl::ToDoubleSeconds(latency));
}

}  // namespace troupe::services
