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

namespace troupe::benchmarks {

struct ReportHeader {
  int64_t records = 0;
  std::size_t size = 0;  // the synthetic records' payload bytes; 0 for a user's workload
  int procs = 0;
  int parallelism = 0;
  std::size_t capacity = 0;
  double rate = 0;
  // The CPUs between which each row's core_transfer_ns was measured; -1 if it was not.
  int transfer_from_cpu = -1, transfer_to_cpu = -1;
  std::string workload = "cpu";
  std::string description;  // what the workload is
  std::string parameters;   // its parameters, one line
  int64_t burst = 1;        // open loop: records due at once
  std::vector<DesignSpec> designs;
  std::vector<std::string> notes;
};

// One line: records, procs, parallelism, capacity, closed or open loop.
std::string DescribeRun(const ReportHeader& header);

std::string FormatTable(const ReportHeader& header, const std::vector<DesignResult>& results);
// One comparison as a JSON object; `verdicts` (VerdictsJson) and `summary` (what spans
// several runs), if not empty, are added as the fields of those names.
std::string FormatJson(const ReportHeader& header, const std::vector<DesignResult>& results,
                       const std::string& verdicts = "", const std::string& summary = "");
// One comparison's charts, verdict and table; FormatHtmlDocument wraps sections into a
// page.
std::string FormatHtmlSection(const ReportHeader& header, const std::vector<DesignResult>& results,
                              const std::string& verdict_text = "");
std::string FormatHtmlDocument(const std::string& sections);
std::string EscapeHtml(const std::string& text);

// The charts' styles: a runtime's colour, a design's line dashes.
const char* RuntimeColor(const std::string& runtime);
const char* DesignDashes(const std::string& design);

// Fills `result` from one JSON object line (as the peer programs print). False if a
// required key is missing or an optional one is malformed.
bool ParseResultJson(const std::string& line, DesignResult* result);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_REPORT_H_
