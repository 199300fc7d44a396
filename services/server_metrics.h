// ServerMetrics: the HTTP service's metrics, in a troupe::metrics::Registry of its
// own that /metrics renders: requests by status, a latency histogram, connections,
// every kind of refusal and timeout, the memory budgets and the store's size, plus
// troupe's own metrics for the server's runtime and actor system (the KV shards are
// registered actors, so each has its mailbox depth and messages handled).
//
// Memory ordering: every counter is a statistic, updated and read relaxed (see
// troupe/metrics/counter.h); a request is counted before its response is written, so
// a client that has its answer never sees a /metrics page without it.
#ifndef TROUPE_SERVICES_SERVER_METRICS_H_
#define TROUPE_SERVICES_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "troupe/actors/actor_system.h"
#include "troupe/metrics/counter.h"
#include "troupe/metrics/histogram.h"
#include "troupe/metrics/registry.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/services/kv_store.h"
#include "troupe/services/memory_budget.h"

namespace troupe::services {

class ServerMetrics {
 public:
  // Statuses the server produces, for the per-status request counters.
  static constexpr std::array<int, 15> kStatuses = {200, 204, 400, 404, 405, 408, 413, 431,
                                                    500, 501, 503, 504, 505, 507, 0};

  // Events, each a counter on the page.
  enum class Event {
    kConnectionAccepted,
    kConnectionRejected,    // over max_connections: 503
    kAcceptError,           // accept failed (out of file descriptors, ...); retried
    kIdleTimeout,           // nothing of a next request within idle_timeout
    kHeaderTimeout,         // a head not complete within header_timeout: 408
    kBodyTimeout,           // a body not complete within body_timeout: 408
    kWriteTimeout,          // a response not taken within write_timeout
    kMalformed,             // 400
    kHeadersTooLarge,       // 431
    kBodyTooLarge,          // 413
    kOverBudget,            // the body budget was spent: 503
    kNotImplemented,        // an unknown transfer coding: 501
    kUnsupportedVersion,    // 505
    kKvFull,                // the store's size limit: 507
    kCutOffAtShutdown,      // connections still busy when the grace period ended
    kBadTraceparent,        // a malformed traceparent: the request got a new trace
    kCount,
  };

  // Registers everything; the arguments must outlive this object.
  ServerMetrics(const Runtime& runtime, const ActorSystem& actors, const KvStore& kv,
                const MemoryBudget& bodies);

  // A request answered with `status` after `latency` (zero for refusals).
  void Record(int status, absl::Duration latency);
  void Count(Event event) { events_[static_cast<int>(event)]->Add(); }
  void ConnectionOpened() { active_.fetch_add(1, std::memory_order_relaxed); }  // statistic
  void ConnectionClosed() { active_.fetch_sub(1, std::memory_order_relaxed); }  // statistic
  int64_t active_connections() const { return active_.load(std::memory_order_relaxed); }

  // The /metrics page (Prometheus text, metrics::kTextContentType).
  std::string Render() const { return registry_.RenderText(); }

 private:
  metrics::Registry registry_;
  std::array<metrics::Counter*, kStatuses.size()> requests_{};
  metrics::Histogram* latency_ = nullptr;
  std::array<metrics::Counter*, static_cast<int>(Event::kCount)> events_{};
  std::atomic<int64_t> active_{0};
  // Last: removed before the members their callbacks read.
  metrics::CollectorHandle gauges_;
  metrics::CollectorHandle runtime_metrics_;
  metrics::CollectorHandle actor_metrics_;
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_SERVER_METRICS_H_
