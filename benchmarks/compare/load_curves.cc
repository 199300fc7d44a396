#include "troupe/benchmarks/compare/load_curves.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "troupe/benchmarks/compare/compare_report.h"
#include "troupe/benchmarks/compare/svg_chart.h"

namespace troupe::benchmarks {
namespace {

// One chart: `latency(point)` (log scale) against the achieved throughput (linear).
std::string LatencyChart(const std::vector<LoadCurve>& curves, const char* title,
                         double (*latency)(const LoadPoint&)) {
  double max_rps = 1;
  std::vector<ChartSeries> series;
  for (const LoadCurve& c : curves) {
    ChartSeries s{c.design + " (" + c.runtime + ")", RuntimeColor(c.runtime),
                  DesignDashes(c.design), {}, /*dots=*/true};
    for (const LoadPoint& p : c.points) {
      s.points.emplace_back(p.achieved_rps, latency(p));
      max_rps = std::max(max_rps, p.achieved_rps);
    }
    series.push_back(std::move(s));
  }
  ChartSpec spec;
  spec.log_y = true;
  spec.y_label = LatencyLabel;
  for (int q = 0; q <= 4; ++q) {
    spec.x_ticks.push_back({max_rps * q / 4, absl::StrFormat("%.0fk/s", max_rps * q / 4000)});
  }
  return absl::StrCat("<h3>", title, " against achieved throughput (log scale)</h3>",
                      DrawLineChart(spec, series));
}

}  // namespace

std::vector<LoadCurve> LoadCurves(const std::vector<std::vector<DesignResult>>& runs) {
  std::vector<LoadCurve> curves;
  for (const auto& run : runs) {
    for (const DesignResult& r : run) {
      if (r.offered_rps <= 0 || !r.error.empty() || r.design == "ceiling") continue;
      auto curve = std::find_if(curves.begin(), curves.end(), [&](const LoadCurve& c) {
        return c.design == r.design && c.runtime == r.runtime;
      });
      if (curve == curves.end()) {
        curves.push_back({r.design, r.runtime, {}});
        curve = curves.end() - 1;
      }
      curve->points.push_back({r.offered_rps, r.throughput_rps, r.p50_us, r.p99_us});
    }
  }
  for (LoadCurve& c : curves) {
    std::sort(c.points.begin(), c.points.end(),
              [](const LoadPoint& a, const LoadPoint& b) { return a.offered_rps < b.offered_rps; });
  }
  return curves;
}

std::string FormatLoadCurves(const std::vector<LoadCurve>& curves) {
  std::string out =
      "\nLatency against offered load (achieved records/s, p50 us, p99 us at each offered "
      "rate; * saturated: achieved below 95% of offered):\n";
  for (const LoadCurve& c : curves) {
    std::vector<std::string> cells;
    for (const LoadPoint& p : c.points) {
      cells.push_back(absl::StrFormat("%.0fk: %.0fk %.0f/%.0f%s", p.offered_rps / 1000,
                                      p.achieved_rps / 1000, p.p50_us, p.p99_us,
                                      p.achieved_rps < kSaturatedShare * p.offered_rps ? "*" : ""));
    }
    absl::StrAppendFormat(&out, "  %-20s %-11s %s\n", c.design, c.runtime,
                          absl::StrJoin(cells, "  "));
  }
  return out;
}

std::string FormatLoadCurvesHtml(const std::vector<LoadCurve>& curves) {
  if (curves.empty()) return "";
  return absl::StrCat(
      "<h2>Latency against offered load</h2><p>Each point is one open-loop run at an offered "
      "rate; a design that saturates stops moving right and climbs.</p>",
      LatencyChart(curves, "p50", [](const LoadPoint& p) { return p.p50_us; }),
      LatencyChart(curves, "p99", [](const LoadPoint& p) { return p.p99_us; }),
      "<pre>", EscapeHtml(FormatLoadCurves(curves)), "</pre>\n");
}

std::string LoadCurvesJson(const std::vector<LoadCurve>& curves) {
  std::vector<std::string> objects;
  for (const LoadCurve& c : curves) {
    std::vector<std::string> points;
    for (const LoadPoint& p : c.points) {
      points.push_back(absl::StrFormat(
          "{\"offered_rps\": %.1f, \"achieved_rps\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}",
          p.offered_rps, p.achieved_rps, p.p50_us, p.p99_us));
    }
    objects.push_back(absl::StrFormat("{\"design\": \"%s\", \"runtime\": \"%s\", \"points\": [%s]}",
                                      c.design, c.runtime, absl::StrJoin(points, ", ")));
  }
  return "[" + absl::StrJoin(objects, ", ") + "]";
}

}  // namespace troupe::benchmarks
