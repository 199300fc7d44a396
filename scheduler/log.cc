// Logging (log.h): records, the replaceable sink, the per-site rate limit.
//
// The sink is a shared_ptr behind a mutex: a writer copies it under the lock and
// writes outside it, so a slow sink never holds up a swap, and a swapped-out sink
// lives until its last record is written. Records are rare (warnings, dumps), so the
// lock and the reference count cost nothing that matters; the level check in
// TROUPE_LOG keeps disabled records free.
#include "troupe/scheduler/log.h"

#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_replace.h"
#include "troupe/scheduler/internal/clock.h"
#include "troupe/scheduler/internal/fiber.h"
#include "troupe/scheduler/internal/wait_protocol.h"

namespace troupe {

namespace scheduler_internal {
std::atomic<int> min_log_level{static_cast<int>(LogLevel::kInfo)};
}  // namespace scheduler_internal

namespace {

class StderrSink final : public LogSink {
 public:
  void Write(const LogRecord& record) override {
    std::string line = FormatLogRecord(record);
    line += '\n';
    // One write(2), so that lines of different threads do not interleave; a short
    // write (a full pipe) is finished, an error gives up: there is nowhere to report it.
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t written = write(STDERR_FILENO, data, left);
      if (written <= 0) return;
      data += written;
      left -= static_cast<std::size_t>(written);
    }
  }
};

struct SinkSlot {
  std::mutex mutex;
  std::shared_ptr<LogSink> sink;  // guarded by mutex; never null
};

SinkSlot& Slot() {
  // Immortal: fibers and threads may log while static destructors run.
  static SinkSlot* slot = [] {
    auto* created = new SinkSlot;
    created->sink = StderrLogSink();
    return created;
  }();
  return *slot;
}

std::shared_ptr<LogSink> CurrentSink() {
  SinkSlot& slot = Slot();
  std::lock_guard<std::mutex> lock(slot.mutex);
  return slot.sink;
}

std::atomic<uint64_t> suppressed_total{0};

const char* BaseName(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

bool NeedsQuotes(absl::string_view value) {
  return value.empty() || value.find_first_of(" \"=\n\t") != absl::string_view::npos;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "UNKNOWN";
}

std::string FormatLogMessage(const LogRecord& record) {
  std::string text(record.message);
  for (const LogField& field : record.fields) {
    absl::StrAppend(&text, " ", field.key, "=");
    if (NeedsQuotes(field.value)) {
      absl::StrAppend(&text, "\"", absl::StrReplaceAll(field.value, {{"\"", "\\\""}}), "\"");
    } else {
      text += field.value;
    }
  }
  if (record.fiber_id != 0) {
    absl::StrAppend(&text, " [fiber ", record.fiber_id);
    if (record.labels != nullptr && !record.labels->description().empty()) {
      absl::StrAppend(&text, " ", record.labels->description());
    }
    text += ']';
  }
  if (record.suppressed != 0) {
    absl::StrAppend(&text, " (", record.suppressed, " similar messages suppressed)");
  }
  return text;
}

std::string FormatLogRecord(const LogRecord& record) {
  return absl::StrCat(std::string(1, LogLevelName(record.level)[0]), " ",
                      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.time, absl::UTCTimeZone()),
                      " ", record.file, ":", record.line, "] ", FormatLogMessage(record));
}

std::shared_ptr<LogSink> StderrLogSink() {
  static LogSink* sink = new StderrSink;  // immortal, shared by every caller
  return std::shared_ptr<LogSink>(sink, [](LogSink*) {});
}

std::shared_ptr<LogSink> SetLogSink(std::shared_ptr<LogSink> sink) {
  if (sink == nullptr) sink = StderrLogSink();
  SinkSlot& slot = Slot();
  std::lock_guard<std::mutex> lock(slot.mutex);
  std::swap(slot.sink, sink);
  return sink;
}

void SetMinLogLevel(LogLevel level) {
  scheduler_internal::min_log_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel MinLogLevel() {
  return static_cast<LogLevel>(scheduler_internal::min_log_level.load(std::memory_order_relaxed));
}

void FlushLog() { CurrentSink()->Flush(); }

uint64_t LogMessagesSuppressed() { return suppressed_total.load(std::memory_order_relaxed); }

LogSite::Admission LogSite::Admit(int64_t now_ns) {
  if (burst_per_second_ == kUnlimited) return Admission{true, 0};
  std::lock_guard<std::mutex> lock(mutex_);
  if (window_start_ns_ == 0 || now_ns - window_start_ns_ >= 1'000'000'000) {
    window_start_ns_ = now_ns;
    written_in_window_ = 0;
  }
  if (written_in_window_ >= burst_per_second_) {
    ++suppressed_;
    suppressed_total.fetch_add(1, std::memory_order_relaxed);  // statistic
    return Admission{false, 0};
  }
  ++written_in_window_;
  const uint64_t suppressed = suppressed_;
  suppressed_ = 0;
  return Admission{true, suppressed};
}

void LogAt(LogSite& site, LogLevel level, absl::string_view message,
           std::initializer_list<LogField> fields) {
  const LogSite::Admission admission = site.Admit(scheduler_internal::MonotonicCoarseNanos());
  if (!admission.write) return;
  LogRecord record;
  record.level = level;
  record.time = absl::Now();
  record.message = message;
  record.fields = absl::MakeConstSpan(fields.begin(), fields.size());
  if (const scheduler_internal::Fiber* self = scheduler_internal::CurrentFiber()) {
    record.fiber_id = self->id.load(std::memory_order_relaxed);
    // relaxed: only this fiber (or, before it started, its spawner, ordered by the
    // hand-off that started it) writes its labels.
    record.labels = static_cast<const LabelSet*>(self->profile_labels.load(std::memory_order_relaxed));
  }
  record.file = BaseName(site.file());
  record.line = site.line();
  record.suppressed = admission.suppressed;
  CurrentSink()->Write(record);
}

}  // namespace troupe
