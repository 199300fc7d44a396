#include "troupe/scheduler/fiber_info.h"

#include "absl/strings/str_cat.h"

namespace troupe {

std::string FormatFiberDump(const std::vector<FiberInfo>& fibers) {
  std::string text;
  for (const FiberInfo& fiber : fibers) {
    absl::StrAppend(&text, "fiber ", fiber.id);
    if (!fiber.description.empty()) absl::StrAppend(&text, " ", fiber.description);
    absl::StrAppend(&text, " [", fiber.state);
    if (!fiber.wait_reason.empty()) absl::StrAppend(&text, ": ", fiber.wait_reason);
    if (fiber.waiting_for > absl::ZeroDuration()) {
      absl::StrAppend(&text, ", ", absl::FormatDuration(absl::Trunc(fiber.waiting_for, absl::Milliseconds(1))));
    }
    absl::StrAppend(&text, "]\n");
  }
  return text;
}

std::string DeadlockReport::ToString() const {
  return absl::StrCat("all fibers are asleep - deadlock!\n\n", FormatFiberDump(fibers));
}

}  // namespace troupe
