// Output of the pattern comparison: the table, JSON, and a self-contained HTML report
// with SVG charts; and reading a peer program's (Go, Boost.Fiber) one-line JSON result.
#ifndef TROUPE_BENCHMARKS_COMPARE_REPORT_H_
#define TROUPE_BENCHMARKS_COMPARE_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "troupe/benchmarks/compare/compare_designs.h"
#include "troupe/scheduler/trace.h"

namespace troupe::benchmarks {

struct ReportHeader {
  int64_t records;
  std::size_t size;
  int procs;
  int parallelism;
  std::size_t capacity;
  double rate;
  // The CPUs between which each row's core_transfer_ns was measured; -1 if it was not.
  int transfer_from_cpu = -1, transfer_to_cpu = -1;
};

std::string FormatTable(const ReportHeader& header, const std::vector<DesignResult>& results);
std::string FormatJson(const ReportHeader& header, const std::vector<DesignResult>& results);
// One comparison's charts and table; FormatHtmlDocument wraps sections into a page.
std::string FormatHtmlSection(const ReportHeader& header, const std::vector<DesignResult>& results);
std::string FormatHtmlDocument(const std::string& sections);

// A Chrome trace-event JSON document: one process per design, one thread per OS
// thread, one complete event per fiber run slice.
std::string FormatChromeTrace(const std::vector<std::pair<std::string, Trace>>& traces);

// Fills `result` from one JSON object line (as the peer programs print). False if a
// required key is missing.
bool ParseResultJson(const std::string& line, DesignResult* result);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_REPORT_H_
