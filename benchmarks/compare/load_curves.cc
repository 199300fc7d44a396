#include "troupe/benchmarks/compare/load_curves.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "troupe/benchmarks/compare/compare_report.h"

namespace troupe::benchmarks {
namespace {

// One chart: `latency(point)` (log scale) against the achieved throughput (linear).
std::string LatencyChart(const std::vector<LoadCurve>& curves, const char* title,
                         double (*latency)(const LoadPoint&)) {
  double max_rps = 1, low = 0, high = 1;
  for (const LoadCurve& c : curves) {
    for (const LoadPoint& p : c.points) {
      max_rps = std::max(max_rps, p.achieved_rps);
      const double us = std::max(latency(p), 0.1);
      low = low == 0 ? us : std::min(low, us);
      high = std::max(high, us);
    }
  }
  const int decade_low = static_cast<int>(std::floor(std::log10(std::max(low, 0.1))));
  const int decade_high = std::max(decade_low + 1, static_cast<int>(std::ceil(std::log10(high))));
  const int left = 70, top = 10, width = 560, height = 260, legend_row = 16;
  auto x_of = [&](double rps) { return left + static_cast<int>(width * rps / max_rps); };
  auto y_of = [&](double us) {
    const double decades = std::log10(std::max(us, 0.1)) - decade_low;
    return top + height - static_cast<int>(height * decades / (decade_high - decade_low));
  };
  std::string svg = absl::StrFormat(
      "<h3>%s against achieved throughput (log scale)</h3><svg width=\"%d\" height=\"%d\" "
      "xmlns=\"http://www.w3.org/2000/svg\" font-family=\"sans-serif\" font-size=\"12\">",
      title, left + width + 60, top + height + 40 + legend_row * static_cast<int>(curves.size()));
  for (int decade = decade_low; decade <= decade_high; ++decade) {
    const double us = std::pow(10.0, decade);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                          left, y_of(us), left + width, y_of(us), left - 6, y_of(us) + 4,
                          us >= 1000 ? absl::StrFormat("%.0f ms", us / 1000)
                                     : absl::StrFormat("%g us", us));
  }
  for (int tick = 0; tick <= 4; ++tick) {
    const double rps = max_rps * tick / 4;
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0fk/s</text>",
                          x_of(rps), top + height + 16, rps / 1000);
  }
  for (std::size_t k = 0; k < curves.size(); ++k) {
    const LoadCurve& c = curves[k];
    std::string path;
    for (const LoadPoint& p : c.points) {
      absl::StrAppendFormat(&path, "%s%d,%d", path.empty() ? "" : " ", x_of(p.achieved_rps),
                            y_of(latency(p)));
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                          "stroke-dasharray=\"%s\"/>",
                          path, RuntimeColor(c.runtime), DesignDashes(c.design));
    for (const LoadPoint& p : c.points) {
      absl::StrAppendFormat(&svg, "<circle cx=\"%d\" cy=\"%d\" r=\"2.5\" fill=\"%s\"/>",
                            x_of(p.achieved_rps), y_of(latency(p)), RuntimeColor(c.runtime));
    }
    const int y = top + height + 34 + legend_row * static_cast<int>(k);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                          "stroke-width=\"2\" stroke-dasharray=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s (%s)</text>",
                          left, y - 4, left + 30, y - 4, RuntimeColor(c.runtime),
                          DesignDashes(c.design), left + 38, y, c.design, c.runtime);
  }
  return svg + "</svg>";
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
