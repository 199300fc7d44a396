// W3C trace context (https://www.w3.org/TR/trace-context/): the identity of a
// request's trace and of the span the caller is in, as the `traceparent` header
// carries it:
//
//   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//   version  trace-id (16 bytes)          parent-id (8)    flags (01: sampled)
//
// A Context carries one (context.h: WithTraceContext, TraceContextOf); Ask, pipeline
// stages and the HTTP service pass it on, and spans (troupe/tracing/span.h) derive
// children of it.
//
// Parsing is strict, as the specification asks of version 00: exactly 55 characters,
// lowercase hex, dashes in place, neither id all zeros. Anything else is rejected with
// a status saying why (a server then starts a new trace rather than continue a
// malformed one).
#ifndef TROUPE_SCHEDULER_TRACE_CONTEXT_H_
#define TROUPE_SCHEDULER_TRACE_CONTEXT_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace troupe {

struct TraceContext {
  static constexpr uint8_t kSampled = 0x01;

  std::array<uint8_t, 16> trace_id{};  // all zeros: no trace
  std::array<uint8_t, 8> span_id{};
  uint8_t flags = 0;

  // Any thread. A new trace (random ids, sampled unless `sampled` is false).
  static TraceContext NewRoot(bool sampled = true);
  // Any thread. The same trace and flags with a new random span id: what a span
  // started under this one carries.
  TraceContext NewChild() const;

  // A trace context with non-zero ids (one from NewRoot, NewChild or Parse).
  bool valid() const;
  bool sampled() const { return (flags & kSampled) != 0; }

  // 32 and 16 lowercase hex digits.
  std::string TraceIdHex() const;
  std::string SpanIdHex() const;

  friend bool operator==(const TraceContext& a, const TraceContext& b) {
    return a.trace_id == b.trace_id && a.span_id == b.span_id && a.flags == b.flags;
  }
  friend bool operator!=(const TraceContext& a, const TraceContext& b) { return !(a == b); }
};

// A `traceparent` header value. InvalidArgument, naming what is wrong, for anything
// but version 00 in its exact form.
absl::StatusOr<TraceContext> ParseTraceparent(absl::string_view header);

// The `traceparent` header value of `trace` (version 00).
std::string FormatTraceparent(const TraceContext& trace);

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_TRACE_CONTEXT_H_
