// Pipeline: stages of fibers joined by bounded channels.
//
//   absl::Status status =
//       troupe::Pipeline<Record>::From([&](const troupe::Context&) -> std::optional<Record> {
//         return NextRecordOrNullopt();                 // nullopt: the source is done
//       })
//       .Then("parse", Parse, {.parallelism = 2, .capacity = 64})   // Record -> StatusOr<Parsed>
//       .Then("validate", Validate, {.capacity = 64})
//       .Sink("store", Store)                           // Parsed -> Status
//       .Run(ctx);                                      // parks until done
//
// Each stage runs `parallelism` fibers; the channel in front of it holds `capacity`
// items, so a slow stage makes its upstream wait and the items in flight are bounded.
// A stage holds at most its channel's capacity plus what its fibers have taken in
// batches: max(1.5 x capacity, capacity + parallelism) items (internal/pipeline_run.h
// says why). With PipelineOptions::ordered the
// sink sees items in source order (every parallel stage reorders within a window);
// otherwise in arrival order.
//
// Errors: a stage or sink returning an error status, or throwing, cancels the whole
// pipeline (through a child of the Run context) and Run returns that first error,
// prefixed with the stage's name. Cancelling the Run context stops every stage
// promptly and Run returns the context's error. A source that ends drains the
// pipeline: Run returns OK once the sink has seen everything.
#ifndef TROUPE_PIPELINE_PIPELINE_H_
#define TROUPE_PIPELINE_PIPELINE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "troupe/pipeline/internal/pipeline_run.h"
#include "troupe/pipeline/internal/result_value.h"
#include "troupe/pipeline/pipeline_options.h"
#include "troupe/scheduler/channel.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"

namespace troupe {

template <typename T>
class PipelineBuilder {
 public:
  // Adds a stage running `function(T) -> absl::StatusOr<U>` (or `-> U`).
  template <typename Function>
  auto Then(std::string name, Function function, StageOptions options = {}) && {
    using Result = std::invoke_result_t<Function&, T>;
    using U = typename pipeline_internal::ResultValue<Result>::type;
    static_assert(!std::is_void_v<U>,
                  "a stage must produce a value; end the pipeline with Sink() for a "
                  "function returning absl::Status or void");
    PipelineBuilder<U> next(std::move(run_plan_));
    next.run_plan_.stages.push_back(pipeline_internal::MakeStage<T, U>(
        std::move(name), std::move(function), options));
    return next;
  }

  // Ends the pipeline with `function(T) -> absl::Status` (or `-> void`), run by one
  // fiber (`options.parallelism` of them if > 1; order then is not preserved).
  template <typename Function>
  pipeline_internal::RunnablePipeline Sink(std::string name, Function function,
                                           StageOptions options = {}) && {
    run_plan_.stages.push_back(
        pipeline_internal::MakeSink<T>(std::move(name), std::move(function), options));
    return pipeline_internal::RunnablePipeline(std::move(run_plan_));
  }

 private:
  template <typename>
  friend class PipelineBuilder;
  template <typename>
  friend class Pipeline;
  explicit PipelineBuilder(pipeline_internal::Plan plan) : run_plan_(std::move(plan)) {}

  pipeline_internal::Plan run_plan_;
};

template <typename T>
class Pipeline {
 public:
  // `source(const Context&)` returns the next item, or nullopt when done (it may also
  // return absl::StatusOr<std::optional<T>> to fail the pipeline). It runs in one
  // fiber; it may park (read a channel, sleep until the next item is due).
  template <typename Source>
  static PipelineBuilder<T> From(Source source, PipelineOptions options = {}) {
    pipeline_internal::Plan plan;
    plan.options = options;
    plan.stages.push_back(pipeline_internal::MakeSource<T>(std::move(source)));
    return PipelineBuilder<T>(std::move(plan));
  }
};

}  // namespace troupe

#endif  // TROUPE_PIPELINE_PIPELINE_H_
