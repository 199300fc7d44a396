// Everything in troupe's tracing package (//tracing).
#ifndef TROUPE_TRACING_ALL_H_
#define TROUPE_TRACING_ALL_H_

#include "troupe/tracing/span.h"  // IWYU pragma: export
#include "troupe/tracing/span_recorder.h"  // IWYU pragma: export
#include "troupe/tracing/trace_events.h"  // IWYU pragma: export
#include "troupe/tracing/trace_recording.h"  // IWYU pragma: export

#endif  // TROUPE_TRACING_ALL_H_
