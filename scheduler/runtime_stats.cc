#include "troupe/scheduler/runtime_stats.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace troupe {

std::string RuntimeStats::ToString() const {
  return absl::StrCat("fibers=", fibers_alive(), " spawned=", fibers_spawned,
                      " switches=", switches, " stolen=", fibers_stolen,
                      " steal_attempts=", steal_attempts, " parks=", machine_parks,
                      " wakeups=", machine_wakeups, " timers=", timers_fired,
                      " machines=", machines, " stacks=", stacks_mapped, " stacks_in_use=", stacks_in_use,
                      " stack_failures=", stack_failures,
                      " blocking=", blocking_calls, " handoffs=", processor_handoffs,
                      " long_running=", long_running_fibers, " netpoll=", netpoll_wakeups,
                      " runqueue=", runnable_global, " [",
                      absl::StrJoin(runnable_per_processor, " "), "]");
}

}  // namespace troupe
