// How a supervisor reacts to a failing child (see supervisor.h).
#ifndef TROUPE_ACTORS_SUPERVISOR_OPTIONS_H_
#define TROUPE_ACTORS_SUPERVISOR_OPTIONS_H_

#include <string>

#include "absl/time/time.h"

namespace troupe {

enum class RestartStrategy {
  kOneForOne,   // restart only the child that failed
  kOneForAll,   // restart every child
  kRestForOne,  // restart the failed child and every child started after it
};

struct SupervisorOptions {
  RestartStrategy strategy = RestartStrategy::kOneForOne;
  // Restart intensity, as in OTP: more than `max_restarts` restarts within `within`
  // and the supervisor gives up and escalates to its own supervisor.
  int max_restarts = 3;
  absl::Duration within = absl::Seconds(5);
  std::string name = "";
};

}  // namespace troupe

#endif  // TROUPE_ACTORS_SUPERVISOR_OPTIONS_H_
