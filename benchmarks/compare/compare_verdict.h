// The verdict of a pattern comparison: which of troupe's designs wins for this
// workload on throughput, on p99 latency and on memory, how far ahead it is, and
// whether that lead is within the noise; how each design stands against its Go and
// Boost.Fiber twin, and against the handoff bound.
//
// Noise. With several runs (--repeat), each figure of a design is the median of its
// runs, and a lead is within noise when the two designs' ranges over the runs
// overlap (the winner's worst run is no better than the runner-up's best). With one
// run nothing measures the noise, so a lead under a fixed share counts as within it:
// kSingleRunNoise, from this machine's run-to-run spread (BENCHMARKS.md). Memory
// differences under kMemoryFloorMiB are always within noise (the allocator's and the
// sampler's granularity). Growth per minute is judged only when every run lasted at
// least kGrowthMinimumSeconds; shorter runs cannot tell a slope from a warm-up.
#ifndef TROUPE_BENCHMARKS_COMPARE_VERDICT_H_
#define TROUPE_BENCHMARKS_COMPARE_VERDICT_H_

#include <string>
#include <vector>

#include "troupe/benchmarks/compare/compare_designs.h"

namespace troupe::benchmarks {

enum class Criterion { kThroughput, kP99, kMemory, kMemoryGrowth };

struct SingleRunNoise {
  double throughput = 0.05;  // a lead under 5% is within noise
  double p99 = 0.25;
  double memory = 0.10;
};
inline constexpr SingleRunNoise kSingleRunNoise{};
inline constexpr double kMemoryFloorMiB = 1.0;
inline constexpr double kGrowthFloorMiBPerMinute = 1.0;
inline constexpr double kGrowthMinimumSeconds = 30.0;
// The throughput each troupe design should reach, as a share of the handoff bound
// measured in the same run (the default workload's target).
inline constexpr double kHandoffTarget = 0.95;

// A design's figure over the runs.
struct Standing {
  std::string design;
  double median = 0, low = 0, high = 0;
  int runs = 0;
};

struct Verdict {
  Criterion criterion;
  std::vector<Standing> standings;  // troupe's designs, best first
  // The runner-up's figure over the winner's (higher is better) or the winner's over
  // the runner-up's (lower is better): how far ahead the winner is; >= 1.
  double factor = 1;
  bool within_noise = false;
  std::string not_judged;  // why there is no verdict (too few designs, runs too short)
};

// troupe's design against the same design on a peer runtime, over the runs that have
// both rows: throughput troupe / peer, and p99 peer / troupe (above 1: troupe lower).
struct PeerStanding {
  std::string design;
  std::string runtime;
  Standing throughput_ratio;
  Standing p99_ratio;
  bool within_noise = false;  // the throughput ratio's
};

struct Verdicts {
  int runs = 0;
  std::vector<Verdict> criteria;
  std::vector<PeerStanding> peers;
  std::vector<Standing> handoff_share;  // troupe / handoff, per design
};

// `runs`: the rows of each run of one comparison (the same workload and parameters).
Verdicts Judge(const std::vector<std::vector<DesignResult>>& runs);

std::string FormatVerdicts(const Verdicts& verdicts, const std::string& workload);
std::string VerdictsJson(const Verdicts& verdicts);

const char* CriterionName(Criterion criterion);

}  // namespace troupe::benchmarks

#endif  // TROUPE_BENCHMARKS_COMPARE_VERDICT_H_
