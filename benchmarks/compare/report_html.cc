// The pattern comparison's HTML report (compare_report.h): self-contained, SVG charts
// drawn here, no scripts.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/compare_workload.h"
#include "troupe/benchmarks/compare/svg_chart.h"

namespace troupe::benchmarks {

const char* RuntimeColor(const std::string& runtime) {
  if (runtime == "troupe") return "#2b7bb9";
  if (runtime == kGoRuntime) return "#7fb800";
  if (runtime == kBoostFiberRuntime) return "#e08a00";
  return "#999999";
}

// The design's base name sets the dashes; a variant (".../block", ".../global") gets
// the base's pattern with longer gaps.
const char* DesignDashes(const std::string& design) {
  const bool variant = design.find('/') != std::string::npos &&
                       design != "worker_pool/sharded";
  if (design.rfind("pipeline", 0) == 0) return variant ? "7,9" : "7,4";
  if (design.rfind("actors", 0) == 0) return variant ? "2,7" : "2,3";
  return variant ? "12,4,2,4" : "none";  // worker pools, handoff
}

std::string EscapeHtml(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string SeriesLabel(const DesignResult& r) { return r.design + " (" + r.runtime + ")"; }

// Latency distribution: one line per row over kLatencyQuantiles and the maximum, on a
// logarithmic latency axis, so tails that differ by orders of magnitude stay visible.
std::string FormatLatencyDistribution(const std::vector<const DesignResult*>& rows) {
  ChartSpec spec;
  spec.log_y = true;
  spec.y_label = LatencyLabel;
  for (std::size_t i = 0; i <= kLatencyQuantileCount; ++i) {  // the quantiles, then max
    spec.x_ticks.push_back({static_cast<double>(i),
                            i == kLatencyQuantileCount
                                ? std::string("max")
                                : absl::StrFormat("p%g", 100 * kLatencyQuantiles[i])});
  }
  std::vector<ChartSeries> series;
  for (const DesignResult* r : rows) {
    if (r->latency_quantiles_us.size() != kLatencyQuantileCount) continue;
    ChartSeries s{SeriesLabel(*r), RuntimeColor(r->runtime), DesignDashes(r->design), {}};
    for (std::size_t i = 0; i < kLatencyQuantileCount; ++i) {
      s.points.emplace_back(static_cast<double>(i), r->latency_quantiles_us[i]);
    }
    s.points.emplace_back(static_cast<double>(kLatencyQuantileCount), r->max_us);
    series.push_back(std::move(s));
  }
  if (series.empty()) return "<p>No latency distribution was reported.</p>";
  return DrawLineChart(spec, series);
}

// Memory over time: each row's sampled RSS (MiB) against the seconds since its start.
std::string FormatRssChart(const std::vector<const DesignResult*>& rows) {
  std::vector<ChartSeries> series;
  double max_s = 0;
  for (const DesignResult* r : rows) {
    if (r->rss_series.size() < 2) continue;
    ChartSeries s{SeriesLabel(*r), RuntimeColor(r->runtime), DesignDashes(r->design), {}};
    for (const RssPoint& p : r->rss_series) {
      s.points.emplace_back(p.seconds, p.mib);
      max_s = std::max(max_s, p.seconds);
    }
    series.push_back(std::move(s));
  }
  if (series.empty() || max_s <= 0) return "";
  ChartSpec spec;
  spec.y_label = [](double mib) { return absl::StrFormat("%.1f", mib); };
  for (int q = 0; q <= 4; ++q) {
    spec.x_ticks.push_back({max_s * q / 4, absl::StrFormat("%.2f s", max_s * q / 4)});
  }
  return "<h3>Memory over time (RSS, MiB, against seconds since the design started)</h3>" +
         DrawLineChart(spec, series);
}

// With --profile: each troupe design's CPU flame graph and, under it, its block
// flame graph (where its fibers waited, weighted by the delay), so the table's
// differences come with where each design spent its time and where it waited.
std::string FormatFlameGraphs(const std::vector<const DesignResult*>& rows) {
  std::string graphs;
  for (const DesignResult* r : rows) {
    if (r->cpu_flame_graph_svg.empty()) continue;
    absl::StrAppend(&graphs, "<details><summary>", EscapeHtml(r->design), " (",
                    EscapeHtml(r->cpu_profile_path), ")</summary>", r->cpu_flame_graph_svg);
    if (!r->block_flame_graph_svg.empty()) {
      absl::StrAppend(&graphs, "<p>Where its fibers waited (block profile, by delay: <code>",
                      EscapeHtml(r->block_profile_path), "</code>)</p>",
                      r->block_flame_graph_svg);
    }
    graphs += "</details>\n";
  }
  if (graphs.empty()) return "";
  return "<h3>Where each troupe design spends its CPU, and where its fibers wait (flame "
         "graphs of the CPU and block profiles: blue is troupe's runtime, warm colours the "
         "work; the pprof files open in <code>go tool pprof</code>)</h3>" +
         graphs;
}

}  // namespace

std::string FormatHtmlSection(const ReportHeader& header, const std::vector<DesignResult>& results,
                              const std::string& verdict_text) {
  std::vector<const DesignResult*> rows;
  for (const DesignResult& r : results) {
    if (r.error.empty()) rows.push_back(&r);
  }
  double max_rps = 1, max_latency = 1;
  for (const DesignResult* r : rows) {
    max_rps = std::max(max_rps, r->throughput_rps);
    if (r->design != "ceiling") max_latency = std::max(max_latency, r->p99_us);
  }
  const int bar_height = 22;
  const int label_width = 230;
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
                          y + 15, r.design, r.runtime, label_width, y, width, bar_height, RuntimeColor(r.runtime),
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
                            label_width, y + k * 12, width, RuntimeColor(r->runtime), opacity[k],
                            label_width + width + 5, y + k * 12 + 9, names[k], values[k]);
    }
    y += 3 * 12 + 10;
  }
  latency += "</svg>";
  return absl::StrCat(
      "<h2>", EscapeHtml(DescribeRun(header)), "</h2><p>", EscapeHtml(header.description),
      "</p>",
      verdict_text.empty() ? "" : absl::StrCat("<h3>Verdict</h3><pre>", EscapeHtml(verdict_text),
                                               "</pre>"),
      "<h3>Throughput (records/s)</h3>", throughput, "<h3>Latency from emission to sink</h3>",
      latency,
      "<h3>Latency distribution (log scale; solid: worker pool or handoff, dashed: pipeline, "
      "dotted: actors)</h3>",
      FormatLatencyDistribution(rows), FormatRssChart(rows), FormatFlameGraphs(rows),
      "<h3>Table</h3><pre>", EscapeHtml(FormatTable(header, results)), "</pre>\n");
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

}  // namespace troupe::benchmarks
