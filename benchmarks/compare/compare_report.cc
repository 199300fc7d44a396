// The pattern comparison's table and JSON, and the reading of a
// peer program's result line (compare_report.h). The HTML report is report_html.cc.
#include "troupe/benchmarks/compare/compare_report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "troupe/benchmarks/compare/compare_workload.h"

namespace troupe::benchmarks {

namespace {

// The spread of the rows' transfer times beyond which the table warns.
constexpr double kTransferSpreadWarning = 2.0;

std::string TransferJson(double ns) {
  return ns >= 0 ? absl::StrFormat("%.1f", ns) : std::string("null");
}

std::string EscapeJson(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The rows' design column: at least 12 wide, wider for longer design names.
int DesignWidth(const std::vector<DesignResult>& results) {
  std::size_t width = 12;
  for (const DesignResult& r : results) width = std::max(width, r.design.size());
  return static_cast<int>(width);
}

}  // namespace

std::string DescribeRun(const ReportHeader& h) {
  std::string loop = "closed loop";
  if (h.rate > 0) {
    loop = h.burst > 1 ? absl::StrFormat("open loop at %.0f records/s in bursts of %d every "
                                         "%.0f us",
                                         h.rate, h.burst, 1e6 * static_cast<double>(h.burst) / h.rate)
                       : absl::StrFormat("open loop at %.0f records/s", h.rate);
  }
  return absl::StrFormat("workload %s: %d records%s, procs %d, parallelism %d, capacity %d, %s",
                         h.workload, h.records,
                         h.size > 0 ? absl::StrFormat(" x %d bytes", h.size) : std::string(),
                         h.procs, h.parallelism, h.capacity, loop);
}

std::string FormatTable(const ReportHeader& header, const std::vector<DesignResult>& results) {
  const DesignResult* ceiling = FindResult(results, "ceiling", "threads");
  const DesignResult* handoff = FindResult(results, "handoff", "threads");
  std::string out = absl::StrCat("\nPattern comparison: ", DescribeRun(header), "\n");
  if (!header.description.empty()) absl::StrAppend(&out, header.description, "\n");
  if (!header.parameters.empty()) absl::StrAppend(&out, "parameters: ", header.parameters, "\n");
  if (header.transfer_from_cpu >= 0) {
    absl::StrAppendFormat(&out,
                          "xfer ns: one cache line's move from CPU %d to CPU %d, the slower of "
                          "the probes before and after the row (core_transfer.h)\n",
                          header.transfer_from_cpu, header.transfer_to_cpu);
  }
  out += "\n";
  const int width = DesignWidth(results);
  absl::StrAppendFormat(
      &out,
      "%-*s %-11s %12s %9s %9s %8s %8s %9s %9s %9s %9s %8s %8s %8s %10s %10s %8s %7s %7s %s\n",
      width, "design", "runtime", "records/s", "%ceiling", "%handoff", "vs Go", "vs Boost",
      "p50 us", "p95 us", "p99 us", "max us", "RSS MiB", "+MiB", "MiB/min", "allocs/rec",
      "switches", "steals", "parks", "xfer ns", "checksum");
  for (const DesignResult& r : results) {
    if (!r.error.empty()) {
      absl::StrAppendFormat(&out, "%-*s %-11s ERROR: %s\n", width, r.design, r.runtime, r.error);
      continue;
    }
    auto share_of = [&](const DesignResult* reference) -> std::string {
      if (reference == nullptr || &r == reference) return "-";
      return absl::StrFormat("%.0f%%", 100.0 * r.throughput_rps / reference->throughput_rps);
    };
    // troupe's throughput over a peer's, for troupe's rows.
    auto versus = [&](const char* peer_runtime) -> std::string {
      if (r.runtime != "troupe") return "-";
      const DesignResult* peer = FindResult(results, r.design, peer_runtime);
      if (peer == nullptr) return "-";
      return absl::StrFormat("%.2fx", r.throughput_rps / peer->throughput_rps);
    };
    const bool has_latency = r.design != "ceiling";
    const bool troupe = r.runtime == "troupe";
    const bool sampled = r.rss_peak_kb > 0;
    absl::StrAppendFormat(
        &out,
        "%-*s %-11s %12.0f %9s %9s %8s %8s %9s %9s %9s %9s %8.1f %8s %8s %10.3f %10s %8s %7s %7s "
        "0x%016x\n",
        width, r.design, r.runtime, r.throughput_rps,
        share_of(ceiling), r.runtime == "threads" ? "-" : share_of(handoff), versus(kGoRuntime), versus(kBoostFiberRuntime),
        has_latency ? absl::StrFormat("%.0f", r.p50_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.p95_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.p99_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.max_us) : "-", r.peak_rss_kb / 1024.0,
        sampled ? absl::StrFormat("%.1f", r.memory_kb() / 1024.0) : "-",
        sampled && !std::isnan(r.rss_growth_kb_per_min)
            ? absl::StrFormat("%.1f", r.rss_growth_kb_per_min / 1024)
            : "-",
        r.allocs_per_record, troupe ? absl::StrCat(r.switches) : "-",
        troupe ? absl::StrCat(r.steals) : "-", troupe ? absl::StrCat(r.parks) : "-",
        r.core_transfer_ns >= 0 ? absl::StrFormat("%.0f", r.core_transfer_ns) : "-", r.checksum);
  }
  // Rows measured while the cores were near and rows measured while they were far
  // apart do not compare: say so rather than leave a misleading ratio unremarked.
  double fastest = 0, slowest = 0;
  for (const DesignResult& r : results) {
    if (r.core_transfer_ns < 0) continue;
    if (fastest == 0 || r.core_transfer_ns < fastest) fastest = r.core_transfer_ns;
    slowest = std::max(slowest, r.core_transfer_ns);
  }
  if (fastest > 0 && slowest > kTransferSpreadWarning * fastest) {
    absl::StrAppendFormat(&out,
                          "\nWARNING: the core-to-core transfer time moved from %.0f to %.0f ns "
                          "during this run (xfer ns):\n  rows measured at very different values "
                          "are not comparable; run again.\n",
                          fastest, slowest);
  }
  out += "\n%ceiling: throughput as a share of the ceiling (the same work on plain threads, no "
         "queues).\nhandoff: one source thread handing records to the others over lock-free "
         "spinning rings;\n  the bound for any design that moves records between cores "
         "(%handoff: the share of it).\n"
         "vs Go, vs Boost: troupe's throughput over Go's and over Boost.Fiber's for the same "
         "design,\n  measured in this run.\n"
         "+MiB: the RSS the run added at its peak; MiB/min: its growth after the first quarter "
         "of the run\n  (short runs mostly show warm-up; --duration measures it).\n";
  if (!header.designs.empty()) {
    out += "designs:\n";
    for (const DesignSpec& d : header.designs) {
      absl::StrAppendFormat(&out, "  %-*s %s\n", width, d.name, d.description);
    }
  }
  for (const std::string& note : header.notes) absl::StrAppend(&out, note, "\n");
  return out;
}

std::string FormatJson(const ReportHeader& header, const std::vector<DesignResult>& results,
                       const std::string& verdicts, const std::string& summary) {
  std::vector<std::string> designs;
  for (const DesignSpec& d : header.designs) {
    designs.push_back(absl::StrFormat("{\"name\": \"%s\", \"description\": \"%s\"}", d.name,
                                      EscapeJson(d.description)));
  }
  std::string out = absl::StrFormat(
      "{\"records\": %d, \"size\": %d, \"procs\": %d, \"parallelism\": %d, \"capacity\": %d, "
      "\"rate\": %.0f, \"burst\": %d, \"workload\": \"%s\", \"description\": \"%s\", "
      "\"parameters\": \"%s\", \"designs\": [%s], \"latency_quantiles\": [%s], \"results\": [\n",
      header.records, header.size, header.procs, header.parallelism, header.capacity,
      header.rate, header.burst, EscapeJson(header.workload), EscapeJson(header.description),
      EscapeJson(header.parameters), absl::StrJoin(designs, ", "),
      absl::StrJoin(kLatencyQuantiles, ", "));
  auto numbers = [](const std::vector<double>& values) {
    return absl::StrJoin(values, ", ", [](std::string* out, double v) {
      absl::StrAppendFormat(out, "%.1f", v);
    });
  };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const DesignResult& r = results[i];
    std::vector<std::string> series;
    for (const RssPoint& p : r.rss_series) {
      series.push_back(absl::StrFormat("[%.3f, %.2f]", p.seconds, p.mib));
    }
    absl::StrAppendFormat(
        &out,
        "  {\"design\": \"%s\", \"runtime\": \"%s\", \"records\": %d, \"seconds\": %.6f, "
        "\"throughput_rps\": %.1f, \"offered_rps\": %.1f, \"p50_us\": %.1f, \"p95_us\": %.1f, "
        "\"p99_us\": %.1f, \"max_us\": %.1f, \"peak_rss_kb\": %d, \"rss_start_kb\": %d, "
        "\"rss_peak_kb\": %d, \"memory_kb\": %d, \"rss_growth_kb_per_min\": %s, "
        "\"rss_window_s\": %.2f, \"allocs_per_record\": %.4f, "
        "\"checksum\": \"0x%016x\", \"switches\": %d, \"steals\": %d, \"parks\": %d, "
        "\"core_transfer_ns\": %s, \"latency_quantiles_us\": [%s], \"rss_series\": [%s], "
        "\"cpu_profile\": \"%s\", \"block_profile\": \"%s\", \"error\": \"%s\"}%s\n",
        r.design, r.runtime, r.records, r.seconds, r.throughput_rps, r.offered_rps, r.p50_us,
        r.p95_us, r.p99_us, r.max_us, r.peak_rss_kb, r.rss_start_kb, r.rss_peak_kb,
        r.memory_kb(),
        std::isnan(r.rss_growth_kb_per_min) ? std::string("null")
                                            : absl::StrFormat("%.1f", r.rss_growth_kb_per_min),
        r.rss_window_s, r.allocs_per_record, r.checksum, r.switches, r.steals, r.parks,
        TransferJson(r.core_transfer_ns), numbers(r.latency_quantiles_us),
        absl::StrJoin(series, ", "), EscapeJson(r.cpu_profile_path), EscapeJson(r.block_profile_path),
        EscapeJson(r.error),
        i + 1 < results.size() ? "," : "");
  }
  out += "]";
  if (!verdicts.empty()) absl::StrAppend(&out, ", \"verdicts\": ", verdicts);
  if (!summary.empty()) absl::StrAppend(&out, ", \"summary\": ", summary);
  out += "}\n";
  return out;
}

namespace {

// The numbers of the array after "key": in `line`: nothing if the key is absent,
// false if it is present but not a well-formed array of numbers.
bool ParseNumberArray(const std::string& line, const std::string& key,
                      std::vector<double>* values) {
  values->clear();
  const std::size_t at = line.find("\"" + key + "\":");
  if (at == std::string::npos) return true;
  const std::size_t open = line.find('[', at);
  const std::size_t close = line.find(']', at);
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(line).substr(open + 1, close - open - 1), ',',
                      absl::SkipWhitespace())) {
    double value = 0;
    if (!absl::SimpleAtod(item, &value)) return false;
    values->push_back(value);
  }
  return true;
}

}  // namespace

bool ParseResultJson(const std::string& line, DesignResult* result) {
  auto value_of = [&](const std::string& key) -> std::string {
    const std::string pattern = "\"" + key + "\":";
    std::size_t at = line.find(pattern);
    if (at == std::string::npos) return "";
    at += pattern.size();
    while (at < line.size() && line[at] == ' ') ++at;
    std::size_t end = at;
    if (at < line.size() && line[at] == '"') {
      end = line.find('"', at + 1);
      return end == std::string::npos ? "" : line.substr(at + 1, end - at - 1);
    }
    while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
    return line.substr(at, end - at);
  };
  auto number = [&](const std::string& key, double* out) {
    return absl::SimpleAtod(value_of(key), out);
  };
  double records = 0, rss = 0;
  const bool ok = number("records", &records) && number("seconds", &result->seconds) &&
                  number("throughput_rps", &result->throughput_rps) &&
                  number("p50_us", &result->p50_us) && number("p95_us", &result->p95_us) &&
                  number("p99_us", &result->p99_us) && number("max_us", &result->max_us) &&
                  number("peak_rss_kb", &rss) &&
                  number("allocs_per_record", &result->allocs_per_record);
  if (!ok) return false;
  result->records = static_cast<int64_t>(records);
  result->peak_rss_kb = static_cast<int64_t>(rss);
  // Optional (older peer programs do not print them); if present, well-formed.
  if (!ParseNumberArray(line, "latency_quantiles_us", &result->latency_quantiles_us) ||
      (!result->latency_quantiles_us.empty() &&
       result->latency_quantiles_us.size() != kLatencyQuantileCount)) {
    return false;
  }
  if (double rate = 0; number("rate", &rate)) result->offered_rps = rate;
  double start = 0, peak = 0, window = 0;
  if (number("rss_start_kb", &start) && number("rss_peak_kb", &peak)) {
    result->rss_start_kb = static_cast<int64_t>(start);
    result->rss_peak_kb = static_cast<int64_t>(peak);
  }
  double growth = 0;
  result->rss_growth_kb_per_min = number("rss_growth_kb_per_min", &growth) ? growth : std::nan("");
  if (number("rss_window_s", &window)) result->rss_window_s = window;
  std::vector<double> seconds, mib;
  if (!ParseNumberArray(line, "rss_seconds", &seconds) || !ParseNumberArray(line, "rss_mib", &mib) ||
      seconds.size() != mib.size()) {
    return false;
  }
  result->rss_series.clear();
  for (std::size_t i = 0; i < seconds.size(); ++i) result->rss_series.push_back({seconds[i], mib[i]});
  const std::string checksum = value_of("checksum");
  if (checksum.size() < 3) return false;
  result->checksum = std::strtoull(checksum.c_str() + 2, nullptr, 16);
  return true;
}

}  // namespace troupe::benchmarks
