// The syntax of metric and label names (Prometheus' data model), checked when a
// metric is registered so that the exposition never has to.
#ifndef TROUPE_METRICS_INTERNAL_NAMES_H_
#define TROUPE_METRICS_INTERNAL_NAMES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace troupe::metrics_internal {

// [a-zA-Z_:][a-zA-Z0-9_:]*; InvalidArgument naming the metric otherwise.
absl::Status CheckMetricName(absl::string_view name);
// [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved), and not "le" (taken by
// histogram buckets) when `for_histogram`; each name once.
absl::Status CheckLabelNames(absl::string_view metric, const std::vector<std::string>& names,
                             bool for_histogram);

}  // namespace troupe::metrics_internal

#endif  // TROUPE_METRICS_INTERNAL_NAMES_H_
