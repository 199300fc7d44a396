// ScopedSpan: see span.h.
#include "troupe/tracing/span.h"

#include <utility>

#include "absl/strings/str_cat.h"

#include "troupe/scheduler/fiber_labels.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/this_fiber.h"
#include "troupe/tracing/span_recorder.h"

namespace troupe::tracing {

ScopedSpan::ScopedSpan(const Context& parent, absl::string_view name, absl::string_view detail)
    : parent_(parent) {
  const TraceContext* parent_trace = TraceContextOf(parent);
  if (parent_trace == nullptr) return;
  Start(parent_trace->NewChild(), parent_trace->span_id, name, detail);
}

ScopedSpan::ScopedSpan(const Context& parent, const TraceContext* remote_parent,
                       absl::string_view name, absl::string_view detail)
    : parent_(parent) {
  if (remote_parent == nullptr) {
    Start(TraceContext::NewRoot(), /*parent_span_id=*/{}, name, detail);
  } else {
    Start(remote_parent->NewChild(), remote_parent->span_id, name, detail);
  }
}

void ScopedSpan::Start(const TraceContext& trace, const std::array<uint8_t, 8>& parent_span_id,
                       absl::string_view name, absl::string_view detail) {
  traced_ = true;
  child_ = WithTraceContext(parent_, trace);
  recording_ = SpanRecordingActive() && trace.sampled();
  if (!recording_) return;
  parent_span_id_ = parent_span_id;
  name_ = detail.empty() ? std::string(name) : absl::StrCat(name, " ", detail);
  start_ns_ = scheduler_internal::MonotonicNanos();
}

const TraceContext* ScopedSpan::trace() const {
  return traced_ ? TraceContextOf(child_) : nullptr;
}

ScopedSpan::~ScopedSpan() {
  if (!recording_) return;
  SpanRecord record;
  record.end_ns = scheduler_internal::MonotonicNanos();
  record.start_ns = start_ns_;
  record.name = std::move(name_);
  record.trace = *TraceContextOf(child_);
  record.parent_span_id = parent_span_id_;
  record.fiber = this_fiber::Id();
  record.labels = FiberLabels();
  record.status = std::move(status_);
  tracing_internal::Record(std::move(record));
}

}  // namespace troupe::tracing
