// The span recorder: see span_recorder.h.
//
// State: `recording_on` (atomic) mirrors Recorder::on (guarded by the mutex). Start
// and Stop change both under the mutex; Record reads the atomic without it to skip
// all work when nothing records, then decides under the mutex, so a span that ends
// while Stop runs is either in the log Stop returns or not recorded at all — never
// half-written, never counted as dropped.
#include "troupe/tracing/span_recorder.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "troupe/scheduler/internal/clock.h"

namespace troupe::tracing {

namespace tracing_internal {

std::atomic<bool> recording_on{false};

namespace {

constexpr std::size_t kMaxCapacity = 10'000'000;

struct Recorder {
  std::mutex mutex;
  bool on = false;             // guarded by mutex
  std::size_t capacity = 0;    // guarded by mutex
  SpanLog log;                 // guarded by mutex
};

Recorder& TheRecorder() {
  static Recorder* recorder = new Recorder;  // immortal: spans may end at exit
  return *recorder;
}

}  // namespace

void Record(SpanRecord record) {
  Recorder& recorder = TheRecorder();
  std::lock_guard<std::mutex> lock(recorder.mutex);
  if (!recorder.on) return;  // the recording ended while this span was running
  if (recorder.log.spans.size() >= recorder.capacity) {
    ++recorder.log.dropped;
    return;
  }
  recorder.log.spans.push_back(std::move(record));
}

}  // namespace tracing_internal

using tracing_internal::TheRecorder;

bool SpanRecord::has_parent() const {
  return std::any_of(parent_span_id.begin(), parent_span_id.end(),
                     [](uint8_t b) { return b != 0; });
}

std::string SpanRecord::ParentSpanIdHex() const {
  if (!has_parent()) return "";
  TraceContext parent;
  parent.span_id = parent_span_id;
  return parent.SpanIdHex();
}

uint64_t SpansEndedSoFar() {
  tracing_internal::Recorder& recorder = TheRecorder();
  std::lock_guard<std::mutex> lock(recorder.mutex);
  return recorder.log.spans.size() + recorder.log.dropped;
}

absl::Status StartSpanRecording(SpanRecordingOptions options) {
  if (options.capacity < 1 || options.capacity > tracing_internal::kMaxCapacity) {
    return absl::InvalidArgumentError(
        absl::StrCat("span recording capacity must be in [1, ",
                     tracing_internal::kMaxCapacity, "]; got ", options.capacity));
  }
  tracing_internal::Recorder& recorder = TheRecorder();
  std::lock_guard<std::mutex> lock(recorder.mutex);
  if (recorder.on) {
    return absl::FailedPreconditionError(
        "a span recording is on already (one at a time: StopSpanRecording first)");
  }
  recorder.on = true;
  recorder.capacity = options.capacity;
  recorder.log = SpanLog();
  recorder.log.unix_minus_monotonic_ns =
      absl::ToUnixNanos(absl::Now()) - scheduler_internal::MonotonicNanos();
  // relaxed: a hint only (see the top of this file); the mutex orders the rest.
  tracing_internal::recording_on.store(true, std::memory_order_relaxed);
  return absl::OkStatus();
}

SpanLog StopSpanRecording() {
  tracing_internal::Recorder& recorder = TheRecorder();
  std::lock_guard<std::mutex> lock(recorder.mutex);
  // relaxed: a hint only (see the top of this file).
  tracing_internal::recording_on.store(false, std::memory_order_relaxed);
  recorder.on = false;
  return std::exchange(recorder.log, SpanLog());
}

}  // namespace troupe::tracing
