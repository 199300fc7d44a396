// Chrome/Perfetto trace-event JSON (open it in ui.perfetto.dev or chrome://tracing):
// the one writer of troupe's trace files. It draws the scheduling trace
// (Runtime::StartTrace/StopTrace, scheduler/trace.h) and the spans recorded meanwhile
// (span_recorder.h) in the same picture, so a slow request lines up with the fibers
// that served it. /debug/troupe/trace (profiling/debug_handler.h) and
// `compare --trace` write their files with it.
//
// Layout, per process (pid = its index in the list):
//   - "process_name": the process's name, and how many slices and spans were dropped;
//   - a track per OS thread (tid = the machine index, named "M0", "M1", ...): one
//     complete event ("ph":"X") per time a fiber ran, named "fiber 12 actor kv-0
//     (KvShard)" (TraceSliceName), with the fiber's id ("fiber_id") and labels in its
//     args;
//   - a track per fiber that ended a span (tid = kFiberTrackBase + fiber id, named
//     like its slices): its spans as complete events, nested as they were, with args
//     trace_id, span_id, parent_span_id, fiber_id, status and the fiber's labels;
//   - a flow arrow ("ph":"s"/"f") from each recorded parent span to its child, across
//     fibers (an ask's span to the receiving actor's span).
// Timestamps are microseconds from the earliest slice or span of all processes, on
// the monotonic clock both recordings use. Strings (names are the program's) are
// escaped as JSON requires: quotes, backslashes and every control character.
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

// One process of a trace file: the name the viewer shows, and what it recorded.
struct TraceProcess {
  std::string name;
  Trace trace;
  SpanLog spans;
};

// Any thread. The whole trace-event document of `processes`.
std::string TraceEventJson(const std::vector<TraceProcess>& processes);

// Any thread. One process (pid 0) named `process_name`.
std::string TraceEventJson(const Trace& trace, const SpanLog& spans,
                           const std::string& process_name = "troupe");

}  // namespace troupe::tracing

#endif  // TROUPE_TRACING_TRACE_EVENTS_H_
