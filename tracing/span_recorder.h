// Span recording: where ended spans (span.h) go while a recording is on, for the
// trace-event file (trace_events.h) that shows them beside the scheduling trace.
//
//   absl::Status started = troupe::tracing::StartSpanRecording();
//   runtime.StartTrace();
//   ... serve some requests ...
//   troupe::Trace trace = runtime.StopTrace();
//   troupe::tracing::SpanLog spans = troupe::tracing::StopSpanRecording();
//   std::string json = troupe::tracing::TraceEventJson(trace, spans);
//
// One recording at a time, process-wide, like the scheduling trace. Spans are kept in
// memory, up to SpanRecordingOptions::capacity; later ones are dropped and counted
// (SpanLog::dropped), never silently. A span records only if it ended while the
// recording was on and its trace is sampled (the traceparent's flag).
//
// Cost: with no recording on, a span pays one relaxed load to learn so
// (SpanRecordingActive). A recorded span takes a std::mutex for one push_back (never
// held across a park).
#ifndef TROUPE_TRACING_SPAN_RECORDER_H_
#define TROUPE_TRACING_SPAN_RECORDER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/trace_context.h"

namespace troupe::tracing {

struct SpanRecord {
  std::string name;
  TraceContext trace;                       // the trace, this span's id, the flags
  std::array<uint8_t, 8> parent_span_id{};  // all zeros: a root span
  uint64_t fiber = 0;                       // the fiber it ended on; 0: a plain thread
  // That fiber's labels when the span ended ("actor", "actor_type", "stage",
  // "fiber"; immortal: scheduler/fiber_labels.h), or null.
  const LabelSet* labels = nullptr;
  // CLOCK_MONOTONIC, the scheduling trace's clock (TraceSlice::start_ns).
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  absl::Status status;  // what the span's work reported (ScopedSpan::SetStatus)

  bool has_parent() const;
  std::string ParentSpanIdHex() const;  // "" for a root span
};

struct SpanLog {
  std::vector<SpanRecord> spans;  // in the order they ended
  uint64_t dropped = 0;           // ended past the capacity
  // Add to a start_ns/end_ns for nanoseconds since the Unix epoch (OTLP's clock).
  int64_t unix_minus_monotonic_ns = 0;
};

struct SpanRecordingOptions {
  std::size_t capacity = 100'000;  // spans kept; in [1, 10'000'000]
};

// Any thread. Starts recording. InvalidArgument for a capacity out of range;
// FailedPrecondition while a recording is on already.
[[nodiscard]] absl::Status StartSpanRecording(SpanRecordingOptions options = {});

// Any thread. Ends the recording and returns what it kept (empty if none was on).
SpanLog StopSpanRecording();

// Any thread. How many spans the current recording has ended so far, kept or
// dropped (0 when none is on): a test or a handler waits on it for a span that ends
// after the answer it has seen (an actor's "receive" span ends after its reply).
uint64_t SpansEndedSoFar();

namespace tracing_internal {
extern std::atomic<bool> recording_on;
// Keeps `record` if a recording is on and has room (else counts it dropped).
void Record(SpanRecord record);
}  // namespace tracing_internal

// Any thread: whether a recording is on. relaxed: a hint that lets a span skip all
// work; Record decides under the recorder's mutex.
inline bool SpanRecordingActive() {
  return tracing_internal::recording_on.load(std::memory_order_relaxed);
}

}  // namespace troupe::tracing

#endif  // TROUPE_TRACING_SPAN_RECORDER_H_
