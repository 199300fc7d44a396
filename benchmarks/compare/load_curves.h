// Latency against offered load (--rate_sweep): for each design and runtime, the
// achieved throughput, p50 and p99 at each offered rate, as a table, an SVG chart of
// p50 and p99 against the achieved throughput (where a design saturates, its curve
// stops moving right and climbs), and JSON.
#ifndef TROUPE_BENCHMARKS_COMPARE_LOAD_CURVES_H_
#define TROUPE_BENCHMARKS_COMPARE_LOAD_CURVES_H_

#include <string>
#include <vector>

#include "troupe/benchmarks/compare/compare_designs.h"

namespace troupe::benchmarks {

// An achieved throughput below this share of the offered rate means saturated.
inline constexpr double kSaturatedShare = 0.95;

struct LoadPoint {
  double offered_rps = 0;
  double achieved_rps = 0;
  double p50_us = 0;
  double p99_us = 0;
};

struct LoadCurve {
  std::string design;
  std::string runtime;
  std::vector<LoadPoint> points;  // by offered rate
};

// The open-loop rows (offered_rps > 0, no error) of `runs`, one curve per design and
// runtime, in the order they first appear.
std::vector<LoadCurve> LoadCurves(const std::vector<std::vector<DesignResult>>& runs);

std::string FormatLoadCurves(const std::vector<LoadCurve>& curves);
std::string FormatLoadCurvesHtml(const std::vector<LoadCurve>& curves);
std::string LoadCurvesJson(const std::vector<LoadCurve>& curves);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_LOAD_CURVES_H_
