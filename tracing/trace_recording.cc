// RecordTrace: see trace_recording.h.
//
// One RecordTrace at a time: a runtime has a single trace buffer (StartTrace clears
// it), so a second recording would wipe the first's slices. The guard is one
// process-wide flag, taken with a compare-exchange and released when the recording
// ends; it orders nothing else (relaxed is enough: the trace buffer is guarded by the
// scheduler's locks, the span log by the recorder's mutex).
#include "troupe/tracing/trace_recording.h"

#include <atomic>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {

namespace {
std::atomic<bool> trace_recording{false};
}  // namespace

absl::StatusOr<TraceProcess> RecordTrace(Runtime& runtime, std::string process_name,
                                         absl::Duration duration, const Context& context) {
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace duration must be >= 0; got ", absl::FormatDuration(duration)));
  }
  bool idle = false;
  // relaxed: the flag only excludes a second recording (see the top of the file).
  if (!trace_recording.compare_exchange_strong(idle, true, std::memory_order_relaxed)) {
    return absl::FailedPreconditionError("a trace is already being recorded");
  }
  TraceProcess recorded{std::move(process_name), {}, {}};
  const bool spans_recorded = StartSpanRecording().ok();
  if (!spans_recorded) {
    absl::StrAppend(&recorded.name, ", spans not recorded: another span recording is on");
  }
  runtime.StartTrace();
  const absl::Status slept = this_fiber::SleepFor(duration, context);
  recorded.trace = runtime.StopTrace();
  if (spans_recorded) recorded.spans = StopSpanRecording();
  trace_recording.store(false, std::memory_order_relaxed);  // pairs with the exchange above
  if (!slept.ok()) return slept;
  return recorded;
}

}  // namespace troupe::tracing
