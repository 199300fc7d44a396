// Logging: troupe's one way to say something outside the return values. Structured
// records (a level, a message, key/values) that carry the name of the fiber and actor
// logging them, rate-limited per call site, written to a sink you may replace.
//
//   TROUPE_LOG(kWarning, "reconnecting", {{"peer", address}, {"attempt", n}});
//   // W 2026-12-06T18:30:01.123456Z room.cc:42] reconnecting peer=10.0.0.7:4222
//   //     attempt=3 [fiber 17 actor room-general (chat::RoomActor)]
//
// The runtime itself logs through it (the SIGQUIT dump, deadlock reports, the
// schedtrace line, long-running fibers, failures to get stacks, unwinding at
// shutdown), and so do troupe's actors and services: the library writes nothing to
// stderr except through the sink. The one exception is Fatal (internal/fatal.h) and
// the guard-page handler, which must stay async-signal-safe and so write(2) directly.
//
// The default sink writes one line per record to stderr (one write(2), so lines of
// different threads do not interleave). Route records to your own logger by
// installing a LogSink (README "Logging": spdlog, glog).
//
// Rate limiting: each TROUPE_LOG call site writes at most kLogBurstPerSecond records
// per second; the rest are dropped and counted — in LogMessagesSuppressed(), and in
// the next record the site writes (LogRecord::suppressed, shown as "(5 similar
// messages suppressed)"). Nothing is dropped silently.
#ifndef TROUPE_SCHEDULER_LOG_H_
#define TROUPE_SCHEDULER_LOG_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "troupe/scheduler/fiber_labels.h"

namespace troupe {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarning, kError };

// "DEBUG", "INFO", "WARNING", "ERROR".
const char* LogLevelName(LogLevel level);

// One key/value of a record. The value is formatted where the record is made: a
// number, a string, anything absl::StrCat takes.
struct LogField {
  LogField(absl::string_view key, const absl::AlphaNum& value)
      : key(key), value(value.Piece()) {}
  absl::string_view key;  // a literal, normally
  std::string value;
};

// What a sink receives. Valid only during LogSink::Write.
struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  absl::Time time;
  absl::string_view message;
  absl::Span<const LogField> fields;
  // The logging fiber, attached automatically: its id (0 on a plain thread) and its
  // labels — its name, the actor it runs (name and type), its pipeline stage
  // (fiber_labels.h) — or null for an unnamed fiber or a plain thread.
  uint64_t fiber_id = 0;
  const LabelSet* labels = nullptr;
  const char* file = "";  // the call site: its file's base name and line
  int line = 0;
  // Records of this call site dropped by rate limiting since its previous record.
  uint64_t suppressed = 0;
};

// Where records go. Any thread and any fiber may call Write, concurrently: a sink
// must be thread-safe. Write may block the calling thread briefly (a write(2), a
// lock) but must not park a fiber on a troupe primitive, and must not log through
// TROUPE_LOG itself.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(const LogRecord& record) = 0;
  // Pushes out anything buffered; called before troupe ends the process (a deadlock
  // report). The default does nothing.
  virtual void Flush() {}
};

// The message, its fields as key=value (quoted when needed) and the fiber's
// identity: `reconnecting peer=10.0.0.7 attempt=3 [fiber 17 actor room (chat::Room)]`,
// plus "(N similar messages suppressed)". For sinks whose logger adds its own level,
// time and source location (spdlog, glog).
std::string FormatLogMessage(const LogRecord& record);
// "W <RFC 3339 time> file.cc:42] " + FormatLogMessage: what the default sink writes.
std::string FormatLogRecord(const LogRecord& record);

// The default sink: FormatLogRecord and a newline to stderr, in one write(2).
std::shared_ptr<LogSink> StderrLogSink();

// Any thread. Installs `sink` (null: the stderr sink again) and returns the previous
// one. A record being written concurrently finishes on the sink it started on (the
// writer holds a reference), so the previous sink may still receive a Write until
// the record that began before the swap has been written.
std::shared_ptr<LogSink> SetLogSink(std::shared_ptr<LogSink> sink);

// Any thread. Records below `level` are not made at all (their fields are not even
// formatted). The default is kInfo.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
inline bool LogEnabled(LogLevel level);

// Any thread. Calls Flush on the current sink.
void FlushLog();

// Records dropped by rate limiting, over the whole process.
uint64_t LogMessagesSuppressed();

inline constexpr int kLogBurstPerSecond = 10;

// One TROUPE_LOG call site: its location and its rate limit. Static, one per site.
class LogSite {
 public:
  // For sites whose rate the user chose (a trace printed at an interval).
  static constexpr int kUnlimited = -1;

  // `burst_per_second`: kLogBurstPerSecond for TROUPE_LOG, or kUnlimited.
  constexpr LogSite(const char* file, int line, int burst_per_second = kLogBurstPerSecond)
      : file_(file), line_(line), burst_per_second_(burst_per_second) {}

  const char* file() const { return file_; }
  int line() const { return line_; }

  // Whether a record made at `now_ns` (a monotonic clock) may be written and, if so,
  // how many were dropped since the last one that was. The rate limit: at most
  // burst_per_second records in each window of one second (a window opens with the
  // first record after the previous one closed). Any thread.
  struct Admission {
    bool write;
    uint64_t suppressed;
  };
  Admission Admit(int64_t now_ns);

 private:
  const char* const file_;
  const int line_;
  const int burst_per_second_;
  std::mutex mutex_;  // held for a few instructions, never across a park
  int64_t window_start_ns_ = 0;   // guarded by mutex_
  int written_in_window_ = 0;     // guarded by mutex_
  uint64_t suppressed_ = 0;       // guarded by mutex_
};

// Makes a record at `site` (rate-limited), attaches the calling fiber's identity,
// and writes it to the sink. Any thread, any fiber; never parks. Prefer TROUPE_LOG.
void LogAt(LogSite& site, LogLevel level, absl::string_view message,
           std::initializer_list<LogField> fields = {});

// TROUPE_LOG(level, message[, {{key, value}, ...}]): logs at LogLevel::<level>
// (kDebug, kInfo, kWarning, kError) from this call site, if the level is enabled.
#define TROUPE_LOG(level, ...)                                                  \
  do {                                                                          \
    if (::troupe::LogEnabled(::troupe::LogLevel::level)) {                      \
      static ::troupe::LogSite troupe_log_site(__FILE__, __LINE__);             \
      ::troupe::LogAt(troupe_log_site, ::troupe::LogLevel::level, __VA_ARGS__); \
    }                                                                           \
  } while (false)

namespace scheduler_internal {
extern std::atomic<int> min_log_level;
}  // namespace scheduler_internal

inline bool LogEnabled(LogLevel level) {
  // relaxed: a filter setting; a record more or less around a change is fine.
  return static_cast<int>(level) >=
         scheduler_internal::min_log_level.load(std::memory_order_relaxed);
}

}  // namespace troupe

#endif  // TROUPE_SCHEDULER_LOG_H_
