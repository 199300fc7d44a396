// Prometheus' text exposition format, version 0.0.4: what a /metrics page serves
// (with kTextContentType).
//
//   # HELP <name> <help, with \ and newline escaped>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value, with \ " and newline escaped>",...} <value>
//   <name>_bucket{...,le="<bound>"} <cumulative count>   ... le="+Inf" == _count
//   <name>_sum{...} <sum>
//   <name>_count{...} <count>
//
// Values print exactly when they are integers below 2^53, otherwise in the shortest
// form that reads back to the same double; infinities and NaN as +Inf, -Inf, NaN.
#ifndef TROUPE_METRICS_TEXT_FORMAT_H_
#define TROUPE_METRICS_TEXT_FORMAT_H_

#include <string>
#include <vector>

#include "troupe/metrics/snapshot.h"

namespace troupe::metrics {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Names and label names must be valid (the registry checks them when registered).
std::string RenderText(const std::vector<MetricFamily>& families);

// One value as the format writes it.
std::string FormatValue(double value);

}  // namespace troupe::metrics

#endif  // TROUPE_METRICS_TEXT_FORMAT_H_
