// The scheduler's figures as metrics: fibers alive and runnable, Ps idle, Ms
// spinning, switches, steals, parks, netpoll wake-ups, per-P run queues, and the
// scheduling latency (runnable -> running) histogram of sampled wake-ups. A collector
// reads Runtime::Stats() at scrape time, so they cost nothing between scrapes.
//
//   absl::StatusOr<troupe::metrics::CollectorHandle> scheduler_metrics =
//       troupe::metrics::RegisterRuntimeMetrics(registry, *runtime);
//
// The metrics (all named troupe_runtime_*) are listed in runtime_metrics.cc. The
// handle must be dropped before `runtime` is destroyed.
#ifndef TROUPE_METRICS_RUNTIME_METRICS_H_
#define TROUPE_METRICS_RUNTIME_METRICS_H_

#include "absl/status/statusor.h"
#include "troupe/metrics/registry.h"
#include "troupe/scheduler/runtime.h"

namespace troupe::metrics {

// AlreadyExists if `registry` has these names (one runtime per registry).
[[nodiscard]] absl::StatusOr<CollectorHandle> RegisterRuntimeMetrics(Registry& registry,
                                                                     const Runtime& runtime);

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_RUNTIME_METRICS_H_
