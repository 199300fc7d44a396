// Every public header of troupe/metrics: Prometheus metrics and troupe's own.
// Include the single headers instead to keep builds lean; this one is for quick starts.
#ifndef TROUPE_METRICS_ALL_H_
#define TROUPE_METRICS_ALL_H_

#include "troupe/metrics/actor_metrics.h"  // IWYU pragma: export
#include "troupe/metrics/channel_metrics.h"  // IWYU pragma: export
#include "troupe/metrics/counter.h"  // IWYU pragma: export
#include "troupe/metrics/family.h"  // IWYU pragma: export
#include "troupe/metrics/gauge.h"  // IWYU pragma: export
#include "troupe/metrics/histogram.h"  // IWYU pragma: export
#include "troupe/metrics/pipeline_metrics.h"  // IWYU pragma: export
#include "troupe/metrics/registry.h"  // IWYU pragma: export
#include "troupe/metrics/runtime_metrics.h"  // IWYU pragma: export
#include "troupe/metrics/snapshot.h"  // IWYU pragma: export
#include "troupe/metrics/text_format.h"  // IWYU pragma: export

#endif  // TROUPE_METRICS_ALL_H_
