#include "troupe/tests/metrics/prometheus_text_parser.h"

#include <cmath>
#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace troupe::metrics_test {

namespace {

bool IsMetricName(absl::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = absl::ascii_isalpha(c) || c == '_' || c == ':' ||
                    (i > 0 && absl::ascii_isdigit(c));
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(absl::string_view name) {
  return IsMetricName(name) && name.find(':') == absl::string_view::npos;
}

absl::StatusOr<double> ParseValue(absl::string_view text) {
  if (text == "+Inf" || text == "Inf") return INFINITY;
  if (text == "-Inf") return -INFINITY;
  if (text == "NaN") return NAN;
  double value;
  if (!absl::SimpleAtod(text, &value) || absl::StrContains(text, "inf") ||
      absl::StrContains(text, "nan")) {
    return absl::InvalidArgumentError(absl::StrCat("bad value \"", text, "\""));
  }
  return value;
}

// Parses `{a="x",b="y"}` at the front of `rest`, leaving what follows.
absl::Status ParseLabels(absl::string_view& rest, std::map<std::string, std::string>& labels) {
  rest.remove_prefix(1);  // {
  while (true) {
    if (!rest.empty() && rest[0] == '}') {
      rest.remove_prefix(1);
      return absl::OkStatus();
    }
    const std::size_t equals = rest.find('=');
    if (equals == absl::string_view::npos) return absl::InvalidArgumentError("label without =");
    const std::string name(rest.substr(0, equals));
    if (!IsLabelName(name) || absl::StartsWith(name, "__")) {
      return absl::InvalidArgumentError(absl::StrCat("bad label name \"", name, "\""));
    }
    rest.remove_prefix(equals + 1);
    if (rest.empty() || rest[0] != '"') return absl::InvalidArgumentError("unquoted label value");
    rest.remove_prefix(1);
    std::string value;
    while (true) {
      if (rest.empty()) return absl::InvalidArgumentError("unterminated label value");
      const char c = rest[0];
      rest.remove_prefix(1);
      if (c == '"') break;
      if (c == '\n') return absl::InvalidArgumentError("raw newline in a label value");
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (rest.empty()) return absl::InvalidArgumentError("dangling backslash");
      const char escaped = rest[0];
      rest.remove_prefix(1);
      if (escaped == 'n') {
        value.push_back('\n');
      } else if (escaped == '\\' || escaped == '"') {
        value.push_back(escaped);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("bad escape \\", std::string(1, escaped)));
      }
    }
    if (!labels.emplace(name, value).second) {
      return absl::InvalidArgumentError(absl::StrCat("label ", name, " twice"));
    }
    if (!rest.empty() && rest[0] == ',') rest.remove_prefix(1);
    else if (rest.empty() || rest[0] != '}') return absl::InvalidArgumentError("expected , or }");
  }
}

absl::StatusOr<ParsedSample> ParseSample(absl::string_view line) {
  ParsedSample sample;
  std::size_t end = 0;
  while (end < line.size() && line[end] != '{' && line[end] != ' ') ++end;
  sample.name = std::string(line.substr(0, end));
  if (!IsMetricName(sample.name)) {
    return absl::InvalidArgumentError(absl::StrCat("bad metric name \"", sample.name, "\""));
  }
  absl::string_view rest = line.substr(end);
  if (!rest.empty() && rest[0] == '{') {
    if (absl::Status ok = ParseLabels(rest, sample.labels); !ok.ok()) return ok;
  }
  if (rest.empty() || rest[0] != ' ') return absl::InvalidArgumentError("no value");
  std::vector<absl::string_view> fields = absl::StrSplit(rest.substr(1), ' ');
  if (fields.empty() || fields.size() > 2) return absl::InvalidArgumentError("bad value field");
  absl::StatusOr<double> value = ParseValue(fields[0]);
  if (!value.ok()) return value.status();
  sample.value = *value;
  return sample;
}

// The family a sample named `name` belongs to, given the family's type.
bool BelongsTo(const ParsedFamily& family, absl::string_view name) {
  if (name == family.name) return family.type != "histogram";
  if (family.type == "histogram") {
    return name == family.name + "_bucket" || name == family.name + "_sum" ||
           name == family.name + "_count";
  }
  return false;
}

absl::Status CheckHistogram(const ParsedFamily& family) {
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
    bool has_count = false, has_sum = false;
    double count = 0;
  };
  std::map<std::map<std::string, std::string>, Series> series;
  for (const ParsedSample& sample : family.samples) {
    std::map<std::string, std::string> labels = sample.labels;
    if (sample.name == family.name + "_bucket") {
      auto le = labels.find("le");
      if (le == labels.end()) return absl::InvalidArgumentError("a bucket without le");
      absl::StatusOr<double> bound = ParseValue(le->second);
      if (!bound.ok()) return bound.status();
      labels.erase(le);
      series[labels].buckets.emplace_back(*bound, sample.value);
    } else if (sample.name == family.name + "_count") {
      series[labels].has_count = true;
      series[labels].count = sample.value;
    } else {
      series[labels].has_sum = true;
    }
  }
  for (const auto& [labels, one] : series) {
    if (one.buckets.empty() || !one.has_count || !one.has_sum) {
      return absl::InvalidArgumentError("a histogram series lacks buckets, _sum or _count");
    }
    for (std::size_t i = 1; i < one.buckets.size(); ++i) {
      if (!(one.buckets[i].first > one.buckets[i - 1].first)) {
        return absl::InvalidArgumentError("bucket bounds not increasing");
      }
      if (one.buckets[i].second < one.buckets[i - 1].second) {
        return absl::InvalidArgumentError("cumulative bucket counts decrease");
      }
    }
    if (!std::isinf(one.buckets.back().first)) {
      return absl::InvalidArgumentError("the last bucket is not +Inf");
    }
    if (one.buckets.back().second != one.count) {
      return absl::InvalidArgumentError(absl::StrCat("the +Inf bucket (", one.buckets.back().second,
                                                     ") differs from _count (", one.count, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ParsedFamily>> ParsePrometheusText(absl::string_view text) {
  std::vector<ParsedFamily> families;
  std::set<std::string> closed;  // families whose samples have ended
  if (!text.empty() && text.back() != '\n') {
    return absl::InvalidArgumentError("the page does not end with a newline");
  }
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, " (", line, "): ", why));
    };
    if (line.empty()) continue;
    if (absl::StartsWith(line, "# HELP ") || absl::StartsWith(line, "# TYPE ")) {
      const bool help = line[2] == 'H';
      std::vector<absl::string_view> parts = absl::StrSplit(line.substr(7), absl::MaxSplits(' ', 1));
      const std::string name(parts[0]);
      if (!IsMetricName(name)) return fail("bad metric name");
      if (families.empty() || families.back().name != name) {
        if (closed.count(name) > 0) return fail("a family's lines are split up");
        if (!families.empty()) closed.insert(families.back().name);
        families.push_back(ParsedFamily{name, "", "untyped", {}});
      }
      ParsedFamily& family = families.back();
      const std::string rest = parts.size() > 1 ? std::string(parts[1]) : "";
      if (help) {
        std::string unescaped;
        for (std::size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] != '\\') {
            unescaped.push_back(rest[i]);
          } else if (i + 1 < rest.size() && (rest[i + 1] == '\\' || rest[i + 1] == 'n')) {
            unescaped.push_back(rest[++i] == 'n' ? '\n' : '\\');
          } else {
            return fail("bad escape in HELP");
          }
        }
        family.help = unescaped;
        continue;
      }
      static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                   "untyped"};
      if (kTypes.count(rest) == 0) return fail("unknown type");
      if (!family.samples.empty()) return fail("TYPE after the family's samples");
      family.type = rest;
      continue;
    }
    if (line[0] == '#') continue;  // a comment
    absl::StatusOr<ParsedSample> sample = ParseSample(line);
    if (!sample.ok()) return fail(sample.status().message());
    if (families.empty() || !BelongsTo(families.back(), sample->name)) {
      // An untyped family of its own.
      if (closed.count(sample->name) > 0) return fail("a family's lines are split up");
      if (!families.empty()) closed.insert(families.back().name);
      families.push_back(ParsedFamily{sample->name, "", "untyped", {}});
    }
    families.back().samples.push_back(*std::move(sample));
  }
  for (const ParsedFamily& family : families) {
    if (family.type != "histogram") continue;
    if (absl::Status ok = CheckHistogram(family); !ok.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(family.name, ": ", ok.message()));
    }
  }
  return families;
}

absl::StatusOr<double> SampleValue(const std::vector<ParsedFamily>& families,
                                   absl::string_view name,
                                   const std::map<std::string, std::string>& labels) {
  for (const ParsedFamily& family : families) {
    for (const ParsedSample& sample : family.samples) {
      if (sample.name == name && sample.labels == labels) return sample.value;
    }
  }
  return absl::NotFoundError(absl::StrCat("no sample ", name));
}

}  // namespace troupe::metrics_test
