// Median: the figure every benchmark of troupe reports over repeated runs.
#ifndef TROUPE_BENCHMARKS_COMMON_MEDIAN_H_
#define TROUPE_BENCHMARKS_COMMON_MEDIAN_H_

#include <algorithm>
#include <cstddef>
#include <vector>

namespace troupe::benchmarks {

// The median of `values` (not empty): the middle one, or the mean of the two middle
// ones.
inline double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMMON_MEDIAN_H_
