// What the pipeline designs share (compare_designs.cc, keyed_designs.cc): the
// workload's stages as a troupe::Pipeline from the run's source to a sink of theirs.
#ifndef TROUPE_BENCHMARKS_COMPARE_DESIGN_PIPELINE_H_
#define TROUPE_BENCHMARKS_COMPARE_DESIGN_PIPELINE_H_

#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "troupe/benchmarks/compare/design_run.h"
#include "troupe/pipeline/pipeline.h"

namespace troupe::benchmarks::design_internal {

// Fiber context. Runs the source, one pipeline stage per workload stage
// (`parallelism` fibers each, ordered mode if `ordered`) and `sink` (one fiber) to the
// end; returns the pipeline's status.
template <typename SinkFunction>
absl::Status RunStagesAsPipeline(Run& run, bool ordered, const char* sink_name,
                                 SinkFunction sink) {
  const DesignOptions& options = run.options();
  const StageOptions stage_options{.parallelism = options.parallelism,
                                   .capacity = options.capacity};
  auto builder = Pipeline<ItemPtr>::From(
      [&run](const Context&) -> std::optional<ItemPtr> {
        ItemPtr item = run.Next();
        if (item == nullptr) return std::nullopt;
        return item;
      },
      PipelineOptions{.ordered = ordered});
  for (const ErasedStage& stage : run.workload().stages) {
    builder = std::move(builder).Then(
        stage.name,
        [&stage](ItemPtr item) {
          RunStage(stage, *item);
          return item;
        },
        stage_options);
  }
  return std::move(builder).Sink(sink_name, std::move(sink), {.capacity = options.capacity}).Run();
}

}  // namespace troupe::benchmarks::design_internal

#endif  // TROUPE_BENCHMARKS_COMPARE_DESIGN_PIPELINE_H_
