#include "troupe/metrics/internal/names.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace troupe::metrics_internal {

namespace {

bool IsNameStart(char c, bool colon_allowed) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         (colon_allowed && c == ':');
}

bool IsName(absl::string_view name, bool colon_allowed) {
  if (name.empty() || !IsNameStart(name[0], colon_allowed)) return false;
  for (char c : name.substr(1)) {
    if (!IsNameStart(c, colon_allowed) && !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status CheckMetricName(absl::string_view name) {
  if (IsName(name, /*colon_allowed=*/true)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*; got \"", name, "\""));
}

absl::Status CheckLabelNames(absl::string_view metric, const std::vector<std::string>& names,
                             bool for_histogram) {
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& name : names) {
    if (!IsName(name, /*colon_allowed=*/false) || absl::StartsWith(name, "__")) {
      return absl::InvalidArgumentError(
          absl::StrCat("label names of ", metric,
                       " must match [a-zA-Z_][a-zA-Z0-9_]* and not start with \"__\"; got \"",
                       name, "\""));
    }
    if (for_histogram && name == "le") {
      return absl::InvalidArgumentError(absl::StrCat(
          "histogram ", metric, " cannot have a label named \"le\" (its buckets use it)"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", name, "\" appears twice in ", metric));
    }
  }
  return absl::OkStatus();
}

}  // namespace troupe::metrics_internal
