#include "troupe/benchmarks/compare/compare_verdict.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "troupe/benchmarks/compare/compare_summary.h"

namespace troupe::benchmarks {
namespace {

Standing StandingOf(std::string design, const std::vector<double>& values) {
  Standing s;
  s.design = std::move(design);
  s.runs = static_cast<int>(values.size());
  if (values.empty()) return s;
  s.median = Median(values);
  s.low = *std::min_element(values.begin(), values.end());
  s.high = *std::max_element(values.begin(), values.end());
  return s;
}

bool HigherIsBetter(Criterion c) { return c == Criterion::kThroughput; }

// The figure a criterion judges, or NaN if the row has none.
double FigureOf(Criterion c, const DesignResult& r) {
  switch (c) {
    case Criterion::kThroughput:
      return r.throughput_rps;
    case Criterion::kP99:
      return r.p99_us;
    case Criterion::kMemory:
      return static_cast<double>(r.memory_kb()) / 1024;
    case Criterion::kMemoryGrowth:
      return r.rss_growth_kb_per_min / 1024;
  }
  return std::nan("");
}

// troupe's designs in the order of their first appearance.
std::vector<std::string> TroupeDesigns(const std::vector<std::vector<DesignResult>>& runs) {
  std::vector<std::string> designs;
  for (const auto& run : runs) {
    for (const DesignResult& r : run) {
      if (r.runtime == "troupe" && r.error.empty() &&
          std::find(designs.begin(), designs.end(), r.design) == designs.end()) {
        designs.push_back(r.design);
      }
    }
  }
  return designs;
}

Verdict JudgeCriterion(Criterion c, const std::vector<std::vector<DesignResult>>& runs,
                       const std::vector<std::string>& designs) {
  Verdict v;
  v.criterion = c;
  double shortest_window = -1;
  for (const std::string& design : designs) {
    std::vector<double> values;
    for (const auto& run : runs) {
      const DesignResult* r = FindResult(run, design, "troupe");
      if (r == nullptr) continue;
      const double value = FigureOf(c, *r);
      if (std::isnan(value)) continue;
      values.push_back(value);
      if (shortest_window < 0 || r->rss_window_s < shortest_window) {
        shortest_window = r->rss_window_s;
      }
    }
    if (!values.empty()) v.standings.push_back(StandingOf(design, values));
  }
  const bool higher = HigherIsBetter(c);
  std::stable_sort(v.standings.begin(), v.standings.end(),
                   [higher](const Standing& a, const Standing& b) {
                     return higher ? a.median > b.median : a.median < b.median;
                   });
  if (c == Criterion::kMemoryGrowth &&
      (v.standings.empty() || shortest_window < kGrowthMinimumSeconds)) {
    v.not_judged = absl::StrFormat(
        "runs shorter than %.0f s (growth fitted over %.1f s); a long --duration run measures it",
        kGrowthMinimumSeconds, std::max(0.0, shortest_window));
    return v;
  }
  if (v.standings.size() < 2) {
    v.not_judged = "fewer than two designs to compare";
    return v;
  }
  const Standing& best = v.standings[0];
  const Standing& next = v.standings[1];
  auto ratio = [](double a, double b) { return b > 0 ? a / b : (a > 0 ? INFINITY : 1.0); };
  v.factor = higher ? ratio(best.median, next.median) : ratio(next.median, best.median);
  const int run_count = std::min(best.runs, next.runs);
  if (run_count >= 2) {
    v.within_noise = higher ? best.low <= next.high : best.high >= next.low;
  } else {
    const double share = c == Criterion::kThroughput ? kSingleRunNoise.throughput
                         : c == Criterion::kP99      ? kSingleRunNoise.p99
                                                     : kSingleRunNoise.memory;
    v.within_noise = v.factor < 1 + share;
  }
  if (c == Criterion::kMemory && std::abs(next.median - best.median) < kMemoryFloorMiB) {
    v.within_noise = true;
  }
  if (c == Criterion::kMemoryGrowth &&
      std::abs(next.median - best.median) < kGrowthFloorMiBPerMinute) {
    v.within_noise = true;
  }
  return v;
}

std::string FigureText(Criterion c, double value) {
  switch (c) {
    case Criterion::kThroughput:
      return absl::StrFormat("%.0f records/s", value);
    case Criterion::kP99:
      return absl::StrFormat("%.0f us", value);
    case Criterion::kMemory:
      return absl::StrFormat("%.1f MiB", value);
    case Criterion::kMemoryGrowth:
      return absl::StrFormat("%.2f MiB/min", value);
  }
  return "";
}

std::string RangeText(Criterion c, const Standing& s) {
  if (s.runs < 2) return FigureText(c, s.median);
  return absl::StrCat(FigureText(c, s.median), " (", FigureText(c, s.low), " to ",
                      FigureText(c, s.high), ")");
}

}  // namespace

const char* CriterionName(Criterion criterion) {
  switch (criterion) {
    case Criterion::kThroughput:
      return "throughput";
    case Criterion::kP99:
      return "p99";
    case Criterion::kMemory:
      return "memory";
    case Criterion::kMemoryGrowth:
      return "memory growth";
  }
  return "";
}

Verdicts Judge(const std::vector<std::vector<DesignResult>>& runs) {
  Verdicts verdicts;
  verdicts.runs = static_cast<int>(runs.size());
  const std::vector<std::string> designs = TroupeDesigns(runs);
  for (Criterion c : {Criterion::kThroughput, Criterion::kP99, Criterion::kMemory,
                      Criterion::kMemoryGrowth}) {
    verdicts.criteria.push_back(JudgeCriterion(c, runs, designs));
  }
  for (const char* peer : {kGoRuntime, kBoostFiberRuntime}) {
    for (const std::string& design : designs) {
      std::vector<double> throughput, p99;
      for (const auto& run : runs) {
        const DesignResult* ours = FindResult(run, design, "troupe");
        const DesignResult* theirs = FindResult(run, design, peer);
        if (ours == nullptr || theirs == nullptr || theirs->throughput_rps <= 0) continue;
        throughput.push_back(ours->throughput_rps / theirs->throughput_rps);
        if (ours->p99_us > 0) p99.push_back(theirs->p99_us / ours->p99_us);
      }
      if (throughput.empty()) continue;
      PeerStanding s;
      s.design = design;
      s.runtime = peer;
      s.throughput_ratio = StandingOf(design, throughput);
      s.p99_ratio = StandingOf(design, p99);
      s.within_noise = throughput.size() >= 2
                           ? s.throughput_ratio.low <= 1 && s.throughput_ratio.high >= 1
                           : std::abs(s.throughput_ratio.median - 1) < kSingleRunNoise.throughput;
      verdicts.peers.push_back(std::move(s));
    }
  }
  for (const std::string& design : designs) {
    std::vector<double> shares;
    for (const auto& run : runs) {
      const DesignResult* ours = FindResult(run, design, "troupe");
      const DesignResult* bound = FindResult(run, "handoff", "threads");
      if (ours != nullptr && bound != nullptr && bound->throughput_rps > 0) {
        shares.push_back(ours->throughput_rps / bound->throughput_rps);
      }
    }
    if (!shares.empty()) verdicts.handoff_share.push_back(StandingOf(design, shares));
  }
  return verdicts;
}

std::string FormatVerdicts(const Verdicts& verdicts, const std::string& workload) {
  std::string out = absl::StrFormat(
      "\nVerdict for workload %s (%d run%s; %s):\n", workload, verdicts.runs,
      verdicts.runs == 1 ? "" : "s",
      verdicts.runs == 1
          ? absl::StrFormat("one run cannot measure the noise, so a lead under %.0f%% in "
                            "throughput, %.0f%% in p99 or %.0f%% in memory is called within "
                            "noise; --repeat=5 measures it",
                            100 * kSingleRunNoise.throughput, 100 * kSingleRunNoise.p99,
                            100 * kSingleRunNoise.memory)
          : std::string("medians, with the range over the runs; within noise: the ranges "
                        "overlap"));
  for (const Verdict& v : verdicts.criteria) {
    const std::string name = CriterionName(v.criterion);
    if (!v.not_judged.empty()) {
      absl::StrAppendFormat(&out, "  %-13s not judged: %s\n", name, v.not_judged);
      continue;
    }
    const Standing& best = v.standings[0];
    const Standing& next = v.standings[1];
    absl::StrAppendFormat(&out, "  %-13s %s wins: %s, %.2fx %s %s %s%s\n", name, best.design,
                          RangeText(v.criterion, best), v.factor,
                          HigherIsBetter(v.criterion) ? "ahead of" : "below", next.design,
                          RangeText(v.criterion, next), v.within_noise ? ": within noise" : "");
    std::vector<std::string> all;
    for (const Standing& s : v.standings) {
      all.push_back(absl::StrCat(s.design, " ", FigureText(v.criterion, s.median)));
    }
    absl::StrAppendFormat(&out, "  %-13s all: %s\n", "", absl::StrJoin(all, ", "));
  }
  for (const char* peer : {kGoRuntime, kBoostFiberRuntime}) {
    std::vector<std::string> parts;
    for (const PeerStanding& s : verdicts.peers) {
      if (s.runtime != peer) continue;
      parts.push_back(absl::StrFormat(
          "%s %.2fx%s (p99 %.2fx)", s.design, s.throughput_ratio.median,
          s.within_noise ? " within noise" : (s.throughput_ratio.median > 1 ? " ahead" : " BEHIND"),
          s.p99_ratio.median));
    }
    if (parts.empty()) continue;
    absl::StrAppendFormat(&out, "  against %s: throughput troupe/%s, p99 %s/troupe: %s\n",
                          peer, peer, peer, absl::StrJoin(parts, "; "));
  }
  if (!verdicts.handoff_share.empty()) {
    std::vector<std::string> parts;
    for (const Standing& s : verdicts.handoff_share) {
      parts.push_back(absl::StrFormat("%s %.1f%%%s", s.design, 100 * s.median,
                                      s.median < kHandoffTarget ? " (below)" : ""));
    }
    absl::StrAppendFormat(&out, "  against the handoff bound (target %.0f%%): %s\n",
                          100 * kHandoffTarget, absl::StrJoin(parts, ", "));
  }
  return out;
}

std::string VerdictsJson(const Verdicts& verdicts) {
  auto standing_json = [](const Standing& s) {
    return absl::StrFormat(
        "{\"design\": \"%s\", \"median\": %.6g, \"low\": %.6g, \"high\": %.6g, \"runs\": %d}",
        s.design, s.median, s.low, s.high, s.runs);
  };
  std::vector<std::string> criteria;
  for (const Verdict& v : verdicts.criteria) {
    std::vector<std::string> standings;
    for (const Standing& s : v.standings) standings.push_back(standing_json(s));
    criteria.push_back(absl::StrFormat(
        "{\"criterion\": \"%s\", \"winner\": \"%s\", \"factor\": %.4f, \"within_noise\": %s, "
        "\"not_judged\": \"%s\", \"standings\": [%s]}",
        CriterionName(v.criterion),
        v.not_judged.empty() && !v.standings.empty() ? v.standings[0].design : "", v.factor,
        v.within_noise ? "true" : "false", v.not_judged, absl::StrJoin(standings, ", ")));
  }
  std::vector<std::string> peers;
  for (const PeerStanding& s : verdicts.peers) {
    peers.push_back(absl::StrFormat(
        "{\"design\": \"%s\", \"runtime\": \"%s\", \"throughput_ratio\": %.4f, "
        "\"throughput_ratio_low\": %.4f, \"throughput_ratio_high\": %.4f, "
        "\"p99_ratio\": %.4f, \"within_noise\": %s}",
        s.design, s.runtime, s.throughput_ratio.median, s.throughput_ratio.low,
        s.throughput_ratio.high, s.p99_ratio.median, s.within_noise ? "true" : "false"));
  }
  std::vector<std::string> handoff;
  for (const Standing& s : verdicts.handoff_share) handoff.push_back(standing_json(s));
  return absl::StrFormat(
      "{\"runs\": %d, \"criteria\": [%s], \"peers\": [%s], \"handoff_share\": [%s], "
      "\"handoff_target\": %.2f}",
      verdicts.runs, absl::StrJoin(criteria, ", "), absl::StrJoin(peers, ", "),
      absl::StrJoin(handoff, ", "), kHandoffTarget);
}

}  // namespace troupe::benchmarks
