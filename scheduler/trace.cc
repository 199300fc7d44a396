#include "troupe/scheduler/trace.h"

#include "absl/strings/str_cat.h"
#include "troupe/scheduler/fiber_labels.h"

namespace troupe {

std::string TraceSliceName(const TraceSlice& slice) {
  if (slice.labels == nullptr || slice.labels->description().empty()) {
    return absl::StrCat("fiber ", slice.fiber);
  }
  return absl::StrCat("fiber ", slice.fiber, " ", slice.labels->description());
}

}  // namespace troupe
