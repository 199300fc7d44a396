// LogCapture: for a test, troupe's log kept in memory instead of written to stderr.
//
//   testing::LogCapture log;             // installs itself as the log's sink
//   ... code that logs ...
//   log.Stop();                          // the previous sink again (also on destruction)
//   for (const std::string& line : log.lines()) ...   // as FormatLogMessage writes them
#ifndef TROUPE_TESTS_SCHEDULER_LOG_CAPTURE_H_
#define TROUPE_TESTS_SCHEDULER_LOG_CAPTURE_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "troupe/scheduler/log.h"

namespace troupe::testing {

class LogCapture {
 public:
  LogCapture() : previous_(SetLogSink(sink_)) {}
  ~LogCapture() { Stop(); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Restores the sink there was before; idempotent. Lines kept so far stay.
  void Stop() {
    if (previous_ != nullptr) SetLogSink(std::exchange(previous_, nullptr));
  }
  // Any thread: the messages written so far, oldest first.
  std::vector<std::string> lines() const { return sink_->lines(); }

 private:
  class KeepingSink : public LogSink {
   public:
    void Write(const LogRecord& record) override {
      std::string line = FormatLogMessage(record);
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(std::move(line));
    }
    std::vector<std::string> lines() {
      std::lock_guard<std::mutex> lock(mutex_);
      return lines_;
    }

   private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
  };

  const std::shared_ptr<KeepingSink> sink_ = std::make_shared<KeepingSink>();
  std::shared_ptr<LogSink> previous_;
};

}  // namespace troupe::testing

#endif  // TROUPE_TESTS_SCHEDULER_LOG_CAPTURE_H_
