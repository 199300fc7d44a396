#include "troupe/benchmarks/compare/compare_summary.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace troupe::benchmarks {

namespace {

std::string MedianAndRange(const std::vector<double>& values, const char* format) {
  if (values.empty()) return "-";
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return absl::StrCat(absl::StrFormat(format, Median(values)), " (",
                      absl::StrFormat(format, *low), "-", absl::StrFormat(format, *high), ")");
}

struct Samples {
  std::vector<double> throughput, of_ceiling, p50, p95, p99, vs_go, vs_boost_fiber;
  int p99_at_most_go = 0;  // same-state pairs with Go (as many as vs_go) where troupe's p99 <= Go's
};

}  // namespace

std::string FormatRepeatSummary(const std::vector<std::vector<DesignResult>>& runs) {
  double fastest = -1;
  for (const auto& run : runs) {
    for (const DesignResult& r : run) {
      if (r.core_transfer_ns >= 0 && (fastest < 0 || r.core_transfer_ns < fastest)) {
        fastest = r.core_transfer_ns;
      }
    }
  }
  // 0 near, 1 far, 2 unknown (no probe: one CPU).
  auto state = [&](const DesignResult& r) {
    if (fastest < 0 || r.core_transfer_ns < 0) return 2;
    return r.core_transfer_ns <= kFarFactor * fastest ? 0 : 1;
  };
  constexpr const char* kStateNames[] = {"near", "far", "all"};
  // (state, order of first appearance, design, runtime) -> samples; the order keeps
  // the rows as the runs print them.
  std::map<std::tuple<int, int, std::string, std::string>, Samples> rows;
  std::map<std::pair<std::string, std::string>, int> order;
  for (const auto& run : runs) {
    const DesignResult* ceiling = FindResult(run, "ceiling", "threads");
    for (const DesignResult& r : run) {
      if (!r.error.empty()) continue;
      const int position = order.emplace(std::make_pair(r.design, r.runtime),
                                         static_cast<int>(order.size())).first->second;
      Samples& s = rows[{state(r), position, r.design, r.runtime}];
      s.throughput.push_back(r.throughput_rps);
      if (ceiling != nullptr && &r != ceiling) {
        s.of_ceiling.push_back(100.0 * r.throughput_rps / ceiling->throughput_rps);
      }
      if (r.design != "ceiling") {
        s.p50.push_back(r.p50_us);
        s.p95.push_back(r.p95_us);
        s.p99.push_back(r.p99_us);
      }
      if (r.runtime == "troupe") {
        const DesignResult* go = FindResult(run, r.design, kGoRuntime);
        if (go != nullptr && state(*go) == state(r)) {
          s.vs_go.push_back(r.throughput_rps / go->throughput_rps);
          if (r.p99_us <= go->p99_us) ++s.p99_at_most_go;
        }
        const DesignResult* fiber = FindResult(run, r.design, kBoostFiberRuntime);
        if (fiber != nullptr && state(*fiber) == state(r)) {
          s.vs_boost_fiber.push_back(r.throughput_rps / fiber->throughput_rps);
        }
      }
    }
  }
  const std::string states =
      fastest < 0 ? std::string("no transfer probes (one CPU): one state, all")
                  : absl::StrFormat("near: a row whose transfer probe was at most %.0fx the "
                                    "fastest of all runs (%.0f ns); far: above",
                                    kFarFactor, fastest);
  std::string out = absl::StrFormat(
      "\nSummary of %d runs: medians (range) over the rows of each state. %s.\n"
      "vs Go, p99<=Go, vs Boost: over the runs in which troupe's row and the peer's were in "
      "the same state\n(p99<=Go: in how many of them troupe's p99 was at most Go's; vs "
      "Boost: troupe over Boost.Fiber).\n\n",
      static_cast<int>(runs.size()), states);
  int width = 12;  // the design column: wider for longer names
  for (const auto& [key, s] : rows) width = std::max(width, static_cast<int>(std::get<2>(key).size()));
  absl::StrAppendFormat(&out, "%-5s %-*s %-11s %5s %10s %20s %8s %8s %8s %22s %9s %22s\n",
                        "state", width, "design", "runtime", "rows", "records/s", "%ceiling", "p50 us",
                        "p95 us", "p99 us", "vs Go", "p99<=Go", "vs Boost");
  auto ratios = [](const std::vector<double>& values) {
    return values.empty() ? std::string("-")
                          : absl::StrCat(MedianAndRange(values, "%.2f"), " n=", values.size());
  };
  for (const auto& [key, s] : rows) {
    const auto& [row_state, position, design, runtime] = key;
    const bool latency = !s.p50.empty();
    absl::StrAppendFormat(
        &out, "%-5s %-*s %-11s %5d %10.0f %20s %8s %8s %8s %22s %9s %22s\n",
        kStateNames[row_state], width, design, runtime,
        static_cast<int>(s.throughput.size()), Median(s.throughput),
        MedianAndRange(s.of_ceiling, "%.1f"),
        latency ? absl::StrFormat("%.0f", Median(s.p50)) : "-",
        latency ? absl::StrFormat("%.0f", Median(s.p95)) : "-",
        latency ? absl::StrFormat("%.0f", Median(s.p99)) : "-",
        ratios(s.vs_go),
        s.vs_go.empty() ? std::string("-")
                        : absl::StrCat(s.p99_at_most_go, "/", s.vs_go.size()),
        ratios(s.vs_boost_fiber));
  }
  return out;
}

}  // namespace troupe::benchmarks
