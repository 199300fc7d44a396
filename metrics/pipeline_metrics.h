// Pipeline stage throughput and backpressure as metrics: the PipelineStats of the
// pipelines a program tracks by name (pipeline/pipeline_stats.h), read at scrape time.
//
//   auto stats = std::make_shared<troupe::PipelineStats>();
//   absl::StatusOr<std::unique_ptr<troupe::metrics::PipelineMetrics>> pipelines =
//       troupe::metrics::PipelineMetrics::Create(registry);
//   absl::Status tracked = (*pipelines)->Track("ingest", stats);
//   ... run the pipeline with PipelineOptions{.stats = stats}
//
// Series, per tracked pipeline and stage (names from the program: bounded):
//   troupe_pipeline_stage_items_total{pipeline="ingest",stage="parse"}
//   troupe_pipeline_stage_backpressure_seconds_total{pipeline="ingest",stage="parse"}
// the second being the time the stage's fibers were parked sending because the next
// stage's channel was full. Any thread.
#ifndef TROUPE_METRICS_PIPELINE_METRICS_H_
#define TROUPE_METRICS_PIPELINE_METRICS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/metrics/internal/tracked_set.h"
#include "troupe/metrics/registry.h"
#include "troupe/pipeline/pipeline_stats.h"

namespace troupe::metrics {

class PipelineMetrics {
 public:
  static constexpr std::size_t kMaxPipelines = 64;

  // Registers the two families in `registry` (AlreadyExists if taken), which must
  // outlive the result.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PipelineMetrics>> Create(
      Registry& registry);

  // Reports `stats` under `name`: AlreadyExists if the name is tracked,
  // ResourceExhausted past kMaxPipelines.
  [[nodiscard]] absl::Status Track(std::string name, std::shared_ptr<const PipelineStats> stats) {
    return tracked_.Add(std::move(name), std::move(stats));
  }
  // NotFound if not tracked.
  absl::Status Untrack(const std::string& name) { return tracked_.Remove(name); }

 private:
  PipelineMetrics() = default;
  void Collect(std::vector<MetricFamily>& out) const;

  metrics_internal::TrackedSet<std::shared_ptr<const PipelineStats>> tracked_{"pipeline",
                                                                             kMaxPipelines};
  CollectorHandle handle_;  // last: removed first, before tracked_ goes
};

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_PIPELINE_METRICS_H_
