#include "troupe/benchmarks/compare/compare_report.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace troupe::benchmarks {

namespace {

std::string Describe(const ReportHeader& h) {
  return absl::StrFormat("%d records x %d bytes, procs %d, parallelism %d, capacity %d, %s",
                         h.records, h.size, h.procs, h.parallelism, h.capacity,
                         h.rate > 0 ? absl::StrFormat("open loop at %.0f records/s", h.rate)
                                    : std::string("closed loop"));
}

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

// The row's line style in the distribution chart: the design sets the dashes.
const char* DashesOf(const std::string& design) {
  if (design == "pipeline") return "7,4";
  if (design == "actors") return "2,3";
  return "none";  // worker_pool, handoff
}

// Latency distribution: one line per row over kLatencyQuantiles and the maximum, on a
// logarithmic latency axis, so tails that differ by orders of magnitude stay visible.
std::string FormatLatencyDistribution(
    const std::vector<const DesignResult*>& rows,
    const std::function<const char*(const DesignResult&)>& color) {
  std::vector<const DesignResult*> lines;
  double low = 0, high = 0;
  for (const DesignResult* r : rows) {
    if (r->latency_quantiles_us.size() != kLatencyQuantileCount) continue;
    lines.push_back(r);
    for (double v : r->latency_quantiles_us) {
      const double clamped = std::max(v, 0.1);
      low = low == 0 ? clamped : std::min(low, clamped);
    }
    high = std::max(high, r->max_us);
  }
  if (lines.empty()) return "<p>No latency distribution was reported.</p>";
  const int decade_low = static_cast<int>(std::floor(std::log10(low)));
  const int decade_high = std::max(decade_low + 1, static_cast<int>(std::ceil(std::log10(high))));
  const int left = 70, top = 10, width = 560, height = 260, legend_row = 16;
  const int points = static_cast<int>(kLatencyQuantileCount) + 1;  // the quantiles, then max
  auto x_of = [&](int i) { return left + i * width / (points - 1); };
  auto y_of = [&](double us) {
    const double decades = std::log10(std::max(us, 0.1)) - decade_low;
    return top + height - static_cast<int>(height * decades / (decade_high - decade_low));
  };
  std::string svg = absl::StrFormat(
      "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-family=\"sans-serif\" font-size=\"12\">",
      left + width + 40, top + height + 40 + legend_row * static_cast<int>(lines.size()));
  for (int decade = decade_low; decade <= decade_high; ++decade) {
    const double us = std::pow(10.0, decade);
    const int y = y_of(us);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                          left, y, left + width, y, left - 6, y + 4,
                          us >= 1000 ? absl::StrFormat("%.0f ms", us / 1000)
                                     : absl::StrFormat("%g us", us));
  }
  for (int i = 0; i < points; ++i) {
    const std::string label =
        i + 1 == points ? "max" : absl::StrFormat("p%g", 100 * kLatencyQuantiles[i]);
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                          x_of(i), top + height + 16, label);
  }
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const DesignResult& r = *lines[k];
    std::string path;
    for (int i = 0; i < points; ++i) {
      const double us = i + 1 == points ? r.max_us : r.latency_quantiles_us[i];
      absl::StrAppendFormat(&path, "%s%d,%d", i == 0 ? "" : " ", x_of(i), y_of(us));
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                          "stroke-width=\"2\" stroke-dasharray=\"%s\"/>",
                          path, color(r), DashesOf(r.design));
    const int y = top + height + 34 + legend_row * static_cast<int>(k);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                          "stroke-width=\"2\" stroke-dasharray=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s (%s)</text>",
                          left, y - 4, left + 30, y - 4, color(r), DashesOf(r.design), left + 38,
                          y, r.design, r.runtime);
  }
  return svg + "</svg>";
}

}  // namespace

std::string FormatTable(const ReportHeader& header, const std::vector<DesignResult>& results) {
  const DesignResult* ceiling = FindResult(results, "ceiling", "threads");
  std::string out = absl::StrCat("\nPattern comparison: ", Describe(header), "\n");
  if (header.transfer_from_cpu >= 0) {
    absl::StrAppendFormat(&out,
                          "xfer ns: one cache line's move from CPU %d to CPU %d, the slower of "
                          "the probes before and after the row (core_transfer.h)\n",
                          header.transfer_from_cpu, header.transfer_to_cpu);
  }
  out += "\n";
  absl::StrAppendFormat(
      &out, "%-12s %-11s %12s %9s %8s %8s %9s %9s %9s %9s %8s %10s %10s %8s %7s %7s %s\n",
      "design", "runtime", "records/s", "%ceiling", "vs Go", "vs Boost", "p50 us", "p95 us",
      "p99 us", "max us", "RSS MiB", "allocs/rec", "switches", "steals", "parks", "xfer ns",
      "checksum");
  for (const DesignResult& r : results) {
    if (!r.error.empty()) {
      absl::StrAppendFormat(&out, "%-12s %-11s ERROR: %s\n", r.design, r.runtime, r.error);
      continue;
    }
    std::string of_ceiling = "-";
    if (ceiling != nullptr && &r != ceiling) {
      of_ceiling = absl::StrFormat("%.0f%%", 100.0 * r.throughput_rps / ceiling->throughput_rps);
    }
    // troupe's throughput over a peer's, for troupe's rows.
    auto versus = [&](const char* peer_runtime) -> std::string {
      if (r.runtime != "troupe") return "-";
      const DesignResult* peer = FindResult(results, r.design, peer_runtime);
      if (peer == nullptr) return "-";
      return absl::StrFormat("%.2fx", r.throughput_rps / peer->throughput_rps);
    };
    const bool has_latency = r.design != "ceiling";
    const bool troupe = r.runtime == "troupe";
    absl::StrAppendFormat(
        &out,
        "%-12s %-11s %12.0f %9s %8s %8s %9s %9s %9s %9s %8.1f %10.3f %10s %8s %7s %7s 0x%016x\n",
        r.design, r.runtime, r.throughput_rps, of_ceiling, versus(kGoRuntime),
        versus(kBoostFiberRuntime),
        has_latency ? absl::StrFormat("%.0f", r.p50_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.p95_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.p99_us) : "-",
        has_latency ? absl::StrFormat("%.0f", r.max_us) : "-", r.peak_rss_kb / 1024.0,
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
         "spinning rings;\n  the bound for any design that moves records between cores.\n"
         "vs Go, vs Boost: troupe's throughput over Go's and over Boost.Fiber's for the same "
         "design,\n  measured in this run.\n";
  return out;
}

std::string FormatJson(const ReportHeader& header, const std::vector<DesignResult>& results) {
  std::string out = absl::StrFormat(
      "{\"records\": %d, \"size\": %d, \"procs\": %d, \"parallelism\": %d, \"capacity\": %d, "
      "\"rate\": %.0f, \"latency_quantiles\": [%s], \"results\": [\n",
      header.records, header.size, header.procs, header.parallelism, header.capacity,
      header.rate, absl::StrJoin(kLatencyQuantiles, ", "));
  for (std::size_t i = 0; i < results.size(); ++i) {
    const DesignResult& r = results[i];
    absl::StrAppendFormat(
        &out,
        "  {\"design\": \"%s\", \"runtime\": \"%s\", \"records\": %d, \"seconds\": %.6f, "
        "\"throughput_rps\": %.1f, \"p50_us\": %.1f, \"p95_us\": %.1f, \"p99_us\": %.1f, "
        "\"max_us\": %.1f, \"peak_rss_kb\": %d, \"allocs_per_record\": %.4f, "
        "\"checksum\": \"0x%016x\", \"switches\": %d, \"steals\": %d, \"parks\": %d, "
        "\"core_transfer_ns\": %s, \"latency_quantiles_us\": [%s], \"error\": \"%s\"}%s\n",
        r.design, r.runtime, r.records, r.seconds, r.throughput_rps, r.p50_us, r.p95_us,
        r.p99_us, r.max_us, r.peak_rss_kb, r.allocs_per_record, r.checksum, r.switches,
        r.steals, r.parks, TransferJson(r.core_transfer_ns),
        absl::StrJoin(r.latency_quantiles_us, ", ",
                      [](std::string* out, double v) { absl::StrAppendFormat(out, "%.1f", v); }),
        EscapeJson(r.error),
        i + 1 < results.size() ? "," : "");
  }
  out += "]}\n";
  return out;
}

std::string FormatHtmlSection(const ReportHeader& header,
                              const std::vector<DesignResult>& results) {
  std::vector<const DesignResult*> rows;
  for (const DesignResult& r : results) {
    if (r.error.empty()) rows.push_back(&r);
  }
  double max_rps = 1, max_latency = 1;
  for (const DesignResult* r : rows) {
    max_rps = std::max(max_rps, r->throughput_rps);
    if (r->design != "ceiling") max_latency = std::max(max_latency, r->p99_us);
  }
  auto color = [](const DesignResult& r) -> const char* {
    if (r.runtime == "troupe") return "#2b7bb9";
    if (r.runtime == kGoRuntime) return "#7fb800";
    if (r.runtime == kBoostFiberRuntime) return "#e08a00";
    return "#999999";
  };
  const int bar_height = 22;
  const int label_width = 170;
  const int chart_width = 520;
  std::string throughput = absl::StrFormat(
      "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-family=\"sans-serif\" font-size=\"12\">",
      label_width + chart_width + 110, static_cast<int>(rows.size()) * (bar_height + 6) + 10);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const DesignResult& r = *rows[i];
    const int y = static_cast<int>(i) * (bar_height + 6) + 5;
    const int width = static_cast<int>(chart_width * r.throughput_rps / max_rps);
    absl::StrAppendFormat(&throughput,
                          "<text x=\"0\" y=\"%d\">%s (%s)</text><rect x=\"%d\" y=\"%d\" "
                          "width=\"%d\" height=\"%d\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%.0f/s</text>",
                          y + 15, r.design, r.runtime, label_width, y, width, bar_height, color(r),
                          label_width + width + 5, y + 15, r.throughput_rps);
  }
  throughput += "</svg>";
  // Latency: one group per row, bars for p50, p95, p99 (shades of the row's colour).
  std::string latency = absl::StrFormat(
      "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-family=\"sans-serif\" font-size=\"12\">",
      label_width + chart_width + 110, static_cast<int>(rows.size()) * (3 * 12 + 10) + 10);
  int y = 5;
  for (const DesignResult* r : rows) {
    if (r->design == "ceiling") continue;
    absl::StrAppendFormat(&latency, "<text x=\"0\" y=\"%d\">%s (%s)</text>", y + 20, r->design,
                          r->runtime);
    const double values[3] = {r->p50_us, r->p95_us, r->p99_us};
    const char* names[3] = {"p50", "p95", "p99"};
    const double opacity[3] = {0.45, 0.7, 1.0};
    for (int k = 0; k < 3; ++k) {
      const int width = std::max(1, static_cast<int>(chart_width * values[k] / max_latency));
      absl::StrAppendFormat(&latency,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"10\" fill=\"%s\" "
                            "fill-opacity=\"%.2f\"/><text x=\"%d\" y=\"%d\">%s %.0f us</text>",
                            label_width, y + k * 12, width, color(*r), opacity[k],
                            label_width + width + 5, y + k * 12 + 9, names[k], values[k]);
    }
    y += 3 * 12 + 10;
  }
  latency += "</svg>";
  return absl::StrCat("<h2>", Describe(header), "</h2><h3>Throughput (records/s)</h3>",
                      throughput, "<h3>Latency from emission to sink</h3>", latency,
                      "<h3>Latency distribution (log scale; solid: worker pool or handoff, "
                      "dashed: pipeline, dotted: actors)</h3>",
                      FormatLatencyDistribution(rows, color),
                      "<h3>Table</h3><pre>", FormatTable(header, results), "</pre>\n");
}

std::string FormatHtmlDocument(const std::string& sections) {
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>troupe pattern comparison"
      "</title><style>body{font-family:sans-serif;margin:2em;max-width:60em}pre{background:"
      "#f4f4f4;padding:1em;overflow-x:auto}</style></head><body><h1>Pattern comparison</h1>"
      "<p>Blue: troupe. Green: Go. Orange: Boost.Fiber. Grey: plain threads: the ceiling "
      "(no queues) and the handoff bound (lock-free spinning rings from one source "
      "thread).</p>",
      sections, "</body></html>\n");
}

std::string FormatChromeTrace(const std::vector<std::pair<std::string, Trace>>& traces) {
  std::string out = "{\"traceEvents\": [\n";
  bool first = true;
  auto separator = [&] {
    if (!first) out += ",\n";
    first = false;
  };
  int64_t origin = 0;
  for (const auto& [design, trace] : traces) {
    for (const TraceSlice& slice : trace.slices) {
      if (origin == 0 || slice.start_ns < origin) origin = slice.start_ns;
    }
  }
  for (std::size_t pid = 0; pid < traces.size(); ++pid) {
    const auto& [design, trace] = traces[pid];
    separator();
    absl::StrAppendFormat(&out,
                          "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, "
                          "\"args\": {\"name\": \"%s (troupe)%s\"}}",
                          pid, design,
                          trace.dropped > 0 ? absl::StrCat(", ", trace.dropped, " slices dropped") : "");
    for (const TraceSlice& slice : trace.slices) {
      separator();
      absl::StrAppendFormat(&out,
                            "{\"name\": \"fiber %d\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, "
                            "\"ts\": %.3f, \"dur\": %.3f}",
                            slice.fiber, pid, slice.thread, (slice.start_ns - origin) / 1000.0,
                            (slice.end_ns - slice.start_ns) / 1000.0);
    }
  }
  out += "\n]}\n";
  return out;
}

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
  // Optional (older peer programs do not print it); if present, complete.
  result->latency_quantiles_us.clear();
  if (std::size_t at = line.find("\"latency_quantiles_us\":"); at != std::string::npos) {
    const std::size_t open = line.find('[', at);
    const std::size_t close = line.find(']', at);
    if (open == std::string::npos || close == std::string::npos || close < open) return false;
    for (absl::string_view item :
         absl::StrSplit(absl::string_view(line).substr(open + 1, close - open - 1), ',',
                        absl::SkipWhitespace())) {
      double value = 0;
      if (!absl::SimpleAtod(item, &value)) return false;
      result->latency_quantiles_us.push_back(value);
    }
    if (result->latency_quantiles_us.size() != kLatencyQuantileCount) return false;
  }
  const std::string checksum = value_of("checksum");
  if (checksum.size() < 3) return false;
  result->checksum = std::strtoull(checksum.c_str() + 2, nullptr, 16);
  return true;
}

}  // namespace troupe::benchmarks
