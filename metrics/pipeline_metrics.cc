#include "troupe/metrics/pipeline_metrics.h"

#include <utility>

namespace troupe::metrics {

absl::StatusOr<std::unique_ptr<PipelineMetrics>> PipelineMetrics::Create(Registry& registry) {
  auto metrics = std::unique_ptr<PipelineMetrics>(new PipelineMetrics());
  PipelineMetrics* raw = metrics.get();
  absl::StatusOr<CollectorHandle> handle = registry.AddCollector(
      {"troupe_pipeline_stage_items_total", "troupe_pipeline_stage_backpressure_seconds_total"},
      [raw](std::vector<MetricFamily>& out) { raw->Collect(out); });
  if (!handle.ok()) return handle.status();
  metrics->handle_ = *std::move(handle);
  return metrics;
}

void PipelineMetrics::Collect(std::vector<MetricFamily>& out) const {
  MetricFamily items{"troupe_pipeline_stage_items_total",
                     "Items a pipeline stage passed on (the sink: consumed).",
                     MetricType::kCounter,
                     {}};
  MetricFamily backpressure{
      "troupe_pipeline_stage_backpressure_seconds_total",
      "Time a stage's fibers were parked sending because the next stage's channel was full.",
      MetricType::kCounter,
      {}};
  tracked_.ForEach([&](const std::string& pipeline,
                       const std::shared_ptr<const PipelineStats>& stats) {
    for (const PipelineStats::Stage& stage : stats->Snapshot()) {
      Labels labels = {{"pipeline", pipeline}, {"stage", stage.name}};
      items.Add(labels, static_cast<double>(stage.items));
      backpressure.Add(std::move(labels), static_cast<double>(stage.backpressure_ns) / 1e9);
    }
  });
  out.push_back(std::move(items));
  out.push_back(std::move(backpressure));
}

}  // namespace troupe::metrics
