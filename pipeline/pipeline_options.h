// Options for pipeline stages (pipeline.h).
#ifndef TROUPE_PIPELINE_PIPELINE_OPTIONS_H_
#define TROUPE_PIPELINE_PIPELINE_OPTIONS_H_

#include <cstddef>
#include <memory>

#include "troupe/pipeline/pipeline_stats.h"

namespace troupe {

struct StageOptions {
  int parallelism = 1;        // fibers running the stage; values below 1 mean 1
  std::size_t capacity = 64;  // items buffered in front of the stage; 0 means 1
};

struct PipelineOptions {
  bool ordered = false;  // deliver to the sink in source order
  // If set, each stage's items and backpressure time are added here (pipeline_stats.h).
  std::shared_ptr<PipelineStats> stats = nullptr;
};

}  // namespace troupe

#endif  // TROUPE_PIPELINE_PIPELINE_OPTIONS_H_
