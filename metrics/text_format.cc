#include "troupe/metrics/text_format.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace troupe::metrics {

namespace {

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline; label values also the double quote.
void AppendEscaped(std::string* out, absl::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (quote && c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// {a="x",b="y"} from `labels` and an optional extra one (a bucket's le); nothing if
// there are none.
void AppendLabels(std::string* out, const Labels& labels, const Label* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return;
  out->push_back('{');
  bool first = true;
  auto append = [&](const Label& label) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, label.name, "=\"");
    AppendEscaped(out, label.value, /*quote=*/true);
    out->push_back('"');
  };
  for (const Label& label : labels) append(label);
  if (extra != nullptr) append(*extra);
  out->push_back('}');
}

void AppendSeries(std::string* out, absl::string_view name, const Labels& labels, double value,
                  const Label* extra = nullptr) {
  out->append(name.data(), name.size());
  AppendLabels(out, labels, extra);
  absl::StrAppend(out, " ", FormatValue(value), "\n");
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExact) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  std::string shortest = absl::StrFormat("%.15g", value);
  if (std::strtod(shortest.c_str(), nullptr) == value) return shortest;
  return absl::StrFormat("%.17g", value);
}

std::string RenderText(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    absl::StrAppend(&out, "# HELP ", family.name, " ");
    AppendEscaped(&out, family.help, /*quote=*/false);
    absl::StrAppend(&out, "\n# TYPE ", family.name, " ", TypeName(family.type), "\n");
    for (const Sample& sample : family.samples) {
      if (family.type != MetricType::kHistogram) {
        AppendSeries(&out, family.name, sample.labels, sample.value);
        continue;
      }
      const HistogramValue& histogram = sample.histogram;
      const std::string bucket = absl::StrCat(family.name, "_bucket");
      for (std::size_t i = 0; i < histogram.cumulative_counts.size(); ++i) {
        const Label le{"le", i < histogram.bounds.size() ? FormatValue(histogram.bounds[i])
                                                         : std::string("+Inf")};
        AppendSeries(&out, bucket, sample.labels,
                     static_cast<double>(histogram.cumulative_counts[i]), &le);
      }
      AppendSeries(&out, absl::StrCat(family.name, "_sum"), sample.labels, histogram.sum);
      AppendSeries(&out, absl::StrCat(family.name, "_count"), sample.labels,
                   static_cast<double>(histogram.count));
    }
  }
  return out;
}

}  // namespace troupe::metrics
