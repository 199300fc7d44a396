#include "troupe/benchmarks/compare/erased_workload.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace troupe::benchmarks {

absl::Status ValidateWorkload(const ErasedWorkload& w) {
  auto invalid = [&w](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("workload \"", w.name, "\": ", what));
  };
  if (w.records < 1) return invalid(absl::StrCat("records must be >= 1; got ", w.records));
  if (!w.make_record || !w.free_record) return invalid("make must be set");
  if (!w.fill) return invalid("source must be set");
  if (!w.result) return invalid("result must be set");
  if (w.stages.empty()) return invalid("at least one stage is needed");
  for (const ErasedStage& stage : w.stages) {
    if (!stage.run) return invalid(absl::StrCat("stage \"", stage.name, "\" has no function"));
  }
  if (w.keys < 0) return invalid(absl::StrCat("keys must be >= 0; got ", w.keys));
  if (w.keys > 0 && !w.key) return invalid("keys > 0 needs a key function");
  if (w.keys == 0 && w.key) return invalid("a key function needs keys > 0");
  if (w.has_state() && w.keys == 0) return invalid("state needs keys > 0 and a key function");
  if (w.has_state() && w.ordered) {
    return invalid("a workload is either stateful or ordered, not both");
  }
  return absl::OkStatus();
}

}  // namespace troupe::benchmarks
