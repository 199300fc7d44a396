// Logging (scheduler/log.h): the sink, levels, rate limiting, the fiber's identity.
#include "troupe/scheduler/log.h"

#include <stdio.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "troupe/scheduler/runtime.h"
#include "troupe/scheduler/this_fiber.h"

namespace troupe {
namespace {

// What a sink kept of one record (a LogRecord is valid only during Write).
struct Kept {
  LogLevel level;
  std::string message;
  std::vector<std::pair<std::string, std::string>> fields;
  uint64_t fiber_id;
  const LabelSet* labels;
  std::string file;
  uint64_t suppressed;
  std::string formatted;  // FormatLogMessage
};

class KeepingSink : public LogSink {
 public:
  void Write(const LogRecord& record) override {
    Kept kept{record.level, std::string(record.message), {}, record.fiber_id, record.labels,
              record.file, record.suppressed, FormatLogMessage(record)};
    for (const LogField& field : record.fields) {
      kept.fields.emplace_back(std::string(field.key), field.value);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(std::move(kept));
  }
  std::vector<Kept> records() {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }

 private:
  std::mutex mutex_;
  std::vector<Kept> records_;
};

// Installs a KeepingSink for the test and restores the previous sink and level after.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = SetLogSink(sink_);
    previous_level_ = MinLogLevel();
  }
  void TearDown() override {
    SetLogSink(previous_);
    SetMinLogLevel(previous_level_);
  }
  std::shared_ptr<KeepingSink> sink_ = std::make_shared<KeepingSink>();

 private:
  std::shared_ptr<LogSink> previous_;
  LogLevel previous_level_ = LogLevel::kInfo;
};

TEST_F(LogTest, SinkReceivesLevelMessageFieldsAndCallSite) {
  TROUPE_LOG(kWarning, "reconnecting", {{"peer", "10.0.0.7"}, {"attempt", 3}});
  const std::vector<Kept> records = sink_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].level, LogLevel::kWarning);
  EXPECT_EQ(records[0].message, "reconnecting");
  const std::vector<std::pair<std::string, std::string>> fields = {{"peer", "10.0.0.7"},
                                                                   {"attempt", "3"}};
  EXPECT_EQ(records[0].fields, fields);
  EXPECT_EQ(records[0].file, "log_test.cc");
  EXPECT_EQ(records[0].formatted, "reconnecting peer=10.0.0.7 attempt=3");
}

TEST_F(LogTest, ValuesThatNeedQuotesAreQuoted) {
  TROUPE_LOG(kInfo, "odd values", {{"text", "two words"}, {"empty", ""}, {"q", "a\"b"}});
  const std::vector<Kept> records = sink_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].formatted, "odd values text=\"two words\" empty=\"\" q=\"a\\\"b\"");
}

TEST_F(LogTest, SwappingTheSinkReturnsThePreviousOneAndRedirectsRecords) {
  auto second = std::make_shared<KeepingSink>();
  std::shared_ptr<LogSink> replaced = SetLogSink(second);
  EXPECT_EQ(replaced, sink_);
  TROUPE_LOG(kInfo, "to the second sink");
  EXPECT_EQ(SetLogSink(sink_), second);
  TROUPE_LOG(kInfo, "to the first sink");
  ASSERT_EQ(second->records().size(), 1u);
  EXPECT_EQ(second->records()[0].message, "to the second sink");
  ASSERT_EQ(sink_->records().size(), 1u);
  EXPECT_EQ(sink_->records()[0].message, "to the first sink");
}

TEST_F(LogTest, NullSinkRestoresTheStderrSink) {
  SetLogSink(nullptr);
  EXPECT_EQ(SetLogSink(sink_), StderrLogSink());
}

TEST_F(LogTest, RecordsBelowTheMinimumLevelAreNotMade) {
  SetMinLogLevel(LogLevel::kWarning);
  int formatted = 0;
  auto count = [&] { return ++formatted; };
  TROUPE_LOG(kDebug, "debug", {{"n", count()}});
  TROUPE_LOG(kInfo, "info", {{"n", count()}});
  TROUPE_LOG(kWarning, "warning", {{"n", count()}});
  TROUPE_LOG(kError, "error", {{"n", count()}});
  const std::vector<Kept> records = sink_->records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].message, "warning");
  EXPECT_EQ(records[1].message, "error");
  EXPECT_EQ(formatted, 2) << "the fields of a disabled record were formatted";
}

TEST(LogSiteTest, AdmitsABurstPerSecondAndCountsTheRest) {
  LogSite site("site.cc", 1);
  const int64_t start = 5'000'000'000;
  const uint64_t suppressed_before = LogMessagesSuppressed();
  for (int i = 0; i < kLogBurstPerSecond; ++i) {
    const LogSite::Admission admission = site.Admit(start + i);
    EXPECT_TRUE(admission.write) << i;
    EXPECT_EQ(admission.suppressed, 0u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(site.Admit(start + 999'999'999).write);
  EXPECT_EQ(LogMessagesSuppressed() - suppressed_before, 5u);
  // A new window: the first record written says how many were dropped before it.
  const LogSite::Admission next = site.Admit(start + 1'000'000'000);
  EXPECT_TRUE(next.write);
  EXPECT_EQ(next.suppressed, 5u);
  EXPECT_EQ(site.Admit(start + 1'000'000'001).suppressed, 0u);
}

TEST(LogSiteTest, UnlimitedSiteAdmitsEverything) {
  LogSite site("site.cc", 2, LogSite::kUnlimited);
  for (int i = 0; i < 10 * kLogBurstPerSecond; ++i) EXPECT_TRUE(site.Admit(1).write);
}

TEST_F(LogTest, RepeatedMessagesFromOneSiteAreSuppressedAndCounted) {
  constexpr int kRepeats = 100;
  const uint64_t suppressed_before = LogMessagesSuppressed();
  for (int i = 0; i < kRepeats; ++i) TROUPE_LOG(kInfo, "again", {{"i", i}});
  const uint64_t suppressed = LogMessagesSuppressed() - suppressed_before;
  const std::vector<Kept> records = sink_->records();
  // Every record is either written or counted; windows are a second long, so a
  // loop of 100 records cannot write them all.
  EXPECT_EQ(records.size() + suppressed, static_cast<uint64_t>(kRepeats));
  EXPECT_GT(suppressed, 0u);
  EXPECT_GE(records.size(), static_cast<std::size_t>(kLogBurstPerSecond));
}

TEST_F(LogTest, PlainThreadRecordsCarryNoFiber) {
  TROUPE_LOG(kInfo, "from a thread");
  const std::vector<Kept> records = sink_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fiber_id, 0u);
  EXPECT_EQ(records[0].labels, nullptr);
  EXPECT_EQ(records[0].formatted, "from a thread");
}

TEST_F(LogTest, RecordsCarryTheLoggingFibersIdAndName) {
  auto runtime = Runtime::Create({.procs = 2});
  ASSERT_TRUE(runtime.ok());
  uint64_t named_id = 0;
  uint64_t unnamed_id = 0;
  JoinHandle named = (*runtime)->Spawn({.name = "flusher"}, [&] {
    named_id = this_fiber::Id();
    TROUPE_LOG(kInfo, "flushed", {{"bytes", 512}});
  });
  ASSERT_TRUE(named.Join().ok());
  JoinHandle unnamed = (*runtime)->Spawn([&] {
    unnamed_id = this_fiber::Id();
    TROUPE_LOG(kInfo, "anonymous");
  });
  ASSERT_TRUE(unnamed.Join().ok());
  const std::vector<Kept> records = sink_->records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fiber_id, named_id);
  ASSERT_NE(records[0].labels, nullptr);
  ASSERT_NE(records[0].labels->Find("fiber"), nullptr);
  EXPECT_EQ(*records[0].labels->Find("fiber"), "flusher");
  EXPECT_EQ(records[0].formatted, absl::StrCat("flushed bytes=512 [fiber ", named_id, " \"flusher\"]"));
  EXPECT_EQ(records[1].fiber_id, unnamed_id);
  EXPECT_EQ(records[1].labels, nullptr);
  EXPECT_EQ(records[1].formatted, absl::StrCat("anonymous [fiber ", unnamed_id, "]"));
}

TEST(StderrLogSinkTest, WritesOneFormattedLinePerRecord) {
  // Point stderr at a file for the length of one record.
  FILE* captured = tmpfile();
  ASSERT_NE(captured, nullptr);
  fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_GE(dup2(fileno(captured), STDERR_FILENO), 0);
  std::shared_ptr<LogSink> previous = SetLogSink(nullptr);
  TROUPE_LOG(kError, "disk full", {{"path", "/var/x"}});
  SetLogSink(previous);
  ASSERT_GE(dup2(saved, STDERR_FILENO), 0);
  close(saved);
  rewind(captured);
  char line[512] = {};
  ASSERT_NE(fgets(line, sizeof(line), captured), nullptr);
  fclose(captured);
  const std::string text(line);
  // "E 2026-12-06T18:30:01.123456Z log_test.cc:233] disk full path=/var/x\n"
  EXPECT_EQ(text.substr(0, 2), "E ") << text;
  EXPECT_NE(text.find("Z log_test.cc:"), std::string::npos) << text;
  EXPECT_NE(text.find("] disk full path=/var/x\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace troupe
