// Chrome trace-event JSON of scheduling traces (chrome_trace.h), and TraceFor, which
// records one over an interval.
//
// The document is the JSON object form ({"traceEvents": [...]}), every event on its
// own line. Strings (fiber and actor names are the program's) are escaped as JSON
// requires: quotes, backslashes and every control character.
//
// One TraceFor at a time: a runtime has a single trace buffer (StartTrace clears
// it), so a second recording would wipe the first's slices. The guard is one
// process-wide flag, taken with a compare-exchange and released when the recording
// ends; it orders nothing else (relaxed is enough: the buffer itself is guarded by
// the scheduler's locks).
#include "troupe/profiling/chrome_trace.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe::profiling {

namespace {

std::atomic<bool> trace_recording{false};

// `text` as the inside of a JSON string.
std::string EscapeJsonString(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

// The slice's args: its fiber's id and labels ("fiber" is the name label, so the id
// is "fiber_id").
std::string SliceArgs(const TraceSlice& slice) {
  std::string args = absl::StrCat("{\"fiber_id\": ", slice.fiber);
  if (slice.labels != nullptr) {
    for (const auto& [key, value] : slice.labels->labels()) {
      absl::StrAppend(&args, ", \"", EscapeJsonString(key), "\": \"", EscapeJsonString(value),
                      "\"");
    }
  }
  args += "}";
  return args;
}

}  // namespace

std::string FormatChromeTrace(const std::vector<TraceProcess>& processes) {
  std::string out = "{\"traceEvents\": [\n";
  bool first = true;
  auto separator = [&] {
    if (!first) out += ",\n";
    first = false;
  };
  bool any_slice = false;
  int64_t origin = 0;
  for (const TraceProcess& process : processes) {
    for (const TraceSlice& slice : process.trace.slices) {
      origin = any_slice ? std::min(origin, slice.start_ns) : slice.start_ns;
      any_slice = true;
    }
  }
  for (std::size_t pid = 0; pid < processes.size(); ++pid) {
    const TraceProcess& process = processes[pid];
    separator();
    const std::string dropped =
        process.trace.dropped > 0 ? absl::StrCat(", ", process.trace.dropped, " slices dropped")
                                  : "";
    absl::StrAppendFormat(&out,
                          "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, "
                          "\"args\": {\"name\": \"%s%s\"}}",
                          pid, EscapeJsonString(process.name), dropped);
    std::set<int> threads;
    for (const TraceSlice& slice : process.trace.slices) threads.insert(slice.thread);
    for (const int thread : threads) {
      separator();
      absl::StrAppendFormat(&out,
                            "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
                            "\"args\": {\"name\": \"M%d\"}}",
                            pid, thread, thread);
    }
    for (const TraceSlice& slice : process.trace.slices) {
      separator();
      absl::StrAppendFormat(&out,
                            "{\"name\": \"%s\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, "
                            "\"ts\": %.3f, \"dur\": %.3f, \"args\": %s}",
                            EscapeJsonString(TraceSliceName(slice)), pid, slice.thread,
                            static_cast<double>(slice.start_ns - origin) / 1000.0,
                            static_cast<double>(slice.end_ns - slice.start_ns) / 1000.0,
                            SliceArgs(slice));
    }
  }
  out += "\n]}\n";
  return out;
}

absl::StatusOr<Trace> TraceFor(Runtime& runtime, absl::Duration duration,
                               const Context& context) {
  if (duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trace duration must be >= 0; got ", absl::FormatDuration(duration)));
  }
  bool idle = false;
  // relaxed: the flag only excludes a second recording (see the top of the file).
  if (!trace_recording.compare_exchange_strong(idle, true, std::memory_order_relaxed)) {
    return absl::FailedPreconditionError("a trace is already being recorded");
  }
  runtime.StartTrace();
  const absl::Status slept = this_fiber::SleepFor(duration, context);
  Trace trace = runtime.StopTrace();
  trace_recording.store(false, std::memory_order_relaxed);  // pairs with the exchange above
  if (!slept.ok()) return slept;
  return trace;
}

}  // namespace troupe::profiling
