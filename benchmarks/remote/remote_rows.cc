#include "troupe/benchmarks/remote/remote_rows.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "troupe/benchmarks/common/median.h"

namespace troupe::remote_bench {
namespace {

using benchmarks::Median;

std::string JsonNumber(const std::optional<double>& value) {
  return value.has_value() ? absl::StrFormat("%.2f", *value) : "null";
}

std::string TableNumber(const std::optional<double>& value) {
  return value.has_value() ? absl::StrFormat("%.1f", *value) : "-";
}

// A ratio of two rows' figures per run; its median and range, and whether the
// median meets the target.
struct Ratio {
  const char* label;
  const char* benchmark;
  const char* numerator_runtime;
  const char* denominator_runtime;
  double (*figure)(const RemoteRow& numerator, const RemoteRow& denominator);
  const char* target;
  bool (*met)(double median);
};

std::string FormatRatio(const Ratio& ratio, const std::vector<RemoteRun>& runs) {
  std::vector<double> values;
  for (const RemoteRun& run : runs) {
    const RemoteRow* numerator = FindRow(run, ratio.benchmark, ratio.numerator_runtime);
    const RemoteRow* denominator = FindRow(run, ratio.benchmark, ratio.denominator_runtime);
    if (numerator == nullptr || denominator == nullptr) continue;
    const double value = ratio.figure(*numerator, *denominator);
    if (value > 0) values.push_back(value);
  }
  if (values.empty()) return "";
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  const double median = Median(values);
  return absl::StrFormat("  %-50s %6.2f (%.2f-%.2f over %d runs)  target %s: %s\n", ratio.label,
                         median, *low, *high, values.size(), ratio.target,
                         ratio.met(median) ? "met" : "MISSED");
}

double P50Ratio(const RemoteRow& a, const RemoteRow& b) {
  return a.p50_us.has_value() && b.p50_us.has_value() && *b.p50_us > 0 ? *a.p50_us / *b.p50_us
                                                                       : 0;
}
double P99Ratio(const RemoteRow& a, const RemoteRow& b) {
  return a.p99_us.has_value() && b.p99_us.has_value() && *b.p99_us > 0 ? *a.p99_us / *b.p99_us
                                                                       : 0;
}
// The mean latency's ratio: the inverse of the rates'.
double MeanLatencyRatio(const RemoteRow& a, const RemoteRow& b) {
  return a.ops_per_s > 0 ? b.ops_per_s / a.ops_per_s : 0;
}
double RateRatio(const RemoteRow& a, const RemoteRow& b) {
  return b.ops_per_s > 0 ? a.ops_per_s / b.ops_per_s : 0;
}
bool AtMostOneAndHalf(double median) { return median <= 1.5; }
bool AtLeastEightyPercent(double median) { return median >= 0.8; }
bool Faster(double median) { return median > 1.0; }
bool FasterLatency(double median) { return median < 1.0; }

constexpr Ratio kRatios[] = {
    {"pingpong p50 latency, troupe / nats.c", "pingpong", "troupe", "nats.c", &P50Ratio,
     "<= 1.5", &AtMostOneAndHalf},
    {"pingpong p99 latency, troupe / nats.c", "pingpong", "troupe", "nats.c", &P99Ratio,
     "<= 1.5", &AtMostOneAndHalf},
    {"pingpong mean latency, troupe / nats.c", "pingpong", "troupe", "nats.c", &MeanLatencyRatio,
     "<= 1.5", &AtMostOneAndHalf},
    {"fanin rate, troupe / nats.c publish", "fanin", "troupe", "nats.c", &RateRatio, ">= 0.80",
     &AtLeastEightyPercent},
    {"fanin rate, troupe / nats.c publish with protobuf", "fanin", "troupe", "nats.c+protobuf",
     &RateRatio, ">= 0.80 (proposed)", &AtLeastEightyPercent},
    {"pingpong rate, troupe / caf", "pingpong", "troupe", "caf", &RateRatio, "> 1", &Faster},
    {"pingpong p50 latency, troupe / caf", "pingpong", "troupe", "caf", &P50Ratio, "< 1",
     &FasterLatency},
    {"fanin rate, troupe / caf", "fanin", "troupe", "caf", &RateRatio, "> 1", &Faster},
};

}  // namespace

const RemoteRow* FindRow(const RemoteRun& run, absl::string_view benchmark,
                         absl::string_view runtime) {
  for (const RemoteRow& row : run) {
    if (row.benchmark == benchmark && row.runtime == runtime) return &row;
  }
  return nullptr;
}

RemoteRun MedianRows(const std::vector<RemoteRun>& runs) {
  RemoteRun medians;
  for (const RemoteRun& run : runs) {
    for (const RemoteRow& row : run) {
      if (FindRow(medians, row.benchmark, row.runtime) != nullptr) continue;
      std::vector<double> rates, p50s, p99s, dropped;
      bool latencies = true;
      for (const RemoteRun& other : runs) {
        const RemoteRow* same = FindRow(other, row.benchmark, row.runtime);
        if (same == nullptr) continue;
        rates.push_back(same->ops_per_s);
        dropped.push_back(static_cast<double>(same->dropped));
        latencies = latencies && same->p50_us.has_value() && same->p99_us.has_value();
        if (latencies) {
          p50s.push_back(*same->p50_us);
          p99s.push_back(*same->p99_us);
        }
      }
      medians.push_back(RemoteRow{
          row.benchmark, row.runtime, Median(rates),
          latencies ? std::optional<double>(Median(p50s)) : std::nullopt,
          latencies ? std::optional<double>(Median(p99s)) : std::nullopt,
          static_cast<int64_t>(Median(dropped))});
    }
  }
  return medians;
}

std::string RowsJson(const RemoteRun& rows) {
  std::string json = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const RemoteRow& row = rows[i];
    absl::StrAppend(&json, i == 0 ? "\n" : ",\n",
                    absl::StrFormat("  {\"benchmark\": \"%s\", \"runtime\": \"%s\", "
                                    "\"ops_per_s\": %.1f, \"p50_us\": %s, \"p99_us\": %s}",
                                    row.benchmark, row.runtime, row.ops_per_s,
                                    JsonNumber(row.p50_us), JsonNumber(row.p99_us)));
  }
  absl::StrAppend(&json, "\n]\n");
  return json;
}

std::string RowsTable(const RemoteRun& rows) {
  std::string table = absl::StrFormat("%-24s %-15s %14s %10s %10s %10s\n", "benchmark", "runtime",
                                      "ops/s", "p50 us", "p99 us", "dropped");
  for (const RemoteRow& row : rows) {
    absl::StrAppend(&table, absl::StrFormat("%-24s %-15s %14.1f %10s %10s %10d\n", row.benchmark,
                                            row.runtime, row.ops_per_s, TableNumber(row.p50_us),
                                            TableNumber(row.p99_us), row.dropped));
  }
  return table;
}

std::string RatioSummary(const std::vector<RemoteRun>& runs) {
  std::string summary = "Same-run ratios (median and range over runs):\n";
  for (const Ratio& ratio : kRatios) absl::StrAppend(&summary, FormatRatio(ratio, runs));
  return summary;
}

absl::StatusOr<RemoteRun> ParsePeerRows(absl::string_view output, absl::string_view runtime) {
  RemoteRun rows;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipWhitespace())) {
    RemoteRow row;
    row.runtime = std::string(runtime);
    bool has_rate = false;
    for (absl::string_view field : absl::StrSplit(line, ' ', absl::SkipWhitespace())) {
      const std::pair<absl::string_view, absl::string_view> key_value =
          absl::StrSplit(field, absl::MaxSplits('=', 1));
      const auto& [key, value] = key_value;
      double number = 0;
      const bool numeric = absl::SimpleAtod(value, &number) && number >= 0;
      if (key == "benchmark" && !value.empty()) {
        row.benchmark = std::string(value);
      } else if (key == "ops_per_s" && numeric) {
        row.ops_per_s = number;
        has_rate = true;
      } else if (key == "p50_us" && numeric) {
        row.p50_us = number;
      } else if (key == "p99_us" && numeric) {
        row.p99_us = number;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "a ", runtime, " peer's line must be \"benchmark=NAME ops_per_s=N [p50_us=N p99_us=N]\"; got \"",
            line, "\""));
      }
    }
    if (row.benchmark.empty() || !has_rate) {
      return absl::InvalidArgumentError(absl::StrCat("a ", runtime,
                                                     " peer's line needs benchmark= and "
                                                     "ops_per_s=; got \"",
                                                     line, "\""));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace troupe::remote_bench
