// Recording a trace file's contents over an interval: the scheduling trace of a
// runtime and the spans that end meanwhile, as one TraceProcess for TraceEventJson
// (trace_events.h). /debug/troupe/trace (profiling/debug_handler.h) serves it.
//
//   ASSIGN_OR_RETURN(troupe::tracing::TraceProcess recorded,
//                    troupe::tracing::RecordTrace(runtime, "my-service", absl::Seconds(1)));
//   std::string json = troupe::tracing::TraceEventJson({std::move(recorded)});
#ifndef TROUPE_TRACING_TRACE_RECORDING_H_
#define TROUPE_TRACING_TRACE_RECORDING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/tracing/trace_events.h"

namespace troupe::tracing {

// Fiber context or plain thread: records `runtime`'s scheduling trace
// (Runtime::StartTrace/StopTrace) and a span recording (span_recorder.h, default
// options) for `duration`, parking the calling fiber meanwhile, and returns them
// under `process_name`. If another span recording is on already, the result has the
// slices only and its name says so (", spans not recorded: another span recording is
// on"); the other recording goes on untouched.
// InvalidArgument for a negative duration; FailedPrecondition if another RecordTrace
// is recording (one at a time per process: a runtime has one trace buffer);
// `context`'s error, with the recording discarded, if it is done first.
// Caveat: a program that calls Runtime::StartTrace itself meanwhile shares the same
// buffer; RecordTrace does not see it.
[[nodiscard]] absl::StatusOr<TraceProcess> RecordTrace(
    Runtime& runtime, std::string process_name, absl::Duration duration,
    const Context& context = Context::Background());

}  // namespace troupe::tracing

#endif  // TROUPE_TRACING_TRACE_RECORDING_H_
