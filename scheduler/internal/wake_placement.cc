#include "troupe/scheduler/internal/wake_placement.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace troupe::scheduler_internal {

WakePlacement::WakePlacement(bool enabled) {
  CPU_ZERO(&allowed_);
  if (enabled && sched_getaffinity(0, sizeof(allowed_), &allowed_) == 0) {
    enabled_ = CPU_COUNT(&allowed_) >= 2;
  }
}

pid_t WakePlacement::CurrentThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

bool WakePlacement::SteerAway(pid_t wakee) const {
  if (!enabled_) return false;
  const int here = sched_getcpu();
  if (here < 0 || !CPU_ISSET(here, &allowed_)) return false;
  cpu_set_t elsewhere = allowed_;
  CPU_CLR(here, &elsewhere);
  return sched_setaffinity(wakee, sizeof(elsewhere), &elsewhere) == 0;
}

void WakePlacement::Restore() const {
  if (enabled_) sched_setaffinity(0, sizeof(allowed_), &allowed_);
}

}  // namespace troupe::scheduler_internal
