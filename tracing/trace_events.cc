// Trace-event JSON for the scheduling trace and spans: see trace_events.h.
#include "troupe/tracing/trace_events.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace troupe::tracing {

namespace {

// A JSON string's contents: quotes, backslashes and control characters escaped.
std::string Escaped(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

double Micros(int64_t ns, int64_t origin_ns) { return (ns - origin_ns) / 1000.0; }

int64_t TrackOf(const SpanRecord& span) { return kFiberTrackBase + static_cast<int64_t>(span.fiber); }

// The name of a fiber's track: what its scheduling slices are called.
std::string FiberTrackName(const SpanRecord& span) {
  if (span.fiber == 0) return "spans on plain threads";
  TraceSlice slice;
  slice.fiber = span.fiber;
  slice.labels = span.labels;
  return TraceSliceName(slice);
}

std::string SpanArgs(const SpanRecord& span) {
  std::string args = absl::StrCat("\"trace_id\": \"", span.trace.TraceIdHex(),
                                  "\", \"span_id\": \"", span.trace.SpanIdHex(),
                                  "\", \"parent_span_id\": \"", span.ParentSpanIdHex(),
                                  "\", \"fiber_id\": ", span.fiber, ", \"status\": \"",
                                  Escaped(span.status.ToString()), "\"");
  if (span.labels != nullptr) {
    for (const auto& [key, value] : span.labels->labels()) {
      absl::StrAppend(&args, ", \"", Escaped(key), "\": \"", Escaped(value), "\"");
    }
  }
  return args;
}

}  // namespace

int64_t EarliestNs(const Trace& trace, const SpanLog& spans) {
  int64_t earliest = 0;
  auto consider = [&](int64_t ns) {
    if (earliest == 0 || ns < earliest) earliest = ns;
  };
  for (const TraceSlice& slice : trace.slices) consider(slice.start_ns);
  for (const SpanRecord& span : spans.spans) consider(span.start_ns);
  return earliest;
}

std::vector<std::string> SliceTraceEvents(const Trace& trace, int pid, int64_t origin_ns) {
  std::vector<std::string> events;
  events.reserve(trace.slices.size());
  for (const TraceSlice& slice : trace.slices) {
    events.push_back(absl::StrFormat(
        "{\"name\": \"%s\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, \"ts\": %.3f, "
        "\"dur\": %.3f, \"args\": {\"fiber_id\": %d}}",
        Escaped(TraceSliceName(slice)), pid, slice.thread, Micros(slice.start_ns, origin_ns),
        (slice.end_ns - slice.start_ns) / 1000.0, slice.fiber));
  }
  return events;
}

std::vector<std::string> SpanTraceEvents(const SpanLog& spans, int pid, int64_t origin_ns) {
  std::vector<std::string> events;
  // Each fiber's track named once, sorted below the threads' tracks.
  std::map<int64_t, const SpanRecord*> tracks;
  for (const SpanRecord& span : spans.spans) tracks.emplace(TrackOf(span), &span);
  for (const auto& [track, span] : tracks) {
    events.push_back(absl::StrFormat(
        "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
        "\"args\": {\"name\": \"%s\"}}",
        pid, track, Escaped(FiberTrackName(*span))));
    events.push_back(absl::StrFormat(
        "{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
        "\"args\": {\"sort_index\": %d}}",
        pid, track, track));
  }
  // Parent spans by id, for the flow arrows.
  std::map<std::array<uint8_t, 8>, const SpanRecord*> by_id;
  for (const SpanRecord& span : spans.spans) by_id.emplace(span.trace.span_id, &span);
  for (const SpanRecord& span : spans.spans) {
    events.push_back(absl::StrFormat(
        "{\"name\": \"%s\", \"cat\": \"span\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, "
        "\"ts\": %.3f, \"dur\": %.3f, \"args\": {%s}}",
        Escaped(span.name), pid, TrackOf(span), Micros(span.start_ns, origin_ns),
        (span.end_ns - span.start_ns) / 1000.0, SpanArgs(span)));
    const auto parent = by_id.find(span.parent_span_id);
    if (!span.has_parent() || parent == by_id.end()) continue;
    // The arrow leaves the parent's track and arrives at the child's start.
    const std::string id = span.trace.SpanIdHex();
    const double at = Micros(span.start_ns, origin_ns);
    events.push_back(absl::StrFormat(
        "{\"name\": \"child span\", \"cat\": \"span\", \"ph\": \"s\", \"id\": \"%s\", "
        "\"pid\": %d, \"tid\": %d, \"ts\": %.3f}",
        id, pid, TrackOf(*parent->second), std::max(at, Micros(parent->second->start_ns, origin_ns))));
    events.push_back(absl::StrFormat(
        "{\"name\": \"child span\", \"cat\": \"span\", \"ph\": \"f\", \"bp\": \"e\", "
        "\"id\": \"%s\", \"pid\": %d, \"tid\": %d, \"ts\": %.3f}",
        id, pid, TrackOf(span), at));
  }
  return events;
}

std::string TraceEventJson(const Trace& trace, const SpanLog& spans,
                           const std::string& process_name) {
  const int64_t origin = EarliestNs(trace, spans);
  std::string dropped;
  if (trace.dropped > 0) absl::StrAppend(&dropped, ", ", trace.dropped, " slices dropped");
  if (spans.dropped > 0) absl::StrAppend(&dropped, ", ", spans.dropped, " spans dropped");
  std::vector<std::string> events = {absl::StrFormat(
      "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 0, \"args\": {\"name\": \"%s%s\"}}",
      Escaped(process_name), dropped)};
  for (std::string& event : SliceTraceEvents(trace, 0, origin)) events.push_back(std::move(event));
  for (std::string& event : SpanTraceEvents(spans, 0, origin)) events.push_back(std::move(event));
  return absl::StrCat("{\"traceEvents\": [\n", absl::StrJoin(events, ",\n"), "\n]}\n");
}

}  // namespace troupe::tracing
