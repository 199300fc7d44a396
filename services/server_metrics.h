// ServerMetrics: the HTTP service's counters and its /metrics page (Prometheus text
// format): requests by status, a latency histogram, connections, every kind of
// refusal and timeout, the memory budgets, the runtime's counters and each KV
// actor's mailbox.
//
// Memory ordering: every counter is a statistic, updated and read relaxed; a
// request is counted before its response is written, so a client that has its
// answer never sees a /metrics page without it.
#ifndef TROUPE_SERVICES_SERVER_METRICS_H_
#define TROUPE_SERVICES_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/services/kv_store.h"
#include "troupe/services/memory_budget.h"

namespace troupe::services {

class ServerMetrics {
 public:
  // Statuses the server produces, for the per-status request counters.
  static constexpr std::array<int, 15> kStatuses = {200, 204, 400, 404, 405, 408, 413, 431,
                                                    500, 501, 503, 504, 505, 507, 0};
  // Latency histogram bucket bounds, in seconds (Prometheus "le").
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001,
                                                      0.0025, 0.005,   0.01,   0.025,
                                                      0.05,   0.1,     0.5,    1.0};

  // A request answered with `status` after `latency` (zero for refusals).
  void Record(int status, absl::Duration latency);

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
    kCount,
  };
  void Count(Event event) {
    events_[static_cast<int>(event)].fetch_add(1, std::memory_order_relaxed);  // statistic
  }
  void ConnectionOpened() { active_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { active_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t active_connections() const { return active_.load(std::memory_order_relaxed); }

  // The page, with the runtime's, the store's and the budget's figures.
  std::string Render(const Runtime& runtime, const KvStore& kv, const MemoryBudget& bodies) const;

 private:
  std::array<std::atomic<uint64_t>, kStatuses.size()> requests_{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latency_{};  // last: +Inf
  std::atomic<uint64_t> latency_sum_ns_{0};
  std::atomic<int64_t> active_{0};
  std::array<std::atomic<uint64_t>, static_cast<int>(Event::kCount)> events_{};
};

}  // namespace troupe::services

#endif  // TROUPE_SERVICES_SERVER_METRICS_H_
