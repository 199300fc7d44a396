// Spans in Chrome/Perfetto trace-event JSON, in the same file as the scheduling
// trace (Runtime::StartTrace/StopTrace, scheduler/trace.h), so that one picture shows
// a slow request and the fibers that served it (open it in ui.perfetto.dev or
// chrome://tracing).
//
// Layout, per process (`pid`):
//   - a track per OS thread (tid = the machine index): the scheduling slices, one
//     complete event ("ph":"X") per time a fiber ran, named "fiber 12 actor kv-0
//     (KvShard)" (TraceSliceName);
//   - a track per fiber that ended a span (tid = kFiberTrackBase + fiber id, named
//     like its slices): its spans as complete events, nested as they were, with args
//     trace_id, span_id, parent_span_id, fiber_id, status and the fiber's labels;
//   - a flow arrow ("ph":"s"/"f") from each recorded parent span to its child, across
//     fibers (an ask's span to the receiving actor's span).
// Timestamps are microseconds from `origin_ns` on the monotonic clock both traces
// use, so a span lines up with the slices of the fiber that ran it.
#ifndef TROUPE_TRACING_TRACE_EVENTS_H_
#define TROUPE_TRACING_TRACE_EVENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "troupe/scheduler/trace.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {

// Span tracks' tids: this plus the fiber id (0: spans ended on plain threads).
inline constexpr int64_t kFiberTrackBase = 1'000'000'000;

// The earliest start in either (0 if both are empty): a common origin.
int64_t EarliestNs(const Trace& trace, const SpanLog& spans);

// One JSON object per element, for a "traceEvents" array (join with ","): the
// scheduling slices of `trace`, and the spans of `spans` with their tracks' names and
// flow arrows. For an exporter that writes the file itself (/debug/troupe/trace).
std::vector<std::string> SliceTraceEvents(const Trace& trace, int pid, int64_t origin_ns);
std::vector<std::string> SpanTraceEvents(const SpanLog& spans, int pid, int64_t origin_ns);

// A whole trace-event file: process `process_name` (pid 0) with the slices and the
// spans, and how many of either were dropped in the process's name.
std::string TraceEventJson(const Trace& trace, const SpanLog& spans,
                           const std::string& process_name = "troupe");

}  // namespace troupe::tracing

#endif  // TROUPE_TRACING_TRACE_EVENTS_H_
