#include "troupe/scheduler/fiber_info.h"

#include "absl/strings/str_cat.h"

namespace troupe {

std::string FormatFiberDump(const std::vector<FiberInfo>& fibers) {
  std::string text;
  for (const FiberInfo& fiber : fibers) {
    absl::StrAppend(&text, "fiber ", fiber.id, " [", fiber.state);
    if (!fiber.wait_reason.empty()) absl::StrAppend(&text, ": ", fiber.wait_reason);
    absl::StrAppend(&text, "]\n");
  }
  return text;
}

std::string DeadlockReport::ToString() const {
  return absl::StrCat("all fibers are asleep - deadlock!\n\n", FormatFiberDump(fibers));
}

}  // namespace troupe
