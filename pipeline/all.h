// Every public header of troupe/pipeline: Pipelines and worker pools.
// Include the single headers instead to keep builds lean; this one is for quick starts.
#ifndef TROUPE_PIPELINE_ALL_H_
#define TROUPE_PIPELINE_ALL_H_

#include "troupe/pipeline/future.h"  // IWYU pragma: export
#include "troupe/pipeline/pipeline.h"  // IWYU pragma: export
#include "troupe/pipeline/pipeline_options.h"  // IWYU pragma: export
#include "troupe/pipeline/pipeline_stats.h"  // IWYU pragma: export
#include "troupe/pipeline/worker_pool.h"  // IWYU pragma: export

#endif  // TROUPE_PIPELINE_ALL_H_
