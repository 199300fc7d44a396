// The report's line charts (report_html.cc, load_curves.cc): series of points on a
// linear x axis and a linear or logarithmic y axis, with a legend, as inline SVG.
#ifndef TROUPE_BENCHMARKS_COMPARE_SVG_CHART_H_
#define TROUPE_BENCHMARKS_COMPARE_SVG_CHART_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace troupe::benchmarks {

struct ChartSeries {
  std::string label;
  std::string color;
  std::string dashes;  // stroke-dasharray, "none" for a solid line
  std::vector<std::pair<double, double>> points;  // (x, y)
  bool dots = false;   // also mark each point
};

struct ChartTick {
  double value;
  std::string label;
};

struct ChartSpec {
  // The x axis runs from the first tick's value to the last's.
  std::vector<ChartTick> x_ticks;
  // Logarithmic y: the decades that span the data (values below 0.1 count as 0.1);
  // linear y: from 0 to the largest value, in quarters.
  bool log_y = false;
  std::function<std::string(double)> y_label;
};

std::string DrawLineChart(const ChartSpec& spec, const std::vector<ChartSeries>& series);

// A latency in µs as an axis label: "10 us", "2 ms".
std::string LatencyLabel(double us);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_SVG_CHART_H_
