// The summary of repeated runs of the pattern comparison (`--repeat=N`): medians per
// design and runtime, split by the machine's state while each row ran.
//
// On a shared VM a single run says little: throughput moves by 10-30% between runs,
// and the core-to-core transfer time (core_transfer.h) can jump for tens of seconds,
// costing every design with queues about a quarter of its throughput while the
// ceiling does not move. So each row is classed by its own transfer probe: *near*
// if it is at most kFarFactor times the fastest probe of all the runs, *far*
// otherwise. Within a state, each figure is the median over the rows of that state,
// a row's share of the ceiling is taken against the ceiling of its own run, and
// troupe/Go and troupe/Boost.Fiber are medians over runs in which both rows of the
// pair were in the same state.
#ifndef TROUPE_BENCHMARKS_COMPARE_SUMMARY_H_
#define TROUPE_BENCHMARKS_COMPARE_SUMMARY_H_

#include <string>
#include <vector>

#include "troupe/benchmarks/common/median.h"
#include "troupe/benchmarks/compare/compare_designs.h"

namespace troupe::benchmarks {

inline constexpr double kFarFactor = 2.0;

// One element per run, each the rows CompareOnce returned.
std::string FormatRepeatSummary(const std::vector<std::vector<DesignResult>>& runs);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_SUMMARY_H_
