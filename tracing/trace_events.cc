// Trace-event JSON for the scheduling trace and spans: see trace_events.h. The
// document is the JSON object form ({"traceEvents": [...]}), one event per line.
#include "troupe/tracing/trace_events.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>

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

// `, "key": "value"` for each of a fiber's labels (empty for none).
std::string LabelArgs(const LabelSet* labels) {
  std::string args;
  if (labels == nullptr) return args;
  for (const auto& [key, value] : labels->labels()) {
    absl::StrAppend(&args, ", \"", Escaped(key), "\": \"", Escaped(value), "\"");
  }
  return args;
}

int64_t TrackOf(const SpanRecord& span) { return kFiberTrackBase + static_cast<int64_t>(span.fiber); }

// The name of a fiber's span track: what its scheduling slices are called.
std::string FiberTrackName(const SpanRecord& span) {
  if (span.fiber == 0) return "spans on plain threads";
  TraceSlice slice;
  slice.fiber = span.fiber;
  slice.labels = span.labels;
  return TraceSliceName(slice);
}

std::string SpanArgs(const SpanRecord& span) {
  return absl::StrCat("\"trace_id\": \"", span.trace.TraceIdHex(), "\", \"span_id\": \"",
                      span.trace.SpanIdHex(), "\", \"parent_span_id\": \"",
                      span.ParentSpanIdHex(), "\", \"fiber_id\": ", span.fiber,
                      ", \"status\": \"", Escaped(span.status.ToString()), "\"",
                      LabelArgs(span.labels));
}

// The earliest start of a slice or span in `trace` and `spans`, folded into
// `earliest` (`any`: whether it holds one yet).
void FoldEarliest(const Trace& trace, const SpanLog& spans, bool* any, int64_t* earliest) {
  auto consider = [&](int64_t ns) {
    *earliest = *any ? std::min(*earliest, ns) : ns;
    *any = true;
  };
  for (const TraceSlice& slice : trace.slices) consider(slice.start_ns);
  for (const SpanRecord& span : spans.spans) consider(span.start_ns);
}

void AppendSlices(const Trace& trace, int pid, int64_t origin_ns,
                  std::vector<std::string>* events) {
  std::set<int> threads;
  for (const TraceSlice& slice : trace.slices) threads.insert(slice.thread);
  for (const int thread : threads) {
    events->push_back(absl::StrFormat(
        "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
        "\"args\": {\"name\": \"M%d\"}}",
        pid, thread, thread));
  }
  for (const TraceSlice& slice : trace.slices) {
    events->push_back(absl::StrFormat(
        "{\"name\": \"%s\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, \"ts\": %.3f, "
        "\"dur\": %.3f, \"args\": {\"fiber_id\": %d%s}}",
        Escaped(TraceSliceName(slice)), pid, slice.thread, Micros(slice.start_ns, origin_ns),
        (slice.end_ns - slice.start_ns) / 1000.0, slice.fiber, LabelArgs(slice.labels)));
  }
}

void AppendSpans(const SpanLog& spans, int pid, int64_t origin_ns,
                 std::vector<std::string>* events) {
  // Each fiber's track named once, sorted below the threads' tracks.
  std::map<int64_t, const SpanRecord*> tracks;
  for (const SpanRecord& span : spans.spans) tracks.emplace(TrackOf(span), &span);
  for (const auto& [track, span] : tracks) {
    events->push_back(absl::StrFormat(
        "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
        "\"args\": {\"name\": \"%s\"}}",
        pid, track, Escaped(FiberTrackName(*span))));
    events->push_back(absl::StrFormat(
        "{\"name\": \"thread_sort_index\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
        "\"args\": {\"sort_index\": %d}}",
        pid, track, track));
  }
  // Parent spans by id, for the flow arrows.
  std::map<std::array<uint8_t, 8>, const SpanRecord*> by_id;
  for (const SpanRecord& span : spans.spans) by_id.emplace(span.trace.span_id, &span);
  for (const SpanRecord& span : spans.spans) {
    events->push_back(absl::StrFormat(
        "{\"name\": \"%s\", \"cat\": \"span\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, "
        "\"ts\": %.3f, \"dur\": %.3f, \"args\": {%s}}",
        Escaped(span.name), pid, TrackOf(span), Micros(span.start_ns, origin_ns),
        (span.end_ns - span.start_ns) / 1000.0, SpanArgs(span)));
    const auto parent = by_id.find(span.parent_span_id);
    if (!span.has_parent() || parent == by_id.end()) continue;
    // The arrow leaves the parent's track and arrives at the child's start.
    const std::string id = span.trace.SpanIdHex();
    const double at = Micros(span.start_ns, origin_ns);
    events->push_back(absl::StrFormat(
        "{\"name\": \"child span\", \"cat\": \"span\", \"ph\": \"s\", \"id\": \"%s\", "
        "\"pid\": %d, \"tid\": %d, \"ts\": %.3f}",
        id, pid, TrackOf(*parent->second),
        std::max(at, Micros(parent->second->start_ns, origin_ns))));
    events->push_back(absl::StrFormat(
        "{\"name\": \"child span\", \"cat\": \"span\", \"ph\": \"f\", \"bp\": \"e\", "
        "\"id\": \"%s\", \"pid\": %d, \"tid\": %d, \"ts\": %.3f}",
        id, pid, TrackOf(span), at));
  }
}

void AppendProcess(const std::string& name, const Trace& trace, const SpanLog& spans, int pid,
                   int64_t origin_ns, std::vector<std::string>* events) {
  std::string dropped;
  if (trace.dropped > 0) absl::StrAppend(&dropped, ", ", trace.dropped, " slices dropped");
  if (spans.dropped > 0) absl::StrAppend(&dropped, ", ", spans.dropped, " spans dropped");
  events->push_back(absl::StrFormat(
      "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, \"args\": {\"name\": \"%s%s\"}}",
      pid, Escaped(name), dropped));
  AppendSlices(trace, pid, origin_ns, events);
  AppendSpans(spans, pid, origin_ns, events);
}

std::string Document(const std::vector<std::string>& events) {
  return absl::StrCat("{\"traceEvents\": [\n", absl::StrJoin(events, ",\n"), "\n]}\n");
}

}  // namespace

std::string TraceEventJson(const std::vector<TraceProcess>& processes) {
  bool any = false;
  int64_t origin = 0;
  for (const TraceProcess& process : processes) {
    FoldEarliest(process.trace, process.spans, &any, &origin);
  }
  std::vector<std::string> events;
  for (std::size_t pid = 0; pid < processes.size(); ++pid) {
    const TraceProcess& process = processes[pid];
    AppendProcess(process.name, process.trace, process.spans, static_cast<int>(pid), origin,
                  &events);
  }
  return Document(events);
}

std::string TraceEventJson(const Trace& trace, const SpanLog& spans,
                           const std::string& process_name) {
  bool any = false;
  int64_t origin = 0;
  FoldEarliest(trace, spans, &any, &origin);
  std::vector<std::string> events;
  AppendProcess(process_name, trace, spans, 0, origin, &events);
  return Document(events);
}

}  // namespace troupe::tracing
