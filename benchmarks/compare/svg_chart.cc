#include "troupe/benchmarks/compare/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace troupe::benchmarks {

std::string LatencyLabel(double us) {
  return us >= 1000 ? absl::StrFormat("%.0f ms", us / 1000) : absl::StrFormat("%g us", us);
}

std::string DrawLineChart(const ChartSpec& spec, const std::vector<ChartSeries>& series) {
  const int left = 70, top = 10, width = 560, height = 260, legend_row = 16;
  const double x_low = spec.x_ticks.empty() ? 0 : spec.x_ticks.front().value;
  const double x_high = spec.x_ticks.empty() ? 1 : spec.x_ticks.back().value;
  double y_min = 0, y_max = 0;
  bool any = false;
  for (const ChartSeries& s : series) {
    for (const auto& [x, y] : s.points) {
      const double v = spec.log_y ? std::max(y, 0.1) : y;
      y_min = any ? std::min(y_min, v) : v;
      y_max = any ? std::max(y_max, v) : v;
      any = true;
    }
  }
  // The y axis: [y_low, y_high] in linear units or in decades.
  double y_low = 0, y_high = std::max(y_max, 1e-9);
  std::vector<double> y_ticks;
  if (spec.log_y) {
    y_low = std::floor(std::log10(std::max(y_min, 0.1)));
    y_high = std::max(y_low + 1, std::ceil(std::log10(std::max(y_max, 0.1))));
    for (double d = y_low; d <= y_high; ++d) y_ticks.push_back(std::pow(10.0, d));
  } else {
    for (int q = 0; q <= 4; ++q) y_ticks.push_back(y_high * q / 4);
  }
  auto x_of = [&](double x) {
    return left + static_cast<int>(width * (x - x_low) / std::max(x_high - x_low, 1e-9));
  };
  auto y_of = [&](double y) {
    const double at = spec.log_y ? std::log10(std::max(y, 0.1)) : y;
    return top + height - static_cast<int>(height * (at - y_low) / (y_high - y_low));
  };
  std::string svg = absl::StrFormat(
      "<svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
      "font-family=\"sans-serif\" font-size=\"12\">",
      left + width + 60, top + height + 40 + legend_row * static_cast<int>(series.size()));
  for (double y : y_ticks) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>"
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                          left, y_of(y), left + width, y_of(y), left - 6, y_of(y) + 4,
                          spec.y_label(y));
  }
  for (const ChartTick& tick : spec.x_ticks) {
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                          x_of(tick.value), top + height + 16, tick.label);
  }
  for (std::size_t k = 0; k < series.size(); ++k) {
    const ChartSeries& s = series[k];
    std::string path;
    for (const auto& [x, y] : s.points) {
      absl::StrAppendFormat(&path, "%s%d,%d", path.empty() ? "" : " ", x_of(x), y_of(y));
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                          "stroke-width=\"2\" stroke-dasharray=\"%s\"/>",
                          path, s.color, s.dashes);
    if (s.dots) {
      for (const auto& [x, y] : s.points) {
        absl::StrAppendFormat(&svg, "<circle cx=\"%d\" cy=\"%d\" r=\"2.5\" fill=\"%s\"/>",
                              x_of(x), y_of(y), s.color);
      }
    }
    const int y = top + height + 34 + legend_row * static_cast<int>(k);
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                          "stroke-width=\"2\" stroke-dasharray=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\">%s</text>",
                          left, y - 4, left + 30, y - 4, s.color, s.dashes, left + 38, y,
                          s.label);
  }
  return svg + "</svg>";
}

}  // namespace troupe::benchmarks
