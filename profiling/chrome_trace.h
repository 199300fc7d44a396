// Scheduling traces (troupe/scheduler/trace.h) as Chrome trace-event JSON, the format
// chrome://tracing and ui.perfetto.dev open: one process per recorded runtime, one
// thread per machine (M, an OS thread), one complete event per run slice, named by
// its fiber and, for an actor's fiber, the actor (TraceSliceName: `fiber 12
// "flusher"`, `fiber 40 actor room-general (chat::RoomActor)`).
//
//   ASSIGN_OR_RETURN(troupe::Trace trace,
//                    troupe::profiling::TraceFor(runtime, absl::Seconds(1)));
//   std::string json = troupe::profiling::FormatChromeTrace({{"my-service", trace}});
//
// /debug/troupe/trace (debug_handler.h) serves it; `compare --trace` writes it.
#ifndef TROUPE_PROFILING_CHROME_TRACE_H_
#define TROUPE_PROFILING_CHROME_TRACE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/trace.h"

namespace troupe::profiling {

// One process of the trace file: a name the viewer shows, and what it recorded.
struct TraceProcess {
  std::string name;
  Trace trace;
};

// Any thread. The trace-event JSON of `processes` (pid = index): a "process_name"
// event each (with the count of dropped slices, if any), a "thread_name" event per
// machine ("M0", "M1", ...), and per slice a complete event ("ph": "X") with the
// fiber's id ("fiber_id") and labels (its name is "fiber") in its args. Times are
// in microseconds from the earliest slice of all processes.
std::string FormatChromeTrace(const std::vector<TraceProcess>& processes);

// Fiber context or plain thread: records `runtime`'s scheduling trace for
// `duration` (Runtime::StartTrace/StopTrace; parks the calling fiber meanwhile) and
// returns it. InvalidArgument for a negative duration; FailedPrecondition if another
// TraceFor is recording (one at a time per process: a runtime has one trace
// buffer); `context`'s error, with the trace discarded, if it is done first.
// Caveat: a program that calls Runtime::StartTrace itself meanwhile shares the
// same buffer; TraceFor does not see it.
[[nodiscard]] absl::StatusOr<Trace> TraceFor(Runtime& runtime, absl::Duration duration,
                                             const Context& context = Context::Background());

}  // namespace troupe::profiling

#endif  // TROUPE_PROFILING_CHROME_TRACE_H_
