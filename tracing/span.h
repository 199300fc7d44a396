// Spans: timed, named pieces of a request's work, children of the span the caller's
// Context carries (W3C trace context: scheduler/trace_context.h).
//
//   absl::StatusOr<Row> Lookup(const troupe::Context& ctx, Key key) {
//     troupe::tracing::ScopedSpan span(ctx, "lookup");
//     absl::StatusOr<Row> row = Ask<Row>(table, MakeGet(key), span.context());
//     span.SetStatus(row.status());
//     return row;
//   }
//
// A span exists only when its parent context carries a trace: ScopedSpan on an
// untraced context is nothing (context() is the parent; cost: one pointer test). A
// traced span gets a new span id and a child Context carrying it, which the work
// passes on so that what it calls (Ask, another span) continues the trace under it.
// It is recorded when it ends — name, ids, parent, start and end, the fiber it ended
// on with that fiber's labels (actor, actor type, stage), its status — if a span
// recording is on (span_recorder.h) and the trace is sampled.
//
// troupe makes spans itself in Ask ("ask <actor>"), in an actor handling a traced
// message while a recording is on ("receive"), in pipeline stages for records that
// carry a Context ("<stage name>") and in the HTTP service (one per request).
#ifndef TROUPE_TRACING_SPAN_H_
#define TROUPE_TRACING_SPAN_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "troupe/scheduler/context.h"
#include "troupe/scheduler/trace_context.h"

namespace troupe::tracing {

class ScopedSpan {
 public:
  // Fiber or thread. Starts a span named `name` (then " " and `detail`, if given:
  // joined only when recorded) under the span `parent` carries; no span when it
  // carries none. Allocates one context state for a traced parent. `parent` must
  // outlive the span, unchanged.
  ScopedSpan(const Context& parent, absl::string_view name, absl::string_view detail = {});
  // Fiber or thread. Starts a span named `name` (and `detail`) under `remote_parent`,
  // the caller's span received from another process (a traceparent header), or the
  // root span of a new sampled trace when `remote_parent` is null; `parent` gives the
  // cancellation and deadline. Allocates one context state. `parent` must outlive the
  // span, unchanged.
  ScopedSpan(const Context& parent, const TraceContext* remote_parent, absl::string_view name,
             absl::string_view detail = {});
  // Ends the span: recorded now if recording (see the top of this file).
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

  // The context to pass on: a child of `parent` carrying this span's trace context;
  // `parent` itself when there is no span. Valid while the span lives.
  const Context& context() const { return traced_ ? child_ : parent_; }
  // This span's trace context, or null when there is no span.
  const TraceContext* trace() const;
  // Whether this span will be recorded when it ends (a recording was on when it
  // started, and its trace is sampled).
  bool recording() const { return recording_; }

  // The outcome recorded with the span (OK unless set).
  void SetStatus(const absl::Status& status) { status_ = status; }

 private:
  void Start(const TraceContext& trace, const std::array<uint8_t, 8>& parent_span_id,
             absl::string_view name, absl::string_view detail);

  const Context& parent_;
  Context child_;
  bool traced_ = false;
  bool recording_ = false;
  std::array<uint8_t, 8> parent_span_id_{};
  int64_t start_ns_ = 0;
  std::string name_;  // kept only when recording
  absl::Status status_;
};

}  // namespace troupe::tracing

#endif  // TROUPE_TRACING_SPAN_H_
